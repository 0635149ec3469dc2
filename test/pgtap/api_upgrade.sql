-- The update from 0.3.2 to 0.4.0 replaces the per-kind scores (one overload
-- per model type) by the scores on purchase_model, and renames the window
-- forms.  Old signatures that a view uses stay (a SQL wrapper over the new
-- function, same OID, or the function as it was where no SQL expression gives
-- the same value); all others are dropped.  Views built under 0.3.2 on every
-- form (per kind, profile, horizon, new customer, window) return the same
-- rows after the update, and the new functions give the values of the old
-- ones bit for bit.  Self-contained: runs in one transaction and rolls back.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
SET client_min_messages = error;
SET TimeZone = 'UTC';
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS crm_loyalty;

SELECT n.nspname AS ext_schema
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE e.extname = 'crm_loyalty' \gset

SELECT plan(20);

DROP EXTENSION crm_loyalty CASCADE;
SELECT format('CREATE EXTENSION crm_loyalty VERSION %L SCHEMA %I', '0.3.2', :'ext_schema') \gexec
CREATE SCHEMA api_up;
SET search_path = api_up, :"ext_schema";

CREATE TABLE m AS
SELECT bgnbd_model(0.243, 4.414, 0.793, 2.426, '7 days') AS bg,
       mbgnbd_model(0.525, 6.183, 0.891, 1.614, '7 days') AS mbg,
       pareto_nbd_model(0.553, 10.578, 0.606, 11.669, '7 days') AS pn,
       gamma_gamma_model(6.25, 3.74, 15.44) AS gg;
CREATE TABLE c (id int, frequency float8, recency float8, t float8, monetary float8);
INSERT INTO c VALUES (1, 0, 0, 38.86, 0), (2, 2, 30.43, 38.86, 22.35), (3, 7, 35.5, 38.86, 41.2),
                     (4, 1, 1.7, 20, 5), (5, 12, 37, 38.86, 15.5);
CREATE TABLE pr AS
SELECT id, crm_profile(ts, amount, '2024-07-01', '1 day', '7 days') AS p
  FROM (VALUES (1, '2024-01-03'::timestamptz, 10.00), (1, '2024-02-20', 25.00), (1, '2024-05-01', 12.50),
               (2, '2024-06-15', 40.00), (3, '2024-02-01', 5.00), (3, '2024-02-09', 7.25)) o(id, ts, amount)
 GROUP BY id;

-- views on every kind of old form
CREATE VIEW v_bg AS
SELECT c.id, p_alive(frequency, recency, t, bg) AS a, churn_probability(frequency, recency, t, bg) AS ch,
       churn_probability(frequency, recency, t, bg, '13 weeks') AS np,
       expected_purchases(39, frequency, recency, t, bg) AS e,
       expected_purchases('39 weeks'::interval, frequency, recency, t, bg) AS ei,
       clv_estimate(frequency, recency, t, monetary, bg, gg) AS clv
  FROM c, m;
CREATE VIEW v_mbg_profile AS
SELECT pr.id, p_alive(p, mbg) AS a, churn_probability(p, mbg) AS ch, churn_probability(p, mbg, '13 weeks') AS np,
       expected_purchases('39 weeks'::interval, p, mbg) AS e, clv_estimate(p, mbg, gg, 6, 0.02) AS clv
  FROM pr, m;
CREATE VIEW v_pn_new AS
SELECT expected_purchases(52, pn) AS e_float, expected_purchases('52 weeks'::interval, pn) AS e_interval FROM m;
CREATE MATERIALIZED VIEW v_window AS
SELECT c.id, churn_probability(frequency, recency, t, '7 days'::interval) OVER () AS churn_w,
       clv_estimate(p) OVER () AS clv_w
  FROM c JOIN pr USING (id);
CREATE TABLE before_bg AS SELECT * FROM v_bg;
CREATE TABLE before_mbg AS SELECT * FROM v_mbg_profile;
CREATE TABLE before_pn AS SELECT * FROM v_pn_new;
CREATE TABLE before_window AS SELECT * FROM v_window;

