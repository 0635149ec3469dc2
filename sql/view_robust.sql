-- Scoring views always answer: on unusual data (steady buyers, nobody
-- repeating, one customer, identical spend, ten customers), with customers
-- that have no purchase in the window, in any session time zone; and every
-- bad option is refused at creation with its SQLSTATE.
CREATE SCHEMA test_view_robust;
SET search_path = test_view_robust, public;
SET TimeZone = 'UTC';
-- fits on data at the edge of their parameter space warn; the views' columns
-- say what happened, and that is what is tested here
SET client_min_messages = error;

-- SQLSTATE of a statement, whether the error has a hint, and whether its
-- CONTEXT stays short (never the generated CREATE VIEW).
CREATE FUNCTION outcome(stmt text, OUT state text, OUT hint boolean, OUT short_context boolean)
LANGUAGE plpgsql AS $$
DECLARE
    h text;
    c text;
BEGIN
    EXECUTE stmt;
    state := 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, h = PG_EXCEPTION_HINT, c = PG_EXCEPTION_CONTEXT;
    hint := h <> '';
    short_context := c NOT LIKE '%CREATE%VIEW%' AND length(c) < 400;
END
$$;

-- Invariants every scoring view keeps, whatever the data: one row per
-- customer; profile, RFM and tier for every customer with a purchase; model
-- columns NULL exactly when no model scored the row, in range otherwise.
CREATE FUNCTION invariants(v regclass, OUT customers bigint, OUT profiles_complete boolean,
                           OUT scored bigint, OUT scores_in_range boolean, OUT statuses text)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format($q$
        SELECT count(*),
               coalesce(bool_and(frequency IS NOT NULL AND rfm_cell IS NOT NULL AND segment IS NOT NULL
                                 AND tier IS NOT NULL) FILTER (WHERE orders IS NOT NULL), true),
               count(p_alive),
               coalesce(bool_and((p_alive IS NULL) = (purchase_model IS NULL)
                                 AND (p_alive IS NULL OR (p_alive BETWEEN 0 AND 1
                                      AND churn_probability BETWEEN 0 AND 1
                                      AND expected_purchases >= 0))
                                 AND (clv IS NULL OR clv >= 0)
                                 AND model_status IS NOT NULL), true),
               string_agg(DISTINCT model_status, ', ' ORDER BY model_status)
          FROM %s$q$, v)
    INTO customers, profiles_complete, scored, scores_in_range, statuses;
END
$$;

---------------------------------------------------------------------------
-- Steady buyers: 1,000 customers ordering at uniform random times over 600
-- days, nobody lapses.  The view answers (quickly: the model columns are
-- either scored by a usable model or NULL with a reason).
---------------------------------------------------------------------------
SELECT setseed(0.5);
CREATE TABLE steady AS
SELECT c AS customer_id, timestamptz '2024-01-01 00:00+00' + random() * interval '600 days' AS ordered_at,
       round((20 + random() * 30)::numeric, 2) AS amount
FROM generate_series(1, 1000) AS c, generate_series(1, 30) AS k
WHERE random() < 0.5 OR k = 1;
SELECT create_scoring_view('steady_scores', 'steady', 'customer_id', 'ordered_at', 'amount',
                           '{"as_of": "2025-08-24", "unit": "7 days"}');
SELECT customers, profiles_complete, scores_in_range FROM invariants('steady_scores');
SELECT count(*) FILTER (WHERE model_status ~ '^(ok|not converged|spend model not converged|boundary: .*)$') AS known_status
FROM steady_scores;

---------------------------------------------------------------------------
-- Nobody bought twice: profiles, RFM and tiers; no purchase model.
---------------------------------------------------------------------------
CREATE TABLE once AS
SELECT c AS customer_id, timestamptz '2024-01-01 10:00+00' + c * interval '3 days' AS ordered_at,
       (10 + c)::numeric AS amount
