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
    SSPACE = 512,
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
    SSPACE = 512,
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
    SSPACE = 512,
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
