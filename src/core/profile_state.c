/*
 * profile_state.c — per-period order history: accumulate, merge, encode,
 * text form, and conversion to the profile accumulator.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile_state.h"

#define PSTATE_INITIAL_CAP 4

cl_status
cl_pstate_init(cl_pstate *s, int32_t months, int32_t days, int64_t usec)
{
	memset(s, 0, sizeof(*s));
	s->months = months;
	s->days = days;
	s->usec = usec;
	s->first_ts = INT64_MAX;
	return cl_period_make(months, days, usec, &s->period);
}

/* a += b for two entries of the same period (scales may differ). */
static cl_status
entry_add(cl_pstate_entry *a, const cl_pstate_entry *b)
{
	cl_i128		net = b->net;
	cl_status	st;

	if (b->scale > a->scale)
	{
		st = cl_money_rescale(&a->net, a->scale, b->scale);
		if (st != CL_OK)
			return st;
		a->scale = b->scale;
	}
	else if (b->scale < a->scale)
	{
		st = cl_money_rescale(&net, b->scale, a->scale);
		if (st != CL_OK)
			return st;
	}
	st = cl_money_add(&a->net, net);
	if (st != CL_OK)
		return st;
	if (__builtin_add_overflow(a->purchases, b->purchases, &a->purchases) ||
		__builtin_add_overflow(a->refunds, b->refunds, &a->refunds))
		return CL_ERANGE;
	if (b->dscale > a->dscale)
		a->dscale = b->dscale;
	if (b->purchases > 0 && (a->purchases == b->purchases || b->last_ts > a->last_ts))
		a->last_ts = b->last_ts;	/* a had no purchase before, or b's is later */
	return CL_OK;
}

static int
cmp_entry(const void *pa, const void *pb)
{
	const cl_pstate_entry *a = pa;
	const cl_pstate_entry *b = pb;

	return (a->period > b->period) - (a->period < b->period);
}

cl_status
cl_pstate_compact(cl_pstate *s)
{
	size_t		i;
	size_t		out = 0;
	cl_status	st;

	if (s->sorted == s->n)
		return CL_OK;
	qsort(s->e, s->n, sizeof(cl_pstate_entry), cmp_entry);
	for (i = 0; i < s->n; i++)
	{
		if (out > 0 && s->e[out - 1].period == s->e[i].period)
		{
			st = entry_add(&s->e[out - 1], &s->e[i]);
			if (st != CL_OK)
				return st;
		}
		else
			s->e[out++] = s->e[i];
	}
	s->n = out;
	s->sorted = out;
	return CL_OK;
}

static cl_status
reserve_one(cl_pstate *s, cl_realloc_fn alloc, void *ctx)
{
	size_t		newcap;
	void	   *p;
	cl_status	st;

	if (s->n < s->cap)
		return CL_OK;
	if (s->cap > 0)
	{
		st = cl_pstate_compact(s);
		if (st != CL_OK)
			return st;
		if (s->n < s->cap / 2 + 1 && s->n < s->cap)
			return CL_OK;
	}
	newcap = s->cap == 0 ? PSTATE_INITIAL_CAP : s->cap * 2;
	if (newcap > SIZE_MAX / sizeof(cl_pstate_entry))
		return CL_ESIZE;
	p = alloc(ctx, s->e, newcap * sizeof(cl_pstate_entry));
	if (p == NULL)
		return CL_ENOMEM;
	s->e = p;
	s->cap = newcap;
	return CL_OK;
}

/* Add one entry's worth (fast path: same period as the last entry). */
static cl_status
add_entry(cl_pstate *s, const cl_pstate_entry *x, cl_realloc_fn alloc, void *ctx)
{
	cl_pstate_entry *last = s->n > 0 ? &s->e[s->n - 1] : NULL;
	cl_status	st;

	if (last != NULL && last->period == x->period)
		return entry_add(last, x);
	st = reserve_one(s, alloc, ctx);
	if (st != CL_OK)
		return st;
	last = s->n > 0 ? &s->e[s->n - 1] : NULL;
	s->e[s->n] = *x;
	if (s->sorted == s->n && (last == NULL || last->period < x->period))
		s->sorted++;
	s->n++;
	return CL_OK;
}

