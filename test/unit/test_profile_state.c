/*
 * test_profile_state.c — unit tests of the per-period customer state:
 * profile equality with the order-by-order accumulator, merge of splits,
 * the binary encoding and the text form.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "profile.h"
#include "profile_state.h"

#define DAY CL_USECS_PER_DAY
#define HOUR (DAY / 24)

static void *
heap_realloc(void *ctx, void *ptr, size_t size)
{
	(void) ctx;
	return realloc(ptr, size);
}

typedef struct order
{
	int64_t		ts;
	int			has_amount;
	cl_i128		units;
	int			scale;
	int			dscale;
} order;

/* Deterministic orders: refunds, unknown amounts, mixed scales. */
static size_t
make_orders(order *o, size_t n, uint32_t seed)
{
	size_t		i;
	uint32_t	x = seed;

	for (i = 0; i < n; i++)
	{
		x = x * 1664525u + 1013904223u;
		o[i].ts = (int64_t) (x % 400) * DAY + (int64_t) ((x >> 9) % 24) * HOUR + 8000 * DAY;
		o[i].has_amount = (x >> 20) % 11 != 0;
		o[i].scale = (int) ((x >> 24) % 3);
		o[i].dscale = o[i].scale + (int) ((x >> 26) % 2);
		o[i].units = (cl_i128) ((x >> 12) % 5000) * ((x >> 28) % 5 == 0 ? -1 : 1);
		if (!o[i].has_amount)
			o[i].units = 0, o[i].scale = 0, o[i].dscale = 0;
	}
	return n;
}

static cl_pstate
build_state(const order *o, size_t n, int32_t days, const uint8_t *pick, int part)
{
	cl_pstate	s;
	size_t		i;

	assert_int_equal(cl_pstate_init(&s, 0, days, 0), CL_OK);
	for (i = 0; i < n; i++)
		if (pick == NULL || pick[i] == part)
			assert_int_equal(cl_pstate_add(&s, o[i].ts, o[i].has_amount, o[i].units,
										   o[i].scale, o[i].dscale, heap_realloc, NULL),
							 CL_OK);
	assert_int_equal(cl_pstate_compact(&s), CL_OK);
	assert_int_equal(cl_pstate_validate(&s), CL_OK);
	return s;
}

static void
assert_same_profile(const cl_profile_acc *a, const cl_profile_acc *b_in)
{
	cl_profile_acc b = *b_in;
	cl_profile_acc aa = *a;
	cl_profile	pa;
	cl_profile	pb;
	int			ha;
	int			hb;

	assert_int_equal(cl_profile_finish(&aa, &pa, &ha), CL_OK);
	assert_int_equal(cl_profile_finish(&b, &pb, &hb), CL_OK);
	assert_int_equal(ha, hb);
	assert_int_equal(a->display_scale, b_in->display_scale);
	if (!ha)
		return;
	assert_int_equal(pa.first_ts, pb.first_ts);
	assert_int_equal(pa.last_ts, pb.last_ts);
	assert_int_equal(pa.orders, pb.orders);
	assert_int_equal(pa.refunds, pb.refunds);
	assert_int_equal(pa.periods, pb.periods);
	assert_true(pa.frequency == pb.frequency);
	assert_true(pa.recency == pb.recency);
	assert_true(pa.t == pb.t);
	assert_true(pa.recency_days == pb.recency_days);
	assert_true(pa.monetary == pb.monetary);
	assert_true(pa.total == pb.total);
	assert_int_equal(pa.scale, pb.scale);
}

/* The profile from the state equals the order-by-order one for every as_of. */
static void
test_profile_equality(void **unused)
{
	order		o[300];
	size_t		n = make_orders(o, 300, 7);
	int32_t		periods[] = {1, 7, 30};
	size_t		k;

	(void) unused;
	for (k = 0; k < 3; k++)
	{
		cl_pstate	s = build_state(o, n, periods[k], NULL, 0);
		int64_t		as_of;

		for (as_of = 7990 * DAY; as_of < 8420 * DAY; as_of += 13 * DAY + 5 * HOUR)
		{
			cl_profile_acc direct;
			cl_profile_acc from;
			size_t		i;
			int			dscale = 0;

			cl_profile_init(&direct, &s.period, DAY, as_of);
			for (i = 0; i < n; i++)
			{
				assert_int_equal(cl_profile_add(&direct, o[i].ts, o[i].has_amount, o[i].units,
												o[i].scale, heap_realloc, NULL), CL_OK);
				if (o[i].has_amount && o[i].dscale > dscale &&
					cl_period_index(&s.period, o[i].ts) <= direct.as_of_index)
					dscale = o[i].dscale;
			}
			direct.display_scale = dscale;
			assert_int_equal(cl_pstate_to_acc(&s, as_of, DAY, &from, heap_realloc, NULL), CL_OK);
			assert_same_profile(&from, &direct);
			free(direct.sums);
			free(from.sums);
		}
		free(s.e);
	}
}

