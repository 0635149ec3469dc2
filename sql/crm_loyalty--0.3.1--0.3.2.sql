/* sql/crm_loyalty--0.3.1--0.3.2.sql — update from 0.3.1 to 0.3.2 */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION crm_loyalty UPDATE TO '0.3.2'" to load this file. \quit

-- (section: layout)
-- 0.3.1 gave fitted_models to the extension's owner after granting on it, and
-- a change of owner does not update the initial privileges recorded for
-- pg_dump (pg_init_privs), which still named the old owner: every dump
-- carried REVOKE and GRANT statements for the table.  A grant made by an
-- extension script records the table's current privileges as its initial
-- ones (the grant itself changes nothing).
GRANT SELECT, INSERT, DELETE ON @extschema@.fitted_models TO PUBLIC;

-- (section: fits)

-- Pareto/NBD limits with one homogeneous rate: the type comment lists them
COMMENT ON TYPE pareto_nbd_model IS
'A Pareto/NBD model (Schmittlein, Morrison & Colombo 1987): r, alpha, s, beta in a time unit, with the fit''s log-likelihood, size and convergence; or a limit of it (key "limit": no_dropout with r, alpha; homogeneous_rate+no_dropout with lambda; homogeneous_rate with lambda, s, beta; homogeneous_dropout with r, alpha, mu; homogeneous_rate+homogeneous_dropout with lambda, mu) with that limit''s parameters';

-- (section: scores)

-- (section: types)

-- Binary I/O of the base types: SEND / RECEIVE functions, so binary COPY
-- and binary-protocol drivers can move models and fit states.  The wire
-- format starts with a format version byte and is big-endian (doc/models.md,
-- "Binary format and storage"); receive applies the text input's checks.

CREATE FUNCTION bgnbd_model_recv(internal) RETURNS bgnbd_model
AS 'MODULE_PATHNAME', 'bgnbd_model_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION bgnbd_model_recv(internal) IS
'Receive function of bgnbd_model: binary format version 1 (version byte, limit flags, parameters, unit, ll, n, converged); checked like the text input';
CREATE FUNCTION bgnbd_model_send(bgnbd_model) RETURNS bytea
AS 'MODULE_PATHNAME', 'bgnbd_model_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION bgnbd_model_send(bgnbd_model) IS
'Send function of bgnbd_model: binary format version 1, big-endian; round-trips exactly';
ALTER TYPE @extschema@.bgnbd_model SET (RECEIVE = @extschema@.bgnbd_model_recv, SEND = @extschema@.bgnbd_model_send);

CREATE FUNCTION mbgnbd_model_recv(internal) RETURNS mbgnbd_model
AS 'MODULE_PATHNAME', 'mbgnbd_model_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mbgnbd_model_recv(internal) IS
'Receive function of mbgnbd_model: binary format version 1 (version byte, limit flags, parameters, unit, ll, n, converged); checked like the text input';
CREATE FUNCTION mbgnbd_model_send(mbgnbd_model) RETURNS bytea
AS 'MODULE_PATHNAME', 'mbgnbd_model_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mbgnbd_model_send(mbgnbd_model) IS
'Send function of mbgnbd_model: binary format version 1, big-endian; round-trips exactly';
ALTER TYPE @extschema@.mbgnbd_model SET (RECEIVE = @extschema@.mbgnbd_model_recv, SEND = @extschema@.mbgnbd_model_send);

CREATE FUNCTION pareto_nbd_model_recv(internal) RETURNS pareto_nbd_model
AS 'MODULE_PATHNAME', 'pareto_nbd_model_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pareto_nbd_model_recv(internal) IS
'Receive function of pareto_nbd_model: binary format version 1 (version byte, limit flags, parameters, unit, ll, n, converged); checked like the text input';
CREATE FUNCTION pareto_nbd_model_send(pareto_nbd_model) RETURNS bytea
AS 'MODULE_PATHNAME', 'pareto_nbd_model_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pareto_nbd_model_send(pareto_nbd_model) IS
'Send function of pareto_nbd_model: binary format version 1, big-endian; round-trips exactly';
ALTER TYPE @extschema@.pareto_nbd_model SET (RECEIVE = @extschema@.pareto_nbd_model_recv, SEND = @extschema@.pareto_nbd_model_send);

