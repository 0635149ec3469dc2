/* sql/crm_loyalty--0.3.0--0.3.1.sql — robustness and hardening release */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION crm_loyalty UPDATE TO '0.3.1'" to load this file. \quit

---------------------------------------------------------------------------
-- Models at the edge of the parameter space and scoring robustness
---------------------------------------------------------------------------
-- (section: models)





---------------------------------------------------------------------------
-- Model store: who reads and writes fitted models
---------------------------------------------------------------------------
-- (section: store)





---------------------------------------------------------------------------
-- Scoring views, fit_models and backtest: model choice, time zones,
-- options checked at creation, one row per customer
---------------------------------------------------------------------------
-- (section: views)





---------------------------------------------------------------------------
-- Hardening: interrupts, bounds, clearer errors
---------------------------------------------------------------------------
-- (section: hardening)





