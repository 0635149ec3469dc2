-- The analyst and BI surface is safe by construction: row-level security of
-- the order table applies through scoring views, a plain role with SELECT on
-- the orders can use everything, names from anywhere cannot inject SQL, a
-- hostile search_path changes nothing, the model store keeps every role's
-- names and fits to itself, and every bad input has its SQLSTATE.
-- Self-contained, rolls back.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
SET client_min_messages = warning;
SET TimeZone = 'UTC';
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS crm_loyalty;

SELECT plan(45);

CREATE SCHEMA tap_analyst;
SET search_path = tap_analyst, public;
CREATE TABLE orders (customer_id bigint, shop text, ordered_at timestamptz, amount numeric);
INSERT INTO orders
SELECT customer_id, CASE WHEN customer_id % 2 = 0 THEN 'crm_tap_shop_even' ELSE 'crm_tap_shop_odd' END,
       ordered_at, amount
  FROM crm_demo_orders(600);

CREATE ROLE crm_tap_shop_even NOLOGIN;
CREATE ROLE crm_tap_shop_odd NOLOGIN;
CREATE ROLE crm_tap_analyst NOLOGIN;
CREATE ROLE crm_tap_other NOLOGIN;
GRANT USAGE, CREATE ON SCHEMA tap_analyst TO crm_tap_shop_even, crm_tap_shop_odd, crm_tap_analyst, crm_tap_other;
GRANT SELECT ON orders TO crm_tap_shop_even, crm_tap_shop_odd, crm_tap_analyst, crm_tap_other;

---------------------------------------------------------------------------
-- Row-level security applies through the view (security_invoker)
---------------------------------------------------------------------------
ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_shop ON orders FOR SELECT
    USING (shop = current_user OR current_user IN ('crm_tap_analyst', 'crm_tap_other'));
SELECT create_scoring_view('shop_scores', 'orders', 'customer_id', 'ordered_at', 'amount',
                           '{"as_of": "2026-01-01", "unit": "7 days"}');
GRANT SELECT ON shop_scores TO crm_tap_shop_even, crm_tap_shop_odd;

SET ROLE crm_tap_shop_even;
SELECT is((SELECT count(*) FROM shop_scores), 300::bigint,
          'a shop role sees only its own 300 customers through the view');
SELECT is((SELECT count(*) FROM shop_scores WHERE customer_id % 2 = 1), 0::bigint,
          'and none of the other shop''s customers');
RESET ROLE;
SET ROLE crm_tap_shop_odd;
SELECT is((SELECT bool_and(customer_id % 2 = 1) FROM shop_scores), true,
          'the other shop sees only its customers');
RESET ROLE;
SELECT is((SELECT reloptions FROM pg_class WHERE oid = 'shop_scores'::regclass),
          ARRAY['security_invoker=true'], 'scoring views are security_invoker');

---------------------------------------------------------------------------
-- A plain role with SELECT on the orders can use everything
---------------------------------------------------------------------------
SET ROLE crm_tap_analyst;
SELECT lives_ok($$SELECT create_scoring_view('analyst_scores', 'orders', 'customer_id', 'ordered_at', 'amount',
                                             '{"as_of": "2026-01-01", "unit": "7 days"}')$$,
                'a non-superuser creates a scoring view');
SELECT is((SELECT count(*) FROM analyst_scores WHERE clv >= 0 AND p_alive BETWEEN 0 AND 1), 600::bigint,
          'and reads every customer''s scores');
SELECT is((SELECT count(*) FROM fit_models('analyst_model', 'orders', 'customer_id', 'ordered_at', 'amount',
                                           '2026-01-01', '{"unit": "7 days", "model": "bgnbd"}')), 2::bigint,
          'a non-superuser stores a BG/NBD and a Gamma-Gamma fit');
SELECT is((SELECT fitted_by::text FROM fitted_models WHERE name = 'analyst_model' LIMIT 1), 'crm_tap_analyst',
          'the store records who fitted');
SELECT lives_ok($$SELECT create_scoring_view('analyst_stable', 'orders', 'customer_id', 'ordered_at', 'amount',
                                             '{"as_of": "2026-01-01", "unit": "7 days", "bgnbd_model": "analyst_model",
                                               "gamma_gamma_model": "analyst_model", "materialized": true}')$$,
                'a non-superuser creates a materialized view over stored models');
SELECT lives_ok($$SELECT refresh_scoring_view('analyst_stable', true)$$,
                'and refreshes it concurrently');
SELECT is((SELECT customers FROM backtest('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31')),
          (SELECT count(DISTINCT customer_id) FROM orders WHERE ordered_at < '2025-07-01' AND amount >= 0),
          'a non-superuser runs the backtest');
SELECT is((SELECT array_agg(frequency_bucket || ':' || customers ORDER BY frequency_bucket = 'all', frequency_bucket)
             FROM holdout_by_frequency('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31',
                                       '{"max_bucket": 1}')),
          (SELECT ARRAY['0:' || count(*) FILTER (WHERE frequency = 0), '1+:' || count(*) FILTER (WHERE frequency >= 1),
                        'all:' || count(*)]
             FROM backtest_customers('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31',
                                     '1 day', '7 days')),
          'and holdout_by_frequency, whose buckets count the calibration customers by frequency');
