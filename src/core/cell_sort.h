/*
 * cell_sort.h — sorting and merging of weighted fit cells, written once and
 * instantiated per cell type (btyd.c for (x, t_x, T) cells, gamma_gamma.c
 * for (x, m) cells).  Include it in one .c file after defining:
 *
 *   CS_TYPE           the cell type; it has a double field "weight"
 *   CS_LESS(a, b)     a strict total order on cells (pointers), by the
 *                     summary first and the weight last
 *   CS_SAME(a, b)     equal summaries (every field but the weight)
 *   CS_NORMALISE(c)   a statement that puts cell c (a pointer) into its
 *                     canonical form before it is compared; may be empty
 *   CS_SORT_MERGE, CS_SORTED_PREFIX, CS_MERGE_TAIL
 *                     the names of the three functions to define
 *
 * The functions (declared in the type's header) follow one contract:
 *
 *   size_t CS_SORT_MERGE(CS_TYPE *cells, size_t n)
 *       normalise, sort by CS_LESS, merge equal summaries by summing
 *       weights; returns the new count.  The result does not depend on the
 *       input order (the weights neither, when they are whole numbers).
 *   size_t CS_SORTED_PREFIX(CS_TYPE *cells, size_t n)
 *       normalises the cells it looks at and returns the length of the
 *       leading run that is sorted and merged (strictly increasing).
 *   size_t CS_MERGE_TAIL(CS_TYPE *cells, size_t nsorted, size_t n,
 *                        CS_TYPE *scratch)
 *       sorts and merges cells[nsorted..n-1] and merges them into the
 *       sorted prefix; the same result as CS_SORT_MERGE over all n cells,
 *       in O(t log t + n) for a tail of t cells.  scratch holds n - nsorted.
 *
 * The sort is an introsort with the comparison inlined: quicksort with a
 * median-of-three pivot and Hoare partitioning (balanced on runs of equal
 * keys), heapsort when the recursion gets too deep, insertion sort for
 * short ranges.  About three times as fast as qsort with a comparison
 * callback, and no memory beyond the O(log n) stack.  The sort and the
 * merge poll the interrupt hook (interrupt.h) so that a cancel, which
 * leaves by longjmp in the server, is seen while millions of cells are
 * compressed; a hook that returns nonzero instead is not obeyed: a
 * half-sorted buffer must not escape, and the remaining work is O(n log n).
 */
#include <string.h>

#include "interrupt.h"

static inline void
cs_swap(CS_TYPE *a, CS_TYPE *b)
{
	CS_TYPE		t = *a;

	*a = *b;
	*b = t;
}

static void
cs_insertion_sort(CS_TYPE *v, size_t n)
{
	size_t		i,
				j;

	for (i = 1; i < n; i++)
	{
		CS_TYPE		t = v[i];

		for (j = i; j > 0 && CS_LESS(&t, &v[j - 1]); j--)
			v[j] = v[j - 1];
		v[j] = t;
	}
}

static void
cs_sift_down(CS_TYPE *v, size_t root, size_t n)
{
	for (;;)
	{
		size_t		child = 2 * root + 1;

		if (child >= n)
			return;
		if (child + 1 < n && CS_LESS(&v[child], &v[child + 1]))
			child++;
		if (!CS_LESS(&v[root], &v[child]))
			return;
		cs_swap(&v[root], &v[child]);
		root = child;
	}
}

static void
cs_heap_sort(CS_TYPE *v, size_t n)
{
	size_t		i;

	for (i = n / 2; i-- > 0;)
	{
		(void) CL_POLL(i);
		cs_sift_down(v, i, n);
	}
	for (i = n; i-- > 1;)
	{
		(void) CL_POLL(i);
		cs_swap(&v[0], &v[i]);
		cs_sift_down(v, 0, i);
	}
}

