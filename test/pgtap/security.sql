-- Security model of the model store, rule sets and table-reading functions,
-- with the extension installed by a non-superuser (as a trusted extension is):
-- each role has its own model names and its fits are private until shared;
-- no role can squat another's names, forge fitted_by / fitted_at, read,
-- change or delete another's fits; the extension's owner owns the store and
-- can delete anything; the built-in rule set cannot change; btyd_compare and
-- the backtest check their columns; the update from 0.3.0 keeps every fit.
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

SELECT plan(50);

CREATE ROLE crm_sec_owner NOLOGIN;
CREATE ROLE crm_sec_alice NOLOGIN;
CREATE ROLE crm_sec_bob NOLOGIN;
CREATE ROLE crm_sec_carol NOLOGIN;
CREATE ROLE crm_sec_team NOLOGIN;
GRANT crm_sec_team TO crm_sec_carol;
SELECT format('GRANT CREATE ON DATABASE %I TO crm_sec_owner', current_database()) \gexec
SELECT format('GRANT CREATE, USAGE ON SCHEMA %I TO crm_sec_owner', :'ext_schema') \gexec

CREATE SCHEMA sec_data;
GRANT USAGE, CREATE ON SCHEMA sec_data TO crm_sec_owner, crm_sec_alice, crm_sec_bob, crm_sec_carol;
CREATE TABLE sec_data.orders AS SELECT * FROM crm_demo_orders(300);
GRANT SELECT ON sec_data.orders TO crm_sec_alice, crm_sec_bob, crm_sec_carol;
CREATE TABLE sec_data.summaries AS
SELECT (p).frequency, (p).recency, (p).t, 'x'::text AS label
  FROM (SELECT crm_profile(ordered_at, amount, '2026-01-01', '1 day', '7 days') AS p
          FROM sec_data.orders GROUP BY customer_id) AS s;
CREATE VIEW sec_data.orders_text AS
SELECT customer_id, ordered_at, ordered_at::text AS ordered_text, amount::text AS amount FROM sec_data.orders;

-- install as a plain role with CREATE on the database, as a trusted extension is
DROP EXTENSION crm_loyalty;
SET ROLE crm_sec_owner;
SELECT format('CREATE EXTENSION crm_loyalty SCHEMA %I', :'ext_schema') \gexec
RESET ROLE;
SET search_path = sec_data, :"ext_schema";

SELECT is((SELECT relowner::regrole::text FROM pg_class WHERE oid = 'fitted_models'::regclass), 'crm_sec_owner',
          'the store belongs to the role that created the extension, not to a superuser');

---------------------------------------------------------------------------
-- Fits are private; lookups only return the caller's own fits
---------------------------------------------------------------------------
SET ROLE crm_sec_alice;
SELECT is((SELECT count(*) FROM fit_models('shop', 'orders', 'customer_id', 'ordered_at', 'amount',
                                           '2026-01-01', '{"unit": "7 days", "model": "bgnbd"}')), 2::bigint,
          'alice stores a BG/NBD and a Gamma-Gamma fit');
RESET ROLE;
SELECT model AS alice_shop_bg FROM fitted_models
 WHERE fitted_by = 'crm_sec_alice' AND name = 'shop' AND kind = 'bgnbd' \gset

SET ROLE crm_sec_bob;
SELECT is((SELECT count(*) FROM fitted_models), 0::bigint,
          'another role sees none of her fits: fits are private by default');
SELECT throws_ok($$SELECT stored_bgnbd_model('crm_sec_alice.shop')$$, '22023', NULL,
                 'nor reads them with a qualified name');
SELECT throws_ok($$SELECT stored_bgnbd_model('shop', '', 'crm_sec_alice')$$, '22023', NULL,
                 'nor by naming her as the owner');
SELECT throws_ok($$SELECT stored_bgnbd_model('shop')$$, '22023', NULL,
                 'an unqualified name finds only the caller''s own fits');

-- Squatting: a fit stored first, dated in the future, under a name alice has not used yet
INSERT INTO fitted_models (name, kind, model, parameters, fitted_at)
VALUES ('future', 'bgnbd', '{"r": 1, "alpha": 1, "a": 1, "b": 1}', '{}', 'infinity');
SELECT is((SELECT fitted_at < 'infinity' AND fitted_at >= now() FROM fitted_models WHERE name = 'future'), true,
          'a forged fitted_at is replaced by the time the fit was stored');