cl_status
cl_pstate_add(cl_pstate *s, int64_t ts, int has_amount, cl_i128 units,
			  int scale, int dscale, cl_realloc_fn alloc, void *ctx)
{
	cl_pstate_entry x;
	int			refund;

	memset(&x, 0, sizeof(x));
	x.period = cl_period_index(&s->period, ts);
	if (has_amount)
	{
		if (scale < 0 || scale > CL_MONEY_MAX_SCALE)
			return CL_ERANGE;
		x.net = units;
		x.scale = scale;
		x.dscale = dscale < 0 ? 0 : dscale > CL_MONEY_MAX_SCALE ? CL_MONEY_MAX_SCALE : dscale;
	}
	refund = has_amount && units < 0;
	if (refund)
		x.refunds = 1;
	else
	{
		x.purchases = 1;
		x.last_ts = ts;
		if (ts < s->first_ts)
			s->first_ts = ts;
	}
	return add_entry(s, &x, alloc, ctx);
}

cl_status
cl_pstate_merge(cl_pstate *dst, const cl_pstate *src, cl_realloc_fn alloc, void *ctx)
{
	size_t		i;
	cl_status	st;

	if (dst->period.usec != src->period.usec || dst->period.months != src->period.months)
		return CL_EMISMATCH;
	for (i = 0; i < src->n; i++)
	{
		st = add_entry(dst, &src->e[i], alloc, ctx);
		if (st != CL_OK)
			return st;
	}
	if (src->first_ts < dst->first_ts)
		dst->first_ts = src->first_ts;
	return CL_OK;
}

cl_status
cl_pstate_validate(const cl_pstate *s)
{
	size_t		i;
	int64_t		purchases = 0;
	int64_t		refunds = 0;
	const cl_pstate_entry *first = NULL;
	cl_period	p;

	if (cl_period_make(s->months, s->days, s->usec, &p) != CL_OK ||
		p.usec != s->period.usec || p.months != s->period.months)
		return CL_EINVAL;
	for (i = 0; i < s->n; i++)
	{
		const cl_pstate_entry *e = &s->e[i];
		int64_t		start;

		if (i > 0 && e->period <= s->e[i - 1].period)
			return CL_EINVAL;
		if (e->purchases < 0 || e->refunds < 0 ||
			(e->purchases == 0 && e->refunds == 0))
			return CL_EINVAL;
		if (__builtin_add_overflow(purchases, e->purchases, &purchases) ||
			__builtin_add_overflow(refunds, e->refunds, &refunds))
			return CL_EINVAL;
		if (e->scale < 0 || e->scale > CL_MONEY_MAX_SCALE ||
			e->dscale < 0 || e->dscale > CL_MONEY_MAX_SCALE)
			return CL_EINVAL;
		if (cl_period_start_checked(&s->period, e->period, &start) != CL_OK)
			return CL_EINVAL;
		if (e->purchases == 0)
		{
			/* refunds only: every amount was negative */
			if (e->net >= 0 || e->last_ts != 0)
				return CL_EINVAL;
		}
		else
		{
			/* the refunds of a period cannot exceed what they net against */
			if (e->refunds == 0 && e->net < 0)
				return CL_EINVAL;
			if (cl_period_index(&s->period, e->last_ts) != e->period)
				return CL_EINVAL;
			if (first == NULL)
				first = e;
		}
	}
	if (first == NULL)
		return s->first_ts == INT64_MAX ? CL_OK : CL_EINVAL;
	if (s->first_ts == INT64_MAX ||
		cl_period_index(&s->period, s->first_ts) != first->period ||
		s->first_ts > first->last_ts)
		return CL_EINVAL;
	return CL_OK;
}

/* ---- varints ---------------------------------------------------------- */

static size_t
uvar_put(uint8_t *buf, unsigned __int128 v)
{
	size_t		n = 0;

	do
	{
		uint8_t		b = (uint8_t) (v & 0x7f);

		v >>= 7;
		if (v != 0)
			b |= 0x80;
		if (buf != NULL)
			buf[n] = b;
		n++;
	} while (v != 0);
	return n;
}