static void
assert_same_state(const cl_pstate *a, const cl_pstate *b)
{
	size_t		la = cl_pstate_encoded_size(a);
	size_t		lb = cl_pstate_encoded_size(b);
	uint8_t    *ba = malloc(la);
	uint8_t    *bb = malloc(lb);

	assert_int_equal(la, lb);
	cl_pstate_encode(a, ba);
	cl_pstate_encode(b, bb);
	assert_memory_equal(ba, bb, la);
	free(ba);
	free(bb);
}

/* Any split of the orders merges to the one-pass state. */
static void
test_merge_split(void **unused)
{
	order		o[500];
	uint8_t		pick[500];
	size_t		n = make_orders(o, 500, 99);
	size_t		i;
	cl_pstate	whole;
	cl_pstate	parts[3];
	cl_pstate	other;

	(void) unused;
	for (i = 0; i < n; i++)
		pick[i] = (uint8_t) ((i * 2654435761u) % 3);
	whole = build_state(o, n, 1, NULL, 0);
	for (i = 0; i < 3; i++)
		parts[i] = build_state(o, n, 1, pick, (int) i);
	assert_int_equal(cl_pstate_merge(&parts[2], &parts[0], heap_realloc, NULL), CL_OK);
	assert_int_equal(cl_pstate_merge(&parts[2], &parts[1], heap_realloc, NULL), CL_OK);
	assert_int_equal(cl_pstate_compact(&parts[2]), CL_OK);
	assert_int_equal(cl_pstate_validate(&parts[2]), CL_OK);
	assert_same_state(&parts[2], &whole);

	/* periods of different length do not merge */
	other = build_state(o, 10, 7, NULL, 0);
	assert_int_equal(cl_pstate_merge(&whole, &other, heap_realloc, NULL), CL_EMISMATCH);
	for (i = 0; i < 3; i++)
		free(parts[i].e);
	free(whole.e);
	free(other.e);
}

/* Encode, decode, re-encode; every truncation and a few corruptions fail. */
static void
test_encoding(void **unused)
{
	order		o[200];
	size_t		n = make_orders(o, 200, 3);
	cl_pstate	s = build_state(o, n, 1, NULL, 0);
	cl_pstate	d;
	size_t		len = cl_pstate_encoded_size(&s);
	uint8_t    *buf = malloc(len + 1);
	size_t		cut;

	(void) unused;
	assert_int_equal(cl_pstate_encode(&s, buf), len);
	assert_int_equal(buf[0], CL_PSTATE_VERSION);
	assert_int_equal(cl_pstate_decode(buf, len, &d, heap_realloc, NULL), CL_OK);
	assert_same_state(&s, &d);
	free(d.e);
	for (cut = 0; cut < len; cut++)
	{
		d.e = NULL;
		assert_int_not_equal(cl_pstate_decode(buf, cut, &d, heap_realloc, NULL), CL_OK);
		free(d.e);
	}
	buf[len] = 0;
	d.e = NULL;
	assert_int_equal(cl_pstate_decode(buf, len + 1, &d, heap_realloc, NULL), CL_EINVAL);
	free(d.e);
	buf[0] = 2;
	assert_int_equal(cl_pstate_decode(buf, len, &d, heap_realloc, NULL), CL_EMISMATCH);
	buf[0] = 1;
	buf[1] = 4;					/* unknown flag */
	assert_int_equal(cl_pstate_decode(buf, len, &d, heap_realloc, NULL), CL_EINVAL);
	free(buf);
	free(s.e);

	/* a non-canonical varint (0 written as 0x80 0x00) is refused */
	{
		const uint8_t noncanon[] = {1, 0, 0x80, 0x00, 2, 0, 0};
		const uint8_t canon[] = {1, 0, 0, 2, 0, 0};

		d.e = NULL;
		assert_int_equal(cl_pstate_decode(noncanon, sizeof(noncanon), &d, heap_realloc, NULL), CL_EINVAL);
		assert_int_equal(cl_pstate_decode(canon, sizeof(canon), &d, heap_realloc, NULL), CL_OK);
		assert_int_equal(d.n, 0);
		assert_int_equal(d.period.usec, DAY);
	}
}

