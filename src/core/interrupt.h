/*
 * interrupt.h — cancellation of long scoring computations.
 *
 * The fits take their interrupt callback in cl_fit_options.  The scores
 * have no options argument, and their loops (hypergeometric series,
 * quadrature panels, the months of a CLV sum) sit several calls deep, so
 * the SQL glue registers one process-wide poll function instead; a
 * PostgreSQL backend runs one query at a time on one thread, and the unit
 * tests register none.  The poll function may longjmp (CHECK_FOR_INTERRUPTS
 * does): every core loop that polls holds only stack memory.
 */
#ifndef CL_INTERRUPT_H
#define CL_INTERRUPT_H

typedef int (*cl_interrupt_fn) (void);

/* Register fn (NULL: none).  A nonzero return of fn asks the loops to stop. */
extern void cl_set_interrupt_hook(cl_interrupt_fn fn);

/*
 * Poll the registered function; 1 when it asked to stop.  Loops call it
 * every CL_POLL_EVERY iterations (the test is a mask, so a power of two).
 */
extern int	cl_interrupted(void);

#define CL_POLL_EVERY 1024

/* In a loop over n: poll every CL_POLL_EVERY iterations. */
#define CL_POLL(n) (((n) & (CL_POLL_EVERY - 1)) == CL_POLL_EVERY - 1 && cl_interrupted())

#endif							/* CL_INTERRUPT_H */
