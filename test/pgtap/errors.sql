-- Every bad input raises the right SQLSTATE with a stable message; after the
-- errors the data and the backend are intact.  Self-contained, rolls back.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
SET client_min_messages = warning;
SET TimeZone = 'UTC';
-- interval values appear in some messages: pin their text form
SET IntervalStyle = 'postgres';
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS crm_loyalty;

SELECT plan(138);

-- A real table used by the failing statements: the errors must not touch it.
CREATE TEMP TABLE err_orders (customer_id int, ordered_at timestamptz, amount numeric);
INSERT INTO err_orders
SELECT 1 + i % 7, timestamptz '2024-01-01 00:00+00' + (i % 40) * interval '1 day' + (i % 5) * interval '3 hours',
       CASE WHEN i % 11 = 0 THEN -(i % 13) ELSE (i % 97) + 0.25 END
  FROM generate_series(1, 300) i;

CREATE TEMP TABLE err_breaks AS
SELECT rfm_cut_points('{30,90,180,365}', '{0,1,3,6}', '{20,50,100,250}') AS b;

---------------------------------------------------------------------------
-- crm_profile
---------------------------------------------------------------------------
SELECT throws_ok($$SELECT crm_profile(ordered_at, amount, NULL) FROM err_orders$$,
                 '22004', 'as_of must not be NULL', 'crm_profile: NULL as_of');
SELECT throws_ok($$SELECT crm_profile(ordered_at, amount, 'infinity') FROM err_orders$$,
                 '22008', 'as_of must be finite', 'crm_profile: as_of = infinity');
SELECT throws_ok($$SELECT crm_profile(ordered_at, amount, '-infinity') FROM err_orders$$,
                 '22008', 'as_of must be finite', 'crm_profile: as_of = -infinity');
SELECT throws_ok($$SELECT crm_profile(ts, 'NaN'::numeric, '2024-03-01') FROM (VALUES ('2024-01-01'::timestamptz)) v(ts)$$,
                 '22023', 'amount must be a finite number', 'crm_profile: NaN amount');
SELECT throws_ok($$SELECT crm_profile(ts, 'Infinity'::numeric, '2024-03-01') FROM (VALUES ('2024-01-01'::timestamptz)) v(ts)$$,
                 '22023', 'amount must be a finite number', 'crm_profile: Infinity amount');
SELECT throws_ok($$SELECT crm_profile(ts, '-Infinity'::numeric, '2024-03-01') FROM (VALUES ('2024-01-01'::timestamptz)) v(ts)$$,
                 '22023', 'amount must be a finite number', 'crm_profile: -Infinity amount');
SELECT throws_ok($$SELECT customer_id, crm_profile(ordered_at, CASE WHEN customer_id = 3 AND amount > 50 THEN 'NaN' ELSE amount END, '2024-03-01')
                     FROM err_orders GROUP BY customer_id$$,
                 '22023', 'amount must be a finite number', 'crm_profile: a NaN amount inside a real GROUP BY');
SELECT throws_ok($$SELECT crm_profile(ts, 1, '2024-03-01', '0 days') FROM (VALUES ('2024-01-01'::timestamptz)) v(ts)$$,
                 '22023', 'invalid period "00:00:00"', 'crm_profile: zero period');
SELECT throws_ok($$SELECT crm_profile(ts, 1, '2024-03-01', '-1 day') FROM (VALUES ('2024-01-01'::timestamptz)) v(ts)$$,
                 '22023', 'invalid period "-1 days"', 'crm_profile: negative period');
SELECT throws_ok($$SELECT crm_profile(ts, 1, '2024-03-01', '-1 month') FROM (VALUES ('2024-01-01'::timestamptz)) v(ts)$$,
                 '22023', 'invalid period "-1 mons"', 'crm_profile: negative month period');
SELECT throws_ok($$SELECT crm_profile(ts, 1, '2024-03-01', '1 mon 1 day') FROM (VALUES ('2024-01-01'::timestamptz)) v(ts)$$,
                 '22023', 'invalid period "1 mon 1 day"', 'crm_profile: period mixing months and days');
SELECT throws_ok($$SELECT crm_profile(ts, 1, '2024-03-01', '1 day', '1 month') FROM (VALUES ('2024-01-01'::timestamptz)) v(ts)$$,
                 '22023', 'invalid unit "1 mon"', 'crm_profile: unit of one month');
SELECT throws_ok($$SELECT crm_profile(ts, 1, '2024-03-01', '1 day', '0 days') FROM (VALUES ('2024-01-01'::timestamptz)) v(ts)$$,
                 '22023', 'invalid unit "00:00:00"', 'crm_profile: zero unit');
SELECT throws_ok($$SELECT crm_profile(ts, 1, '2024-03-01', '1 day', '-7 days') FROM (VALUES ('2024-01-01'::timestamptz)) v(ts)$$,
                 '22023', 'invalid unit "-7 days"', 'crm_profile: negative unit');