static void
cs_sort(CS_TYPE *v, size_t n, int depth)
{
	while (n > 16)
	{
		size_t		mid = n / 2,
					i,
					j;
		CS_TYPE		pivot;

		/* one poll per partition pass of at least CL_POLL_EVERY cells */
		if (n >= CL_POLL_EVERY)
			(void) cl_interrupted();
		if (depth-- == 0)
		{
			cs_heap_sort(v, n);
			return;
		}
		/* order v[0] <= v[mid] <= v[n-1]: they bound both scans */
		if (CS_LESS(&v[mid], &v[0]))
			cs_swap(&v[mid], &v[0]);
		if (CS_LESS(&v[n - 1], &v[mid]))
		{
			cs_swap(&v[n - 1], &v[mid]);
			if (CS_LESS(&v[mid], &v[0]))
				cs_swap(&v[mid], &v[0]);
		}
		pivot = v[mid];
		i = 0;
		j = n - 1;
		for (;;)
		{
			do
				i++;
			while (CS_LESS(&v[i], &pivot));
			do
				j--;
			while (CS_LESS(&pivot, &v[j]));
			if (i >= j)
				break;
			cs_swap(&v[i], &v[j]);
		}
		/* v[0..j] <= pivot <= v[j+1..n-1]; recurse into the smaller side */
		if (j + 1 < n - j - 1)
		{
			cs_sort(v, j + 1, depth);
			v += j + 1;
			n -= j + 1;
		}
		else
		{
			cs_sort(v + j + 1, n - j - 1, depth);
			n = j + 1;
		}
	}
	cs_insertion_sort(v, n);
}

static int
cs_depth_limit(size_t n)
{
	int			d = 0;

	while (n > 1)
	{
		n >>= 1;
		d += 2;
	}
	return d;
}

/* Merge adjacent cells with equal summaries in sorted cells; new count. */
static size_t
cs_merge_equal(CS_TYPE *cells, size_t n)
{
	size_t		i,
				out = 0;

	if (n == 0)
		return 0;
	for (i = 1; i < n; i++)
	{
		if (CS_SAME(&cells[i], &cells[out]))
			cells[out].weight += cells[i].weight;
		else
			cells[++out] = cells[i];
	}
	return out + 1;
}

size_t
CS_SORT_MERGE(CS_TYPE *cells, size_t n)
{
	size_t		i;

	for (i = 0; i < n; i++)
	{
		CS_TYPE    *c = &cells[i];

		CS_NORMALISE(c);
		(void) c;
	}
	cs_sort(cells, n, cs_depth_limit(n));
	return cs_merge_equal(cells, n);
}

size_t
CS_SORTED_PREFIX(CS_TYPE *cells, size_t n)
{
	size_t		i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
	{
		CS_TYPE    *c = &cells[i];

		CS_NORMALISE(c);
		(void) c;
		if (i > 0 && (!CS_LESS(&cells[i - 1], &cells[i]) || CS_SAME(&cells[i - 1], &cells[i])))
			return i;
	}
	return n;
}

size_t
CS_MERGE_TAIL(CS_TYPE *cells, size_t nsorted, size_t n, CS_TYPE *scratch)
{
	size_t		q,
				i,
				j,
				k;

	/* a tail that is itself sorted and merged (another state) only merges */
	q = n - nsorted;
	if (CS_SORTED_PREFIX(cells + nsorted, q) < q)
		q = CS_SORT_MERGE(cells + nsorted, q);
	if (nsorted == 0 || q == 0)
		return nsorted + q;
	/*
	 * Merge from the back: the sorted tail moves to scratch, the prefix
	 * stays.  Each run is strictly increasing, so the only equal summaries
	 * are one prefix cell and one tail cell meeting here; they become one.
	 */
	memcpy(scratch, cells + nsorted, q * sizeof(CS_TYPE));
	i = nsorted;
	j = q;
	k = nsorted + q;
	while (j > 0)
	{
		(void) CL_POLL(j);
		if (i > 0 && CS_SAME(&scratch[j - 1], &cells[i - 1]))
		{
			cells[--k] = cells[--i];
			cells[k].weight += scratch[--j].weight;
		}
		else if (i > 0 && CS_LESS(&scratch[j - 1], &cells[i - 1]))
			cells[--k] = cells[--i];
		else
			cells[--k] = scratch[--j];
	}
	/* cells[0..i-1] are in place; what was merged ends at nsorted + q */
	if (k > i)
		memmove(cells + i, cells + k, (nsorted + q - k) * sizeof(CS_TYPE));
	return nsorted + q - (k - i);
}
