-- profile_state: a stored per-period state gives exactly the crm_profile of
-- the orders it was built from, for any as_of; states of any split of the
-- orders merge into the one-pass state; serial = parallel; round trips.
CREATE SCHEMA test_pstate;
SET search_path = test_pstate, public;
SET TimeZone = 'UTC';

-- deterministic orders: mixed decimal scales (0-4 digits as written),
-- refunds, NULL amounts, NULL order times, several orders per period
CREATE TABLE ps_orders AS
SELECT i AS id,
       (i % 211) AS cust,
       CASE WHEN i % 97 = 0 THEN NULL
            ELSE timestamptz '2023-01-01 00:00+00'
                 + ((i * 7919) % 500) * interval '1 day'
                 + ((i * 31) % 24) * interval '1 hour' + (i % 60) * interval '1 minute'
       END AS ts,
       CASE WHEN i % 23 = 0 THEN NULL
            WHEN i % 17 = 0 THEN -(((i * 13) % 5000) / 100.0)
            WHEN i % 5 = 0 THEN ((i * 31) % 20000)::numeric(12,4) / 100
            WHEN i % 3 = 0 THEN round(((i * 37) % 9000) / 7.0, 1)
            ELSE ((i * 29) % 30000) / 100.0
       END::numeric AS amount
FROM generate_series(1, 12000) i;
-- a customer with refunds only, one with a refund before the first purchase
INSERT INTO ps_orders VALUES
  (20001, 1001, '2023-03-01 10:00+00', -5.00), (20002, 1001, '2023-03-05 10:00+00', -2.5),
  (20003, 1002, '2023-02-01 10:00+00', -7.00), (20004, 1002, '2023-02-03 10:00+00', 12.000),
  (20005, 1002, '2023-02-03 11:00+00', NULL), (20006, 1002, '2023-04-10 09:00+00', 3);
ANALYZE ps_orders;

-- 1. crm_profile(state, as_of) = crm_profile(orders, as_of) for every
--    customer, as_of (before the first order, between, after the last),
--    period and unit; compared as text, so total_spend's scale counts too
CREATE TABLE as_ofs (as_of timestamptz);
INSERT INTO as_ofs VALUES ('2022-06-01'), ('2023-01-01 00:00+00'), ('2023-02-03 10:30+00'),
  ('2023-06-15 12:34+00'), ('2023-12-31 23:59:59+00'), ('2024-03-01'), ('2024-05-15'), ('2026-01-01');
CREATE TABLE periods (period interval, unit interval);
INSERT INTO periods VALUES ('1 day', '1 day'), ('7 days', '1 day'), ('1 hour', '1 hour'),
  ('1 month', '7 days'), ('3 days', '12 hours');

CREATE TABLE states AS
SELECT p.period, o.cust, crm_profile_state(o.ts, o.amount, p.period) AS st
  FROM ps_orders o CROSS JOIN periods p GROUP BY p.period, o.cust;

SELECT p.period, count(*) AS pairs,
       count(*) FILTER (WHERE agg IS NOT NULL) AS profiles,
       count(*) FILTER (WHERE agg::text IS DISTINCT FROM fromstate::text) AS mismatches,
       count(*) FILTER (WHERE agg_unit::text IS DISTINCT FROM fromstate_unit::text) AS mismatches_unit
  FROM periods p CROSS JOIN as_ofs a
  CROSS JOIN LATERAL (
    SELECT o.cust, crm_profile(o.ts, o.amount, a.as_of, p.period) AS agg,
           crm_profile(o.ts, o.amount, a.as_of, p.period, p.unit) AS agg_unit
      FROM ps_orders o GROUP BY o.cust) x
  JOIN states s ON s.period = p.period AND s.cust = x.cust
  CROSS JOIN LATERAL (SELECT crm_profile(s.st, a.as_of) AS fromstate,
                             crm_profile(s.st, a.as_of, p.unit) AS fromstate_unit) y
 GROUP BY p.period ORDER BY p.period;

