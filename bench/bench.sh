#!/usr/bin/env bash
# bench/bench.sh ORDERS CUSTOMERS REPS MARKDOWN COMMAND — the measurements
# behind bench/run.sh, against the server that PGHOST/PGPORT/PGUSER name
# (run.sh starts a throwaway one; the role must be a superuser, to read the
# backend's /proc status).  Prints a Markdown report; writes it to MARKDOWN too
# when that is not empty.
set -euo pipefail
ORDERS=$1 CUSTOMERS=$2 REPS=$3 MARKDOWN=${4:-} COMMAND=${5:-bench/bench.sh}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

psql_q() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }
note() { echo "-- $*" >&2; }

# ---------------------------------------------------------------------------
# Data: the demo shop, observed long enough for ORDERS/CUSTOMERS orders each
# ---------------------------------------------------------------------------
psql_q -c 'DROP DATABASE IF EXISTS crm_bench' -c 'CREATE DATABASE crm_bench'
export PGDATABASE=crm_bench
psql_q -c 'CREATE EXTENSION crm_loyalty'

# Orders per customer grow with the observed window; find the window (days)
# whose first 20,000 customers have the wanted mean, by bisection.
target=$(awk -v o="$ORDERS" -v c="$CUSTOMERS" 'BEGIN { printf "%.6f", o / c }')
sample=$(( CUSTOMERS < 20000 ? CUSTOMERS : 20000 ))
lo=1 hi=36500
while [ $((hi - lo)) -gt 1 ]; do
    mid=$(( (lo + hi) / 2 ))
    mean=$(psql_q -c "SELECT count(*)::float8 / $sample FROM crm_demo_orders($sample, 1, '2000-01-01', $mid)")
    if awk -v m="$mean" -v t="$target" 'BEGIN { exit !(m < t) }'; then lo=$mid; else hi=$mid; fi
done
DAYS=$hi
START=$(psql_q -c "SELECT (date '2026-01-01' - $DAYS)::text")
AS_OF="'2026-01-01 00:00+00'"
note "generating the orders of $CUSTOMERS customers over $DAYS days ($START .. 2025-12-31)"

# The table is in time order, as a real order log is (not grouped by customer).
t0=$(date +%s.%N)
psql_q <<SQL
SET work_mem = '1GB';
SET max_parallel_workers_per_gather = 0;
CREATE TABLE orders (customer_id bigint NOT NULL, ordered_at timestamptz NOT NULL, amount numeric NOT NULL);
INSERT INTO orders
SELECT customer_id, ordered_at, amount FROM crm_demo_orders($CUSTOMERS, 1, '$START', $DAYS) ORDER BY ordered_at;
VACUUM (FREEZE, ANALYZE) orders;
SQL
gen_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')
IFS='|' read -r n_orders n_customers n_refunds n_sameday table_size <<<"$(psql_q -c "
    SELECT count(*), count(DISTINCT customer_id), count(*) FILTER (WHERE amount < 0),
           (SELECT count(*) FROM (SELECT 1 FROM orders WHERE amount > 0
                                  GROUP BY customer_id, ordered_at::date HAVING count(*) > 1) d),
           pg_size_pretty(pg_table_size('orders'))
    FROM orders")"
note "orders: $n_orders of $n_customers customers ($n_refunds refunds), $table_size, generated in ${gen_s}s"

# helpers used by the measurements below
psql_q <<'SQL'
-- the backend's own /proc status field, in kB (VmHWM: peak resident set)
CREATE FUNCTION bench_vm(field text) RETURNS bigint LANGUAGE sql AS $$
    SELECT (regexp_match(pg_read_file('/proc/' || pg_backend_pid() || '/status'),
                         field || ':\s+(\d+)'))[1]::bigint
$$;
CREATE FUNCTION bench_context_bytes() RETURNS bigint LANGUAGE sql AS $$
    SELECT sum(total_bytes)::bigint FROM pg_backend_memory_contexts
$$;
SQL

