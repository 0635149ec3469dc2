/*
 * cells_codec.c — the compact encoding of the fit state's cells
 * (cells_codec.h).
 *
 * Why this shape: the text form of a partial fit travels between nodes
 * (Citus ships partial aggregates as text), and the earlier JSON form spent
 * 17 or more characters per number on values that are mostly small whole
 * numbers or whole periods divided by a unit.  A column denominator D turns
 * those into integers; sorted cells (the state is kept sorted by (x, t_x, T))
 * make consecutive numerators close, so their differences fit one varint
 * byte; anything else is kept bit-exact as raw IEEE bytes.
 */
#include "cells_codec.h"

#include <math.h>
#include <string.h>

#define MAX_VARINT 10
#define TWO53 9007199254740992.0

int
cl_cells_width(int kind)
{
	return kind == 1 ? 4 : kind == 2 ? 3 : 0;
}

size_t
cl_cells_encoded_bound(int kind, size_t n)
{
	size_t		w = (size_t) cl_cells_width(kind);

	/* a raw value: 1 tag byte + 8; a rational one at most MAX_VARINT */
	return 1 + MAX_VARINT * (2 + CL_CELLS_MAX_WIDTH) + n * w * 9;
}

static size_t
put_varint(unsigned char *p, uint64_t v)
{
	size_t		i = 0;

	while (v >= 0x80)
	{
		p[i++] = (unsigned char) (v | 0x80);
		v >>= 7;
	}
	p[i++] = (unsigned char) v;
	return i;
}

/* LEB128 varint at in[*pos..len); canonical (no superfluous zero bytes) */
static int
get_varint(const unsigned char *in, size_t len, size_t *pos, uint64_t *v)
{
	uint64_t	r = 0;
	int			shift = 0;
	size_t		p = *pos;

	for (;;)
	{
		unsigned char b;

		if (p >= len || shift > 63)
			return 0;
		b = in[p++];
		if (shift == 63 && b > 1)
			return 0;
		r |= (uint64_t) (b & 0x7F) << shift;
		if ((b & 0x80) == 0)
		{
			if (b == 0 && shift > 0)
				return 0;		/* superfluous trailing zero group */
			break;
		}
		shift += 7;
	}
	*pos = p;
	*v = r;
	return 1;
}

static uint64_t
zigzag(int64_t v)
{
	return ((uint64_t) v << 1) ^ (uint64_t) (v >> 63);
}

static int64_t
unzigzag(uint64_t v)
{
	return (int64_t) (v >> 1) ^ -(int64_t) (v & 1);
}

static uint64_t
bits_of(double d)
{
	uint64_t	b;

	memcpy(&b, &d, sizeof b);
	return b;
}

/* Is v exactly k / D for an integer |k| < 2^53?  Then *k is it. */
static int
as_rational(double v, uint64_t D, int64_t *k)
{
	double		s;
	double		r;

	if (D == 0 || !isfinite(v))
		return 0;
	s = v * (double) D;
	if (!(fabs(s) < TWO53))
		return 0;
	r = nearbyint(s);
	/* from the integer, so that -0.0 (not k / D for any k) stays raw */
	if (bits_of((double) (int64_t) r / (double) D) != bits_of(v))
		return 0;
	*k = (int64_t) r;
	return 1;
}

/*
 * Denominators tried for a column, in order of preference: whole numbers,
 * then the unit measured in common period lengths (a weekly unit gives 7
 * for daily periods), then common fractions.
 */
