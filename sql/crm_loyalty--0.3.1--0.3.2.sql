/* sql/crm_loyalty--0.3.1--0.3.2.sql — update from 0.3.1 to 0.3.2 */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION crm_loyalty UPDATE TO '0.3.2'" to load this file. \quit

-- (section: layout)
-- 0.3.1 gave fitted_models to the extension's owner after granting on it, and
-- a change of owner does not update the initial privileges recorded for
-- pg_dump (pg_init_privs), which still named the old owner: every dump
-- carried REVOKE and GRANT statements for the table.  A grant made by an
-- extension script records the table's current privileges as its initial
-- ones (the grant itself changes nothing).
GRANT SELECT, INSERT, DELETE ON @extschema@.fitted_models TO PUBLIC;

-- (section: fits)

-- (section: scores)

-- (section: types)

-- (section: policy)

-- (section: analyst)
