/*
 * tier.c — thresholds of relative loyalty tiers.
 */
#include <math.h>
#include <stdlib.h>

#include "tier.h"

cl_status
cl_tier_check_shares(const double *shares, int nshares)
{
	double		sum = 0.0;
	int			i;

	if (nshares < 1 || nshares > CL_TIER_MAX)
		return CL_EINVAL;
	for (i = 0; i < nshares; i++)
	{
		if (!isfinite(shares[i]))
			return CL_ENOTFINITE;
		if (shares[i] <= 0.0 || shares[i] > 1.0)
			return CL_EINVAL;
		sum += shares[i];
	}
	/* allow for the rounding of shares such as 0.1 + 0.2 + 0.7 */
	if (sum > 1.0 + 1e-9)
		return CL_EINVAL;
	return CL_OK;
}

static int
cmp_i128(const void *pa, const void *pb)
{
	const cl_i128 *a = pa;
	const cl_i128 *b = pb;

	return (*a > *b) - (*a < *b);
}

static inline void
swap_i128(cl_i128 *a, cl_i128 *b)
{
	cl_i128		t = *a;

	*a = *b;
	*b = t;
}

/*
 * Put into v[k] the value a full sort of v[0..hi-1] would put there, smaller
 * or equal values before it (quickselect with median-of-three pivots; after
 * more rounds than a balanced run needs, the rest is sorted, so the worst
 * case stays O(n log n)).  interrupt is polled once per round over large
 * ranges; it returns nonzero to stop (the order is then incomplete).
 */
static int
select_i128(cl_i128 *v, size_t hi, size_t k, int (*interrupt) (void *), void *ictx)
{
	size_t		lo = 0;
	int			rounds = 0;
	size_t		n;

	for (n = hi; n > 1; n >>= 1)
		rounds += 2;
	while (hi - lo > 3)
	{
		size_t		mid = lo + (hi - lo) / 2,
					i = lo,
					j = hi - 1;
		cl_i128		pivot;

		if (interrupt != NULL && hi - lo > 65536 && interrupt(ictx))
			return 1;
		if (rounds-- == 0)
			break;
		if (v[mid] < v[lo])
			swap_i128(&v[mid], &v[lo]);
		if (v[hi - 1] < v[mid])
		{
			swap_i128(&v[hi - 1], &v[mid]);
			if (v[mid] < v[lo])
				swap_i128(&v[mid], &v[lo]);
		}
		pivot = v[mid];
		for (;;)
		{
			do
				i++;
			while (v[i] < pivot);
			do
				j--;
			while (pivot < v[j]);
			if (i >= j)
				break;
			swap_i128(&v[i], &v[j]);
		}
		if (k <= j)
			hi = j + 1;
		else
			lo = j + 1;
	}
	qsort(v + lo, hi - lo, sizeof(cl_i128), cmp_i128);
	return 0;
}

cl_status
cl_tier_thresholds(cl_i128 *values, size_t n, const double *shares,
				   int nshares, cl_i128 *thresholds)
{
	return cl_tier_thresholds_poll(values, n, shares, nshares, thresholds, NULL, NULL);
}

cl_status
cl_tier_thresholds_poll(cl_i128 *values, size_t n, const double *shares,
						int nshares, cl_i128 *thresholds,
						int (*interrupt) (void *), void *interrupt_ctx)
{
	double		cum = 0.0;
	int			k;
	size_t		bound;
	cl_status	st;

	if (n == 0)
		return CL_EINVAL;
	st = cl_tier_check_shares(shares, nshares);
	if (st != CL_OK)
		return st;
	/*
	 * Each threshold is an order statistic, taken by selection from the top
	 * down, each within the part the previous one left below it: linear
	 * time instead of a sort, with the values a sort would give.
	 */
	bound = n;
	for (k = 0; k < nshares; k++)
	{
		double		want;
		size_t		rank;
		size_t		pos;

		cum += shares[k];
		/*
		 * The 1e-9 slack keeps 0.01 * 20000 = 200.00000000000003 from
		 * becoming rank 201.
		 */
		want = ceil(cum * (double) n - 1e-9);
		rank = want < 1.0 ? 1 : (want > (double) n ? n : (size_t) want);
		pos = n - rank;
		if (pos < bound)
		{
			if (select_i128(values, bound, pos, interrupt, interrupt_ctx))
				return CL_ENOCONVERGE;
			bound = pos;
		}
		thresholds[nshares - 1 - k] = values[pos];
	}
	return CL_OK;
}
