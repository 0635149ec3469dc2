-- API contract of crm_loyalty: every object of the install script with its
-- exact signature, return type, volatility, strictness and aggregate shape;
-- catalog-wide rules (PARALLEL SAFE, COMMENT ON, no SECURITY DEFINER);
-- extension metadata (trusted, not relocatable, config table) and the
-- upgrade path.  Self-contained: runs in one transaction and rolls back.
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

-- the schema the extension lives in (public unless the database says otherwise)
SELECT n.nspname AS ext_schema
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE e.extname = 'crm_loyalty' \gset

SET crm_test.schema = :'ext_schema';

SELECT plan(173);

-- All functions of the extension, for the catalog-wide checks below.
CREATE TEMP VIEW ext_functions AS
SELECT p.oid, p.oid::regprocedure::text AS signature, p.prokind, p.provolatile,
       p.proparallel, p.prosecdef
  FROM pg_proc p
  JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                  AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'crm_loyalty';

---------------------------------------------------------------------------
-- Extension metadata
---------------------------------------------------------------------------
SELECT has_extension('crm_loyalty', 'crm_loyalty is installed');

SELECT is((SELECT trusted FROM pg_available_extension_versions v
            JOIN pg_extension e ON e.extname = v.name AND e.extversion = v.version
           WHERE v.name = 'crm_loyalty'),
          true, 'the installed version is trusted (CREATE EXTENSION without superuser)');

SELECT is((SELECT ARRAY[v.relocatable, e.extrelocatable]
             FROM pg_available_extension_versions v
             JOIN pg_extension e ON e.extname = v.name AND e.extversion = v.version
            WHERE v.name = 'crm_loyalty'),
          ARRAY[false, false], 'the extension is not relocatable (control file and catalog)');

SELECT is((SELECT extconfig::regclass[]::text[] FROM pg_extension WHERE extname = 'crm_loyalty'),
          ARRAY[format('%I.rfm_segment_rules', :'ext_schema')::regclass::text,
                format('%I.fitted_models', :'ext_schema')::regclass::text,
                format('%I.profile_state_refreshes', :'ext_schema')::regclass::text],
          'rfm_segment_rules, fitted_models and profile_state_refreshes are the registered extension configuration tables');

SELECT is((SELECT extcondition FROM pg_extension WHERE extname = 'crm_loyalty'),
          ARRAY[$$WHERE rule_set <> 'default'$$, '', ''],
          'pg_dump keeps user rule sets (not the built-in default set), every stored model and every refresh watermark');

---------------------------------------------------------------------------
-- Types
---------------------------------------------------------------------------
SELECT has_type(:'ext_schema', 'customer_profile', 'type customer_profile exists');
SELECT has_type(:'ext_schema', 'rfm_cut_points', 'type rfm_cut_points exists');
SELECT has_type(:'ext_schema', 'rfm_scores', 'type rfm_scores exists');
SELECT has_type(:'ext_schema', 'rfm_rule', 'type rfm_rule exists');
SELECT has_type(:'ext_schema', 'tier_scheme', 'type tier_scheme exists');
SELECT has_type(:'ext_schema', 'pareto_nbd_model', 'type pareto_nbd_model exists');
SELECT has_type(:'ext_schema', 'mbgnbd_model', 'type mbgnbd_model exists');
SELECT has_composite(:'ext_schema', 'customer_profile', 'customer_profile is a composite type');
SELECT has_composite(:'ext_schema', 'rfm_cut_points', 'rfm_cut_points is a composite type');
SELECT has_composite(:'ext_schema', 'rfm_scores', 'rfm_scores is a composite type');
SELECT has_composite(:'ext_schema', 'rfm_rule', 'rfm_rule is a composite type');
SELECT has_composite(:'ext_schema', 'tier_scheme', 'tier_scheme is a composite type');

-- columns of a composite type, in order, as 'name type'
CREATE FUNCTION pg_temp.type_columns(typ text) RETURNS text[] LANGUAGE sql STABLE AS $$
    SELECT array_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) ORDER BY a.attnum)
      FROM pg_type t JOIN pg_attribute a ON a.attrelid = t.typrelid
     WHERE t.oid = typ::regtype AND a.attnum > 0 AND NOT a.attisdropped
$$;

SELECT is(pg_temp.type_columns('customer_profile'),
          ARRAY['first_order timestamp with time zone', 'last_order timestamp with time zone',
                'orders bigint', 'refunds bigint', 'periods bigint',
                'frequency double precision', 'recency double precision', 't double precision',
                'recency_days double precision', 'monetary double precision',
                'total_spend numeric', 'unit interval'],
          'customer_profile columns and types');
SELECT is(pg_temp.type_columns('rfm_scores'),
          ARRAY['r integer', 'f integer', 'm integer', 'cell text', 'segment text'],
          'rfm_scores columns and types');
SELECT is(pg_temp.type_columns('rfm_cut_points'),
          ARRAY['bins integer', 'recency_days double precision[]',
                'frequency double precision[]', 'monetary double precision[]'],
          'rfm_cut_points columns and types');
SELECT is(pg_temp.type_columns('tier_scheme'),
          ARRAY['names text[]', 'thresholds numeric[]'],
          'tier_scheme columns and types');
SELECT is(pg_temp.type_columns('rfm_rule'),
          ARRAY['segment text', 'r_min integer', 'r_max integer', 'f_min integer',
                'f_max integer', 'm_min integer', 'm_max integer'],
          'rfm_rule columns and types');

---------------------------------------------------------------------------
-- User-facing functions and aggregates: signature, return type, volatility
---------------------------------------------------------------------------
-- crm_profile (3 overloads)
SELECT has_function(:'ext_schema', 'crm_profile', ARRAY['timestamp with time zone', 'numeric', 'timestamp with time zone'],
                    'crm_profile(timestamptz, numeric, timestamptz) exists');
SELECT has_function(:'ext_schema', 'crm_profile', ARRAY['timestamp with time zone', 'numeric', 'timestamp with time zone', 'interval'],
                    'crm_profile(timestamptz, numeric, timestamptz, interval) exists');
SELECT has_function(:'ext_schema', 'crm_profile', ARRAY['timestamp with time zone', 'numeric', 'timestamp with time zone', 'interval', 'interval'],
                    'crm_profile(timestamptz, numeric, timestamptz, interval, interval) exists');
SELECT has_type(:'ext_schema', 'profile_state', 'type profile_state exists');
SELECT function_returns(:'ext_schema', 'crm_profile_state', ARRAY['timestamp with time zone', 'numeric', 'interval'], 'profile_state');
SELECT function_returns(:'ext_schema', 'crm_profile', ARRAY['profile_state', 'timestamp with time zone', 'interval'], 'customer_profile');
SELECT function_returns(:'ext_schema', 'crm_profile', ARRAY['timestamp with time zone', 'numeric', 'timestamp with time zone'], 'customer_profile');
SELECT function_returns(:'ext_schema', 'crm_profile', ARRAY['timestamp with time zone', 'numeric', 'timestamp with time zone', 'interval'], 'customer_profile');
SELECT function_returns(:'ext_schema', 'crm_profile', ARRAY['timestamp with time zone', 'numeric', 'timestamp with time zone', 'interval', 'interval'], 'customer_profile');
SELECT volatility_is(:'ext_schema', 'crm_profile', ARRAY['timestamp with time zone', 'numeric', 'timestamp with time zone'], 'immutable');
SELECT volatility_is(:'ext_schema', 'crm_profile', ARRAY['timestamp with time zone', 'numeric', 'timestamp with time zone', 'interval'], 'immutable');
SELECT volatility_is(:'ext_schema', 'crm_profile', ARRAY['timestamp with time zone', 'numeric', 'timestamp with time zone', 'interval', 'interval'], 'immutable');
SELECT is_aggregate(:'ext_schema', 'crm_profile', ARRAY['timestamp with time zone', 'numeric', 'timestamp with time zone']);
SELECT is_aggregate(:'ext_schema', 'crm_profile', ARRAY['timestamp with time zone', 'numeric', 'timestamp with time zone', 'interval']);
SELECT is_aggregate(:'ext_schema', 'crm_profile', ARRAY['timestamp with time zone', 'numeric', 'timestamp with time zone', 'interval', 'interval']);

-- rfm_breaks (2 overloads)
SELECT has_function(:'ext_schema', 'rfm_breaks', ARRAY['double precision', 'double precision', 'double precision'],
                    'rfm_breaks(float8, float8, float8) exists');
