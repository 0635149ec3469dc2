-- BTYD models: types, fits, scores, errors.  Values as tolerance booleans.
CREATE SCHEMA test_models;
SET search_path = test_models, public;
SET extra_float_digits = 0;

-- model values: text is JSON, round-trips exactly, casts to jsonb
SELECT bgnbd_model(0.25, 4.4, 0.8, 2.4, '7 days');
SELECT gamma_gamma_model(6.25, 3.74, 15.44);
SELECT '{"r": 0.1, "alpha": 1e-300, "a": 3, "b": 1.7976931348623157e308}'::bgnbd_model::text::bgnbd_model::text;
SELECT (bgnbd_model(0.25, 4.4, 0.8, 2.4, '7 days')::jsonb) ->> 'unit' AS unit,
       (gamma_gamma_model(6.25, 3.74, 15.44)::jsonb) ? 'v' AS has_v;

-- fits on simulated customers recover the parameters (100,000 customers)
CREATE TABLE sim AS
SELECT * FROM btyd_simulate(100000, 0.25, 4.4, 0.8, 2.4, 39, 7, 6.25, 3.74, 15.44);
CREATE TABLE fitted AS
SELECT bgnbd_fit(frequency, recency, t, '7 days') AS bg, gamma_gamma_fit(frequency, monetary) AS gg FROM sim;
SELECT abs((bg::jsonb->>'r')::float8 / 0.25 - 1) < 0.1 AS r_ok,
       abs((bg::jsonb->>'alpha')::float8 / 4.4 - 1) < 0.1 AS alpha_ok,
       abs((bg::jsonb->>'a')::float8 / 0.8 - 1) < 0.1 AS a_ok,
       abs((bg::jsonb->>'b')::float8 / 2.4 - 1) < 0.1 AS b_ok,
       (bg::jsonb->>'converged')::bool AS bg_converged,
       (bg::jsonb->>'n')::float8 AS bg_n,
       abs((gg::jsonb->>'p')::float8 / 6.25 - 1) < 0.1 AS p_ok,
       abs((gg::jsonb->>'q')::float8 / 3.74 - 1) < 0.1 AS q_ok,
       abs((gg::jsonb->>'v')::float8 / 15.44 - 1) < 0.1 AS v_ok,
       (gg::jsonb->>'converged')::bool AS gg_converged
FROM fitted;
-- a fitted model round-trips through text exactly
SELECT bg::text::bgnbd_model::text = bg::text AS bg_round_trip,
       gg::text::gamma_gamma_model::text = gg::text AS gg_round_trip FROM fitted;

-- partial fits as Citus runs them: a state per shard, shipped as text, merged;
-- the merged fit equals the one-pass fit exactly, in any shard order
CREATE AGGREGATE bgnbd_cells(float8, float8, float8, interval) (SFUNC = bgnbd_fit_trans, STYPE = btyd_cells);
CREATE AGGREGATE bgnbd_merge(btyd_cells) (SFUNC = btyd_cells_combine, STYPE = btyd_cells, FINALFUNC = bgnbd_fit_final);
CREATE AGGREGATE gg_cells(float8, float8) (SFUNC = gamma_gamma_fit_trans, STYPE = btyd_cells);
CREATE AGGREGATE gg_merge(btyd_cells) (SFUNC = btyd_cells_combine, STYPE = btyd_cells, FINALFUNC = gamma_gamma_fit_final);
CREATE TABLE shards AS
SELECT customer_id % 4 AS shard,
       bgnbd_cells(frequency, recency, t, '7 days')::text AS bg_state,
       gg_cells(frequency, monetary)::text AS gg_state
FROM sim GROUP BY 1;
SELECT bool_and(bg_state::btyd_cells::text = bg_state) AS state_text_round_trips FROM shards;
SELECT (SELECT bgnbd_merge(bg_state::btyd_cells ORDER BY shard)::text FROM shards) = bg::text AS merged_bg_equals_one_pass,
       (SELECT bgnbd_merge(bg_state::btyd_cells ORDER BY shard DESC)::text FROM shards) = bg::text AS any_order,
       (SELECT gg_merge(gg_state::btyd_cells ORDER BY shard)::text FROM shards) = gg::text AS merged_gg_equals_one_pass
FROM fitted;

