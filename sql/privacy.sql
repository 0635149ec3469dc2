-- The right to object to profiling: option exclude_customers names a table
-- whose first column holds the ids of customers who objected.  They are not
-- scored (no row in a scoring view), and no model, RFM cut point or tier
-- scheme is computed from their orders: every fit equals, bit for bit, the
-- fit over the same orders with theirs deleted.  The view reads the table
-- at every SELECT.  Bad tables, other id types and missing privileges give
-- clear errors.
CREATE SCHEMA test_privacy;
SET search_path = test_privacy, public;
SET TimeZone = 'UTC';
SET client_min_messages = warning;
CREATE TABLE orders AS SELECT *, (customer_id % 3)::integer AS shop FROM crm_demo_orders(400);
-- three customers who objected (a frequent buyer, a one-time buyer, the
-- biggest spender), and one id with no orders
CREATE TABLE objections (customer_id bigint PRIMARY KEY, objected_on date);
INSERT INTO objections
SELECT customer_id, '2025-12-01' FROM (
    (SELECT customer_id FROM orders GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1)
    UNION (SELECT customer_id FROM orders GROUP BY 1 HAVING count(*) = 1 ORDER BY 1 LIMIT 1)
    UNION (SELECT customer_id FROM orders GROUP BY 1 ORDER BY sum(amount) DESC, 1 LIMIT 1)
    UNION (SELECT 999999)) AS x;
SELECT count(*) AS objections, count(*) FILTER (WHERE customer_id IN (SELECT customer_id FROM orders)) AS with_orders
FROM objections;
-- the same orders with theirs deleted
CREATE TABLE orders_erased AS SELECT * FROM orders;
DELETE FROM orders_erased o USING objections x WHERE x.customer_id = o.customer_id;

CREATE FUNCTION close(a float8, b float8) RETURNS boolean LANGUAGE sql IMMUTABLE
RETURN a IS NOT DISTINCT FROM b OR abs(a - b) <= 1e-12 * greatest(abs(a), abs(b));
CREATE FUNCTION outcome(stmt text, OUT state text, OUT message text)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE stmt;
    state := 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT;
END
$$;

---------------------------------------------------------------------------
-- fit_models: the stored models equal those fitted without their orders
---------------------------------------------------------------------------
SELECT count(*) FROM fit_models('excluded', 'orders', 'customer_id', 'ordered_at', 'amount', '2026-01-01',
                                '{"exclude_customers": "objections"}');
SELECT count(*) FROM fit_models('erased', 'orders_erased', 'customer_id', 'ordered_at', 'amount', '2026-01-01');
SELECT count(*) FROM fit_models('everyone', 'orders', 'customer_id', 'ordered_at', 'amount', '2026-01-01');
SELECT e.kind, e.model = d.model AS bit_for_bit, e.n, e.model <> a.model AS differs_from_everyone,
       e.source LIKE '%without the customers in test_privacy.objections' AS source_says
FROM fitted_models e
JOIN fitted_models d ON d.kind = e.kind AND d.name = 'erased'
JOIN fitted_models a ON a.kind = e.kind AND a.name = 'everyone'
WHERE e.name = 'excluded'
ORDER BY e.kind;
-- every purchase model, and per group
SELECT m.kind, e.model = d.model AS bit_for_bit
FROM unnest(ARRAY['bgnbd', 'mbgnbd']) AS m(kind),
     LATERAL (SELECT f.model FROM fit_models('x_' || m.kind, 'orders', 'customer_id', 'ordered_at', 'amount', '2026-01-01',
                                              jsonb_build_object('model', m.kind, 'exclude_customers', 'objections',
                                                                 'unit', '7 days')) AS f
               WHERE f.kind = m.kind) AS e,
     LATERAL (SELECT f.model FROM fit_models('d_' || m.kind, 'orders_erased', 'customer_id', 'ordered_at', 'amount', '2026-01-01',
                                              jsonb_build_object('model', m.kind, 'unit', '7 days')) AS f
               WHERE f.kind = m.kind) AS d
ORDER BY 1;
SELECT count(*) FILTER (WHERE e.model = d.model) AS same, count(*) AS fits
FROM fit_models('grp_x', 'orders', 'customer_id', 'ordered_at', 'amount', '2026-01-01',
                '{"exclude_customers": "objections", "group_column": "shop", "model": "bgnbd"}') AS e
FULL JOIN fit_models('grp_d', 'orders_erased', 'customer_id', 'ordered_at', 'amount', '2026-01-01',
                     '{"group_column": "shop", "model": "bgnbd"}') AS d USING (group_key, kind);

---------------------------------------------------------------------------
-- create_scoring_view: no row for them; cut points, tiers and models as
-- without their orders; the exclusions are read at every SELECT
---------------------------------------------------------------------------
SELECT create_scoring_view('scores_excluded', 'orders', 'customer_id', 'ordered_at', 'amount',
                           '{"as_of": "2026-01-01", "exclude_customers": "objections"}');
SELECT create_scoring_view('scores_erased', 'orders_erased', 'customer_id', 'ordered_at', 'amount',
                           '{"as_of": "2026-01-01"}');
