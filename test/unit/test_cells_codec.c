/*
 * test_cells_codec.c — unit tests of the compact encoding of the fit
 * state's cells: exact round trips (whole numbers, whole periods in a
 * weekly unit, arbitrary doubles, -0.0), the size of typical states, and
 * refusal of every truncation, trailing bytes and non-canonical input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cells_codec.h"

#define DAY 86400000000LL

static uint64_t rng = 88172645463325252ULL;

static uint64_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* sorted (x, t_x, T, w) cells of whole days in the given unit */
static size_t
make_cells(double *rows, size_t n, int64_t unit_usec)
{
	size_t		i;
	double		per = (double) DAY / (double) unit_usec;

	for (i = 0; i < n; i++)
	{
		int			x = (int) (i * 40 / n);
		int			T = 30 + (int) (next() % 500);
		int			tx = x == 0 ? 0 : (int) (next() % (unsigned) T);

		rows[i * 4 + 0] = x;
		rows[i * 4 + 1] = (double) ((int64_t) tx * DAY) / (double) unit_usec;
		rows[i * 4 + 2] = (double) ((int64_t) T * DAY) / (double) unit_usec;
		rows[i * 4 + 3] = 1 + (double) (next() % 5);
		(void) per;
	}
	return n;
}

static void
round_trip(int kind, int64_t unit, const double *rows, size_t n, size_t *encoded)
{
	int			width = cl_cells_width(kind);
	unsigned char *buf = malloc(cl_cells_encoded_bound(kind, n));
	double	   *back = malloc(sizeof(double) * (n * width + 1));
	size_t		len;
	int			k2;
	int64_t		u2;
	size_t		n2;

	assert_int_equal(cl_cells_encode(kind, unit, rows, n, buf, &len), CL_OK);
	assert_true(len <= cl_cells_encoded_bound(kind, n));
	assert_int_equal(cl_cells_decode_header(buf, len, &k2, &u2, &n2), CL_OK);
	assert_int_equal(k2, kind);
	assert_int_equal(u2, kind == 1 ? unit : 0);
	assert_int_equal(n2, n);
	assert_int_equal(cl_cells_decode(buf, len, back), CL_OK);
	assert_memory_equal(back, rows, sizeof(double) * n * width);
	if (encoded != NULL)
		*encoded = len;
	free(buf);
	free(back);
}

static void
test_days_and_weeks(void **state)
{
	size_t		n = 5000;
	double	   *rows = malloc(sizeof(double) * n * 4);
	size_t		len;

	(void) state;
	make_cells(rows, n, DAY);
	round_trip(1, DAY, rows, n, &len);
	/* whole numbers: a few bytes per cell */
	assert_true(len < n * 6);
	make_cells(rows, n, 7 * DAY);
	round_trip(1, 7 * DAY, rows, n, &len);
	/* days / 7 are written as numerators over 7 */
	assert_true(len < n * 6);
	free(rows);
}

static void
test_arbitrary_doubles(void **state)
{
	double		rows[40 * 4];
	size_t		i;
	size_t		len;

	(void) state;
	for (i = 0; i < 40 * 4; i++)
	{
		uint64_t	b = next();

		memcpy(&rows[i], &b, sizeof(double));
		if (rows[i] != rows[i])
			rows[i] = 0.1 * (double) i;	/* no NaN payload games */
	}
	rows[5] = -0.0;
	rows[6] = 1e300;
	rows[7] = 4503599627370497.0;	/* 2^52 + 1: whole, within 2^53 */
	rows[8] = 9007199254740994.0;	/* 2^53 + 2: raw */
	round_trip(1, 3 * DAY + 5, rows, 40, &len);
	/* Gamma-Gamma: x, m, weight */
	for (i = 0; i < 30; i++)
	{
		rows[i * 3] = 1 + (double) i;
		rows[i * 3 + 1] = 10.0 / (double) (i + 3);
		rows[i * 3 + 2] = 1;
	}
	round_trip(2, 0, rows, 30, &len);
	round_trip(2, 0, rows, 0, &len);
	round_trip(1, DAY, rows, 0, &len);
}

static void
test_malformed(void **state)
{
	double		rows[64 * 4];
	double		back[64 * 4 + 1];
	unsigned char buf[4096];
	unsigned char bad[4097];
	size_t		len;
	size_t		cut;
	int			k;
	int64_t		u;
	size_t		n;

	(void) state;
	make_cells(rows, 64, 7 * DAY);
	rows[9] = 0.123456789;		/* one raw value */
	assert_int_equal(cl_cells_encode(1, 7 * DAY, rows, 64, buf, &len), CL_OK);
	for (cut = 0; cut < len; cut++)
	{
		cl_status	st = cl_cells_decode_header(buf, cut, &k, &u, &n);

		if (st == CL_OK)
			st = cl_cells_decode(buf, cut, back);
		assert_int_equal(st, CL_EINVAL);
	}
	memcpy(bad, buf, len);
	bad[len] = 0;
	assert_int_equal(cl_cells_decode(bad, len + 1, back), CL_EINVAL);
	/* unknown kind */
	memcpy(bad, buf, len);
	bad[0] = 3;
	assert_int_equal(cl_cells_decode(bad, len, back), CL_EINVAL);
	/* a unit of 0 */
	{
		unsigned char zero_unit[] = {1, 0, 0, 0, 0, 0, 0};

		assert_int_equal(cl_cells_decode(zero_unit, sizeof zero_unit, back), CL_EINVAL);
	}
	/* an overlong varint (n = 0 written in two bytes) */
	{
		unsigned char overlong[] = {2, 0x80, 0x00, 1, 1, 1};

		assert_int_equal(cl_cells_decode(overlong, sizeof overlong, back), CL_EINVAL);
	}
	/* a raw value that is rational under its column's denominator */
	{
		unsigned char raw_one[] = {2, 1, 1, 1, 1, 1, 0x3F, 0xF0, 0, 0, 0, 0, 0, 0, 2, 2};

		assert_int_equal(cl_cells_decode(raw_one, sizeof raw_one, back), CL_EINVAL);
		raw_one[6] = 0x3F;
		raw_one[7] = 0xB9;		/* 0.1: not k / 1 */
		raw_one[8] = 0x99;
		assert_int_equal(cl_cells_decode(raw_one, sizeof raw_one, back), CL_OK);
	}
	/* a row count larger than the bytes left */
	{
		unsigned char many[] = {2, 0x7F, 1, 1, 1, 2, 2, 2};

		assert_int_equal(cl_cells_decode_header(many, sizeof many, &k, &u, &n), CL_EINVAL);
	}
	/* a rational value in a column without a denominator */
	{
		unsigned char nod[] = {2, 1, 0, 1, 1, 2, 2, 2};

		assert_int_equal(cl_cells_decode(nod, sizeof nod, back), CL_EINVAL);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_days_and_weeks),
		cmocka_unit_test(test_arbitrary_doubles),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
