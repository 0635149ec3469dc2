-- Serial and parallel aggregation give identical results (profile, RFM, tiers).
CREATE SCHEMA test_parallel;
SET search_path = test_parallel, public;
SET TimeZone = 'UTC';
CREATE TABLE par_orders AS
SELECT (i % 997) AS customer_id,
       timestamptz '2023-01-01 00:00+00' + ((i * 7919) % 600) * interval '1 day' + (i % 24) * interval '1 hour' AS ordered_at,
       CASE WHEN i % 41 = 0 THEN -((i % 50) + 0.25) ELSE ((i * 31) % 20000) / 100.0 END::numeric AS amount
FROM generate_series(1, 60000) i;
ANALYZE par_orders;

-- the same query twice: serial, then with parallel workers forced on
\set profile_query 'SELECT customer_id, crm_profile(ordered_at, amount, ''2024-06-30'', ''1 day'', ''7 days'') AS p, qualifying_spend(ordered_at, amount, ''2024-06-30'', ''6 months'') AS q FROM par_orders GROUP BY customer_id'

SET max_parallel_workers_per_gather = 0;
CREATE TABLE serial_result AS :profile_query;
CREATE TABLE serial_breaks AS SELECT rfm_breaks((p).recency_days, (p).frequency, (p).monetary) b,
                                     loyalty_scheme((p).total_spend) s FROM serial_result;

SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 4;
SET parallel_leader_participation = off;
CREATE TABLE parallel_result AS :profile_query;
CREATE TABLE parallel_breaks AS SELECT rfm_breaks((p).recency_days, (p).frequency, (p).monetary) b,
                                       loyalty_scheme((p).total_spend) s FROM parallel_result;

SELECT count(*) AS customers FROM serial_result;
-- differential: rows that differ between serial and parallel (expected: none)
(SELECT customer_id, p::text, q FROM serial_result EXCEPT SELECT customer_id, p::text, q FROM parallel_result)
UNION ALL
(SELECT customer_id, p::text, q FROM parallel_result EXCEPT SELECT customer_id, p::text, q FROM serial_result);
SELECT s.b::text = p.b::text AS breaks_equal, s.s::text = p.s::text AS scheme_equal
FROM serial_breaks s, parallel_breaks p;

-- the model fits: serial and parallel give the identical model
CREATE TABLE fit_input AS SELECT * FROM btyd_simulate(200000, 0.25, 4.4, 0.8, 2.4, 39, 11, 6.25, 3.74, 15.44);
ANALYZE fit_input;
SET max_parallel_workers_per_gather = 0;
CREATE TABLE serial_fit AS SELECT bgnbd_fit(frequency, recency, t, '7 days')::text AS bg,
                                  gamma_gamma_fit(frequency, monetary)::text AS gg FROM fit_input;
SET max_parallel_workers_per_gather = 4;
CREATE TABLE parallel_fit AS SELECT bgnbd_fit(frequency, recency, t, '7 days')::text AS bg,
                                    gamma_gamma_fit(frequency, monetary)::text AS gg FROM fit_input;
SELECT s.bg = p.bg AS bgnbd_equal, s.gg = p.gg AS gamma_gamma_equal FROM serial_fit s, parallel_fit p;
