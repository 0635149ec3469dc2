/*
 * bgnbd.c — BG/NBD likelihood with exact derivatives, fit and scores.
 *
 * Log-likelihood of one customer (Fader, Hardie & Lee 2005, eq. 6):
 *   LL = A1 + A2 + ln(e^A3 + [x>0] e^A4)
 *   A1 = ln Γ(r+x) - ln Γ(r) + r ln α
 *   A2 = ln Γ(a+b) + ln Γ(b+x) - ln Γ(b) - ln Γ(a+b+x)
 *   A3 = -(r+x) ln(α+T)
 *   A4 = ln a - ln(b+x-1) - (r+x) ln(α+t_x)
 * We write the last term as A3 + softplus(D), D = A4 - A3
 *   = ln a - ln(b+x-1) + (r+x) ln((α+T)/(α+t_x)),
 * so that its derivatives are those of A3 plus σ(D) ∂D and
 * σ(D)(1-σ(D)) ∂D ∂D' (softplus' = σ, σ' = σ(1-σ)).
 *
 * Derivatives are with respect to u = (ln r, ln α, ln a, ln b): for a
 * parameter θ = e^u, ∂/∂u = θ ∂/∂θ and ∂²/∂u² = θ² ∂²/∂θ² + θ ∂/∂θ.
 *
 * The same code evaluates the modified BG/NBD ("modified" arguments; see
 * bgnbd_family.h for the one-purchase shift that separates the two).
 */
#include <math.h>
#include <string.h>

#include "bgnbd.h"
#include "bgnbd_family.h"
#include "specfun.h"

#define IR 0
#define IA 1					/* alpha */
#define IAA 2					/* a */
#define IB 3

cl_status
cl_bgnbd_check_params(const cl_bgnbd_params *p)
{
	if (!isfinite(p->r) || !isfinite(p->alpha) || !isfinite(p->a)
		|| !isfinite(p->b))
		return CL_ENOTFINITE;
	if (!(p->r > 0.0) || !(p->alpha > 0.0) || !(p->a > 0.0) || !(p->b > 0.0))
		return CL_EINVAL;
	return CL_OK;
}

/*
 * Terms that depend on x only, with their u-derivatives.  Differences of
 * ψ and ψ' at arguments that coincide when x = 0 are set to exactly 0.
 */
typedef struct xterms
{
	double		x,
				rx;				/* r + x */
	double		lg;				/* A1 + A2 without r ln α */
	double		g[4],
				h[4][4];		/* derivatives of lg */
	int			has_d;			/* the A4 term is present */
	double		c4;				/* ln a - ln(b+x'-1) */
	double		dDb,			/* ∂D/∂ln b = -b/(b+x'-1) */
				d2Db;			/* ∂²D/∂(ln b)² = -b(x'-1)/(b+x'-1)² */
} xterms;

/* Values at the parameters that are common to all x. */
typedef struct pterms
{
	double		r,
				alpha,
				a,
				b;
	double		lnalpha;
	double		lg_ab_b;		/* ln Γ(a+b) - ln Γ(b) */
	double		psi_r,
				psi_ab,
				psi_b,
				tri_r,
				tri_ab,
				tri_b;
} pterms;

static void
pterms_init(pterms *pt, const cl_bgnbd_params *p, int deriv)
{
	pt->r = p->r;
	pt->alpha = p->alpha;
	pt->a = p->a;
	pt->b = p->b;
	pt->lnalpha = log(p->alpha);
	pt->lg_ab_b = cl_lgamma_ratio(p->a + p->b, p->b);
	if (deriv)
	{
		pt->psi_r = cl_digamma(p->r);
		pt->psi_ab = cl_digamma(p->a + p->b);
		pt->psi_b = cl_digamma(p->b);
		pt->tri_r = cl_trigamma(p->r);
		pt->tri_ab = cl_trigamma(p->a + p->b);
		pt->tri_b = cl_trigamma(p->b);
	}
}

/*
 * x' = x for BG/NBD and x + 1 for MBG/NBD, where the dropout terms count
 * the first purchase too: A2 = ln Γ(a+b) + ln Γ(b+x') - ln Γ(b) - ln Γ(a+b+x')
 * and A4 = ln a - ln(b+x'-1) - (r+x) ln(α+t_x), present for every x in
 * MBG/NBD and for x > 0 in BG/NBD.
 */
