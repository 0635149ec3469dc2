-- ---- sql/src/00_header.sql
-- crm_loyalty install script, built by make from the files in sql/src, in
-- name order; edit those sources, not the built sql/crm_loyalty--VERSION.sql.
--
-- One source file per feature.  Every object appears once, in its current
-- form, with its comment, privileges and triggers next to it.  Unqualified
-- names resolve in the extension's schema, which is first in search_path
-- while this script runs; function bodies that run later name that schema
-- explicitly.

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION crm_loyalty" to load this file. \quit

-- ---- sql/src/10_profile.sql
---------------------------------------------------------------------------
-- Customer profile: one customer's order history as of an observation end
-- crm_profile aggregates orders into BTYD and RFM summaries; period_start
-- floors a time to its period exactly as crm_profile does.
---------------------------------------------------------------------------

CREATE TYPE customer_profile AS (
    first_order  timestamptz,
    last_order   timestamptz,
    orders       bigint,
    refunds      bigint,
    periods      bigint,
    frequency    float8,
    recency      float8,
    t            float8,
    recency_days float8,
    monetary     float8,
    total_spend  numeric,
    unit         interval
);
COMMENT ON TYPE customer_profile IS
'One customer''s order history as of an observation end: BTYD frequency/recency/t (in unit), RFM recency_days, monetary and exact total spend';
COMMENT ON COLUMN customer_profile.first_order IS 'Time of the first purchase (non-refund order) up to as_of';
COMMENT ON COLUMN customer_profile.last_order IS 'Time of the last purchase (non-refund order) up to as_of';
COMMENT ON COLUMN customer_profile.orders IS 'Number of purchase rows (amount >= 0 or NULL) up to as_of';
COMMENT ON COLUMN customer_profile.refunds IS 'Number of refund rows (amount < 0) up to as_of';
COMMENT ON COLUMN customer_profile.periods IS 'Number of distinct purchase periods';
COMMENT ON COLUMN customer_profile.frequency IS 'BTYD frequency x: repeat purchase periods (periods - 1); lifetimes'' frequency';
COMMENT ON COLUMN customer_profile.recency IS 'BTYD recency t_x: first to last purchase period, in units; lifetimes'' recency';
COMMENT ON COLUMN customer_profile.t IS 'BTYD age T: first purchase period to the as_of period, in units; lifetimes'' T';
COMMENT ON COLUMN customer_profile.recency_days IS 'RFM recency: days from the last purchase period to the as_of period';
COMMENT ON COLUMN customer_profile.monetary IS 'Mean net amount of the repeat purchase periods (0 when frequency = 0); lifetimes'' monetary_value';
COMMENT ON COLUMN customer_profile.total_spend IS 'Exact sum of all amounts up to as_of, refunds included';
COMMENT ON COLUMN customer_profile.unit IS 'Time unit of recency and t';

CREATE FUNCTION crm_profile_trans(internal, timestamptz, numeric, timestamptz)
RETURNS internal AS 'MODULE_PATHNAME', 'crm_profile_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION crm_profile_trans(internal, timestamptz, numeric, timestamptz) IS
'Transition function of crm_profile (internal)';

CREATE FUNCTION crm_profile_trans(internal, timestamptz, numeric, timestamptz, interval)
RETURNS internal AS 'MODULE_PATHNAME', 'crm_profile_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION crm_profile_trans(internal, timestamptz, numeric, timestamptz, interval) IS
'Transition function of crm_profile with a period (internal)';

CREATE FUNCTION crm_profile_trans(internal, timestamptz, numeric, timestamptz, interval, interval)
RETURNS internal AS 'MODULE_PATHNAME', 'crm_profile_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION crm_profile_trans(internal, timestamptz, numeric, timestamptz, interval, interval) IS
'Transition function of crm_profile with a period and a unit (internal)';

CREATE FUNCTION crm_profile_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'crm_profile_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION crm_profile_combine(internal, internal) IS
'Combine function of crm_profile: merges two partial states (internal)';

