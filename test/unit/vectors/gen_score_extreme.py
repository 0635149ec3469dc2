#!/usr/bin/python3
"""Reference values of the per-customer scores at extreme parameters.

Writes
  test/unit/vectors/score_extreme_vectors.h   (the unit test's vectors)
  bench/score_sweep_refs.tsv                  (the sweep's references)

The cases are the scoring defects reported against 0.3.0 (NaN, negative,
non-converging and slow calls), hand-made near-boundary models (r, alpha,
a, b, s, beta from 1e5 to 1e9, as fits of steady buyers produce) and a
deterministic sample of the grid of bench/score_sweep (parameters from 1e-8
to 1e9, x up to 1e6, T up to 1e5).  Inputs are binary64 values printed with
repr(); mpmath evaluates every score from its definition, independently of
the methods the C code uses:

  BG/NBD, MBG/NBD  P(alive) and P(dead) in closed form; E[Y(t) | alive] from
                   the published 2F1 form (mpmath's hyp2f1, at 60 and 90
                   digits plus the digits 1 - w^k 2F1 cancels, kept when
                   both agree to 1e-15), else from the integral
                   E_p[(1 - (1+p tau)^-k)/p] over p ~ Beta(a, b') with its
                   end values taken out (see bg_eyalive_int).
  Pareto/NBD       the death term and P(no purchase) by tanh-sinh quadrature
                   of their integrals, split geometrically towards the end
                   where the integrand peaks.
  CLV              the 12-month sum of the chosen E[Y] references.

A case whose reference cannot be computed within 20 s, or whose value is
below 1e-290 (a double then holds too few digits to compare), is left out
and counted.  Results are printed with 20 significant digits.

Run: /usr/bin/python3 test/unit/vectors/gen_score_extreme.py  (a few minutes)
"""
import os
import random
import runpy
import signal
import sys

import mpmath
from mpmath import mp, mpf

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
GG = (mpf("6.25"), mpf("3.74"), mpf("15.44"))
MONETARY = mpf(35)

# (id, family, function, r, alpha, a, b, x, t_x, T, h)
HAND = [
    # the reported defects
    ("i2", "bgnbd", "expected", 274201978379.76968, 1.328171203747514e-11,
     3.181108979003139, 0.9430673453193379, 1, 0, 1, 30),
    ("i3", "bgnbd", "clv", 1.5149246709789581e-06, 0.06205575146472858,
     0.005881684293994939, 6994169.311407967, 0, 0, 2.0207673633376895e-209, 30),
    ("i8a", "bgnbd", "p_alive", 5e-324, 5e-324, 1.7976931348623157e308,
     1.7976931348623157e308, 1e308, 1e-308, 0.1, 0),
    ("i8b", "bgnbd", "churn", 1.7976931348623157e308, 1e-10,
     1.7976931348623157e308, 1e-300, 1e300, 1, 1, 0),
    ("i8c", "bgnbd", "expected", 98.28592244216856, 0.00011758579914132793,
     2.986524807557692, 0.05626667376232444, 1, 5.8650328420574476e+231,
     5.8650328420574476e+231, 9007199254740993),
    ("i8d", "bgnbd", "clv", 1e-10, 1e-10, 1, 1e300, 19, 187.9847023325327,
     351.59264469880384, 1220),
]
# near-boundary models: steady buyers (rate ~ 1/30 per day, rare dropout)
for i, (r, al, a, b) in enumerate([
        (1e5, 3e6, 1e5, 1e8), (1e6, 3e7, 1e6, 1e9), (1e9, 3e10, 1e7, 1e9),
        (2e5, 6e6, 3.0, 1e6), (1e7, 3e8, 1e9, 1e9), (1e5, 3e6, 0.5, 1e7)]):
    for fam in ("bgnbd", "mbgnbd", "pareto_nbd"):
        for fn, h in (("p_alive", 0), ("churn", 0), ("no_purchase", 30),
                      ("expected", 30), ("expected", 365), ("expected_new", 365),
                      ("clv", 30)):
            for ci, (x, tx, T) in enumerate([(0, 0, 600), (20, 580, 600),
                                              (20, 300, 600), (1e5, 599, 600)]):
                if fn == "expected_new" and ci > 0:
                    continue
                HAND.append(("nb%d.%s.%s.c%d.h%g" % (i, fam, fn, ci, h), fam, fn,
                             r, al, a, b, x, tx, T, h))