SELECT throws_ok($$SELECT crm_profile(ts, 1, '2024-03-01', NULL) FROM (VALUES ('2024-01-01'::timestamptz)) v(ts)$$,
                 '22004', 'period must not be NULL', 'crm_profile: NULL period');
SELECT throws_ok($$SELECT crm_profile(ts, 1, '2024-03-01', '1 day', NULL) FROM (VALUES ('2024-01-01'::timestamptz)) v(ts)$$,
                 '22004', 'unit must not be NULL', 'crm_profile: NULL unit');
SELECT throws_ok($$SELECT crm_profile('infinity'::timestamptz, 1, '2024-03-01')$$,
                 '22008', 'order time must be finite', 'crm_profile: order time = infinity');
SELECT throws_ok($$SELECT crm_profile('-infinity'::timestamptz, 1, '2024-03-01')$$,
                 '22008', 'order time must be finite', 'crm_profile: order time = -infinity');
SELECT throws_ok($$SELECT crm_profile(ts, 1, a) FROM (VALUES ('2024-01-01'::timestamptz, '2024-03-01'::timestamptz),
                                                            ('2024-01-02', '2024-03-02')) v(ts, a)$$,
                 '22023', 'crm_profile: as_of differs between rows of one customer', 'crm_profile: as_of varying inside a group');
SELECT throws_ok($$SELECT crm_profile(ts, 1, '2024-03-01', p) FROM (VALUES ('2024-01-01'::timestamptz, '1 day'::interval),
                                                                          ('2024-01-02', '2 days')) v(ts, p)$$,
                 '22023', 'crm_profile: period differs between rows of one customer', 'crm_profile: period varying inside a group');
SELECT throws_ok($$SELECT crm_profile(ts, 1, '2024-03-01', '1 day', u) FROM (VALUES ('2024-01-01'::timestamptz, '1 day'::interval),
                                                                                   ('2024-01-02', '7 days')) v(ts, u)$$,
                 '22023', 'crm_profile: unit differs between rows of one customer', 'crm_profile: unit varying inside a group');
SELECT throws_ok($$SELECT crm_profile(ts, 1e-30, '2024-03-01') FROM (VALUES ('2024-01-01'::timestamptz)) v(ts)$$,
                 '22003', 'amount "0.000000000000000000000000000001" is out of range',
                 'crm_profile: more than 24 decimal places');
SELECT throws_ok($$SELECT crm_profile(ts, 999999999999999999999999999999999999999::numeric, '2024-03-01') FROM (VALUES ('2024-01-01'::timestamptz)) v(ts)$$,
                 '22003', 'amount "999999999999999999999999999999999999999" is out of range',
                 'crm_profile: more than 38 significant digits');
SELECT throws_ok($$SELECT crm_profile(ts, a, '2024-03-01')
                     FROM (VALUES ('2024-01-01'::timestamptz, 99999999999999999999999999999999999999::numeric),
                                  ('2024-01-02', 99999999999999999999999999999999999999),
                                  ('2024-01-03', 99999999999999999999999999999999999999)) v(ts, a)$$,
                 '22003', NULL, 'crm_profile: a total that overflows is an error, not a wrong sum');

-- the same error from inside parallel workers keeps its SQLSTATE
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
CREATE TEMP TABLE err_big AS
SELECT i % 50 AS customer_id, timestamptz '2024-01-01 00:00+00' + (i % 60) * interval '1 day' AS ordered_at,
       CASE WHEN i = 17777 THEN 'NaN'::numeric ELSE (i % 100)::numeric END AS amount
  FROM generate_series(1, 30000) i;
ANALYZE err_big;
SELECT throws_ok($$SELECT crm_profile(ordered_at, amount, '2024-03-01') FROM err_big$$,
                 '22023', 'amount must be a finite number', 'crm_profile: NaN amount met by a parallel worker');
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

---------------------------------------------------------------------------
-- rfm_breaks
---------------------------------------------------------------------------
SELECT throws_ok($$SELECT rfm_breaks(1, 1, 1, 1)$$,
                 '22023', 'bins must be between 2 and 100, not 1', 'rfm_breaks: 1 bin');
SELECT throws_ok($$SELECT rfm_breaks(1, 1, 1, 101)$$,
                 '22023', 'bins must be between 2 and 100, not 101', 'rfm_breaks: 101 bins');
SELECT throws_ok($$SELECT rfm_breaks(1, 1, 1, NULL::int)$$,
                 '22004', 'bins must not be NULL', 'rfm_breaks: NULL bins');
SELECT throws_ok($$SELECT rfm_breaks(1, 1, 1, b) FROM (VALUES (3), (4)) v(b)$$,
                 '22023', 'rfm_breaks: bins differs between rows (3 and 4)', 'rfm_breaks: bins varying inside a group');