SELECT has_function(:'ext_schema', 'rfm_breaks', ARRAY['double precision', 'double precision', 'double precision', 'integer'],
                    'rfm_breaks(float8, float8, float8, integer) exists');
SELECT function_returns(:'ext_schema', 'rfm_breaks', ARRAY['double precision', 'double precision', 'double precision'], 'rfm_cut_points');
SELECT function_returns(:'ext_schema', 'rfm_breaks', ARRAY['double precision', 'double precision', 'double precision', 'integer'], 'rfm_cut_points');
SELECT volatility_is(:'ext_schema', 'rfm_breaks', ARRAY['double precision', 'double precision', 'double precision'], 'immutable');
SELECT volatility_is(:'ext_schema', 'rfm_breaks', ARRAY['double precision', 'double precision', 'double precision', 'integer'], 'immutable');
SELECT is_aggregate(:'ext_schema', 'rfm_breaks', ARRAY['double precision', 'double precision', 'double precision']);
SELECT is_aggregate(:'ext_schema', 'rfm_breaks', ARRAY['double precision', 'double precision', 'double precision', 'integer']);

-- rfm_cut_points
SELECT has_function(:'ext_schema', 'rfm_cut_points', ARRAY['double precision[]', 'double precision[]', 'double precision[]'],
                    'rfm_cut_points(float8[], float8[], float8[]) exists');
SELECT function_returns(:'ext_schema', 'rfm_cut_points', ARRAY['double precision[]', 'double precision[]', 'double precision[]'], 'rfm_cut_points');
SELECT volatility_is(:'ext_schema', 'rfm_cut_points', ARRAY['double precision[]', 'double precision[]', 'double precision[]'], 'immutable');
SELECT isnt_aggregate(:'ext_schema', 'rfm_cut_points', ARRAY['double precision[]', 'double precision[]', 'double precision[]']);
SELECT is_strict(:'ext_schema', 'rfm_cut_points', ARRAY['double precision[]', 'double precision[]', 'double precision[]']);

-- rfm_default_rules
SELECT has_function(:'ext_schema', 'rfm_default_rules', ARRAY[]::name[], 'rfm_default_rules() exists');
SELECT function_returns(:'ext_schema', 'rfm_default_rules', ARRAY[]::name[], 'rfm_rule[]');
SELECT volatility_is(:'ext_schema', 'rfm_default_rules', ARRAY[]::name[], 'immutable');

-- rfm_score (2 overloads)
SELECT has_function(:'ext_schema', 'rfm_score', ARRAY['double precision', 'double precision', 'double precision', 'rfm_cut_points'],
                    'rfm_score(float8, float8, float8, rfm_cut_points) exists');
SELECT has_function(:'ext_schema', 'rfm_score', ARRAY['double precision', 'double precision', 'double precision', 'rfm_cut_points', 'rfm_rule[]'],
                    'rfm_score(float8, float8, float8, rfm_cut_points, rfm_rule[]) exists');
SELECT function_returns(:'ext_schema', 'rfm_score', ARRAY['double precision', 'double precision', 'double precision', 'rfm_cut_points'], 'rfm_scores');
SELECT function_returns(:'ext_schema', 'rfm_score', ARRAY['double precision', 'double precision', 'double precision', 'rfm_cut_points', 'rfm_rule[]'], 'rfm_scores');
SELECT volatility_is(:'ext_schema', 'rfm_score', ARRAY['double precision', 'double precision', 'double precision', 'rfm_cut_points'], 'immutable');
SELECT volatility_is(:'ext_schema', 'rfm_score', ARRAY['double precision', 'double precision', 'double precision', 'rfm_cut_points', 'rfm_rule[]'], 'immutable');
SELECT isnt_aggregate(:'ext_schema', 'rfm_score', ARRAY['double precision', 'double precision', 'double precision', 'rfm_cut_points']);
SELECT is_strict(:'ext_schema', 'rfm_score', ARRAY['double precision', 'double precision', 'double precision', 'rfm_cut_points']);
SELECT is_strict(:'ext_schema', 'rfm_score', ARRAY['double precision', 'double precision', 'double precision', 'rfm_cut_points', 'rfm_rule[]']);

-- rfm_segment (2 overloads)
SELECT has_function(:'ext_schema', 'rfm_segment', ARRAY['integer', 'integer', 'integer'],
                    'rfm_segment(integer, integer, integer) exists');
SELECT has_function(:'ext_schema', 'rfm_segment', ARRAY['integer', 'integer', 'integer', 'rfm_rule[]'],
                    'rfm_segment(integer, integer, integer, rfm_rule[]) exists');
SELECT function_returns(:'ext_schema', 'rfm_segment', ARRAY['integer', 'integer', 'integer'], 'text');
SELECT function_returns(:'ext_schema', 'rfm_segment', ARRAY['integer', 'integer', 'integer', 'rfm_rule[]'], 'text');
SELECT volatility_is(:'ext_schema', 'rfm_segment', ARRAY['integer', 'integer', 'integer'], 'immutable');
SELECT volatility_is(:'ext_schema', 'rfm_segment', ARRAY['integer', 'integer', 'integer', 'rfm_rule[]'], 'immutable');

-- rfm_rules_check: a set-returning function with a defaulted bins argument
SELECT has_function(:'ext_schema', 'rfm_rules_check', ARRAY['rfm_rule[]', 'integer'],
                    'rfm_rules_check(rfm_rule[], integer) exists');
SELECT function_returns(:'ext_schema', 'rfm_rules_check', ARRAY['rfm_rule[]', 'integer'], 'setof record');
SELECT volatility_is(:'ext_schema', 'rfm_rules_check', ARRAY['rfm_rule[]', 'integer'], 'immutable');
SELECT is(pg_get_function_result(format('%I.rfm_rules_check(%I.rfm_rule[], integer)', :'ext_schema', :'ext_schema')::regprocedure),
          'TABLE(problem text, segment text, cell text)',
          'rfm_rules_check returns TABLE(problem, segment, cell)');

-- rfm_rules: the only STABLE function (it reads rfm_segment_rules)
SELECT has_function(:'ext_schema', 'rfm_rules', ARRAY['text'], 'rfm_rules(text) exists');
SELECT function_returns(:'ext_schema', 'rfm_rules', ARRAY['text'], 'rfm_rule[]');
SELECT volatility_is(:'ext_schema', 'rfm_rules', ARRAY['text'], 'stable');
SELECT is((SELECT proconfig FROM pg_proc WHERE oid = format('%I.rfm_rules(text)', :'ext_schema')::regprocedure),
          ARRAY['search_path=pg_catalog, pg_temp'],
          'rfm_rules pins its search_path');

-- loyalty_tier: two functions and one aggregate share the name
SELECT has_function(:'ext_schema', 'loyalty_tier', ARRAY['numeric', 'numeric[]', 'text[]'],
                    'loyalty_tier(numeric, numeric[], text[]) exists');
SELECT has_function(:'ext_schema', 'loyalty_tier', ARRAY['numeric', 'tier_scheme'],
                    'loyalty_tier(numeric, tier_scheme) exists');
SELECT has_function(:'ext_schema', 'loyalty_tier',
                    ARRAY['timestamp with time zone', 'numeric', 'timestamp with time zone', 'interval', 'numeric[]', 'text[]'],
                    'loyalty_tier(timestamptz, numeric, timestamptz, interval, numeric[], text[]) exists');
SELECT function_returns(:'ext_schema', 'loyalty_tier', ARRAY['numeric', 'numeric[]', 'text[]'], 'text');
SELECT function_returns(:'ext_schema', 'loyalty_tier', ARRAY['numeric', 'tier_scheme'], 'text');
SELECT function_returns(:'ext_schema', 'loyalty_tier',
                        ARRAY['timestamp with time zone', 'numeric', 'timestamp with time zone', 'interval', 'numeric[]', 'text[]'], 'text');
SELECT volatility_is(:'ext_schema', 'loyalty_tier', ARRAY['numeric', 'numeric[]', 'text[]'], 'immutable');
SELECT volatility_is(:'ext_schema', 'loyalty_tier', ARRAY['numeric', 'tier_scheme'], 'immutable');
SELECT volatility_is(:'ext_schema', 'loyalty_tier',
                     ARRAY['timestamp with time zone', 'numeric', 'timestamp with time zone', 'interval', 'numeric[]', 'text[]'], 'immutable');
SELECT isnt_aggregate(:'ext_schema', 'loyalty_tier', ARRAY['numeric', 'numeric[]', 'text[]']);
SELECT isnt_aggregate(:'ext_schema', 'loyalty_tier', ARRAY['numeric', 'tier_scheme']);
SELECT is_aggregate(:'ext_schema', 'loyalty_tier',
                    ARRAY['timestamp with time zone', 'numeric', 'timestamp with time zone', 'interval', 'numeric[]', 'text[]']);
