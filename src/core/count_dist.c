/*
 * count_dist.c — conditional distribution of the number of future
 * purchases (count_dist.h has the formulas).
 *
 * Every model and limit reduces to one description (cdm): the purchase
 * counts of an immortal customer, N(u) ~ NBD(r', α') or Poisson(λ u), and
 * how the customer may leave: after a purchase (Beta-distributed or fixed
 * p) or at an exponential time (Gamma-distributed or fixed rate μ).  The
 * PMF is filled in chunks of CHUNK counts, so that the work space is a
 * fixed array on the stack and the interval search can stop early.
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "btyd_limits.h"
#include "count_dist.h"
#include "interrupt.h"
#include "specfun.h"

#define CHUNK 64
#define MAXTERMS 100000
#define CF_EPS 1e-16
#define CF_TINY 1e-300

/* quadrature: GL_N points per panel, panel count doubled up to QUAD_MAX_PANELS */
#define GL_N 16
#define QUAD_MAX_PANELS 16384
#define QUAD_RTOL 1e-12
#define QUAD_ATOL 1e-17

typedef enum drop_kind
{
	DROP_NONE,					/* nobody leaves */
	DROP_BETA,					/* after each purchase, p ~ Beta(da, db) */
	DROP_P,						/* after each purchase, fixed p */
	DROP_GAMMA_LIFE,			/* exponential lifetime, μ ~ Gamma(da, db) */
	DROP_EXP_LIFE				/* exponential lifetime, fixed μ = p */
} drop_kind;

typedef struct cdm
{
	int			nb;				/* NBD counts (else Poisson) */
	double		rp,				/* NBD: r + x */
				ap,				/* NBD: α + T */
				lam;			/* Poisson: λ */
	drop_kind	drop;
	double		da,
				db,
				p;
	double		h;
	/* NBD at h: ln z and ln(1-z), z = h/(α'+h); Poisson: ln(λh) */
	double		lz,
				l1z,
				llh;
} cdm;

/* ---- incomplete beta and gamma ------------------------------------------- */

static double
guard(double v)
{
	return fabs(v) < CF_TINY ? CF_TINY : v;
}

/* continued fraction of I_x(a, b) (modified Lentz) */
static cl_status
beta_cf(double a, double b, double x, double *out)
{
	double		qab = a + b,
				qap = a + 1.0,
				qam = a - 1.0,
				c = 1.0,
				d = 1.0 / guard(1.0 - qab * x / qap),
				h = d;
	int			m;

	for (m = 1; m <= MAXTERMS; m++)
	{
		double		m2 = 2.0 * m,
					aa,
					del;

		aa = m * (b - m) * x / ((qam + m2) * (a + m2));
		d = 1.0 / guard(1.0 + aa * d);
		c = guard(1.0 + aa / c);
		h *= d * c;
		aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
		d = 1.0 / guard(1.0 + aa * d);
		c = guard(1.0 + aa / c);
		del = d * c;
		h *= del;
		if (fabs(del - 1.0) < CF_EPS)
		{
			*out = h;
			return CL_OK;
		}
		if (CL_POLL(m))
			return CL_ENOCONVERGE;
	}
	return CL_ENOCONVERGE;
}

cl_status
cl_ibeta(double a, double b, double x, double y, double *out)
{
	double		lnfront,
				cf;
	cl_status	st;

	if (!isfinite(a) || !isfinite(b) || isnan(x) || isnan(y))
		return CL_ENOTFINITE;
	if (!(a > 0.0) || !(b > 0.0) || x < 0.0 || y < 0.0)
		return CL_EINVAL;
	if (x == 0.0)
	{
		*out = 0.0;
		return CL_OK;
	}
	if (y == 0.0)
	{
		*out = 1.0;
		return CL_OK;
	}
	lnfront = a * log(x) + b * log(y) - cl_lbeta(a, b);
	if (x < (a + 1.0) / (a + b + 2.0))
	{
		if ((st = beta_cf(a, b, x, &cf)) != CL_OK)
			return st;
		*out = exp(lnfront + log(cf / a));
	}
	else
	{
		if ((st = beta_cf(b, a, y, &cf)) != CL_OK)
			return st;
		*out = 1.0 - exp(lnfront + log(cf / b));
	}
	if (*out < 0.0)
		*out = 0.0;
	if (*out > 1.0)
		*out = 1.0;
	return CL_OK;
}

