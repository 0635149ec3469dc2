---------------------------------------------------------------------------
-- One-call scoring views
-- create_scoring_view itself is a one-statement SQL function with a
-- SQL-standard body: the body is parsed and bound when the extension is
-- installed, so nothing in it is looked up in the caller's search_path when
-- it runs.  It has no SET clause on purpose: it reads the caller's current
-- schema (the default schema of the view) and hands it, as text, to
-- create_scoring_view_in, which does the work under a fixed search_path
-- (pg_catalog, pg_temp), TimeZone, DateStyle and IntervalStyle.  A function
-- with SET search_path cannot see its caller's path, so the schema has to be
-- read before that SET applies.
---------------------------------------------------------------------------

CREATE FUNCTION create_scoring_view_in(default_schema text, view_name text, source regclass,
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
COMMENT ON FUNCTION create_scoring_view_in(text, text, regclass, text, text, text, jsonb) IS
'Does the work of create_scoring_view: creates the view in default_schema unless options name a schema';

CREATE FUNCTION create_scoring_view(view_name text, source regclass, customer_column text,
                                    ordered_at_column text, amount_column text,
                                    options jsonb DEFAULT '{}')
RETURNS regclass
LANGUAGE sql VOLATILE
RETURN @extschema@.create_scoring_view_in(pg_catalog.current_schema(), view_name, source, customer_column,
                                          ordered_at_column, amount_column, options);
COMMENT ON FUNCTION create_scoring_view(text, regclass, text, text, text, jsonb) IS
'Creates a view (or materialized view) of per-customer scores over an order table: profile, RFM, churn, expected purchases and spend, CLV, tier, and the model that scored each row with its status';

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
-- The scoring view shared by create_scoring_view and
-- create_state_scoring_view: the two differ only in where the profiles come
-- from (the orders, or a table of profile states), so each writes its own
-- profiles CTE and both take the rest of the query, the model status, the
-- creation and the column comments from here.
---------------------------------------------------------------------------

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