static void
xterms_init(xterms *xt, const pterms *pt, double x, int modified, int deriv)
{
	double		r = pt->r,
				a = pt->a,
				b = pt->b;
	double		xb = modified ? x + 1.0 : x;

	memset(xt, 0, sizeof(*xt));
	xt->x = x;
	xt->rx = r + x;
	if (xb == 0.0)
		return;					/* A1 + A2 = r ln α, added separately */

	xt->has_d = 1;
	xt->lg = (x > 0.0 ? cl_lgamma_ratio(r + x, r) : 0.0) + pt->lg_ab_b
		+ cl_lgamma_ratio(b + xb, a + b + xb);
	xt->c4 = log(a) - log(b + xb - 1.0);
	xt->dDb = -b / (b + xb - 1.0);
	xt->d2Db = -b * (xb - 1.0) / ((b + xb - 1.0) * (b + xb - 1.0));
	if (deriv)
	{
		double		psi_rx = cl_digamma(r + x),
					psi_bx = cl_digamma(b + xb),
					psi_abx = cl_digamma(a + b + xb),
					tri_rx = cl_trigamma(r + x),
					tri_bx = cl_trigamma(b + xb),
					tri_abx = cl_trigamma(a + b + xb);
		double		d_r = x > 0.0 ? psi_rx - pt->psi_r : 0.0,
					d_a = pt->psi_ab - psi_abx,
					d_b = pt->psi_ab - pt->psi_b + psi_bx - psi_abx;
		double		t_r = x > 0.0 ? tri_rx - pt->tri_r : 0.0,
					t_a = pt->tri_ab - tri_abx,
					t_b = pt->tri_ab - pt->tri_b + tri_bx - tri_abx;

		xt->g[IR] = r * d_r;
		xt->g[IAA] = a * d_a;
		xt->g[IB] = b * d_b;
		xt->h[IR][IR] = r * d_r + r * r * t_r;
		xt->h[IAA][IAA] = a * d_a + a * a * t_a;
		xt->h[IB][IB] = b * d_b + b * b * t_b;
		xt->h[IAA][IB] = xt->h[IB][IAA] = a * b * t_a;
	}
}

/*
 * Per-x-group sums of per-cell quantities; the group's contribution to the
 * likelihood and its derivatives is a fixed combination of them (see
 * group_flush), so the per-cell work is a few multiply-adds on top of the
 * logarithm of (α+T)/(α+t_x) and the exp/log of the softplus.
 */
typedef struct gsums
{
	double		w,
				lT,				/* Σ w ln(α+T) */
				qT,				/* Σ w α/(α+T) */
				qT1,			/* Σ w qT (1-qT) */
				sp,				/* Σ w softplus(D) */
				sig,			/* Σ w σ */
				sig_dL,			/* Σ w σ ΔL,  ΔL = ln((α+T)/(α+t_x)) */
				sig_dq,			/* Σ w σ Δq,  Δq = qT - qt */
				sig_dq2,		/* Σ w σ (qT(1-qT) - qt(1-qt)) */
				s,				/* Σ w σ(1-σ) */
				s_dL,
				s_dq,
				s_dL2,
				s_dLdq,
				s_dq2;
} gsums;

typedef struct accum
{
	double		ll;
	double		g[4];
	double		h[4][4];
	double		w;
} accum;

static void
group_flush(accum *acc, const gsums *gs, const xterms *xt, const pterms *pt)
{
	double		r = pt->r,
				rx = xt->rx;
	int			i,
				j;

	if (gs->w == 0.0)
		return;
	acc->w += gs->w;
	acc->ll += gs->w * xt->lg - rx * gs->lT + gs->sp;
	for (i = 0; i < 4; i++)
	{
		acc->g[i] += gs->w * xt->g[i];
		for (j = 0; j < 4; j++)
			acc->h[i][j] += gs->w * xt->h[i][j];
	}
	/* A3 = -(r+x) ln(α+T) */
	acc->g[IR] += -r * gs->lT;
	acc->g[IA] += -rx * gs->qT;
	acc->h[IR][IR] += -r * gs->lT;
	acc->h[IR][IA] += -r * gs->qT;
	acc->h[IA][IA] += -rx * gs->qT1;
	if (!xt->has_d)
		return;

	/*
	 * softplus(D), ∂D = (r ΔL, (r+x) Δq, 1, dDb); ∂²D has r ΔL, r Δq,
	 * (r+x) Δ[q(1-q)] and d2Db as its only nonzero entries.
	 */
	acc->g[IR] += r * gs->sig_dL;
	acc->g[IA] += rx * gs->sig_dq;
	acc->g[IAA] += gs->sig;
	acc->g[IB] += xt->dDb * gs->sig;

	acc->h[IR][IR] += r * gs->sig_dL + r * r * gs->s_dL2;
	acc->h[IR][IA] += r * gs->sig_dq + r * rx * gs->s_dLdq;
	acc->h[IR][IAA] += r * gs->s_dL;
	acc->h[IR][IB] += r * xt->dDb * gs->s_dL;
	acc->h[IA][IA] += rx * gs->sig_dq2 + rx * rx * gs->s_dq2;
	acc->h[IA][IAA] += rx * gs->s_dq;
	acc->h[IA][IB] += rx * xt->dDb * gs->s_dq;
	acc->h[IAA][IAA] += gs->s;
	acc->h[IAA][IB] += xt->dDb * gs->s;
	acc->h[IB][IB] += xt->d2Db * gs->sig + xt->dDb * xt->dDb * gs->s;
}