FROM generate_series(1, 50) AS c;
SELECT create_scoring_view('once_scores', 'once', 'customer_id', 'ordered_at', 'amount',
                           '{"as_of": "2024-12-31", "unit": "7 days"}');
SELECT * FROM invariants('once_scores');
SELECT count(*) FILTER (WHERE expected_spend IS NULL AND clv IS NULL) AS no_spend_scores,
       count(DISTINCT tier) AS tiers, count(DISTINCT r) AS recency_scores
FROM once_scores;

-- tiers by CLV when no model can score: no tier, everything else answers;
-- the same as a materialized view, created and refreshed
SELECT create_scoring_view('once_clv_tiers', 'once', 'customer_id', 'ordered_at', 'amount',
                           '{"as_of": "2024-12-31", "tier_measure": "clv", "materialized": true}');
SELECT refresh_scoring_view('once_clv_tiers');
SELECT count(*) AS customers, count(tier) AS tiers, count(rfm_cell) AS rfm_cells, min(model_status) AS status
FROM once_clv_tiers;

-- An empty source, then one where nobody has a purchase
CREATE TABLE empty_orders (customer_id int, ordered_at timestamptz, amount numeric);
SELECT create_scoring_view('empty_scores', 'empty_orders', 'customer_id', 'ordered_at', 'amount',
                           '{"as_of": "2024-12-31"}');
SELECT count(*) AS customers FROM empty_scores;
INSERT INTO empty_orders VALUES (1, '2024-01-01 10:00+00', -5), (2, NULL, 5), (3, '2025-01-05 10:00+00', 5);
SELECT customer_id, rfm_cell, tier, model_status FROM empty_scores ORDER BY 1;

---------------------------------------------------------------------------
-- A single customer: with one order, and with three.
---------------------------------------------------------------------------
CREATE TABLE single (customer_id int, ordered_at timestamptz, amount numeric);
INSERT INTO single VALUES (7, '2024-02-01 12:00+00', 30);
SELECT create_scoring_view('single_scores', 'single', 'customer_id', 'ordered_at', 'amount',
                           '{"as_of": "2024-12-31"}');
SELECT customer_id, frequency, rfm_cell, tier, p_alive, purchase_model, model_status FROM single_scores;
INSERT INTO single VALUES (7, '2024-05-01 12:00+00', 40), (7, '2024-09-01 12:00+00', 50);
SELECT customers, profiles_complete, scores_in_range FROM invariants('single_scores');
SELECT customer_id, frequency, rfm_cell, tier, model_status ~ '^(ok|not converged|boundary: .*|one repeat buyer: no spend model)$' AS known_status
FROM single_scores;

---------------------------------------------------------------------------
-- Identical spend: every order is 25.00, so the spend model sits at its
-- limit (or does not converge); purchase scores are unaffected.
---------------------------------------------------------------------------
CREATE TABLE same_spend AS
SELECT DISTINCT ON (customer_id, period_start(ordered_at)) customer_id, ordered_at, 25.00::numeric AS amount
FROM crm_demo_orders(300) ORDER BY customer_id, period_start(ordered_at), ordered_at;
SELECT create_scoring_view('same_spend_scores', 'same_spend', 'customer_id', 'ordered_at', 'amount',
                           '{"as_of": "2026-01-01", "unit": "7 days"}');
SELECT customers, profiles_complete, scored, scores_in_range FROM invariants('same_spend_scores');
SELECT bool_and(expected_spend IS NULL OR abs(expected_spend - 25) < 1e-6) AS spend_25_or_null,
       bool_and(model_status ~ '^(ok|spend model not converged|boundary: .*)$') AS known_status
FROM same_spend_scores;

---------------------------------------------------------------------------
-- Ten customers.
---------------------------------------------------------------------------
CREATE TABLE ten AS SELECT * FROM crm_demo_orders(10);
SELECT create_scoring_view('ten_scores', 'ten', 'customer_id', 'ordered_at', 'amount',
                           '{"as_of": "2026-01-01", "unit": "7 days"}');
