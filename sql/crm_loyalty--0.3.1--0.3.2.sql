/* sql/crm_loyalty--0.3.1--0.3.2.sql — update from 0.3.1 to 0.3.2 */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION crm_loyalty UPDATE TO '0.3.2'" to load this file. \quit

-- (section: layout)

-- (section: fits)

-- (section: scores)

-- (section: types)

-- (section: policy)

-- (section: analyst)