static unsigned __int128
zigzag(__int128 v)
{
	return v < 0 ? ~((unsigned __int128) v << 1) : (unsigned __int128) v << 1;
}

static __int128
unzigzag(unsigned __int128 u)
{
	return (u & 1) ? (__int128) ~(u >> 1) : (__int128) (u >> 1);
}

/* Read a varint of at most maxbits bits; 0 on truncated or too long input. */
static int
uvar_get(const uint8_t *buf, size_t len, size_t *pos, int maxbits,
		 unsigned __int128 *out)
{
	unsigned __int128 v = 0;
	int			shift = 0;

	for (;;)
	{
		uint8_t		b;

		if (*pos >= len || shift >= maxbits)
			return 0;
		b = buf[(*pos)++];
		if (shift + 7 > maxbits && (b & 0x7f) >> (maxbits - shift) != 0)
			return 0;
		v |= (unsigned __int128) (b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
		{
			/* canonical: no superfluous zero continuation byte */
			if (b == 0 && shift > 7)
				return 0;
			break;
		}
	}
	*out = v;
	return 1;
}

static size_t
encode_entries(const cl_pstate *s, uint8_t *buf)
{
	size_t		n = 0;
	size_t		i;

#define PUT(v) (n += uvar_put(buf ? buf + n : NULL, (v)))
#define PUTB(v) do { if (buf) buf[n] = (uint8_t) (v); n++; } while (0)
	PUTB(CL_PSTATE_VERSION);
	PUTB(s->first_ts != INT64_MAX ? 1 : 0);
	PUT(zigzag(s->months));
	PUT(zigzag(s->days));
	PUT(zigzag(s->usec));
	if (s->first_ts != INT64_MAX)
		PUT(zigzag(s->first_ts));
	PUT(s->n);
	for (i = 0; i < s->n; i++)
	{
		const cl_pstate_entry *e = &s->e[i];

		if (i == 0)
			PUT(zigzag(e->period));
		else
			PUT((unsigned __int128) ((uint64_t) e->period - (uint64_t) s->e[i - 1].period));
		PUT((uint64_t) e->purchases);
		PUT((uint64_t) e->refunds);
		PUTB(e->scale);
		PUTB(e->dscale);
		PUT(zigzag(e->net));
		if (e->purchases > 0)
			PUT((unsigned __int128) ((uint64_t) e->last_ts -
									 (uint64_t) cl_period_start(&s->period, e->period)));
	}
#undef PUT
#undef PUTB
	return n;
}

size_t
cl_pstate_encoded_size(const cl_pstate *s)
{
	return encode_entries(s, NULL);
}

size_t
cl_pstate_encode(const cl_pstate *s, uint8_t *buf)
{
	return encode_entries(s, buf);
}

cl_status
cl_pstate_decode(const uint8_t *buf, size_t len, cl_pstate *s,
				 cl_realloc_fn alloc, void *ctx)
{
	size_t		pos = 2;
	unsigned __int128 u;
	int64_t		months, days, usec;
	uint64_t	n;
	size_t		i;

	memset(s, 0, sizeof(*s));
	s->first_ts = INT64_MAX;
	if (len < 2)
		return CL_EINVAL;
	if (buf[0] != CL_PSTATE_VERSION)
		return CL_EMISMATCH;
	if ((buf[1] & ~1) != 0)
		return CL_EINVAL;
#define GETZ(dst, bits) do { \
		if (!uvar_get(buf, len, &pos, (bits), &u)) return CL_EINVAL; \
		(dst) = unzigzag(u); } while (0)
#define GETU(dst, bits) do { \
		if (!uvar_get(buf, len, &pos, (bits), &u)) return CL_EINVAL; \
		(dst) = u; } while (0)
	GETZ(months, 33);
	GETZ(days, 33);
	GETZ(usec, 64);
	if (months != (int32_t) months || days != (int32_t) days)
		return CL_EINVAL;
	if (cl_pstate_init(s, (int32_t) months, (int32_t) days, usec) != CL_OK)
		return CL_EINVAL;
	if (buf[1] & 1)
	{
		GETZ(s->first_ts, 64);
		if (s->first_ts == INT64_MAX)
			return CL_EINVAL;	/* "no first purchase" is written without the flag */
	}
	GETU(n, 64);
	/* every entry takes at least 5 bytes: no allocation beyond the input */
	if (n > (len - pos) / 5)
		return CL_EINVAL;
	if (n > 0)
	{
		s->e = alloc(ctx, NULL, (size_t) n * sizeof(cl_pstate_entry));
		if (s->e == NULL)
			return CL_ENOMEM;
		s->cap = (size_t) n;
	}
	for (i = 0; i < n; i++)
	{
		cl_pstate_entry *e = &s->e[i];
		uint64_t	gap;
		uint64_t	off;
		int64_t		start;

		memset(e, 0, sizeof(*e));
		if (i == 0)
			GETZ(e->period, 64);
		else
		{
			GETU(gap, 64);
			if (gap == 0 || gap > INT64_MAX ||
				__builtin_add_overflow(s->e[i - 1].period, (int64_t) gap, &e->period))
				return CL_EINVAL;
		}
		GETU(e->purchases, 63);
		GETU(e->refunds, 63);
		if (pos + 2 > len)
			return CL_EINVAL;
		e->scale = buf[pos++];
		e->dscale = buf[pos++];
		GETZ(e->net, 128);
		if (e->purchases > 0)
		{
			GETU(off, 64);
			if (cl_period_start_checked(&s->period, e->period, &start) != CL_OK ||
				__builtin_add_overflow(start, off, &e->last_ts) || off > INT64_MAX)
				return CL_EINVAL;
		}
		s->n = i + 1;
	}
