/*
 * tier_glue.h — what the loyalty tier glue files share.
 *
 *   tier_lookup.c  loyalty_tier(value, thresholds, names): explicit thresholds
 *   tier_scheme.c  the loyalty_scheme aggregate: relative tiers from shares
 *   tier_spend.c   qualifying_spend and loyalty_tier over a rolling window
 *                  of orders (aggregates)
 *   tier_window.c  loyalty_tier(value) OVER (...): the default relative
 *                  scheme over the partition
 *
 * Amounts are summed and ranked as exact scaled integers (numeric_money.c);
 * the tier rules are the core's (tier.h).
 */
#ifndef CL_TIER_GLUE_H
#define CL_TIER_GLUE_H

#include "postgres.h"

#include "fmgr.h"
#include "utils/array.h"

#include "defaults.h"
#include "money.h"
#include "tier.h"

/* Cancel from inside the core (its polling callback). */
extern int	tier_core_interrupt(void *ctx);

/* ---- tier_lookup.c ---- */

/*
 * Validate thresholds and names and return the name of value's tier, or
 * NULL when value is below the lowest threshold.
 */
extern text *tier_name_for(Datum value, ArrayType *thresholds, ArrayType *names);

/* A NaN numeric argument is an error (22023) naming it. */
extern void tier_check_value(Datum value, const char *argname);

/* ---- tier_scheme.c ---- */

typedef struct SchemeState
{
	int32		scale;			/* common scale of all values */
	size_t		n;
	size_t		cap;
	cl_i128    *v;
	int			nshares;		/* 0 until the first row sets the scheme */
	double		shares[CL_TIER_MAX];
	char	   *names[CL_TIER_MAX + 1];
} SchemeState;

/* The default scheme (defaults.h): shares and names, lowest tier first. */
extern const double tier_default_shares[CL_DEFAULT_TIER_NSHARES];
extern const char *const tier_default_names[CL_DEFAULT_TIER_NSHARES + 1];

/* Append a value at scale to the state, rescaling to a common scale. */
extern void tier_scheme_push(MemoryContext ctx, SchemeState *s, cl_i128 units, int scale);

#endif							/* CL_TIER_GLUE_H */