cl_status
cl_gammainc_lower(double a, double x, double *out)
{
	double		lnfront;
	int			i;

	if (!isfinite(a) || isnan(x))
		return CL_ENOTFINITE;
	if (!(a > 0.0) || x < 0.0)
		return CL_EINVAL;
	if (x == 0.0)
	{
		*out = 0.0;
		return CL_OK;
	}
	if (x == INFINITY)
	{
		*out = 1.0;
		return CL_OK;
	}
	lnfront = -x + a * log(x) - cl_lgamma(a);
	if (x < a + 1.0)
	{
		/* P = e^-x x^a / Γ(a+1) Σ_n x^n / ((a+1)...(a+n)) */
		double		sum = 1.0 / a,
					del = sum,
					ap = a;

		for (i = 1; i <= MAXTERMS; i++)
		{
			ap += 1.0;
			del *= x / ap;
			sum += del;
			if (fabs(del) < fabs(sum) * CF_EPS)
			{
				*out = exp(lnfront + log(sum));
				return CL_OK;
			}
			if (CL_POLL(i))
				return CL_ENOCONVERGE;
		}
		return CL_ENOCONVERGE;
	}
	else
	{
		/* Q = e^-x x^a / Γ(a) × Legendre's continued fraction; P = 1 - Q >= ~1/2 */
		double		b = x + 1.0 - a,
					c = 1.0 / CF_TINY,
					d = 1.0 / b,
					hh = d;

		for (i = 1; i <= MAXTERMS; i++)
		{
			double		an = -i * (i - a),
						del;

			b += 2.0;
			d = 1.0 / guard(an * d + b);
			c = guard(b + an / c);
			del = d * c;
			hh *= del;
			if (fabs(del - 1.0) < CF_EPS)
			{
				*out = 1.0 - exp(lnfront + log(hh));
				if (*out < 0.0)
					*out = 0.0;
				return CL_OK;
			}
			if (CL_POLL(i))
				return CL_ENOCONVERGE;
		}
		return CL_ENOCONVERGE;
	}
}

/* ---- the model description ----------------------------------------------- */

/*
 * Fill d from the model and the customer.  Parameters were checked by the
 * P(alive) call that precedes this.
 */
static cl_status
cdm_init(cdm *d, const cl_btyd_model *m, double h, double x, double T)
{
	int			base = CL_BTYD_BASE(m->family),
				flags = CL_BTYD_LIMIT(m->family),
				i = 0;
	double		xb = x + (base == CL_BTYD_MBGNBD ? 1.0 : 0.0);

	memset(d, 0, sizeof(*d));
	d->h = h;
	if (flags & CL_LIMIT_HOMOGENEOUS_RATE)
	{
		d->nb = 0;
		d->lam = m->p[i++];
	}
	else
	{
		d->nb = 1;
		d->rp = m->p[0] + x;
		d->ap = m->p[1] + T;
		i = 2;
	}
	if (flags & CL_LIMIT_NO_DROPOUT)
		d->drop = DROP_NONE;
	else if (flags & CL_LIMIT_HOMOGENEOUS_DROPOUT)
	{
		d->drop = base == CL_BTYD_PARETO_NBD ? DROP_EXP_LIFE : DROP_P;
		d->p = m->p[i];
	}
	else if (base == CL_BTYD_PARETO_NBD)
	{
		d->drop = DROP_GAMMA_LIFE;
		d->da = m->p[i];
		d->db = m->p[i + 1] + T;
	}
	else
	{
		d->drop = DROP_BETA;
		d->da = m->p[i];
		d->db = m->p[i + 1] + xb;
	}
	if (d->nb)
	{
		if (!isfinite(d->rp) || !isfinite(d->ap + h))
			return CL_ERANGE;
		d->lz = log(h) - log(d->ap + h);
		d->l1z = -log1p(h / d->ap);
	}
	else
		d->llh = log(d->lam * h);
	if (d->drop == DROP_GAMMA_LIFE && !isfinite(d->db + h))
		return CL_ERANGE;
	return CL_OK;
}

