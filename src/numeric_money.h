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

/* Display scale (digits after the point as written, e.g. 2 for 30.00). */
extern int	cl_numeric_dscale(Datum num);

/* Build a numeric from units x 10^-scale. */
extern Datum cl_numeric_encode(cl_i128 units, int scale);

/* Build a numeric shown with at least display_scale decimals. */
extern Datum cl_numeric_encode_display(cl_i128 units, int scale, int display_scale);

/* Decode or raise a clear error naming the argument ("amount", ...). */
extern void cl_numeric_decode_arg(Datum num, const char *argname,
								  cl_i128 *units, int *scale);

#endif							/* CL_NUMERIC_MONEY_H */
