/*
 * rfm.c — quantile cut points, binning and segment rules.
 */
#include <math.h>
#include <stdlib.h>

#include "rfm.h"

/*
 * The default segments, in evaluation order (first match wins).  Ranges are
 * R, F, M inclusive on 1..5 scores.
 */
const cl_rfm_rule cl_rfm_default_rules[CL_RFM_DEFAULT_NRULES] = {
	{5, 5, 5, 5, 5, 5},			/* Champions */
	{3, 5, 3, 5, 2, 5},			/* Potential Loyalist */
	{2, 4, 2, 4, 2, 4},			/* Loyal Customers */
	{3, 4, 1, 3, 3, 5},			/* Promising */
	{4, 5, 1, 3, 1, 5},			/* New Customers */
	{1, 2, 3, 4, 4, 5},			/* Can't Lose Them */
	{1, 2, 2, 5, 4, 5},			/* At Risk */
	{1, 3, 3, 5, 3, 5},			/* Need Attention */
	{2, 3, 1, 3, 1, 4},			/* About To Sleep */
	{1, 1, 1, 5, 1, 5},			/* Lost */
};

const char *const cl_rfm_default_names[CL_RFM_DEFAULT_NRULES] = {
	"Champions", "Potential Loyalist", "Loyal Customers", "Promising",
	"New Customers", "Can't Lose Them", "At Risk", "Need Attention",
	"About To Sleep", "Lost",
};

double
cl_quantile7(const double *sorted, size_t n, double p)
{
	/* h = (n - 1) p; interpolate between the order statistics around h */
	double		h = (double) (n - 1) * p;
	size_t		lo = (size_t) floor(h);
	double		frac = h - (double) lo;
	double		a,
				b;

	if (lo + 1 >= n)
		return sorted[n - 1];
	a = sorted[lo];
	b = sorted[lo + 1];
	/*
	 * An exact position or equal neighbours need no interpolation; this also
	 * keeps infinite values from turning into NaN (0 * inf, inf - inf).
	 */
	if (frac == 0.0 || a == b)
		return a;
	if (isinf(a))
		return a;
	if (isinf(b))
		return b;
	return a + frac * (b - a);
}

static int
cmp_double(const void *pa, const void *pb)
{
	double		a = *(const double *) pa;
	double		b = *(const double *) pb;

	return (a > b) - (a < b);
}

cl_status
cl_rfm_cut_points(double *values, size_t n, int bins, double *cuts)
{
	size_t		i;
	int			k;

	if (bins < CL_RFM_MIN_BINS || bins > CL_RFM_MAX_BINS || n == 0)
		return CL_EINVAL;
	for (i = 0; i < n; i++)
	{
		if (isnan(values[i]))
			return CL_ENOTFINITE;
	}
	qsort(values, n, sizeof(double), cmp_double);
	for (k = 1; k < bins; k++)
		cuts[k - 1] = cl_quantile7(values, n, (double) k / (double) bins);
	return CL_OK;
}

cl_status
cl_rfm_check_cuts(const double *cuts, size_t ncuts)
{
	size_t		i;

	if (ncuts + 1 < CL_RFM_MIN_BINS || ncuts + 1 > CL_RFM_MAX_BINS)
		return CL_EINVAL;
	for (i = 0; i < ncuts; i++)
	{
		if (isnan(cuts[i]))
			return CL_ENOTFINITE;
		if (i > 0 && cuts[i] < cuts[i - 1])
			return CL_ENOTASCENDING;
	}
	return CL_OK;
}

int
cl_rfm_count_below(const double *cuts, int ncuts, double value)
{
	/* first index whose cut point is >= value == number strictly below */
	int			lo = 0;
	int			hi = ncuts;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (cuts[mid] < value)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int
cl_rfm_score(const double *cuts, int ncuts, double value, int reversed)
{
	int			below = cl_rfm_count_below(cuts, ncuts, value);

	return reversed ? ncuts + 1 - below : 1 + below;
}

cl_status
cl_rfm_check_rule(const cl_rfm_rule *rule, int bins)
{
	const int	lo[3] = {rule->r_min, rule->f_min, rule->m_min};
	const int	hi[3] = {rule->r_max, rule->f_max, rule->m_max};
	int			i;

	for (i = 0; i < 3; i++)
	{
		if (lo[i] < 1 || hi[i] > bins || lo[i] > hi[i])
			return CL_EINVAL;
	}
	return CL_OK;
}

static int
rule_matches(const cl_rfm_rule *x, int r, int f, int m)
{
	return r >= x->r_min && r <= x->r_max &&
		f >= x->f_min && f <= x->f_max &&
		m >= x->m_min && m <= x->m_max;
}

int
cl_rfm_match(const cl_rfm_rule *rules, int nrules, int r, int f, int m)
{
	int			i;

	for (i = 0; i < nrules; i++)
	{
		if (rule_matches(&rules[i], r, f, m))
			return i;
	}
	return -1;
}

void
cl_rfm_coverage(const cl_rfm_rule *rules, int nrules, int bins,
				long *fires, long *others, int *others_cells, long max_others)
{
	int			r,
				f,
				m,
				i;

	for (i = 0; i < nrules; i++)
		fires[i] = 0;
	*others = 0;
	for (r = 1; r <= bins; r++)
		for (f = 1; f <= bins; f++)
			for (m = 1; m <= bins; m++)
			{
				int			hit = cl_rfm_match(rules, nrules, r, f, m);

				if (hit >= 0)
					fires[hit]++;
				else
				{
					if (others_cells != NULL && *others < max_others)
						others_cells[*others] = r * 10000 + f * 100 + m;
					(*others)++;
				}
			}
}
