/*
 * rfm.c — quantile cut points, binning and segment rules.
 */
#include <math.h>

#include "rfm.h"
#include "select.h"

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

/* The caller's cancel callback: polled between partition rounds and scans. */
typedef struct poll_ctx
{
	int			(*fn) (void *);
	void	   *ctx;
	int			stopped;
} poll_ctx;

static int
poll_stop(poll_ctx *p)
{
	if (p != NULL && p->fn != NULL && !p->stopped && p->fn(p->ctx))
		p->stopped = 1;
	return p != NULL && p->stopped;
}

/*
 * The type-7 quantiles need two order statistics per cut point, floor(h)
 * and the next one; they are found by selection, in ascending order, each
 * within the part of the array the previous one left above it, and the
 * next one is the minimum of what lies above.  Linear time instead of a
 * sort of all values, with the same results cl_quantile7 gives on the
 * sorted array.
 */
cl_status
cl_rfm_cut_points(double *values, size_t n, int bins, double *cuts)
{
	return cl_rfm_cut_points_poll(values, n, bins, cuts, NULL, NULL);
}

cl_status
cl_rfm_cut_points_poll(double *values, size_t n, int bins, double *cuts,
					   int (*interrupt) (void *), void *interrupt_ctx)
{
	size_t		i,
				from = 0;
	int			k;
	poll_ctx	poll = {interrupt, interrupt_ctx, 0};

	if (bins < CL_RFM_MIN_BINS || bins > CL_RFM_MAX_BINS || n == 0)
		return CL_EINVAL;
	for (i = 0; i < n; i++)
	{
		if (isnan(values[i]))
			return CL_ENOTFINITE;
	}
	for (k = 1; k < bins; k++)
	{
		double		h = (double) (n - 1) * ((double) k / (double) bins);
		size_t		lo = (size_t) floor(h);
		double		pair[2];

		if (lo >= from)
		{
			if (cl_select_double(values, from, n, lo, poll.fn, poll.ctx))
				poll.stopped = 1;
			from = lo + 1;
		}
		if (poll_stop(&poll))
			return CL_ENOCONVERGE;
		pair[0] = values[lo];
		pair[1] = values[lo];
		if (lo + 1 < n)
		{
			/* the next order statistic: the least value above position lo */
			pair[1] = values[lo + 1];
			for (i = lo + 2; i < n; i++)
			{
				if (values[i] < pair[1])
					pair[1] = values[i];
				if ((i & 0xFFFF) == 0 && poll_stop(&poll))
					return CL_ENOCONVERGE;
			}
		}
		/* cl_quantile7 on the two order statistics, at fraction h - lo */
		cuts[k - 1] = cl_quantile7(pair, 2, h - (double) lo);
	}
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

/*
 * Coverage by painting: the rules are taken in order and each one claims
 * the cells of its box that no earlier rule claimed; a rule that claims
 * nothing can never fire.  Unclaimed cells are found through "next free"
 * links (a union-find with path halving) at three levels: per row (r, f)
 * the next free m, per plane r the next row with a free cell, and the next
 * plane with a free row.  Every cell is claimed once, and a box whose rows
 * or planes are already full is skipped in a step per plane, so thousands
 * of rules over 100 bins take milliseconds where testing every rule at
 * every cell took seconds.  The cost is bounded by
 * bins^3 + nrules * bins^2 link steps.
 */
size_t
cl_rfm_coverage_work(int bins)
{
	size_t		b2 = (size_t) bins + 2;

	return (size_t) bins * bins * b2 + (size_t) bins * b2 + b2;
}

static int
next_free(int32_t *link, int x)
{
	while (link[x] != x)
	{
		link[x] = link[link[x]];
		x = link[x];
	}
	return x;
}

cl_status
cl_rfm_coverage(const cl_rfm_rule *rules, int nrules, int bins,
				long *fires, long *others, int *others_cells, long max_others,
				int32_t *work, int (*interrupt) (void *), void *interrupt_ctx)
{
	const int	b2 = bins + 2;
	int32_t    *mlink = work;	/* [(r-1)*bins + (f-1)][m] */
	int32_t    *flink = work + (size_t) bins * bins * b2;	/* [r-1][f] */
	int32_t    *rlink = flink + (size_t) bins * b2;	/* [r] */
	int			r,
				f,
				m,
				i;

	if (bins < CL_RFM_MIN_BINS || bins > CL_RFM_MAX_BINS || nrules < 0)
		return CL_EINVAL;
	for (i = 0; i < bins * bins; i++)
		for (m = 0; m < b2; m++)
			mlink[(size_t) i * b2 + m] = m;
	for (i = 0; i < bins; i++)
		for (f = 0; f < b2; f++)
			flink[(size_t) i * b2 + f] = f;
	for (r = 0; r < b2; r++)
		rlink[r] = r;

	*others = 0;
	for (i = 0; i < nrules; i++)
	{
		const cl_rfm_rule *x = &rules[i];

		fires[i] = 0;
		if (interrupt != NULL && (i & 63) == 63 && interrupt(interrupt_ctx))
			return CL_ENOCONVERGE;
		for (r = next_free(rlink, x->r_min); r <= x->r_max; r = next_free(rlink, r + 1))
		{
			int32_t    *fl = flink + (size_t) (r - 1) * b2;

			for (f = next_free(fl, x->f_min); f <= x->f_max; f = next_free(fl, f + 1))
			{
				int32_t    *ml = mlink + ((size_t) (r - 1) * bins + (f - 1)) * b2;

				for (m = next_free(ml, x->m_min); m <= x->m_max; m = next_free(ml, m + 1))
				{
					ml[m] = m + 1;	/* claimed */
					fires[i]++;
				}
				if (next_free(ml, 1) > bins)
					fl[f] = f + 1;	/* row full */
			}
			if (next_free(fl, 1) > bins)
				rlink[r] = r + 1;	/* plane full */
		}
	}

	/* what is left falls to Others, listed in (r, f, m) order */
	for (r = next_free(rlink, 1); r <= bins; r = next_free(rlink, r + 1))
	{
		int32_t    *fl = flink + (size_t) (r - 1) * b2;

		for (f = next_free(fl, 1); f <= bins; f = next_free(fl, f + 1))
		{
			int32_t    *ml = mlink + ((size_t) (r - 1) * bins + (f - 1)) * b2;

			for (m = next_free(ml, 1); m <= bins; m = next_free(ml, m + 1))
			{
				if (others_cells != NULL && *others < max_others)
					others_cells[*others] = CL_RFM_CELL(r, f, m);
				(*others)++;
			}
		}
	}
	return CL_OK;
}
