/*
 * fit.c — SQL glue of the model fits: the btyd_cells state type and the
 * bgnbd_fit / mbgnbd_fit / pareto_nbd_fit / gamma_gamma_fit aggregates.
 * The three purchase models share the state, its transition functions
 * (purchase_fit_trans, purchase_fit_profile_trans), combine and text
 * functions: their cells are the same (x, t_x, T) summaries, kind 1,
 * called "bgnbd" in the JSON text form of 0.3.x.  Only the final function
 * differs.
 *
 * The state is a concrete type, not internal: Citus pushes a partial
 * aggregate down to the shards only when the state has a text form that
 * round-trips exactly, and a combine function.  The state holds distinct
 * customer cells with counts (btyd.h), compressed in place whenever the
 * buffer fills, so its size grows with distinct (x, t_x, T) summaries, not
 * with customers.
 *
 * Memory: while an aggregate runs, its state is an expanded object (see
 * utils/expandeddatum.h) in its own memory context under the aggregate
 * context: the transition and combine functions update it in place and
 * return the same read-write pointer, so the executor never copies it, and
 * the cell buffer grows by repalloc (for a large buffer, a remap rather than
 * a copy).  The flat varlena form below is what leaves the aggregate: a
 * parallel worker's partial state, the text output, a stored value.  Every
 * function accepts both forms.
  */
#include "compat.h"

#include <ctype.h>
#include <math.h>

#include "access/htup_details.h"
#include "common/base64.h"
#include "common/shortest_dec.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#include "bgnbd.h"
#include "btyd.h"
#include "cells_codec.h"
#include "btyd_limits.h"
#include "mbgnbd.h"
#include "pareto_nbd.h"
#include "errors.h"
#include "gamma_gamma.h"
#include "glue_common.h"
#include "fit.h"
#include "interrupt.h"
#include "models.h"
#include "optim.h"
#include "period.h"

typedef enum CellsKind
{
	CELLS_PURCHASE = 1,			/* (x, t_x, T) of the purchase models: cl_btyd_cell */
	CELLS_GAMMA_GAMMA = 2		/* (x, m): cl_gg_cell */
} CellsKind;

/*
 * The flat (stored) form.  Storage format version: the top byte of the
 * kind word (bits 24..31), the CellsKind in its low byte:
 *
 *   version 0   no marker: written by 0.1.0 .. 0.3.1, kind word 1 or 2, so
 *               the top byte is always 0;
 *   version 1   written by 0.3.2 and later; the same layout as version 0.
 *
 * A reader accepts every version up to CELLS_FORMAT_VERSION and reads the
 * layout that version names; a higher one (written by a newer release) is
 * refused as corrupted rather than misread.  Every value this library
 * builds (text or binary input, a flattened aggregate state, a parallel
 * worker's partial state) gets the current version; a stored old value
 * keeps its own.  A release that changes the layout bumps the version and
 * keeps reading the older ones.  The SEND/RECEIVE wire format is versioned
 * on its own (below).
 *
 * The flat form stores every cell in a cl_btyd_cell-sized slot, the layout
 * values stored by earlier releases have: a Gamma-Gamma cell (x, m, weight)
 * as (x, m, 0, weight).  In memory, while an aggregate runs, each kind has
 * its own cell type; gg_to_slots and gg_from_slots convert at the boundary.
 */
typedef struct BtydCells
{
	int32		vl_len_;		/* varlena header */
	int32		kind;			/* CellsKind | format version << 24 */
	int64		unit_usec;		/* BG/NBD: time unit of the summaries */
	int32		n;				/* cells in use */
	int32		cap;			/* cells allocated */
	cl_btyd_cell cells[FLEXIBLE_ARRAY_MEMBER];
} BtydCells;

#define CELLS_FORMAT_SHIFT 24
#define CELLS_FORMAT_VERSION 1
#define CELLS_KIND(c) ((int32) ((uint32) (c)->kind & 0xFF))
#define CELLS_FORMAT(c) ((int) ((uint32) (c)->kind >> CELLS_FORMAT_SHIFT))
#define CELLS_KIND_WORD(kind) \
	((int32) ((uint32) (kind) | (uint32) CELLS_FORMAT_VERSION << CELLS_FORMAT_SHIFT))

#define CELLS_SIZE(cap) (offsetof(BtydCells, cells) + (Size) (cap) * sizeof(cl_btyd_cell))
#define CELLS_INITIAL_CAP 256
#define CELLS_MAX_CAP ((int32) ((MaxAllocSize - offsetof(BtydCells, cells)) / sizeof(cl_btyd_cell)))

static const char *
kind_name(int32 kind)
{
	return kind == CELLS_PURCHASE ? "bgnbd" : "gamma_gamma";
}

static void
gg_to_slots(const cl_gg_cell *src, int32 n, cl_btyd_cell *dst)
{
	int32		i;

	for (i = 0; i < n; i++)
	{
		dst[i].x = src[i].x;
		dst[i].t_x = src[i].m;
		dst[i].T = 0.0;
		dst[i].weight = src[i].weight;
	}
}

static void
gg_from_slots(const cl_btyd_cell *src, int32 n, cl_gg_cell *dst)
{
	int32		i;

	for (i = 0; i < n; i++)
	{
		dst[i].x = src[i].x;
		dst[i].m = src[i].t_x;
		dst[i].weight = src[i].weight;
	}
}

/* The expanded (in-memory) form of a state. */
typedef struct CellsState
{
	ExpandedObjectHeader hdr;
	int32		kind;
	int64		unit_usec;
	int32		n;				/* cells in use */
	int32		cap;			/* cells allocated */
	cl_btyd_cell *cells;		/* CELLS_PURCHASE: in hdr.eoh_context */
	cl_gg_cell *gcells;			/* CELLS_GAMMA_GAMMA: in hdr.eoh_context */
	void	   *scratch;		/* merge space, kept between compressions */
	int32		scratch_cap;	/* in cells of the state's kind */
} CellsState;

static Size
cell_size(int32 kind)
{
	return kind == CELLS_GAMMA_GAMMA ? sizeof(cl_gg_cell) : sizeof(cl_btyd_cell);
}

