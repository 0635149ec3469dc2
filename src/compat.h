/*
 * compat.h — every PG_VERSION_NUM difference lives here.
 *
 * The extension targets PostgreSQL 15 first and is meant to build on 13–17.
 * Glue files include this header instead of testing PG_VERSION_NUM themselves.
 */
#ifndef CL_COMPAT_H
#define CL_COMPAT_H

#include "postgres.h"

#if PG_VERSION_NUM < 130000
#error "crm_loyalty requires PostgreSQL 13 or later"
#endif

/* PostgreSQL 16 moved the varatt macros out of postgres.h. */
#if PG_VERSION_NUM >= 160000
#include "varatt.h"
#endif

/* PostgreSQL 16 added initReadOnlyStringInfo; before it, fill the fields. */
#if PG_VERSION_NUM < 160000
#include "lib/stringinfo.h"
static inline void
initReadOnlyStringInfo(StringInfo str, char *data, int len)
{
	str->data = data;
	str->len = len;
	str->maxlen = 0;
	str->cursor = 0;
}
#endif

/*
 * PostgreSQL 15 added InitMaterializedSRF; earlier versions build the
 * tuplestore by hand the same way.
 */
#if PG_VERSION_NUM < 150000
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/tuplestore.h"
static inline void
InitMaterializedSRF(FunctionCallInfo fcinfo, bits32 flags)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext old;
	TupleDesc	tupdesc;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		!(rsinfo->allowedModes & SFRM_Materialize))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-valued function called in context that cannot accept a set")));
	old = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = tuplestore_begin_heap(true, false, work_mem);
	rsinfo->setDesc = CreateTupleDescCopy(tupdesc);
	MemoryContextSwitchTo(old);
}
#endif

#endif							/* CL_COMPAT_H */