/*
 * The weighted log-likelihood of unchecked cells and, if deriv, its
 * gradient and Hessian (upper triangle filled in by the caller).
 */
static void
bgnbd_eval(const cl_bgnbd_params *p, const cl_btyd_cell *cells, size_t n,
		   size_t stride, int modified, int deriv, accum *acc)
{
	pterms		pt;
	xterms		xt;
	gsums		gs;
	double		alpha = p->alpha;
	double		last_tx = -1.0, /* no cell has t_x < 0 */
				at = 0.0,
				qt = 0.0;
	size_t		i;
	int			have_group = 0;

	memset(acc, 0, sizeof(*acc));
	pterms_init(&pt, p, deriv);
	memset(&gs, 0, sizeof(gs));
	memset(&xt, 0, sizeof(xt));

	for (i = 0; i < n; i += stride)
	{
		const cl_btyd_cell *c = &cells[i];
		double		w = c->weight,
					aT,
					lT,
					qT;

		if (w == 0.0)
			continue;
		if (!have_group || c->x != xt.x)
		{
			if (have_group)
				group_flush(acc, &gs, &xt, &pt);
			memset(&gs, 0, sizeof(gs));
			xterms_init(&xt, &pt, c->x, modified, deriv);
			have_group = 1;
		}
		aT = alpha + c->T;
		lT = log(aT);
		qT = alpha / aT;
		gs.w += w;
		gs.lT += w * lT;
		if (deriv)
		{
			gs.qT += w * qT;
			gs.qT1 += w * qT * (1.0 - qT);
		}
		if (xt.has_d)
		{
			double		dL,
						D,
						e,
						inv,
						sig;

			/* cells of an x group are sorted by t_x: runs share α+t_x */
			if (c->t_x != last_tx)
			{
				last_tx = c->t_x;
				at = alpha + c->t_x;
				qt = alpha / at;
			}

			/*
			 * ln((α+T)/(α+t_x)) and the softplus's ln(1+e) through log, not
			 * log1p: the absolute error is the same (a few 1e-16), which is
			 * what D and the sum need, and log is several times faster.
			 */
			dL = log(aT / at);
			D = xt.c4 + xt.rx * dL;
			e = exp(-fabs(D));
			inv = 1.0 / (1.0 + e);
			sig = D >= 0.0 ? inv : e * inv;
			gs.sp += w * ((D > 0.0 ? D : 0.0) + log(1.0 + e));
			if (deriv)
			{
				double		dq = qT - qt;
				double		dq2 = qT * (1.0 - qT) - qt * (1.0 - qt);
				double		s = e * inv * inv;
				double		ws = w * s;

				gs.sig += w * sig;
				gs.sig_dL += w * sig * dL;
				gs.sig_dq += w * sig * dq;
				gs.sig_dq2 += w * sig * dq2;
				gs.s += ws;
				gs.s_dL += ws * dL;
				gs.s_dq += ws * dq;
				gs.s_dL2 += ws * dL * dL;
				gs.s_dLdq += ws * dL * dq;
				gs.s_dq2 += ws * dq * dq;
			}
		}
	}
	if (have_group)
		group_flush(acc, &gs, &xt, &pt);

	/* r ln α from A1, for every customer */
	acc->ll += acc->w * p->r * pt.lnalpha;
	acc->g[IR] += acc->w * p->r * pt.lnalpha;
	acc->g[IA] += acc->w * p->r;
	acc->h[IR][IR] += acc->w * p->r * pt.lnalpha;
	acc->h[IR][IA] += acc->w * p->r;
}

static void
copy_derivs(const accum *acc, double *grad, double *hess, double scale)
{
	int			i,
				j;

	if (grad != NULL)
		for (i = 0; i < 4; i++)
			grad[i] = scale * acc->g[i];
	if (hess != NULL)
		for (i = 0; i < 4; i++)
			for (j = 0; j < 4; j++)
				hess[i * 4 + j] = scale * (j >= i ? acc->h[i][j] : acc->h[j][i]);
}

static cl_status
check_cells(const cl_btyd_cell *cells, size_t n)
{
	size_t		i;

	for (i = 0; i < n; i++)
	{
		cl_status	st = cl_btyd_cell_check(&cells[i]);

		if (st != CL_OK)
			return st;
	}
	return CL_OK;
}

