/*
 * glue_common.h — helpers shared by the SQL glue files.
 */
#ifndef CL_GLUE_COMMON_H
#define CL_GLUE_COMMON_H

#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/timestamp.h"

#include "period.h"

/* Allocator callback for the core: grows memory in the given context. */
extern void *cl_context_realloc(void *ctx, void *ptr, size_t size);

/* The aggregate memory context, or an error if not called as an aggregate. */
extern MemoryContext cl_agg_context(FunctionCallInfo fcinfo, const char *fname);

/* Validate and convert intervals; errors name the argument. */
extern cl_period cl_period_arg(const Interval *iv, const char *argname);
extern int64 cl_unit_arg(const Interval *iv, const char *argname);

/* Reject NULL (22004) and infinite (22008) timestamps for an argument. */
extern TimestampTz cl_timestamp_arg(FunctionCallInfo fcinfo, int argno,
									const char *argname);

/* Blessed tuple descriptor of the function's composite result, cached. */
extern TupleDesc cl_result_tupdesc(FunctionCallInfo fcinfo);

/*
 * Attribute numbers of the customer_profile fields that the models read,
 * looked up by name once per call site (cached in fn_extra).
 */
typedef struct ProfileFields
{
	Oid			typid;
	int			frequency,
				recency,
				t,
				monetary,
				unit;
} ProfileFields;

extern const ProfileFields *cl_profile_fields(FunctionCallInfo fcinfo, HeapTupleHeader th);

/* Read a one-dimensional float8 array without NULLs; returns element count. */
extern int	cl_float8_array(ArrayType *arr, const char *argname, double **out);

#endif							/* CL_GLUE_COMMON_H */
