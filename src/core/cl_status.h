/*
 * cl_status.h — status codes returned by the plain-C math core.
 *
 * The core never reports errors itself: it returns one of these codes and
 * the SQL glue (the files in src/) turns it into an ereport() with the right SQLSTATE.
 * Keeping the mapping in one place (cl_status_sqlstate in src/errors.c)
 * means a new core failure mode needs one new enum value and one new case.
 */
#ifndef CL_STATUS_H
#define CL_STATUS_H

typedef enum cl_status
{
	CL_OK = 0,
	CL_EINVAL,			/* an argument is outside its domain (22023) */
	CL_ENOTFINITE,		/* NaN or infinity where a finite number is required (22023) */
	CL_ERANGE,			/* a result does not fit its type (22003) */
	CL_ENOMEM,			/* allocation failed (53200) */
	CL_ESIZE,			/* a size limit was exceeded (54000) */
	CL_ENOTASCENDING,	/* thresholds or cut points are not in ascending order (22023) */
	CL_EMISMATCH,		/* array lengths or parameters of two states disagree (22023) */
	CL_ENOCONVERGE,		/* an iterative method did not converge (reported, not fatal) */
	CL_EDEGENERATE,		/* the data cannot identify the model (22023) */
	CL_ETIMERANGE		/* a time or time span does not fit in 64 bits (22008) */
} cl_status;

/* A short English description, for messages and unit-test output. */
const char *cl_status_text(cl_status status);

#endif							/* CL_STATUS_H */
