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
