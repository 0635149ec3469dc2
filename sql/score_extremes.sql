-- Scores at extreme parameters: every call gives a finite value in range or
-- raises SQLSTATE 22003; cancel reaches the long loops.  The cases are
-- defects reported against 0.3.0 (uninitialised results, NaN, negative
-- values, a CLV that ignored statement_timeout); the reference values are
-- mpmath evaluations (test/unit/vectors/gen_score_extreme.py).
CREATE SCHEMA test_score_extremes;
SET search_path = test_score_extremes, public;
SET TimeZone = 'UTC';

-- the model bgnbd_fit(1, 0, 1) returns: P(alive) = e^(-7e12), so exactly 0,
-- not a value left over in memory
SELECT expected_purchases(30, 1, 0, 1,
         '{"r": 274201978379.76968, "alpha": 1.328171203747514e-11, "a": 3.181108979003139, "b": 0.9430673453193379}'::bgnbd_model) AS fit_of_one;

-- NaN from infinity minus infinity and infinity times zero
SELECT p_alive(1e308, 1e-308, 0.1,
               bgnbd_model(5e-324, 5e-324, 1.7976931348623157e308, 1.7976931348623157e308)) AS alive_0;
SELECT abs(churn_probability(1e300, 1, 1,
                             bgnbd_model(1.7976931348623157e308, 1e-10, 1.7976931348623157e308, 1e-300))
           - 0.99999999443731538468) < 1e-15 AS churn_ok,
       abs(p_alive(1e300, 1, 1,
                   bgnbd_model(1.7976931348623157e308, 1e-10, 1.7976931348623157e308, 1e-300))
           / 5.5626846153245440657e-09 - 1) < 1e-13 AS alive_ok;

-- was -1.4e-216 (ln(1 - z) with 1 - z rounded to 1)
SELECT abs(expected_purchases(9007199254740993, 1, 5.8650328420574476e+231, 5.8650328420574476e+231,
                              bgnbd_model(98.28592244216856, 0.00011758579914132793, 2.986524807557692,
                                          0.05626667376232444, '36600 days'))
           / 2.8195905578474083e-216 - 1) < 1e-12 AS tiny_ok;

-- was -2.3e287
SELECT v >= 0 AND v < 'infinity' AS clv_in_range
FROM (SELECT clv_estimate(19, 187.9847023325327, 351.59264469880384, 556.5402118636599,
                          bgnbd_model(1e-10, 1e-10, 1, 1e300, '36600 days'),
                          gamma_gamma_model(9044404.721863287, 2238130.568850499, 1099857857.59306)) AS v) s;

-- ran 179 s under a 1 s statement_timeout: now milliseconds, and its loops poll for cancel
SET statement_timeout = '1s';
SELECT abs(clv_estimate(0, 0, 2.0207673633376895e-209, 0.999999,
                        bgnbd_model(1.5149246709789581e-06, 0.06205575146472858, 0.005881684293994939,
                                    6994169.311407967, '1 day'),
                        gamma_gamma_model(6.25, 3.74, 15.44), 12, 0.01)
           / 0.290304959548708 - 1) < 1e-12 AS slow_clv_12,
       clv_estimate(0, 0, 2.0207673633376895e-209, 0.999999,
                    bgnbd_model(1.5149246709789581e-06, 0.06205575146472858, 0.005881684293994939,
                                6994169.311407967, '1 day'),
                    gamma_gamma_model(6.25, 3.74, 15.44), 1200, 0.01) > 0 AS slow_clv_1200;
RESET statement_timeout;

-- churn is 1 - P(alive) computed as such: a small churn probability keeps its digits
SELECT churn_probability(30, 29.9, 30, bgnbd_model(0.25, 4.4, 0.8, 2.4)) > 0 AS small_churn_positive,
       abs(churn_probability(30, 29.9, 30, bgnbd_model(0.25, 4.4, 0.8, 2.4))
           + p_alive(30, 29.9, 30, bgnbd_model(0.25, 4.4, 0.8, 2.4)) - 1) < 1e-15 AS adds_up;

