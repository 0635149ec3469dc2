-- One purchase-model choice across the analyst functions: the option
-- "model" has the same values and the same default (pareto_nbd) in
-- fit_models, backtest, backtest_compare, backtest_tracking and
-- holdout_by_frequency; the model store keeps and returns every kind; a
-- view over a stored model keeps the kind it was created with; and every
-- bad option or argument has its SQLSTATE and a hint.
CREATE SCHEMA test_model_choice;
SET search_path = test_model_choice, public;
SET TimeZone = 'UTC';
SET client_min_messages = error;
CREATE TABLE orders AS SELECT * FROM crm_demo_orders(600);
CREATE TABLE prof AS
SELECT customer_id, crm_profile(ordered_at, amount, '2026-01-01', '1 day', '7 days') AS p
FROM orders GROUP BY customer_id;

CREATE FUNCTION close(a float8, b float8) RETURNS boolean LANGUAGE sql IMMUTABLE
RETURN a IS NOT DISTINCT FROM b OR abs(a - b) <= 1e-12 * greatest(abs(a), abs(b));

-- SQLSTATE of a statement and whether its error has a hint
CREATE FUNCTION outcome(stmt text, OUT state text, OUT hint boolean)
LANGUAGE plpgsql AS $$
DECLARE
    h text;
BEGIN
    EXECUTE stmt;
    state := 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, h = PG_EXCEPTION_HINT;
    hint := h <> '';
END
$$;

---------------------------------------------------------------------------
-- The default is pareto_nbd everywhere
---------------------------------------------------------------------------
SELECT kind, n FROM fit_models('plain', 'orders', 'customer_id', 'ordered_at', 'amount', '2026-01-01',
                               '{"unit": "7 days"}') ORDER BY kind;
CREATE TABLE bt AS
SELECT * FROM backtest_compare('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31');
-- one row per purchase model, the default first; every fit converged
SELECT purchase_model, customers, unit, holdout_length, actual_purchases, converged,
       (model::jsonb->>'n')::int AS n, forecast_purchases > 0 AS forecast
FROM bt;
SELECT close((SELECT forecast_purchases FROM backtest('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31')),
             (SELECT forecast_purchases FROM bt WHERE purchase_model = 'pareto_nbd')) AS backtest_default,
       close((SELECT predicted_cumulative FROM backtest_tracking('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31')
               ORDER BY step DESC LIMIT 1),
             (SELECT forecast_purchases FROM bt WHERE purchase_model = 'pareto_nbd')) AS tracking_default,
       close((SELECT customers * forecast_mean FROM holdout_by_frequency('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31')
               WHERE frequency_bucket = 'all'),
             (SELECT forecast_purchases FROM bt WHERE purchase_model = 'pareto_nbd')) AS holdout_default;

---------------------------------------------------------------------------
-- Each model through each function: the same fit, the same forecast
---------------------------------------------------------------------------
SELECT b.purchase_model,
       close(s.forecast_purchases, b.forecast_purchases) AND close(s.mae, b.mae) AND close(s.rmse, b.rmse)
         AND close(s.brier_p_alive, b.brier_p_alive) AND close(s.brier_active, b.brier_active)
         AND s.customers = b.customers AND s.actual_purchases = b.actual_purchases AS backtest_same,
       -- backtest's column model (a bgnbd_model) is set for BG/NBD only
       s.model::text IS NOT DISTINCT FROM CASE WHEN b.purchase_model = 'bgnbd' THEN b.model END AS model_column,
       close(t.predicted_cumulative, b.forecast_purchases) AND t.actual_cumulative = b.actual_purchases AS tracking_same,
       close(h.customers * h.forecast_mean, b.forecast_purchases)
         AND close(h.customers * h.actual_mean, b.actual_purchases) AND h.customers = b.customers AS holdout_same,
       b.model = (SELECT CASE b.purchase_model
                         WHEN 'bgnbd' THEN bgnbd_fit(c.frequency, c.recency, c.t, '1 day')::text
                         WHEN 'mbgnbd' THEN mbgnbd_fit(c.frequency, c.recency, c.t, '1 day')::text
                         ELSE pareto_nbd_fit(c.frequency, c.recency, c.t, '1 day')::text END
                    FROM backtest_customers('orders', 'customer_id', 'ordered_at', 'amount',
                                            '2025-06-30', '2025-12-31', '1 day', '1 day') AS c) AS fit_same
