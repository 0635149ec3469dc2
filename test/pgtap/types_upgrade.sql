-- The update from 0.3.1 keeps every stored value of the extension's base
-- types: a user table with bgnbd_model, mbgnbd_model, pareto_nbd_model,
-- gamma_gamma_model and btyd_cells columns (fitted, constructed and limit
-- models, fit states, arrays) and the model store read the same text, score
-- the same and travel through binary COPY after ALTER EXTENSION UPDATE.
-- (Values written by the 0.3.1 library itself: test/client/old_values.sh.)
-- Self-contained: runs in one transaction and rolls back.
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

SELECT plan(12);

DROP EXTENSION crm_loyalty CASCADE;
SELECT format('CREATE EXTENSION crm_loyalty VERSION %L SCHEMA %I', '0.3.1', :'ext_schema') \gexec
CREATE SCHEMA types_up;
SET search_path = types_up, :"ext_schema";
SET crm_test.schema = :'ext_schema';

SELECT is((SELECT count(*) FROM pg_type
            WHERE typnamespace = :'ext_schema'::regnamespace AND typtype = 'b'
              AND typname IN ('bgnbd_model', 'mbgnbd_model', 'pareto_nbd_model', 'gamma_gamma_model', 'btyd_cells')
              AND typsend = 0 AND typreceive = 0), 5::bigint,
          'under 0.3.1 the five base types have no binary I/O');

CREATE TABLE orders AS SELECT * FROM crm_demo_orders(300);
CREATE TABLE profiles AS
SELECT customer_id, crm_profile(ordered_at, amount, '2026-01-01', '1 day', '7 days') AS p
  FROM orders GROUP BY customer_id;
CREATE TABLE kept (
    id    int PRIMARY KEY,
    bg    bgnbd_model,
    mbg   mbgnbd_model,
    pnbd  pareto_nbd_model,
    gg    gamma_gamma_model,
    cells btyd_cells,
    bgs   bgnbd_model[]
);
INSERT INTO kept
SELECT 1, bgnbd_fit(p), mbgnbd_fit(p), pareto_nbd_fit(p), gamma_gamma_fit(p),
       '{"kind": "bgnbd", "unit": "7 days", "cells": [[0, 0, 38.5, 10], [2, 30.25, 38.5, 1]]}',
       ARRAY[bgnbd_fit(p), NULL]
  FROM profiles;
INSERT INTO kept VALUES
(2, bgnbd_model(0.25, 4, 0.8, 2.5, '1 day'), mbgnbd_model(0.5, 6, 0.9, 1.6), pareto_nbd_model(0.55, 10.6, 0.61, 11.7),
 gamma_gamma_model(6.25, 3.74, 15.44), '{"kind": "gamma_gamma", "cells": [[1, 0.5, 2], [3, 17.25, 1]]}', '{}'),
(3, '{"lambda": 0.01631516188971309, "unit": "1 day", "limit": "homogeneous_rate+no_dropout", "ll": -45636.80666242649, "n": 1000, "converged": true}',
 '{"r": 0.5, "alpha": 3, "p": 0.25, "unit": "1 day", "limit": "homogeneous_dropout"}',
 '{"lambda": 0.2, "mu": 0.05, "unit": "1 day", "limit": "homogeneous_rate+homogeneous_dropout"}',
 '{"spend": 25, "limit": "constant_spend", "ll": null, "n": 20, "converged": true}',
 '{"kind": "gamma_gamma", "cells": []}', NULL),
(4, '{"lambda": 0.2, "p": 1, "unit": "1 day", "limit": "homogeneous_rate+homogeneous_dropout"}',
 '{"lambda": 0.5, "a": 1.5, "b": 2.5, "unit": "1 day", "limit": "homogeneous_rate"}',
 '{"r": 0.3, "alpha": 2, "unit": "7 days", "limit": "no_dropout", "ll": -12.5}',
 '{"q": 2.5, "w": 30, "limit": "constant_spend_per_customer"}', NULL, NULL);
SELECT count(*) FROM fit_models('shop', 'orders', 'customer_id', 'ordered_at', 'amount', '2026-01-01',
                                '{"unit": "7 days"}') \g /dev/null
SELECT count(*) FROM fit_models('shop', 'orders', 'customer_id', 'ordered_at', 'amount', '2026-01-01',
                                '{"unit": "7 days", "model": "pareto_nbd"}') \g /dev/null