#undef GETZ
#undef GETU
	if (pos != len)
		return CL_EINVAL;
	s->sorted = s->n;
	return cl_pstate_validate(s);
}

/* ---- text form -------------------------------------------------------- */

typedef struct outbuf
{
	char	   *buf;
	size_t		len;
	size_t		n;
} outbuf;

static void
out_str(outbuf *o, const char *str)
{
	size_t		k = strlen(str);

	if (o->buf != NULL && o->n + k < o->len)
		memcpy(o->buf + o->n, str, k + 1);
	o->n += k;
}

static void
out_i64(outbuf *o, int64_t v)
{
	char		tmp[32];

	snprintf(tmp, sizeof(tmp), "%lld", (long long) v);
	out_str(o, tmp);
}

size_t
cl_pstate_format(const cl_pstate *s, char *buf, size_t len)
{
	outbuf		o = {buf, len, 0};
	char		num[64];
	size_t		i;

	if (buf != NULL && len > 0)
		buf[0] = '\0';
	out_str(&o, "{\"v\":1,\"period\":[");
	out_i64(&o, s->months);
	out_str(&o, ",");
	out_i64(&o, s->days);
	out_str(&o, ",");
	out_i64(&o, s->usec);
	out_str(&o, "],\"first\":");
	if (s->first_ts == INT64_MAX)
		out_str(&o, "null");
	else
		out_i64(&o, s->first_ts);
	out_str(&o, ",\"p\":[");
	for (i = 0; i < s->n; i++)
	{
		const cl_pstate_entry *e = &s->e[i];

		out_str(&o, i > 0 ? ",[" : "[");
		out_i64(&o, e->period);
		out_str(&o, ",");
		out_i64(&o, e->purchases);
		out_str(&o, ",");
		out_i64(&o, e->refunds);
		out_str(&o, ",\"");
		if (cl_money_format(e->net, e->scale, num, sizeof(num)) == 0)
			strcpy(num, "?");
		out_str(&o, num);
		out_str(&o, "\",");
		out_i64(&o, e->dscale);
		out_str(&o, ",");
		out_i64(&o, e->last_ts);
		out_str(&o, "]");
	}
	out_str(&o, "]}");
	return o.n;
}