CREATE FUNCTION crm_profile_serialize(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'crm_profile_serialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION crm_profile_serialize(internal) IS
'Serialize function of crm_profile (internal)';

CREATE FUNCTION crm_profile_deserialize(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'crm_profile_deserialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION crm_profile_deserialize(bytea, internal) IS
'Deserialize function of crm_profile; checks every length (internal)';

CREATE FUNCTION crm_profile_final(internal)
RETURNS customer_profile AS 'MODULE_PATHNAME', 'crm_profile_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION crm_profile_final(internal) IS
'Final function of crm_profile (internal)';

CREATE AGGREGATE crm_profile(order_ts timestamptz, amount numeric, as_of timestamptz) (
    SFUNC = crm_profile_trans,
    STYPE = internal,
    FINALFUNC = crm_profile_final,
    COMBINEFUNC = crm_profile_combine,
    SERIALFUNC = crm_profile_serialize,
    DESERIALFUNC = crm_profile_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE crm_profile(timestamptz, numeric, timestamptz) IS
'Customer profile over one customer''s orders as of as_of, daily periods, times in days';

CREATE AGGREGATE crm_profile(order_ts timestamptz, amount numeric, as_of timestamptz, period interval) (
    SFUNC = crm_profile_trans,
    STYPE = internal,
    FINALFUNC = crm_profile_final,
    COMBINEFUNC = crm_profile_combine,
    SERIALFUNC = crm_profile_serialize,
    DESERIALFUNC = crm_profile_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE crm_profile(timestamptz, numeric, timestamptz, interval) IS
'Customer profile over one customer''s orders as of as_of; orders merged per period, times in units of the period (30 days for calendar-month periods)';

CREATE AGGREGATE crm_profile(order_ts timestamptz, amount numeric, as_of timestamptz, period interval, unit interval) (
    SFUNC = crm_profile_trans,
    STYPE = internal,
    FINALFUNC = crm_profile_final,
    COMBINEFUNC = crm_profile_combine,
    SERIALFUNC = crm_profile_serialize,
    DESERIALFUNC = crm_profile_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE crm_profile(timestamptz, numeric, timestamptz, interval, interval) IS
'Customer profile over one customer''s orders as of as_of; orders merged per period, times in unit';

-- Periods
CREATE FUNCTION period_start(ts timestamptz, period interval DEFAULT '1 day')
RETURNS timestamptz AS 'MODULE_PATHNAME', 'period_start'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION period_start(timestamptz, interval) IS
'Start of the period containing ts, as crm_profile floors order times (UTC, fixed periods from Monday 2000-01-03)';

-- ---- sql/src/15_profile_state.sql
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

-- ---- sql/src/20_rfm.sql
---------------------------------------------------------------------------
-- RFM: cut points, scores, segments and stored rule sets
---------------------------------------------------------------------------

-- Types
CREATE TYPE rfm_cut_points AS (
    bins         integer,
    recency_days float8[],
    frequency    float8[],
    monetary     float8[]
);
COMMENT ON TYPE rfm_cut_points IS
'RFM cut points: bins - 1 ascending thresholds per dimension; store them in a table to keep scores stable';
COMMENT ON COLUMN rfm_cut_points.bins IS 'Number of bins (scores run 1..bins)';
COMMENT ON COLUMN rfm_cut_points.recency_days IS 'Cut points of recency_days (days since the last purchase)';
COMMENT ON COLUMN rfm_cut_points.frequency IS 'Cut points of frequency';
COMMENT ON COLUMN rfm_cut_points.monetary IS 'Cut points of monetary';

CREATE TYPE rfm_scores AS (
    r       integer,
    f       integer,
    m       integer,
    cell    text,
    segment text
);
COMMENT ON TYPE rfm_scores IS 'RFM scores of one customer: R, F, M (1..bins), the cell (e.g. 545) and the segment name';
COMMENT ON COLUMN rfm_scores.r IS 'Recency score: bins for the most recent customers, 1 for the least recent';
COMMENT ON COLUMN rfm_scores.f IS 'Frequency score: 1 + number of cut points strictly below the frequency';
COMMENT ON COLUMN rfm_scores.m IS 'Monetary score: 1 + number of cut points strictly below the monetary value';
COMMENT ON COLUMN rfm_scores.cell IS 'R, F and M as text: ''545'', or ''10-3-7'' when bins > 9';
COMMENT ON COLUMN rfm_scores.segment IS 'Segment of the first matching rule, ''Others'' if none matches';

CREATE TYPE rfm_rule AS (
    segment text,
    r_min   integer,
    r_max   integer,
    f_min   integer,
    f_max   integer,
    m_min   integer,
    m_max   integer
);
COMMENT ON TYPE rfm_rule IS 'An RFM segment rule: inclusive score ranges; rules are tried in array order, first match wins';

-- rfm_breaks: cut points over a customer base (parallel aggregate)
CREATE FUNCTION rfm_breaks_trans(internal, float8, float8, float8)
RETURNS internal AS 'MODULE_PATHNAME', 'rfm_breaks_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION rfm_breaks_trans(internal, float8, float8, float8) IS
'Transition function of rfm_breaks (internal)';

CREATE FUNCTION rfm_breaks_trans(internal, float8, float8, float8, integer)
RETURNS internal AS 'MODULE_PATHNAME', 'rfm_breaks_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION rfm_breaks_trans(internal, float8, float8, float8, integer) IS
'Transition function of rfm_breaks with a number of bins (internal)';

CREATE FUNCTION rfm_breaks_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'rfm_breaks_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION rfm_breaks_combine(internal, internal) IS
'Combine function of rfm_breaks (internal)';

CREATE FUNCTION rfm_breaks_serialize(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'rfm_breaks_serialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rfm_breaks_serialize(internal) IS
'Serialize function of rfm_breaks (internal)';

CREATE FUNCTION rfm_breaks_deserialize(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'rfm_breaks_deserialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rfm_breaks_deserialize(bytea, internal) IS
'Deserialize function of rfm_breaks (internal)';

CREATE FUNCTION rfm_breaks_final(internal)
RETURNS rfm_cut_points AS 'MODULE_PATHNAME', 'rfm_breaks_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION rfm_breaks_final(internal) IS
'Final function of rfm_breaks (internal)';

CREATE AGGREGATE rfm_breaks(recency_days float8, frequency float8, monetary float8) (
    SFUNC = rfm_breaks_trans,
    STYPE = internal,
    FINALFUNC = rfm_breaks_final,
    COMBINEFUNC = rfm_breaks_combine,
    SERIALFUNC = rfm_breaks_serialize,
    DESERIALFUNC = rfm_breaks_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE rfm_breaks(float8, float8, float8) IS
'RFM cut points over a customer base: type-7 quantiles at k/5, k = 1..4';

CREATE AGGREGATE rfm_breaks(recency_days float8, frequency float8, monetary float8, bins integer) (
    SFUNC = rfm_breaks_trans,
    STYPE = internal,
    FINALFUNC = rfm_breaks_final,
    COMBINEFUNC = rfm_breaks_combine,
    SERIALFUNC = rfm_breaks_serialize,
    DESERIALFUNC = rfm_breaks_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE rfm_breaks(float8, float8, float8, integer) IS
'RFM cut points over a customer base: type-7 quantiles at k/bins, k = 1..bins-1 (bins 2..100)';

-- Scoring against stored cut points, and the segment rules
CREATE FUNCTION rfm_cut_points(recency_days float8[], frequency float8[], monetary float8[])
RETURNS rfm_cut_points AS 'MODULE_PATHNAME', 'rfm_cut_points_make'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rfm_cut_points(float8[], float8[], float8[]) IS
'User-supplied RFM thresholds: three ascending arrays of equal length (bins - 1 each)';

CREATE FUNCTION rfm_default_rules()
RETURNS rfm_rule[] AS 'MODULE_PATHNAME', 'rfm_default_rules'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION rfm_default_rules() IS
'The default RFM segment rules for 1..5 scores, in evaluation order';

CREATE FUNCTION rfm_score(recency_days float8, frequency float8, monetary float8, breaks rfm_cut_points)
RETURNS rfm_scores AS 'MODULE_PATHNAME', 'rfm_score'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rfm_score(float8, float8, float8, rfm_cut_points) IS
'RFM scores, cell and default segment of one customer against stored cut points';

CREATE FUNCTION rfm_score(recency_days float8, frequency float8, monetary float8, breaks rfm_cut_points, rules rfm_rule[])
RETURNS rfm_scores AS 'MODULE_PATHNAME', 'rfm_score_rules'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rfm_score(float8, float8, float8, rfm_cut_points, rfm_rule[]) IS
'RFM scores, cell and segment of one customer against stored cut points and a rule set';

CREATE FUNCTION rfm_segment(r integer, f integer, m integer)
RETURNS text AS 'MODULE_PATHNAME', 'rfm_segment'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rfm_segment(integer, integer, integer) IS
'Default segment name of 1..5 RFM scores';

CREATE FUNCTION rfm_segment(r integer, f integer, m integer, rules rfm_rule[])
RETURNS text AS 'MODULE_PATHNAME', 'rfm_segment'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rfm_segment(integer, integer, integer, rfm_rule[]) IS
'Segment name of RFM scores under a rule set (first match wins, else Others)';

CREATE FUNCTION rfm_rules_check(rules rfm_rule[], bins integer DEFAULT 5)
RETURNS TABLE (problem text, segment text, cell text) AS 'MODULE_PATHNAME', 'rfm_rules_check'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 20;
COMMENT ON FUNCTION rfm_rules_check(rfm_rule[], integer) IS
'Lists the rules of a rule set that can never fire and the score cells that fall to Others';

-- Window forms: cut points of the window partition, each row scored in the same query
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

-- Rule sets stored as data.  The 'default' set is part of the extension; other
-- sets belong to the user and are included in pg_dump.
CREATE TABLE rfm_segment_rules (
    rule_set text    NOT NULL,
    position integer NOT NULL,
    segment  text    NOT NULL,
    r_min    integer NOT NULL,
    r_max    integer NOT NULL,
    f_min    integer NOT NULL,
    f_max    integer NOT NULL,
    m_min    integer NOT NULL,
    m_max    integer NOT NULL,
    PRIMARY KEY (rule_set, position),
    CHECK (r_min BETWEEN 1 AND r_max AND f_min BETWEEN 1 AND f_max AND m_min BETWEEN 1 AND m_max)
);
COMMENT ON TABLE rfm_segment_rules IS
'Named RFM segment rule sets; rules of a set are tried in position order, first match wins; ''default'' is built in and cannot change';
INSERT INTO rfm_segment_rules
SELECT 'default', u.position, u.segment, u.r_min, u.r_max, u.f_min, u.f_max, u.m_min, u.m_max
FROM unnest(rfm_default_rules()) WITH ORDINALITY
     AS u(segment, r_min, r_max, f_min, f_max, m_min, m_max, position);
SELECT pg_catalog.pg_extension_config_dump('rfm_segment_rules', 'WHERE rule_set <> ''default''');
GRANT SELECT ON rfm_segment_rules TO PUBLIC;
-- the extension is trusted: whoever created it manages its rule sets
GRANT INSERT, UPDATE, DELETE ON rfm_segment_rules TO @extowner@;

-- The built-in rule set cannot change: it is rebuilt by CREATE EXTENSION and
-- pg_dump does not keep it (the trigger is created after its rows).
CREATE FUNCTION rfm_segment_rules_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF (TG_OP <> 'INSERT' AND OLD.rule_set = 'default') OR (TG_OP <> 'DELETE' AND NEW.rule_set = 'default') THEN
        RAISE EXCEPTION 'the rule set "default" is part of crm_loyalty and cannot be changed'
            USING ERRCODE = '42501',
                  DETAIL = 'It is rebuilt by CREATE EXTENSION, so pg_dump does not keep changes to it.',
                  HINT = 'Copy it under another name and change the copy: INSERT INTO rfm_segment_rules '
                         'SELECT ''mine'', position, segment, r_min, r_max, f_min, f_max, m_min, m_max '
                         'FROM rfm_segment_rules WHERE rule_set = ''default''.';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;
COMMENT ON FUNCTION rfm_segment_rules_guard() IS
'Trigger of rfm_segment_rules: the built-in rule set ''default'' cannot be inserted into, changed or deleted';
CREATE TRIGGER rfm_segment_rules_guard BEFORE INSERT OR UPDATE OR DELETE ON rfm_segment_rules
    FOR EACH ROW EXECUTE FUNCTION rfm_segment_rules_guard();
COMMENT ON TRIGGER rfm_segment_rules_guard ON rfm_segment_rules IS
'The built-in rule set ''default'' cannot be changed';

CREATE FUNCTION rfm_rules(rule_set text)
RETURNS rfm_rule[]
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    result @extschema@.rfm_rule[];
BEGIN
    SELECT array_agg(ROW(s.segment, s.r_min, s.r_max, s.f_min, s.f_max, s.m_min, s.m_max)::@extschema@.rfm_rule
                     ORDER BY s.position)
      INTO result
      FROM @extschema@.rfm_segment_rules AS s
     WHERE s.rule_set = rfm_rules.rule_set;
    IF result IS NULL THEN
        RAISE EXCEPTION 'rule set "%" does not exist', rule_set
            USING ERRCODE = '22023',
                  HINT = 'Insert its rules into rfm_segment_rules, or use ''default''.';
    END IF;
    RETURN result;
END
$$;
COMMENT ON FUNCTION rfm_rules(text) IS
'The rules of a stored rule set (table rfm_segment_rules), in position order, for rfm_score';

-- ---- sql/src/30_tiers.sql
---------------------------------------------------------------------------
-- Loyalty tiers: schemes, tier of a value, qualifying spend
---------------------------------------------------------------------------

CREATE TYPE tier_scheme AS (
    names      text[],
    thresholds numeric[]
);
COMMENT ON TYPE tier_scheme IS
'A loyalty tier scheme: tier names from the lowest to the highest and the ascending thresholds that open them';

CREATE FUNCTION loyalty_tier(value numeric, thresholds numeric[], names text[])
RETURNS text AS 'MODULE_PATHNAME', 'loyalty_tier'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION loyalty_tier(numeric, numeric[], text[]) IS
'Name of the highest tier whose threshold the value reaches (NULL below the lowest threshold)';

CREATE FUNCTION loyalty_tier(value numeric, scheme tier_scheme)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN @extschema@.loyalty_tier(value, (scheme).thresholds, (scheme).names);
COMMENT ON FUNCTION loyalty_tier(numeric, tier_scheme) IS
'Name of the highest tier of the scheme whose threshold the value reaches';

CREATE FUNCTION loyalty_scheme_trans(internal, numeric)
RETURNS internal AS 'MODULE_PATHNAME', 'loyalty_scheme_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION loyalty_scheme_trans(internal, numeric) IS
'Transition function of loyalty_scheme (internal)';

CREATE FUNCTION loyalty_scheme_trans(internal, numeric, float8[], text[])
RETURNS internal AS 'MODULE_PATHNAME', 'loyalty_scheme_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION loyalty_scheme_trans(internal, numeric, float8[], text[]) IS
'Transition function of loyalty_scheme with shares and names (internal)';

CREATE FUNCTION loyalty_scheme_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'loyalty_scheme_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION loyalty_scheme_combine(internal, internal) IS
'Combine function of loyalty_scheme (internal)';

CREATE FUNCTION loyalty_scheme_serialize(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'loyalty_scheme_serialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION loyalty_scheme_serialize(internal) IS
'Serialize function of loyalty_scheme (internal)';

CREATE FUNCTION loyalty_scheme_deserialize(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'loyalty_scheme_deserialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION loyalty_scheme_deserialize(bytea, internal) IS
'Deserialize function of loyalty_scheme (internal)';

CREATE FUNCTION loyalty_scheme_final(internal)
RETURNS tier_scheme AS 'MODULE_PATHNAME', 'loyalty_scheme_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION loyalty_scheme_final(internal) IS
'Final function of loyalty_scheme (internal)';

CREATE AGGREGATE loyalty_scheme(value numeric) (
    SFUNC = loyalty_scheme_trans,
    STYPE = internal,
    FINALFUNC = loyalty_scheme_final,
    COMBINEFUNC = loyalty_scheme_combine,
    SERIALFUNC = loyalty_scheme_serialize,
    DESERIALFUNC = loyalty_scheme_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE loyalty_scheme(numeric) IS
'Relative tiers over a measure: Platinum top 1%, Gold next 9%, Silver next 20%, Bronze the rest';

CREATE AGGREGATE loyalty_scheme(value numeric, shares float8[], names text[]) (
    SFUNC = loyalty_scheme_trans,
    STYPE = internal,
    FINALFUNC = loyalty_scheme_final,
    COMBINEFUNC = loyalty_scheme_combine,
    SERIALFUNC = loyalty_scheme_serialize,
    DESERIALFUNC = loyalty_scheme_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE loyalty_scheme(numeric, float8[], text[]) IS
'Relative tiers over a measure: names from the lowest tier up; shares of every tier but the lowest, in the same order';

CREATE FUNCTION qualifying_spend_trans(internal, timestamptz, numeric, timestamptz, interval)
RETURNS internal AS 'MODULE_PATHNAME', 'qualifying_spend_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION qualifying_spend_trans(internal, timestamptz, numeric, timestamptz, interval) IS
'Transition function of qualifying_spend (internal)';

CREATE FUNCTION qualifying_spend_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'qualifying_spend_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION qualifying_spend_combine(internal, internal) IS
'Combine function of qualifying_spend (internal)';

CREATE FUNCTION qualifying_spend_serialize(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'qualifying_spend_serialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION qualifying_spend_serialize(internal) IS
'Serialize function of qualifying_spend (internal)';

CREATE FUNCTION qualifying_spend_deserialize(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'qualifying_spend_deserialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION qualifying_spend_deserialize(bytea, internal) IS
'Deserialize function of qualifying_spend (internal)';

CREATE FUNCTION qualifying_spend_final(internal)
RETURNS numeric AS 'MODULE_PATHNAME', 'qualifying_spend_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION qualifying_spend_final(internal) IS
'Final function of qualifying_spend (internal)';

CREATE AGGREGATE qualifying_spend(order_ts timestamptz, amount numeric, as_of timestamptz, "window" interval) (
    SFUNC = qualifying_spend_trans,
    STYPE = internal,
    FINALFUNC = qualifying_spend_final,
    COMBINEFUNC = qualifying_spend_combine,
    SERIALFUNC = qualifying_spend_serialize,
    DESERIALFUNC = qualifying_spend_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE qualifying_spend(timestamptz, numeric, timestamptz, interval) IS
'Exact net spend of the orders in (as_of - window, as_of], refunds included';

CREATE FUNCTION loyalty_tier_spend_trans(internal, timestamptz, numeric, timestamptz, interval, numeric[], text[])
RETURNS internal AS 'MODULE_PATHNAME', 'loyalty_tier_spend_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION loyalty_tier_spend_trans(internal, timestamptz, numeric, timestamptz, interval, numeric[], text[]) IS
'Transition function of the loyalty_tier aggregate (internal)';

CREATE FUNCTION loyalty_tier_spend_final(internal)
RETURNS text AS 'MODULE_PATHNAME', 'loyalty_tier_spend_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION loyalty_tier_spend_final(internal) IS
'Final function of the loyalty_tier aggregate (internal)';

CREATE AGGREGATE loyalty_tier(order_ts timestamptz, amount numeric, as_of timestamptz, "window" interval,
                              thresholds numeric[], names text[]) (
    SFUNC = loyalty_tier_spend_trans,
    STYPE = internal,
    FINALFUNC = loyalty_tier_spend_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE loyalty_tier(timestamptz, numeric, timestamptz, interval, numeric[], text[]) IS
'Tier earned by the qualifying spend of the orders in (as_of - window, as_of]';

-- Window form: relative tiers over the window partition
CREATE FUNCTION loyalty_tier(value numeric)
RETURNS text AS 'MODULE_PATHNAME', 'loyalty_tier_window'
LANGUAGE C IMMUTABLE PARALLEL SAFE WINDOW;
COMMENT ON FUNCTION loyalty_tier(numeric) IS
'Window function: tier of the value in its window partition: top 1% Platinum, next 9% Gold, next 20% Silver, rest Bronze';

-- ---- sql/src/40_models.sql
---------------------------------------------------------------------------
-- Model types: BG/NBD, MBG/NBD, Pareto/NBD and Gamma-Gamma
-- Fixed-size values with a JSON text form (floats shortest-exact, so the text
-- round-trips), a constructor from parameters and a cast to jsonb each.  A fit
-- whose likelihood's supremum lies on the edge of the parameter space returns
-- the limiting model: a "limit" key in the text form, with its own parameters.
-- Binary I/O (send/receive, for binary COPY and binary-protocol drivers)
-- starts with a format version byte and is big-endian; receive applies the
-- text input's checks.
---------------------------------------------------------------------------

CREATE TYPE bgnbd_model;
CREATE FUNCTION bgnbd_model_in(cstring) RETURNS bgnbd_model
AS 'MODULE_PATHNAME', 'bgnbd_model_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION bgnbd_model_in(cstring) IS 'Input function of bgnbd_model: a JSON object with r, alpha, a, b and optional unit, ll, n, converged';
CREATE FUNCTION bgnbd_model_out(bgnbd_model) RETURNS cstring
AS 'MODULE_PATHNAME', 'bgnbd_model_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION bgnbd_model_out(bgnbd_model) IS 'Output function of bgnbd_model: JSON text, floats printed shortest-exact';
CREATE FUNCTION bgnbd_model_recv(internal) RETURNS bgnbd_model
AS 'MODULE_PATHNAME', 'bgnbd_model_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION bgnbd_model_recv(internal) IS
'Receive function of bgnbd_model: binary format version 1 (version byte, limit flags, parameters, unit, ll, n, converged); checked like the text input';
CREATE FUNCTION bgnbd_model_send(bgnbd_model) RETURNS bytea
AS 'MODULE_PATHNAME', 'bgnbd_model_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION bgnbd_model_send(bgnbd_model) IS
'Send function of bgnbd_model: binary format version 1, big-endian; round-trips exactly';
CREATE TYPE bgnbd_model (
    INPUT = bgnbd_model_in,
    OUTPUT = bgnbd_model_out,
    RECEIVE = bgnbd_model_recv,
    SEND = bgnbd_model_send,
    INTERNALLENGTH = 64,
    ALIGNMENT = double,
    STORAGE = plain
);
COMMENT ON TYPE bgnbd_model IS
'A BG/NBD model (Fader, Hardie & Lee 2005): r, alpha, a, b in a time unit, with the fit''s log-likelihood, size and convergence; or a limit of it (key "limit": no_dropout, homogeneous_rate+no_dropout, homogeneous_rate, homogeneous_dropout, homogeneous_rate+homogeneous_dropout) with that limit''s parameters';

CREATE FUNCTION bgnbd_model(r float8, alpha float8, a float8, b float8, unit interval DEFAULT '1 day')
RETURNS bgnbd_model AS 'MODULE_PATHNAME', 'bgnbd_model_make'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION bgnbd_model(float8, float8, float8, float8, interval) IS
'A BG/NBD model from its parameters (alpha in the given time unit)';


CREATE FUNCTION bgnbd_model_jsonb(bgnbd_model) RETURNS jsonb
AS 'MODULE_PATHNAME', 'bgnbd_model_jsonb' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION bgnbd_model_jsonb(bgnbd_model) IS 'The model as jsonb (parameter names as keys, unit, ll, n, converged)';
CREATE CAST (bgnbd_model AS jsonb) WITH FUNCTION bgnbd_model_jsonb(bgnbd_model);

CREATE TYPE mbgnbd_model;
CREATE FUNCTION mbgnbd_model_in(cstring) RETURNS mbgnbd_model
AS 'MODULE_PATHNAME', 'mbgnbd_model_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mbgnbd_model_in(cstring) IS 'Input function of mbgnbd_model: a JSON object with r, alpha, a, b and optional unit, ll, n, converged';
CREATE FUNCTION mbgnbd_model_out(mbgnbd_model) RETURNS cstring
AS 'MODULE_PATHNAME', 'mbgnbd_model_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mbgnbd_model_out(mbgnbd_model) IS 'Output function of mbgnbd_model: JSON text, floats printed shortest-exact';
CREATE FUNCTION mbgnbd_model_recv(internal) RETURNS mbgnbd_model
AS 'MODULE_PATHNAME', 'mbgnbd_model_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mbgnbd_model_recv(internal) IS
'Receive function of mbgnbd_model: binary format version 1 (version byte, limit flags, parameters, unit, ll, n, converged); checked like the text input';
CREATE FUNCTION mbgnbd_model_send(mbgnbd_model) RETURNS bytea
AS 'MODULE_PATHNAME', 'mbgnbd_model_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mbgnbd_model_send(mbgnbd_model) IS
'Send function of mbgnbd_model: binary format version 1, big-endian; round-trips exactly';
CREATE TYPE mbgnbd_model (
    INPUT = mbgnbd_model_in,
    OUTPUT = mbgnbd_model_out,
    RECEIVE = mbgnbd_model_recv,
    SEND = mbgnbd_model_send,
    INTERNALLENGTH = 64,
    ALIGNMENT = double,
    STORAGE = plain
);
COMMENT ON TYPE mbgnbd_model IS
'A modified BG/NBD model (Batislam, Denizel & Filiztekin 2007): r, alpha, a, b in a time unit, with the fit''s log-likelihood, size and convergence; or a limit of it (key "limit": no_dropout, homogeneous_rate+no_dropout, homogeneous_rate, homogeneous_dropout, homogeneous_rate+homogeneous_dropout) with that limit''s parameters';

CREATE FUNCTION mbgnbd_model(r float8, alpha float8, a float8, b float8, unit interval DEFAULT '1 day')
RETURNS mbgnbd_model AS 'MODULE_PATHNAME', 'mbgnbd_model_make'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mbgnbd_model(float8, float8, float8, float8, interval) IS
'A MBG/NBD model from its parameters (alpha in the given time unit)';

CREATE FUNCTION mbgnbd_model_jsonb(mbgnbd_model) RETURNS jsonb
AS 'MODULE_PATHNAME', 'mbgnbd_model_jsonb' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mbgnbd_model_jsonb(mbgnbd_model) IS 'The model as jsonb (parameter names as keys, unit, ll, n, converged)';
CREATE CAST (mbgnbd_model AS jsonb) WITH FUNCTION mbgnbd_model_jsonb(mbgnbd_model);

CREATE TYPE pareto_nbd_model;
CREATE FUNCTION pareto_nbd_model_in(cstring) RETURNS pareto_nbd_model
AS 'MODULE_PATHNAME', 'pareto_nbd_model_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pareto_nbd_model_in(cstring) IS 'Input function of pareto_nbd_model: a JSON object with r, alpha, s, beta and optional unit, ll, n, converged';
CREATE FUNCTION pareto_nbd_model_out(pareto_nbd_model) RETURNS cstring
AS 'MODULE_PATHNAME', 'pareto_nbd_model_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pareto_nbd_model_out(pareto_nbd_model) IS 'Output function of pareto_nbd_model: JSON text, floats printed shortest-exact';
CREATE FUNCTION pareto_nbd_model_recv(internal) RETURNS pareto_nbd_model
AS 'MODULE_PATHNAME', 'pareto_nbd_model_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pareto_nbd_model_recv(internal) IS
'Receive function of pareto_nbd_model: binary format version 1 (version byte, limit flags, parameters, unit, ll, n, converged); checked like the text input';
CREATE FUNCTION pareto_nbd_model_send(pareto_nbd_model) RETURNS bytea
AS 'MODULE_PATHNAME', 'pareto_nbd_model_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pareto_nbd_model_send(pareto_nbd_model) IS
'Send function of pareto_nbd_model: binary format version 1, big-endian; round-trips exactly';
CREATE TYPE pareto_nbd_model (
    INPUT = pareto_nbd_model_in,
    OUTPUT = pareto_nbd_model_out,
    RECEIVE = pareto_nbd_model_recv,
    SEND = pareto_nbd_model_send,
    INTERNALLENGTH = 64,
    ALIGNMENT = double,
    STORAGE = plain
);
COMMENT ON TYPE pareto_nbd_model IS
'A Pareto/NBD model (Schmittlein, Morrison & Colombo 1987): r, alpha, s, beta in a time unit, with the fit''s log-likelihood, size and convergence; or a limit of it (key "limit": no_dropout with r, alpha; homogeneous_rate+no_dropout with lambda; homogeneous_rate with lambda, s, beta; homogeneous_dropout with r, alpha, mu; homogeneous_rate+homogeneous_dropout with lambda, mu) with that limit''s parameters';

CREATE FUNCTION pareto_nbd_model(r float8, alpha float8, s float8, beta float8, unit interval DEFAULT '1 day')
RETURNS pareto_nbd_model AS 'MODULE_PATHNAME', 'pareto_nbd_model_make'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pareto_nbd_model(float8, float8, float8, float8, interval) IS
'A Pareto/NBD model from its parameters (alpha and beta in the given time unit)';

CREATE FUNCTION pareto_nbd_model_jsonb(pareto_nbd_model) RETURNS jsonb
AS 'MODULE_PATHNAME', 'pareto_nbd_model_jsonb' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pareto_nbd_model_jsonb(pareto_nbd_model) IS 'The model as jsonb (parameter names as keys, unit, ll, n, converged)';
CREATE CAST (pareto_nbd_model AS jsonb) WITH FUNCTION pareto_nbd_model_jsonb(pareto_nbd_model);

CREATE TYPE gamma_gamma_model;
CREATE FUNCTION gamma_gamma_model_in(cstring) RETURNS gamma_gamma_model
AS 'MODULE_PATHNAME', 'gamma_gamma_model_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gamma_gamma_model_in(cstring) IS 'Input function of gamma_gamma_model: a JSON object with p, q, v and optional ll, n, converged';
CREATE FUNCTION gamma_gamma_model_out(gamma_gamma_model) RETURNS cstring
AS 'MODULE_PATHNAME', 'gamma_gamma_model_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gamma_gamma_model_out(gamma_gamma_model) IS 'Output function of gamma_gamma_model: JSON text, floats printed shortest-exact';
CREATE FUNCTION gamma_gamma_model_recv(internal) RETURNS gamma_gamma_model
AS 'MODULE_PATHNAME', 'gamma_gamma_model_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gamma_gamma_model_recv(internal) IS
'Receive function of gamma_gamma_model: binary format version 1 (version byte, limit flags, parameters, ll, n, converged); checked like the text input';
CREATE FUNCTION gamma_gamma_model_send(gamma_gamma_model) RETURNS bytea
AS 'MODULE_PATHNAME', 'gamma_gamma_model_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gamma_gamma_model_send(gamma_gamma_model) IS
'Send function of gamma_gamma_model: binary format version 1, big-endian; round-trips exactly';
CREATE TYPE gamma_gamma_model (
    INPUT = gamma_gamma_model_in,
    OUTPUT = gamma_gamma_model_out,
    RECEIVE = gamma_gamma_model_recv,
    SEND = gamma_gamma_model_send,
    INTERNALLENGTH = 64,
    ALIGNMENT = double,
    STORAGE = plain
);
COMMENT ON TYPE gamma_gamma_model IS
'A Gamma-Gamma spend model (Fader, Hardie & Lee 2005): p, q, v, with the fit''s log-likelihood, size and convergence; or a limit of it (key "limit": homogeneous_spend with p, nu; constant_spend with spend)';

CREATE FUNCTION gamma_gamma_model(p float8, q float8, v float8)
RETURNS gamma_gamma_model AS 'MODULE_PATHNAME', 'gamma_gamma_model_make'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gamma_gamma_model(float8, float8, float8) IS
'A Gamma-Gamma spend model from its parameters';


CREATE FUNCTION gamma_gamma_model_jsonb(gamma_gamma_model) RETURNS jsonb
AS 'MODULE_PATHNAME', 'gamma_gamma_model_jsonb' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gamma_gamma_model_jsonb(gamma_gamma_model) IS 'The model as jsonb (parameter names as keys, ll, n, converged)';
CREATE CAST (gamma_gamma_model AS jsonb) WITH FUNCTION gamma_gamma_model_jsonb(gamma_gamma_model);

-- ---- sql/src/50_fit.sql
---------------------------------------------------------------------------
-- Fit aggregates: maximum-likelihood fits over customer summaries
-- One state type (btyd_cells: distinct summaries with counts) and one
-- transition for the purchase models; only the final function differs.
---------------------------------------------------------------------------

CREATE TYPE btyd_cells;
CREATE FUNCTION btyd_cells_in(cstring) RETURNS btyd_cells
AS 'MODULE_PATHNAME', 'btyd_cells_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION btyd_cells_in(cstring) IS 'Input function of btyd_cells (JSON: kind, unit, cells)';
CREATE FUNCTION btyd_cells_out(btyd_cells) RETURNS cstring
AS 'MODULE_PATHNAME', 'btyd_cells_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION btyd_cells_out(btyd_cells) IS 'Output function of btyd_cells; round-trips exactly';
CREATE FUNCTION btyd_cells_recv(internal) RETURNS btyd_cells
AS 'MODULE_PATHNAME', 'btyd_cells_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION btyd_cells_recv(internal) IS
'Receive function of btyd_cells: binary format version 1 (version byte, kind, unit (bgnbd), cell count, cells as float8); checked like the text input';
CREATE FUNCTION btyd_cells_send(btyd_cells) RETURNS bytea
AS 'MODULE_PATHNAME', 'btyd_cells_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION btyd_cells_send(btyd_cells) IS
'Send function of btyd_cells: binary format version 1, big-endian; round-trips exactly';
CREATE TYPE btyd_cells (
    INPUT = btyd_cells_in,
    OUTPUT = btyd_cells_out,
    RECEIVE = btyd_cells_recv,
    SEND = btyd_cells_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE btyd_cells IS
'State of the fit aggregates: distinct customer summaries with counts; its text form round-trips exactly so partial fits can be shipped (Citus)';

CREATE FUNCTION btyd_cells_combine(btyd_cells, btyd_cells) RETURNS btyd_cells
AS 'MODULE_PATHNAME', 'btyd_cells_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION btyd_cells_combine(btyd_cells, btyd_cells) IS 'Combine function of the fit aggregates: merges two states';

CREATE FUNCTION bgnbd_fit_trans(btyd_cells, float8, float8, float8) RETURNS btyd_cells
AS 'MODULE_PATHNAME', 'bgnbd_fit_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION bgnbd_fit_trans(btyd_cells, float8, float8, float8) IS 'Transition function of bgnbd_fit (times in days)';
CREATE FUNCTION bgnbd_fit_trans(btyd_cells, float8, float8, float8, interval) RETURNS btyd_cells
AS 'MODULE_PATHNAME', 'bgnbd_fit_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION bgnbd_fit_trans(btyd_cells, float8, float8, float8, interval) IS 'Transition function of bgnbd_fit with a time unit';
CREATE FUNCTION bgnbd_fit_profile_trans(btyd_cells, customer_profile) RETURNS btyd_cells
AS 'MODULE_PATHNAME', 'bgnbd_fit_profile_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION bgnbd_fit_profile_trans(btyd_cells, customer_profile) IS 'Transition function of bgnbd_fit over profiles';
CREATE FUNCTION bgnbd_fit_final(btyd_cells) RETURNS bgnbd_model
AS 'MODULE_PATHNAME', 'bgnbd_fit_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION bgnbd_fit_final(btyd_cells) IS 'Final function of bgnbd_fit: maximum-likelihood fit';

CREATE AGGREGATE bgnbd_fit(frequency float8, recency float8, t float8) (
    SFUNC = bgnbd_fit_trans, STYPE = btyd_cells, FINALFUNC = bgnbd_fit_final,
    COMBINEFUNC = btyd_cells_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE bgnbd_fit(float8, float8, float8) IS
'Maximum-likelihood BG/NBD fit over customer summaries in days';
CREATE AGGREGATE bgnbd_fit(frequency float8, recency float8, t float8, unit interval) (
    SFUNC = bgnbd_fit_trans, STYPE = btyd_cells, FINALFUNC = bgnbd_fit_final,
    COMBINEFUNC = btyd_cells_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE bgnbd_fit(float8, float8, float8, interval) IS
'Maximum-likelihood BG/NBD fit over customer summaries in the given time unit';
CREATE AGGREGATE bgnbd_fit(profile customer_profile) (
    SFUNC = bgnbd_fit_profile_trans, STYPE = btyd_cells, FINALFUNC = bgnbd_fit_final,
    COMBINEFUNC = btyd_cells_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE bgnbd_fit(customer_profile) IS
'Maximum-likelihood BG/NBD fit over crm_profile() results (unit taken from the profiles)';

CREATE FUNCTION gamma_gamma_fit_trans(btyd_cells, float8, float8) RETURNS btyd_cells
AS 'MODULE_PATHNAME', 'gamma_gamma_fit_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gamma_gamma_fit_trans(btyd_cells, float8, float8) IS 'Transition function of gamma_gamma_fit';
CREATE FUNCTION gamma_gamma_fit_profile_trans(btyd_cells, customer_profile) RETURNS btyd_cells
AS 'MODULE_PATHNAME', 'gamma_gamma_fit_profile_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gamma_gamma_fit_profile_trans(btyd_cells, customer_profile) IS 'Transition function of gamma_gamma_fit over profiles';
CREATE FUNCTION gamma_gamma_fit_final(btyd_cells) RETURNS gamma_gamma_model
AS 'MODULE_PATHNAME', 'gamma_gamma_fit_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gamma_gamma_fit_final(btyd_cells) IS 'Final function of gamma_gamma_fit: maximum-likelihood fit';

CREATE AGGREGATE gamma_gamma_fit(frequency float8, monetary float8) (
    SFUNC = gamma_gamma_fit_trans, STYPE = btyd_cells, FINALFUNC = gamma_gamma_fit_final,
    COMBINEFUNC = btyd_cells_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE gamma_gamma_fit(float8, float8) IS
'Maximum-likelihood Gamma-Gamma spend fit over repeat customers (frequency > 0, monetary > 0; others are skipped)';
CREATE AGGREGATE gamma_gamma_fit(profile customer_profile) (
    SFUNC = gamma_gamma_fit_profile_trans, STYPE = btyd_cells, FINALFUNC = gamma_gamma_fit_final,
    COMBINEFUNC = btyd_cells_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE gamma_gamma_fit(customer_profile) IS
'Maximum-likelihood Gamma-Gamma spend fit over crm_profile() results (repeat customers only)';

-- Pareto/NBD and MBG/NBD reuse the BG/NBD state and transition
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

-- ---- sql/src/60_scores.sql
---------------------------------------------------------------------------
-- Scores: P(alive), churn, expected purchases and spend, CLV
-- IMMUTABLE: the model is an argument; horizons given as float8 are in the
-- model's unit.  Every purchase-model score has one overload per model type.
---------------------------------------------------------------------------

-- BG/NBD
CREATE FUNCTION p_alive(frequency float8, recency float8, t float8, model bgnbd_model)
RETURNS float8 AS 'MODULE_PATHNAME', 'bgnbd_p_alive' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION p_alive(float8, float8, float8, bgnbd_model) IS
'BG/NBD probability that the customer is still active at t (times in the model''s unit)';
CREATE FUNCTION p_alive(profile customer_profile, model bgnbd_model)
RETURNS float8 AS 'MODULE_PATHNAME', 'bgnbd_p_alive_profile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION p_alive(customer_profile, bgnbd_model) IS
'BG/NBD probability that the customer of a profile is still active';

CREATE FUNCTION churn_probability(frequency float8, recency float8, t float8, model bgnbd_model)
RETURNS float8 AS 'MODULE_PATHNAME', 'bgnbd_churn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION churn_probability(float8, float8, float8, bgnbd_model) IS
'1 - P(alive): BG/NBD probability that the customer has churned (times in the model''s unit)';
CREATE FUNCTION churn_probability(profile customer_profile, model bgnbd_model)
RETURNS float8 AS 'MODULE_PATHNAME', 'bgnbd_churn_profile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION churn_probability(customer_profile, bgnbd_model) IS
'1 - P(alive) for the customer of a profile';
CREATE FUNCTION churn_probability(frequency float8, recency float8, t float8, model bgnbd_model, horizon interval)
RETURNS float8 AS 'MODULE_PATHNAME', 'bgnbd_churn_horizon' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION churn_probability(float8, float8, float8, bgnbd_model, interval) IS
'Probability of no purchase in the next horizon, P(no purchase in (t, t + horizon])';
CREATE FUNCTION churn_probability(profile customer_profile, model bgnbd_model, horizon interval)
RETURNS float8 AS 'MODULE_PATHNAME', 'bgnbd_churn_horizon_profile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION churn_probability(customer_profile, bgnbd_model, interval) IS
'Probability that the customer of a profile makes no purchase in the next horizon';

CREATE FUNCTION expected_purchases(horizon float8, frequency float8, recency float8, t float8, model bgnbd_model)
RETURNS float8 AS 'MODULE_PATHNAME', 'bgnbd_expected' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION expected_purchases(float8, float8, float8, float8, bgnbd_model) IS
'BG/NBD expected purchases in (t, t + horizon], horizon in the model''s unit';
CREATE FUNCTION expected_purchases(horizon interval, frequency float8, recency float8, t float8, model bgnbd_model)
RETURNS float8 AS 'MODULE_PATHNAME', 'bgnbd_expected_interval' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION expected_purchases(interval, float8, float8, float8, bgnbd_model) IS
'BG/NBD expected purchases in the next horizon (converted to the model''s unit)';
CREATE FUNCTION expected_purchases(horizon interval, profile customer_profile, model bgnbd_model)
RETURNS float8 AS 'MODULE_PATHNAME', 'bgnbd_expected_profile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION expected_purchases(interval, customer_profile, bgnbd_model) IS
'BG/NBD expected purchases of the customer of a profile in the next horizon';
CREATE FUNCTION expected_purchases(horizon float8, model bgnbd_model)
RETURNS float8 AS 'MODULE_PATHNAME', 'bgnbd_expected_new' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION expected_purchases(float8, bgnbd_model) IS
'BG/NBD expected purchases of a new customer in (0, horizon], horizon in the model''s unit';
CREATE FUNCTION expected_purchases(horizon interval, model bgnbd_model)
RETURNS float8 AS 'MODULE_PATHNAME', 'bgnbd_expected_new' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION expected_purchases(interval, bgnbd_model) IS
'BG/NBD expected purchases of a new customer in the first horizon';

-- Gamma-Gamma spend
CREATE FUNCTION expected_spend(frequency float8, monetary float8, model gamma_gamma_model)
RETURNS float8 AS 'MODULE_PATHNAME', 'gg_expected_spend' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION expected_spend(float8, float8, gamma_gamma_model) IS
'Gamma-Gamma expected spend per purchase E[M | x, m] (the population mean when frequency = 0)';
CREATE FUNCTION expected_spend(profile customer_profile, model gamma_gamma_model)
RETURNS float8 AS 'MODULE_PATHNAME', 'gg_expected_spend_profile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION expected_spend(customer_profile, gamma_gamma_model) IS
'Gamma-Gamma expected spend per purchase of the customer of a profile';

-- CLV with BG/NBD purchases
CREATE FUNCTION clv_estimate(frequency float8, recency float8, t float8, monetary float8,
                             bgnbd bgnbd_model, gamma_gamma gamma_gamma_model,
                             months integer DEFAULT 12, monthly_discount float8 DEFAULT 0.01,
                             month_length interval DEFAULT '30 days')
RETURNS float8 AS 'MODULE_PATHNAME', 'clv_estimate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clv_estimate(float8, float8, float8, float8, bgnbd_model, gamma_gamma_model, integer, float8, interval) IS
'Discounted customer lifetime value over the next months: sum of expected monthly purchases x expected spend / (1 + d)^k';
CREATE FUNCTION clv_estimate(profile customer_profile, bgnbd bgnbd_model, gamma_gamma gamma_gamma_model,
                             months integer DEFAULT 12, monthly_discount float8 DEFAULT 0.01,
                             month_length interval DEFAULT '30 days')
RETURNS float8 AS 'MODULE_PATHNAME', 'clv_estimate_profile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clv_estimate(customer_profile, bgnbd_model, gamma_gamma_model, integer, float8, interval) IS
'Discounted customer lifetime value of the customer of a profile';

-- Pareto/NBD
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

-- MBG/NBD
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

-- Window forms: models fitted over the window partition, each row scored in the same query
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

-- ---- sql/src/70_store.sql
---------------------------------------------------------------------------
-- Model store: fitted models by role, name and group
-- Fitted models belong to the role that stored them.  Every role has its own
-- namespace of model names (fitted_by is part of the key), so no role can take
-- a name from another.  fitted_by and fitted_at are set by a trigger for
-- everybody but the store's owner, so they cannot be forged.  Rows are
-- private to their writer (and members of the writer's role) unless the
-- writer lists readers.  The table is owned by the extension's owner, who
-- therefore bypasses row-level security: pg_dump and pg_restore run by that
-- role copy every row with its original fitted_by and fitted_at, and that
-- role can delete any row.
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
    readers    name[]      NOT NULL DEFAULT '{}',
    PRIMARY KEY (fitted_by, name, group_key, kind, fitted_at),
    CHECK (kind IN ('bgnbd', 'gamma_gamma', 'pareto_nbd', 'mbgnbd'))
);
COMMENT ON TABLE fitted_models IS
'Fitted models by role, name (and group): every fit is kept; a role''s lookups use the newest fit of its own name, or of role.name when that role shares it';
COMMENT ON COLUMN fitted_models.name IS
'Model name chosen by whoever fitted it; every role has its own names (the key includes fitted_by)';
COMMENT ON COLUMN fitted_models.group_key IS 'Group the model was fitted on (e.g. a country), '''' for the whole source';
COMMENT ON COLUMN fitted_models.kind IS 'Model kind: bgnbd, gamma_gamma, mbgnbd or pareto_nbd';
COMMENT ON COLUMN fitted_models.model IS 'The model value in its exact text form (cast to bgnbd_model / gamma_gamma_model)';
COMMENT ON COLUMN fitted_models.parameters IS 'The model as jsonb: parameters, unit, ll, n, converged';
COMMENT ON COLUMN fitted_models.unit IS 'Time unit of the model''s rates (BG/NBD)';
COMMENT ON COLUMN fitted_models.fitted_at IS
'When the fit was stored (set by the server; only the store''s owner, e.g. pg_restore, writes it as given)';
COMMENT ON COLUMN fitted_models.source IS 'What the model was fitted on: table, columns, observation end, period, unit';
COMMENT ON COLUMN fitted_models.n IS 'Customers in the fit';
COMMENT ON COLUMN fitted_models.ll IS 'Log-likelihood of the fit';
COMMENT ON COLUMN fitted_models.converged IS 'Whether the fit converged';
COMMENT ON COLUMN fitted_models.fitted_by IS
'Role that stored the fit (set by the server; only the store''s owner, e.g. pg_restore, writes it as given)';
COMMENT ON COLUMN fitted_models.readers IS
'Roles (with their members) that may read the fit besides its writer; ''public'' for every role; empty: private';
SELECT pg_catalog.pg_extension_config_dump('fitted_models', '');

-- The owner is the role that ran CREATE EXTENSION, not the superuser a
-- trusted extension's script runs as; it changes before the grants, so that
-- the initial privileges recorded for pg_dump name the owner.  Everybody may
-- read and add fits and delete their own (the policies below decide which
-- rows).
ALTER TABLE fitted_models OWNER TO @extowner@;
ALTER TABLE fitted_models ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, DELETE ON fitted_models TO PUBLIC;
-- only the readers of a fit can change (fitted_models_stamp keeps the rest)
GRANT UPDATE (readers) ON fitted_models TO PUBLIC;

-- Whether the current role may read a fit written by writer with these
-- readers.  Roles that no longer exist count as nobody.
CREATE FUNCTION fitted_model_readable(writer name, readers name[])
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
RETURN writer = CURRENT_USER
    OR 'public' = ANY (readers)
    OR EXISTS (SELECT 1 FROM pg_catalog.pg_roles AS r
                WHERE (r.rolname = writer OR r.rolname = ANY (readers))
                  AND pg_catalog.pg_has_role(r.oid, 'USAGE'));
COMMENT ON FUNCTION fitted_model_readable(name, name[]) IS
'Whether the current role may read a stored fit: it wrote it, has the writer''s privileges, or is (a member of) one of its readers or readers include public';

-- Whether the current role acts for the writer (is it, or has its privileges).
CREATE FUNCTION fitted_model_writable(writer name)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
RETURN writer = CURRENT_USER
    OR EXISTS (SELECT 1 FROM pg_catalog.pg_roles AS r
                WHERE r.rolname = writer AND pg_catalog.pg_has_role(r.oid, 'USAGE'));
COMMENT ON FUNCTION fitted_model_writable(name) IS
'Whether the current role may delete or re-share a stored fit: it wrote it or has the writer''s privileges';

CREATE POLICY fitted_models_read ON fitted_models FOR SELECT
    USING (@extschema@.fitted_model_readable(fitted_by, readers));
CREATE POLICY fitted_models_add ON fitted_models FOR INSERT
    WITH CHECK (fitted_by = CURRENT_USER);
CREATE POLICY fitted_models_share ON fitted_models FOR UPDATE
    USING (@extschema@.fitted_model_writable(fitted_by))
    WITH CHECK (@extschema@.fitted_model_writable(fitted_by));
CREATE POLICY fitted_models_remove ON fitted_models FOR DELETE
    USING (@extschema@.fitted_model_writable(fitted_by));
COMMENT ON POLICY fitted_models_read ON fitted_models IS
'A role reads its own fits, those of roles whose privileges it has, and those whose readers include it, one of its roles or public';
COMMENT ON POLICY fitted_models_add ON fitted_models IS
'A role adds fits only in its own name (every role has its own model names)';
COMMENT ON POLICY fitted_models_share ON fitted_models IS
'A role changes the readers of its own fits only';
COMMENT ON POLICY fitted_models_remove ON fitted_models IS
'A role deletes its own fits only (the table''s owner, the extension''s owner, deletes any)';

-- Sets fitted_at, refuses a fitted_by other than the current role, and
-- refuses changes to anything but readers.  The store's owner (and its
-- members) write rows as given: that is how pg_restore brings back the
-- original fitted_by and fitted_at.
CREATE FUNCTION fitted_models_stamp()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    bad name;
BEGIN
    IF pg_catalog.pg_has_role((SELECT c.relowner FROM pg_catalog.pg_class AS c WHERE c.oid = TG_RELID), 'USAGE') THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        IF NEW.name IS DISTINCT FROM OLD.name OR NEW.group_key IS DISTINCT FROM OLD.group_key
           OR NEW.kind IS DISTINCT FROM OLD.kind OR NEW.model IS DISTINCT FROM OLD.model
           OR NEW.parameters IS DISTINCT FROM OLD.parameters OR NEW.fitted_by IS DISTINCT FROM OLD.fitted_by
           OR NEW.fitted_at IS DISTINCT FROM OLD.fitted_at THEN
            RAISE EXCEPTION 'stored fits cannot be changed, only their readers'
                USING ERRCODE = '42501', HINT = 'Store a new fit with fit_models(); share it with share_model().';
        END IF;
    ELSE
        IF NEW.fitted_by IS DISTINCT FROM CURRENT_USER THEN
            RAISE EXCEPTION 'a fit can only be stored in the name of the current role (%), not %',
                            CURRENT_USER, NEW.fitted_by
                USING ERRCODE = '42501', HINT = 'Leave fitted_by out; the server fills it in.';
        END IF;
        NEW.fitted_at := pg_catalog.clock_timestamp();
        -- readers are a property of the name: a new fit under a shared name
        -- is shared like the fit before it, unless readers are given
        IF NEW.readers = '{}' THEN
            NEW.readers := coalesce((SELECT m.readers FROM @extschema@.fitted_models AS m
                                      WHERE m.fitted_by = NEW.fitted_by AND m.name = NEW.name
                                      ORDER BY m.fitted_at DESC LIMIT 1), '{}');
        END IF;
    END IF;
    SELECT x INTO bad FROM pg_catalog.unnest(NEW.readers) AS x
     WHERE x IS NULL OR (x <> 'public' AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles AS r WHERE r.rolname = x))
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'reader % is not a role', coalesce(pg_catalog.quote_ident(bad), 'NULL')
            USING ERRCODE = '42704', HINT = 'Readers are role names, or public for every role.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION fitted_models_stamp() IS
'Trigger of fitted_models: sets fitted_at, checks fitted_by and readers, keeps stored fits unchanged (the store''s owner writes rows as given)';
CREATE TRIGGER fitted_models_stamp BEFORE INSERT OR UPDATE ON fitted_models
    FOR EACH ROW EXECUTE FUNCTION fitted_models_stamp();
ALTER TABLE fitted_models ENABLE ALWAYS TRIGGER fitted_models_stamp;
COMMENT ON TRIGGER fitted_models_stamp ON fitted_models IS
'Sets fitted_at, refuses a foreign fitted_by and any change but readers, for every role but the table''s owner';

-- Lookups: the newest fit of a name, group and kind

-- Splits 'role.name' (or '"role.with.dots".name') into role and name; NULL
-- when the text has no role part.
CREATE FUNCTION stored_model_owner_split(qualified text, OUT owner name, OUT name text)
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    parts text[];
BEGIN
    IF left(qualified, 1) = '"' THEN
        parts := regexp_match(qualified, '^"((?:[^"]|"")+)"\.(.+)$');
        IF parts IS NOT NULL THEN
            parts[1] := replace(parts[1], '""', '"');
        END IF;
    ELSE
        parts := regexp_match(qualified, '^([^."]+)\.(.+)$');
    END IF;
    owner := parts[1];
    name := parts[2];
END
$$;
COMMENT ON FUNCTION stored_model_owner_split(text) IS
'Splits a qualified model name role.name (role in double quotes if it contains a dot) into the role and the name';

-- The text of the newest stored model of a kind written by one role and
-- readable by the current one, or a 22023 error.  The kinds the store holds
-- are checked first: anything else is a mistake worth its own message, not
-- "no such model".
CREATE FUNCTION stored_model(name text, group_key text, kind text, owner name)
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

-- The caller's own newest model of that name; or, when the caller has none
-- and the name reads role.name, that role's model (if the caller may read it).
CREATE FUNCTION stored_model(name text, group_key text, kind text)
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

CREATE FUNCTION stored_bgnbd_model(name text, group_key text DEFAULT '')
RETURNS bgnbd_model
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN @extschema@.stored_model(name, group_key, 'bgnbd')::@extschema@.bgnbd_model;
COMMENT ON FUNCTION stored_bgnbd_model(text, text) IS
'The newest BG/NBD model the current role stored under a name (and group); role.name for a model another role shared';

CREATE FUNCTION stored_gamma_gamma_model(name text, group_key text DEFAULT '')
RETURNS gamma_gamma_model
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN @extschema@.stored_model(name, group_key, 'gamma_gamma')::@extschema@.gamma_gamma_model;
COMMENT ON FUNCTION stored_gamma_gamma_model(text, text) IS
'The newest Gamma-Gamma model the current role stored under a name (and group); role.name for a model another role shared';

CREATE FUNCTION stored_bgnbd_model(name text, group_key text, owner name)
RETURNS bgnbd_model
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN @extschema@.stored_model(name, group_key, 'bgnbd', owner)::@extschema@.bgnbd_model;
COMMENT ON FUNCTION stored_bgnbd_model(text, text, name) IS
'The newest BG/NBD model a given role stored under a name and group, if the current role may read it';

CREATE FUNCTION stored_gamma_gamma_model(name text, group_key text, owner name)
RETURNS gamma_gamma_model
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN @extschema@.stored_model(name, group_key, 'gamma_gamma', owner)::@extschema@.gamma_gamma_model;
COMMENT ON FUNCTION stored_gamma_gamma_model(text, text, name) IS
'The newest Gamma-Gamma model a given role stored under a name and group, if the current role may read it';
CREATE FUNCTION stored_mbgnbd_model(name text, group_key text DEFAULT '')
RETURNS mbgnbd_model
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN @extschema@.stored_model(name, group_key, 'mbgnbd')::@extschema@.mbgnbd_model;
COMMENT ON FUNCTION stored_mbgnbd_model(text, text) IS
'The newest MBG/NBD model the current role stored under a name (and group); role.name for a model another role shared';

CREATE FUNCTION stored_pareto_nbd_model(name text, group_key text DEFAULT '')
RETURNS pareto_nbd_model
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN @extschema@.stored_model(name, group_key, 'pareto_nbd')::@extschema@.pareto_nbd_model;
COMMENT ON FUNCTION stored_pareto_nbd_model(text, text) IS
'The newest Pareto/NBD model the current role stored under a name (and group); role.name for a model another role shared';

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

-- Newest stored model of a kind, or NULL when there is none: what a scoring
-- view reads at query time, so that a model deleted after the view was
-- created turns the model columns NULL (model_status says so) instead of
-- failing every read.  Visibility is stored_model's.  PARALLEL RESTRICTED:
-- the exception block needs a subtransaction.  NULL only when no model of
-- that kind is stored (or readable); an unknown kind is an error.
CREATE FUNCTION find_stored_model(name text, group_key text, kind text)
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

-- Sets who may read the caller's fits stored under a name (every group, kind
-- and fit of that name, and later fits under it).
CREATE FUNCTION share_model(name text, readers name[])
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    changed bigint;
BEGIN
    IF name IS NULL OR readers IS NULL THEN
        RAISE EXCEPTION 'share_model: name and readers must not be NULL'
            USING ERRCODE = '22004', HINT = 'Pass ''{}'' to make the model private again.';
    END IF;
    UPDATE @extschema@.fitted_models AS m
       SET readers = ARRAY(SELECT DISTINCT x FROM unnest(share_model.readers) AS x ORDER BY 1)
     WHERE m.fitted_by = CURRENT_USER AND m.name = share_model.name;
    GET DIAGNOSTICS changed = ROW_COUNT;
    IF changed = 0 THEN
        RAISE EXCEPTION 'share_model: % has stored no model "%"', quote_ident(CURRENT_USER), name
            USING ERRCODE = '22023', HINT = 'Store it with fit_models() first; see your fits in fitted_models.';
    END IF;
    RETURN changed;
END
$$;
COMMENT ON FUNCTION share_model(text, name[]) IS
'Sets the readers of every fit the current role stored under a name (roles, or public; ''{}'' makes it private); returns the number of fits';

-- Fitting and storing

-- Raises 42703 for a missing column and 42804 for a column whose type does
-- not fit: 'number' (smallint, integer, bigint, real, double precision,
-- numeric, or a domain over one), 'time' (timestamptz, timestamp, date) or
-- 'any'.  caller prefixes the messages.
CREATE FUNCTION check_columns(caller text, source regclass, columns text[], expected text[])
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    i    integer;
    typ  oid;
    base oid;
BEGIN
    IF source IS NULL THEN
        RAISE EXCEPTION '%: the table must not be NULL', caller USING ERRCODE = '22004';
    END IF;
    IF columns IS NULL OR expected IS NULL OR cardinality(columns) <> cardinality(expected) THEN
        RAISE EXCEPTION 'check_columns: columns and expected must be arrays of the same length'
            USING ERRCODE = '22023';
    END IF;
    FOR i IN 1 .. cardinality(columns) LOOP
        IF columns[i] IS NULL THEN
            RAISE EXCEPTION '%: column names must not be NULL', caller USING ERRCODE = '22004';
        END IF;
        SELECT a.atttypid INTO typ FROM pg_attribute AS a
         WHERE a.attrelid = source AND a.attname = columns[i] AND a.attnum > 0 AND NOT a.attisdropped;
        IF NOT FOUND THEN
            RAISE EXCEPTION '%: % has no column "%"', caller, source, columns[i]
                USING ERRCODE = '42703';
        END IF;
        base := typ;
        WHILE (SELECT t.typtype = 'd' FROM pg_type AS t WHERE t.oid = base) LOOP
            SELECT t.typbasetype INTO base FROM pg_type AS t WHERE t.oid = base;
        END LOOP;
        IF (expected[i] = 'number' AND base NOT IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype,
                                                     'float4'::regtype, 'float8'::regtype, 'numeric'::regtype))
           OR (expected[i] = 'time' AND base NOT IN ('timestamptz'::regtype, 'timestamp'::regtype, 'date'::regtype)) THEN
            RAISE EXCEPTION '%: column "%" of % is %, not %', caller, columns[i], source, format_type(typ, NULL),
                            CASE expected[i] WHEN 'number' THEN 'a number' ELSE 'a time' END
                USING ERRCODE = '42804',
                      DETAIL = CASE expected[i]
                               WHEN 'number' THEN 'Expected smallint, integer, bigint, real, double precision or numeric.'
                               ELSE 'Expected timestamp with time zone, timestamp or date.' END,
                      HINT = 'Cast the column in a view over the table and pass the view.';
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION check_columns(text, regclass, text[], text[]) IS
'Checks that a table has the named columns with the expected kinds of type (number, time, any): 42703 or 42804 naming the column';

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

-- fit_models: the purchase model is chosen with {"model": ...} (default
-- pareto_nbd); every stored row names its kind.
CREATE FUNCTION fit_models(name text, source regclass, customer_column text,
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

-- ---- sql/src/80_views.sql
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
    tz            text := 'UTC';
    as_of_given   boolean;
    as_of_abs     timestamptz;
    as_of_sql     text;
    period        interval := '1 day';
    unit          interval;
    bins          integer := 5;
    cut_points    @extschema@.rfm_cut_points;
    breaks_sql    text;
    rules_sql     text := '';
    kind          text;
    kind_label    text;
    stored_name   text;
    gg_name       text;
    grp           text := '';
    stored_text   text;
    pm_sql        text;
    pm_status_sql text;
    gg_sql        text;
    gg_status_sql text;
    scheme_sql    text;
    measure       text := 'total_spend';
    horizon       interval := '90 days';
    iv            interval;
    months        integer := 12;
    discount      float8 := 0.01;
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
    known         text[] := ARRAY['schema', 'as_of', 'time_zone', 'period', 'unit', 'bins',
                                  'rfm_cut_points', 'rfm_rule_set', 'tier_scheme', 'tier_measure',
                                  'model', 'purchase_model', 'bgnbd_model', 'gamma_gamma_model',
                                  'model_group', 'horizon', 'clv_months', 'monthly_discount',
                                  'materialized'];
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
        'materialized', 'Use true or false.');
BEGIN
    IF view_name IS NULL OR source IS NULL OR customer_column IS NULL
       OR ordered_at_column IS NULL OR amount_column IS NULL THEN
        RAISE EXCEPTION 'create_scoring_view: view_name, source and the three column names must not be NULL'
            USING ERRCODE = '22004';
    END IF;
    options := coalesce(options, '{}');
    IF jsonb_typeof(options) <> 'object' THEN
        RAISE EXCEPTION 'create_scoring_view: options must be a JSON object'
            USING ERRCODE = '22023', HINT = 'E.g. ''{"unit": "7 days"}''.';
    END IF;
    SELECT string_agg(x, ', ') INTO k
      FROM jsonb_object_keys(options) AS x WHERE x <> ALL (known);
    IF k IS NOT NULL THEN
        RAISE EXCEPTION 'create_scoring_view: unknown option(s) %', k
            USING ERRCODE = '22023', HINT = format('Known options: %s.', array_to_string(known, ', '));
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
        PERFORM @extschema@.expected_purchases(horizon, 1::float8, 1::float8, 2::float8,
                                               @extschema@.bgnbd_model(1, 1, 2, 2, unit));

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
                    kind := coalesce(known[1], 'pareto_nbd');
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
        kind := coalesce(kind, 'pareto_nbd');
    EXCEPTION WHEN data_exception OR invalid_schema_name THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, hnt = PG_EXCEPTION_HINT;
        RAISE EXCEPTION 'create_scoring_view: option "%": %', k, msg
            USING ERRCODE = st, HINT = coalesce(nullif(hnt, ''), hints->>k);
    END;
    kind_label := CASE kind WHEN 'bgnbd' THEN 'BG/NBD' WHEN 'mbgnbd' THEN 'MBG/NBD' ELSE 'Pareto/NBD' END;
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

    -- Aggregates inside a view cannot be caught, so each fit runs only over
    -- data that can identify it (fits raise 22023 when nobody repeated), and
    -- each score only with a usable model (converged, or a limiting model).
    IF stored_name IS NOT NULL THEN
        pm_sql := format('(SELECT %1$s.find_stored_model(%2$L, %3$L, %4$L)::%1$s.%4$s_model)',
                         ext, stored_name, grp, kind);
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
                         ext, gg_name, grp);
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

    body := format($v$
WITH src AS (
    SELECT o.%2$I AS customer_id, %3$s AS ts, o.%4$I::numeric AS amount
      FROM %5$s AS o
     WHERE o.%2$I IS NOT NULL
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
), stats AS MATERIALIZED (
    SELECT count(pr.p) FILTER (WHERE (pr.p).frequency > 0) AS repeaters,
           count(pr.p) FILTER (WHERE (pr.p).frequency > 0 AND (pr.p).monetary > 0) AS spenders
      FROM profiles AS pr
), fitted AS MATERIALIZED (
    SELECT %9$s AS breaks, %10$s AS pm, %11$s AS gg
), status AS (
    SELECT mf.breaks, mf.pm, mf.gg,
           %12$s AS pm_status,
           %13$s AS gg_status
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
                THEN %1$s.rfm_score((pr.p).recency_days, (pr.p).frequency, (pr.p).monetary, m.breaks%14$s) END AS rfm,
           CASE WHEN pr.p IS NOT NULL AND m.pm_ok THEN %1$s.p_alive(pr.p, m.pm) END AS p_alive,
           CASE WHEN pr.p IS NOT NULL AND m.pm_ok
                THEN %1$s.expected_purchases(%15$L::interval, pr.p, m.pm) END AS expected_purchases,
           CASE WHEN pr.p IS NOT NULL AND m.gg_ok THEN %1$s.expected_spend(pr.p, m.gg) END AS expected_spend,
           CASE WHEN pr.p IS NOT NULL AND m.pm_ok AND m.gg_ok
                THEN %1$s.clv_estimate(pr.p, m.pm, m.gg, %16$L::integer, %17$L::float8) END AS clv,
           (pr.p).total_spend AS total_spend,
           CASE WHEN pr.p IS NOT NULL AND m.pm_ok THEN %18$L::text END AS purchase_model,
           CASE WHEN pr.p IS NOT NULL THEN m.status
                WHEN pr.timed_rows = 0 THEN 'no order time'
                WHEN NOT pr.in_window THEN 'no purchase before as_of'
                ELSE 'refunds only' END AS model_status
      FROM profiles AS pr CROSS JOIN model AS m
)
SELECT s.customer_id,
       ((s.p).first_order AT TIME ZONE 'UTC') AT TIME ZONE %19$L AS first_order,
       ((s.p).last_order AT TIME ZONE 'UTC') AT TIME ZONE %19$L AS last_order,
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
       %1$s.loyalty_tier(s.%20$I::numeric, t.scheme) AS tier,
       s.purchase_model,
       s.model_status
  FROM scored AS s CROSS JOIN (SELECT %21$s AS scheme) AS t$v$,
        ext, customer_column, ts_sql, amount_column, source, period, as_of_sql, unit,
        breaks_sql, pm_sql, gg_sql, pm_status_sql, gg_status_sql, rules_sql, horizon, months, discount,
        kind, tz, measure, scheme_sql);

    -- a failure below is reported without the generated SQL
    BEGIN
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
            ('recency_days', format('Days since the last purchase period (RFM recency), in the calendar of %s', tz)),
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
            ('model_status', 'ok, or why model columns are NULL or at a limit (e.g. no repeat buyers, not converged, boundary: no dropout, no purchase before as_of)')
            ) AS c(name, comment)
        LOOP
            EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', target, col.name, col.comment);
        END LOOP;
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

-- ---- sql/src/90_backtest.sql
---------------------------------------------------------------------------
-- Backtest and model comparison
-- Calibrate on the orders up to one date and forecast the holdout; fit the
-- three purchase models on one table and compare them.
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

-- backtest: {"model": "pareto_nbd" | "mbgnbd" | "bgnbd"}, default pareto_nbd.
-- Its result columns are those of 0.3.0 (a view may select from it); the
-- column model holds the fitted model when it is a BG/NBD one, NULL for the
-- other two.  backtest_compare reports every model with its kind and text.
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

CREATE FUNCTION backtest_tracking(source regclass, customer_column text, ordered_at_column text,
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

-- holdout_by_frequency: calibration vs holdout by calibration frequency.
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

-- Model comparison.  The table (or view) is passed as regclass and the
-- column names are quoted with %I, so no text is ever spliced into SQL.
-- STABLE: it reads a table.  PARALLEL RESTRICTED: the table may be a
-- temporary one, which parallel workers cannot read.
-- btyd_compare: NULL table 22004; columns checked up front; the extension's
-- schema is an argument of format(), never part of its format string.
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
                                      ARRAY[frequency, recency, t, coalesce(holdout_purchases, frequency)]::text[],
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
           INTO hn, hy, m USING holdout_length, bg, mbg, pnbd;
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
COMMENT ON FUNCTION btyd_compare(regclass, name, name, name, interval, name, interval) IS
'Fits BG/NBD, MBG/NBD and Pareto/NBD on the same customer summaries of a table or view and reports, per model, parameters, log-likelihood, AIC, BIC, convergence and, given holdout purchases, holdout MAE, RMSE and total forecast vs actual';

-- ---- sql/src/95_simulate.sql
---------------------------------------------------------------------------
-- Synthetic data: simulated customers and a demo shop
-- Parameter recovery, benchmarks and examples; customer i depends only on
-- (seed, i).
---------------------------------------------------------------------------

CREATE FUNCTION btyd_simulate(customers integer, r float8, alpha float8, a float8, b float8, t float8,
                              seed bigint DEFAULT 1, p float8 DEFAULT NULL, q float8 DEFAULT NULL,
                              v float8 DEFAULT NULL)
RETURNS TABLE (customer_id bigint, frequency float8, recency float8, t float8, monetary float8)
AS 'MODULE_PATHNAME', 'btyd_simulate'
LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 10000;
COMMENT ON FUNCTION btyd_simulate(integer, float8, float8, float8, float8, float8, bigint, float8, float8, float8) IS
'Customers drawn from the BG/NBD process (and Gamma-Gamma spend when p, q, v are given), one cohort observed for t units';

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

CREATE FUNCTION crm_demo_orders(customers integer DEFAULT 20000, seed bigint DEFAULT 1,
                                start_date date DEFAULT '2024-01-01', days integer DEFAULT 730)
RETURNS TABLE (customer_id bigint, ordered_at timestamptz, amount numeric)
AS 'MODULE_PATHNAME', 'crm_demo_orders'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 100000;
COMMENT ON FUNCTION crm_demo_orders(integer, bigint, date, integer) IS
'Deterministic demo orders of a shop: BG/NBD-like repeat buying, Gamma-Gamma spend, same-day repeats and refunds';

