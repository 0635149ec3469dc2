#!/usr/bin/env bash
# test/upgrade/catalog.sh — a direct install of the current version and every
# update path to it must leave the same extension in the catalog.
#
# Against a running server (PG* variables, a superuser; test/run.sh runs it in
# its throwaway cluster), after `make install`.  For each way of installing,
# once as the superuser and once as a plain role (the extension is trusted,
# so CREATE EXTENSION by a non-superuser is the common case), it creates a
# database and installs:
#
#   direct         CREATE EXTENSION crm_loyalty (the built install script)
#   from V         CREATE EXTENSION crm_loyalty VERSION 'V'; ALTER EXTENSION
#                  crm_loyalty UPDATE, for every earlier version V
#   step by step   the oldest version, then ALTER EXTENSION ... UPDATE TO each
#                  later version in turn
#
# and compares the canonical dump of test/upgrade/catalog_dump.sql of each
# with the direct install's; a difference is printed as a unified diff
# ("-" direct install, "+" updated).  Negative controls then change one
# property at a time in an updated database (a comment, the volatility of a
# function, a function body, a SET option, a column default, an ACL, a seed
# row, a trigger's enabled state, a policy, a composite type's column,
# membership) and check that the comparison reports each one, so the
# comparator cannot pass by comparing nothing.
#
# Output is TAP ("ok N - ...", a plan line at the end); the exit status is
# non-zero when a test fails.  CRM_CATALOG_KEEP=DIR keeps the dumps and diffs
# in DIR, and the databases.  CRM_CATALOG_DRIFT='SQL' runs SQL in every
# updated database after the update (to see what a failure looks like).
set -uo pipefail
cd "$(dirname "$0")/../.."

PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/${PG_MAJOR:-15}/bin/pg_config}
DUMP_SQL=$(realpath test/upgrade/catalog_dump.sql)
target=$(sed -n "s/^default_version = '\(.*\)'/\1/p" crm_loyalty.control)
work=${CRM_CATALOG_KEEP:-$(mktemp -d)}
mkdir -p "$work"
[ -n "${CRM_CATALOG_KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
PLAIN_ROLE=crm_catalog_owner

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
check() { if [ "$1" = 0 ]; then ok "$2"; else not_ok "$2"; fi; }
diag() { sed 's/^/# /'; }

sql() {   # sql DB SQL... (as the connecting superuser; stops at the first error)
    local db=$1; shift
    psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"
}
dump() {  # dump DB [SQL to run first, in the same transaction] > file
    { echo 'BEGIN;'; [ -n "${2:-}" ] && printf '%s\n' "$2"; echo "\\i $DUMP_SQL"; echo 'ROLLBACK;'; } \
        | psql -X -q -At -v ON_ERROR_STOP=1 -d "$1"
}
made=()
make_db() {  # make_db DB AS(su|plain): a fresh database the role may install into
    made+=("$1")
    sql postgres -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1 TEMPLATE template0" >/dev/null || return 1
    if [ "$2" = plain ]; then
        sql "$1" -c "GRANT CREATE ON DATABASE $1 TO $PLAIN_ROLE" -c "GRANT CREATE ON SCHEMA public TO $PLAIN_ROLE" >/dev/null
    fi
}
as_role() {  # SQL prefix that makes the next statements run as the role of AS
    [ "$1" = plain ] && echo "SET ROLE $PLAIN_ROLE;"
}

# ---- the versions ----------------------------------------------------------
sharedir=$("$PG_CONFIG" --sharedir)
mapfile -t versions < <(sql postgres -c "SELECT version FROM pg_available_extension_versions
                                          WHERE name = 'crm_loyalty'
                                          ORDER BY string_to_array(version, '.')::int[]")
if [ -f "$sharedir/extension/crm_loyalty--$target.sql" ]; then
    ok "the default version $target has its own install script (CREATE EXTENSION runs one script)"
else
    not_ok "the default version $target has its own install script: $sharedir/extension/crm_loyalty--$target.sql is missing"
fi
earlier=()
for v in "${versions[@]}"; do [ "$v" != "$target" ] && earlier+=("$v"); done
if [ "${#earlier[@]}" -ge 1 ] && [ "${versions[-1]}" = "$target" ]; then
    ok "versions available: ${versions[*]} (default $target)"
else
    not_ok "versions available: ${versions[*]}: expected earlier versions and $target the newest"
fi

sql postgres -c "DO \$\$ BEGIN CREATE ROLE $PLAIN_ROLE NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$" >/dev/null

# ---- install every way, dump, compare ----------------------------------------
dbs=()
for as in su plain; do
    db=crm_cat_${as}_direct
    if make_db "$db" "$as" && sql "$db" -c "$(as_role $as) CREATE EXTENSION crm_loyalty;" > "$work/$as.direct.err" 2>&1 \
            && dump "$db" > "$work/$as.direct" 2>> "$work/$as.direct.err"; then
        dbs+=("$db")
        members=$(sed -n 's/^extension crm_loyalty :: members = //p' "$work/$as.direct")
        lines=$(wc -l < "$work/$as.direct")
        undescribed=$(grep -c ' :: UNDESCRIBED = ' "$work/$as.direct")
        # a dump of (almost) nothing would compare equal to anything
        if [ "${members:-0}" -ge 100 ] && [ "$lines" -ge 5000 ] && [ "$undescribed" -eq 0 ] \
                && grep -q ':: definition | CREATE OR REPLACE FUNCTION' "$work/$as.direct" \
                && grep -q ':: row = ' "$work/$as.direct"; then
            ok "direct install ($as): $members member objects, $lines facts, every kind of object described"
        else
            not_ok "direct install ($as): $members member objects, $lines facts, $undescribed undescribed objects"
            grep ' :: UNDESCRIBED = ' "$work/$as.direct" | head -20 | diag
        fi
    else
        not_ok "direct install ($as)"; cut -c1-200 "$work/$as.direct.err" | head -20 | diag
        continue
    fi

    paths=()
    for v in "${earlier[@]}"; do paths+=("from $v"); done
    paths+=("step by step")
    for p in "${paths[@]}"; do
        if [ "$p" = "step by step" ]; then
            db=crm_cat_${as}_steps
            steps="$(as_role $as) CREATE EXTENSION crm_loyalty VERSION '${earlier[0]}';"
            for v in "${earlier[@]:1}" "$target"; do steps+=" ALTER EXTENSION crm_loyalty UPDATE TO '$v';"; done
            label="${earlier[0]} -> ... -> $target one update at a time ($as)"
        else
            v=${p#from }
            db=crm_cat_${as}_from_${v//./_}
            steps="$(as_role $as) CREATE EXTENSION crm_loyalty VERSION '$v'; ALTER EXTENSION crm_loyalty UPDATE;"
            label="$v -> $target by ALTER EXTENSION UPDATE ($as)"
        fi
        out=$work/$as.${db#crm_cat_${as}_}
        # CRM_CATALOG_DRIFT: SQL run after each update, to see a failing comparison
        [ -n "${CRM_CATALOG_DRIFT:-}" ] && steps+=" RESET ROLE; $CRM_CATALOG_DRIFT"
        if ! { make_db "$db" "$as" && sql "$db" -c "$steps" > "$out.err" 2>&1 && dump "$db" > "$out" 2>> "$out.err"; }; then
            not_ok "$label: install or dump failed"; cut -c1-200 "$out.err" | head -20 | diag
            continue
        fi
        dbs+=("$db")
        if diff -u --label "direct install of $target" --label "$label" "$work/$as.direct" "$out" > "$out.diff"; then
            ok "$label equals the direct install"
        else
            not_ok "$label differs from the direct install ($(grep -c '^[-+][^-+]' "$out.diff") lines):"
            head -300 "$out.diff" | diag
        fi
    done
done

# ---- negative controls: the comparison reports each kind of drift ------------
# Each change runs in the transaction of the dump and is rolled back.
control_db=crm_cat_plain_from_${earlier[-1]//./_}
s=public
controls=(
"a function's comment|COMMENT ON FUNCTION $s.p_alive(float8, float8, float8, $s.purchase_model) IS 'changed';|^\+function .*p_alive.* :: comment = changed"
"a function's volatility|ALTER FUNCTION $s.rfm_segment(integer, integer, integer) STABLE;|^\+function .*rfm_segment\(.* :: volatility = s"
"a function's body|DO \$\$ BEGIN EXECUTE replace(pg_get_functiondef('$s.rfm_rules(text)'::regprocedure), 'does not exist', 'is missing'); END \$\$;|^\+function .*rfm_rules\(.* :: definition \| .*is missing"
"a function's SET option|ALTER FUNCTION $s.share_model(text, name[]) RESET search_path;|^\+function .*share_model.* :: config = -"
"an aggregate's support function|UPDATE pg_aggregate SET aggcombinefn = 0 WHERE aggfnoid = '$s.bgnbd_fit(float8, float8, float8)'::regprocedure;|^\+aggregate .*bgnbd_fit\(.* :: aggregate combine function = -"
"a column default|ALTER TABLE $s.fitted_models ALTER COLUMN readers SET DEFAULT '{public}';|^\+table .*fitted_models :: column 013 readers = default '\{public\}'"
"a column comment|COMMENT ON COLUMN $s.customer_profile.unit IS 'changed';|^\+.*customer_profile :: comment on column unit = changed"
"a table's ACL|REVOKE SELECT ON $s.rfm_segment_rules FROM PUBLIC;|^\+table .*rfm_segment_rules :: relation acl = "
"a column ACL|REVOKE UPDATE (readers) ON $s.fitted_models FROM PUBLIC;|^\+table .*fitted_models :: column 013 readers = acl "
"a seed row|SET session_replication_role = replica; UPDATE $s.rfm_segment_rules SET r_min = 4 WHERE rule_set = 'default' AND position = 1; RESET session_replication_role;|^\+table .*rfm_segment_rules :: row = .*Champions"
"a trigger's enabled state|ALTER TABLE $s.fitted_models ENABLE TRIGGER fitted_models_stamp;|^\+trigger fitted_models_stamp on .* :: trigger enabled = O"
"a policy|ALTER POLICY fitted_models_add ON $s.fitted_models WITH CHECK (true);|^\+policy fitted_models_add on .* :: policy with check = true"
"a composite type's column|ALTER TYPE $s.rfm_scores RENAME ATTRIBUTE segment TO seg;|^\+.*rfm_scores :: column 005 seg "
"a type's storage|UPDATE pg_type SET typstorage = 'e' WHERE oid = '$s.bgnbd_model'::regtype;|^\+type .*bgnbd_model :: type storage = e"
"a cast's context|UPDATE pg_cast SET castcontext = 'a' WHERE castsource = '$s.bgnbd_model'::regtype AND casttarget = 'jsonb'::regtype;|^\+cast .*bgnbd_model.*jsonb.* :: cast context = a"
"membership|ALTER EXTENSION crm_loyalty DROP FUNCTION $s.crm_demo_orders(integer, bigint, date, integer);|^-function .*crm_demo_orders.* :: member = extension member"
"a config table's condition|UPDATE pg_extension SET extcondition = ARRAY['', ''] WHERE extname = 'crm_loyalty';|^\+extension crm_loyalty :: config table 1 = .*rfm_segment_rules $"
)
if [[ " ${dbs[*]} " == *" $control_db "* ]]; then
    first=1
    for c in "${controls[@]}"; do
        what=${c%%|*}; rest=${c#*|}; change=${rest%%|*}; expect=${rest#*|}
        out=$work/control.$n
        if ! dump "$control_db" "$change" > "$out" 2> "$out.err"; then
            not_ok "drift detected: $what (the change failed)"; head -5 "$out.err" | diag; continue
        fi
        diff -u --label "direct install of $target" --label "updated, then $what changed" \
            "$work/plain.direct" "$out" > "$out.diff"
        if [ $? -eq 1 ] && grep -Eq -- "$expect" "$out.diff"; then
            ok "drift detected: $what"
            # one complete example of a failing comparison in the log
            [ "$first" = 1 ] && { echo "# the comparison's report for: $change"; diag < "$out.diff"; first=0; }
        else
            not_ok "drift detected: $what (expected a line matching /$expect/ in the diff)"
            head -20 "$out.diff" | diag
        fi
    done
else
    not_ok "negative controls: database $control_db missing"
fi

if [ -z "${CRM_CATALOG_KEEP:-}" ]; then
    for db in "${made[@]}"; do sql postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1; done
    sql postgres -c "DROP ROLE IF EXISTS $PLAIN_ROLE" >/dev/null 2>&1
fi
echo "1..$n"
[ "$failed" -eq 0 ]
