/*
 * uncertainty.c — parameter covariance from the fits' exact derivatives,
 * and delta-method intervals for the scores (see uncertainty.h).
 */
#include <math.h>
#include <string.h>

#include "bgnbd.h"
#include "btyd_limits.h"
#include "clv.h"
#include "mbgnbd.h"
#include "pareto_nbd.h"
#include "uncertainty.h"

#define K CL_COV_MAXPARAM

static void
cov_set_nan(cl_cov_result *out)
{
	int			i;

	for (i = 0; i < K; i++)
		out->se[i] = NAN;
	for (i = 0; i < CL_COV_PACKED; i++)
		out->cov[i] = NAN;
}

/*
 * Eigen-decomposition of the symmetric k x k matrix a (destroyed) by cyclic
 * Jacobi rotations: eigenvalues in ev[], eigenvectors in the columns of v.
 * For k <= 4 a handful of sweeps reaches rounding level.
 */
static void
jacobi_eigen(int k, double a[K][K], double ev[K], double v[K][K])
{
	int			sweep,
				p,
				q,
				i;

	for (p = 0; p < k; p++)
		for (q = 0; q < k; q++)
			v[p][q] = p == q ? 1.0 : 0.0;
	for (sweep = 0; sweep < 50; sweep++)
	{
		double		off = 0.0;

		for (p = 0; p < k; p++)
			for (q = p + 1; q < k; q++)
				off += a[p][q] * a[p][q];
		if (off < 1e-300)
			break;
		for (p = 0; p < k; p++)
			for (q = p + 1; q < k; q++)
			{
				double		theta,
							t,
							c,
							s;

				if (a[p][q] == 0.0)
					continue;
				theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
				t = (theta >= 0.0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1.0));
				c = 1.0 / sqrt(t * t + 1.0);
				s = t * c;
				for (i = 0; i < k; i++)
				{
					double		aip = a[i][p],
								aiq = a[i][q];

					a[i][p] = c * aip - s * aiq;
					a[i][q] = s * aip + c * aiq;
				}
				for (i = 0; i < k; i++)
				{
					double		api = a[p][i],
								aqi = a[q][i];

					a[p][i] = c * api - s * aqi;
					a[q][i] = s * api + c * aqi;
				}
				for (i = 0; i < k; i++)
				{
					double		vip = v[i][p],
								viq = v[i][q];

					v[i][p] = c * vip - s * viq;
					v[i][q] = s * vip + c * viq;
				}
			}
	}
	for (p = 0; p < k; p++)
		ev[p] = a[p][p];
}

/*
 * Parameters that load on the near-null directions of the unit-diagonal
 * information c: eigenvalues below sqrt(CL_COV_PIVOT_TOL) (a Cholesky
 * pivot² below the tolerance means an eigenvalue at most about that
 * small; the square root leaves room for the spread between the two), and
 * loadings above 0.1.  Never empty: the parameter with the largest loading
 * on the smallest eigenvalue is always named.
 */
static unsigned
null_loadings(int k, double c[K][K])
{
	double		a[K][K],
				ev[K],
				v[K][K];
	int			i,
				j,
				jmin = 0,
				imax = 0;
	unsigned	mask = 0;

	memcpy(a, c, sizeof(a));
	jacobi_eigen(k, a, ev, v);
	for (j = 0; j < k; j++)
	{
		if (ev[j] < ev[jmin])
			jmin = j;
		if (ev[j] < sqrt(CL_COV_PIVOT_TOL))
			for (i = 0; i < k; i++)
				if (fabs(v[i][j]) > 0.1)
					mask |= 1u << i;
	}
	for (i = 0; i < k; i++)
		if (fabs(v[i][jmin]) > fabs(v[imax][jmin]))
			imax = i;
	return mask | 1u << imax;
}

