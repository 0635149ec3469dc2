/*
 * cl_status.c — descriptions of core status codes.
 */
#include "cl_status.h"

const char *
cl_status_text(cl_status status)
{
	switch (status)
	{
		case CL_OK:
			return "success";
		case CL_EINVAL:
			return "invalid argument";
		case CL_ENOTFINITE:
			return "value is not finite";
		case CL_ERANGE:
			return "value out of range";
		case CL_ENOMEM:
			return "out of memory";
		case CL_ESIZE:
			return "size limit exceeded";
		case CL_ENOTASCENDING:
			return "values are not in ascending order";
		case CL_EMISMATCH:
			return "sizes or parameters do not match";
		case CL_ENOCONVERGE:
			return "did not converge";
		case CL_EDEGENERATE:
			return "data cannot identify the model";
		case CL_ETIMERANGE:
			return "time out of range";
	}
	return "unknown status";
}
