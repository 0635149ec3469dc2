/* crm_loyalty/sql/crm_loyalty--0.2.0--0.3.0.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION crm_loyalty UPDATE TO '0.3.0'" to load this file. \quit


---------------------------------------------------------------------------
-- BTYD family: Pareto/NBD and MBG/NBD
---------------------------------------------------------------------------
-- Two more purchase models with the API of bgnbd_model: types, fits over the
-- shared btyd_cells state (only the final function differs), and the same
-- scoring overloads; plus btyd_compare, which fits all three on one table.

CREATE TYPE pareto_nbd_model;
CREATE FUNCTION pareto_nbd_model_in(cstring) RETURNS pareto_nbd_model
AS 'MODULE_PATHNAME', 'pareto_nbd_model_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pareto_nbd_model_in(cstring) IS 'Input function of pareto_nbd_model: a JSON object with r, alpha, s, beta and optional unit, ll, n, converged';
CREATE FUNCTION pareto_nbd_model_out(pareto_nbd_model) RETURNS cstring
AS 'MODULE_PATHNAME', 'pareto_nbd_model_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pareto_nbd_model_out(pareto_nbd_model) IS 'Output function of pareto_nbd_model: JSON text, floats printed shortest-exact';
CREATE TYPE pareto_nbd_model (
    INPUT = pareto_nbd_model_in,
    OUTPUT = pareto_nbd_model_out,
    INTERNALLENGTH = 64,
    ALIGNMENT = double,
    STORAGE = plain
);
COMMENT ON TYPE pareto_nbd_model IS
'A Pareto/NBD model (Schmittlein, Morrison & Colombo 1987): r, alpha, s, beta in a time unit, with the fits log-likelihood, size and convergence';

CREATE FUNCTION pareto_nbd_model(r float8, alpha float8, s float8, beta float8, unit interval DEFAULT '1 day')
RETURNS pareto_nbd_model AS 'MODULE_PATHNAME', 'pareto_nbd_model_make'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pareto_nbd_model(float8, float8, float8, float8, interval) IS
'A Pareto/NBD model from its parameters (alpha and beta in the given time unit)';

CREATE FUNCTION pareto_nbd_model_jsonb(pareto_nbd_model) RETURNS jsonb
AS 'MODULE_PATHNAME', 'pareto_nbd_model_jsonb' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pareto_nbd_model_jsonb(pareto_nbd_model) IS 'The model as jsonb (parameter names as keys, unit, ll, n, converged)';
CREATE CAST (pareto_nbd_model AS jsonb) WITH FUNCTION pareto_nbd_model_jsonb(pareto_nbd_model);

CREATE TYPE mbgnbd_model;
CREATE FUNCTION mbgnbd_model_in(cstring) RETURNS mbgnbd_model
AS 'MODULE_PATHNAME', 'mbgnbd_model_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mbgnbd_model_in(cstring) IS 'Input function of mbgnbd_model: a JSON object with r, alpha, a, b and optional unit, ll, n, converged';
CREATE FUNCTION mbgnbd_model_out(mbgnbd_model) RETURNS cstring
AS 'MODULE_PATHNAME', 'mbgnbd_model_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mbgnbd_model_out(mbgnbd_model) IS 'Output function of mbgnbd_model: JSON text, floats printed shortest-exact';
CREATE TYPE mbgnbd_model (
    INPUT = mbgnbd_model_in,
    OUTPUT = mbgnbd_model_out,
    INTERNALLENGTH = 64,
    ALIGNMENT = double,
    STORAGE = plain
);
COMMENT ON TYPE mbgnbd_model IS
'A modified BG/NBD model (Batislam, Denizel & Filiztekin 2007): r, alpha, a, b in a time unit, with the fits log-likelihood, size and convergence';

CREATE FUNCTION mbgnbd_model(r float8, alpha float8, a float8, b float8, unit interval DEFAULT '1 day')
RETURNS mbgnbd_model AS 'MODULE_PATHNAME', 'mbgnbd_model_make'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mbgnbd_model(float8, float8, float8, float8, interval) IS
'A MBG/NBD model from its parameters (alpha in the given time unit)';

CREATE FUNCTION mbgnbd_model_jsonb(mbgnbd_model) RETURNS jsonb
AS 'MODULE_PATHNAME', 'mbgnbd_model_jsonb' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mbgnbd_model_jsonb(mbgnbd_model) IS 'The model as jsonb (parameter names as keys, unit, ll, n, converged)';
CREATE CAST (mbgnbd_model AS jsonb) WITH FUNCTION mbgnbd_model_jsonb(mbgnbd_model);

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

-- Simulation of the two new processes (parameter recovery, benchmarks), like
-- btyd_simulate: customer i depends only on (seed, i).
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

-- Model comparison.  The table (or view) is passed as regclass and the
-- column names are quoted with %I, so no text is ever spliced into SQL.
-- STABLE: it reads a table.  PARALLEL RESTRICTED: the table may be a
-- temporary one, which parallel workers cannot read.
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
BEGIN
    IF (holdout_purchases IS NULL) <> (holdout_length IS NULL) THEN
        RAISE EXCEPTION 'btyd_compare: holdout_purchases and holdout_length go together'
            USING ERRCODE = '22023',
                  HINT = 'Give both (the column of purchases made in the holdout, and its length) or neither.';
    END IF;
    IF frequency IS NULL OR recency IS NULL OR t IS NULL OR unit IS NULL THEN
        RAISE EXCEPTION 'btyd_compare: column names and unit must not be NULL'
            USING ERRCODE = '22004';
    END IF;

    EXECUTE format('SELECT @extschema@.bgnbd_fit(%1$I, %2$I, %3$I, $1),
                           @extschema@.mbgnbd_fit(%1$I, %2$I, %3$I, $1),
                           @extschema@.pareto_nbd_fit(%1$I, %2$I, %3$I, $1)
                      FROM %4$s', frequency, recency, t, profiles)
       INTO bg, mbg, pnbd USING unit;
    j := ARRAY[bg::jsonb, mbg::jsonb, pnbd::jsonb];

    IF holdout_purchases IS NOT NULL THEN
        EXECUTE format('SELECT count(*)::float8, sum(y),
                               ARRAY[sum(abs(e1 - y)), sum((e1 - y) ^ 2), sum(e1),
                                     sum(abs(e2 - y)), sum((e2 - y) ^ 2), sum(e2),
                                     sum(abs(e3 - y)), sum((e3 - y) ^ 2), sum(e3)]
                          FROM (SELECT %4$I::float8 AS y,
                                       @extschema@.expected_purchases($1, %1$I, %2$I, %3$I, $2) AS e1,
                                       @extschema@.expected_purchases($1, %1$I, %2$I, %3$I, $3) AS e2,
                                       @extschema@.expected_purchases($1, %1$I, %2$I, %3$I, $4) AS e3
                                  FROM %5$s
                                 WHERE %1$I IS NOT NULL AND %2$I IS NOT NULL AND %3$I IS NOT NULL
                                   AND %4$I IS NOT NULL) s',
                       frequency, recency, t, holdout_purchases, profiles)
           INTO hn, hy, m USING holdout_length, bg, mbg, pnbd;
    END IF;

    FOR i IN 1..3 LOOP
        model := (ARRAY['bgnbd', 'mbgnbd', 'pareto_nbd'])[i];
        params := j[i] - ARRAY['ll', 'n', 'converged'];
        ll := (j[i]->>'ll')::float8;
        n_params := 4;
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
