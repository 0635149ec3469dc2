/*
 * pareto_nbd.c — Pareto/NBD likelihood with exact derivatives, fit and
 * scores.
 *
 * The likelihood's death term s I, I = ∫_{t_x}^{T} (α+y)^-(r+x) (β+y)^-(s+1) dy,
 * is the hard part.  Its published closed form (pareto_nbd.h) subtracts two
 * 2F1(r+s+x, s+1; r+s+x+1; z) terms whose parameters grow with x, at z up to
 * 1 - min(α,β)/max(α,β); the derivatives with respect to the parameters of a
 * 2F1 have no closed form at all.  The fit therefore integrates instead:
 * with φ(y) = -ln of the integrand relative to its value at t_x,
 *
 *   I = f(t_x) ∫_0^Φ e^-ξ dy/dξ dξ,       ξ = φ(y),  Φ = φ(T),
 *
 * which turns the integrand, however sharply it falls (like (α+y)^-10^6 at
 * x = 10^6), into e^-ξ times a slowly varying factor.  Gauss-Legendre
 * panels in ξ integrate that to rounding level, and the same nodes give the
 * integrals of ln(α+y) f, f/(α+y), ... that make up the exact gradient and
 * Hessian, so the optimiser sees one consistent function.  Everything is
 * kept as logarithms (one running scale), so nothing overflows at any x.
 *
 * Scores need no derivatives; they integrate the same death term in a
 * variable in which its log is a line with one bend (knee_integral), which
 * a few Gauss panels and closed-form exponential tails cover for any
 * parameters.  The published closed form is kept for the unit tests
 * (cl_pnbd_log_death_hyp).
 *
 * Derivatives are with respect to u = (ln r, ln α, ln s, ln β).
 */
#include <math.h>
#include <string.h>

#include "interrupt.h"
#include "pareto_nbd.h"
#include "specfun.h"

#define IR 0
#define IA 1
#define IS 2
#define IB 3

/* 10-point Gauss-Legendre rule on [-1, 1] (nodes ±GL_X, weights GL_W). */
static const double GL_X[5] = {
	0.148874338981631210885, 0.433395394129247190799, 0.679409568299024406234,
	0.865063366688984510732, 0.973906528517171720078
};
static const double GL_W[5] = {
	0.295524224714752870174, 0.269266719309996355091, 0.219086362515982043996,
	0.149451349150580593146, 0.0666713443086881375936
};

/*
 * Panels span at most QUAD_PANEL_XI in ξ (and, where the slowly varying
 * factor changes fast, at most QUAD_PANEL_XI / dξ/dv in v = ln(c+y)), so
 * that the log of the integrand changes by at most about 2 QUAD_PANEL_XI
 * within a panel.  The 10-point rule's error bound for e^(λt) on [0, 1],
 * λ^20 (10!)^4 / (21 (20!)^3), is 2e-15 at λ = 6; measured against mpmath
 * (unit tests) the likelihood is right to 1e-14 relative.  The tail after the
 * integrand has fallen below QUAD_TAIL of the sum is dropped.
 */
#define QUAD_PANEL_XI	3.0
#define QUAD_TAIL		1e-18
#define QUAD_MAX_PANELS	100000
#define NEWTON_MAX		100

cl_status
cl_pnbd_check_params(const cl_pnbd_params *p)
{
	if (!isfinite(p->r) || !isfinite(p->alpha) || !isfinite(p->s)
		|| !isfinite(p->beta))
		return CL_ENOTFINITE;
	if (!(p->r > 0.0) || !(p->alpha > 0.0) || !(p->s > 0.0) || !(p->beta > 0.0))
		return CL_EINVAL;
	return CL_OK;
}

/* ---- quadrature ---------------------------------------------------------- */

/*
 * The integral J = ∫_lo^hi (α+y)^-k (β+y)^-m dy (k, m > 0, 0 <= lo <= hi
 * finite) in the variable v = ln(c+y), c = min(α, β): then
 * ln(α+y) = ln(dα + e^v) and ln(β+y) = ln(dβ + e^v) with dα, dβ >= 0, both
 * convex in v, so φ(v) = k [ln(α+y) - ln(α+lo)] + m [ln(β+y) - ln(β+lo)]
 * is convex and increasing, and Newton's method started above the root
 * (from a tangent at a point below it) decreases monotonically to it.
 */
typedef struct quad
{
	double		k,
				m,
				dA,
				dB;
	double		la0,
				lb0;			/* ln(α+lo), ln(β+lo) */
} quad;

typedef void (*quad_node_fn) (void *ctx, double lnc, double la, double lb);

static inline double
ln_shift(double d, double v)
{
	/* ln(d + e^v) */
	return d == 0.0 ? v : v + log1p(d * exp(-v));
}

static inline void
phi_eval(const quad *q, double v, double *phi, double *dphi, double *la, double *lb)
{
	*la = ln_shift(q->dA, v);
	*lb = ln_shift(q->dB, v);
	*phi = q->k * (*la - q->la0) + q->m * (*lb - q->lb0);
	/* e^v/(d+e^v) = e^(v - ln(d+e^v)) */
	*dphi = q->k * exp(v - *la) + q->m * exp(v - *lb);
}

/*
 * v <= vmax with φ(v) = xi, starting from the tangent at a known point
 * (va, φ(va), φ'(va)): by convexity the tangent's root lies above the
 * solution, and Newton's method decreases monotonically from there.  The
 * closer the known point (the previous node), the fewer the steps.  Also
 * returns φ, φ', ln(α+y), ln(β+y) at the solution.
 */
