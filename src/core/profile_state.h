/*
 * profile_state.h — a customer's order history kept per purchase period, so
 * that the profile (profile.h) can be computed later for any as_of without
 * reading the orders again, and two histories of one customer can be added.
 *
 * One entry per period touched by at least one order, holding everything the
 * profile reads from the orders of that period:
 *   purchases  non-refund orders (amount >= 0 or unknown)
 *   refunds    refund rows (amount < 0)
 *   net        exact sum of the period's amounts, units x 10^-scale, where
 *              scale is the largest normalised scale of those amounts
 *   dscale     the largest display scale the amounts were written with
 *   last_ts    the latest non-refund order time of the period (0 if none)
 * and, for the whole history, first_ts: the earliest non-refund order.
 * Orders after as_of's period are dropped when the profile is computed, so
 * every entry's scale, display scale and counts are kept separately.
 *
 * Encoded form (the varlena payload, also the binary wire format):
 *   byte    version (CL_PSTATE_VERSION)
 *   byte    flags: bit 0 = first_ts present; other bits zero
 *   zvar    period months, days, microseconds (the interval as given)
 *   zvar    first_ts                  (only if flag bit 0)
 *   uvar    number of entries n
 *   n times, in ascending period order:
 *     zvar  period index (first entry) or uvar  gap to the previous (> 0)
 *     uvar  purchases, uvar refunds
 *     byte  scale, byte dscale        (0..CL_MONEY_MAX_SCALE each)
 *     zvar  net (128-bit)
 *     uvar  last_ts - start of the period   (only if purchases > 0)
 * uvar is an unsigned LEB128 varint, zvar a zigzag-mapped signed one.
 */
#ifndef CL_PROFILE_STATE_H
#define CL_PROFILE_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "cl_status.h"
#include "money.h"
#include "period.h"
#include "profile.h"

#define CL_PSTATE_VERSION 1

typedef struct cl_pstate_entry
{
	int64_t		period;			/* period index (cl_period_index) */
	int64_t		purchases;
	int64_t		refunds;
	int64_t		last_ts;		/* latest non-refund order; 0 if purchases = 0 */
	cl_i128		net;			/* at scale */
	int32_t		scale;
	int32_t		dscale;
} cl_pstate_entry;

typedef struct cl_pstate
{
	int32_t		months;			/* the period interval as given */
	int32_t		days;
	int64_t		usec;
	cl_period	period;			/* its normalised form */
	int64_t		first_ts;		/* earliest non-refund order, INT64_MAX if none */
	size_t		n;
	size_t		cap;
	size_t		sorted;			/* leading entries sorted and merged */
	cl_pstate_entry *e;
} cl_pstate;

/* Empty state for a period interval; CL_EINVAL if it is no valid period. */
extern cl_status cl_pstate_init(cl_pstate *s, int32_t months, int32_t days,
								int64_t usec);

/*
 * Add one order: has_amount = 0 for an unknown amount, otherwise units x
 * 10^-scale (scale 0..CL_MONEY_MAX_SCALE), written with display scale dscale.
 */
extern cl_status cl_pstate_add(cl_pstate *s, int64_t ts, int has_amount,
							   cl_i128 units, int scale, int dscale,
							   cl_realloc_fn alloc, void *ctx);

/* Sort entries by period and merge duplicates, in place. */
extern cl_status cl_pstate_compact(cl_pstate *s);

/* dst += src; CL_EMISMATCH if the periods differ in length. */
extern cl_status cl_pstate_merge(cl_pstate *dst, const cl_pstate *src,
								 cl_realloc_fn alloc, void *ctx);

/* Check a state's invariants (after compaction); CL_EINVAL if one fails. */
extern cl_status cl_pstate_validate(const cl_pstate *s);

/* Bytes cl_pstate_encode writes (the state must be compacted). */
extern size_t cl_pstate_encoded_size(const cl_pstate *s);
extern size_t cl_pstate_encode(const cl_pstate *s, uint8_t *buf);

/*
 * Decode and validate; CL_EINVAL on any malformed or inconsistent input,
 * CL_EMISMATCH on an unknown version.  Entries are allocated with alloc.
 */
extern cl_status cl_pstate_decode(const uint8_t *buf, size_t len, cl_pstate *s,
								  cl_realloc_fn alloc, void *ctx);

/*
 * Text form (round-trips exactly; timestamps are microseconds since
 * 2000-01-01 00:00 UTC, net is a decimal with exactly scale decimals):
 *   {"v":1,"period":[months,days,usec],"first":ts|null,
 *    "p":[[period,purchases,refunds,"net",dscale,last_ts],...]}
 * cl_pstate_format returns a malloc-free length: call with buf = NULL to get
 * the size needed (without the terminating zero), then with a buffer.
 */
extern size_t cl_pstate_format(const cl_pstate *s, char *buf, size_t len);

/* Parse the text form: CL_EINVAL for bad syntax; the result is not yet
 * validated (call cl_pstate_validate for the values). */
extern cl_status cl_pstate_parse(const char *text, cl_pstate *s,
								 cl_realloc_fn alloc, void *ctx);

/*
 * The profile accumulator crm_profile would hold after reading the same
 * orders with this as_of and unit: entries after as_of's period dropped.
 * acc's entries are allocated with alloc; finish it with cl_profile_finish.
 */
extern cl_status cl_pstate_to_acc(const cl_pstate *s, int64_t as_of,
								  int64_t unit_usec, cl_profile_acc *acc,
								  cl_realloc_fn alloc, void *ctx);

#endif							/* CL_PROFILE_STATE_H */