cl_status
cl_cov_from_log_hessian(int k, const double *theta, const double *g,
						const double *h, cl_cov_result *out)
{
	double		info[K][K],
				c[K][K],
				l[K][K],
				inv[K][K],
				d[K];
	unsigned	bad = 0;
	int			i,
				j,
				m;

	if (k < 1 || k > K)
		return CL_EINVAL;
	out->nparams = k;
	out->unidentified = 0;
	cov_set_nan(out);
	for (i = 0; i < k; i++)
		if (!isfinite(theta[i]) || !isfinite(g[i]))
			return CL_ENOTFINITE;
		else if (!(theta[i] > 0.0))
			return CL_EINVAL;

	/* observed information in θ: -(H_ij - δ_ij g_i) / (θi θj) */
	for (i = 0; i < k; i++)
		for (j = 0; j < k; j++)
		{
			double		hij = 0.5 * (h[i * k + j] + h[j * k + i]);

			if (!isfinite(hij))
				return CL_ENOTFINITE;
			info[i][j] = -(hij - (i == j ? g[i] : 0.0)) / theta[i] / theta[j];
		}
	for (i = 0; i < k; i++)
	{
		if (!(info[i][i] > 0.0) || !isfinite(1.0 / sqrt(info[i][i])))
			bad |= 1u << i;
		d[i] = bad & (1u << i) ? 0.0 : 1.0 / sqrt(info[i][i]);
	}
	if (bad != 0)
	{
		out->unidentified = bad;
		return CL_EDEGENERATE;
	}
	for (i = 0; i < k; i++)
		for (j = 0; j < k; j++)
			c[i][j] = i == j ? 1.0 : info[i][j] * d[i] * d[j];

	/* Cholesky C = L L' */
	memset(l, 0, sizeof(l));
	for (j = 0; j < k; j++)
	{
		double		s = c[j][j];

		for (m = 0; m < j; m++)
			s -= l[j][m] * l[j][m];
		if (!(s > CL_COV_PIVOT_TOL))
		{
			out->unidentified = null_loadings(k, c);
			return CL_EDEGENERATE;
		}
		l[j][j] = sqrt(s);
		for (i = j + 1; i < k; i++)
		{
			double		t = c[i][j];

			for (m = 0; m < j; m++)
				t -= l[i][m] * l[j][m];
			l[i][j] = t / l[j][j];
		}
	}

	/* C⁻¹ = L'⁻¹ L⁻¹: invert L (lower triangular), then multiply */
	{
		double		li[K][K];

		memset(li, 0, sizeof(li));
		for (j = 0; j < k; j++)
		{
			li[j][j] = 1.0 / l[j][j];
			for (i = j + 1; i < k; i++)
			{
				double		s = 0.0;

				for (m = j; m < i; m++)
					s -= l[i][m] * li[m][j];
				li[i][j] = s / l[i][i];
			}
		}
		for (i = 0; i < k; i++)
			for (j = 0; j <= i; j++)
			{
				double		s = 0.0;

				for (m = i; m < k; m++)
					s += li[m][i] * li[m][j];
				inv[i][j] = inv[j][i] = s;
			}
	}
	for (i = 0; i < k; i++)
	{
		for (j = 0; j <= i; j++)
			out->cov[CL_COV_IDX(i, j)] = inv[i][j] * d[i] * d[j];
		out->se[i] = sqrt(inv[i][i]) * d[i];
	}
	return CL_OK;
}

/* bits of the interior parameters that a limit model sent to an edge */
static unsigned
limit_mask(int flags)
{
	unsigned	mask = 0;

	if (flags & CL_LIMIT_HOMOGENEOUS_RATE)
		mask |= 0x3;			/* r, α */
	if (flags & (CL_LIMIT_NO_DROPOUT | CL_LIMIT_HOMOGENEOUS_DROPOUT))
		mask |= 0xc;			/* a, b / s, β */
	return mask;
}