-- the daily default, and a look at two customers' values
SELECT count(*) FILTER (WHERE crm_profile(st, '2024-01-01')::text
                        IS DISTINCT FROM (SELECT crm_profile(ts, amount, '2024-01-01')::text
                                            FROM ps_orders o WHERE o.cust = s.cust)) AS mismatches
  FROM (SELECT cust, crm_profile_state(ts, amount) st FROM ps_orders GROUP BY cust) s;
SELECT cust, (crm_profile(st, '2023-04-30')).* FROM states
 WHERE period = '1 day' AND cust IN (1001, 1002) ORDER BY cust;
SELECT cust, st FROM states WHERE period = '1 day' AND cust IN (1001, 1002) ORDER BY cust;

-- 2. merge: states of a deterministic pseudo-random 3-way split (orders of
--    one period fall in different parts) merge into the one-pass state
CREATE TABLE parts AS
SELECT p.period, o.cust, ((o.id * 2654435761) % 1000003) % 3 AS part,
       crm_profile_state(o.ts, o.amount, p.period) AS st
  FROM ps_orders o CROSS JOIN periods p GROUP BY 1, 2, 3;
SELECT count(*) AS states,
       count(*) FILTER (WHERE m.st::text IS DISTINCT FROM s.st::text) AS agg_mismatches,
       count(*) FILTER (WHERE m2::text IS DISTINCT FROM s.st::text) AS pairwise_mismatches
  FROM states s
  JOIN (SELECT period, cust, profile_state_merge(st) AS st FROM parts GROUP BY 1, 2) m USING (period, cust)
  CROSS JOIN LATERAL (
    SELECT profile_state_merge(profile_state_merge(
             (SELECT st FROM parts q WHERE q.period = s.period AND q.cust = s.cust AND q.part = 2),
             (SELECT st FROM parts q WHERE q.period = s.period AND q.cust = s.cust AND q.part = 0)),
             (SELECT st FROM parts q WHERE q.period = s.period AND q.cust = s.cust AND q.part = 1)) AS m2) z;
-- merging a state with itself doubles every period's amount and counts
SELECT (crm_profile(profile_state_merge(st, st), '2024-01-01')).total_spend = 2 * (crm_profile(st, '2024-01-01')).total_spend AS doubled,
       (crm_profile(profile_state_merge(st, st), '2024-01-01')).orders = 2 * (crm_profile(st, '2024-01-01')).orders AS orders_doubled
  FROM states WHERE period = '1 day' AND cust = 5;
-- NULL handling: a NULL side is no orders; both NULL gives NULL
SELECT profile_state_merge(st, NULL)::text = st::text AS left_kept,
       profile_state_merge(NULL, st)::text = st::text AS right_kept,
       profile_state_merge(NULL::profile_state, NULL) IS NULL AS both_null,
       crm_profile(NULL::profile_state, '2024-01-01') IS NULL AS profile_of_null
  FROM states WHERE period = '1 day' AND cust = 5;
SELECT profile_state_merge(st) IS NULL AS all_null FROM (VALUES (NULL::profile_state)) v(st);
SELECT crm_profile_state(ts, amount) IS NULL AS no_rows FROM ps_orders WHERE false;
SELECT crm_profile_state(NULL::timestamptz, 1.0)::text AS only_null_times,
       crm_profile(crm_profile_state(NULL::timestamptz, 1.0), '2024-01-01') IS NULL AS no_profile;

-- 3. serial = parallel, for the grouped and the whole-table aggregate
CREATE TABLE big_orders AS
SELECT i % 5003 AS cust, o.ts + (i / 12001) * interval '1 hour' AS ts, o.amount
  FROM generate_series(1, 120000) i JOIN ps_orders o ON o.id = i % 12001;