SELECT is_strict(:'ext_schema', 'loyalty_tier', ARRAY['numeric', 'numeric[]', 'text[]']);

-- loyalty_scheme (2 overloads)
SELECT has_function(:'ext_schema', 'loyalty_scheme', ARRAY['numeric'], 'loyalty_scheme(numeric) exists');
SELECT has_function(:'ext_schema', 'loyalty_scheme', ARRAY['numeric', 'double precision[]', 'text[]'],
                    'loyalty_scheme(numeric, float8[], text[]) exists');
SELECT function_returns(:'ext_schema', 'loyalty_scheme', ARRAY['numeric'], 'tier_scheme');
SELECT function_returns(:'ext_schema', 'loyalty_scheme', ARRAY['numeric', 'double precision[]', 'text[]'], 'tier_scheme');
SELECT volatility_is(:'ext_schema', 'loyalty_scheme', ARRAY['numeric'], 'immutable');
SELECT volatility_is(:'ext_schema', 'loyalty_scheme', ARRAY['numeric', 'double precision[]', 'text[]'], 'immutable');
SELECT is_aggregate(:'ext_schema', 'loyalty_scheme', ARRAY['numeric']);
SELECT is_aggregate(:'ext_schema', 'loyalty_scheme', ARRAY['numeric', 'double precision[]', 'text[]']);

-- qualifying_spend
SELECT has_function(:'ext_schema', 'qualifying_spend', ARRAY['timestamp with time zone', 'numeric', 'timestamp with time zone', 'interval'],
                    'qualifying_spend(timestamptz, numeric, timestamptz, interval) exists');
SELECT function_returns(:'ext_schema', 'qualifying_spend', ARRAY['timestamp with time zone', 'numeric', 'timestamp with time zone', 'interval'], 'numeric');
SELECT volatility_is(:'ext_schema', 'qualifying_spend', ARRAY['timestamp with time zone', 'numeric', 'timestamp with time zone', 'interval'], 'immutable');
SELECT is_aggregate(:'ext_schema', 'qualifying_spend', ARRAY['timestamp with time zone', 'numeric', 'timestamp with time zone', 'interval']);

-- btyd_compare: the one function that reads a table (STABLE, PARALLEL RESTRICTED)
SELECT has_function(:'ext_schema', 'btyd_compare', ARRAY['regclass', 'text', 'text', 'text', 'interval', 'text', 'interval'],
                    'btyd_compare(regclass, text, text, text, interval, text, interval) exists');
SELECT volatility_is(:'ext_schema', 'btyd_compare', ARRAY['regclass', 'text', 'text', 'text', 'interval', 'text', 'interval'], 'stable');
SELECT is(pg_get_function_result(format('%I.btyd_compare(regclass, text, text, text, interval, text, interval)', :'ext_schema')::regprocedure),
          'TABLE(model text, params jsonb, ll double precision, n_params integer, n double precision, aic double precision, bic double precision, converged boolean, holdout_mae double precision, holdout_rmse double precision, holdout_forecast double precision, holdout_actual double precision)',
          'btyd_compare returns one row per model with fit statistics and holdout metrics');
SELECT is((SELECT proconfig FROM pg_proc WHERE oid = format('%I.btyd_compare(regclass, text, text, text, interval, text, interval)', :'ext_schema')::regprocedure),
          ARRAY['search_path=pg_catalog, pg_temp'],
          'btyd_compare pins its search_path');
SELECT is(pg_get_function_result(format('%I.pareto_nbd_simulate(integer, float8, float8, float8, float8, float8, bigint)', :'ext_schema')::regprocedure),
          'TABLE(customer_id bigint, frequency double precision, recency double precision, t double precision)',
          'pareto_nbd_simulate returns customer summaries');
SELECT is(pg_get_function_result(format('%I.mbgnbd_simulate(integer, float8, float8, float8, float8, float8, bigint)', :'ext_schema')::regprocedure),
          'TABLE(customer_id bigint, frequency double precision, recency double precision, t double precision)',
          'mbgnbd_simulate returns customer summaries');
-- the purchase-model fits share the bgnbd_fit state and transition
SELECT is_aggregate(:'ext_schema', 'pareto_nbd_fit', ARRAY['customer_profile']);
SELECT is_aggregate(:'ext_schema', 'mbgnbd_fit', ARRAY['customer_profile']);
SELECT function_returns(:'ext_schema', 'pareto_nbd_fit', ARRAY['double precision', 'double precision', 'double precision', 'interval'], 'pareto_nbd_model');
SELECT function_returns(:'ext_schema', 'mbgnbd_fit', ARRAY['double precision', 'double precision', 'double precision', 'interval'], 'mbgnbd_model');
-- the scoring surface does not grow silently: overloads per scoring name
SELECT set_eq(
  $$SELECT p.proname::text, count(*)::integer
      FROM ext_functions f JOIN pg_proc p ON p.oid = f.oid
     WHERE p.proname IN ('p_alive', 'churn_probability', 'p_no_purchase', 'expected_purchases', 'expected_spend',
                         'clv_estimate', 'churn_probability_window', 'clv_estimate_window')
     GROUP BY p.proname$$,
  $$VALUES ('p_alive', 2), ('churn_probability', 2), ('p_no_purchase', 2), ('expected_purchases', 3),
           ('expected_spend', 2), ('clv_estimate', 2), ('churn_probability_window', 3), ('clv_estimate_window', 3)$$,
  'overloads per scoring name: p_alive 2, churn_probability 2, p_no_purchase 2, expected_purchases 3, expected_spend 2, clv_estimate 2, churn_probability_window 3, clv_estimate_window 3');
-- every score takes the model as a purchase_model, never a per-kind type
SELECT is_empty(
  $$SELECT p.oid::regprocedure
      FROM ext_functions f JOIN pg_proc p ON p.oid = f.oid
     WHERE p.proname IN ('p_alive', 'churn_probability', 'p_no_purchase', 'expected_purchases', 'clv_estimate')
       AND p.proargtypes::oid[] && ARRAY['bgnbd_model'::regtype, 'mbgnbd_model'::regtype, 'pareto_nbd_model'::regtype]::oid[]$$,
  'no score has a per-kind model argument');

-- Result columns of the analyst table functions (BI tools and outside checks read them by name).
SELECT is(pg_get_function_result(format('%I.holdout_by_frequency(regclass, text, text, text, timestamptz, timestamptz, jsonb)',
                                        :'ext_schema')::regprocedure),
          'TABLE(frequency_bucket text, customers bigint, actual_mean double precision, forecast_mean double precision)',
          'holdout_by_frequency returns frequency_bucket, customers, actual_mean, forecast_mean');
SELECT is(pg_get_function_result(format('%I.backtest_compare(regclass, text, text, text, timestamptz, timestamptz, jsonb)',
                                        :'ext_schema')::regprocedure),
          'TABLE(purchase_model text, customers bigint, unit interval, holdout_length double precision, '
          'actual_purchases double precision, forecast_purchases double precision, forecast_error double precision, '
          'mae double precision, rmse double precision, brier_p_alive double precision, brier_active double precision, '
          'll double precision, bic double precision, converged boolean, model text)',
          'backtest_compare returns one row per purchase model with its kind, metrics and fitted model');