cl_status
cl_btyd_covariance(const cl_btyd_model *m, const cl_btyd_cell *cells, size_t n,
				   cl_cov_result *out)
{
	double		g[K],
				h[K * K];
	cl_status	st;

	memset(out, 0, sizeof(*out));
	out->nparams = K;
	cov_set_nan(out);
	if (CL_BTYD_LIMIT(m->family) != 0)
	{
		if ((st = cl_btyd_limit_check(m)) != CL_OK)
			return st;
		out->unidentified = limit_mask(CL_BTYD_LIMIT(m->family));
		return CL_EDEGENERATE;
	}
	switch (m->family)
	{
		case CL_BTYD_BGNBD:
		case CL_BTYD_MBGNBD:
			{
				cl_bgnbd_params p = {m->p[0], m->p[1], m->p[2], m->p[3]};

				st = m->family == CL_BTYD_BGNBD
					? cl_bgnbd_loglik_total(&p, cells, n, &out->ll, g, h)
					: cl_mbgnbd_loglik_total(&p, cells, n, &out->ll, g, h);
				break;
			}
		case CL_BTYD_PARETO_NBD:
			{
				cl_pnbd_params p = {m->p[0], m->p[1], m->p[2], m->p[3]};

				st = cl_pnbd_loglik_total(&p, cells, n, &out->ll, g, h);
				break;
			}
		default:
			return CL_EINVAL;
	}
	if (st != CL_OK)
		return st;
	return cl_cov_from_log_hessian(K, m->p, g, h, out);
}

cl_status
cl_gg_covariance(const cl_gg_params *p, const cl_gg_cell *cells, size_t n,
				 cl_cov_result *out)
{
	double		g[3],
				h[9],
				theta[3] = {p->p, p->q, p->v};
	cl_status	st;

	memset(out, 0, sizeof(*out));
	out->nparams = 3;
	cov_set_nan(out);

	/*
	 * The limits of btyd_limits.h travel as infinite p or q: homogeneous
	 * spend (q, v -> ∞), constant spend per customer (p -> ∞, v -> 0),
	 * constant spend (all three).
	 */
	if ((isinf(p->p) && p->p > 0.0) || (isinf(p->q) && p->q > 0.0))
	{
		if (!isfinite(p->v) || !(p->v > 0.0))
			return isfinite(p->v) ? CL_EINVAL : CL_ENOTFINITE;
		out->unidentified = (isinf(p->p) ? 0x5u : 0u) | (isinf(p->q) ? 0x6u : 0u);
		return CL_EDEGENERATE;
	}
	if ((st = cl_gg_loglik_total(p, cells, n, &out->ll, g, h, NULL)) != CL_OK)
		return st;
	return cl_cov_from_log_hessian(3, theta, g, h, out);
}

/* ---- delta method -------------------------------------------------------- */