static double
phi_invert(const quad *q, double xi, double va, double phia, double dphia, double vmax,
		   double *phi, double *dphi, double *la, double *lb)
{
	double		v = va + (xi - phia) / dphia;
	int			i;

	if (v > vmax)
		v = vmax;
	for (i = 0; i < NEWTON_MAX; i++)
	{
		double		step;

		phi_eval(q, v, phi, dphi, la, lb);
		step = (*phi - xi) / *dphi;
		if (!(step > 4e-16 * fmax(1.0, fabs(v))))
			break;				/* at the root, or a rounding-level overshoot */
		v -= step;
	}
	return v;
}

/*
 * Integrate; node() receives ln(weight × integrand) and ln(α+y), ln(β+y)
 * for every node.  *lnJ gets ln J (-INFINITY when lo = hi) and, if not
 * NULL, *lnJrel gets ln(J / integrand(lo)), which is not the difference of
 * two large numbers when k is large.
 */
static cl_status
quad_run(double k, double m, double alpha, double beta, double lo, double hi,
		 quad_node_fn node, void *ctx, double *lnJ, double *lnJrel)
{
	quad		q;
	double		c = fmin(alpha, beta);
	double		v_lo = log(c + lo),
				v_hi = log(c + hi);
	double		lnf0,
				Phi,
				phi,
				dphi,
				la,
				lb,
				rho;
	double		xa,
				va,
				dphia,
				vp,
				phip,
				dphip;
	double		lsum = -INFINITY;
	int			panel;

	q.k = k;
	q.m = m;
	q.dA = alpha - c;
	q.dB = beta - c;
	q.la0 = log(alpha + lo);
	q.lb0 = log(beta + lo);
	lnf0 = -k * q.la0 - m * q.lb0;
	*lnJ = -INFINITY;
	if (lnJrel != NULL)
		*lnJrel = -INFINITY;
	if (!(hi > lo))
		return CL_OK;
	phi_eval(&q, v_hi, &Phi, &dphi, &la, &lb);
	phi_eval(&q, v_lo, &phi, &dphia, &la, &lb);

	/*
	 * Along the way ln(dy/dξ) grows at most at rate 1/φ'(v) <= 1/φ'(v_lo)
	 * (φ is convex), so the integrand e^-ξ dy/dξ falls at rate
	 * rho >= 1 - 1/φ'(v_lo) everywhere: the tail after a node is at most
	 * its value / rho.
	 */
	rho = 1.0 - 1.0 / dphia;
	xa = 0.0;
	va = v_lo;
	for (panel = 0; panel < QUAD_MAX_PANELS; panel++)
	{
		double		width = QUAD_PANEL_XI * fmin(1.0, dphia);
		double		xb = xa + width,
					vb,
					mid,
					half,
					last = -INFINITY;
		int			i,
					last_panel = 0;

		if (xb >= Phi)
		{
			xb = Phi;
			last_panel = 1;
		}
		mid = 0.5 * (xa + xb);
		half = 0.5 * (xb - xa);
		vp = va;
		phip = xa;
		dphip = dphia;
		for (i = -5; i < 5; i++)
		{
			int			j = i < 0 ? -i - 1 : i;
			double		xi = mid + (i < 0 ? -GL_X[j] : GL_X[j]) * half;
			double		v = phi_invert(&q, xi, vp, phip, dphip, v_hi, &phi, &dphi, &la, &lb);
			double		lnc;

			vp = v;
			phip = phi;
			dphip = dphi;
			/* weight × e^-ξ × dy/dξ, dy/dξ = e^v/φ'(v); times f(lo) for node() */
			lnc = log(GL_W[j] * half) - xi + v - log(dphi);
			node(ctx, lnc + lnf0, la, lb);
			lsum = cl_logsumexp2(lsum, lnc);
			if (i == 4)
				last = lnc - log(GL_W[j] * half);
		}
		if (last_panel)
			break;
		vb = phi_invert(&q, xb, vp, phip, dphip, v_hi, &phi, &dphia, &la, &lb);
		xa = xb;
		va = vb;
		if (rho > 0.0 && last - log(rho) < lsum + log(QUAD_TAIL))
			break;
	}
	if (panel == QUAD_MAX_PANELS)
		return CL_ENOCONVERGE;
	*lnJ = lnf0 + lsum;
	if (lnJrel != NULL)
		*lnJrel = lsum;
	return CL_OK;
}

static void
node_ignore(void *ctx, double lnc, double la, double lb)
{
	(void) ctx;
	(void) lnc;
	(void) la;
	(void) lb;
}

/* ---- likelihood ---------------------------------------------------------- */

/*
 * Accumulator of Σ c_j, Σ c_j ∂ln c_j and Σ c_j (∂² ln c_j + ∂ln c_j ∂ln c_j')
 * over the components of B = E + s I, scaled by e^-scale; the scale moves up
 * (and the sums are rescaled) when a larger component arrives.
 */
typedef struct bsum
{
	const cl_pnbd_params *p;
	double		k;				/* r + x */
	int			deriv;
	double		scale;
	double		S,
				G[4],
				H[4][4];
} bsum;

