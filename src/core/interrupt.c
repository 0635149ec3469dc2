/*
 * interrupt.c — the process-wide poll function of interrupt.h.
 */
#include <stddef.h>

#include "interrupt.h"

static cl_interrupt_fn interrupt_hook = NULL;

void
cl_set_interrupt_hook(cl_interrupt_fn fn)
{
	interrupt_hook = fn;
}

int
cl_interrupted(void)
{
	return interrupt_hook != NULL && interrupt_hook() != 0;
}