SELECT throws_ok($$SELECT rfm_breaks('NaN', 1, 1)$$,
                 '22023', 'recency_days must not be NaN', 'rfm_breaks: NaN recency_days');
SELECT throws_ok($$SELECT rfm_breaks(1, 'NaN', 1)$$,
                 '22023', 'frequency must not be NaN', 'rfm_breaks: NaN frequency');
SELECT throws_ok($$SELECT rfm_breaks(1, 1, 'NaN')$$,
                 '22023', 'monetary must not be NaN', 'rfm_breaks: NaN monetary');

---------------------------------------------------------------------------
-- rfm_cut_points
---------------------------------------------------------------------------
SELECT throws_ok($$SELECT rfm_cut_points('{30,20}', '{1,2}', '{1,2}')$$,
                 '22023', 'recency_days cut points must be in ascending order', 'rfm_cut_points: descending');
SELECT throws_ok($$SELECT rfm_cut_points('{10,20}', '{1,2}', '{5,1}')$$,
                 '22023', 'monetary cut points must be in ascending order', 'rfm_cut_points: descending monetary');
SELECT throws_ok($$SELECT rfm_cut_points('{10,20}', '{1,2,3}', '{1,2}')$$,
                 '22023', 'rfm_cut_points: the three arrays must have the same length', 'rfm_cut_points: mismatched lengths');
SELECT throws_ok($$SELECT rfm_cut_points('{}', '{}', '{}')$$,
                 '22023', 'recency_days must have between 1 and 99 cut points, not 0', 'rfm_cut_points: empty');
SELECT throws_ok($$SELECT rfm_cut_points(array_fill(1::float8, ARRAY[100]), array_fill(1::float8, ARRAY[100]),
                                          array_fill(1::float8, ARRAY[100]))$$,
                 '22023', 'recency_days must have between 1 and 99 cut points, not 100', 'rfm_cut_points: 100 cut points');
SELECT throws_ok($$SELECT rfm_cut_points('{10,NULL}', '{1,2}', '{1,2}')$$,
                 '22004', 'recency_days must not contain NULL values', 'rfm_cut_points: NULL element');
SELECT lives_ok($$SELECT rfm_cut_points('{10,Infinity}', '{1,2}', '{1,2}')$$,
                'rfm_cut_points: an infinite cut point is allowed (quantiles of data with infinities)');
SELECT lives_ok($$SELECT rfm_cut_points('{10,20}', '{-Infinity,2}', '{1,2}')$$,
                'rfm_cut_points: a -infinite cut point is allowed');
SELECT throws_ok($$SELECT rfm_cut_points('{10,NaN}', '{1,2}', '{1,2}')$$,
                 '22023', 'recency_days cut points must not be NaN', 'rfm_cut_points: NaN element');
SELECT throws_ok($$SELECT rfm_cut_points('{{1,2},{3,4}}', '{1,2,3,4}', '{1,2,3,4}')$$,
                 '2202E', 'recency_days must be a one-dimensional array', 'rfm_cut_points: two-dimensional array');

---------------------------------------------------------------------------
-- rfm_score, rfm_segment, rule sets
---------------------------------------------------------------------------
SELECT throws_ok($$SELECT rfm_score('NaN', 1, 1, b) FROM err_breaks$$,
                 '22023', 'recency_days must not be NaN', 'rfm_score: NaN recency_days');
SELECT throws_ok($$SELECT rfm_score(1, 'NaN', 1, b) FROM err_breaks$$,
                 '22023', 'frequency must not be NaN', 'rfm_score: NaN frequency');
SELECT throws_ok($$SELECT rfm_score(1, 1, 'NaN', b) FROM err_breaks$$,
                 '22023', 'monetary must not be NaN', 'rfm_score: NaN monetary');
SELECT throws_ok($$SELECT rfm_score(1, 1, 1, ROW(5, '{1,2}', '{1,2}', '{1,2}')::rfm_cut_points)$$,
                 '22023', 'rfm_cut_points: recency_days has 2 cut points but bins is 5',
                 'rfm_score: composite whose bins disagree with its arrays');
SELECT throws_ok($$SELECT rfm_score(1, 1, 1, ROW(3, '{1,2}', '{1,2}', '{1,2,3}')::rfm_cut_points)$$,
                 '22023', 'rfm_cut_points: monetary has 3 cut points but bins is 3',
                 'rfm_score: composite with one array of the wrong length');
SELECT throws_ok($$SELECT rfm_score(1, 1, 1, ROW(3, '{2,1}', '{1,2}', '{1,2}')::rfm_cut_points)$$,
                 '22023', 'recency_days cut points must be in ascending order',
                 'rfm_score: hand-built composite with descending cut points');
SELECT throws_ok($$SELECT rfm_score(1, 1, 1, ROW(3, '{1,NaN}', '{1,2}', '{1,2}')::rfm_cut_points)$$,
                 '22023', 'recency_days cut points must not be NaN',
                 'rfm_score: hand-built composite with a NaN cut point');