# ---------------------------------------------------------------------------
# The queries.  Every result set is consumed the same way, count(q.*): the
# whole-row reference keeps the planner from dropping unused aggregates.
# ---------------------------------------------------------------------------
PROFILE="crm_profile(ordered_at, amount, $AS_OF, '1 day', '7 days')"
wrap() { echo "SELECT count(q.*) FROM ($1) q"; }

Q_floor="SELECT customer_id, count(*), min(ordered_at), max(ordered_at), sum(amount) FROM orders GROUP BY customer_id"
Q_profile="SELECT customer_id, $PROFILE AS p FROM orders GROUP BY customer_id"
Q_rfm="WITH prof AS (SELECT customer_id, $PROFILE AS p FROM orders GROUP BY customer_id),
     cut AS (SELECT rfm_breaks((p).recency_days, (p).frequency, (p).monetary) AS b FROM prof WHERE p IS NOT NULL)
SELECT customer_id, s.r, s.f, s.m, s.cell, s.segment
FROM prof CROSS JOIN cut CROSS JOIN LATERAL rfm_score((p).recency_days, (p).frequency, (p).monetary, b) s
WHERE p IS NOT NULL"
# The usual hand-written RFM: days since the last purchase, number of
# purchases, net spend, NTILE(5) per dimension, the default segment rules as
# a CASE.  It does less than the extension (no same-day merging, ties split
# arbitrarily by NTILE), which only makes it cheaper.
Q_ntile="WITH c AS (
    SELECT customer_id,
           $AS_OF::date - max(ordered_at) FILTER (WHERE amount > 0)::date AS recency_days,
           count(*) FILTER (WHERE amount > 0) AS frequency,
           sum(amount) AS monetary
    FROM orders WHERE ordered_at < $AS_OF GROUP BY customer_id
    HAVING count(*) FILTER (WHERE amount > 0) > 0
), s AS (
    SELECT customer_id,
           ntile(5) OVER (ORDER BY recency_days DESC) AS r,
           ntile(5) OVER (ORDER BY frequency) AS f,
           ntile(5) OVER (ORDER BY monetary) AS m
    FROM c
)
SELECT customer_id, r, f, m, concat(r, f, m) AS cell,
       CASE WHEN r = 5 AND f = 5 AND m = 5 THEN 'Champions'
            WHEN r >= 3 AND f >= 3 AND m >= 2 THEN 'Potential Loyalist'
            WHEN r BETWEEN 2 AND 4 AND f BETWEEN 2 AND 4 AND m BETWEEN 2 AND 4 THEN 'Loyal Customers'
            WHEN r BETWEEN 3 AND 4 AND f <= 3 AND m >= 3 THEN 'Promising'
            WHEN r >= 4 AND f <= 3 THEN 'New Customers'
            WHEN r <= 2 AND f BETWEEN 3 AND 4 AND m >= 4 THEN 'Can''t Lose Them'
            WHEN r <= 2 AND f >= 2 AND m >= 4 THEN 'At Risk'
            WHEN r <= 3 AND f >= 3 AND m >= 3 THEN 'Need Attention'
            WHEN r BETWEEN 2 AND 3 AND f <= 3 AND m <= 4 THEN 'About To Sleep'
            WHEN r = 1 THEN 'Lost'
            ELSE 'Others' END AS segment
FROM s"
Q_bgnbd="SELECT bgnbd_fit(p) FROM bench_profiles"
Q_gg="SELECT gamma_gamma_fit(p) FROM bench_profiles"
SCORES="p_alive(p, bg) AS p_alive, churn_probability(p, bg) AS churn,
       expected_purchases(p, bg, '52 weeks'::interval) AS next_year, clv_estimate(p, bg, gg) AS clv,
       loyalty_tier((p).total_spend, tiers) AS tier"
Q_score="SELECT customer_id, $SCORES FROM bench_profiles, bench_population WHERE p IS NOT NULL"
Q_e2e="WITH prof AS (SELECT customer_id, $PROFILE AS p FROM orders GROUP BY customer_id),
     pop AS (SELECT bgnbd_fit(p) AS bg, gamma_gamma_fit(p) AS gg, loyalty_scheme((p).total_spend) AS tiers,
                    rfm_breaks((p).recency_days, (p).frequency, (p).monetary) AS b
             FROM prof WHERE p IS NOT NULL)
