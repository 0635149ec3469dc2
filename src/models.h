/*
 * models.h — the stored form of fitted models (bgnbd_model, mbgnbd_model,
 * pareto_nbd_model, gamma_gamma_model).
 *
 * A model is a fixed-length value: up to four parameters, the fit's
 * log-likelihood and size, convergence and the time unit the parameters are
 * expressed in.  Its text form is a JSON object with the parameter names as
 * keys, floats printed shortest-exact so text -> value -> text round-trips
 * bit for bit; the jsonb cast reuses it.
 *
 * A model at the edge of the parameter space (a limit, btyd_limits.h)
 * keeps the same layout: the limit's flags sit in bits 8..23 of kind, which
 * every value stored by earlier versions has zero, and param[] holds the
 * limit model's own parameters (e.g. the Poisson rate λ), so old values read
 * exactly as before.
 *
 * Storage format version.  The type has a fixed length of 64 bytes (the
 * catalog's INTERNALLENGTH cannot change), so the version lives in the top
 * byte of kind (bits 24..31):
 *
 *   version 0   no marker: written by 0.1.0 .. 0.3.1.  Base kind 1..4, limit
 *               flags below 0x40 (0.3.1), so the top byte is always 0;
 *   version 1   written by 0.3.2 and later; the same layout as version 0.
 *
 * Rule: a reader accepts every version up to MODEL_FORMAT_VERSION and reads
 * the layout that version names; a higher version (a value written by a
 * newer release, then read by an older library) is refused as corrupted
 * rather than misread.  Old values are never rewritten in place: a value
 * copied from a table keeps its version, a value built by an input, receive,
 * constructor or fit function gets the current one.  A release that changes
 * the layout bumps MODEL_FORMAT_VERSION and keeps reading every older one.
 * The binary wire format of SEND/RECEIVE (models.c) is versioned on its own
 * and does not depend on this layout.
 */
#ifndef CL_MODELS_H
#define CL_MODELS_H

#include "postgres.h"

#include "fmgr.h"

#include "btyd_model.h"
#include "gamma_gamma.h"

#define CL_MODEL_MAX_PARAMS 4

typedef struct ModelValue
{
	double		param[CL_MODEL_MAX_PARAMS];
	double		ll;				/* log-likelihood of the fit; NaN if not fitted */
	double		n;				/* customers in the fit; 0 if not fitted */
	int64		unit_usec;		/* time unit of rates and ages; 0 if none */
	int32		converged;		/* 1, 0, or -1 when not fitted */
	int32		kind;			/* ModelKind, limit flags, format version: below */
} ModelValue;

/*
 * kind: bits 0..7 the ModelKind, bits 8..23 the limit flags (btyd_limits.h,
 * CL_LIMIT_SHIFT = 8), bits 24..31 the storage format version.
 */
#define MODEL_KIND_MASK 0xFF
#define MODEL_FORMAT_SHIFT 24
#define MODEL_FORMAT_VERSION 1
#define MODEL_BASE_KIND(m) ((ModelKind) ((m)->kind & MODEL_KIND_MASK))
#define MODEL_LIMIT_FLAGS(m) ((int) (((uint32) (m)->kind >> 8) & 0xFFFF))
#define MODEL_FORMAT(m) ((int) ((uint32) (m)->kind >> MODEL_FORMAT_SHIFT))
/* the kind word of a new value */
#define MODEL_KIND_WORD(kind, flags) \
	((int32) ((uint32) (kind) | (uint32) (flags) << 8 | \
			  (uint32) MODEL_FORMAT_VERSION << MODEL_FORMAT_SHIFT))

typedef enum ModelKind
{
	MODEL_BGNBD = 1,
	MODEL_GAMMA_GAMMA = 2,
	MODEL_PARETO_NBD = 3,
	MODEL_MBGNBD = 4
} ModelKind;

/*
 * purchase_model: any purchase model (BG/NBD, MBG/NBD or Pareto/NBD) in one
 * variable-length type, so one set of scoring functions serves all three.
 *
 *   int32       varlena header
 *   uint8       version: PM_FORMAT_VERSION (1)
 *   uint8       nblocks: optional blocks after the model (0 in version 1)
 *   uint16      flags: which optional blocks are present (0 in version 1;
 *               reserved for a standard-error vector and a covariance matrix)
 *   uint32[2]   reserved, 0
 *   ModelValue  the model, exactly as the per-kind types store it (kind,
 *               limit flags and the per-kind storage version in kind)
 *   blocks      nblocks times { uint16 tag; uint16 reserved; uint32 nbytes;
 *               nbytes of payload, padded to a multiple of 8 }
 *
 * Rule: a reader accepts versions 1..PM_FORMAT_VERSION, walks the block
 * list checking every length against the value's size, and skips blocks
 * whose tag it does not know (they carry optional information; the model
 * itself always sits at the same offset).  Adding a block needs neither a
 * new type nor a new version; changing the header does need a new version.
 */
typedef struct PurchaseModelData
{
	int32		vl_len_;
	uint8		version;
	uint8		nblocks;
	uint16		flags;
	uint32		reserved[2];
	ModelValue	model;
} PurchaseModelData;

#define PM_FORMAT_VERSION 1

typedef struct PurchaseModelBlock
{
	uint16		tag;
	uint16		reserved;
	uint32		nbytes;
} PurchaseModelBlock;

/* The model of a purchase_model argument, validated (a palloc'd copy). */
extern const ModelValue *cl_pm_arg(FunctionCallInfo fcinfo, int argno);

/* Argument accessors that check the kind (a corrupted value is an error). */
extern const ModelValue *cl_model_arg(FunctionCallInfo fcinfo, int argno, ModelKind kind);

/*
 * A purchase model argument (bgnbd_model, mbgnbd_model or pareto_nbd_model):
 * the scoring functions are shared by the three types.
 */
extern const ModelValue *cl_purchase_model_arg(FunctionCallInfo fcinfo, int argno);

/* Build a validated model value (palloc'd); raises 22023 on bad parameters. */
extern ModelValue *cl_model_make(ModelKind kind, const double *param, int64 unit_usec,
								 double ll, double n, int converged);

/*
 * A limit model (flags != 0, see btyd_limits.h) with the limit's
 * parameters; validated, 22023 when they are out of range.  ll may be NaN
 * (unknown, or +∞ for a constant spend, printed as null).
 */
extern ModelValue *cl_model_make_limit(ModelKind kind, int flags, const double *param,
									   int64 unit_usec, double ll, double n, int converged);

/* The core's view of a purchase model / a Gamma-Gamma model, limits included. */
extern cl_btyd_model cl_model_btyd(const ModelValue *m);
extern cl_gg_params cl_model_gg(const ModelValue *m);

/* Text of a unit such as "7 days", "3600 seconds". */
extern char *cl_unit_text(int64 unit_usec);

#endif							/* CL_MODELS_H */