SELECT customers, profiles_complete, scores_in_range FROM invariants('ten_scores');

---------------------------------------------------------------------------
-- One row per customer of the source: refund-only, NULL-time and
-- future-only customers get a row with NULL scores and a reason; rows with
-- a NULL customer belong to nobody.
---------------------------------------------------------------------------
CREATE TABLE mixed AS SELECT * FROM crm_demo_orders(600);
INSERT INTO mixed VALUES
    (900001, '2025-03-01 10:00+00', -20.00),        -- refunds only
    (900001, '2025-04-01 10:00+00', -5.00),
    (900002, NULL, 80.00),                          -- no order time
    (900003, '2026-02-01 10:00+00', 60.00),         -- only after as_of
    (NULL, '2025-05-01 10:00+00', 10.00);           -- no customer
SELECT create_scoring_view('mixed_scores', 'mixed', 'customer_id', 'ordered_at', 'amount',
                           '{"as_of": "2026-01-01", "unit": "7 days"}');
SELECT customer_id, orders, rfm_cell, p_alive, clv, tier, purchase_model, model_status
FROM mixed_scores WHERE customer_id > 900000 ORDER BY customer_id;
SELECT count(*) AS customers, (SELECT count(DISTINCT customer_id) FROM mixed) AS in_source,
       count(*) FILTER (WHERE model_status = 'ok') AS scored_ok, count(clv) AS with_clv
FROM mixed_scores;

---------------------------------------------------------------------------
-- The default model does not call one-time buyers immortal.
---------------------------------------------------------------------------
SELECT count(*) FILTER (WHERE frequency = 0) AS one_time_buyers,
       count(*) FILTER (WHERE frequency = 0 AND churn_probability = 0) AS churn_zero,
       count(*) FILTER (WHERE frequency = 0 AND churn_probability > 0 AND churn_probability < 1) AS churn_between,
       min(purchase_model) AS model
FROM mixed_scores;
SELECT col_description('mixed_scores'::regclass, 16) AS p_alive_comment,
       col_description('mixed_scores'::regclass, 22) AS purchase_model_comment;

---------------------------------------------------------------------------
-- Model choice: each purchase model, fitted or stored; a stored model that
-- disappears later leaves the view answering.
---------------------------------------------------------------------------
SELECT create_scoring_view('bg_scores', 'mixed', 'customer_id', 'ordered_at', 'amount',
                           '{"as_of": "2026-01-01", "unit": "7 days", "model": "bgnbd"}');
SELECT create_scoring_view('mbg_scores', 'mixed', 'customer_id', 'ordered_at', 'amount',
                           '{"as_of": "2026-01-01", "unit": "7 days", "model": "mbgnbd"}');
CREATE TABLE prof AS
SELECT customer_id, crm_profile(ordered_at, amount, '2026-01-01', '1 day', '7 days') AS p
FROM mixed WHERE customer_id IS NOT NULL GROUP BY customer_id;
CREATE FUNCTION close(a float8, b float8) RETURNS boolean LANGUAGE sql IMMUTABLE
RETURN a IS NOT DISTINCT FROM b OR abs(a - b) <= 1e-12 * greatest(abs(a), abs(b));
WITH m AS (SELECT bgnbd_fit(p) AS bg, mbgnbd_fit(p) AS mbg, pareto_nbd_fit(p) AS pn FROM prof)
SELECT count(*) FILTER (WHERE NOT close(b.p_alive, p_alive(p, bg))) AS bg_differ,
       count(*) FILTER (WHERE NOT close(g.p_alive, p_alive(p, mbg))) AS mbg_differ,
       count(*) FILTER (WHERE NOT close(d.p_alive, p_alive(p, pn))
                        OR NOT close(d.expected_purchases, expected_purchases(p, pn, '90 days'::interval))) AS pareto_differ,
       count(*) FILTER (WHERE b.frequency = 0 AND b.churn_probability = 0) AS bg_churn_zero,
       min(b.purchase_model) AS bg, min(g.purchase_model) AS mbg, min(d.purchase_model) AS pareto