SELECT throws_ok($$SELECT rfm_score(1, 1, 1, ROW(NULL, '{1,2}', '{1,2}', '{1,2}')::rfm_cut_points)$$,
                 '22004', 'rfm_cut_points has a NULL bins field', 'rfm_score: composite with NULL bins');
SELECT throws_ok($$SELECT rfm_score(1, 1, 1, ROW(3, NULL, '{1,2}', '{1,2}')::rfm_cut_points)$$,
                 '22004', 'rfm_cut_points has a NULL recency_days field', 'rfm_score: composite with a NULL array');
SELECT throws_ok($$SELECT rfm_segment(6, 1, 1)$$,
                 '22023', 'scores must be between 1 and 5 for the default rules', 'rfm_segment: score 6');
SELECT throws_ok($$SELECT rfm_segment(1, 0, 1)$$,
                 '22023', 'scores must be between 1 and 5 for the default rules', 'rfm_segment: score 0');
SELECT throws_ok($$SELECT rfm_score(1, 1, 1, b, ARRAY[ROW('bad', 3, 2, 1, 5, 1, 5)]::rfm_rule[]) FROM err_breaks$$,
                 '22023', 'rule 1 ("bad") has invalid score ranges', 'rules: min above max');
SELECT throws_ok($$SELECT rfm_score(1, 1, 1, b, ARRAY[ROW('ok', 1, 5, 1, 5, 1, 5), ROW('bad', 1, 9, 1, 5, 1, 5)]::rfm_rule[]) FROM err_breaks$$,
                 '22023', 'rule 2 ("bad") has invalid score ranges', 'rules: max above the number of bins');
SELECT throws_ok($$SELECT rfm_score(1, 1, 1, b, ARRAY[ROW('bad', 1, 5, 0, 5, 1, 5)]::rfm_rule[]) FROM err_breaks$$,
                 '22023', 'rule 1 ("bad") has invalid score ranges', 'rules: min of 0');
SELECT throws_ok($$SELECT rfm_segment(1, 1, 1, ARRAY[ROW('bad', 1, 5, 1, 5, 4, 3)]::rfm_rule[])$$,
                 '22023', 'rule 1 ("bad") has invalid score ranges', 'rfm_segment with rules: min above max');
SELECT throws_ok($$SELECT rfm_score(1, 1, 1, b, ARRAY[ROW('x', NULL, 2, 1, 5, 1, 5)]::rfm_rule[]) FROM err_breaks$$,
                 '22004', 'rule 1 has a NULL field', 'rules: NULL bound');
SELECT throws_ok($$SELECT rfm_rules_check(ARRAY[ROW('bad', 3, 2, 1, 5, 1, 5)]::rfm_rule[])$$,
                 '22023', 'rule 1 ("bad") has invalid score ranges', 'rfm_rules_check: bad ranges');
SELECT throws_ok($$SELECT rfm_rules('no such set')$$,
                 '22023', 'rule set "no such set" does not exist', 'rfm_rules: unknown rule set');
SELECT throws_ok($$SELECT * FROM rfm_rules_check(rfm_default_rules(), 1)$$,
                 '22023', 'bins must be between 2 and 100, not 1', 'rfm_rules_check: 1 bin');
SELECT throws_ok($$SELECT * FROM rfm_rules_check(rfm_default_rules(), 101)$$,
                 '22023', 'bins must be between 2 and 100, not 101', 'rfm_rules_check: 101 bins');
-- the CHECK constraint of the rule table refuses bad ranges as well
SELECT throws_ok($$INSERT INTO rfm_segment_rules VALUES ('tap', 1, 'bad', 3, 2, 1, 5, 1, 5)$$,
                 '23514', NULL, 'rfm_segment_rules: CHECK refuses min above max');

---------------------------------------------------------------------------
-- loyalty_tier (function forms)
---------------------------------------------------------------------------
SELECT throws_ok($$SELECT loyalty_tier(1, '{0,100}', '{A}')$$,
                 '22023', 'thresholds and names must have the same number of elements, between 1 and 64',
                 'loyalty_tier: mismatched lengths');
SELECT throws_ok($$SELECT loyalty_tier(1, '{100,0}', '{A,B}')$$,
                 '22023', 'thresholds must be in ascending order', 'loyalty_tier: descending thresholds');
SELECT throws_ok($$SELECT loyalty_tier(1, '{}', '{}')$$,
                 '22023', 'thresholds and names must have the same number of elements, between 1 and 64',
                 'loyalty_tier: empty scheme');
SELECT throws_ok($$SELECT loyalty_tier(1, array_fill(0::numeric, ARRAY[65]), array_fill('a'::text, ARRAY[65]))$$,
                 '22023', 'thresholds and names must have the same number of elements, between 1 and 64',
                 'loyalty_tier: 65 tiers');