# the regimes of the bounded quadratures (pareto_nbd.c knee_integral,
# bgnbd.c logit_quad): Pareto/NBD with alpha = beta, alpha close to beta,
# the mode inside the range (r + x < 1 and alpha < beta) or at its end,
# heavy tails (r + x + s tiny) over long ranges, the bend far away (alpha /
# beta = 1e15) and steep integrands over short ranges; BG/NBD and MBG/NBD
# with U-shaped dropout (a, b' tiny) far from the purchase bend (r t / alpha
# huge), many purchases per unit (r >= 2) at short and long horizons, and
# the customer-free model at the horizons of the series' limit z = 0.95.
for i, (r, al, s_, be) in enumerate([
        (0.5, 7.0, 0.8, 7.0), (0.5, 7.0, 0.8, 7.000000001), (0.3, 1e-3, 0.5, 1e3),
        (0.05, 2.0, 3.0, 40.0), (1e-6, 1e-6, 1e-7, 1e4), (1e-6, 1e5, 1e-7, 1e-6),
        (2.0, 1e-8, 0.7, 1e7), (5e4, 3e4, 2e4, 9e3), (1e7, 1e7, 0.5, 1e-3)]):
    for fn, h in (("p_alive", 0), ("churn", 0), ("no_purchase", 30), ("no_purchase", 1e5),
                  ("expected", 52), ("clv", 30)):
        for ci, (x, tx, T) in enumerate([(0, 0, 60), (3, 20, 60), (0, 0, 1e6), (40, 1e4, 1e4 + 1e-3)]):
            HAND.append(("kq%d.pareto_nbd.%s.c%d.h%g" % (i, fn, ci, h), "pareto_nbd", fn,
                         r, al, s_, be, x, tx, T, h))
for i, (r, al, a, b) in enumerate([
        (1e-3, 1e-8, 1e-8, 1e-8), (1e9, 1e-8, 1.0, 1.0), (40.0, 0.5, 3e-3, 2.0),
        (7.0, 1e-4, 250.0, 4e3), (0.2425945, 4.4136027, 0.7929218, 2.4259057),
        (0.524843, 6.183082, 0.891360, 1.614003), (1e4, 1.0, 1e-5, 1e6)]):
    for fam in ("bgnbd", "mbgnbd"):
        for fn, h in (("expected", 1), ("expected", 52), ("expected", 1e4),
                      ("expected_new", 52), ("expected_new", 1e3), ("clv", 30)):
            for ci, (x, tx, T) in enumerate([(0, 0, 40), (4, 30, 40)]):
                if fn == "expected_new" and ci > 0:
                    continue
                HAND.append(("lq%d.%s.%s.c%d.h%g" % (i, fam, fn, ci, h), fam, fn,
                             r, al, a, b, x, tx, T, h))


class Timeout(Exception):
    pass


def on_alarm(signum, frame):
    raise Timeout()


# ---- BG/NBD and MBG/NBD -----------------------------------------------------

def bg_alive_dead(mod, r, al, a, b, x, tx, T):
    if x == 0 and not mod:
        return mpf(1), mpf(0)
    if x == 0:
        tx = 0
    bm1 = b + x if mod else b + x - 1
    D = mpmath.log(a) - mpmath.log(bm1) + (r + x) * mpmath.log((al + T) / (al + tx))
    return 1 / (1 + mpmath.exp(D)), 1 / (1 + mpmath.exp(-D))


def bg_eyalive_hyp(k, a, bp, al, T, t, dps):
    """The published form; 1 - w^k 2F1 cancels to about z of its size, so
    the working precision grows with -log10(z)."""
    z = mpf(t) / (al + T + t)
    extra = max(0, int(-mpmath.log10(z))) if z > 0 else 0
    with mpmath.workdps(dps + extra):
        C = a + bp - 1
        z = t / (al + T + t)
        w = (al + T) / (al + T + t)
        return C / (a - 1) * (1 - w ** k * mpmath.hyp2f1(k, bp, C, z))


