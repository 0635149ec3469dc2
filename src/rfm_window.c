/*
 * rfm_window.c — SQL glue of the window form of rfm_score:
 *
 *   rfm_score(recency_days, frequency, monetary [, bins]) OVER (...) -> rfm_scores
 */
#include "compat.h"

#include "miscadmin.h"
#include "windowapi.h"

#include "defaults.h"
#include "errors.h"
#include "rfm_glue.h"

/* ---------------------------------------------------------------------
 * Window form: rfm_score(recency_days, frequency, monetary [, bins])
 * OVER (...) computes the cut points over the partition and scores the
 * current row with them and the default rules, as rfm_breaks + rfm_score
 * would.  Rows with a NULL value take no part and score NULL.
 * ---------------------------------------------------------------------
 */

typedef struct RfmWindowState
{
	bool		ready;
	bool		empty;
	int			bins;
	double		cuts[3][CL_RFM_MAX_BINS - 1];
} RfmWindowState;

PG_FUNCTION_INFO_V1(rfm_score_window);
Datum
rfm_score_window(PG_FUNCTION_ARGS)
{
	WindowObject win = PG_WINDOW_OBJECT();
	RfmWindowState *ws = WinGetPartitionLocalMemory(win, sizeof(RfmWindowState));
	ScoreCache *cache = rfm_score_cache(fcinfo);
	double		x[3];
	bool		isnull;
	int			i;

	if (!ws->ready)
	{
		int64		nrows = WinGetPartitionRowCount(win),
					row;
		double	   *vals[3];
		size_t		n = 0;

		ws->bins = CL_DEFAULT_RFM_BINS;
		if (PG_NARGS() > 3)
		{
			Datum		b = WinGetFuncArgCurrent(win, 3, &isnull);

			if (isnull)
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("rfm_score: bins must not be NULL")));
			ws->bins = rfm_check_bins(DatumGetInt32(b));
		}
		for (i = 0; i < 3; i++)
			vals[i] = palloc(sizeof(double) * Max(nrows, 1));
		for (row = 0; row < nrows; row++)
		{
			double		v[3];
			bool		skip = false;

			CHECK_FOR_INTERRUPTS();
			for (i = 0; i < 3 && !skip; i++)
			{
				bool		isout;
				Datum		d = WinGetFuncArgInPartition(win, i, (int) row, WINDOW_SEEK_HEAD,
														 false, &isnull, &isout);

				skip = isnull || isout;
				if (!skip)
				{
					v[i] = DatumGetFloat8(d);
					rfm_check_not_nan(v[i], rfm_dim_names[i]);
				}
			}
			if (skip)
				continue;
			for (i = 0; i < 3; i++)
				vals[i][n] = v[i];
			n++;
		}
		ws->empty = n == 0;
		for (i = 0; i < 3 && n > 0; i++)
			cl_check_status(cl_rfm_cut_points_poll(vals[i], n, ws->bins, ws->cuts[i],
												   rfm_core_interrupt, NULL),
							"rfm_score");
		for (i = 0; i < 3; i++)
			pfree(vals[i]);
		ws->ready = true;
	}

	if (ws->empty)
		PG_RETURN_NULL();
	for (i = 0; i < 3; i++)
	{
		x[i] = DatumGetFloat8(WinGetFuncArgCurrent(win, i, &isnull));
		if (isnull)
			PG_RETURN_NULL();
		rfm_check_not_nan(x[i], rfm_dim_names[i]);
	}
	/* the cache points at this partition's cut points; default rules */
	cache->bins = ws->bins;
	for (i = 0; i < 3; i++)
		cache->cuts[i] = ws->cuts[i];
	cache->default_rules = true;
	cache->breaks_raw = NULL;
	cache->rules_raw = NULL;
	PG_RETURN_DATUM(rfm_score_row(cache, x));
}
