-- BTYD family: Pareto/NBD and MBG/NBD types, fits, scores and btyd_compare.
-- Reference values are mpmath evaluations of the published formulas (see
-- test/unit/vectors/gen_btyd_family.py); checks are tolerance booleans.
CREATE SCHEMA test_btyd_family;
SET search_path = test_btyd_family, public;
SET TimeZone = 'UTC';

-- types: exact text round trip, jsonb cast, constructors
SELECT '{"r": 0.55, "alpha": 10.58, "s": 0.61, "beta": 11.67, "unit": "7 days"}'::pareto_nbd_model;
SELECT '{"r": 0.52, "alpha": 6.18, "a": 0.89, "b": 1.61, "unit": "7 days"}'::mbgnbd_model;
SELECT pareto_nbd_model(0.1 + 0.2, 1e-300, 1.7976931348623157e308, 5e-324)::text::pareto_nbd_model::text
     = pareto_nbd_model(0.1 + 0.2, 1e-300, 1.7976931348623157e308, 5e-324)::text AS pnbd_round_trip,
       mbgnbd_model(0.1 + 0.2, 1e-300, 1.7976931348623157e308, 5e-324)::text::mbgnbd_model::text
     = mbgnbd_model(0.1 + 0.2, 1e-300, 1.7976931348623157e308, 5e-324)::text AS mbg_round_trip;
SELECT pareto_nbd_model(0.55, 10.58, 0.61, 11.67, '7 days')::jsonb;
SELECT mbgnbd_model(0.52, 6.18, 0.89, 1.61)::jsonb;
SELECT '{"r": 1, "alpha": 1, "a": 1, "b": 1, "ll": -5.5, "n": 3, "converged": false}'::mbgnbd_model::jsonb;

-- validation
SELECT pareto_nbd_model(0.55, 10.58, 0, 11.67);
SELECT mbgnbd_model(0.52, 'NaN', 0.89, 1.61);
SELECT pareto_nbd_model(0.55, 10.58, 0.61, 11.67, '0 days');
SELECT '{"r": 0.55, "alpha": 10.58, "a": 0.61, "beta": 11.67}'::pareto_nbd_model;
SELECT '{"r": 0.52, "alpha": 6.18, "a": 0.89}'::mbgnbd_model;
SELECT '[1, 2]'::mbgnbd_model;

-- scores of one customer (x = 2, t_x = 30.43, T = 38.86 weeks) against mpmath
CREATE TABLE m AS
SELECT pareto_nbd_model(0.55, 10.58, 0.61, 11.67, '7 days') AS pn,
       mbgnbd_model(0.52, 6.18, 0.89, 1.61, '7 days') AS mb;
SELECT abs(p_alive(2, 30.43, 38.86, pn) / 0.868410917132091720 - 1) < 1e-12 AS pn_alive,
       abs(churn_probability(2, 30.43, 38.86, pn) - (1 - 0.868410917132091720)) < 1e-12 AS pn_churn,
       abs(expected_purchases(39, 2, 30.43, 38.86, pn) / 1.45037137479171097 - 1) < 1e-12 AS pn_e39,
       abs(expected_purchases(39, 2, 30.43, 38.86, pn::purchase_model) / 1.45037137479171097 - 1) < 1e-12 AS pn_e39_cast,
       abs(expected_purchases(pn::purchase_model, '39 weeks') / 1.20235236283199256 - 1) < 1e-12 AS pn_new,
       abs(expected_purchases(pn, '39 weeks'::interval) / 1.20235236283199256 - 1) < 1e-12 AS pn_new_interval
FROM m;
SELECT abs(p_alive(2, 30.43, 38.86, mb) / 0.706412392597074397 - 1) < 1e-12 AS mb_alive,
       abs(churn_probability(2, 30.43, 38.86, mb) - (1 - 0.706412392597074397)) < 1e-12 AS mb_churn,
       abs(expected_purchases(39, 2, 30.43, 38.86, mb) / 1.26129514393605391 - 1) < 1e-12 AS mb_e39,
       abs(expected_purchases(mb, '39 weeks') / 1.17325494871418451 - 1) < 1e-12 AS mb_new,
       -- one-time buyers may already be gone under MBG/NBD (not under BG/NBD)
       abs(p_alive(0, 0, 10, mb) / 0.523056142956175437 - 1) < 1e-12 AS mb_alive_x0,
       p_alive(0, 0, 10, bgnbd_model(0.52, 6.18, 0.89, 1.61, '7 days')) AS bg_alive_x0
