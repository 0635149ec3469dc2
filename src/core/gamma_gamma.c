/*
 * gamma_gamma.c — Gamma-Gamma likelihood with exact derivatives, fit and
 * expected spend.
 *
 * Per customer (x > 0, m > 0), with S = xm + v:
 *   LL = lnΓ(px+q) - lnΓ(px) - lnΓ(q) + q ln v + (px-1) ln m + px ln x
 *        - (px+q) ln S
 * Everything except ln m and ln S depends on x alone, so the fit sums, per
 * run of equal x, the weight W, Σw ln m, Σw ln S, Σw v/S and
 * Σw (v/S)(1 - v/S), and combines them with the x-terms once per run.
 * With u = (ln p, ln q, ln v) and c = v/S:
 *   ∂/∂u_p = px [ψ(px+q) - ψ(px) + ln x + ln m - ln S]
 *   ∂/∂u_q = q [ψ(px+q) - ψ(q) + ln v - ln S]
 *   ∂/∂u_v = q - (px+q) c
 *   ∂²/∂u_p² = ∂/∂u_p + (px)² [ψ'(px+q) - ψ'(px)]
 *   ∂²/∂u_q² = ∂/∂u_q + q² [ψ'(px+q) - ψ'(q)]
 *   ∂²/∂u_p∂u_q = pqx ψ'(px+q),  ∂²/∂u_p∂u_v = -px c,
 *   ∂²/∂u_q∂u_v = q (1 - c),     ∂²/∂u_v² = -(px+q) c (1 - c).
 */
#include <math.h>
#include <string.h>

#include "btyd_limits.h"
#include "gamma_gamma.h"
#include "specfun.h"

cl_status
cl_gg_check_params(const cl_gg_params *p)
{
	if (!isfinite(p->p) || !isfinite(p->q) || !isfinite(p->v))
		return CL_ENOTFINITE;
	if (!(p->p > 0.0) || !(p->q > 0.0) || !(p->v > 0.0))
		return CL_EINVAL;
	return CL_OK;
}

cl_status
cl_gg_cell_check(const cl_gg_cell *cell)
{
	if (!isfinite(cell->x) || !isfinite(cell->m) || !isfinite(cell->weight))
		return CL_ENOTFINITE;
	if (cell->x < 0.0 || cell->weight < 0.0 || (cell->x > 0.0 && !(cell->m > 0.0)))
		return CL_EINVAL;
	return CL_OK;
}

typedef struct gg_group
{
	double		x,
				w,
				lnm,
				lns,
				c,
				c1;
} gg_group;

typedef struct gg_accum
{
	double		ll,
				w;
	double		g[3],
				h[3][3];
} gg_accum;

static void
gg_flush(gg_accum *acc, const gg_group *gr, const cl_gg_params *p,
		 double lnv, double psi_q, double tri_q, int deriv)
{
	double		x = gr->x,
				W = gr->w,
				px = p->p * x,
				q = p->q,
				lnx;

	if (W == 0.0)
		return;
	lnx = log(x);
	acc->w += W;
	acc->ll += W * (cl_lgamma_ratio(px + q, px) - cl_lgamma(q) + q * lnv + px * lnx)
		+ (px - 1.0) * gr->lnm - (px + q) * gr->lns;
	if (deriv)
	{
		double		psi_pxq = cl_digamma(px + q),
					tri_pxq = cl_trigamma(px + q);
		double		gp = px * (W * (psi_pxq - cl_digamma(px) + lnx) + gr->lnm - gr->lns);
		double		gq = q * (W * (psi_pxq - psi_q + lnv) - gr->lns);

		acc->g[0] += gp;
		acc->g[1] += gq;
		acc->g[2] += W * q - (px + q) * gr->c;
		acc->h[0][0] += gp + px * px * W * (tri_pxq - cl_trigamma(px));
		acc->h[0][1] += px * q * W * tri_pxq;
		acc->h[0][2] += -px * gr->c;
		acc->h[1][1] += gq + q * q * W * (tri_pxq - tri_q);
		acc->h[1][2] += q * (W - gr->c);
		acc->h[2][2] += -(px + q) * gr->c1;
	}
}