def bg_eyalive_int(k, a, bp, tau):
    """E_p[G(p)], G(p) = (1 - (1+p tau)^-k)/p, p ~ Beta(a, bp), in p.

    G(0) = k tau and G(1) are taken out analytically,
      E = G(0) + (G(1) - G(0)) a/(a+bp) + E_p[R(p)],
      R(p) = G(p) - G(0) - (G(1) - G(0)) p,
    so that the remaining integrand p^(a-1) (1-p)^(bp-1) R(p) vanishes at
    both ends (R(0) = R(1) = 0) and tiny a or bp cause no singularity;
    tanh-sinh with break points around the Beta mode, at 1/tau and
    geometrically towards both ends."""
    with mpmath.workdps(50):
        def G(p):
            return -mpmath.expm1(-k * mpmath.log1p(p * tau)) / p
        G0, G1 = k * tau, G(mpf(1))
        lnB = mpmath.log(mpmath.beta(a, bp))

        def f(p):
            if p <= 0 or p >= 1:
                return mpf(0)
            R = G(p) - G0 - (G1 - G0) * p
            return mpmath.exp((a - 1) * mpmath.log(p) + (bp - 1) * mpmath.log1p(-p) - lnB) * R
        m = a / (a + bp)
        sd = mpmath.sqrt(a * bp / ((a + bp) ** 2 * (a + bp + 1)))
        pts = set([mpf(0), mpf(1)])
        for j in range(-40, 41, 2):
            pts.add(m + j * sd)
        for j in range(1, 40):
            pts.add(mpf(10) ** -j)
            pts.add(1 - mpf(10) ** -j)
        for c in (mpf("0.1"), mpf(1), mpf(10)):
            pts.add(c / tau)
        pts = sorted(q for q in pts if 0 <= q <= 1)
        return G0 + (G1 - G0) * a / (a + bp) + mpmath.quad(f, pts)


def bg_eyalive(mod, r, al, a, b, x, T, t):
    k = r + x
    bp = b + x + 1 if mod else b + x
    if t == 0:
        return mpf(0)
    if a != 1 and a + bp - 1 > 0:
        try:
            v1 = bg_eyalive_hyp(k, a, bp, al, T, t, 60)
            v2 = bg_eyalive_hyp(k, a, bp, al, T, t, 90)
            # E[Y | alive] <= k tau: mpmath's hyp2f1 can agree with itself
            # at both precisions on a wrong value (a tiny a with a huge b')
            if 0 < v1 <= k * t / (al + T) and abs(v1 - v2) <= mpf("1e-15") * abs(v2):
                return v2
        except (mpmath.libmp.NoConvergence, ZeroDivisionError, ValueError):
            pass
    return bg_eyalive_int(k, a, bp, t / (al + T))


# ---- Pareto/NBD ---------------------------------------------------------------

def geo_points(lo, hi, n=30):
    """lo, then points approaching lo geometrically, then hi."""
    pts = [lo]
    for j in range(n, 0, -1):
        pts.append(lo + (hi - lo) * mpf(10) ** (-j))
    pts.append(hi)
    return pts


def pn_alive_dead(r, al, s, be, x, tx, T):
    if x == 0:
        tx = 0
    if tx == T:
        return mpf(1), mpf(0)
    k = r + x

    def f(y):
        return mpmath.exp(k * mpmath.log((al + T) / (al + y))
                          + s * mpmath.log((be + T) / (be + y)) - mpmath.log(be + y))
    R = s * mpmath.quad(f, geo_points(mpf(tx), mpf(T)))
    return 1 / (1 + R), R / (1 + R)


def pn_eyalive(r, al, s, be, x, T, t):
    k = r + x
    lw = mpmath.log((be + T) / (be + T + t))
    br = -lw if s == 1 else -mpmath.expm1((s - 1) * lw) / (s - 1)
    return k * (be + T) / (al + T) * br


def pn_quiet(r, al, s, be, x, T, h):
    k = r + x
    aT, bT = al + T, be + T

    def f(u):
        return mpmath.exp(k * mpmath.log(aT / (aT + u)) + (s + 1) * mpmath.log(bT / (bT + u)))
    first = mpmath.exp(k * mpmath.log(aT / (aT + h)) + s * mpmath.log(bT / (bT + h)))
    return first + s / bT * mpmath.quad(f, geo_points(mpf(0), mpf(h)))


# ---- cases -----------------------------------------------------------------------

