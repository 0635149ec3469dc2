-- Hardening: inputs that once crashed the server, ran for seconds without
-- answering cancel, decoded the wrong cell or overflowed 64-bit time.
SET TimeZone = 'UTC';

-- loyalty_scheme: a later row with fewer names than the first is an error,
-- not a read past the end of its names array
SELECT loyalty_scheme(v, ARRAY[0.2,0.09,0.01]::float8[],
                      CASE WHEN i = 1 THEN ARRAY['B','S','G','P'] ELSE ARRAY['B','S'] END)
FROM (VALUES (1, 1::numeric), (2, 2::numeric)) t(i, v);
-- and more names than the first row
SELECT loyalty_scheme(v, ARRAY[0.5]::float8[],
                      CASE WHEN i = 1 THEN ARRAY['B','S'] ELSE ARRAY['B','S','G','P'] END)
FROM (VALUES (1, 1::numeric), (2, 2::numeric)) t(i, v);
-- the same scheme on every row still works
SELECT (loyalty_scheme(v, ARRAY[0.5]::float8[], ARRAY['B','S'])).names
FROM (VALUES (1::numeric), (2::numeric)) t(v);

-- rfm_rules_check: 10,000 rules over 100 bins answer well within the timeout
SET statement_timeout = '5s';
SELECT problem, count(*)
FROM rfm_rules_check(array_fill(ROW('x',1,5,1,5,1,5)::rfm_rule, ARRAY[10000]), 100)
GROUP BY problem ORDER BY problem;
RESET statement_timeout;

-- score 100 is decoded as 100, not 0: every cell left over has r = 1
SELECT count(*) AS others,
       count(*) FILTER (WHERE cell LIKE '1-%') AS with_r_1,
       count(*) FILTER (WHERE cell ~ '(^|-)0(-|$)') AS with_a_zero,
       bool_or(cell = '1-1-100') AS has_1_1_100,
       bool_or(cell = '1-100-100') AS has_1_100_100
FROM rfm_rules_check(ARRAY[ROW('x',2,100,1,100,1,100)::rfm_rule], 100);
-- rules after a full cover never fire; order decides, as in rfm_score
SELECT * FROM rfm_rules_check(ARRAY[ROW('all',1,3,1,3,1,3)::rfm_rule,
                                    ROW('top',3,3,3,3,3,3)::rfm_rule], 3);
SELECT * FROM rfm_rules_check(ARRAY[ROW('top',3,3,3,3,3,3)::rfm_rule,
                                    ROW('low',1,2,1,3,1,3)::rfm_rule,
                                    ROW('mid',3,3,1,2,1,3)::rfm_rule], 3);

-- period_start: a period that starts before the first representable instant
\set VERBOSITY sqlstate
SELECT period_start('1999-12-31', '178956970 months');
SELECT period_start('4714-11-24 00:00+00 BC', '36600 days');
-- a time part so long that days + time would wrap around is no period
SELECT period_start('1999-12-31', '1 day 2562047788 hours');
\set VERBOSITY default
SELECT period_start('1999-12-31', '178956970 months');
SELECT period_start('2000-01-01', '178956970 months') AS starts_at_its_own_start;
SELECT p <= ts AND p > ts - interval '36600 days' AS start_in_range
FROM (SELECT ts, period_start(ts, '36600 days') AS p
      FROM (VALUES (timestamptz '294276-12-31 23:59:59+00')) v(ts)) s;

-- crm_profile across the whole timestamp range: t is the span, positive
SELECT (p).t > 0 AS t_positive,
       abs((p).t - (date '294276-12-31' - date '4714-11-24 BC')) < 1 AS t_is_span,
       abs((p).recency_days - (p).t) < 1 AS recency_days_is_span
FROM (SELECT crm_profile(ts, 1.00, '294276-12-31 00:00+00') AS p
      FROM (VALUES (timestamptz '4714-11-24 00:00+00 BC')) o(ts)) s;
-- a calendar period whose start is not representable: class 22 error
SELECT crm_profile(ts, 1.00, '2024-01-01', '178956970 months')
FROM (VALUES (timestamptz '1999-12-31 00:00+00')) o(ts);

-- fit_models names a column of the wrong type or a missing one before it
-- builds any query (no internal SQL in the error)
CREATE TABLE text_orders (customer_id int, ordered_at text, amount text, region int);
SELECT * FROM fit_models('m', 'text_orders', 'customer_id', 'ordered_at', 'amount', '2024-06-01');
DROP TABLE text_orders;
CREATE TABLE good_orders (customer_id int, ordered_at timestamptz, amount numeric);
SELECT * FROM fit_models('m', 'good_orders', 'customer_id', 'ordered_at', 'amount', '2024-06-01',
                         '{"group_column": "country"}');
DROP TABLE good_orders;