cl_status
cl_bgfam_loglik_total(int modified, const cl_bgnbd_params *p,
					  const cl_btyd_cell *cells, size_t n,
					  double *ll, double *grad, double *hess)
{
	accum		acc;
	cl_status	st;

	if ((st = cl_bgnbd_check_params(p)) != CL_OK
		|| (st = check_cells(cells, n)) != CL_OK)
		return st;
	bgnbd_eval(p, cells, n, 1, modified, grad != NULL || hess != NULL, &acc);
	if (!isfinite(acc.ll))
		return CL_ERANGE;
	*ll = acc.ll;
	copy_derivs(&acc, grad, hess, 1.0);
	return CL_OK;
}

cl_status
cl_bgnbd_loglik(const cl_bgnbd_params *p, double x, double t_x, double T,
				double *out)
{
	cl_btyd_cell c = {x, x == 0.0 ? 0.0 : t_x, T, 1.0};

	return cl_bgfam_loglik_total(0, p, &c, 1, out, NULL, NULL);
}

cl_status
cl_bgnbd_loglik_total(const cl_bgnbd_params *p, const cl_btyd_cell *cells,
					  size_t n, double *ll, double *grad, double *hess)
{
	return cl_bgfam_loglik_total(0, p, cells, n, ll, grad, hess);
}

static cl_status
check_customer(const cl_bgnbd_params *p, double x, double t_x, double T)
{
	cl_status	st = cl_bgnbd_check_params(p);

	return st != CL_OK ? st : cl_btyd_check(x, t_x, T);
}

/*
 * ln of the odds of "dead": ln a - ln(b+x-1) + (r+x) ln((α+T)/(α+t_x)); x > 0.
 * MBG/NBD callers pass b + 1 (see bgnbd_family.h).
 */
static double
log_dead_odds(const cl_bgnbd_params *p, double x, double t_x, double T)
{
	return log(p->a) - log(p->b + x - 1.0)
		+ (p->r + x) * log1p((T - t_x) / (p->alpha + t_x));
}

/* 1/(1 + e^D) without overflow */
static double
logistic_complement(double D)
{
	double		e;

	if (D > 0.0)
	{
		e = exp(-D);
		return e / (1.0 + e);
	}
	return 1.0 / (1.0 + exp(D));
}

/*
 * P(alive) with the score parameters ps (b shifted for MBG/NBD): in BG/NBD
 * nobody drops out before the first repeat purchase, so x = 0 is alive.
 */
static double
alive_prob(int modified, const cl_bgnbd_params *ps, double x, double t_x, double T)
{
	if (x == 0.0 && !modified)
		return 1.0;
	return logistic_complement(log_dead_odds(ps, x, x == 0.0 ? 0.0 : t_x, T));
}

/* The parameters of the score formulas: MBG/NBD's are BG/NBD's with b + 1. */
static cl_bgnbd_params
score_params(int modified, const cl_bgnbd_params *p)
{
	cl_bgnbd_params ps = *p;

	if (modified)
		ps.b += 1.0;
	return ps;
}

cl_status
cl_bgfam_p_alive(int modified, const cl_bgnbd_params *p, double x, double t_x,
				 double T, double *out)
{
	cl_status	st = check_customer(p, x, t_x, T);
	cl_bgnbd_params ps = score_params(modified, p);

	if (st != CL_OK)
		return st;
	*out = alive_prob(modified, &ps, x, t_x, T);
	return CL_OK;
}

cl_status
cl_bgnbd_p_alive(const cl_bgnbd_params *p, double x, double t_x, double T,
				 double *out)
{
	return cl_bgfam_p_alive(0, p, x, t_x, T, out);
}

/*
 * H(ε) = (2F1(A, ε; C; z) - 1)/ε = Σ_{n>=1} (A)_n (1+ε)_{n-1} / ((C)_n n!) z^n,
 * the part of the Euler-form hypergeometric function that survives the
 * a -> 1 limit (ε = a - 1).  All later factors are positive once n > -A, and
 * the term ratio (A+n)(ε+n) z / ((C+n)(n+1)) tends to z; see hyp_series in
 * specfun.c for the tail estimate used here.
 */
#define H_SERIES_TERMS 10000000L