static void
bsum_add(bsum *b, double lnc, const double *g, const double h[4][4])
{
	double		c;
	int			i,
				j;

	if (lnc > b->scale + 30.0 || b->scale == -INFINITY)
	{
		double		f = b->scale == -INFINITY ? 0.0 : exp(b->scale - lnc);

		b->S *= f;
		for (i = 0; i < 4; i++)
		{
			b->G[i] *= f;
			for (j = 0; j < 4; j++)
				b->H[i][j] *= f;
		}
		b->scale = lnc;
	}
	c = exp(lnc - b->scale);
	b->S += c;
	if (!b->deriv)
		return;
	for (i = 0; i < 4; i++)
	{
		b->G[i] += c * g[i];
		for (j = i; j < 4; j++)
			b->H[i][j] += c * (h[i][j] + g[i] * g[j]);
	}
}

/* A death-term node: c = s (α+y)^-k (β+y)^-(s+1) × weight */
static void
death_node(void *vctx, double lnc, double la, double lb)
{
	bsum	   *b = vctx;
	const cl_pnbd_params *p = b->p;
	double		g[4],
				h[4][4] = {{0}};
	double		qa,
				qb;

	if (!b->deriv)
	{
		bsum_add(b, lnc + log(p->s), NULL, NULL);
		return;
	}
	qa = p->alpha * exp(-la);
	qb = p->beta * exp(-lb);
	g[IR] = -p->r * la;
	g[IA] = -b->k * qa;
	g[IS] = 1.0 - p->s * lb;
	g[IB] = -(p->s + 1.0) * qb;
	h[IR][IR] = -p->r * la;
	h[IR][IA] = -p->r * qa;
	h[IA][IA] = -b->k * qa * (1.0 - qa);
	h[IS][IS] = -p->s * lb;
	h[IS][IB] = -p->s * qb;
	h[IB][IB] = -(p->s + 1.0) * qb * (1.0 - qb);
	bsum_add(b, lnc + log(p->s), g, h);
}

/*
 * ln B = ln(E + s I) of one customer and, if deriv, its u-gradient and
 * Hessian (upper triangle), into g and h.
 */
