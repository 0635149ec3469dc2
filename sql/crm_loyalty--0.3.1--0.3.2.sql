/* sql/crm_loyalty--0.3.1--0.3.2.sql — update from 0.3.1 to 0.3.2 */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION crm_loyalty UPDATE TO '0.3.2'" to load this file. \quit

-- (section: layout)

-- (section: fits)

-- Pareto/NBD limits with one homogeneous rate: the type comment lists them
COMMENT ON TYPE pareto_nbd_model IS
'A Pareto/NBD model (Schmittlein, Morrison & Colombo 1987): r, alpha, s, beta in a time unit, with the fit''s log-likelihood, size and convergence; or a limit of it (key "limit": no_dropout with r, alpha; homogeneous_rate+no_dropout with lambda; homogeneous_rate with lambda, s, beta; homogeneous_dropout with r, alpha, mu; homogeneous_rate+homogeneous_dropout with lambda, mu) with that limit''s parameters';

-- (section: scores)

-- (section: types)

-- (section: policy)

-- (section: analyst)