typedef struct parser
{
	const char *p;
	cl_status	err;			/* first error: CL_EINVAL syntax, CL_ERANGE value */
} parser;

static void
skip_ws(parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
		ps->p++;
}

static int
expect(parser *ps, const char *lit)
{
	size_t		k = strlen(lit);

	skip_ws(ps);
	if (ps->err != CL_OK || strncmp(ps->p, lit, k) != 0)
	{
		if (ps->err == CL_OK)
			ps->err = CL_EINVAL;
		return 0;
	}
	ps->p += k;
	return 1;
}

/*
 * An optionally signed decimal: digits and, if allow_frac, an optional
 * fraction whose digit count goes to *scale.  The magnitude must stay below
 * 2^bits (2^bits itself for negative values): CL_ERANGE otherwise.
 */
static int
parse_dec(parser *ps, int allow_frac, int bits, cl_i128 *out, int *scale)
{
	const unsigned __int128 lim = (unsigned __int128) 1 << bits;
	unsigned __int128 m = 0;
	int			neg = 0;
	int			intd = 0;
	int			fracd = 0;
	int			range = 0;
	int			in_frac = 0;

	skip_ws(ps);
	if (ps->err != CL_OK)
		return 0;
	if (*ps->p == '-')
	{
		neg = 1;
		ps->p++;
	}
	for (;;)
	{
		char		c = *ps->p;

		if (c >= '0' && c <= '9')
		{
			unsigned	d = (unsigned) (c - '0');

			if (m > (lim - d) / 10)
				range = 1;
			else
				m = m * 10 + d;
			if (in_frac)
				fracd++;
			else
				intd++;
			ps->p++;
		}
		else if (c == '.' && allow_frac && !in_frac && intd > 0)
		{
			in_frac = 1;
			ps->p++;
		}
		else
			break;
	}
	if (intd == 0 || (in_frac && fracd == 0))
	{
		ps->err = CL_EINVAL;
		return 0;
	}
	if (range || m > (neg ? lim : lim - 1))
	{
		ps->err = CL_ERANGE;
		return 0;
	}
	*out = neg ? (cl_i128) (0 - m) : (cl_i128) m;
	if (scale != NULL)
		*scale = fracd;
	return 1;
}

static int
parse_i64(parser *ps, int64_t *out)
{
	cl_i128		v;

	if (!parse_dec(ps, 0, 63, &v, NULL))
		return 0;
	*out = (int64_t) v;
	return 1;
}