-- scores against a fixed model (CDNOW's published BG/NBD and Gamma-Gamma estimates)
CREATE TABLE m AS SELECT bgnbd_model(0.243, 4.414, 0.793, 2.426, '7 days') AS bg,
                         gamma_gamma_model(6.25, 3.74, 15.44) AS gg;
-- P(alive) is 1 without repeat purchases; the closed form otherwise
SELECT p_alive(0, 0, 38.86, bg) = 1 AS one_time_buyer_alive,
       abs(p_alive(2, 30.43, 38.86, bg)
           - 1 / (1 + 0.793 / (2.426 + 2 - 1) * ((4.414 + 38.86) / (4.414 + 30.43)) ^ (0.243 + 2))) < 1e-12 AS closed_form,
       abs(churn_probability(2, 30.43, 38.86, bg) + p_alive(2, 30.43, 38.86, bg) - 1) < 1e-15 AS churn_is_complement
FROM m;
-- the horizon form: P(no purchase in the next h) lies between 1 - P(alive) and 1
SELECT p_no_purchase(2, 30.43, 38.86, bg, '1 week') > p_no_purchase(2, 30.43, 38.86, bg, '39 weeks') AS shrinks,
       p_no_purchase(2, 30.43, 38.86, bg, '39 weeks') > churn_probability(2, 30.43, 38.86, bg) AS above_churn,
       abs(p_no_purchase(2, 30.43, 38.86, bg, '100000 weeks') - churn_probability(2, 30.43, 38.86, bg)) < 1e-3 AS limit_ok
FROM m;
-- expected purchases: 0 at horizon 0, interval = float in model units, a new customer's curve
SELECT expected_purchases(0, 2, 30.43, 38.86, bg) = 0 AS zero_horizon,
       expected_purchases(bg, '39 weeks'::interval) = expected_purchases(bg, '273 days'::interval) AS units_ok,
       round(expected_purchases(39, 2, 30.43, 38.86, bg)::numeric, 4) AS e39,
       expected_purchases(bg, '78 weeks') > expected_purchases(bg, '39 weeks') AS new_customer_grows
FROM m;
-- expected spend: the population mean p v / (q - 1) without repeat purchases
SELECT abs(expected_spend(0, 0, gg) - 6.25 * 15.44 / 2.74) < 1e-9 AS population_mean,
       abs(expected_spend(2, 22.345, gg) - 6.25 * (15.44 + 2 * 22.345) / (6.25 * 2 + 3.74 - 1)) < 1e-9 AS posterior_mean
FROM m;
-- repeat purchases that net to <= 0 (refunds) carry no spend information:
-- the population mean is used, as for customers without repeat purchases
SELECT expected_spend(1, -12.32, gg) = expected_spend(0, 0, gg) AS refunded_uses_mean,
       abs(clv_estimate(1, 5, 20, -12.32, bg, gg)
           - clv_estimate(1, 5, 20, 1, bg, gg) / expected_spend(1, 1, gg) * expected_spend(0, 0, gg)) < 1e-9 AS clv_uses_mean
FROM m;
-- CLV: 0 months is 0, more months more value, a higher discount less
SELECT clv_estimate(2, 30.43, 38.86, 22.345, bg, gg, 0) = 0 AS zero_months,
       clv_estimate(2, 30.43, 38.86, 22.345, bg, gg, 24) > clv_estimate(2, 30.43, 38.86, 22.345, bg, gg) AS longer_more,
       clv_estimate(2, 30.43, 38.86, 22.345, bg, gg, 12, 0.05) < clv_estimate(2, 30.43, 38.86, 22.345, bg, gg) AS discount_less,
       round(clv_estimate(2, 30.43, 38.86, 22.345, bg, gg)::numeric, 4) AS clv_12_months
FROM m;
-- CLV without discount over one month = expected purchases in 30 days x expected spend
SELECT abs(clv_estimate(2, 30.43, 38.86, 22.345, bg, gg, 1, 0)
           - expected_purchases(30.0 / 7, 2, 30.43, 38.86, bg) * expected_spend(2, 22.345, gg)) < 1e-9 AS one_month
FROM m;

-- numerics: x up to 1e6 and T up to 1e5 units stay finite and in range
SELECT count(*) AS cases,
       count(*) FILTER (WHERE NOT (pa BETWEEN 0 AND 1)) AS p_alive_out_of_range,
       count(*) FILTER (WHERE NOT (e >= 0 AND e < 'Infinity')) AS bad_expectations,
       count(*) FILTER (WHERE NOT (c >= 0 AND c < 'Infinity')) AS bad_clv
FROM (SELECT p_alive(x, tx, tt, bg) pa, expected_purchases(52, x, tx, tt, bg) e,
             clv_estimate(x, tx, tt, 50, bg, gg) c
      FROM m, unnest('{0,1,2,10,100,1000,10000,100000,1000000}'::float8[]) x,
           unnest('{1,10,100,1000,10000,100000}'::float8[]) tt,
           unnest('{0,0.5,0.999}'::float8[]) f,
           LATERAL (SELECT CASE WHEN x = 0 THEN 0 ELSE f * tt END AS tx) s) v;

-- profile forms: the unit comes from the profile and must match the model
CREATE TABLE orders AS SELECT * FROM crm_demo_orders(500, 3);
CREATE TABLE prof AS
SELECT customer_id, crm_profile(ordered_at, amount, '2025-12-31', '1 day', '7 days') AS p
FROM orders GROUP BY customer_id;
SELECT bgnbd_fit(p)::text = (SELECT bgnbd_fit((p).frequency, (p).recency, (p).t, '7 days')::text FROM prof) AS profile_form_same,
       gamma_gamma_fit(p)::text = (SELECT gamma_gamma_fit((p).frequency, (p).monetary)::text FROM prof) AS gg_profile_form_same
FROM prof;
SELECT count(*) FILTER (WHERE abs(churn_probability(p, bg) - churn_probability((p).frequency, (p).recency, (p).t, bg)) > 0) AS churn_mismatch,
       count(*) FILTER (WHERE abs(clv_estimate(p, bg, gg) - clv_estimate((p).frequency, (p).recency, (p).t, (p).monetary, bg, gg)) > 0) AS clv_mismatch
FROM prof, m;

-- empty input: no model
SELECT bgnbd_fit(frequency, recency, t) IS NULL AS empty_bg, gamma_gamma_fit(frequency, monetary) IS NULL AS empty_gg
FROM sim WHERE false;

-- errors
SELECT '{"r": 1}'::bgnbd_model;
SELECT '{"r": 1, "alpha": 1, "a": 1, "b": 1, "colour": "red"}'::bgnbd_model;
SELECT 'not json'::gamma_gamma_model;
SELECT bgnbd_model(-1, 1, 1, 1);
SELECT bgnbd_model(1, 'NaN', 1, 1);
SELECT bgnbd_model(1, 1, 1, 1, '1 month');
SELECT gamma_gamma_model(1, 0, 1);
SELECT bgnbd_fit(x, 0, 10) FROM (VALUES (-1::float8)) v(x);
SELECT bgnbd_fit(x, 0, 10) FROM (VALUES (1.5::float8)) v(x);
SELECT bgnbd_fit(1, 11, 10);
SELECT bgnbd_fit(0, 0, t) FROM generate_series(1, 10) t;
SELECT gamma_gamma_fit(0, 10) FROM generate_series(1, 10);
SELECT bgnbd_fit(p) FROM (SELECT crm_profile(ts, 1, '2024-03-01', '1 day', u) p
                          FROM (VALUES ('2024-01-01'::timestamptz, '1 day'::interval), ('2024-01-02', '7 days')) v(ts, u)
                          GROUP BY u) s;
SELECT p_alive(1, 5, 4, bg) FROM m;
SELECT expected_purchases(-1, 1, 1, 2, bg) FROM m;
SELECT churn_probability(p, bgnbd_model(0.243, 4.414, 0.793, 2.426)) FROM prof LIMIT 1;
SELECT clv_estimate(1, 1, 2, 10, bg, gg, -1) FROM m;
SELECT clv_estimate(1, 1, 2, 10, bg, gg, 12, -1) FROM m;
SELECT expected_spend(0, 0, gamma_gamma_model(1, 0.5, 1));
SELECT * FROM btyd_simulate(10, 0, 1, 1, 1, 10);
SELECT * FROM btyd_simulate(10, 1, 1, 1, 1, 10, 1, 1, NULL, NULL);
-- extreme parameters (drop-out probability 0) end with an error instead of running forever
SELECT * FROM btyd_simulate(1, 1, 1e-12, 0.001, 1, 1e5);