/* ln P(N(h) = k) */
static double
cdm_lpmf(const cdm *d, double k)
{
	if (d->nb)
		return cl_lgamma_ratio(d->rp + k, d->rp) - cl_lgamma(k + 1.0)
			+ d->rp * d->l1z + (k > 0.0 ? k * d->lz : 0.0);
	return (k > 0.0 ? k * d->llh : 0.0) - d->lam * d->h - cl_lgamma(k + 1.0);
}

/* P(N(h) >= j), j >= 1 */
static cl_status
cdm_sf(const cdm *d, double j, double *out)
{
	if (d->nb)
		return cl_ibeta(j, d->rp, exp(d->lz), exp(d->l1z), out);
	return cl_gammainc_lower(j, d->lam * d->h, out);
}

/* ln D(k) = ln E[(1-p)^k] for the per-purchase dropouts */
static double
cdm_ldrop(const cdm *d, double k)
{
	if (k == 0.0)
		return 0.0;
	switch (d->drop)
	{
		case DROP_BETA:
			/* B(a, b'+k)/B(a, b') */
			return cl_lgamma_ratio(d->db + k, d->db)
				- cl_lgamma_ratio(d->da + d->db + k, d->da + d->db);
		case DROP_P:
			return d->p >= 1.0 ? -INFINITY : k * log1p(-d->p);
		default:
			return 0.0;
	}
}

/* ln E[p (1-p)^(k-1)], k >= 1 */
static double
cdm_ldrop_at(const cdm *d, double k)
{
	switch (d->drop)
	{
		case DROP_BETA:
			return cdm_ldrop(d, k - 1.0) + log(d->da / (d->da + d->db + k - 1.0));
		case DROP_P:
			return log(d->p) + cdm_ldrop(d, k - 1.0);
		default:
			return -INFINITY;
	}
}

/* ---- BG/NBD family (per-purchase dropout, or none): closed forms -------- */

static cl_status
purchase_chunk(const cdm *d, int k0, int n, double *out)
{
	double		sf;
	int			i;
	cl_status	st;

	/* P(N >= k) for k = k0+n-1 .. k0, summed backwards from P(N >= k0+n) */
	if ((st = cdm_sf(d, (double) (k0 + n), &sf)) != CL_OK)
		return st;
	for (i = n - 1; i >= 0; i--)
	{
		double		k = (double) (k0 + i),
					pk = exp(cdm_lpmf(d, k));

		out[i] = exp(cdm_ldrop(d, k)) * pk;
		sf += pk;				/* now P(N >= k) */
		if (k > 0.0)
			out[i] += exp(cdm_ldrop_at(d, k)) * fmin(sf, 1.0);
	}
	return CL_OK;
}

/* ---- Pareto/NBD family (exponential lifetime): quadrature ---------------- */

static void
gl_nodes(double xs[GL_N], double ws[GL_N])
{
	int			i,
				j,
				it;

	for (i = 0; i < GL_N / 2; i++)
	{
		double		z = cos(M_PI * (i + 0.75) / (GL_N + 0.5)),
					pp = 1.0;

		for (it = 0; it < 100; it++)
		{
			double		p1 = 1.0,
						p2 = 0.0,
						z1;

			for (j = 1; j <= GL_N; j++)
			{
				double		p3 = p2;

				p2 = p1;
				p1 = ((2.0 * j - 1.0) * z * p2 - (j - 1.0) * p3) / j;
			}
			pp = GL_N * (z * p1 - p2) / (z * z - 1.0);
			z1 = z;
			z = z1 - p1 / pp;
			if (fabs(z - z1) < 1e-16)
				break;
		}
		xs[i] = -z;
		xs[GL_N - 1 - i] = z;
		ws[i] = ws[GL_N - 1 - i] = 2.0 / ((1.0 - z * z) * pp * pp);
	}
}