static size_t
candidates(int64_t unit_usec, uint64_t *out)
{
	static const int64_t periods[] = {
		86400000000LL, 3600000000LL, 60000000LL, 1000000LL, 604800000000LL
	};
	static const uint64_t fixed[] = {2, 4, 8, 10, 12, 24, 30, 52, 100, 365, 1000};
	size_t		n = 0;
	size_t		i;

	out[n++] = 1;
	if (unit_usec > 0)
	{
		for (i = 0; i < sizeof periods / sizeof periods[0]; i++)
		{
			int64_t		a = unit_usec;
			int64_t		b = periods[i];

			while (b != 0)
			{
				int64_t		t = a % b;

				a = b;
				b = t;
			}
			if (unit_usec / a > 1 && unit_usec / a <= ((int64_t) 1 << 31))
				out[n++] = (uint64_t) (unit_usec / a);
		}
	}
	for (i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		out[n++] = fixed[i];
	return n;
}

/*
 * The denominator of a column: the first candidate that makes every value
 * rational, else the one that makes the most of the first 256 values
 * rational (0 when none).
 */
static uint64_t
column_denominator(const double *rows, size_t n, int width, int col, int64_t unit_usec)
{
	uint64_t	cand[32];
	size_t		nc = candidates(unit_usec, cand);
	size_t		best_count = 0;
	uint64_t	best = 0;
	size_t		c;
	size_t		i;
	int64_t		k;

	for (c = 0; c < nc; c++)
	{
		size_t		count = 0;

		for (i = 0; i < n; i++)
		{
			if (!as_rational(rows[i * width + col], cand[c], &k))
				break;
			count++;
		}
		if (i == n)
			return cand[c];
		if (count > 256)
			count = 256;
		for (i = count; i < n && i < 256; i++)
			count += as_rational(rows[i * width + col], cand[c], &k);
		if (count > best_count)
		{
			best_count = count;
			best = cand[c];
		}
	}
	return best;
}

cl_status
cl_cells_encode(int kind, int64_t unit_usec, const double *rows, size_t n,
				unsigned char *out, size_t *len)
{
	int			width = cl_cells_width(kind);
	uint64_t	D[CL_CELLS_MAX_WIDTH];
	int64_t		prev[CL_CELLS_MAX_WIDTH] = {0};
	size_t		p = 0;
	size_t		i;
	int			j;

	if (width == 0 || (kind == 1 && unit_usec <= 0))
		return CL_EINVAL;
	out[p++] = (unsigned char) kind;
	if (kind == 1)
		p += put_varint(out + p, (uint64_t) unit_usec);
	p += put_varint(out + p, (uint64_t) n);
	for (j = 0; j < width; j++)
	{
		D[j] = column_denominator(rows, n, width, j, kind == 1 ? unit_usec : 0);
		p += put_varint(out + p, D[j]);
	}
	for (i = 0; i < n; i++)
	{
		for (j = 0; j < width; j++)
		{
			double		v = rows[i * width + j];
			int64_t		k;

			if (as_rational(v, D[j], &k))
			{
				/* the weight (last column) is not delta-coded */
				int64_t		base = j == width - 1 ? 0 : prev[j];

				p += put_varint(out + p, zigzag(k - base) << 1);
				if (j != width - 1)
					prev[j] = k;
			}
			else
			{
				uint64_t	b = bits_of(v);
				int			s;

				out[p++] = 1;
				for (s = 56; s >= 0; s -= 8)
					out[p++] = (unsigned char) (b >> s);
			}
		}
	}
	*len = p;
	return CL_OK;
}

static cl_status
read_header(const unsigned char *in, size_t len, size_t *pos, int *kind,
			int64_t *unit_usec, size_t *n, uint64_t *D)
{
	uint64_t	v;
	int			width;
	int			j;

	if (len < 1)
		return CL_EINVAL;
	*kind = in[0];
	*pos = 1;
	width = cl_cells_width(*kind);
	if (width == 0)
		return CL_EINVAL;
	*unit_usec = 0;
	if (*kind == 1)
	{
		if (!get_varint(in, len, pos, &v) || v == 0 || v > (uint64_t) INT64_MAX)
			return CL_EINVAL;
		*unit_usec = (int64_t) v;
	}
	if (!get_varint(in, len, pos, &v))
		return CL_EINVAL;
	for (j = 0; j < width; j++)
	{
		uint64_t	d;

		if (!get_varint(in, len, pos, &d) || d > ((uint64_t) 1 << 31))
			return CL_EINVAL;
		if (D != NULL)
			D[j] = d;
	}
	/* every value takes at least one byte */
	if (v > (len - *pos) / (uint64_t) width)
		return CL_EINVAL;
	*n = (size_t) v;
	return CL_OK;
}

cl_status
cl_cells_decode_header(const unsigned char *in, size_t len, int *kind,
					   int64_t *unit_usec, size_t *n)
{
	size_t		pos;

	return read_header(in, len, &pos, kind, unit_usec, n, NULL);
}

cl_status
cl_cells_decode(const unsigned char *in, size_t len, double *rows)
{
	int			kind;
	int64_t		unit_usec;
	size_t		n;
	size_t		pos;
	uint64_t	D[CL_CELLS_MAX_WIDTH];
	int64_t		prev[CL_CELLS_MAX_WIDTH] = {0};
	int64_t		delta_unused;
	int			width;
	size_t		i;
	int			j;
	cl_status	st = read_header(in, len, &pos, &kind, &unit_usec, &n, D);

	if (st != CL_OK)
		return st;
	width = cl_cells_width(kind);
	for (i = 0; i < n; i++)
	{
		for (j = 0; j < width; j++)
		{
			uint64_t	v;

			if (!get_varint(in, len, &pos, &v))
				return CL_EINVAL;
			if (v == 1)
			{
				uint64_t	b = 0;
				double		d;
				int			s;

				if (len - pos < 8)
					return CL_EINVAL;
				for (s = 0; s < 8; s++)
					b = (b << 8) | in[pos++];
				memcpy(&d, &b, sizeof d);
				/* a value the encoder would have written as k / D */
				if (as_rational(d, D[j], &delta_unused))
					return CL_EINVAL;
				rows[i * width + j] = d;
			}
			else if ((v & 1) != 0 || D[j] == 0)
				return CL_EINVAL;
			else
			{
				int64_t		delta = unzigzag(v >> 1);
				int64_t		base = j == width - 1 ? 0 : prev[j];
				int64_t		k;

				/* |k| < 2^53, as the encoder writes it */
				if (delta > (int64_t) TWO53 * 2 || delta < -(int64_t) TWO53 * 2)
					return CL_EINVAL;
				k = base + delta;
				if (k >= (int64_t) TWO53 || k <= -(int64_t) TWO53)
					return CL_EINVAL;
				rows[i * width + j] = (double) k / (double) D[j];
				if (j != width - 1)
					prev[j] = k;
			}
		}
	}
	return pos == len ? CL_OK : CL_EINVAL;
}
