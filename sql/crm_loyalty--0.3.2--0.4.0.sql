/* sql/crm_loyalty--0.3.2--0.4.0.sql — update from 0.3.2 to 0.4.0 */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION crm_loyalty UPDATE TO '0.4.0'" to load this file. \quit

-- (section: api)
-- purchase_model: one type for every purchase model (40_models.sql)
---------------------------------------------------------------------------
-- purchase_model: any purchase model (BG/NBD, MBG/NBD or Pareto/NBD) in one
-- type, so one set of scoring functions serves all three.  Text form: the
-- per-kind JSON with a "kind" key ("bgnbd", "mbgnbd", "pareto_nbd"); "kind"
-- may be left out only when the keys name Pareto/NBD (s, beta or mu), since
-- BG/NBD and MBG/NBD have the same parameter names.  Variable-length, with a
-- format version and room for optional blocks (models.h).  The preferred
-- type of its category, so an untyped literal model argument resolves to it.
-- The per-kind types cast to it implicitly and exactly; the casts back are
-- explicit and refuse another kind.
---------------------------------------------------------------------------

CREATE TYPE purchase_model;
CREATE FUNCTION purchase_model_in(cstring) RETURNS purchase_model
AS 'MODULE_PATHNAME', 'purchase_model_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION purchase_model_in(cstring) IS
'Input function of purchase_model: a JSON object with "kind" (bgnbd, mbgnbd, pareto_nbd), the parameters of that kind and optional unit, limit, ll, n, converged';
CREATE FUNCTION purchase_model_out(purchase_model) RETURNS cstring
AS 'MODULE_PATHNAME', 'purchase_model_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION purchase_model_out(purchase_model) IS
'Output function of purchase_model: JSON text with "kind" first, floats printed shortest-exact';
CREATE FUNCTION purchase_model_recv(internal) RETURNS purchase_model
AS 'MODULE_PATHNAME', 'purchase_model_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION purchase_model_recv(internal) IS
'Receive function of purchase_model: binary format version 1 (version byte, kind byte, the per-kind binary value after its version byte, block count); checked like the text input';
CREATE FUNCTION purchase_model_send(purchase_model) RETURNS bytea
AS 'MODULE_PATHNAME', 'purchase_model_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION purchase_model_send(purchase_model) IS
'Send function of purchase_model: binary format version 1, big-endian; round-trips exactly';
CREATE TYPE purchase_model (
    INPUT = purchase_model_in,
    OUTPUT = purchase_model_out,
    RECEIVE = purchase_model_recv,
    SEND = purchase_model_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = plain,
    CATEGORY = 'U',
    PREFERRED = true
);
COMMENT ON TYPE purchase_model IS
'A purchase model of any kind (BG/NBD, MBG/NBD or Pareto/NBD, limits included): the argument type of the scores; bgnbd_model, mbgnbd_model and pareto_nbd_model cast to it implicitly';

CREATE FUNCTION purchase_model_jsonb(purchase_model) RETURNS jsonb
AS 'MODULE_PATHNAME', 'purchase_model_jsonb' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION purchase_model_jsonb(purchase_model) IS
'The model as jsonb (kind, parameter names as keys, unit, ll, n, converged)';
CREATE CAST (purchase_model AS jsonb) WITH FUNCTION purchase_model_jsonb(purchase_model);

CREATE FUNCTION purchase_model(bgnbd_model) RETURNS purchase_model
AS 'MODULE_PATHNAME', 'purchase_model_from_kind' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION purchase_model(bgnbd_model) IS 'A BG/NBD model as a purchase_model (exact; the implicit cast)';
CREATE CAST (bgnbd_model AS purchase_model) WITH FUNCTION purchase_model(bgnbd_model) AS IMPLICIT;
CREATE FUNCTION purchase_model(mbgnbd_model) RETURNS purchase_model
AS 'MODULE_PATHNAME', 'purchase_model_from_kind' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION purchase_model(mbgnbd_model) IS 'A MBG/NBD model as a purchase_model (exact; the implicit cast)';
CREATE CAST (mbgnbd_model AS purchase_model) WITH FUNCTION purchase_model(mbgnbd_model) AS IMPLICIT;
CREATE FUNCTION purchase_model(pareto_nbd_model) RETURNS purchase_model
AS 'MODULE_PATHNAME', 'purchase_model_from_kind' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION purchase_model(pareto_nbd_model) IS 'A Pareto/NBD model as a purchase_model (exact; the implicit cast)';
CREATE CAST (pareto_nbd_model AS purchase_model) WITH FUNCTION purchase_model(pareto_nbd_model) AS IMPLICIT;

CREATE FUNCTION bgnbd_model(purchase_model) RETURNS bgnbd_model
AS 'MODULE_PATHNAME', 'purchase_model_to_bgnbd' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION bgnbd_model(purchase_model) IS 'The BG/NBD model a purchase_model holds (explicit cast; 22023 for another kind)';
CREATE CAST (purchase_model AS bgnbd_model) WITH FUNCTION bgnbd_model(purchase_model);
CREATE FUNCTION mbgnbd_model(purchase_model) RETURNS mbgnbd_model
AS 'MODULE_PATHNAME', 'purchase_model_to_mbgnbd' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mbgnbd_model(purchase_model) IS 'The MBG/NBD model a purchase_model holds (explicit cast; 22023 for another kind)';
CREATE CAST (purchase_model AS mbgnbd_model) WITH FUNCTION mbgnbd_model(purchase_model);
CREATE FUNCTION pareto_nbd_model(purchase_model) RETURNS pareto_nbd_model
AS 'MODULE_PATHNAME', 'purchase_model_to_pareto_nbd' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pareto_nbd_model(purchase_model) IS 'The Pareto/NBD model a purchase_model holds (explicit cast; 22023 for another kind)';
CREATE CAST (purchase_model AS pareto_nbd_model) WITH FUNCTION pareto_nbd_model(purchase_model);

-- the scores on purchase_model, p_no_purchase and the window functions' own names (60_scores.sql)
CREATE FUNCTION p_alive(frequency float8, recency float8, t float8, model purchase_model)
RETURNS float8 AS 'MODULE_PATHNAME', 'pm_p_alive' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION p_alive(float8, float8, float8, purchase_model) IS
'Probability that the customer is still active at t (times in the model''s unit)';
CREATE FUNCTION p_alive(profile customer_profile, model purchase_model)
RETURNS float8 AS 'MODULE_PATHNAME', 'pm_p_alive_profile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION p_alive(customer_profile, purchase_model) IS
'Probability that the customer of a profile is still active';

CREATE FUNCTION churn_probability(frequency float8, recency float8, t float8, model purchase_model)
RETURNS float8 AS 'MODULE_PATHNAME', 'pm_churn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION churn_probability(float8, float8, float8, purchase_model) IS
'1 - P(alive): probability that the customer has churned (times in the model''s unit)';
CREATE FUNCTION churn_probability(profile customer_profile, model purchase_model)
RETURNS float8 AS 'MODULE_PATHNAME', 'pm_churn_profile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION churn_probability(customer_profile, purchase_model) IS
'1 - P(alive) for the customer of a profile';

CREATE FUNCTION p_no_purchase(frequency float8, recency float8, t float8, model purchase_model, horizon interval)
RETURNS float8 AS 'MODULE_PATHNAME', 'pm_no_purchase' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION p_no_purchase(float8, float8, float8, purchase_model, interval) IS
'Probability of no purchase in the next horizon, P(no purchase in (t, t + horizon])';
CREATE FUNCTION p_no_purchase(profile customer_profile, model purchase_model, horizon interval)
RETURNS float8 AS 'MODULE_PATHNAME', 'pm_no_purchase_profile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION p_no_purchase(customer_profile, purchase_model, interval) IS
'Probability that the customer of a profile makes no purchase in the next horizon';

CREATE FUNCTION expected_purchases(horizon float8, frequency float8, recency float8, t float8, model purchase_model)
RETURNS float8 AS 'MODULE_PATHNAME', 'pm_expected' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION expected_purchases(float8, float8, float8, float8, purchase_model) IS
'Expected purchases in (t, t + horizon], horizon in the model''s unit';
CREATE FUNCTION expected_purchases(profile customer_profile, model purchase_model, horizon interval)
RETURNS float8 AS 'MODULE_PATHNAME', 'pm_expected_profile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION expected_purchases(customer_profile, purchase_model, interval) IS
'Expected purchases of the customer of a profile in the next horizon (converted to the model''s unit)';
CREATE FUNCTION expected_purchases(model purchase_model, horizon interval)
RETURNS float8 AS 'MODULE_PATHNAME', 'pm_expected_new' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION expected_purchases(purchase_model, interval) IS
'Expected purchases of a new customer in the first horizon (converted to the model''s unit)';

-- CLV
CREATE FUNCTION clv_estimate(frequency float8, recency float8, t float8, monetary float8,
                             model purchase_model, spend_model gamma_gamma_model,
                             months integer DEFAULT 12, monthly_discount float8 DEFAULT 0.01,
                             month_length interval DEFAULT '30 days')
RETURNS float8 AS 'MODULE_PATHNAME', 'pm_clv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clv_estimate(float8, float8, float8, float8, purchase_model, gamma_gamma_model, integer, float8, interval) IS
'Discounted customer lifetime value over the next months: sum of expected monthly purchases x expected spend / (1 + d)^k';
CREATE FUNCTION clv_estimate(profile customer_profile, model purchase_model, spend_model gamma_gamma_model,
                             months integer DEFAULT 12, monthly_discount float8 DEFAULT 0.01,
                             month_length interval DEFAULT '30 days')
RETURNS float8 AS 'MODULE_PATHNAME', 'pm_clv_profile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clv_estimate(customer_profile, purchase_model, gamma_gamma_model, integer, float8, interval) IS
'Discounted customer lifetime value of the customer of a profile';

-- Window functions: models fitted over the window partition, each row scored
-- in the same query.  Their own names, so no call can mistake them for the
-- scores above.
CREATE FUNCTION churn_probability_window(frequency float8, recency float8, t float8)
RETURNS float8 AS 'MODULE_PATHNAME', 'churn_probability_window'
LANGUAGE C IMMUTABLE PARALLEL SAFE WINDOW;
COMMENT ON FUNCTION churn_probability_window(float8, float8, float8) IS
'Window function: 1 - P(alive) of the row under a BG/NBD model fitted over its window partition (times in days)';

CREATE FUNCTION churn_probability_window(frequency float8, recency float8, t float8, unit interval)
RETURNS float8 AS 'MODULE_PATHNAME', 'churn_probability_window'
LANGUAGE C IMMUTABLE PARALLEL SAFE WINDOW;
COMMENT ON FUNCTION churn_probability_window(float8, float8, float8, interval) IS
'Window function: 1 - P(alive) of the row under a BG/NBD model fitted over its window partition (times in unit)';

CREATE FUNCTION churn_probability_window(profile customer_profile)
RETURNS float8 AS 'MODULE_PATHNAME', 'churn_probability_window_profile'
LANGUAGE C IMMUTABLE PARALLEL SAFE WINDOW;
COMMENT ON FUNCTION churn_probability_window(customer_profile) IS
'Window function: 1 - P(alive) of the profile under a BG/NBD model fitted over its window partition';

CREATE FUNCTION clv_estimate_window(frequency float8, recency float8, t float8, monetary float8)
RETURNS float8 AS 'MODULE_PATHNAME', 'clv_estimate_window'
LANGUAGE C IMMUTABLE PARALLEL SAFE WINDOW;
COMMENT ON FUNCTION clv_estimate_window(float8, float8, float8, float8) IS
'Window function: 12-month CLV (1% a month, 30-day months) under BG/NBD and Gamma-Gamma fitted over the window partition (times in days)';

CREATE FUNCTION clv_estimate_window(frequency float8, recency float8, t float8, monetary float8, unit interval)
RETURNS float8 AS 'MODULE_PATHNAME', 'clv_estimate_window'
LANGUAGE C IMMUTABLE PARALLEL SAFE WINDOW;
COMMENT ON FUNCTION clv_estimate_window(float8, float8, float8, float8, interval) IS
'Window function: 12-month CLV (1% a month, 30-day months) under BG/NBD and Gamma-Gamma fitted over the window partition (times in unit)';

CREATE FUNCTION clv_estimate_window(profile customer_profile)
RETURNS float8 AS 'MODULE_PATHNAME', 'clv_estimate_window_profile'
LANGUAGE C IMMUTABLE PARALLEL SAFE WINDOW;
COMMENT ON FUNCTION clv_estimate_window(customer_profile) IS
'Window function: 12-month CLV of the profile under BG/NBD and Gamma-Gamma fitted over its window partition';

-- The scores of 0.3.2 on bgnbd_model, mbgnbd_model and pareto_nbd_model and
-- the window forms named like the scores.  Each one that an object outside
-- the extension depends on (a view, a materialized view, a function with a
-- SQL-standard body: pg_depend) stays, so those objects keep working: as a
-- SQL wrapper over the 0.4.0 function (same OID) where one gives the same
-- value, as it was otherwise (the window forms, which SQL cannot wrap, and
-- expected_purchases with a float8 horizon for a new customer or an interval
-- horizon before frequency, recency, t).  Every other one is dropped.
DO $api$
DECLARE
    f record;
    shape text;
    call text;
    kept text;
BEGIN
    FOR f IN
        SELECT p.oid, p.proname, p.prokind, p.oid::regprocedure AS sig,
               pg_get_function_arguments(p.oid) AS args,
               string_agg(CASE a.t
                              WHEN 'float8'::regtype THEN 'f'
                              WHEN 'interval'::regtype THEN 'i'
                              WHEN 'integer'::regtype THEN 'n'
                              WHEN '@extschema@.customer_profile'::regtype THEN 'p'
                              WHEN '@extschema@.gamma_gamma_model'::regtype THEN 'g'
                              WHEN '@extschema@.bgnbd_model'::regtype THEN 'M'
                              WHEN '@extschema@.mbgnbd_model'::regtype THEN 'M'
                              WHEN '@extschema@.pareto_nbd_model'::regtype THEN 'M'
                              ELSE '?' END, '' ORDER BY a.ord) AS shape
          FROM pg_proc AS p
          JOIN pg_depend AS d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
          JOIN pg_extension AS e ON e.oid = d.refobjid AND e.extname = 'crm_loyalty'
          CROSS JOIN LATERAL unnest(p.proargtypes::oid[]) WITH ORDINALITY AS a(t, ord)
         WHERE p.proname IN ('p_alive', 'churn_probability', 'expected_purchases', 'clv_estimate')
         GROUP BY p.oid
        HAVING p.prokind = 'w'
            OR bool_or(a.t IN ('@extschema@.bgnbd_model'::regtype, '@extschema@.mbgnbd_model'::regtype,
                               '@extschema@.pareto_nbd_model'::regtype))
         ORDER BY p.oid
    LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_depend AS d
                        WHERE d.refclassid = 'pg_proc'::regclass AND d.refobjid = f.oid
                          AND d.deptype IN ('n', 'a')) THEN
            EXECUTE format('DROP FUNCTION %s', f.sig);
            CONTINUE;
        END IF;
        shape := f.proname || ':' || f.shape;
        call := CASE shape
            WHEN 'p_alive:fffM' THEN 'p_alive($1, $2, $3, $4::@extschema@.purchase_model)'
            WHEN 'p_alive:pM' THEN 'p_alive($1, $2::@extschema@.purchase_model)'
            WHEN 'churn_probability:fffM' THEN 'churn_probability($1, $2, $3, $4::@extschema@.purchase_model)'
            WHEN 'churn_probability:pM' THEN 'churn_probability($1, $2::@extschema@.purchase_model)'
            WHEN 'churn_probability:fffMi' THEN 'p_no_purchase($1, $2, $3, $4::@extschema@.purchase_model, $5)'
            WHEN 'churn_probability:pMi' THEN 'p_no_purchase($1, $2::@extschema@.purchase_model, $3)'
            WHEN 'expected_purchases:ffffM' THEN 'expected_purchases($1, $2, $3, $4, $5::@extschema@.purchase_model)'
            WHEN 'expected_purchases:ipM' THEN 'expected_purchases($2, $3::@extschema@.purchase_model, $1)'
            WHEN 'expected_purchases:iM' THEN 'expected_purchases($2::@extschema@.purchase_model, $1)'
            WHEN 'clv_estimate:ffffMgnfi' THEN 'clv_estimate($1, $2, $3, $4, $5::@extschema@.purchase_model, $6, $7, $8, $9)'
            WHEN 'clv_estimate:pMgnfi' THEN 'clv_estimate($1, $2::@extschema@.purchase_model, $3, $4, $5, $6)'
            END;
        IF call IS NOT NULL THEN
            EXECUTE format('CREATE OR REPLACE FUNCTION @extschema@.%I(%s) RETURNS float8 '
                           'LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp '
                           'AS %L', f.proname, f.args, 'SELECT @extschema@.' || call);
            kept := format('wraps %s', split_part(call, '(', 1));
        ELSIF f.prokind = 'w' THEN
            kept := format('use %s_window', f.proname);
        ELSE
            kept := 'use the form with the horizon as an interval after the model, or a float8 horizon in the model''s unit first';
        END IF;
        EXECUTE format('COMMENT ON FUNCTION %s IS %L', f.sig,
                       format('Deprecated form of 0.3.2, kept because an object outside the extension depends on it (%s); %s',
                              (SELECT string_agg(DISTINCT pg_describe_object(d.classid, d.objid, d.objsubid), ', ')
                                 FROM pg_depend AS d
                                WHERE d.refclassid = 'pg_proc'::regclass AND d.refobjid = f.oid
                                  AND d.deptype IN ('n', 'a')),
                              kept));
    END LOOP;
END
$api$;


-- (section: analyst)

-- The analyst functions: one set of defaults (crm_loyalty_defaults), one
-- check of option keys (option_keys_error), option exclude_customers
-- (excluded_customers), the backtests' unit defaults to the period like
-- everywhere else, and btyd_compare takes its column names as text.
COMMENT ON COLUMN fitted_models.model IS
'The model value in its exact text form (cast it to the type of its kind: bgnbd_model, mbgnbd_model, pareto_nbd_model or gamma_gamma_model; stored_<kind>_model does)';
COMMENT ON COLUMN fitted_models.unit IS 'Time unit of the model''s rates (purchase models; NULL for Gamma-Gamma)';

