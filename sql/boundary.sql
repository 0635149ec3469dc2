-- Models at the edge of the parameter space: fits whose likelihood's
-- supremum is a limit model (steady buyers, a single customer, ten
-- customers, heavy buyers, clockwork buyers and settled lifetimes for the
-- two Pareto/NBD edges with one rate homogeneous, identical spend), data
-- that identify no model, the limit models' text and jsonb forms, and their
-- closed-form scores.
-- Data are deterministic (md5-based uniforms); checks are tolerance booleans.
CREATE SCHEMA test_boundary;
SET search_path = test_boundary, public;
SET TimeZone = 'UTC';

-- a uniform number in [0, 1) from a text key
CREATE FUNCTION u01(key text) RETURNS float8 LANGUAGE sql IMMUTABLE AS
$$ SELECT ('x' || substr(md5(key), 1, 8))::bit(32)::bigint / 4294967296.0 $$;

-- the SQLSTATE and message of a statement, or 'ok'
CREATE FUNCTION outcome(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE stmt;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

------------------------------------------------------------------------------
-- Steady buyers: 1,000 customers with 10 orders each at uniform random days
-- of 600 (orders on one day are one purchase); nobody lapses.  The supremum
-- of every purchase model is the Poisson process, with the closed-form MLE
-- lambda = sum(frequency) / sum(t) and LL = X (ln(X / sum(t)) - 1).
------------------------------------------------------------------------------
CREATE TABLE steady_orders AS
SELECT c AS customer_id,
       timestamptz '2024-01-01 00:00+00' + floor(600 * u01(c || ':' || j)) * interval '1 day' AS ordered_at,
       round((20 + 60 * u01('amount:' || c || ':' || j))::numeric, 2) AS amount
  FROM generate_series(1, 1000) c, generate_series(1, 10) j;
CREATE TABLE steady AS
SELECT customer_id, (crm_profile(ordered_at, amount, timestamptz '2025-08-23 00:00+00')).*
  FROM steady_orders GROUP BY customer_id;
CREATE TABLE steady_models AS
SELECT bgnbd_fit(frequency, recency, t) AS bg,
       mbgnbd_fit(frequency, recency, t) AS mbg,
       pareto_nbd_fit(frequency, recency, t) AS pn,
       gamma_gamma_fit(frequency, monetary) AS gg,
       sum(frequency) AS x, sum(t) AS tt,
       sum(frequency) * (ln(sum(frequency) / sum(t)) - 1) AS poisson_ll,
       sum(frequency) / sum(t) AS lambda
  FROM steady;
SELECT model, j->>'limit' AS limit, j->>'converged' AS converged, j->>'unit' AS unit,
       abs((j->>'ll')::float8 / poisson_ll - 1) < 1e-12 AS ll_is_poisson,
       abs((j->>'lambda')::float8 / lambda - 1) < 1e-12 AS lambda_is_mle,
       j - ARRAY['ll', 'lambda', 'n', 'unit', 'converged', 'limit'] AS other_keys
  FROM steady_models,
       LATERAL (VALUES ('bgnbd', bg::jsonb), ('mbgnbd', mbg::jsonb), ('pareto_nbd', pn::jsonb)) v(model, j);
SELECT round(poisson_ll::numeric, 6) AS poisson_ll, round(lambda::numeric, 10) AS lambda FROM steady_models;

-- Gamma-Gamma: every order's amount comes from one distribution, so the
-- heterogeneity of spend vanishes (q -> infinity): "homogeneous_spend" with
-- the spend per order ~ Gamma(p, nu).  Given p the MLE of nu is
-- p sum(x) / sum(x m) in closed form.
SELECT gg::jsonb->>'limit' AS limit, gg::jsonb->>'converged' AS converged,
       (gg::jsonb->>'n')::int AS n,
       abs((gg::jsonb->>'nu')::float8 / ((gg::jsonb->>'p')::float8 * sx / sxm) - 1) < 1e-7 AS nu_is_mle,
       abs(expected_spend(3, 50, gg) / ((gg::jsonb->>'p')::float8 / (gg::jsonb->>'nu')::float8) - 1) < 1e-15 AS spend_is_mean,
       expected_spend(3, 50, gg) = expected_spend(0, 0, gg) AS same_for_everyone
  FROM steady_models,
       (SELECT sum(frequency) AS sx, sum(frequency * monetary) AS sxm FROM steady WHERE frequency > 0) s;

-- Scores of the Poisson limit are closed forms: P(alive) = 1, churn 0,
-- P(no purchase in h) = exp(-lambda h), E[Y(t)] = lambda t, and CLV =
-- m sum_k lambda f / 1.01^k (f = 30 days per month).
SELECT bool_and(p_alive(frequency, recency, t, m) = 1) AS alive,
       bool_and(churn_probability(frequency, recency, t, m) = 0) AS churn,
       bool_and(abs(p_no_purchase(frequency, recency, t, m, '90 days') / exp(-lambda * 90) - 1) < 1e-14) AS churn_90d,
       bool_and(abs(expected_purchases(90, frequency, recency, t, m) / (lambda * 90) - 1) < 1e-14) AS expected_90,
       bool_and(abs(expected_purchases(m, '90 days'::interval) / (lambda * 90) - 1) < 1e-14) AS expected_new,
       bool_and(abs(clv_estimate(frequency, recency, t, monetary, m, gg)
                    / (expected_spend(frequency, monetary, gg) * lambda * 30
                       * (SELECT sum(1.01 ^ -k) FROM generate_series(1, 12) k)) - 1) < 1e-12) AS clv
  FROM steady, steady_models, LATERAL (VALUES (bg), (pn::text::bgnbd_model)) v(m)
 WHERE bg IS NOT NULL;
SELECT bool_and(p_alive(frequency, recency, t, mbg) = 1 AND p_alive(frequency, recency, t, pn) = 1) AS alive,
       bool_and(expected_purchases(30, frequency, recency, t, mbg) = expected_purchases(30, frequency, recency, t, pn)) AS same_forecast,
       bool_and(clv_estimate(frequency, recency, t, monetary, mbg, gg) = clv_estimate(frequency, recency, t, monetary, bg, gg)) AS same_clv
  FROM steady, steady_models;

------------------------------------------------------------------------------
-- Nobody bought twice: the purchase models are not identified (22023); the
-- spend model has no repeat purchase to learn from (22023).
------------------------------------------------------------------------------
SELECT outcome($$SELECT bgnbd_fit(0, 0, t) FROM generate_series(1, 50) t$$) AS bgnbd,
       outcome($$SELECT mbgnbd_fit(0, 0, t) FROM generate_series(1, 50) t$$) AS mbgnbd,
       outcome($$SELECT pareto_nbd_fit(0, 0, t) FROM generate_series(1, 50) t$$) AS pareto_nbd,
       outcome($$SELECT gamma_gamma_fit(0, 0) FROM generate_series(1, 50) t$$) AS gamma_gamma;
-- a repeat purchase at the moment of the first makes the likelihood
-- unbounded: alone, the fit runs to infinity and that is an error (22023);
-- among other customers a maximum is still found (ten customers, below)
SELECT outcome($$SELECT bgnbd_fit(1, 0, 1)$$) AS recency_zero;
SELECT outcome($$SELECT pareto_nbd_fit(1, 0, 1)$$) AS recency_zero;


------------------------------------------------------------------------------
-- A single customer: a mixture can do no better than its best single
-- point, so the limit with both heterogeneities gone is the answer.
-- BG/NBD (x = 1, t_x = 0.5, T = 1): p = 1, lambda = 1 / t_x, LL = ln 2 - 1;
-- MBG/NBD and Pareto/NBD: Poisson, lambda = x / T, LL = -1.
------------------------------------------------------------------------------
SELECT bgnbd_fit(1, 0.5, 1);
SELECT abs((bgnbd_fit(1, 0.5, 1)::jsonb->>'ll')::float8 - (ln(2) - 1)) < 1e-15 AS bg_ll,
       mbgnbd_fit(1, 0.5, 1)::jsonb->>'limit' AS mbg_limit,
       (mbgnbd_fit(1, 0.5, 1)::jsonb->>'ll')::float8 = -1 AS mbg_ll,
       pareto_nbd_fit(1, 0.5, 1)::jsonb->>'limit' AS pn_limit,
       (pareto_nbd_fit(1, 0.5, 1)::jsonb->>'ll')::float8 = -1 AS pn_ll;
-- x = 3, t_x = 5, T = 10: homogeneous rate and dropout, inside (0, 1)
SELECT m::jsonb->>'limit' AS limit, round((m::jsonb->>'ll')::numeric, 9) AS ll,
       round((m::jsonb->>'lambda')::numeric, 6) AS lambda,
       round(coalesce(m::jsonb->>'p', m::jsonb->>'mu')::numeric, 6) AS p_or_mu
  FROM (SELECT bgnbd_fit(3, 5, 10)::jsonb AS bg, mbgnbd_fit(3, 5, 10)::jsonb AS mbg,
               pareto_nbd_fit(3, 5, 10)::jsonb AS pn) f,
       LATERAL (VALUES (bg), (mbg), (pn)) v(m);
SELECT gamma_gamma_fit(4, 12.5);

------------------------------------------------------------------------------
-- Identical spend: every order is worth 25.  The spend density becomes a
-- point mass (p, q -> infinity), whose likelihood is unbounded: the limit
-- "constant_spend" with ll null, and every expected spend is 25.
------------------------------------------------------------------------------
SELECT gamma_gamma_fit(x, 25) FROM generate_series(1, 20) x;
SELECT bool_and(expected_spend(x, 25, g) = 25 AND expected_spend(0, 0, g) = 25) AS spend_25
  FROM (SELECT gamma_gamma_fit(x, 25) g FROM generate_series(1, 20) x) f, generate_series(0, 20) x;

-- Each customer always spends the same amount, but amounts differ between
-- customers: within-customer variation vanishes (p -> infinity),
-- "constant_spend_per_customer" with the amounts ~ InverseGamma(q, w): a
-- customer's expected spend is their own amount, a new customer's w / (q - 1).
-- Given q, the MLE of w is q n / sum(1 / m).
CREATE TABLE own_spend AS
SELECT 1 + c % 7 AS x, round((40 / (0.2 + 1.6 * u01('own:' || c)))::numeric, 2)::float8 AS m
  FROM generate_series(1, 400) c;
SELECT g::jsonb->>'limit' AS limit, g::jsonb->>'converged' AS converged,
       abs((g::jsonb->>'w')::float8 / ((g::jsonb->>'q')::float8 * n / sinv) - 1) < 1e-7 AS w_is_mle,
       (SELECT bool_and(expected_spend(x, m, g) = m) FROM own_spend) AS own_amount,
       abs(expected_spend(0, 0, g) / ((g::jsonb->>'w')::float8 / ((g::jsonb->>'q')::float8 - 1)) - 1) < 1e-15 AS new_customer
  FROM (SELECT gamma_gamma_fit(x, m) AS g, count(*) AS n, sum(1 / m) AS sinv FROM own_spend) f;

------------------------------------------------------------------------------
-- Ten customers, frequencies 0..9 with recency 3x, all aged 40 days.
------------------------------------------------------------------------------
CREATE TABLE ten AS SELECT i::float8 AS x, 3.0 * i AS tx, 40.0 AS tt FROM generate_series(0, 9) i;
SELECT model, j->>'limit' AS limit, j->>'converged' AS converged, round((j->>'ll')::numeric, 8) AS ll,
       j - ARRAY['ll', 'n', 'unit', 'converged', 'limit'] AS parameters
  FROM (SELECT bgnbd_fit(x, tx, tt)::jsonb AS bg, mbgnbd_fit(x, tx, tt)::jsonb AS mbg,
               pareto_nbd_fit(x, tx, tt)::jsonb AS pn FROM ten) f,
       LATERAL (VALUES ('bgnbd', bg), ('mbgnbd', mbg), ('pareto_nbd', pn)) v(model, j);
-- one of them with its repeat purchases in its first period (recency 0):
-- too few others to outweigh it, the fits run to the unbounded edge
SELECT outcome($$SELECT bgnbd_fit(x, CASE WHEN x = 3 THEN 0 ELSE tx END, tt) FROM ten$$) AS bgnbd,
       outcome($$SELECT mbgnbd_fit(x, CASE WHEN x = 3 THEN 0 ELSE tx END, tt) FROM ten$$) AS mbgnbd,
       outcome($$SELECT pareto_nbd_fit(x, CASE WHEN x = 3 THEN 0 ELSE tx END, tt) FROM ten$$) AS pareto_nbd;
-- scores in range for every customer and horizon
SELECT bool_and(p BETWEEN 0 AND 1 AND c BETWEEN 0 AND 1 AND h BETWEEN 0 AND 1 AND e >= 0
                AND e = e AND h >= c - 1e-15) AS in_range
  FROM (SELECT bgnbd_fit(x, tx, tt) bg, mbgnbd_fit(x, tx, tt) mbg, pareto_nbd_fit(x, tx, tt) pn FROM ten) f,
       ten, generate_series(0, 400, 20) hz,
       LATERAL (VALUES (p_alive(x, tx, tt, bg), churn_probability(x, tx, tt, bg),
                        p_no_purchase(x, tx, tt, bg, hz * interval '1 day'), expected_purchases(hz, x, tx, tt, bg)),
                       (p_alive(x, tx, tt, mbg), churn_probability(x, tx, tt, mbg),
                        p_no_purchase(x, tx, tt, mbg, hz * interval '1 day'), expected_purchases(hz, x, tx, tt, mbg)),
                       (p_alive(x, tx, tt, pn), churn_probability(x, tx, tt, pn),
                        p_no_purchase(x, tx, tt, pn, hz * interval '1 day'), expected_purchases(hz, x, tx, tt, pn))) s(p, c, h, e);

------------------------------------------------------------------------------
-- Heavy buyers: 300 customers buying 100 to 170 times a day for up to 600
-- days (frequency up to 1e5), nobody lapses: rates vary, so no dropout
-- with Gamma rates (NBD).  Scores stay finite and in range.
------------------------------------------------------------------------------
CREATE TABLE heavy AS
SELECT floor((100 + 70 * u01('rate:' || c)) * tt) AS x, tt - 0.5 / (100 + 70 * u01('rate:' || c)) AS tx, tt
  FROM (SELECT c, 6 + 594 * u01('age:' || c) AS tt FROM generate_series(1, 300) c) s;
SELECT max(x) > 9e4 AS up_to_1e5 FROM heavy;
CREATE TABLE heavy_models AS
SELECT bgnbd_fit(x, tx, tt) AS bg, mbgnbd_fit(x, tx, tt) AS mbg, pareto_nbd_fit(x, tx, tt) AS pn FROM heavy;
SELECT bg::jsonb->>'limit' AS bg_limit, mbg::jsonb->>'limit' AS mbg_limit, pn::jsonb->>'limit' AS pn_limit,
       bg::text = mbg::text::bgnbd_model::text AS bg_mbg_same,
       (bg::jsonb->>'converged')::boolean AS converged
  FROM heavy_models;
SELECT bool_and(p_alive(x, tx, tt, bg) = 1) AS alive,
       bool_and(abs(expected_purchases(30, x, tx, tt, bg)
                    / (((bg::jsonb->>'r')::float8 + x) / ((bg::jsonb->>'alpha')::float8 + tt) * 30) - 1) < 1e-14) AS expected,
       bool_and(clv_estimate(x, tx, tt, 10, pn, gamma_gamma_model(6.25, 3.74, 15.44)) > 0) AS clv_positive
  FROM heavy, heavy_models;

------------------------------------------------------------------------------
-- The two edges of Pareto/NBD with one rate homogeneous and the other
-- Gamma-distributed.  Weekly units; first orders in the first 12 weeks of
-- a 39-week window (as the CDNOW calibration).
--
-- Clockwork buyers: 1,000 customers who order every 9 days until they
-- leave; lifetimes are the Lomax distribution that Exp(mu) lifetimes with
-- mu ~ Gamma(1, 12 weeks) give, L = 84 (1/(1-u) - 1) days.  Purchase counts
-- vary less than any Gamma mixture of Poisson rates allows, so the
-- supremum has r, alpha -> infinity: "homogeneous_rate" (lambda, s, beta).
-- The interior optimiser stops at r = 1.3e6 with LL -17853.5681076050 and
-- converged = false on these data (measured with the core's interior fit).
------------------------------------------------------------------------------
CREATE TABLE clockwork_orders AS
SELECT c AS customer_id, timestamptz '2024-01-01 00:00+00' + (f + 9 * k) * interval '1 day' AS ordered_at,
       30::numeric AS amount
  FROM (SELECT c, floor(84 * u01('first:' || c)) AS f, 84 * (1 / (1 - u01('life:' || c)) - 1) AS life
          FROM generate_series(1, 1000) c) s,
       generate_series(0, 40) k
 WHERE 9 * k <= life AND f + 9 * k <= 273;
CREATE TABLE clockwork AS
SELECT customer_id, (crm_profile(ordered_at, amount, timestamptz '2024-01-01 00:00+00' + interval '273 days',
                                 interval '1 day', interval '7 days')).*
  FROM clockwork_orders GROUP BY customer_id;

-- Settled lifetimes: 1,000 customers buying as Poisson processes with
-- rates ~ Gamma(2, 20 weeks), for lifetimes ~ Gamma(3, rate 3/20 per week):
-- lifetimes vary less than any Gamma mixture of exponential ones allows,
-- so the supremum has s, beta -> infinity: "homogeneous_dropout"
-- (r, alpha, mu).  The interior optimiser reports converged = true at
-- s = 1.4e5, beta = 2.9e6 with LL -6764.4768006802 on these data.
CREATE TABLE settled_orders AS
WITH c AS (
  SELECT c, floor(84 * u01('first:' || c)) AS f,
         -(ln(1 - u01('rate1:' || c)) + ln(1 - u01('rate2:' || c))) / 140 AS lam,
         -(ln(1 - u01('life1:' || c)) + ln(1 - u01('life2:' || c)) + ln(1 - u01('life3:' || c))) * 140 / 3 AS life
    FROM generate_series(1, 1000) c),
g AS (
  SELECT c, f, life, sum(-ln(1 - u01('gap:' || c || ':' || j)) / lam) OVER (PARTITION BY c ORDER BY j) AS at
    FROM c, generate_series(1, 100) j)
SELECT c AS customer_id, timestamptz '2024-01-01 00:00+00' + f * interval '1 day' AS ordered_at, 30::numeric AS amount
  FROM c
UNION ALL
SELECT c, timestamptz '2024-01-01 00:00+00' + (f + at) * interval '1 day', 30 FROM g WHERE at <= life AND f + at <= 273;
CREATE TABLE settled AS
SELECT customer_id, (crm_profile(ordered_at, amount, timestamptz '2024-01-01 00:00+00' + interval '273 days',
                                 interval '1 day', interval '7 days')).*
  FROM settled_orders GROUP BY customer_id;

CREATE TABLE edge_models AS
SELECT 'clockwork' AS data, (SELECT pareto_nbd_fit(frequency, recency, t, '7 days') FROM clockwork) AS pn,
       -17853.5681076050::float8 AS interior_ll,
       (SELECT sum(frequency) * (ln(sum(frequency) / sum(t)) - 1) FROM clockwork) AS poisson_ll
UNION ALL
SELECT 'settled', (SELECT pareto_nbd_fit(frequency, recency, t, '7 days') FROM settled), -6764.4768006802,
       (SELECT sum(frequency) * (ln(sum(frequency) / sum(t)) - 1) FROM settled);
SELECT data, pn::jsonb->>'limit' AS limit, (pn::jsonb->>'converged')::boolean AS converged,
       (pn::jsonb->>'n')::int AS n, pn::jsonb->>'unit' AS unit,
       (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(pn::jsonb - ARRAY['ll', 'n', 'unit', 'converged', 'limit']) k) AS params,
       (pn::jsonb->>'ll')::float8 >= interior_ll AS ll_at_least_interior,
       (pn::jsonb->>'ll')::float8 - interior_ll < 0.01 AS ll_near_interior,
       (pn::jsonb->>'ll')::float8 > poisson_ll AS ll_above_poisson,
       pn::text::pareto_nbd_model::text = pn::text AS round_trip
  FROM edge_models ORDER BY data;
-- the limits' parameters are of the data's scale: clockwork buyers order
-- about every 9 days (lambda < 7/9 per week, less by the customers who left),
-- settled lifetimes last 20 weeks on average (mu near 1/20)
SELECT abs((pn::jsonb->>'lambda')::float8 - 0.74) < 0.05 AS lambda_ok FROM edge_models WHERE data = 'clockwork';
SELECT abs((pn::jsonb->>'mu')::float8 * 20 - 1) < 0.25 AS mu_ok FROM edge_models WHERE data = 'settled';

-- every score, in range and consistent; P(no purchase in 4 weeks) is at
-- least the churn probability; CLV is built from the expected purchases
SELECT data, count(*) AS customers,
       bool_and(p BETWEEN 0 AND 1) AS p_alive, bool_and(abs(c - (1 - p)) < 1e-14) AS churn,
       bool_and(h BETWEEN c - 1e-15 AND 1) AS no_purchase,
       bool_and(e >= 0 AND e2 >= e) AS expected, bool_and(e > 0) AS expected_positive,
       bool_and(en > 0) AS expected_new, bool_and(clv >= 0) AS clv, bool_and(clv > 0) AS clv_positive
  FROM edge_models m,
       LATERAL (SELECT frequency, recency, t, monetary FROM clockwork WHERE m.data = 'clockwork'
                UNION ALL SELECT frequency, recency, t, monetary FROM settled WHERE m.data = 'settled') d,
       LATERAL (SELECT p_alive(frequency, recency, t, pn) AS p, churn_probability(frequency, recency, t, pn) AS c,
                       p_no_purchase(frequency, recency, t, pn, '28 days') AS h,
                       expected_purchases(4, frequency, recency, t, pn) AS e,
                       expected_purchases(8, frequency, recency, t, pn) AS e2,
                       expected_purchases(pn, '28 days'::interval) AS en,
                       clv_estimate(frequency, recency, t, 30, pn, gamma_gamma_model(6.25, 3.74, 15.44)) AS clv) s
 GROUP BY data ORDER BY data;
-- each limit is the limit of the interior model: Pareto/NBD with r = 1e8
-- lambda, alpha = 1e8 (resp. s = 1e8 mu, beta = 1e8) scores the first 40
-- customers as the limit does, to the distance 1e-8 times the data's scale
SELECT data,
       max(abs(p_alive(frequency, recency, t, pn) - p_alive(frequency, recency, t, near))) < 1e-5 AS p_alive,
       max(abs(expected_purchases(8, frequency, recency, t, pn) / expected_purchases(8, frequency, recency, t, near) - 1)) < 1e-5 AS expected,
       max(abs(p_no_purchase(frequency, recency, t, pn, '28 days') - p_no_purchase(frequency, recency, t, near, '28 days'))) < 1e-5 AS no_purchase
  FROM (SELECT data, pn, CASE data
            WHEN 'clockwork' THEN pareto_nbd_model(1e8 * (pn::jsonb->>'lambda')::float8, 1e8, (pn::jsonb->>'s')::float8,
                                                   (pn::jsonb->>'beta')::float8, '7 days')
            ELSE pareto_nbd_model((pn::jsonb->>'r')::float8, (pn::jsonb->>'alpha')::float8,
                                  1e8 * (pn::jsonb->>'mu')::float8, 1e8, '7 days') END AS near
          FROM edge_models) m,
       LATERAL (SELECT frequency, recency, t FROM clockwork WHERE m.data = 'clockwork' AND customer_id <= 40
                UNION ALL SELECT frequency, recency, t FROM settled WHERE m.data = 'settled' AND customer_id <= 40) d
 GROUP BY data ORDER BY data;

------------------------------------------------------------------------------
-- Text and jsonb forms of limit models: the limit's own parameters plus a
-- "limit" key; exact round trips; inconsistent inputs are rejected.
------------------------------------------------------------------------------
CREATE TABLE limit_texts (kind text, txt text);
INSERT INTO limit_texts VALUES
  ('bgnbd', '{"lambda": 0.1, "unit": "7 days", "limit": "homogeneous_rate+no_dropout", "ll": -12.5, "n": 10, "converged": true}'),
  ('bgnbd', '{"r": 0.30000000000000004, "alpha": 1e-300, "unit": "1 day", "limit": "no_dropout", "ll": null, "n": 0, "converged": null}'),
  ('bgnbd', '{"lambda": 0.25, "a": 0.7, "b": 2.5, "unit": "1 day", "limit": "homogeneous_rate", "ll": -3.25, "n": 2, "converged": true}'),
  ('bgnbd', '{"r": 0.8, "alpha": 12, "p": 0.3, "unit": "1 day", "limit": "homogeneous_dropout", "ll": -3.25, "n": 2, "converged": true}'),
  ('bgnbd', '{"lambda": 2, "p": 1, "unit": "1 day", "limit": "homogeneous_rate+homogeneous_dropout", "ll": -0.3068528194400547, "n": 1, "converged": true}'),
  ('mbgnbd', '{"lambda": 0.2, "p": 0.15, "unit": "7 days", "limit": "homogeneous_rate+homogeneous_dropout", "ll": -6.5, "n": 1, "converged": true}'),
  ('pareto_nbd', '{"lambda": 0.2, "mu": 0.05, "unit": "7 days", "limit": "homogeneous_rate+homogeneous_dropout", "ll": -6.5, "n": 1, "converged": true}'),
  ('pareto_nbd', '{"r": 2, "alpha": 60, "unit": "1 day", "limit": "no_dropout", "ll": -8.5, "n": 1, "converged": true}'),
  ('pareto_nbd', '{"lambda": 0.7259704, "s": 0.99, "beta": 13.58, "unit": "7 days", "limit": "homogeneous_rate", "ll": -17853.5, "n": 1000, "converged": true}'),
  ('pareto_nbd', '{"r": 4.19, "alpha": 36.6, "mu": 0.048291600000000004, "unit": "7 days", "limit": "homogeneous_dropout", "ll": -6764.5, "n": 1000, "converged": true}'),
  ('gamma_gamma', '{"p": 7.85, "nu": 0.155, "limit": "homogeneous_spend", "ll": -3211.7, "n": 1000, "converged": true}'),
  ('gamma_gamma', '{"q": 2.5, "w": 61.25, "limit": "constant_spend_per_customer", "ll": -1712.5, "n": 400, "converged": true}'),
  ('gamma_gamma', '{"spend": 25, "limit": "constant_spend", "ll": null, "n": 20, "converged": true}');
CREATE FUNCTION round_trip(kind text, txt text) RETURNS TABLE (text_ok boolean, jsonb_ok boolean) LANGUAGE plpgsql AS $$
DECLARE t text; j jsonb;
BEGIN
    EXECUTE format('SELECT $1::%1$I_model::text, $1::%1$I_model::jsonb', kind) INTO t, j USING txt;
    EXECUTE format('SELECT $1::%1$I_model::text = $2, $3::text::%1$I_model::jsonb = $3', kind)
        INTO text_ok, jsonb_ok USING t, txt, j;
    RETURN NEXT;
END $$;
SELECT kind, txt::jsonb->>'limit' AS limit, r.* FROM limit_texts, LATERAL round_trip(kind, txt) r;
SELECT '{"lambda": 0.1, "limit": "homogeneous_rate+no_dropout"}'::bgnbd_model;
SELECT '{"lambda": 0.1, "limit": "homogeneous_rate+no_dropout"}'::pareto_nbd_model::jsonb;
-- stored values of earlier versions (no limit) read as before
SELECT bgnbd_model(0.243, 4.414, 0.793, 2.426, '7 days')::text::bgnbd_model::text
     = '{"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426, "unit": "7 days", "ll": null, "n": 0, "converged": null}' AS plain;

-- rejected: parameters of another model, a missing one, an unknown limit,
-- a probability out of range, a limit the kind does not have
SELECT outcome($$SELECT '{"lambda": 0.1, "a": 1, "limit": "homogeneous_rate+no_dropout"}'::bgnbd_model$$);
SELECT outcome($$SELECT '{"r": 1, "alpha": 1, "a": 1, "b": 1, "limit": "no_dropout"}'::bgnbd_model$$);
SELECT outcome($$SELECT '{"lambda": 0.1, "limit": "homogeneous_rate"}'::mbgnbd_model$$);
SELECT outcome($$SELECT '{"lambda": 0.1, "limit": "poisson"}'::bgnbd_model$$);
SELECT outcome($$SELECT '{"lambda": 0.1, "limit": 3}'::bgnbd_model$$);
SELECT outcome($$SELECT '{"r": 0.8, "alpha": 12, "p": 1, "limit": "homogeneous_dropout"}'::bgnbd_model$$);
SELECT outcome($$SELECT '{"lambda": 0.2, "p": 1, "limit": "homogeneous_rate+homogeneous_dropout"}'::mbgnbd_model$$);
SELECT outcome($$SELECT '{"lambda": 0.2, "p": 1.5, "limit": "homogeneous_rate+homogeneous_dropout"}'::bgnbd_model$$);
SELECT outcome($$SELECT '{"lambda": 0, "limit": "homogeneous_rate+no_dropout"}'::bgnbd_model$$);
SELECT outcome($$SELECT '{"r": 1, "alpha": 1, "limit": "homogeneous_dropout"}'::pareto_nbd_model$$);
SELECT outcome($$SELECT '{"r": 1, "alpha": 1, "p": 0.5, "limit": "homogeneous_dropout"}'::pareto_nbd_model$$);
SELECT outcome($$SELECT '{"lambda": 0.1, "a": 1, "b": 2, "limit": "homogeneous_rate"}'::pareto_nbd_model$$);
SELECT outcome($$SELECT '{"lambda": 0.1, "s": 1, "beta": 0, "limit": "homogeneous_rate"}'::pareto_nbd_model$$);
SELECT outcome($$SELECT '{"r": 1, "alpha": 1, "mu": -0.5, "limit": "homogeneous_dropout"}'::pareto_nbd_model$$);
SELECT outcome($$SELECT '{"lambda": 0.1, "s": 1, "beta": 2, "limit": "homogeneous_rates"}'::pareto_nbd_model$$);
SELECT outcome($$SELECT '{"spend": 25, "p": 2, "limit": "constant_spend"}'::gamma_gamma_model$$);
SELECT outcome($$SELECT '{"q": 0.9, "w": 10, "limit": "constant_spend_per_customer"}'::gamma_gamma_model$$);
-- a 1 MB input gives a short message
SELECT length(outcome($$SELECT ('{"r": 1, "' || repeat('x', 1000000) || '": 2}')::bgnbd_model$$)) < 400 AS short_key,
       length(outcome($$SELECT ('{"r": 1, "limit": "' || repeat('x', 1000000) || '"}')::pareto_nbd_model$$)) < 600 AS short_limit,
       length(outcome($$SELECT ('[' || repeat('1, ', 300000) || '1]')::gamma_gamma_model$$)) < 400 AS short_array,
       length(outcome($$SELECT ('{"p": 1, "q": 2, "v": ' || repeat('9', 1000000) || '}')::gamma_gamma_model$$)) < 400 AS short_number;
SELECT outcome($$SELECT ('{"r": 1, "' || repeat('x', 1000000) || '": 2}')::bgnbd_model$$);

-- limit models score through every SQL form, profiles included
SELECT abs(p_alive(p, '{"lambda": 0.2, "p": 0.3, "unit": "1 day", "limit": "homogeneous_rate+homogeneous_dropout"}'::bgnbd_model)
           - 1 / (1 + 0.3 / 0.7 * exp(0.2 * ((p).t - (p).recency)))) < 1e-15 AS alive_profile,
       abs(expected_purchases(p, '{"lambda": 0.2, "unit": "1 day", "limit": "homogeneous_rate+no_dropout"}'::bgnbd_model, '30 days') - 6) < 1e-14 AS expected_profile
  FROM (SELECT (crm_profile(ordered_at, amount, timestamptz '2025-08-23 00:00+00')) p FROM steady_orders WHERE customer_id = 1) s;

-- btyd_compare counts a limit model's free parameters (the Poisson limit
-- has one), so AIC and BIC compare it fairly with the interior models
SELECT model, params->>'limit' AS limit, n_params,
       abs(aic - (2 * n_params - 2 * ll)) < 1e-9 AS aic_ok
  FROM btyd_compare('steady', unit => '1 day') ORDER BY model;

DROP SCHEMA test_boundary CASCADE;