SELECT customer_id, s.cell, s.segment, $SCORES
FROM prof CROSS JOIN pop CROSS JOIN LATERAL rfm_score((p).recency_days, (p).frequency, (p).monetary, b) s
WHERE p IS NOT NULL"

# the stored profiles, cut points, tier scheme and models that 4 and 5 read
psql_q <<SQL
CREATE TABLE bench_profiles AS $Q_profile;
VACUUM (FREEZE, ANALYZE) bench_profiles;
CREATE TABLE bench_population AS
SELECT bgnbd_fit(p) AS bg, gamma_gamma_fit(p) AS gg, loyalty_scheme((p).total_spend) AS tiers,
       rfm_breaks((p).recency_days, (p).frequency, (p).monetary) AS b
FROM bench_profiles WHERE p IS NOT NULL;
SQL
n_profiles=$(psql_q -c "SELECT count(*) FROM bench_profiles WHERE p IS NOT NULL")

has_view=$(psql_q -c "SELECT count(*) > 0 FROM pg_proc WHERE proname = 'create_scoring_view'")
view_note="skipped (create_scoring_view not installed)"
if [ "$has_view" = t ]; then
    if psql_q -c "SELECT create_scoring_view('bench_scoring', 'orders', 'customer_id', 'ordered_at', 'amount')" \
              >/dev/null 2>"$work/view.err"; then
        view_note=""
    else
        view_note="skipped (create_scoring_view failed: $(head -1 "$work/view.err"))"
    fi
fi
Q_view="SELECT * FROM bench_scoring"

# name | settings | query, in report order
SERIAL="SET max_parallel_workers_per_gather = 0;"
# two workers, whatever the planner thinks of a table this small
PARALLEL="SET max_parallel_workers_per_gather = 2; SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;"
cases=(
    "floor||$(wrap "$Q_floor")"
    "profile||$(wrap "$Q_profile")"
    "floor_serial|$SERIAL|$(wrap "$Q_floor")"
    "profile_serial|$SERIAL|$(wrap "$Q_profile")"
    "profile_rfm||$(wrap "$Q_rfm")"
    "ntile||$(wrap "$Q_ntile")"
    "bgnbd_serial|$SERIAL|$Q_bgnbd"
    "bgnbd_parallel|$PARALLEL|$Q_bgnbd"
    "gg_serial|$SERIAL|$Q_gg"
    "gg_parallel|$PARALLEL|$Q_gg"
    "score||$(wrap "$Q_score")"
    "e2e||$(wrap "$Q_e2e")"
)
[ -z "$view_note" ] && cases+=("view||$(wrap "$Q_view")")

# One timed run in a fresh session (the library loaded first, so that its
# load is not timed); prints milliseconds.
time_once() {
    local settings=$1 query=$2
    printf '%s\nLOAD %s;\n\\timing on\n%s;\n' "$settings" "'crm_loyalty'" "$query" |
        { psql_q 2>&1 || true; } | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1
}