/* ln L(u) and ln ℓ(u) of the remaining lifetime */
static void
life_at(const cdm *d, double u, double *lL, double *ll)
{
	if (d->drop == DROP_GAMMA_LIFE)
	{
		double		l1 = log1p(u / d->db);

		*lL = -d->da * l1;
		*ll = log(d->da / d->db) - (d->da + 1.0) * l1;
	}
	else
	{
		*lL = -d->p * u;
		*ll = log(d->p) - d->p * u;
	}
}

/*
 * Integration variable: z = u/(α'+u) on [0, z_h] for NBD counts (the
 * count's density in z is a Beta kernel), u itself on [0, h] for Poisson.
 * Fills u and the log Jacobian du/dz at the point.
 */
static double
quad_end(const cdm *d)
{
	return d->nb ? exp(d->lz) : d->h;
}

static void
quad_point(const cdm *d, double v, double *u, double *lj, double *lv, double *l1v)
{
	if (d->nb)
	{
		double		w = 1.0 - v;

		*u = d->ap * v / w;
		*lj = log(d->ap) - 2.0 * log(w);
		*lv = log(v);
		*l1v = log(w);
	}
	else
	{
		*u = v;
		*lj = 0.0;
		*lv = log(v);
		*l1v = 0.0;
	}
}

/*
 * mode 0: out[i] = ∫ ℓ(u) P(N(u) = k0+i) du, i < n;
 * mode 1: out[0] = ∫ f_{k0+1}(u) L(u) du (the tail beyond k0).
 * Over [lo, hi] of the integration variable, with npanel equal panels.
 */
static cl_status
quad_eval(const cdm *d, int mode, int k0, int n, double lo, double hi,
		  int npanel, double *out)
{
	double		xs[GL_N],
				ws[GL_N],
				step[CHUNK],
				lstep[CHUNK],
				width = (hi - lo) / npanel,
				k0d = (double) k0,
				lc0;
	int			pnl,
				g,
				i;

	gl_nodes(xs, ws);
	for (i = 0; i < n; i++)
	{
		double		k = k0d + i;

		out[i] = 0.0;
		/* from count k to k+1: × (r'+k)/(k+1) z, or × λ/(k+1) u */
		step[i] = d->nb ? (d->rp + k) / (k + 1.0) : d->lam / (k + 1.0);
		lstep[i] = log(step[i]);
	}
	/* the k0-dependent constant of the count's density */
	if (mode == 0)
		lc0 = d->nb ? cl_lgamma_ratio(d->rp + k0d, d->rp) - cl_lgamma(k0d + 1.0)
			: -cl_lgamma(k0d + 1.0) + k0d * log(d->lam);
	else
		lc0 = d->nb ? -cl_lbeta(k0d + 1.0, d->rp)
			: (k0d + 1.0) * log(d->lam) - cl_lgamma(k0d + 1.0);

	for (pnl = 0; pnl < npanel; pnl++)
	{
		double		mid = lo + (pnl + 0.5) * width;

		if (CL_POLL(pnl))
			return CL_ENOCONVERGE;
		for (g = 0; g < GL_N; g++)
		{
			double		v = mid + 0.5 * width * xs[g],
						lw = log(0.5 * width * ws[g]),
						u,
						lj,
						lv,
						l1v,
						lL,
						ll,
						lt;

			quad_point(d, v, &u, &lj, &lv, &l1v);
			life_at(d, u, &lL, &ll);
			if (mode == 1)
			{
				/* Beta(k0+1, r') density in z, or Gamma(k0+1, λ) in u */
				lt = d->nb ? lc0 + k0d * lv + (d->rp - 1.0) * l1v
					: lc0 + k0d * lv - d->lam * u;
				out[0] += exp(lw + lt + lL);
				continue;
			}
			/* P(N(u) = k) = C_k z^k (1-z)^r' or (λu)^k e^-λu / k! */
			lt = d->nb ? lc0 + k0d * lv + d->rp * l1v
				: lc0 + k0d * lv - d->lam * u;
			lt += lw + lj + ll;

			/*
			 * Along k the terms are products of the step factors; they are
			 * multiplied while the term is a normal number and followed in
			 * log space while it is below 1e-250 (it may still grow).
			 */
			{
				double		val = 0.0,
							vfac = d->nb ? v : u;
				int			in_log = 1;

				for (i = 0; i < n; i++)
				{
					if (in_log)
					{
						val = exp(lt);
						in_log = !(val > 1e-250);
					}
					out[i] += val;
					if (in_log)
						lt += lstep[i] + lv;
					else
						val *= step[i] * vfac;
				}
			}
		}
	}
	return CL_OK;
}

