/*
 * numeric_money.c — reading numeric values straight from their stored form.
 *
 * Summing order amounts as numeric would cost a palloc per row (numeric_add
 * returns a fresh value), and converting to float8 goes through text.  The
 * on-disk numeric format is fixed by pg_upgrade compatibility, so we read
 * it directly: a 2-byte header (short form) or 4-byte header (long form),
 * then base-10000 digits, most significant first:
 *
 *   value = sign * sum_i digit[i] * 10000^(weight - i)
 *
 * Packed (1-byte varlena header) values are read in place, so the common
 * case neither detoasts nor allocates.
 */
#include "compat.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/numeric.h"

#include "errors.h"
#include "numeric_money.h"

/* Header bits of the stored numeric format (see utils/adt/numeric.c). */
#define NM_SIGN_MASK		0xC000
#define NM_NEG				0x4000
#define NM_SHORT			0x8000
#define NM_SPECIAL			0xC000
#define NM_SHORT_SIGN_MASK	0x2000
#define NM_SHORT_WEIGHT_SIGN_MASK 0x0040
#define NM_SHORT_WEIGHT_MASK 0x003F
#define NM_SHORT_DSCALE_MASK 0x1F80
#define NM_SHORT_DSCALE_SHIFT 7
#define NM_DSCALE_MASK		0x3FFF
#define NM_NBASE			10000

cl_status
cl_numeric_decode(Datum num, cl_i128 *units, int *scale)
{
	struct varlena *v = PG_DETOAST_DATUM_PACKED(num);
	const char *data = VARDATA_ANY(v);
	Size		len = VARSIZE_ANY_EXHDR(v);
	uint16		hdr;
	int			weight;
	bool		negative;
	Size		hdrlen;
	int			ndigits;
	int			e;
	__int128	m = 0;
	int			i;

	if (len < sizeof(uint16))
		return CL_EINVAL;
	memcpy(&hdr, data, sizeof(uint16));
	if ((hdr & NM_SIGN_MASK) == NM_SPECIAL)
		return CL_ENOTFINITE;
	if (hdr & NM_SHORT)
	{
		negative = (hdr & NM_SHORT_SIGN_MASK) != 0;
		weight = (hdr & NM_SHORT_WEIGHT_SIGN_MASK ? ~NM_SHORT_WEIGHT_MASK : 0) |
			(hdr & NM_SHORT_WEIGHT_MASK);
		hdrlen = sizeof(uint16);
	}
	else
	{
		int16		w;

		if (len < sizeof(uint16) + sizeof(int16))
			return CL_EINVAL;
		negative = (hdr & NM_SIGN_MASK) == NM_NEG;
		memcpy(&w, data + sizeof(uint16), sizeof(int16));
		weight = w;
		hdrlen = sizeof(uint16) + sizeof(int16);
	}
	ndigits = (int) ((len - hdrlen) / sizeof(int16));

	if (ndigits <= 4)
	{
		/* 10000^4 < 2^63: order amounts take this path, without 128-bit checks */
		int64		m64 = 0;

		for (i = 0; i < ndigits; i++)
		{
			int16		d;

			memcpy(&d, data + hdrlen + i * sizeof(int16), sizeof(int16));
			m64 = m64 * NM_NBASE + d;
		}
		m = m64;
	}
	else
	{
		for (i = 0; i < ndigits; i++)
		{
			int16		d;

			memcpy(&d, data + hdrlen + i * sizeof(int16), sizeof(int16));
			if (__builtin_mul_overflow(m, NM_NBASE, &m) ||
				__builtin_add_overflow(m, d, &m))
				return CL_ERANGE;
		}
	}

	/* e = base-10000 digits after the decimal point (negative: trailing zeros) */
	e = ndigits - 1 - weight;
	*scale = 0;
	if (ndigits == 0)
		e = 0;
	for (; e < 0; e++)
	{
		if (__builtin_mul_overflow(m, NM_NBASE, &m))
			return CL_ERANGE;
	}
	*units = negative ? -m : m;
	*scale = 4 * e;
	cl_money_normalize(units, scale);
	if (*scale > CL_MONEY_MAX_SCALE)
		return CL_ERANGE;
	return CL_OK;
}

int
cl_numeric_dscale(Datum num)
{
	struct varlena *v = PG_DETOAST_DATUM_PACKED(num);
	const char *data = VARDATA_ANY(v);
	uint16		hdr;

	if (VARSIZE_ANY_EXHDR(v) < sizeof(uint16))
		return 0;
	memcpy(&hdr, data, sizeof(uint16));
	if ((hdr & NM_SIGN_MASK) == NM_SPECIAL)
		return 0;
	if (hdr & NM_SHORT)
		return (hdr & NM_SHORT_DSCALE_MASK) >> NM_SHORT_DSCALE_SHIFT;
	return hdr & NM_DSCALE_MASK;
}

/*
 * Encode at the larger of the exact scale and the display scale, so that
 * summing 50.00 and -20.00 shows 30.00 as sum() does.
 */
Datum
cl_numeric_encode_display(cl_i128 units, int scale, int display_scale)
{
	cl_i128		v = units;

	if (display_scale > scale && display_scale <= CL_MONEY_MAX_SCALE &&
		cl_money_rescale(&v, scale, display_scale) == CL_OK)
		return cl_numeric_encode(v, display_scale);
	return cl_numeric_encode(units, scale);
}

Datum
cl_numeric_encode(cl_i128 units, int scale)
{
	char		buf[64];

	if (cl_money_format(units, scale, buf, sizeof(buf)) == 0)
		elog(ERROR, "amount buffer too small");
	return DirectFunctionCall3(numeric_in, CStringGetDatum(buf),
							   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
}

void
cl_numeric_decode_arg(Datum num, const char *argname, cl_i128 *units, int *scale)
{
	cl_status	st = cl_numeric_decode(num, units, scale);

	if (st == CL_OK)
		return;
	if (st == CL_ENOTFINITE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a finite number", argname),
				 errdetail("The value is \"%s\".",
						   DatumGetCString(DirectFunctionCall1(numeric_out, num))),
				 errhint("Filter out or correct rows whose %s is NaN or Infinity.", argname)));
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("%s \"%s\" is out of range", argname,
					DatumGetCString(DirectFunctionCall1(numeric_out, num))),
			 errdetail("Amounts are summed exactly with at most 38 significant digits and %d decimal places.",
					   CL_MONEY_MAX_SCALE),
			 errhint("Round the %s, e.g. with round(%s, 2).", argname, argname)));
}
