-- Algebraic properties over a few thousand deterministic orders:
--   (a) serial = parallel (and the parallel plan really is partial)
--   (b) merged partial states = one pass; input order does not matter
--   (c) the session TimeZone does not change results
--   (d) RFM: ties share a score, cut points are percentile_cont
--   (e) loyalty_scheme never splits ties
--   (f) exactness: total_spend = sum(amount), per customer and overall
--   (g) the model fits: serial = parallel
-- plus a differential check of crm_profile against a plain-SQL reference of
-- the profile definitions of doc/profile.md.  Self-contained: one transaction, rolled back.
-- Tables are real (not TEMP) because parallel workers cannot read temp tables.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
SET client_min_messages = warning;
SET TimeZone = 'UTC';
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS crm_loyalty;

SELECT plan(49);

---------------------------------------------------------------------------
-- Data
---------------------------------------------------------------------------
-- 6,000 orders of 300 customers over 540 days, hours spread over the day (so
-- local calendars disagree with UTC), two- and three-decimal amounts, refunds
-- (negative), a few NULL amounts, orders after as_of; then 700 same-day
-- repeats (+1..3 hours, possibly crossing midnight) with their own amounts.
CREATE TABLE prop_orders (id int, customer_id int, ordered_at timestamptz, amount numeric);
INSERT INTO prop_orders
SELECT i, 1 + (i * 7919) % 300,
       timestamptz '2023-01-01 00:00+00' + ((i * 104729) % 540) * interval '1 day'
                                         + ((i * 13) % 24) * interval '1 hour' + ((i * 7) % 60) * interval '1 minute',
       CASE WHEN i % 499 = 0 THEN NULL
            WHEN i % 29 = 0 THEN -((i % 40) + 0.35)
            ELSE ((i * 31) % 20000) / 100.0 + 0.005 * (i % 3) END
  FROM generate_series(1, 6000) i;
INSERT INTO prop_orders
SELECT 6000 + id, customer_id, ordered_at + (1 + id % 3) * interval '1 hour',
       CASE WHEN id % 5 = 0 THEN -(amount / 2) ELSE round(amount / 3, 2) END
  FROM prop_orders WHERE id % 9 = 0 AND amount IS NOT NULL;
-- one customer whose orders are all refunds, one with 3,000 orders of 0.1
INSERT INTO prop_orders
SELECT 20000 + i, 301, timestamptz '2023-06-01 00:00+00' + i * interval '1 day', -5 FROM generate_series(1, 5) i;
INSERT INTO prop_orders
SELECT 30000 + i, 302, timestamptz '2023-01-01 00:00+00' + (i % 400) * interval '1 day' + (i % 24) * interval '1 hour', 0.1
  FROM generate_series(1, 3000) i;
ANALYZE prop_orders;

-- 20,000 scored customers with heavy ties in every dimension, for RFM and tiers.
CREATE TABLE prop_customers AS
SELECT i AS customer_id,
       ((i * 7) % 365)::float8 AS recency_days,
       CASE WHEN i % 3 = 0 THEN 0 ELSE i % 13 END::float8 AS frequency,
       (((i * 7919) % 100000) / 100.0)::float8 AS monetary,
       (round(((i * 7919) % 100000) / 1000.0) * 10)::numeric(12, 2) AS spend
  FROM generate_series(1, 20000) i;
ANALYZE prop_customers;

\set as_of '''2024-05-15 12:00+00'''

