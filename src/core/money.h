/*
 * money.h — exact decimal amounts as scaled 128-bit integers.
 *
 * An amount is units × 10^-scale.  Order amounts arrive as numeric; summing
 * them as numeric costs an allocation per row, summing them as float8 loses
 * cents.  A 128-bit integer with a common decimal scale is exact and as cheap
 * as integer addition: at scale 2 it holds totals up to 1.7e36.
 *
 * The typedef lowers the alignment to 8 bytes (as PostgreSQL's own int128
 * does) because palloc only guarantees MAXALIGN; without it the compiler may
 * emit 16-byte aligned loads on memory that is merely 8-byte aligned.
 */
#ifndef CL_MONEY_H
#define CL_MONEY_H

#include <stddef.h>
#include <stdint.h>

#include "cl_status.h"

typedef __int128 cl_i128 __attribute__((aligned(8)));

/* Largest decimal scale kept exactly (10^24 still leaves 10^14 of range). */
#define CL_MONEY_MAX_SCALE 24

/* Multiply v by 10^(to - from), to >= from; CL_ERANGE on overflow. */
extern cl_status cl_money_rescale(cl_i128 *v, int from, int to);

/* *acc += v, both at the same scale; CL_ERANGE on overflow. */
extern cl_status cl_money_add(cl_i128 *acc, cl_i128 v);

/* Compare a (at scale sa) with b (at scale sb): -1, 0, 1. */
extern int	cl_money_cmp(cl_i128 a, int sa, cl_i128 b, int sb);

/* Nearest double of v × 10^-scale. */
extern double cl_money_to_double(cl_i128 v, int scale);

/*
 * Decimal text of v × 10^-scale ("-12.30" for v = -1230, scale 2) into buf;
 * returns the length written, or 0 if len is too small (64 bytes always fit).
 */
extern size_t cl_money_format(cl_i128 v, int scale, char *buf, size_t len);

/*
 * Strip trailing decimal zeros: the smallest scale at which v is still an
 * integer (but not below 0).  Used so 1.500 and 1.5 share a scale.
 */
extern void cl_money_normalize(cl_i128 *v, int *scale);

#endif							/* CL_MONEY_H */