-- Argument names (named notation, \df and BI tools rely on them) and defaults.
SELECT set_eq(
  $$SELECT p.proname::text, pg_get_function_arguments(p.oid)
      FROM ext_functions f JOIN pg_proc p ON p.oid = f.oid
     WHERE p.proname !~ '_(trans|combine|serialize|deserialize|final|in|out|send|recv|jsonb)$'$$,
  $$VALUES
    ('crm_profile', 'order_ts timestamp with time zone, amount numeric, as_of timestamp with time zone'),
    ('crm_profile', 'order_ts timestamp with time zone, amount numeric, as_of timestamp with time zone, period interval'),
    ('crm_profile', 'order_ts timestamp with time zone, amount numeric, as_of timestamp with time zone, period interval, unit interval'),
    ('rfm_breaks', 'recency_days double precision, frequency double precision, monetary double precision'),
    ('rfm_breaks', 'recency_days double precision, frequency double precision, monetary double precision, bins integer'),
    ('rfm_cut_points', 'recency_days double precision[], frequency double precision[], monetary double precision[]'),
    ('rfm_default_rules', ''),
    ('rfm_score', 'recency_days double precision, frequency double precision, monetary double precision, breaks rfm_cut_points'),
    ('rfm_score', 'recency_days double precision, frequency double precision, monetary double precision, breaks rfm_cut_points, rules rfm_rule[]'),
    ('rfm_segment', 'r integer, f integer, m integer'),
    ('rfm_segment', 'r integer, f integer, m integer, rules rfm_rule[]'),
    ('rfm_rules_check', 'rules rfm_rule[], bins integer DEFAULT 5'),
    ('rfm_rules', 'rule_set text'),
    ('loyalty_tier', 'value numeric, thresholds numeric[], names text[]'),
    ('loyalty_tier', 'value numeric, scheme tier_scheme'),
    ('loyalty_tier', 'order_ts timestamp with time zone, amount numeric, as_of timestamp with time zone, "window" interval, thresholds numeric[], names text[]'),
    ('loyalty_scheme', 'value numeric'),
    ('loyalty_scheme', 'value numeric, shares double precision[], names text[]'),
    ('qualifying_spend', 'order_ts timestamp with time zone, amount numeric, as_of timestamp with time zone, "window" interval'),
    ('crm_demo_orders', 'customers integer DEFAULT 20000, seed bigint DEFAULT 1, start_date date DEFAULT ''2024-01-01''::date, days integer DEFAULT 730'),
    ('bgnbd_model', 'r double precision, alpha double precision, a double precision, b double precision, unit interval DEFAULT ''1 day''::interval'),
    ('gamma_gamma_model', 'p double precision, q double precision, v double precision'),
    ('bgnbd_fit', 'frequency double precision, recency double precision, t double precision'),
    ('bgnbd_fit', 'frequency double precision, recency double precision, t double precision, unit interval'),
    ('bgnbd_fit', 'profile customer_profile'),
    ('gamma_gamma_fit', 'frequency double precision, monetary double precision'),
    ('gamma_gamma_fit', 'profile customer_profile'),
    ('expected_spend', 'frequency double precision, monetary double precision, model gamma_gamma_model'),
    ('expected_spend', 'profile customer_profile, model gamma_gamma_model'),
    ('btyd_simulate', 'customers integer, r double precision, alpha double precision, a double precision, b double precision, t double precision, seed bigint DEFAULT 1, p double precision DEFAULT NULL::double precision, q double precision DEFAULT NULL::double precision, v double precision DEFAULT NULL::double precision'),
    -- 0.3.0: window forms, periods, model store, scoring views, backtest
    ('rfm_score', 'recency_days double precision, frequency double precision, monetary double precision'),
    ('rfm_score', 'recency_days double precision, frequency double precision, monetary double precision, bins integer'),
    ('loyalty_tier', 'value numeric'),
    ('period_start', 'ts timestamp with time zone, period interval DEFAULT ''1 day''::interval'),
    ('fit_models', 'name text, source regclass, customer_column text, ordered_at_column text, amount_column text, as_of timestamp with time zone, options jsonb DEFAULT ''{}''::jsonb'),
    ('stored_model', 'name text, group_key text, kind text'),
    ('stored_bgnbd_model', 'name text, group_key text DEFAULT ''''::text'),
    ('stored_gamma_gamma_model', 'name text, group_key text DEFAULT ''''::text'),
    ('stored_model', 'name text, group_key text, kind text, owner name'),
    ('stored_bgnbd_model', 'name text, group_key text, owner name'),
    ('stored_gamma_gamma_model', 'name text, group_key text, owner name'),
    ('stored_model_owner_split', 'qualified text, OUT owner name, OUT name text'),
    ('share_model', 'name text, readers name[]'),
    ('fitted_model_readable', 'writer name, readers name[]'),
    ('fitted_model_writable', 'writer name'),
    ('fitted_models_stamp', ''),
    ('rfm_segment_rules_guard', ''),
    ('check_columns', 'caller text, source regclass, columns text[], expected text[]'),
    ('stored_mbgnbd_model', 'name text, group_key text DEFAULT ''''::text'),
    ('stored_pareto_nbd_model', 'name text, group_key text DEFAULT ''''::text'),
    ('find_stored_model', 'name text, group_key text, kind text'),
    -- 0.3.2: one purchase-model option across the analyst functions
    ('stored_mbgnbd_model', 'name text, group_key text, owner name'),
    ('stored_pareto_nbd_model', 'name text, group_key text, owner name'),
    ('analyst_options', 'caller text, options jsonb, known text[], unit_default interval, OUT period interval, OUT unit interval, OUT model text, OUT error_code text, OUT error_message text, OUT error_hint text'),
    ('backtest_run', 'caller text, source regclass, customer_column text, ordered_at_column text, amount_column text, calibration_end timestamp with time zone, holdout_end timestamp with time zone, period interval, unit interval, models text[]'),
    ('backtest_compare', 'source regclass, customer_column text, ordered_at_column text, amount_column text, calibration_end timestamp with time zone, holdout_end timestamp with time zone, options jsonb DEFAULT ''{}''::jsonb'),
    ('holdout_by_frequency', 'source regclass, customer_column text, ordered_at_column text, amount_column text, calibration_end timestamp with time zone, holdout_end timestamp with time zone, options jsonb DEFAULT ''{}''::jsonb'),
    ('repeat_purchase_distribution', 'source regclass, customer_column text, ordered_at_column text, amount_column text, as_of timestamp with time zone, options jsonb DEFAULT ''{}''::jsonb'),
    ('frequency_recency_matrix', 'source regclass, customer_column text, ordered_at_column text, amount_column text, as_of timestamp with time zone, options jsonb DEFAULT ''{}''::jsonb'),
    ('purchase_count_distribution', 'model_kind text, model text, t double precision, buckets integer'),
    ('create_scoring_view', 'view_name text, source regclass, customer_column text, ordered_at_column text, amount_column text, options jsonb DEFAULT ''{}''::jsonb'),
    ('refresh_scoring_view', 'view regclass, concurrent boolean DEFAULT false'),
    ('backtest_customers', 'source regclass, customer_column text, ordered_at_column text, amount_column text, calibration_end timestamp with time zone, holdout_end timestamp with time zone, period interval, unit interval'),
    ('backtest', 'source regclass, customer_column text, ordered_at_column text, amount_column text, calibration_end timestamp with time zone, holdout_end timestamp with time zone, options jsonb DEFAULT ''{}''::jsonb'),
    ('backtest_tracking', 'source regclass, customer_column text, ordered_at_column text, amount_column text, calibration_end timestamp with time zone, holdout_end timestamp with time zone, options jsonb DEFAULT ''{}''::jsonb'),
    -- BTYD family: Pareto/NBD and MBG/NBD
    ('pareto_nbd_model', 'r double precision, alpha double precision, s double precision, beta double precision, unit interval DEFAULT ''1 day''::interval'),
    ('pareto_nbd_fit', 'frequency double precision, recency double precision, t double precision'),
    ('pareto_nbd_fit', 'frequency double precision, recency double precision, t double precision, unit interval'),
    ('pareto_nbd_fit', 'profile customer_profile'),
    ('mbgnbd_model', 'r double precision, alpha double precision, a double precision, b double precision, unit interval DEFAULT ''1 day''::interval'),
    ('mbgnbd_fit', 'frequency double precision, recency double precision, t double precision'),
    ('mbgnbd_fit', 'frequency double precision, recency double precision, t double precision, unit interval'),
    ('mbgnbd_fit', 'profile customer_profile'),
    ('mbgnbd_simulate', 'customers integer, r double precision, alpha double precision, a double precision, b double precision, t double precision, seed bigint DEFAULT 1'),
    ('pareto_nbd_simulate', 'customers integer, r double precision, alpha double precision, s double precision, beta double precision, t double precision, seed bigint DEFAULT 1'),
    ('btyd_compare', 'profiles regclass, frequency text DEFAULT ''frequency''::text, recency text DEFAULT ''recency''::text, t text DEFAULT ''t''::text, unit interval DEFAULT ''1 day''::interval, holdout_purchases text DEFAULT NULL::text, holdout_length interval DEFAULT NULL::interval'),
    -- 0.3.2: storable customer state
    ('crm_profile_state', 'order_ts timestamp with time zone, amount numeric'),
    ('crm_profile_state', 'order_ts timestamp with time zone, amount numeric, period interval'),
    ('profile_state_merge', 'a profile_state, b profile_state'),
    ('profile_state_merge', 'state profile_state'),
    ('crm_profile', 'state profile_state, as_of timestamp with time zone'),
    ('crm_profile', 'state profile_state, as_of timestamp with time zone, unit interval'),
    -- 0.4.0: one set of defaults, one option check, exclude_customers
    ('crm_loyalty_defaults', 'OUT period interval, OUT unit interval, OUT time_zone text, OUT purchase_model text, OUT clv_months integer, OUT monthly_discount double precision, OUT month_length interval, OUT rfm_bins integer, OUT tier_names text[], OUT tier_shares double precision[], OUT view_horizon interval, OUT tier_measure text'),
    ('option_keys_error', 'caller text, options jsonb, known text[], OUT error_code text, OUT error_message text, OUT error_hint text'),
    ('excluded_customers', 'caller text, options jsonb, source regclass, customer_column text, OUT rel regclass, OUT id_column text'),
    ('backtest_customers', 'source regclass, customer_column text, ordered_at_column text, amount_column text, calibration_end timestamp with time zone, holdout_end timestamp with time zone, period interval, unit interval, exclude_customers regclass'),
    ('backtest_run', 'caller text, source regclass, customer_column text, ordered_at_column text, amount_column text, calibration_end timestamp with time zone, holdout_end timestamp with time zone, period interval, unit interval, models text[], exclude_customers regclass'),
    ('refresh_profile_states', 'target regclass, source regclass, customer_column text, ordered_at_column text, amount_column text, watermark_column text, options jsonb DEFAULT ''{}''::jsonb'),
    ('rebuild_profile_states', 'target regclass, source regclass, customer_column text, ordered_at_column text, amount_column text, watermark_column text, options jsonb DEFAULT ''{}''::jsonb'),
    ('profile_states_sync', 'target regclass, source regclass, customer_column text, ordered_at_column text, amount_column text, watermark_column text, options jsonb, rebuild boolean'),
    ('create_state_scoring_view', 'view_name text, states regclass, options jsonb DEFAULT ''{}''::jsonb'),
    ('scoring_view_body', 'ext text, profiles_sql text, no_profile_status text, kind text, unit interval, stored_name text, gg_name text, model_group text, bins integer, breaks_sql text, rules_sql text, horizon interval, months integer, discount double precision, measure text, scheme_sql text, time_zone text'),
    ('scoring_view_create', 'target text, body text, materialized boolean, view_comment text, customer_source text, period interval, unit interval, time_zone text, bins integer, kind text, horizon interval, months integer, discount double precision, measure text, status_examples text'),
    -- 0.4.0: the scores on purchase_model, one argument order
    ('purchase_model', 'bgnbd_model'),
    ('purchase_model', 'mbgnbd_model'),
    ('purchase_model', 'pareto_nbd_model'),
    ('bgnbd_model', 'purchase_model'),
    ('mbgnbd_model', 'purchase_model'),
    ('pareto_nbd_model', 'purchase_model'),
    ('p_alive', 'frequency double precision, recency double precision, t double precision, model purchase_model'),
    ('p_alive', 'profile customer_profile, model purchase_model'),
    ('churn_probability', 'frequency double precision, recency double precision, t double precision, model purchase_model'),
    ('churn_probability', 'profile customer_profile, model purchase_model'),
    ('p_no_purchase', 'frequency double precision, recency double precision, t double precision, model purchase_model, horizon interval'),
    ('p_no_purchase', 'profile customer_profile, model purchase_model, horizon interval'),
    ('expected_purchases', 'horizon double precision, frequency double precision, recency double precision, t double precision, model purchase_model'),
    ('expected_purchases', 'profile customer_profile, model purchase_model, horizon interval'),
    ('expected_purchases', 'model purchase_model, horizon interval'),
    ('clv_estimate', 'frequency double precision, recency double precision, t double precision, monetary double precision, model purchase_model, spend_model gamma_gamma_model, months integer DEFAULT 12, monthly_discount double precision DEFAULT 0.01, month_length interval DEFAULT ''30 days''::interval'),
    ('clv_estimate', 'profile customer_profile, model purchase_model, spend_model gamma_gamma_model, months integer DEFAULT 12, monthly_discount double precision DEFAULT 0.01, month_length interval DEFAULT ''30 days''::interval'),
    ('churn_probability_window', 'frequency double precision, recency double precision, t double precision'),
    ('churn_probability_window', 'frequency double precision, recency double precision, t double precision, unit interval'),
    ('churn_probability_window', 'profile customer_profile'),
    ('clv_estimate_window', 'frequency double precision, recency double precision, t double precision, monetary double precision'),
    ('clv_estimate_window', 'frequency double precision, recency double precision, t double precision, monetary double precision, unit interval'),
    ('clv_estimate_window', 'profile customer_profile'),
    -- 0.4.0: the predictive distribution of the purchase count
    ('purchase_count_probabilities', 'frequency double precision, recency double precision, t double precision, model purchase_model, horizon interval, max_count integer DEFAULT 10'),
    ('purchase_count_probabilities', 'profile customer_profile, model purchase_model, horizon interval, max_count integer DEFAULT 10'),
    ('purchase_count_interval', 'frequency double precision, recency double precision, t double precision, model purchase_model, horizon interval, level double precision DEFAULT 0.9, OUT lower integer, OUT upper integer'),
    ('purchase_count_interval', 'profile customer_profile, model purchase_model, horizon interval, level double precision DEFAULT 0.9, OUT lower integer, OUT upper integer'),
    ('prediction_interval_check', 'source regclass, customer_column text, ordered_at_column text, amount_column text, calibration_end timestamp with time zone, holdout_end timestamp with time zone, options jsonb DEFAULT ''{}''::jsonb')$$,
  'user-facing functions and aggregates have exactly these argument names and defaults');

