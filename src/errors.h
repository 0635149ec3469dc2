/*
 * errors.h — the one place where core status codes become SQL errors.
 */
#ifndef CL_ERRORS_H
#define CL_ERRORS_H

#include "cl_status.h"

/*
 * Raise an ERROR for a failed core call.  "what" names the operation in the
 * message ("crm_profile", "rfm_score", ...).  Never returns unless status is
 * CL_OK or CL_ENOCONVERGE (the latter is reported by the caller as a WARNING).
 */
extern void cl_check_status(cl_status status, const char *what);

/* The SQLSTATE (ERRCODE_*) that corresponds to a core status. */
extern int	cl_status_sqlstate(cl_status status);

#endif							/* CL_ERRORS_H */