static Size
cells_flat_size(ExpandedObjectHeader *eohptr)
{
	return CELLS_SIZE(((CellsState *) eohptr)->n);
}

static void
cells_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	CellsState *st = (CellsState *) eohptr;
	BtydCells  *c = (BtydCells *) result;

	Assert(allocated_size == CELLS_SIZE(st->n));
	memset(c, 0, offsetof(BtydCells, cells));
	SET_VARSIZE(c, allocated_size);
	c->kind = CELLS_KIND_WORD(st->kind);
	c->unit_usec = st->unit_usec;
	c->n = st->n;
	c->cap = st->n;
	if (st->kind == CELLS_GAMMA_GAMMA)
		gg_to_slots(st->gcells, st->n, c->cells);
	else
		memcpy(c->cells, st->cells, sizeof(cl_btyd_cell) * st->n);
}

static const ExpandedObjectMethods cells_methods = {
	cells_flat_size,
	cells_flatten_into
};

/* A new, empty state in its own context under parent (the aggregate's). */
static CellsState *
state_new(MemoryContext parent, int32 kind, int64 unit_usec, int32 cap)
{
	MemoryContext ctx = AllocSetContextCreate(parent, "btyd_cells state",
											  ALLOCSET_SMALL_SIZES);
	CellsState *st = MemoryContextAllocZero(ctx, sizeof(CellsState));

	EOH_init_header(&st->hdr, &cells_methods, ctx);
	st->kind = kind;
	st->unit_usec = unit_usec;
	st->cap = cap;
	if (kind == CELLS_GAMMA_GAMMA)
		st->gcells = MemoryContextAlloc(ctx, sizeof(cl_gg_cell) * cap);
	else
		st->cells = MemoryContextAlloc(ctx, sizeof(cl_btyd_cell) * cap);
	return st;
}

static BtydCells *
cells_new(int32 kind, int64 unit_usec, int32 cap)
{
	BtydCells  *c = palloc0(CELLS_SIZE(cap));	/* no uninitialised byte on disk */

	SET_VARSIZE(c, CELLS_SIZE(cap));
	c->kind = CELLS_KIND_WORD(kind);
	c->unit_usec = unit_usec;
	c->n = 0;
	c->cap = cap;
	return c;
}

/* Check a flat state that came from outside (text input, a worker, a table). */
static BtydCells *
cells_arg(FunctionCallInfo fcinfo, int argno)
{
	BtydCells  *c = (BtydCells *) PG_DETOAST_DATUM(PG_GETARG_DATUM(argno));

	if (VARSIZE(c) >= offsetof(BtydCells, cells) && CELLS_FORMAT(c) > CELLS_FORMAT_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid btyd_cells value"),
				 errdetail("The value has storage format version %d; this version of crm_loyalty reads versions 0 to %d.",
						   CELLS_FORMAT(c), CELLS_FORMAT_VERSION),
				 errhint("Update the extension's library to the release that wrote the value.")));
	if (VARSIZE(c) < offsetof(BtydCells, cells) ||
		(CELLS_KIND(c) != CELLS_PURCHASE && CELLS_KIND(c) != CELLS_GAMMA_GAMMA) ||
		(c->kind & 0x00FFFF00) != 0 ||
		c->n < 0 || c->cap < c->n || VARSIZE(c) != CELLS_SIZE(c->cap))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid btyd_cells value")));
	return c;
}

/* Our expanded state behind a datum, or NULL when the datum is flat. */
static CellsState *
expanded_state(Datum d)
{
	if (VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(d)))
	{
		ExpandedObjectHeader *eoh = DatumGetEOHP(d);

		if (eoh->eoh_methods == &cells_methods)
			return (CellsState *) eoh;
	}
	return NULL;
}

/* A state argument in either form, to read (and compress in place). */
typedef struct CellsView
{
	int32		kind;
	int64		unit_usec;
	int32		n;
	cl_btyd_cell *cells;		/* CELLS_PURCHASE */
	cl_gg_cell *gcells;			/* CELLS_GAMMA_GAMMA; from a flat value, a copy */
	CellsState *st;				/* the expanded state, or NULL */
	BtydCells  *flat;			/* else the flat value (maybe a detoasted copy) */
} CellsView;

static void
cells_view(FunctionCallInfo fcinfo, int argno, CellsView *v)
{
	CellsState *st = expanded_state(PG_GETARG_DATUM(argno));

	if (st != NULL)
	{
		v->kind = st->kind;
		v->unit_usec = st->unit_usec;
		v->n = st->n;
		v->cells = st->cells;
		v->gcells = st->gcells;
		v->flat = NULL;
	}
	else
	{
		BtydCells  *c = cells_arg(fcinfo, argno);

		v->kind = CELLS_KIND(c);
		v->unit_usec = c->unit_usec;
		v->n = c->n;
		v->cells = NULL;
		v->gcells = NULL;
		if (CELLS_KIND(c) == CELLS_GAMMA_GAMMA)
		{
			v->gcells = palloc(sizeof(cl_gg_cell) * Max(c->n, 1));
			gg_from_slots(c->cells, c->n, v->gcells);
		}
		else
			v->cells = c->cells;
		v->flat = c;
	}
	v->st = st;
}

/*
 * The state argument of a transition or combine call as a writable
 * expanded state: NULL for a NULL argument; a flat value (or a read-only
 * one) is copied into a new expanded state under aggctx.
 */
static CellsState *
state_arg(FunctionCallInfo fcinfo, int argno, MemoryContext aggctx)
{
	Datum		d;
	CellsView	v;
	CellsState *st;

	if (PG_ARGISNULL(argno))
		return NULL;
	d = PG_GETARG_DATUM(argno);
	if (VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(d)) && expanded_state(d) != NULL)
		return expanded_state(d);
	cells_view(fcinfo, argno, &v);
	st = state_new(aggctx, v.kind, v.unit_usec, Max(v.n, CELLS_INITIAL_CAP));
	if (v.kind == CELLS_GAMMA_GAMMA)
		memcpy(st->gcells, v.gcells, sizeof(cl_gg_cell) * v.n);
	else
		memcpy(st->cells, v.cells, sizeof(cl_btyd_cell) * v.n);
	st->n = v.n;
	return st;
}