FROM prof JOIN bg_scores b USING (customer_id) JOIN mbg_scores g USING (customer_id)
     JOIN mixed_scores d USING (customer_id), m;

SELECT kind, n FROM fit_models('robust_mbg', 'mixed', 'customer_id', 'ordered_at', 'amount', '2026-01-01',
                               '{"unit": "7 days", "model": "mbgnbd"}') ORDER BY kind;
SELECT kind, n FROM fit_models('robust_pn', 'mixed', 'customer_id', 'ordered_at', 'amount', '2026-01-01',
                               '{"unit": "7 days", "model": "pareto_nbd"}') ORDER BY kind;
SELECT stored_mbgnbd_model('robust_mbg')::text = (SELECT mbgnbd_fit(p)::text FROM prof) AS mbg_same,
       stored_pareto_nbd_model('robust_pn')::text = (SELECT pareto_nbd_fit(p)::text FROM prof) AS pn_same;
SELECT create_scoring_view('stored_scores', 'mixed', 'customer_id', 'ordered_at', 'amount',
                           '{"as_of": "2026-01-01", "unit": "7 days", "purchase_model": "robust_mbg",
                             "gamma_gamma_model": "robust_mbg"}');
SELECT count(*) FILTER (WHERE NOT close(s.p_alive, g.p_alive) OR NOT close(s.clv, g.clv)) AS differ,
       min(s.purchase_model) AS model
FROM stored_scores s JOIN mbg_scores g USING (customer_id);
DELETE FROM fitted_models WHERE name = 'robust_mbg' AND kind = 'mbgnbd';
SELECT model_status, purchase_model, count(*) AS customers, count(p_alive) AS scored, count(r) AS with_rfm
FROM stored_scores GROUP BY 1, 2 ORDER BY 1;