-- every old form on every kind, for the bit-for-bit comparison with the new functions
CREATE TABLE old_vals AS
SELECT k.kind, c.id,
       CASE k.kind WHEN 'bgnbd' THEN p_alive(frequency, recency, t, bg) WHEN 'mbgnbd' THEN p_alive(frequency, recency, t, mbg) ELSE p_alive(frequency, recency, t, pn) END AS a,
       CASE k.kind WHEN 'bgnbd' THEN churn_probability(frequency, recency, t, bg) WHEN 'mbgnbd' THEN churn_probability(frequency, recency, t, mbg) ELSE churn_probability(frequency, recency, t, pn) END AS ch,
       CASE k.kind WHEN 'bgnbd' THEN churn_probability(frequency, recency, t, bg, '13 weeks') WHEN 'mbgnbd' THEN churn_probability(frequency, recency, t, mbg, '13 weeks') ELSE churn_probability(frequency, recency, t, pn, '13 weeks') END AS np,
       CASE k.kind WHEN 'bgnbd' THEN expected_purchases(39, frequency, recency, t, bg) WHEN 'mbgnbd' THEN expected_purchases(39, frequency, recency, t, mbg) ELSE expected_purchases(39, frequency, recency, t, pn) END AS e,
       CASE k.kind WHEN 'bgnbd' THEN expected_purchases('52 weeks'::interval, bg) WHEN 'mbgnbd' THEN expected_purchases('52 weeks'::interval, mbg) ELSE expected_purchases('52 weeks'::interval, pn) END AS e_new,
       CASE k.kind WHEN 'bgnbd' THEN clv_estimate(frequency, recency, t, monetary, bg, gg) WHEN 'mbgnbd' THEN clv_estimate(frequency, recency, t, monetary, mbg, gg) ELSE clv_estimate(frequency, recency, t, monetary, pn, gg, 24, 0.005, '1 mon') END AS clv
  FROM c, m, (VALUES ('bgnbd'), ('mbgnbd'), ('pareto_nbd')) k(kind);
CREATE TABLE old_profile_vals AS
SELECT k.kind, pr.id,
       CASE k.kind WHEN 'bgnbd' THEN p_alive(p, bg) WHEN 'mbgnbd' THEN p_alive(p, mbg) ELSE p_alive(p, pn) END AS a,
       CASE k.kind WHEN 'bgnbd' THEN churn_probability(p, bg) WHEN 'mbgnbd' THEN churn_probability(p, mbg) ELSE churn_probability(p, pn) END AS ch,
       CASE k.kind WHEN 'bgnbd' THEN churn_probability(p, bg, '13 weeks') WHEN 'mbgnbd' THEN churn_probability(p, mbg, '13 weeks') ELSE churn_probability(p, pn, '13 weeks') END AS np,
       CASE k.kind WHEN 'bgnbd' THEN expected_purchases('39 weeks'::interval, p, bg) WHEN 'mbgnbd' THEN expected_purchases('39 weeks'::interval, p, mbg) ELSE expected_purchases('39 weeks'::interval, p, pn) END AS e,
       CASE k.kind WHEN 'bgnbd' THEN clv_estimate(p, bg, gg) WHEN 'mbgnbd' THEN clv_estimate(p, mbg, gg) ELSE clv_estimate(p, pn, gg) END AS clv
  FROM pr, m, (VALUES ('bgnbd'), ('mbgnbd'), ('pareto_nbd')) k(kind);
CREATE TABLE old_window_vals AS
SELECT c.id, churn_probability(frequency, recency, t) OVER () AS churn_days,
       clv_estimate(frequency, recency, t, monetary, '7 days') OVER () AS clv_weeks,
       churn_probability(p) OVER () AS churn_profile
  FROM c JOIN pr USING (id);

SELECT is((SELECT count(*) FROM pg_proc WHERE pronamespace = :'ext_schema'::regnamespace
            AND proname IN ('p_alive', 'churn_probability', 'expected_purchases', 'clv_estimate')), 45::bigint,
          'under 0.3.2: p_alive 6, churn_probability 15, expected_purchases 15, clv_estimate 9 overloads');

ALTER EXTENSION crm_loyalty UPDATE TO '0.4.0';
SET crm_test.schema = :'ext_schema';

-- the views return the same rows
SELECT set_eq('SELECT * FROM v_bg', 'SELECT * FROM before_bg', 'per-kind view (BG/NBD, every form) returns the same rows');
SELECT set_eq('SELECT * FROM v_mbg_profile', 'SELECT * FROM before_mbg', 'profile view (MBG/NBD) returns the same rows');
SELECT set_eq('SELECT * FROM v_pn_new', 'SELECT * FROM before_pn', 'new-customer view (Pareto/NBD, float and interval horizons) returns the same rows');
REFRESH MATERIALIZED VIEW v_window;
SELECT set_eq('SELECT * FROM v_window', 'SELECT * FROM before_window', 'window materialized view returns the same rows after a refresh');

