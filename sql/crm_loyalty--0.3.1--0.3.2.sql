/* sql/crm_loyalty--0.3.1--0.3.2.sql — update from 0.3.1 to 0.3.2 */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION crm_loyalty UPDATE TO '0.3.2'" to load this file. \quit

-- (section: layout)
-- 0.3.1 gave fitted_models to the extension's owner after granting on it, and
-- a change of owner does not update the initial privileges recorded for
-- pg_dump (pg_init_privs), which still named the old owner: every dump
-- carried REVOKE and GRANT statements for the table.  A grant made by an
-- extension script records the table's current privileges as its initial
-- ones (the grant itself changes nothing).
GRANT SELECT, INSERT, DELETE ON @extschema@.fitted_models TO PUBLIC;

-- (section: fits)

-- Pareto/NBD limits with one homogeneous rate: the type comment lists them
COMMENT ON TYPE pareto_nbd_model IS
'A Pareto/NBD model (Schmittlein, Morrison & Colombo 1987): r, alpha, s, beta in a time unit, with the fit''s log-likelihood, size and convergence; or a limit of it (key "limit": no_dropout with r, alpha; homogeneous_rate+no_dropout with lambda; homogeneous_rate with lambda, s, beta; homogeneous_dropout with r, alpha, mu; homogeneous_rate+homogeneous_dropout with lambda, mu) with that limit''s parameters';

-- (section: scores)

-- (section: types)

-- Binary I/O of the base types: SEND / RECEIVE functions, so binary COPY
-- and binary-protocol drivers can move models and fit states.  The wire
-- format starts with a format version byte and is big-endian (doc/models.md,
-- "Binary format and storage"); receive applies the text input's checks.

CREATE FUNCTION bgnbd_model_recv(internal) RETURNS bgnbd_model
AS 'MODULE_PATHNAME', 'bgnbd_model_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION bgnbd_model_recv(internal) IS
'Receive function of bgnbd_model: binary format version 1 (version byte, limit flags, parameters, unit, ll, n, converged); checked like the text input';
CREATE FUNCTION bgnbd_model_send(bgnbd_model) RETURNS bytea
AS 'MODULE_PATHNAME', 'bgnbd_model_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION bgnbd_model_send(bgnbd_model) IS
'Send function of bgnbd_model: binary format version 1, big-endian; round-trips exactly';
ALTER TYPE @extschema@.bgnbd_model SET (RECEIVE = @extschema@.bgnbd_model_recv, SEND = @extschema@.bgnbd_model_send);

CREATE FUNCTION mbgnbd_model_recv(internal) RETURNS mbgnbd_model
AS 'MODULE_PATHNAME', 'mbgnbd_model_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mbgnbd_model_recv(internal) IS
'Receive function of mbgnbd_model: binary format version 1 (version byte, limit flags, parameters, unit, ll, n, converged); checked like the text input';
CREATE FUNCTION mbgnbd_model_send(mbgnbd_model) RETURNS bytea
AS 'MODULE_PATHNAME', 'mbgnbd_model_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mbgnbd_model_send(mbgnbd_model) IS
'Send function of mbgnbd_model: binary format version 1, big-endian; round-trips exactly';
ALTER TYPE @extschema@.mbgnbd_model SET (RECEIVE = @extschema@.mbgnbd_model_recv, SEND = @extschema@.mbgnbd_model_send);

CREATE FUNCTION pareto_nbd_model_recv(internal) RETURNS pareto_nbd_model
AS 'MODULE_PATHNAME', 'pareto_nbd_model_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pareto_nbd_model_recv(internal) IS
'Receive function of pareto_nbd_model: binary format version 1 (version byte, limit flags, parameters, unit, ll, n, converged); checked like the text input';
CREATE FUNCTION pareto_nbd_model_send(pareto_nbd_model) RETURNS bytea
AS 'MODULE_PATHNAME', 'pareto_nbd_model_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pareto_nbd_model_send(pareto_nbd_model) IS
'Send function of pareto_nbd_model: binary format version 1, big-endian; round-trips exactly';
ALTER TYPE @extschema@.pareto_nbd_model SET (RECEIVE = @extschema@.pareto_nbd_model_recv, SEND = @extschema@.pareto_nbd_model_send);

CREATE FUNCTION gamma_gamma_model_recv(internal) RETURNS gamma_gamma_model
AS 'MODULE_PATHNAME', 'gamma_gamma_model_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gamma_gamma_model_recv(internal) IS
'Receive function of gamma_gamma_model: binary format version 1 (version byte, limit flags, parameters, ll, n, converged); checked like the text input';
CREATE FUNCTION gamma_gamma_model_send(gamma_gamma_model) RETURNS bytea
AS 'MODULE_PATHNAME', 'gamma_gamma_model_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gamma_gamma_model_send(gamma_gamma_model) IS
'Send function of gamma_gamma_model: binary format version 1, big-endian; round-trips exactly';
ALTER TYPE @extschema@.gamma_gamma_model SET (RECEIVE = @extschema@.gamma_gamma_model_recv, SEND = @extschema@.gamma_gamma_model_send);

CREATE FUNCTION btyd_cells_recv(internal) RETURNS btyd_cells
AS 'MODULE_PATHNAME', 'btyd_cells_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION btyd_cells_recv(internal) IS
'Receive function of btyd_cells: binary format version 1 (version byte, kind, unit (bgnbd), cell count, cells as float8); checked like the text input';
CREATE FUNCTION btyd_cells_send(btyd_cells) RETURNS bytea
AS 'MODULE_PATHNAME', 'btyd_cells_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION btyd_cells_send(btyd_cells) IS
'Send function of btyd_cells: binary format version 1, big-endian; round-trips exactly';
ALTER TYPE @extschema@.btyd_cells SET (RECEIVE = @extschema@.btyd_cells_recv, SEND = @extschema@.btyd_cells_send);

-- (section: policy)

-- (section: analyst)
