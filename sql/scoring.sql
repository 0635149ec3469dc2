-- Analyst and BI experience: window forms, model store, scoring views, backtest.
-- Deterministic demo orders; floats compared with tolerances.
CREATE SCHEMA test_scoring;
SET search_path = test_scoring, public;
SET TimeZone = 'UTC';
CREATE TABLE orders AS SELECT * FROM crm_demo_orders(2000);
CREATE TABLE prof AS
SELECT customer_id, customer_id % 3 AS grp,
       crm_profile(ordered_at, amount, '2026-01-01', '1 day', '7 days') AS p
FROM orders GROUP BY customer_id;

-- Window forms give what the explicit two-step SQL gives, row for row.
CREATE FUNCTION close(a float8, b float8) RETURNS boolean LANGUAGE sql IMMUTABLE
RETURN a IS NOT DISTINCT FROM b OR abs(a - b) <= 1e-12 * greatest(abs(a), abs(b));

WITH x AS (
    SELECT rfm_breaks((p).recency_days, (p).frequency, (p).monetary) AS b,
           bgnbd_fit(p) AS bg, gamma_gamma_fit(p) AS gg, loyalty_scheme((p).total_spend) AS sch
    FROM prof
), w AS (
    SELECT customer_id,
           rfm_score((p).recency_days, (p).frequency, (p).monetary) OVER () AS rfm_w,
           rfm_score((p).recency_days, (p).frequency, (p).monetary, b) AS rfm_s,
           churn_probability_window(p) OVER () AS churn_w, churn_probability(p, bg) AS churn_s,
           churn_probability_window((p).frequency, (p).recency, (p).t, '7 days'::interval) OVER () AS churn_wn,
           clv_estimate_window(p) OVER () AS clv_w, clv_estimate(p, bg, gg) AS clv_s,
           clv_estimate_window((p).frequency, (p).recency, (p).t, (p).monetary, '7 days') OVER () AS clv_wn,
           loyalty_tier((p).total_spend) OVER () AS tier_w, loyalty_tier((p).total_spend, sch) AS tier_s
    FROM prof, x
)
SELECT count(*) AS customers,
       count(*) FILTER (WHERE rfm_w IS DISTINCT FROM rfm_s) AS rfm_differ,
       count(*) FILTER (WHERE NOT close(churn_w, churn_s) OR NOT close(churn_wn, churn_s)) AS churn_differ,
       count(*) FILTER (WHERE NOT close(clv_w, clv_s) OR NOT close(clv_wn, clv_s)) AS clv_differ,
       count(*) FILTER (WHERE tier_w IS DISTINCT FROM tier_s) AS tier_differ
FROM w;

-- Per partition: the same as fitting per group.
WITH x AS (
    SELECT grp, rfm_breaks((p).recency_days, (p).frequency, (p).monetary) AS b, bgnbd_fit(p) AS bg,
           gamma_gamma_fit(p) AS gg, loyalty_scheme((p).total_spend) AS sch
    FROM prof GROUP BY grp
), w AS (
    SELECT rfm_score((p).recency_days, (p).frequency, (p).monetary) OVER g AS rfm_w,
           rfm_score((p).recency_days, (p).frequency, (p).monetary, b) AS rfm_s,
           churn_probability_window(p) OVER g AS churn_w, churn_probability(p, bg) AS churn_s,
           clv_estimate_window(p) OVER g AS clv_w, clv_estimate(p, bg, gg) AS clv_s,
           loyalty_tier((p).total_spend) OVER g AS tier_w, loyalty_tier((p).total_spend, sch) AS tier_s
    FROM prof JOIN x USING (grp)
    WINDOW g AS (PARTITION BY prof.grp ORDER BY customer_id)
)
SELECT count(*) AS customers,
       count(*) FILTER (WHERE rfm_w IS DISTINCT FROM rfm_s OR NOT close(churn_w, churn_s)
                        OR NOT close(clv_w, clv_s) OR tier_w IS DISTINCT FROM tier_s) AS differ
FROM w;

-- NULL rows take no part and score NULL; an all-NULL partition scores NULL.
SELECT v, rfm_score(v, v, v) OVER () IS NULL AS rfm_null, loyalty_tier(v::numeric) OVER () AS tier
FROM (VALUES (1.0::float8), (NULL), (3.0)) AS t(v) ORDER BY v;
SELECT churn_probability_window(NULL::float8, NULL, NULL) OVER () AS churn, loyalty_tier(NULL::numeric) OVER () AS tier;

