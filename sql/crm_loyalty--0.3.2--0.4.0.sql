/* sql/crm_loyalty--0.3.2--0.4.0.sql — update from 0.3.2 to 0.4.0 */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION crm_loyalty UPDATE TO '0.4.0'" to load this file. \quit

-- (section: api)

-- (section: analyst)

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
    kind_label   text;
    horizon      interval := '90 days';
    months       integer := 12;
    discount     float8 := 0.01;
    measure      text := 'total_spend';
    materialized boolean := true;
    known        text[] := ARRAY['as_of', 'unit', 'bins', 'model', 'horizon', 'clv_months',
                                 'monthly_discount', 'tier_measure', 'materialized'];
    k            text;
    body         text;
    col          record;
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
    kind_label := CASE kind WHEN 'bgnbd' THEN 'BG/NBD' WHEN 'mbgnbd' THEN 'MBG/NBD' ELSE 'Pareto/NBD' END;
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
    PERFORM @extschema@.expected_purchases(horizon, 1::float8, 1::float8, 2::float8,
                                           @extschema@.bgnbd_model(1, 1, 2, 2, unit));
    target := format('%I.%I', default_schema, view_name);

    body := format($v$
WITH params AS MATERIALIZED (
    SELECT %3$s AS as_of
), profiles AS (
    SELECT s.%4$I AS customer_id,
           %1$s.crm_profile(s.%5$I, (SELECT pa.as_of FROM params AS pa), %6$L::interval) AS p,
           s.%5$I AS st
      FROM %2$s AS s
), stats AS MATERIALIZED (
    SELECT count(pr.p) FILTER (WHERE (pr.p).frequency > 0) AS repeaters,
           count(pr.p) FILTER (WHERE (pr.p).frequency > 0 AND (pr.p).monetary > 0) AS spenders
      FROM profiles AS pr
), fitted AS MATERIALIZED (
    SELECT (SELECT %1$s.rfm_breaks((pr.p).recency_days, (pr.p).frequency, (pr.p).monetary, %7$s)
              FROM profiles AS pr WHERE pr.p IS NOT NULL) AS breaks,
           (SELECT %1$s.%8$s_fit(pr.p) FROM profiles AS pr
             WHERE pr.p IS NOT NULL AND (SELECT st.repeaters FROM stats AS st) > 0) AS pm,
           (SELECT %1$s.gamma_gamma_fit(pr.p) FROM profiles AS pr
             WHERE (pr.p).frequency > 0 AND (pr.p).monetary > 0 AND (SELECT st.spenders FROM stats AS st) > 1) AS gg
), model AS MATERIALIZED (
    SELECT ms.breaks, ms.pm, ms.gg, ms.pm_ok, ms.gg_ok,
           CASE WHEN NOT ms.pm_ok THEN ms.pm_status
                WHEN NOT ms.gg_ok THEN ms.gg_status
                ELSE coalesce(nullif(concat_ws('; ', nullif(ms.pm_status, 'ok'), nullif(ms.gg_status, 'ok')), ''), 'ok')
           END AS status
      FROM (SELECT s.*, s.pm_status = 'ok' OR s.pm_status LIKE 'boundary:%%' AS pm_ok,
                   s.gg_status = 'ok' OR s.gg_status LIKE 'boundary:%%' AS gg_ok
              FROM (SELECT mf.breaks, mf.pm, mf.gg,
                           CASE WHEN st.repeaters = 0 THEN 'no repeat buyers'
                                WHEN mf.pm IS NULL THEN 'no purchase model'
                                WHEN (mf.pm::jsonb->>'converged')::boolean IS NOT TRUE THEN 'not converged'
                                WHEN mf.pm::jsonb ? 'limit' THEN 'boundary: ' || replace(mf.pm::jsonb->>'limit', '_', ' ')
                                ELSE 'ok' END AS pm_status,
                           CASE WHEN st.spenders = 0 THEN 'no repeat spend'
                                WHEN st.spenders = 1 THEN 'one repeat buyer: no spend model'
                                WHEN (mf.gg::jsonb->>'converged')::boolean IS NOT TRUE THEN 'spend model not converged'
                                WHEN mf.gg::jsonb ? 'limit' THEN 'boundary: ' || replace(mf.gg::jsonb->>'limit', '_', ' ')
                                ELSE 'ok' END AS gg_status
                      FROM fitted AS mf CROSS JOIN stats AS st) AS s) AS ms
), scored AS (
    SELECT pr.customer_id, pr.p,
           CASE WHEN pr.p IS NOT NULL
                THEN %1$s.rfm_score((pr.p).recency_days, (pr.p).frequency, (pr.p).monetary, m.breaks) END AS rfm,
           CASE WHEN pr.p IS NOT NULL AND m.pm_ok THEN %1$s.p_alive(pr.p, m.pm) END AS p_alive,
           CASE WHEN pr.p IS NOT NULL AND m.pm_ok
                THEN %1$s.expected_purchases(%9$L::interval, pr.p, m.pm) END AS expected_purchases,
           CASE WHEN pr.p IS NOT NULL AND m.gg_ok THEN %1$s.expected_spend(pr.p, m.gg) END AS expected_spend,
           CASE WHEN pr.p IS NOT NULL AND m.pm_ok AND m.gg_ok
                THEN %1$s.clv_estimate(pr.p, m.pm, m.gg, %10$L::integer, %11$L::float8) END AS clv,
           (pr.p).total_spend AS total_spend,
           CASE WHEN pr.p IS NOT NULL AND m.pm_ok THEN %8$L::text END AS purchase_model,
           CASE WHEN pr.p IS NOT NULL THEN m.status
                WHEN pr.st::text LIKE '%%"p":[]}' THEN 'no order time'
                WHEN pr.st::text LIKE '%%"first":null%%' THEN 'refunds only'
                ELSE 'no purchase before as_of' END AS model_status
      FROM profiles AS pr CROSS JOIN model AS m
)
SELECT s.customer_id,
       ((s.p).first_order AT TIME ZONE 'UTC') AT TIME ZONE %12$L AS first_order,
       ((s.p).last_order AT TIME ZONE 'UTC') AT TIME ZONE %12$L AS last_order,
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
       %1$s.loyalty_tier(s.%13$I::numeric, t.scheme) AS tier,
       s.purchase_model,
       s.model_status
  FROM scored AS s
 CROSS JOIN (SELECT %1$s.loyalty_scheme(s2.%13$I::numeric) AS scheme FROM scored AS s2 WHERE s2.%13$I IS NOT NULL) AS t$v$,
        ext, states, as_of_sql, ref.customer_column, ref.state_column, unit, bins, kind,
        horizon, months, discount, ref.time_zone, measure);

    IF materialized THEN
        EXECUTE format('CREATE MATERIALIZED VIEW %s AS %s', target, body);
        EXECUTE format('CREATE UNIQUE INDEX ON %s (customer_id)', target);
    ELSE
        EXECUTE format('CREATE VIEW %s WITH (security_invoker = true) AS %s', target, body);
    END IF;
    EXECUTE format('COMMENT ON %s %s IS %L',
                   CASE WHEN materialized THEN 'MATERIALIZED VIEW' ELSE 'VIEW' END, target,
                   format('Customer scores over the profile states in %s (orders of %s, period %s, time zone %s) by crm_loyalty; options %s',
                          states, ref.source, ref.period, ref.time_zone, options));
    FOR col IN SELECT * FROM (VALUES
        ('customer_id', 'Customer identifier, as in the states table'),
        ('first_order', 'Time of the customer''s first purchase'),
        ('last_order', 'Time of the customer''s last purchase up to the observation end'),
        ('orders', 'Number of purchase rows (refund rows not counted)'),
        ('frequency', format('Repeat purchase periods (purchase periods of %s - 1); BTYD frequency', ref.period)),
        ('recency', format('First to last purchase period, in units of %s; BTYD recency', unit)),
        ('t', format('First purchase period to the observation end, in units of %s; BTYD age T', unit)),
        ('recency_days', format('Days since the last purchase period (RFM recency), in the calendar of %s', ref.time_zone)),
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
        ('model_status', 'ok, or why model columns are NULL or at a limit (e.g. no repeat buyers, not converged, no purchase before as_of, refunds only)')
        ) AS c(name, comment)
    LOOP
        EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', target, col.name, col.comment);
    END LOOP;
    RETURN target::regclass;
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

-- (section: uncertainty)

-- (section: scores)
