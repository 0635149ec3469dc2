/*
 * select.c — quickselect over doubles and exact amounts.
 *
 * One algorithm, written once as a macro and instantiated per element
 * type: a comparison callback would cost a call per comparison in the
 * inner loops, and the two types need nothing but "<".
 */
#include <stdlib.h>

#include "select.h"

/* ranges longer than this poll the interrupt callback once per round */
#define SELECT_POLL_SIZE 65536

#define CL_DEFINE_SELECT(NAME, TYPE)											\
static int																		\
NAME##_cmp(const void *pa, const void *pb)										\
{																				\
	const TYPE	a = *(const TYPE *) pa;											\
	const TYPE	b = *(const TYPE *) pb;											\
																				\
	return (a > b) - (a < b);													\
}																				\
																				\
static inline void																\
NAME##_swap(TYPE *a, TYPE *b)													\
{																				\
	TYPE		t = *a;															\
																				\
	*a = *b;																	\
	*b = t;																		\
}																				\
																				\
int																				\
NAME(TYPE *v, size_t lo, size_t hi, size_t k,									\
	 int (*interrupt) (void *), void *interrupt_ctx)							\
{																				\
	int			rounds = 0;														\
	size_t		n;																\
																				\
	for (n = hi - lo; n > 1; n >>= 1)											\
		rounds += 2;															\
	while (hi - lo > 3)															\
	{																			\
		size_t		mid = lo + (hi - lo) / 2,									\
					i = lo,														\
					j = hi - 1;													\
		TYPE		pivot;														\
																				\
		if (interrupt != NULL && hi - lo > SELECT_POLL_SIZE &&					\
			interrupt(interrupt_ctx))											\
			return 1;															\
		if (rounds-- == 0)														\
			break;																\
		/* v[lo] <= v[mid] <= v[hi - 1]: they bound both scans */				\
		if (v[mid] < v[lo])														\
			NAME##_swap(&v[mid], &v[lo]);										\
		if (v[hi - 1] < v[mid])													\
		{																		\
			NAME##_swap(&v[hi - 1], &v[mid]);									\
			if (v[mid] < v[lo])													\
				NAME##_swap(&v[mid], &v[lo]);									\
		}																		\
		pivot = v[mid];															\
		for (;;)																\
		{																		\
			do																	\
				i++;															\
			while (v[i] < pivot);												\
			do																	\
				j--;															\
			while (pivot < v[j]);												\
			if (i >= j)															\
				break;															\
			NAME##_swap(&v[i], &v[j]);											\
		}																		\
		/* v[lo..j] <= pivot <= v[j+1..hi-1] */									\
		if (k <= j)																\
			hi = j + 1;															\
		else																	\
			lo = j + 1;															\
	}																			\
	qsort(v + lo, hi - lo, sizeof(TYPE), NAME##_cmp);							\
	return 0;																	\
}

CL_DEFINE_SELECT(cl_select_double, double)
CL_DEFINE_SELECT(cl_select_i128, cl_i128)
