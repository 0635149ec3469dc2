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
#include "interrupt.h"
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
 * ---- scores ----------------------------------------------------------------
 *
 * Every score is computed from the customer's posterior given alive at T:
 * λ ~ Gamma(k, α+T) with k = r+x, and p ~ Beta(a, b') with b' = b+x
 * (BG/NBD) or b+x+1 (MBG/NBD).  The terms below are formed from the model's
 * own parameters (never from b+1, which would lose a tiny b), and nothing is
 * formed that can overflow when the arguments are finite: a model value or
 * a customer summary near DBL_MAX gives a finite, in-range score or an
 * error status, never NaN.
 */

/* ln(u + v) for u, v >= 0, u + v > 0, also where u + v overflows */
static double
log_sum_pos(double u, double v)
{
	double		hi = fmax(u, v),
				lo = fmin(u, v);

	return log(hi) + log1p(lo / hi);
}

/* ln(1 + d/(u+v)) for d, u, v >= 0, u + v > 0, also where d/(u+v) overflows */
static double
log1p_over(double d, double u, double v)
{
	double		den = u + v,
				q;

	if (isinf(den))
	{
		d *= 0.5;
		den = 0.5 * u + 0.5 * v;
	}
	q = d / den;
	if (isfinite(q))
		return log1p(q);
	/* d/den > DBL_MAX: ln(den + d) - ln(den) = ln d - ln den to rounding */
	return log(d) - log(den);
}

/* d/(u+v) as above; may be +INFINITY when the true value is above DBL_MAX */
static double
ratio_over(double d, double u, double v)
{
	double		den = u + v;

	if (isinf(den))
		return (0.5 * d) / (0.5 * u + 0.5 * v);
	return d / den;
}

/* (r + x) L without forming r + x (both may be near DBL_MAX); 0 when L = 0 */
static double
k_times(double r, double x, double L)
{
	return L == 0.0 ? 0.0 : r * L + x * L;
}

/*
 * ln of the odds of "dead", D = ln a - ln(b+x'-1) + (r+x) ln((α+T)/(α+t_x)),
 * x' = x (BG/NBD, x > 0) or x + 1 (MBG/NBD).  Never NaN: every term is
 * finite except the last, which may be +INFINITY.
 */
static double
log_dead_odds(int modified, const cl_bgnbd_params *p, double x, double t_x,
			  double T)
{
	double		xm = modified ? x : x - 1.0;	/* >= 0 where used */

	if (x == 0.0)
		t_x = 0.0;
	return log(p->a) - log_sum_pos(p->b, xm)
		+ k_times(p->r, x, log1p_over(T - t_x, p->alpha, t_x));
}

/*
 * ln P(alive) and ln P(dead): in BG/NBD nobody drops out before the first
 * repeat purchase, so x = 0 is alive.  P(alive) = 1/(1 + e^D).
 */
static void
log_alive_dead(int modified, const cl_bgnbd_params *p, double x, double t_x,
			   double T, double *lalive, double *ldead)
{
	double		D;

	if (x == 0.0 && !modified)
	{
		*lalive = 0.0;
		*ldead = -INFINITY;
		return;
	}
	D = log_dead_odds(modified, p, x, t_x, T);
	*lalive = -cl_log1pexp(D);
	*ldead = -cl_log1pexp(-D);
}

cl_status
cl_bgfam_p_alive(int modified, const cl_bgnbd_params *p, double x, double t_x,
				 double T, double *out)
{
	cl_status	st = check_customer(p, x, t_x, T);
	double		la,
				ld;

	if (st != CL_OK)
		return st;
	log_alive_dead(modified, p, x, t_x, T, &la, &ld);
	*out = exp(la);
	return CL_OK;
}

cl_status
cl_bgfam_p_dead(int modified, const cl_bgnbd_params *p, double x, double t_x,
				double T, double *out)
{
	cl_status	st = check_customer(p, x, t_x, T);
	double		la,
				ld;

	if (st != CL_OK)
		return st;
	log_alive_dead(modified, p, x, t_x, T, &la, &ld);
	*out = exp(ld);
	return CL_OK;
}

cl_status
cl_bgnbd_p_alive(const cl_bgnbd_params *p, double x, double t_x, double T,
				 double *out)
{
	return cl_bgfam_p_alive(0, p, x, t_x, T, out);
}

cl_status
cl_bgnbd_p_dead(const cl_bgnbd_params *p, double x, double t_x, double T,
				double *out)
{
	return cl_bgfam_p_dead(0, p, x, t_x, T, out);
}

/*
 * The quantities of the expected-purchase formulas.  With b' = b+x (BG/NBD)
 * or b+x+1 (MBG/NBD), E[Y(t) | alive] = E_p[(1 - (1+pτ)^-k)/p] over
 * p ~ Beta(a, b'), τ = t/(α+T), which the published closed form writes as
 *   C/ε [1 - w^k 2F1(k, b'; C; z)],   C = a+b'-1, ε = a-1,
 * with z = t/(α+T+t), w = 1-z, and we evaluate through Euler's transform
 *   w^k 2F1(k, b'; C; z) = w^ε 2F1(A, ε; C; z),   A = a+b'-1-k.
 */
typedef struct yterms
{
	double		k,				/* r + x */
				a,
				bp,				/* b' */
				A,
				eps,
				C,
				Cx;				/* C, to full relative accuracy */
} yterms;

static void
yterms_init(yterms *y, int modified, const cl_bgnbd_params *p, double x)
{
	/* b'-1 = b + x - 1 or b + x, from b itself (b + 1 would lose a tiny b) */
	double		bm1 = modified ? p->b + x : (x >= 1.0 ? p->b + (x - 1.0) : p->b - 1.0);

	y->k = p->r + x;
	y->a = p->a;
	y->bp = modified ? p->b + (x + 1.0) : p->b + x;
	y->eps = p->a - 1.0;
	y->C = p->a + bm1;
	y->A = (p->a + (modified ? p->b : p->b - 1.0)) - p->r;
	y->Cx = y->C;
	if (!modified && x < 1.0)
	{
		/*
		 * a + b - 1 with b - 1 rounded loses a tiny b; from the exact sum
		 * a + b = s + err instead (s - 1 is exact where C is small).  The
		 * series keep C (their coefficients are formed consistently with
		 * A and ε from the same rounded b - 1); the expansion in 1/τ,
		 * which divides by C, takes Cx.
		 */
		double		s = p->a + p->b,
					bb = s - p->a,
					err = (p->a - (s - bb)) + (p->b - bb);

		y->Cx = (s - 1.0) + err;
	}
}

/*
 * H(ε) = (2F1(A, ε; C; z) - 1)/ε = Σ_{n>=1} (A)_n (1+ε)_{n-1} / ((C)_n n!) z^n,
 * the part of the Euler-form hypergeometric function that survives the
 * a -> 1 limit (ε = a - 1).  All later factors are positive once n > -A, and
 * the term ratio (A+n)(ε+n) z / ((C+n)(n+1)) tends to z; see hyp_series in
 * specfun.c for the tail estimate used here.  The budget bounds the cost;
 * the callers have other methods for the slow cases.
 */
#define H_SERIES_TERMS 100000L

static cl_status
h_series(double A, double eps, double C, double z, long maxterms, double *out)
{
	double		t = A / C * z,
				sum = t,
				comp = 0.0;
	double		s = C - A - eps + 1.0;
	double		zbound = z / (1.0 - z);
	long		n;

	for (n = 1; n < maxterms; n++)
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
		if (CL_POLL(n))
			return CL_ENOCONVERGE;
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
 * The largest factor by which a result may have lost accuracy to
 * cancellation and still be returned: with rounding errors of a few ulps in
 * the terms, the result keeps about 1e-11 relative accuracy.  Beyond it the
 * next method is tried, and an error status is returned when none is left.
 */
#define MAX_CANCEL 1e4

/* -expm1(u + v) as a bracket value, with the cancellation between u and v */
static double
neg_expm1_sum(double u, double v, double *loss)
{
	double		L = u + v;

	*loss = L == 0.0 ? INFINITY : fmax(fabs(u), fabs(v)) / fmin(fabs(L), 1.0);
	if (fmax(fabs(u), fabs(v)) == 0.0)
		*loss = 1.0;
	return -expm1(L);
}

/*
 * The general path: cl_log_hyp2f1_zw for the Euler form, or h_series near
 * a = 1 with at most maxterms terms.  CL_ENOCONVERGE when it fails or
 * cancels beyond MAX_CANCEL.
 */
static cl_status
expected_alive(const yterms *y, double aT, double t, long maxterms, double *out)
{
	double		z = ratio_over(t, aT, t),
				w = ratio_over(aT, aT, t),
				lnw = -log1p_over(t, aT, 0.0);
	double		loss;
	cl_status	st;

	if (y->C <= 0.0 || !(z < 1.0) || !(w > 0.0))
		return CL_ENOCONVERGE;
	if (fabs(y->eps) >= A_NEAR_ONE)
	{
		double		lg;
		int			sg;

		st = cl_log_hyp2f1_zw(y->A, y->eps, y->C, z, w, &lg, &sg);
		if (st != CL_OK)
			return st == CL_ERANGE || st == CL_ENOCONVERGE ? CL_ENOCONVERGE : st;
		if (sg < 0)
			return CL_ENOCONVERGE;	/* G > 0 mathematically */
		*out = y->C / y->eps * neg_expm1_sum(y->eps * lnw, lg, &loss);
	}
	else
	{
		/*
		 * G = 1 + ε H, so 1 - w^ε G = -[expm1(ε ln w)(1 + ε H) + ε H], and
		 * dividing by ε leaves only regular terms: expm1(ε ln w)/ε -> ln w.
		 */
		double		h,
					em,
					t1,
					t2;

		st = h_series(y->A, y->eps, y->C, z, maxterms, &h);
		if (st != CL_OK)
			return st;
		em = y->eps == 0.0 ? lnw : expm1(y->eps * lnw) / y->eps;
		t1 = y->C * em * (1.0 + y->eps * h);
		t2 = y->C * h;
		*out = -(t1 + t2);
		loss = fmax(fabs(t1), fabs(t2)) / fabs(*out);
	}
	if (!isfinite(*out) || !(loss <= MAX_CANCEL) || *out < 0.0)
		return CL_ENOCONVERGE;
	return CL_OK;
}

/*
 * The moment series: expanding (1 - (1+pτ)^-k)/p in powers of p and taking
 * E[p^n] = (a)_n/(a+b')_n,
 *   E[Y | alive] = Σ_{n>=0} T_n,  T_0 = kτ,
 *   T_{n+1}/T_n = -(k+1+n)(a+n) τ / ((a+b'+n)(n+2)).
 * Used when every ratio up to convergence is at most 1/2: the terms then
 * alternate with falling size, nothing cancels, and the truncation error is
 * below the first omitted term.  (Where τ > 1 the expansion diverges for
 * p > 1/τ; there the posterior Beta has no mass worth a double, or a ratio
 * exceeds 1/2 first.)  This covers short horizons relative to α+T and rare
 * dropout, where the hypergeometric series are slow.
 */
#define MOMENT_MAX_TERMS 200

static int
moment_series(const yterms *y, double tau, double *out)
{
	double		t = y->k * tau,
				sum = t;
	int			n;

	if (!isfinite(t) || t == 0.0)
		return 0;
	for (n = 0; n < MOMENT_MAX_TERMS; n++)
	{
		double		dn = (double) n;
		double		q = ratio_over((y->k + 1.0 + dn) * tau, y->a + y->bp, dn)
			* ((y->a + dn) / (dn + 2.0));

		if (!(q <= 0.5))
			return 0;
		t *= -q;
		sum += t;
		if (fabs(t) <= 1e-17 * sum)
		{
			*out = sum;
			return 1;
		}
	}
	return 0;
}

/*
 * Many purchases per dropout chance: the expansion of E[Y | alive] in
 * powers of 1/(kτ).
 *
 * E[Y | alive] = N / B(a, b') with N = ∫ p^(a-2) (1-p)^(b'-1) [1 - (1+pτ)^-k] dp.
 * Splitting at p = p* = 0.9, expanding (1-p)^(b'-1) below it and integrating each
 * power of p against (1+pτ)^-k over (0, ∞) (the Mellin transform) gives
 *   N = B(a-1, b') - Γ(a-1) Γ(k-a+1)/Γ(k) τ^(1-a) Σ_n t_n + rest,
 *   t_0 = 1,  t_(n+1)/t_n = (1-b'+n)(a-1+n) / ((n+1)(k-a-n) τ),
 * the terms of the region p ~ 1/(kτ) where the purchase term bends, while
 * the rest of (0, 1) contributes only the complete Beta function; the rest
 * (the integrals beyond p* of (1+pτ)^-k, and the poles of Γ(k-a+1-n)
 * at n >= k-a+1, which the sum never reaches) is of order
 * (1 + p* τ/(1+b'))^-k.  Dividing by B(a, b'), with ε' = 1 - a,
 *   E = [R τ^ε' F - C] / ε',   R = Γ(a+b') Γ(k+ε') / (Γ(b') Γ(k)),
 *   F = Σ t_n = 1 - ε' U,  C = a + b' - 1.
 * For C > 0 it is written E = C expm1(L)/ε', L = ln(R τ^ε' F / C), in which
 * ln R - ln C = ln Γ(C)/Γ(b') + ln Γ(k+ε')/Γ(k) is formed from the exact
 * ε' (cl_lgamma_delta): near a = 1 every term of L is O(ε') and keeps its
 * relative accuracy, so the division by ε' loses nothing; a = 1 itself is
 * the limit C L/ε' = C (ψ(k) - ψ(b') + ln τ - U).  For C <= 0 (x = 0,
 * a + b <= 1) both terms of the bracket are >= 0.
 *
 * This holds where the customer makes many purchases per unit of the
 * dropout scale, kτ large (long horizons against α + T, or huge r + x), and
 * k ln(1 + p* τ/(1+b')) is large: the slowest cases of the quadrature
 * below.  Tried first where that exponent exceeds ASYM_MIN_DECAY (a test
 * that costs one log1p); used when the terms fall at least twofold, stop
 * within ASYM_MAX_TERMS, stay clear of the first pole (k - a - n >= 1),
 * and the rest is below e^-41.5 of the result; cancellation in L beyond
 * MAX_CANCEL declines.  Where k - a < 2 or the rest is too large, the
 * other series of the exact 1/τ connection formula (mode b, see
 * asym_expected) adds the τ^-k terms of the region p near 1, if a - k is
 * at least ASYM_MIN_FRAC from an integer.  Returns 1 with *out set, 0 to
 * decline.
 */
#define ASYM_MAX_TERMS 40
#define ASYM_MIN_DECAY 5.0
#define ASYM_PSTAR 0.9		/* the split point p* */
#define ASYM_MIN_FRAC 0.02	/* mode b: the least distance of a - k to an integer */
#define ASYM_B_MAX_K 64.0	/* mode b: k below this (above it, τ^-k is negligible) */
#define ASYM_B_MIN_TAU 4.0

typedef struct asym_pre
{
	int			ok;				/* 0: declined for every horizon */
	double		lg,				/* C > 0: ln Γ(C)/Γ(b') + ln Γ(k+ε')/Γ(k); else ln R */
				dlg,			/* a = 1: ψ(k) - ψ(b'), the limit of lg/ε' */
				err0,			/* the size of lg's parts, for the cancellation in L */
				lrem0,			/* ln of the part left out, but for its τ terms */
				lbeta,			/* ln B(a, b') */
				lq;				/* ln |Γ(a-1-k) Γ(a+b') / (Γ(a) Γ(C-k))| */
	int			mode_a,			/* k - a >= 2: the expansion alone */
				mode_b,			/* a - k away from the integers: with its τ^-k series */
				sq;				/* the sign of that quotient */
} asym_pre;

/* ln |Γ(x)| and its sign for any real x that is not a pole */
static double
lgamma_signed(double x, int *sign)
{
	double		f,
				sv;

	*sign = 1;
	if (x > 0.0)
		return cl_lgamma(x);
	/* Γ(x) = π / (sin(πx) Γ(1-x)), sin(πx) from the fractional part */
	f = x - nearbyint(x);
	sv = sin(M_PI * f);
	if (fmod(nearbyint(x), 2.0) != 0.0)
		sv = -sv;
	*sign = sv < 0.0 ? -1 : 1;
	return log(M_PI) - log(fabs(sv)) - cl_lgamma(1.0 - x);
}

/* ln Γ(y+d) - ln Γ(y): from the exact d where it is small against y */
static double
lgamma_shift(double y, double d)
{
	return fabs(d) <= 0.5 * y ? cl_lgamma_delta(y, d) : cl_lgamma(y + d) - cl_lgamma(y);
}

static void
asym_init(asym_pre *pa, const yterms *y)
{
	double		a = y->a,
				bp = y->bp,
				k = y->k,
				ep = 1.0 - a;

	pa->ok = pa->mode_a = pa->mode_b = 0;
	if (!isfinite(k) || !isfinite(bp) || !(bp > 0.0) || !isfinite(a))
		return;
	/* the first pole and the far part need k well above a */
	pa->mode_a = k - a >= 2.0 && a <= 0.5 * k;
	/*
	 * Otherwise both series of the 1/τ connection formula, which is exact
	 * for τ > 1 where a - k is not an integer; their terms grow like
	 * 1/dist(a - k, Z) near one, so that distance must be at least
	 * ASYM_MIN_FRAC.  k - a + 1 > 0 keeps R > 0.
	 */
	pa->mode_b = !pa->mode_a && k - a + 1.0 > 0.0 && k < ASYM_B_MAX_K
		&& fabs((a - k) - nearbyint(a - k)) >= ASYM_MIN_FRAC;
	if (!pa->mode_a && !pa->mode_b)
		return;
	if (y->Cx > 0.0)
	{
		/*
		 * C = b' - ε' and k + ε' from the exact ε' where they are close to
		 * b' resp. k; C itself (formed without loss) where it is not
		 */
		double		l1,
					l2 = lgamma_shift(k, ep);

		if (fabs(ep) <= 0.5 * bp)
		{
			l1 = cl_lgamma_delta(bp, -ep);
			pa->err0 = fabs(l1);
		}
		else
		{
			double		g1 = cl_lgamma(y->Cx),
						g2 = cl_lgamma(bp);

			l1 = g1 - g2;
			pa->err0 = fabs(g1) + fabs(g2);
		}
		pa->lg = l1 + l2;
		pa->err0 += fabs(l2);
		pa->dlg = ep == 0.0 ? cl_digamma(k) - cl_digamma(bp) : 0.0;
	}
	else
	{
		pa->lg = cl_lgamma_ratio(a + bp, bp) + lgamma_shift(k, ep);
		pa->err0 = 0.0;
		pa->dlg = 0.0;
	}
	pa->lbeta = cl_lbeta(a, bp);
	/*
	 * The part left out, in N: (1 + p* τ/(1+b'))^-k times at most
	 * p*^(a-2) (1 + 1/b') (1-p*)^-(1-b') (2 + |ln τ|) (the integral beyond
	 * p*, the expansion's factor and the double poles' logarithm) and e^5
	 * to spare.
	 */
	pa->lrem0 = (a - 2.0) * log(ASYM_PSTAR) + log1p(1.0 / bp)
		- fmax(0.0, 1.0 - bp) * log1p(-ASYM_PSTAR) + 5.0;
	if (pa->mode_b)
	{
		int			s1,
					s2;

		double		ck = y->Cx - k,
					l1,
					l2;

		/* pairs of large, close arguments from their exact differences */
		if (a - 1.0 - k > 0.0)
		{
			l1 = -lgamma_shift(a - 1.0 - k, 1.0 + k);
			s1 = 1;
		}
		else
			l1 = lgamma_signed(a - 1.0 - k, &s1) - cl_lgamma(a);
		if (ck > 0.0)
		{
			l2 = lgamma_shift(ck, 1.0 + k);
			s2 = 1;
		}
		else
			l2 = cl_lgamma(a + bp) - lgamma_signed(ck, &s2);
		pa->lq = l1 + l2;
		pa->sq = s1 * s2;
		if (!isfinite(pa->lq))
			pa->mode_b = 0;
	}
	pa->ok = isfinite(pa->lbeta) && isfinite(pa->lg) && isfinite(pa->dlg)
		&& (pa->mode_a || pa->mode_b);
}

/* k ln(1 + p* τ/(1+b')): the part left out is e^-decay times modest factors */
static inline double
asym_decay(double k, double bp, double tau)
{
	return k_times(k, 0.0, log1p(ASYM_PSTAR * tau / (1.0 + bp)));
}

static int
asym_expected(const asym_pre *pa, const yterms *y, double tau, double *out)
{
	double		a = y->a,
				bp = y->bp,
				k = y->k,
				ep = 1.0 - a,
				lt,
				t,
				usum = 0.0,
				e,
				le,
				lrem;
	int			n,
				need_b = !pa->mode_a;

	if (!pa->ok || !(tau > 0.0) || !isfinite(tau))
		return 0;
	if (need_b && !(tau >= ASYM_B_MIN_TAU))
		return 0;
	lt = log(tau);
	/* U = Σ_{n>=1} t_n / (a-1): the terms without their common factor a - 1 */
	t = (1.0 - bp) / ((k - a) * tau);
	for (n = 1;; n++)
	{
		double		dn = (double) n,
					ratio;

		usum += t;
		if (t == 0.0 || fabs(t) <= 1e-17 * fabs(usum))
			break;
		if (n >= ASYM_MAX_TERMS)
			return 0;
		if (!(k - a - dn >= 1.0))
		{
			/* past the first pole: only the exact formula (mode b) */
			if (!pa->mode_b || !(tau >= ASYM_B_MIN_TAU))
				return 0;
			need_b = 1;
		}
		ratio = (1.0 - bp + dn) * (dn - ep) / ((dn + 1.0) * (k - a - dn) * tau);
		if (!(fabs(ratio) <= 0.5))
			return 0;
		t *= ratio;
	}
	if (!(fabs(ep * usum) <= 0.5))
		return 0;				/* F would not be a small correction to 1 */

	if (y->Cx > 0.0)
	{
		double		L,
					loss;

		if (ep == 0.0)
		{
			/* a = 1: the limit C L/ε' */
			L = pa->dlg + lt - usum;
			e = y->Cx * L;
			loss = (fabs(pa->dlg) + lt + fabs(usum)) / fabs(L);
		}
		else
		{
			double		l2 = ep * lt,
						l3 = log1p(-ep * usum);

			L = pa->lg + l2 + l3;
			e = y->Cx * (expm1(L) / ep);
			loss = (pa->err0 + fabs(l2) + fabs(l3)) / fabs(L);
		}
		if (!(loss <= MAX_CANCEL))
			return 0;
	}
	else
	{
		/* [R τ^ε' F + |C|] / ε', ε' >= b' > 0: no cancellation */
		double		lr = pa->lg + ep * lt + log1p(-ep * usum);

		if (lr > 700.0)
			return 0;
		e = (exp(lr) - y->Cx) / ep;
	}
	if (!isfinite(e) || !(e > 0.0))
		return 0;
	/* the part left out, relative to E = N / B(a, b') */
	le = log(e);
	lrem = pa->lrem0 - asym_decay(k, bp, tau) + log(2.0 + fabs(lt)) - pa->lbeta;
	if (need_b || !(lrem - le < -41.5))
	{
		/*
		 * The τ^-k series of the connection formula (the region p near 1):
		 * E -= τ^-k Q Σ_m u_m, u_0 = 1,
		 * u_(m+1)/u_m = -(k+m)(C-1-k-m) / ((m+1)(a-2-k-m) τ).
		 */
		double		u = 1.0,
					vsum = 0.0,
					s2,
					e2;
		int			m;

		if (!pa->mode_b || !(tau >= ASYM_B_MIN_TAU))
			return 0;
		for (m = 0;; m++)
		{
			double		dm = (double) m,
						ratio;

			vsum += u;
			if (u == 0.0 || fabs(u) <= 1e-17 * fabs(vsum))
				break;
			if (m >= ASYM_MAX_TERMS)
				return 0;
			ratio = -(k + dm) * (y->Cx - 1.0 - k - dm) / ((dm + 1.0) * (a - 2.0 - k - dm) * tau);
			if (!(fabs(ratio) <= 0.5))
				return 0;
			u *= ratio;
		}
		s2 = pa->sq * exp(pa->lq - k * lt) * vsum;
		e2 = e - s2;
		if (!isfinite(e2) || !(e2 > 0.0) || !((fabs(e) + fabs(s2)) <= MAX_CANCEL * e2))
			return 0;
		e = e2;
	}
	*out = e;
	return 1;
}

/*
 * The bounded quadrature of E[Y | alive] = E_p[G(p)], shared by every
 * horizon of a chunk.  In the logit u of p, p ~ Beta(a, b') has the log
 * density (up to a constant) ℓ(u) = a u - (a+b') ln(1 + e^u): a line of
 * slope a bending at u = 0 into one of slope -b', concave, with its only
 * singularities at ±iπ.  ln G(p(u)) is concave too, flat left of
 * u ≈ -ln(kτ) and of slope -1 right of it, with its nearest singularities
 * at imaginary distance >= π/2 near u = -ln τ and u = ln(2π/(kτ)).  So
 * both integrands, e^ℓ and e^ℓ G, are log-concave, and
 *   - 20-point Gauss-Legendre panels step out from the Beta mode on both
 *     sides; across each the logs change by at most LQ_DH_MAX, and the
 *     width is at most LQ_W0 or, farther from every bend, a share of the
 *     distance to the nearest one, so the rule is exact to rounding;
 *   - where every bend is more than 41 units (plus the log of the
 *     exponents) away, the rest of the side is an exponential of slope a
 *     (p -> 0) or -b' (p -> 1) with G constant to 1e-18, integrated in
 *     closed form;
 *   - a side ends when every integrand has fallen e^-41 below its sum and
 *     its rest, at most value / slope by concavity, is negligible.
 * E = Σ e^ℓ G / Σ e^ℓ over the same nodes and tails (B(a, b') is never
 * formed); every term is positive, so nothing cancels whatever a and b'.
 * ℓ is evaluated relative to the start point u_s as
 * a d - (a+b') ln(1 - σ + σ e^d), σ = p(u_s), which keeps its accuracy
 * when a and b' are huge.  The cost is a few panels for any parameters.
 */
static const double GL20_X[10] = {
	0.0765265211334973337546, 0.22778585114164507808, 0.373706088715419560673,
	0.510867001950827098004, 0.636053680726515025453, 0.746331906460150792614,
	0.839116971822218823395, 0.912234428251325905868, 0.963971927277913791268,
	0.993128599185094924786
};
static const double GL20_W[10] = {
	0.152753387130725850698, 0.149172986472603746788, 0.142096109318382051329,
	0.131688638449176626898, 0.118194531961518417312, 0.101930119817240435037,
	0.0832767415767047487248, 0.0626720483341090635695, 0.040601429800386941331,
	0.0176140071391521183119
};

#define QUAD_MAX_HORIZONS 16	/* a chunk of horizons (STEPS_CHUNK) */
#define LQ_DH			20.0
#define LQ_DH_MAX		32.0
#define LQ_W0			2.5
#define LQ_AHEAD		0.7		/* share of the distance to a bend ahead */
#define LQ_BEHIND		2.0		/* and to one behind */
#define LQ_DROP			41.0
#define LQ_MAX_PANELS	40		/* per side */
#define LQ_TAIL_E		1e-8	/* |c| e below this: the first-order tail is exact */

typedef struct lq
{
	double		a,
				n2,				/* a + b' */
				bp,
				us,				/* start point */
				ss,				/* p(u_s) */
				cs,				/* 1 - p(u_s) */
				k;
	const double *tau;
	int			m;
	double		bends[2 * QUAD_MAX_HORIZONS + 1];
	int			nb;
	/* first-order coefficients of the far tails (see lq_side) */
	double		cl[QUAD_MAX_HORIZONS],
				cr[QUAD_MAX_HORIZONS];
} lq;

/* ℓ(u_s + d) - ℓ(u_s) */
static inline double
lq_ell(const lq *q, double d)
{
	return q->a * d - q->n2 * cl_log_mix_exp(q->ss, q->cs, d);
}

/* G(p) = (1 - (1 + pτ)^-k)/p */
static inline double
lq_g(double k, double p, double tau)
{
	double		yv = p * tau;

	if (yv == 0.0)
		return k * tau;
	if (!isfinite(yv))
		return 1.0 / p;
	return -expm1(-k_times(k, 0.0, log1p(yv))) / p;
}

/*
 * Values at offset d: e^ℓ into *den and e^ℓ G_j into num[j] (relative to
 * the start point).
 */
static inline void
lq_point(const lq *q, double d, double *den, double *num)
{
	double		u = q->us + d,
				p = cl_logistic(u),
				e = exp(lq_ell(q, d));
	int			j;

	*den = e;
	for (j = 0; j < q->m; j++)
		num[j] = e * lq_g(q->k, p, q->tau[j]);
}

/* distance from u to the nearest bend */
static double
lq_bend_dist(const lq *q, double u, int dir, int *ahead)
{
	double		best = INFINITY;
	int			i;

	*ahead = 0;
	for (i = 0; i < q->nb; i++)
	{
		double		dd = q->bends[i] - u;

		if (fabs(dd) < best)
		{
			best = fabs(dd);
			*ahead = dd * dir > 0.0;
		}
	}
	return best;
}

/*
 * One side: adds ∫ e^ℓ and ∫ e^ℓ G_j from u_s outwards (dir = ±1) to
 * *den and num[].  Returns 1, 0 when the panel budget runs out, -1 when the
 * interrupt hook (polled every 16 panels) asked to stop.
 */
static int
lq_side(const lq *q, int dir, double lin_at, double *den, double *num)
{
	double		t = 0.0,
				w,
				v0,
				g0[QUAD_MAX_HORIZONS],
				sd = 0.0,
				sn[QUAD_MAX_HORIZONS];
	int			panel,
				j;

	/* the Beta's spread in u at the start: a panel of about 3 of them */
	w = 3.0 / sqrt(q->n2 * q->ss * q->cs);
	if (!(w > 0.0))
		w = LQ_W0;
	lq_point(q, 0.0, &v0, g0);
	for (j = 0; j < q->m; j++)
		sn[j] = 0.0;

	for (panel = 0; panel < LQ_MAX_PANELS; panel++)
	{
		double		u = q->us + dir * t,
					v1,
					g1[QUAD_MAX_HORIZONS],
					dist,
					mid,
					half,
					slope;
		int			ahead,
					i,
					tries,
					done;

		if ((panel & 15) == 15 && cl_interrupted())
			return -1;
		if (dir < 0 ? u <= lin_at : u >= lin_at)
		{
			/*
			 * Far from every bend: with e = e^u (p -> 0) or e^-u (p -> 1)
			 * below 1e-8 / |c|, each integrand is its value here times
			 * e^(rate (u - here)) (1 + c (e - e_here)) to 1e-16, rate = a
			 * resp. b', whose integral to the end is
			 * (1 - c e_here / (rate + 1)) / rate.
			 */
			double		rate = dir < 0 ? q->a : q->bp,
						e = exp(dir < 0 ? u : -u);

			sd += v0 / rate * (1.0 + q->n2 * e / (rate + 1.0));
			for (j = 0; j < q->m; j++)
				sn[j] += g0[j] / rate
					* (1.0 - (dir < 0 ? q->cl[j] : q->cr[j]) * e / (rate + 1.0));
			break;
		}
		dist = lq_bend_dist(q, u, dir, &ahead);
		{
			double		cap = fmax(LQ_W0, (ahead ? LQ_AHEAD : LQ_BEHIND) * dist);

			/*
			 * Right of ln(2π/(kτ)), (1 + pτ)^-k is about e^(-kpτ) on the
			 * axis and grows as fast off it beyond Im u = π/2: while it
			 * counts (k ln(1 + pτ) < 45, up to u = ln(45/(kτ))) the panel's
			 * ellipse must stay inside that strip.  Farther right G is
			 * exactly 1/p in doubles, which has no such growth.
			 */
			if (q->k >= 2.0)
				for (j = 0; j < q->m; j++)
				{
					double		lo = log(2.0 * M_PI) - log(q->k) - log(q->tau[j]) - LQ_W0,
								hi = fmin(log(45.0) - log(q->k), 0.0) - log(q->tau[j]) + LQ_W0,
								u2 = u + dir * cap;

					if (fmax(u, u2) > lo && fmin(u, u2) < hi)
						cap = fmin(cap, fmax(LQ_W0, dir > 0 ? lo - u : u - hi));
				}
			w = fmin(w, cap);
			/* grow or shrink until the logs change by LQ_DH .. LQ_DH_MAX */
			for (tries = 0; tries < 60; tries++)
			{
				double		ch;

				lq_point(q, dir * (t + w), &v1, g1);
				ch = fabs(log(v1) - log(v0));
				for (j = 0; j < q->m; j++)
					ch = fmax(ch, fabs(log(g1[j]) - log(g0[j])));
				if (!(ch <= LQ_DH_MAX) && w > 1e-300)
					w *= 0.5;
				else if (ch < 0.25 * LQ_DH && w < cap && tries < 8)
					w = fmin(cap, 2.0 * w);
				else
					break;
			}
		}
		mid = t + 0.5 * w;
		half = 0.5 * w;
		for (i = 0; i < 10; i++)
		{
			double		dv,
						gv[QUAD_MAX_HORIZONS],
						off = GL20_X[i] * half,
						wt = GL20_W[i] * half;
			int			sgn;

			for (sgn = -1; sgn <= 1; sgn += 2)
			{
				lq_point(q, dir * (mid + sgn * off), &dv, gv);
				sd += wt * dv;
				for (j = 0; j < q->m; j++)
					sn[j] += wt * gv[j];
			}
		}
		t += w;

		/* done when every integrand is falling and its rest is negligible */
		done = 1;
		slope = (log(v0) - log(v1)) / w;
		if (!(v1 <= exp(-LQ_DROP) * sd && slope > 0.0 && v1 / slope <= 1e-17 * sd))
			done = 0;
		for (j = 0; j < q->m && done; j++)
		{
			slope = (log(g0[j]) - log(g1[j])) / w;
			if (!(g1[j] <= exp(-LQ_DROP) * sn[j] && slope > 0.0
				  && g1[j] / slope <= 1e-17 * sn[j]))
				done = 0;
		}
		v0 = v1;
		for (j = 0; j < q->m; j++)
			g0[j] = g1[j];
		if (done)
			break;
		/* the next panel: twice as wide, then shrunk as needed */
		w = 2.0 * w;
	}
	if (panel == LQ_MAX_PANELS)
		return 0;
	*den += sd;
	for (j = 0; j < q->m; j++)
		num[j] += sn[j];
	return 1;
}

static cl_status
logit_quad(const yterms *y, const double *tau, int m, double *out)
{
	lq			q;
	double		den = 0.0,
				num[QUAD_MAX_HORIZONS],
				cmax,
				lin_left,
				lin_right,
				lk = log(y->k) + log1p(1.0 / y->k);	/* ln(k+1) */
	int			j;

	if (m > QUAD_MAX_HORIZONS)
		return CL_EINVAL;
	q.a = y->a;
	q.bp = y->bp;
	q.n2 = y->a + y->bp;
	q.k = y->k;
	q.tau = tau;
	q.m = m;
	q.us = log(y->a) - log(y->bp);
	q.ss = cl_logistic(q.us);
	q.cs = cl_logistic(-q.us);
	q.nb = 0;
	q.bends[q.nb++] = 0.0;
	for (j = 0; j < m; j++)
	{
		double		lnt = log(tau[j]);

		num[j] = 0.0;
		/* with k >= 45 e^(3 W0), G is 1/p in doubles around u = -ln τ */
		if (y->k < 45.0 * exp(3.0 * LQ_W0))
			q.bends[q.nb++] = -lnt;
		if (y->k >= 2.0)
			q.bends[q.nb++] = log(2.0 * M_PI) - log(y->k) - lnt;
	}
	/*
	 * The far tails' first-order terms: e^ℓ ≈ e^(a u) (1 - (a+b') e^u) and
	 * G ≈ kτ (1 - (k+1) τ p / 2) as p -> 0; e^ℓ ≈ e^(-b' u) (1 - (a+b') e^-u)
	 * and G ≈ G(1) (1 - γ q), γ = G'(1)/G(1) in [-1, 0], as q = 1 - p -> 0.
	 */
	cmax = 0.0;
	for (j = 0; j < m; j++)
	{
		double		L = log1p(tau[j]),
					E = exp(-k_times(y->k, 0.0, L)),
					gam = -1.0;

		if (isfinite(tau[j]) && E > 0.0)
			gam = y->k * tau[j] * E / (1.0 + tau[j]) / -expm1(-k_times(y->k, 0.0, L)) - 1.0;
		q.cl[j] = -q.n2 - 0.5 * exp(lk + log(tau[j]));
		q.cr[j] = -q.n2 - gam;
		cmax = fmax(cmax, -q.cl[j]);
	}
	lin_left = log(LQ_TAIL_E) - log(cmax);
	lin_right = -log(LQ_TAIL_E) + log(q.n2 + 1.0);
	if (lq_side(&q, -1, lin_left, &den, num) <= 0 || lq_side(&q, 1, lin_right, &den, num) <= 0)
		return CL_ENOCONVERGE;
	for (j = 0; j < m; j++)
	{
		out[j] = num[j] / den;
		if (!isfinite(out[j]) || !(out[j] >= 0.0))
			return CL_ENOCONVERGE;
	}
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
 * Every horizon first tries the expansion in 1/(kτ) (asym_expected), which
 * a one-log1p test keeps from costing anything where it cannot apply.
 * The shared sum runs where it is plainly safe: A > -1, so every term after
 * the first has the sign of the first and nothing cancels, and
 * z_j <= STEPS_MAX_Z, within STEPS_MAX_TERMS terms (a few microseconds).
 * Horizons it does not finish, or whose bracket would cancel beyond
 * MAX_CANCEL (the Euler form subtracts two values of size ~ (a+b')/(r+x)
 * times the result), go to the moment series, then to the logit quadrature,
 * whose cost is bounded for any parameters; expected_alive is the last
 * resort should the quadrature run out of panels (the tests never reach
 * it).  CL_ENOCONVERGE when none gives a full-accuracy value.
 *
 * A customer with x = 0 under a model with a + b <= 1 has C = a+b-1 in
 * (-1, 0]: the bracket's hypergeometric function then has a non-positive
 * third parameter, which the general path does not take.  Written with S
 * the bracket is -C (w^ε - 1)/ε - w^ε S, finite at C = 0; its two terms
 * have opposite signs (A = C - r < 0 makes S < 0), so the series gives it
 * where it converges within STEPS_MAX_TERMS terms and they cancel by at
 * most MAX_CANCEL; the quadrature covers the rest.  While n < -A the terms
 * of S alternate too: the sum of their absolute values counts in that loss
 * (without it r = 200, α = 1e-8, a = 1e-3, b = 1e-8 gave 4e52 for 1.9e6).
 */
#define STEPS_MAX_Z 0.95
#define STEPS_MAX_TERMS 600
#define STEPS_CHUNK 16

static double
em_eps(double eps, double lnw)
{
	/* (w^ε - 1)/ε, tending to ln w as ε -> 0 */
	return eps == 0.0 ? lnw : expm1(eps * lnw) / eps;
}

/* C/ε [1 - w^ε (1 + ε S/C)] from S, as expected_alive computes it */
static double
alive_from_s(double eps, double C, double lnw, double S, double *loss)
{
	double		t1,
				t2,
				v;

	if (C <= 0.0)
	{
		/*
		 * -C (w^ε - 1)/ε - w^ε S: (w^ε - 1)/ε < 0 and S < 0, so the two
		 * terms have opposite signs, and they nearly cancel when r+x is
		 * tiny (E ~ (r+x) τ against terms of size τ; the mpmath
		 * references showed 1e-7 at r = 1e-8, a = b = 1e-3)
		 */
		t1 = -C * em_eps(eps, lnw);
		t2 = -exp(eps * lnw) * S;
		v = t1 + t2;
		*loss = v == 0.0 ? INFINITY : fmax(fabs(t1), fabs(t2)) / fabs(v);
		return v;
	}
	if (fabs(eps) >= A_NEAR_ONE)
		return C / eps * neg_expm1_sum(eps * lnw, log1p(eps * (S / C)), loss);
	t1 = C * em_eps(eps, lnw) * (1.0 + eps * (S / C));
	t2 = S;
	v = -(t1 + t2);
	*loss = fmax(fabs(t1), fabs(t2)) / fabs(v);
	return v;
}

static void
s_series_steps(double A, double eps, double C, const double *z, int k,
			   long maxterms, double *S, double *Sabs, int *done)
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
		Sabs[j] = 0.0;
		done[j] = 0;
		bound[j] = z[j] / (1.0 - z[j]);
	}
	for (n = 1; n <= maxterms && lo < k; n++)
	{
		double		dn = (double) n;
		double		q = (A + dn) * (eps + dn) / ((C + dn) * (dn + 1.0));

		if (CL_POLL(n))
			return;				/* the unfinished horizons stay not done */
		for (j = lo; j < k; j++)
		{
			S[j] += g * pw[j];
			Sabs[j] += fabs(g * pw[j]);
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

/* alive × bracket, also where alive is below the double range */
static double
times_alive(double bracket, double lalive)
{
	if (bracket == 0.0)
		return 0.0;
	if (lalive > -600.0 && bracket < 1e300)
		return bracket * exp(lalive);
	return exp(lalive + log(bracket));
}

cl_status
cl_bgfam_expected_purchases_steps(int modified, const cl_bgnbd_params *p,
								  double step, int k, double x, double t_x,
								  double T, double *out)
{
	cl_status	st = check_customer(p, x, t_x, T);
	yterms		y;
	asym_pre	pa = {0};
	double		lalive,
				ldead;
	int			j0,
				pa_set = 0;

	if (st != CL_OK)
		return st;
	if (!isfinite(step))
		return CL_ENOTFINITE;
	if (step < 0.0 || k < 0)
		return CL_EINVAL;
	yterms_init(&y, modified, p, x);
	log_alive_dead(modified, p, x, t_x, T, &lalive, &ldead);

	for (j0 = 0; j0 < k; j0 += STEPS_CHUNK)
	{
		double		z[STEPS_CHUNK],
					lnw[STEPS_CHUNK],
					tau[STEPS_CHUNK],
					S[STEPS_CHUNK],
					Sabs[STEPS_CHUNK],
					e[STEPS_CHUNK],
					qtau[STEPS_CHUNK],
					qe[STEPS_CHUNK];
		int			done[STEPS_CHUNK],
					adone[STEPS_CHUNK],
					qidx[STEPS_CHUNK];
		int			m = k - j0 < STEPS_CHUNK ? k - j0 : STEPS_CHUNK,
					nb = 0,
					nq = 0,
					j;

		if (cl_interrupted())
			return CL_ENOCONVERGE;
		for (j = 0; j < m; j++)
		{
			double		t = (double) (j0 + j + 1) * step;

			if (!isfinite(t))
				return CL_ENOTFINITE;
			z[j] = ratio_over(t, p->alpha + T, t);
			lnw[j] = -log1p_over(t, p->alpha, T);
			tau[j] = ratio_over(t, p->alpha, T);
			/* long horizons first: the expansion in 1/τ where it holds */
			adone[j] = 0;
			if (isfinite(tau[j]) && asym_decay(y.k, y.bp, tau[j]) > ASYM_MIN_DECAY)
			{
				if (!pa_set)
				{
					asym_init(&pa, &y);
					pa_set = 1;
				}
				adone[j] = asym_expected(&pa, &y, tau[j], &e[j]);
			}
			if (t > 0.0 && !adone[j] && (y.C <= 0.0 || (y.A > -1.0 && z[j] <= STEPS_MAX_Z)))
				nb = j + 1;		/* the series runs over a prefix */
		}
		s_series_steps(y.A, y.eps, y.C, z, nb, STEPS_MAX_TERMS, S, Sabs, done);
		for (j = 0; j < m; j++)
		{
			double		t = (double) (j0 + j + 1) * step,
						loss = INFINITY;

			if (adone[j])
				continue;
			e[j] = NAN;
			if (t == 0.0 || tau[j] == 0.0)
			{
				/* τ below the double range: E ≈ kτ is, unless k is huge */
				if (t == 0.0 || y.k < 1e300)
				{
					e[j] = t == 0.0 ? 0.0 : y.k * tau[j];
					continue;
				}
			}
			if (y.k * tau[j] == 0.0)
			{
				/* E[Y | alive] <= kτ, below the smallest double: 0 is its rounding */
				e[j] = 0.0;
				continue;
			}
			if (lalive + log(y.k) + log(tau[j]) < -750.0)
			{
				/* E[Y | alive] <= kτ: the product is below the double range */
				e[j] = 0.0;
				continue;
			}
			if (j < nb && done[j])
			{
				double		v = alive_from_s(y.eps, y.C, lnw[j], S[j], &loss);

				/* the series' own cancellation (its terms alternate where A < -1) */
				if (Sabs[j] > 0.0)
					loss *= Sabs[j] / fabs(S[j]);
				if (isfinite(v) && v >= 0.0 && loss <= MAX_CANCEL)
				{
					e[j] = v;
					continue;
				}
			}
			if (moment_series(&y, tau[j], &e[j]))
				continue;
			qidx[nq] = j;
			qtau[nq++] = tau[j];
		}
		if (nq > 0)
		{
			st = logit_quad(&y, qtau, nq, qe);
			for (j = 0; j < nq; j++)
			{
				double		t = (double) (j0 + qidx[j] + 1) * step;
				cl_status	st2;

				if (st == CL_OK)
					e[qidx[j]] = qe[j];
				else if ((st2 = expected_alive(&y, p->alpha + T, t, H_SERIES_TERMS,
												&e[qidx[j]])) != CL_OK)
					return st2;
			}
		}
		for (j = 0; j < m; j++)
		{
			if (!isfinite(e[j]) || e[j] < 0.0)
				return CL_ERANGE;
			out[j0 + j] = times_alive(e[j], lalive);
			if (!isfinite(out[j0 + j]))
				return CL_ERANGE;
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

/*
 * P(no purchase in (T, T+h]) = 1 - P(alive) P(buy | alive)
 *   = P(dead) + P(alive) ((α+T)/(α+T+h))^(r+x):
 * the first form where P(alive) P(buy | alive) <= 1/2, the second, two
 * non-negative terms, where the first would cancel, so small values keep
 * their relative accuracy.
 */
cl_status
cl_bgfam_p_no_purchase(int modified, const cl_bgnbd_params *p, double h,
					   double x, double t_x, double T, double *out)
{
	cl_status	st = check_customer(p, x, t_x, T);
	double		lalive,
				ldead,
				lquiet,
				buy;

	if (st != CL_OK)
		return st;
	if (!isfinite(h))
		return CL_ENOTFINITE;
	if (h < 0.0)
		return CL_EINVAL;
	log_alive_dead(modified, p, x, t_x, T, &lalive, &ldead);
	lquiet = -k_times(p->r, x, log1p_over(h, p->alpha, T));
	buy = exp(lalive) * -expm1(lquiet);
	if (buy <= 0.5)
		*out = 1.0 - buy;		/* >= 1/2: no cancellation */
	else
		*out = exp(ldead) + exp(lalive + lquiet);
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
