/* crm_loyalty/sql/crm_loyalty--0.2.0--0.3.0.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION crm_loyalty UPDATE TO '0.3.0'" to load this file. \quit

---------------------------------------------------------------------------
-- Window forms (ad-hoc SQL): cut points, models and tier thresholds over the
-- window partition, each row scored against them in the same query
---------------------------------------------------------------------------

CREATE FUNCTION rfm_score(recency_days float8, frequency float8, monetary float8)
RETURNS rfm_scores AS 'MODULE_PATHNAME', 'rfm_score_window'
LANGUAGE C IMMUTABLE PARALLEL SAFE WINDOW;
COMMENT ON FUNCTION rfm_score(float8, float8, float8) IS
'Window function: RFM scores of the row against cut points of its window partition (5 bins, default rules)';

CREATE FUNCTION rfm_score(recency_days float8, frequency float8, monetary float8, bins integer)
RETURNS rfm_scores AS 'MODULE_PATHNAME', 'rfm_score_window'
LANGUAGE C IMMUTABLE PARALLEL SAFE WINDOW;
COMMENT ON FUNCTION rfm_score(float8, float8, float8, integer) IS
'Window function: RFM scores of the row against cut points of its window partition in bins bins (segments need 5)';

CREATE FUNCTION churn_probability(frequency float8, recency float8, t float8)
RETURNS float8 AS 'MODULE_PATHNAME', 'churn_probability_window'
LANGUAGE C IMMUTABLE PARALLEL SAFE WINDOW;
COMMENT ON FUNCTION churn_probability(float8, float8, float8) IS
'Window function: 1 - P(alive) of the row under a BG/NBD model fitted over its window partition';

CREATE FUNCTION churn_probability(frequency float8, recency float8, t float8, unit interval)
RETURNS float8 AS 'MODULE_PATHNAME', 'churn_probability_window'
LANGUAGE C IMMUTABLE PARALLEL SAFE WINDOW;
COMMENT ON FUNCTION churn_probability(float8, float8, float8, interval) IS
'Window function: 1 - P(alive) of the row under a BG/NBD model fitted over its window partition (times in unit)';

CREATE FUNCTION churn_probability(profile customer_profile)
RETURNS float8 AS 'MODULE_PATHNAME', 'churn_probability_window_profile'
LANGUAGE C IMMUTABLE PARALLEL SAFE WINDOW;
COMMENT ON FUNCTION churn_probability(customer_profile) IS
'Window function: 1 - P(alive) of the profile under a BG/NBD model fitted over its window partition';

CREATE FUNCTION clv_estimate(frequency float8, recency float8, t float8, monetary float8)
RETURNS float8 AS 'MODULE_PATHNAME', 'clv_estimate_window'
LANGUAGE C IMMUTABLE PARALLEL SAFE WINDOW;
COMMENT ON FUNCTION clv_estimate(float8, float8, float8, float8) IS
'Window function: 12-month CLV (1% a month, 30-day months) under BG/NBD and Gamma-Gamma fitted over the window partition (times in days)';

CREATE FUNCTION clv_estimate(frequency float8, recency float8, t float8, monetary float8, unit interval)
RETURNS float8 AS 'MODULE_PATHNAME', 'clv_estimate_window'
LANGUAGE C IMMUTABLE PARALLEL SAFE WINDOW;
COMMENT ON FUNCTION clv_estimate(float8, float8, float8, float8, interval) IS
'Window function: 12-month CLV (1% a month, 30-day months) under BG/NBD and Gamma-Gamma fitted over the window partition (times in unit)';

CREATE FUNCTION clv_estimate(profile customer_profile)
RETURNS float8 AS 'MODULE_PATHNAME', 'clv_estimate_window_profile'
LANGUAGE C IMMUTABLE PARALLEL SAFE WINDOW;
COMMENT ON FUNCTION clv_estimate(customer_profile) IS
'Window function: 12-month CLV of the profile under BG/NBD and Gamma-Gamma fitted over its window partition';

CREATE FUNCTION loyalty_tier(value numeric)
RETURNS text AS 'MODULE_PATHNAME', 'loyalty_tier_window'
LANGUAGE C IMMUTABLE PARALLEL SAFE WINDOW;
COMMENT ON FUNCTION loyalty_tier(numeric) IS
'Window function: tier of the value in its window partition: top 1% Platinum, next 9% Gold, next 20% Silver, rest Bronze';

---------------------------------------------------------------------------
-- Periods
---------------------------------------------------------------------------

CREATE FUNCTION period_start(ts timestamptz, period interval DEFAULT '1 day')
RETURNS timestamptz AS 'MODULE_PATHNAME', 'period_start'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION period_start(timestamptz, interval) IS
'Start of the period containing ts, as crm_profile floors order times (UTC, fixed periods from Monday 2000-01-03)';

---------------------------------------------------------------------------
-- Model store (DESIGN 3.5): fitted models with name, kind, fit time, source
---------------------------------------------------------------------------

CREATE TABLE fitted_models (
    name       text        NOT NULL,
    group_key  text        NOT NULL DEFAULT '',
    kind       text        NOT NULL,
    model      text        NOT NULL,
    parameters jsonb       NOT NULL,
    unit       interval,
    fitted_at  timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    source     text,
    n          float8,
    ll         float8,
    converged  boolean,
    fitted_by  name        NOT NULL DEFAULT CURRENT_USER,
    PRIMARY KEY (name, group_key, kind, fitted_at),
    CHECK (kind IN ('bgnbd', 'gamma_gamma', 'pareto_nbd', 'mbgnbd'))
);
COMMENT ON TABLE fitted_models IS
'Fitted models by name (and group): every fit is kept; the newest of a name, group and kind is the one scored against';
COMMENT ON COLUMN fitted_models.name IS 'Model name chosen by whoever fitted it; a name belongs to the role that first used it';
COMMENT ON COLUMN fitted_models.group_key IS 'Group the model was fitted on (e.g. a country), '''' for the whole source';
COMMENT ON COLUMN fitted_models.kind IS 'Model kind: bgnbd or gamma_gamma';
COMMENT ON COLUMN fitted_models.model IS 'The model value in its exact text form (cast to bgnbd_model / gamma_gamma_model)';
COMMENT ON COLUMN fitted_models.parameters IS 'The model as jsonb: parameters, unit, ll, n, converged';
COMMENT ON COLUMN fitted_models.unit IS 'Time unit of the model''s rates (BG/NBD)';
COMMENT ON COLUMN fitted_models.fitted_at IS 'When the fit was stored';
COMMENT ON COLUMN fitted_models.source IS 'What the model was fitted on: table, columns, observation end, period, unit';
COMMENT ON COLUMN fitted_models.n IS 'Customers in the fit';
COMMENT ON COLUMN fitted_models.ll IS 'Log-likelihood of the fit';
COMMENT ON COLUMN fitted_models.converged IS 'Whether the fit converged';
COMMENT ON COLUMN fitted_models.fitted_by IS 'Role that stored the fit';
SELECT pg_catalog.pg_extension_config_dump('fitted_models', '');

-- Everybody reads the store; anybody may add fits under a name nobody else
-- uses, and remove their own; nobody rewrites history.
ALTER TABLE fitted_models ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, DELETE ON fitted_models TO PUBLIC;
CREATE POLICY fitted_models_read ON fitted_models FOR SELECT USING (true);
CREATE POLICY fitted_models_add ON fitted_models FOR INSERT
    WITH CHECK (fitted_by = CURRENT_USER
                AND NOT EXISTS (SELECT 1 FROM @extschema@.fitted_models AS other
                                 WHERE other.name = fitted_models.name
                                   AND other.fitted_by <> CURRENT_USER));
CREATE POLICY fitted_models_remove ON fitted_models FOR DELETE
    USING (fitted_by = CURRENT_USER);

CREATE FUNCTION fit_models(name text, source regclass, customer_column text,
                           ordered_at_column text, amount_column text,
                           as_of timestamptz, options jsonb DEFAULT '{}')
RETURNS SETOF fitted_models
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    period   interval := coalesce(options->>'period', '1 day')::interval;
    unit     interval := coalesce(options->>'unit', options->>'period', '1 day')::interval;
    grp      text := options->>'group_column';
    descr    text;
    q        text;
    r        record;
    ext      text;
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
    SELECT quote_ident(n.nspname) INTO ext
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'crm_loyalty';
    descr := coalesce(options->>'description',
                      format('%s (%s, %s, %s) as of %s, period %s, unit %s%s',
                             source, customer_column, ordered_at_column, amount_column,
                             as_of, period, unit,
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
               %2$s.bgnbd_fit(p) AS bg,
               %2$s.gamma_gamma_fit(p) FILTER (WHERE (p).frequency > 0 AND (p).monetary > 0) AS gg
          FROM prof
         GROUP BY g
         ORDER BY g$f$,
        CASE WHEN grp IS NULL THEN '''''::text' ELSE format('o.%I::text', grp) END,
        ext, ordered_at_column, amount_column, source, customer_column,
        CASE WHEN grp IS NULL THEN '' ELSE format(', o.%I', grp) END);
    FOR r IN EXECUTE q USING as_of, period, unit LOOP
        IF r.g IS NULL THEN
            RAISE WARNING 'fit_models: rows with a NULL %', grp
                USING DETAIL = 'Their customers are fitted as the group ''(null)''.';
        END IF;
        IF r.bg IS NOT NULL THEN
            RETURN QUERY EXECUTE format($f$
                INSERT INTO %1$s.fitted_models (name, group_key, kind, model, parameters, unit, source, n, ll, converged)
                SELECT $1, $2, 'bgnbd', $3::text, j, (j->>'unit')::interval, $4,
                       (j->>'n')::float8, (j->>'ll')::float8, (j->>'converged')::boolean
                  FROM (SELECT $3::jsonb AS j) AS m
                RETURNING *$f$, ext)
                USING fit_models.name, coalesce(r.g, '(null)'), r.bg, descr;
        END IF;
        IF r.gg IS NOT NULL THEN
            RETURN QUERY EXECUTE format($f$
                INSERT INTO %1$s.fitted_models (name, group_key, kind, model, parameters, unit, source, n, ll, converged)
                SELECT $1, $2, 'gamma_gamma', $3::text, j, NULL, $4,
                       (j->>'n')::float8, (j->>'ll')::float8, (j->>'converged')::boolean
                  FROM (SELECT $3::jsonb AS j) AS m
                RETURNING *$f$, ext)
                USING fit_models.name, coalesce(r.g, '(null)'), r.gg, descr;
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION fit_models(text, regclass, text, text, text, timestamptz, jsonb) IS
'Fits BG/NBD and Gamma-Gamma over the customers of an order table (per group with group_column) and stores them under a name';

-- The text of the newest stored model of a kind, or a 22023 error.
CREATE FUNCTION stored_model(name text, group_key text, kind text)
RETURNS text
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    result text;
BEGIN
    SELECT m.model INTO result
      FROM @extschema@.fitted_models AS m
     WHERE m.name = stored_model.name AND m.group_key = stored_model.group_key
       AND m.kind = stored_model.kind
     ORDER BY m.fitted_at DESC
     LIMIT 1;
    IF result IS NULL THEN
        RAISE EXCEPTION 'no % model "%"%', kind, name,
                        CASE WHEN group_key = '' THEN '' ELSE format(' for group "%s"', group_key) END
            USING ERRCODE = '22023', HINT = 'Store one with fit_models(), or list them in fitted_models.';
    END IF;
    RETURN result;
END
$$;
COMMENT ON FUNCTION stored_model(text, text, text) IS
'Text of the newest model of a kind (bgnbd, gamma_gamma) stored under a name and group in fitted_models';

CREATE FUNCTION stored_bgnbd_model(name text, group_key text DEFAULT '')
RETURNS bgnbd_model
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN @extschema@.stored_model(name, group_key, 'bgnbd')::@extschema@.bgnbd_model;
COMMENT ON FUNCTION stored_bgnbd_model(text, text) IS
'The newest BG/NBD model stored under a name (and group) in fitted_models';

CREATE FUNCTION stored_gamma_gamma_model(name text, group_key text DEFAULT '')
RETURNS gamma_gamma_model
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN @extschema@.stored_model(name, group_key, 'gamma_gamma')::@extschema@.gamma_gamma_model;
COMMENT ON FUNCTION stored_gamma_gamma_model(text, text) IS
'The newest Gamma-Gamma model stored under a name (and group) in fitted_models';

---------------------------------------------------------------------------
-- One-call scoring views (DESIGN 3.5)
---------------------------------------------------------------------------

CREATE FUNCTION create_scoring_view(view_name text, source regclass, customer_column text,
                                    ordered_at_column text, amount_column text,
                                    options jsonb DEFAULT '{}')
RETURNS regclass
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    caller_schema text := pg_catalog.current_schema();
    caller_path   text := pg_catalog.current_setting('search_path');
    target_schema text;
    ext           text;
    as_of_sql     text;
    period        interval;
    unit          interval;
    bins          integer;
    breaks_sql    text;
    rules_sql     text;
    bg_sql        text;
    gg_sql        text;
    scheme_sql    text;
    measure       text;
    horizon       interval;
    months        integer;
    discount      float8;
    materialized  boolean;
    kind          text;
    target        text;
    body          text;
    result        regclass;
    col           record;
    known         text[] := ARRAY['schema', 'as_of', 'period', 'unit', 'bins', 'rfm_cut_points',
                                  'rfm_rule_set', 'tier_scheme', 'tier_measure', 'bgnbd_model',
                                  'gamma_gamma_model', 'model_group', 'horizon', 'clv_months',
                                  'monthly_discount', 'materialized'];
BEGIN
    -- everything below resolves names in pg_catalog only: a hostile
    -- search_path cannot redirect a function or operator call
    PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);

    IF view_name IS NULL OR source IS NULL OR customer_column IS NULL
       OR ordered_at_column IS NULL OR amount_column IS NULL THEN
        RAISE EXCEPTION 'create_scoring_view: view_name, source and the three column names must not be NULL'
            USING ERRCODE = '22004';
    END IF;
    options := coalesce(options, '{}');
    IF jsonb_typeof(options) <> 'object' THEN
        RAISE EXCEPTION 'create_scoring_view: options must be a JSON object'
            USING ERRCODE = '22023';
    END IF;
    SELECT string_agg(k, ', ') INTO kind
      FROM jsonb_object_keys(options) AS k WHERE k <> ALL (known);
    IF kind IS NOT NULL THEN
        RAISE EXCEPTION 'create_scoring_view: unknown option(s) %', kind
            USING ERRCODE = '22023', HINT = format('Known options: %s.', array_to_string(known, ', '));
    END IF;
    -- the columns must exist (clear error before any SQL is built)
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

    SELECT quote_ident(n.nspname) INTO ext
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'crm_loyalty';
    target_schema := coalesce(options->>'schema', caller_schema);
    IF target_schema IS NULL THEN
        RAISE EXCEPTION 'create_scoring_view: no schema to create the view in'
            USING ERRCODE = '3F000', HINT = 'Pass {"schema": "..."} or set search_path.';
    END IF;
    target := format('%I.%I', target_schema, view_name);

    as_of_sql := CASE WHEN options ? 'as_of'
                      THEN format('%L::timestamptz', (options->>'as_of')::timestamptz)
                      ELSE 'pg_catalog.now()' END;
    period := coalesce(options->>'period', '1 day')::interval;
    unit := coalesce(options->>'unit', options->>'period', '1 day')::interval;
    bins := coalesce((options->>'bins')::integer, 5);
    breaks_sql := CASE WHEN options ? 'rfm_cut_points'
                       THEN format('%L::%s.rfm_cut_points',
                                   ((options->>'rfm_cut_points')::text), ext)
                       ELSE format('%s.rfm_breaks((p).recency_days, (p).frequency, (p).monetary, %s)',
                                   ext, bins) END;
    rules_sql := CASE WHEN options ? 'rfm_rule_set'
                      THEN format(', %s.rfm_rules(%L)', ext, options->>'rfm_rule_set')
                      ELSE '' END;
    bg_sql := CASE WHEN options ? 'bgnbd_model'
                   THEN format('%s.stored_bgnbd_model(%L, %L)', ext, options->>'bgnbd_model',
                               coalesce(options->>'model_group', ''))
                   ELSE format('%s.bgnbd_fit(p)', ext) END;
    gg_sql := CASE WHEN options ? 'gamma_gamma_model'
                   THEN format('%s.stored_gamma_gamma_model(%L, %L)', ext, options->>'gamma_gamma_model',
                               coalesce(options->>'model_group', ''))
                   ELSE format('%s.gamma_gamma_fit(p) FILTER (WHERE (p).frequency > 0 AND (p).monetary > 0)', ext) END;
    measure := coalesce(options->>'tier_measure', 'total_spend');
    IF measure NOT IN ('total_spend', 'clv') THEN
        RAISE EXCEPTION 'create_scoring_view: tier_measure must be total_spend or clv, not "%"', measure
            USING ERRCODE = '22023';
    END IF;
    scheme_sql := CASE WHEN options ? 'tier_scheme'
                       THEN format('%L::%s.tier_scheme', options->>'tier_scheme', ext)
                       ELSE format('(SELECT %s.loyalty_scheme(s2.%I::numeric) FROM scored AS s2)', ext, measure) END;
    horizon := coalesce(options->>'horizon', '90 days')::interval;
    months := coalesce((options->>'clv_months')::integer, 12);
    discount := coalesce((options->>'monthly_discount')::float8, 0.01);
    materialized := coalesce((options->>'materialized')::boolean, false);
    body := format($v$
WITH profiles AS (
    SELECT o.%2$I AS customer_id,
           %1$s.crm_profile(o.%3$I, o.%4$I::numeric, %5$s, %6$L::interval, %7$L::interval) AS p
      FROM %8$s AS o
     WHERE o.%2$I IS NOT NULL
     GROUP BY o.%2$I
), models AS (
    SELECT count(*) AS customers, %9$s AS breaks, %10$s AS bg, %11$s AS gg
      FROM profiles
     WHERE p IS NOT NULL
), scored AS (
    SELECT pr.customer_id, pr.p,
           %1$s.rfm_score((pr.p).recency_days, (pr.p).frequency, (pr.p).monetary, m.breaks%12$s) AS rfm,
           %1$s.p_alive(pr.p, m.bg) AS p_alive,
           %1$s.expected_purchases(%13$L::interval, pr.p, m.bg) AS expected_purchases,
           %1$s.expected_spend(pr.p, m.gg) AS expected_spend,
           %1$s.clv_estimate(pr.p, m.bg, m.gg, %14$s, %15$s::float8) AS clv,
           (pr.p).total_spend AS total_spend
      FROM profiles AS pr CROSS JOIN models AS m
     WHERE pr.p IS NOT NULL
)
SELECT s.customer_id,
       (s.p).first_order AS first_order,
       (s.p).last_order AS last_order,
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
       %1$s.loyalty_tier(s.%16$I::numeric, t.scheme) AS tier
  FROM scored AS s CROSS JOIN (SELECT %17$s AS scheme) AS t$v$,
        ext, customer_column, ordered_at_column, amount_column, as_of_sql, period, unit,
        source, breaks_sql, bg_sql, gg_sql, rules_sql, horizon, months, discount, measure,
        scheme_sql);

    IF materialized THEN
        EXECUTE format('CREATE MATERIALIZED VIEW %s AS %s', target, body);
        EXECUTE format('CREATE UNIQUE INDEX ON %s (customer_id)', target);
    ELSE
        EXECUTE format('CREATE VIEW %s WITH (security_invoker = true) AS %s', target, body);
    END IF;
    result := target::regclass;

    EXECUTE format('COMMENT ON %s %s IS %L',
                   CASE WHEN materialized THEN 'MATERIALIZED VIEW' ELSE 'VIEW' END, target,
                   format('Customer scores over %s (customer %s, time %s, amount %s) by crm_loyalty; options %s',
                          source, customer_column, ordered_at_column, amount_column, options));
    FOR col IN SELECT * FROM (VALUES
        ('customer_id', 'Customer identifier, as in the order table'),
        ('first_order', 'Time of the customer''s first purchase'),
        ('last_order', 'Time of the customer''s last purchase up to the observation end'),
        ('orders', 'Number of purchase rows (refund rows not counted)'),
        ('frequency', format('Repeat purchase periods (purchase periods of %s - 1); BTYD frequency', period)),
        ('recency', format('First to last purchase period, in units of %s; BTYD recency', unit)),
        ('t', format('First purchase period to the observation end, in units of %s; BTYD age T', unit)),
        ('recency_days', 'Days since the last purchase period (RFM recency)'),
        ('total_spend', 'Exact sum of all amounts, refunds included'),
        ('monetary', 'Mean net amount of the repeat purchase periods (0 without repeat purchases)'),
        ('r', format('Recency score 1..%s (%s = most recent)', bins, bins)),
        ('f', format('Frequency score 1..%s', bins)),
        ('m', format('Monetary score 1..%s', bins)),
        ('rfm_cell', 'R, F and M scores as text, e.g. 545'),
        ('segment', 'RFM segment name (first matching rule; Others if none)'),
        ('p_alive', 'Probability that the customer is still active (BG/NBD), 0..1'),
        ('churn_probability', '1 - p_alive: probability that the customer has churned'),
        ('expected_purchases', format('Expected purchases in the next %s (BG/NBD)', horizon)),
        ('expected_spend', 'Expected spend per purchase (Gamma-Gamma), in the currency of the amounts'),
        ('clv', format('Customer lifetime value: discounted expected spend over %s months at %s per month',
                       months, discount)),
        ('tier', format('Loyalty tier by %s', measure))) AS c(name, comment)
    LOOP
        EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', target, col.name, col.comment);
    END LOOP;

    PERFORM pg_catalog.set_config('search_path', caller_path, true);
    RETURN result;
END
$$;
COMMENT ON FUNCTION create_scoring_view(text, regclass, text, text, text, jsonb) IS
'Creates a view (or materialized view) of per-customer scores over an order table: profile, RFM, churn, expected purchases and spend, CLV, tier';

CREATE FUNCTION refresh_scoring_view(view regclass, concurrent boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_class WHERE oid = view AND relkind = 'm') THEN
        RAISE EXCEPTION '% is not a materialized view', view
            USING ERRCODE = '42809', HINT = 'Only views created with {"materialized": true} need refreshing.';
    END IF;
    EXECUTE format('REFRESH MATERIALIZED VIEW %s%s', CASE WHEN concurrent THEN 'CONCURRENTLY ' ELSE '' END, view);
END
$$;
COMMENT ON FUNCTION refresh_scoring_view(regclass, boolean) IS
'Recomputes a materialized scoring view (concurrent: readers are not blocked)';

---------------------------------------------------------------------------
-- Backtest: calibrate on the orders up to one date, forecast the holdout
---------------------------------------------------------------------------

-- Per calibration customer: BTYD summary at calibration_end and the number
-- of purchase periods in the holdout (after calibration_end's period, up to
-- holdout_end's), both counted exactly as crm_profile counts periods.
CREATE FUNCTION backtest_customers(source regclass, customer_column text, ordered_at_column text,
                                   amount_column text, calibration_end timestamptz,
                                   holdout_end timestamptz, period interval, unit interval)
RETURNS TABLE (frequency float8, recency float8, t float8, holdout_purchases float8)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    ext text;
BEGIN
    IF source IS NULL OR customer_column IS NULL OR ordered_at_column IS NULL
       OR amount_column IS NULL OR calibration_end IS NULL OR holdout_end IS NULL
       OR period IS NULL OR unit IS NULL THEN
        RAISE EXCEPTION 'backtest: arguments must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF @extschema@.period_start(holdout_end, period) <= @extschema@.period_start(calibration_end, period) THEN
        RAISE EXCEPTION 'backtest: holdout_end (%) must fall in a later period than calibration_end (%)',
                        holdout_end, calibration_end
            USING ERRCODE = '22023';
    END IF;
    SELECT quote_ident(n.nspname) INTO ext
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'crm_loyalty';
    RETURN QUERY EXECUTE format($q$
        SELECT (c).frequency, (c).recency, (c).t, ((h).periods - (c).periods)::float8
          FROM (SELECT %1$s.crm_profile(o.%3$I, o.%4$I::numeric, $1, $3, $4) AS c,
                       %1$s.crm_profile(o.%3$I, o.%4$I::numeric, $2, $3, $4) AS h
                  FROM %5$s AS o
                 WHERE o.%2$I IS NOT NULL
                 GROUP BY o.%2$I) AS s
         WHERE c IS NOT NULL$q$,
        ext, customer_column, ordered_at_column, amount_column, source)
        USING calibration_end, holdout_end, period, unit;
END
$$;
COMMENT ON FUNCTION backtest_customers(regclass, text, text, text, timestamptz, timestamptz, interval, interval) IS
'Calibration summaries (frequency, recency, t) and holdout purchase periods of every customer first seen by calibration_end';

CREATE FUNCTION backtest(source regclass, customer_column text, ordered_at_column text,
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
    period interval := coalesce(options->>'period', '1 day')::interval;
    u      interval := coalesce(options->>'unit', '7 days')::interval;
    h      float8;
BEGIN
    h := extract(epoch FROM @extschema@.period_start(holdout_end, period)
                          - @extschema@.period_start(calibration_end, period))
         / extract(epoch FROM u);
    RETURN QUERY
    WITH c AS (
        SELECT * FROM @extschema@.backtest_customers(source, customer_column, ordered_at_column,
                                                     amount_column, calibration_end, holdout_end,
                                                     period, u)
    ), m AS (
        SELECT @extschema@.bgnbd_fit(c.frequency, c.recency, c.t, u) AS bg FROM c
    ), s AS (
        SELECT c.holdout_purchases AS actual,
               @extschema@.expected_purchases(h, c.frequency, c.recency, c.t, m.bg) AS predicted,
               @extschema@.p_alive(c.frequency, c.recency, c.t, m.bg) AS alive,
               1.0 - @extschema@.churn_probability(c.frequency, c.recency, c.t, m.bg,
                                                   (h * extract(epoch FROM u)) * interval '1 second') AS buys,
               m.bg
          FROM c CROSS JOIN m
    )
    SELECT count(*),
           u,
           h,
           sum(s.actual),
           sum(s.predicted),
           (sum(s.predicted) - sum(s.actual)) / nullif(sum(s.actual), 0),
           avg(abs(s.predicted - s.actual)),
           sqrt(avg((s.predicted - s.actual) ^ 2)),
           avg((s.alive - (s.actual > 0)::int) ^ 2),
           avg((s.buys - (s.actual > 0)::int) ^ 2),
           (SELECT m.bg FROM m)
      FROM s;
END
$$;
COMMENT ON FUNCTION backtest(regclass, text, text, text, timestamptz, timestamptz, jsonb) IS
'Fits BG/NBD on the orders up to calibration_end and scores its holdout forecast: totals, MAE, RMSE, Brier scores';

CREATE FUNCTION backtest_tracking(source regclass, customer_column text, ordered_at_column text,
                                  amount_column text, calibration_end timestamptz,
                                  holdout_end timestamptz, options jsonb DEFAULT '{}')
RETURNS TABLE (step integer, step_end timestamptz, actual_cumulative float8,
               predicted_cumulative float8)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    period  interval := coalesce(options->>'period', '1 day')::interval;
    u       interval := coalesce(options->>'unit', '7 days')::interval;
    stepiv  interval := coalesce(options->>'step', '7 days')::interval;
    cal_ps  timestamptz := @extschema@.period_start(calibration_end, period);
    hold_ps timestamptz := @extschema@.period_start(holdout_end, period);
    step_s  float8 := extract(epoch FROM stepiv);
    h_s     float8 := extract(epoch FROM hold_ps - cal_ps);
    nsteps  integer;
    ext     text;
BEGIN
    IF step_s IS NULL OR step_s <= 0 OR date_part('month', stepiv) <> 0 OR date_part('year', stepiv) <> 0 THEN
        RAISE EXCEPTION 'backtest_tracking: step must be a positive fixed length of time'
            USING ERRCODE = '22023', HINT = 'E.g. {"step": "7 days"}.';
    END IF;
    nsteps := ceil(h_s / step_s)::integer;
    SELECT quote_ident(n.nspname) INTO ext
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'crm_loyalty';
    RETURN QUERY EXECUTE format($q$
        WITH c AS (
            SELECT * FROM %1$s.backtest_customers($1, $2, $3, $4, $5, $6, $7, $8)
        ), cells AS (
            SELECT c.frequency, c.recency, c.t, count(*) AS k FROM c GROUP BY 1, 2, 3
        ), m AS (
            SELECT %1$s.bgnbd_fit(c.frequency, c.recency, c.t, $8) AS bg FROM c
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
                                                             cells.frequency, cells.recency, cells.t, m.bg))
                  FROM cells CROSS JOIN m)
          FROM steps AS s
         ORDER BY s.step$q$,
        ext, customer_column, ordered_at_column, amount_column, source)
        USING source, customer_column, ordered_at_column, amount_column, calibration_end, holdout_end,
              period, u, cal_ps, hold_ps, step_s, h_s, nsteps;
END
$$;
COMMENT ON FUNCTION backtest_tracking(regclass, text, text, text, timestamptz, timestamptz, jsonb) IS
'Cumulative holdout purchases, actual vs BG/NBD forecast, per step (default weekly) after calibration_end';


---------------------------------------------------------------------------
-- BTYD family: Pareto/NBD and MBG/NBD
---------------------------------------------------------------------------
-- Two more purchase models with the API of bgnbd_model: types, fits over the
-- shared btyd_cells state (only the final function differs), and the same
-- scoring overloads; plus btyd_compare, which fits all three on one table.

CREATE TYPE pareto_nbd_model;
CREATE FUNCTION pareto_nbd_model_in(cstring) RETURNS pareto_nbd_model
AS 'MODULE_PATHNAME', 'pareto_nbd_model_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pareto_nbd_model_in(cstring) IS 'Input function of pareto_nbd_model: a JSON object with r, alpha, s, beta and optional unit, ll, n, converged';
CREATE FUNCTION pareto_nbd_model_out(pareto_nbd_model) RETURNS cstring
AS 'MODULE_PATHNAME', 'pareto_nbd_model_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pareto_nbd_model_out(pareto_nbd_model) IS 'Output function of pareto_nbd_model: JSON text, floats printed shortest-exact';
CREATE TYPE pareto_nbd_model (
    INPUT = pareto_nbd_model_in,
    OUTPUT = pareto_nbd_model_out,
    INTERNALLENGTH = 64,
    ALIGNMENT = double,
    STORAGE = plain
);
COMMENT ON TYPE pareto_nbd_model IS
'A Pareto/NBD model (Schmittlein, Morrison & Colombo 1987): r, alpha, s, beta in a time unit, with the fits log-likelihood, size and convergence';

CREATE FUNCTION pareto_nbd_model(r float8, alpha float8, s float8, beta float8, unit interval DEFAULT '1 day')
RETURNS pareto_nbd_model AS 'MODULE_PATHNAME', 'pareto_nbd_model_make'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pareto_nbd_model(float8, float8, float8, float8, interval) IS
'A Pareto/NBD model from its parameters (alpha and beta in the given time unit)';

CREATE FUNCTION pareto_nbd_model_jsonb(pareto_nbd_model) RETURNS jsonb
AS 'MODULE_PATHNAME', 'pareto_nbd_model_jsonb' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pareto_nbd_model_jsonb(pareto_nbd_model) IS 'The model as jsonb (parameter names as keys, unit, ll, n, converged)';
CREATE CAST (pareto_nbd_model AS jsonb) WITH FUNCTION pareto_nbd_model_jsonb(pareto_nbd_model);

CREATE TYPE mbgnbd_model;
CREATE FUNCTION mbgnbd_model_in(cstring) RETURNS mbgnbd_model
AS 'MODULE_PATHNAME', 'mbgnbd_model_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mbgnbd_model_in(cstring) IS 'Input function of mbgnbd_model: a JSON object with r, alpha, a, b and optional unit, ll, n, converged';
CREATE FUNCTION mbgnbd_model_out(mbgnbd_model) RETURNS cstring
AS 'MODULE_PATHNAME', 'mbgnbd_model_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mbgnbd_model_out(mbgnbd_model) IS 'Output function of mbgnbd_model: JSON text, floats printed shortest-exact';
CREATE TYPE mbgnbd_model (
    INPUT = mbgnbd_model_in,
    OUTPUT = mbgnbd_model_out,
    INTERNALLENGTH = 64,
    ALIGNMENT = double,
    STORAGE = plain
);
COMMENT ON TYPE mbgnbd_model IS
'A modified BG/NBD model (Batislam, Denizel & Filiztekin 2007): r, alpha, a, b in a time unit, with the fits log-likelihood, size and convergence';

CREATE FUNCTION mbgnbd_model(r float8, alpha float8, a float8, b float8, unit interval DEFAULT '1 day')
RETURNS mbgnbd_model AS 'MODULE_PATHNAME', 'mbgnbd_model_make'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mbgnbd_model(float8, float8, float8, float8, interval) IS
'A MBG/NBD model from its parameters (alpha in the given time unit)';

CREATE FUNCTION mbgnbd_model_jsonb(mbgnbd_model) RETURNS jsonb
AS 'MODULE_PATHNAME', 'mbgnbd_model_jsonb' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mbgnbd_model_jsonb(mbgnbd_model) IS 'The model as jsonb (parameter names as keys, unit, ll, n, converged)';
CREATE CAST (mbgnbd_model AS jsonb) WITH FUNCTION mbgnbd_model_jsonb(mbgnbd_model);

CREATE FUNCTION pareto_nbd_fit_final(btyd_cells) RETURNS pareto_nbd_model
AS 'MODULE_PATHNAME', 'pareto_nbd_fit_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION pareto_nbd_fit_final(btyd_cells) IS 'Final function of pareto_nbd_fit: maximum-likelihood fit';

CREATE AGGREGATE pareto_nbd_fit(frequency float8, recency float8, t float8) (
    SFUNC = bgnbd_fit_trans, STYPE = btyd_cells, FINALFUNC = pareto_nbd_fit_final,
    COMBINEFUNC = btyd_cells_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE pareto_nbd_fit(float8, float8, float8) IS
'Maximum-likelihood Pareto/NBD fit over customer summaries in days';
CREATE AGGREGATE pareto_nbd_fit(frequency float8, recency float8, t float8, unit interval) (
    SFUNC = bgnbd_fit_trans, STYPE = btyd_cells, FINALFUNC = pareto_nbd_fit_final,
    COMBINEFUNC = btyd_cells_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE pareto_nbd_fit(float8, float8, float8, interval) IS
'Maximum-likelihood Pareto/NBD fit over customer summaries in the given time unit';
CREATE AGGREGATE pareto_nbd_fit(profile customer_profile) (
    SFUNC = bgnbd_fit_profile_trans, STYPE = btyd_cells, FINALFUNC = pareto_nbd_fit_final,
    COMBINEFUNC = btyd_cells_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE pareto_nbd_fit(customer_profile) IS
'Maximum-likelihood Pareto/NBD fit over crm_profile() results (unit taken from the profiles)';

CREATE FUNCTION mbgnbd_fit_final(btyd_cells) RETURNS mbgnbd_model
AS 'MODULE_PATHNAME', 'mbgnbd_fit_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mbgnbd_fit_final(btyd_cells) IS 'Final function of mbgnbd_fit: maximum-likelihood fit';

CREATE AGGREGATE mbgnbd_fit(frequency float8, recency float8, t float8) (
    SFUNC = bgnbd_fit_trans, STYPE = btyd_cells, FINALFUNC = mbgnbd_fit_final,
    COMBINEFUNC = btyd_cells_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE mbgnbd_fit(float8, float8, float8) IS
'Maximum-likelihood MBG/NBD fit over customer summaries in days';
CREATE AGGREGATE mbgnbd_fit(frequency float8, recency float8, t float8, unit interval) (
    SFUNC = bgnbd_fit_trans, STYPE = btyd_cells, FINALFUNC = mbgnbd_fit_final,
    COMBINEFUNC = btyd_cells_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE mbgnbd_fit(float8, float8, float8, interval) IS
'Maximum-likelihood MBG/NBD fit over customer summaries in the given time unit';
CREATE AGGREGATE mbgnbd_fit(profile customer_profile) (
    SFUNC = bgnbd_fit_profile_trans, STYPE = btyd_cells, FINALFUNC = mbgnbd_fit_final,
    COMBINEFUNC = btyd_cells_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE mbgnbd_fit(customer_profile) IS
'Maximum-likelihood MBG/NBD fit over crm_profile() results (unit taken from the profiles)';

CREATE FUNCTION p_alive(frequency float8, recency float8, t float8, model pareto_nbd_model)
RETURNS float8 AS 'MODULE_PATHNAME', 'bgnbd_p_alive' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION p_alive(float8, float8, float8, pareto_nbd_model) IS
'Pareto/NBD probability that the customer is still active at t (times in the model''s unit)';
CREATE FUNCTION p_alive(profile customer_profile, model pareto_nbd_model)
RETURNS float8 AS 'MODULE_PATHNAME', 'bgnbd_p_alive_profile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION p_alive(customer_profile, pareto_nbd_model) IS
'Pareto/NBD probability that the customer of a profile is still active';
CREATE FUNCTION churn_probability(frequency float8, recency float8, t float8, model pareto_nbd_model)
RETURNS float8 AS 'MODULE_PATHNAME', 'bgnbd_churn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION churn_probability(float8, float8, float8, pareto_nbd_model) IS
'1 - P(alive): Pareto/NBD probability that the customer has churned (times in the model''s unit)';
CREATE FUNCTION churn_probability(profile customer_profile, model pareto_nbd_model)
RETURNS float8 AS 'MODULE_PATHNAME', 'bgnbd_churn_profile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION churn_probability(customer_profile, pareto_nbd_model) IS
'1 - P(alive) under Pareto/NBD for the customer of a profile';
CREATE FUNCTION churn_probability(frequency float8, recency float8, t float8, model pareto_nbd_model, horizon interval)
RETURNS float8 AS 'MODULE_PATHNAME', 'bgnbd_churn_horizon' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION churn_probability(float8, float8, float8, pareto_nbd_model, interval) IS
'Pareto/NBD probability of no purchase in the next horizon, P(no purchase in (t, t + horizon])';
CREATE FUNCTION churn_probability(profile customer_profile, model pareto_nbd_model, horizon interval)
RETURNS float8 AS 'MODULE_PATHNAME', 'bgnbd_churn_horizon_profile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION churn_probability(customer_profile, pareto_nbd_model, interval) IS
'Pareto/NBD probability that the customer of a profile makes no purchase in the next horizon';
CREATE FUNCTION expected_purchases(horizon float8, frequency float8, recency float8, t float8, model pareto_nbd_model)
RETURNS float8 AS 'MODULE_PATHNAME', 'bgnbd_expected' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION expected_purchases(float8, float8, float8, float8, pareto_nbd_model) IS
'Pareto/NBD expected purchases in (t, t + horizon], horizon in the model''s unit';
CREATE FUNCTION expected_purchases(horizon interval, frequency float8, recency float8, t float8, model pareto_nbd_model)
RETURNS float8 AS 'MODULE_PATHNAME', 'bgnbd_expected_interval' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION expected_purchases(interval, float8, float8, float8, pareto_nbd_model) IS
'Pareto/NBD expected purchases in the next horizon (converted to the model''s unit)';
CREATE FUNCTION expected_purchases(horizon interval, profile customer_profile, model pareto_nbd_model)
RETURNS float8 AS 'MODULE_PATHNAME', 'bgnbd_expected_profile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION expected_purchases(interval, customer_profile, pareto_nbd_model) IS
'Pareto/NBD expected purchases of the customer of a profile in the next horizon';
CREATE FUNCTION expected_purchases(horizon float8, model pareto_nbd_model)
RETURNS float8 AS 'MODULE_PATHNAME', 'bgnbd_expected_new' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION expected_purchases(float8, pareto_nbd_model) IS
'Pareto/NBD expected purchases of a new customer in (0, horizon], horizon in the model''s unit';
CREATE FUNCTION expected_purchases(horizon interval, model pareto_nbd_model)
RETURNS float8 AS 'MODULE_PATHNAME', 'bgnbd_expected_new' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION expected_purchases(interval, pareto_nbd_model) IS
'Pareto/NBD expected purchases of a new customer in the first horizon';
CREATE FUNCTION clv_estimate(frequency float8, recency float8, t float8, monetary float8,
                             pareto_nbd pareto_nbd_model, gamma_gamma gamma_gamma_model,
                             months integer DEFAULT 12, monthly_discount float8 DEFAULT 0.01,
                             month_length interval DEFAULT '30 days')
RETURNS float8 AS 'MODULE_PATHNAME', 'clv_estimate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clv_estimate(float8, float8, float8, float8, pareto_nbd_model, gamma_gamma_model, integer, float8, interval) IS
'Discounted customer lifetime value with Pareto/NBD purchases: sum of expected monthly purchases x expected spend / (1 + d)^k';
CREATE FUNCTION clv_estimate(profile customer_profile, pareto_nbd pareto_nbd_model, gamma_gamma gamma_gamma_model,
                             months integer DEFAULT 12, monthly_discount float8 DEFAULT 0.01,
                             month_length interval DEFAULT '30 days')
RETURNS float8 AS 'MODULE_PATHNAME', 'clv_estimate_profile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clv_estimate(customer_profile, pareto_nbd_model, gamma_gamma_model, integer, float8, interval) IS
'Discounted customer lifetime value of the customer of a profile, with Pareto/NBD purchases';

CREATE FUNCTION p_alive(frequency float8, recency float8, t float8, model mbgnbd_model)
RETURNS float8 AS 'MODULE_PATHNAME', 'bgnbd_p_alive' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION p_alive(float8, float8, float8, mbgnbd_model) IS
'MBG/NBD probability that the customer is still active at t (times in the model''s unit)';
CREATE FUNCTION p_alive(profile customer_profile, model mbgnbd_model)
RETURNS float8 AS 'MODULE_PATHNAME', 'bgnbd_p_alive_profile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION p_alive(customer_profile, mbgnbd_model) IS
'MBG/NBD probability that the customer of a profile is still active';
CREATE FUNCTION churn_probability(frequency float8, recency float8, t float8, model mbgnbd_model)
RETURNS float8 AS 'MODULE_PATHNAME', 'bgnbd_churn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION churn_probability(float8, float8, float8, mbgnbd_model) IS
'1 - P(alive): MBG/NBD probability that the customer has churned (times in the model''s unit)';
CREATE FUNCTION churn_probability(profile customer_profile, model mbgnbd_model)
RETURNS float8 AS 'MODULE_PATHNAME', 'bgnbd_churn_profile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION churn_probability(customer_profile, mbgnbd_model) IS
'1 - P(alive) under MBG/NBD for the customer of a profile';
CREATE FUNCTION churn_probability(frequency float8, recency float8, t float8, model mbgnbd_model, horizon interval)
RETURNS float8 AS 'MODULE_PATHNAME', 'bgnbd_churn_horizon' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION churn_probability(float8, float8, float8, mbgnbd_model, interval) IS
'MBG/NBD probability of no purchase in the next horizon, P(no purchase in (t, t + horizon])';
CREATE FUNCTION churn_probability(profile customer_profile, model mbgnbd_model, horizon interval)
RETURNS float8 AS 'MODULE_PATHNAME', 'bgnbd_churn_horizon_profile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION churn_probability(customer_profile, mbgnbd_model, interval) IS
'MBG/NBD probability that the customer of a profile makes no purchase in the next horizon';
CREATE FUNCTION expected_purchases(horizon float8, frequency float8, recency float8, t float8, model mbgnbd_model)
RETURNS float8 AS 'MODULE_PATHNAME', 'bgnbd_expected' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION expected_purchases(float8, float8, float8, float8, mbgnbd_model) IS
'MBG/NBD expected purchases in (t, t + horizon], horizon in the model''s unit';
CREATE FUNCTION expected_purchases(horizon interval, frequency float8, recency float8, t float8, model mbgnbd_model)
RETURNS float8 AS 'MODULE_PATHNAME', 'bgnbd_expected_interval' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION expected_purchases(interval, float8, float8, float8, mbgnbd_model) IS
'MBG/NBD expected purchases in the next horizon (converted to the model''s unit)';
CREATE FUNCTION expected_purchases(horizon interval, profile customer_profile, model mbgnbd_model)
RETURNS float8 AS 'MODULE_PATHNAME', 'bgnbd_expected_profile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION expected_purchases(interval, customer_profile, mbgnbd_model) IS
'MBG/NBD expected purchases of the customer of a profile in the next horizon';
CREATE FUNCTION expected_purchases(horizon float8, model mbgnbd_model)
RETURNS float8 AS 'MODULE_PATHNAME', 'bgnbd_expected_new' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION expected_purchases(float8, mbgnbd_model) IS
'MBG/NBD expected purchases of a new customer in (0, horizon], horizon in the model''s unit';
CREATE FUNCTION expected_purchases(horizon interval, model mbgnbd_model)
RETURNS float8 AS 'MODULE_PATHNAME', 'bgnbd_expected_new' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION expected_purchases(interval, mbgnbd_model) IS
'MBG/NBD expected purchases of a new customer in the first horizon';
CREATE FUNCTION clv_estimate(frequency float8, recency float8, t float8, monetary float8,
                             mbgnbd mbgnbd_model, gamma_gamma gamma_gamma_model,
                             months integer DEFAULT 12, monthly_discount float8 DEFAULT 0.01,
                             month_length interval DEFAULT '30 days')
RETURNS float8 AS 'MODULE_PATHNAME', 'clv_estimate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clv_estimate(float8, float8, float8, float8, mbgnbd_model, gamma_gamma_model, integer, float8, interval) IS
'Discounted customer lifetime value with MBG/NBD purchases: sum of expected monthly purchases x expected spend / (1 + d)^k';
CREATE FUNCTION clv_estimate(profile customer_profile, mbgnbd mbgnbd_model, gamma_gamma gamma_gamma_model,
                             months integer DEFAULT 12, monthly_discount float8 DEFAULT 0.01,
                             month_length interval DEFAULT '30 days')
RETURNS float8 AS 'MODULE_PATHNAME', 'clv_estimate_profile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clv_estimate(customer_profile, mbgnbd_model, gamma_gamma_model, integer, float8, interval) IS
'Discounted customer lifetime value of the customer of a profile, with MBG/NBD purchases';

-- Simulation of the two new processes (parameter recovery, benchmarks), like
-- btyd_simulate: customer i depends only on (seed, i).
CREATE FUNCTION mbgnbd_simulate(customers integer, r float8, alpha float8, a float8, b float8, t float8,
                                seed bigint DEFAULT 1)
RETURNS TABLE (customer_id bigint, frequency float8, recency float8, t float8)
AS 'MODULE_PATHNAME', 'mbgnbd_simulate'
LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 10000;
COMMENT ON FUNCTION mbgnbd_simulate(integer, float8, float8, float8, float8, float8, bigint) IS
'Customers drawn from the MBG/NBD process (drop-out possible after every purchase, the first included), one cohort observed for t units';
CREATE FUNCTION pareto_nbd_simulate(customers integer, r float8, alpha float8, s float8, beta float8, t float8,
                                    seed bigint DEFAULT 1)
RETURNS TABLE (customer_id bigint, frequency float8, recency float8, t float8)
AS 'MODULE_PATHNAME', 'pareto_nbd_simulate'
LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 10000;
COMMENT ON FUNCTION pareto_nbd_simulate(integer, float8, float8, float8, float8, float8, bigint) IS
'Customers drawn from the Pareto/NBD process (exponential lifetimes with gamma-distributed rates), one cohort observed for t units';

-- Model comparison.  The table (or view) is passed as regclass and the
-- column names are quoted with %I, so no text is ever spliced into SQL.
-- STABLE: it reads a table.  PARALLEL RESTRICTED: the table may be a
-- temporary one, which parallel workers cannot read.
CREATE FUNCTION btyd_compare(profiles regclass,
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
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    bg @extschema@.bgnbd_model;
    mbg @extschema@.mbgnbd_model;
    pnbd @extschema@.pareto_nbd_model;
    j jsonb[];
    hn float8;
    hy float8;
    m float8[];
    i integer;
BEGIN
    IF (holdout_purchases IS NULL) <> (holdout_length IS NULL) THEN
        RAISE EXCEPTION 'btyd_compare: holdout_purchases and holdout_length go together'
            USING ERRCODE = '22023',
                  HINT = 'Give both (the column of purchases made in the holdout, and its length) or neither.';
    END IF;
    IF frequency IS NULL OR recency IS NULL OR t IS NULL OR unit IS NULL THEN
        RAISE EXCEPTION 'btyd_compare: column names and unit must not be NULL'
            USING ERRCODE = '22004';
    END IF;

    EXECUTE format('SELECT @extschema@.bgnbd_fit(%1$I, %2$I, %3$I, $1),
                           @extschema@.mbgnbd_fit(%1$I, %2$I, %3$I, $1),
                           @extschema@.pareto_nbd_fit(%1$I, %2$I, %3$I, $1)
                      FROM %4$s', frequency, recency, t, profiles)
       INTO bg, mbg, pnbd USING unit;
    j := ARRAY[bg::jsonb, mbg::jsonb, pnbd::jsonb];

    IF holdout_purchases IS NOT NULL THEN
        EXECUTE format('SELECT count(*)::float8, sum(y),
                               ARRAY[sum(abs(e1 - y)), sum((e1 - y) ^ 2), sum(e1),
                                     sum(abs(e2 - y)), sum((e2 - y) ^ 2), sum(e2),
                                     sum(abs(e3 - y)), sum((e3 - y) ^ 2), sum(e3)]
                          FROM (SELECT %4$I::float8 AS y,
                                       @extschema@.expected_purchases($1, %1$I, %2$I, %3$I, $2) AS e1,
                                       @extschema@.expected_purchases($1, %1$I, %2$I, %3$I, $3) AS e2,
                                       @extschema@.expected_purchases($1, %1$I, %2$I, %3$I, $4) AS e3
                                  FROM %5$s
                                 WHERE %1$I IS NOT NULL AND %2$I IS NOT NULL AND %3$I IS NOT NULL
                                   AND %4$I IS NOT NULL) s',
                       frequency, recency, t, holdout_purchases, profiles)
           INTO hn, hy, m USING holdout_length, bg, mbg, pnbd;
    END IF;

    FOR i IN 1..3 LOOP
        model := (ARRAY['bgnbd', 'mbgnbd', 'pareto_nbd'])[i];
        params := j[i] - ARRAY['ll', 'n', 'converged'];
        ll := (j[i]->>'ll')::float8;
        n_params := 4;
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
COMMENT ON FUNCTION btyd_compare(regclass, name, name, name, interval, name, interval) IS
'Fits BG/NBD, MBG/NBD and Pareto/NBD on the same customer summaries of a table or view and reports, per model, parameters, log-likelihood, AIC, BIC, convergence and, given holdout purchases, holdout MAE, RMSE and total forecast vs actual';