/*
 * ln of the count's kernel in the integration variable v, up to a constant:
 * mode 0 z^k (1-z)^(r'-2) (the Jacobian du/dz included) or (λu)^k e^-λu;
 * mode 1 the density of the (k+1)-th purchase time, z^k (1-z)^(r'-1) or
 * u^k e^-λu.
 */
static double
kern(const cdm *d, int mode, double k, double v)
{
	double		lk = k > 0.0 ? k * log(v) : 0.0;

	if (d->nb)
		return lk + (d->rp - (mode == 0 ? 2.0 : 1.0)) * log1p(-v);
	return lk - d->lam * v;
}

/* the kernel's maximum on [0, end] */
static double
kern_mode(const cdm *d, int mode, double k, double end)
{
	double		v;

	if (d->nb)
	{
		double		c = d->rp - (mode == 0 ? 2.0 : 1.0);

		if (c <= 0.0)
			return end;			/* increasing (or flat) towards z = 1 */
		v = k / (k + c);
	}
	else
		v = k / d->lam;
	return v < end ? v : end;
}

/*
 * Where the kernel has fallen by drop from its maximum at m, searching
 * [m, end] (dir > 0) or [0, m] (dir < 0) by bisection; the end of the
 * range when the kernel never falls that far.
 */
static double
kern_edge(const cdm *d, int mode, double k, double m, double end, double drop,
		  int dir)
{
	double		target = kern(d, mode, k, m) - drop,
				a = m,
				b = dir > 0 ? end : 0.0;
	int			it;

	if (dir > 0 ? m >= end || kern(d, mode, k, end) >= target
		: m <= 0.0 || (k == 0.0 && kern(d, mode, k, 0.0) >= target))
		return b;
	for (it = 0; it < 80; it++)
	{
		double		c = 0.5 * (a + b);

		if (kern(d, mode, k, c) >= target)
			a = c;
		else
			b = c;
	}
	return b;
}

/*
 * The part of the integration range that matters for counts k_first ..
 * k_last: left of the first count's kernel, or right of the last one's,
 * the kernel is e^-60 below its peak, times the most the lifetime factor
 * (ℓ or L) can vary over the horizon.  For a customer with many purchases
 * the kernels are narrow and the window a small part of the range.
 */
static void
quad_window(const cdm *d, int mode, double k_first, double k_last,
			double *lo, double *hi)
{
	double		end = quad_end(d),
				drop = 60.0;

	if (d->drop == DROP_GAMMA_LIFE)
		drop += (d->da + 1.0) * log1p(d->h / d->db);
	else
		drop += d->p * d->h;
	*lo = kern_edge(d, mode, k_first, kern_mode(d, mode, k_first, end), end, drop, -1);
	*hi = kern_edge(d, mode, k_last, kern_mode(d, mode, k_last, end), end, drop, 1);
}

/* a first panel count that resolves the narrowest count density of the chunk */
static int
quad_min_panels(const cdm *d, int k0, int n, double range)
{
	double		sd = INFINITY;
	int			e,
				np = 4;

	for (e = 0; e < 2; e++)
	{
		double		k = (double) (e == 0 ? k0 : k0 + n - 1),
					s;

		if (d->nb)
		{
			double		a = k + 1.0,
						b = d->rp + 1.0;

			s = sqrt(a * b / ((a + b + 1.0))) / (a + b);
		}
		else
			s = sqrt(k + 1.0) / d->lam;
		sd = fmin(sd, s);
	}
	while (np < QUAD_MAX_PANELS && range / np > 2.0 * sd)
		np *= 2;
	return np;
}

