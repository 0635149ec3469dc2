/*
 * tier.h — loyalty tiers: the tier of a value under explicit thresholds,
 * and relative tiers, whose thresholds come from shares of a population.
 *
 * Explicit thresholds: tier i opens at thresholds[i], lowest tier first.
 * The thresholds must be non-descending (equal ones are allowed: the higher
 * tier wins and the lower one stays empty) and none may be NaN; a value
 * belongs to the highest tier whose threshold it reaches (value >=
 * threshold), and to none when it is below the first.
 *
 * Relative tiers:
 * "Top 1% / next 9% / next 20% / rest" becomes value thresholds: the tier
 * with cumulative top share c starts at the value of the customer ranked
 * ceil(c N) from the top.  Everyone at or above that value is in the tier or
 * higher, so ties always share a tier (a tier may then hold slightly more
 * than its share, never a tied customer split across two tiers).
 */
#ifndef CL_TIER_H
#define CL_TIER_H

#include <stddef.h>

#include "cl_status.h"
#include "money.h"

#define CL_TIER_MAX 64

/*
 * A scheme of nthresholds thresholds and nnames names is well formed when
 * the counts are equal and between 1 and CL_TIER_MAX: CL_EINVAL otherwise.
 */
extern cl_status cl_tier_check_counts(int nthresholds, int nnames);

/*
 * The explicit-threshold lookup over thresholds of any type (the SQL glue
 * compares exact numerics of any size, the tests doubles): the caller
 * answers three questions about its thresholds and the value.
 */
typedef struct cl_tier_order
{
	int			(*is_nan) (void *ctx, int i);	/* threshold i is NaN */
	int			(*compare) (void *ctx, int i, int j);	/* sign of th[i] - th[j] */
	int			(*reaches) (void *ctx, int i);	/* value >= th[i] */
	void	   *ctx;
} cl_tier_order;

/*
 * Check thresholds 0..n-1 in order and find the tier of the value: *tier
 * receives the highest i with value >= threshold i, or -1 below the first
 * threshold.  The first bad threshold stops the scan: CL_ENOTFINITE for a
 * NaN, CL_ENOTASCENDING for one below its predecessor, with its index in
 * *bad (-1 when all are good).  n must be >= 0 (0 gives tier -1); the
 * count rule is cl_tier_check_counts'.
 */
extern cl_status cl_tier_lookup(int n, const cl_tier_order *order, int *tier, int *bad);

/*
 * cl_tier_lookup over doubles; a NaN value gives CL_ENOTFINITE with
 * *bad = -1 (a value that reaches no threshold and fails none).
 */
extern cl_status cl_tier_lookup_double(const double *thresholds, int n, double value,
									   int *tier, int *bad);

/* Shares (top tier first) must each be in (0, 1] and sum to at most 1. */
extern cl_status cl_tier_check_shares(const double *shares, int nshares);

/*
 * Reorder values[0..n-1] (all at one scale; not necessarily sorted
 * afterwards) and write nshares thresholds in
 * ascending order: thresholds[0] opens the lowest tier above the base tier,
 * thresholds[nshares - 1] the top tier.  n must be >= 1.
 */
extern cl_status cl_tier_thresholds(cl_i128 *values, size_t n,
									const double *shares, int nshares,
									cl_i128 *thresholds);

/*
 * The same, polling interrupt (may be NULL) while it works on more than 64k
 * values; a nonzero return stops it with CL_ENOCONVERGE.
 */
extern cl_status cl_tier_thresholds_poll(cl_i128 *values, size_t n,
										 const double *shares, int nshares,
										 cl_i128 *thresholds,
										 int (*interrupt) (void *), void *interrupt_ctx);

#endif							/* CL_TIER_H */