-- the forms the views use are kept, the others are gone
SELECT is((SELECT array_agg(p.oid::regprocedure::text || ' ' || l.lanname ORDER BY p.oid::regprocedure::text COLLATE "C")
             FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
            WHERE p.pronamespace = :'ext_schema'::regnamespace
              AND p.proname IN ('p_alive', 'churn_probability', 'expected_purchases', 'clv_estimate')
              AND (p.prokind = 'w' OR p.proargtypes::oid[] && ARRAY['bgnbd_model'::regtype, 'mbgnbd_model'::regtype, 'pareto_nbd_model'::regtype]::oid[])),
          ARRAY['churn_probability(customer_profile,mbgnbd_model) sql',
                'churn_probability(customer_profile,mbgnbd_model,interval) sql',
                'churn_probability(double precision,double precision,double precision,bgnbd_model) sql',
                'churn_probability(double precision,double precision,double precision,bgnbd_model,interval) sql',
                'churn_probability(double precision,double precision,double precision,interval) c',
                'clv_estimate(customer_profile) c',
                'clv_estimate(customer_profile,mbgnbd_model,gamma_gamma_model,integer,double precision,interval) sql',
                'clv_estimate(double precision,double precision,double precision,double precision,bgnbd_model,gamma_gamma_model,integer,double precision,interval) sql',
                'expected_purchases(double precision,double precision,double precision,double precision,bgnbd_model) sql',
                'expected_purchases(double precision,pareto_nbd_model) c',
                'expected_purchases(interval,customer_profile,mbgnbd_model) sql',
                'expected_purchases(interval,double precision,double precision,double precision,bgnbd_model) c',
                'expected_purchases(interval,pareto_nbd_model) sql',
                'p_alive(customer_profile,mbgnbd_model) sql',
                'p_alive(double precision,double precision,double precision,bgnbd_model) sql'],
          'only the old forms a view uses are kept: SQL wrappers, or the function as it was where SQL cannot give the same value');
SELECT is(to_regprocedure('p_alive(float8, float8, float8, pareto_nbd_model)'), NULL, 'an unused old form is dropped (p_alive on pareto_nbd_model)');
SELECT is(to_regprocedure('clv_estimate(float8, float8, float8, float8)'), NULL, 'an unused window form is dropped (clv_estimate(f, r, t, m))');
SELECT ok((SELECT obj_description(to_regprocedure('p_alive(float8, float8, float8, bgnbd_model)'), 'pg_proc')
             LIKE 'Deprecated form of 0.3.2, kept because an object outside the extension depends on it (rule _RETURN on view api_up.v_bg); wraps p_alive'),
          'a kept form says it is deprecated and which object keeps it');
SELECT is((SELECT count(*) FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'crm_loyalty'
            WHERE d.classid = 'pg_proc'::regclass AND d.objid = to_regprocedure('p_alive(float8, float8, float8, bgnbd_model)')
              AND d.deptype = 'e'), 1::bigint, 'a kept form stays a member of the extension');

-- the new functions give the old values, bit for bit
SELECT is_empty($$
SELECT o.kind, o.id FROM old_vals o, m,
       LATERAL (SELECT CASE o.kind WHEN 'bgnbd' THEN m.bg::purchase_model WHEN 'mbgnbd' THEN m.mbg::purchase_model ELSE m.pn::purchase_model END AS pm) k
  JOIN c ON true
 WHERE c.id = o.id
   AND (p_alive(frequency, recency, t, k.pm) IS DISTINCT FROM o.a
        OR churn_probability(frequency, recency, t, k.pm) IS DISTINCT FROM o.ch
        OR p_no_purchase(frequency, recency, t, k.pm, '13 weeks') IS DISTINCT FROM o.np
        OR expected_purchases(39, frequency, recency, t, k.pm) IS DISTINCT FROM o.e
        OR expected_purchases(k.pm, '52 weeks') IS DISTINCT FROM o.e_new
        OR CASE o.kind WHEN 'pareto_nbd' THEN clv_estimate(frequency, recency, t, monetary, k.pm, m.gg, 24, 0.005, '1 mon')
                       ELSE clv_estimate(frequency, recency, t, monetary, k.pm, m.gg) END IS DISTINCT FROM o.clv)$$,
  'p_alive, churn_probability, p_no_purchase, expected_purchases, clv_estimate on purchase_model equal the 0.3.2 per-kind values bit for bit');