#define RETURN_STATE(st) \
	PG_RETURN_DATUM((st) == NULL ? (Datum) 0 : EOHPGetRWDatum(&(st)->hdr))

/*
 * Sort and merge cells[0..n-1] in place; returns the new count.  The
 * leading run that an earlier compression left sorted is kept and only the
 * cells appended since are sorted, then merged into it (btyd.h), so
 * compressing a growing buffer again and again costs little more than
 * sorting it once.  The merge space is st's, kept for the next time, or
 * when st is NULL taken from the current memory context and freed.
 */
static int
compress_interrupt(void)
{
	CHECK_FOR_INTERRUPTS();
	return 0;
}

/* st's merge space for at least need cells of its kind */
static void *
state_scratch(CellsState *st, size_t need)
{
	if (st->scratch_cap < (int64) need)
	{
		if (st->scratch != NULL)
			pfree(st->scratch);
		st->scratch_cap = (int32) Max(need, (size_t) st->cap / 2);
		st->scratch = MemoryContextAlloc(st->hdr.eoh_context,
										 cell_size(st->kind) * st->scratch_cap);
	}
	return st->scratch;
}

static size_t
compress_cells(cl_btyd_cell *cells, size_t n, CellsState *st)
{
	size_t		sorted = cl_btyd_cells_sorted_prefix(cells, n);
	cl_btyd_cell *scratch;

	if (sorted == n)
		return n;
	/* the sort and merge poll the core's hook (interrupt.h) */
	cl_set_interrupt_hook(compress_interrupt);
	if (st != NULL)
		return cl_btyd_cells_merge_tail(cells, sorted, n, state_scratch(st, n - sorted));
	scratch = palloc(sizeof(cl_btyd_cell) * (n - sorted));
	n = cl_btyd_cells_merge_tail(cells, sorted, n, scratch);
	pfree(scratch);
	return n;
}

/* The same for Gamma-Gamma cells (gamma_gamma.h). */
static size_t
compress_gg_cells(cl_gg_cell *cells, size_t n, CellsState *st)
{
	size_t		sorted = cl_gg_cells_sorted_prefix(cells, n);
	cl_gg_cell *scratch;

	if (sorted == n)
		return n;
	cl_set_interrupt_hook(compress_interrupt);
	if (st != NULL)
		return cl_gg_cells_merge_tail(cells, sorted, n, state_scratch(st, n - sorted));
	scratch = palloc(sizeof(cl_gg_cell) * (n - sorted));
	n = cl_gg_cells_merge_tail(cells, sorted, n, scratch);
	pfree(scratch);
	return n;
}

/* Compress a state's cells in place. */
static void
state_compress(CellsState *st)
{
	if (st->kind == CELLS_GAMMA_GAMMA)
		st->n = (int32) compress_gg_cells(st->gcells, (size_t) st->n, st);
	else
		st->n = (int32) compress_cells(st->cells, (size_t) st->n, st);
}

/* Make room for "more" cells: compress first, then grow. */
static void
state_reserve(CellsState *st, int32 more)
{
	int64		want;

	if ((int64) st->n + more <= st->cap)
		return;
	state_compress(st);
	/* keep at least half the buffer free so compression pays off */
	if ((int64) st->n + more <= st->cap / 2)
		return;
	want = Max((int64) st->cap * 2, (int64) st->n + more);
	if (want > CELLS_MAX_CAP)
	{
		if ((int64) st->n + more > CELLS_MAX_CAP)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many distinct customer summaries for one fit"),
					 errhint("Round recency and t to fewer distinct values, e.g. whole periods.")));
		want = CELLS_MAX_CAP;
	}
	if (st->kind == CELLS_GAMMA_GAMMA)
		st->gcells = repalloc(st->gcells, sizeof(cl_gg_cell) * want);
	else
		st->cells = repalloc(st->cells, sizeof(cl_btyd_cell) * want);
	st->cap = (int32) want;
}

static void
check_kind(int32 have, int32 kind, const char *fname)
{
	if (have != kind)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: state holds %s cells", fname, kind_name(have))));
}

static void
raise_unit_mismatch(const char *fname, int64 a, int64 b)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s: customers are summarised in different time units", fname),
			 errdetail("One row is in units of %s, another in units of %s.",
					   cl_unit_text(a), cl_unit_text(b)),
			 errhint("Build all profiles with the same unit.")));
}

/*
 * The name of the aggregate a shared transition function runs for, for
 * error messages (bgnbd_fit, mbgnbd_fit or pareto_nbd_fit).
 */
static const char *
agg_name(FunctionCallInfo fcinfo, const char *fallback)
{
	Aggref	   *aggref = AggGetAggref(fcinfo);
	char	   *name = aggref != NULL ? get_func_name(aggref->aggfnoid) : NULL;

	return name != NULL ? name : fallback;
}

/* Add one purchase-model customer summary, validating it. */
static CellsState *
add_purchase(FunctionCallInfo fcinfo, CellsState *st, MemoryContext aggctx,
		  int64 unit_usec, double x, double t_x, double T)
{
	cl_status	status = cl_btyd_check(x, t_x, T);
	cl_btyd_cell *cell;

	if (status != CL_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: invalid customer summary (frequency %g, recency %g, t %g)",
						agg_name(fcinfo, "bgnbd_fit"), x, t_x, T),
				 errdetail("frequency must be a whole number >= 0 and 0 <= recency <= t, all finite."),
				 errhint("Use the frequency, recency and t of crm_profile().")));
	if (st == NULL)
		st = state_new(aggctx, CELLS_PURCHASE, unit_usec, CELLS_INITIAL_CAP);
	else
	{
		/* the name lookup only on the error paths: this runs for every row */
		if (st->kind != CELLS_PURCHASE)
			check_kind(st->kind, CELLS_PURCHASE, agg_name(fcinfo, "bgnbd_fit"));
		if (st->unit_usec != unit_usec)
			raise_unit_mismatch(agg_name(fcinfo, "bgnbd_fit"), st->unit_usec, unit_usec);
	}
	state_reserve(st, 1);
	cell = &st->cells[st->n++];
	cell->x = x;
	cell->t_x = x > 0 ? t_x : 0.0;
	cell->T = T;
	cell->weight = 1.0;
	return st;
}