SELECT customers, actual_purchases, forecast_purchases > 0 AS forecast, model IS NULL AS no_bgnbd_model
FROM backtest('mixed', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31', '{"model": "pareto_nbd"}');
SELECT close((SELECT forecast_purchases FROM backtest('mixed', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31')),
             (SELECT forecast_purchases FROM backtest('mixed', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31',
                                                      '{"model": "pareto_nbd"}'))) AS pareto_nbd_is_default;

---------------------------------------------------------------------------
-- Time zones.  The same orders as timestamptz, timestamp (wall-clock time in
-- the shop's zone) and date; views created and read under different session
-- zones return identical rows.
---------------------------------------------------------------------------
CREATE TABLE tz_orders AS
SELECT customer_id, ordered_at AS at_tz,
       (ordered_at AT TIME ZONE 'Europe/Berlin') AS at_wall,
       (ordered_at AT TIME ZONE 'Europe/Berlin')::date AS on_day,
       amount
FROM crm_demo_orders(300);
SET TimeZone = 'Asia/Kolkata';
SELECT create_scoring_view('tz_a', 'tz_orders', 'customer_id', 'at_tz', 'amount',
                           '{"as_of": "2026-01-01", "unit": "7 days", "time_zone": "Europe/Berlin"}');
SET TimeZone = 'Pacific/Chatham';
SELECT create_scoring_view('tz_b', 'tz_orders', 'customer_id', 'at_wall', 'amount',
                           '{"as_of": "2026-01-01", "unit": "7 days", "time_zone": "Europe/Berlin"}');
SELECT create_scoring_view('tz_day', 'tz_orders', 'customer_id', 'on_day', 'amount',
                           '{"as_of": "2026-01-01", "unit": "7 days", "time_zone": "Europe/Berlin"}');
SET TimeZone = 'America/Los_Angeles';
SELECT create_scoring_view('tz_day_la', 'tz_orders', 'customer_id', 'on_day', 'amount',
                           '{"as_of": "2026-01-01", "unit": "7 days", "time_zone": "Europe/Berlin"}');
CREATE TABLE tz_read (zone text, view text, rows bigint, digest text);
CREATE FUNCTION read_all(zone text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE v text;
BEGIN
    PERFORM set_config('TimeZone', zone, true);
    FOREACH v IN ARRAY ARRAY['tz_a', 'tz_b', 'tz_day', 'tz_day_la'] LOOP
        EXECUTE format($q$INSERT INTO tz_read
            SELECT %L, %L, count(*), md5(string_agg(
                   concat_ws('|', customer_id, extract(epoch FROM first_order), frequency, recency, t,
                             recency_days, total_spend, rfm_cell, segment, p_alive, expected_purchases,
                             clv, tier, model_status), ',' ORDER BY customer_id))
              FROM %I$q$, zone, v, v);
    END LOOP;
END
$$;
SELECT read_all(z) FROM unnest(ARRAY['UTC', 'Europe/Berlin', 'America/Los_Angeles', 'Asia/Kolkata', 'Pacific/Chatham']) AS z;
SET TimeZone = 'UTC';
-- every view in every zone: the same rows
SELECT count(DISTINCT digest) FILTER (WHERE view IN ('tz_a', 'tz_b')) AS timestamp_digests,
       count(DISTINCT digest) FILTER (WHERE view IN ('tz_day', 'tz_day_la')) AS date_digests,
       min(rows) AS customers, count(*) AS reads
FROM tz_read;
-- timestamptz and wall-clock timestamp give the same first orders
SELECT count(*) AS differ FROM tz_a a JOIN tz_b b USING (customer_id)
WHERE a.first_order <> b.first_order OR a.frequency <> b.frequency OR NOT close(a.clv, b.clv);
-- a day in the shop's calendar: 23:30 UTC on 5 March is 00:30 on 6 March in
-- Berlin, the same day as 10:00 UTC on 6 March
CREATE TABLE late (customer_id int, ordered_at timestamptz, amount numeric);
INSERT INTO late VALUES (1, '2024-03-05 23:30+00', 10), (1, '2024-03-06 10:00+00', 10),
                        (2, '2024-03-01 12:00+00', 10);
SELECT create_scoring_view('late_utc', 'late', 'customer_id', 'ordered_at', 'amount', '{"as_of": "2024-03-10"}');
SELECT create_scoring_view('late_berlin', 'late', 'customer_id', 'ordered_at', 'amount',
                           '{"as_of": "2024-03-10", "time_zone": "Europe/Berlin"}');
SELECT u.customer_id, u.frequency AS utc_frequency, b.frequency AS berlin_frequency,
       u.first_order = b.first_order AS same_first_order, u.t AS utc_t, b.t AS berlin_t
FROM late_utc u JOIN late_berlin b USING (customer_id) ORDER BY 1;
-- as_of without an offset is read in time_zone; with one, as given
SELECT create_scoring_view('late_asof_berlin', 'late', 'customer_id', 'ordered_at', 'amount',
                           '{"as_of": "2024-03-05 12:00", "time_zone": "Europe/Berlin"}');
SELECT create_scoring_view('late_asof_offset', 'late', 'customer_id', 'ordered_at', 'amount',
                           '{"as_of": "2024-03-05 23:45+00", "time_zone": "Europe/Berlin"}');
SELECT customer_id, a.frequency AS wall_as_of_frequency, a.model_status AS wall_as_of_status,
       o.frequency AS offset_as_of_frequency
FROM late_asof_berlin a JOIN late_asof_offset o USING (customer_id) ORDER BY 1;

---------------------------------------------------------------------------
-- Every bad option: refused at creation with its SQLSTATE and a hint, with
-- no generated SQL in the error's context; nothing is created.
---------------------------------------------------------------------------
SELECT kind, options, (outcome(format(
         'SELECT create_scoring_view(%L, ''mixed'', ''customer_id'', ''ordered_at'', ''amount'', %L)',
         'bad_' || kind, options))).*
FROM (VALUES
    ('period_month', '{"period": "1 month"}'::jsonb),
    ('unit_month', '{"unit": "1 mon"}'),
    ('unit_year', '{"unit": "1 year"}'),
    ('period_zero', '{"period": "0 days"}'),
    ('period_negative', '{"period": "-1 day"}'),
    ('period_number', '{"period": 7}'),
    ('period_garbage', '{"period": "fortnight"}'),
    ('horizon_number', '{"horizon": 13}'),
    ('horizon_negative', '{"horizon": "-90 days"}'),
    ('horizon_garbage', '{"horizon": "soon"}'),
    ('as_of_infinity', '{"as_of": "infinity"}'),
    ('as_of_null', '{"as_of": null}'),
    ('as_of_garbage', '{"as_of": "yesterday-ish"}'),
    ('as_of_number', '{"as_of": 2026}'),
    ('bins_1', '{"bins": 1}'),
    ('bins_101', '{"bins": 101}'),
    ('bins_fraction', '{"bins": 2.5}'),
    ('clv_months_0', '{"clv_months": 0}'),
    ('clv_months_huge', '{"clv_months": 100000}'),
    ('discount_nan', '{"monthly_discount": "NaN"}'),
    ('discount_infinity', '{"monthly_discount": "Infinity"}'),
    ('discount_negative', '{"monthly_discount": -0.5}'),
    ('discount_one', '{"monthly_discount": 1}'),
    ('time_zone_unknown', '{"time_zone": "Mars/Olympus"}'),
    ('time_zone_number', '{"time_zone": 1}'),
    ('model_unknown', '{"model": "markov"}'),
    ('stored_unknown', '{"purchase_model": "no such model"}'),
    ('bgnbd_unknown', '{"bgnbd_model": "no such model"}'),
    ('gamma_gamma_unknown', '{"gamma_gamma_model": "no such model"}'),
    ('stored_wrong_kind', '{"model": "bgnbd", "purchase_model": "robust_pn"}'),
    ('stored_other_unit', '{"purchase_model": "robust_pn"}'),
    ('bgnbd_and_model', '{"bgnbd_model": "x", "model": "pareto_nbd"}'),
    ('tier_scheme_garbage', '{"tier_scheme": "gold"}'),
    ('tier_measure_unknown', '{"tier_measure": "age"}'),
    ('cut_points_garbage', '{"rfm_cut_points": "(5,1)"}'),
    ('rule_set_unknown', '{"rfm_rule_set": "no such rules"}'),
    ('materialized_maybe', '{"materialized": "maybe"}'),
    ('schema_missing', '{"schema": "no_such_schema"}'),
    ('unknown_option', '{"as_off": "2026-01-01"}')
) AS t(kind, options)
ORDER BY kind;
SELECT count(*) AS bad_views_left FROM pg_class WHERE relname LIKE 'bad\_%';

-- a relation of that name exists: its own SQLSTATE, and no SQL in the context
SELECT (outcome($$SELECT create_scoring_view('mixed_scores', 'mixed', 'customer_id', 'ordered_at', 'amount')$$)).*;
-- columns of the wrong type
CREATE TABLE wrong_types (customer_id int, ordered_at text, amount text, ts timestamptz);
SELECT (outcome($$SELECT create_scoring_view('bad_types', 'wrong_types', 'customer_id', 'ordered_at', 'ts')$$)).*;
SELECT (outcome($$SELECT create_scoring_view('bad_types', 'wrong_types', 'customer_id', 'ts', 'amount')$$)).*;
-- fit_models and backtest check the model option too
SELECT (outcome($$SELECT fit_models('bad', 'mixed', 'customer_id', 'ordered_at', 'amount', '2026-01-01', '{"model": "markov"}')$$)).*;
SELECT (outcome($$SELECT * FROM backtest('mixed', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31', '{"model": "markov"}')$$)).*;
