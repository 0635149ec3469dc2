-- One analyst surface: tables are regclass and column names text in every
-- function (btyd_compare's 0.3.2 name-typed form is gone, its calls still
-- resolve, and the update keeps it only for objects that call it); every
-- function that takes options rejects unknown keys the same way; the unit
-- is the period unless given, everywhere; the model store writes and
-- returns every kind its CHECK allows.
SET TimeZone = 'UTC';
SET client_min_messages = warning;
CREATE SCHEMA test_surface;
SET search_path = test_surface, public;
CREATE TABLE orders AS SELECT * FROM crm_demo_orders(300);
CREATE FUNCTION outcome(stmt text, OUT state text, OUT message text, OUT hint text)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE stmt;
    state := 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT, hint = PG_EXCEPTION_HINT;
END
$$;

---------------------------------------------------------------------------
-- regclass and text: no analyst function takes a name-typed column
---------------------------------------------------------------------------
SELECT p.oid::regprocedure AS takes_name
FROM pg_proc AS p
JOIN pg_depend AS d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension AS e ON e.oid = d.refobjid AND e.extname = 'crm_loyalty'
WHERE 'name'::regtype = ANY (p.proargtypes) AND p.proname NOT IN ('fitted_model_readable', 'fitted_model_writable',
                                                                  'stored_model', 'stored_bgnbd_model',
                                                                  'stored_gamma_gamma_model', 'stored_mbgnbd_model',
                                                                  'stored_pareto_nbd_model', 'share_model');
SELECT pg_get_function_identity_arguments('btyd_compare'::regproc) AS btyd_compare;
CREATE TABLE cal AS
SELECT * FROM backtest_customers('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31', '1 day', '7 days');
-- calls of 0.3.2 resolve: text literals, name values, named arguments, the table alone
SELECT count(*) AS literals FROM btyd_compare('cal', 'frequency', 'recency', 't', '7 days', 'holdout_purchases', '26 weeks');
SELECT count(*) AS names FROM btyd_compare('cal', 'frequency'::name, 'recency'::name, 't'::name, '7 days');
SELECT count(*) AS named FROM btyd_compare('cal', unit => '7 days', holdout_purchases => 'holdout_purchases',
                                           holdout_length => '26 weeks');
SELECT count(*) AS table_only FROM btyd_compare('cal');

-- The update from 0.3.2: the name-typed form is dropped unless a user
-- object calls it; then it stays as a wrapper, and that object still works.
BEGIN;
SELECT n.nspname AS ext_schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE e.extname = 'crm_loyalty' \gset
DROP EXTENSION crm_loyalty CASCADE;
SELECT format('CREATE EXTENSION crm_loyalty VERSION %L SCHEMA %I', '0.3.2', :'ext_schema') \gexec
ALTER EXTENSION crm_loyalty UPDATE;
SELECT array_agg(pg_get_function_identity_arguments(oid)) AS after_update_without_callers
FROM pg_proc WHERE proname = 'btyd_compare';
ROLLBACK;
BEGIN;
DROP EXTENSION crm_loyalty CASCADE;
SELECT format('CREATE EXTENSION crm_loyalty VERSION %L SCHEMA %I', '0.3.2', :'ext_schema') \gexec
CREATE VIEW cal_compare AS
SELECT model, round(ll::numeric, 6) AS ll FROM btyd_compare('cal', 'frequency', 'recency', 't', '7 days');
CREATE TABLE before AS SELECT * FROM cal_compare;
SET client_min_messages = warning;
ALTER EXTENSION crm_loyalty UPDATE;
SELECT array_agg(pg_get_function_identity_arguments(oid) ORDER BY pg_get_function_identity_arguments(oid))
       AS after_update_with_a_caller
FROM pg_proc WHERE proname = 'btyd_compare';
SELECT count(*) AS rows, count(*) FILTER (WHERE c.ll = b.ll) AS same FROM cal_compare AS c JOIN before AS b USING (model);
-- calls that give the column names still resolve (to the text form)
SELECT count(*) AS literals_resolve FROM btyd_compare('cal', 'frequency', 'recency', 't', '7 days');
ROLLBACK;

---------------------------------------------------------------------------
-- Unknown option keys: 22023, the key in the message, the known keys in
-- the hint, from every function that takes options
---------------------------------------------------------------------------
SELECT f.name, o.state, o.message, o.hint
FROM (VALUES
    ('create_scoring_view', $$SELECT create_scoring_view('v_bad', 'orders', 'customer_id', 'ordered_at', 'amount', '{"unti": "7 days"}')$$),
    ('fit_models', $$SELECT count(*) FROM fit_models('m', 'orders', 'customer_id', 'ordered_at', 'amount', '2026-01-01', '{"unti": "7 days"}')$$),
    ('backtest', $$SELECT count(*) FROM backtest('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31', '{"unti": "7 days"}')$$),
    ('backtest_compare', $$SELECT count(*) FROM backtest_compare('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31', '{"unti": "7 days"}')$$),
    ('backtest_tracking', $$SELECT count(*) FROM backtest_tracking('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31', '{"unti": "7 days"}')$$),
    ('holdout_by_frequency', $$SELECT count(*) FROM holdout_by_frequency('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31', '{"unti": "7 days"}')$$)
    ) AS f(name, stmt),
