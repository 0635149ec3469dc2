/*
 * profile.h — one customer's order history reduced to a BTYD/RFM profile.
 *
 * Definitions (those of the lifetimes package's summary_data_from_transaction_data,
 * so results can be compared with it):
 *   every order time and as_of are floored to the start of their period;
 *   orders in a period after as_of's period are ignored;
 *   a period with at least one non-refund order is a purchase period, and
 *   its amount is the net of every order in it (refunds included);
 *   frequency x  = purchase periods - 1
 *   recency  t_x = (last - first purchase period start) / unit
 *   T            = (as_of period start - first purchase period start) / unit
 *   monetary     = mean net amount of the repeat purchase periods (0 if x = 0)
 * A refund (amount < 0) alone does not make a purchase period: it counts in
 * total spend only.  An order with an unknown (NULL) amount is a purchase
 * that adds nothing to any sum.
 *
 * The accumulator keeps one entry per period touched.  Entries are appended
 * unsorted and compacted (sorted by period, duplicates merged) only when the
 * buffer is full, so in-order input costs O(1) per row and arbitrary order
 * O(log n) amortised.  Memory comes from the caller's allocator, so the SQL
 * glue can use the aggregate's memory context.
 */
#ifndef CL_PROFILE_H
#define CL_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "cl_status.h"
#include "money.h"
#include "period.h"

typedef void *(*cl_realloc_fn) (void *ctx, void *ptr, size_t size);

typedef struct cl_period_sum
{
	int64_t		period;			/* period index (cl_period_index) */
	int64_t		purchases;		/* non-refund orders in the period */
	cl_i128		net;			/* net amount, at the accumulator's scale */
} cl_period_sum;

typedef struct cl_profile_acc
{
	/* parameters: identical for every row of one customer */
	cl_period	period;
	int64_t		unit_usec;
	int64_t		as_of;			/* observation end (timestamp) */
	int64_t		as_of_index;	/* its period index */

	/* running values */
	int32_t		scale;			/* decimal scale of total and every net */
	int32_t		display_scale;	/* largest scale the amounts were written with */
	int64_t		orders;			/* non-refund orders up to as_of's period */
	int64_t		refunds;		/* refund rows up to as_of's period */
	int64_t		first_ts;		/* earliest non-refund order, INT64_MAX if none */
	int64_t		last_ts;		/* latest non-refund order, INT64_MIN if none */
	cl_i128		total;			/* sum of all amounts up to as_of's period */

	size_t		n;				/* entries in use */
	size_t		cap;			/* entries allocated */
	size_t		sorted;			/* leading entries known sorted and merged */
	cl_period_sum *sums;
} cl_profile_acc;

typedef struct cl_profile
{
	int64_t		first_ts;
	int64_t		last_ts;
	int64_t		orders;
	int64_t		refunds;
	int64_t		periods;
	double		frequency;
	double		recency;
	double		t;
	double		recency_days;
	double		monetary;
	cl_i128		total;
	int32_t		scale;
} cl_profile;

/* Set up an empty accumulator; period and unit must come from cl_*_make. */
extern void cl_profile_init(cl_profile_acc *acc, const cl_period *period,
							int64_t unit_usec, int64_t as_of);

/* True when two accumulators were built with the same parameters. */
extern int	cl_profile_same_params(const cl_profile_acc *a, const cl_profile_acc *b);

/*
 * Add one order.  has_amount = 0 for an unknown amount; units/scale give the
 * amount otherwise (scale 0..CL_MONEY_MAX_SCALE).  Orders after as_of's
 * period are ignored.
 */
extern cl_status cl_profile_add(cl_profile_acc *acc, int64_t ts, int has_amount,
								cl_i128 units, int scale,
								cl_realloc_fn alloc, void *ctx);

/* dst += src (same parameters required: CL_EMISMATCH otherwise). */
extern cl_status cl_profile_merge(cl_profile_acc *dst, const cl_profile_acc *src,
								  cl_realloc_fn alloc, void *ctx);

/* Sort entries by period and merge duplicates, in place. */
extern cl_status cl_profile_compact(cl_profile_acc *acc);

/*
 * Compute the profile.  Returns CL_OK and sets *has_profile = 0 when the
 * customer has no purchase period up to as_of (nothing to score).
 */
extern cl_status cl_profile_finish(cl_profile_acc *acc, cl_profile *out,
								   int *has_profile);

#endif							/* CL_PROFILE_H */