/* Add one Gamma-Gamma customer: only eligible ones (cl_gg_eligible) count. */
static CellsState *
add_gamma_gamma(CellsState *st, MemoryContext aggctx, double x, double m)
{
	cl_gg_cell *cell;

	if (cl_gg_customer_check(x, m) != CL_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("gamma_gamma_fit: invalid customer summary (frequency %g, monetary %g)", x, m),
				 errdetail("frequency must be a whole number >= 0 and monetary finite."),
				 errhint("Use the frequency and monetary of crm_profile().")));
	if (st == NULL)
		st = state_new(aggctx, CELLS_GAMMA_GAMMA, 0, CELLS_INITIAL_CAP);
	else
		check_kind(st->kind, CELLS_GAMMA_GAMMA, "gamma_gamma_fit");
	if (!cl_gg_eligible(x, m))
		return st;
	state_reserve(st, 1);
	cell = &st->gcells[st->n++];
	cell->x = x;
	cell->m = m;
	cell->weight = 1.0;
	return st;
}

PG_FUNCTION_INFO_V1(purchase_fit_trans);
Datum
purchase_fit_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = cl_agg_context(fcinfo, "purchase_fit_trans");
	CellsState *st = state_arg(fcinfo, 0, aggctx);
	int64		unit_usec = CL_USECS_PER_DAY;

	if (PG_NARGS() > 4)
	{
		if (PG_ARGISNULL(4))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("unit must not be NULL")));
		unit_usec = cl_unit_arg(PG_GETARG_INTERVAL_P(4), "unit");
	}
	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2) && !PG_ARGISNULL(3))
		st = add_purchase(fcinfo, st, aggctx, unit_usec, PG_GETARG_FLOAT8(1),
					   PG_GETARG_FLOAT8(2), PG_GETARG_FLOAT8(3));
	if (st == NULL)
		PG_RETURN_NULL();
	RETURN_STATE(st);
}

PG_FUNCTION_INFO_V1(purchase_fit_profile_trans);
Datum
purchase_fit_profile_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = cl_agg_context(fcinfo, "purchase_fit_profile_trans");
	CellsState *st = state_arg(fcinfo, 0, aggctx);
	ProfileRow	row;

	if (!PG_ARGISNULL(1))
	{
		cl_profile_read(fcinfo, PG_GETARG_DATUM(1), &row);
		if (!row.isnull[CL_PF_FREQUENCY] && !row.isnull[CL_PF_RECENCY] &&
			!row.isnull[CL_PF_T] && !row.isnull[CL_PF_UNIT])
			st = add_purchase(fcinfo, st, aggctx, cl_unit_arg(&row.unit, "unit"),
						   row.x, row.t_x, row.T);
	}
	if (st == NULL)
		PG_RETURN_NULL();
	RETURN_STATE(st);
}

/*
 * The C names the install scripts of 0.1.0 .. 0.3.2 give these functions
 * (bgnbd_fit_trans, bgnbd_fit_profile_trans): an update from those versions
 * creates them under the old names first.
 */
PG_FUNCTION_INFO_V1(bgnbd_fit_trans);
Datum
bgnbd_fit_trans(PG_FUNCTION_ARGS)
{
	return purchase_fit_trans(fcinfo);
}

PG_FUNCTION_INFO_V1(bgnbd_fit_profile_trans);
Datum
bgnbd_fit_profile_trans(PG_FUNCTION_ARGS)
{
	return purchase_fit_profile_trans(fcinfo);
}

PG_FUNCTION_INFO_V1(gamma_gamma_fit_trans);
Datum
gamma_gamma_fit_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = cl_agg_context(fcinfo, "gamma_gamma_fit_trans");
	CellsState *st = state_arg(fcinfo, 0, aggctx);

	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2))
		st = add_gamma_gamma(st, aggctx, PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2));
	if (st == NULL)
		PG_RETURN_NULL();
	RETURN_STATE(st);
}

PG_FUNCTION_INFO_V1(gamma_gamma_fit_profile_trans);
Datum
gamma_gamma_fit_profile_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = cl_agg_context(fcinfo, "gamma_gamma_fit_profile_trans");
	CellsState *st = state_arg(fcinfo, 0, aggctx);
	ProfileRow	row;

	if (!PG_ARGISNULL(1))
	{
		cl_profile_read(fcinfo, PG_GETARG_DATUM(1), &row);
		if (!row.isnull[CL_PF_FREQUENCY] && !row.isnull[CL_PF_MONETARY])
			st = add_gamma_gamma(st, aggctx, row.x, row.m);
	}
	if (st == NULL)
		PG_RETURN_NULL();
	RETURN_STATE(st);
}

/*
 * Combine: a += b.  Either side may be NULL (empty).  The result is kept
 * sorted and merged: b's cells are sorted on their own (a worker's state is
 * mostly sorted already), then the two sorted runs merge in linear time, so
 * the final function has nothing left to sort.
 */
PG_FUNCTION_INFO_V1(btyd_cells_combine);
Datum
btyd_cells_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = cl_agg_context(fcinfo, "btyd_cells_combine");
	CellsState *a;
	CellsView	b;
	size_t		nb;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		RETURN_STATE(state_arg(fcinfo, 0, aggctx));
	}
	cells_view(fcinfo, 1, &b);
	a = state_arg(fcinfo, 0, aggctx);
	if (a == NULL)
		a = state_new(aggctx, b.kind, b.unit_usec, Max(b.n, CELLS_INITIAL_CAP));
	else if (a->kind != b.kind)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine %s cells with %s cells", kind_name(a->kind), kind_name(b.kind))));
	else if (a->unit_usec != b.unit_usec)
		raise_unit_mismatch("btyd_cells_combine", a->unit_usec, b.unit_usec);
	state_compress(a);
	state_reserve(a, b.n);
	if (a->kind == CELLS_GAMMA_GAMMA)
	{
		memcpy(a->gcells + a->n, b.gcells, sizeof(cl_gg_cell) * b.n);
		nb = compress_gg_cells(a->gcells + a->n, (size_t) b.n, a);
		a->n = (int32) compress_gg_cells(a->gcells, (size_t) a->n + nb, a);
	}
	else
	{
		memcpy(a->cells + a->n, b.cells, sizeof(cl_btyd_cell) * b.n);
		nb = compress_cells(a->cells + a->n, (size_t) b.n, a);
		a->n = (int32) compress_cells(a->cells, (size_t) a->n + nb, a);
	}
	RETURN_STATE(a);
}

