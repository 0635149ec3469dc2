#!/usr/bin/env bash
# Values written by the 0.3.1 library read the same after the update to the
# current version.  Builds the 0.3.1 library from the git history (cached
# per commit), stores fitted, constructed and limit models of every type and
# fit states with it (through functions bound to that library file, in a
# session that loads nothing else), then ALTER EXTENSION UPDATE with the
# current library: every value prints the text the 0.3.1 library printed,
# scores, and goes through binary COPY unchanged.  Stored values keep the
# layout of 0.3.1 (no format version marker), so this is the test of the
# rule "version 0 reads as the 0.3.1 layout".  Prints TAP; skips visibly
# without the git history or a compiler.
set -uo pipefail
cd "$(dirname "$0")/../.."
db=crm_old_values
n=0 failed=0
check() {  # check "description" test-command...
    local what=$1; shift
    n=$((n + 1))
    if "$@"; then echo "ok $n - $what"; else echo "not ok $n - $what"; failed=$((failed + 1)); fi
}
q() { psql -X -qAt -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }
skip() { echo "1..1"; echo "ok 1 - # SKIP $1"; exit 0; }

# the last commit of 0.3.1: the parent of the commit that set 0.3.2
old=""
for c in $(git rev-list HEAD -- crm_loyalty.control 2>/dev/null); do
    if git show "$c:crm_loyalty.control" 2>/dev/null | grep -q "default_version = '0.3.2'" &&
       git show "$c^:crm_loyalty.control" 2>/dev/null | grep -q "default_version = '0.3.1'"; then
        old=$(git rev-parse "$c^"); break
    fi
done
[ -n "$old" ] || skip "old values: the 0.3.1 commit is not in the git history"
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
cache=${TMPDIR:-/tmp}/crm_loyalty_old_${old:0:12}
so=$cache/crm_loyalty_031.so
if [ ! -f "$so" ]; then
    build=$(mktemp -d "${TMPDIR:-/tmp}/crm_loyalty_old_build.XXXXXX")
    mkdir -p "$cache"
    git archive "$old" | tar -x -C "$build" &&
        make -s -C "$build" PG_CONFIG="$PG_CONFIG" -j2 >/dev/null 2>"$build/err" &&
        cp "$build/crm_loyalty.so" "$so.$$" && mv "$so.$$" "$so"
    [ -f "$so" ] || sed 's/^/# /' "$build/err" | head -20
    rm -rf "$build"
fi
[ -f "$so" ] || skip "old values: the 0.3.1 library did not build"
chmod 755 "$cache" && chmod 644 "$so"

cleanup() { dropdb --if-exists "$db" 2>/dev/null; }
trap cleanup EXIT
cleanup
createdb "$db"
q "CREATE EXTENSION crm_loyalty VERSION '0.3.1'" >/dev/null
q "CREATE TABLE sums AS SELECT (p).frequency AS x, (p).recency AS t_x, (p).t AS t, (p).monetary AS m
     FROM (SELECT crm_profile(ordered_at, amount, '2026-01-01', '1 day', '7 days') AS p
             FROM crm_demo_orders(400) GROUP BY customer_id) s" >/dev/null

# One session that loads only the 0.3.1 library: its own input, output and
# fit functions write the values and print them.
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -v so="$so" >/dev/null <<'SQL'
CREATE SCHEMA old;
SELECT format($f$
  CREATE FUNCTION old.%1$s_in(cstring) RETURNS %1$s AS %2$L, '%1$s_in' LANGUAGE C IMMUTABLE STRICT;
  CREATE FUNCTION old.%1$s_out(%1$s) RETURNS cstring AS %2$L, '%1$s_out' LANGUAGE C IMMUTABLE STRICT;
  $f$, t, :'so')
  FROM unnest(ARRAY['bgnbd_model', 'mbgnbd_model', 'pareto_nbd_model', 'gamma_gamma_model', 'btyd_cells']) t \gexec
CREATE FUNCTION old.bgnbd_fit_trans(btyd_cells, float8, float8, float8, interval) RETURNS btyd_cells
AS :'so', 'bgnbd_fit_trans' LANGUAGE C IMMUTABLE;
CREATE FUNCTION old.gamma_gamma_fit_trans(btyd_cells, float8, float8) RETURNS btyd_cells
AS :'so', 'gamma_gamma_fit_trans' LANGUAGE C IMMUTABLE;
SELECT format($f$
  CREATE FUNCTION old.%1$s_fit_final(btyd_cells) RETURNS %1$s_model AS %2$L, '%1$s_fit_final' LANGUAGE C IMMUTABLE;
  CREATE AGGREGATE old.%1$s_fit(float8, float8, float8, interval) (
      SFUNC = old.bgnbd_fit_trans, STYPE = btyd_cells, FINALFUNC = old.%1$s_fit_final);
  $f$, k, :'so')
  FROM unnest(ARRAY['bgnbd', 'mbgnbd', 'pareto_nbd']) k \gexec
