/*
 * rfm_glue.h — what the RFM glue files share.
 *
 *   rfm_agg.c     cut points: the rfm_breaks aggregate and rfm_cut_points
 *   rfm_rules.c   segment rules: rfm_default_rules, rfm_segment,
 *                 rfm_rules_check
 *   rfm_score.c   rfm_score against stored cut points
 *   rfm_window.c  rfm_score(...) OVER (...): cut points of the partition
 *
 * Cut points travel as the composite rfm_cut_points (bins, and three float8
 * arrays), so they can be stored in a table and reused day after day.  The
 * binning and rule matching are the core's (rfm.h).
 */
#ifndef CL_RFM_GLUE_H
#define CL_RFM_GLUE_H

#include "postgres.h"

#include "fmgr.h"
#include "access/tupdesc.h"
#include "utils/array.h"

#include "rfm.h"

/* ---- rfm_agg.c: arguments and cut points ---- */

/* "recency_days", "frequency", "monetary": the three dimensions, in order */
extern const char *const rfm_dim_names[3];

/* Cancel from inside the core (its polling callback). */
extern int	rfm_core_interrupt(void *ctx);

/* bins in CL_RFM_MIN_BINS..CL_RFM_MAX_BINS, else 22023; returns bins */
extern int32 rfm_check_bins(int32 bins);

/* NaN is no value to score or cut: 22023 naming the argument */
extern void rfm_check_not_nan(double x, const char *argname);

/* Cut points of one dimension as cl_rfm_check_cuts wants them, else 22023. */
extern void rfm_check_cuts(const double *cuts, int n, const char *argname);

/* The rfm_cut_points row of bins and three arrays of bins - 1 cut points. */
extern Datum rfm_cut_points_datum(FunctionCallInfo fcinfo, int bins, double *const cuts[3]);

/* ---- rfm_rules.c: segment rules ---- */

typedef struct ParsedRules
{
	int			n;
	cl_rfm_rule *rules;
	char	  **names;
} ParsedRules;

/* Parse an rfm_rule[] into ctx, validating the ranges against bins. */
extern void rfm_parse_rules(ArrayType *arr, int bins, MemoryContext ctx, ParsedRules *out);

extern const char *rfm_segment_name(const ParsedRules *rules, int bins, int r, int f, int m);

/* '545' for up to 9 bins; '10-3-7' once scores can have two digits. */
extern char *rfm_cell_text(int bins, int r, int f, int m);

/* ---- rfm_score.c: scoring ---- */

/*
 * rfm_score is called once per customer with the same cut points and
 * rules, so it keeps them parsed in fn_extra and parses again only when
 * the bytes of its arguments change.
 */
typedef struct ScoreCache
{
	TupleDesc	result;			/* blessed rfm_scores descriptor */
	struct varlena *breaks_raw; /* bytes of the cut points last parsed */
	int			bins;
	double	   *cuts[3];
	struct varlena *rules_raw;	/* bytes of the rules last parsed */
	ParsedRules rules;
	bool		default_rules;
	MemoryContext parsed;		/* holds everything parsed from arguments */
} ScoreCache;

/* The cache of a call site (fn_extra), created on first use. */
extern ScoreCache *rfm_score_cache(FunctionCallInfo fcinfo);

/* The rfm_scores row of values x[3] under the cached cut points and rules. */
extern Datum rfm_score_row(const ScoreCache *cache, const double *x);

#endif							/* CL_RFM_GLUE_H */