/* ---------------------------------------------------------------------
 * Text form.  Output is the compact form (cells_codec.h):
 *
 *     btyd2:BASE64
 *
 * "btyd2:" names text format 2, then the encoded cells in standard base64.
 * Input also reads format 1, the JSON that 0.1.0 .. 0.3.x wrote:
 *
 *     {"kind": "bgnbd", "unit": "7 days", "cells": [[x, t_x, T, w], ...]}
 *
 * (Gamma-Gamma cells [x, m, w]; floats shortest-exact).  Both are exact;
 * the compact one is about a tenth of the JSON's size for a daily fit in
 * weekly units (doc/models.md).
 * ---------------------------------------------------------------------
 */

#define CELLS_TEXT_TAG "btyd2:"
#define CELLS_TEXT_TAG_LEN 6

/* The cells of a flat value as codec rows (width doubles each). */
static double *
cells_rows(const BtydCells *c, int width)
{
	double	   *rows = palloc(sizeof(double) * ((Size) c->n * width + 1));
	int32		i;

	for (i = 0; i < c->n; i++)
	{
		const cl_btyd_cell *cell = &c->cells[i];
		double	   *r = rows + (Size) i * width;

		r[0] = cell->x;
		r[1] = cell->t_x;
		if (width == 4)
			r[2] = cell->T;
		r[width - 1] = cell->weight;
	}
	return rows;
}

/* The codec encoding of a flat value, palloc'd; *len its size. */
static unsigned char *
cells_encode(const BtydCells *c, size_t *len)
{
	int32		kind = CELLS_KIND(c);
	int			width = cl_cells_width(kind);
	double	   *rows = cells_rows(c, width);
	unsigned char *out = palloc(cl_cells_encoded_bound(kind, (size_t) c->n));

	if (cl_cells_encode(kind, c->unit_usec, rows, (size_t) c->n, out, len) != CL_OK)
		elog(ERROR, "btyd_cells: cannot encode a state of kind %d", (int) kind);
	pfree(rows);
	return out;
}

PG_FUNCTION_INFO_V1(btyd_cells_out);
Datum
btyd_cells_out(PG_FUNCTION_ARGS)
{
	BtydCells  *c = cells_arg(fcinfo, 0);
	size_t		len;
	unsigned char *bin = cells_encode(c, &len);
	int			enc_len;
	char	   *out;
	int			written;

	if (len > (size_t) (MaxAllocSize / 4 * 3 - 64))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("btyd_cells value too large for its text form")));
	enc_len = pg_b64_enc_len((int) len);
	out = palloc(CELLS_TEXT_TAG_LEN + enc_len + 1);
	memcpy(out, CELLS_TEXT_TAG, CELLS_TEXT_TAG_LEN);
	written = pg_b64_encode((const char *) bin, (int) len, out + CELLS_TEXT_TAG_LEN, enc_len);
	if (written < 0)
		elog(ERROR, "btyd_cells: base64 encoding failed");
	out[CELLS_TEXT_TAG_LEN + written] = '\0';
	pfree(bin);
	PG_RETURN_CSTRING(out);
}

static void raise_cells_syntax(const char *input, const char *detail) pg_attribute_noreturn();

static void
raise_cells_syntax(const char *input, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type btyd_cells: \"%.100s\"", input),
			 errdetail("%s", detail)));
}

static double
jsonb_double(const char *input, const JsonbValue *v)
{
	if (v->type != jbvNumeric)
		raise_cells_syntax(input, "Cell values must be numbers.");
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(v->val.numeric)));
}

/* The checks of a cell from outside, shared by the text and binary input. */
static bool
cell_in_range(int32 kind, const cl_btyd_cell *cell)
{
	if (kind == CELLS_PURCHASE)
		return cl_btyd_cell_check(cell) == CL_OK;
	return isfinite(cell->x) && cell->x >= 1 && cell->x == floor(cell->x) &&
		isfinite(cell->t_x) && cell->t_x > 0 &&
		isfinite(cell->weight) && cell->weight >= 0;
}

/*
 * A flat value from its codec encoding (text input): malformed bytes are
 * 22P02; a unit or cell out of range is 22023, as in the JSON input.
 */
static BtydCells *
cells_decode(const unsigned char *bin, size_t len, const char *input)
{
	int			kind;
	int64		unit_usec;
	size_t		n;
	int			width;
	double	   *rows;
	BtydCells  *c;
	size_t		i;

	if (cl_cells_decode_header(bin, len, &kind, &unit_usec, &n) != CL_OK || n > (size_t) CELLS_MAX_CAP)
	{
		raise_cells_syntax(input, "The compact encoding is malformed.");
	}
	if (kind == CELLS_PURCHASE && cl_unit_make(0, 0, unit_usec, &unit_usec) != CL_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid btyd_cells value: the time unit must be positive, not " INT64_FORMAT " microseconds",
						unit_usec)));
	width = cl_cells_width(kind);
	rows = palloc(sizeof(double) * (n * width + 1));
	if (cl_cells_decode(bin, len, rows) != CL_OK)
	{
		raise_cells_syntax(input, "The compact encoding is malformed.");
	}
	c = cells_new(kind, unit_usec, Max((int32) n, 1));
	for (i = 0; i < n; i++)
	{
		cl_btyd_cell *out = &c->cells[c->n++];
		const double *r = rows + i * width;

		out->x = r[0];
		out->t_x = r[1];
		out->T = width == 4 ? r[2] : 0.0;
		out->weight = r[width - 1];
		if (!cell_in_range(kind, out))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid btyd_cells value: cell %d is out of range", (int) i + 1)));
	}
	pfree(rows);
	return c;
}