static cl_status
h_series(double A, double eps, double C, double z, double *out)
{
	double		t = A / C * z,
				sum = t,
				comp = 0.0;
	double		s = C - A - eps + 1.0;
	double		zbound = z / (1.0 - z);
	long		n;

	for (n = 1; n < H_SERIES_TERMS; n++)
	{
		double		dn = (double) n;
		double		ratio = (A + dn) * (eps + dn) / ((C + dn) * (dn + 1.0)) * z;
		double		tmp;

		if (ratio == 0.0)
		{
			*out = sum + comp;
			return CL_OK;
		}
		if (dn > -A && ratio < 1.0)
		{
			double		k = ratio / (1.0 - ratio);

			if (ratio < z)
			{
				double		kz = zbound;

				if (s > 1.0 && 2.0 * (dn + 1.0) / (s - 1.0) < kz)
					kz = 2.0 * (dn + 1.0) / (s - 1.0);
				if (kz > k)
					k = kz;
			}
			if (fabs(t) * k <= 1e-17 * fabs(sum + comp))
			{
				*out = sum + comp;
				return CL_OK;
			}
		}
		t *= ratio;
		tmp = sum + t;
		if (fabs(sum) >= fabs(t))
			comp += (sum - tmp) + t;
		else
			comp += (t - tmp) + sum;
		sum = tmp;
	}
	return CL_ENOCONVERGE;
}

/*
 * |a - 1| below this goes through h_series: the general formula divides
 * 1 - (1-z)^(a-1) G by a - 1 and would lose ~eps/|a-1| relative accuracy.
 */
#define A_NEAR_ONE 1e-4

/*
 * E[Y(t) | alive-weighted]: the expected purchases in (T, T+t] of a
 * customer with posterior Gamma(r+x, α+T), times nothing (P(alive) is
 * applied by the caller).  With z = t/(α+T+t), w = 1 - z = (α+T)/(α+T+t),
 * the published bracket
 *   (a+b+x-1)/(a-1) [1 - w^(r+x) 2F1(r+x, b+x; a+b+x-1; z)]
 * is evaluated through Euler's transformation
 *   w^(r+x) 2F1(r+x, b+x; a+b+x-1; z) = w^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z),
 * whose parameters stay O(1) while the third grows with x, so the series
 * converges quickly and nothing of size x ln w is ever formed and cancelled.
 * With L = (a-1) ln w + ln G the bracket is -expm1(L), exact for small t.
 */
static cl_status
expected_alive(const cl_bgnbd_params *p, double t, double x, double T,
			   double *out)
{
	double		A = p->a + p->b - 1.0 - p->r,
				eps = p->a - 1.0,
				C = p->a + p->b + x - 1.0;
	double		aT = p->alpha + T;
	double		z = t / (aT + t);
	double		w = aT / (aT + t);
	double		lnw = -log1p(t / aT);
	cl_status	st;

	if (t == 0.0)
	{
		*out = 0.0;
		return CL_OK;
	}
	if (fabs(eps) >= A_NEAR_ONE)
	{
		double		lg;
		int			sg;

		st = cl_log_hyp2f1_zw(A, eps, C, z, w, &lg, &sg);
		if (st != CL_OK)
			return st;
		if (sg < 0)
			return CL_ERANGE;	/* G > 0 mathematically; never seen */
		*out = C / eps * -expm1(eps * lnw + lg);
	}
	else
	{
		/*
		 * G = 1 + ε H, so 1 - w^ε G = -[expm1(ε ln w)(1 + ε H) + ε H], and
		 * dividing by ε leaves only regular terms: expm1(ε ln w)/ε -> ln w.
		 */
		double		h,
					em;

		st = h_series(A, eps, C, z, &h);
		if (st != CL_OK)
			return st;
		em = eps == 0.0 ? lnw : expm1(eps * lnw) / eps;
		*out = C * -(em * (1.0 + eps * h) + h);
	}
	if (!isfinite(*out))
		return CL_ERANGE;
	return CL_OK;
}

cl_status
cl_bgnbd_expected_purchases(const cl_bgnbd_params *p, double t, double x,
							double t_x, double T, double *out)
{
	/* one horizon of the stepped form: the series where it is safe */
	return cl_bgnbd_expected_purchases_steps(p, t, 1, x, t_x, T, out);
}

/*
 * The same expected purchases at the evenly spaced horizons t_j = j step,
 * j = 1..k, in one pass.  Every horizon shares the Euler-form parameters
 * (A, ε; C), so the series S = C H = Σ_{n>=1} g_n z^n with
 * g_n = (A)_n (1+ε)_{n-1} / ((C+1)_{n-1} n!) has the same coefficients for
 * all of them; only z_j differs.  The coefficients are built once (one
 * division per term instead of one per term and horizon) and each horizon
 * leaves the loop as soon as its own tail is below the tolerance, the
 * nearest horizons first.
 *
 * The shared sum runs where it is plainly safe: A > -1, so every term after
 * the first has the sign of the first and nothing cancels, and
 * z_j <= STEPS_MAX_Z, so at most a few hundred terms are needed.  Other
 * horizons, or one unconverged after STEPS_MAX_TERMS terms, go through
 * expected_alive, the general path with its transformations.
 *
 * A customer with x = 0 under a model with a + b <= 1 has C = a+b-1 in
 * (-1, 0]: the bracket's hypergeometric function then has a non-positive
 * third parameter, which the general path does not take.  Written with S
 * the bracket is -C (w^ε - 1)/ε - w^ε S, finite at C = 0 and with two
 * non-negative terms (A = C - r < 0 makes S < 0), so the series alone gives
 * it accurately at any z; it may then need up to H_SERIES_TERMS terms.
 */