SELECT (SELECT count(*) FROM scores_excluded) AS rows,
       (SELECT count(DISTINCT customer_id) FROM orders) AS customers,
       (SELECT count(*) FROM scores_excluded s JOIN objections x USING (customer_id)) AS objectors_scored;
-- every column of every row, RFM cells, segments and tiers included
SELECT count(*) AS rows_that_differ
FROM (SELECT * FROM scores_excluded EXCEPT SELECT * FROM scores_erased) AS d;
SELECT count(*) AS rows_that_differ
FROM (SELECT * FROM scores_erased EXCEPT SELECT * FROM scores_excluded) AS d;
-- a customer who objects later disappears from the next read; one who
-- withdraws the objection comes back
CREATE TEMP TABLE one AS SELECT customer_id FROM orders WHERE customer_id NOT IN (SELECT customer_id FROM objections)
                         ORDER BY customer_id LIMIT 1;
INSERT INTO objections SELECT customer_id, '2026-01-02' FROM one;
SELECT count(*) AS rows, count(*) FILTER (WHERE customer_id IN (SELECT customer_id FROM one)) AS newly_objected
FROM scores_excluded;
DELETE FROM objections WHERE customer_id IN (SELECT customer_id FROM one);
SELECT count(*) AS rows FROM scores_excluded;
-- a materialized view honours the list as of its last refresh
SELECT create_scoring_view('scores_mat', 'orders', 'customer_id', 'ordered_at', 'amount',
                           '{"as_of": "2026-01-01", "exclude_customers": "objections", "materialized": true}');
INSERT INTO objections SELECT customer_id, '2026-01-02' FROM one;
SELECT count(*) AS before_refresh FROM scores_mat;
SELECT refresh_scoring_view('scores_mat');
SELECT count(*) AS after_refresh FROM scores_mat;
DELETE FROM objections WHERE customer_id IN (SELECT customer_id FROM one);
-- the view depends on the table: it cannot be dropped from under it
SELECT (outcome('DROP TABLE objections')).state AS drop_objections;

---------------------------------------------------------------------------
-- The backtests and holdout_by_frequency
---------------------------------------------------------------------------
SELECT b.customers = d.customers AND b.actual_purchases = d.actual_purchases
       AND b.forecast_purchases = d.forecast_purchases AND b.mae = d.mae AS backtest_same,
       b.customers < a.customers AS fewer_than_everyone
