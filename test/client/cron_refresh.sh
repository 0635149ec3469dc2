#!/usr/bin/env bash
# test/client/cron_refresh.sh — the pg_cron recipe of doc/profile.md runs:
# a job scheduled with cron.schedule calls refresh_profile_states, and the
# states it leaves equal the one-pass states.
#
# Runs against a server started with shared_preload_libraries = 'pg_cron',
# cron.database_name = the test database and cron.use_background_workers = on
# (test/run.sh starts one).  pg_cron 1.5 and later take a '1 seconds'
# schedule; 1.4 (Debian 12) runs jobs at the next full minute, so the test
# waits up to 75 s.  Output: TAP.
set -uo pipefail
n=0 failed=0
ok() { n=$((n + 1)); if [ "$1" = t ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi; }
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }

if ! q -c "CREATE EXTENSION IF NOT EXISTS pg_cron" >/dev/null 2>&1; then
    echo "ok 1 - pg_cron refresh # SKIP pg_cron cannot be loaded"
    echo "1..1"
    exit 0
fi
q <<'SQL' >/dev/null || { echo "not ok 1 - set up"; echo "1..1"; exit 1; }
CREATE EXTENSION IF NOT EXISTS crm_loyalty;
CREATE TABLE cron_orders (order_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                          customer_id int, ordered_at timestamptz, amount numeric);
CREATE TABLE cron_states (customer_id int PRIMARY KEY, state profile_state NOT NULL);
INSERT INTO cron_orders (customer_id, ordered_at, amount) VALUES
  (1, '2024-01-05 10:00+00', 20.00), (2, '2024-01-07 09:00+00', 35.00), (1, '2024-02-10 09:00+00', 12.50);
SELECT refresh_profile_states('cron_states', 'cron_orders', 'customer_id', 'ordered_at', 'amount', 'order_id');
INSERT INTO cron_orders (customer_id, ordered_at, amount) VALUES
  (2, '2024-01-03 15:00+00', 8.00), (1, '2024-02-11 10:00+00', -2.50), (3, '2024-02-20 11:00+00', 60.00);
SQL
version=$(q -c "SELECT extversion FROM pg_extension WHERE extname = 'pg_cron'")
schedule=$(q -c "SELECT CASE WHEN ARRAY[split_part(v, '.', 1), substring(split_part(v, '.', 2) FROM '^[0-9]+')]::int[] >= '{1,5}'
                               THEN '1 seconds' ELSE '* * * * *' END FROM (VALUES ('$version')) AS x(v)")
echo "# pg_cron $version, schedule '$schedule'"
job=$(q -c "SELECT cron.schedule('crm-refresh', '$schedule',
    \$\$SELECT refresh_profile_states('cron_states', 'cron_orders', 'customer_id', 'ordered_at', 'amount', 'order_id')\$\$)")
ok "$([ -n "$job" ] && echo t)" "cron.schedule accepts the refresh job"

wm=""
for _ in $(seq 1 75); do
    wm=$(q -c "SELECT watermark FROM profile_state_refreshes WHERE target = 'cron_states'::regclass")
    [ "$wm" = 6 ] && break
    sleep 1
done
ok "$([ "$wm" = 6 ] && echo t)" "the scheduled refresh ran (watermark $wm, expected 6)"
ok "$(q -c "SELECT bool_or(status = 'succeeded') FROM cron.job_run_details WHERE jobid = $job")" \
   "cron.job_run_details records a succeeded run"
ok "$(q -c "SELECT count(*) = 0 FROM cron_states AS s
             FULL JOIN (SELECT customer_id, crm_profile_state(ordered_at, amount) AS state
                          FROM cron_orders GROUP BY customer_id) AS o USING (customer_id)
            WHERE s.state::text IS DISTINCT FROM o.state::text")" \
   "the states after the scheduled refresh equal the one-pass states"
q -c "SELECT cron.unschedule($job)" >/dev/null
q -c "DROP TABLE cron_orders, cron_states; DELETE FROM profile_state_refreshes" >/dev/null
echo "1..$n"
exit $failed