---------------------------------------------------------------------------
-- Aggregate support functions
---------------------------------------------------------------------------
SELECT has_function(:'ext_schema', 'crm_profile_trans', ARRAY['internal', 'timestamp with time zone', 'numeric', 'timestamp with time zone']);
SELECT has_function(:'ext_schema', 'crm_profile_trans', ARRAY['internal', 'timestamp with time zone', 'numeric', 'timestamp with time zone', 'interval']);
SELECT has_function(:'ext_schema', 'crm_profile_trans', ARRAY['internal', 'timestamp with time zone', 'numeric', 'timestamp with time zone', 'interval', 'interval']);
SELECT has_function(:'ext_schema', 'crm_profile_combine', ARRAY['internal', 'internal']);
SELECT has_function(:'ext_schema', 'crm_profile_serialize', ARRAY['internal']);
SELECT has_function(:'ext_schema', 'crm_profile_deserialize', ARRAY['bytea', 'internal']);
SELECT has_function(:'ext_schema', 'crm_profile_final', ARRAY['internal']);
SELECT has_function(:'ext_schema', 'rfm_breaks_trans', ARRAY['internal', 'double precision', 'double precision', 'double precision']);
SELECT has_function(:'ext_schema', 'rfm_breaks_trans', ARRAY['internal', 'double precision', 'double precision', 'double precision', 'integer']);
SELECT has_function(:'ext_schema', 'rfm_breaks_combine', ARRAY['internal', 'internal']);
SELECT has_function(:'ext_schema', 'rfm_breaks_serialize', ARRAY['internal']);
SELECT has_function(:'ext_schema', 'rfm_breaks_deserialize', ARRAY['bytea', 'internal']);
SELECT has_function(:'ext_schema', 'rfm_breaks_final', ARRAY['internal']);
SELECT has_function(:'ext_schema', 'loyalty_scheme_trans', ARRAY['internal', 'numeric']);
SELECT has_function(:'ext_schema', 'loyalty_scheme_trans', ARRAY['internal', 'numeric', 'double precision[]', 'text[]']);
SELECT has_function(:'ext_schema', 'loyalty_scheme_combine', ARRAY['internal', 'internal']);
SELECT has_function(:'ext_schema', 'loyalty_scheme_serialize', ARRAY['internal']);
SELECT has_function(:'ext_schema', 'loyalty_scheme_deserialize', ARRAY['bytea', 'internal']);
SELECT has_function(:'ext_schema', 'loyalty_scheme_final', ARRAY['internal']);
SELECT has_function(:'ext_schema', 'qualifying_spend_trans', ARRAY['internal', 'timestamp with time zone', 'numeric', 'timestamp with time zone', 'interval']);
SELECT has_function(:'ext_schema', 'qualifying_spend_combine', ARRAY['internal', 'internal']);
SELECT has_function(:'ext_schema', 'qualifying_spend_serialize', ARRAY['internal']);
SELECT has_function(:'ext_schema', 'qualifying_spend_deserialize', ARRAY['bytea', 'internal']);
SELECT has_function(:'ext_schema', 'qualifying_spend_final', ARRAY['internal']);
SELECT has_function(:'ext_schema', 'loyalty_tier_spend_trans',
                    ARRAY['internal', 'timestamp with time zone', 'numeric', 'timestamp with time zone', 'interval', 'numeric[]', 'text[]']);