FROM backtest('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31',
              '{"exclude_customers": "objections", "model": "bgnbd"}') AS b,
     backtest('orders_erased', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31', '{"model": "bgnbd"}') AS d,
     backtest('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31', '{"model": "bgnbd"}') AS a;
SELECT count(*) FILTER (WHERE b.model = d.model AND b.customers = d.customers) AS same, count(*) AS models
FROM backtest_compare('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31',
                      '{"exclude_customers": "objections"}') AS b
JOIN backtest_compare('orders_erased', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31') AS d
  USING (purchase_model);
SELECT count(*) FILTER (WHERE b.actual_cumulative = d.actual_cumulative
                          AND b.predicted_cumulative = d.predicted_cumulative) AS same, count(*) AS steps
FROM backtest_tracking('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31',
                       '{"exclude_customers": "objections"}') AS b
JOIN backtest_tracking('orders_erased', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31') AS d
  USING (step);
SELECT count(*) FILTER (WHERE b.customers = d.customers AND b.actual_mean IS NOT DISTINCT FROM d.actual_mean
                          AND b.forecast_mean IS NOT DISTINCT FROM d.forecast_mean) AS same, count(*) AS buckets
FROM holdout_by_frequency('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31',
                          '{"exclude_customers": "objections", "period": "1 day", "unit": "7 days"}') AS b
JOIN holdout_by_frequency('orders_erased', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31',
                          '{"period": "1 day", "unit": "7 days"}') AS d
  USING (frequency_bucket);

---------------------------------------------------------------------------
-- Names and types: a view, another schema, a temporary table, an id type
-- that compares (integer against bigint), and clear errors otherwise
---------------------------------------------------------------------------
CREATE SCHEMA test_privacy_other;
CREATE TABLE test_privacy_other.optout (id integer, note text);
INSERT INTO test_privacy_other.optout SELECT customer_id::integer, 'by mail' FROM objections;
CREATE VIEW objection_ids AS SELECT customer_id FROM objections;
CREATE TEMP TABLE temp_objections AS SELECT customer_id FROM objections;
SELECT o.name,
       (SELECT string_agg(f.model, ',' ORDER BY f.kind)
          FROM fit_models('n_' || o.name, 'orders', 'customer_id', 'ordered_at', 'amount', '2026-01-01',
                          jsonb_build_object('exclude_customers', o.name, 'model', 'bgnbd', 'unit', '7 days')) AS f)
       = (SELECT string_agg(f.model, ',' ORDER BY f.kind) FROM fitted_models AS f
           WHERE f.name = 'd_bgnbd') AS same_fits
FROM (VALUES ('objection_ids'), ('test_privacy_other.optout'), ('temp_objections'),
             ('"objections"'), ('test_privacy.objections')) AS o(name);
-- an unqualified name in a schema whose name needs quoting
CREATE SCHEMA "Odd Shop";
CREATE TABLE "Odd Shop"."Orders" AS SELECT * FROM orders;
CREATE TABLE "Odd Shop"."Opt Outs" AS SELECT customer_id FROM objections;
SELECT (SELECT string_agg(f.model, ',' ORDER BY f.kind)
          FROM fit_models('odd', '"Odd Shop"."Orders"', 'customer_id', 'ordered_at', 'amount', '2026-01-01',
                          '{"exclude_customers": "\"Opt Outs\"", "model": "bgnbd", "unit": "7 days"}') AS f)
       = (SELECT string_agg(f.model, ',' ORDER BY f.kind) FROM fitted_models AS f WHERE f.name = 'd_bgnbd') AS odd_schema;
SELECT e.name, (outcome(format($$SELECT create_scoring_view('v_bad', 'orders', 'customer_id', 'ordered_at', 'amount', %L)$$,
                               jsonb_build_object('exclude_customers', e.value)))).*
FROM (VALUES ('missing table', '"no_such_table"'::jsonb),
             ('missing schema', '"nowhere.objections"'),
             ('bad name', '"objections; DROP TABLE orders"'),
             ('not a string', '42'),
             ('null', 'null'),
             ('three parts', '"a.b.c"')) AS e(name, value)
ORDER BY e.name;
CREATE SEQUENCE seq;
CREATE TABLE text_ids (customer_id text);
CREATE TABLE no_columns ();
SELECT e.name, (outcome(format($$SELECT create_scoring_view('v_bad', 'orders', 'customer_id', 'ordered_at', 'amount', %L)$$,
                               jsonb_build_object('exclude_customers', e.value)))).*
FROM (VALUES ('a sequence', 'seq'), ('text ids', 'text_ids'), ('no columns', 'no_columns')) AS e(name, value)
ORDER BY e.name;
-- text ids become usable through a view that casts them
CREATE VIEW text_ids_cast AS SELECT customer_id::bigint AS customer_id FROM text_ids;
SELECT (outcome($$SELECT create_scoring_view('v_cast', 'orders', 'customer_id', 'ordered_at', 'amount',
                                             '{"exclude_customers": "text_ids_cast"}')$$)).state AS through_a_cast;
-- every function checks the option the same way
SELECT f, (outcome(format($$SELECT count(*) FROM %s('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31', '{"exclude_customers": "text_ids"}')$$, f))).*
FROM unnest(ARRAY['backtest', 'backtest_compare', 'backtest_tracking', 'holdout_by_frequency']) AS f
ORDER BY 1;
SELECT (outcome($$SELECT count(*) FROM fit_models('m', 'orders', 'customer_id', 'ordered_at', 'amount', '2026-01-01',
                                                  '{"exclude_customers": "no_such_table"}')$$)).*;
SELECT count(*) AS bad_views_left FROM pg_class WHERE relname = 'v_bad';

---------------------------------------------------------------------------
-- Privileges: the caller must be able to read the list, and so must every
-- reader of a view built on it (views run with the reader's rights)
---------------------------------------------------------------------------
CREATE ROLE crm_privacy_analyst NOLOGIN;
CREATE ROLE crm_privacy_reader NOLOGIN;
GRANT USAGE, CREATE ON SCHEMA test_privacy TO crm_privacy_analyst;
GRANT USAGE ON SCHEMA test_privacy TO crm_privacy_reader;
GRANT SELECT ON orders TO crm_privacy_analyst, crm_privacy_reader;
SET ROLE crm_privacy_analyst;
SELECT (outcome($$SELECT create_scoring_view('v_noperm', 'orders', 'customer_id', 'ordered_at', 'amount',
                                             '{"exclude_customers": "objections"}')$$)).*;
RESET ROLE;
GRANT SELECT (customer_id) ON objections TO crm_privacy_analyst;
SET ROLE crm_privacy_analyst;
SELECT (outcome($$SELECT create_scoring_view('v_perm', 'orders', 'customer_id', 'ordered_at', 'amount',
                                             '{"as_of": "2026-01-01", "exclude_customers": "objections"}')$$)).state
       AS with_column_privilege;
GRANT SELECT ON v_perm TO crm_privacy_reader;
RESET ROLE;
SET ROLE crm_privacy_reader;
SELECT (outcome('SELECT count(*) FROM v_perm')).state AS reader_without_privilege;
RESET ROLE;
GRANT SELECT (customer_id) ON objections TO crm_privacy_reader;
SET ROLE crm_privacy_reader;
SELECT count(*) AS reader_rows FROM v_perm;
RESET ROLE;

DROP SCHEMA test_privacy, test_privacy_other, "Odd Shop" CASCADE;
DELETE FROM fitted_models WHERE source LIKE '%test_privacy%' OR name = 'odd';
DROP ROLE crm_privacy_analyst;
DROP ROLE crm_privacy_reader;
