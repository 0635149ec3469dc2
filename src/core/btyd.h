/*
 * btyd.h — the customer summary shared by the BTYD ("buy till you die")
 * models: x = frequency (repeat purchases), t_x = recency (time of the last
 * purchase since the first), T = age (observation end since the first
 * purchase), all in the model's time unit.
 *
 * The fits never look at individual customers: customers with the same
 * (x, t_x, T) have the same likelihood, so they are compressed into one
 * cell carrying their count as weight, and the work scales with the number
 * of distinct cells.  Terms that depend only on x (ln Γ(r+x), ψ(b+x), ...)
 * are computed once per run of equal x, so cells should be grouped by x;
 * cl_btyd_cells_sort_merge produces that order.  Any order gives the same
 * likelihood up to summation rounding; the grouped one is the fast one.
 */
#ifndef CL_BTYD_H
#define CL_BTYD_H

#include <stddef.h>

#include "cl_status.h"

typedef struct cl_btyd_cell
{
	double		x;				/* repeat purchases, a whole number >= 0 */
	double		t_x;			/* recency, 0 <= t_x <= T (ignored when x = 0) */
	double		T;				/* age, >= 0 */
	double		weight;			/* number of customers in the cell, >= 0 */
} cl_btyd_cell;

/*
 * Check one customer summary: finite values, x a whole number >= 0,
 * 0 <= t_x <= T when x > 0.  CL_ENOTFINITE or CL_EINVAL otherwise.
 */
extern cl_status cl_btyd_check(double x, double t_x, double T);

/* cl_btyd_check plus a finite, non-negative weight. */
extern cl_status cl_btyd_cell_check(const cl_btyd_cell *cell);

/*
 * Sort cells[0..n-1] by (x, t_x, T), setting t_x = 0 where x = 0, merge
 * equal (x, t_x, T) cells by summing weights, and return the new count.
 * Cells must have passed cl_btyd_cell_check.  The resulting summaries and
 * their order do not depend on the input order; the weights neither, when
 * they are whole numbers (sums of whole numbers are exact up to 2^53).
 * Sorts in place (introsort, no allocation).
 */
extern size_t cl_btyd_cells_sort_merge(cl_btyd_cell *cells, size_t n);

/*
 * Incremental compression of a buffer that was sorted and merged, then
 * appended to.  cl_btyd_cells_sorted_prefix returns the length of the
 * leading run that is already sorted and merged (strictly increasing
 * summaries), setting t_x = 0 where x = 0 in the cells it looks at.  cl_btyd_cells_merge_tail sorts and
 * merges cells[nsorted..n-1], merges the result into that prefix and
 * returns the new count: the same summaries in the same order as
 * cl_btyd_cells_sort_merge over the whole buffer gives.  scratch
 * must have room for n - nsorted cells.  Costs O(t log t + n) for a tail of
 * t cells instead of O(n log n).
 */
extern size_t cl_btyd_cells_sorted_prefix(cl_btyd_cell *cells, size_t n);
extern size_t cl_btyd_cells_merge_tail(cl_btyd_cell *cells, size_t nsorted,
									   size_t n, cl_btyd_cell *scratch);

#endif							/* CL_BTYD_H */
