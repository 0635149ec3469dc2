/* crm_loyalty/sql/crm_loyalty--0.2.0--0.3.0.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION crm_loyalty UPDATE TO '0.3.0'" to load this file. \quit

---------------------------------------------------------------------------
-- Window forms (ad-hoc SQL): cut points, models and tier thresholds over the
-- window partition, each row scored against them in the same query
---------------------------------------------------------------------------

CREATE FUNCTION rfm_score(recency_days float8, frequency float8, monetary float8)
RETURNS rfm_scores AS 'MODULE_PATHNAME', 'rfm_score_window'
LANGUAGE C IMMUTABLE WINDOW;
COMMENT ON FUNCTION rfm_score(float8, float8, float8) IS
'Window function: RFM scores of the row against cut points of its window partition (5 bins, default rules)';

CREATE FUNCTION rfm_score(recency_days float8, frequency float8, monetary float8, bins integer)
RETURNS rfm_scores AS 'MODULE_PATHNAME', 'rfm_score_window'
LANGUAGE C IMMUTABLE WINDOW;
COMMENT ON FUNCTION rfm_score(float8, float8, float8, integer) IS
'Window function: RFM scores of the row against cut points of its window partition in bins bins (segments need 5)';

CREATE FUNCTION churn_probability(frequency float8, recency float8, t float8)
RETURNS float8 AS 'MODULE_PATHNAME', 'churn_probability_window'
LANGUAGE C IMMUTABLE WINDOW;
COMMENT ON FUNCTION churn_probability(float8, float8, float8) IS
'Window function: 1 - P(alive) of the row under a BG/NBD model fitted over its window partition';

CREATE FUNCTION churn_probability(frequency float8, recency float8, t float8, unit interval)
RETURNS float8 AS 'MODULE_PATHNAME', 'churn_probability_window'
LANGUAGE C IMMUTABLE WINDOW;
COMMENT ON FUNCTION churn_probability(float8, float8, float8, interval) IS
'Window function: 1 - P(alive) of the row under a BG/NBD model fitted over its window partition (times in unit)';

CREATE FUNCTION churn_probability(profile customer_profile)
RETURNS float8 AS 'MODULE_PATHNAME', 'churn_probability_window_profile'
LANGUAGE C IMMUTABLE WINDOW;
COMMENT ON FUNCTION churn_probability(customer_profile) IS
'Window function: 1 - P(alive) of the profile under a BG/NBD model fitted over its window partition';

CREATE FUNCTION clv_estimate(frequency float8, recency float8, t float8, monetary float8)
RETURNS float8 AS 'MODULE_PATHNAME', 'clv_estimate_window'
LANGUAGE C IMMUTABLE WINDOW;
COMMENT ON FUNCTION clv_estimate(float8, float8, float8, float8) IS
'Window function: 12-month CLV (1% a month, 30-day months) under BG/NBD and Gamma-Gamma fitted over the window partition (times in days)';

CREATE FUNCTION clv_estimate(frequency float8, recency float8, t float8, monetary float8, unit interval)
RETURNS float8 AS 'MODULE_PATHNAME', 'clv_estimate_window'
LANGUAGE C IMMUTABLE WINDOW;
COMMENT ON FUNCTION clv_estimate(float8, float8, float8, float8, interval) IS
'Window function: 12-month CLV (1% a month, 30-day months) under BG/NBD and Gamma-Gamma fitted over the window partition (times in unit)';

CREATE FUNCTION clv_estimate(profile customer_profile)
RETURNS float8 AS 'MODULE_PATHNAME', 'clv_estimate_window_profile'
LANGUAGE C IMMUTABLE WINDOW;
COMMENT ON FUNCTION clv_estimate(customer_profile) IS
'Window function: 12-month CLV of the profile under BG/NBD and Gamma-Gamma fitted over its window partition';

CREATE FUNCTION loyalty_tier(value numeric)
RETURNS text AS 'MODULE_PATHNAME', 'loyalty_tier_window'
LANGUAGE C IMMUTABLE WINDOW;
COMMENT ON FUNCTION loyalty_tier(numeric) IS
'Window function: tier of the value in its window partition: top 1% Platinum, next 9% Gold, next 20% Silver, rest Bronze';

