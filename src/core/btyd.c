/*
 * btyd.c — checks and compression of BTYD customer summaries.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "btyd.h"
#include "interrupt.h"

/*
 * The sort and the merge poll the interrupt hook so that a cancel (which
 * leaves by longjmp in the server) is seen during a compression of millions
 * of cells.  They hold only the caller's memory.  A hook that returns
 * nonzero instead is not obeyed here: a half-sorted buffer must not escape,
 * and the remaining work is O(n log n).
 */

cl_status
cl_btyd_check(double x, double t_x, double T)
{
	if (!isfinite(x) || !isfinite(t_x) || !isfinite(T))
		return CL_ENOTFINITE;
	/* x counts repeat purchases; the likelihood's (b+x-1) needs x = 0 or x >= 1 */
	if (x < 0.0 || x != floor(x) || T < 0.0)
		return CL_EINVAL;
	if (x > 0.0 && (t_x < 0.0 || t_x > T))
		return CL_EINVAL;
	return CL_OK;
}

cl_status
cl_btyd_cell_check(const cl_btyd_cell *cell)
{
	if (!isfinite(cell->weight))
		return CL_ENOTFINITE;
	if (cell->weight < 0.0)
		return CL_EINVAL;
	return cl_btyd_check(cell->x, cell->t_x, cell->T);
}

/*
 * The order of cells: by (x, t_x, T), then weight.  A total order on the
 * values (no NaNs pass cl_btyd_cell_check), so a sorted, merged result does
 * not depend on the input order or on the sort algorithm.
 */
static inline int
cell_less(const cl_btyd_cell *a, const cl_btyd_cell *b)
{
	if (a->x != b->x)
		return a->x < b->x;
	if (a->t_x != b->t_x)
		return a->t_x < b->t_x;
	if (a->T != b->T)
		return a->T < b->T;
	return a->weight < b->weight;
}

static inline int
same_summary(const cl_btyd_cell *a, const cl_btyd_cell *b)
{
	return a->x == b->x && a->t_x == b->t_x && a->T == b->T;
}

static inline void
swap_cells(cl_btyd_cell *a, cl_btyd_cell *b)
{
	cl_btyd_cell t = *a;

	*a = *b;
	*b = t;
}

static void
insertion_sort(cl_btyd_cell *v, size_t n)
{
	size_t		i,
				j;

	for (i = 1; i < n; i++)
	{
		cl_btyd_cell t = v[i];

		for (j = i; j > 0 && cell_less(&t, &v[j - 1]); j--)
			v[j] = v[j - 1];
		v[j] = t;
	}
}

static void
sift_down(cl_btyd_cell *v, size_t root, size_t n)
{
	for (;;)
	{
		size_t		child = 2 * root + 1;

		if (child >= n)
			return;
		if (child + 1 < n && cell_less(&v[child], &v[child + 1]))
			child++;
		if (!cell_less(&v[root], &v[child]))
			return;
		swap_cells(&v[root], &v[child]);
		root = child;
	}
}

static void
heap_sort(cl_btyd_cell *v, size_t n)
{
	size_t		i;

	for (i = n / 2; i-- > 0;)
	{
		(void) CL_POLL(i);
		sift_down(v, i, n);
	}
	for (i = n; i-- > 1;)
	{
		(void) CL_POLL(i);
		swap_cells(&v[0], &v[i]);
		sift_down(v, 0, i);
	}
}

/*
 * Introsort with the comparison inlined: quicksort with a median-of-three
 * pivot and Hoare partitioning (balanced on runs of equal keys), heapsort
 * when the recursion gets too deep, insertion sort for short ranges.  About
 * three times as fast as qsort with a comparison callback, and no memory
 * beyond the O(log n) stack.
 */
