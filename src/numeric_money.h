/*
 * numeric_money.h — numeric <-> exact scaled integer (core money type).
 */
#ifndef CL_NUMERIC_MONEY_H
#define CL_NUMERIC_MONEY_H

#include "postgres.h"

#include "money.h"

/*
 * Decode a numeric datum without allocating (for in-line values): CL_OK,
 * CL_ENOTFINITE for NaN and +-Infinity, CL_ERANGE for values that need more
 * than 38 significant digits or CL_MONEY_MAX_SCALE decimal places.
 */
extern cl_status cl_numeric_decode(Datum num, cl_i128 *units, int *scale);

/* Build a numeric from units x 10^-scale. */
extern Datum cl_numeric_encode(cl_i128 units, int scale);

/* Decode or raise a clear error naming the argument ("amount", ...). */
extern void cl_numeric_decode_arg(Datum num, const char *argname,
								  cl_i128 *units, int *scale);

#endif							/* CL_NUMERIC_MONEY_H */