CREATE FUNCTION gamma_gamma_model_recv(internal) RETURNS gamma_gamma_model
AS 'MODULE_PATHNAME', 'gamma_gamma_model_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gamma_gamma_model_recv(internal) IS
'Receive function of gamma_gamma_model: binary format version 1 (version byte, limit flags, parameters, ll, n, converged); checked like the text input';
CREATE FUNCTION gamma_gamma_model_send(gamma_gamma_model) RETURNS bytea
AS 'MODULE_PATHNAME', 'gamma_gamma_model_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gamma_gamma_model_send(gamma_gamma_model) IS
'Send function of gamma_gamma_model: binary format version 1, big-endian; round-trips exactly';
ALTER TYPE @extschema@.gamma_gamma_model SET (RECEIVE = @extschema@.gamma_gamma_model_recv, SEND = @extschema@.gamma_gamma_model_send);

CREATE FUNCTION btyd_cells_recv(internal) RETURNS btyd_cells
AS 'MODULE_PATHNAME', 'btyd_cells_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION btyd_cells_recv(internal) IS
'Receive function of btyd_cells: binary format version 1 (version byte, kind, unit (bgnbd), cell count, cells as float8); checked like the text input';
CREATE FUNCTION btyd_cells_send(btyd_cells) RETURNS bytea
AS 'MODULE_PATHNAME', 'btyd_cells_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION btyd_cells_send(btyd_cells) IS
'Send function of btyd_cells: binary format version 1, big-endian; round-trips exactly';
ALTER TYPE @extschema@.btyd_cells SET (RECEIVE = @extschema@.btyd_cells_recv, SEND = @extschema@.btyd_cells_send);

-- (section: policy)

-- (section: analyst)

---------------------------------------------------------------------------
-- One purchase-model choice across the analyst functions
---------------------------------------------------------------------------
-- create_scoring_view, fit_models, backtest, backtest_tracking and
-- holdout_by_frequency all take {"model": "pareto_nbd" | "mbgnbd" | "bgnbd"}
-- with the default pareto_nbd (BG/NBD scores every customer who never
-- repeated as certainly alive; Pareto/NBD forecasts the CDNOW holdout best).
-- Their options are read by one function, so keys, values, defaults and
-- errors are the same everywhere.

-- Options shared by the analyst functions: rejects a non-object and unknown
-- keys (22023, the hint lists the known ones), reads period (default 1 day),
-- unit (default unit_default, or the period when that is NULL) as positive
-- fixed lengths given as strings, and model (default pareto_nbd).  The
-- caller checks its own further keys.  A mistake is returned (SQLSTATE,
-- message, hint), not raised, so that the caller raises it and the error's
-- CONTEXT names the function the user called, not this one.  PARALLEL
-- RESTRICTED: catching a bad interval needs a subtransaction.
CREATE FUNCTION analyst_options(caller text, options jsonb, known text[], unit_default interval,
                                OUT period interval, OUT unit interval, OUT model text,
                                OUT error_code text, OUT error_message text, OUT error_hint text)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    k   text;
    iv  interval;
BEGIN
    options := coalesce(options, '{}');
    IF jsonb_typeof(options) <> 'object' THEN
        error_code := '22023';
        error_message := format('%s: options must be a JSON object', caller);
        error_hint := 'E.g. ''{"model": "bgnbd", "unit": "7 days"}''.';
        RETURN;
    END IF;
    SELECT string_agg(x, ', ' ORDER BY x) INTO k
      FROM jsonb_object_keys(options) AS x WHERE x <> ALL (known);
    IF k IS NOT NULL THEN
        error_code := '22023';
        error_message := format('%s: unknown option(s) %s', caller, k);
        error_hint := format('Known options: %s.', array_to_string(known, ', '));
        RETURN;
    END IF;
    period := '1 day';
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
    model := 'pareto_nbd';
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
'Reads the options shared by fit_models, backtest, backtest_compare, backtest_tracking and holdout_by_frequency: period, unit and model (default pareto_nbd), or the mistake (unknown key, bad value) as SQLSTATE, message and hint for the caller to raise';