FROM m;

-- "no purchase in the horizon" falls with the horizon, from 1 towards 1 - P(alive);
-- MBG/NBD reaches it (the alive buy before they can drop out), Pareto/NBD stays above
-- it (an alive customer may die before the next purchase), by E[mu / (lambda + mu)]
SELECT p_no_purchase(2, 30.43, 38.86, pn, '0 days') AS pn_h0,
       p_no_purchase(2, 30.43, 38.86, pn, '1 week') > p_no_purchase(2, 30.43, 38.86, pn, '52 weeks') AS pn_falls,
       p_no_purchase(2, 30.43, 38.86, pn, '52 weeks') > p_no_purchase(2, 30.43, 38.86, pn, '100000 years') AS pn_falls_more,
       p_no_purchase(2, 30.43, 38.86, pn, '100000 years') > 1 - p_alive(2, 30.43, 38.86, pn) AS pn_above_churn,
       p_no_purchase(2, 30.43, 38.86, mb, '0 days') AS mb_h0,
       abs(p_no_purchase(2, 30.43, 38.86, mb, '100000 years') - (1 - p_alive(2, 30.43, 38.86, mb))) < 1e-9 AS mb_h_long
FROM m;

-- extreme customers stay finite and in range
SELECT bool_and(p_alive(x, tx, tt, pn) BETWEEN 0 AND 1 AND p_alive(x, tx, tt, mb) BETWEEN 0 AND 1) AS alive_in_range,
       bool_and(expected_purchases(52, x, tx, tt, pn) >= 0 AND expected_purchases(52, x, tx, tt, mb) >= 0
                AND expected_purchases(52, x, tx, tt, pn) < 'Infinity' AND expected_purchases(52, x, tx, tt, mb) < 'Infinity') AS expected_finite
FROM m, (VALUES (0::float8, 0::float8, 0::float8), (0, 0, 1e5), (1e6, 1e5, 1e5), (1e6, 10, 1e5), (3, 1, 1e5)) v(x, tx, tt);

-- CLV: the BG/NBD definitions and defaults, with the other purchase models
SELECT abs(clv_estimate(2, 30.43, 38.86, 30, pn, gamma_gamma_model(6.25, 3.74, 15.44))
           - clv_estimate(2, 30.43, 38.86, 30, pn, gamma_gamma_model(6.25, 3.74, 15.44), 12, 0.01, '30 days')) = 0 AS pn_defaults,
       clv_estimate(2, 30.43, 38.86, 30, pn, gamma_gamma_model(6.25, 3.74, 15.44), 0) AS pn_zero_months,
       -- undiscounted CLV = expected spend x expected purchases over the whole horizon
       abs(clv_estimate(2, 30.43, 38.86, 30, mb, gamma_gamma_model(6.25, 3.74, 15.44), 12, 0)
           / (expected_spend(2, 30, gamma_gamma_model(6.25, 3.74, 15.44))
              * expected_purchases(12 * 30 / 7.0, 2, 30.43, 38.86, mb)) - 1) < 1e-12 AS mb_undiscounted,
       abs(clv_estimate(2, 30.43, 38.86, 30, pn, gamma_gamma_model(6.25, 3.74, 15.44), 12, 0)
           / (expected_spend(2, 30, gamma_gamma_model(6.25, 3.74, 15.44))
              * expected_purchases(12 * 30 / 7.0, 2, 30.43, 38.86, pn)) - 1) < 1e-12 AS pn_undiscounted
FROM m;

