/*
 * tier.c — the tier of a value, and thresholds of relative loyalty tiers.
 */
#include <math.h>

#include "select.h"
#include "tier.h"

cl_status
cl_tier_check_counts(int nthresholds, int nnames)
{
	if (nthresholds != nnames || nthresholds < 1 || nthresholds > CL_TIER_MAX)
		return CL_EINVAL;
	return CL_OK;
}

cl_status
cl_tier_lookup(int n, const cl_tier_order *order, int *tier, int *bad)
{
	int			i;

	*tier = -1;
	*bad = -1;
	for (i = 0; i < n; i++)
	{
		if (order->is_nan(order->ctx, i))
		{
			*bad = i;
			return CL_ENOTFINITE;
		}
		if (i > 0 && order->compare(order->ctx, i - 1, i) > 0)
		{
			*bad = i;
			return CL_ENOTASCENDING;
		}
		/* thresholds ascend, so the last one reached is the highest tier */
		if (order->reaches(order->ctx, i))
			*tier = i;
	}
	return CL_OK;
}

typedef struct double_tiers
{
	const double *th;
	double		value;
} double_tiers;

static int
double_is_nan(void *ctx, int i)
{
	return isnan(((const double_tiers *) ctx)->th[i]);
}

static int
double_compare(void *ctx, int i, int j)
{
	const double *th = ((const double_tiers *) ctx)->th;

	return (th[i] > th[j]) - (th[i] < th[j]);
}

static int
double_reaches(void *ctx, int i)
{
	const double_tiers *d = ctx;

	return d->value >= d->th[i];
}

cl_status
cl_tier_lookup_double(const double *thresholds, int n, double value, int *tier, int *bad)
{
	double_tiers d = {thresholds, value};
	cl_tier_order order = {double_is_nan, double_compare, double_reaches, &d};

	if (isnan(value))
	{
		*tier = -1;
		*bad = -1;
		return CL_ENOTFINITE;
	}
	return cl_tier_lookup(n, &order, tier, bad);
}

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
			if (cl_select_i128(values, 0, bound, pos, interrupt, interrupt_ctx))
				return CL_ENOCONVERGE;
			bound = pos;
		}
		thresholds[nshares - 1 - k] = values[pos];
	}
	return CL_OK;
}
