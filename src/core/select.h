/*
 * select.h — selection of an order statistic (quickselect), for the RFM
 * cut points (doubles) and the relative tier thresholds (exact amounts).
 */
#ifndef CL_SELECT_H
#define CL_SELECT_H

#include <stddef.h>

#include "money.h"

/*
 * Rearrange v[lo..hi-1] so that v[k] (lo <= k < hi) holds the value a full
 * sort of the range would put there, everything before it <= v[k] and
 * everything after it >= v[k].  Quickselect with a median-of-three pivot
 * and Hoare partitioning, which stays balanced on runs of equal values;
 * after more rounds than a balanced run needs (2 log2 n) the rest of the
 * range is sorted instead, so the worst case is O(n log n), the usual one
 * O(n).
 *
 * interrupt (may be NULL) is polled once per partition round over more
 * than 64k values; a nonzero return stops the selection, which then
 * returns nonzero with the range in an unspecified order.  Returns 0 when
 * v[k] is in place.  No value may be NaN (the order must be total).
 */
extern int	cl_select_double(double *v, size_t lo, size_t hi, size_t k,
							 int (*interrupt) (void *), void *interrupt_ctx);
extern int	cl_select_i128(cl_i128 *v, size_t lo, size_t hi, size_t k,
						   int (*interrupt) (void *), void *interrupt_ctx);

#endif							/* CL_SELECT_H */