ANALYZE big_orders;
\set state_query 'SELECT cust, crm_profile_state(ts, amount, ''7 days'') AS st FROM big_orders GROUP BY cust'
\set merge_query 'SELECT cust % 7 AS grp, profile_state_merge(st) AS st FROM serial_states GROUP BY 1'
SET max_parallel_workers_per_gather = 0;
CREATE TABLE serial_states AS :state_query;
CREATE TABLE serial_all AS SELECT crm_profile_state(ts, amount, '1 hour') AS st FROM big_orders;
CREATE TABLE serial_merged AS :merge_query;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT crm_profile_state(ts, amount, '1 hour') FROM big_orders;
EXPLAIN (COSTS OFF) :state_query;
CREATE TABLE parallel_states AS :state_query;
CREATE TABLE parallel_all AS SELECT crm_profile_state(ts, amount, '1 hour') AS st FROM big_orders;
CREATE TABLE parallel_merged AS :merge_query;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;
SELECT (SELECT count(*) FROM serial_states) AS customers,
       (SELECT count(*) FROM serial_states s FULL JOIN parallel_states p USING (cust)
         WHERE s.st::text IS DISTINCT FROM p.st::text) AS grouped_mismatches,
       (SELECT s.st::text = p.st::text FROM serial_all s, parallel_all p) AS whole_table_equal,
       (SELECT count(*) FROM serial_merged s FULL JOIN parallel_merged p USING (grp)
         WHERE s.st::text IS DISTINCT FROM p.st::text) AS merge_mismatches;
-- the whole-table state equals the crm_profile of all orders together
SELECT crm_profile(st, '2024-06-01')::text =
       (SELECT crm_profile(ts, amount, '2024-06-01', '1 hour')::text FROM big_orders) AS whole_table_profile
  FROM serial_all;

-- 4. round trips: text, and binary through COPY
SELECT count(*) FILTER (WHERE st::text::profile_state::text <> st::text) AS text_mismatches,
       count(*) FILTER (WHERE profile_state_send(st) <> profile_state_send(st::text::profile_state)) AS bytes_mismatches
  FROM states;
COPY (SELECT period, cust, st FROM states) TO '/tmp/crm_loyalty_profile_state.bin' (FORMAT binary);
CREATE TABLE states_back (LIKE states);
COPY states_back FROM '/tmp/crm_loyalty_profile_state.bin' (FORMAT binary);
SELECT count(*) AS rows_back,
       count(*) FILTER (WHERE b.st::text IS DISTINCT FROM s.st::text) AS binary_mismatches
  FROM states s JOIN states_back b USING (period, cust);
-- typical size: bytes per stored state
SELECT period, round(avg(pg_column_size(st))) AS avg_bytes, max(pg_column_size(st)) AS max_bytes,
       round(avg((SELECT count(*) FROM ps_orders o WHERE o.cust = s.cust))) AS avg_orders
  FROM states s WHERE cust < 1000 GROUP BY period ORDER BY period;

