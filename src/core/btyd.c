/*
 * btyd.c — checks and compression of BTYD customer summaries.
 */
#include <math.h>
#include <stdlib.h>

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

static int
cmp_double(double a, double b)
{
	return (a > b) - (a < b);
}

/*
 * Order by (x, t_x, T) and then weight: a total order on the values, so the
 * merged result does not depend on the input order or the qsort algorithm.
 */
static int
cmp_cell(const void *pa, const void *pb)
{
	const cl_btyd_cell *a = pa;
	const cl_btyd_cell *b = pb;
	int			c;

	if ((c = cmp_double(a->x, b->x)) != 0)
		return c;
	if ((c = cmp_double(a->t_x, b->t_x)) != 0)
		return c;
	if ((c = cmp_double(a->T, b->T)) != 0)
		return c;
	return cmp_double(a->weight, b->weight);
}

size_t
cl_btyd_cells_sort_merge(cl_btyd_cell *cells, size_t n)
{
	size_t		i,
				out = 0;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (cells[i].x == 0.0)
			cells[i].t_x = 0.0;
	qsort(cells, n, sizeof(cl_btyd_cell), cmp_cell);
	for (i = 1; i < n; i++)
	{
		if (cells[i].x == cells[out].x && cells[i].t_x == cells[out].t_x
			&& cells[i].T == cells[out].T)
			cells[out].weight += cells[i].weight;
		else
			cells[++out] = cells[i];
	}
	return out + 1;
}