---------------------------------------------------------------------------
-- Model store: every kind stored and returned alike
---------------------------------------------------------------------------

-- The kinds the store holds; anything else is a mistake worth its own
-- message, not "no such model".
CREATE OR REPLACE FUNCTION stored_model(name text, group_key text, kind text, owner name)
RETURNS text
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    result text;
BEGIN
    IF kind NOT IN ('pareto_nbd', 'mbgnbd', 'bgnbd', 'gamma_gamma') THEN
        RAISE EXCEPTION 'unknown model kind "%"', kind
            USING ERRCODE = '22023', HINT = 'The kinds are pareto_nbd, mbgnbd, bgnbd and gamma_gamma.';
    END IF;
    SELECT m.model INTO result
      FROM @extschema@.fitted_models AS m
     WHERE m.fitted_by = stored_model.owner AND m.name = stored_model.name
       AND m.group_key = stored_model.group_key AND m.kind = stored_model.kind
     ORDER BY m.fitted_at DESC
     LIMIT 1;
    IF result IS NULL THEN
        RAISE EXCEPTION 'no % model "%"% of role % that you may read', kind, name,
                        CASE WHEN group_key = '' THEN '' ELSE format(' for group "%s"', group_key) END,
                        quote_ident(owner)
            USING ERRCODE = '22023',
                  HINT = 'A role''s fits are private until it shares them with share_model().';
    END IF;
    RETURN result;
END
$$;
COMMENT ON FUNCTION stored_model(text, text, text, name) IS
'Text of the newest model of a kind (pareto_nbd, mbgnbd, bgnbd, gamma_gamma) stored by a given role under a name and group, if the current role may read it';

CREATE OR REPLACE FUNCTION stored_model(name text, group_key text, kind text)
RETURNS text
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    result text;
    q record;
BEGIN
    IF kind NOT IN ('pareto_nbd', 'mbgnbd', 'bgnbd', 'gamma_gamma') THEN
        RAISE EXCEPTION 'unknown model kind "%"', kind
            USING ERRCODE = '22023', HINT = 'The kinds are pareto_nbd, mbgnbd, bgnbd and gamma_gamma.';
    END IF;
    SELECT m.model INTO result
      FROM @extschema@.fitted_models AS m
     WHERE m.fitted_by = CURRENT_USER AND m.name = stored_model.name
       AND m.group_key = stored_model.group_key AND m.kind = stored_model.kind
     ORDER BY m.fitted_at DESC
     LIMIT 1;
    IF result IS NULL THEN
        q := @extschema@.stored_model_owner_split(name);
        IF q.owner IS NOT NULL THEN
            SELECT m.model INTO result
              FROM @extschema@.fitted_models AS m
             WHERE m.fitted_by = q.owner AND m.name = q.name
               AND m.group_key = stored_model.group_key AND m.kind = stored_model.kind
             ORDER BY m.fitted_at DESC
             LIMIT 1;
        END IF;
    END IF;
    IF result IS NULL THEN
        RAISE EXCEPTION 'no % model "%"%', kind, name,
                        CASE WHEN group_key = '' THEN '' ELSE format(' for group "%s"', group_key) END
            USING ERRCODE = '22023',
                  DETAIL = CASE WHEN q.owner IS NULL
                                THEN format('Looked among the fits stored by %s.', quote_ident(CURRENT_USER))
                                ELSE format('Looked among the fits stored by %s, and those of %s named "%s" that %s may read.',
                                            quote_ident(CURRENT_USER), quote_ident(q.owner), q.name,
                                            quote_ident(CURRENT_USER)) END,
                  HINT = 'Store one with fit_models() (option "model" chooses the purchase model); write role.name for a model another role shared with you.';
    END IF;
    RETURN result;
END
$$;
COMMENT ON FUNCTION stored_model(text, text, text) IS
'Text of the newest model of a kind (pareto_nbd, mbgnbd, bgnbd, gamma_gamma) the current role stored under a name and group; role.name for a model another role shared';

