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
    SSPACE = 672,
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
    SSPACE = 672,
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
    SSPACE = 672,
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
