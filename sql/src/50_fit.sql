---------------------------------------------------------------------------
-- Fit aggregates: maximum-likelihood fits over customer summaries
-- One state type (btyd_cells: distinct summaries with counts) and one
-- transition for the purchase models; only the final function differs.
---------------------------------------------------------------------------

CREATE TYPE btyd_cells;
CREATE FUNCTION btyd_cells_in(cstring) RETURNS btyd_cells
AS 'MODULE_PATHNAME', 'btyd_cells_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION btyd_cells_in(cstring) IS 'Input function of btyd_cells: the compact text form (btyd2:base64) or the JSON form of 0.3.x (kind, unit, cells)';
CREATE FUNCTION btyd_cells_out(btyd_cells) RETURNS cstring
AS 'MODULE_PATHNAME', 'btyd_cells_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION btyd_cells_out(btyd_cells) IS 'Output function of btyd_cells: the compact text form (btyd2:base64); round-trips exactly';
CREATE FUNCTION btyd_cells_recv(internal) RETURNS btyd_cells
AS 'MODULE_PATHNAME', 'btyd_cells_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION btyd_cells_recv(internal) IS
'Receive function of btyd_cells: binary format version 1 (version byte, kind, unit (purchase models), cell count, cells as float8), unchanged in 0.4; checked like the text input';
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

CREATE FUNCTION purchase_fit_trans(btyd_cells, float8, float8, float8) RETURNS btyd_cells
AS 'MODULE_PATHNAME', 'purchase_fit_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION purchase_fit_trans(btyd_cells, float8, float8, float8) IS
'Transition function of the purchase-model fits bgnbd_fit, mbgnbd_fit and pareto_nbd_fit (times in days)';
CREATE FUNCTION purchase_fit_trans(btyd_cells, float8, float8, float8, interval) RETURNS btyd_cells
AS 'MODULE_PATHNAME', 'purchase_fit_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION purchase_fit_trans(btyd_cells, float8, float8, float8, interval) IS
'Transition function of the purchase-model fits bgnbd_fit, mbgnbd_fit and pareto_nbd_fit with a time unit';
CREATE FUNCTION purchase_fit_profile_trans(btyd_cells, customer_profile) RETURNS btyd_cells
AS 'MODULE_PATHNAME', 'purchase_fit_profile_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION purchase_fit_profile_trans(btyd_cells, customer_profile) IS
'Transition function of the purchase-model fits bgnbd_fit, mbgnbd_fit and pareto_nbd_fit over profiles';
-- The names these transition functions had up to 0.3.x, kept because
-- aggregates defined outside the extension may name them.
CREATE FUNCTION bgnbd_fit_trans(btyd_cells, float8, float8, float8) RETURNS btyd_cells
AS 'MODULE_PATHNAME', 'bgnbd_fit_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION bgnbd_fit_trans(btyd_cells, float8, float8, float8) IS
'Former name of purchase_fit_trans, kept for aggregates defined outside the extension';
CREATE FUNCTION bgnbd_fit_trans(btyd_cells, float8, float8, float8, interval) RETURNS btyd_cells
AS 'MODULE_PATHNAME', 'bgnbd_fit_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION bgnbd_fit_trans(btyd_cells, float8, float8, float8, interval) IS
'Former name of purchase_fit_trans with a time unit, kept for aggregates defined outside the extension';
CREATE FUNCTION bgnbd_fit_profile_trans(btyd_cells, customer_profile) RETURNS btyd_cells
AS 'MODULE_PATHNAME', 'bgnbd_fit_profile_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION bgnbd_fit_profile_trans(btyd_cells, customer_profile) IS
'Former name of purchase_fit_profile_trans, kept for aggregates defined outside the extension';
CREATE FUNCTION bgnbd_fit_final(btyd_cells) RETURNS bgnbd_model
AS 'MODULE_PATHNAME', 'bgnbd_fit_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION bgnbd_fit_final(btyd_cells) IS 'Final function of bgnbd_fit: maximum-likelihood fit';