#define STEPS_MAX_Z 0.9
#define STEPS_MAX_TERMS 4000
#define STEPS_CHUNK 16

static double
em_eps(double eps, double lnw)
{
	/* (w^ε - 1)/ε, tending to ln w as ε -> 0 */
	return eps == 0.0 ? lnw : expm1(eps * lnw) / eps;
}

/* C/ε [1 - w^ε (1 + ε S/C)] from S, as expected_alive computes it */
static double
alive_from_s(double eps, double C, double lnw, double S)
{
	if (C <= 0.0)
		return -C * em_eps(eps, lnw) - exp(eps * lnw) * S;
	if (fabs(eps) >= A_NEAR_ONE)
		return C / eps * -expm1(eps * lnw + log1p(eps * (S / C)));
	return -(C * em_eps(eps, lnw) * (1.0 + eps * (S / C)) + S);
}

static void
s_series_steps(double A, double eps, double C, const double *z, int k,
			   long maxterms, double *S, int *done)
{
	double		pw[STEPS_CHUNK],
				bound[STEPS_CHUNK];
	double		s = C - A - eps + 1.0;
	double		g = A;			/* g_1 */
	double		sbound = INFINITY;
	int			lo = 0,
				j;
	long		n;

	for (j = 0; j < k; j++)
	{
		pw[j] = z[j];
		S[j] = 0.0;
		done[j] = 0;
		bound[j] = z[j] / (1.0 - z[j]);
	}
	for (n = 1; n <= maxterms && lo < k; n++)
	{
		double		dn = (double) n;
		double		q = (A + dn) * (eps + dn) / ((C + dn) * (dn + 1.0));

		for (j = lo; j < k; j++)
		{
			S[j] += g * pw[j];
			pw[j] *= z[j];
		}
		g *= q;
		if (s > 1.0)
			sbound = 2.0 * (dn + 2.0) / (s - 1.0);
		if (g == 0.0)
		{
			while (lo < k)
				done[lo++] = 1;
			break;
		}

		/*
		 * The tail after term n of horizon j starts with g pw[j] and its
		 * ratios tend to z_j; bound it as hyp_series in specfun.c does.
		 */
		while (lo < k)
		{
			double		rho = q * z[lo],
						next = fabs(g * pw[lo]),
						tol = 1e-17 * fabs(S[lo]);

			if (!(dn > -A && rho < 1.0))
				break;
			if (rho >= z[lo])
			{
				/* next / (1 - rho), without the division */
				if (next > tol * (1.0 - rho))
					break;
			}
			else if (next * (1.0 + (bound[lo] < sbound ? bound[lo] : sbound)) > tol)
				break;
			done[lo++] = 1;
		}
	}
}

cl_status
cl_bgnbd_expected_purchases_steps(const cl_bgnbd_params *p, double step, int k,
								  double x, double t_x, double T, double *out)
{
	return cl_bgfam_expected_purchases_steps(0, p, step, k, x, t_x, T, out);
}

cl_status
cl_bgfam_expected_purchases_steps(int modified, const cl_bgnbd_params *p0,
								  double step, int k, double x, double t_x,
								  double T, double *out)
{
	cl_status	st = check_customer(p0, x, t_x, T);
	cl_bgnbd_params ps = score_params(modified, p0);
	const cl_bgnbd_params *p = &ps;
	double		A = p->a + p->b - 1.0 - p->r,
				eps = p->a - 1.0,
				C = p->a + p->b + x - 1.0;
	double		aT = p->alpha + T;
	double		alive;
	int			j0;

	if (st != CL_OK)
		return st;
	if (!isfinite(step))
		return CL_ENOTFINITE;
	if (step < 0.0 || k < 0)
		return CL_EINVAL;
	alive = alive_prob(modified, p, x, t_x, T);

	for (j0 = 0; j0 < k; j0 += STEPS_CHUNK)
	{
		double		z[STEPS_CHUNK],
					lnw[STEPS_CHUNK],
					S[STEPS_CHUNK];
		int			done[STEPS_CHUNK];
		int			m = k - j0 < STEPS_CHUNK ? k - j0 : STEPS_CHUNK,
					nb = 0,
					j;

		for (j = 0; j < m; j++)
		{
			double		t = (double) (j0 + j + 1) * step;

			if (!isfinite(t))
				return CL_ENOTFINITE;
			z[j] = t / (aT + t);
			lnw[j] = -log1p(t / aT);
			if (t > 0.0 && (C <= 0.0 || (A > -1.0 && z[j] <= STEPS_MAX_Z)))
				nb = j + 1;		/* z grows with j: a prefix qualifies */
		}
		s_series_steps(A, eps, C, z, nb,
					   C <= 0.0 ? H_SERIES_TERMS : STEPS_MAX_TERMS, S, done);
		for (j = 0; j < m; j++)
		{
			double		t = (double) (j0 + j + 1) * step,
						e;

			if (t == 0.0)
				e = 0.0;
			else if (j < nb && done[j])
				e = alive_from_s(eps, C, lnw[j], S[j]);
			else if (C <= 0.0)
				return CL_ENOCONVERGE;
			else if ((st = expected_alive(p, t, x, T, &e)) != CL_OK)
				return st;
			if (!isfinite(e))
				return CL_ERANGE;
			out[j0 + j] = e * alive;
		}
	}
	return CL_OK;
}