static void
test_text(void **unused)
{
	order		o[100];
	size_t		n = make_orders(o, 100, 5);
	cl_pstate	s = build_state(o, n, 7, NULL, 0);
	cl_pstate	p;
	size_t		len = cl_pstate_format(&s, NULL, 0);
	char	   *txt = malloc(len + 1);
	char	   *txt2 = malloc(len + 1);

	(void) unused;
	assert_int_equal(cl_pstate_format(&s, txt, len + 1), len);
	assert_int_equal(strlen(txt), len);
	assert_int_equal(cl_pstate_parse(txt, &p, heap_realloc, NULL), CL_OK);
	assert_int_equal(cl_pstate_validate(&p), CL_OK);
	assert_same_state(&s, &p);
	cl_pstate_format(&p, txt2, len + 1);
	assert_string_equal(txt, txt2);
	free(p.e);
	free(txt);
	free(txt2);
	free(s.e);

	/* exact decimals keep their scale: "-12.50" is -1250 at scale 2 */
	assert_int_equal(cl_pstate_parse("{\"v\":1,\"period\":[0,1,0],\"first\":null,"
									 "\"p\":[[-3,0,1,\"-12.50\",3,0]]}", &p, heap_realloc, NULL), CL_OK);
	assert_int_equal(p.n, 1);
	assert_true(p.e[0].net == -1250);
	assert_int_equal(p.e[0].scale, 2);
	assert_int_equal(p.e[0].dscale, 3);
	assert_int_equal(cl_pstate_validate(&p), CL_OK);
	free(p.e);

	/* syntax: CL_EINVAL; values out of range: CL_ERANGE; version: CL_EMISMATCH */
	p.e = NULL;
	assert_int_equal(cl_pstate_parse("", &p, heap_realloc, NULL), CL_EINVAL);
	assert_int_equal(cl_pstate_parse("{\"v\":1,\"period\":[0,1,0],\"first\":null,\"p\":[]", &p, heap_realloc, NULL), CL_EINVAL);
	assert_int_equal(cl_pstate_parse("{\"v\":1,\"period\":[0,1,0],\"first\":null,\"p\":[]}}", &p, heap_realloc, NULL), CL_EINVAL);
	assert_int_equal(cl_pstate_parse("{\"v\":1,\"period\":[0,1,0],\"first\":-,\"p\":[]}", &p, heap_realloc, NULL), CL_EINVAL);
	assert_int_equal(cl_pstate_parse("{\"v\":1,\"period\":[0,1,0],\"first\":9223372036854775808,\"p\":[]}", &p, heap_realloc, NULL), CL_ERANGE);
	assert_int_equal(cl_pstate_parse("{\"v\":1,\"period\":[0,0,0],\"first\":null,\"p\":[]}", &p, heap_realloc, NULL), CL_ERANGE);
	assert_int_equal(cl_pstate_parse("{\"v\":3,\"period\":[0,1,0],\"first\":null,\"p\":[]}", &p, heap_realloc, NULL), CL_EMISMATCH);
	assert_int_equal(cl_pstate_parse("{\"v\":1,\"period\":[0,1,0],\"first\":null,\"p\":[[1,0,1,\"-1e3\",0,0]]}", &p, heap_realloc, NULL), CL_EINVAL);
	free(p.e);
	p.e = NULL;
	/* parses, but the values are inconsistent */
	assert_int_equal(cl_pstate_parse("{\"v\":1,\"period\":[0,1,0],\"first\":null,\"p\":[[2,0,1,\"-1\",0,0],[1,0,1,\"-1\",0,0]]}", &p, heap_realloc, NULL), CL_OK);
	assert_int_equal(cl_pstate_validate(&p), CL_EINVAL);
	free(p.e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_profile_equality),
		cmocka_unit_test(test_merge_split),
		cmocka_unit_test(test_encoding),
		cmocka_unit_test(test_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
