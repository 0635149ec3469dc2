/*
 * profile.c — accumulating orders into periods and computing the profile.
 */
#include <stdlib.h>
#include <string.h>

#include "profile.h"

/* First allocation: most customers have only a few purchase periods. */
#define CL_PROFILE_INITIAL_CAP 4

void
cl_profile_init(cl_profile_acc *acc, const cl_period *period,
				int64_t unit_usec, int64_t as_of)
{
	memset(acc, 0, sizeof(*acc));
	acc->period = *period;
	acc->unit_usec = unit_usec;
	acc->as_of = as_of;
	acc->as_of_index = cl_period_index(period, as_of);
	acc->first_ts = INT64_MAX;
	acc->last_ts = INT64_MIN;
}

int
cl_profile_same_params(const cl_profile_acc *a, const cl_profile_acc *b)
{
	return a->period.usec == b->period.usec &&
		a->period.months == b->period.months &&
		a->unit_usec == b->unit_usec &&
		a->as_of_index == b->as_of_index;
}

static int
cmp_period(const void *pa, const void *pb)
{
	const cl_period_sum *a = pa;
	const cl_period_sum *b = pb;

	return (a->period > b->period) - (a->period < b->period);
}

cl_status
cl_profile_compact(cl_profile_acc *acc)
{
	size_t		i;
	size_t		out = 0;

	if (acc->sorted == acc->n)
		return CL_OK;
	if (acc->n <= 32)
	{
		/* a customer's few periods: insertion sort, no comparison callback */
		for (i = 1; i < acc->n; i++)
		{
			cl_period_sum t = acc->sums[i];
			size_t		j;

			for (j = i; j > 0 && acc->sums[j - 1].period > t.period; j--)
				acc->sums[j] = acc->sums[j - 1];
			acc->sums[j] = t;
		}
	}
	else
		qsort(acc->sums, acc->n, sizeof(cl_period_sum), cmp_period);
	for (i = 0; i < acc->n; i++)
	{
		if (out > 0 && acc->sums[out - 1].period == acc->sums[i].period)
		{
			/*
			 * A period's net can overflow even when the total does not
			 * (+M +M in one period, -M in another), so check here too.
			 */
			if (cl_money_add(&acc->sums[out - 1].net, acc->sums[i].net) != CL_OK)
				return CL_ERANGE;
			acc->sums[out - 1].purchases += acc->sums[i].purchases;
		}
		else
			acc->sums[out++] = acc->sums[i];
	}
	acc->n = out;
	acc->sorted = out;
	return CL_OK;
}

/* Make room for one more entry: compact first, grow only if still crowded. */
static cl_status
reserve_one(cl_profile_acc *acc, cl_realloc_fn alloc, void *ctx)
{
	size_t		newcap;
	void	   *p;

	if (acc->n < acc->cap)
		return CL_OK;
	if (acc->cap > 0)
	{
		cl_status	st = cl_profile_compact(acc);

		if (st != CL_OK)
			return st;
	}
	if (acc->n < acc->cap / 2 + 1 && acc->n < acc->cap)
		return CL_OK;
	newcap = acc->cap == 0 ? CL_PROFILE_INITIAL_CAP : acc->cap * 2;
	if (newcap > SIZE_MAX / sizeof(cl_period_sum))
		return CL_ESIZE;
	p = alloc(ctx, acc->sums, newcap * sizeof(cl_period_sum));
	if (p == NULL)
		return CL_ENOMEM;
	acc->sums = p;
	acc->cap = newcap;
	return CL_OK;
}

/* Raise the accumulator's scale to "scale", rescaling every stored amount. */
static cl_status
raise_scale(cl_profile_acc *acc, int scale)
{
	size_t		i;
	cl_status	st;

	st = cl_money_rescale(&acc->total, acc->scale, scale);
	for (i = 0; st == CL_OK && i < acc->n; i++)
		st = cl_money_rescale(&acc->sums[i].net, acc->scale, scale);
	if (st == CL_OK)
		acc->scale = scale;
	return st;
}

/*
 * Period nets are bounded by the total's range only if every partial sum is
 * checked, so add to the period and to the total with overflow checks.
 */
static cl_status
add_to_period(cl_profile_acc *acc, int64_t idx, int64_t purchases, cl_i128 units,
			  cl_realloc_fn alloc, void *ctx)
{
	cl_period_sum *last;
	cl_status	st;

	st = cl_money_add(&acc->total, units);
	if (st != CL_OK)
		return st;

	/* Fast path: orders of one customer usually arrive grouped by time. */
	last = acc->n > 0 ? &acc->sums[acc->n - 1] : NULL;
	if (last != NULL && last->period == idx)
	{
		last->purchases += purchases;
		return cl_money_add(&last->net, units);
	}

	st = reserve_one(acc, alloc, ctx);
	if (st != CL_OK)
		return st;
	last = acc->n > 0 ? &acc->sums[acc->n - 1] : NULL;
	acc->sums[acc->n].period = idx;
	acc->sums[acc->n].purchases = purchases;
	acc->sums[acc->n].net = units;
	/* the sorted prefix survives an append in ascending order */
	if (acc->sorted == acc->n && (last == NULL || last->period < idx))
		acc->sorted++;
	acc->n++;
	return CL_OK;
}

