#!/usr/bin/env bash
# bench/incremental.sh — incremental refresh of a states table against a full
# rebuild, and the size of a fit state's text form, measured in one run.
#
#   bench/incremental.sh [--customers N] [--reps N]
#
# Builds and installs the extension, starts a throwaway cluster (as
# bench/run.sh does) and, over crm_demo_orders(N) (default 200,000 customers,
# about 5.3 orders each, two years, daily periods):
#   - holds back a random 1% of the orders, builds the states table from the
#     other 99% (rebuild_profile_states), adds the 1% and times
#     refresh_profile_states; then times rebuild_profile_states over all the
#     orders, and checks that both leave the same states (byte for byte);
#     --reps times (default 3), medians reported;
#   - prints the size of the purchase-model fit state (btyd_cells) over the
#     profiles, in days and in weeks: its text form (compact) and the JSON
#     text form of 0.3.x for the same value (rebuilt from the cells by
#     bench/cells_json.py and checked to read back into the identical value).
# Not part of the test suite: nothing here passes or fails, it measures.
set -euo pipefail
cd "$(dirname "$0")/.."
CUSTOMERS=200000
REPS=3
while [ $# -gt 0 ]; do
    case "$1" in
        --customers) CUSTOMERS=$2; shift 2 ;;
        --reps) REPS=$2; shift 2 ;;
        -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
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
CREATE TABLE orders AS
SELECT row_number() OVER () AS order_id, o.* FROM crm_demo_orders($customers) AS o;
ALTER TABLE orders ADD PRIMARY KEY (order_id);
-- the 1% held back: a random sample (new orders of old and new customers,
-- some with old times); they come back with new order ids, above every
-- id the states have read, as new orders do
CREATE TABLE late AS SELECT * FROM orders WHERE hashint8(order_id) % 100 = 0;
DELETE FROM orders WHERE order_id IN (SELECT order_id FROM late);
UPDATE late SET order_id = order_id + 1000000000000;
CREATE TABLE states (customer_id bigint PRIMARY KEY, state profile_state NOT NULL);
CREATE TABLE states_inc (customer_id bigint PRIMARY KEY, state profile_state NOT NULL);
VACUUM ANALYZE orders;
SQL
n_late=$(q -c "SELECT count(*) FROM late")
n_orders=$(q -c "SELECT count(*) + $n_late FROM orders")
inc=() full=()
ms() { sed -n "s/^Time: \([0-9.]*\) ms.*/\1/p" | tail -1; }
for r in $(seq 1 "$reps"); do
    # back to 99%: the states of the orders without the late ones
    q -c "DELETE FROM orders WHERE order_id >= 1000000000000" >/dev/null
    q -c "SELECT * FROM rebuild_profile_states('"'"'states'"'"', '"'"'orders'"'"', '"'"'customer_id'"'"', '"'"'ordered_at'"'"', '"'"'amount'"'"', '"'"'order_id'"'"')" >/dev/null
    q -c "INSERT INTO orders SELECT * FROM late" >/dev/null
    q -c "VACUUM ANALYZE orders" >/dev/null
    t=$(printf "\\\\timing on\nSELECT * FROM refresh_profile_states(%s);\n" \
        "'"'"'states'"'"', '"'"'orders'"'"', '"'"'customer_id'"'"', '"'"'ordered_at'"'"', '"'"'amount'"'"', '"'"'order_id'"'"'" | psql -X -q | ms)
    inc+=("$t")
    q -c "TRUNCATE states_inc; INSERT INTO states_inc SELECT * FROM states" >/dev/null
    t=$(printf "\\\\timing on\nSELECT * FROM rebuild_profile_states(%s);\n" \
        "'"'"'states'"'"', '"'"'orders'"'"', '"'"'customer_id'"'"', '"'"'ordered_at'"'"', '"'"'amount'"'"', '"'"'order_id'"'"'" | psql -X -q | ms)
    full+=("$t")
    diff=$(q -c "SELECT count(*) FROM states s FULL JOIN states_inc i USING (customer_id) WHERE s.state::text IS DISTINCT FROM i.state::text")
    echo "rep $r: refresh ${inc[-1]} ms, rebuild ${full[-1]} ms, states differing: $diff"
done
med() { printf "%s\n" "$@" | sort -n | awk "{ a[NR] = \$1 } END { print a[int((NR + 1) / 2)] }"; }
mi=$(med "${inc[@]}"); mf=$(med "${full[@]}")
echo
echo "orders $n_orders, customers $customers, new orders $n_late (1%)"
echo "| what | median | ratio |"
echo "|---|---|---|"
echo "| rebuild_profile_states over all orders | $mf ms | 1 |"
echo "| refresh_profile_states after 1% new orders | $mi ms | $(awk -v a="$mi" -v b="$mf" "BEGIN { printf \"%.3f\", a / b }") |"
echo
q <<SQL
CREATE AGGREGATE cells_of(customer_profile) (SFUNC = purchase_fit_profile_trans, STYPE = btyd_cells, COMBINEFUNC = btyd_cells_combine);
CREATE TABLE fit_states AS
SELECT u.unit, cells_of(crm_profile(s.state, timestamptz '"'"'2026-01-01'"'"', u.unit)) AS cells
  FROM states s, (VALUES (interval '"'"'1 day'"'"'), (interval '"'"'7 days'"'"')) AS u(unit)
 GROUP BY u.unit;
SQL
for unit in "1 day" "7 days"; do
    q -c "SELECT cells::text FROM fit_states WHERE unit = '"'"'$unit'"'"'" > /tmp/cells.$$.txt
    python3 bench/cells_json.py < /tmp/cells.$$.txt > /tmp/cells.$$.json
    same=$(printf "CREATE TEMP TABLE cj (t text);\n\\copy cj FROM /tmp/cells.$$.json\nSELECT (SELECT t::btyd_cells::text FROM cj) = cells::text FROM fit_states WHERE unit = '"'"'%s'"'"';\n" "$unit" | q)
    ncells=$(python3 bench/cells_json.py --count < /tmp/cells.$$.txt)
    c=$(($(wc -c < /tmp/cells.$$.txt) - 1)); j=$(wc -c < /tmp/cells.$$.json)
    echo "fit state, unit $unit: $ncells cells; JSON (0.3.x) $j bytes, compact $c bytes, $(awk -v a="$j" -v b="$c" "BEGIN { printf \"%.1f\", a / b }")x smaller; JSON reads back identical: $same"
    rm -f /tmp/cells.$$.txt /tmp/cells.$$.json
done
' _ "$CUSTOMERS" "$REPS"
