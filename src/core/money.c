/*
 * money.c — exact scaled-integer arithmetic for amounts.
 */
#include <math.h>
#include <stdint.h>

#include "money.h"

cl_status
cl_money_rescale(cl_i128 *v, int from, int to)
{
	__int128	x = *v;

	if (to < from || to > CL_MONEY_MAX_SCALE)
		return CL_ERANGE;
	for (; from < to; from++)
	{
		if (__builtin_mul_overflow(x, 10, &x))
			return CL_ERANGE;
	}
	*v = x;
	return CL_OK;
}

cl_status
cl_money_add(cl_i128 *acc, cl_i128 v)
{
	__int128	x;

	if (__builtin_add_overflow((__int128) *acc, (__int128) v, &x))
		return CL_ERANGE;
	*acc = x;
	return CL_OK;
}

int
cl_money_cmp(cl_i128 a, int sa, cl_i128 b, int sb)
{
	/*
	 * Bring both to the larger scale; if that overflows, the value that
	 * overflowed is larger in magnitude than anything representable at the
	 * other scale, so its sign decides.
	 */
	if (sa < sb && cl_money_rescale(&a, sa, sb) != CL_OK)
		return a < 0 ? -1 : 1;
	if (sb < sa && cl_money_rescale(&b, sb, sa) != CL_OK)
		return b < 0 ? 1 : -1;
	return (a > b) - (a < b);
}

double
cl_money_to_double(cl_i128 v, int scale)
{
	/*
	 * Split into integer and fraction so that neither conversion loses more
	 * than one rounding: typical amounts are exact in both halves.
	 */
	__int128	p = 1;
	int			i;

	for (i = 0; i < scale; i++)
		p *= 10;
	return (double) (v / p) + (double) (v % p) / (double) p;
}

size_t
cl_money_format(cl_i128 v, int scale, char *buf, size_t len)
{
	char		tmp[64];
	size_t		n = 0;
	size_t		out = 0;
	int			neg = v < 0;
	unsigned __int128 u = neg ? -(unsigned __int128) v : (unsigned __int128) v;

	/* Digits in reverse, padding with zeros up to scale + 1 digits. */
	do
	{
		tmp[n++] = (char) ('0' + (int) (u % 10));
		u /= 10;
	} while (u != 0 || n < (size_t) scale + 1);

	if (len < n + 3)
		return 0;
	if (neg)
		buf[out++] = '-';
	while (n > 0)
	{
		if (n == (size_t) scale && scale > 0)
			buf[out++] = '.';
		buf[out++] = tmp[--n];
	}
	buf[out] = '\0';
	return out;
}

/*
 * Called once per order row, so the common case avoids 128-bit division
 * (a library call): amounts that fit in 64 bits are stripped in int64, whose
 * division by the constant 10 compiles to a multiplication.
 */
void
cl_money_normalize(cl_i128 *v, int *scale)
{
	if (*v >= INT64_MIN && *v <= INT64_MAX)
	{
		int64_t		x = (int64_t) *v;
		int			s = *scale;

		while (s > 0 && x % 10 == 0)
		{
			x /= 10;
			s--;
		}
		*v = x;
		*scale = s;
		return;
	}
	while (*scale > 0 && *v % 10 == 0)
	{
		*v /= 10;
		(*scale)--;
	}
}