static cl_status
log_b(const cl_pnbd_params *p, double x, double t_x, double T, int deriv,
	  double *lnB, double *g, double h[4][4])
{
	bsum		b;
	double		k = p->r + x;
	double		laT = log(p->alpha + T),
				lbT = log(p->beta + T);
	double		gE[4],
				hE[4][4] = {{0}};
	double		lnJ;
	cl_status	st;
	int			i,
				j;

	memset(&b, 0, sizeof(b));
	b.p = p;
	b.k = k;
	b.deriv = deriv;
	b.scale = -INFINITY;
	if (deriv)
	{
		double		qa = p->alpha / (p->alpha + T),
					qb = p->beta / (p->beta + T);

		gE[IR] = -p->r * laT;
		gE[IA] = -k * qa;
		gE[IS] = -p->s * lbT;
		gE[IB] = -p->s * qb;
		hE[IR][IR] = -p->r * laT;
		hE[IR][IA] = -p->r * qa;
		hE[IA][IA] = -k * qa * (1.0 - qa);
		hE[IS][IS] = -p->s * lbT;
		hE[IS][IB] = -p->s * qb;
		hE[IB][IB] = -p->s * qb * (1.0 - qb);
	}
	bsum_add(&b, -k * laT - p->s * lbT, gE, hE);
	st = quad_run(k, p->s + 1.0, p->alpha, p->beta, x > 0.0 ? t_x : 0.0, T,
				  death_node, &b, &lnJ, NULL);
	if (st != CL_OK)
		return st;
	*lnB = b.scale + log(b.S);
	if (deriv)
	{
		for (i = 0; i < 4; i++)
			g[i] = b.G[i] / b.S;
		for (i = 0; i < 4; i++)
			for (j = i; j < 4; j++)
				h[i][j] = b.H[i][j] / b.S - g[i] * g[j];
	}
	return CL_OK;
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

typedef struct accum
{
	double		ll,
				w,
				g[4],
				h[4][4];
} accum;

/*
 * One evaluation costs about 10 us per cell, seconds for hundreds of
 * thousands of distinct cells, so the fit's interrupt callback is also
 * polled every EVAL_POLL_CELLS cells, not only once per iteration.
 */
#define EVAL_POLL_CELLS 4096

/*
 * Weighted sums over unchecked cells; ψ terms are cached per run of equal x.
 * A nonzero return of interrupt (may be NULL) stops with CL_ENOCONVERGE.
 */
static cl_status
pnbd_eval(const cl_pnbd_params *p, const cl_btyd_cell *cells, size_t n,
		  int deriv, const cl_fit_options *opt, accum *acc)
{
	double		lnr_pre = 0.0,
				dr = 0.0,
				hr = 0.0,
				xprev = -1.0;
	double		psi_r = deriv ? cl_digamma(p->r) : 0.0,
				tri_r = deriv ? cl_trigamma(p->r) : 0.0;
	double		lna = log(p->alpha),
				lnb = log(p->beta);
	size_t		c;
	int			i,
				j;

	memset(acc, 0, sizeof(*acc));
	for (c = 0; c < n; c++)
	{
		const cl_btyd_cell *cell = &cells[c];
		double		w = cell->weight,
					lnB,
					g[4],
					h[4][4];
		cl_status	st;

		if (w == 0.0)
			continue;
		if (opt != NULL && opt->interrupt != NULL && c % EVAL_POLL_CELLS == EVAL_POLL_CELLS - 1
			&& opt->interrupt(opt->interrupt_ctx))
			return CL_ENOCONVERGE;
		if (cell->x != xprev)
		{
			xprev = cell->x;
			lnr_pre = cell->x > 0.0 ? cl_lgamma_ratio(p->r + cell->x, p->r) : 0.0;
			if (deriv && cell->x > 0.0)
			{
				double		d = cl_digamma(p->r + cell->x) - psi_r;

				dr = p->r * d;
				hr = p->r * d + p->r * p->r * (cl_trigamma(p->r + cell->x) - tri_r);
			}
			else
				dr = hr = 0.0;
		}
		st = log_b(p, cell->x, cell->t_x, cell->T, deriv, &lnB, g, h);
		if (st != CL_OK)
			return st;
		acc->w += w;
		acc->ll += w * (lnr_pre + lnB);
		if (deriv)
		{
			acc->g[IR] += w * dr;
			acc->h[IR][IR] += w * hr;
			for (i = 0; i < 4; i++)
			{
				acc->g[i] += w * g[i];
				for (j = i; j < 4; j++)
					acc->h[i][j] += w * h[i][j];
			}
		}
	}
	/* r ln α + s ln β, for every customer */
	acc->ll += acc->w * (p->r * lna + p->s * lnb);
	acc->g[IR] += acc->w * p->r * lna;
	acc->g[IA] += acc->w * p->r;
	acc->g[IS] += acc->w * p->s * lnb;
	acc->g[IB] += acc->w * p->s;
	acc->h[IR][IR] += acc->w * p->r * lna;
	acc->h[IR][IA] += acc->w * p->r;
	acc->h[IS][IS] += acc->w * p->s * lnb;
	acc->h[IS][IB] += acc->w * p->s;
	return CL_OK;
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

cl_status
cl_pnbd_loglik_total(const cl_pnbd_params *p, const cl_btyd_cell *cells,
					 size_t n, double *ll, double *grad, double *hess)
{
	accum		acc;
	cl_status	st;

	if ((st = cl_pnbd_check_params(p)) != CL_OK
		|| (st = check_cells(cells, n)) != CL_OK)
		return st;
	if ((st = pnbd_eval(p, cells, n, grad != NULL || hess != NULL, NULL, &acc)) != CL_OK)
		return st;
	if (!isfinite(acc.ll))
		return CL_ERANGE;
	*ll = acc.ll;
	copy_derivs(&acc, grad, hess, 1.0);
	return CL_OK;
}

cl_status
cl_pnbd_loglik(const cl_pnbd_params *p, double x, double t_x, double T,
			   double *out)
{
	cl_btyd_cell c = {x, x == 0.0 ? 0.0 : t_x, T, 1.0};

	return cl_pnbd_loglik_total(p, &c, 1, out, NULL, NULL);
}

/* ---- scores -------------------------------------------------------------- */

static cl_status
check_customer(const cl_pnbd_params *p, double x, double t_x, double T)
{
	cl_status	st = cl_pnbd_check_params(p);

	return st != CL_OK ? st : cl_btyd_check(x, t_x, T);
}

cl_status
cl_pnbd_log_death_quad(const cl_pnbd_params *p, double x, double t_x,
					   double T, double *out)
{
	cl_status	st = check_customer(p, x, t_x, T);
	double		lnJ;

	if (st != CL_OK)
		return st;
	st = quad_run(p->r + x, p->s + 1.0, p->alpha, p->beta, x > 0.0 ? t_x : 0.0,
				  T, node_ignore, NULL, &lnJ, NULL);
	if (st != CL_OK)
		return st;
	*out = log(p->s) + lnJ;
	return CL_OK;
}

/*
 * ln of one closed-form term 2F1(M, b2; M+1; z(y)) / (c0+y)^M with
 * M = r+s+x, z(y) = |α-β|/(c0+y), c0 = max(α, β); b2 = s+1 when α >= β,
 * r+x when α < β.  1 - z = (min+y)/(c0+y) is passed exactly.
 */
static cl_status
hyp_term(const cl_pnbd_params *p, double x, double y, double *out)
{
	double		M = p->r + p->s + x;
	double		c0 = fmax(p->alpha, p->beta),
				c1 = fmin(p->alpha, p->beta);
	double		b2 = p->alpha >= p->beta ? p->s + 1.0 : p->r + x;
	double		lf;
	int			sg;
	cl_status	st;

	st = cl_log_hyp2f1_zw(M, b2, M + 1.0, (c0 - c1) / (c0 + y), (c1 + y) / (c0 + y),
						  &lf, &sg);
	if (st != CL_OK)
		return st;
	if (sg < 0)
		return CL_ERANGE;		/* every term of the series is positive */
	*out = lf - M * log(c0 + y);
	return CL_OK;
}

/* s I lost more than this factor to cancellation: use the quadrature */
#define HYP_MAX_CANCEL 1e6

cl_status
cl_pnbd_log_death_hyp(const cl_pnbd_params *p, double x, double t_x, double T,
					  double *out)
{
	cl_status	st = check_customer(p, x, t_x, T);
	double		l1,
				l2,
				ld;
	int			sg;

	if (st != CL_OK)
		return st;
	if (x == 0.0)
		t_x = 0.0;
	if (t_x == T)
	{
		*out = -INFINITY;
		return CL_OK;
	}
	if ((st = hyp_term(p, x, t_x, &l1)) != CL_OK
		|| (st = hyp_term(p, x, T, &l2)) != CL_OK)
		return st;
	/* s I = s/M (term(t_x) - term(T)) */
	cl_logsumexp_signed(l1, 1, l2, -1, &ld, &sg);
	if (sg < 0 || !isfinite(ld) || ld < l1 - log(HYP_MAX_CANCEL))
		return CL_ENOCONVERGE;
	*out = log(p->s) - log(p->r + p->s + x) + ld;
	return CL_OK;
}

/* ln(u + v) for u, v >= 0, u + v > 0, also where u + v overflows */
static double
log_sum_pos(double u, double v)
{
	double		hi = fmax(u, v),
				lo = fmin(u, v);

	return log(hi) + log1p(lo / hi);
}

/*
 * The scores' integral
 *   J = ∫_0^L (1 + w/a)^-ka (1 + w/b)^-kb dw,   ka, kb > 0, ka + kb > 1,
 * (the death term relative to its integrand at t_x, and the purchase
 * integrals of P(no purchase)) in the variable v = ln(1 + w/c), c = min(a, b).
 * With n1 the exponent of the nearer scale c, n2 that of the other one and
 * γ = c/max(a, b) the log-integrand is
 *   h(v) = (1 - n1) v - n2 ln(1 - γ + γ e^v),
 * concave, linear with slope 1 - n1 left of the knee v_s = ln((1-γ)/γ) and
 * with slope 1 - n1 - n2 right of it; its only singularities are at
 * v_s ± iπ.  So J = c ∫_0^V e^h dv, V = ln(1 + L/c), is a log-concave
 * integral with one mode (in closed form) and one bend:
 *   - from the mode outwards on each side, 20-point Gauss-Legendre panels
 *     across which h falls by at most 2 KNEE_DH and whose width is at most
 *     KNEE_W0 or, farther from the knee, a fixed share of the distance to
 *     it, so the rule is exact to rounding (error below 1e-18 for e^(λt),
 *     λ <= 20, on a panel; the singularities stay outside the panel's
 *     Bernstein ellipse of ratio > 3);
 *   - where the knee's influence n2 e^-|v - v_s| is below 1e-18 the rest of
 *     the side is an exponential, integrated in closed form;
 *   - a side ends when its rest, at most e^h / |h'| by concavity, is below
 *     1e-17 of the sum.
 * h is evaluated relative to the mode as (1 - n1) d - n2 ln(1 - σ + σ e^d),
 * σ the logistic of the mode's distance to the knee, so nothing of size
 * n1 v or n2 v cancels.  The cost is a few panels whatever the parameters
 * (at most KNEE_MAX_PANELS, which the callers' tests never reach).  The
 * interrupt hook is polled every 16 panels.
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

#define KNEE_DH			20.0
#define KNEE_DH_MAX		32.0
#define KNEE_W0			4.0
#define KNEE_MAX_PANELS	64
#define KNEE_DROP		41.0	/* e^-41 = 1.6e-18 */

typedef struct knee
{
	double		p1,				/* 1 - n1, exact */
				n2,
				lam,			/* n1 + n2 - 1 > 0, exact */
				em,				/* mode - v_s */
				sm,				/* σ at the mode */
				cm;				/* 1 - σ at the mode */
} knee;

/* h(mode + d) - h(mode) */
static inline double
knee_h(const knee *q, double d)
{
	return q->p1 * d - q->n2 * cl_log_mix_exp(q->sm, q->cm, d);
}

/* ∫_0^x e^-λt dt, λ >= 0 */
static double
lin_int(double lam, double x)
{
	double		u = lam * x;

	if (u == 0.0)
		return x;
	return -expm1(-u) / lam;
}

/*
 * ∫ e^(h(mode + dir t) - h(mode)) dt over t in [0, len], dir = ±1, the
 * integrand falling away from the mode.  Returns NAN when the panel budget
 * runs out.
 */
static double
knee_side(const knee *q, int dir, double len)
{
	double		thr = KNEE_DROP + log(fmax(q->n2, 1.0));
	double		sum = 0.0,
				t = 0.0,
				ht = 0.0;
	int			panel;

	for (panel = 0; t < len; panel++)
	{
		double		e = q->em + dir * t,	/* distance to the knee */
					sig,
					slope,
					curv,
					w,
					hn,
					mid,
					half;
		int			i;

		if (panel == KNEE_MAX_PANELS)
			return NAN;
		if ((panel & 15) == 15 && cl_interrupted())
			return -INFINITY;
		if (dir > 0 ? e > thr : e < -thr)
		{
			/* beyond the knee's reach: an exponential to the end */
			sum += exp(ht) * lin_int(dir > 0 ? q->lam : q->p1, len - t);
			break;
		}
		sig = cl_logistic(e);
		slope = fabs(q->p1 - q->n2 * sig);
		curv = q->n2 * sig * cl_logistic(-e);
		w = len - t;
		/* the knee ahead: stay within half the distance; behind: the distance */
		w = fmin(w, fmax(KNEE_W0, (dir * e < 0.0 ? 0.5 : 1.0) * fabs(e)));
		/* h falls by KNEE_DH if its slope and curvature stayed as here */
		w = fmin(w, 2.0 * KNEE_DH / (slope + sqrt(slope * slope + 2.0 * curv * KNEE_DH)));
		for (;;)
		{
			hn = knee_h(q, dir * (t + w));
			if (ht - hn <= KNEE_DH_MAX || !(w > 1e-300))
				break;
			w *= 0.5;
		}
		mid = t + 0.5 * w;
		half = 0.5 * w;
		for (i = 0; i < 10; i++)
		{
			double		off = GL20_X[i] * half;

			sum += GL20_W[i] * half * (exp(knee_h(q, dir * (mid - off)))
									   + exp(knee_h(q, dir * (mid + off))));
		}
		t += w;
		ht = hn;
		if (ht < log(sum) - KNEE_DROP)
		{
			/* the rest is at most e^h / |h'| (h is concave) */
			double		e2 = q->em + dir * t,
						s2 = fabs(q->p1 - q->n2 * cl_logistic(e2));

			if (s2 > 0.0 && exp(ht) / s2 <= 1e-17 * sum)
				break;
		}
	}
	return sum;
}

/*
 * ln J as above; ka1 = 1 - ka, kb1 = 1 - kb and lam = ka + kb - 1 exact
 * from the caller (ka = s + 1 would lose a tiny s).  Returns 1, 0 when the
 * panel budget runs out, -1 when the interrupt hook asked to stop.
 */
static int
knee_integral(double ka, double ka1, double kb, double kb1, double lam,
			  double a, double b, double L, double *lnJ)
{
	knee		q;
	double		c = fmin(a, b),
				big = fmax(a, b),
				gam = c / big,
				omg = (big - c) / big,
				qL = L / c,
				V = isfinite(qL) ? log1p(qL) : log(L) - log(c),
				vs,
				vm,
				hm,
				sum;

	if (!(L > 0.0))
	{
		*lnJ = -INFINITY;
		return 1;
	}
	q.n2 = a <= b ? kb : ka;
	q.p1 = a <= b ? ka1 : kb1;
	q.lam = lam;

	if (omg == 0.0)
	{
		/* a = b: h = -λ v exactly */
		*lnJ = log(c) + log(lin_int(lam, V));
		return 1;
	}
	vs = log(omg) - log(gam);

	/* the mode: h'(v) = 1 - n1 - n2 σ(v - v_s) = 0 */
	if (q.p1 - q.n2 * gam <= 0.0)
	{
		vm = 0.0;
		q.sm = gam;
		q.cm = omg;
	}
	else if (q.p1 - q.n2 * cl_logistic(V - vs) >= 0.0)
	{
		vm = V;
		q.sm = cl_logistic(V - vs);
		q.cm = cl_logistic(vs - V);
	}
	else
	{
		/* σ = (1 - n1)/n2: e^(v - v_s) = (1 - n1)/(n1 + n2 - 1) */
		vm = vs + log(q.p1) - log(lam);
		if (vm < 0.0)
			vm = 0.0;
		if (vm > V)
			vm = V;
		q.sm = cl_logistic(vm - vs);
		q.cm = cl_logistic(vs - vm);
	}
	q.em = vm - vs;

	/* h(mode) - h(0), h(0) = 0 */
	if (vm == 0.0)
		hm = 0.0;
	else if (vm > 1.0)
		hm = q.p1 * vm - q.n2 * (vm + log(gam + omg * exp(-vm)));
	else
		hm = q.p1 * vm - q.n2 * log1p(gam * expm1(vm));

	sum = 0.0;
	if (vm > 0.0)
		sum += knee_side(&q, -1, vm);
	if (vm < V)
		sum += knee_side(&q, 1, V - vm);
	if (sum == -INFINITY)
		return -1;				/* interrupted */
	if (!(sum > 0.0) || !isfinite(sum))
		return 0;
	*lnJ = log(c) + hm + log(sum);
	return 1;
}

/* r + x + s, the small ones first */
static double
k_plus_s(double r, double x, double s)
{
	return (r + s) + x;
}

/*
 * ln(J/f(lo)) = ln ∫_lo^T ((α+lo)/(α+y))^k ((β+lo)/(β+y))^m dy; km1 = 1-k,
 * mm1 = 1-m and lam = k+m-1 exact.  The fit's quadrature is a fallback
 * that the tests never reach.
 */
static cl_status
rel_integral(double k, double km1, double m, double mm1, double lam,
			 double alpha, double beta, double lo, double hi, double *lnJrel)
{
	double		lnJ;
	cl_status	st;

	int			ok = knee_integral(k, km1, m, mm1, lam, alpha + lo, beta + lo, hi - lo, lnJrel);

	if (ok != 0)
		return ok > 0 ? CL_OK : CL_ENOCONVERGE;
	st = quad_run(k, m, alpha, beta, lo, hi, node_ignore, NULL, &lnJ, lnJrel);
	if (st == CL_OK && isnan(*lnJrel))
		return CL_ENOCONVERGE;	/* a range of y below the resolution of ln(c+y) */
	return st;
}

/*
 * ln P(alive) and ln P(dead) = ln of E/(E + sI) and sI/(E + sI), from
 * D = ln sI - ln E, ln E = -(r+x) ln(α+T) - s ln(β+T).  r+x and α+T are not
 * formed (either may overflow), and t_x = T (no time to die unseen) is
 * alive exactly, so D is never NaN.
 */
static cl_status
log_alive_dead(const cl_pnbd_params *p, double x, double t_x, double T,
			   double *lalive, double *ldead)
{
	double		D,
				lnJrel,
				k = p->r + x,
				lo = x > 0.0 ? t_x : 0.0;
	cl_status	st;

	if (lo == T)
	{
		*lalive = 0.0;
		*ldead = -INFINITY;
		return CL_OK;
	}
	/*
	 * ln sI and ln E are each of size (r+x) ln(α+T) + s ln(β+T), so their
	 * difference would keep only ~1e-16 of that in absolute accuracy (and
	 * the closed form's two 2F1 terms cancel completely when T - t_x is
	 * tiny).  Relative to the integrand at lo,
	 *   ln sI - ln E = ln s + ln(J/f(lo)) + (r+x) ln((α+T)/(α+lo))
	 *                  + s ln((β+T)/(β+lo)) - ln(β+lo)
	 * from terms that are all accurate, and J/f(lo) costs a few Gauss
	 * panels for any parameters (knee_integral).
	 */
	if (!isfinite(k + 1.0) || !isfinite(p->alpha + T) || !isfinite(p->beta + T))
		return CL_ERANGE;
	if ((st = rel_integral(k, 1.0 - k, p->s + 1.0, -p->s, k_plus_s(p->r, x, p->s),
						   p->alpha, p->beta, lo, T, &lnJrel)) != CL_OK)
		return st;
	D = log(p->s) + lnJrel + k * log1p((T - lo) / (p->alpha + lo))
		+ p->s * log1p((T - lo) / (p->beta + lo)) - log(p->beta + lo);
	if (isnan(D))
		return CL_ENOCONVERGE;
	*lalive = -cl_log1pexp(D);
	*ldead = -cl_log1pexp(-D);
	return CL_OK;
}

static cl_status
alive_prob(const cl_pnbd_params *p, double x, double t_x, double T, double *out)
{
	double		la,
				ld;
	cl_status	st = log_alive_dead(p, x, t_x, T, &la, &ld);

	if (st == CL_OK)
		*out = exp(la);
	return st;
}

cl_status
cl_pnbd_p_alive(const cl_pnbd_params *p, double x, double t_x, double T,
				double *out)
{
	cl_status	st = check_customer(p, x, t_x, T);

	return st != CL_OK ? st : alive_prob(p, x, t_x, T, out);
}

cl_status
cl_pnbd_p_dead(const cl_pnbd_params *p, double x, double t_x, double T,
			   double *out)
{
	cl_status	st = check_customer(p, x, t_x, T);
	double		la,
				ld;

	if (st == CL_OK)
		st = log_alive_dead(p, x, t_x, T, &la, &ld);
	if (st == CL_OK)
		*out = exp(ld);
	return st;
}

/*
 * E[Y(t)] = P(alive) (r+x)(β+T)/(α+T) [1 - w^(s-1)]/(s-1),
 * w = (β+T)/(β+T+t): directly where every factor is a plain double, in
 * logs where r+x, α+T, β+T or the bracket leave the double range.
 */
static double
expected_value(const cl_pnbd_params *p, double t, double x, double T,
			   double lalive)
{
	double		sm1 = p->s - 1.0;
	double		aT = p->alpha + T,
				bT = p->beta + T,
				k = p->r + x;
	double		q = t / bT,
				mlnw = isfinite(q) ? log1p(q) : log(t) - log(bT),
				lb = cl_log_pow_bracket(sm1, mlnw),
				v;

	if (lb == -INFINITY)
		return 0.0;
	if (isfinite(aT) && isfinite(bT) && isfinite(k) && lb < 600.0 && lalive > -600.0)
	{
		v = exp(lalive) * (k / aT * bT * exp(lb));
		if (isfinite(v) && v > 1e-290)
			return v;
	}
	return exp(lalive + log_sum_pos(p->r, x) + log_sum_pos(p->beta, T)
			   - log_sum_pos(p->alpha, T) + lb);
}

cl_status
cl_pnbd_expected_purchases_steps(const cl_pnbd_params *p, double step, int k,
								 double x, double t_x, double T, double *out)
{
	cl_status	st = check_customer(p, x, t_x, T);
	double		lalive,
				ldead;
	int			j;

	if (st != CL_OK)
		return st;
	if (!isfinite(step))
		return CL_ENOTFINITE;
	if (step < 0.0 || k < 0)
		return CL_EINVAL;
	if ((st = log_alive_dead(p, x, t_x, T, &lalive, &ldead)) != CL_OK)
		return st;
	for (j = 0; j < k; j++)
	{
		double		t = (double) (j + 1) * step;

		if (!isfinite(t))
			return CL_ENOTFINITE;
		out[j] = expected_value(p, t, x, T, lalive);
		if (!isfinite(out[j]) || out[j] < 0.0)
			return CL_ERANGE;
	}
	return CL_OK;
}

cl_status
cl_pnbd_expected_purchases(const cl_pnbd_params *p, double t, double x,
						   double t_x, double T, double *out)
{
	return cl_pnbd_expected_purchases_steps(p, t, 1, x, t_x, T, out);
}

cl_status
cl_pnbd_expected_purchases_new(const cl_pnbd_params *p, double t, double *out)
{
	/* observed for no time: alive with the prior, x = t_x = T = 0 */
	return cl_pnbd_expected_purchases(p, t, 0.0, 0.0, 0.0, out);
}

/*
 * P(no purchase in (T, T+h]) = 1 - P(alive) P(buy | alive) where that
 * product is at most 1/2, else P(dead) + P(alive) (1 - P(buy | alive)).
 * Where P(buy | alive) > 1/2, 1 - P(buy | alive) would cancel; it is then
 * the probability of no purchase before min(h, death):
 *   ((α+T)/(α+T+h))^k ((β+T)/(β+T+h))^s
 *   + s/(β+T) ∫_0^h ((α+T)/(α+T+τ))^k ((β+T)/(β+T+τ))^(s+1) dτ,
 * two non-negative terms, so a small result keeps its relative accuracy.
 */
cl_status
cl_pnbd_p_no_purchase(const cl_pnbd_params *p, double h, double x,
					  double t_x, double T, double *out)
{
	cl_status	st = check_customer(p, x, t_x, T);
	double		lalive,
				ldead,
				lnJrel,
				buy,
				quiet,
				k = p->r + x,
				aT = p->alpha + T,
				bT = p->beta + T;

	if (st != CL_OK)
		return st;
	if (!isfinite(h))
		return CL_ENOTFINITE;
	if (h < 0.0)
		return CL_EINVAL;
	if ((st = log_alive_dead(p, x, t_x, T, &lalive, &ldead)) != CL_OK)
		return st;
	if (h == 0.0 || lalive == -INFINITY)
	{
		*out = 1.0 - (h == 0.0 ? 0.0 : exp(lalive));
		return CL_OK;
	}
	if (!isfinite(k + 1.0) || !isfinite(aT + h) || !isfinite(bT + h))
		return CL_ERANGE;

	/*
	 * P(buy | alive) = k (α+T)^k (β+T)^s ∫_0^h (α+T+τ)^-(k+1) (β+T+τ)^-s dτ,
	 * the same kind of integral as the likelihood's, shifted by T.
	 */
	if ((st = rel_integral(k + 1.0, -k, p->s, 1.0 - p->s, k_plus_s(p->r, x, p->s),
							 aT, bT, 0.0, h, &lnJrel)) != CL_OK)
		return st;
	/* the prefactor times the integrand at τ = 0 is k/(α+T) */
	buy = exp(log(k) - log(aT) + lnJrel);
	if (buy <= 0.5)
		quiet = 1.0 - buy;
	else
	{
		if ((st = rel_integral(k, 1.0 - k, p->s + 1.0, -p->s, k_plus_s(p->r, x, p->s),
								 aT, bT, 0.0, h, &lnJrel)) != CL_OK)
			return st;
		quiet = exp(-k * log1p(h / aT) - p->s * log1p(h / bT))
			+ exp(log(p->s) - log(bT) + lnJrel);
	}
	if (!isfinite(quiet) || quiet < 0.0 || isnan(lalive))
		return CL_ENOCONVERGE;
	if (exp(lalive) * buy <= 0.5)
		*out = 1.0 - exp(lalive) * buy;	/* >= 1/2: no cancellation */
	else
		*out = exp(ldead) + exp(lalive) * quiet;
	if (*out > 1.0)
		*out = 1.0;				/* rounding of terms that add up to at most 1 */
	return CL_OK;
}

/* ---- fit ----------------------------------------------------------------- */

/*
 * u = (ln r, ln(α/scale), ln s, ln(β/scale)) with scale the mean age, so
 * that every coordinate is unit-free (see cl_bgnbd_fit).
 */
typedef struct fit_ctx
{
	const cl_btyd_cell *cells;
	size_t		n;
	double		w;
	double		lnscale;
	const cl_fit_options *opt;	/* for the interrupt callback; may be NULL */
	int			interrupted;
} fit_ctx;

static cl_pnbd_params
params_of(const fit_ctx *ctx, const double *u)
{
	cl_pnbd_params p = {exp(u[IR]), exp(u[IA] + ctx->lnscale), exp(u[IS]),
	exp(u[IB] + ctx->lnscale)};

	return p;
}

static cl_status
fit_objective(void *vctx, const double *u, double *f, double *g, double *h)
{
	fit_ctx    *ctx = vctx;
	cl_pnbd_params p = params_of(ctx, u);
	accum		acc;
	cl_status	st;
	int			i;

	if (cl_pnbd_check_params(&p) != CL_OK)
		return CL_ERANGE;
	if (ctx->interrupted)
		return CL_ERANGE;		/* rejected at once: the optimiser gives up */
	if ((st = pnbd_eval(&p, ctx->cells, ctx->n, 1, ctx->opt, &acc)) != CL_OK)
	{
		if (st == CL_ENOCONVERGE)
			ctx->interrupted = 1;
		return CL_ERANGE;
	}
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

cl_status
cl_pnbd_fit(const cl_btyd_cell *cells, size_t n, const cl_fit_options *opt,
			cl_fit_result *res)
{
	fit_ctx		ctx = {cells, n, 0.0, 0.0, opt, 0};
	double		wx = 0.0,
				wT = 0.0,
				u[4],
				f = NAN;
	cl_pnbd_params p;
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
	if (!(ctx.w > 0.0) || !(wx > 0.0) || !(wT > 0.0))
		return CL_EDEGENERATE;

	/*
	 * Start: r = 1 with α matching the mean purchase rate Σx/ΣT; s = 1 and
	 * β = the mean age, a median lifetime of the order of the observation
	 * window.  Only the scale of α and β matters to the damped Newton method.
	 */
	ctx.lnscale = log(wT / ctx.w);
	u[IR] = 0.0;
	u[IA] = log(wT / wx) - ctx.lnscale;
	u[IS] = 0.0;
	u[IB] = 0.0;

	st = cl_minimize(fit_objective, &ctx, 4, u, opt, &f,
					 &res->iterations, &res->converged);
	if (ctx.interrupted)
	{
		/* stopped inside an evaluation (possibly the first: then f is NaN) */
		st = CL_ENOCONVERGE;
		res->converged = 0;
	}
	if (st != CL_OK && st != CL_ENOCONVERGE && st != CL_EDEGENERATE)
		return st;
	p = params_of(&ctx, u);
	res->params[IR] = p.r;
	res->params[IA] = p.alpha;
	res->params[IS] = p.s;
	res->params[IB] = p.beta;
	res->ll = -f * ctx.w;
	if (st == CL_OK && cl_fit_at_boundary(u, 4))
		return CL_EDEGENERATE;
	return st;
}