SELECT is((SELECT count(*) FROM (SELECT churn_probability_window(frequency, recency, t, '7 days'::interval) OVER () AS c
                                   FROM analyst_scores) w WHERE c BETWEEN 0 AND 1), 600::bigint,
          'and the window forms');
RESET ROLE;

---------------------------------------------------------------------------
-- The model store: every role has its own names; fits are private
---------------------------------------------------------------------------
SET ROLE crm_tap_other;
SELECT is((SELECT count(*) FROM fit_models('analyst_model', 'orders', 'customer_id', 'ordered_at', 'amount',
                                           '2025-06-30', '{"unit": "7 days", "model": "bgnbd"}')), 2::bigint,
          'another role stores fits under the same name, in its own namespace');
SELECT throws_ok($$INSERT INTO fitted_models (name, kind, model, parameters, fitted_by)
                   VALUES ('spoof', 'bgnbd', '{"r":1,"alpha":1,"a":1,"b":1}', '{}', 'crm_tap_analyst')$$,
                 '42501', NULL, 'nor store a fit in another role''s name');
SELECT throws_ok($$UPDATE fitted_models SET ll = 0 WHERE name = 'analyst_model'$$,
                 '42501', NULL, 'nobody rewrites stored fits');
DELETE FROM fitted_models WHERE name = 'analyst_model';
RESET ROLE;
SELECT is((SELECT count(*) FROM fitted_models WHERE name = 'analyst_model' AND fitted_by = 'crm_tap_analyst'), 2::bigint,
          'another role cannot delete someone else''s fits');
SET ROLE crm_tap_other;
SELECT throws_ok($$SELECT stored_bgnbd_model('crm_tap_analyst.analyst_model')$$, '22023', NULL,
                 'nor read them while they are private');
RESET ROLE;
SET ROLE crm_tap_analyst;
SELECT is((SELECT stored_bgnbd_model('analyst_model')::jsonb->>'unit'), '7 days',
          'the analyst''s own lookup still finds the analyst''s fit');
RESET ROLE;

---------------------------------------------------------------------------
-- A hostile search_path changes nothing
---------------------------------------------------------------------------
CREATE SCHEMA tap_evil;
CREATE FUNCTION tap_evil.jsonb_typeof(jsonb) RETURNS text LANGUAGE plpgsql AS
$$BEGIN RAISE EXCEPTION 'hijacked jsonb_typeof'; END$$;
CREATE FUNCTION tap_evil.quote_ident(text) RETURNS text LANGUAGE plpgsql AS
$$BEGIN RAISE EXCEPTION 'hijacked quote_ident'; END$$;
CREATE FUNCTION tap_evil.p_alive(public.customer_profile, public.bgnbd_model) RETURNS float8
    LANGUAGE sql IMMUTABLE AS $$SELECT 2.0::float8$$;
SET search_path = tap_evil, pg_catalog, tap_analyst, public;
SELECT lives_ok($$SELECT public.create_scoring_view('evil_path_scores', 'tap_analyst.orders', 'customer_id',
                                                    'ordered_at', 'amount', '{"as_of": "2026-01-01", "schema": "tap_analyst"}')$$,
                'create_scoring_view works under a search_path with hostile functions first');
SELECT is(current_setting('search_path'), 'tap_evil, pg_catalog, tap_analyst, public',
          'and leaves the caller''s search_path as it was');
SELECT is((SELECT count(*) FROM tap_analyst.evil_path_scores WHERE p_alive BETWEEN 0 AND 1), 600::bigint,
          'the view it made calls the extension''s functions, not look-alikes on the path');
SELECT lives_ok($$SELECT public.stored_bgnbd_model('crm_tap_analyst.analyst_model')$$,
                'stored_bgnbd_model works under the hostile search_path');
SET search_path = tap_analyst, public;

-- Another role's domain named "text" earlier on the path: its CHECK would run
-- with the caller's rights if any PL/pgSQL variable type were resolved there.
CREATE SCHEMA tap_dom;
CREATE TABLE tap_dom.ran (who name, what pg_catalog.text);
GRANT INSERT ON tap_dom.ran TO PUBLIC;
CREATE FUNCTION tap_dom.trap(v pg_catalog.text) RETURNS boolean LANGUAGE plpgsql AS
$$BEGIN INSERT INTO tap_dom.ran VALUES (current_user, v); RETURN true; END$$;
CREATE DOMAIN tap_dom.text AS pg_catalog.text CHECK (tap_dom.trap(VALUE));
CREATE DOMAIN tap_dom.jsonb AS pg_catalog.jsonb CHECK (tap_dom.trap(VALUE::pg_catalog.text));
CREATE DOMAIN tap_dom.interval AS pg_catalog.interval CHECK (tap_dom.trap(VALUE::pg_catalog.text));
GRANT USAGE ON SCHEMA tap_dom TO PUBLIC;
SET ROLE crm_tap_analyst;
SET search_path = tap_analyst, tap_dom, public, pg_catalog;
SELECT lives_ok($$SELECT create_scoring_view('domain_path_scores', 'orders', 'customer_id', 'ordered_at', 'amount',
                                             '{"as_of": "2026-01-01", "unit": "7 days", "time_zone": "Europe/Berlin"}')$$,
                'create_scoring_view works with look-alike domains of text, jsonb and interval first on the path');