SELECT throws_ok($$SELECT loyalty_tier(1, '{0,NULL}', '{A,B}')$$,
                 '22004', 'thresholds and names must not contain NULL values', 'loyalty_tier: NULL threshold');
SELECT throws_ok($$SELECT loyalty_tier(1, '{0,1}', '{A,NULL}')$$,
                 '22004', 'thresholds and names must not contain NULL values', 'loyalty_tier: NULL name');
SELECT throws_ok($$SELECT loyalty_tier(1, '{0,NaN}', '{A,B}')$$,
                 '22023', 'threshold 2 is NaN', 'loyalty_tier: NaN threshold');
SELECT throws_ok($$SELECT loyalty_tier('NaN', '{0}', '{A}')$$,
                 '22023', 'value must not be NaN', 'loyalty_tier: NaN value');
SELECT throws_ok($$SELECT loyalty_tier(1, ROW('{A}', '{0,1}')::tier_scheme)$$,
                 '22023', 'thresholds and names must have the same number of elements, between 1 and 64',
                 'loyalty_tier: tier_scheme with mismatched arrays');

---------------------------------------------------------------------------
-- loyalty_scheme
---------------------------------------------------------------------------
SELECT throws_ok($$SELECT loyalty_scheme(v, '{0.5,0.6}', '{A,B,C}') FROM unnest('{1}'::numeric[]) v$$,
                 '22023', 'invalid shares for loyalty_scheme', 'loyalty_scheme: shares summing above 1');
SELECT throws_ok($$SELECT loyalty_scheme(v, '{0}', '{A,B}') FROM unnest('{1}'::numeric[]) v$$,
                 '22023', 'invalid shares for loyalty_scheme', 'loyalty_scheme: zero share');
SELECT throws_ok($$SELECT loyalty_scheme(v, '{-0.1}', '{A,B}') FROM unnest('{1}'::numeric[]) v$$,
                 '22023', 'invalid shares for loyalty_scheme', 'loyalty_scheme: negative share');
SELECT throws_ok($$SELECT loyalty_scheme(v, '{NaN}', '{A,B}') FROM unnest('{1}'::numeric[]) v$$,
                 '22023', 'invalid shares for loyalty_scheme', 'loyalty_scheme: NaN share');
SELECT throws_ok($$SELECT loyalty_scheme(v, '{0.5}', '{A,B,C}') FROM unnest('{1}'::numeric[]) v$$,
                 '22023', 'loyalty_scheme needs one more name than shares', 'loyalty_scheme: wrong name count');
SELECT throws_ok($$SELECT loyalty_scheme(v, '{0.5}', '{A,NULL}') FROM unnest('{1}'::numeric[]) v$$,
                 '22004', 'names must not contain NULL values', 'loyalty_scheme: NULL name');
SELECT throws_ok($$SELECT loyalty_scheme(v, NULL, '{A,B}') FROM unnest('{1}'::numeric[]) v$$,
                 '22004', 'shares and names must not be NULL', 'loyalty_scheme: NULL shares');
SELECT throws_ok($$SELECT loyalty_scheme(v, s, '{A,B}') FROM (VALUES (1::numeric, '{0.5}'::float8[]), (2, '{0.4}')) x(v, s)$$,
                 '22023', 'loyalty_scheme: shares and names differ between rows', 'loyalty_scheme: shares varying inside a group');
SELECT throws_ok($$SELECT loyalty_scheme('NaN'::numeric)$$,
                 '22023', 'value must be a finite number', 'loyalty_scheme: NaN value');
SELECT throws_ok($$SELECT loyalty_scheme('-Infinity'::numeric)$$,
                 '22023', 'value must be a finite number', 'loyalty_scheme: -Infinity value');

---------------------------------------------------------------------------
-- qualifying_spend
---------------------------------------------------------------------------
SELECT throws_ok($$SELECT qualifying_spend(ordered_at, amount, '2024-03-01', '-1 month') FROM err_orders$$,
                 '22023', 'window must be a positive interval', 'qualifying_spend: negative window');
SELECT throws_ok($$SELECT qualifying_spend(ordered_at, amount, '2024-03-01', '0 days') FROM err_orders$$,
                 '22023', 'window must be a positive interval', 'qualifying_spend: zero window');
SELECT throws_ok($$SELECT qualifying_spend(ordered_at, amount, '2024-03-01', '1 mon -40 days') FROM err_orders$$,
                 '22023', 'window must be a positive interval', 'qualifying_spend: window that is negative overall');
SELECT throws_ok($$SELECT qualifying_spend(ordered_at, amount, NULL, '1 month') FROM err_orders$$,
                 '22004', 'as_of must not be NULL', 'qualifying_spend: NULL as_of');
