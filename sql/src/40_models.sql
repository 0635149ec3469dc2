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

---------------------------------------------------------------------------
-- purchase_model: any purchase model (BG/NBD, MBG/NBD or Pareto/NBD) in one
-- type, so one set of scoring functions serves all three.  Text form: the
-- per-kind JSON with a "kind" key ("bgnbd", "mbgnbd", "pareto_nbd"); "kind"
-- may be left out only when the keys name Pareto/NBD (s, beta or mu), since
-- BG/NBD and MBG/NBD have the same parameter names.  Variable-length, with a
-- format version and room for optional blocks (models.h).  The preferred
-- type of its category, so an untyped literal model argument resolves to it.
-- The per-kind types cast to it implicitly and exactly; the casts back are
-- explicit and refuse another kind.
---------------------------------------------------------------------------

CREATE TYPE purchase_model;
CREATE FUNCTION purchase_model_in(cstring) RETURNS purchase_model
AS 'MODULE_PATHNAME', 'purchase_model_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION purchase_model_in(cstring) IS
'Input function of purchase_model: a JSON object with "kind" (bgnbd, mbgnbd, pareto_nbd), the parameters of that kind and optional unit, limit, ll, n, converged';
CREATE FUNCTION purchase_model_out(purchase_model) RETURNS cstring
AS 'MODULE_PATHNAME', 'purchase_model_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION purchase_model_out(purchase_model) IS
'Output function of purchase_model: JSON text with "kind" first, floats printed shortest-exact';
CREATE FUNCTION purchase_model_recv(internal) RETURNS purchase_model
AS 'MODULE_PATHNAME', 'purchase_model_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION purchase_model_recv(internal) IS
'Receive function of purchase_model: binary format version 1 (version byte, kind byte, the per-kind binary value after its version byte, block count); checked like the text input';
CREATE FUNCTION purchase_model_send(purchase_model) RETURNS bytea
AS 'MODULE_PATHNAME', 'purchase_model_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION purchase_model_send(purchase_model) IS
'Send function of purchase_model: binary format version 1, big-endian; round-trips exactly';
CREATE TYPE purchase_model (
    INPUT = purchase_model_in,
    OUTPUT = purchase_model_out,
    RECEIVE = purchase_model_recv,
    SEND = purchase_model_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = plain,
    CATEGORY = 'U',
    PREFERRED = true
);
COMMENT ON TYPE purchase_model IS
'A purchase model of any kind (BG/NBD, MBG/NBD or Pareto/NBD, limits included): the argument type of the scores; bgnbd_model, mbgnbd_model and pareto_nbd_model cast to it implicitly';

CREATE FUNCTION purchase_model_jsonb(purchase_model) RETURNS jsonb
AS 'MODULE_PATHNAME', 'purchase_model_jsonb' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION purchase_model_jsonb(purchase_model) IS
'The model as jsonb (kind, parameter names as keys, unit, ll, n, converged)';
CREATE CAST (purchase_model AS jsonb) WITH FUNCTION purchase_model_jsonb(purchase_model);

CREATE FUNCTION purchase_model(bgnbd_model) RETURNS purchase_model
AS 'MODULE_PATHNAME', 'purchase_model_from_kind' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION purchase_model(bgnbd_model) IS 'A BG/NBD model as a purchase_model (exact; the implicit cast)';
CREATE CAST (bgnbd_model AS purchase_model) WITH FUNCTION purchase_model(bgnbd_model) AS IMPLICIT;
CREATE FUNCTION purchase_model(mbgnbd_model) RETURNS purchase_model
AS 'MODULE_PATHNAME', 'purchase_model_from_kind' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION purchase_model(mbgnbd_model) IS 'A MBG/NBD model as a purchase_model (exact; the implicit cast)';
CREATE CAST (mbgnbd_model AS purchase_model) WITH FUNCTION purchase_model(mbgnbd_model) AS IMPLICIT;
CREATE FUNCTION purchase_model(pareto_nbd_model) RETURNS purchase_model
AS 'MODULE_PATHNAME', 'purchase_model_from_kind' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION purchase_model(pareto_nbd_model) IS 'A Pareto/NBD model as a purchase_model (exact; the implicit cast)';
CREATE CAST (pareto_nbd_model AS purchase_model) WITH FUNCTION purchase_model(pareto_nbd_model) AS IMPLICIT;

CREATE FUNCTION bgnbd_model(purchase_model) RETURNS bgnbd_model
AS 'MODULE_PATHNAME', 'purchase_model_to_bgnbd' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION bgnbd_model(purchase_model) IS 'The BG/NBD model a purchase_model holds (explicit cast; 22023 for another kind)';
CREATE CAST (purchase_model AS bgnbd_model) WITH FUNCTION bgnbd_model(purchase_model);
CREATE FUNCTION mbgnbd_model(purchase_model) RETURNS mbgnbd_model
AS 'MODULE_PATHNAME', 'purchase_model_to_mbgnbd' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mbgnbd_model(purchase_model) IS 'The MBG/NBD model a purchase_model holds (explicit cast; 22023 for another kind)';
CREATE CAST (purchase_model AS mbgnbd_model) WITH FUNCTION mbgnbd_model(purchase_model);
CREATE FUNCTION pareto_nbd_model(purchase_model) RETURNS pareto_nbd_model
AS 'MODULE_PATHNAME', 'purchase_model_to_pareto_nbd' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pareto_nbd_model(purchase_model) IS 'The Pareto/NBD model a purchase_model holds (explicit cast; 22023 for another kind)';
CREATE CAST (purchase_model AS pareto_nbd_model) WITH FUNCTION pareto_nbd_model(purchase_model);