SELECT throws_ok($$INSERT INTO fitted_models (name, kind, model, parameters, fitted_by)
                   VALUES ('spoof', 'bgnbd', '{"r":1,"alpha":1,"a":1,"b":1}', '{}', 'crm_sec_alice')$$,
                 '42501', NULL, 'a fit cannot be stored in another role''s name');
SELECT throws_ok($$UPDATE fitted_models SET fitted_at = 'infinity' WHERE name = 'future'$$,
                 '42501', NULL, 'fitted_at cannot be changed after storing');
SELECT throws_ok($$UPDATE fitted_models SET fitted_by = 'crm_sec_alice' WHERE name = 'future'$$,
                 '42501', NULL, 'nor fitted_by');
UPDATE fitted_models SET readers = '{public}' WHERE fitted_by = 'crm_sec_alice';
DELETE FROM fitted_models WHERE fitted_by = 'crm_sec_alice';
RESET ROLE;
SELECT is((SELECT count(*) FROM fitted_models WHERE fitted_by = 'crm_sec_alice' AND readers = '{}'), 2::bigint,
          'another role can neither share nor delete her fits');

SET ROLE crm_sec_alice;
SELECT is((SELECT count(*) FROM fit_models('future', 'orders', 'customer_id', 'ordered_at', 'amount',
                                           '2026-01-01', '{"unit": "7 days", "model": "bgnbd"}')), 2::bigint,
          'she stores fits under the name the other role used first');
SELECT is(stored_bgnbd_model('future')::text,
          (SELECT model FROM fitted_models WHERE fitted_by = 'crm_sec_alice' AND name = 'future' AND kind = 'bgnbd'),
          'and her lookups return her fit, not the other role''s');
RESET ROLE;
-- No race between sessions: names are per role (fitted_by is part of the
-- key), so nothing checks "is this name used by somebody else" before an
-- insert.  Two roles storing the same name at the same moment each get
-- their own rows; a role's own sessions only add history to its own name.
SELECT is((SELECT count(DISTINCT fitted_by) FROM fitted_models WHERE name = 'future'), 2::bigint,
          'both roles hold a fit named future, side by side');
SELECT col_is_pk('fitted_models', ARRAY['fitted_by', 'name', 'group_key', 'kind', 'fitted_at'],
                 'the store is keyed by role, name, group, kind and time');

---------------------------------------------------------------------------
-- Sharing: readers (roles and their members, or public)
---------------------------------------------------------------------------
SET ROLE crm_sec_alice;
SELECT is(share_model('shop', '{crm_sec_team}'), 2::bigint, 'she shares her shop fits with a team role');
RESET ROLE;
SET ROLE crm_sec_carol;
SELECT is(stored_bgnbd_model('crm_sec_alice.shop')::text, :'alice_shop_bg',
          'a member of the team reads them as role.name');
SELECT is(stored_model('shop', '', 'bgnbd', 'crm_sec_alice'), :'alice_shop_bg',
          'or with the owner argument');
SELECT throws_ok($$SELECT share_model('shop', '{public}')$$, '22023', NULL,
                 'a reader cannot re-share them');
RESET ROLE;
SET ROLE crm_sec_bob;
SELECT throws_ok($$SELECT stored_bgnbd_model('crm_sec_alice.shop')$$, '22023', NULL,
                 'a role outside the team still cannot read them');
RESET ROLE;
SET ROLE crm_sec_alice;
SELECT is((SELECT count(*) FROM fit_models('shop', 'orders', 'customer_id', 'ordered_at', 'amount',
                                           '2026-02-01', '{"unit": "7 days", "model": "bgnbd"}')), 2::bigint,
          'she stores a newer fit under the shared name');
SELECT is((SELECT readers FROM fitted_models WHERE name = 'shop' AND kind = 'bgnbd' ORDER BY fitted_at DESC LIMIT 1),
          '{crm_sec_team}'::name[], 'the new fit keeps the name''s readers');
SELECT throws_ok($$SELECT share_model('shop', '{crm_sec_no_such_role}')$$, '42704', NULL,
                 'readers must be roles');
SELECT is(share_model('shop', '{public}'), 4::bigint, 'public shares every fit of the name with every role');
RESET ROLE;
SET ROLE crm_sec_bob;
SELECT is(stored_bgnbd_model('crm_sec_alice.shop')::text,
          (SELECT model FROM fitted_models WHERE fitted_by = 'crm_sec_alice' AND name = 'shop' AND kind = 'bgnbd'
            ORDER BY fitted_at DESC LIMIT 1),
          'then any role reads the newest fit as role.name');