RESET ROLE;
SET search_path = tap_analyst, public;
SELECT is((SELECT count(*) FROM tap_dom.ran), 0::bigint,
          'and no look-alike domain''s CHECK ran on its behalf');
SELECT is((SELECT c.relnamespace::regnamespace::text FROM pg_class c WHERE c.relname = 'domain_path_scores'),
          'tap_analyst', 'the view goes into the caller''s current schema');
SELECT is((SELECT count(*) FROM domain_path_scores WHERE model_status = 'ok' AND purchase_model = 'pareto_nbd'),
          600::bigint, 'and scores every customer');
SELECT ok((SELECT proconfig @> ARRAY['search_path=pg_catalog, pg_temp'] FROM pg_proc
            WHERE oid = 'create_scoring_view_in(text, text, regclass, text, text, text, jsonb)'::regprocedure)
          AND (SELECT prosqlbody IS NOT NULL FROM pg_proc
                WHERE oid = 'create_scoring_view(text, regclass, text, text, text, jsonb)'::regprocedure),
          'the work runs under a fixed search_path; the entry point is bound when the extension is installed');

---------------------------------------------------------------------------
-- Errors: SQLSTATE for every bad input; nothing is created on failure
---------------------------------------------------------------------------
SELECT throws_ok($$SELECT create_scoring_view('v_bad', 'orders', 'customer_id', 'ordered_at', 'amount', '{"as_off": "2026-01-01"}')$$,
                 '22023', NULL, 'unknown option: 22023');
SELECT throws_ok($$SELECT create_scoring_view('v_bad', 'orders', 'customer_id', 'no_such_column', 'amount')$$,
                 '42703', NULL, 'missing column: 42703');
SELECT throws_ok($$SELECT create_scoring_view('v_bad', 'orders', NULL, 'ordered_at', 'amount')$$,
                 '22004', NULL, 'NULL column name: 22004');
SELECT throws_ok($$SELECT create_scoring_view('v_bad', 'orders', 'customer_id', 'ordered_at', 'amount', '[1]')$$,
                 '22023', NULL, 'options not an object: 22023');
SELECT throws_ok($$SELECT create_scoring_view('v_bad', 'orders', 'customer_id', 'ordered_at', 'amount', '{"tier_measure": "age"}')$$,
                 '22023', NULL, 'unknown tier measure: 22023');
SELECT is((SELECT count(*) FROM pg_class WHERE relname = 'v_bad'), 0::bigint, 'no view is left behind by a failed call');
SELECT throws_ok($$SELECT refresh_scoring_view('shop_scores')$$, '42809', NULL,
                 'refreshing a plain view: 42809');
SELECT throws_ok($$SELECT stored_bgnbd_model('no such model')$$, '22023', NULL, 'unknown stored model: 22023');
SELECT throws_ok($$SELECT * FROM backtest('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-06-30 12:00')$$,
                 '22023', NULL, 'holdout in the calibration period: 22023');
SELECT throws_ok($$SELECT * FROM backtest_tracking('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31', '{"step": "1 month"}')$$,
                 '22023', NULL, 'tracking step that is not a fixed length: 22023');
SELECT throws_ok($$SELECT * FROM backtest('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31', '{"modle": "bgnbd"}')$$,
                 '22023', 'backtest: unknown option(s) modle', 'backtest: unknown option key: 22023');
SELECT throws_ok($$SELECT * FROM holdout_by_frequency('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31', '{"model": "markov"}')$$,
                 '22023', 'holdout_by_frequency: unknown model "markov"', 'holdout_by_frequency: unknown model: 22023');
SELECT throws_ok($$SELECT * FROM holdout_by_frequency('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31', '{"max_bucket": 0}')$$,
                 '22003', NULL, 'holdout_by_frequency: max_bucket below 1: 22003');
SELECT throws_ok($$SELECT * FROM holdout_by_frequency('orders', 'customer_id', 'ordered_at', 'amount', '2025-12-31', '2025-06-30')$$,
                 '22023', NULL, 'holdout_by_frequency: holdout_end before calibration_end: 22023');
SELECT throws_ok($$SELECT rfm_score(v, v, v, NULL::integer) OVER () FROM (VALUES (1.0::float8)) t(v)$$,
                 '22004', NULL, 'window rfm_score with NULL bins: 22004');
SELECT throws_ok($$SELECT churn_probability_window(0, 0, v) OVER () FROM (VALUES (1.0::float8), (2.0)) t(v)$$,
                 '22023', NULL, 'window fit where every frequency is 0: 22023');
SELECT throws_ok($$SELECT period_start(now(), '0 days')$$, '22023', NULL, 'period_start with an empty period: 22023');

SELECT * FROM finish();
ROLLBACK;