SELECT is_empty($$
SELECT o.kind, o.id FROM old_profile_vals o JOIN pr USING (id), m,
       LATERAL (SELECT CASE o.kind WHEN 'bgnbd' THEN m.bg::purchase_model WHEN 'mbgnbd' THEN m.mbg::purchase_model ELSE m.pn::purchase_model END AS pm) k
 WHERE p_alive(p, k.pm) IS DISTINCT FROM o.a
    OR churn_probability(p, k.pm) IS DISTINCT FROM o.ch
    OR p_no_purchase(p, k.pm, '13 weeks') IS DISTINCT FROM o.np
    OR expected_purchases(p, k.pm, '39 weeks') IS DISTINCT FROM o.e
    OR clv_estimate(p, k.pm, m.gg) IS DISTINCT FROM o.clv$$,
  'the profile forms on purchase_model equal the 0.3.2 per-kind values bit for bit');
SELECT is_empty($$
SELECT o.id FROM old_window_vals o JOIN
       (SELECT c.id, churn_probability_window(frequency, recency, t) OVER () AS churn_days,
               clv_estimate_window(frequency, recency, t, monetary, '7 days') OVER () AS clv_weeks,
               churn_probability_window(p) OVER () AS churn_profile
          FROM c JOIN pr USING (id)) n USING (id)
 WHERE n.churn_days IS DISTINCT FROM o.churn_days OR n.clv_weeks IS DISTINCT FROM o.clv_weeks
    OR n.churn_profile IS DISTINCT FROM o.churn_profile$$,
  'churn_probability_window and clv_estimate_window equal the 0.3.2 window forms bit for bit');

-- with kept per-kind forms beside the new ones, calls still resolve
SELECT is((SELECT p_alive(2, 30.43, 38.86, bg) FROM m), (SELECT p_alive(2, 30.43, 38.86, bg::purchase_model) FROM m),
          'a per-kind argument picks the kept wrapper, with the same value');
SELECT is((SELECT p_alive(2, 30.43, 38.86, mbg) FROM m), (SELECT a FROM old_vals WHERE kind = 'mbgnbd' AND id = 2),
          'a per-kind argument without a kept form takes the implicit cast');
SELECT is(p_alive(2, 30.43, 38.86, '{"kind": "bgnbd", "r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426, "unit": "7 days"}'),
          (SELECT a FROM old_vals WHERE kind = 'bgnbd' AND id = 2),
          'an untyped literal model resolves to purchase_model (the preferred type) beside a kept per-kind form');
SELECT is(expected_purchases(39, 2, 30.43, 38.86, '{"kind": "bgnbd", "r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426, "unit": "7 days"}'),
          (SELECT e FROM old_vals WHERE kind = 'bgnbd' AND id = 2),
          'expected_purchases with an untyped literal model beside kept forms');

-- dropping the view releases the old form at the next update script only; the
-- function keeps working meanwhile
DROP VIEW v_bg;
SELECT is((SELECT p_alive(2, 30.43, 38.86, bg) FROM m), (SELECT a FROM old_vals WHERE kind = 'bgnbd' AND id = 2),
          'a kept wrapper still scores after its view is dropped');

-- a fresh install has none of the old forms
DROP EXTENSION crm_loyalty CASCADE;
SELECT format('CREATE EXTENSION crm_loyalty SCHEMA %I', :'ext_schema') \gexec
SELECT is((SELECT array_agg(proname || ' ' || n ORDER BY proname)
             FROM (SELECT proname, count(*) AS n FROM pg_proc
                    WHERE pronamespace = :'ext_schema'::regnamespace
                      AND proname IN ('p_alive', 'churn_probability', 'p_no_purchase', 'expected_purchases', 'clv_estimate',
                                      'churn_probability_window', 'clv_estimate_window')
                    GROUP BY proname) s),
          ARRAY['churn_probability 2', 'churn_probability_window 3', 'clv_estimate 2', 'clv_estimate_window 3',
                'expected_purchases 3', 'p_alive 2', 'p_no_purchase 2'],
          'a direct install of 0.4.0: p_alive 2, churn_probability 2, p_no_purchase 2, expected_purchases 3, clv_estimate 2, and the window functions 3 each');
SELECT is(to_regprocedure('churn_probability(float8, float8, float8, interval)'), NULL,
          'a direct install has no window form named churn_probability');

SELECT * FROM finish();
ROLLBACK;
