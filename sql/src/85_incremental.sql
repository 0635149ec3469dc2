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
    PERFORM @extschema@.expected_purchases(@extschema@.bgnbd_model(1, 1, 2, 2, unit)::@extschema@.purchase_model,
                                           horizon);
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
                THEN %1$s.expected_purchases(pr.p, m.pm, %9$L::interval) END AS expected_purchases,
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