-- scores reject bad customer summaries like the BG/NBD ones
SELECT p_alive(2, 40, 38.86, pn) FROM m;
SELECT expected_purchases(-1, 2, 30, 38.86, mb) FROM m;
SELECT clv_estimate(2, 30, 38.86, 30, pn, gamma_gamma_model(6.25, 3.74, 15.44), -1) FROM m;

-- fits over simulated BG/NBD customers: profile and float forms agree, converge
CREATE TABLE sim AS
SELECT * FROM btyd_simulate(3000, 0.5, 8.0, 0.6, 2.5, 52.0, 11);
SELECT (pareto_nbd_fit(frequency, recency, t, '7 days')::text = pareto_nbd_fit(frequency, recency, t, '7 days')::text) AS deterministic,
       (pareto_nbd_fit(frequency, recency, t, '7 days')::jsonb->>'converged')::boolean AS pn_converged,
       (mbgnbd_fit(frequency, recency, t, '7 days')::jsonb->>'converged')::boolean AS mb_converged,
       pareto_nbd_fit(frequency, recency, t)::jsonb->>'unit' AS default_unit,
       (mbgnbd_fit(frequency, recency, t)::jsonb->>'n')::int AS n
FROM sim;
-- the one-argument form over profiles is the same fit as the float form
CREATE TABLE demo_profile AS
SELECT customer_id, crm_profile(ordered_at, amount, '2026-01-01 00:00+00', '1 day', '7 days') AS p
FROM crm_demo_orders(1500, 5) GROUP BY customer_id;
SELECT pareto_nbd_fit(p)::text = pareto_nbd_fit((p).frequency, (p).recency, (p).t, (p).unit)::text AS pn_profile_form,
       mbgnbd_fit(p)::text = mbgnbd_fit((p).frequency, (p).recency, (p).t, (p).unit)::text AS mb_profile_form
FROM demo_profile;

-- parameter recovery from the models' own generative processes (recency to whole days)
CREATE TABLE sim_pn AS
SELECT customer_id, frequency, floor(recency * 7) / 7 AS recency, t
FROM pareto_nbd_simulate(20000, 0.55, 10.6, 0.61, 11.7, 52, 7);
CREATE TABLE sim_mb AS
SELECT customer_id, frequency, floor(recency * 7) / 7 AS recency, t
FROM mbgnbd_simulate(20000, 0.52, 6.2, 0.89, 1.6, 52, 7);
SELECT abs((m::jsonb->>'r')::float8 / 0.55 - 1) < 0.15 AS r_ok,
       abs((m::jsonb->>'alpha')::float8 / 10.6 - 1) < 0.15 AS alpha_ok,
       abs((m::jsonb->>'s')::float8 / 0.61 - 1) < 0.15 AS s_ok,
       abs((m::jsonb->>'beta')::float8 / 11.7 - 1) < 0.25 AS beta_ok
FROM (SELECT pareto_nbd_fit(frequency, recency, t, '7 days') AS m FROM sim_pn) f;
SELECT abs((m::jsonb->>'r')::float8 / 0.52 - 1) < 0.15 AS r_ok,
       abs((m::jsonb->>'alpha')::float8 / 6.2 - 1) < 0.15 AS alpha_ok,
       abs((m::jsonb->>'a')::float8 / 0.89 - 1) < 0.15 AS a_ok,
       abs((m::jsonb->>'b')::float8 / 1.6 - 1) < 0.15 AS b_ok
FROM (SELECT mbgnbd_fit(frequency, recency, t, '7 days') AS m FROM sim_mb) f;
-- the simulators are deterministic per (seed, customer) and check their arguments
SELECT (SELECT array_agg(frequency ORDER BY customer_id) FROM pareto_nbd_simulate(5, 0.55, 10.6, 0.61, 11.7, 52, 7))
     = (SELECT array_agg(frequency ORDER BY customer_id) FROM pareto_nbd_simulate(9, 0.55, 10.6, 0.61, 11.7, 52, 7) WHERE customer_id <= 5) AS prefix_stable;
SELECT * FROM mbgnbd_simulate(3, 0.52, 6.2, 0, 1.6, 52);
SELECT * FROM pareto_nbd_simulate(0, 0.55, 10.6, 0.61, 11.7, 52);