SELECT has_function(:'ext_schema', 'loyalty_tier_spend_final', ARRAY['internal']);

-- Transition functions must not be strict: a NULL as_of/period/unit has to
-- reach the C code to raise an error (a strict one would silently skip the
-- row), and a NULL amount counts as a purchase.
SELECT isnt_strict(:'ext_schema', 'crm_profile_trans', ARRAY['internal', 'timestamp with time zone', 'numeric', 'timestamp with time zone']);
SELECT isnt_strict(:'ext_schema', 'crm_profile_trans', ARRAY['internal', 'timestamp with time zone', 'numeric', 'timestamp with time zone', 'interval']);
SELECT isnt_strict(:'ext_schema', 'crm_profile_trans', ARRAY['internal', 'timestamp with time zone', 'numeric', 'timestamp with time zone', 'interval', 'interval']);
SELECT isnt_strict(:'ext_schema', 'rfm_breaks_trans', ARRAY['internal', 'double precision', 'double precision', 'double precision', 'integer']);
SELECT isnt_strict(:'ext_schema', 'loyalty_scheme_trans', ARRAY['internal', 'numeric', 'double precision[]', 'text[]']);
SELECT isnt_strict(:'ext_schema', 'qualifying_spend_trans', ARRAY['internal', 'timestamp with time zone', 'numeric', 'timestamp with time zone', 'interval']);
SELECT isnt_strict(:'ext_schema', 'loyalty_tier_spend_trans',
                   ARRAY['internal', 'timestamp with time zone', 'numeric', 'timestamp with time zone', 'interval', 'numeric[]', 'text[]']);
-- combine functions see NULL (empty) states and must handle them
SELECT isnt_strict(:'ext_schema', 'crm_profile_combine', ARRAY['internal', 'internal']);
SELECT isnt_strict(:'ext_schema', 'rfm_breaks_combine', ARRAY['internal', 'internal']);
SELECT isnt_strict(:'ext_schema', 'loyalty_scheme_combine', ARRAY['internal', 'internal']);
SELECT isnt_strict(:'ext_schema', 'qualifying_spend_combine', ARRAY['internal', 'internal']);
SELECT isnt_strict(:'ext_schema', 'crm_profile_state_combine', ARRAY['internal', 'internal']);

-- Each aggregate's wiring: state type, transition, combine, (de)serialize, final.
CREATE FUNCTION pg_temp.fn_name(f regproc) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT proname::text FROM pg_proc WHERE oid = f), '-')
$$;
SELECT set_eq(
  $$SELECT a.aggfnoid::regprocedure::text AS agg, a.aggtranstype::regtype::text AS stype,
           pg_temp.fn_name(a.aggtransfn) AS sfunc, pg_temp.fn_name(a.aggcombinefn) AS combinefunc,
           pg_temp.fn_name(a.aggserialfn) AS serialfunc, pg_temp.fn_name(a.aggdeserialfn) AS deserialfunc,
           pg_temp.fn_name(a.aggfinalfn) AS finalfunc
      FROM pg_aggregate a JOIN ext_functions f ON f.oid = a.aggfnoid$$,
  $$VALUES
    ('crm_profile_state(timestamp with time zone,numeric)', 'internal',
     'crm_profile_state_trans', 'crm_profile_state_combine', 'crm_profile_state_serialize', 'crm_profile_state_deserialize', 'crm_profile_state_final'),
    ('crm_profile_state(timestamp with time zone,numeric,interval)', 'internal',
     'crm_profile_state_trans', 'crm_profile_state_combine', 'crm_profile_state_serialize', 'crm_profile_state_deserialize', 'crm_profile_state_final'),
    ('profile_state_merge(profile_state)', 'internal',
     'profile_state_merge_trans', 'crm_profile_state_combine', 'crm_profile_state_serialize', 'crm_profile_state_deserialize', 'crm_profile_state_final'),
    ('crm_profile(timestamp with time zone,numeric,timestamp with time zone)', 'internal',
     'crm_profile_trans', 'crm_profile_combine', 'crm_profile_serialize', 'crm_profile_deserialize', 'crm_profile_final'),
    ('crm_profile(timestamp with time zone,numeric,timestamp with time zone,interval)', 'internal',
     'crm_profile_trans', 'crm_profile_combine', 'crm_profile_serialize', 'crm_profile_deserialize', 'crm_profile_final'),
    ('crm_profile(timestamp with time zone,numeric,timestamp with time zone,interval,interval)', 'internal',
     'crm_profile_trans', 'crm_profile_combine', 'crm_profile_serialize', 'crm_profile_deserialize', 'crm_profile_final'),
    ('rfm_breaks(double precision,double precision,double precision)', 'internal',
     'rfm_breaks_trans', 'rfm_breaks_combine', 'rfm_breaks_serialize', 'rfm_breaks_deserialize', 'rfm_breaks_final'),
    ('rfm_breaks(double precision,double precision,double precision,integer)', 'internal',
     'rfm_breaks_trans', 'rfm_breaks_combine', 'rfm_breaks_serialize', 'rfm_breaks_deserialize', 'rfm_breaks_final'),
    ('loyalty_scheme(numeric)', 'internal',
     'loyalty_scheme_trans', 'loyalty_scheme_combine', 'loyalty_scheme_serialize', 'loyalty_scheme_deserialize', 'loyalty_scheme_final'),
    ('loyalty_scheme(numeric,double precision[],text[])', 'internal',
     'loyalty_scheme_trans', 'loyalty_scheme_combine', 'loyalty_scheme_serialize', 'loyalty_scheme_deserialize', 'loyalty_scheme_final'),
    ('qualifying_spend(timestamp with time zone,numeric,timestamp with time zone,interval)', 'internal',
     'qualifying_spend_trans', 'qualifying_spend_combine', 'qualifying_spend_serialize', 'qualifying_spend_deserialize', 'qualifying_spend_final'),
    ('loyalty_tier(timestamp with time zone,numeric,timestamp with time zone,interval,numeric[],text[])', 'internal',
     'loyalty_tier_spend_trans', '-', '-', '-', 'loyalty_tier_spend_final'),
    -- the fits: a concrete state type with a combine function (what Citus needs to push them down)
    ('bgnbd_fit(double precision,double precision,double precision)', 'btyd_cells',
     'purchase_fit_trans', 'btyd_cells_combine', '-', '-', 'bgnbd_fit_final'),
    ('bgnbd_fit(double precision,double precision,double precision,interval)', 'btyd_cells',
     'purchase_fit_trans', 'btyd_cells_combine', '-', '-', 'bgnbd_fit_final'),
    ('bgnbd_fit(customer_profile)', 'btyd_cells',
     'purchase_fit_profile_trans', 'btyd_cells_combine', '-', '-', 'bgnbd_fit_final'),
    ('gamma_gamma_fit(double precision,double precision)', 'btyd_cells',
     'gamma_gamma_fit_trans', 'btyd_cells_combine', '-', '-', 'gamma_gamma_fit_final'),
    ('gamma_gamma_fit(customer_profile)', 'btyd_cells',
     'gamma_gamma_fit_profile_trans', 'btyd_cells_combine', '-', '-', 'gamma_gamma_fit_final'),
    -- the other purchase models reuse the BG/NBD state and transition; only the final function differs
    ('pareto_nbd_fit(double precision,double precision,double precision)', 'btyd_cells',
     'purchase_fit_trans', 'btyd_cells_combine', '-', '-', 'pareto_nbd_fit_final'),
    ('pareto_nbd_fit(double precision,double precision,double precision,interval)', 'btyd_cells',
     'purchase_fit_trans', 'btyd_cells_combine', '-', '-', 'pareto_nbd_fit_final'),
    ('pareto_nbd_fit(customer_profile)', 'btyd_cells',
     'purchase_fit_profile_trans', 'btyd_cells_combine', '-', '-', 'pareto_nbd_fit_final'),
    ('mbgnbd_fit(double precision,double precision,double precision)', 'btyd_cells',
     'purchase_fit_trans', 'btyd_cells_combine', '-', '-', 'mbgnbd_fit_final'),
    ('mbgnbd_fit(double precision,double precision,double precision,interval)', 'btyd_cells',
     'purchase_fit_trans', 'btyd_cells_combine', '-', '-', 'mbgnbd_fit_final'),
    ('mbgnbd_fit(customer_profile)', 'btyd_cells',
     'purchase_fit_profile_trans', 'btyd_cells_combine', '-', '-', 'mbgnbd_fit_final')$$,
  'aggregates are wired to their support functions (combine + serialize where parallel matters)');