FROM bt AS b
CROSS JOIN LATERAL backtest('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31',
                            jsonb_build_object('model', b.purchase_model)) AS s
CROSS JOIN LATERAL (SELECT * FROM backtest_tracking('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31',
                                                    jsonb_build_object('model', b.purchase_model))
                     ORDER BY step DESC LIMIT 1) AS t
CROSS JOIN LATERAL (SELECT * FROM holdout_by_frequency('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31',
                                                       jsonb_build_object('model', b.purchase_model))
                     WHERE frequency_bucket = 'all') AS h
ORDER BY 1;
-- log-likelihood and BIC as btyd_compare reports them for the same profiles
CREATE TABLE cal AS SELECT * FROM backtest_customers('orders', 'customer_id', 'ordered_at', 'amount',
                                                     '2025-06-30', '2025-12-31', '1 day', '1 day');
SELECT b.purchase_model, abs(b.bic - c.bic) < 1e-6 AND abs(b.ll - c.ll) < 1e-6 AS bic_same
FROM bt AS b JOIN btyd_compare('cal', unit => '1 day') AS c ON c.model = b.purchase_model
ORDER BY 1;

-- holdout_by_frequency: buckets 0 .. max_bucket-1, max_bucket+, all; the
-- buckets add up to all; an empty bucket has 0 customers and NULL means
SELECT frequency_bucket, customers, round(actual_mean::numeric, 3) AS actual, round(forecast_mean::numeric, 3) AS forecast
FROM holdout_by_frequency('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31',
                          '{"model": "bgnbd", "max_bucket": 2}');
SELECT count(*) AS buckets, sum(customers) FILTER (WHERE frequency_bucket <> 'all') AS bucket_customers,
       max(customers) FILTER (WHERE frequency_bucket = 'all') AS all_customers,
       count(*) FILTER (WHERE customers = 0 AND actual_mean IS NULL AND forecast_mean IS NULL) AS empty_buckets
FROM holdout_by_frequency('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31',
                          '{"max_bucket": 40}');
-- nobody before calibration_end: every bucket empty, no error
SELECT count(*) AS rows, sum(customers) AS customers, count(forecast_mean) AS forecasts
FROM holdout_by_frequency('orders', 'customer_id', 'ordered_at', 'amount', '2020-01-01', '2020-06-30');

---------------------------------------------------------------------------
-- The store keeps and returns every kind
---------------------------------------------------------------------------
SELECT kind, count(*) FROM (
    SELECT kind FROM fit_models('shop', 'orders', 'customer_id', 'ordered_at', 'amount', '2026-01-01', '{"unit": "7 days"}')
    UNION ALL
    SELECT kind FROM fit_models('shop', 'orders', 'customer_id', 'ordered_at', 'amount', '2026-01-01', '{"unit": "7 days", "model": "mbgnbd"}')
    UNION ALL
    SELECT kind FROM fit_models('shop', 'orders', 'customer_id', 'ordered_at', 'amount', '2026-01-01', '{"unit": "7 days", "model": "bgnbd"}')
) AS f GROUP BY kind ORDER BY kind;
SELECT stored_pareto_nbd_model('shop')::text = (SELECT pareto_nbd_fit(p)::text FROM prof) AS pareto_nbd,
       stored_mbgnbd_model('shop')::text = (SELECT mbgnbd_fit(p)::text FROM prof) AS mbgnbd,
       stored_bgnbd_model('shop')::text = (SELECT bgnbd_fit(p)::text FROM prof) AS bgnbd,
       stored_pareto_nbd_model('shop', '', current_user)::text = stored_pareto_nbd_model('shop')::text AS pareto_nbd_owner,
       stored_mbgnbd_model('shop', '', current_user)::text = stored_mbgnbd_model('shop')::text AS mbgnbd_owner,
       stored_bgnbd_model('shop', '', current_user)::text = stored_bgnbd_model('shop')::text AS bgnbd_owner;
SELECT k AS kind,
       stored_model('shop', '', k) = (SELECT m.model FROM fitted_models AS m WHERE m.name = 'shop' AND m.kind = k
                                       ORDER BY m.fitted_at DESC LIMIT 1) AS stored,
       find_stored_model('shop', '', k) = stored_model('shop', '', k) AS found,
       -- NULL for a kind not stored under the name ('plain' has the default fit only)
       find_stored_model('plain', '', k) IS NOT NULL AS in_plain