-- the state itself, flattened by the 0.3.1 library
CREATE AGGREGATE old.bgnbd_cells(float8, float8, float8, interval) (
    SFUNC = old.bgnbd_fit_trans, STYPE = btyd_cells);
CREATE FUNCTION old.gamma_gamma_fit_final(btyd_cells) RETURNS gamma_gamma_model
AS :'so', 'gamma_gamma_fit_final' LANGUAGE C IMMUTABLE;
CREATE AGGREGATE old.gamma_gamma_fit(float8, float8) (
    SFUNC = old.gamma_gamma_fit_trans, STYPE = btyd_cells, FINALFUNC = old.gamma_gamma_fit_final);

CREATE TABLE kept (id int PRIMARY KEY, bg bgnbd_model, mbg mbgnbd_model, pnbd pareto_nbd_model,
                   gg gamma_gamma_model, cells btyd_cells, bgs bgnbd_model[]);
SET client_min_messages = error;
INSERT INTO kept (id, bg, mbg, pnbd, gg, cells)
SELECT 1, old.bgnbd_fit(x, t_x, t, '7 days'), old.mbgnbd_fit(x, t_x, t, '7 days'),
       old.pareto_nbd_fit(x, t_x, t, '7 days'), old.gamma_gamma_fit(x, m),
       old.bgnbd_cells(x, t_x, t, '7 days') FROM sums;
INSERT INTO kept VALUES
(2, old.bgnbd_model_in('{"r": 0.24259448597880174, "alpha": 4.413592058606018, "a": 0.7929346488069627, "b": 2.4258913226669417, "unit": "7 days", "ll": -9582.429206317389, "n": 2357, "converged": true}'),
    old.mbgnbd_model_in('{"r": 0.5251, "alpha": 6.1831, "a": 0.8911, "b": 1.6141, "unit": "3600 seconds"}'),
    old.pareto_nbd_model_in('{"r": 0.5533, "alpha": 10.5776, "s": 0.6061, "beta": 11.6694, "unit": "1.5 days", "converged": false}'),
    old.gamma_gamma_model_in('{"p": 6.249574654848195, "q": 3.744216408395963, "v": 15.443525101745513, "ll": -4053.7, "n": 946}'),
    old.btyd_cells_in('{"kind": "bgnbd", "unit": "7 days", "cells": [[0, 0, 38.857142857142854, 1411], [2, 30.428571428571427, 38.857142857142854, 1]]}'),
    ARRAY[old.bgnbd_model_in('{"r": 0.24, "alpha": 4.4, "a": 0.79, "b": 2.4}'), NULL]),
(3, old.bgnbd_model_in('{"lambda": 0.01631516188971309, "unit": "1 day", "limit": "homogeneous_rate+no_dropout", "ll": -45636.80666242649, "n": 1000, "converged": true}'),
    old.mbgnbd_model_in('{"r": 0.5, "alpha": 3, "p": 0.25, "unit": "1 day", "limit": "homogeneous_dropout"}'),
    old.pareto_nbd_model_in('{"lambda": 0.2, "mu": 0.05, "unit": "1 day", "limit": "homogeneous_rate+homogeneous_dropout"}'),
    old.gamma_gamma_model_in('{"spend": 25, "limit": "constant_spend", "ll": null, "n": 20, "converged": true}'),
    old.btyd_cells_in('{"kind": "gamma_gamma", "cells": [[1, 0.5, 2], [3, 17.25, 1]]}'), ARRAY[]::bgnbd_model[]),
(4, old.bgnbd_model_in('{"lambda": 0.2, "p": 1, "unit": "1 day", "limit": "homogeneous_rate+homogeneous_dropout"}'),
    old.mbgnbd_model_in('{"lambda": 0.5, "a": 1.5, "b": 2.5, "unit": "1 day", "limit": "homogeneous_rate"}'),
    old.pareto_nbd_model_in('{"r": 0.3, "alpha": 2, "unit": "7 days", "limit": "no_dropout", "ll": -12.5}'),
    old.gamma_gamma_model_in('{"q": 2.5, "w": 30, "limit": "constant_spend_per_customer"}'),
    old.btyd_cells_in('{"kind": "gamma_gamma", "cells": []}'), NULL),