/* The text form 2 after its tag: base64 of the compact encoding. */
static BtydCells *
cells_from_compact_text(const char *input, const char *b64)
{
	int			len = (int) strlen(b64);
	int			dec_len;
	char	   *bin;

	while (len > 0 && isspace((unsigned char) b64[len - 1]))
		len--;
	dec_len = pg_b64_dec_len(len);
	bin = palloc(dec_len + 1);
	dec_len = pg_b64_decode(b64, len, bin, dec_len);
	if (dec_len < 0)
		raise_cells_syntax(input, "The text after \"btyd2:\" must be base64.");
	return cells_decode((const unsigned char *) bin, (size_t) dec_len, input);
}

PG_FUNCTION_INFO_V1(btyd_cells_in);
Datum
btyd_cells_in(PG_FUNCTION_ARGS)
{
	char	   *input = PG_GETARG_CSTRING(0);
	const char *p = input;
	Jsonb	   *jb;
	JsonbValue *kind;
	JsonbValue *unit;
	JsonbValue *cells;
	BtydCells  *c;
	int32		k;
	int64		unit_usec = 0;
	int			width;
	int			i;

	while (isspace((unsigned char) *p))
		p++;
	if (strncmp(p, CELLS_TEXT_TAG, CELLS_TEXT_TAG_LEN) == 0)
		PG_RETURN_POINTER(cells_from_compact_text(input, p + CELLS_TEXT_TAG_LEN));
	/* text format 1: JSON */
	jb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(input)));
	if (!JB_ROOT_IS_OBJECT(jb))
		raise_cells_syntax(input, "The value must be a JSON object.");
	kind = getKeyJsonValueFromContainer(&jb->root, "kind", 4, NULL);
	cells = getKeyJsonValueFromContainer(&jb->root, "cells", 5, NULL);
	if (kind == NULL || kind->type != jbvString || cells == NULL || cells->type != jbvBinary)
		raise_cells_syntax(input, "Keys \"kind\" (a string) and \"cells\" (an array) are required.");
	if (kind->val.string.len == 5 && strncmp(kind->val.string.val, "bgnbd", 5) == 0)
		k = CELLS_PURCHASE;
	else if (kind->val.string.len == 11 && strncmp(kind->val.string.val, "gamma_gamma", 11) == 0)
		k = CELLS_GAMMA_GAMMA;
	else
		raise_cells_syntax(input, "Key \"kind\" must be \"bgnbd\" or \"gamma_gamma\".");
	if (k == CELLS_PURCHASE)
	{
		unit = getKeyJsonValueFromContainer(&jb->root, "unit", 4, NULL);
		if (unit == NULL || unit->type != jbvString)
			raise_cells_syntax(input, "Key \"unit\" (an interval string) is required for bgnbd cells.");
		unit_usec = cl_unit_arg(DatumGetIntervalP(DirectFunctionCall3(interval_in,
																	  CStringGetDatum(pnstrdup(unit->val.string.val, unit->val.string.len)),
																	  ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1))),
								"unit");
	}
	if (!JsonContainerIsArray(cells->val.binary.data))
		raise_cells_syntax(input, "Key \"cells\" must be an array.");
	width = k == CELLS_PURCHASE ? 4 : 3;
	c = cells_new(k, unit_usec, Max(JsonContainerSize(cells->val.binary.data), 1));
	for (i = 0; i < (int) JsonContainerSize(cells->val.binary.data); i++)
	{
		JsonbValue *cell = getIthJsonbValueFromContainer(cells->val.binary.data, i);
		double		v[4] = {0};
		cl_btyd_cell *out;
		int			j;

		if (cell == NULL || cell->type != jbvBinary || !JsonContainerIsArray(cell->val.binary.data) ||
			(int) JsonContainerSize(cell->val.binary.data) != width)
			raise_cells_syntax(input, psprintf("Each cell must be an array of %d numbers.", width));
		for (j = 0; j < width; j++)
			v[j] = jsonb_double(input, getIthJsonbValueFromContainer(cell->val.binary.data, j));
		out = &c->cells[c->n++];
		out->x = v[0];
		out->t_x = v[1];
		out->T = k == CELLS_PURCHASE ? v[2] : 0.0;
		out->weight = v[width - 1];
		if (!cell_in_range(k, out))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid btyd_cells value: cell %d is out of range", i + 1)));
	}
	PG_RETURN_POINTER(c);
}

/* ---------------------------------------------------------------------
 * Binary wire format (SEND / RECEIVE), big-endian, independent of the
 * storage layout above and exactly as long as its content says:
 *
 *   byte      format version, CELLS_WIRE_VERSION (1)
 *   byte      kind: 1 bgnbd (the three purchase models), 2 gamma_gamma
 *   int64     time unit in microseconds (bgnbd only)
 *   int32     number of cells
 *   float8    per cell x, t_x, T, weight (bgnbd) or x, m, weight
 *             (gamma_gamma), as in the text form
 *
 * The wire format stays version 1 while the text form changed to the
 * compact encoding: binary readers of 0.3.2 keep reading what 0.4 sends.
 * A later version may carry the compact encoding; receive refuses versions
 * it does not know.
 *
 * Receive checks the length against the cell count before it allocates
 * anything, then every cell with the text input's checks: a wrong version
 * or kind, a short or long message is 22P03, a cell or unit out of range
 * is 22023.
 * ---------------------------------------------------------------------
 */

#define CELLS_WIRE_VERSION 1

static void raise_cells_binary(const char *detail) pg_attribute_noreturn();

static void
raise_cells_binary(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid binary data for type btyd_cells"),
			 errdetail("%s", detail)));
}