static void
gg_eval(const cl_gg_params *p, const cl_gg_cell *cells, size_t n, int deriv,
		gg_accum *acc)
{
	double		lnv = log(p->v),
				psi_q = 0.0,
				tri_q = 0.0;
	gg_group	gr;
	size_t		i;

	memset(acc, 0, sizeof(*acc));
	memset(&gr, 0, sizeof(gr));
	if (deriv)
	{
		psi_q = cl_digamma(p->q);
		tri_q = cl_trigamma(p->q);
	}
	for (i = 0; i < n; i++)
	{
		const cl_gg_cell *c = &cells[i];
		double		s,
					cv;

		if (!cl_gg_eligible(c->x, c->m) || c->weight == 0.0)
			continue;
		if (c->x != gr.x)
		{
			gg_flush(acc, &gr, p, lnv, psi_q, tri_q, deriv);
			memset(&gr, 0, sizeof(gr));
			gr.x = c->x;
		}
		s = c->x * c->m + p->v;
		cv = p->v / s;
		gr.w += c->weight;
		gr.lnm += c->weight * log(c->m);
		gr.lns += c->weight * log(s);
		gr.c += c->weight * cv;
		gr.c1 += c->weight * cv * (1.0 - cv);
	}
	gg_flush(acc, &gr, p, lnv, psi_q, tri_q, deriv);
}

static void
gg_copy(const gg_accum *acc, double *grad, double *hess, double scale)
{
	int			i,
				j;

	if (grad != NULL)
		for (i = 0; i < 3; i++)
			grad[i] = scale * acc->g[i];
	if (hess != NULL)
		for (i = 0; i < 3; i++)
			for (j = 0; j < 3; j++)
				hess[i * 3 + j] = scale * (j >= i ? acc->h[i][j] : acc->h[j][i]);
}

static cl_status
gg_check_cells(const cl_gg_cell *cells, size_t n)
{
	size_t		i;

	for (i = 0; i < n; i++)
	{
		cl_status	st = cl_gg_cell_check(&cells[i]);

		if (st != CL_OK)
			return st;
	}
	return CL_OK;
}

cl_status
cl_gg_loglik_total(const cl_gg_params *p, const cl_gg_cell *cells, size_t n,
				   double *ll, double *grad, double *hess, double *n_used)
{
	gg_accum	acc;
	cl_status	st;

	if ((st = cl_gg_check_params(p)) != CL_OK
		|| (st = gg_check_cells(cells, n)) != CL_OK)
		return st;
	gg_eval(p, cells, n, grad != NULL || hess != NULL, &acc);
	if (!isfinite(acc.ll))
		return CL_ERANGE;
	*ll = acc.ll;
	gg_copy(&acc, grad, hess, 1.0);
	if (n_used != NULL)
		*n_used = acc.w;
	return CL_OK;
}

cl_status
cl_gg_loglik(const cl_gg_params *p, double x, double m, double *out)
{
	cl_gg_cell	c = {x, m, 1.0};

	if (!isfinite(x) || !isfinite(m))
		return CL_ENOTFINITE;
	if (!(x > 0.0) || !(m > 0.0))
		return CL_EINVAL;
	return cl_gg_loglik_total(p, &c, 1, out, NULL, NULL, NULL);
}

cl_status
cl_gg_expected_spend(const cl_gg_params *p, double x, double m, double *out)
{
	cl_status	st;
	double		den;

	if (p->q == INFINITY || p->p == INFINITY)
		return cl_gg_limit_expected_spend(p, x, m, out);	/* btyd_limits.h */
	if ((st = cl_gg_check_params(p)) != CL_OK)
		return st;
	if (!isfinite(x) || !isfinite(m))
		return CL_ENOTFINITE;
	if (x < 0.0 || (x > 0.0 && !(m > 0.0)))
		return CL_EINVAL;
	/* posterior of ν is Gamma(px + q, v + xm); E[p/ν] = p (v + xm) / (px + q - 1) */
	den = p->p * x + p->q - 1.0;
	if (!(den > 0.0))
		return CL_ERANGE;
	*out = x == 0.0 ? p->p * p->v / den : p->p * (p->v + x * m) / den;
	if (!isfinite(*out))
		return CL_ERANGE;
	return CL_OK;
}

cl_status
cl_gg_customer_check(double x, double m)
{
	if (!isfinite(x) || !isfinite(m))
		return CL_ENOTFINITE;
	if (x < 0.0 || x != floor(x))
		return CL_EINVAL;
	return CL_OK;
}