-- NULL only when no model of that kind is stored (or readable); an unknown
-- kind is an error, not "missing".
CREATE OR REPLACE FUNCTION find_stored_model(name text, group_key text, kind text)
RETURNS text
LANGUAGE plpgsql STABLE STRICT PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF kind NOT IN ('pareto_nbd', 'mbgnbd', 'bgnbd', 'gamma_gamma') THEN
        RAISE EXCEPTION 'unknown model kind "%"', kind
            USING ERRCODE = '22023', HINT = 'The kinds are pareto_nbd, mbgnbd, bgnbd and gamma_gamma.';
    END IF;
    BEGIN
        RETURN @extschema@.stored_model(name, group_key, kind);
    EXCEPTION WHEN invalid_parameter_value THEN
        RETURN NULL;
    END;
END
$$;
COMMENT ON FUNCTION find_stored_model(text, text, text) IS
'Text of the newest model of a kind (pareto_nbd, mbgnbd, bgnbd, gamma_gamma) stored under a name and group, as stored_model returns it, or NULL when there is none';

CREATE FUNCTION stored_mbgnbd_model(name text, group_key text, owner name)
RETURNS mbgnbd_model
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
RETURN @extschema@.stored_model(name, group_key, 'mbgnbd', owner)::@extschema@.mbgnbd_model;
COMMENT ON FUNCTION stored_mbgnbd_model(text, text, name) IS
'The newest MBG/NBD model a given role stored under a name and group, if the current role may read it';

CREATE FUNCTION stored_pareto_nbd_model(name text, group_key text, owner name)
RETURNS pareto_nbd_model
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
RETURN @extschema@.stored_model(name, group_key, 'pareto_nbd', owner)::@extschema@.pareto_nbd_model;
COMMENT ON FUNCTION stored_pareto_nbd_model(text, text, name) IS
'The newest Pareto/NBD model a given role stored under a name and group, if the current role may read it';

COMMENT ON FUNCTION stored_mbgnbd_model(text, text) IS
'The newest MBG/NBD model the current role stored under a name (and group); role.name for a model another role shared';
COMMENT ON FUNCTION stored_pareto_nbd_model(text, text) IS
'The newest Pareto/NBD model the current role stored under a name (and group); role.name for a model another role shared';

---------------------------------------------------------------------------
-- fit_models: option model, default pareto_nbd; options checked
---------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION fit_models(name text, source regclass, customer_column text,
                                      ordered_at_column text, amount_column text,
                                      as_of timestamptz, options jsonb DEFAULT '{}')
