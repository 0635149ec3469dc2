/*
 * btyd.c — checks and compression of BTYD customer summaries.
 */
#include <math.h>

#include "btyd.h"

cl_status
cl_btyd_check(double x, double t_x, double T)
{
	if (!isfinite(x) || !isfinite(t_x) || !isfinite(T))
		return CL_ENOTFINITE;
	/* x counts repeat purchases; the likelihood's (b+x-1) needs x = 0 or x >= 1 */
	if (x < 0.0 || x != floor(x) || T < 0.0)
		return CL_EINVAL;
	if (x > 0.0 && (t_x < 0.0 || t_x > T))
		return CL_EINVAL;
	return CL_OK;
}

cl_status
cl_btyd_cell_check(const cl_btyd_cell *cell)
{
	if (!isfinite(cell->weight))
		return CL_ENOTFINITE;
	if (cell->weight < 0.0)
		return CL_EINVAL;
	return cl_btyd_check(cell->x, cell->t_x, cell->T);
}

/*
 * The order of cells: by (x, t_x, T), then weight.  A total order on the
 * values (no NaNs pass cl_btyd_cell_check), so a sorted, merged result does
 * not depend on the input order or on the sort algorithm.
 */
static inline int
cell_less(const cl_btyd_cell *a, const cl_btyd_cell *b)
{
	if (a->x != b->x)
		return a->x < b->x;
	if (a->t_x != b->t_x)
		return a->t_x < b->t_x;
	if (a->T != b->T)
		return a->T < b->T;
	return a->weight < b->weight;
}

static inline int
same_summary(const cl_btyd_cell *a, const cl_btyd_cell *b)
{
	return a->x == b->x && a->t_x == b->t_x && a->T == b->T;
}

/* recency means nothing without repeat purchases: t_x = 0 where x = 0 */
#define CS_TYPE cl_btyd_cell
#define CS_LESS(a, b) cell_less(a, b)
#define CS_SAME(a, b) same_summary(a, b)
#define CS_NORMALISE(c) do { if ((c)->x == 0.0) (c)->t_x = 0.0; } while (0)
#define CS_SORT_MERGE cl_btyd_cells_sort_merge
#define CS_SORTED_PREFIX cl_btyd_cells_sorted_prefix
#define CS_MERGE_TAIL cl_btyd_cells_merge_tail
#include "cell_sort.h"
