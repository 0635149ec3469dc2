#!/usr/bin/env bash
# bench/plan_shape.sh — the plan the planner picks for crm_profile against the
# plain GROUP BY floor, and their times, measured in one run.
#
#   bench/plan_shape.sh [--customers N] [--reps N]
#
# Builds and installs the extension, starts a throwaway cluster (as
# bench/run.sh does) and, over crm_demo_orders(N) (default 300,000 customers,
# about 5.3 orders each, two years, daily periods, in time order):
#   - measures the real size of the transition state of crm_profile and of
#     crm_profile_state per customer:
#     peak memory of a serial in-memory hash aggregate of each minus
#     that of count(*) over the same groups (EXPLAIN ANALYZE, work_mem 1GB),
#     and shows the size the planner is told (the aggregates' SSPACE);
#   - at work_mem 4MB and 64MB (other settings default, parallel query on):
#     the top nodes of each plan (EXPLAIN (COSTS OFF)), and the execution
#     time (EXPLAIN (ANALYZE, TIMING OFF), median of --reps interleaved runs,
#     default 3) of the floor
#       SELECT customer_id, count(*), sum(amount), min(ordered_at),
#              max(ordered_at) FROM orders GROUP BY customer_id
#     and of crm_profile over the same grouping, with their ratio.
# Not part of the test suite: nothing here passes or fails, it measures.
set -euo pipefail
cd "$(dirname "$0")/.."
CUSTOMERS=300000
REPS=3
while [ $# -gt 0 ]; do
    case "$1" in
        --customers) CUSTOMERS=$2; shift 2 ;;
        --reps) REPS=$2; shift 2 ;;
        -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
for v in "$CUSTOMERS" "$REPS"; do
    [[ "$v" =~ ^[1-9][0-9]*$ ]] || { echo "--customers and --reps must be positive integers" >&2; exit 2; }
done
. test/lib.sh
ensure_packages
build_and_install
with_cluster bash -c '
set -euo pipefail
customers=$1 reps=$2
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
q <<SQL
CREATE EXTENSION crm_loyalty;
SET max_parallel_workers_per_gather = 0;
SET work_mem = '"'"'1GB'"'"';
CREATE TABLE orders AS
SELECT customer_id, ordered_at, amount FROM crm_demo_orders($customers) ORDER BY ordered_at;
VACUUM (FREEZE, ANALYZE) orders;
SQL
IFS="|" read -r n_orders n_customers <<<"$(q -c "SELECT count(*), count(DISTINCT customer_id) FROM orders")"
echo "orders $n_orders, customers $n_customers, $(q -c "SELECT pg_size_pretty(pg_table_size('"'"'orders'"'"'))")"

FLOOR="SELECT customer_id, count(*), sum(amount), min(ordered_at), max(ordered_at) FROM orders GROUP BY customer_id"
PROFILE="SELECT customer_id, crm_profile(ordered_at, amount, '"'"'2026-01-01'"'"') FROM orders GROUP BY customer_id"
COUNT="SELECT customer_id, count(*) FROM orders GROUP BY customer_id"

# Peak memory (kB) of a serial in-memory hash aggregate
hash_kb() {
    printf "SET max_parallel_workers_per_gather = 0;\nSET work_mem = '"'"'1GB'"'"';\nSET enable_sort = off;\nEXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) %s;\n" "$1" |
        q | sed -n "s/.*Memory Usage: \([0-9]*\)kB.*/\1/p" | head -1
}
STATE="SELECT customer_id, crm_profile_state(ordered_at, amount) FROM orders GROUP BY customer_id"
sspace() {
    q -c "SELECT string_agg(DISTINCT a.aggtransspace::text, '"'"', '"'"') FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid WHERE p.proname = '"'"'$1'"'"'"
}
kb_count=$(hash_kb "$COUNT")
echo
echo "== transition state per customer (peak memory of a serial in-memory hash aggregate, minus count(*)'"'"'s ${kb_count} kB)"
for agg in crm_profile crm_profile_state; do
    [ $agg = crm_profile ] && kb=$(hash_kb "$PROFILE") || kb=$(hash_kb "$STATE")
    awk -v a="$kb_count" -v b="$kb" -v n="$n_customers" -v agg=$agg -v d="$(sspace $agg)" \
        "BEGIN { printf \"%s: %d kB, measured %.0f bytes per customer; declared SSPACE %s (0: the planner assumes 8192)\n\", agg, b, (b - a) * 1024 / n, d }"
done

ms() { sed -n "s/.*Execution Time: \([0-9.]*\) ms.*/\1/p"; }
run() {  # work_mem, query -> execution time in ms
    printf "SET work_mem = '"'"'%s'"'"';\nEXPLAIN (ANALYZE, TIMING OFF) %s;\n" "$1" "$2" | q | ms
}
med() { printf "%s\n" "$@" | sort -n | awk "{ a[NR] = \$1 } END { print a[int((NR + 1) / 2)] }"; }
for wm in 4MB 64MB; do
    echo
    echo "== work_mem $wm"
    for which in FLOOR PROFILE; do
        echo "-- $(echo $which | tr A-Z a-z) plan (top nodes):"
        printf "SET work_mem = '"'"'%s'"'"';\nEXPLAIN (COSTS OFF) %s;\n" "$wm" "${!which}" | q |
            grep -v "^ *\(Group Key\|Sort Key\|Workers Planned\)" | sed "s/^/   /"
    done
    tf=() tp=()
    for r in $(seq 1 "$reps"); do
        tf+=("$(run "$wm" "$FLOOR")")
        tp+=("$(run "$wm" "$PROFILE")")
    done
    mf=$(med "${tf[@]}"); mp=$(med "${tp[@]}")
    awk -v f="$mf" -v p="$mp" -v wm="$wm" -v r="$reps" \
        "BEGIN { printf \"times (median of %d): floor %.0f ms, crm_profile %.0f ms, ratio %.2f\n\", r, f, p, p / f }"
done
' plan_shape "$CUSTOMERS" "$REPS"