-- partial fits as Citus runs them: a state per shard, shipped as text, merged;
-- the merged fit equals the one-pass fit exactly, in any shard order
CREATE AGGREGATE cells_of(float8, float8, float8, interval) (SFUNC = bgnbd_fit_trans, STYPE = btyd_cells);
CREATE AGGREGATE pn_merge(btyd_cells) (SFUNC = btyd_cells_combine, STYPE = btyd_cells, FINALFUNC = pareto_nbd_fit_final);
CREATE AGGREGATE mb_merge(btyd_cells) (SFUNC = btyd_cells_combine, STYPE = btyd_cells, FINALFUNC = mbgnbd_fit_final);
CREATE TABLE shards AS
SELECT customer_id % 4 AS shard, cells_of(frequency, recency, t, '7 days')::text AS st FROM sim GROUP BY 1;
CREATE TABLE one_pass AS
SELECT pareto_nbd_fit(frequency, recency, t, '7 days')::text AS pn,
       mbgnbd_fit(frequency, recency, t, '7 days')::text AS mb FROM sim;
SELECT (SELECT pn_merge(st::btyd_cells ORDER BY shard)::text FROM shards) = pn AS pn_merged_equals_one_pass,
       (SELECT pn_merge(st::btyd_cells ORDER BY shard DESC)::text FROM shards) = pn AS pn_any_order,
       (SELECT mb_merge(st::btyd_cells ORDER BY shard)::text FROM shards) = mb AS mb_merged_equals_one_pass,
       (SELECT mb_merge(st::btyd_cells ORDER BY shard DESC)::text FROM shards) = mb AS mb_any_order
FROM one_pass;

-- empty input: no model; bad rows: an error naming the aggregate
SELECT pareto_nbd_fit(frequency, recency, t) IS NULL AS empty_pn, mbgnbd_fit(frequency, recency, t) IS NULL AS empty_mb
FROM sim WHERE false;
SELECT pareto_nbd_fit(x, tx, tt) FROM (VALUES (1.5::float8, 1::float8, 2::float8)) v(x, tx, tt);
SELECT mbgnbd_fit(x, tx, tt) FROM (VALUES (0::float8, 0::float8, 2::float8), (0, 0, 3)) v(x, tx, tt);

-- btyd_compare: arguments are checked, identifiers quoted
CREATE TABLE "odd Name" ("Freq" float8, "rec" float8, "age" float8, "hold out" float8);
INSERT INTO "odd Name" SELECT frequency, recency, t, (customer_id % 3)::float8 FROM sim;
SELECT model, n_params, n, converged, abs(aic - (8 - 2 * ll)) < 1e-9 AS aic_ok,
       abs(bic - (4 * ln(n) - 2 * ll)) < 1e-9 AS bic_ok, holdout_mae IS NULL AS no_holdout
FROM btyd_compare('"odd Name"', 'Freq', 'rec', 'age', '7 days');
SELECT model, holdout_actual, holdout_mae > 0 AS mae_pos, holdout_rmse >= holdout_mae AS rmse_ge_mae,
       holdout_forecast > 0 AS forecast_pos
FROM btyd_compare('"odd Name"', 'Freq', 'rec', 'age', '7 days', 'hold out', '10 weeks');
SELECT * FROM btyd_compare('"odd Name"', 'Freq', 'rec', 'age', '7 days', 'hold out');
SELECT * FROM btyd_compare('"odd Name"', 'Freq; DROP TABLE sim', 'rec', 'age');

