/* crm_loyalty/sql/crm_loyalty--0.1.0.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION crm_loyalty" to load this file. \quit

---------------------------------------------------------------------------
-- Customer profile (DESIGN 3.1)
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

---------------------------------------------------------------------------
-- RFM (DESIGN 3.2)
---------------------------------------------------------------------------

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
'Named RFM segment rule sets; rules of a set are tried in position order, first match wins';
INSERT INTO rfm_segment_rules
SELECT 'default', u.position, u.segment, u.r_min, u.r_max, u.f_min, u.f_max, u.m_min, u.m_max
FROM unnest(rfm_default_rules()) WITH ORDINALITY
     AS u(segment, r_min, r_max, f_min, f_max, m_min, m_max, position);
SELECT pg_catalog.pg_extension_config_dump('rfm_segment_rules', 'WHERE rule_set <> ''default''');
GRANT SELECT ON rfm_segment_rules TO PUBLIC;
-- the extension is trusted: whoever created it manages its rule sets
GRANT INSERT, UPDATE, DELETE ON rfm_segment_rules TO @extowner@;

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

---------------------------------------------------------------------------
-- Loyalty tiers (DESIGN 3.4)
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

---------------------------------------------------------------------------
-- Demo data
---------------------------------------------------------------------------

CREATE FUNCTION crm_demo_orders(customers integer DEFAULT 20000, seed bigint DEFAULT 1,
                                start_date date DEFAULT '2024-01-01', days integer DEFAULT 730)
RETURNS TABLE (customer_id bigint, ordered_at timestamptz, amount numeric)
AS 'MODULE_PATHNAME', 'crm_demo_orders'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 100000;
COMMENT ON FUNCTION crm_demo_orders(integer, bigint, date, integer) IS
'Deterministic demo orders of a shop: BG/NBD-like repeat buying, Gamma-Gamma spend, same-day repeats and refunds';