double
cl_normal_quantile(double p)
{
	static const double a[6] = {-3.969683028665376e+01, 2.209460984245205e+02,
		-2.759285104469687e+02, 1.383577518672690e+02,
	-3.066479806614716e+01, 2.506628277459239e+00};
	static const double b[5] = {-5.447609879822406e+01, 1.615858368580409e+02,
		-1.556989798598866e+02, 6.680131188771972e+01,
	-1.328068155288572e+01};
	static const double c[6] = {-7.784894002430293e-03, -3.223964580411365e-01,
		-2.400758277161838e+00, -2.549732539343734e+00,
	4.374664141464968e+00, 2.938163982698783e+00};
	static const double d[4] = {7.784695709041462e-03, 3.224671290700398e-01,
	2.445134137142996e+00, 3.754408661907416e+00};
	double		q,
				r,
				x,
				e,
				u;
	int			it;

	if (!(p > 0.0 && p < 1.0))
		return p == 0.0 ? -INFINITY : p == 1.0 ? INFINITY : NAN;
	if (p < 0.02425)
	{
		q = sqrt(-2.0 * log(p));
		x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
			/ ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
	}
	else if (p <= 1.0 - 0.02425)
	{
		q = p - 0.5;
		r = q * q;
		x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
			/ (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
	}
	else
	{
		q = sqrt(-2.0 * log1p(-p));
		x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
			/ ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
	}

	/*
	 * Halley steps on Φ(x) - p; the upper tail works with the complement
	 * 1 - Φ(x) = erfc(x/√2)/2 so that p near 1 keeps its accuracy.
	 */
	for (it = 0; it < 2; it++)
	{
		if (x <= 0.0)
			e = 0.5 * erfc(-x / M_SQRT2) - p;
		else
			e = (1.0 - p) - 0.5 * erfc(x / M_SQRT2);
		u = e * sqrt(2.0 * M_PI) * exp(0.5 * x * x);
		x = x - u / (1.0 + 0.5 * x * u);
	}
	return x;
}

cl_status
cl_score_gradient(cl_score_fn fn, void *ctx, int k, const double *theta,
				  double *grad)
{
	static const double h0 = 1e-2;
	int			i,
				s;

	if (k < 1 || k > K)
		return CL_EINVAL;
	for (i = 0; i < k; i++)
	{
		double		dd[3],
					r1a,
					r1b;

		if (!(theta[i] > 0.0) || !isfinite(theta[i]))
			return CL_EINVAL;
		for (s = 0; s < 3; s++)
		{
			double		th[K],
						h = ldexp(h0, -s),
						fp,
						fm;
			cl_status	st;

			memcpy(th, theta, sizeof(double) * k);
			th[i] = theta[i] * exp(h);
			if ((st = fn(ctx, th, &fp)) != CL_OK)
				return st;
			th[i] = theta[i] * exp(-h);
			if ((st = fn(ctx, th, &fm)) != CL_OK)
				return st;
			dd[s] = (fp - fm) / (2.0 * h);
		}
		/* D(h) = g' + c2 h² + c4 h⁴ + ...: eliminate h² then h⁴ */
		r1a = (4.0 * dd[1] - dd[0]) / 3.0;
		r1b = (4.0 * dd[2] - dd[1]) / 3.0;
		grad[i] = (16.0 * r1b - r1a) / 15.0 / theta[i];
		if (!isfinite(grad[i]))
			return CL_ERANGE;
	}
	return CL_OK;
}

cl_status
cl_delta_interval(double estimate, int k, const double *grad, const double *cov,
				  cl_interval_scale scale, double level, double out[3])
{
	double		var = 0.0,
				se,
				z,
				lo,
				hi;
	int			i,
				j;

	if (k < 1 || k > K)
		return CL_EINVAL;
	if (!isfinite(estimate) || !isfinite(level))
		return CL_ENOTFINITE;
	if (!(level > 0.0 && level < 1.0))
		return CL_EINVAL;
	if (scale == CL_SCALE_LOGIT ? !(estimate >= 0.0 && estimate <= 1.0) : !(estimate >= 0.0))
		return CL_EINVAL;
	for (i = 0; i < k; i++)
	{
		if (!isfinite(grad[i]))
			return CL_ENOTFINITE;
		for (j = 0; j < k; j++)
		{
			double		cij = cov[CL_COV_IDX(i, j)];

			if (isnan(cij))
				return CL_EDEGENERATE;
			if (!isfinite(cij))
				return CL_ENOTFINITE;
			var += grad[i] * cij * grad[j];
		}
	}
	if (var < 0.0)
		var = 0.0;				/* rounding of a positive semi-definite form */
	out[0] = out[1] = out[2] = estimate;
	if (estimate == 0.0 || (scale == CL_SCALE_LOGIT && estimate == 1.0))
		return CL_OK;
	se = sqrt(var);
	z = cl_normal_quantile(0.5 + 0.5 * level);
	if (scale == CL_SCALE_LOG)
	{
		double		w = z * se / estimate;

		lo = estimate * exp(-w);
		hi = estimate * exp(w);
	}
	else
	{
		/*
		 * logit scale: η = ln(g/(1-g)), se(η) = se/(g(1-g)); back with
		 * g' = g / (g + (1-g) e^∓w), which stays in [0, 1] and equals g at w = 0
		 */
		double		w = z * se / (estimate * (1.0 - estimate));

		lo = estimate / (estimate + (1.0 - estimate) * exp(w));
		hi = estimate / (estimate + (1.0 - estimate) * exp(-w));
	}
	if (!isfinite(lo) || !isfinite(hi))
		return CL_ERANGE;
	/* keep lo <= g <= hi against rounding of the back-transform */
	out[1] = fmin(lo, estimate);
	out[2] = fmax(hi, estimate);
	return CL_OK;
}

/* ---- the scores as functions of the parameters --------------------------- */

typedef struct score_ctx
{
	cl_btyd_family family;
	double		h,
				x,
				t_x,
				T,
				m;
	const cl_btyd_model *model;
	const cl_gg_params *gg;
	int			months;
	double		discount,
				ppm;
} score_ctx;

static cl_status
score_p_alive(void *vctx, const double *theta, double *out)
{
	score_ctx  *c = vctx;
	cl_btyd_model m = {c->family, {theta[0], theta[1], theta[2], theta[3]}};

	return cl_btyd_p_alive(&m, c->x, c->t_x, c->T, out);
}

static cl_status
score_expected(void *vctx, const double *theta, double *out)
{
	score_ctx  *c = vctx;
	cl_btyd_model m = {c->family, {theta[0], theta[1], theta[2], theta[3]}};

	return cl_btyd_expected_purchases_steps(&m, c->h, 1, c->x, c->t_x, c->T, out);
}

/* CLV as a function of the purchase model's parameters */
static cl_status
score_clv_model(void *vctx, const double *theta, double *out)
{
	score_ctx  *c = vctx;
	cl_btyd_model m = {c->family, {theta[0], theta[1], theta[2], theta[3]}};

	return cl_clv_customer(&m, c->gg, c->x, c->t_x, c->T, c->m, c->months,
						   c->discount, c->ppm, out);
}

static cl_status
interior_family(const cl_btyd_model *m)
{
	if (CL_BTYD_LIMIT(m->family) != 0)
		return CL_EINVAL;
	if (m->family != CL_BTYD_BGNBD && m->family != CL_BTYD_MBGNBD
		&& m->family != CL_BTYD_PARETO_NBD)
		return CL_EINVAL;
	return CL_OK;
}

/*
 * The gradient the intervals use: one forward difference in ln θ per
 * parameter from the score f0 at θ that the interval computes anyway, step
 * 1e-6 (truncation ~5e-7 relative, rounding ~1e-8 relative of a score
 * computed to ~1e-14): k evaluations instead of the 6k of the extrapolated
 * cl_score_gradient.  An interval needs its standard error to a few
 * digits; the normal approximation behind it is far coarser.
 */
static cl_status
interval_gradient(cl_score_fn fn, void *ctx, int k, const double *theta,
				  double f0, double *grad)
{
	static const double h = 1e-6;
	int			i;

	for (i = 0; i < k; i++)
	{
		double		th[K],
					fp;
		cl_status	st;

		if (!(theta[i] > 0.0) || !isfinite(theta[i]))
			return CL_EINVAL;
		memcpy(th, theta, sizeof(double) * k);
		th[i] = theta[i] * exp(h);
		if ((st = fn(ctx, th, &fp)) != CL_OK)
			return st;
		/* th[i] - theta[i] exactly as represented, not theta[i] h */
		grad[i] = (fp - f0) / (th[i] - theta[i]);
		if (!isfinite(grad[i]))
			return CL_ERANGE;
	}
	return CL_OK;
}

static cl_status
model_interval(cl_score_fn fn, score_ctx *c, const cl_btyd_model *m,
			   const double *cov, cl_interval_scale scale, double level,
			   double out[3])
{
	double		est,
				grad[K];
	cl_status	st;

	if ((st = interior_family(m)) != CL_OK
		|| (st = fn(c, m->p, &est)) != CL_OK
		|| (st = interval_gradient(fn, c, K, m->p, est, grad)) != CL_OK)
		return st;
	return cl_delta_interval(est, K, grad, cov, scale, level, out);
}

cl_status
cl_p_alive_interval(const cl_btyd_model *m, const double *cov, double x,
					double t_x, double T, double level, double out[3])
{
	score_ctx	c = {m->family, 0.0, x, t_x, T, 0.0, m, NULL, 0, 0.0, 0.0};

	return model_interval(score_p_alive, &c, m, cov, CL_SCALE_LOGIT, level, out);
}

cl_status
cl_expected_purchases_interval(const cl_btyd_model *m, const double *cov,
							   double h, double x, double t_x, double T,
							   double level, double out[3])
{
	score_ctx	c = {m->family, h, x, t_x, T, 0.0, m, NULL, 0, 0.0, 0.0};

	return model_interval(score_expected, &c, m, cov, CL_SCALE_LOG, level, out);
}

cl_status
cl_clv_interval(const cl_btyd_model *m, const double *cov_m,
				const cl_gg_params *gg, const double *cov_gg,
				double x, double t_x, double T, double mval,
				int months, double monthly_discount,
				double periods_per_month, double level, double out[3])
{
	score_ctx	c = {m->family, 0.0, x, t_x, T, mval, m, gg, months,
	monthly_discount, periods_per_month};
	double		est,
				gm[K],
				gg_grad[3],
				var = 0.0,
				cov1[1],
				one = 1.0;
	cl_status	st;
	int			i,
				j;

	if ((st = interior_family(m)) != CL_OK)
		return st;
	if (!isfinite(gg->p) || !isfinite(gg->q) || !isfinite(gg->v))
		return CL_EINVAL;		/* a Gamma-Gamma limit has no covariance */
	if ((st = score_clv_model(&c, m->p, &est)) != CL_OK
		|| (st = interval_gradient(score_clv_model, &c, K, m->p, est, gm)) != CL_OK)
		return st;

	/*
	 * CLV = m̂ S, S the discounted expected purchases (model only) and m̂ the
	 * expected spend per purchase, p (v + x m) / (p x + q - 1) with x = 0 for
	 * a customer the spend model does not describe; so ∂CLV/∂(p, q, v) =
	 * S ∂m̂/∂(p, q, v), in closed form.
	 */
	{
		double		spend,
					xs = cl_gg_eligible(x, mval) ? x : 0.0,
					ms = xs > 0.0 ? mval : 0.0,
					num,
					den,
					s;

		if ((st = cl_gg_customer_spend(gg, x, mval, &spend)) != CL_OK)
			return st;
		num = gg->v + xs * ms;
		den = gg->p * xs + gg->q - 1.0;
		s = spend > 0.0 ? est / spend : 0.0;
		gg_grad[0] = s * num * (gg->q - 1.0) / (den * den);
		gg_grad[1] = -s * spend / den;
		gg_grad[2] = s * gg->p / den;
	}
	for (i = 0; i < K; i++)
		for (j = 0; j < K; j++)
		{
			if (isnan(cov_m[CL_COV_IDX(i, j)]))
				return CL_EDEGENERATE;
			var += gm[i] * cov_m[CL_COV_IDX(i, j)] * gm[j];
		}
	for (i = 0; i < 3; i++)
		for (j = 0; j < 3; j++)
		{
			if (isnan(cov_gg[CL_COV_IDX(i, j)]))
				return CL_EDEGENERATE;
			var += gg_grad[i] * cov_gg[CL_COV_IDX(i, j)] * gg_grad[j];
		}
	if (!isfinite(var))
		return CL_ERANGE;
	/* the summed variance as a one-parameter form with gradient 1 */
	cov1[0] = var > 0.0 ? var : 0.0;
	return cl_delta_interval(est, 1, &one, cov1, CL_SCALE_LOG, level, out);
}
