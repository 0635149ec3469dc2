/* sql/crm_loyalty--0.3.0--0.3.1.sql — robustness and hardening release */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION crm_loyalty UPDATE TO '0.3.1'" to load this file. \quit

---------------------------------------------------------------------------
-- Models at the edge of the parameter space and scoring robustness
---------------------------------------------------------------------------
-- (section: models)

-- A fit whose likelihood's supremum lies on the edge of the parameter space
-- returns the limiting model (a "limit" key in the text form, its own
-- parameters); the types themselves are unchanged (same storage), so the
-- comments say so.
COMMENT ON TYPE bgnbd_model IS
'A BG/NBD model (Fader, Hardie & Lee 2005): r, alpha, a, b in a time unit, with the fit''s log-likelihood, size and convergence; or a limit of it (key "limit": no_dropout, homogeneous_rate+no_dropout, homogeneous_rate, homogeneous_dropout, homogeneous_rate+homogeneous_dropout) with that limit''s parameters';
COMMENT ON TYPE mbgnbd_model IS
'A modified BG/NBD model (Batislam, Denizel & Filiztekin 2007): r, alpha, a, b in a time unit, with the fit''s log-likelihood, size and convergence; or a limit of it (key "limit": no_dropout, homogeneous_rate+no_dropout, homogeneous_rate, homogeneous_dropout, homogeneous_rate+homogeneous_dropout) with that limit''s parameters';
COMMENT ON TYPE pareto_nbd_model IS
'A Pareto/NBD model (Schmittlein, Morrison & Colombo 1987): r, alpha, s, beta in a time unit, with the fit''s log-likelihood, size and convergence; or a limit of it (key "limit": no_dropout, homogeneous_rate+no_dropout, homogeneous_rate+homogeneous_dropout) with that limit''s parameters';
COMMENT ON TYPE gamma_gamma_model IS
'A Gamma-Gamma spend model (Fader, Hardie & Lee 2005): p, q, v, with the fit''s log-likelihood, size and convergence; or a limit of it (key "limit": homogeneous_spend with p, nu; constant_spend with spend)';





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





