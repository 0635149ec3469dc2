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
 * The customer_profile fields that the models read, from one profile datum
 * (any storage form: inline, short header, toasted, expanded).  The row
 * type's descriptor is looked up once per call site and kept in fn_extra,
 * which the function must not use for anything else.
 */
typedef enum ProfileField
{
	CL_PF_FREQUENCY,
	CL_PF_RECENCY,
	CL_PF_T,
	CL_PF_MONETARY,
	CL_PF_UNIT,
	CL_PF_NFIELDS
} ProfileField;

typedef struct ProfileRow
{
	double		x,				/* frequency */
				t_x,			/* recency */
				T,				/* t */
				m;				/* monetary */
	Interval	unit;
	bool		isnull[CL_PF_NFIELDS];	/* a NULL field reads as 0 */
} ProfileRow;

extern void cl_profile_read(FunctionCallInfo fcinfo, Datum profile, ProfileRow *row);

/* The field names, by ProfileField, for messages. */
extern const char *const cl_profile_field_names[CL_PF_NFIELDS];

/* Read a one-dimensional float8 array without NULLs; returns element count. */
extern int	cl_float8_array(ArrayType *arr, const char *argname, double **out);

#endif							/* CL_GLUE_COMMON_H */
