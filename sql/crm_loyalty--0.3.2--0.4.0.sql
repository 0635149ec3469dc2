/* sql/crm_loyalty--0.3.2--0.4.0.sql — update from 0.3.2 to 0.4.0 */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION crm_loyalty UPDATE TO '0.4.0'" to load this file. \quit

-- (section: api)

-- (section: analyst)

-- (section: incremental)

-- (section: diagnostics)

-- (section: uncertainty)

-- (section: scores)