cl_status
cl_pstate_parse(const char *text, cl_pstate *s, cl_realloc_fn alloc, void *ctx)
{
	parser		ps = {text, CL_OK};
	int64_t		v, months, days, usec;
	cl_status	st;

	memset(s, 0, sizeof(*s));
	s->first_ts = INT64_MAX;
	if (!expect(&ps, "{") || !expect(&ps, "\"v\"") || !expect(&ps, ":") ||
		!parse_i64(&ps, &v))
		return ps.err;
	if (v != CL_PSTATE_VERSION)
		return CL_EMISMATCH;
	if (!expect(&ps, ",") || !expect(&ps, "\"period\"") || !expect(&ps, ":") ||
		!expect(&ps, "[") || !parse_i64(&ps, &months) || !expect(&ps, ",") ||
		!parse_i64(&ps, &days) || !expect(&ps, ",") || !parse_i64(&ps, &usec) ||
		!expect(&ps, "]") || !expect(&ps, ",") || !expect(&ps, "\"first\"") ||
		!expect(&ps, ":"))
		return ps.err;
	if (months != (int32_t) months || days != (int32_t) days)
		return CL_ERANGE;
	st = cl_pstate_init(s, (int32_t) months, (int32_t) days, usec);
	if (st != CL_OK)
		return CL_ERANGE;		/* a valid number but no valid period */
	skip_ws(&ps);
	if (strncmp(ps.p, "null", 4) == 0)
		ps.p += 4;
	else if (!parse_i64(&ps, &s->first_ts))
		return ps.err;
	else if (s->first_ts == INT64_MAX)
		return CL_ERANGE;
	if (!expect(&ps, ",") || !expect(&ps, "\"p\"") || !expect(&ps, ":") ||
		!expect(&ps, "["))
		return ps.err;
	skip_ws(&ps);
	if (*ps.p == ']')
		ps.p++;
	else
	{
		for (;;)
		{
			cl_pstate_entry e;
			int			scale;
			cl_i128		net;
			int64_t		ds;

			memset(&e, 0, sizeof(e));
			if (!expect(&ps, "[") || !parse_i64(&ps, &e.period) || !expect(&ps, ",") ||
				!parse_i64(&ps, &e.purchases) || !expect(&ps, ",") ||
				!parse_i64(&ps, &e.refunds) || !expect(&ps, ",") || !expect(&ps, "\"") ||
				!parse_dec(&ps, 1, 127, &net, &scale))
				return ps.err;
			/* the quote must follow the number directly */
			if (*ps.p != '"')
				return CL_EINVAL;
			ps.p++;
			if (!expect(&ps, ",") || !parse_i64(&ps, &ds) || !expect(&ps, ",") ||
				!parse_i64(&ps, &e.last_ts) || !expect(&ps, "]"))
				return ps.err;
			if (scale > CL_MONEY_MAX_SCALE || ds < 0 || ds > CL_MONEY_MAX_SCALE)
				return CL_ERANGE;
			e.net = net;
			e.scale = scale;
			e.dscale = (int32_t) ds;
			if (s->n == s->cap)
			{
				size_t		newcap = s->cap == 0 ? PSTATE_INITIAL_CAP : s->cap * 2;
				void	   *p = alloc(ctx, s->e, newcap * sizeof(cl_pstate_entry));

				if (p == NULL)
					return CL_ENOMEM;
				s->e = p;
				s->cap = newcap;
			}
			s->e[s->n++] = e;
			skip_ws(&ps);
			if (*ps.p == ',')
			{
				ps.p++;
				continue;
			}
			if (!expect(&ps, "]"))
				return ps.err;
			break;
		}
	}
	if (!expect(&ps, "}"))
		return ps.err;
	skip_ws(&ps);
	if (*ps.p != '\0')
		return CL_EINVAL;
	s->sorted = s->n;			/* validate checks the order */
	return CL_OK;
}

/* ---- profile ---------------------------------------------------------- */

cl_status
cl_pstate_to_acc(const cl_pstate *s, int64_t as_of, int64_t unit_usec,
				 cl_profile_acc *acc, cl_realloc_fn alloc, void *ctx)
{
	size_t		i;
	size_t		k = 0;
	cl_status	st;

	cl_profile_init(acc, &s->period, unit_usec, as_of);
	for (i = 0; i < s->n && s->e[i].period <= acc->as_of_index; i++)
	{
		if (s->e[i].scale > acc->scale)
			acc->scale = s->e[i].scale;
		if (s->e[i].dscale > acc->display_scale)
			acc->display_scale = s->e[i].dscale;
	}
	k = i;
	if (k == 0)
		return CL_OK;
	acc->sums = alloc(ctx, NULL, k * sizeof(cl_period_sum));
	if (acc->sums == NULL)
		return CL_ENOMEM;
	acc->cap = k;
	for (i = 0; i < k; i++)
	{
		const cl_pstate_entry *e = &s->e[i];
		cl_i128		net = e->net;

		st = cl_money_rescale(&net, e->scale, acc->scale);
		if (st == CL_OK)
			st = cl_money_add(&acc->total, net);
		if (st != CL_OK)
			return st;
		if (__builtin_add_overflow(acc->orders, e->purchases, &acc->orders) ||
			__builtin_add_overflow(acc->refunds, e->refunds, &acc->refunds))
			return CL_ERANGE;
		if (e->purchases > 0 && e->last_ts > acc->last_ts)
			acc->last_ts = e->last_ts;
		acc->sums[i].period = e->period;
		acc->sums[i].purchases = e->purchases;
		acc->sums[i].net = net;
	}
	if (acc->orders > 0)
		acc->first_ts = s->first_ts;
	acc->n = k;
	acc->sorted = k;
	return CL_OK;
}