FROM unnest(ARRAY['pareto_nbd', 'mbgnbd', 'bgnbd', 'gamma_gamma']) AS k ORDER BY 1;
SELECT (outcome($$SELECT stored_model('shop', '', 'markov')$$)).*;
SELECT (outcome($$SELECT find_stored_model('shop', '', 'markov')$$)).*;
SELECT (outcome($$SELECT stored_model('shop', '', 'markov', current_user)$$)).*;
SELECT (outcome($$SELECT stored_mbgnbd_model('plain')$$)).*;

---------------------------------------------------------------------------
-- A view over a stored model scores with the kind it was created with
---------------------------------------------------------------------------
SELECT count(*) FROM fit_models('sticky', 'orders', 'customer_id', 'ordered_at', 'amount', '2026-01-01', '{"unit": "7 days"}');
SELECT create_scoring_view('sticky_scores', 'orders', 'customer_id', 'ordered_at', 'amount',
                           '{"as_of": "2026-01-01", "unit": "7 days", "purchase_model": "sticky"}');
SELECT create_scoring_view('sticky_bg_scores', 'orders', 'customer_id', 'ordered_at', 'amount',
                           '{"as_of": "2026-01-01", "unit": "7 days", "bgnbd_model": "shop"}');
CREATE TABLE before AS SELECT customer_id, p_alive, purchase_model FROM sticky_scores;
-- another kind stored under the same name later
SELECT count(*) FROM fit_models('sticky', 'orders', 'customer_id', 'ordered_at', 'amount', '2026-01-01',
                                '{"unit": "7 days", "model": "bgnbd"}');
SELECT count(*) FROM fit_models('shop', 'orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30',
                                '{"unit": "7 days", "model": "pareto_nbd"}');
SELECT s.purchase_model, s.model_status, count(*) AS customers,
       count(*) FILTER (WHERE NOT close(s.p_alive, b.p_alive)) AS changed
FROM sticky_scores AS s JOIN before AS b USING (customer_id) GROUP BY 1, 2;
SELECT purchase_model, model_status, count(*) AS customers,
       count(*) FILTER (WHERE NOT close(v.p_alive, p_alive(p, stored_bgnbd_model('shop')))) AS differ
FROM sticky_bg_scores AS v JOIN prof USING (customer_id) GROUP BY 1, 2;
-- a new view over the name must now say which kind
SELECT (outcome($$SELECT create_scoring_view('sticky_again', 'orders', 'customer_id', 'ordered_at', 'amount',
                                             '{"as_of": "2026-01-01", "unit": "7 days", "purchase_model": "sticky"}')$$)).*;
SELECT create_scoring_view('sticky_bgnbd', 'orders', 'customer_id', 'ordered_at', 'amount',
                           '{"as_of": "2026-01-01", "unit": "7 days", "purchase_model": "sticky", "model": "bgnbd"}');
SELECT purchase_model, count(*) FILTER (WHERE NOT close(v.p_alive, p_alive(p, stored_bgnbd_model('sticky')))) AS differ
FROM sticky_bgnbd AS v JOIN prof USING (customer_id) GROUP BY 1;
-- a newer fit of the view's own kind is picked up at the next read
SELECT count(*) FROM fit_models('sticky', 'orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30',
                                '{"unit": "7 days", "model": "pareto_nbd"}');
SELECT s.purchase_model, count(*) FILTER (WHERE NOT close(s.p_alive, b.p_alive)) > 0 AS changed,
       count(*) FILTER (WHERE NOT close(s.p_alive, p_alive(p, stored_pareto_nbd_model('sticky')))) AS differ_from_newest
FROM sticky_scores AS s JOIN before AS b USING (customer_id) JOIN prof USING (customer_id) GROUP BY 1;

-- without a "model" option a name keeps the kind of its newest purchase-model
-- fit (a scheduled refit keeps feeding the views over it); a new name gets
-- the default
SELECT kind FROM fit_models('keeps', 'orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30',
                            '{"unit": "7 days", "model": "mbgnbd"}') ORDER BY 1;
SELECT kind FROM fit_models('keeps', 'orders', 'customer_id', 'ordered_at', 'amount', '2026-01-01', '{"unit": "7 days"}') ORDER BY 1;
SELECT kind FROM fit_models('keeps', 'orders', 'customer_id', 'ordered_at', 'amount', '2026-01-01',
                            '{"unit": "7 days", "model": "bgnbd"}') ORDER BY 1;