SELECT throws_ok($$SELECT qualifying_spend(ordered_at, amount, '2024-03-01', NULL) FROM err_orders$$,
                 '22004', 'window must not be NULL', 'qualifying_spend: NULL window');
SELECT throws_ok($$SELECT qualifying_spend(ordered_at, amount, 'infinity', '1 month') FROM err_orders$$,
                 '22008', 'as_of must be finite', 'qualifying_spend: infinite as_of');
SELECT throws_ok($$SELECT qualifying_spend(ts, 'NaN'::numeric, '2024-03-01', '1 month') FROM (VALUES ('2024-02-20'::timestamptz)) v(ts)$$,
                 '22023', 'amount must be a finite number', 'qualifying_spend: NaN amount');
SELECT throws_ok($$SELECT qualifying_spend(ts, 5, a, '1 month') FROM (VALUES ('2024-02-20'::timestamptz, '2024-03-01'::timestamptz),
                                                                          ('2024-02-21', '2024-03-02')) v(ts, a)$$,
                 '22023', 'as_of and window must be the same for every row of a group', 'qualifying_spend: as_of varying inside a group');

---------------------------------------------------------------------------
-- loyalty_tier (aggregate over orders)
---------------------------------------------------------------------------
SELECT throws_ok($$SELECT loyalty_tier(ordered_at, amount, '2024-03-01', '1 year', '{10,0}', '{A,B}') FROM err_orders$$,
                 '22023', 'thresholds must be in ascending order', 'loyalty_tier aggregate: descending thresholds');
SELECT throws_ok($$SELECT loyalty_tier(ordered_at, amount, '2024-03-01', '1 year', '{0,10}', '{A}') FROM err_orders$$,
                 '22023', 'thresholds and names must have the same number of elements, between 1 and 64',
                 'loyalty_tier aggregate: mismatched lengths');
SELECT throws_ok($$SELECT loyalty_tier(ordered_at, amount, NULL, '1 year', '{0,10}', '{A,B}') FROM err_orders$$,
                 '22004', 'as_of must not be NULL', 'loyalty_tier aggregate: NULL as_of');
SELECT throws_ok($$SELECT loyalty_tier(ordered_at, amount, '2024-03-01', '1 year', '{0,NaN}', '{A,B}') FROM err_orders$$,
                 '22023', 'threshold 2 is NaN', 'loyalty_tier aggregate: NaN threshold');
SELECT throws_ok($$SELECT loyalty_tier(ts, 'NaN'::numeric, '2024-03-01', '1 year', '{0}', '{A}') FROM (VALUES ('2024-02-20'::timestamptz)) v(ts)$$,
                 '22023', 'amount must be a finite number', 'loyalty_tier aggregate: NaN amount');
SELECT throws_ok($$SELECT loyalty_tier(ts, 5, a, '1 year', '{0}', '{A}') FROM (VALUES ('2024-02-20'::timestamptz, '2024-03-01'::timestamptz),
                                                                                    ('2024-02-21', '2024-03-02')) v(ts, a)$$,
                 '22023', NULL, 'loyalty_tier aggregate: as_of varying inside a group');
-- Like every other parameter of every other aggregate, a scheme that changes
-- between the rows of one group is an error: otherwise the tier depends on
-- which row the executor happens to read first.
SELECT throws_ok($$SELECT loyalty_tier(ts, 2, '2024-03-01', '1 year', t, '{A,B}')
                     FROM (VALUES ('2024-01-01'::timestamptz, '{0,100}'::numeric[]), ('2024-01-02', '{0,1}')) v(ts, t)$$,
                 '22023', NULL, 'loyalty_tier aggregate: thresholds varying inside a group');
SELECT throws_ok($$SELECT loyalty_tier(ts, 2, '2024-03-01', '1 year', '{0,1}', n)
                     FROM (VALUES ('2024-01-01'::timestamptz, '{A,B}'::text[]), ('2024-01-02', '{C,D}')) v(ts, n)$$,
                 '22023', NULL, 'loyalty_tier aggregate: names varying inside a group');

---------------------------------------------------------------------------
-- BTYD family: Pareto/NBD and MBG/NBD
---------------------------------------------------------------------------
CREATE TEMP TABLE err_models AS
SELECT pareto_nbd_model(0.55, 10.58, 0.61, 11.67, '7 days') AS pn,
       mbgnbd_model(0.52, 6.18, 0.89, 1.61, '7 days') AS mb,
       gamma_gamma_model(6.25, 3.74, 15.44) AS gg;
SELECT throws_ok($$SELECT '{"r": 1}'::pareto_nbd_model$$,
                 '22P02', 'invalid input syntax for type pareto_nbd_model: "{"r": 1}"', 'pareto_nbd_model: missing keys');
SELECT throws_ok($$SELECT 'r=1'::mbgnbd_model$$, '22P02', NULL, 'mbgnbd_model: not JSON');
SELECT throws_ok($$SELECT '{"r": 1, "alpha": 1, "s": 1, "beta": 1, "ll": "x"}'::pareto_nbd_model$$,
                 '22P02', NULL, 'pareto_nbd_model: ll not a number');
