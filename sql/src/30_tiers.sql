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