---------------------------------------------------------------------------
-- Catalog-wide rules over every member of the extension
---------------------------------------------------------------------------
-- The functions that run SQL of their own: writers and DDL are VOLATILE
-- PARALLEL UNSAFE, readers STABLE; the backtest and btyd_compare read
-- tables through dynamic SQL (perhaps temporary ones) and stays in the leader (PARALLEL RESTRICTED).
CREATE TEMP TABLE sql_level (fname text, volatility "char", parallel "char");
INSERT INTO sql_level VALUES
    ('rfm_rules', 's', 's'), ('stored_model', 's', 's'), ('stored_bgnbd_model', 's', 's'), ('stored_gamma_gamma_model', 's', 's'),
    ('stored_mbgnbd_model', 's', 's'), ('stored_pareto_nbd_model', 's', 's'), ('find_stored_model', 's', 'r'),
    ('fit_models', 'v', 'u'), ('create_scoring_view', 'v', 'u'), ('create_scoring_view_in', 'v', 'u'),
    ('refresh_scoring_view', 'v', 'u'),
    ('backtest_customers', 's', 'r'), ('backtest', 's', 'r'), ('backtest_tracking', 's', 'r'),
    ('btyd_compare', 's', 'r'), ('share_model', 'v', 'u'), ('fitted_models_stamp', 'v', 'u'),
    ('rfm_segment_rules_guard', 'v', 'u'), ('fitted_model_readable', 's', 's'), ('fitted_model_writable', 's', 's'),
    ('check_columns', 's', 's'), ('analyst_options', 's', 'r'), ('backtest_run', 's', 'r'),
    ('backtest_compare', 's', 'r'), ('holdout_by_frequency', 's', 'r'), ('excluded_customers', 's', 'r'),
    ('refresh_profile_states', 'v', 'u'), ('rebuild_profile_states', 'v', 'u'), ('profile_states_sync', 'v', 'u'),
    ('create_state_scoring_view', 'v', 'u'), ('create_state_scoring_view_in', 'v', 'u'),
    ('scoring_view_body', 's', 's'), ('scoring_view_create', 'v', 'u');
-- the diagnostics read a table through dynamic SQL, like the backtest
INSERT INTO sql_level VALUES ('repeat_purchase_distribution', 's', 'r'), ('frequency_recency_matrix', 's', 'r');
INSERT INTO sql_level VALUES ('prediction_interval_check', 's', 'r');

SELECT is_empty(
  $$SELECT signature FROM ext_functions f
     WHERE proparallel <> coalesce((SELECT l.parallel FROM sql_level l WHERE f.signature LIKE l.fname || '(%'), 's')$$,
  'every function and aggregate is PARALLEL SAFE, except those that write or run dynamic SQL');

SELECT is_empty(
  $$SELECT signature FROM ext_functions f
     WHERE provolatile <> coalesce((SELECT l.volatility FROM sql_level l WHERE f.signature LIKE l.fname || '(%'), 'i')$$,
  'every function is IMMUTABLE except the listed readers (STABLE) and writers (VOLATILE)');

SELECT is_empty(
  $$SELECT signature FROM ext_functions WHERE prosecdef$$,
  'no function of the extension is SECURITY DEFINER');

SELECT is_empty(
  $$SELECT pg_describe_object(d.classid, d.objid, 0)
      FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
     WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
       AND e.extname = 'crm_loyalty'
       AND d.classid IN ('pg_proc'::regclass, 'pg_type'::regclass, 'pg_class'::regclass)
       AND NOT EXISTS (SELECT 1 FROM pg_description c
                        WHERE c.classoid = d.classid AND c.objoid = d.objid AND c.objsubid = 0
                          AND c.description <> '')$$,
  'every function, aggregate, type and table of the extension has a COMMENT');

SELECT is_empty(
  $$SELECT a.attname::text
      FROM pg_attribute a
     WHERE a.attrelid = format('%I.customer_profile', current_setting('crm_test.schema'))::regclass
       AND a.attnum > 0 AND col_description(a.attrelid, a.attnum) IS NULL$$,
  'every column of customer_profile has a COMMENT (BI tools show them)');

---------------------------------------------------------------------------
-- The config table and its built-in rule set
---------------------------------------------------------------------------
SELECT has_table(:'ext_schema', 'rfm_segment_rules', 'table rfm_segment_rules exists');
SELECT col_is_pk(:'ext_schema', 'rfm_segment_rules', ARRAY['rule_set', 'position'],
                 'rfm_segment_rules is keyed by (rule_set, position)');
