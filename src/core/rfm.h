/*
 * rfm.h — RFM cut points, scores and segment rules.
 *
 * Cut points are type-7 quantiles (R's default, PostgreSQL's
 * percentile_cont) at k/n, k = 1..n-1.  Bins are right-closed:
 *   F, M = 1 + #{cut points strictly below the value}
 *   R    = n - #{cut points strictly below recency_days}   (recent = n)
 * so equal values always share a score; with heavy ties some scores stay
 * empty, which is reported rather than hidden by breaking ties arbitrarily.
 */
#ifndef CL_RFM_H
#define CL_RFM_H

#include <stddef.h>
#include <stdint.h>

#include "cl_status.h"

#define CL_RFM_MIN_BINS 2
#define CL_RFM_MAX_BINS 100

/* Type-7 quantile of sorted[0..n-1] at probability p in [0, 1]; n >= 1. */
extern double cl_quantile7(const double *sorted, size_t n, double p);

/*
 * Write the bins - 1 type-7 quantile cut points of values[0..n-1] (NaN is
 * not allowed) to cuts, reordering values in place (by selection, in linear
 * time; not necessarily sorted afterwards).  n = 0 gives CL_EINVAL: there
 * is nothing to cut.
 */
extern cl_status cl_rfm_cut_points(double *values, size_t n, int bins, double *cuts);

/*
 * The same, polling interrupt (may be NULL) about every 64k values; a
 * nonzero return stops it with CL_ENOCONVERGE (cuts are then incomplete).
 */
extern cl_status cl_rfm_cut_points_poll(double *values, size_t n, int bins, double *cuts,
										int (*interrupt) (void *), void *interrupt_ctx);

/*
 * Cut points must not be NaN and must be non-descending (equal cut points
 * are ties).  Infinite cut points are allowed: quantiles of data that holds
 * infinities are infinite.
 */
extern cl_status cl_rfm_check_cuts(const double *cuts, size_t ncuts);

/* Number of cut points strictly below value (binary search). */
extern int	cl_rfm_count_below(const double *cuts, int ncuts, double value);

/* Score of a value; reversed for recency.  Result in 1..ncuts+1. */
extern int	cl_rfm_score(const double *cuts, int ncuts, double value, int reversed);

/* A segment rule: inclusive score ranges, evaluated in order. */
typedef struct cl_rfm_rule
{
	int			r_min, r_max, f_min, f_max, m_min, m_max;
} cl_rfm_rule;

/* Check that a rule's ranges are ordered and inside 1..bins. */
extern cl_status cl_rfm_check_rule(const cl_rfm_rule *rule, int bins);

/* Index of the first rule matching (r, f, m), or -1 (the "Others" case). */
extern int	cl_rfm_match(const cl_rfm_rule *rules, int nrules, int r, int f, int m);

/*
 * Coverage of a rule set over all bins^3 cells: fires[i] receives the number
 * of cells rule i wins (0 = the rule can never fire), and *others the number
 * of cells no rule matches.  others_cells, if not NULL, receives up to
 * max_others cells encoded with CL_RFM_CELL, in (r, f, m) order.  work is
 * scratch space of cl_rfm_coverage_work(bins) elements.  interrupt (may be
 * NULL) is polled every 64 rules; a nonzero return stops with
 * CL_ENOCONVERGE.  CL_EINVAL for bins outside CL_RFM_MIN_BINS..MAX_BINS.
 * Rules must have passed cl_rfm_check_rule.
 */
#define CL_RFM_CELL(r, f, m) ((r) * 1000000 + (f) * 1000 + (m))
#define CL_RFM_CELL_R(c) ((c) / 1000000)
#define CL_RFM_CELL_F(c) (((c) / 1000) % 1000)
#define CL_RFM_CELL_M(c) ((c) % 1000)
extern size_t cl_rfm_coverage_work(int bins);
extern cl_status cl_rfm_coverage(const cl_rfm_rule *rules, int nrules, int bins,
								 long *fires, long *others,
								 int *others_cells, long max_others,
								 int32_t *work, int (*interrupt) (void *),
								 void *interrupt_ctx);

/*
 * The default rule set for 5 bins, and its segment names: evaluated in
 * order, first match wins, inclusive ranges on R, F, M; a cell no rule
 * matches is "Others".  The ranges are listed in rfm.c.
 */
#define CL_RFM_DEFAULT_NRULES 10
#define CL_RFM_DEFAULT_RULES_BINS 5	/* the default rules score 1..5 */
extern const cl_rfm_rule cl_rfm_default_rules[CL_RFM_DEFAULT_NRULES];
extern const char *const cl_rfm_default_names[CL_RFM_DEFAULT_NRULES];

#endif							/* CL_RFM_H */