(5, old.bgnbd_model_in('{"r": 2.5, "alpha": 10, "unit": "7 days", "limit": "no_dropout", "converged": false}'),
    old.mbgnbd_model_in('{"lambda": 0.2, "unit": "1 day", "limit": "homogeneous_rate+no_dropout"}'),
    NULL,
    old.gamma_gamma_model_in('{"p": 3, "nu": 0.25, "limit": "homogeneous_spend", "ll": -100.25, "n": 40}'),
    NULL, NULL);
-- the text each value had under 0.3.1, printed by the 0.3.1 library
CREATE TABLE kept_text AS
SELECT id, old.bgnbd_model_out(bg)::text AS bg, old.mbgnbd_model_out(mbg)::text AS mbg,
       old.pareto_nbd_model_out(pnbd)::text AS pnbd, old.gamma_gamma_model_out(gg)::text AS gg,
       old.btyd_cells_out(cells)::text AS cells,
       (SELECT array_agg(old.bgnbd_model_out(b)::text ORDER BY o) FROM unnest(bgs) WITH ORDINALITY u(b, o)) AS bgs
  FROM kept;
DROP SCHEMA old CASCADE;
SQL
check "the 0.3.1 library stored 5 rows of every type" test "$(q "SELECT count(*) FROM kept_text WHERE bg IS NOT NULL")" = 5
check "the 0.3.1 library fitted all four models" test "$(q "SELECT count(*) FROM kept_text WHERE id = 1 AND bg LIKE '%\"converged\": true%' AND mbg IS NOT NULL AND pnbd IS NOT NULL AND gg IS NOT NULL")" = 1

q "ALTER EXTENSION crm_loyalty UPDATE" >/dev/null
check "the extension updates from 0.3.1" \
    test "$(q "SELECT extversion = (SELECT default_version FROM pg_available_extensions WHERE name = 'crm_loyalty') FROM pg_extension WHERE extname = 'crm_loyalty'")" = t

same="SELECT count(*) FROM kept k JOIN kept_text t USING (id)
       WHERE k.bg::text IS DISTINCT FROM t.bg OR k.mbg::text IS DISTINCT FROM t.mbg
          OR k.pnbd::text IS DISTINCT FROM t.pnbd OR k.gg::text IS DISTINCT FROM t.gg
          OR k.cells::text IS DISTINCT FROM t.cells::btyd_cells::text
          OR (SELECT array_agg(b::text ORDER BY o) FROM unnest(k.bgs) WITH ORDINALITY u(b, o)) IS DISTINCT FROM t.bgs"
check "every value written by 0.3.1 prints the same text after the update (fit states: the same value as their 0.3.1 JSON text, now printed compact)" test "$(q "$same")" = 0
q "$same" | grep -qx 0 || q "SELECT k.id, k.bg::text, t.bg FROM kept k JOIN kept_text t USING (id)" | sed 's/^/# /'
check "the old values score (p_alive, expected purchases, expected spend)" \
    test "$(q "SELECT count(*) FROM kept WHERE p_alive(2, 30, 38, bg) BETWEEN 0 AND 1
                AND expected_purchases(10, 2, 30, 38, mbg) >= 0 AND expected_spend(3, 20, gg) > 0")" = 5
# a fit state flattened by 0.3.1 feeds the current combine and final functions
q "CREATE AGGREGATE merge_fit(btyd_cells) (SFUNC = btyd_cells_combine, STYPE = btyd_cells, FINALFUNC = bgnbd_fit_final)" >/dev/null
check "a fit state stored by 0.3.1 fits the model the current fit gives" \
    test "$(q "SET client_min_messages = error; SELECT (SELECT merge_fit(cells) FROM kept WHERE id = 1)::text
                = (SELECT bgnbd_fit(x, t_x, t, '7 days') FROM sums)::text")" = t

file=$(q "SELECT current_setting('data_directory') || '/old_values.bin'")
q "COPY kept TO '$file' WITH (FORMAT binary)" >/dev/null
q "CREATE TABLE kept_back (LIKE kept)" >/dev/null
q "COPY kept_back FROM '$file' WITH (FORMAT binary)" >/dev/null
check "old values go through binary COPY unchanged" \
    test "$(q "${same//FROM kept k/FROM kept_back k}")" = 0
check "all five rows came back" test "$(q "SELECT count(*) FROM kept_back")" = 5

echo "1..$n"
[ "$failed" -eq 0 ]
