/*
 * tier_window.c — SQL glue of the window form of loyalty_tier.
 *
 *   loyalty_tier(value numeric) OVER (...) -> text
 */
#include "compat.h"

#include "miscadmin.h"
#include "utils/builtins.h"
#include "windowapi.h"

#include "errors.h"
#include "numeric_money.h"
#include "tier_glue.h"

/* ---------------------------------------------------------------------
 * Window form: loyalty_tier(value) OVER (...) ranks the partition with the
 * default relative scheme (top 1% Platinum, next 9% Gold, next 20% Silver,
 * the rest Bronze), exactly as loyalty_scheme(value) + loyalty_tier would.
 * NULL values take no part and get no tier.
 * ---------------------------------------------------------------------
 */

typedef struct TierWindowState
{
	bool		ready;
	bool		empty;
	int32		scale;
	cl_i128		th[CL_DEFAULT_TIER_NSHARES];	/* of the tiers above the base, lowest first */
} TierWindowState;

PG_FUNCTION_INFO_V1(loyalty_tier_window);
Datum
loyalty_tier_window(PG_FUNCTION_ARGS)
{
	WindowObject win = PG_WINDOW_OBJECT();
	TierWindowState *ws = WinGetPartitionLocalMemory(win, sizeof(TierWindowState));
	bool		isnull;
	Datum		value;
	cl_i128		units;
	int			scale,
				i,
				tier = 0;

	if (!ws->ready)
	{
		int64		nrows = WinGetPartitionRowCount(win),
					row;
		SchemeState st;
		double		top_first[CL_DEFAULT_TIER_NSHARES];

		memset(&st, 0, sizeof(st));
		for (row = 0; row < nrows; row++)
		{
			bool		isout;
			Datum		d = WinGetFuncArgInPartition(win, 0, (int) row, WINDOW_SEEK_HEAD,
													 false, &isnull, &isout);

			CHECK_FOR_INTERRUPTS();
			if (isnull || isout)
				continue;
			cl_numeric_decode_arg(d, "value", &units, &scale);
			tier_scheme_push(CurrentMemoryContext, &st, units, scale);
		}
		ws->empty = st.n == 0;
		if (!ws->empty)
		{
			for (i = 0; i < CL_DEFAULT_TIER_NSHARES; i++)
				top_first[i] = tier_default_shares[CL_DEFAULT_TIER_NSHARES - 1 - i];
			cl_check_status(cl_tier_thresholds_poll(st.v, st.n, top_first, CL_DEFAULT_TIER_NSHARES, ws->th,
													tier_core_interrupt, NULL),
							"loyalty_tier");
			ws->scale = st.scale;
			pfree(st.v);
		}
		ws->ready = true;
	}

	value = WinGetFuncArgCurrent(win, 0, &isnull);
	if (ws->empty || isnull)
		PG_RETURN_NULL();
	cl_numeric_decode_arg(value, "value", &units, &scale);
	for (i = 0; i < CL_DEFAULT_TIER_NSHARES; i++)
		if (cl_money_cmp(units, scale, ws->th[i], ws->scale) >= 0)
			tier = i + 1;
	PG_RETURN_TEXT_P(cstring_to_text(tier_default_names[tier]));
}
