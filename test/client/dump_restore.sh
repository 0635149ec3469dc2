#!/usr/bin/env bash
# pg_dump / pg_restore keep the model store, user rule sets and scoring views:
# after a restore into a fresh database the stored models, the history and
# the views answer exactly as before.  Done twice: as the superuser of the
# libpq environment, and as a non-superuser database owner who created the
# extension, with fits of two other roles (private and shared).  Prints TAP.
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
owner=crm_dump_owner alice=crm_dump_alice bob=crm_dump_bob pw=crm_dump_pw
osrc=crm_dump_owner_src odst=crm_dump_owner_dst
cleanup() {
    for d in "$src" "$dst" "$osrc" "$odst"; do dropdb --if-exists "$d" 2>/dev/null; done
    psql -X -q -c "DROP ROLE IF EXISTS $alice, $bob, $owner" 2>/dev/null
    rm -f "$dump"
}
trap cleanup EXIT
cleanup
createdb "$src" && createdb "$dst"

q "$src" "CREATE EXTENSION crm_loyalty" >/dev/null
q "$src" "CREATE TABLE orders AS SELECT * FROM crm_demo_orders(800)" >/dev/null
q "$src" "SELECT count(*) FROM fit_models('shop', 'orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '{\"unit\": \"7 days\", \"model\": \"bgnbd\"}')" >/dev/null
q "$src" "SELECT count(*) FROM fit_models('shop', 'orders', 'customer_id', 'ordered_at', 'amount', '2026-01-01', '{\"unit\": \"7 days\", \"model\": \"bgnbd\"}')" >/dev/null
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

# ---------------------------------------------------------------------------
# A non-superuser database owner dumps and restores: the store belongs to the
# role that created the extension, so its row-level security does not apply
# to that role and every fit comes back with its fitted_by and fitted_at.
# ---------------------------------------------------------------------------
as() {  # as ROLE DB SQL
    PGUSER=$1 PGPASSWORD=$pw psql -X -qAt -v ON_ERROR_STOP=1 -d "$2" -c "$3"
}
psql -X -q -v ON_ERROR_STOP=1 -c "CREATE ROLE $owner LOGIN PASSWORD '$pw'; CREATE ROLE $alice LOGIN PASSWORD '$pw';
                                   CREATE ROLE $bob LOGIN PASSWORD '$pw'" >/dev/null
createdb -O "$owner" "$osrc" && createdb -O "$owner" "$odst"
fit() {  # fit ROLE NAME AS_OF [GROUP_COLUMN]
    local opts='{"unit": "7 days", "model": "bgnbd"}'
    [ -n "${4:-}" ] && opts="{\"unit\": \"7 days\", \"model\": \"bgnbd\", \"group_column\": \"$4\"}"
    as "$1" "$osrc" "SELECT count(*) FROM fit_models('$2', 'orders', 'customer_id', 'ordered_at', 'amount', '$3', '$opts')" >/dev/null
}
as "$owner" "$osrc" "CREATE EXTENSION crm_loyalty" >/dev/null
as "$owner" "$osrc" "CREATE TABLE orders AS SELECT *, (customer_id % 2)::text AS shop FROM crm_demo_orders(400)" >/dev/null
as "$owner" "$osrc" "GRANT SELECT ON orders TO $alice, $bob" >/dev/null
fit "$alice" shop 2025-06-30
fit "$alice" shop 2026-01-01
fit "$alice" secret 2026-01-01
as "$alice" "$osrc" "SELECT share_model('shop', '{$bob}')" >/dev/null
fit "$bob" shop 2026-01-01
fit "$bob" per_shop 2026-01-01 shop
as "$owner" "$osrc" "INSERT INTO rfm_segment_rules SELECT 'mine', position, segment, r_min, r_max, f_min, f_max, m_min, m_max FROM rfm_segment_rules WHERE rule_set = 'default'" >/dev/null

ostore="SELECT string_agg(concat_ws('|', fitted_by, name, group_key, kind, model, fitted_at, source, readers), E'\n' ORDER BY fitted_by, name, group_key, kind, fitted_at) FROM fitted_models"
before_ostore=$(as "$owner" "$osrc" "$ostore")
alice_shop=$(as "$alice" "$osrc" "SELECT stored_bgnbd_model('shop')")
check "the owner sees the fits of both roles (${owner} owns the store)" \
    test "$(as "$owner" "$osrc" "SELECT count(*) || '/' || count(DISTINCT fitted_by) FROM fitted_models")" = "12/2"
check "pg_dump -Fc as the non-superuser database owner succeeds" \
    env PGUSER="$owner" PGPASSWORD="$pw" pg_dump -Fc -f "$dump" "$osrc"
check "pg_restore as the non-superuser owner into a fresh database succeeds" \
    env PGUSER="$owner" PGPASSWORD="$pw" pg_restore --exit-on-error -d "$odst" "$dump"
check "every fit comes back with its fitted_by, fitted_at and readers" \
    test -n "$before_ostore" -a "$(as "$owner" "$odst" "$ostore")" = "$before_ostore"
check "the restored store belongs to the owner, with row-level security and its four policies" \
    test "$(as "$owner" "$odst" "SELECT relowner::regrole || '/' || relrowsecurity || '/' || (SELECT count(*) FROM pg_policies WHERE tablename = 'fitted_models') FROM pg_class WHERE oid = 'fitted_models'::regclass")" = "$owner/true/4"
check "a role's lookup returns its own newest fit after restore" \
    test "$(as "$alice" "$odst" "SELECT stored_bgnbd_model('shop')")" = "$alice_shop"
check "a shared fit is readable by its reader as role.name after restore" \
    test "$(as "$bob" "$odst" "SELECT stored_bgnbd_model('$alice.shop')")" = "$alice_shop"
check "private fits stay private after restore" \
    test "$(as "$bob" "$odst" "SELECT count(*) FILTER (WHERE name = 'secret') || '/' || count(*) FROM fitted_models")" = "0/10"
refused() { ! "$@" >/dev/null 2>&1; }
check "after restore another role still cannot store a fit in someone else's name" \
    refused as "$bob" "$odst" "INSERT INTO fitted_models (name, kind, model, parameters, fitted_by) VALUES ('x', 'bgnbd', '{\"r\": 1, \"alpha\": 1, \"a\": 1, \"b\": 1}', '{}', '$alice')"
check "the user rule set is restored, the built-in default set once" \
    test "$(as "$owner" "$odst" "SELECT count(*) FILTER (WHERE rule_set = 'mine') || '/' || count(*) FILTER (WHERE rule_set = 'default') FROM rfm_segment_rules")" = "10/10"

echo "1..$n"
[ "$failed" -eq 0 ]