LATERAL outcome(f.stmt) AS o
ORDER BY 1;
-- several unknown keys are all named, in order; a non-object is refused
SELECT (outcome($$SELECT count(*) FROM backtest('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31', '{"zz": 1, "aa": 2, "model": "bgnbd"}')$$)).message;
SELECT (outcome($$SELECT create_scoring_view('v_bad', 'orders', 'customer_id', 'ordered_at', 'amount', '{"zz": 1, "aa": 2}')$$)).message;
SELECT (outcome($$SELECT count(*) FROM backtest('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31', '[]')$$)).*;
-- the check itself
SELECT * FROM option_keys_error('caller', '{"a": 1}', ARRAY['a', 'b']);
SELECT * FROM option_keys_error('caller', '{"c": 1, "a": 1}', ARRAY['a', 'b']);
SELECT * FROM option_keys_error('caller', '"a"', ARRAY['a', 'b']);

---------------------------------------------------------------------------
-- One default unit: the period, in every function
---------------------------------------------------------------------------
SELECT unit FROM backtest('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31', '{"model": "bgnbd"}');
SELECT unit FROM backtest('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31',
                          '{"model": "bgnbd", "period": "7 days"}');
SELECT DISTINCT unit FROM backtest_compare('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31');
SELECT kind, unit FROM fit_models('units', 'orders', 'customer_id', 'ordered_at', 'amount', '2026-01-01',
                                  '{"period": "7 days", "model": "bgnbd"}') ORDER BY kind;
SELECT create_scoring_view('weekly', 'orders', 'customer_id', 'ordered_at', 'amount', '{"as_of": "2026-01-01", "period": "7 days"}');
SELECT col_description('weekly'::regclass, 6) AS recency_comment;
-- explicit options give what they gave before: period 1 day, unit 7 days
-- is the literature's setup, and the forecast does not depend on the unit
SELECT w.unit AS weekly_unit, w.holdout_length AS weeks, d.holdout_length AS days,
       abs(w.forecast_purchases - d.forecast_purchases) <= 1e-4 * d.forecast_purchases AS same_forecast
FROM backtest('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31',
              '{"model": "bgnbd", "period": "1 day", "unit": "7 days"}') AS w,
     backtest('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31', '{"model": "bgnbd"}') AS d;
SELECT bool_and(abs(w.forecast_mean - d.forecast_mean) <= 1e-4 * d.forecast_mean) AS holdout_unit_free
FROM holdout_by_frequency('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31',
                          '{"period": "1 day", "unit": "7 days"}') AS w
JOIN holdout_by_frequency('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31') AS d
  USING (frequency_bucket);

---------------------------------------------------------------------------
-- The model store: every kind its CHECK allows is written by fit_models
-- and read back, exactly, by stored_<kind>_model (own and role.name forms)
---------------------------------------------------------------------------
SELECT regexp_replace(pg_get_constraintdef(c.oid), '\s+', ' ', 'g') AS kind_check
FROM pg_constraint AS c WHERE c.conrelid = 'fitted_models'::regclass AND c.contype = 'c';
CREATE TABLE kinds AS
SELECT (regexp_matches(pg_get_constraintdef(c.oid), '''([a-z_]+)''', 'g'))[1] AS kind
FROM pg_constraint AS c WHERE c.conrelid = 'fitted_models'::regclass AND c.contype = 'c';
SELECT count(*) FROM fit_models('every_kind', 'orders', 'customer_id', 'ordered_at', 'amount', '2026-01-01', '{"model": "bgnbd"}');
SELECT count(*) FROM fit_models('every_kind', 'orders', 'customer_id', 'ordered_at', 'amount', '2026-01-01', '{"model": "mbgnbd"}');
SELECT count(*) FROM fit_models('every_kind', 'orders', 'customer_id', 'ordered_at', 'amount', '2026-01-01', '{"model": "pareto_nbd"}');
CREATE FUNCTION read_back(kind text, qualified boolean) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    result text;
BEGIN
    IF qualified THEN
        EXECUTE format('SELECT stored_%s_model($1, $2, current_user)::text', kind) INTO result USING 'every_kind', '';
    ELSE
        EXECUTE format('SELECT stored_%s_model($1)::text', kind) INTO result USING 'every_kind';
    END IF;
    RETURN result;
END
$$;
SELECT k.kind,
       (SELECT count(*) FROM fitted_models f WHERE f.name = 'every_kind' AND f.kind = k.kind) > 0 AS written,
       read_back(k.kind, false) = (SELECT f.model FROM fitted_models f WHERE f.name = 'every_kind' AND f.kind = k.kind
                                    ORDER BY f.fitted_at DESC LIMIT 1) AS read_back,
       read_back(k.kind, true) = read_back(k.kind, false) AS owner_form,
       stored_model('every_kind', '', k.kind) = read_back(k.kind, false) AS stored_model,
       (SELECT f.unit IS NOT DISTINCT FROM (f.parameters->>'unit')::interval FROM fitted_models f
         WHERE f.name = 'every_kind' AND f.kind = k.kind LIMIT 1) AS unit_column
FROM kinds AS k ORDER BY 1;
-- nothing else is accepted
SELECT (outcome($$INSERT INTO fitted_models (name, kind, model, parameters) VALUES ('x', 'markov', '{}', '{}')$$)).state
       AS other_kind;

DROP SCHEMA test_surface CASCADE;
DELETE FROM fitted_models WHERE name IN ('every_kind', 'units');