PG_FUNCTION_INFO_V1(btyd_cells_send);
Datum
btyd_cells_send(PG_FUNCTION_ARGS)
{
	BtydCells  *c = cells_arg(fcinfo, 0);
	int32		kind = CELLS_KIND(c);
	StringInfoData buf;
	int32		i;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, CELLS_WIRE_VERSION);
	pq_sendbyte(&buf, kind);
	if (kind == CELLS_PURCHASE)
		pq_sendint64(&buf, c->unit_usec);
	pq_sendint32(&buf, c->n);
	for (i = 0; i < c->n; i++)
	{
		const cl_btyd_cell *cell = &c->cells[i];

		pq_sendfloat8(&buf, cell->x);
		pq_sendfloat8(&buf, cell->t_x);
		if (kind == CELLS_PURCHASE)
			pq_sendfloat8(&buf, cell->T);
		pq_sendfloat8(&buf, cell->weight);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(btyd_cells_recv);
Datum
btyd_cells_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			left = buf->len - buf->cursor;
	int			version;
	int32		kind;
	int64		unit_usec = 0;
	int32		n;
	int			width;
	BtydCells  *c;
	int32		i;

	if (left < 2)
		raise_cells_binary(psprintf("The value is %d byte%s long; it needs at least 2 (format version and kind).",
									left, left == 1 ? "" : "s"));
	version = pq_getmsgbyte(buf);
	if (version != CELLS_WIRE_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary data for type btyd_cells"),
				 errdetail("Binary format version %d is not supported; this version of crm_loyalty reads version %d.",
						   version, CELLS_WIRE_VERSION),
				 errhint("Send the value in text form, or update the extension.")));
	kind = pq_getmsgbyte(buf);
	if (kind != CELLS_PURCHASE && kind != CELLS_GAMMA_GAMMA)
		raise_cells_binary(psprintf("Kind %d is neither 1 (bgnbd) nor 2 (gamma_gamma).", (int) kind));
	width = kind == CELLS_PURCHASE ? 4 : 3;
	left = buf->len - buf->cursor;
	if (left < (kind == CELLS_PURCHASE ? 8 : 0) + 4)
		raise_cells_binary(psprintf("The value ends after %d bytes, before the cell count.", buf->cursor + left));
	if (kind == CELLS_PURCHASE)
	{
		unit_usec = pq_getmsgint64(buf);
		if (cl_unit_make(0, 0, unit_usec, &unit_usec) != CL_OK)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid btyd_cells value: the time unit must be positive, not " INT64_FORMAT " microseconds",
							unit_usec)));
	}
	n = (int32) pq_getmsgint(buf, 4);
	left = buf->len - buf->cursor;
	if (n < 0)
		raise_cells_binary(psprintf("The cell count is %d.", (int) n));
	if (n > CELLS_MAX_CAP || (int64) n * width * 8 != left)
		raise_cells_binary(psprintf("The value holds %d bytes of cells; %d cells of %s need %lld.",
									left, (int) n, kind_name(kind), (long long) n * width * 8));
	c = cells_new(kind, unit_usec, Max(n, 1));
	for (i = 0; i < n; i++)
	{
		cl_btyd_cell *out = &c->cells[c->n++];

		out->x = pq_getmsgfloat8(buf);
		out->t_x = pq_getmsgfloat8(buf);
		out->T = kind == CELLS_PURCHASE ? pq_getmsgfloat8(buf) : 0.0;
		out->weight = pq_getmsgfloat8(buf);
		if (!cell_in_range(kind, out))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid btyd_cells value: cell %d is out of range", i + 1)));
	}
	PG_RETURN_POINTER(c);
}

/* ---------------------------------------------------------------------
 * Final functions: fit and build the model
 * ---------------------------------------------------------------------
 */

static int
fit_interrupt(void *ctx)
{
	CHECK_FOR_INTERRUPTS();
	return 0;
}

static void
fit_options(cl_fit_options *opt)
{
	cl_fit_options_init(opt);
	opt->interrupt = fit_interrupt;
}

/*
 * Turn a fit's status into the right report: an error where no model
 * exists (nothing was fitted), a WARNING where a model exists but did not
 * converge.  Returns the converged flag to store in the model.
 */
static int
report_fit(cl_status st, const cl_fit_result *res, const char *fname,
		   const char *model, const char *no_model_detail, const char *degenerate_detail)
{
	if (st == CL_EDEGENERATE && res->iterations == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: the data cannot identify a %s model", fname, model),
				 errdetail("%s", no_model_detail),
				 errhint("Fit over a longer observation period or more customers.")));
	if (st != CL_OK && st != CL_ENOCONVERGE && st != CL_EDEGENERATE)
		cl_check_status(st, fname);
	if (st == CL_OK && res->converged)
		return 1;
	ereport(WARNING,
			(errmsg("%s did not converge to a usable model after %d iterations", fname, res->iterations),
			 errdetail("%s", st == CL_EDEGENERATE ? degenerate_detail
					   : "The iteration limit was reached or no further progress was possible."),
			 errhint("The model is returned with converged = false and its scores are not reliable: "
					 "fit over more customers or a longer observation period, or try another model.")));
	return 0;
}

/*
 * Fit a purchase model (BG/NBD, MBG/NBD, Pareto/NBD) over cells, sorted and
 * merged here in place, and build the model (a limit model when the
 * likelihood's supremum is on the edge, btyd_limits.h); NULL when there are
 * no cells.
 * fname names the caller in reports.  Shared by the aggregates' final
 * functions and the window forms.
 */
static ModelValue *
fit_purchase_cells(cl_btyd_cell *cells, size_t *ncells, int64 unit_usec,
				   ModelKind kind, const char *fname, const char *model)
{
	cl_fit_options opt;
	cl_fit_result res;
	cl_status	st;
	int			converged;
	int			family_out;
	cl_btyd_family family = kind == MODEL_PARETO_NBD ? CL_BTYD_PARETO_NBD
		: kind == MODEL_MBGNBD ? CL_BTYD_MBGNBD : CL_BTYD_BGNBD;
	size_t		n = compress_cells(cells, *ncells, NULL);

	*ncells = n;
	if (n == 0)
		return NULL;
	fit_options(&opt);
	memset(&res, 0, sizeof(res));
	st = cl_btyd_fit_boundary(family, cells, n, &opt, &res, &family_out);
	if (st == CL_EINVAL && cl_btyd_cells_unbounded(cells, n))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: the likelihood has no maximum: a customer with frequency > 0 has recency 0", fname),
				 errdetail("Repeat purchases at the very moment of the first make the likelihood unbounded (a customer who buys infinitely fast, then leaves), and the fit ran to that edge."),
				 errhint("Use summaries whose recency is positive when frequency > 0, as crm_profile() computes them with a period shorter than the time between purchases, or fit over more customers.")));
	converged = report_fit(st, &res, fname, model,
						   "No customer made a repeat purchase (every frequency is 0), so purchase rates and drop-out cannot be told apart.",
						   "A parameter ran towards 0 or infinity, towards an edge of the parameter space that has no limit model.");
	if (CL_BTYD_LIMIT(family_out) != 0)
		return cl_model_make_limit(kind, CL_BTYD_LIMIT(family_out), res.params, unit_usec,
								   res.ll, res.n, converged);
	return cl_model_make(kind, res.params, unit_usec, res.ll, res.n, converged);
}

