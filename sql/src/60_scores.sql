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
