#!/usr/bin/env bash
# pg_dump / pg_restore keep the model store, user rule sets and scoring views:
# after a restore into a fresh database the stored models, the history and
# the views answer exactly as before.  Uses the libpq environment; prints TAP.
set -uo pipefail
src=crm_dump_src dst=crm_dump_dst
dump=$(mktemp)
n=0 failed=0
check() {  # check "description" test-command...
    local what=$1; shift
    n=$((n + 1))
    if "$@"; then echo "ok $n - $what"; else echo "not ok $n - $what"; failed=$((failed + 1)); fi
}
q() { psql -X -qAt -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }
cleanup() { dropdb --if-exists "$src" 2>/dev/null; dropdb --if-exists "$dst" 2>/dev/null; rm -f "$dump"; }
trap cleanup EXIT
cleanup
createdb "$src" && createdb "$dst"

q "$src" "CREATE EXTENSION crm_loyalty" >/dev/null
q "$src" "CREATE TABLE orders AS SELECT * FROM crm_demo_orders(800)" >/dev/null
q "$src" "SELECT count(*) FROM fit_models('shop', 'orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '{\"unit\": \"7 days\"}')" >/dev/null
q "$src" "SELECT count(*) FROM fit_models('shop', 'orders', 'customer_id', 'ordered_at', 'amount', '2026-01-01', '{\"unit\": \"7 days\"}')" >/dev/null
q "$src" "INSERT INTO rfm_segment_rules VALUES ('mine', 1, 'Best', 4, 5, 4, 5, 4, 5)" >/dev/null
q "$src" "SELECT create_scoring_view('scores', 'orders', 'customer_id', 'ordered_at', 'amount', '{\"as_of\": \"2026-01-01\", \"unit\": \"7 days\", \"bgnbd_model\": \"shop\", \"gamma_gamma_model\": \"shop\"}')" >/dev/null

store="SELECT string_agg(concat_ws('|', name, group_key, kind, model, fitted_at, source, fitted_by), E'\n' ORDER BY name, kind, fitted_at) FROM fitted_models"
scores="SELECT md5(string_agg(concat_ws('|', customer_id, rfm_cell, segment, p_alive, clv, tier), ',' ORDER BY customer_id)) FROM scores"
before_store=$(q "$src" "$store")
before_scores=$(q "$src" "$scores")

check "pg_dump of a database using crm_loyalty succeeds" pg_dump -Fc -f "$dump" "$src"
check "pg_restore into a fresh database succeeds" pg_restore -d "$dst" "$dump"
check "the model store comes back with every fit, history and owner intact" \
    test "$(q "$dst" "$store")" = "$before_store"
check "four fits (two per kind) were stored" test "$(q "$dst" "SELECT count(*) FROM fitted_models")" = 4
check "stored models resolve to the newest fit after restore" \
    test "$(q "$dst" "SELECT (stored_bgnbd_model('shop')::jsonb->>'n')")" = "$(q "$src" "SELECT (stored_bgnbd_model('shop')::jsonb->>'n')")"
check "user rule sets are kept, the built-in default set is not duplicated" \
    test "$(q "$dst" "SELECT count(*) FILTER (WHERE rule_set = 'mine') || '/' || count(*) FILTER (WHERE rule_set = 'default') FROM rfm_segment_rules")" = "1/10"
check "the scoring view answers exactly as before" test "$(q "$dst" "$scores")" = "$before_scores"
check "the store's row-level security is in force after restore" \
    test "$(q "$dst" "SELECT relrowsecurity FROM pg_class WHERE oid = 'fitted_models'::regclass")" = t

echo "1..$n"
[ "$failed" -eq 0 ]