cl_status
cl_bgnbd_expected_purchases_new(const cl_bgnbd_params *p, double t, double *out)
{
	/* a customer first seen at time 0 and observed for no time: x = t_x = T = 0 */
	return cl_bgnbd_expected_purchases(p, t, 0.0, 0.0, 0.0, out);
}

cl_status
cl_bgnbd_p_no_purchase(const cl_bgnbd_params *p, double h, double x,
					   double t_x, double T, double *out)
{
	return cl_bgfam_p_no_purchase(0, p, h, x, t_x, T, out);
}

cl_status
cl_bgfam_p_no_purchase(int modified, const cl_bgnbd_params *p0, double h,
					   double x, double t_x, double T, double *out)
{
	cl_status	st = check_customer(p0, x, t_x, T);
	cl_bgnbd_params ps = score_params(modified, p0);
	const cl_bgnbd_params *p = &ps;
	double		alive,
				buy_if_alive;

	if (st != CL_OK)
		return st;
	if (!isfinite(h))
		return CL_ENOTFINITE;
	if (h < 0.0)
		return CL_EINVAL;
	alive = alive_prob(modified, p, x, t_x, T);
	/* 1 - ((α+T)/(α+T+h))^(r+x) = -expm1(-(r+x) ln(1 + h/(α+T))) */
	buy_if_alive = -expm1(-(p->r + x) * log1p(h / (p->alpha + T)));
	*out = 1.0 - alive * buy_if_alive;
	return CL_OK;
}

/* ---- fit ---------------------------------------------------------------- */

/*
 * The optimiser works on u = (ln r, ln(α/s), ln a, ln b) with s the mean
 * age ΣwT/Σw: the gradient and Hessian are unchanged by the shift, but
 * every coordinate is then unit-free, which the boundary check needs.
 */
typedef struct fit_ctx
{
	const cl_btyd_cell *cells;
	size_t		n;
	size_t		stride;			/* every stride-th cell (1: all) */
	double		w;				/* total weight of those cells */
	double		lnscale;		/* ln s */
	int			modified;		/* MBG/NBD */
} fit_ctx;

static cl_status
fit_objective(void *vctx, const double *u, double *f, double *g, double *h)
{
	fit_ctx    *ctx = vctx;
	cl_bgnbd_params p = {exp(u[IR]), exp(u[IA] + ctx->lnscale), exp(u[IAA]), exp(u[IB])};
	accum		acc;
	int			i;

	if (cl_bgnbd_check_params(&p) != CL_OK)
		return CL_ERANGE;
	bgnbd_eval(&p, ctx->cells, ctx->n, ctx->stride, ctx->modified, 1, &acc);
	if (!isfinite(acc.ll))
		return CL_ERANGE;
	*f = -acc.ll / ctx->w;
	copy_derivs(&acc, g, h, -1.0 / ctx->w);
	for (i = 0; i < 4; i++)
		if (!isfinite(g[i]))
			return CL_ERANGE;
	for (i = 0; i < 16; i++)
		if (!isfinite(h[i]))
			return CL_ERANGE;
	return CL_OK;
}

/*
 * Warm start for large fits: the evaluations over all cells are what a fit
 * costs, and Newton's method needs fewer of them from a point near the
 * optimum.  So first fit every WARM_STRIDE-th cell of the sorted cells (a
 * systematic sample stratified by x, t_x and T), whose optimum lies within
 * sampling error of the full one, and start from there.  If that fit fails
 * or ends on the boundary, the full fit starts from the usual point.  The
 * answer is the same optimum either way (to the convergence tolerance).
 */
#define WARM_MIN_CELLS 32768
#define WARM_STRIDE 16