SELECT throws_ok($$SELECT '{"r": 1, "alpha": 1, "a": 1, "b": 1, "s": 1}'::mbgnbd_model$$,
                 '22P02', NULL, 'mbgnbd_model: unknown key');
SELECT throws_ok($$SELECT '{"r": 1, "alpha": 1, "s": 0, "beta": 1}'::pareto_nbd_model$$,
                 '22023', 'pareto_nbd_model parameter "s" must be a positive finite number, not 0', 'pareto_nbd_model: zero s');
SELECT throws_ok($$SELECT '{"r": 1, "alpha": 1, "s": 1, "beta": 1, "unit": "0 days"}'::pareto_nbd_model$$,
                 '22023', NULL, 'pareto_nbd_model: zero unit in the text form');
SELECT throws_ok($$SELECT pareto_nbd_model(-1, 1, 1, 1)$$,
                 '22023', 'pareto_nbd_model parameter "r" must be a positive finite number, not -1', 'pareto_nbd_model(): negative r');
SELECT throws_ok($$SELECT mbgnbd_model(1, 'Infinity', 1, 1)$$,
                 '22023', 'mbgnbd_model parameter "alpha" must be a positive finite number, not Infinity', 'mbgnbd_model(): infinite alpha');
SELECT throws_ok($$SELECT mbgnbd_model(1, 1, 1, 'NaN')$$,
                 '22023', 'mbgnbd_model parameter "b" must be a positive finite number, not NaN', 'mbgnbd_model(): NaN b');
SELECT throws_ok($$SELECT pareto_nbd_model(1, 1, 1, 1, '1 month')$$,
                 '22023', 'invalid unit "1 mon"', 'pareto_nbd_model(): unit of one month');

SELECT throws_ok($$SELECT pareto_nbd_fit(x, 1, 2) FROM (VALUES (1.5::float8)) v(x)$$,
                 '22023', 'pareto_nbd_fit: invalid customer summary (frequency 1.5, recency 1, t 2)', 'pareto_nbd_fit: fractional frequency');
SELECT throws_ok($$SELECT mbgnbd_fit(x, 3, 2) FROM (VALUES (2::float8)) v(x)$$,
                 '22023', 'mbgnbd_fit: invalid customer summary (frequency 2, recency 3, t 2)', 'mbgnbd_fit: recency > t');
SELECT throws_ok($$SELECT pareto_nbd_fit(x, 1, 'NaN') FROM (VALUES (2::float8)) v(x)$$,
                 '22023', NULL, 'pareto_nbd_fit: NaN t');
SELECT throws_ok($$SELECT pareto_nbd_fit(x, 1, 2, NULL) FROM (VALUES (1::float8)) v(x)$$,
                 '22004', 'unit must not be NULL', 'pareto_nbd_fit: NULL unit');
SELECT throws_ok($$SELECT mbgnbd_fit(x, 1, 2, u) FROM (VALUES (1::float8, '1 day'::interval), (1, '7 days')) v(x, u)$$,
                 '22023', 'mbgnbd_fit: customers are summarised in different time units', 'mbgnbd_fit: unit varying between rows');
SELECT throws_ok($$SELECT pareto_nbd_fit(0, 0, t) FROM (VALUES (1::float8), (5)) v(t)$$,
                 '22023', 'pareto_nbd_fit: the data cannot identify a Pareto/NBD model', 'pareto_nbd_fit: no repeat purchases');
SELECT throws_ok($$SELECT mbgnbd_fit(0, 0, t) FROM (VALUES (1::float8), (5)) v(t)$$,
                 '22023', 'mbgnbd_fit: the data cannot identify a MBG/NBD model', 'mbgnbd_fit: no repeat purchases');

SELECT throws_ok($$SELECT p_alive(1.5, 1, 2, pn) FROM err_models$$,
                 '22023', 'p_alive: invalid customer summary (frequency 1.5, recency 1, t 2)', 'p_alive(pareto_nbd_model): fractional frequency');
SELECT throws_ok($$SELECT churn_probability(2, 3, 2, mb) FROM err_models$$,
                 '22023', 'churn_probability: invalid customer summary (frequency 2, recency 3, t 2)', 'churn_probability(mbgnbd_model): recency > t');
SELECT throws_ok($$SELECT p_no_purchase(1, 1, 2, pn, '-1 day') FROM err_models$$,
                 '22023', 'horizon must not be negative', 'churn_probability(pareto_nbd_model): negative horizon');
SELECT throws_ok($$SELECT expected_purchases(-1, 1, 1, 2, pn) FROM err_models$$,
                 '22023', NULL, 'expected_purchases(pareto_nbd_model): negative float horizon');
