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
