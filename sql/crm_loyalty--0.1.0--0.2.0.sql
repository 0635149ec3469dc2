/* crm_loyalty/sql/crm_loyalty--0.1.0--0.2.0.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION crm_loyalty UPDATE TO '0.2.0'" to load this file. \quit

---------------------------------------------------------------------------
-- Model types (DESIGN 3.3)
---------------------------------------------------------------------------

CREATE TYPE bgnbd_model;
CREATE FUNCTION bgnbd_model_in(cstring) RETURNS bgnbd_model
AS 'MODULE_PATHNAME', 'bgnbd_model_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION bgnbd_model_in(cstring) IS 'Input function of bgnbd_model: a JSON object with r, alpha, a, b and optional unit, ll, n, converged';
CREATE FUNCTION bgnbd_model_out(bgnbd_model) RETURNS cstring
AS 'MODULE_PATHNAME', 'bgnbd_model_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION bgnbd_model_out(bgnbd_model) IS 'Output function of bgnbd_model: JSON text, floats printed shortest-exact';
CREATE TYPE bgnbd_model (
    INPUT = bgnbd_model_in,
    OUTPUT = bgnbd_model_out,
    INTERNALLENGTH = 64,
    ALIGNMENT = double,
    STORAGE = plain
);
COMMENT ON TYPE bgnbd_model IS
'A BG/NBD model (Fader, Hardie & Lee 2005): r, alpha, a, b in a time unit, with the fit''s log-likelihood, size and convergence';

CREATE TYPE gamma_gamma_model;
CREATE FUNCTION gamma_gamma_model_in(cstring) RETURNS gamma_gamma_model
AS 'MODULE_PATHNAME', 'gamma_gamma_model_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gamma_gamma_model_in(cstring) IS 'Input function of gamma_gamma_model: a JSON object with p, q, v and optional ll, n, converged';
CREATE FUNCTION gamma_gamma_model_out(gamma_gamma_model) RETURNS cstring
AS 'MODULE_PATHNAME', 'gamma_gamma_model_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gamma_gamma_model_out(gamma_gamma_model) IS 'Output function of gamma_gamma_model: JSON text, floats printed shortest-exact';
CREATE TYPE gamma_gamma_model (
    INPUT = gamma_gamma_model_in,
    OUTPUT = gamma_gamma_model_out,
    INTERNALLENGTH = 64,
    ALIGNMENT = double,
    STORAGE = plain
);
COMMENT ON TYPE gamma_gamma_model IS
'A Gamma-Gamma spend model (Fader, Hardie & Lee 2005): p, q, v, with the fit''s log-likelihood, size and convergence';

CREATE FUNCTION bgnbd_model(r float8, alpha float8, a float8, b float8, unit interval DEFAULT '1 day')
RETURNS bgnbd_model AS 'MODULE_PATHNAME', 'bgnbd_model_make'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION bgnbd_model(float8, float8, float8, float8, interval) IS
'A BG/NBD model from its parameters (alpha in the given time unit)';

CREATE FUNCTION gamma_gamma_model(p float8, q float8, v float8)
RETURNS gamma_gamma_model AS 'MODULE_PATHNAME', 'gamma_gamma_model_make'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gamma_gamma_model(float8, float8, float8) IS
'A Gamma-Gamma spend model from its parameters';

CREATE FUNCTION bgnbd_model_jsonb(bgnbd_model) RETURNS jsonb
AS 'MODULE_PATHNAME', 'bgnbd_model_jsonb' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION bgnbd_model_jsonb(bgnbd_model) IS 'The model as jsonb (parameter names as keys, unit, ll, n, converged)';
CREATE CAST (bgnbd_model AS jsonb) WITH FUNCTION bgnbd_model_jsonb(bgnbd_model);

CREATE FUNCTION gamma_gamma_model_jsonb(gamma_gamma_model) RETURNS jsonb
AS 'MODULE_PATHNAME', 'gamma_gamma_model_jsonb' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gamma_gamma_model_jsonb(gamma_gamma_model) IS 'The model as jsonb (parameter names as keys, ll, n, converged)';
CREATE CAST (gamma_gamma_model AS jsonb) WITH FUNCTION gamma_gamma_model_jsonb(gamma_gamma_model);

---------------------------------------------------------------------------
-- Fit aggregates
---------------------------------------------------------------------------

CREATE TYPE btyd_cells;
CREATE FUNCTION btyd_cells_in(cstring) RETURNS btyd_cells
AS 'MODULE_PATHNAME', 'btyd_cells_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION btyd_cells_in(cstring) IS 'Input function of btyd_cells (JSON: kind, unit, cells)';
CREATE FUNCTION btyd_cells_out(btyd_cells) RETURNS cstring
AS 'MODULE_PATHNAME', 'btyd_cells_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION btyd_cells_out(btyd_cells) IS 'Output function of btyd_cells; round-trips exactly';
CREATE TYPE btyd_cells (
    INPUT = btyd_cells_in,
    OUTPUT = btyd_cells_out,
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

---------------------------------------------------------------------------
-- Scores (IMMUTABLE: the model is an argument; horizons float8 in model units)
---------------------------------------------------------------------------

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

CREATE FUNCTION expected_spend(frequency float8, monetary float8, model gamma_gamma_model)
RETURNS float8 AS 'MODULE_PATHNAME', 'gg_expected_spend' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION expected_spend(float8, float8, gamma_gamma_model) IS
'Gamma-Gamma expected spend per purchase E[M | x, m] (the population mean when frequency = 0)';
CREATE FUNCTION expected_spend(profile customer_profile, model gamma_gamma_model)
RETURNS float8 AS 'MODULE_PATHNAME', 'gg_expected_spend_profile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION expected_spend(customer_profile, gamma_gamma_model) IS
'Gamma-Gamma expected spend per purchase of the customer of a profile';

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

---------------------------------------------------------------------------
-- Simulation (parameter recovery, benchmarks)
---------------------------------------------------------------------------

CREATE FUNCTION btyd_simulate(customers integer, r float8, alpha float8, a float8, b float8, t float8,
                              seed bigint DEFAULT 1, p float8 DEFAULT NULL, q float8 DEFAULT NULL,
                              v float8 DEFAULT NULL)
RETURNS TABLE (customer_id bigint, frequency float8, recency float8, t float8, monetary float8)
AS 'MODULE_PATHNAME', 'btyd_simulate'
LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 10000;
COMMENT ON FUNCTION btyd_simulate(integer, float8, float8, float8, float8, float8, bigint, float8, float8, float8) IS
'Customers drawn from the BG/NBD process (and Gamma-Gamma spend when p, q, v are given), one cohort observed for t units';
