---------------------------------------------------------------------------
-- Scores: P(alive), churn, expected purchases and spend, CLV
-- IMMUTABLE: the model is an argument.  One argument order for all: the
-- customer (frequency, recency, t, or a profile), then the model(s), then
-- horizon and options.  The purchase model is a purchase_model (any of the
-- three kinds; the per-kind types cast to it implicitly).  The one exception
-- to the order is expected_purchases(horizon float8, frequency, recency, t,
-- model), kept as callers have always written it; a float8 horizon is in the
-- model's unit, an interval horizon is converted into it.
---------------------------------------------------------------------------

CREATE FUNCTION p_alive(frequency float8, recency float8, t float8, model purchase_model)
RETURNS float8 AS 'MODULE_PATHNAME', 'pm_p_alive' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION p_alive(float8, float8, float8, purchase_model) IS
'Probability that the customer is still active at t (times in the model''s unit)';
CREATE FUNCTION p_alive(profile customer_profile, model purchase_model)
RETURNS float8 AS 'MODULE_PATHNAME', 'pm_p_alive_profile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION p_alive(customer_profile, purchase_model) IS
'Probability that the customer of a profile is still active';

CREATE FUNCTION churn_probability(frequency float8, recency float8, t float8, model purchase_model)
RETURNS float8 AS 'MODULE_PATHNAME', 'pm_churn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION churn_probability(float8, float8, float8, purchase_model) IS
'1 - P(alive): probability that the customer has churned (times in the model''s unit)';
CREATE FUNCTION churn_probability(profile customer_profile, model purchase_model)
RETURNS float8 AS 'MODULE_PATHNAME', 'pm_churn_profile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION churn_probability(customer_profile, purchase_model) IS
'1 - P(alive) for the customer of a profile';

CREATE FUNCTION p_no_purchase(frequency float8, recency float8, t float8, model purchase_model, horizon interval)
RETURNS float8 AS 'MODULE_PATHNAME', 'pm_no_purchase' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION p_no_purchase(float8, float8, float8, purchase_model, interval) IS
'Probability of no purchase in the next horizon, P(no purchase in (t, t + horizon])';
CREATE FUNCTION p_no_purchase(profile customer_profile, model purchase_model, horizon interval)
RETURNS float8 AS 'MODULE_PATHNAME', 'pm_no_purchase_profile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION p_no_purchase(customer_profile, purchase_model, interval) IS
'Probability that the customer of a profile makes no purchase in the next horizon';

CREATE FUNCTION expected_purchases(horizon float8, frequency float8, recency float8, t float8, model purchase_model)
RETURNS float8 AS 'MODULE_PATHNAME', 'pm_expected' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION expected_purchases(float8, float8, float8, float8, purchase_model) IS
'Expected purchases in (t, t + horizon], horizon in the model''s unit';
CREATE FUNCTION expected_purchases(profile customer_profile, model purchase_model, horizon interval)
RETURNS float8 AS 'MODULE_PATHNAME', 'pm_expected_profile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION expected_purchases(customer_profile, purchase_model, interval) IS
'Expected purchases of the customer of a profile in the next horizon (converted to the model''s unit)';
CREATE FUNCTION expected_purchases(model purchase_model, horizon interval)
RETURNS float8 AS 'MODULE_PATHNAME', 'pm_expected_new' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION expected_purchases(purchase_model, interval) IS
'Expected purchases of a new customer in the first horizon (converted to the model''s unit)';

-- Gamma-Gamma spend
CREATE FUNCTION expected_spend(frequency float8, monetary float8, model gamma_gamma_model)
RETURNS float8 AS 'MODULE_PATHNAME', 'gg_expected_spend' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION expected_spend(float8, float8, gamma_gamma_model) IS
'Gamma-Gamma expected spend per purchase E[M | x, m] (the population mean when frequency = 0)';
CREATE FUNCTION expected_spend(profile customer_profile, model gamma_gamma_model)
RETURNS float8 AS 'MODULE_PATHNAME', 'gg_expected_spend_profile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION expected_spend(customer_profile, gamma_gamma_model) IS
'Gamma-Gamma expected spend per purchase of the customer of a profile';