RESET ROLE;

-- A scoring view over stored models works for the role that made it
SET ROLE crm_sec_alice;
SELECT create_scoring_view('alice_scores', 'orders', 'customer_id', 'ordered_at', 'amount',
                           '{"as_of": "2026-01-01", "unit": "7 days", "bgnbd_model": "future", "gamma_gamma_model": "shop"}');
SELECT is((SELECT count(*) FROM alice_scores WHERE p_alive BETWEEN 0 AND 1 AND clv >= 0), 300::bigint,
          'a scoring view over her stored models scores every customer');
RESET ROLE;

---------------------------------------------------------------------------
-- The extension's owner manages the whole store
---------------------------------------------------------------------------
SET ROLE crm_sec_owner;
SELECT is((SELECT count(*) FROM fitted_models), 7::bigint,
          'the extension''s owner sees every role''s fits');
DELETE FROM fitted_models WHERE fitted_by = 'crm_sec_bob';
SELECT is((SELECT count(*) FROM fitted_models WHERE fitted_by = 'crm_sec_bob'), 0::bigint,
          'and deletes any of them');

---------------------------------------------------------------------------
-- The built-in rule set 'default' cannot change (pg_dump does not keep it)
---------------------------------------------------------------------------
SELECT throws_ok($$UPDATE rfm_segment_rules SET segment = 'Top' WHERE rule_set = 'default' AND position = 1$$,
                 '42501', 'the rule set "default" is part of crm_loyalty and cannot be changed',
                 'even the extension''s owner cannot change the default rule set');
SELECT throws_ok($$DELETE FROM rfm_segment_rules WHERE rule_set = 'default'$$, '42501', NULL,
                 'nor delete it');
SELECT throws_ok($$INSERT INTO rfm_segment_rules VALUES ('default', 11, 'Extra', 1, 5, 1, 5, 1, 5)$$, '42501', NULL,
                 'nor add to it');
SELECT lives_ok($$INSERT INTO rfm_segment_rules
                  SELECT 'mine', position, segment, r_min, r_max, f_min, f_max, m_min, m_max
                    FROM rfm_segment_rules WHERE rule_set = 'default';
                  UPDATE rfm_segment_rules SET segment = 'Top' WHERE rule_set = 'mine' AND position = 1$$,
                'a copy under another name (the hint''s recipe) can be changed');
RESET ROLE;

---------------------------------------------------------------------------
-- Column types are checked before any SQL is built
---------------------------------------------------------------------------
SELECT throws_ok($$SELECT * FROM btyd_compare(NULL::regclass)$$, '22004', NULL,
                 'btyd_compare with a NULL table: 22004');
SELECT throws_ok($$SELECT * FROM btyd_compare('summaries', 'label')$$, '42804',
                 'btyd_compare: column "label" of sec_data.summaries is text, not a number',
                 'btyd_compare names a column of the wrong type: 42804');
SELECT throws_ok($$SELECT * FROM btyd_compare('summaries', 'nope')$$, '42703',
                 'btyd_compare: sec_data.summaries has no column "nope"', 'and a missing column: 42703');
SELECT throws_ok($$SELECT * FROM btyd_compare('summaries', holdout_purchases => 'label', holdout_length => '30 days')$$,
                 '42804', NULL, 'the holdout column is checked too');