ms() { awk -v a="$1" 'BEGIN { if (a >= 10000) printf "%.1f s", a / 1000; else printf "%.0f ms", a }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
note "timing ${#cases[@]} queries x $REPS repetitions (interleaved)"
time_once "" "$(wrap "$Q_floor")" >/dev/null   # warm the OS cache
for rep in $(seq 1 "$REPS"); do
    for c in "${cases[@]}"; do
        name=${c%%|*}; rest=${c#*|}; settings=${rest%%|*}; query=${rest#*|}
        ms=$(time_once "$settings" "$query")
        [ -n "$ms" ] || { echo "query $name failed:" >&2; printf '%s\n%s;\n' "$settings" "$query" | psql_q >&2; exit 1; }
        echo "$ms" >> "$work/$name"
    done
    note "repetition $rep done"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A MED
for c in "${cases[@]}"; do
    name=${c%%|*}
    MED[$name]=$(median < "$work/$name")
done

# ---------------------------------------------------------------------------
# Memory: peak resident set of a serial backend (VmHWM after the query minus
# VmHWM after a warm-up scan of the same table), and whether repeated runs
# grow the backend.
# ---------------------------------------------------------------------------
peak_kb() {
    psql_q <<SQL | tail -1
SET max_parallel_workers_per_gather = 0;
LOAD 'crm_loyalty';
SELECT count(*) FROM orders \gset warm_
SELECT bench_vm('VmHWM') AS before \gset
$1;
SELECT bench_vm('VmHWM') - :before;
SQL
}
declare -A PEAK
for name in floor profile profile_rfm ntile; do
    case $name in
        floor) q=$Q_floor ;; profile) q=$Q_profile ;; profile_rfm) q=$Q_rfm ;; ntile) q=$Q_ntile ;;
    esac
    PEAK[$name]=$(peak_kb "$(wrap "$q")")
done

# the same aggregation and fit REPS times in one session
growth=$(psql_q <<SQL | tail -2
SET max_parallel_workers_per_gather = 0;
$(wrap "$Q_profile") \gset first_
$Q_bgnbd \gset first_
SELECT bench_vm('RssAnon') AS rss1, bench_vm('VmHWM') AS hwm1, bench_context_bytes() AS ctx1 \gset
$(for _ in $(seq 2 "$REPS"); do printf '%s \\gset\n%s \\gset\n' "$(wrap "$Q_profile")" "$Q_bgnbd"; done)
SELECT format('%s kB | %s kB | %s kB | %s kB | %s | %s', :rss1, bench_vm('RssAnon'), :hwm1, bench_vm('VmHWM'),
              :ctx1, bench_context_bytes());
SQL
)

# Query cancel: how long a statement_timeout of 1 s takes to stop the profile
# aggregation (serial), and 100 ms the fit.
cancel_ms() {
    local out
    out=$(printf 'SET max_parallel_workers_per_gather = 0;\nSET statement_timeout = %s;\n\\timing on\n%s;\n' "$1" "$2" |
              psql -X -q -At 2>&1 || true)
    if grep -q 'statement timeout' <<<"$out"; then printf 'stopped after '; else printf 'finished before the timeout, in '; fi
    ms "$(sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' <<<"$out" | tail -1)"
}
cancel_profile=$(cancel_ms "'1s'" "$(wrap "$Q_profile")")
cancel_fit=$(cancel_ms "'100ms'" "$Q_bgnbd")

# Plans with the default work_mem (serial and parallel as the planner likes)
explain() {
    printf 'LOAD %s;\nEXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) %s;\n' "'crm_loyalty'" "$1" | psql_q |
        grep -E 'Aggregate|Sort|Batches|Disk|Memory|Workers|Gather|WindowAgg|Hash' | sed 's/^/    /'
}
plan_floor=$(explain "$Q_floor")
plan_profile=$(explain "$Q_profile")
plan_rfm=$(explain "$Q_rfm")
plan_ntile=$(explain "$Q_ntile")
plan_fit=$(explain "$Q_bgnbd")

# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------
setting() { psql_q -c "SELECT current_setting('$1')"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
F=${MED[floor]}
report() {
cat <<EOF
## Results: $n_orders orders, $n_customers customers

Command: \`$COMMAND\` — medians of $REPS interleaved repetitions, each in a
fresh session; ratios are of medians measured in this one run.

| # | what | median | ratio | against |
|---|---|---|---|---|
| 1 | floor: \`count(*), min(ts), max(ts), sum(amount) GROUP BY customer_id\` | $(ms "$F") | 1.00 | floor |
| 2 | \`crm_profile\` per customer | $(ms "${MED[profile]}") | $(ratio "${MED[profile]}" "$F") | floor |
| 1s | floor, serial (no parallel workers) | $(ms "${MED[floor_serial]}") | 1.00 | serial floor |
| 2s | \`crm_profile\`, serial | $(ms "${MED[profile_serial]}") | $(ratio "${MED[profile_serial]}" "${MED[floor_serial]}") | serial floor |
| 3 | profile + RFM cut points + scores + segments | $(ms "${MED[profile_rfm]}") | $(ratio "${MED[profile_rfm]}" "${MED[ntile]}") | NTILE SQL |
| 3' | hand-written NTILE RFM SQL | $(ms "${MED[ntile]}") | $(ratio "${MED[ntile]}" "$F") | floor |
| 4a | \`bgnbd_fit\` over $n_profiles profiles, serial | $(ms "${MED[bgnbd_serial]}") | $(ratio "${MED[bgnbd_serial]}" "$F") | floor |
| 4b | \`bgnbd_fit\`, 2 workers | $(ms "${MED[bgnbd_parallel]}") | $(ratio "${MED[bgnbd_serial]}" "${MED[bgnbd_parallel]}") | speed-up over serial |
| 4c | \`gamma_gamma_fit\` over $n_profiles profiles, serial | $(ms "${MED[gg_serial]}") | $(ratio "${MED[gg_serial]}" "$F") | floor |
| 4d | \`gamma_gamma_fit\`, 2 workers | $(ms "${MED[gg_parallel]}") | $(ratio "${MED[gg_serial]}" "${MED[gg_parallel]}") | speed-up over serial |
| 5a | scoring $n_profiles stored profiles (P(alive), churn, 52-week purchases, CLV, tier) | $(ms "${MED[score]}") | $(ratio "${MED[score]}" "$F") | floor |
| 5b | end to end from the orders (profile, fits, cut points, scheme, RFM, scores) | $(ms "${MED[e2e]}") | $(ratio "${MED[e2e]}" "$F") | floor |
EOF
if [ -z "$view_note" ]; then
    echo "| 6 | scoring view from \`create_scoring_view\`, end to end | $(ms "${MED[view]}") | $(ratio "${MED[view]}" "$F") | floor |"
else
    echo "| 6 | scoring view from \`create_scoring_view\` | $view_note | | |"
fi
cat <<EOF

Peak backend memory, serial (VmHWM growth over a warm-up scan of the table):
floor $((PEAK[floor] / 1024)) MB, \`crm_profile\` $((PEAK[profile] / 1024)) MB, profile + RFM
$((PEAK[profile_rfm] / 1024)) MB, NTILE SQL $((PEAK[ntile] / 1024)) MB.

Repeated runs ($REPS × the profile aggregation and the BG/NBD fit in one
session), after the first run → after the last: RssAnon (private memory) | RssAnon |
VmHWM | VmHWM | memory-context bytes | memory-context bytes:
$growth

Query cancel: statement_timeout 1 s on the serial profile aggregation:
$cancel_profile; 100 ms on the BG/NBD fit: $cancel_fit.

Plans with the default work_mem (EXPLAIN ANALYZE, excerpt):

- floor:
$plan_floor
- \`crm_profile\`:
$plan_profile
- profile + RFM:
$plan_rfm
- NTILE SQL:
$plan_ntile
- \`bgnbd_fit\`:
$plan_fit

Data: \`crm_demo_orders($CUSTOMERS, 1, '$START', $DAYS)\` in time order, $table_size,
$n_refunds refunds, $n_sameday customer-days with more than one purchase;
generated in ${gen_s} s. Profiles: period 1 day, unit 7 days, as_of 2026-01-01.

Machine and settings: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores,
$(free -g | awk '/^Mem:/ { print $2 }') GB RAM, $(uname -sr); $(psql_q -c "SELECT split_part(version(), ' on ', 1)");
work_mem $(setting work_mem), hash_mem_multiplier $(setting hash_mem_multiplier),
max_parallel_workers_per_gather $(setting max_parallel_workers_per_gather),
max_parallel_workers $(setting max_parallel_workers), shared_buffers $(setting shared_buffers),
jit $(setting jit). Load average before / after: $load_before / $load_after.
EOF
}
report | tee "${MARKDOWN:-/dev/null}"