SELECT throws_ok($$SELECT expected_purchases('NaN'::float8, 1, 1, 2, mb) FROM err_models$$,
                 '22023', NULL, 'expected_purchases(mbgnbd_model): NaN horizon');
SELECT throws_ok($$SELECT expected_purchases(mb, '-1 day'::interval) FROM err_models$$,
                 '22023', 'horizon must not be negative', 'expected_purchases(mbgnbd_model): negative interval horizon for a new customer');
SELECT throws_ok($$SELECT expected_purchases('Infinity'::float8, 1, 1, 2, pn) FROM err_models$$,
                 '22023', NULL, 'expected_purchases(pareto_nbd_model): infinite horizon');
SELECT throws_ok($$SELECT clv_estimate(1, 1, 2, 10, pn, gg, 1201) FROM err_models$$,
                 '22023', 'months must be between 0 and 1200, not 1201', 'clv_estimate(pareto_nbd_model): too many months');
SELECT throws_ok($$SELECT clv_estimate(1, 1, 2, 10, mb, gg, 12, -1) FROM err_models$$,
                 '22023', 'monthly_discount must be a finite number above -1, not -1', 'clv_estimate(mbgnbd_model): discount of -100%');
SELECT throws_ok($$SELECT clv_estimate(0, 0, 2, 0, mb, gamma_gamma_model(1, 0.5, 1)) FROM err_models$$,
                 '22003', NULL, 'clv_estimate(mbgnbd_model): spend model with q <= 1');
SELECT throws_ok($$SELECT p_alive(crm_profile(ts, 10, '2024-03-01'), (SELECT pn FROM err_models)) FROM (VALUES ('2024-01-01'::timestamptz)) v(ts)$$,
                 '22023', 'p_alive: the profile is in units of 1 day but the model in units of 7 days', 'p_alive(profile, pareto_nbd_model): unit mismatch');

-- one-time buyers only: no model can be fitted
SELECT throws_ok($$SELECT * FROM pareto_nbd_simulate(10, 0.5, 10, -1, 11, 52)$$,
                 '22023', 's must be a positive finite number, not -1', 'pareto_nbd_simulate: negative s');
SELECT throws_ok($$SELECT * FROM mbgnbd_simulate(10, 0.5, NULL, 1, 1, 52)$$,
                 '22004', 'alpha must not be NULL', 'mbgnbd_simulate: NULL alpha');
SELECT throws_ok($$SELECT * FROM mbgnbd_simulate(0, 0.5, 6, 1, 1, 52)$$,
                 '22023', 'customers must be between 1 and 100000000', 'mbgnbd_simulate: no customers');
SELECT throws_ok($$SELECT * FROM pareto_nbd_simulate(1, 1e6, 1e-6, 1, 1e9, 52)$$,
                 '54000', NULL, 'pareto_nbd_simulate: a purchase rate that would never end');

CREATE TEMP TABLE err_summary AS SELECT 0::float8 AS f, 0::float8 AS r, t::float8 AS t, 0::float8 AS h FROM generate_series(1, 5) t;
SELECT throws_ok($$SELECT * FROM btyd_compare('err_summary', 'f', 'r', 't', '1 day', 'h')$$,
                 '22023', 'btyd_compare: holdout_purchases and holdout_length go together', 'btyd_compare: holdout column without its length');
SELECT throws_ok($$SELECT * FROM btyd_compare('err_summary', NULL, 'r', 't')$$,
                 '22004', 'btyd_compare: column names and unit must not be NULL', 'btyd_compare: NULL column name');
SELECT throws_ok($$SELECT * FROM btyd_compare('err_summary', 'f); DROP TABLE err_orders; --', 'r', 't')$$,
                 '42703', NULL, 'btyd_compare: a column name is an identifier, never SQL');
SELECT throws_ok($$SELECT * FROM btyd_compare('err_summary', 'f', 'r', 't')$$,
                 '22023', 'bgnbd_fit: the data cannot identify a BG/NBD model', 'btyd_compare: too little data for the fits');

---------------------------------------------------------------------------
-- Nothing was lost, and the backend still works
---------------------------------------------------------------------------
SELECT is((SELECT count(*) FROM err_orders), 300::bigint, 'err_orders still holds its 300 rows');
SELECT is((SELECT count(*) FROM rfm_segment_rules WHERE rule_set = 'default'), 10::bigint,
          'the default rule set is intact');
SELECT is((SELECT (crm_profile(ordered_at, amount, '2024-03-01')).total_spend FROM err_orders),
          (SELECT sum(amount) FROM err_orders),
          'after all the errors crm_profile still computes the exact total over err_orders');
SELECT is((SELECT loyalty_tier(v, '{0,100,500}', '{A,B,C}') FROM (VALUES (250::numeric)) x(v)),
          'B', 'after all the errors loyalty_tier still answers');

SELECT * FROM finish();
ROLLBACK;