ModelValue *
cl_fit_bgnbd_cells(cl_btyd_cell *cells, size_t *ncells, int64 unit_usec, const char *fname)
{
	return fit_purchase_cells(cells, ncells, unit_usec, MODEL_BGNBD, fname, "BG/NBD");
}

/*
 * Fit Gamma-Gamma over (x, m) cells (sorted and merged here, in place) and
 * build the model.  No usable cell is an error: no model exists.
 */
ModelValue *
cl_fit_gamma_gamma_cells(cl_gg_cell *cells, size_t *ncells, const char *fname)
{
	cl_fit_options opt;
	cl_fit_result res;
	cl_status	st;
	int			converged;
	int			limit;
	size_t		n = compress_gg_cells(cells, *ncells, NULL);

	*ncells = n;
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: no repeat customer with a positive monetary value", fname),
				 errdetail("The Gamma-Gamma model describes the spend of repeat purchases; customers with frequency 0 or monetary <= 0 carry no information for it."),
				 errhint("Fit over customers with frequency > 0.")));

	fit_options(&opt);
	memset(&res, 0, sizeof(res));
	st = cl_gg_fit_boundary(cells, n, &opt, &res, &limit);
	converged = report_fit(st, &res, fname, "Gamma-Gamma",
						   "No repeat customer has a positive monetary value.",
						   res.params[1] <= 1.0
						   ? "The estimate has q <= 1: the population mean spend p v / (q - 1) is infinite."
						   : "A parameter ran towards 0 or infinity, towards an edge of the parameter space that has no limit model.");
	if (limit != 0)
		/* a constant spend has an unbounded likelihood: ll is null */
		return cl_model_make_limit(MODEL_GAMMA_GAMMA, limit, res.params, 0,
								   isfinite(res.ll) ? res.ll : NAN, res.n, converged);
	return cl_model_make(MODEL_GAMMA_GAMMA, res.params, 0, res.ll, res.n, converged);
}

/*
 * The cells of a final function's state argument, sorted and merged in
 * place (that changes nothing the state means); NULL when the state is.
 */
static cl_btyd_cell *
final_cells(FunctionCallInfo fcinfo, int32 kind, const char *fname,
			size_t *n, int64 *unit_usec)
{
	CellsView	v;

	if (PG_ARGISNULL(0))
		return NULL;
	cells_view(fcinfo, 0, &v);
	check_kind(v.kind, kind, fname);
	*n = compress_cells(v.cells, (size_t) v.n, v.st);
	if (v.st != NULL)
		v.st->n = (int32) *n;
	else
		v.flat->n = (int32) *n;
	*unit_usec = v.unit_usec;
	return v.cells;
}

/*
 * The Gamma-Gamma cells of a final function's state argument, sorted and
 * merged: the state's own (in place), or a copy of a flat value's; NULL
 * when the state is.
 */
static cl_gg_cell *
final_gg_cells(FunctionCallInfo fcinfo, const char *fname, size_t *n)
{
	CellsView	v;

	if (PG_ARGISNULL(0))
		return NULL;
	cells_view(fcinfo, 0, &v);
	check_kind(v.kind, CELLS_GAMMA_GAMMA, fname);
	*n = compress_gg_cells(v.gcells, (size_t) v.n, v.st);
	if (v.st != NULL)
		v.st->n = (int32) *n;
	return v.gcells;
}

/* The final function of the three purchase-model fits. */
static Datum
purchase_fit_final(FunctionCallInfo fcinfo, ModelKind kind, const char *fname,
				   const char *model)
{
	cl_btyd_cell *cells;
	ModelValue *m;
	size_t		n = 0;
	int64		unit_usec = 0;

	cl_agg_context(fcinfo, psprintf("%s_final", fname));
	cells = final_cells(fcinfo, CELLS_PURCHASE, fname, &n, &unit_usec);
	if (cells == NULL)
		PG_RETURN_NULL();		/* no customers: no model */
	m = fit_purchase_cells(cells, &n, unit_usec, kind, fname, model);
	if (m == NULL)
		PG_RETURN_NULL();
	PG_RETURN_POINTER(m);
}

PG_FUNCTION_INFO_V1(bgnbd_fit_final);
Datum
bgnbd_fit_final(PG_FUNCTION_ARGS)
{
	return purchase_fit_final(fcinfo, MODEL_BGNBD, "bgnbd_fit", "BG/NBD");
}

PG_FUNCTION_INFO_V1(mbgnbd_fit_final);
Datum
mbgnbd_fit_final(PG_FUNCTION_ARGS)
{
	return purchase_fit_final(fcinfo, MODEL_MBGNBD, "mbgnbd_fit", "MBG/NBD");
}

PG_FUNCTION_INFO_V1(pareto_nbd_fit_final);
Datum
pareto_nbd_fit_final(PG_FUNCTION_ARGS)
{
	return purchase_fit_final(fcinfo, MODEL_PARETO_NBD, "pareto_nbd_fit", "Pareto/NBD");
}

PG_FUNCTION_INFO_V1(gamma_gamma_fit_final);
Datum
gamma_gamma_fit_final(PG_FUNCTION_ARGS)
{
	cl_gg_cell *cells;
	size_t		n = 0;

	cl_agg_context(fcinfo, "gamma_gamma_fit_final");
	cells = final_gg_cells(fcinfo, "gamma_gamma_fit", &n);
	if (cells == NULL)
		PG_RETURN_NULL();		/* no customers: no model */
	PG_RETURN_POINTER(cl_fit_gamma_gamma_cells(cells, &n, "gamma_gamma_fit"));
}