SELECT kind FROM fit_models('keeps', 'orders', 'customer_id', 'ordered_at', 'amount', '2026-01-01', '{"unit": "7 days"}') ORDER BY 1;
SELECT kind FROM fit_models('fresh', 'orders', 'customer_id', 'ordered_at', 'amount', '2026-01-01', '{"unit": "7 days"}') ORDER BY 1;

---------------------------------------------------------------------------
-- Options and arguments: SQLSTATE and hint for every mistake
---------------------------------------------------------------------------
SELECT f, o AS options, (outcome(format($$SELECT count(*) FROM %s('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31', %L)$$,
                          f, o))).*
FROM unnest(ARRAY['backtest', 'backtest_compare', 'backtest_tracking', 'holdout_by_frequency']) AS f,
     unnest(ARRAY['{"modle": "bgnbd"}', '{"model": "markov"}', '{"model": 1}', '{"unit": 7}', '{"unit": "1 month"}',
                  '{"period": "0 days"}', '{"period": "soon"}', '[]']) AS o
ORDER BY 1, o;
SELECT (outcome($$SELECT count(*) FROM backtest_compare('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31', '{"model": "bgnbd"}')$$)).*;
SELECT o, (outcome(format($$SELECT count(*) FROM fit_models('bad', 'orders', 'customer_id', 'ordered_at', 'amount', '2026-01-01', %L)$$, o))).*
FROM unnest(ARRAY['{"modle": "bgnbd"}', '{"model": "markov"}', '{"unit": 7}', '{"group_column": 1}',
                  '{"description": false}', '{"group_column": "nosuch"}']) AS o
ORDER BY 1;
SELECT count(*) AS bad_fits_stored FROM fitted_models WHERE name = 'bad';
-- holdout_by_frequency's own checks
SELECT what, (outcome(stmt)).*
FROM (VALUES
    ('max_bucket 0', $$SELECT count(*) FROM holdout_by_frequency('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31', '{"max_bucket": 0}')$$),
    ('max_bucket 1001', $$SELECT count(*) FROM holdout_by_frequency('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31', '{"max_bucket": 1001}')$$),
    ('max_bucket 2.5', $$SELECT count(*) FROM holdout_by_frequency('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31', '{"max_bucket": 2.5}')$$),
    ('max_bucket "x"', $$SELECT count(*) FROM holdout_by_frequency('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31', '{"max_bucket": "x"}')$$),
    ('max_bucket null', $$SELECT count(*) FROM holdout_by_frequency('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31', '{"max_bucket": null}')$$),
    ('max_bucket "3"', $$SELECT count(*) FROM holdout_by_frequency('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31', '{"max_bucket": "3"}')$$),
    ('ends equal', $$SELECT count(*) FROM holdout_by_frequency('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-06-30')$$),
    ('ends reversed', $$SELECT count(*) FROM holdout_by_frequency('orders', 'customer_id', 'ordered_at', 'amount', '2025-12-31', '2025-06-30')$$),
    ('same period', $$SELECT count(*) FROM holdout_by_frequency('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-06-30 12:00')$$),
    ('same week', $$SELECT count(*) FROM holdout_by_frequency('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-07-02', '{"period": "7 days"}')$$),
    ('NULL end', $$SELECT count(*) FROM holdout_by_frequency('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', NULL)$$),
    ('NULL column', $$SELECT count(*) FROM holdout_by_frequency('orders', NULL, 'ordered_at', 'amount', '2025-06-30', '2025-12-31')$$),
    ('NULL options', $$SELECT count(*) FROM holdout_by_frequency('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31', NULL)$$),
    ('unknown column', $$SELECT count(*) FROM holdout_by_frequency('orders', 'customer_id', 'ordered_on', 'amount', '2025-06-30', '2025-12-31')$$),
    ('time not a time', $$SELECT count(*) FROM holdout_by_frequency('orders', 'customer_id', 'amount', 'amount', '2025-06-30', '2025-12-31')$$),
    ('amount not a number', $$SELECT count(*) FROM holdout_by_frequency('orders', 'customer_id', 'ordered_at', 'ordered_at', '2025-06-30', '2025-12-31')$$),
    ('infinite end', $$SELECT count(*) FROM holdout_by_frequency('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', 'infinity')$$)
) AS t(what, stmt)
ORDER BY 1;