-- CDNOW reference (last: skips when ../shared/data/cdnow is not beside the project)
\set have_cdnow `test -r ../shared/data/cdnow/CDNOW_sample.txt && echo 1 || echo 0`
\if :have_cdnow
\else
\echo SKIP: CDNOW sample not found at ../shared/data/cdnow/CDNOW_sample.txt
DROP SCHEMA test_btyd_family CASCADE;
\quit
\endif
CREATE TABLE cdnow (customer_id int, ordered_on date, cds int, amount numeric);
\copy cdnow FROM PROGRAM 'tr -d ''\r'' < ../shared/data/cdnow/CDNOW_sample.txt | awk ''{print $2 "\t" substr($3,1,4) "-" substr($3,5,2) "-" substr($3,7,2) "\t" $4 "\t" $5}'''
CREATE TABLE cdnow_profile AS
SELECT customer_id, crm_profile(ordered_on::timestamp AT TIME ZONE 'UTC', amount,
                                '1997-09-30 00:00+00', '1 day', '7 days') AS p
FROM cdnow GROUP BY customer_id;
CREATE TABLE cdnow_fits AS
SELECT pareto_nbd_fit(p) AS pn, mbgnbd_fit(p) AS mb FROM cdnow_profile;

-- Pareto/NBD MLE: r = 0.553277, alpha = 10.57768, s = 0.606240, beta = 11.66873 (2e-3 relative), LL = -9594.9762 (0.01)
SELECT abs((pn::jsonb->>'r')::float8 / 0.553277 - 1) < 2e-3 AS r_ok,
       abs((pn::jsonb->>'alpha')::float8 / 10.57768 - 1) < 2e-3 AS alpha_ok,
       abs((pn::jsonb->>'s')::float8 / 0.606240 - 1) < 2e-3 AS s_ok,
       abs((pn::jsonb->>'beta')::float8 / 11.66873 - 1) < 2e-3 AS beta_ok,
       abs((pn::jsonb->>'ll')::float8 + 9594.9762) < 0.01 AS ll_ok,
       pn::jsonb->'n' AS n, pn::jsonb->'converged' AS converged, pn::jsonb->>'unit' AS unit
FROM cdnow_fits;

-- MBG/NBD MLE: r = 0.524843, alpha = 6.183082, a = 0.891360, b = 1.614003 (1e-3 relative), LL = -9582.1357
SELECT abs((mb::jsonb->>'r')::float8 / 0.524843 - 1) < 1e-3 AS r_ok,
       abs((mb::jsonb->>'alpha')::float8 / 6.183082 - 1) < 1e-3 AS alpha_ok,
       abs((mb::jsonb->>'a')::float8 / 0.891360 - 1) < 1e-3 AS a_ok,
       abs((mb::jsonb->>'b')::float8 / 1.614003 - 1) < 1e-3 AS b_ok,
       abs((mb::jsonb->>'ll')::float8 + 9582.1357) < 1e-3 * 9582.1357 AS ll_ok,
       mb::jsonb->'n' AS n, mb::jsonb->'converged' AS converged
FROM cdnow_fits;

-- the holdout (1997-10-01 .. 1998-06-30): forecasts vs the 1,882 actual repeat purchases
SELECT round(sum(expected_purchases(p, pn, '39 weeks'::interval))) AS pareto_nbd_forecast,
       round(sum(expected_purchases(p, mb, '39 weeks'::interval))) AS mbgnbd_forecast
FROM cdnow_profile, cdnow_fits;

-- the comparison over the same profiles
CREATE TABLE cdnow_summary AS
SELECT customer_id, (p).frequency, (p).recency, (p).t,
       coalesce(h.purchases, 0)::float8 AS holdout_purchases
FROM cdnow_profile
LEFT JOIN (SELECT customer_id, count(DISTINCT ordered_on) AS purchases FROM cdnow
           WHERE ordered_on > '1997-09-30' AND ordered_on <= '1998-06-30' GROUP BY customer_id) h
USING (customer_id);
SELECT model, round(ll::numeric, 2) AS ll, round(aic::numeric, 1) AS aic, round(bic::numeric, 1) AS bic,
       converged, round(holdout_mae::numeric, 3) AS mae, round(holdout_rmse::numeric, 3) AS rmse,
       round(holdout_forecast::numeric) AS forecast, holdout_actual AS actual
FROM btyd_compare('cdnow_summary', unit => '7 days', holdout_purchases => 'holdout_purchases',
                  holdout_length => '39 weeks');

DROP SCHEMA test_btyd_family CASCADE;