SELECT results_eq(
  $$SELECT position, segment, r_min, r_max, f_min, f_max, m_min, m_max
      FROM rfm_segment_rules WHERE rule_set = 'default' ORDER BY position$$,
  $$VALUES (1, 'Champions', 5, 5, 5, 5, 5, 5), (2, 'Potential Loyalist', 3, 5, 3, 5, 2, 5),
           (3, 'Loyal Customers', 2, 4, 2, 4, 2, 4), (4, 'Promising', 3, 4, 1, 3, 3, 5),
           (5, 'New Customers', 4, 5, 1, 3, 1, 5), (6, $q$Can't Lose Them$q$, 1, 2, 3, 4, 4, 5),
           (7, 'At Risk', 1, 2, 2, 5, 4, 5), (8, 'Need Attention', 1, 3, 3, 5, 3, 5),
           (9, 'About To Sleep', 2, 3, 1, 3, 1, 4), (10, 'Lost', 1, 1, 1, 5, 1, 5)$$,
  'the default rule set is installed with its ten segment rules, first match first');

---------------------------------------------------------------------------
-- No superuser needed: a plain role with CREATE on the database installs and
-- uses the (trusted) extension, and can read but not write the rule table.
---------------------------------------------------------------------------
CREATE ROLE crm_tap_plain_user NOLOGIN;
SELECT format('GRANT CREATE ON DATABASE %I TO crm_tap_plain_user', current_database()) \gexec
SELECT format('GRANT CREATE, USAGE ON SCHEMA %I TO crm_tap_plain_user', :'ext_schema') \gexec

CREATE FUNCTION pg_temp.install_as_plain_user() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    tier text;
BEGIN
    DROP EXTENSION crm_loyalty;
    SET LOCAL ROLE crm_tap_plain_user;
    CREATE EXTENSION crm_loyalty;
    SELECT loyalty_tier(500::numeric, '{0,100,500}'::numeric[], '{A,B,C}'::text[]) INTO tier;
    RESET ROLE;
    RETURN tier;
END
$$;
SELECT is(pg_temp.install_as_plain_user(), 'C',
          'a non-superuser with CREATE on the database can install and use the extension');
-- User rule sets live in rfm_segment_rules (pg_dump keeps them), so the role
-- that owns the extension must be able to maintain them without a superuser.
SELECT is(ARRAY[has_table_privilege('crm_tap_plain_user', format('%I.rfm_segment_rules', :'ext_schema'), 'SELECT'),
                has_table_privilege('crm_tap_plain_user', format('%I.rfm_segment_rules', :'ext_schema'), 'INSERT'),
                has_table_privilege('crm_tap_plain_user', format('%I.rfm_segment_rules', :'ext_schema'), 'DELETE')],
          ARRAY[true, true, true],
          'the non-superuser owner of the extension can read and maintain rule sets in rfm_segment_rules');
SELECT is((SELECT ARRAY[has_table_privilege('public', c.oid, 'SELECT')::text,
                        (SELECT count(*) FROM aclexplode(c.relacl) x WHERE x.grantee = 0 AND x.privilege_type = 'INSERT')::text]
             FROM pg_class c WHERE c.oid = format('%I.rfm_segment_rules', :'ext_schema')::regclass),
          ARRAY['true', '0'],
          'PUBLIC may read the rule table but not insert into it');

---------------------------------------------------------------------------
-- Install and update paths.  The default version is installed by its own
-- script (built from sql/src/); every earlier version updates to it and then
-- holds the same objects with the same comments, signatures, properties,
-- bodies and privileges as a direct install.  (test/upgrade/catalog.sh
-- compares the whole catalog, in separate databases; this is the in-database
-- subset.)
---------------------------------------------------------------------------
SELECT lives_ok('ALTER EXTENSION crm_loyalty UPDATE',
                'ALTER EXTENSION UPDATE on the current version is a no-op that does not error');
SELECT is((SELECT extversion FROM pg_extension WHERE extname = 'crm_loyalty'),
          (SELECT default_version FROM pg_available_extensions WHERE name = 'crm_loyalty'),
          'after ALTER EXTENSION UPDATE the installed version is the default version');

SELECT ok((SELECT (pg_stat_file(format('%s/extension/crm_loyalty--%s.sql', c.setting, a.default_version), true)).size > 0
             FROM pg_config AS c, pg_available_extensions AS a
            WHERE c.name = 'SHAREDIR' AND a.name = 'crm_loyalty'),
          'the default version has its own install script, so a direct install does not run the update scripts');

-- One line per property of every member of the extension and of what hangs
-- off it (columns, constraints, triggers, policies).
CREATE FUNCTION pg_temp.ext_facts() RETURNS SETOF text LANGUAGE sql STABLE AS $$
    WITH m AS (
        SELECT d.classid, d.objid, pg_describe_object(d.classid, d.objid, 0) AS obj
          FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
         WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e' AND e.extname = 'crm_loyalty'
    )
    SELECT m.obj || ' :: member' FROM m
    UNION ALL
    SELECT m.obj || ' :: comment' || CASE WHEN c.objsubid = 0 THEN '' ELSE ' on column ' || c.objsubid END
           || ' = ' || c.description
      FROM m JOIN pg_description c ON c.classoid = m.classid AND c.objoid = m.objid
    UNION ALL
    SELECT m.obj || ' :: ' || format('%s %s %s %s %s leakproof=%s cost=%s rows=%s config=%s acl=%s args=(%s) result=%s body=%s',
                                     p.prokind, p.provolatile, p.proisstrict, p.proparallel, p.prosecdef,
                                     p.proleakproof, p.procost, p.prorows, p.proconfig,
                                     (SELECT array_agg(x::text ORDER BY x::text) FROM unnest(p.proacl) x),
                                     pg_get_function_arguments(p.oid), pg_get_function_result(p.oid),
                                     md5(CASE WHEN p.prokind = 'a' THEN '' ELSE pg_get_functiondef(p.oid) END))
      FROM m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
    UNION ALL
    SELECT m.obj || ' :: ' || format('owner=%s acl=%s rls=%s', r.relowner = e.extowner,
                                     (SELECT array_agg(x::text ORDER BY x::text) FROM unnest(r.relacl) x), r.relrowsecurity)
      FROM m JOIN pg_class r ON m.classid = 'pg_class'::regclass AND r.oid = m.objid
      CROSS JOIN (SELECT extowner FROM pg_extension WHERE extname = 'crm_loyalty') e
    UNION ALL
    SELECT m.obj || ' :: column ' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
           || ' notnull=' || a.attnotnull || ' default=' || coalesce(pg_get_expr(ad.adbin, ad.adrelid), '-')
           || ' acl=' || coalesce((SELECT array_agg(x::text ORDER BY x::text) FROM unnest(a.attacl) x)::text, '-')
      FROM m JOIN pg_class r ON m.classid = 'pg_class'::regclass AND r.oid = m.objid
      JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
      LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
    UNION ALL
    SELECT m.obj || ' :: constraint ' || k.conname || ' ' || pg_get_constraintdef(k.oid)
      FROM m JOIN pg_constraint k ON m.classid = 'pg_class'::regclass AND k.conrelid = m.objid
    UNION ALL
    SELECT m.obj || ' :: trigger ' || pg_get_triggerdef(g.oid) || ' enabled=' || g.tgenabled::text
      FROM m JOIN pg_trigger g ON m.classid = 'pg_class'::regclass AND g.tgrelid = m.objid
    UNION ALL
    SELECT m.obj || ' :: policy ' || y.polname || ' ' || y.polcmd::text || ' ' || coalesce(pg_get_expr(y.polqual, y.polrelid), '-')
           || ' ' || coalesce(pg_get_expr(y.polwithcheck, y.polrelid), '-')
      FROM m JOIN pg_policy y ON m.classid = 'pg_class'::regclass AND y.polrelid = m.objid
    UNION ALL
    SELECT 'config ' || x.tbl::regclass::text || ' ' || e.extcondition[x.n]
      FROM pg_extension e, unnest(e.extconfig) WITH ORDINALITY AS x(tbl, n)
     WHERE e.extname = 'crm_loyalty'
$$;

-- The facts of a direct install that an install by another path lacks, and
-- those it has in excess, prefixed - and +.
CREATE FUNCTION pg_temp.fact_diff(direct text[], other text[]) RETURNS SETOF text LANGUAGE sql IMMUTABLE AS $$
    SELECT x FROM (SELECT '- ' || f AS x FROM unnest(direct) f WHERE f <> ALL (other)
                   UNION ALL
                   SELECT '+ ' || f FROM unnest(other) f WHERE f <> ALL (direct)) d
     ORDER BY substr(x, 3), x
$$;

CREATE TEMP TABLE path_facts (path text, facts text[]);
CREATE FUNCTION pg_temp.install_every_way() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    target text;
    v text;
BEGIN
    SELECT default_version INTO target FROM pg_available_extensions WHERE name = 'crm_loyalty';
    DROP EXTENSION crm_loyalty;
    EXECUTE format('CREATE EXTENSION crm_loyalty VERSION %L', target);
    INSERT INTO path_facts SELECT 'direct', array_agg(f ORDER BY f) FROM pg_temp.ext_facts() f;
    FOR v IN SELECT version FROM pg_available_extension_versions
              WHERE name = 'crm_loyalty' AND version <> target ORDER BY version
    LOOP
        BEGIN
            DROP EXTENSION crm_loyalty;
            EXECUTE format('CREATE EXTENSION crm_loyalty VERSION %L', v);
            ALTER EXTENSION crm_loyalty UPDATE;
            INSERT INTO path_facts
            SELECT format('from %s to %s', v, (SELECT extversion FROM pg_extension WHERE extname = 'crm_loyalty')),
                   array_agg(f ORDER BY f) FROM pg_temp.ext_facts() f;
        EXCEPTION WHEN OTHERS THEN
            INSERT INTO path_facts VALUES (format('from %s: %s (%s)', v, SQLERRM, SQLSTATE), '{}');
        END;
    END LOOP;
    -- the last path once more, then drift on purpose: the comparison must see it
    COMMENT ON FUNCTION rfm_segment(integer, integer, integer) IS 'drift';
    ALTER FUNCTION rfm_rules(text) VOLATILE;
    INSERT INTO path_facts SELECT 'drifted', array_agg(f ORDER BY f) FROM pg_temp.ext_facts() f;
    -- leave the default version installed
    DROP EXTENSION crm_loyalty;
    EXECUTE format('CREATE EXTENSION crm_loyalty VERSION %L', target);
END
$$;
SELECT pg_temp.install_every_way();

SELECT is(ARRAY(SELECT path FROM path_facts WHERE path NOT IN ('direct', 'drifted') ORDER BY path),
          ARRAY(SELECT format('from %s to %s', version, (SELECT default_version FROM pg_available_extensions
                                                          WHERE name = 'crm_loyalty'))
                  FROM pg_available_extension_versions
                 WHERE name = 'crm_loyalty'
                   AND version <> (SELECT default_version FROM pg_available_extensions WHERE name = 'crm_loyalty')
                 ORDER BY version),
          'every earlier version installs and updates to the default version');
SELECT cmp_ok((SELECT cardinality(facts) FROM path_facts WHERE path = 'direct'), '>', 500,
              'a direct install has over 500 facts to compare');
SELECT is_empty(
  $$SELECT p.path || ': ' || d
      FROM path_facts p CROSS JOIN LATERAL pg_temp.fact_diff((SELECT facts FROM path_facts WHERE path = 'direct'), p.facts) d
     WHERE p.path NOT IN ('direct', 'drifted')$$,
  'every update path ends with the objects, comments, properties, bodies and privileges of a direct install');
SELECT set_eq(
  $$SELECT substr(d, 1, 1) || ' ' || split_part(substr(d, 3), ' :: ', 1)
      FROM pg_temp.fact_diff((SELECT facts FROM path_facts WHERE path = 'direct'),
                             (SELECT facts FROM path_facts WHERE path = 'drifted')) d$$,
  $$VALUES ('- function rfm_segment(integer,integer,integer)'), ('+ function rfm_segment(integer,integer,integer)'),
           ('- function rfm_rules(text)'), ('+ function rfm_rules(text)')$$,
  'the comparison reports a changed comment and a changed volatility (and nothing else)');

SELECT * FROM finish();
ROLLBACK;