-- CLV
CREATE FUNCTION clv_estimate(frequency float8, recency float8, t float8, monetary float8,
                             model purchase_model, spend_model gamma_gamma_model,
                             months integer DEFAULT 12, monthly_discount float8 DEFAULT 0.01,
                             month_length interval DEFAULT '30 days')
RETURNS float8 AS 'MODULE_PATHNAME', 'pm_clv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clv_estimate(float8, float8, float8, float8, purchase_model, gamma_gamma_model, integer, float8, interval) IS
'Discounted customer lifetime value over the next months: sum of expected monthly purchases x expected spend / (1 + d)^k';
CREATE FUNCTION clv_estimate(profile customer_profile, model purchase_model, spend_model gamma_gamma_model,
                             months integer DEFAULT 12, monthly_discount float8 DEFAULT 0.01,
                             month_length interval DEFAULT '30 days')
RETURNS float8 AS 'MODULE_PATHNAME', 'pm_clv_profile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clv_estimate(customer_profile, purchase_model, gamma_gamma_model, integer, float8, interval) IS
'Discounted customer lifetime value of the customer of a profile';

-- Window functions: models fitted over the window partition, each row scored
-- in the same query.  Their own names, so no call can mistake them for the
-- scores above.
CREATE FUNCTION churn_probability_window(frequency float8, recency float8, t float8)
RETURNS float8 AS 'MODULE_PATHNAME', 'churn_probability_window'
LANGUAGE C IMMUTABLE PARALLEL SAFE WINDOW;
COMMENT ON FUNCTION churn_probability_window(float8, float8, float8) IS
'Window function: 1 - P(alive) of the row under a BG/NBD model fitted over its window partition (times in days)';

CREATE FUNCTION churn_probability_window(frequency float8, recency float8, t float8, unit interval)
RETURNS float8 AS 'MODULE_PATHNAME', 'churn_probability_window'
LANGUAGE C IMMUTABLE PARALLEL SAFE WINDOW;
COMMENT ON FUNCTION churn_probability_window(float8, float8, float8, interval) IS
'Window function: 1 - P(alive) of the row under a BG/NBD model fitted over its window partition (times in unit)';

CREATE FUNCTION churn_probability_window(profile customer_profile)
RETURNS float8 AS 'MODULE_PATHNAME', 'churn_probability_window_profile'
LANGUAGE C IMMUTABLE PARALLEL SAFE WINDOW;
COMMENT ON FUNCTION churn_probability_window(customer_profile) IS
'Window function: 1 - P(alive) of the profile under a BG/NBD model fitted over its window partition';

CREATE FUNCTION clv_estimate_window(frequency float8, recency float8, t float8, monetary float8)
RETURNS float8 AS 'MODULE_PATHNAME', 'clv_estimate_window'
LANGUAGE C IMMUTABLE PARALLEL SAFE WINDOW;
COMMENT ON FUNCTION clv_estimate_window(float8, float8, float8, float8) IS
'Window function: 12-month CLV (1% a month, 30-day months) under BG/NBD and Gamma-Gamma fitted over the window partition (times in days)';

CREATE FUNCTION clv_estimate_window(frequency float8, recency float8, t float8, monetary float8, unit interval)
RETURNS float8 AS 'MODULE_PATHNAME', 'clv_estimate_window'
LANGUAGE C IMMUTABLE PARALLEL SAFE WINDOW;
COMMENT ON FUNCTION clv_estimate_window(float8, float8, float8, float8, interval) IS
'Window function: 12-month CLV (1% a month, 30-day months) under BG/NBD and Gamma-Gamma fitted over the window partition (times in unit)';

CREATE FUNCTION clv_estimate_window(profile customer_profile)
RETURNS float8 AS 'MODULE_PATHNAME', 'clv_estimate_window_profile'
LANGUAGE C IMMUTABLE PARALLEL SAFE WINDOW;
COMMENT ON FUNCTION clv_estimate_window(customer_profile) IS
'Window function: 12-month CLV of the profile under BG/NBD and Gamma-Gamma fitted over its window partition';