static void
sort_cells(cl_btyd_cell *v, size_t n, int depth)
{
	while (n > 16)
	{
		size_t		mid = n / 2,
					i,
					j;
		cl_btyd_cell pivot;

		/* one poll per partition pass of at least CL_POLL_EVERY cells */
		if (n >= CL_POLL_EVERY)
			(void) cl_interrupted();
		if (depth-- == 0)
		{
			heap_sort(v, n);
			return;
		}
		/* order v[0] <= v[mid] <= v[n-1]: they bound both scans */
		if (cell_less(&v[mid], &v[0]))
			swap_cells(&v[mid], &v[0]);
		if (cell_less(&v[n - 1], &v[mid]))
		{
			swap_cells(&v[n - 1], &v[mid]);
			if (cell_less(&v[mid], &v[0]))
				swap_cells(&v[mid], &v[0]);
		}
		pivot = v[mid];
		i = 0;
		j = n - 1;
		for (;;)
		{
			do
				i++;
			while (cell_less(&v[i], &pivot));
			do
				j--;
			while (cell_less(&pivot, &v[j]));
			if (i >= j)
				break;
			swap_cells(&v[i], &v[j]);
		}
		/* v[0..j] <= pivot <= v[j+1..n-1]; recurse into the smaller side */
		if (j + 1 < n - j - 1)
		{
			sort_cells(v, j + 1, depth);
			v += j + 1;
			n -= j + 1;
		}
		else
		{
			sort_cells(v + j + 1, n - j - 1, depth);
			n = j + 1;
		}
	}
	insertion_sort(v, n);
}

static int
depth_limit(size_t n)
{
	int			d = 0;

	while (n > 1)
	{
		n >>= 1;
		d += 2;
	}
	return d;
}

/* Set t_x = 0 where x = 0: recency means nothing without repeat purchases. */
static void
normalise(cl_btyd_cell *cells, size_t n)
{
	size_t		i;

	for (i = 0; i < n; i++)
		if (cells[i].x == 0.0)
			cells[i].t_x = 0.0;
}

/* Merge adjacent cells with equal summaries in sorted cells; new count. */
static size_t
merge_equal(cl_btyd_cell *cells, size_t n)
{
	size_t		i,
				out = 0;

	if (n == 0)
		return 0;
	for (i = 1; i < n; i++)
	{
		if (same_summary(&cells[i], &cells[out]))
			cells[out].weight += cells[i].weight;
		else
			cells[++out] = cells[i];
	}
	return out + 1;
}

size_t
cl_btyd_cells_sort_merge(cl_btyd_cell *cells, size_t n)
{
	normalise(cells, n);
	sort_cells(cells, n, depth_limit(n));
	return merge_equal(cells, n);
}

size_t
cl_btyd_cells_sorted_prefix(cl_btyd_cell *cells, size_t n)
{
	size_t		i;

	if (n == 0)
		return 0;
	if (cells[0].x == 0.0)
		cells[0].t_x = 0.0;
	for (i = 1; i < n; i++)
	{
		if (cells[i].x == 0.0)
			cells[i].t_x = 0.0;
		if (!cell_less(&cells[i - 1], &cells[i]) || same_summary(&cells[i - 1], &cells[i]))
			return i;
	}
	return n;
}

size_t
cl_btyd_cells_merge_tail(cl_btyd_cell *cells, size_t nsorted, size_t n,
						 cl_btyd_cell *scratch)
{
	size_t		q,
				i,
				j,
				k;

	/* a tail that is itself sorted and merged (another state) only merges */
	q = n - nsorted;
	if (cl_btyd_cells_sorted_prefix(cells + nsorted, q) < q)
		q = cl_btyd_cells_sort_merge(cells + nsorted, q);
	if (nsorted == 0 || q == 0)
		return nsorted + q;
	/*
	 * Merge from the back: the sorted tail moves to scratch, the prefix
	 * stays.  Each run is strictly increasing, so the only equal summaries
	 * are one prefix cell and one tail cell meeting here; they become one.
	 */
	memcpy(scratch, cells + nsorted, q * sizeof(cl_btyd_cell));
	i = nsorted;
	j = q;
	k = nsorted + q;
	while (j > 0)
	{
		(void) CL_POLL(j);
		if (i > 0 && same_summary(&scratch[j - 1], &cells[i - 1]))
		{
			cells[--k] = cells[--i];
			cells[k].weight += scratch[--j].weight;
		}
		else if (i > 0 && cell_less(&scratch[j - 1], &cells[i - 1]))
			cells[--k] = cells[--i];
		else
			cells[--k] = scratch[--j];
	}
	/* cells[0..i-1] are in place; what was merged ends at nsorted + q */
	if (k > i)
		memmove(cells + i, cells + k, (nsorted + q - k) * sizeof(cl_btyd_cell));
	return nsorted + q - (k - i);
}
