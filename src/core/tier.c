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

cl_status
cl_tier_thresholds(cl_i128 *values, size_t n, const double *shares,
				   int nshares, cl_i128 *thresholds)
{
	double		cum = 0.0;
	int			k;
	cl_status	st;

	if (n == 0)
		return CL_EINVAL;
	st = cl_tier_check_shares(shares, nshares);
	if (st != CL_OK)
		return st;
	qsort(values, n, sizeof(cl_i128), cmp_i128);
	for (k = 0; k < nshares; k++)
	{
		double		want;
		size_t		rank;

		cum += shares[k];
		/*
		 * The 1e-9 slack keeps 0.01 * 20000 = 200.00000000000003 from
		 * becoming rank 201.
		 */
		want = ceil(cum * (double) n - 1e-9);
		rank = want < 1.0 ? 1 : (want > (double) n ? n : (size_t) want);
		thresholds[nshares - 1 - k] = values[n - rank];
	}
	return CL_OK;
}