RETURNS SETOF fitted_models
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    o        record;
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
                                     ARRAY['model', 'period', 'unit', 'group_column', 'description'], NULL);
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
    SELECT quote_ident(n.nspname) INTO ext
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'crm_loyalty';
    descr := coalesce(options->>'description',
                      format('%s (%s, %s, %s) as of %s, period %s, unit %s%s',
                             source, customer_column, ordered_at_column, amount_column,
                             as_of, o.period, o.unit,
                             CASE WHEN grp IS NULL THEN '' ELSE format(', per %s', grp) END));
    q := format($f$
        WITH prof AS (
            SELECT %1$s AS g,
                   %2$s.crm_profile(o.%3$I, o.%4$I::numeric, $1, $2, $3) AS p
              FROM %5$s AS o
             WHERE o.%6$I IS NOT NULL
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
        CASE WHEN grp IS NULL THEN '' ELSE format(', o.%I', grp) END, kind);
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
'Fits a purchase model (option model: pareto_nbd, mbgnbd or bgnbd; by default the kind of the newest purchase model stored under the name, else pareto_nbd) and Gamma-Gamma over the customers of an order table (per group with group_column) and stores them under a name, each with its kind';

---------------------------------------------------------------------------
-- Backtest: every purchase model, one or side by side
---------------------------------------------------------------------------

-- The work of backtest and backtest_compare: one row per purchase model in
-- models (in that order), each fitted on the same calibration profiles and
-- scored against the same holdout.  Scores are computed once per distinct
-- (frequency, recency, t) and joined back to the customers.
CREATE FUNCTION backtest_run(caller text, source regclass, customer_column text, ordered_at_column text,
                             amount_column text, calibration_end timestamptz, holdout_end timestamptz,
                             period interval, unit interval, models text[])
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
               1.0 - %2$s.churn_probability(cs.frequency, cs.recency, cs.t, f.pm, $10) AS buys
          FROM fit_%1$s AS f LEFT JOIN cells AS cs ON true$f$, k, ext);
    END LOOP;
    RETURN QUERY EXECUTE format($q$
    WITH c AS MATERIALIZED (
        SELECT * FROM %1$s.backtest_customers($1, $2, $3, $4, $5, $6, $7, $8)
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
          period, unit, h, (h * extract(epoch FROM unit)) * interval '1 second', models;
END
$$;
COMMENT ON FUNCTION backtest_run(text, regclass, text, text, text, timestamptz, timestamptz, interval, interval, text[]) IS
'Does the work of backtest and backtest_compare: per purchase model, fitted on the calibration profiles, the holdout totals, MAE, RMSE, Brier scores and the fitted model''s text';

-- backtest: {"model": ...}, default pareto_nbd.  Its result columns are
-- those of 0.3.0 (a view may select from it); the column model holds the
-- fitted model when it is a BG/NBD one.  backtest_compare reports every
-- model with its kind and text.
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
BEGIN
    o := @extschema@.analyst_options('backtest', options, ARRAY['model', 'period', 'unit'], '7 days');
    IF o.error_code IS NOT NULL THEN
        RAISE EXCEPTION '%', o.error_message USING ERRCODE = o.error_code, HINT = o.error_hint;
    END IF;
    RETURN QUERY
    SELECT r.customers, o.unit, r.holdout_length, r.actual_purchases, r.forecast_purchases,
           r.forecast_error, r.mae, r.rmse, r.brier_p_alive, r.brier_active,
           CASE WHEN r.purchase_model = 'bgnbd' THEN r.model::@extschema@.bgnbd_model END
      FROM @extschema@.backtest_run('backtest', source, customer_column, ordered_at_column, amount_column,
                                    calibration_end, holdout_end, o.period, o.unit, ARRAY[o.model]) AS r;
END
$$;
COMMENT ON FUNCTION backtest(regclass, text, text, text, timestamptz, timestamptz, jsonb) IS
'Fits a purchase model (option model: pareto_nbd, the default, mbgnbd or bgnbd) on the orders up to calibration_end and scores its holdout forecast: totals, MAE, RMSE, Brier scores; column model is set for bgnbd only (backtest_compare returns every kind)';

CREATE FUNCTION backtest_compare(source regclass, customer_column text, ordered_at_column text,
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
BEGIN
    IF jsonb_typeof(options) = 'object' AND options ? 'model' THEN
        RAISE EXCEPTION 'backtest_compare: unknown option(s) model'
            USING ERRCODE = '22023',
                  DETAIL = 'backtest_compare reports every purchase model side by side.',
                  HINT = 'Known options: period, unit. For one model, call backtest() with {"model": "..."}.';
    END IF;
    o := @extschema@.analyst_options('backtest_compare', options, ARRAY['period', 'unit'], '7 days');
    IF o.error_code IS NOT NULL THEN
        RAISE EXCEPTION '%', o.error_message USING ERRCODE = o.error_code, HINT = o.error_hint;
    END IF;
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
                                    ARRAY['pareto_nbd', 'mbgnbd', 'bgnbd']) AS r
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
    stepiv  interval := '7 days';
    cal_ps  timestamptz;
    hold_ps timestamptz;
    step_s  float8;
    h_s     float8;
    nsteps  integer;
    ext     text;
BEGIN
    o := @extschema@.analyst_options('backtest_tracking', options, ARRAY['model', 'period', 'unit', 'step'], '7 days');
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
    cal_ps := @extschema@.period_start(calibration_end, o.period);
    hold_ps := @extschema@.period_start(holdout_end, o.period);
    h_s := extract(epoch FROM hold_ps - cal_ps);
    nsteps := ceil(h_s / step_s)::integer;
    SELECT quote_ident(n.nspname) INTO ext
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'crm_loyalty';
    RETURN QUERY EXECUTE format($q$
        WITH c AS (
            SELECT * FROM %1$s.backtest_customers($1, $2, $3, $4, $5, $6, $7, $8)
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
               AND %1$s.period_start(o.%3$I, $7) <= $9
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
        ext, customer_column, ordered_at_column, amount_column, source, o.model)
        USING source, customer_column, ordered_at_column, amount_column, calibration_end, holdout_end,
              o.period, o.unit, cal_ps, hold_ps, step_s, h_s, nsteps;
END
$$;
COMMENT ON FUNCTION backtest_tracking(regclass, text, text, text, timestamptz, timestamptz, jsonb) IS
'Cumulative holdout purchases, actual vs the forecast of a purchase model (option model, default pareto_nbd), per step (default weekly) after calibration_end';

---------------------------------------------------------------------------
-- holdout_by_frequency: calibration vs holdout by calibration frequency
---------------------------------------------------------------------------
-- The literature's check of a purchase model (Fader, Hardie & Lee 2005,
-- figure 4): customers grouped by their number of repeat purchases in the
-- calibration period, and per group the mean number of repeat purchases they
-- made in the holdout next to the mean the model fitted on the calibration
-- profiles expected over the holdout's length.
CREATE FUNCTION holdout_by_frequency(source regclass, customer_column text, ordered_at_column text,
                                     amount_column text, calibration_end timestamptz, holdout_end timestamptz,
                                     options jsonb DEFAULT '{}')
RETURNS TABLE (frequency_bucket text, customers bigint, actual_mean float8, forecast_mean float8)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    o      record;
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
                                     ARRAY['model', 'period', 'unit', 'max_bucket'], '7 days');
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
        SELECT * FROM %1$s.backtest_customers($1, $2, $3, $4, $5, $6, $7, $8)
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
          o.period, o.unit, h, top;
END
$$;
COMMENT ON FUNCTION holdout_by_frequency(regclass, text, text, text, timestamptz, timestamptz, jsonb) IS
'Calibration vs holdout by calibration frequency (buckets 0, 1, ..., max_bucket+ and all): customers, mean actual and mean forecast repeat purchases in the holdout, with a purchase model (option model, default pareto_nbd) fitted on the calibration profiles';

-- (section: state)

---------------------------------------------------------------------------
-- Storable customer state: profile_state
---------------------------------------------------------------------------

CREATE TYPE profile_state;

CREATE FUNCTION profile_state_in(cstring)
RETURNS profile_state AS 'MODULE_PATHNAME', 'profile_state_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION profile_state_in(cstring) IS
'Input function of profile_state: parses and validates the text form';

CREATE FUNCTION profile_state_out(profile_state)
RETURNS cstring AS 'MODULE_PATHNAME', 'profile_state_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION profile_state_out(profile_state) IS
'Output function of profile_state: the text form, which reads back exactly';

CREATE FUNCTION profile_state_recv(internal)
RETURNS profile_state AS 'MODULE_PATHNAME', 'profile_state_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION profile_state_recv(internal) IS
'Binary input function of profile_state: validates the versioned wire format';

CREATE FUNCTION profile_state_send(profile_state)
RETURNS bytea AS 'MODULE_PATHNAME', 'profile_state_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION profile_state_send(profile_state) IS
'Binary output function of profile_state: the versioned wire format';

CREATE TYPE profile_state (
    INPUT = profile_state_in,
    OUTPUT = profile_state_out,
    RECEIVE = profile_state_recv,
    SEND = profile_state_send,
    INTERNALLENGTH = VARIABLE,
    STORAGE = extended
);
COMMENT ON TYPE profile_state IS
'One customer''s orders reduced to purchase periods (exact net amount, order and refund counts per period): crm_profile(state, as_of) gives the profile for any as_of';

CREATE FUNCTION crm_profile_state_trans(internal, timestamptz, numeric)
RETURNS internal AS 'MODULE_PATHNAME', 'crm_profile_state_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION crm_profile_state_trans(internal, timestamptz, numeric) IS
'Transition function of crm_profile_state (internal)';

CREATE FUNCTION crm_profile_state_trans(internal, timestamptz, numeric, interval)
RETURNS internal AS 'MODULE_PATHNAME', 'crm_profile_state_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION crm_profile_state_trans(internal, timestamptz, numeric, interval) IS
'Transition function of crm_profile_state with a period (internal)';

CREATE FUNCTION profile_state_merge_trans(internal, profile_state)
RETURNS internal AS 'MODULE_PATHNAME', 'profile_state_merge_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION profile_state_merge_trans(internal, profile_state) IS
'Transition function of the profile_state_merge aggregate (internal)';

CREATE FUNCTION crm_profile_state_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'crm_profile_state_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION crm_profile_state_combine(internal, internal) IS
'Combine function of crm_profile_state and profile_state_merge: adds two partial states (internal)';

CREATE FUNCTION crm_profile_state_serialize(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'crm_profile_state_serialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION crm_profile_state_serialize(internal) IS
'Serialize function of crm_profile_state and profile_state_merge: the encoded profile_state (internal)';

CREATE FUNCTION crm_profile_state_deserialize(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'crm_profile_state_deserialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION crm_profile_state_deserialize(bytea, internal) IS
'Deserialize function of crm_profile_state and profile_state_merge; validates every field (internal)';

CREATE FUNCTION crm_profile_state_final(internal)
RETURNS profile_state AS 'MODULE_PATHNAME', 'crm_profile_state_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION crm_profile_state_final(internal) IS
'Final function of crm_profile_state and profile_state_merge (internal)';

CREATE AGGREGATE crm_profile_state(order_ts timestamptz, amount numeric) (
    SFUNC = crm_profile_state_trans,
    STYPE = internal,
    FINALFUNC = crm_profile_state_final,
    COMBINEFUNC = crm_profile_state_combine,
    SERIALFUNC = crm_profile_state_serialize,
    DESERIALFUNC = crm_profile_state_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE crm_profile_state(timestamptz, numeric) IS
'Storable state of one customer''s orders, daily periods; crm_profile(state, as_of) equals crm_profile over the same orders';

CREATE AGGREGATE crm_profile_state(order_ts timestamptz, amount numeric, period interval) (
    SFUNC = crm_profile_state_trans,
    STYPE = internal,
    FINALFUNC = crm_profile_state_final,
    COMBINEFUNC = crm_profile_state_combine,
    SERIALFUNC = crm_profile_state_serialize,
    DESERIALFUNC = crm_profile_state_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE crm_profile_state(timestamptz, numeric, interval) IS
'Storable state of one customer''s orders with a period; crm_profile(state, as_of) equals crm_profile over the same orders and period';

CREATE FUNCTION profile_state_merge(a profile_state, b profile_state)
RETURNS profile_state AS 'MODULE_PATHNAME', 'profile_state_merge2'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION profile_state_merge(profile_state, profile_state) IS
'State of the union of two order sets of one customer (amounts and counts add per period); a NULL side is treated as no orders';

CREATE AGGREGATE profile_state_merge(state profile_state) (
    SFUNC = profile_state_merge_trans,
    STYPE = internal,
    FINALFUNC = crm_profile_state_final,
    COMBINEFUNC = crm_profile_state_combine,
    SERIALFUNC = crm_profile_state_serialize,
    DESERIALFUNC = crm_profile_state_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE profile_state_merge(profile_state) IS
'State of the union of the order sets of many states of one customer; NULL states are skipped';

CREATE FUNCTION crm_profile(state profile_state, as_of timestamptz)
RETURNS customer_profile AS 'MODULE_PATHNAME', 'crm_profile_from_state'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION crm_profile(profile_state, timestamptz) IS
'Customer profile as of as_of from a stored state, times in units of the period (30 days for calendar-month periods); equals the crm_profile aggregate';

CREATE FUNCTION crm_profile(state profile_state, as_of timestamptz, unit interval)
RETURNS customer_profile AS 'MODULE_PATHNAME', 'crm_profile_from_state'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION crm_profile(profile_state, timestamptz, interval) IS
'Customer profile as of as_of from a stored state, times in unit; equals the crm_profile aggregate';
