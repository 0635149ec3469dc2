-- CDNOW reference: BG/NBD and Gamma-Gamma maximum-likelihood estimates.
-- Skips (with a visible message) when ../shared/data/cdnow is not beside the project.
\set have_cdnow `test -r ../shared/data/cdnow/CDNOW_sample.txt && echo 1 || echo 0`
\if :have_cdnow
\else
\echo SKIP: CDNOW sample not found at ../shared/data/cdnow/CDNOW_sample.txt
\quit
\endif
CREATE SCHEMA test_cdnow_models;
SET search_path = test_cdnow_models, public;
SET TimeZone = 'UTC';
CREATE TABLE cdnow (customer_id int, ordered_on date, cds int, amount numeric);
\copy cdnow FROM PROGRAM 'tr -d ''\r'' < ../shared/data/cdnow/CDNOW_sample.txt | awk ''{print $2 "\t" substr($3,1,4) "-" substr($3,5,2) "-" substr($3,7,2) "\t" $4 "\t" $5}'''
CREATE TABLE cdnow_profile AS
SELECT customer_id, crm_profile(ordered_on::timestamp AT TIME ZONE 'UTC', amount,
                                '1997-09-30 00:00+00', '1 day', '7 days') AS p
FROM cdnow GROUP BY customer_id;

CREATE TABLE cdnow_models AS
SELECT bgnbd_fit(p) AS bg, gamma_gamma_fit(p) AS gg FROM cdnow_profile;

-- BG/NBD MLE: r = 0.2425945, alpha = 4.4136027, a = 0.7929218, b = 2.4259057 (1e-3 relative), LL = -9582.4292 (0.01)
SELECT abs((bg::jsonb->>'r')::float8 / 0.2425945 - 1) < 1e-3 AS r_ok,
       abs((bg::jsonb->>'alpha')::float8 / 4.4136027 - 1) < 1e-3 AS alpha_ok,
       abs((bg::jsonb->>'a')::float8 / 0.7929218 - 1) < 1e-3 AS a_ok,
       abs((bg::jsonb->>'b')::float8 / 2.4259057 - 1) < 1e-3 AS b_ok,
       abs((bg::jsonb->>'ll')::float8 + 9582.4292) < 0.01 AS ll_ok,
       bg::jsonb->'n' AS n, bg::jsonb->'converged' AS converged, bg::jsonb->>'unit' AS unit
FROM cdnow_models;

-- Gamma-Gamma over the 946 repeat customers: p = 6.24957, q = 3.74422, v = 15.44352 (1e-3 relative)
SELECT abs((gg::jsonb->>'p')::float8 / 6.24957 - 1) < 1e-3 AS p_ok,
       abs((gg::jsonb->>'q')::float8 / 3.74422 - 1) < 1e-3 AS q_ok,
       abs((gg::jsonb->>'v')::float8 / 15.44352 - 1) < 1e-3 AS v_ok,
       gg::jsonb->'n' AS n, gg::jsonb->'converged' AS converged
FROM cdnow_models;

-- customer 1 (x = 2, t_x = 30.43, T = 38.86): scores under the fitted models
SELECT round(p_alive(p, bg)::numeric, 4) AS p_alive,
       round(expected_purchases(p, bg, '39 weeks'::interval)::numeric, 4) AS next_39_weeks,
       round(expected_spend(p, gg)::numeric, 2) AS expected_spend,
       round(clv_estimate(p, bg, gg)::numeric, 2) AS clv_12_months
FROM cdnow_profile, cdnow_models WHERE customer_id = 1;

-- the holdout (1997-10-01 .. 1998-06-30): forecast vs the 1,882 actual repeat purchases
SELECT (SELECT count(DISTINCT (customer_id, ordered_on)) FROM cdnow
        WHERE ordered_on > '1997-09-30' AND ordered_on <= '1998-06-30') AS actual_holdout_purchases,
       round(sum(expected_purchases(p, bg, '39 weeks'::interval))) AS forecast
FROM cdnow_profile, cdnow_models;

-- Backtest over the raw orders: calibration to 1997-09-30, holdout to
-- 1998-06-30 (39 weeks).  Actual repeat purchases with same-day orders
-- merged: 1,882; the BG/NBD forecast is 1,653.4.
CREATE TABLE cdnow_orders AS
SELECT customer_id, ordered_on::timestamp AT TIME ZONE 'UTC' AS ordered_at, amount FROM cdnow;
SELECT customers, holdout_length, actual_purchases,
       abs(forecast_purchases - 1653.4) < 0.5 AS forecast_ok,
       abs((model::jsonb->>'ll')::float8 + 9582.4292) < 0.01 AS model_ok
FROM backtest('cdnow_orders', 'customer_id', 'ordered_at', 'amount', '1997-09-30', '1998-06-30',
              '{"model": "bgnbd", "unit": "7 days"}');
SELECT step, step_end, actual_cumulative, round(predicted_cumulative) AS predicted
FROM backtest_tracking('cdnow_orders', 'customer_id', 'ordered_at', 'amount', '1997-09-30', '1998-06-30',
              '{"model": "bgnbd", "unit": "7 days"}')
WHERE step % 13 = 0;