-- a grid of extreme models and customers: finite, in range, or 22003
CREATE FUNCTION try_score(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE v float8;
BEGIN
  EXECUTE sql INTO v;
  IF v IS NULL OR v = 'NaN' OR v < 0 OR v = 'infinity' THEN RETURN 'bad: ' || coalesce(v::text, 'null'); END IF;
  RETURN 'ok';
EXCEPTION WHEN numeric_value_out_of_range THEN RETURN '22003';
END $$;
WITH p(v) AS (VALUES (1e-8::float8), (1e-3), (1), (1e3), (1e9)),
     c(x, tx, tt) AS (VALUES (0::float8, 0::float8, 40::float8), (2, 10, 30), (1e3, 900, 1e3), (1e6, 9e4, 1e5)),
     calls AS (
       SELECT format('SELECT %s(%s, %s, %s, %s(%s, %s, %s, %s))', f, c.x, c.tx, c.tt, m, r.v, al.v, a.v, b.v) AS q
       FROM p r, p al, p a, p b, c,
            (VALUES ('p_alive'), ('churn_probability')) fn(f),
            (VALUES ('bgnbd_model'), ('mbgnbd_model'), ('pareto_nbd_model')) mo(m)
       WHERE r.v IN (1e-8, 1, 1e9) AND al.v IN (1e-8, 1, 1e9)
       UNION ALL
       SELECT format('SELECT expected_purchases(%s, %s, %s, %s, %s(%s, %s, %s, %s))', h, c.x, c.tx, c.tt, m, r.v, al.v, a.v, b.v)
       FROM p r, p al, p a, p b, c, (VALUES (1::float8), (1e4)) hz(h),
            (VALUES ('bgnbd_model'), ('mbgnbd_model'), ('pareto_nbd_model')) mo(m)
       WHERE r.v IN (1e-8, 1, 1e9) AND al.v IN (1e-8, 1, 1e9))
SELECT count(*) AS calls,
       count(*) FILTER (WHERE r LIKE 'bad%') AS bad,
       count(*) FILTER (WHERE r = '22003') AS out_of_range
FROM (SELECT try_score(q) AS r FROM calls) s;

-- a result beyond the double range is 22003 with a hint, never infinity
SELECT expected_purchases(1e300, 0, 0, 1, bgnbd_model(1e300, 1, 1e-8, 1e9));

-- simulated spend that leaves the double range is an error, not NaN
SELECT count(*) FILTER (WHERE monetary = 'NaN' OR monetary <= 0 OR monetary = 'infinity') AS bad_spend
FROM btyd_simulate(200, 0.5, 8.0, 0.6, 2.5, 52.0, 11, 6.25, 3.74, 15.44);
DO $$
BEGIN
  PERFORM * FROM btyd_simulate(200, 0.5, 8.0, 0.6, 2.5, 52.0, 11, 5e-324, 5e-324, 1);
  RAISE NOTICE 'no error';
EXCEPTION WHEN numeric_value_out_of_range THEN
  RAISE NOTICE 'simulated spend out of range: 22003';
END $$;

-- cases from the SQL fuzzer: every call in range or 22003
SELECT churn_probability(1e308, 14.0, 1.7976931348623157e308,
                         pareto_nbd_model(0.0026278114709757717, 2.3159207152674246, 23.33930318040577, 1.180731826535817)) AS c1,
       churn_probability(1e308, 41.128111359350335, 73.89073731937853, pareto_nbd_model(0.24, 4.4, 0.79, 2.43)) AS c2,
       abs(churn_probability(56.0, 1e-308, 1.3689602448729654e-177,
                             pareto_nbd_model(3.628037290784512e-08, 1.3893615243934772, 0.1493438966267474, 0.026388867747345984))
           / 7.7474281675842e-177 - 1) < 1e-12 AS c3_ok;
SELECT p_alive(1e308, 294.14000750406734, 7.65287703064809e+284,
               pareto_nbd_model(0.9567344747094326, 3.342484655403243, 1.0840799341107925, 3.5933571132995654, '373 days')) AS a1,
       p_alive(1.7976931348623157e308, 350.57773586471063, 1.579869361643372e+197, pareto_nbd_model(0.24, 4.4, 0.79, 2.43)) AS a2;
SELECT expected_purchases(mbgnbd_model(794308.4526201282, 1e300, 3.4632154916591076, 1.149896054979367), '12 months'::interval)
         BETWEEN 0 AND 1e-290 AS e1,
       expected_purchases(2.2250738585072014e-308, 0, 0, 0, mbgnbd_model(309806.43908087024, 1.1379886780995225, 4.769940911403535, 0.28992457220607715))
         BETWEEN 0 AND 1e-300 AS e2,
       abs(expected_purchases(bgnbd_model(92.58665311609654, 1.3648312037129366, 1.0000000000000002, 0.34268356911935216, '27 days'), '300 weeks'::interval)
           / 3.97698551534264 - 1) < 1e-12 AS e3_ok,
       expected_purchases(0.024897440618717532, 0, 0, 0, bgnbd_model(5e-324, 4.4, 0.79, 2.43)) AS e4;
SELECT v >= 0 AND v < 'infinity' AS clv_in_range
FROM (SELECT clv_estimate((SELECT crm_profile(ts, 10.00, '2024-07-01')
                           FROM (VALUES ('2024-01-01'::timestamptz), ('2024-03-01'), ('2024-05-01')) o(ts)),
                          mbgnbd_model(0.27220923018017873, 13.046557537965837, 2.485469461650812, 1.7976931348623157e308),
                          gamma_gamma_model(0.24, 4.4, 0.79), 99, 216.30878804649214, '1 month') AS v) s;
CREATE FUNCTION try_simulate(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  EXECUTE 'SELECT count(*) FROM (' || sql || ') s WHERE NOT (recency >= 0 AND recency <= t'
          || ' AND (monetary IS NULL OR (monetary > 0 AND monetary < ''infinity'')))' INTO n;
  RETURN n || ' bad rows';
EXCEPTION WHEN numeric_value_out_of_range OR program_limit_exceeded THEN
  RETURN SQLSTATE;
END $$;
SELECT try_simulate('SELECT * FROM btyd_simulate(59, 3.721332734741021, 55.0, 0.450781085540357, 0.4680620867243452, 248.47264987804925, 29656, 1.4005077354201865, 5e-324, 0.4026062926673646)') AS s1,
       try_simulate('SELECT * FROM btyd_simulate(9, 1.0621981635313142, 3.5957869608871036, 218.32041518269878, 0.0003156468634372375, 46.0, 0, 4.1318777167701123e-10, 1e-308, 1.7976931348623157e308)') AS s2,
       try_simulate('SELECT * FROM btyd_simulate(105, 0.5019379631341911, 1e10, 3.1954938375660076e-10, 1e-300, 122161970635.5628, 97097, 1.7220219161931825, 5.6049813321643335e-05, 2.627850768241893)') AS s3;

DROP SCHEMA test_score_extremes CASCADE;
