-- crm_loyalty install script, built by make from the files in sql/src, in
-- name order; edit those sources, not the built sql/crm_loyalty--VERSION.sql.
--
-- One source file per feature.  Every object appears once, in its current
-- form, with its comment, privileges and triggers next to it.  Unqualified
-- names resolve in the extension's schema, which is first in search_path
-- while this script runs; function bodies that run later name that schema
-- explicitly.

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION crm_loyalty" to load this file. \quit