cl_status
cl_gg_customer_spend(const cl_gg_params *p, double x, double m, double *out)
{
	/*
	 * Only a valid repeat customer is mapped to x = 0; anything invalid
	 * reaches cl_gg_expected_spend unchanged and is reported there.
	 */
	if (x > 0.0 && isfinite(x) && isfinite(m) && !cl_gg_eligible(x, m))
		x = 0.0;
	return cl_gg_expected_spend(p, x, m, out);
}

/* u = (ln p, ln q, ln(v/s)), s = the weighted mean of m (see bgnbd.c) */
typedef struct gg_fit_ctx
{
	const cl_gg_cell *cells;
	size_t		n;
	double		w;
	double		lnscale;
} gg_fit_ctx;

static cl_status
gg_objective(void *vctx, const double *u, double *f, double *g, double *h)
{
	gg_fit_ctx *ctx = vctx;
	cl_gg_params p = {exp(u[0]), exp(u[1]), exp(u[2] + ctx->lnscale)};
	gg_accum	acc;
	int			i;

	if (cl_gg_check_params(&p) != CL_OK)
		return CL_ERANGE;
	gg_eval(&p, ctx->cells, ctx->n, 1, &acc);
	if (!isfinite(acc.ll))
		return CL_ERANGE;
	*f = -acc.ll / ctx->w;
	gg_copy(&acc, g, h, -1.0 / ctx->w);
	for (i = 0; i < 3; i++)
		if (!isfinite(g[i]))
			return CL_ERANGE;
	for (i = 0; i < 9; i++)
		if (!isfinite(h[i]))
			return CL_ERANGE;
	return CL_OK;
}

cl_status
cl_gg_fit(const cl_gg_cell *cells, size_t n, const cl_fit_options *opt,
		  cl_fit_result *res)
{
	gg_fit_ctx	ctx = {cells, n, 0.0, 0.0};
	double		wm = 0.0,
				u[3],
				f;
	size_t		i;
	cl_status	st;

	memset(res, 0, sizeof(*res));
	res->nparams = 3;
	if ((st = gg_check_cells(cells, n)) != CL_OK)
		return st;
	for (i = 0; i < n; i++)
		if (cl_gg_eligible(cells[i].x, cells[i].m))
		{
			ctx.w += cells[i].weight;
			wm += cells[i].weight * cells[i].m;
		}
	res->n = ctx.w;
	if (!(ctx.w > 0.0))
		return CL_EDEGENERATE;

	/* p = 1, q = 3, and v from E[m] = p v / (q - 1) = weighted mean of m */
	ctx.lnscale = log(wm / ctx.w);
	u[0] = 0.0;
	u[1] = log(3.0);
	u[2] = log(2.0);

	st = cl_minimize(gg_objective, &ctx, 3, u, opt, &f, &res->iterations,
					 &res->converged);
	if (st != CL_OK && st != CL_ENOCONVERGE && st != CL_EDEGENERATE)
		return st;
	res->params[0] = exp(u[0]);
	res->params[1] = exp(u[1]);
	res->params[2] = exp(u[2] + ctx.lnscale);
	res->ll = -f * ctx.w;
	if (st == CL_OK && (cl_fit_at_boundary(u, 3) || !(res->params[1] > 1.0)))
		return CL_EDEGENERATE;
	return st;
}

/* The order of (x, m) cells: by x, then m, then weight (a total order). */
static inline int
gg_cell_less(const cl_gg_cell *a, const cl_gg_cell *b)
{
	if (a->x != b->x)
		return a->x < b->x;
	if (a->m != b->m)
		return a->m < b->m;
	return a->weight < b->weight;
}

#define CS_TYPE cl_gg_cell
#define CS_LESS(a, b) gg_cell_less(a, b)
#define CS_SAME(a, b) ((a)->x == (b)->x && (a)->m == (b)->m)
#define CS_NORMALISE(c) ((void) 0)
#define CS_SORT_MERGE cl_gg_cells_sort_merge
#define CS_SORTED_PREFIX cl_gg_cells_sorted_prefix
#define CS_MERGE_TAIL cl_gg_cells_merge_tail
#include "cell_sort.h"
