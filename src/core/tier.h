/*
 * tier.h — relative loyalty tiers: thresholds from shares of a population.
 *
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