def reference(case):
    _, fam, fn, r, al, a, b, x, tx, T, h = case
    r, al, a, b, x, tx, T, h = (mpf(v) for v in (r, al, a, b, x, tx, T, h))
    if fn == "expected_new":
        x = tx = T = mpf(0)
    if fam == "pareto_nbd":
        alive, dead = pn_alive_dead(r, al, a, b, x, tx, T)

        def ey(t):
            return alive * pn_eyalive(r, al, a, b, x, T, t)
    else:
        mod = fam == "mbgnbd"
        alive, dead = bg_alive_dead(mod, r, al, a, b, x, tx, T)

        def ey(t):
            return alive * bg_eyalive(mod, r, al, a, b, x, T, t) if alive > 0 else mpf(0)
    if fn == "p_alive":
        return alive
    if fn == "churn":
        return dead
    if fn == "no_purchase":
        if fam == "pareto_nbd":
            return dead + alive * pn_quiet(r, al, a, b, x, T, h)
        return dead + alive * ((al + T) / (al + T + h)) ** (r + x)
    if fn in ("expected", "expected_new"):
        return ey(h)
    if fn == "clv":
        p, q, v = GG
        spend = p * (v + x * MONETARY) / (p * x + q - 1) if x > 0 else p * v / (q - 1)
        total, prev = mpf(0), mpf(0)
        for m in range(1, 13):
            e = ey(m * h)
            total += spend * (e - prev) / mpf("1.01") ** m
            prev = e
        return total
    raise ValueError(fn)


def grid_sample(per_group, seed=20261129):
    sweep = runpy.run_path(os.path.join(ROOT, "bench", "score_sweep"), run_name="gen")
    groups = {}
    for c in sweep["grid"](False):
        if c[2] == "clv1200":
            continue
        groups.setdefault((c[1], c[2]), []).append(c)
    rng = random.Random(seed)
    out = []
    for key in sorted(groups):
        cases = groups[key]
        out.extend(rng.sample(cases, min(per_group, len(cases))))
    return out


def cnum(v):
    return repr(float(v))


def main():
    per_group = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    mp.dps = 40
    signal.signal(signal.SIGALRM, on_alarm)
    cases = HAND + grid_sample(per_group)
    rows, skipped = [], []
    for c in cases:
        signal.alarm(20)
        try:
            v = reference(c)
            signal.alarm(0)
        except (Timeout, mpmath.libmp.NoConvergence, ZeroDivisionError, ValueError) as e:
            signal.alarm(0)
            skipped.append((c[0], type(e).__name__))
            continue
        if not mpmath.isfinite(v) or (v != 0 and abs(v) < mpf("1e-290")):
            skipped.append((c[0], "tiny"))
            continue
        rows.append((c, v))
        sys.stderr.write("%d/%d\r" % (len(rows) + len(skipped), len(cases)))
    sys.stderr.write("\n%d references, %d left out\n" % (len(rows), len(skipped)))
    for s in skipped:
        sys.stderr.write("  left out %s: %s\n" % s)

    with open(os.path.join(ROOT, "bench", "score_sweep_refs.tsv"), "w") as f:
        f.write("# id family function r alpha a b x t_x T h reference "
                "(test/unit/vectors/gen_score_extreme.py)\n")
        for c, v in rows:
            f.write(" ".join([c[0], c[1], c[2]] + [cnum(u) for u in c[3:]]
                             + [mpmath.nstr(v, 20)]) + "\n")

    fams = {"bgnbd": "CL_BTYD_BGNBD", "mbgnbd": "CL_BTYD_MBGNBD",
            "pareto_nbd": "CL_BTYD_PARETO_NBD"}
    with open(os.path.join(ROOT, "test", "unit", "vectors", "score_extreme_vectors.h"), "w") as f:
        f.write("/* Generated by test/unit/vectors/gen_score_extreme.py; do not edit. */\n")
        f.write("/* {family, function, r, alpha, a|s, b|beta, x, t_x, T, h, reference} */\n")
        f.write("static const score_vector score_vectors[] = {\n")
        for c, v in rows:
            f.write('\t{%s, "%s", %s, %s, %s, %s, %s, %s, %s, %s, %s},\n' % (
                fams[c[1]], c[2], *[cnum(u) for u in c[3:]], mpmath.nstr(v, 20)))
        f.write("};\n")


if __name__ == "__main__":
    main()