SELECT throws_ok($$SELECT * FROM backtest('orders_text', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31')$$,
                 '42804', NULL, 'backtest with a text amount column: 42804');
SELECT throws_ok($$SELECT * FROM backtest_tracking('orders_text', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31')$$,
                 '42804', NULL, 'backtest_tracking with a text amount column: 42804');
SELECT throws_ok($$SELECT * FROM backtest_customers('orders_text', 'customer_id', 'ordered_text', 'customer_id',
                                                   '2025-06-30', '2025-12-31', '1 day', '7 days')$$,
                 '42804', NULL, 'backtest_customers with a text time column: 42804');

-- An extension schema whose name has a % and a space (a double quote is
-- refused by CREATE EXTENSION itself for scripts that use @extschema@)
DROP EXTENSION crm_loyalty CASCADE;
CREATE SCHEMA "crm%loyalty x";
CREATE EXTENSION crm_loyalty SCHEMA "crm%loyalty x";
SELECT is((SELECT count(*) FROM "crm%loyalty x".btyd_compare('sec_data.summaries', holdout_purchases => 'frequency',
                                                              holdout_length => '10 days')
            WHERE ll < 0 AND holdout_mae >= 0), 3::bigint,
          'btyd_compare works in a schema named crm%loyalty x');

---------------------------------------------------------------------------
-- Update from 0.3.0 with fits of two roles
---------------------------------------------------------------------------
DROP EXTENSION crm_loyalty CASCADE;
SET search_path = sec_data, :"ext_schema";
SET ROLE crm_sec_owner;
SELECT format('CREATE EXTENSION crm_loyalty VERSION %L SCHEMA %I', '0.3.0', :'ext_schema') \gexec
UPDATE rfm_segment_rules SET segment = 'Top' WHERE rule_set = 'default' AND position = 1;
RESET ROLE;
SET ROLE crm_sec_alice;
SELECT count(*) FROM fit_models('shop', 'orders', 'customer_id', 'ordered_at', 'amount', '2026-01-01', '{"unit": "7 days"}') \g /dev/null
SELECT create_scoring_view('alice_old', 'orders', 'customer_id', 'ordered_at', 'amount',
                           '{"as_of": "2026-01-01", "unit": "7 days", "bgnbd_model": "shop", "gamma_gamma_model": "shop"}') \g /dev/null
RESET ROLE;
SET ROLE crm_sec_bob;
SELECT count(*) FROM fit_models('bobs', 'orders', 'customer_id', 'ordered_at', 'amount', '2026-01-01', '{"unit": "7 days"}') \g /dev/null
INSERT INTO fitted_models (name, kind, model, parameters, fitted_at)
VALUES ('future', 'bgnbd', '{"r": 1, "alpha": 1, "a": 1, "b": 1}', '{}', 'infinity');
RESET ROLE;
CREATE TEMP TABLE store_before AS
SELECT name, group_key, kind, model, fitted_at, fitted_by FROM fitted_models;
SET ROLE crm_sec_owner;
ALTER EXTENSION crm_loyalty UPDATE;
RESET ROLE;

SELECT is((SELECT extversion FROM pg_extension WHERE extname = 'crm_loyalty'),
          (SELECT default_version FROM pg_available_extensions WHERE name = 'crm_loyalty'),
          'the extension''s owner updates from 0.3.0');
SELECT bag_eq($$SELECT name, group_key, kind, model, fitted_at, fitted_by FROM fitted_models$$,
              $$SELECT * FROM store_before$$,
              'the update keeps every fit with its fitted_by and fitted_at');
SELECT is((SELECT count(*) FROM fitted_models WHERE readers = '{}'), 5::bigint,
          'fits stored before the update are private to their writers');
SELECT is((SELECT relowner::regrole::text FROM pg_class WHERE oid = 'fitted_models'::regclass), 'crm_sec_owner',
          'and the store now belongs to the extension''s owner');
SET ROLE crm_sec_alice;
SELECT is((SELECT count(*) FROM alice_old WHERE p_alive BETWEEN 0 AND 1), 300::bigint,
          'a view made before the update over stored_bgnbd_model still works');
SELECT is((SELECT count(*) FROM fit_models('future', 'orders', 'customer_id', 'ordered_at', 'amount',
                                           '2026-01-01', '{"unit": "7 days", "model": "bgnbd"}')), 2::bigint,
          'the name squatted before the update is free for her after it');
SELECT is(stored_bgnbd_model('future')::jsonb->>'n', '300', 'and her lookup returns her own fit');
RESET ROLE;
SET ROLE crm_sec_bob;
SELECT is((SELECT count(*) FROM fitted_models), 3::bigint, 'the other role sees only its own fits');
RESET ROLE;
SELECT results_eq(
  $$SELECT segment FROM rfm_segment_rules WHERE rule_set = 'default' ORDER BY position$$,
  $$SELECT u.segment FROM unnest(rfm_default_rules()) AS u$$,
  'a default rule set changed before the update is put back');
SELECT is((SELECT segment FROM rfm_segment_rules WHERE rule_set = 'default (changed)' AND position = 1), 'Top',
          'and the changed rules are kept under another name');

SELECT * FROM finish();
ROLLBACK;