-- EXPLAIN (FORMAT JSON) of a statement, as text, planned with the current settings
CREATE FUNCTION pg_temp.plan_of(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    j json;
BEGIN
    EXECUTE 'EXPLAIN (FORMAT JSON) ' || stmt INTO j;
    RETURN j::text;
END
$$;

---------------------------------------------------------------------------
-- (a) serial = parallel
---------------------------------------------------------------------------
-- per customer: profiles with weekly and monthly periods, rolling spend
\set q_grouped 'SELECT customer_id, crm_profile(ordered_at, amount, ' :as_of ', ''1 day'', ''7 days'')::text AS p_week, crm_profile(ordered_at, amount, ' :as_of ', ''1 month'')::text AS p_month, qualifying_spend(ordered_at, amount, ' :as_of ', ''6 months'') AS q FROM prop_orders GROUP BY customer_id'
-- one group over every row: each worker holds a slice of the same state
\set q_whole 'SELECT crm_profile(ordered_at, amount, ' :as_of ')::text AS p, qualifying_spend(ordered_at, amount, ' :as_of ', ''1 year'')::text AS q FROM prop_orders'
-- cut points and tier schemes over the customer base
\set q_base 'SELECT rfm_breaks(recency_days, frequency, monetary)::text AS b5, rfm_breaks(recency_days, frequency, monetary, 10)::text AS b10, loyalty_scheme(spend)::text AS s, loyalty_scheme(spend, ''{0.15,0.05}'', ''{Low,Mid,High}'')::text AS s3 FROM prop_customers'

SET max_parallel_workers_per_gather = 0;
CREATE TABLE ser_grouped AS :q_grouped;
CREATE TABLE ser_whole AS :q_whole;
CREATE TABLE ser_base AS :q_base;

SELECT ok(pg_temp.plan_of(:'q_whole') NOT LIKE '%"Partial Mode": "Partial"%',
          'with max_parallel_workers_per_gather = 0 the plan is not partial (the check below can fail)');

SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET min_parallel_index_scan_size = 0;

-- 2 workers, leader not participating
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
SELECT ok(pg_temp.plan_of('CREATE TABLE x AS ' || :'q_grouped') LIKE '%"Partial Mode": "Partial"%',
          'crm_profile / qualifying_spend GROUP BY: the plan aggregates partially in workers');
SELECT ok(pg_temp.plan_of('CREATE TABLE x AS ' || :'q_whole') LIKE '%"Partial Mode": "Partial"%',
          'crm_profile over one group: the plan aggregates partially in workers');
SELECT ok(pg_temp.plan_of('CREATE TABLE x AS ' || :'q_base') LIKE '%"Partial Mode": "Partial"%',
          'rfm_breaks / loyalty_scheme: the plan aggregates partially in workers');
CREATE TABLE par_grouped_2off AS :q_grouped;
CREATE TABLE par_whole_2off AS :q_whole;
CREATE TABLE par_base_2off AS :q_base;

-- 2 workers, leader participating
SET parallel_leader_participation = on;
CREATE TABLE par_grouped_2on AS :q_grouped;
CREATE TABLE par_whole_2on AS :q_whole;
CREATE TABLE par_base_2on AS :q_base;

-- 4 workers, leader not participating, then participating
SET max_parallel_workers_per_gather = 4;
SET parallel_leader_participation = off;
SELECT ok(pg_temp.plan_of('CREATE TABLE x AS ' || :'q_grouped') LIKE '%"Workers Planned": 4%',
          'with 4 workers allowed the plan uses 4 workers');
CREATE TABLE par_grouped_4off AS :q_grouped;
CREATE TABLE par_whole_4off AS :q_whole;
CREATE TABLE par_base_4off AS :q_base;
SET parallel_leader_participation = on;
CREATE TABLE par_grouped_4on AS :q_grouped;
CREATE TABLE par_whole_4on AS :q_whole;
CREATE TABLE par_base_4on AS :q_base;

RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET min_parallel_index_scan_size;
SET max_parallel_workers_per_gather = 0;

-- rows that differ between the serial and a parallel run (expected: none)
CREATE FUNCTION pg_temp.grouped_diff(par text) RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE format(
        '(SELECT format(''serial only: %%s %%s %%s %%s'', customer_id, p_week, p_month, q) FROM
            (SELECT * FROM ser_grouped EXCEPT SELECT * FROM %1$I) a)
         UNION ALL
         (SELECT format(''parallel only: %%s %%s %%s %%s'', customer_id, p_week, p_month, q) FROM
            (SELECT * FROM %1$I EXCEPT SELECT * FROM ser_grouped) b)', par);
END
$$;

SELECT is((SELECT count(*) FROM ser_grouped), 302::bigint, 'the serial run scored 302 customers');
SELECT is_empty('SELECT * FROM pg_temp.grouped_diff(''par_grouped_2off'')', 'GROUP BY profiles: serial = parallel (2 workers, leader off)');
SELECT is_empty('SELECT * FROM pg_temp.grouped_diff(''par_grouped_2on'')', 'GROUP BY profiles: serial = parallel (2 workers, leader on)');
SELECT is_empty('SELECT * FROM pg_temp.grouped_diff(''par_grouped_4off'')', 'GROUP BY profiles: serial = parallel (4 workers, leader off)');
SELECT is_empty('SELECT * FROM pg_temp.grouped_diff(''par_grouped_4on'')', 'GROUP BY profiles: serial = parallel (4 workers, leader on)');

SELECT is((SELECT p || ' ' || q FROM par_whole_2off), (SELECT p || ' ' || q FROM ser_whole), 'one-group profile: serial = parallel (2 workers, leader off)');
SELECT is((SELECT p || ' ' || q FROM par_whole_2on), (SELECT p || ' ' || q FROM ser_whole), 'one-group profile: serial = parallel (2 workers, leader on)');
SELECT is((SELECT p || ' ' || q FROM par_whole_4off), (SELECT p || ' ' || q FROM ser_whole), 'one-group profile: serial = parallel (4 workers, leader off)');
SELECT is((SELECT p || ' ' || q FROM par_whole_4on), (SELECT p || ' ' || q FROM ser_whole), 'one-group profile: serial = parallel (4 workers, leader on)');

SELECT results_eq('SELECT b5, b10, s, s3 FROM par_base_2off', 'SELECT b5, b10, s, s3 FROM ser_base',
                  'rfm_breaks and loyalty_scheme: serial = parallel (2 workers, leader off)');
SELECT results_eq('SELECT b5, b10, s, s3 FROM par_base_2on', 'SELECT b5, b10, s, s3 FROM ser_base',
                  'rfm_breaks and loyalty_scheme: serial = parallel (2 workers, leader on)');
SELECT results_eq('SELECT b5, b10, s, s3 FROM par_base_4off', 'SELECT b5, b10, s, s3 FROM ser_base',
                  'rfm_breaks and loyalty_scheme: serial = parallel (4 workers, leader off)');
SELECT results_eq('SELECT b5, b10, s, s3 FROM par_base_4on', 'SELECT b5, b10, s, s3 FROM ser_base',
                  'rfm_breaks and loyalty_scheme: serial = parallel (4 workers, leader on)');

---------------------------------------------------------------------------
-- (b) merged partial states = one pass; insertion order does not matter
---------------------------------------------------------------------------
CREATE TEMP TABLE one_pass AS
SELECT customer_id, crm_profile(ordered_at, amount, :as_of, '1 day', '7 days')::text AS p
  FROM prop_orders GROUP BY customer_id;

-- the same orders as two halves glued together, in two different orders
SELECT is_empty($$
    (SELECT customer_id, p FROM one_pass
     EXCEPT
     SELECT customer_id, crm_profile(ordered_at, amount, '2024-05-15 12:00+00', '1 day', '7 days')::text
       FROM ((SELECT * FROM prop_orders WHERE id % 2 = 1) UNION ALL (SELECT * FROM prop_orders WHERE id % 2 = 0)) u
      GROUP BY customer_id)
    UNION ALL
    (SELECT customer_id, p FROM one_pass
     EXCEPT
     SELECT customer_id, crm_profile(ordered_at, amount, '2024-05-15 12:00+00', '1 day', '7 days')::text
       FROM ((SELECT * FROM prop_orders WHERE ordered_at >= '2023-09-01') UNION ALL
             (SELECT * FROM prop_orders WHERE ordered_at < '2023-09-01')) u
      GROUP BY customer_id)$$,
  'profiles over two UNION ALL halves (odd/even ids; late orders first) equal the one-pass profiles');

-- sorted input: by time, by reverse time, and by a scrambled key
SELECT is_empty($$
    SELECT customer_id FROM (
      SELECT customer_id,
             crm_profile(ordered_at, amount, '2024-05-15 12:00+00', '1 day', '7 days' ORDER BY ordered_at, id)::text AS asc_p,
             crm_profile(ordered_at, amount, '2024-05-15 12:00+00', '1 day', '7 days' ORDER BY ordered_at DESC, id DESC)::text AS desc_p,
             crm_profile(ordered_at, amount, '2024-05-15 12:00+00', '1 day', '7 days' ORDER BY (id * 2654435761::bigint) % 1000003)::text AS scrambled_p
        FROM prop_orders GROUP BY customer_id) s
    JOIN one_pass USING (customer_id)
   WHERE asc_p IS DISTINCT FROM p OR desc_p IS DISTINCT FROM p OR scrambled_p IS DISTINCT FROM p$$,
  'profiles of orders fed in time order, reverse time order and scrambled order are identical');

-- qualifying_spend and loyalty_scheme do not depend on input order either
SELECT is_empty($$
    SELECT customer_id FROM prop_orders GROUP BY customer_id
    HAVING qualifying_spend(ordered_at, amount, '2024-05-15 12:00+00', '6 months' ORDER BY ordered_at)
        IS DISTINCT FROM qualifying_spend(ordered_at, amount, '2024-05-15 12:00+00', '6 months' ORDER BY ordered_at DESC)$$,
  'qualifying_spend is independent of input order');
SELECT is((SELECT loyalty_scheme(spend ORDER BY spend DESC, customer_id)::text FROM prop_customers),
          (SELECT loyalty_scheme(spend ORDER BY customer_id)::text FROM prop_customers),
          'loyalty_scheme is independent of input order');
SELECT is((SELECT rfm_breaks(recency_days, frequency, monetary ORDER BY monetary DESC, customer_id)::text FROM prop_customers),
          (SELECT rfm_breaks(recency_days, frequency, monetary ORDER BY customer_id)::text FROM prop_customers),
          'rfm_breaks is independent of input order');

-- the final function leaves the state usable: as a window aggregate the
-- running profile after each order equals the profile of the orders so far
SELECT is_empty($$
    WITH w AS (
      SELECT customer_id, ordered_at,
             crm_profile(ordered_at, amount, '2024-05-15 12:00+00', '1 day', '7 days')
               OVER (PARTITION BY customer_id ORDER BY ordered_at)::text AS running
        FROM prop_orders WHERE customer_id <= 40)
    SELECT customer_id, ordered_at FROM w
     WHERE running IS DISTINCT FROM
           (SELECT crm_profile(o.ordered_at, o.amount, '2024-05-15 12:00+00', '1 day', '7 days')::text
              FROM prop_orders o WHERE o.customer_id = w.customer_id AND o.ordered_at <= w.ordered_at)$$,
  'running crm_profile (window aggregate) equals the profile of the orders up to each row');

---------------------------------------------------------------------------
-- Differential: crm_profile against a plain-SQL reference of the profile
-- (UTC days as periods, times in weeks; refunds net within their day; a day
-- with at least one non-refund row is a purchase period).
---------------------------------------------------------------------------
SELECT is_empty($$
    WITH o AS (
      SELECT customer_id, ordered_at, amount,
             date_trunc('day', ordered_at AT TIME ZONE 'UTC') AS day
        FROM prop_orders
       WHERE date_trunc('day', ordered_at AT TIME ZONE 'UTC') <= timestamp '2024-05-15'),
    per_day AS (
      SELECT customer_id, day, count(*) FILTER (WHERE amount IS NULL OR amount >= 0) AS purchases,
             coalesce(sum(amount), 0) AS net
        FROM o GROUP BY customer_id, day),
    buy AS (
      SELECT customer_id, day, net, row_number() OVER (PARTITION BY customer_id ORDER BY day) AS k
        FROM per_day WHERE purchases > 0),
    ref AS (
      SELECT b.customer_id,
             (SELECT min(ordered_at) FROM o WHERE o.customer_id = b.customer_id AND (amount IS NULL OR amount >= 0)) AS first_order,
             (SELECT max(ordered_at) FROM o WHERE o.customer_id = b.customer_id AND (amount IS NULL OR amount >= 0)) AS last_order,
             (SELECT count(*) FROM o WHERE o.customer_id = b.customer_id AND (amount IS NULL OR amount >= 0)) AS orders,
             (SELECT count(*) FROM o WHERE o.customer_id = b.customer_id AND amount < 0) AS refunds,
             count(*) AS periods,
             count(*) - 1 AS frequency,
             extract(epoch FROM max(day) - min(day)) / (7 * 86400) AS recency,
             extract(epoch FROM timestamp '2024-05-15' - min(day)) / (7 * 86400) AS t,
             extract(epoch FROM timestamp '2024-05-15' - max(day)) / 86400 AS recency_days,
             coalesce(sum(net) FILTER (WHERE k > 1) / nullif(count(*) - 1, 0), 0) AS monetary,
             (SELECT coalesce(sum(amount), 0) FROM o WHERE o.customer_id = b.customer_id) AS total_spend
        FROM buy b GROUP BY b.customer_id),
    got AS (
      SELECT customer_id, crm_profile(ordered_at, amount, '2024-05-15 12:00+00', '1 day', '7 days') AS p
        FROM prop_orders GROUP BY customer_id)
    SELECT coalesce(r.customer_id, g.customer_id) AS customer_id, r.*, g.p
      FROM ref r FULL JOIN (SELECT * FROM got WHERE p IS NOT NULL) g USING (customer_id)
     WHERE g.p IS NULL OR r.customer_id IS NULL
        OR (g.p).first_order <> r.first_order OR (g.p).last_order <> r.last_order
        OR (g.p).orders <> r.orders OR (g.p).refunds <> r.refunds OR (g.p).periods <> r.periods
        OR (g.p).frequency <> r.frequency
        OR abs((g.p).recency - r.recency) > 1e-9 OR abs((g.p).t - r.t) > 1e-9
        OR (g.p).recency_days <> r.recency_days
        OR abs((g.p).monetary - r.monetary) > 1e-9 * greatest(1, abs(r.monetary))
        OR (g.p).total_spend <> r.total_spend
        OR (g.p).unit <> interval '7 days'$$,
  'crm_profile equals a plain-SQL reference of the profile definitions for every customer');

---------------------------------------------------------------------------
-- (c) the session TimeZone does not change results
---------------------------------------------------------------------------
-- TimeZone-independent rendering: epochs instead of timestamptz text
CREATE FUNCTION pg_temp.tz_free(p customer_profile) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT concat_ws(' ', extract(epoch FROM p.first_order), extract(epoch FROM p.last_order),
                     p.orders, p.refunds, p.periods, p.frequency, p.recency, p.t, p.recency_days,
                     p.monetary, p.total_spend, p.unit)
$$;
\set q_tz 'SELECT customer_id, pg_temp.tz_free(crm_profile(ordered_at, amount, ' :as_of ')) AS p_day, pg_temp.tz_free(crm_profile(ordered_at, amount, ' :as_of ', ''7 days'', ''1 day'')) AS p_week, pg_temp.tz_free(crm_profile(ordered_at, amount, ' :as_of ', ''1 month'')) AS p_month, qualifying_spend(ordered_at, amount, ' :as_of ', ''1 month'') AS q_month, loyalty_tier(ordered_at, amount, ' :as_of ', ''3 months'', ''{0,500,1000}'', ''{A,B,C}'') AS tier FROM prop_orders GROUP BY customer_id'

SET TimeZone = 'UTC';
CREATE TEMP TABLE tz_utc AS :q_tz;
SET TimeZone = 'Pacific/Auckland';
CREATE TEMP TABLE tz_auckland AS :q_tz;
-- the data is sensitive to the zone: local calendar days differ from UTC days
SELECT ok((SELECT count(*) FROM prop_orders
            WHERE date_trunc('day', ordered_at)::date <> (ordered_at AT TIME ZONE 'UTC')::date) > 1000,
          'in Pacific/Auckland most local days differ from UTC days (the comparison below is not vacuous)');
SET TimeZone = 'America/New_York';
CREATE TEMP TABLE tz_new_york AS :q_tz;
SET TimeZone = 'UTC';

SELECT is_empty('(SELECT * FROM tz_utc EXCEPT SELECT * FROM tz_auckland) UNION ALL (SELECT * FROM tz_auckland EXCEPT SELECT * FROM tz_utc)',
                'crm_profile, qualifying_spend and the loyalty_tier aggregate: Pacific/Auckland = UTC');
SELECT is_empty('(SELECT * FROM tz_utc EXCEPT SELECT * FROM tz_new_york) UNION ALL (SELECT * FROM tz_new_york EXCEPT SELECT * FROM tz_utc)',
                'crm_profile, qualifying_spend and the loyalty_tier aggregate: America/New_York = UTC');

---------------------------------------------------------------------------
-- (d) RFM: ties share a score; cut points are percentile_cont (type 7)
---------------------------------------------------------------------------
CREATE TEMP TABLE rfm_b AS
SELECT rfm_breaks(recency_days, frequency, monetary) AS b5,
       rfm_breaks(recency_days, frequency, monetary, 7) AS b7
  FROM prop_customers;
CREATE TEMP TABLE rfm_s AS
SELECT c.*, rfm_score(recency_days, frequency, monetary, b5) AS s5, rfm_score(recency_days, frequency, monetary, b7) AS s7
  FROM prop_customers c, rfm_b;

SELECT is_empty($$
    SELECT 'r', recency_days FROM rfm_s GROUP BY recency_days HAVING count(DISTINCT (s5).r) > 1 OR count(DISTINCT (s7).r) > 1
    UNION ALL
    SELECT 'f', frequency FROM rfm_s GROUP BY frequency HAVING count(DISTINCT (s5).f) > 1 OR count(DISTINCT (s7).f) > 1
    UNION ALL
    SELECT 'm', monetary FROM rfm_s GROUP BY monetary HAVING count(DISTINCT (s5).m) > 1 OR count(DISTINCT (s7).m) > 1$$,
  'customers with equal values get equal R, F and M scores (5 and 7 bins)');

SELECT is_empty($$
    SELECT a.customer_id, b.customer_id FROM rfm_s a JOIN rfm_s b
        ON a.customer_id % 97 = 0 AND b.customer_id % 89 = 0
     WHERE (a.frequency < b.frequency AND (a.s5).f > (b.s5).f)
        OR (a.monetary < b.monetary AND (a.s5).m > (b.s5).m)
        OR (a.recency_days < b.recency_days AND (a.s5).r < (b.s5).r)$$,
  'scores are monotone: more frequent / more spend never scores lower, more recent never scores lower on R');

SELECT is_empty($$
    SELECT customer_id FROM rfm_s, rfm_b
     WHERE (s5).f <> 1 + (SELECT count(*) FROM unnest((b5).frequency) x WHERE x < frequency)
        OR (s5).m <> 1 + (SELECT count(*) FROM unnest((b5).monetary) x WHERE x < monetary)
        OR (s5).r <> 5 - (SELECT count(*) FROM unnest((b5).recency_days) x WHERE x < recency_days)
        OR (s5).cell <> (s5).r::text || (s5).f::text || (s5).m::text
        OR (s5).segment IS DISTINCT FROM rfm_segment((s5).r, (s5).f, (s5).m)$$,
  'R/F/M follow the definition (1 + cut points strictly below; R reversed), cell and segment agree');

SELECT is((SELECT ARRAY[(b5).recency_days, (b5).frequency, (b5).monetary] FROM rfm_b),
          (SELECT ARRAY[percentile_cont(ARRAY[0.2, 0.4, 0.6, 0.8]) WITHIN GROUP (ORDER BY recency_days),
                        percentile_cont(ARRAY[0.2, 0.4, 0.6, 0.8]) WITHIN GROUP (ORDER BY frequency),
                        percentile_cont(ARRAY[0.2, 0.4, 0.6, 0.8]) WITHIN GROUP (ORDER BY monetary)]
             FROM prop_customers),
          'cut points for 5 bins equal percentile_cont at k/5 exactly');
SELECT is((SELECT ARRAY[(b7).recency_days, (b7).frequency, (b7).monetary] FROM rfm_b),
          (SELECT ARRAY[percentile_cont(p) WITHIN GROUP (ORDER BY recency_days),
                        percentile_cont(p) WITHIN GROUP (ORDER BY frequency),
                        percentile_cont(p) WITHIN GROUP (ORDER BY monetary)]
             FROM prop_customers, (SELECT array_agg(k::float8 / 7 ORDER BY k) AS p FROM generate_series(1, 6) k) ks
            GROUP BY ks.p),
          'cut points for 7 bins equal percentile_cont at k/7 exactly');
SELECT is((SELECT (rfm_breaks(x, x, x)).frequency FROM unnest('{1,2,3,4,5,Infinity}'::float8[]) x),
          (SELECT percentile_cont(ARRAY[0.2, 0.4, 0.6, 0.8]) WITHIN GROUP (ORDER BY x) FROM unnest('{1,2,3,4,5,Infinity}'::float8[]) x),
          'cut points equal percentile_cont when the order statistic after an exact quantile is +Infinity');
SELECT lives_ok($$SELECT rfm_score(3, 3, 3, b) FROM (SELECT rfm_breaks(x, x, x) AS b FROM unnest('{1,2,3,4,5,Infinity,Infinity}'::float8[]) x) s$$,
                'rfm_score accepts the cut points rfm_breaks computed from data with infinite values');

---------------------------------------------------------------------------
-- (e) loyalty_scheme never splits ties
---------------------------------------------------------------------------
CREATE TEMP TABLE tiers AS
SELECT c.customer_id, c.spend, loyalty_tier(c.spend, s.s) AS tier, loyalty_tier(c.spend, s.s3) AS tier3
  FROM prop_customers c,
       (SELECT loyalty_scheme(spend) AS s, loyalty_scheme(spend, '{0.15,0.05}', '{Low,Mid,High}') AS s3 FROM prop_customers) s;

SELECT is_empty('SELECT spend FROM tiers GROUP BY spend HAVING count(DISTINCT tier) > 1 OR count(DISTINCT tier3) > 1',
                'customers with equal spend always get the same tier');
SELECT is_empty($$
    WITH r AS (SELECT spend, array_position(ARRAY['Bronze', 'Silver', 'Gold', 'Platinum'], tier) AS rank FROM tiers GROUP BY 1, 2)
    SELECT a.spend, b.spend FROM r a JOIN r b ON a.spend < b.spend AND a.rank > b.rank$$,
  'a higher spend never gets a lower tier');
SELECT results_eq($$SELECT tier FROM tiers GROUP BY tier ORDER BY min(spend)$$,
                  $$VALUES ('Bronze'), ('Silver'), ('Gold'), ('Platinum')$$,
                  'all four default tiers are used, in ascending order of spend');
SELECT ok((SELECT count(*) FILTER (WHERE tier = 'Platinum') >= 200 AND count(*) FILTER (WHERE tier = 'Platinum') < 20000 * 0.1
             FROM tiers),
          'Platinum holds at least the top 1% (ties promoted together) and far less than the rest');

---------------------------------------------------------------------------
-- (f) exactness: total_spend = sum(amount), exactly
---------------------------------------------------------------------------
CREATE TEMP TABLE exact_p AS
SELECT customer_id, crm_profile(ordered_at, amount, :as_of) AS p,
       coalesce(sum(amount) FILTER (WHERE ordered_at < '2024-05-16 00:00+00'), 0) AS sql_sum,
       bool_or(ordered_at < '2024-05-16 00:00+00' AND (amount IS NULL OR amount >= 0)) AS has_purchase
  FROM prop_orders GROUP BY customer_id;

SELECT is_empty($$
    SELECT customer_id, (p).total_spend, sql_sum FROM exact_p
     WHERE CASE WHEN has_purchase THEN (p).total_spend IS DISTINCT FROM sql_sum
                ELSE p IS NOT NULL END$$,
  'per customer, total_spend equals sum(amount) exactly; customers without purchases have no profile');
SELECT is((SELECT sum((p).total_spend) FROM exact_p),
          (SELECT sum(amount) FROM prop_orders
            WHERE ordered_at < '2024-05-16 00:00+00'
              AND customer_id IN (SELECT customer_id FROM exact_p WHERE has_purchase)),
          'overall, the total_spend of all customers equals sum(amount) of their orders exactly');
SELECT is((SELECT (p).total_spend::text FROM exact_p WHERE customer_id = 302), '300.0',
          '3,000 orders of 0.1 total exactly 300.0');
SELECT is((SELECT (p).total_spend FROM exact_p WHERE customer_id = 302),
          (SELECT sum(amount) FROM prop_orders WHERE customer_id = 302),
          'and that equals sum(amount) (float8 summation would drift)');
SELECT is((SELECT (crm_profile(ordered_at, amount, :as_of)).total_spend FROM prop_orders
            WHERE customer_id IN (SELECT customer_id FROM exact_p WHERE has_purchase)),
          (SELECT sum(amount) FROM prop_orders
            WHERE ordered_at < '2024-05-16 00:00+00'
              AND customer_id IN (SELECT customer_id FROM exact_p WHERE has_purchase)),
          'one profile over all orders of all buying customers has the exact grand total');

---------------------------------------------------------------------------
-- (g) the purchase-model fits: serial = parallel, including Pareto/NBD and
-- MBG/NBD over the shared btyd_cells state
---------------------------------------------------------------------------
CREATE TABLE prop_fit_input AS SELECT * FROM btyd_simulate(40000, 0.3, 5.0, 0.8, 2.4, 52, 3);
ANALYZE prop_fit_input;
\set q_fits 'SELECT bgnbd_fit(frequency, recency, t, ''7 days'')::text AS bg, mbgnbd_fit(frequency, recency, t, ''7 days'')::text AS mb, pareto_nbd_fit(frequency, recency, t, ''7 days'')::text AS pn FROM prop_fit_input'
SET max_parallel_workers_per_gather = 0;
CREATE TABLE ser_fits AS :q_fits;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 3;
SET parallel_leader_participation = off;
SELECT ok(pg_temp.plan_of('CREATE TABLE x AS ' || :'q_fits') LIKE '%"Partial Mode": "Partial"%',
          'the fits aggregate partially in workers');
CREATE TABLE par_fits AS :q_fits;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
SELECT is((SELECT mb FROM par_fits), (SELECT mb FROM ser_fits), 'mbgnbd_fit: serial = parallel');
SELECT is((SELECT pn FROM par_fits), (SELECT pn FROM ser_fits), 'pareto_nbd_fit: serial = parallel');
SELECT is((SELECT bg FROM par_fits), (SELECT bg FROM ser_fits), 'bgnbd_fit: serial = parallel');
SELECT is((SELECT (pn::jsonb->>'converged') || '/' || (mb::jsonb->>'converged') FROM ser_fits), 'true/true',
          'both new fits converge on 40,000 simulated customers');

SELECT * FROM finish();
ROLLBACK;