-- period_start floors as crm_profile does (UTC days, ISO weeks, months).
SELECT period_start('2024-03-05 17:00+00') AS day, period_start('2024-03-05 17:00+00', '7 days') AS week,
       period_start('2024-03-05 17:00+05', '1 month') AS month;

---------------------------------------------------------------------------
-- Model store
---------------------------------------------------------------------------
SELECT name, group_key, kind, n, converged
FROM fit_models('demo', 'orders', 'customer_id', 'ordered_at', 'amount', '2026-01-01', '{"unit": "7 days", "model": "bgnbd"}')
ORDER BY kind;
-- the stored models are exactly the aggregates over the same profiles
SELECT stored_bgnbd_model('demo')::text = (SELECT bgnbd_fit(p)::text FROM prof) AS bg_same,
       stored_gamma_gamma_model('demo')::text = (SELECT gamma_gamma_fit(p)::text FROM prof) AS gg_same;
-- refitting keeps the history; the newest fit is the one returned
SELECT count(*) AS fits FROM fit_models('demo', 'orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '{"unit": "7 days", "model": "bgnbd"}');
SELECT kind, count(*) AS versions FROM fitted_models WHERE name = 'demo' GROUP BY kind ORDER BY kind;
SELECT (stored_bgnbd_model('demo')::jsonb->'n')::int AS newest_n,
       (SELECT count(*) FROM prof WHERE (p).first_order < '2025-07-01') AS customers_by_then;
-- per group in one call
CREATE TABLE orders_g AS SELECT *, (customer_id % 3)::text AS grp FROM orders;
SELECT group_key, kind, n FROM fit_models('demo_grp', 'orders_g', 'customer_id', 'ordered_at', 'amount',
                                          '2026-01-01', '{"unit": "7 days", "group_column": "grp", "model": "bgnbd"}')
ORDER BY 1, 2;
SELECT bool_and(stored_bgnbd_model('demo_grp', grp::text)::text = bg::text) AS per_group_same
FROM (SELECT grp, bgnbd_fit(p) AS bg FROM prof GROUP BY grp) AS g;

---------------------------------------------------------------------------
-- Scoring views
---------------------------------------------------------------------------
SELECT create_scoring_view('scores', 'orders', 'customer_id', 'ordered_at', 'amount',
                           '{"as_of": "2026-01-01", "unit": "7 days"}');
SELECT column_name, data_type, col_description('scores'::regclass, ordinal_position) IS NOT NULL AS commented
FROM information_schema.columns WHERE table_schema = 'test_scoring' AND table_name = 'scores'
ORDER BY ordinal_position;
SELECT reloptions FROM pg_class WHERE oid = 'scores'::regclass;
-- the view's values are the explicit computation's (default model: Pareto/NBD)
WITH x AS (
    SELECT rfm_breaks((p).recency_days, (p).frequency, (p).monetary) AS b,
           pareto_nbd_fit(p) AS bg, gamma_gamma_fit(p) AS gg, loyalty_scheme((p).total_spend) AS sch
    FROM prof
)
SELECT count(*) AS customers,
       count(*) FILTER (WHERE s.rfm_cell IS DISTINCT FROM (rfm_score((p).recency_days, (p).frequency, (p).monetary, b)).cell
                        OR NOT close(s.p_alive, p_alive(p, bg))
                        OR NOT close(s.churn_probability, churn_probability(p, bg))
                        OR NOT close(s.expected_purchases, expected_purchases(p, bg, '90 days'::interval))
                        OR NOT close(s.expected_spend, expected_spend(p, gg))
                        OR NOT close(s.clv, clv_estimate(p, bg, gg))
                        OR s.tier IS DISTINCT FROM loyalty_tier((p).total_spend, sch)
                        OR s.total_spend <> (p).total_spend OR s.frequency <> (p).frequency
                        OR s.purchase_model <> 'pareto_nbd' OR s.model_status <> 'ok') AS differ
FROM scores s JOIN prof USING (customer_id), x;
SELECT segment, count(*) AS customers FROM scores GROUP BY segment ORDER BY customers DESC, segment;

-- Hostile identifiers: quotes, semicolons, spaces, mixed case.
CREATE TABLE "Order ""Log""; DROP TABLE orders; --" ("Cust Id" bigint, "When;" timestamptz, "Amount $" numeric);
INSERT INTO "Order ""Log""; DROP TABLE orders; --" SELECT * FROM orders;
SELECT create_scoring_view('Scores "v"; DROP TABLE orders; --', '"Order ""Log""; DROP TABLE orders; --"',
                           'Cust Id', 'When;', 'Amount $', '{"as_of": "2026-01-01", "unit": "7 days"}');
SELECT (SELECT count(*) FROM orders) AS orders_still_there,
       (SELECT count(*) FROM "Scores ""v""; DROP TABLE orders; --") AS scored,
       (SELECT count(*) FROM "Scores ""v""; DROP TABLE orders; --" h JOIN scores s USING (customer_id)
         WHERE h.clv IS DISTINCT FROM s.clv OR h.segment IS DISTINCT FROM s.segment) AS differ;

-- Stored models, fixed cut points, CLV tiers, another schema; materialized with refresh.
CREATE SCHEMA "BI Views";
SELECT create_scoring_view('stable scores', 'orders', 'customer_id', 'ordered_at', 'amount',
       jsonb_build_object('as_of', '2026-01-01', 'unit', '7 days', 'schema', 'BI Views',
                          'bgnbd_model', 'demo', 'gamma_gamma_model', 'demo', 'tier_measure', 'clv',
                          'rfm_cut_points', (SELECT rfm_breaks((p).recency_days, (p).frequency, (p).monetary)::text FROM prof),
                          'horizon', '30 days', 'materialized', true));
SELECT relkind FROM pg_class WHERE oid = '"BI Views"."stable scores"'::regclass;
SELECT count(*) AS customers,
       count(*) FILTER (WHERE NOT close(v.p_alive, p_alive(p, stored_bgnbd_model('demo')))
                        OR NOT close(v.expected_purchases, expected_purchases(p, stored_bgnbd_model('demo'), '30 days'::interval))) AS differ,
       count(DISTINCT v.tier) AS tiers
FROM "BI Views"."stable scores" v JOIN prof USING (customer_id);
INSERT INTO orders VALUES (999999, '2025-12-30 10:00+00', 10.00);
SELECT count(*) AS before_refresh FROM "BI Views"."stable scores";
SELECT refresh_scoring_view('"BI Views"."stable scores"');
SELECT refresh_scoring_view('"BI Views"."stable scores"', true);
SELECT count(*) AS after_refresh FROM "BI Views"."stable scores";
DELETE FROM orders WHERE customer_id = 999999;

---------------------------------------------------------------------------
-- Backtest
---------------------------------------------------------------------------
SELECT customers, unit, holdout_length, actual_purchases,
       round(forecast_purchases) AS forecast, round(mae::numeric, 3) AS mae,
       brier_p_alive BETWEEN 0 AND 1 AND brier_active BETWEEN 0 AND 1 AS brier_ok,
       (model::jsonb->>'converged')::boolean AS converged
FROM backtest('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31', '{"model": "bgnbd"}');
-- actual holdout purchases, counted independently: purchase periods after the calibration day
SELECT count(*) AS holdout_purchase_days
FROM (SELECT customer_id, period_start(ordered_at)
        FROM orders
       WHERE period_start(ordered_at) > '2025-06-30' AND period_start(ordered_at) <= '2025-12-31'
         AND customer_id IN (SELECT customer_id FROM orders WHERE ordered_at < '2025-07-01' AND amount >= 0)
       GROUP BY 1, 2 HAVING bool_or(amount >= 0)) AS d;
-- the tracking table ends at the backtest's totals and never decreases
WITH t AS (SELECT * FROM backtest_tracking('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31')),
     b AS (SELECT * FROM backtest('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31'))
SELECT count(*) AS steps, max(step_end) AS last_step_end,
       (SELECT actual_cumulative FROM t ORDER BY step DESC LIMIT 1) = (SELECT actual_purchases FROM b) AS actual_matches,
       close((SELECT predicted_cumulative FROM t ORDER BY step DESC LIMIT 1), (SELECT forecast_purchases FROM b)) AS forecast_matches,
       bool_and(actual_cumulative >= 0) AND
       (SELECT bool_and(d >= 0) FROM (SELECT actual_cumulative - lag(actual_cumulative, 1, 0) OVER (ORDER BY step) AS d FROM t) q) AS monotone
FROM t;