cl_status
cl_profile_add(cl_profile_acc *acc, int64_t ts, int has_amount,
			   cl_i128 units, int scale, cl_realloc_fn alloc, void *ctx)
{
	int64_t		idx = cl_period_index(&acc->period, ts);
	int			refund;
	cl_status	st;

	if (idx > acc->as_of_index)
		return CL_OK;
	if (has_amount)
	{
		if (scale < 0 || scale > CL_MONEY_MAX_SCALE)
			return CL_ERANGE;
		if (scale > acc->scale)
		{
			st = raise_scale(acc, scale);
			if (st != CL_OK)
				return st;
		}
		else if (scale < acc->scale)
		{
			st = cl_money_rescale(&units, scale, acc->scale);
			if (st != CL_OK)
				return st;
		}
	}
	else
		units = 0;

	refund = has_amount && units < 0;
	if (refund)
		acc->refunds++;
	else
	{
		acc->orders++;
		if (ts < acc->first_ts)
			acc->first_ts = ts;
		if (ts > acc->last_ts)
			acc->last_ts = ts;
	}
	return add_to_period(acc, idx, refund ? 0 : 1, units, alloc, ctx);
}

cl_status
cl_profile_merge(cl_profile_acc *dst, const cl_profile_acc *src,
				 cl_realloc_fn alloc, void *ctx)
{
	size_t		i;
	cl_status	st;

	if (!cl_profile_same_params(dst, src))
		return CL_EMISMATCH;
	if (src->scale > dst->scale)
	{
		st = raise_scale(dst, src->scale);
		if (st != CL_OK)
			return st;
	}
	for (i = 0; i < src->n; i++)
	{
		cl_i128		net = src->sums[i].net;

		st = cl_money_rescale(&net, src->scale, dst->scale);
		if (st == CL_OK)
			st = add_to_period(dst, src->sums[i].period, src->sums[i].purchases,
							   net, alloc, ctx);
		if (st != CL_OK)
			return st;
	}
	/*
	 * add_to_period summed the nets into dst->total; src->total also holds
	 * refund-only and all other rows, which are exactly its entries' nets, so
	 * nothing is missing.  Counters and bounds merge directly.
	 */
	if (src->display_scale > dst->display_scale)
		dst->display_scale = src->display_scale;
	dst->orders += src->orders;
	dst->refunds += src->refunds;
	if (src->first_ts < dst->first_ts)
		dst->first_ts = src->first_ts;
	if (src->last_ts > dst->last_ts)
		dst->last_ts = src->last_ts;
	return CL_OK;
}

/*
 * to - from in microseconds, as a double.  Exact in int64 when it fits;
 * spans of more than 292,000 years (orders in 4713 BC, as_of in 294276 AD)
 * overflow int64 and are taken in double instead, which holds them.
 */
static double
span(int64_t from, int64_t to)
{
	int64_t		d;

	if (__builtin_sub_overflow(to, from, &d))
		return (double) to - (double) from;
	return (double) d;
}

cl_status
cl_profile_finish(cl_profile_acc *acc, cl_profile *out, int *has_profile)
{
	size_t		i;
	const cl_period_sum *first = NULL;
	const cl_period_sum *last = NULL;
	int64_t		periods = 0;
	cl_i128		repeat_sum = 0;
	int64_t		first_start;
	int64_t		last_start;
	int64_t		as_of_start;
	cl_status	st;

	*has_profile = 0;
	st = cl_profile_compact(acc);
	if (st != CL_OK)
		return st;
	for (i = 0; i < acc->n; i++)
	{
		const cl_period_sum *s = &acc->sums[i];

		if (s->purchases == 0)
			continue;			/* refunds only: not a purchase */
		if (first == NULL)
			first = s;
		else
		{
			st = cl_money_add(&repeat_sum, s->net);
			if (st != CL_OK)
				return st;
		}
		last = s;
		periods++;
	}
	if (first == NULL)
		return CL_OK;

	if (cl_period_start_checked(&acc->period, first->period, &first_start) != CL_OK ||
		cl_period_start_checked(&acc->period, last->period, &last_start) != CL_OK ||
		cl_period_start_checked(&acc->period, acc->as_of_index, &as_of_start) != CL_OK)
		return CL_ETIMERANGE;

	out->first_ts = acc->first_ts;
	out->last_ts = acc->last_ts;
	out->orders = acc->orders;
	out->refunds = acc->refunds;
	out->periods = periods;
	out->frequency = (double) (periods - 1);
	out->recency = span(first_start, last_start) / (double) acc->unit_usec;
	out->t = span(first_start, as_of_start) / (double) acc->unit_usec;
	out->recency_days = span(last_start, as_of_start) / (double) CL_USECS_PER_DAY;
	out->monetary = periods > 1
		? cl_money_to_double(repeat_sum, acc->scale) / (double) (periods - 1)
		: 0.0;
	out->total = acc->total;
	out->scale = acc->scale;
	*has_profile = 1;
	return CL_OK;
}