-- 5. errors
\set VERBOSITY sqlstate
SELECT 'not a state'::profile_state;
SELECT '{"v":1,"period":[0,1,0],"first":null,"p":[}'::profile_state;
SELECT '{"v":1,"period":[0,1,0],"first":null,"p":[]} x'::profile_state;
SELECT '{"v":1,"period":[0,1,0],"first":null,"p":[[1,1,0,"1.",0,86400000000]]}'::profile_state;
\set VERBOSITY default
-- a valid state, then invalid values: 22023
SELECT '{"v":1,"period":[0,1,0],"first":86400000000,"p":[[-1,1,0,"12.50",2,86400000000]]}'::profile_state;
SELECT '{ "v" : 1, "period" : [0, 1, 0], "first" : null, "p" : [ [-1, 0, 2, "-3", 0, 0] ] }'::profile_state;
\set VERBOSITY sqlstate
SELECT '{"v":2,"period":[0,1,0],"first":null,"p":[]}'::profile_state;
SELECT '{"v":1,"period":[1,1,0],"first":null,"p":[]}'::profile_state;
SELECT '{"v":1,"period":[0,0,0],"first":null,"p":[]}'::profile_state;
SELECT '{"v":1,"period":[0,1,0],"first":99999999999999999999,"p":[]}'::profile_state;
SELECT '{"v":1,"period":[0,1,0],"first":86400000000,"p":[]}'::profile_state;
SELECT '{"v":1,"period":[0,1,0],"first":86400000000,"p":[[-1,1,0,"12.50",2,0]]}'::profile_state;
SELECT '{"v":1,"period":[0,1,0],"first":null,"p":[[-1,0,0,"0",0,0]]}'::profile_state;
SELECT '{"v":1,"period":[0,1,0],"first":null,"p":[[-1,0,1,"5",0,0]]}'::profile_state;
SELECT '{"v":1,"period":[0,1,0],"first":null,"p":[[-1,0,1,"-5",25,0]]}'::profile_state;
SELECT '{"v":1,"period":[0,1,0],"first":null,"p":[[1,0,1,"-5",0,0],[1,0,1,"-5",0,0]]}'::profile_state;
SELECT '{"v":1,"period":[0,1,0],"first":null,"p":[[1,0,1,"-1.0000000000000000000000001",0,0]]}'::profile_state;
-- different periods do not merge; NULL and bad arguments
SELECT profile_state_merge(a.st, b.st) FROM states a, states b
 WHERE a.period = '1 day' AND b.period = '7 days' AND a.cust = 5 AND b.cust = 5;
SELECT profile_state_merge(st) FROM states WHERE cust = 5;
SELECT crm_profile_state(ts, amount, '1 month 1 day') FROM ps_orders;
SELECT crm_profile_state(ts, amount, NULL) FROM ps_orders;
SELECT crm_profile_state(ts, amount, period) FROM ps_orders, periods GROUP BY cust;
SELECT crm_profile_state(ts, 'NaN') FROM ps_orders;
SELECT crm_profile_state('infinity', 1.0);
SELECT crm_profile(st, NULL) FROM states WHERE period = '1 day' AND cust = 5;
SELECT crm_profile(st, '2024-01-01', NULL) FROM states WHERE period = '1 day' AND cust = 5;
SELECT crm_profile(st, '2024-01-01', '1 month') FROM states WHERE period = '1 day' AND cust = 5;
-- bad binary input: 22P03 (a bytea's binary form is its raw bytes):
-- unknown version, truncated, trailing byte; then a valid empty state
\set bin_copy 'COPY states_back FROM ''/tmp/crm_loyalty_profile_state.bin'' (FORMAT binary)'
COPY (SELECT '1 day'::interval, 1, '\x02000202'::bytea) TO '/tmp/crm_loyalty_profile_state.bin' (FORMAT binary);
:bin_copy;
COPY (SELECT '1 day'::interval, 1, '\x0100000200'::bytea) TO '/tmp/crm_loyalty_profile_state.bin' (FORMAT binary);
:bin_copy;
COPY (SELECT '1 day'::interval, 1, '\x01000002000000'::bytea) TO '/tmp/crm_loyalty_profile_state.bin' (FORMAT binary);
:bin_copy;
\set VERBOSITY default
:bin_copy;
COPY (SELECT '1 day'::interval, 1, '\x010000020000'::bytea) TO '/tmp/crm_loyalty_profile_state.bin' (FORMAT binary);
:bin_copy;
SELECT st FROM states_back WHERE cust = 1 AND period = '1 day' AND st::text LIKE '%[]}';
-- the messages of a bad text value and of a period mismatch
SELECT '{"v":1,"period":[0,1,0],"first":null,"p":[[-1,0,1,"5",0,0]]}'::profile_state;
SELECT profile_state_merge(a.st, b.st) FROM states a, states b
 WHERE a.period = '1 day' AND b.period = '7 days' AND a.cust = 5 AND b.cust = 5;
\set VERBOSITY default

DROP SCHEMA test_pstate CASCADE;