CREATE FUNCTION crm_loyalty_defaults(OUT period interval, OUT unit interval, OUT time_zone text,
                                     OUT purchase_model text, OUT clv_months integer,
                                     OUT monthly_discount float8, OUT month_length interval,
                                     OUT rfm_bins integer, OUT tier_names text[], OUT tier_shares float8[],
                                     OUT view_horizon interval, OUT tier_measure text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT interval '1 day',               -- period: orders of one day are one purchase
       interval '1 day',               -- unit: the period (recency, t and the models' rates)
       'UTC'::text,                    -- the shop's calendar
       'pareto_nbd'::text,             -- purchase model
       12,                             -- CLV months
       0.01::float8,                   -- CLV discount per month
       interval '30 days',             -- a month, where a fixed length is needed
       5,                              -- RFM bins per dimension
       ARRAY['Bronze', 'Silver', 'Gold', 'Platinum'],  -- tiers, lowest first
       ARRAY[0.20, 0.09, 0.01]::float8[],              -- customer shares of the tiers above Bronze
       interval '90 days',             -- horizon of the scoring view's expected_purchases
       'total_spend'::text             -- what the scoring view's relative tiers rank
$$;
COMMENT ON FUNCTION crm_loyalty_defaults() IS
'The defaults of crm_loyalty''s functions in one row: period, unit (the period unless given), time zone, purchase model, CLV months, monthly discount and month length, RFM bins, tier names and shares, the scoring view''s horizon and tier measure';

CREATE FUNCTION option_keys_error(caller text, options jsonb, known text[],
                                  OUT error_code text, OUT error_message text, OUT error_hint text)
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    k text;
BEGIN
    IF options IS NULL OR jsonb_typeof(options) <> 'object' THEN
        error_code := '22023';
        error_message := format('%s: options must be a JSON object', caller);
        error_hint := format('E.g. ''{"%s": ...}''; known options: %s.', known[1], array_to_string(known, ', '));
        RETURN;
    END IF;
    SELECT string_agg(x, ', ' ORDER BY x) INTO k
      FROM jsonb_object_keys(options) AS x WHERE x <> ALL (known);
    IF k IS NOT NULL THEN
        error_code := '22023';
        error_message := format('%s: unknown option(s) %s', caller, k);
        error_hint := format('Known options: %s.', array_to_string(known, ', '));
    END IF;
END
$$;
COMMENT ON FUNCTION option_keys_error(text, jsonb, text[]) IS
'Checks that options is a JSON object whose keys are all known: NULL, or the mistake as SQLSTATE 22023, a message naming the unknown keys and a hint listing the known ones';

CREATE FUNCTION excluded_customers(caller text, options jsonb, source regclass, customer_column text,
                                   OUT rel regclass, OUT id_column text)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    given  text;
    parts  text[];
    num    smallint;
    st     text;
    msg    text;
BEGIN
    IF options IS NULL OR NOT options ? 'exclude_customers' THEN
        RETURN;
    END IF;
    IF jsonb_typeof(options->'exclude_customers') <> 'string' THEN
        RAISE EXCEPTION '%: option "exclude_customers" must name a table or view, given as a string, not %',
                        caller, options->'exclude_customers'
            USING ERRCODE = '22023',
                  HINT = 'E.g. {"exclude_customers": "crm.objections"}: a table whose first column holds the ids of customers who objected to profiling.';
    END IF;
    given := options->>'exclude_customers';
    BEGIN
        parts := parse_ident(given);
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
        RAISE EXCEPTION '%: option "exclude_customers": %', caller, msg
            USING ERRCODE = st, HINT = 'Name a table or view, e.g. "objections" or "crm.objections".';
    END;
    IF cardinality(parts) = 1 THEN
        rel := to_regclass(format('%I.%I', (SELECT n.nspname FROM pg_class AS c
                                             JOIN pg_namespace AS n ON n.oid = c.relnamespace
                                            WHERE c.oid = source), parts[1]));
        IF rel IS NULL THEN
            rel := to_regclass(format('pg_temp.%I', parts[1]));
        END IF;
    ELSE
        BEGIN
            rel := to_regclass(array_to_string(ARRAY(SELECT quote_ident(p) FROM unnest(parts) AS p), '.'));
        EXCEPTION WHEN OTHERS THEN
            rel := NULL;
        END;
    END IF;
    IF rel IS NULL THEN
        RAISE EXCEPTION '%: option "exclude_customers": relation "%" does not exist', caller, given
            USING ERRCODE = '42P01',
                  HINT = format('An unqualified name is looked up in the schema of %s, then among temporary tables; write schema.table for another schema.', source);
    END IF;
    IF (SELECT c.relkind FROM pg_class AS c WHERE c.oid = rel) NOT IN ('r', 'p', 'v', 'm', 'f') THEN
        RAISE EXCEPTION '%: option "exclude_customers": % is not a table or view', caller, rel
            USING ERRCODE = '42809';
    END IF;
    SELECT a.attname, a.attnum INTO id_column, num
      FROM pg_attribute AS a
     WHERE a.attrelid = rel AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY a.attnum LIMIT 1;
    IF id_column IS NULL THEN
        RAISE EXCEPTION '%: option "exclude_customers": % has no columns', caller, rel
            USING ERRCODE = '22023', HINT = 'Its first column must hold the ids of the excluded customers.';
    END IF;
    IF NOT has_column_privilege(rel, num, 'SELECT') THEN
        RAISE EXCEPTION '%: option "exclude_customers": permission denied for %', caller, rel
            USING ERRCODE = '42501', HINT = format('Reading the exclusions needs SELECT on column "%s" of %s.', id_column, rel);
    END IF;
    -- the ids must compare with the customers: parse (without running) the
    -- comparison the generated SQL will make
    BEGIN
        EXECUTE format('SELECT 1 FROM %s AS o, %s AS x WHERE o.%I = x.%I LIMIT 0',
                       source, rel, customer_column, id_column);
    EXCEPTION WHEN undefined_function OR datatype_mismatch THEN
        RAISE EXCEPTION '%: option "exclude_customers": column "%" of % is %, which does not compare with customer column "%" of % (%)',
                        caller, id_column, rel,
                        format_type((SELECT a.atttypid FROM pg_attribute AS a WHERE a.attrelid = rel AND a.attnum = num), NULL),
                        customer_column, source,
                        format_type((SELECT a.atttypid FROM pg_attribute AS a
                                      WHERE a.attrelid = source AND a.attname = customer_column), NULL)
            USING ERRCODE = '42804',
                  HINT = 'Give a view over the table that casts the first column to the type of the customer ids.';
    END;
END
$$;
COMMENT ON FUNCTION excluded_customers(text, jsonb, regclass, text) IS
'Resolves option exclude_customers (a table or view whose first column holds the ids of customers who objected to profiling) for an order table: the relation and its id column, or NULL when the option is absent; clear errors for a missing relation, a column the caller may not read, or ids that do not compare with the customer column';

CREATE OR REPLACE FUNCTION analyst_options(caller text, options jsonb, known text[], unit_default interval,
                                OUT period interval, OUT unit interval, OUT model text,
                                OUT error_code text, OUT error_message text, OUT error_hint text)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    k   text;
    iv  interval;
    d   record;
BEGIN
    options := coalesce(options, '{}');
    SELECT e.* INTO error_code, error_message, error_hint
      FROM @extschema@.option_keys_error(caller, options, known) AS e;
    IF error_code IS NOT NULL THEN
        RETURN;
    END IF;
    d := @extschema@.crm_loyalty_defaults();
    period := d.period;
    unit := unit_default;
    FOREACH k IN ARRAY ARRAY['period', 'unit'] LOOP
        CONTINUE WHEN NOT options ? k;
        IF jsonb_typeof(options->k) <> 'string' THEN
            error_code := '22023';
            error_message := format('%s: option "%s" must be an interval given as a string, not %s', caller, k, options->k);
            error_hint := 'E.g. "1 day" or "7 days"; a bare number has no unit.';
            RETURN;
        END IF;
        BEGIN
            iv := (options->>k)::interval;
        EXCEPTION WHEN data_exception THEN
            GET STACKED DIAGNOSTICS error_code = RETURNED_SQLSTATE, error_message = MESSAGE_TEXT;
            error_message := format('%s: option "%s": %s', caller, k, error_message);
            error_hint := 'E.g. "1 day" or "7 days".';
            RETURN;
        END;
        IF extract(year FROM iv) <> 0 OR extract(month FROM iv) <> 0 OR extract(epoch FROM iv) <= 0 THEN
            error_code := '22023';
            error_message := format('%s: option "%s": "%s" is not a positive fixed length of time', caller, k, options->>k);
            error_hint := 'Use days or shorter units, e.g. "7 days"; months and years have no fixed length.';
            RETURN;
        END IF;
        IF k = 'period' THEN
            period := iv;
        ELSE
            unit := iv;
        END IF;
    END LOOP;
    unit := coalesce(unit, period);
    model := d.purchase_model;
    IF options ? 'model' THEN
        model := options->>'model';
        IF jsonb_typeof(options->'model') <> 'string' OR model NOT IN ('pareto_nbd', 'mbgnbd', 'bgnbd') THEN
            error_code := '22023';
            error_message := format('%s: unknown model %s', caller, options->'model');
            error_hint := 'The purchase models are pareto_nbd (the default), mbgnbd and bgnbd.';
            RETURN;
        END IF;
    END IF;
END
$$;
COMMENT ON FUNCTION analyst_options(text, jsonb, text[], interval) IS
'Reads the options shared by fit_models, backtest, backtest_compare, backtest_tracking and holdout_by_frequency: period, unit (the period unless given) and model (default pareto_nbd), or the mistake (unknown key, bad value) as SQLSTATE, message and hint for the caller to raise';

CREATE OR REPLACE FUNCTION fit_models(name text, source regclass, customer_column text,
                           ordered_at_column text, amount_column text,
                           as_of timestamptz, options jsonb DEFAULT '{}')
RETURNS SETOF fitted_models
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    o        record;
    x        record;
    grp      text;
    kind     text;
    descr    text;
    q        text;
    r        record;
    ext      text;
    k        text;
    prior    text;
BEGIN
    IF name IS NULL OR source IS NULL OR customer_column IS NULL
       OR ordered_at_column IS NULL OR amount_column IS NULL OR as_of IS NULL THEN
        RAISE EXCEPTION 'fit_models: name, source, the three column names and as_of must not be NULL'
            USING ERRCODE = '22004';
    END IF;
    IF options IS NULL OR jsonb_typeof(options) <> 'object' THEN
        RAISE EXCEPTION 'fit_models: options must be a JSON object'
            USING ERRCODE = '22023', HINT = 'E.g. ''{"unit": "7 days", "group_column": "country"}''.';
    END IF;
    o := @extschema@.analyst_options('fit_models', options,
                                     ARRAY['model', 'period', 'unit', 'group_column', 'description',
                                           'exclude_customers'], NULL);
    IF o.error_code IS NOT NULL THEN
        RAISE EXCEPTION '%', o.error_message USING ERRCODE = o.error_code, HINT = o.error_hint;
    END IF;
    kind := o.model;
    -- A name keeps its purchase model: without a "model" option, a name
    -- under which this role already stored a purchase model is refitted
    -- with the kind of its newest fit, so a scheduled refit keeps feeding
    -- the views built on that name; a new name gets the default.
    IF NOT options ? 'model' THEN
        SELECT f.kind INTO prior
          FROM @extschema@.fitted_models f
         WHERE f.fitted_by = current_user AND f.name = fit_models.name
           AND f.kind IN ('bgnbd', 'mbgnbd', 'pareto_nbd')
         ORDER BY f.fitted_at DESC
         LIMIT 1;
        kind := coalesce(prior, kind);
    END IF;
    FOREACH k IN ARRAY ARRAY['group_column', 'description'] LOOP
        IF options ? k AND jsonb_typeof(options->k) <> 'string' THEN
            RAISE EXCEPTION 'fit_models: option "%" must be a string, not %', k, options->k
                USING ERRCODE = '22023',
                      HINT = CASE k WHEN 'group_column' THEN 'Name a column of the table, e.g. "country".'
                                    ELSE 'Describe the fit in words, or leave the option out.' END;
        END IF;
    END LOOP;
    grp := options->>'group_column';
    -- a missing column or one of the wrong type is named here, not as an
    -- error inside the generated query
    PERFORM @extschema@.check_columns('fit_models', source,
                                      ARRAY[customer_column, ordered_at_column, amount_column, coalesce(grp, customer_column)],
                                      ARRAY['any', 'time', 'number', 'any']);
    x := @extschema@.excluded_customers('fit_models', options, source, customer_column);
    SELECT quote_ident(n.nspname) INTO ext
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'crm_loyalty';
    descr := coalesce(options->>'description',
                      format('%s (%s, %s, %s) as of %s, period %s, unit %s%s%s',
                             source, customer_column, ordered_at_column, amount_column,
                             as_of, o.period, o.unit,
                             CASE WHEN grp IS NULL THEN '' ELSE format(', per %s', grp) END,
                             CASE WHEN x.rel IS NULL THEN '' ELSE format(', without the customers in %s', x.rel) END));
    q := format($f$
        WITH prof AS (
            SELECT %1$s AS g,
                   %2$s.crm_profile(o.%3$I, o.%4$I::numeric, $1, $2, $3) AS p
              FROM %5$s AS o
             WHERE o.%6$I IS NOT NULL%9$s
             GROUP BY o.%6$I%7$s
        )
        SELECT g,
               %2$s.%8$s_fit(p)::text AS pm,
               %2$s.gamma_gamma_fit(p) FILTER (WHERE (p).frequency > 0 AND (p).monetary > 0)::text AS gg
          FROM prof
         GROUP BY g
         ORDER BY g$f$,
        CASE WHEN grp IS NULL THEN '''''::text' ELSE format('o.%I::text', grp) END,
        ext, ordered_at_column, amount_column, source, customer_column,
        CASE WHEN grp IS NULL THEN '' ELSE format(', o.%I', grp) END, kind,
        CASE WHEN x.rel IS NULL THEN ''
             ELSE format(E'\n               AND NOT EXISTS (SELECT 1 FROM %s AS x WHERE x.%I = o.%I)',
                         x.rel, x.id_column, customer_column) END);
    FOR r IN EXECUTE q USING as_of, o.period, o.unit LOOP
        IF r.g IS NULL THEN
            RAISE WARNING 'fit_models: rows with a NULL %', grp
                USING DETAIL = 'Their customers are fitted as the group ''(null)''.';
        END IF;
        IF r.pm IS NOT NULL THEN
            RETURN QUERY EXECUTE format($f$
                INSERT INTO %1$s.fitted_models (name, group_key, kind, model, parameters, unit, source, n, ll, converged)
                SELECT $1, $2, $5, m.model::text, j, (j->>'unit')::interval, $4,
                       (j->>'n')::float8, (j->>'ll')::float8, (j->>'converged')::boolean
                  FROM (SELECT $3::%1$s.%2$s_model AS model) AS m, LATERAL (SELECT m.model::jsonb AS j) AS x
                RETURNING *$f$, ext, kind)
                USING fit_models.name, coalesce(r.g, '(null)'), r.pm, descr, kind;
        END IF;
        IF r.gg IS NOT NULL THEN
            RETURN QUERY EXECUTE format($f$
                INSERT INTO %1$s.fitted_models (name, group_key, kind, model, parameters, unit, source, n, ll, converged)
                SELECT $1, $2, 'gamma_gamma', $3, j, NULL, $4,
                       (j->>'n')::float8, (j->>'ll')::float8, (j->>'converged')::boolean
                  FROM (SELECT $3::%1$s.gamma_gamma_model::jsonb AS j) AS m
                RETURNING *$f$, ext)
                USING fit_models.name, coalesce(r.g, '(null)'), r.gg, descr;
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION fit_models(text, regclass, text, text, text, timestamptz, jsonb) IS
'Fits a purchase model (option model: pareto_nbd, mbgnbd or bgnbd; by default the kind of the newest purchase model stored under the name, else pareto_nbd) and Gamma-Gamma over the customers of an order table (per group with group_column; without the customers listed by exclude_customers) and stores them under a name, each with its kind';

COMMENT ON FUNCTION create_scoring_view_in(text, text, regclass, text, text, text, jsonb) IS
'Does the work of create_scoring_view: creates the view in default_schema unless options name a schema';

CREATE FUNCTION backtest_customers(source regclass, customer_column text, ordered_at_column text,
                                   amount_column text, calibration_end timestamptz,
                                   holdout_end timestamptz, period interval, unit interval,
                                   exclude_customers regclass)
RETURNS TABLE (frequency float8, recency float8, t float8, holdout_purchases float8)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    ext text;
    xcol text;
BEGIN
    IF source IS NULL OR customer_column IS NULL OR ordered_at_column IS NULL
       OR amount_column IS NULL OR calibration_end IS NULL OR holdout_end IS NULL
       OR period IS NULL OR unit IS NULL THEN
        RAISE EXCEPTION 'backtest: arguments must not be NULL' USING ERRCODE = '22004';
    END IF;
    PERFORM @extschema@.check_columns('backtest', source, ARRAY[customer_column, ordered_at_column, amount_column],
                                      ARRAY['any', 'time', 'number']);
    IF @extschema@.period_start(holdout_end, period) <= @extschema@.period_start(calibration_end, period) THEN
        RAISE EXCEPTION 'backtest: holdout_end (%) must fall in a later period than calibration_end (%)',
                        holdout_end, calibration_end
            USING ERRCODE = '22023';
    END IF;
    SELECT quote_ident(n.nspname) INTO ext
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'crm_loyalty';
    IF exclude_customers IS NOT NULL THEN
        SELECT a.attname INTO xcol FROM pg_attribute AS a
         WHERE a.attrelid = exclude_customers AND a.attnum > 0 AND NOT a.attisdropped
         ORDER BY a.attnum LIMIT 1;
    END IF;
    RETURN QUERY EXECUTE format($q$
        SELECT (c).frequency, (c).recency, (c).t, ((h).periods - (c).periods)::float8
          FROM (SELECT %1$s.crm_profile(o.%3$I, o.%4$I::numeric, $1, $3, $4) AS c,
                       %1$s.crm_profile(o.%3$I, o.%4$I::numeric, $2, $3, $4) AS h
                  FROM %5$s AS o
                 WHERE o.%2$I IS NOT NULL%6$s
                 GROUP BY o.%2$I) AS s
         WHERE c IS NOT NULL$q$,
        ext, customer_column, ordered_at_column, amount_column, source,
        CASE WHEN exclude_customers IS NULL THEN ''
             ELSE format(E'\n                   AND NOT EXISTS (SELECT 1 FROM %s AS x WHERE x.%I = o.%I)',
                         exclude_customers, xcol, customer_column) END)
        USING calibration_end, holdout_end, period, unit;
END
$$;
COMMENT ON FUNCTION backtest_customers(regclass, text, text, text, timestamptz, timestamptz, interval, interval, regclass) IS
'Calibration summaries (frequency, recency, t) and holdout purchase periods of every customer first seen by calibration_end, except those whose ids are in the first column of exclude_customers';

CREATE OR REPLACE FUNCTION backtest_customers(source regclass, customer_column text, ordered_at_column text,
                                   amount_column text, calibration_end timestamptz,
                                   holdout_end timestamptz, period interval, unit interval)
RETURNS TABLE (frequency float8, recency float8, t float8, holdout_purchases float8)
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
SELECT * FROM @extschema@.backtest_customers(source, customer_column, ordered_at_column, amount_column,
                                             calibration_end, holdout_end, period, unit, NULL::regclass)
$$;
COMMENT ON FUNCTION backtest_customers(regclass, text, text, text, timestamptz, timestamptz, interval, interval) IS
'Calibration summaries (frequency, recency, t) and holdout purchase periods of every customer first seen by calibration_end';

CREATE FUNCTION backtest_run(caller text, source regclass, customer_column text, ordered_at_column text,
                             amount_column text, calibration_end timestamptz, holdout_end timestamptz,
                             period interval, unit interval, models text[], exclude_customers regclass)
RETURNS TABLE (purchase_model text, customers bigint, holdout_length float8,
               actual_purchases float8, forecast_purchases float8, forecast_error float8,
               mae float8, rmse float8, brier_p_alive float8, brier_active float8, model text)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    h     float8;
    ext   text;
    k     text;
    fits  text := '';
    per   text := '';
BEGIN
    IF source IS NULL OR customer_column IS NULL OR ordered_at_column IS NULL
       OR amount_column IS NULL OR calibration_end IS NULL OR holdout_end IS NULL
       OR period IS NULL OR unit IS NULL THEN
        RAISE EXCEPTION '%: arguments must not be NULL', caller USING ERRCODE = '22004';
    END IF;
    IF models IS NULL OR cardinality(models) = 0
       OR EXISTS (SELECT 1 FROM unnest(models) AS x WHERE x IS NULL OR x NOT IN ('pareto_nbd', 'mbgnbd', 'bgnbd')) THEN
        RAISE EXCEPTION '%: unknown model in %', caller, models
            USING ERRCODE = '22023', HINT = 'The purchase models are pareto_nbd, mbgnbd and bgnbd.';
    END IF;
    PERFORM @extschema@.check_columns(caller, source, ARRAY[customer_column, ordered_at_column, amount_column],
                                      ARRAY['any', 'time', 'number']);
    IF @extschema@.period_start(holdout_end, period) <= @extschema@.period_start(calibration_end, period) THEN
        RAISE EXCEPTION '%: holdout_end (%) must fall in a later period than calibration_end (%)',
                        caller, holdout_end, calibration_end
            USING ERRCODE = '22023', HINT = format('Periods are %s long; end the holdout in a later one.', period);
    END IF;
    h := extract(epoch FROM @extschema@.period_start(holdout_end, period)
                          - @extschema@.period_start(calibration_end, period))
         / extract(epoch FROM unit);
    SELECT quote_ident(n.nspname) INTO ext
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'crm_loyalty';
    FOREACH k IN ARRAY models LOOP
        fits := fits || format($f$,
    fit_%1$s AS MATERIALIZED (
        SELECT %2$s.%1$s_fit(c.frequency, c.recency, c.t, $8) AS pm FROM c
    )$f$, k, ext);
        -- LEFT JOIN: a model row even when there is no customer to score
        per := per || CASE WHEN per = '' THEN '' ELSE E'\n        UNION ALL' END || format($f$
        SELECT %1$L::text AS purchase_model, f.pm::text AS model, cs.frequency, cs.recency, cs.t,
               %2$s.expected_purchases($9, cs.frequency, cs.recency, cs.t, f.pm) AS predicted,
               %2$s.p_alive(cs.frequency, cs.recency, cs.t, f.pm) AS alive,
               1.0 - %2$s.p_no_purchase(cs.frequency, cs.recency, cs.t, f.pm, $10) AS buys
          FROM fit_%1$s AS f LEFT JOIN cells AS cs ON true$f$, k, ext);
    END LOOP;
    RETURN QUERY EXECUTE format($q$
    WITH c AS MATERIALIZED (
        SELECT * FROM %1$s.backtest_customers($1, $2, $3, $4, $5, $6, $7, $8, $12)
    ), cells AS MATERIALIZED (
        SELECT c.frequency, c.recency, c.t FROM c GROUP BY 1, 2, 3
    )%2$s,
    per AS (%3$s
    )
    SELECT p.purchase_model,
           count(c.t),
           $9,
           sum(c.holdout_purchases),
           sum(p.predicted),
           (sum(p.predicted) - sum(c.holdout_purchases)) / nullif(sum(c.holdout_purchases), 0),
           avg(abs(p.predicted - c.holdout_purchases)),
           sqrt(avg((p.predicted - c.holdout_purchases) ^ 2)),
           avg((p.alive - (c.holdout_purchases > 0)::int) ^ 2),
           avg((p.buys - (c.holdout_purchases > 0)::int) ^ 2),
           min(p.model)
      FROM per AS p
      LEFT JOIN c ON c.frequency = p.frequency AND c.recency = p.recency AND c.t = p.t
     GROUP BY p.purchase_model
     ORDER BY array_position($11, p.purchase_model)$q$, ext, fits, per)
    USING source, customer_column, ordered_at_column, amount_column, calibration_end, holdout_end,
          period, unit, h, (h * extract(epoch FROM unit)) * interval '1 second', models, exclude_customers;
END
$$;
COMMENT ON FUNCTION backtest_run(text, regclass, text, text, text, timestamptz, timestamptz, interval, interval, text[], regclass) IS
'Does the work of backtest and backtest_compare: per purchase model, fitted on the calibration profiles (without the customers in exclude_customers), the holdout totals, MAE, RMSE, Brier scores and the fitted model''s text';

CREATE OR REPLACE FUNCTION backtest_run(caller text, source regclass, customer_column text, ordered_at_column text,
                             amount_column text, calibration_end timestamptz, holdout_end timestamptz,
                             period interval, unit interval, models text[])
RETURNS TABLE (purchase_model text, customers bigint, holdout_length float8,
               actual_purchases float8, forecast_purchases float8, forecast_error float8,
               mae float8, rmse float8, brier_p_alive float8, brier_active float8, model text)
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
SELECT * FROM @extschema@.backtest_run(caller, source, customer_column, ordered_at_column, amount_column,
                                       calibration_end, holdout_end, period, unit, models, NULL::regclass)
$$;
COMMENT ON FUNCTION backtest_run(text, regclass, text, text, text, timestamptz, timestamptz, interval, interval, text[]) IS
'Does the work of backtest and backtest_compare: per purchase model, fitted on the calibration profiles, the holdout totals, MAE, RMSE, Brier scores and the fitted model''s text';

CREATE OR REPLACE FUNCTION backtest(source regclass, customer_column text, ordered_at_column text,
                         amount_column text, calibration_end timestamptz, holdout_end timestamptz,
                         options jsonb DEFAULT '{}')
RETURNS TABLE (customers bigint, unit interval, holdout_length float8,
               actual_purchases float8, forecast_purchases float8, forecast_error float8,
               mae float8, rmse float8, brier_p_alive float8, brier_active float8,
               model bgnbd_model)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    o record;
    x record;
BEGIN
    o := @extschema@.analyst_options('backtest', options, ARRAY['model', 'period', 'unit', 'exclude_customers'], NULL);
    IF o.error_code IS NOT NULL THEN
        RAISE EXCEPTION '%', o.error_message USING ERRCODE = o.error_code, HINT = o.error_hint;
    END IF;
    x := @extschema@.excluded_customers('backtest', options, source, customer_column);
    RETURN QUERY
    SELECT r.customers, o.unit, r.holdout_length, r.actual_purchases, r.forecast_purchases,
           r.forecast_error, r.mae, r.rmse, r.brier_p_alive, r.brier_active,
           CASE WHEN r.purchase_model = 'bgnbd' THEN r.model::@extschema@.bgnbd_model END
      FROM @extschema@.backtest_run('backtest', source, customer_column, ordered_at_column, amount_column,
                                    calibration_end, holdout_end, o.period, o.unit, ARRAY[o.model], x.rel) AS r;
END
$$;
COMMENT ON FUNCTION backtest(regclass, text, text, text, timestamptz, timestamptz, jsonb) IS
'Fits a purchase model (option model: pareto_nbd, the default, mbgnbd or bgnbd) on the orders up to calibration_end and scores its holdout forecast: totals, MAE, RMSE, Brier scores; column model is set for bgnbd only (backtest_compare returns every kind)';

CREATE OR REPLACE FUNCTION backtest_compare(source regclass, customer_column text, ordered_at_column text,
                                 amount_column text, calibration_end timestamptz, holdout_end timestamptz,
                                 options jsonb DEFAULT '{}')
RETURNS TABLE (purchase_model text, customers bigint, unit interval, holdout_length float8,
               actual_purchases float8, forecast_purchases float8, forecast_error float8,
               mae float8, rmse float8, brier_p_alive float8, brier_active float8,
               ll float8, bic float8, converged boolean, model text)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    o record;
    x record;
BEGIN
    IF jsonb_typeof(options) = 'object' AND options ? 'model' THEN
        RAISE EXCEPTION 'backtest_compare: unknown option(s) model'
            USING ERRCODE = '22023',
                  DETAIL = 'backtest_compare reports every purchase model side by side.',
                  HINT = 'Known options: period, unit, exclude_customers. For one model, call backtest() with {"model": "..."}.';
    END IF;
    o := @extschema@.analyst_options('backtest_compare', options, ARRAY['period', 'unit', 'exclude_customers'], NULL);
    IF o.error_code IS NOT NULL THEN
        RAISE EXCEPTION '%', o.error_message USING ERRCODE = o.error_code, HINT = o.error_hint;
    END IF;
    x := @extschema@.excluded_customers('backtest_compare', options, source, customer_column);
    RETURN QUERY
    SELECT r.purchase_model, r.customers, o.unit, r.holdout_length, r.actual_purchases, r.forecast_purchases,
           r.forecast_error, r.mae, r.rmse, r.brier_p_alive, r.brier_active,
           (j->>'ll')::float8,
           -- free parameters: the numbers of the model but ll and n (a
           -- limit model has fewer, e.g. only lambda)
           (SELECT count(*) FROM jsonb_each(j) AS e
             WHERE jsonb_typeof(e.value) = 'number' AND e.key NOT IN ('ll', 'n')) * ln((j->>'n')::float8)
             - 2 * (j->>'ll')::float8,
           (j->>'converged')::boolean,
           r.model
      FROM @extschema@.backtest_run('backtest_compare', source, customer_column, ordered_at_column, amount_column,
                                    calibration_end, holdout_end, o.period, o.unit,
                                    ARRAY['pareto_nbd', 'mbgnbd', 'bgnbd'], x.rel) AS r
      LEFT JOIN LATERAL (SELECT r.model::jsonb AS j) AS x ON true;
END
$$;
COMMENT ON FUNCTION backtest_compare(regclass, text, text, text, timestamptz, timestamptz, jsonb) IS
'Fits each purchase model (pareto_nbd, mbgnbd, bgnbd) on the orders up to calibration_end and scores their holdout forecasts side by side: totals, MAE, RMSE, Brier scores, log-likelihood, BIC and the fitted model';

CREATE OR REPLACE FUNCTION backtest_tracking(source regclass, customer_column text, ordered_at_column text,
                                  amount_column text, calibration_end timestamptz,
                                  holdout_end timestamptz, options jsonb DEFAULT '{}')
RETURNS TABLE (step integer, step_end timestamptz, actual_cumulative float8,
               predicted_cumulative float8)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    o       record;
    x       record;
    xsql    text := '';
    stepiv  interval := '7 days';
    cal_ps  timestamptz;
    hold_ps timestamptz;
    step_s  float8;
    h_s     float8;
    nsteps  integer;
    ext     text;
BEGIN
    o := @extschema@.analyst_options('backtest_tracking', options,
                                     ARRAY['model', 'period', 'unit', 'step', 'exclude_customers'], NULL);
    IF o.error_code IS NOT NULL THEN
        RAISE EXCEPTION '%', o.error_message USING ERRCODE = o.error_code, HINT = o.error_hint;
    END IF;
    IF options ? 'step' THEN
        IF jsonb_typeof(options->'step') <> 'string' THEN
            RAISE EXCEPTION 'backtest_tracking: step must be a positive fixed length of time given as a string'
                USING ERRCODE = '22023', HINT = 'E.g. {"step": "7 days"}.';
        END IF;
        stepiv := (options->>'step')::interval;
    END IF;
    step_s := extract(epoch FROM stepiv);
    IF step_s IS NULL OR step_s <= 0 OR date_part('month', stepiv) <> 0 OR date_part('year', stepiv) <> 0 THEN
        RAISE EXCEPTION 'backtest_tracking: step must be a positive fixed length of time'
            USING ERRCODE = '22023', HINT = 'E.g. {"step": "7 days"}.';
    END IF;
    IF source IS NULL OR customer_column IS NULL OR ordered_at_column IS NULL
       OR amount_column IS NULL OR calibration_end IS NULL OR holdout_end IS NULL THEN
        RAISE EXCEPTION 'backtest_tracking: arguments must not be NULL' USING ERRCODE = '22004';
    END IF;
    PERFORM @extschema@.check_columns('backtest_tracking', source,
                                      ARRAY[customer_column, ordered_at_column, amount_column],
                                      ARRAY['any', 'time', 'number']);
    x := @extschema@.excluded_customers('backtest_tracking', options, source, customer_column);
    IF x.rel IS NOT NULL THEN
        xsql := format(E'\n               AND NOT EXISTS (SELECT 1 FROM %s AS x WHERE x.%I = o.%I)',
                       x.rel, x.id_column, customer_column);
    END IF;
    cal_ps := @extschema@.period_start(calibration_end, o.period);
    hold_ps := @extschema@.period_start(holdout_end, o.period);
    h_s := extract(epoch FROM hold_ps - cal_ps);
    nsteps := ceil(h_s / step_s)::integer;
    SELECT quote_ident(n.nspname) INTO ext
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'crm_loyalty';
    RETURN QUERY EXECUTE format($q$
        WITH c AS (
            SELECT * FROM %1$s.backtest_customers($1, $2, $3, $4, $5, $6, $7, $8, $14)
        ), cells AS MATERIALIZED (
            SELECT c.frequency, c.recency, c.t, count(*) AS k FROM c GROUP BY 1, 2, 3
        ), m AS MATERIALIZED (
            -- fitted once, not once per step
            SELECT %1$s.%6$s_fit(c.frequency, c.recency, c.t, $8) AS pm FROM c
        ), calib AS (
            -- customers with a purchase up to calibration_end's period
            SELECT DISTINCT o.%2$I AS cust
              FROM %5$s AS o
             WHERE o.%2$I IS NOT NULL
               AND (o.%4$I IS NULL OR o.%4$I >= 0)
               AND %1$s.period_start(o.%3$I, $7) <= $9%7$s
        ), hold AS (
            -- their purchase periods in the holdout, as step numbers
            SELECT ceil(extract(epoch FROM %1$s.period_start(o.%3$I, $7) - $9) / $11)::integer AS step
              FROM %5$s AS o JOIN calib ON calib.cust = o.%2$I
             WHERE %1$s.period_start(o.%3$I, $7) > $9
               AND %1$s.period_start(o.%3$I, $7) <= $10
             GROUP BY o.%2$I, %1$s.period_start(o.%3$I, $7)
            HAVING bool_or(o.%4$I IS NULL OR o.%4$I >= 0)
        ), steps AS (
            SELECT g AS step, least(g * $11, $12) AS horizon_s FROM generate_series(1, $13) AS g
        )
        SELECT s.step,
               $9 + s.horizon_s * interval '1 second',
               (SELECT count(*) FROM hold WHERE hold.step <= s.step)::float8,
               (SELECT sum(cells.k * %1$s.expected_purchases(s.horizon_s / extract(epoch FROM $8),
                                                             cells.frequency, cells.recency, cells.t, m.pm))
                  FROM cells CROSS JOIN m)
          FROM steps AS s
         ORDER BY s.step$q$,
        ext, customer_column, ordered_at_column, amount_column, source, o.model, xsql)
        USING source, customer_column, ordered_at_column, amount_column, calibration_end, holdout_end,
              o.period, o.unit, cal_ps, hold_ps, step_s, h_s, nsteps, x.rel;
END
$$;
COMMENT ON FUNCTION backtest_tracking(regclass, text, text, text, timestamptz, timestamptz, jsonb) IS
'Cumulative holdout purchases, actual vs the forecast of a purchase model (option model, default pareto_nbd), per step (default weekly) after calibration_end';

CREATE OR REPLACE FUNCTION holdout_by_frequency(source regclass, customer_column text, ordered_at_column text,
                                     amount_column text, calibration_end timestamptz, holdout_end timestamptz,
                                     options jsonb DEFAULT '{}')
RETURNS TABLE (frequency_bucket text, customers bigint, actual_mean float8, forecast_mean float8)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    o      record;
    x      record;
    top    integer := 7;
    h      float8;
    ext    text;
BEGIN
    IF source IS NULL OR customer_column IS NULL OR ordered_at_column IS NULL
       OR amount_column IS NULL OR calibration_end IS NULL OR holdout_end IS NULL THEN
        RAISE EXCEPTION 'holdout_by_frequency: arguments must not be NULL'
            USING ERRCODE = '22004', HINT = 'Pass the table, its three column names and both ends; options may be left out.';
    END IF;
    o := @extschema@.analyst_options('holdout_by_frequency', options,
                                     ARRAY['model', 'period', 'unit', 'max_bucket', 'exclude_customers'], NULL);
    IF o.error_code IS NOT NULL THEN
        RAISE EXCEPTION '%', o.error_message USING ERRCODE = o.error_code, HINT = o.error_hint;
    END IF;
    IF options ? 'max_bucket' THEN
        IF jsonb_typeof(options->'max_bucket') NOT IN ('number', 'string')
           OR (options->>'max_bucket') !~ '^\s*[+-]?[0-9]{1,9}\s*$' THEN
            RAISE EXCEPTION 'holdout_by_frequency: option "max_bucket" must be an integer, not %', options->'max_bucket'
                USING ERRCODE = '22023', HINT = 'E.g. {"max_bucket": 7}: buckets 0 to 6 and 7+.';
        END IF;
        top := (options->>'max_bucket')::integer;
        IF top NOT BETWEEN 1 AND 1000 THEN
            RAISE EXCEPTION 'holdout_by_frequency: max_bucket % is out of range', top
                USING ERRCODE = '22003', HINT = 'Use an integer from 1 to 1000 (the last bucket holds that frequency and above).';
        END IF;
    END IF;
    PERFORM @extschema@.check_columns('holdout_by_frequency', source,
                                      ARRAY[customer_column, ordered_at_column, amount_column],
                                      ARRAY['any', 'time', 'number']);
    x := @extschema@.excluded_customers('holdout_by_frequency', options, source, customer_column);
    IF holdout_end <= calibration_end
       OR @extschema@.period_start(holdout_end, o.period) <= @extschema@.period_start(calibration_end, o.period) THEN
        RAISE EXCEPTION 'holdout_by_frequency: holdout_end (%) must fall in a later period than calibration_end (%)',
                        holdout_end, calibration_end
            USING ERRCODE = '22023',
                  HINT = format('The holdout runs from the period after calibration_end''s to holdout_end''s (periods of %s).', o.period);
    END IF;
    h := extract(epoch FROM @extschema@.period_start(holdout_end, o.period)
                          - @extschema@.period_start(calibration_end, o.period))
         / extract(epoch FROM o.unit);
    SELECT quote_ident(n.nspname) INTO ext
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'crm_loyalty';
    RETURN QUERY EXECUTE format($q$
    WITH c AS MATERIALIZED (
        SELECT * FROM %1$s.backtest_customers($1, $2, $3, $4, $5, $6, $7, $8, $11)
    ), m AS MATERIALIZED (
        SELECT %1$s.%2$s_fit(c.frequency, c.recency, c.t, $8) AS pm FROM c
    ), cells AS (
        SELECT c.frequency, c.recency, c.t, count(*) AS k, sum(c.holdout_purchases) AS y
          FROM c GROUP BY 1, 2, 3
    ), scored AS (
        SELECT least(cells.frequency, $10)::integer AS b, cells.k, cells.y,
               cells.k * %1$s.expected_purchases($9, cells.frequency, cells.recency, cells.t, m.pm) AS f
          FROM cells CROSS JOIN m
    ), buckets AS (
        SELECT g.b, sum(s.k) AS k, sum(s.y) AS y, sum(s.f) AS f
          FROM generate_series(0, $10) AS g(b) LEFT JOIN scored AS s ON s.b = g.b
         GROUP BY g.b
        UNION ALL
        SELECT $10 + 1, sum(s.k), sum(s.y), sum(s.f) FROM scored AS s
    )
    SELECT CASE WHEN bk.b > $10 THEN 'all' WHEN bk.b = $10 THEN bk.b || '+' ELSE bk.b::text END,
           coalesce(bk.k, 0)::bigint,
           bk.y / nullif(bk.k, 0)::float8,
           bk.f / nullif(bk.k, 0)::float8
      FROM buckets AS bk
     ORDER BY bk.b$q$, ext, o.model)
    USING source, customer_column, ordered_at_column, amount_column, calibration_end, holdout_end,
          o.period, o.unit, h, top, x.rel;
END
$$;
COMMENT ON FUNCTION holdout_by_frequency(regclass, text, text, text, timestamptz, timestamptz, jsonb) IS
'Calibration vs holdout by calibration frequency (buckets 0, 1, ..., max_bucket+ and all): customers, mean actual and mean forecast repeat purchases in the holdout, with a purchase model (option model, default pareto_nbd) fitted on the calibration profiles';

CREATE FUNCTION btyd_compare(profiles regclass,
                             frequency text DEFAULT 'frequency',
                             recency text DEFAULT 'recency',
                             t text DEFAULT 't',
                             unit interval DEFAULT '1 day',
                             holdout_purchases text DEFAULT NULL,
                             holdout_length interval DEFAULT NULL)
RETURNS TABLE (model text, params jsonb, ll float8, n_params integer, n float8,
               aic float8, bic float8, converged boolean,
               holdout_mae float8, holdout_rmse float8,
               holdout_forecast float8, holdout_actual float8)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    bg @extschema@.bgnbd_model;
    mbg @extschema@.mbgnbd_model;
    pnbd @extschema@.pareto_nbd_model;
    j jsonb[];
    hn float8;
    hu float8;
    hy float8;
    m float8[];
    i integer;
    ext text;
BEGIN
    IF profiles IS NULL THEN
        RAISE EXCEPTION 'btyd_compare: profiles must not be NULL'
            USING ERRCODE = '22004', HINT = 'Pass a table or view with frequency, recency and t columns.';
    END IF;
    IF (holdout_purchases IS NULL) <> (holdout_length IS NULL) THEN
        RAISE EXCEPTION 'btyd_compare: holdout_purchases and holdout_length go together'
            USING ERRCODE = '22023',
                  HINT = 'Give both (the column of purchases made in the holdout, and its length) or neither.';
    END IF;
    IF frequency IS NULL OR recency IS NULL OR t IS NULL OR unit IS NULL THEN
        RAISE EXCEPTION 'btyd_compare: column names and unit must not be NULL'
            USING ERRCODE = '22004';
    END IF;
    PERFORM @extschema@.check_columns('btyd_compare', profiles,
                                      ARRAY[frequency, recency, t, coalesce(holdout_purchases, frequency)],
                                      ARRAY['number', 'number', 'number', 'number']);
    SELECT quote_ident(s.nspname) INTO ext
      FROM pg_extension e JOIN pg_namespace s ON s.oid = e.extnamespace
     WHERE e.extname = 'crm_loyalty';

    EXECUTE format('SELECT %5$s.bgnbd_fit(%1$I, %2$I, %3$I, $1),
                           %5$s.mbgnbd_fit(%1$I, %2$I, %3$I, $1),
                           %5$s.pareto_nbd_fit(%1$I, %2$I, %3$I, $1)
                      FROM %4$s', frequency, recency, t, profiles, ext)
       INTO bg, mbg, pnbd USING unit;
    j := ARRAY[bg::jsonb, mbg::jsonb, pnbd::jsonb];

    IF holdout_purchases IS NOT NULL THEN
        -- the holdout's length in units of the models, as the scores
        -- convert an interval (in this order, mean Gregorian months of
        -- 2629746 s), so the float form of expected_purchases gives what
        -- its interval form gives
        hu := ((extract(hour FROM holdout_length) * 3600000000 + extract(minute FROM holdout_length) * 60000000
                + extract(microseconds FROM holdout_length))::float8
               + extract(day FROM holdout_length)::float8 * 86400000000::float8
               + (extract(year FROM holdout_length) * 12 + extract(month FROM holdout_length))::float8 * 2629746000000::float8)
              / ((extract(hour FROM unit) * 3600000000 + extract(minute FROM unit) * 60000000
                  + extract(microseconds FROM unit))::float8
                 + extract(day FROM unit)::float8 * 86400000000::float8
                 + (extract(year FROM unit) * 12 + extract(month FROM unit))::float8 * 2629746000000::float8);
        IF hu < 0 THEN
            RAISE EXCEPTION 'btyd_compare: holdout_length must not be negative, not %', holdout_length
                USING ERRCODE = '22023', HINT = 'Give the length of the holdout period, e.g. ''39 weeks''.';
        END IF;
        EXECUTE format('SELECT count(*)::float8, sum(y),
                               ARRAY[sum(abs(e1 - y)), sum((e1 - y) ^ 2), sum(e1),
                                     sum(abs(e2 - y)), sum((e2 - y) ^ 2), sum(e2),
                                     sum(abs(e3 - y)), sum((e3 - y) ^ 2), sum(e3)]
                          FROM (SELECT %4$I::float8 AS y,
                                       %6$s.expected_purchases($1, %1$I, %2$I, %3$I, $2) AS e1,
                                       %6$s.expected_purchases($1, %1$I, %2$I, %3$I, $3) AS e2,
                                       %6$s.expected_purchases($1, %1$I, %2$I, %3$I, $4) AS e3
                                  FROM %5$s
                                 WHERE %1$I IS NOT NULL AND %2$I IS NOT NULL AND %3$I IS NOT NULL
                                   AND %4$I IS NOT NULL) s',
                       frequency, recency, t, holdout_purchases, profiles, ext)
           INTO hn, hy, m USING hu, bg, mbg, pnbd;
    END IF;

    FOR i IN 1..3 LOOP
        model := (ARRAY['bgnbd', 'mbgnbd', 'pareto_nbd'])[i];
        params := j[i] - ARRAY['ll', 'n', 'converged'];
        ll := (j[i]->>'ll')::float8;
        -- a limit model has fewer free parameters (e.g. only lambda)
        n_params := (SELECT count(*) FROM jsonb_each(params) AS e WHERE jsonb_typeof(e.value) = 'number');
        n := (j[i]->>'n')::float8;
        aic := 2 * n_params - 2 * ll;
        bic := n_params * ln(n) - 2 * ll;
        converged := (j[i]->>'converged')::boolean;
        IF hn > 0 THEN
            holdout_mae := m[3 * i - 2] / hn;
            holdout_rmse := sqrt(m[3 * i - 1] / hn);
            holdout_forecast := m[3 * i];
            holdout_actual := hy;
        END IF;
        RETURN NEXT;
    END LOOP;
END
$fn$;
COMMENT ON FUNCTION btyd_compare(regclass, text, text, text, interval, text, interval) IS
'Fits BG/NBD, MBG/NBD and Pareto/NBD on the same customer summaries of a table or view and reports, per model, parameters, log-likelihood, AIC, BIC, convergence and, given holdout purchases, holdout MAE, RMSE and total forecast vs actual';

-- The 0.3.2 form with name-typed column names goes; calls with text
-- literals resolve to the text form.  If a user's view or SQL function
-- calls the old form, it stays (as a wrapper of the new one) so that
-- object keeps working; drop it once that object is recreated.
DO $do$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_depend AS d
                WHERE d.refclassid = 'pg_catalog.pg_proc'::pg_catalog.regclass
                  AND d.refobjid = '@extschema@.btyd_compare(pg_catalog.regclass, pg_catalog.name, pg_catalog.name, pg_catalog.name, pg_catalog.interval, pg_catalog.name, pg_catalog.interval)'::pg_catalog.regprocedure
                  AND d.deptype = 'n') THEN
        CREATE OR REPLACE FUNCTION @extschema@.btyd_compare(profiles regclass,
                                     frequency name DEFAULT 'frequency',
                                     recency name DEFAULT 'recency',
                                     t name DEFAULT 't',
                                     unit interval DEFAULT '1 day',
                                     holdout_purchases name DEFAULT NULL,
                                     holdout_length interval DEFAULT NULL)
        RETURNS TABLE (model text, params jsonb, ll float8, n_params integer, n float8,
                       aic float8, bic float8, converged boolean,
                       holdout_mae float8, holdout_rmse float8,
                       holdout_forecast float8, holdout_actual float8)
        LANGUAGE sql STABLE PARALLEL RESTRICTED
        SET search_path = pg_catalog, pg_temp
        AS $$
        SELECT * FROM @extschema@.btyd_compare(profiles, frequency::text, recency::text, t::text, unit,
                                               holdout_purchases::text, holdout_length)
        $$;
        COMMENT ON FUNCTION @extschema@.btyd_compare(regclass, name, name, name, interval, name, interval) IS
        'Kept from 0.3.2 because a view or function calls it: btyd_compare with name-typed column names; drop it once that object is recreated';
        RAISE WARNING 'btyd_compare(regclass, name, name, name, interval, name, interval) is kept because other objects call it'
            USING DETAIL = 'It now calls btyd_compare(regclass, text, text, text, interval, text, interval). While both exist, a call that gives only the table is ambiguous.',
                  HINT = 'Recreate the objects that call it, then: ALTER EXTENSION crm_loyalty DROP FUNCTION btyd_compare(regclass, name, name, name, interval, name, interval); DROP FUNCTION btyd_compare(regclass, name, name, name, interval, name, interval);';
    ELSE
        DROP FUNCTION @extschema@.btyd_compare(regclass, name, name, name, interval, name, interval);
    END IF;
END
$do$;

-- (section: incremental)

---------------------------------------------------------------------------
-- Incremental refresh: a table of states kept current from an order table
-- by reading only the orders added since the last refresh.  The watermark
-- (the largest value of an insertion-ordered column read so far) and the
-- settings the states were built with live in profile_state_refreshes, one
-- row per states table.  Merging is exact for any split of the orders, so
-- late orders with old times are counted exactly; edited or deleted orders
-- need rebuild_profile_states.  The table profile_state_refreshes is
-- created in zz_incremental.sql (after the other configuration tables).
---------------------------------------------------------------------------

CREATE FUNCTION profile_states_sync(target regclass, source regclass, customer_column text,
                                    ordered_at_column text, amount_column text, watermark_column text,
                                    options jsonb, rebuild boolean)
RETURNS TABLE (customers bigint, orders bigint, watermark text)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
SET IntervalStyle = 'postgres'
SET extra_float_digits = 1
AS $$
DECLARE
    fname      text := CASE WHEN rebuild THEN 'rebuild_profile_states' ELSE 'refresh_profile_states' END;
    known      text[] := ARRAY['period', 'time_zone', 'state_column'];
    prev       @extschema@.profile_state_refreshes;
    period     interval;
    tz         text;
    state_col  text;
    k          text;
    ts_type    regtype;
    wm_type    regtype;
    st_type    regtype;
    col        record;
    ts_sql     text;
    last_wm    text;
    new_wm     text;
    n_cust     bigint := 0;
    n_rows     bigint := 0;
BEGIN
    IF target IS NULL OR source IS NULL OR customer_column IS NULL OR ordered_at_column IS NULL
       OR amount_column IS NULL OR watermark_column IS NULL THEN
        RAISE EXCEPTION '%: target, source and the four column names must not be NULL', fname
            USING ERRCODE = '22004';
    END IF;
    options := coalesce(options, '{}');
    IF jsonb_typeof(options) <> 'object' THEN
        RAISE EXCEPTION '%: options must be a JSON object', fname
            USING ERRCODE = '22023', HINT = 'E.g. ''{"period": "7 days"}''.';
    END IF;
    SELECT string_agg(x, ', ') INTO k FROM jsonb_object_keys(options) AS x WHERE x <> ALL (known);
    IF k IS NOT NULL THEN
        RAISE EXCEPTION '%: unknown option(s) %', fname, k
            USING ERRCODE = '22023', HINT = format('Known options: %s.', array_to_string(known, ', '));
    END IF;
    FOREACH k IN ARRAY known LOOP
        IF options ? k AND jsonb_typeof(options->k) <> 'string' THEN
            RAISE EXCEPTION '%: option "%" must be a string, not %', fname, k, options->k
                USING ERRCODE = '22023';
        END IF;
    END LOOP;

    -- one refresh of a states table at a time; readers of the states go on
    EXECUTE format('LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE', target);
    SELECT * INTO prev FROM @extschema@.profile_state_refreshes AS r WHERE r.target = $1 FOR UPDATE;

    period := coalesce((options->>'period')::interval, prev.period, '1 day');
    tz := coalesce(options->>'time_zone', prev.time_zone, 'UTC');
    state_col := coalesce(options->>'state_column', prev.state_column, 'state');
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_timezone_names AS z WHERE z.name = tz) THEN
        RAISE EXCEPTION '%: unknown time zone "%"', fname, tz
            USING ERRCODE = '22023', HINT = 'Use a name from pg_timezone_names, e.g. "Europe/Berlin".';
    END IF;
    -- the aggregate accepts the period (or raises its own error)
    PERFORM @extschema@.crm_profile_state(now(), 1::numeric, period);

    IF NOT rebuild AND prev.target IS NOT NULL AND
       (prev.source <> source OR prev.customer_column <> customer_column
        OR prev.ordered_at_column <> ordered_at_column OR prev.amount_column <> amount_column
        OR prev.watermark_column <> watermark_column OR prev.state_column <> state_col
        OR prev.period <> period OR prev.time_zone <> tz) THEN
        RAISE EXCEPTION '%: % was built from other settings', fname, target
            USING ERRCODE = '22023',
                  DETAIL = format('It was built from %s (customer %s, time %s, amount %s, watermark %s) with period %s in time zone %s.',
                                  prev.source, prev.customer_column, prev.ordered_at_column, prev.amount_column,
                                  prev.watermark_column, prev.period, prev.time_zone),
                  HINT = 'Refresh with the same arguments, or call rebuild_profile_states to rebuild it with the new ones.';
    END IF;

    FOR col IN SELECT * FROM (VALUES (source, customer_column, 'customer'), (source, ordered_at_column, 'order time'),
                                     (source, amount_column, 'amount'), (source, watermark_column, 'watermark'),
                                     (target, customer_column, 'customer'), (target, state_col, 'state'))
                        AS c(rel, name, role) LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute AS a
                        WHERE a.attrelid = col.rel AND a.attname = col.name AND a.attnum > 0 AND NOT a.attisdropped) THEN
            RAISE EXCEPTION '%: % has no column "%" (%)', fname, col.rel, col.name, col.role
                USING ERRCODE = '42703';
        END IF;
    END LOOP;
    SELECT a.atttypid INTO ts_type FROM pg_catalog.pg_attribute AS a
     WHERE a.attrelid = source AND a.attname = ordered_at_column;
    IF ts_type NOT IN ('timestamptz'::regtype, 'timestamp'::regtype, 'date'::regtype) THEN
        RAISE EXCEPTION '%: column "%" is of type %, not a time', fname, ordered_at_column, ts_type
            USING ERRCODE = '42804';
    END IF;
    SELECT a.atttypid INTO wm_type FROM pg_catalog.pg_attribute AS a
     WHERE a.attrelid = source AND a.attname = watermark_column;
    IF wm_type NOT IN ('smallint'::regtype, 'integer'::regtype, 'bigint'::regtype, 'numeric'::regtype,
                       'timestamptz'::regtype, 'timestamp'::regtype, 'date'::regtype) THEN
        RAISE EXCEPTION '%: watermark column "%" is of type %', fname, watermark_column, wm_type
            USING ERRCODE = '42804',
                  HINT = 'Use an insertion-ordered integer, numeric, date or timestamp column, e.g. an identity order id.';
    END IF;
    SELECT a.atttypid INTO st_type FROM pg_catalog.pg_attribute AS a
     WHERE a.attrelid = target AND a.attname = state_col;
    IF st_type <> '@extschema@.profile_state'::regtype THEN
        RAISE EXCEPTION '%: column "%" of % is of type %, not profile_state', fname, state_col, target, st_type
            USING ERRCODE = '42804';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index AS i JOIN pg_catalog.pg_attribute AS a
                       ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                    WHERE i.indrelid = target AND i.indisunique AND i.indnatts = 1
                      AND i.indpred IS NULL AND i.indexprs IS NULL AND a.attname = customer_column) THEN
        RAISE EXCEPTION '%: % has no unique index on "%" alone', fname, target, customer_column
            USING ERRCODE = '42P10', HINT = format('Make "%s" the primary key of %s.', customer_column, target);
    END IF;

    IF rebuild THEN
        EXECUTE format('DELETE FROM %s', target);
        last_wm := NULL;
    ELSIF prev.target IS NULL THEN
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s)', target) INTO STRICT k;
        IF k::boolean THEN
            RAISE EXCEPTION '%: % holds states but has no watermark', fname, target
                USING ERRCODE = '55000',
                      HINT = 'Call rebuild_profile_states once to build it from the whole order table.';
        END IF;
        last_wm := NULL;
    ELSE
        last_wm := prev.watermark;
    END IF;

    -- The rows read are those above the last watermark and up to the largest
    -- one now present; rows with a NULL watermark are never read.
    EXECUTE format('SELECT max(o.%1$I)::text FROM %2$s AS o WHERE $1 IS NULL OR o.%1$I > $1::%3$s',
                   watermark_column, source, wm_type)
       INTO new_wm USING last_wm;

    IF new_wm IS NOT NULL THEN
        -- the wall-clock time in time_zone, written as if it were UTC (the
        -- calendar create_scoring_view reads times in)
        ts_sql := CASE ts_type
            WHEN 'timestamptz'::regtype THEN format('((o.%I AT TIME ZONE %L) AT TIME ZONE ''UTC'')', ordered_at_column, tz)
            WHEN 'timestamp'::regtype THEN format('(o.%I AT TIME ZONE ''UTC'')', ordered_at_column)
            ELSE format('(o.%I::pg_catalog.timestamp AT TIME ZONE ''UTC'')', ordered_at_column) END;
        EXECUTE format($q$
            WITH agg AS MATERIALIZED (
                SELECT o.%1$I AS c, @extschema@.crm_profile_state(%2$s, o.%3$I::pg_catalog.numeric, $3) AS s,
                       count(*) AS n
                  FROM %4$s AS o
                 WHERE o.%1$I IS NOT NULL AND ($1 IS NULL OR o.%5$I > $1::%6$s) AND o.%5$I <= $2::%6$s
                 GROUP BY o.%1$I
            ), ins AS (
                INSERT INTO %7$s AS t (%1$I, %8$I)
                SELECT a.c, a.s FROM agg AS a
                ON CONFLICT (%1$I) DO UPDATE
                   SET %8$I = @extschema@.profile_state_merge(t.%8$I, EXCLUDED.%8$I)
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM ins), (SELECT coalesce(sum(a.n), 0) FROM agg AS a)$q$,
            customer_column, ts_sql, amount_column, source, watermark_column, wm_type, target, state_col)
           INTO n_cust, n_rows USING last_wm, new_wm, period;
    ELSE
        new_wm := last_wm;
    END IF;

    INSERT INTO @extschema@.profile_state_refreshes AS r
           (target, source, customer_column, ordered_at_column, amount_column, watermark_column,
            state_column, period, time_zone, watermark, refreshed_at, refreshed_by, orders_read, customers_changed)
    VALUES ($1, $2, $3, $4, $5, $6, state_col, period, tz, new_wm, clock_timestamp(), current_user, n_rows, n_cust)
    ON CONFLICT ON CONSTRAINT profile_state_refreshes_pkey DO UPDATE
       SET source = EXCLUDED.source, customer_column = EXCLUDED.customer_column,
           ordered_at_column = EXCLUDED.ordered_at_column, amount_column = EXCLUDED.amount_column,
           watermark_column = EXCLUDED.watermark_column, state_column = EXCLUDED.state_column,
           period = EXCLUDED.period, time_zone = EXCLUDED.time_zone, watermark = EXCLUDED.watermark,
           refreshed_at = EXCLUDED.refreshed_at, refreshed_by = EXCLUDED.refreshed_by,
           orders_read = EXCLUDED.orders_read, customers_changed = EXCLUDED.customers_changed;

    customers := n_cust;
    orders := n_rows;
    watermark := new_wm;
    RETURN NEXT;
END
$$;
COMMENT ON FUNCTION profile_states_sync(regclass, regclass, text, text, text, text, jsonb, boolean) IS
'Shared body of refresh_profile_states and rebuild_profile_states (internal)';

CREATE FUNCTION refresh_profile_states(target regclass, source regclass, customer_column text,
                                       ordered_at_column text, amount_column text, watermark_column text,
                                       options jsonb DEFAULT '{}')
RETURNS TABLE (customers bigint, orders bigint, watermark text)
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT * FROM @extschema@.profile_states_sync($1, $2, $3, $4, $5, $6, $7, false) $$;
COMMENT ON FUNCTION refresh_profile_states(regclass, regclass, text, text, text, text, jsonb) IS
'Merges the orders added since the last refresh (watermark column above the stored watermark) into a table of profile states; options period, time_zone, state_column';

CREATE FUNCTION rebuild_profile_states(target regclass, source regclass, customer_column text,
                                       ordered_at_column text, amount_column text, watermark_column text,
                                       options jsonb DEFAULT '{}')
RETURNS TABLE (customers bigint, orders bigint, watermark text)
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT * FROM @extschema@.profile_states_sync($1, $2, $3, $4, $5, $6, $7, true) $$;
COMMENT ON FUNCTION rebuild_profile_states(regclass, regclass, text, text, text, text, jsonb) IS
'Rebuilds a table of profile states from the whole order table and resets its watermark (needed after orders were edited or deleted)';

---------------------------------------------------------------------------
-- The watermarks of refresh_profile_states (see 15_profile_state.sql)
---------------------------------------------------------------------------

CREATE TABLE profile_state_refreshes (
    target            regclass PRIMARY KEY,
    source            regclass NOT NULL,
    customer_column   text NOT NULL,
    ordered_at_column text NOT NULL,
    amount_column     text NOT NULL,
    watermark_column  text NOT NULL,
    state_column      text NOT NULL,
    period            interval NOT NULL,
    time_zone         text NOT NULL,
    watermark         text,
    refreshed_at      timestamptz NOT NULL,
    refreshed_by      name NOT NULL,
    orders_read       bigint NOT NULL,
    customers_changed bigint NOT NULL
);
COMMENT ON TABLE profile_state_refreshes IS
'One row per table of profile states kept by refresh_profile_states: its order table, columns, period, time zone and the watermark read so far';
COMMENT ON COLUMN profile_state_refreshes.target IS 'The table of states (one row per customer)';
COMMENT ON COLUMN profile_state_refreshes.source IS 'The order table the states are built from';
COMMENT ON COLUMN profile_state_refreshes.customer_column IS 'Customer column, in the order table and in the states table';
COMMENT ON COLUMN profile_state_refreshes.ordered_at_column IS 'Order time column of the order table';
COMMENT ON COLUMN profile_state_refreshes.amount_column IS 'Amount column of the order table';
COMMENT ON COLUMN profile_state_refreshes.watermark_column IS 'Insertion-ordered column of the order table (order id, inserted_at)';
COMMENT ON COLUMN profile_state_refreshes.state_column IS 'profile_state column of the states table';
COMMENT ON COLUMN profile_state_refreshes.period IS 'Period the states are built with';
COMMENT ON COLUMN profile_state_refreshes.time_zone IS 'Calendar the order times are read in (period starts are counted in it)';
COMMENT ON COLUMN profile_state_refreshes.watermark IS 'Largest watermark value read so far, as text; NULL before any order was read';
COMMENT ON COLUMN profile_state_refreshes.refreshed_at IS 'Time of the last refresh or rebuild';
COMMENT ON COLUMN profile_state_refreshes.refreshed_by IS 'Role that ran the last refresh or rebuild';
COMMENT ON COLUMN profile_state_refreshes.orders_read IS 'Order rows read by the last refresh or rebuild';
COMMENT ON COLUMN profile_state_refreshes.customers_changed IS 'States written by the last refresh or rebuild';
SELECT pg_catalog.pg_extension_config_dump('profile_state_refreshes', '');
-- owned by the role that ran CREATE EXTENSION (as fitted_models), so that
-- its dumps and restores are not filtered by the policy
ALTER TABLE profile_state_refreshes OWNER TO @extowner@;
ALTER TABLE profile_state_refreshes ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE, DELETE ON profile_state_refreshes TO PUBLIC;
CREATE POLICY profile_state_refreshes_owner ON profile_state_refreshes
    USING (pg_catalog.pg_has_role((SELECT c.relowner FROM pg_catalog.pg_class AS c WHERE c.oid = target), 'USAGE'))
    WITH CHECK (pg_catalog.pg_has_role((SELECT c.relowner FROM pg_catalog.pg_class AS c WHERE c.oid = target), 'USAGE'));
COMMENT ON POLICY profile_state_refreshes_owner ON profile_state_refreshes IS
'A role sees and writes the refresh rows of the states tables it owns (or whose owner it is a member of)';

---------------------------------------------------------------------------
-- Scores over a table of profile states kept by refresh_profile_states:
-- the same columns and formulas as create_scoring_view, with the profiles
-- taken from the stored states (crm_profile(state, as_of, unit)) instead of
-- the orders, and the RFM cut points and models refitted over them.
---------------------------------------------------------------------------

CREATE FUNCTION create_state_scoring_view_in(default_schema text, view_name text, states regclass,
                                             options jsonb DEFAULT '{}')
RETURNS regclass
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
SET IntervalStyle = 'postgres'
AS $$
DECLARE
    ext          text;
    ref          @extschema@.profile_state_refreshes;
    target       text;
    as_of_sql    text;
    as_of_abs    timestamptz;
    unit         interval;
    bins         integer := 5;
    kind         text := 'pareto_nbd';
    horizon      interval := '90 days';
    months       integer := 12;
    discount     float8 := 0.01;
    measure      text := 'total_spend';
    materialized boolean := true;
    known        text[] := ARRAY['as_of', 'unit', 'bins', 'model', 'horizon', 'clv_months',
                                 'monthly_discount', 'tier_measure', 'materialized'];
    k            text;
    body         text;
BEGIN
    IF view_name IS NULL OR states IS NULL THEN
        RAISE EXCEPTION 'create_state_scoring_view: view_name and states must not be NULL' USING ERRCODE = '22004';
    END IF;
    options := coalesce(options, '{}');
    IF jsonb_typeof(options) <> 'object' THEN
        RAISE EXCEPTION 'create_state_scoring_view: options must be a JSON object' USING ERRCODE = '22023';
    END IF;
    SELECT string_agg(x, ', ') INTO k FROM jsonb_object_keys(options) AS x WHERE x <> ALL (known);
    IF k IS NOT NULL THEN
        RAISE EXCEPTION 'create_state_scoring_view: unknown option(s) %', k
            USING ERRCODE = '22023', HINT = format('Known options: %s.', array_to_string(known, ', '));
    END IF;
    SELECT * INTO ref FROM @extschema@.profile_state_refreshes AS r WHERE r.target = states;
    IF ref.target IS NULL THEN
        RAISE EXCEPTION 'create_state_scoring_view: % was not built by refresh_profile_states', states
            USING ERRCODE = '55000', HINT = 'Build it first with refresh_profile_states or rebuild_profile_states.';
    END IF;
    SELECT n.nspname INTO ext FROM pg_catalog.pg_extension AS e
      JOIN pg_catalog.pg_namespace AS n ON n.oid = e.extnamespace WHERE e.extname = 'crm_loyalty';
    ext := quote_ident(ext);

    unit := coalesce((options->>'unit')::interval, ref.period);
    IF extract(year FROM unit) <> 0 OR extract(month FROM unit) <> 0 OR extract(epoch FROM unit) <= 0 THEN
        RAISE EXCEPTION 'create_state_scoring_view: unit "%" is not a positive fixed length of time', unit
            USING ERRCODE = '22023';
    END IF;
    horizon := coalesce((options->>'horizon')::interval, horizon);
    bins := coalesce((options->>'bins')::integer, bins);
    IF bins NOT BETWEEN 2 AND 100 THEN
        RAISE EXCEPTION 'create_state_scoring_view: bins % is out of range', bins USING ERRCODE = '22003';
    END IF;
    kind := coalesce(options->>'model', kind);
    IF kind NOT IN ('bgnbd', 'mbgnbd', 'pareto_nbd') THEN
        RAISE EXCEPTION 'create_state_scoring_view: unknown model "%"', kind
            USING ERRCODE = '22023', HINT = 'Use "bgnbd", "mbgnbd" or "pareto_nbd".';
    END IF;
    months := coalesce((options->>'clv_months')::integer, months);
    IF months NOT BETWEEN 1 AND 1200 THEN
        RAISE EXCEPTION 'create_state_scoring_view: clv_months % is out of range', months USING ERRCODE = '22003';
    END IF;
    discount := coalesce((options->>'monthly_discount')::float8, discount);
    IF discount = 'NaN'::float8 OR discount < 0 OR discount >= 1 THEN
        RAISE EXCEPTION 'create_state_scoring_view: monthly_discount % is out of range', discount USING ERRCODE = '22003';
    END IF;
    measure := coalesce(options->>'tier_measure', measure);
    IF measure NOT IN ('total_spend', 'clv') THEN
        RAISE EXCEPTION 'create_state_scoring_view: tier_measure must be total_spend or clv, not %', measure
            USING ERRCODE = '22023';
    END IF;
    materialized := coalesce((options->>'materialized')::boolean, materialized);
    -- as_of: an absolute time, or a wall-clock time in the states' time zone
    IF options ? 'as_of' THEN
        as_of_abs := CASE WHEN (options->>'as_of') ~ '([+-][0-9:]+|Z| UTC)$'
                          THEN (options->>'as_of')::timestamptz
                          ELSE (options->>'as_of')::timestamp AT TIME ZONE ref.time_zone END;
        IF as_of_abs IS NULL OR NOT isfinite(as_of_abs) THEN
            RAISE EXCEPTION 'create_state_scoring_view: as_of must be a finite time' USING ERRCODE = '22008';
        END IF;
        as_of_sql := format('((%L::timestamptz AT TIME ZONE %L) AT TIME ZONE ''UTC'')', as_of_abs, ref.time_zone);
    ELSE
        as_of_sql := format('((pg_catalog.now() AT TIME ZONE %L) AT TIME ZONE ''UTC'')', ref.time_zone);
    END IF;
    PERFORM @extschema@.expected_purchases(@extschema@.bgnbd_model(1, 1, 2, 2, unit)::@extschema@.purchase_model,
                                           horizon);
    target := format('%I.%I', default_schema, view_name);

    body := @extschema@.scoring_view_body(ext, format($v$
WITH params AS MATERIALIZED (
    SELECT %3$s AS as_of
), profiles AS (
    SELECT s.%4$I AS customer_id,
           %1$s.crm_profile(s.%5$I, (SELECT pa.as_of FROM params AS pa), %6$L::interval) AS p,
           s.%5$I AS st
      FROM %2$s AS s
)$v$,
        ext, states, as_of_sql, ref.customer_column, ref.state_column, unit),
        $s$WHEN pr.st::text LIKE '%"p":[]}' THEN 'no order time'
                WHEN pr.st::text LIKE '%"first":null%' THEN 'refunds only'
                ELSE 'no purchase before as_of'$s$,
        kind, unit, NULL, NULL, '', bins, NULL, '', horizon, months, discount, measure, NULL, ref.time_zone);

    RETURN @extschema@.scoring_view_create(target, body, materialized,
        format('Customer scores over the profile states in %s (orders of %s, period %s, time zone %s) by crm_loyalty; options %s',
               states, ref.source, ref.period, ref.time_zone, options),
        'states table', ref.period, unit, ref.time_zone, bins, kind, horizon, months, discount, measure,
        'no repeat buyers, not converged, no purchase before as_of, refunds only');
END
$$;
COMMENT ON FUNCTION create_state_scoring_view_in(text, text, regclass, jsonb) IS
'Does the work of create_state_scoring_view: creates the view in default_schema';

CREATE FUNCTION create_state_scoring_view(view_name text, states regclass, options jsonb DEFAULT '{}')
RETURNS regclass
LANGUAGE sql VOLATILE
RETURN @extschema@.create_state_scoring_view_in(pg_catalog.current_schema(), view_name, states, options);
COMMENT ON FUNCTION create_state_scoring_view(text, regclass, jsonb) IS
'Creates a materialized view (or view) of per-customer scores over a table of profile states kept by refresh_profile_states: the columns of create_scoring_view, models and RFM cut points refitted over the stored profiles';

-- The shared transition functions of the three purchase-model fits get
-- names for what they are; renaming keeps every aggregate built on them
-- (the extension's and any outside it) pointing at the same functions.
ALTER FUNCTION bgnbd_fit_trans(btyd_cells, float8, float8, float8) RENAME TO purchase_fit_trans;
ALTER FUNCTION bgnbd_fit_trans(btyd_cells, float8, float8, float8, interval) RENAME TO purchase_fit_trans;
ALTER FUNCTION bgnbd_fit_profile_trans(btyd_cells, customer_profile) RENAME TO purchase_fit_profile_trans;
CREATE OR REPLACE FUNCTION purchase_fit_trans(btyd_cells, float8, float8, float8) RETURNS btyd_cells
AS 'MODULE_PATHNAME', 'purchase_fit_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION purchase_fit_trans(btyd_cells, float8, float8, float8) IS
'Transition function of the purchase-model fits bgnbd_fit, mbgnbd_fit and pareto_nbd_fit (times in days)';
CREATE OR REPLACE FUNCTION purchase_fit_trans(btyd_cells, float8, float8, float8, interval) RETURNS btyd_cells
AS 'MODULE_PATHNAME', 'purchase_fit_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION purchase_fit_trans(btyd_cells, float8, float8, float8, interval) IS
'Transition function of the purchase-model fits bgnbd_fit, mbgnbd_fit and pareto_nbd_fit with a time unit';
CREATE OR REPLACE FUNCTION purchase_fit_profile_trans(btyd_cells, customer_profile) RETURNS btyd_cells
AS 'MODULE_PATHNAME', 'purchase_fit_profile_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION purchase_fit_profile_trans(btyd_cells, customer_profile) IS
'Transition function of the purchase-model fits bgnbd_fit, mbgnbd_fit and pareto_nbd_fit over profiles';
-- The names these transition functions had up to 0.3.x, kept because
-- aggregates defined outside the extension may name them.
CREATE FUNCTION bgnbd_fit_trans(btyd_cells, float8, float8, float8) RETURNS btyd_cells
AS 'MODULE_PATHNAME', 'bgnbd_fit_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION bgnbd_fit_trans(btyd_cells, float8, float8, float8) IS
'Former name of purchase_fit_trans, kept for aggregates defined outside the extension';
CREATE FUNCTION bgnbd_fit_trans(btyd_cells, float8, float8, float8, interval) RETURNS btyd_cells
AS 'MODULE_PATHNAME', 'bgnbd_fit_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION bgnbd_fit_trans(btyd_cells, float8, float8, float8, interval) IS
'Former name of purchase_fit_trans with a time unit, kept for aggregates defined outside the extension';
CREATE FUNCTION bgnbd_fit_profile_trans(btyd_cells, customer_profile) RETURNS btyd_cells
AS 'MODULE_PATHNAME', 'bgnbd_fit_profile_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION bgnbd_fit_profile_trans(btyd_cells, customer_profile) IS
'Former name of purchase_fit_profile_trans, kept for aggregates defined outside the extension';

-- btyd_cells: compact text form (input still reads the JSON of 0.3.x)
COMMENT ON FUNCTION btyd_cells_in(cstring) IS 'Input function of btyd_cells: the compact text form (btyd2:base64) or the JSON form of 0.3.x (kind, unit, cells)';
COMMENT ON FUNCTION btyd_cells_out(btyd_cells) IS 'Output function of btyd_cells: the compact text form (btyd2:base64); round-trips exactly';
COMMENT ON FUNCTION btyd_cells_recv(internal) IS
'Receive function of btyd_cells: binary format version 1 (version byte, kind, unit (purchase models), cell count, cells as float8), unchanged in 0.4; checked like the text input';

-- (section: diagnostics)

---------------------------------------------------------------------------
-- Model diagnostics
-- Results a BI tool can chart as they are: the repeat-purchase histogram,
-- observed vs the fitted purchase model's expectation, and P(alive) and
-- expected purchases over a grid of frequency x recency.
---------------------------------------------------------------------------

-- P(X(t) = x), x = 0 .. buckets-2, and P(X(t) >= buckets-1) for a customer
-- of a purchase model's population.  The model comes as its kind and its
-- text form (model::text) so one function serves every purchase-model type.
CREATE FUNCTION purchase_count_distribution(model_kind text, model text, t float8, buckets integer)
RETURNS float8[] AS 'MODULE_PATHNAME', 'purchase_count_distribution'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION purchase_count_distribution(text, text, float8, integer) IS
'Probabilities of 0, 1, ..., buckets-2 and of buckets-1 or more repeat purchases in a period of length t (model unit) for a new customer of a purchase model (kind bgnbd, mbgnbd or pareto_nbd; the model as text)';

-- repeat_purchase_distribution: customers by their number of repeat
-- purchases up to as_of, observed and expected.  The expected count of
-- bucket x is the sum over the customers of P(X(T_i) = x) with each
-- customer's own age T_i, under the model fitted on the same profiles.
-- Customers in option exclude_customers are left out of both.
CREATE FUNCTION repeat_purchase_distribution(source regclass, customer_column text, ordered_at_column text,
                                             amount_column text, as_of timestamptz, options jsonb DEFAULT '{}')
RETURNS TABLE (bucket integer, repeat_purchases text, observed bigint, expected float8)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    o      record;
    x      record;
    top    integer := 7;
    ext    text;
BEGIN
    IF source IS NULL OR customer_column IS NULL OR ordered_at_column IS NULL
       OR amount_column IS NULL OR as_of IS NULL THEN
        RAISE EXCEPTION 'repeat_purchase_distribution: arguments must not be NULL'
            USING ERRCODE = '22004', HINT = 'Pass the table, its three column names and as_of; options may be left out.';
    END IF;
    o := @extschema@.analyst_options('repeat_purchase_distribution', options,
                                     ARRAY['model', 'period', 'unit', 'max_bucket', 'exclude_customers'], NULL);
    IF o.error_code IS NOT NULL THEN
        RAISE EXCEPTION '%', o.error_message USING ERRCODE = o.error_code, HINT = o.error_hint;
    END IF;
    IF options ? 'max_bucket' THEN
        IF jsonb_typeof(options->'max_bucket') NOT IN ('number', 'string')
           OR (options->>'max_bucket') !~ '^\s*[+-]?[0-9]{1,9}\s*$' THEN
            RAISE EXCEPTION 'repeat_purchase_distribution: option "max_bucket" must be an integer, not %', options->'max_bucket'
                USING ERRCODE = '22023', HINT = 'E.g. {"max_bucket": 7}: buckets 0 to 6 and 7+.';
        END IF;
        top := (options->>'max_bucket')::integer;
        IF top NOT BETWEEN 1 AND 1000 THEN
            RAISE EXCEPTION 'repeat_purchase_distribution: max_bucket % is out of range', top
                USING ERRCODE = '22003', HINT = 'Use an integer from 1 to 1000 (the last bucket holds that number of repeat purchases and more).';
        END IF;
    END IF;
    PERFORM @extschema@.check_columns('repeat_purchase_distribution', source,
                                      ARRAY[customer_column, ordered_at_column, amount_column],
                                      ARRAY['any', 'time', 'number']);
    x := @extschema@.excluded_customers('repeat_purchase_distribution', options, source, customer_column);
    SELECT quote_ident(n.nspname) INTO ext
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'crm_loyalty';
    RETURN QUERY EXECUTE format($q$
    WITH c AS MATERIALIZED (
        SELECT (s.p).frequency, (s.p).recency, (s.p).t
          FROM (SELECT %1$s.crm_profile(o.%4$I, o.%5$I::numeric, $1, $2, $3) AS p
                  FROM %2$s AS o
                 WHERE o.%3$I IS NOT NULL%7$s
                 GROUP BY o.%3$I) AS s
         WHERE s.p IS NOT NULL
    ), m AS MATERIALIZED (
        SELECT %1$s.%6$s_fit(c.frequency, c.recency, c.t, $3)::text AS pm FROM c
    ), ages AS (
        SELECT c.t, count(*) AS k FROM c GROUP BY c.t
    ), e AS (
        SELECT (d.i - 1)::integer AS b, sum(ages.k * d.p) AS x
          FROM ages CROSS JOIN m
          CROSS JOIN LATERAL unnest(%1$s.purchase_count_distribution(%6$L, m.pm, ages.t, $4 + 1))
                     WITH ORDINALITY AS d(p, i)
         GROUP BY 1
    ), obs AS (
        SELECT least(c.frequency, $4)::integer AS b, count(*) AS k FROM c GROUP BY 1
    )
    SELECT g.b, CASE WHEN g.b = $4 THEN g.b || '+' ELSE g.b::text END,
           coalesce(obs.k, 0)::bigint,
           CASE WHEN (SELECT count(*) FROM c) = 0 THEN 0::float8 ELSE e.x END
      FROM generate_series(0, $4) AS g(b)
      LEFT JOIN obs ON obs.b = g.b
      LEFT JOIN e ON e.b = g.b
     ORDER BY g.b$q$, ext, source, customer_column, ordered_at_column, amount_column, o.model,
        CASE WHEN x.rel IS NULL THEN ''
             ELSE format(E'\n                   AND NOT EXISTS (SELECT 1 FROM %s AS x WHERE x.%I = o.%I)',
                         x.rel, x.id_column, customer_column) END)
    USING as_of, o.period, o.unit, top;
END
$$;
COMMENT ON FUNCTION repeat_purchase_distribution(regclass, text, text, text, timestamptz, jsonb) IS
'Customers by number of repeat purchases up to as_of (buckets 0, 1, ..., max_bucket+): observed, and expected under a purchase model (option model, default pareto_nbd) fitted on the same profiles, summing P(X(T) = x) over the customers with each one''s own age T; customers in option exclude_customers are left out';

-- frequency_recency_matrix: P(alive) and expected purchases over a grid of
-- frequency x recency at one age t, under the model fitted on the profiles
-- of a table (without the customers in option exclude_customers), for a
-- heat map.
CREATE FUNCTION frequency_recency_matrix(source regclass, customer_column text, ordered_at_column text,
                                         amount_column text, as_of timestamptz, options jsonb DEFAULT '{}')
RETURNS TABLE (frequency integer, recency float8, t float8, p_alive float8, expected_purchases float8)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    o       record;
    x       record;
    ext     text;
    k       text;
    v       float8;
    age     float8;
    step    float8 := 1;
    horizon float8 := 1;
    top     integer;
    pm      text;
    maxf    float8;
    maxt    float8;
BEGIN
    IF source IS NULL OR customer_column IS NULL OR ordered_at_column IS NULL
       OR amount_column IS NULL OR as_of IS NULL THEN
        RAISE EXCEPTION 'frequency_recency_matrix: arguments must not be NULL'
            USING ERRCODE = '22004', HINT = 'Pass the table, its three column names and as_of; options may be left out.';
    END IF;
    o := @extschema@.analyst_options('frequency_recency_matrix', options,
                                     ARRAY['model', 'period', 'unit', 't', 'max_frequency', 'recency_step', 'horizon',
                                           'exclude_customers'],
                                     NULL);
    IF o.error_code IS NOT NULL THEN
        RAISE EXCEPTION '%', o.error_message USING ERRCODE = o.error_code, HINT = o.error_hint;
    END IF;
    FOREACH k IN ARRAY ARRAY['t', 'max_frequency', 'recency_step', 'horizon'] LOOP
        CONTINUE WHEN NOT options ? k;
        IF jsonb_typeof(options->k) <> 'number' THEN
            RAISE EXCEPTION 'frequency_recency_matrix: option "%" must be a number, not %', k, options->k
                USING ERRCODE = '22023', HINT = 'Lengths are numbers in the unit (option unit, default the period), e.g. {"t": 90}.';
        END IF;
        v := (options->>k)::float8;
        IF k = 'max_frequency' AND (v <> trunc(v) OR v NOT BETWEEN 1 AND 1000) THEN
            RAISE EXCEPTION 'frequency_recency_matrix: max_frequency % is out of range', options->k
                USING ERRCODE = '22003', HINT = 'Use an integer from 1 to 1000.';
        END IF;
        IF k <> 'max_frequency' AND NOT (v > 0 AND v <= 1e6) THEN
            RAISE EXCEPTION 'frequency_recency_matrix: option "%" must be positive and at most 1e6, not %', k, options->k
                USING ERRCODE = '22003', HINT = 'Lengths are numbers in the unit (option unit, default the period).';
        END IF;
        CASE k
            WHEN 't' THEN age := v;
            WHEN 'max_frequency' THEN top := v::integer;
            WHEN 'recency_step' THEN step := v;
            ELSE horizon := v;
        END CASE;
    END LOOP;
    PERFORM @extschema@.check_columns('frequency_recency_matrix', source,
                                      ARRAY[customer_column, ordered_at_column, amount_column],
                                      ARRAY['any', 'time', 'number']);
    x := @extschema@.excluded_customers('frequency_recency_matrix', options, source, customer_column);
    SELECT quote_ident(n.nspname) INTO ext
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'crm_loyalty';
    EXECUTE format($q$
    WITH c AS MATERIALIZED (
        SELECT (s.p).frequency, (s.p).recency, (s.p).t
          FROM (SELECT %1$s.crm_profile(o.%4$I, o.%5$I::numeric, $1, $2, $3) AS p
                  FROM %2$s AS o
                 WHERE o.%3$I IS NOT NULL%7$s
                 GROUP BY o.%3$I) AS s
         WHERE s.p IS NOT NULL
    )
    SELECT %1$s.%6$s_fit(c.frequency, c.recency, c.t, $3)::text, max(c.frequency), max(c.t) FROM c$q$,
        ext, source, customer_column, ordered_at_column, amount_column, o.model,
        CASE WHEN x.rel IS NULL THEN ''
             ELSE format(E'\n                   AND NOT EXISTS (SELECT 1 FROM %s AS x WHERE x.%I = o.%I)',
                         x.rel, x.id_column, customer_column) END)
    INTO pm, maxf, maxt
    USING as_of, o.period, o.unit;
    IF pm IS NULL THEN
        RAISE EXCEPTION 'frequency_recency_matrix: % has no customer with an order up to %', source, as_of
            USING ERRCODE = '22023', HINT = 'The model is fitted on the customers'' profiles at as_of; choose a later as_of.';
    END IF;
    age := coalesce(age, maxt);
    top := coalesce(top, least(greatest(maxf, 1), 1000)::integer);
    IF (top + 1)::float8 * (floor(age / step) + 1) > 1000000 THEN
        RAISE EXCEPTION 'frequency_recency_matrix: the grid of % frequencies x % recencies is too large',
                        top + 1, floor(age / step) + 1
            USING ERRCODE = '54000', HINT = 'Use a larger recency_step or a smaller max_frequency (at most 1,000,000 cells).';
    END IF;
    RETURN QUERY EXECUTE format($q$
    SELECT f.f, r.r, $3, %1$s.p_alive(f.f, r.r, $3, $1::%1$s.%2$I),
           %1$s.expected_purchases($5, f.f::float8, r.r, $3, $1::%1$s.%2$I)
      FROM generate_series(0, $2) AS f(f)
      CROSS JOIN LATERAL (SELECT g * $4 AS r FROM generate_series(0, floor($3 / $4)::integer) AS g) AS r
     WHERE f.f > 0 OR r.r = 0
     ORDER BY 1, 2$q$, ext, o.model || '_model')
    USING pm, top, age, step, horizon;
END
$$;
COMMENT ON FUNCTION frequency_recency_matrix(regclass, text, text, text, timestamptz, jsonb) IS
'P(alive) and expected purchases in the next horizon over a grid of frequency (0 .. max_frequency) x recency (0, recency_step, ... up to t), at customer age t, under a purchase model (option model, default pareto_nbd) fitted on the profiles at as_of (without the customers in option exclude_customers); lengths in the unit (default the period)';

-- (section: uncertainty)

-- (section: scores)

-- (section: speed)
-- The planner now knows the real size of the internal transition states of
-- crm_profile (about 512 bytes per customer) and crm_profile_state /
-- profile_state_merge (about 672); without it, it assumed 8 kB per group and
-- avoided hash aggregation for large GROUP BYs.

CREATE OR REPLACE AGGREGATE crm_profile(order_ts timestamptz, amount numeric, as_of timestamptz) (
    SFUNC = crm_profile_trans,
    STYPE = internal,
    SSPACE = 512,
    FINALFUNC = crm_profile_final,
    COMBINEFUNC = crm_profile_combine,
    SERIALFUNC = crm_profile_serialize,
    DESERIALFUNC = crm_profile_deserialize,
    PARALLEL = SAFE
);

CREATE OR REPLACE AGGREGATE crm_profile(order_ts timestamptz, amount numeric, as_of timestamptz, period interval) (
    SFUNC = crm_profile_trans,
    STYPE = internal,
    SSPACE = 512,
    FINALFUNC = crm_profile_final,
    COMBINEFUNC = crm_profile_combine,
    SERIALFUNC = crm_profile_serialize,
    DESERIALFUNC = crm_profile_deserialize,
    PARALLEL = SAFE
);

CREATE OR REPLACE AGGREGATE crm_profile(order_ts timestamptz, amount numeric, as_of timestamptz, period interval, unit interval) (
    SFUNC = crm_profile_trans,
    STYPE = internal,
    SSPACE = 512,
    FINALFUNC = crm_profile_final,
    COMBINEFUNC = crm_profile_combine,
    SERIALFUNC = crm_profile_serialize,
    DESERIALFUNC = crm_profile_deserialize,
    PARALLEL = SAFE
);

CREATE OR REPLACE AGGREGATE crm_profile_state(order_ts timestamptz, amount numeric) (
    SFUNC = crm_profile_state_trans,
    STYPE = internal,
    SSPACE = 672,
    FINALFUNC = crm_profile_state_final,
    COMBINEFUNC = crm_profile_state_combine,
    SERIALFUNC = crm_profile_state_serialize,
    DESERIALFUNC = crm_profile_state_deserialize,
    PARALLEL = SAFE
);

CREATE OR REPLACE AGGREGATE crm_profile_state(order_ts timestamptz, amount numeric, period interval) (
    SFUNC = crm_profile_state_trans,
    STYPE = internal,
    SSPACE = 672,
    FINALFUNC = crm_profile_state_final,
    COMBINEFUNC = crm_profile_state_combine,
    SERIALFUNC = crm_profile_state_serialize,
    DESERIALFUNC = crm_profile_state_deserialize,
    PARALLEL = SAFE
);

CREATE OR REPLACE AGGREGATE profile_state_merge(state profile_state) (
    SFUNC = profile_state_merge_trans,
    STYPE = internal,
    SSPACE = 672,
    FINALFUNC = crm_profile_state_final,
    COMBINEFUNC = crm_profile_state_combine,
    SERIALFUNC = crm_profile_state_serialize,
    DESERIALFUNC = crm_profile_state_deserialize,
    PARALLEL = SAFE
);

-- (section: viewsql)
-- create_scoring_view and create_state_scoring_view take the scoring query,
-- its creation and its column comments from two shared functions
-- (create_state_scoring_view_in, new in this version, is created above with
-- its final body; create_scoring_view_in is replaced here once)

CREATE FUNCTION scoring_view_body(ext text, profiles_sql text, no_profile_status text, kind text,
                                  unit interval, stored_name text, gg_name text, model_group text,
                                  bins integer, breaks_sql text, rules_sql text, horizon interval,
                                  months integer, discount float8, measure text, scheme_sql text,
                                  time_zone text)
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
SET IntervalStyle = 'postgres'
AS $$
DECLARE
    pm_sql        text;
    pm_status_sql text;
    gg_sql        text;
    gg_status_sql text;
BEGIN
    -- Aggregates inside a view cannot be caught, so each fit runs only over
    -- data that can identify it (fits raise 22023 when nobody repeated), and
    -- each score only with a usable model (converged, or a limiting model).
    IF stored_name IS NOT NULL THEN
        pm_sql := format('(SELECT %1$s.find_stored_model(%2$L, %3$L, %4$L)::%1$s.%4$s_model)',
                         ext, stored_name, model_group, kind);
        pm_status_sql := format($s$CASE WHEN mf.pm IS NULL THEN 'stored model missing'
                   WHEN extract(epoch FROM (mf.pm::jsonb->>'unit')::interval) <> %L THEN 'stored model in another unit'$s$,
                   extract(epoch FROM unit));
    ELSE
        pm_sql := format($s$(SELECT %1$s.%2$s_fit(pr.p) FROM profiles AS pr
          WHERE pr.p IS NOT NULL AND (SELECT st.repeaters FROM stats AS st) > 0)$s$, ext, kind);
        pm_status_sql := $s$CASE WHEN st.repeaters = 0 THEN 'no repeat buyers'
                   WHEN mf.pm IS NULL THEN 'no purchase model'$s$;
    END IF;
    pm_status_sql := pm_status_sql || $s$
                   WHEN (mf.pm::jsonb->>'converged')::boolean IS NOT TRUE THEN 'not converged'
                   WHEN mf.pm::jsonb ? 'limit' THEN 'boundary: ' || replace(mf.pm::jsonb->>'limit', '_', ' ')
                   ELSE 'ok' END$s$;
    IF gg_name IS NOT NULL THEN
        gg_sql := format('(SELECT %1$s.find_stored_model(%2$L, %3$L, ''gamma_gamma'')::%1$s.gamma_gamma_model)',
                         ext, gg_name, model_group);
        gg_status_sql := $s$CASE WHEN mf.gg IS NULL THEN 'stored spend model missing'$s$;
    ELSE
        gg_sql := format($s$(SELECT %1$s.gamma_gamma_fit(pr.p) FROM profiles AS pr
          WHERE (pr.p).frequency > 0 AND (pr.p).monetary > 0 AND (SELECT st.spenders FROM stats AS st) > 1)$s$, ext);
        gg_status_sql := $s$CASE WHEN st.spenders = 0 THEN 'no repeat spend'
                   WHEN st.spenders = 1 THEN 'one repeat buyer: no spend model'$s$;
    END IF;
    gg_status_sql := gg_status_sql || $s$
                   WHEN (mf.gg::jsonb->>'converged')::boolean IS NOT TRUE THEN 'spend model not converged'
                   WHEN mf.gg::jsonb ? 'limit' THEN 'boundary: ' || replace(mf.gg::jsonb->>'limit', '_', ' ')
                   ELSE 'ok' END$s$;
    breaks_sql := coalesce(breaks_sql, format(
        '(SELECT %s.rfm_breaks((pr.p).recency_days, (pr.p).frequency, (pr.p).monetary, %s) FROM profiles AS pr WHERE pr.p IS NOT NULL)',
        ext, bins));
    scheme_sql := coalesce(scheme_sql, format(
        '(SELECT %s.loyalty_scheme(s2.%I::numeric) FROM scored AS s2 WHERE s2.%2$I IS NOT NULL)', ext, measure));

    RETURN profiles_sql || format($v$, stats AS MATERIALIZED (
    SELECT count(pr.p) FILTER (WHERE (pr.p).frequency > 0) AS repeaters,
           count(pr.p) FILTER (WHERE (pr.p).frequency > 0 AND (pr.p).monetary > 0) AS spenders
      FROM profiles AS pr
), fitted AS MATERIALIZED (
    SELECT %3$s AS breaks, %4$s AS pm, %5$s AS gg
), status AS (
    SELECT mf.breaks, mf.pm, mf.gg,
           %6$s AS pm_status,
           %7$s AS gg_status
      FROM fitted AS mf CROSS JOIN stats AS st
), model AS MATERIALIZED (
    SELECT ms.breaks, ms.pm, ms.gg, ms.pm_ok, ms.gg_ok,
           CASE WHEN NOT ms.pm_ok THEN ms.pm_status
                WHEN NOT ms.gg_ok THEN ms.gg_status
                ELSE coalesce(nullif(concat_ws('; ', nullif(ms.pm_status, 'ok'), nullif(ms.gg_status, 'ok')), ''), 'ok')
           END AS status
      FROM (SELECT s.*, s.pm_status = 'ok' OR s.pm_status LIKE 'boundary:%%' AS pm_ok,
                   s.gg_status = 'ok' OR s.gg_status LIKE 'boundary:%%' AS gg_ok
              FROM status AS s) AS ms
), scored AS (
    SELECT pr.customer_id, pr.p,
           CASE WHEN pr.p IS NOT NULL
                THEN %1$s.rfm_score((pr.p).recency_days, (pr.p).frequency, (pr.p).monetary, m.breaks%8$s) END AS rfm,
           CASE WHEN pr.p IS NOT NULL AND m.pm_ok THEN %1$s.p_alive(pr.p, m.pm) END AS p_alive,
           CASE WHEN pr.p IS NOT NULL AND m.pm_ok
                THEN %1$s.expected_purchases(pr.p, m.pm, %9$L::interval) END AS expected_purchases,
           CASE WHEN pr.p IS NOT NULL AND m.gg_ok THEN %1$s.expected_spend(pr.p, m.gg) END AS expected_spend,
           CASE WHEN pr.p IS NOT NULL AND m.pm_ok AND m.gg_ok
                THEN %1$s.clv_estimate(pr.p, m.pm, m.gg, %10$L::integer, %11$L::float8) END AS clv,
           (pr.p).total_spend AS total_spend,
           CASE WHEN pr.p IS NOT NULL AND m.pm_ok THEN %12$L::text END AS purchase_model,
           CASE WHEN pr.p IS NOT NULL THEN m.status
                %2$s END AS model_status
      FROM profiles AS pr CROSS JOIN model AS m
)
SELECT s.customer_id,
       ((s.p).first_order AT TIME ZONE 'UTC') AT TIME ZONE %13$L AS first_order,
       ((s.p).last_order AT TIME ZONE 'UTC') AT TIME ZONE %13$L AS last_order,
       (s.p).orders AS orders,
       (s.p).frequency AS frequency,
       (s.p).recency AS recency,
       (s.p).t AS t,
       (s.p).recency_days AS recency_days,
       (s.p).total_spend AS total_spend,
       (s.p).monetary AS monetary,
       (s.rfm).r AS r,
       (s.rfm).f AS f,
       (s.rfm).m AS m,
       (s.rfm).cell AS rfm_cell,
       (s.rfm).segment AS segment,
       s.p_alive,
       1.0::float8 - s.p_alive AS churn_probability,
       s.expected_purchases,
       s.expected_spend,
       s.clv,
       %1$s.loyalty_tier(s.%14$I::numeric, t.scheme) AS tier,
       s.purchase_model,
       s.model_status
  FROM scored AS s CROSS JOIN (SELECT %15$s AS scheme) AS t$v$,
        ext, no_profile_status, breaks_sql, pm_sql, gg_sql, pm_status_sql, gg_status_sql, rules_sql,
        horizon, months, discount, kind, time_zone, measure, scheme_sql);
END
$$;
COMMENT ON FUNCTION scoring_view_body(text, text, text, text, interval, text, text, text, integer, text, text, interval, integer, float8, text, text, text) IS
'The query of a scoring view after its profiles CTE (which gives customer_id and the profile p): the model fits or stored models with their status, the scores and the columns, for create_scoring_view and create_state_scoring_view';

CREATE FUNCTION scoring_view_create(target text, body text, materialized boolean, view_comment text,
                                    customer_source text, period interval, unit interval, time_zone text,
                                    bins integer, kind text, horizon interval, months integer,
                                    discount float8, measure text, status_examples text)
RETURNS regclass
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
SET IntervalStyle = 'postgres'
AS $$
DECLARE
    kind_label text := CASE kind WHEN 'bgnbd' THEN 'BG/NBD' WHEN 'mbgnbd' THEN 'MBG/NBD' ELSE 'Pareto/NBD' END;
    col        record;
BEGIN
    IF materialized THEN
        EXECUTE format('CREATE MATERIALIZED VIEW %s AS %s', target, body);
        EXECUTE format('CREATE UNIQUE INDEX ON %s (customer_id)', target);
    ELSE
        EXECUTE format('CREATE VIEW %s WITH (security_invoker = true) AS %s', target, body);
    END IF;
    EXECUTE format('COMMENT ON %s %s IS %L',
                   CASE WHEN materialized THEN 'MATERIALIZED VIEW' ELSE 'VIEW' END, target, view_comment);
    FOR col IN SELECT * FROM (VALUES
        ('customer_id', format('Customer identifier, as in the %s', customer_source)),
        ('first_order', 'Time of the customer''s first purchase'),
        ('last_order', 'Time of the customer''s last purchase up to the observation end'),
        ('orders', 'Number of purchase rows (refund rows not counted)'),
        ('frequency', format('Repeat purchase periods (purchase periods of %s - 1); BTYD frequency', period)),
        ('recency', format('First to last purchase period, in units of %s; BTYD recency', unit)),
        ('t', format('First purchase period to the observation end, in units of %s; BTYD age T', unit)),
        ('recency_days', format('Days since the last purchase period (RFM recency), in the calendar of %s', time_zone)),
        ('total_spend', 'Exact sum of all amounts, refunds included'),
        ('monetary', 'Mean net amount of the repeat purchase periods (0 without repeat purchases)'),
        ('r', format('Recency score 1..%s (%s = most recent)', bins, bins)),
        ('f', format('Frequency score 1..%s', bins)),
        ('m', format('Monetary score 1..%s', bins)),
        ('rfm_cell', 'R, F and M scores as text, e.g. 545'),
        ('segment', 'RFM segment name (first matching rule; Others if none)'),
        ('p_alive', format('Probability that the customer is still active (%s), 0..1; NULL when model_status says the model cannot score', kind_label)),
        ('churn_probability', format('1 - p_alive: probability that the customer has churned (%s)', kind_label)),
        ('expected_purchases', format('Expected purchases in the next %s (%s)', horizon, kind_label)),
        ('expected_spend', 'Expected spend per purchase (Gamma-Gamma), in the currency of the amounts'),
        ('clv', format('Customer lifetime value (%s and Gamma-Gamma): discounted expected spend over %s months at %s per month',
                       kind_label, months, discount)),
        ('tier', format('Loyalty tier by %s', measure)),
        ('purchase_model', 'Purchase model that scored the row (bgnbd, mbgnbd or pareto_nbd); NULL when none could'),
        ('model_status', format('ok, or why model columns are NULL or at a limit (e.g. %s)', status_examples))
        ) AS c(name, comment)
    LOOP
        EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', target, col.name, col.comment);
    END LOOP;
    RETURN target::regclass;
END
$$;
COMMENT ON FUNCTION scoring_view_create(text, text, boolean, text, text, interval, interval, text, integer, text, interval, integer, float8, text, text) IS
'Creates a scoring view (or materialized view with a unique index on customer_id) from its query and comments it and its columns, for create_scoring_view and create_state_scoring_view';

CREATE OR REPLACE FUNCTION create_scoring_view_in(default_schema text, view_name text, source regclass,
                                       customer_column text, ordered_at_column text,
                                       amount_column text, options jsonb DEFAULT '{}')
RETURNS regclass
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
SET IntervalStyle = 'postgres'
AS $$
DECLARE
    ext           text;
    target_schema text;
    target        text;
    d             record := @extschema@.crm_loyalty_defaults();
    tz            text := d.time_zone;
    as_of_given   boolean;
    as_of_abs     timestamptz;
    as_of_sql     text;
    period        interval := d.period;
    unit          interval;
    bins          integer := d.rfm_bins;
    cut_points    @extschema@.rfm_cut_points;
    breaks_sql    text;
    rules_sql     text := '';
    kind          text;
    stored_name   text;
    gg_name       text;
    grp           text := '';
    stored_text   text;
    scheme_sql    text;
    measure       text := d.tier_measure;
    horizon       interval := d.view_horizon;
    iv            interval;
    months        integer := d.clv_months;
    discount      float8 := d.monthly_discount;
    materialized  boolean := false;
    ts_type       regtype;
    amount_type   regtype;
    ts_sql        text;
    body          text;
    result        regclass;
    col           record;
    k             text;
    v             jsonb;
    num           numeric;
    a_utc         timestamptz;
    a_far         timestamptz;
    st            text;
    msg           text;
    det           text;
    hnt           text;
    xc            record;
    exclude_sql   text := '';
    known         text[] := ARRAY['schema', 'as_of', 'time_zone', 'period', 'unit', 'bins',
                                  'rfm_cut_points', 'rfm_rule_set', 'tier_scheme', 'tier_measure',
                                  'model', 'purchase_model', 'bgnbd_model', 'gamma_gamma_model',
                                  'model_group', 'horizon', 'clv_months', 'monthly_discount',
                                  'materialized', 'exclude_customers'];
    hints         jsonb := jsonb_build_object(
        'schema', 'Name an existing schema, e.g. {"schema": "bi"}, or leave it out for the current schema.',
        'as_of', 'Give a finite time as a string, e.g. "2026-01-01" (read in time_zone) or "2026-01-01 00:00+01"; leave it out to score as of now().',
        'time_zone', 'Use a name from pg_timezone_names, e.g. "Europe/Berlin"; the default is "UTC".',
        'period', 'Use a positive fixed length as a string, e.g. "1 day" or "7 days"; months and years have no fixed length.',
        'unit', 'Use a positive fixed length as a string, e.g. "7 days"; months and years have no fixed length.',
        'bins', 'Use an integer from 2 to 100 (the named segments need 5).',
        'rfm_cut_points', 'Pass a stored rfm_cut_points value as text, e.g. rfm_breaks(...)::text.',
        'rfm_rule_set', 'Name a rule set of rfm_segment_rules.',
        'tier_scheme', 'Pass a stored tier_scheme value as text, e.g. loyalty_scheme(...)::text.',
        'tier_measure', 'Use "total_spend" or "clv".',
        'model', 'Use "bgnbd", "mbgnbd" or "pareto_nbd".',
        'purchase_model', 'Name a model stored with fit_models() in the same unit, of the kind given by "model".',
        'bgnbd_model', 'Name a BG/NBD model stored with fit_models() in the same unit.',
        'gamma_gamma_model', 'Name a Gamma-Gamma model stored with fit_models().',
        'model_group', 'Give the group key of the stored models as a string.',
        'horizon', 'Give an interval as a string, e.g. "90 days"; a bare number has no unit.',
        'clv_months', 'Use an integer from 1 to 1200.',
        'monthly_discount', 'Use a number from 0 up to (not including) 1, e.g. 0.01.',
        'materialized', 'Use true or false.',
        'exclude_customers', 'Name a table or view whose first column holds the ids of customers who objected to profiling.');
BEGIN
    IF view_name IS NULL OR source IS NULL OR customer_column IS NULL
       OR ordered_at_column IS NULL OR amount_column IS NULL THEN
        RAISE EXCEPTION 'create_scoring_view: view_name, source and the three column names must not be NULL'
            USING ERRCODE = '22004';
    END IF;
    options := coalesce(options, '{}');
    SELECT e.error_code, e.error_message, e.error_hint INTO st, msg, hnt
      FROM @extschema@.option_keys_error('create_scoring_view', options, known) AS e;
    IF st IS NOT NULL THEN
        RAISE EXCEPTION '%', msg USING ERRCODE = st, HINT = hnt;
    END IF;

    -- the columns must exist, with types the view can read
    FOR col IN SELECT c.name, c.role FROM (VALUES (customer_column, 'customer_column'),
                                                  (ordered_at_column, 'ordered_at_column'),
                                                  (amount_column, 'amount_column')) AS c(name, role)
    LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_attribute a
                        WHERE a.attrelid = source AND a.attname = col.name
                          AND a.attnum > 0 AND NOT a.attisdropped) THEN
            RAISE EXCEPTION 'create_scoring_view: % has no column "%" (%)', source, col.name, col.role
                USING ERRCODE = '42703';
        END IF;
    END LOOP;
    -- domains are read as their base types
    SELECT CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END::regtype INTO ts_type
      FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
     WHERE a.attrelid = source AND a.attname = ordered_at_column;
    IF ts_type NOT IN ('timestamptz'::regtype, 'timestamp'::regtype, 'date'::regtype) THEN
        RAISE EXCEPTION 'create_scoring_view: column "%" is of type %, not a time', ordered_at_column, ts_type
            USING ERRCODE = '42804',
                  HINT = 'ordered_at_column must be timestamptz, timestamp or date; cast it in a view over the table.';
    END IF;
    SELECT CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END::regtype INTO amount_type
      FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
     WHERE a.attrelid = source AND a.attname = amount_column;
    IF NOT EXISTS (SELECT 1 FROM pg_type t WHERE t.oid = amount_type AND t.typcategory = 'N') THEN
        RAISE EXCEPTION 'create_scoring_view: column "%" is of type %, not a number', amount_column, amount_type
            USING ERRCODE = '42804',
                  HINT = 'amount_column must be numeric, an integer or a float type; cast it in a view over the table.';
    END IF;

    SELECT quote_ident(n.nspname) INTO ext
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'crm_loyalty';

    -- Customers who objected to profiling: the view reads the table at
    -- every SELECT, so it always leaves out whoever is listed then.
    xc := @extschema@.excluded_customers('create_scoring_view', options, source, customer_column);
    IF xc.rel IS NOT NULL THEN
        exclude_sql := format(E'\n       AND NOT EXISTS (SELECT 1 FROM %s AS x WHERE x.%I = o.%I)',
                              xc.rel, xc.id_column, customer_column);
    END IF;

    -- Every option is checked here, before any SQL is built: a view that
    -- would fail on every read is never created.  Errors carry the option's
    -- name, the cast's own SQLSTATE (class 22) and a hint.
    BEGIN
        k := 'schema';
        IF options ? k THEN
            IF jsonb_typeof(options->k) <> 'string' THEN
                RAISE EXCEPTION 'must be a string' USING ERRCODE = '22023';
            END IF;
            target_schema := options->>k;
            IF NOT EXISTS (SELECT 1 FROM pg_namespace n WHERE n.nspname = target_schema) THEN
                RAISE EXCEPTION 'schema "%" does not exist', target_schema USING ERRCODE = '3F000';
            END IF;
        ELSE
            target_schema := default_schema;
            IF target_schema IS NULL THEN
                RAISE EXCEPTION 'no schema to create the view in' USING ERRCODE = '3F000',
                      DETAIL = 'The search_path names no existing schema.';
            END IF;
        END IF;

        k := 'time_zone';
        IF options ? k THEN
            IF jsonb_typeof(options->k) <> 'string' THEN
                RAISE EXCEPTION 'must be a string' USING ERRCODE = '22023';
            END IF;
            SELECT z.name INTO tz FROM pg_timezone_names AS z
             WHERE lower(z.name) = lower(options->>k)
             ORDER BY z.name = options->>k DESC, z.name LIMIT 1;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'unknown time zone "%"', options->>k USING ERRCODE = '22023';
            END IF;
        END IF;

        FOREACH k IN ARRAY ARRAY['period', 'unit', 'horizon'] LOOP
            IF options ? k THEN
                IF jsonb_typeof(options->k) <> 'string' THEN
                    RAISE EXCEPTION 'must be an interval given as a string, not %', options->k
                        USING ERRCODE = '22023';
                END IF;
                IF k = 'period' THEN period := (options->>k)::interval;
                ELSIF k = 'unit' THEN unit := (options->>k)::interval;
                ELSE horizon := (options->>k)::interval;
                END IF;
            END IF;
        END LOOP;
        unit := coalesce(unit, period);
        FOREACH k IN ARRAY ARRAY['period', 'unit', 'horizon'] LOOP
            iv := CASE k WHEN 'period' THEN period WHEN 'unit' THEN unit ELSE horizon END;
            IF extract(year FROM iv) <> 0 OR extract(month FROM iv) <> 0 THEN
                RAISE EXCEPTION '"%" is not a fixed length of time', coalesce(options->>k, iv::text)
                    USING ERRCODE = '22023';
            END IF;
            IF extract(epoch FROM iv) <= 0 THEN
                RAISE EXCEPTION '"%" is not positive', coalesce(options->>k, iv::text) USING ERRCODE = '22023';
            END IF;
        END LOOP;

        k := 'as_of';
        as_of_given := options ? k;
        IF as_of_given THEN
            IF jsonb_typeof(options->k) = 'null' THEN
                RAISE EXCEPTION 'must not be null' USING ERRCODE = '22004';
            END IF;
            IF jsonb_typeof(options->k) <> 'string' THEN
                RAISE EXCEPTION 'must be a time given as a string' USING ERRCODE = '22023';
            END IF;
            -- A time without an offset is a wall-clock time in time_zone: it
            -- parses to different instants under two session zones.
            a_utc := (options->>k)::timestamptz;
            PERFORM set_config('TimeZone', 'Etc/GMT+12', true);
            a_far := (options->>k)::timestamptz;
            PERFORM set_config('TimeZone', 'UTC', true);
            IF a_utc IS DISTINCT FROM a_far THEN
                as_of_abs := (options->>k)::timestamp AT TIME ZONE tz;
            ELSE
                as_of_abs := a_utc;
            END IF;
            IF NOT isfinite(as_of_abs) THEN
                RAISE EXCEPTION '"%" is not a finite time', options->>k USING ERRCODE = '22008';
            END IF;
        END IF;

        -- the profile aggregate accepts these times and lengths
        k := 'period';
        PERFORM @extschema@.crm_profile(x, 1::numeric, x, period, period)
           FROM (VALUES (coalesce(as_of_abs, now()))) AS s(x);
        k := 'unit';
        PERFORM @extschema@.crm_profile(x, 1::numeric, x, period, unit)
           FROM (VALUES (coalesce(as_of_abs, now()))) AS s(x);
        k := 'horizon';
        PERFORM @extschema@.expected_purchases(@extschema@.bgnbd_model(1, 1, 2, 2, unit)::@extschema@.purchase_model,
                                               horizon);

        k := 'bins';
        IF options ? k THEN
            IF jsonb_typeof(options->k) NOT IN ('number', 'string') THEN
                RAISE EXCEPTION 'must be an integer' USING ERRCODE = '22023';
            END IF;
            bins := (options->>k)::integer;
            IF bins NOT BETWEEN 2 AND 100 THEN
                RAISE EXCEPTION '% is out of range', bins USING ERRCODE = '22003';
            END IF;
        END IF;
        k := 'rfm_cut_points';
        IF options ? k THEN
            IF jsonb_typeof(options->k) <> 'string' THEN
                RAISE EXCEPTION 'must be a string' USING ERRCODE = '22023';
            END IF;
            cut_points := (options->>k)::@extschema@.rfm_cut_points;
            IF options ? 'bins' AND (cut_points).bins <> bins THEN
                RAISE EXCEPTION 'the cut points have % bins, not %', (cut_points).bins, bins
                    USING ERRCODE = '22023';
            END IF;
            bins := (cut_points).bins;
            PERFORM @extschema@.rfm_score(1, 1, 1, cut_points);
            breaks_sql := format('%L::%s.rfm_cut_points', cut_points::text, ext);
        ELSE
            breaks_sql := NULL;
        END IF;
        k := 'rfm_rule_set';
        IF options ? k THEN
            IF jsonb_typeof(options->k) <> 'string' THEN
                RAISE EXCEPTION 'must be a string' USING ERRCODE = '22023';
            END IF;
            PERFORM @extschema@.rfm_rules(options->>k);
            rules_sql := format(', %s.rfm_rules(%L)', ext, options->>k);
        END IF;
        k := 'tier_measure';
        IF options ? k THEN
            measure := options->>k;
            IF measure IS NULL OR measure NOT IN ('total_spend', 'clv') THEN
                RAISE EXCEPTION 'must be total_spend or clv, not %', options->k USING ERRCODE = '22023';
            END IF;
        END IF;
        k := 'tier_scheme';
        IF options ? k THEN
            IF jsonb_typeof(options->k) <> 'string' THEN
                RAISE EXCEPTION 'must be a string' USING ERRCODE = '22023';
            END IF;
            scheme_sql := format('%L::%s.tier_scheme', ((options->>k)::@extschema@.tier_scheme)::text, ext);
            PERFORM @extschema@.loyalty_tier(0, (options->>k)::@extschema@.tier_scheme);
        END IF;

        FOREACH k IN ARRAY ARRAY['clv_months', 'monthly_discount'] LOOP
            IF options ? k THEN
                IF jsonb_typeof(options->k) NOT IN ('number', 'string') THEN
                    RAISE EXCEPTION 'must be a number' USING ERRCODE = '22023';
                END IF;
                IF k = 'clv_months' THEN
                    months := (options->>k)::integer;
                    IF months NOT BETWEEN 1 AND 1200 THEN
                        RAISE EXCEPTION '% is out of range', months USING ERRCODE = '22003';
                    END IF;
                ELSE
                    discount := (options->>k)::float8;
                    IF discount = 'NaN'::float8 OR discount < 0 OR discount >= 1 THEN
                        RAISE EXCEPTION '% is out of range', discount USING ERRCODE = '22003';
                    END IF;
                END IF;
            END IF;
        END LOOP;

        k := 'materialized';
        IF options ? k THEN
            IF jsonb_typeof(options->k) NOT IN ('boolean', 'string') THEN
                RAISE EXCEPTION 'must be true or false' USING ERRCODE = '22023';
            END IF;
            materialized := (options->>k)::boolean;
            IF materialized IS NULL THEN
                RAISE EXCEPTION 'must be true or false' USING ERRCODE = '22023';
            END IF;
        END IF;

        -- the purchase model: its kind, and a stored one or a fit
        k := 'model';
        IF options ? k THEN
            kind := options->>k;
            IF kind IS NULL OR kind NOT IN ('bgnbd', 'mbgnbd', 'pareto_nbd') THEN
                RAISE EXCEPTION 'unknown model %', options->k USING ERRCODE = '22023';
            END IF;
        END IF;
        k := 'model_group';
        IF options ? k THEN
            IF jsonb_typeof(options->k) <> 'string' THEN
                RAISE EXCEPTION 'must be a string' USING ERRCODE = '22023';
            END IF;
            grp := options->>k;
        END IF;
        k := 'bgnbd_model';
        IF options ? k THEN
            IF options ? 'purchase_model' THEN
                RAISE EXCEPTION 'give bgnbd_model or purchase_model, not both' USING ERRCODE = '22023';
            END IF;
            IF coalesce(kind, 'bgnbd') <> 'bgnbd' THEN
                RAISE EXCEPTION 'names a BG/NBD model, but model is %', kind USING ERRCODE = '22023';
            END IF;
            kind := 'bgnbd';
        END IF;
        FOREACH k IN ARRAY ARRAY['bgnbd_model', 'purchase_model', 'gamma_gamma_model'] LOOP
            IF options ? k THEN
                IF jsonb_typeof(options->k) <> 'string' THEN
                    RAISE EXCEPTION 'must be a model name given as a string' USING ERRCODE = '22023';
                END IF;
                IF k = 'gamma_gamma_model' THEN
                    gg_name := options->>k;
                    PERFORM @extschema@.stored_model(gg_name, grp, 'gamma_gamma');
                    CONTINUE;
                END IF;
                stored_name := options->>k;
                IF kind IS NULL THEN
                    -- the kind of the stored model, when the name has one
                    SELECT array_agg(x) INTO known
                      FROM unnest(ARRAY['bgnbd', 'mbgnbd', 'pareto_nbd']) AS x
                     WHERE @extschema@.find_stored_model(stored_name, grp, x) IS NOT NULL;
                    IF cardinality(known) > 1 THEN
                        RAISE EXCEPTION 'models of several kinds (%) are stored as "%"',
                                        array_to_string(known, ', '), stored_name
                            USING ERRCODE = '22023', HINT = 'Choose one with {"model": "..."}.';
                    END IF;
                    kind := coalesce(known[1], d.purchase_model);
                END IF;
                stored_text := @extschema@.stored_model(stored_name, grp, kind);
                v := CASE kind WHEN 'bgnbd' THEN stored_text::@extschema@.bgnbd_model::jsonb
                               WHEN 'mbgnbd' THEN stored_text::@extschema@.mbgnbd_model::jsonb
                               ELSE stored_text::@extschema@.pareto_nbd_model::jsonb END;
                IF extract(epoch FROM (v->>'unit')::interval) <> extract(epoch FROM unit) THEN
                    RAISE EXCEPTION 'the stored model "%" is in units of %, the view in units of %',
                                    stored_name, v->>'unit', unit
                        USING ERRCODE = '22023',
                              HINT = format('Pass {"unit": "%s"}, or store a model fitted in units of %s.', v->>'unit', unit);
                END IF;
            END IF;
        END LOOP;
        kind := coalesce(kind, d.purchase_model);
    EXCEPTION WHEN data_exception OR invalid_schema_name THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, hnt = PG_EXCEPTION_HINT;
        RAISE EXCEPTION 'create_scoring_view: option "%": %', k, msg
            USING ERRCODE = st, HINT = coalesce(nullif(hnt, ''), hints->>k);
    END;
    target := format('%I.%I', target_schema, view_name);

    -- Times are read in the shop's calendar: every time becomes the
    -- wall-clock time in time_zone, written as if it were UTC, so that the
    -- profile's UTC period arithmetic counts the shop's days and weeks.
    -- Nothing depends on the TimeZone of the session that reads the view.
    ts_sql := CASE ts_type
        WHEN 'timestamptz'::regtype THEN format('((o.%I::pg_catalog.timestamptz AT TIME ZONE %L) AT TIME ZONE ''UTC'')', ordered_at_column, tz)
        WHEN 'timestamp'::regtype THEN format('(o.%I::pg_catalog.timestamp AT TIME ZONE ''UTC'')', ordered_at_column)
        ELSE format('(o.%I::pg_catalog.date::pg_catalog.timestamp AT TIME ZONE ''UTC'')', ordered_at_column) END;
    as_of_sql := CASE WHEN as_of_given
                      THEN format('((%L::timestamptz AT TIME ZONE %L) AT TIME ZONE ''UTC'')', as_of_abs, tz)
                      ELSE format('((pg_catalog.now() AT TIME ZONE %L) AT TIME ZONE ''UTC'')', tz) END;

    body := @extschema@.scoring_view_body(ext, format($v$
WITH src AS (
    SELECT o.%2$I AS customer_id, %3$s AS ts, o.%4$I::numeric AS amount
      FROM %5$s AS o
     WHERE o.%2$I IS NOT NULL%9$s
), params AS MATERIALIZED (
    SELECT a.as_of, %1$s.period_start(a.as_of, %6$L::interval) + %6$L::interval AS window_end
      FROM (SELECT %7$s AS as_of) AS a
), profiles AS (
    SELECT s.customer_id,
           %1$s.crm_profile(s.ts, s.amount, (SELECT pa.as_of FROM params AS pa), %6$L::interval, %8$L::interval) AS p,
           count(s.ts) AS timed_rows,
           bool_or(s.ts < (SELECT pa.window_end FROM params AS pa)) AS in_window
      FROM src AS s
     GROUP BY s.customer_id
)$v$,
        ext, customer_column, ts_sql, amount_column, source, period, as_of_sql, unit, exclude_sql),
        $s$WHEN pr.timed_rows = 0 THEN 'no order time'
                WHEN NOT pr.in_window THEN 'no purchase before as_of'
                ELSE 'refunds only'$s$,
        kind, unit, stored_name, gg_name, grp, bins, breaks_sql, rules_sql, horizon, months, discount,
        measure, scheme_sql, tz);

    -- a failure below is reported without the generated SQL
    BEGIN
        result := @extschema@.scoring_view_create(target, body, materialized,
            format('Customer scores over %s (customer %s, time %s, amount %s) by crm_loyalty; options %s',
                   source, customer_column, ordered_at_column, amount_column, options),
            'order table', period, unit, tz, bins, kind, horizon, months, discount, measure,
            'no repeat buyers, not converged, boundary: no dropout, no purchase before as_of');
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                                det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
        IF det <> '' AND hnt <> '' THEN
            RAISE EXCEPTION 'create_scoring_view: %', msg USING ERRCODE = st, DETAIL = det, HINT = hnt;
        ELSIF det <> '' THEN
            RAISE EXCEPTION 'create_scoring_view: %', msg USING ERRCODE = st, DETAIL = det;
        ELSIF hnt <> '' THEN
            RAISE EXCEPTION 'create_scoring_view: %', msg USING ERRCODE = st, HINT = hnt;
        ELSE
            RAISE EXCEPTION 'create_scoring_view: %', msg USING ERRCODE = st;
        END IF;
    END;
    RETURN result;
END
$$;

-- (section: predictive)

CREATE FUNCTION purchase_count_probabilities(frequency float8, recency float8, t float8, model purchase_model,
                                             horizon interval, max_count integer DEFAULT 10)
RETURNS float8[] AS 'MODULE_PATHNAME', 'pm_count_probabilities' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION purchase_count_probabilities(float8, float8, float8, purchase_model, interval, integer) IS
'P(exactly k purchases in (t, t + horizon]) for k = 0 .. max_count (elements 1 .. max_count + 1), then P(more than max_count purchases) (the last element)';
CREATE FUNCTION purchase_count_probabilities(profile customer_profile, model purchase_model,
                                             horizon interval, max_count integer DEFAULT 10)
RETURNS float8[] AS 'MODULE_PATHNAME', 'pm_count_probabilities_profile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION purchase_count_probabilities(customer_profile, purchase_model, interval, integer) IS
'P(exactly k purchases in the next horizon) for k = 0 .. max_count, then P(more than max_count), for the customer of a profile';

CREATE FUNCTION purchase_count_interval(frequency float8, recency float8, t float8, model purchase_model,
                                        horizon interval, level float8 DEFAULT 0.9,
                                        OUT lower integer, OUT upper integer)
AS 'MODULE_PATHNAME', 'pm_count_interval' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION purchase_count_interval(float8, float8, float8, purchase_model, interval, float8) IS
'Central prediction interval (lower, upper) of the number of purchases in (t, t + horizon] at level: P(count < lower) < (1 - level)/2 and P(count > upper) <= (1 - level)/2';
CREATE FUNCTION purchase_count_interval(profile customer_profile, model purchase_model,
                                        horizon interval, level float8 DEFAULT 0.9,
                                        OUT lower integer, OUT upper integer)
AS 'MODULE_PATHNAME', 'pm_count_interval_profile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION purchase_count_interval(customer_profile, purchase_model, interval, float8) IS
'Central prediction interval (lower, upper) of the number of purchases of the customer of a profile in the next horizon at level';

-- prediction_interval_check: calibrate on the orders up to calibration_end
-- as backtest does, and per level count the customers whose holdout
-- purchase count lies in their central prediction interval; expected_share
-- is the model's own probability of the interval, averaged over customers
-- (the count is discrete, so it is at least the level).  Intervals are
-- computed once per distinct (frequency, recency, t).
CREATE FUNCTION prediction_interval_check(source regclass, customer_column text, ordered_at_column text,
                                          amount_column text, calibration_end timestamptz,
                                          holdout_end timestamptz, options jsonb DEFAULT '{}')
RETURNS TABLE (level float8, customers bigint, inside bigint, share_inside float8, expected_share float8)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    o      record;
    x      record;
    lv     float8[] := ARRAY[0.5, 0.8, 0.9, 0.95];
    h      float8;
    ext    text;
BEGIN
    IF source IS NULL OR customer_column IS NULL OR ordered_at_column IS NULL
       OR amount_column IS NULL OR calibration_end IS NULL OR holdout_end IS NULL THEN
        RAISE EXCEPTION 'prediction_interval_check: arguments must not be NULL'
            USING ERRCODE = '22004', HINT = 'Pass the table, its three column names and both ends; options may be left out.';
    END IF;
    o := @extschema@.analyst_options('prediction_interval_check', options,
                                     ARRAY['model', 'period', 'unit', 'levels', 'exclude_customers'], NULL);
    IF o.error_code IS NOT NULL THEN
        RAISE EXCEPTION '%', o.error_message USING ERRCODE = o.error_code, HINT = o.error_hint;
    END IF;
    IF options ? 'levels' THEN
        IF jsonb_typeof(options->'levels') <> 'array' OR jsonb_array_length(options->'levels') = 0
           OR EXISTS (SELECT 1 FROM jsonb_array_elements(options->'levels') AS e(v)
                       WHERE jsonb_typeof(e.v) <> 'number'
                          OR NOT ((e.v)::text::float8 > 0 AND (e.v)::text::float8 <= 1 - 1e-9)) THEN
            RAISE EXCEPTION 'prediction_interval_check: option "levels" must be a non-empty array of numbers in (0, 1), not %',
                            options->'levels'
                USING ERRCODE = '22023', HINT = 'E.g. {"levels": [0.5, 0.9]}; a level is at most 1 - 1e-9.';
        END IF;
        SELECT array_agg((e.v)::text::float8 ORDER BY e.n) INTO lv
          FROM jsonb_array_elements(options->'levels') WITH ORDINALITY AS e(v, n);
    END IF;
    PERFORM @extschema@.check_columns('prediction_interval_check', source,
                                      ARRAY[customer_column, ordered_at_column, amount_column],
                                      ARRAY['any', 'time', 'number']);
    x := @extschema@.excluded_customers('prediction_interval_check', options, source, customer_column);
    IF holdout_end <= calibration_end
       OR @extschema@.period_start(holdout_end, o.period) <= @extschema@.period_start(calibration_end, o.period) THEN
        RAISE EXCEPTION 'prediction_interval_check: holdout_end (%) must fall in a later period than calibration_end (%)',
                        holdout_end, calibration_end
            USING ERRCODE = '22023',
                  HINT = format('The holdout runs from the period after calibration_end''s to holdout_end''s (periods of %s).', o.period);
    END IF;
    h := extract(epoch FROM @extschema@.period_start(holdout_end, o.period)
                          - @extschema@.period_start(calibration_end, o.period))
         / extract(epoch FROM o.unit);
    SELECT quote_ident(n.nspname) INTO ext
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'crm_loyalty';
    RETURN QUERY EXECUTE format($q$
    WITH c AS MATERIALIZED (
        SELECT * FROM %1$s.backtest_customers($1, $2, $3, $4, $5, $6, $7, $8, $11)
    ), m AS MATERIALIZED (
        SELECT %1$s.%2$s_fit(c.frequency, c.recency, c.t, $8)::%1$s.purchase_model AS pm FROM c
    ), cells AS MATERIALIZED (
        SELECT c.frequency, c.recency, c.t FROM c GROUP BY 1, 2, 3
    ), iv AS MATERIALIZED (
        SELECT l.n, l.level, cs.frequency, cs.recency, cs.t, i.lower, i.upper,
               (SELECT sum(p.p) FROM unnest(%1$s.purchase_count_probabilities(cs.frequency, cs.recency, cs.t,
                                                                              m.pm, $9, i.upper))
                                     WITH ORDINALITY AS p(p, k)
                 WHERE p.k BETWEEN i.lower + 1 AND i.upper + 1) AS mass
          FROM unnest($10) WITH ORDINALITY AS l(level, n)
         CROSS JOIN cells AS cs CROSS JOIN m
         CROSS JOIN LATERAL %1$s.purchase_count_interval(cs.frequency, cs.recency, cs.t, m.pm, $9, l.level) AS i
    )
    SELECT iv.level, count(*),
           count(*) FILTER (WHERE c.holdout_purchases BETWEEN iv.lower AND iv.upper),
           (count(*) FILTER (WHERE c.holdout_purchases BETWEEN iv.lower AND iv.upper))::float8 / count(*),
           avg(iv.mass)
      FROM iv JOIN c ON c.frequency = iv.frequency AND c.recency = iv.recency AND c.t = iv.t
     GROUP BY iv.n, iv.level
     ORDER BY iv.n$q$, ext, o.model)
    USING source, customer_column, ordered_at_column, amount_column, calibration_end, holdout_end,
          o.period, o.unit, (h * extract(epoch FROM o.unit)) * interval '1 second', lv, x.rel;
END
$$;
COMMENT ON FUNCTION prediction_interval_check(regclass, text, text, text, timestamptz, timestamptz, jsonb) IS
'Per level (0.5, 0.8, 0.9, 0.95, or option levels): customers, how many made a holdout purchase count inside their central prediction interval, that share, and the model''s own average probability of the interval, with a purchase model (option model, default pareto_nbd) fitted on the orders up to calibration_end';
