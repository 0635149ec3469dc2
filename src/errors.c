/*
 * errors.c — mapping of core status codes to SQLSTATEs.
 *
 * Glue files validate user input themselves where they can word a precise
 * message and hint; this mapping is the safety net for everything the core
 * detects on its own.
 */
#include "compat.h"

#include "errors.h"

int
cl_status_sqlstate(cl_status status)
{
	switch (status)
	{
		case CL_OK:
		case CL_ENOCONVERGE:
			return ERRCODE_SUCCESSFUL_COMPLETION;
		case CL_EINVAL:
		case CL_ENOTFINITE:
		case CL_ENOTASCENDING:
		case CL_EMISMATCH:
		case CL_EDEGENERATE:
			return ERRCODE_INVALID_PARAMETER_VALUE;
		case CL_ERANGE:
			return ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE;
		case CL_ENOMEM:
			return ERRCODE_OUT_OF_MEMORY;
		case CL_ESIZE:
			return ERRCODE_PROGRAM_LIMIT_EXCEEDED;
		case CL_ETIMERANGE:
			return ERRCODE_DATETIME_VALUE_OUT_OF_RANGE;
	}
	return ERRCODE_INTERNAL_ERROR;
}

void
cl_check_status(cl_status status, const char *what)
{
	if (status == CL_OK || status == CL_ENOCONVERGE)
		return;
	ereport(ERROR,
			(errcode(cl_status_sqlstate(status)),
			 errmsg("%s: %s", what, cl_status_text(status))));
}