/* The caller's interrupt callback, noting whether it asked to stop. */
typedef struct warm_interrupt
{
	const cl_fit_options *opt;
	int			stopped;
} warm_interrupt;

static int
warm_interrupt_fn(void *vctx)
{
	warm_interrupt *wi = vctx;

	if (wi->opt->interrupt(wi->opt->interrupt_ctx))
		wi->stopped = 1;
	return wi->stopped;
}

/*
 * Returns 1 when the caller's interrupt callback stopped the sample fit:
 * then u is the sample fit's point and *iterations its iteration count, and
 * the fit ends there.
 */
static int
warm_start(const fit_ctx *ctx, double *u, const cl_fit_options *opt, int *iterations)
{
	fit_ctx		sub = *ctx;
	cl_fit_options wopt;
	warm_interrupt wi = {opt, 0};
	double		uw[4],
				f;
	size_t		i;
	int			converged;

	*iterations = 0;
	if (ctx->n < WARM_MIN_CELLS)
		return 0;
	if (opt != NULL)
		wopt = *opt;
	else
		cl_fit_options_init(&wopt);
	if (wopt.interrupt != NULL)
	{
		wopt.interrupt = warm_interrupt_fn;
		wopt.interrupt_ctx = &wi;
	}
	/* the sample's optimum is only within sampling error of the answer */
	wopt.gtol = fmax(wopt.gtol, 1e-6);
	sub.stride = WARM_STRIDE;
	sub.w = 0.0;
	for (i = 0; i < ctx->n; i += WARM_STRIDE)
		sub.w += ctx->cells[i].weight;
	if (!(sub.w > 0.0))
		return 0;
	memcpy(uw, u, sizeof(uw));
	if (cl_minimize(fit_objective, &sub, 4, uw, &wopt, &f, iterations, &converged) == CL_OK
		&& !cl_fit_at_boundary(uw, 4))
		memcpy(u, uw, sizeof(uw));
	else if (wi.stopped)
		memcpy(u, uw, sizeof(uw));
	return wi.stopped;
}

cl_status
cl_bgnbd_fit(const cl_btyd_cell *cells, size_t n, const cl_fit_options *opt,
			 cl_fit_result *res)
{
	return cl_bgfam_fit(0, cells, n, opt, res);
}

cl_status
cl_bgfam_fit(int modified, const cl_btyd_cell *cells, size_t n,
			 const cl_fit_options *opt, cl_fit_result *res)
{
	fit_ctx		ctx = {cells, n, 1, 0.0, 0.0, modified};
	double		wx = 0.0,
				wT = 0.0,
				u[4],
				f,
				g[4],
				h[16];
	size_t		i;
	cl_status	st;

	memset(res, 0, sizeof(*res));
	res->nparams = 4;
	if ((st = check_cells(cells, n)) != CL_OK)
		return st;
	for (i = 0; i < n; i++)
	{
		ctx.w += cells[i].weight;
		wx += cells[i].weight * cells[i].x;
		wT += cells[i].weight * cells[i].T;
	}
	res->n = ctx.w;
	/* without repeat purchases neither the rate nor the dropout is identified */
	if (!(ctx.w > 0.0) || !(wx > 0.0) || !(wT > 0.0))
		return CL_EDEGENERATE;

	/*
	 * Start: r = 1 and α matching the observed mean purchase rate Σx/ΣT
	 * (E[λ] = r/α); a = 1, b = 3, a mean dropout probability of 1/4.  The
	 * damped Newton iteration is not sensitive to this choice; it only has
	 * to be on the right scale for α, which is in the data's time unit.
	 */
	ctx.lnscale = log(wT / ctx.w);
	u[IR] = 0.0;
	u[IA] = log(wT / wx) - ctx.lnscale;
	u[IAA] = 0.0;
	u[IB] = log(3.0);

	if (warm_start(&ctx, u, opt, &res->iterations))
	{
		/* interrupted: report the sample fit's point, not converged */
		st = fit_objective(&ctx, u, &f, g, h) == CL_OK ? CL_ENOCONVERGE : CL_ERANGE;
		res->converged = 0;
	}
	else
		st = cl_minimize(fit_objective, &ctx, 4, u, opt, &f,
						 &res->iterations, &res->converged);
	if (st != CL_OK && st != CL_ENOCONVERGE && st != CL_EDEGENERATE)
		return st;
	res->params[IR] = exp(u[IR]);
	res->params[IA] = exp(u[IA] + ctx.lnscale);
	res->params[IAA] = exp(u[IAA]);
	res->params[IB] = exp(u[IB]);
	res->ll = -f * ctx.w;
	if (st == CL_OK && cl_fit_at_boundary(u, 4))
		return CL_EDEGENERATE;
	return st;
}