CREATE AGGREGATE bgnbd_fit(frequency float8, recency float8, t float8) (
    SFUNC = purchase_fit_trans, STYPE = btyd_cells, FINALFUNC = bgnbd_fit_final,
    COMBINEFUNC = btyd_cells_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE bgnbd_fit(float8, float8, float8) IS
'Maximum-likelihood BG/NBD fit over customer summaries in days';
CREATE AGGREGATE bgnbd_fit(frequency float8, recency float8, t float8, unit interval) (
    SFUNC = purchase_fit_trans, STYPE = btyd_cells, FINALFUNC = bgnbd_fit_final,
    COMBINEFUNC = btyd_cells_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE bgnbd_fit(float8, float8, float8, interval) IS
'Maximum-likelihood BG/NBD fit over customer summaries in the given time unit';
CREATE AGGREGATE bgnbd_fit(profile customer_profile) (
    SFUNC = purchase_fit_profile_trans, STYPE = btyd_cells, FINALFUNC = bgnbd_fit_final,
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

-- Pareto/NBD and MBG/NBD share the purchase-model state and transitions
CREATE FUNCTION pareto_nbd_fit_final(btyd_cells) RETURNS pareto_nbd_model
AS 'MODULE_PATHNAME', 'pareto_nbd_fit_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION pareto_nbd_fit_final(btyd_cells) IS 'Final function of pareto_nbd_fit: maximum-likelihood fit';

CREATE AGGREGATE pareto_nbd_fit(frequency float8, recency float8, t float8) (
    SFUNC = purchase_fit_trans, STYPE = btyd_cells, FINALFUNC = pareto_nbd_fit_final,
    COMBINEFUNC = btyd_cells_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE pareto_nbd_fit(float8, float8, float8) IS
'Maximum-likelihood Pareto/NBD fit over customer summaries in days';
CREATE AGGREGATE pareto_nbd_fit(frequency float8, recency float8, t float8, unit interval) (
    SFUNC = purchase_fit_trans, STYPE = btyd_cells, FINALFUNC = pareto_nbd_fit_final,
    COMBINEFUNC = btyd_cells_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE pareto_nbd_fit(float8, float8, float8, interval) IS
'Maximum-likelihood Pareto/NBD fit over customer summaries in the given time unit';
CREATE AGGREGATE pareto_nbd_fit(profile customer_profile) (
    SFUNC = purchase_fit_profile_trans, STYPE = btyd_cells, FINALFUNC = pareto_nbd_fit_final,
    COMBINEFUNC = btyd_cells_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE pareto_nbd_fit(customer_profile) IS
'Maximum-likelihood Pareto/NBD fit over crm_profile() results (unit taken from the profiles)';

CREATE FUNCTION mbgnbd_fit_final(btyd_cells) RETURNS mbgnbd_model
AS 'MODULE_PATHNAME', 'mbgnbd_fit_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mbgnbd_fit_final(btyd_cells) IS 'Final function of mbgnbd_fit: maximum-likelihood fit';

CREATE AGGREGATE mbgnbd_fit(frequency float8, recency float8, t float8) (
    SFUNC = purchase_fit_trans, STYPE = btyd_cells, FINALFUNC = mbgnbd_fit_final,
    COMBINEFUNC = btyd_cells_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE mbgnbd_fit(float8, float8, float8) IS
'Maximum-likelihood MBG/NBD fit over customer summaries in days';
CREATE AGGREGATE mbgnbd_fit(frequency float8, recency float8, t float8, unit interval) (
    SFUNC = purchase_fit_trans, STYPE = btyd_cells, FINALFUNC = mbgnbd_fit_final,
    COMBINEFUNC = btyd_cells_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE mbgnbd_fit(float8, float8, float8, interval) IS
'Maximum-likelihood MBG/NBD fit over customer summaries in the given time unit';
CREATE AGGREGATE mbgnbd_fit(profile customer_profile) (
    SFUNC = purchase_fit_profile_trans, STYPE = btyd_cells, FINALFUNC = mbgnbd_fit_final,
    COMBINEFUNC = btyd_cells_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE mbgnbd_fit(customer_profile) IS
'Maximum-likelihood MBG/NBD fit over crm_profile() results (unit taken from the profiles)';