/* quad_eval with panel doubling until two results agree */
static cl_status
quad_converged(const cdm *d, int mode, int k0, int n, double *out)
{
	double		prev[CHUNK],
				lo,
				hi;
	int			np,
				i;
	cl_status	st;

	quad_window(d, mode, (double) k0, (double) (mode == 0 ? k0 + n - 1 : k0), &lo, &hi);
	if (!(hi > lo))
	{
		/* nothing of the kernels inside the horizon */
		for (i = 0; i < n; i++)
			out[i] = 0.0;
		return CL_OK;
	}
	np = mode == 0 ? quad_min_panels(d, k0, n, hi - lo) : quad_min_panels(d, k0 + 1, 1, hi - lo);
	if ((st = quad_eval(d, mode, k0, n, lo, hi, np, prev)) != CL_OK)
		return st;
	while (np < QUAD_MAX_PANELS)
	{
		int			ok = 1;

		np *= 2;
		if ((st = quad_eval(d, mode, k0, n, lo, hi, np, out)) != CL_OK)
			return st;
		for (i = 0; i < (mode == 0 ? n : 1); i++)
			if (!(fabs(out[i] - prev[i]) <= QUAD_RTOL * fabs(out[i]) + QUAD_ATOL))
				ok = 0;
		if (ok)
			return CL_OK;
		memcpy(prev, out, sizeof(double) * (mode == 0 ? n : 1));
	}
	return CL_ENOCONVERGE;
}

static cl_status
lifetime_chunk(const cdm *d, int k0, int n, double *out)
{
	double		lL,
				ll;
	int			i;
	cl_status	st;

	if ((st = quad_converged(d, 0, k0, n, out)) != CL_OK)
		return st;
	life_at(d, d->h, &lL, &ll);
	for (i = 0; i < n; i++)
		out[i] += exp(lL + cdm_lpmf(d, (double) (k0 + i)));
	return CL_OK;
}

/* ---- P(alive) × the alive part ------------------------------------------- */

static int
is_lifetime(const cdm *d)
{
	return d->drop == DROP_GAMMA_LIFE || d->drop == DROP_EXP_LIFE;
}

/* P(X = k | alive) for k = k0 .. k0+n-1, n <= CHUNK */
static cl_status
alive_chunk(const cdm *d, int k0, int n, double *out)
{
	int			i;

	if (d->h == 0.0)
	{
		for (i = 0; i < n; i++)
			out[i] = k0 + i == 0 ? 1.0 : 0.0;
		return CL_OK;
	}
	return is_lifetime(d) ? lifetime_chunk(d, k0, n, out) : purchase_chunk(d, k0, n, out);
}

/* P(X > k | alive) */
static cl_status
alive_tail(const cdm *d, int k, double *out)
{
	cl_status	st;
	double		sf;

	if (d->h == 0.0)
	{
		*out = 0.0;
		return CL_OK;
	}
	if (is_lifetime(d))
		return quad_converged(d, 1, k, 1, out);
	if ((st = cdm_sf(d, (double) k + 1.0, &sf)) != CL_OK)
		return st;
	*out = exp(cdm_ldrop(d, (double) k)) * sf;
	return CL_OK;
}

typedef struct cd_state
{
	cdm			d;
	double		alive,			/* P(alive at T) */
				p0;				/* P(X = 0), as cl_btyd_p_no_purchase */
} cd_state;

static cl_status
cd_setup(cd_state *s, const cl_btyd_model *m, double h, double x, double t_x,
		 double T)
{
	cl_status	st;

	if (!isfinite(h))
		return CL_ENOTFINITE;
	if (h < 0.0)
		return CL_EINVAL;
	if ((st = cl_btyd_p_alive(m, x, t_x, T, &s->alive)) != CL_OK
		|| (st = cl_btyd_p_no_purchase(m, h, x, t_x, T, &s->p0)) != CL_OK)
		return st;
	return cdm_init(&s->d, m, h, x, T);
}