CREATE TEMP TABLE kept_text AS
SELECT id, bg::text AS bg, mbg::text AS mbg, pnbd::text AS pnbd, gg::text AS gg, cells::text AS cells, bgs::text AS bgs,
       p_alive(2, 30, 38, bg) AS bg_alive, expected_purchases(10, 2, 30, 38, mbg) AS mbg_exp,
       expected_purchases(10, 2, 30, 38, pnbd) AS pnbd_exp, expected_spend(3, 20, gg) AS gg_spend
  FROM kept;
CREATE TEMP TABLE store_text AS
SELECT kind, model, stored_bgnbd_model('shop')::text AS bg, stored_pareto_nbd_model('shop')::text AS pnbd,
       stored_gamma_gamma_model('shop')::text AS gg
  FROM fitted_models;

ALTER EXTENSION crm_loyalty UPDATE;

SELECT is((SELECT extversion FROM pg_extension WHERE extname = 'crm_loyalty'),
          (SELECT default_version FROM pg_available_extensions WHERE name = 'crm_loyalty'),
          'the extension updates from 0.3.1');
SELECT is((SELECT count(*) FROM pg_type
            WHERE typnamespace = :'ext_schema'::regnamespace AND typtype = 'b'
              AND typname IN ('bgnbd_model', 'mbgnbd_model', 'pareto_nbd_model', 'gamma_gamma_model', 'btyd_cells')
              AND typsend::text = typname || '_send' AND typreceive::text = typname || '_recv'), 5::bigint,
          'after the update each base type has its send and receive function');
SELECT is_empty($$SELECT typname FROM pg_type
                   WHERE typnamespace = current_setting('crm_test.schema')::regnamespace AND typtype = 'b'
                     AND (typsend = 0 OR typreceive = 0)$$,
                'and no base type of the extension is left without binary I/O');
SELECT set_eq($$SELECT id, bg::text, mbg::text, pnbd::text, gg::text, cells::text, bgs::text FROM kept$$,
              $$SELECT id, bg, mbg, pnbd, gg, cells, bgs FROM kept_text$$,
              'values stored under 0.3.1 read the same text after the update');
SELECT is_empty($$SELECT k.id FROM kept k JOIN kept_text t USING (id)
                   WHERE p_alive(2, 30, 38, k.bg) IS DISTINCT FROM t.bg_alive
                      OR expected_purchases(10, 2, 30, 38, k.mbg) IS DISTINCT FROM t.mbg_exp
                      OR expected_purchases(10, 2, 30, 38, k.pnbd) IS DISTINCT FROM t.pnbd_exp
                      OR expected_spend(3, 20, k.gg) IS DISTINCT FROM t.gg_spend$$,
                'and score the same, bit for bit');
SELECT is((SELECT count(*) FROM kept_text WHERE bg_alive IS NOT NULL AND gg_spend IS NOT NULL), 4::bigint,
          'every row was scored');
SELECT set_eq($$SELECT kind, model, stored_bgnbd_model('shop')::text, stored_pareto_nbd_model('shop')::text,
                      stored_gamma_gamma_model('shop')::text FROM fitted_models$$,
              $$SELECT * FROM store_text$$,
              'the model store reads the same models after the update');
SELECT is((SELECT count(*) FROM fitted_models), 4::bigint, 'the store holds the four fits');

-- binary COPY of the old values, out and back in
SELECT current_setting('data_directory') || '/types_upgrade_kept.bin' AS kept_file \gset
COPY kept TO :'kept_file' WITH (FORMAT binary);
CREATE TABLE kept_back (LIKE kept);
COPY kept_back FROM :'kept_file' WITH (FORMAT binary);
SELECT set_eq($$SELECT id, bg::text, mbg::text, pnbd::text, gg::text, cells::text, bgs::text FROM kept_back$$,
              $$SELECT id, bg, mbg, pnbd, gg, cells, bgs FROM kept_text$$,
              'values stored under 0.3.1 go through binary COPY unchanged');
SELECT is((SELECT count(*) FROM kept_back), 4::bigint, 'all four rows came back');

-- a fit after the update combines with a state stored before it
SELECT is((SELECT bgnbd_fit(frequency, recency, t, '7 days')::text
             FROM (SELECT (p).frequency, (p).recency, (p).t FROM profiles) s),
          (SELECT bg FROM kept_text WHERE id = 1),
          'a fit after the update gives the model fitted before it');

SELECT * FROM finish();
ROLLBACK;