/* P(X = k) for k = k0 .. k0+n-1 */
static cl_status
cd_chunk(const cd_state *s, int k0, int n, double *out)
{
	cl_status	st;
	int			i;

	if ((st = alive_chunk(&s->d, k0, n, out)) != CL_OK)
		return st;
	for (i = 0; i < n; i++)
		out[i] *= s->alive;
	if (k0 == 0)
		out[0] = s->p0;
	for (i = 0; i < n; i++)
		if (!(out[i] >= 0.0) || !isfinite(out[i]))
			return CL_ENOCONVERGE;
	return CL_OK;
}

cl_status
cl_count_pmf(const cl_btyd_model *m, double h, double x, double t_x, double T,
			 int kmax, double *pmf, double *tail)
{
	cd_state	s;
	cl_status	st;
	int			k0;

	if (kmax < 0)
		return CL_EINVAL;
	if (kmax > CL_COUNT_MAX_K)
		return CL_ESIZE;
	if ((st = cd_setup(&s, m, h, x, t_x, T)) != CL_OK)
		return st;
	for (k0 = 0; k0 <= kmax; k0 += CHUNK)
	{
		int			n = kmax - k0 + 1 < CHUNK ? kmax - k0 + 1 : CHUNK;

		if (cl_interrupted())
			return CL_ENOCONVERGE;
		if (k0 > 0 && pmf[k0 - 1] < 1e-200)
		{
			double		rest;

			/*
			 * Every P(X = k), k >= k0, is at most P(X > k0 - 1 | alive): once
			 * that is below 1e-300, the rest of the PMF is 0 to within that
			 * and is not computed.  (Asked only when the last term was tiny.)
			 */
			if ((st = alive_tail(&s.d, k0 - 1, &rest)) != CL_OK)
				return st;
			if (rest < 1e-300)
			{
				memset(pmf + k0, 0, sizeof(double) * (size_t) (kmax - k0 + 1));
				break;
			}
		}
		if ((st = cd_chunk(&s, k0, n, pmf + k0)) != CL_OK)
			return st;
	}
	if (tail != NULL)
	{
		if ((st = alive_tail(&s.d, kmax, tail)) != CL_OK)
			return st;
		*tail *= s.alive;
	}
	return CL_OK;
}

cl_status
cl_count_interval(const cl_btyd_model *m, double h, double x, double t_x,
				  double T, double level, int *k_low, int *k_high)
{
	cd_state	s;
	double		buf[CHUNK],
				cdf = 0.0,
				lo_target,
				hi_target;
	int			k0,
				have_low = 0;
	cl_status	st;

	if (!isfinite(level))
		return CL_ENOTFINITE;
	if (!(level > 0.0 && level <= CL_COUNT_MAX_LEVEL))
		return CL_EINVAL;
	if ((st = cd_setup(&s, m, h, x, t_x, T)) != CL_OK)
		return st;
	lo_target = 0.5 * (1.0 - level) - 1e-14;
	hi_target = 0.5 * (1.0 + level) - 1e-14;
	for (k0 = 0; k0 <= CL_COUNT_MAX_K; k0 += CHUNK)
	{
		int			n = CL_COUNT_MAX_K - k0 + 1 < CHUNK ? CL_COUNT_MAX_K - k0 + 1 : CHUNK,
					i;

		if (cl_interrupted())
			return CL_ENOCONVERGE;
		if ((st = cd_chunk(&s, k0, n, buf)) != CL_OK)
			return st;
		for (i = 0; i < n; i++)
		{
			cdf += buf[i];
			if (!have_low && cdf >= lo_target)
			{
				*k_low = k0 + i;
				have_low = 1;
			}
			if (cdf >= hi_target)
			{
				*k_high = k0 + i;
				return CL_OK;
			}
		}
	}
	return CL_ESIZE;
}
