-- crm_profile: definitions, refunds, NULLs, periods, units, time zones, errors.
CREATE SCHEMA test_profile;
SET search_path = test_profile, public;
SET TimeZone = 'UTC';
SET extra_float_digits = 0;

CREATE TABLE orders (customer_id int, ordered_at timestamptz, amount numeric);
INSERT INTO orders VALUES
  -- customer 1: two orders on day 1 (one purchase), a refund-only day, repeats
  (1, '2024-01-01 10:00+00', 10.50), (1, '2024-01-01 12:00+00', 4.50),
  (1, '2024-01-15 08:00+00', 20),    (1, '2024-02-01 09:00+00', -5),
  (1, '2024-02-03 23:59+00', 7.25),  (1, '2024-04-01 00:00+00', 100),   -- after as_of
  -- customer 2: a single purchase, then a same-day partial refund
  (2, '2024-02-10 10:00+00', 50), (2, '2024-02-10 18:00+00', -20),
  -- customer 3: only refunds -> no profile
  (3, '2024-01-05', -10),
  -- customer 4: NULL amount counts as a purchase; NULL time is skipped
  (4, '2024-01-02', NULL), (4, '2024-01-09', 30), (4, NULL, 1000),
  -- customer 5: everything after as_of -> no profile
  (5, '2024-05-01', 10);

CREATE TABLE p AS
SELECT customer_id, crm_profile(ordered_at, amount, '2024-03-01', '1 day', '7 days') AS p
FROM orders GROUP BY customer_id;

SELECT customer_id, (p).first_order, (p).last_order, (p).orders, (p).refunds, (p).periods,
       (p).frequency, round((p).recency::numeric, 6) AS recency, round((p).t::numeric, 6) AS t,
       (p).recency_days, (p).monetary, (p).total_spend, (p).unit
FROM p ORDER BY customer_id;

-- defaults: 1-day periods, times in days
SELECT (crm_profile(ordered_at, amount, '2024-03-01')).recency,
       (crm_profile(ordered_at, amount, '2024-03-01')).t
FROM orders WHERE customer_id = 1;

-- period of 7 days (ISO weeks start on Monday): 2024-01-01 is a Monday
SELECT (p).periods, (p).frequency, (p).recency, (p).t, (p).unit
FROM (SELECT crm_profile(ordered_at, amount, '2024-03-01', '7 days') p
      FROM orders WHERE customer_id = 1) s;

-- calendar-month periods: January holds two purchase days, February one
SELECT (p).periods, (p).frequency, (p).recency, (p).t, (p).unit
FROM (SELECT crm_profile(ordered_at, amount, '2024-03-31', '1 month', '1 day') p
      FROM orders WHERE customer_id = 1) s;

-- the session TimeZone does not move period boundaries (UTC days)
SET TimeZone = 'Pacific/Auckland';
SELECT (crm_profile(ordered_at, amount, '2024-03-01 00:00+00', '1 day', '7 days')).periods = 3 AS same_in_auckland
FROM orders WHERE customer_id = 1;
SET TimeZone = 'UTC';

-- exact totals: 0.1 + 0.2 is 0.3, mixed scales, large amounts
SELECT (crm_profile(ts, a, '2024-01-10')).total_spend
FROM (VALUES ('2024-01-01'::timestamptz, 0.1::numeric), ('2024-01-02', 0.2),
             ('2024-01-03', 0.005), ('2024-01-04', 12345678901234567890.5)) v(ts, a);

-- total_spend keeps the scale of the amounts (30.00, not 30)
SELECT (crm_profile(ts, a, '2024-01-10')).total_spend
FROM (VALUES ('2024-01-01'::timestamptz, 50.00::numeric(10,2)), ('2024-01-01', -20.00)) v(ts, a);
-- an order after as_of does not count, nor does its scale
SELECT (crm_profile(ts, a, '2024-01-10')).total_spend
FROM (VALUES ('2024-01-01'::timestamptz, 10.50), ('2024-02-01', 4.500)) v(ts, a);

-- an order exactly at as_of and one later the same day both count (period of as_of)
SELECT (crm_profile(ts, 1, '2024-01-10 12:00+00')).periods
FROM (VALUES ('2024-01-09'::timestamptz), ('2024-01-10 12:00+00'), ('2024-01-10 18:00+00'), ('2024-01-11')) v(ts);

-- no rows, or only NULL order times: NULL
SELECT crm_profile(ordered_at, amount, '2024-03-01') IS NULL AS empty_is_null FROM orders WHERE false;
SELECT crm_profile(NULL::timestamptz, 1, '2024-03-01') IS NULL AS null_ts_is_null;

-- errors
SELECT crm_profile(ordered_at, amount, NULL) FROM orders;
SELECT crm_profile(ordered_at, amount, 'infinity') FROM orders;
SELECT crm_profile(ts, 'NaN'::numeric, '2024-03-01') FROM (VALUES ('2024-01-01'::timestamptz)) v(ts);
SELECT crm_profile(ts, 'Infinity'::numeric, '2024-03-01') FROM (VALUES ('2024-01-01'::timestamptz)) v(ts);
SELECT crm_profile(ts, '-Infinity'::numeric, '2024-03-01') FROM (VALUES ('2024-01-01'::timestamptz)) v(ts);
SELECT crm_profile(ts, 1, '2024-03-01', '0 days') FROM (VALUES ('2024-01-01'::timestamptz)) v(ts);
SELECT crm_profile(ts, 1, '2024-03-01', '-1 day') FROM (VALUES ('2024-01-01'::timestamptz)) v(ts);
SELECT crm_profile(ts, 1, '2024-03-01', '1 mon 1 day') FROM (VALUES ('2024-01-01'::timestamptz)) v(ts);
SELECT crm_profile(ts, 1, '2024-03-01', '1 day', '0 days') FROM (VALUES ('2024-01-01'::timestamptz)) v(ts);
SELECT crm_profile(ts, 1, '2024-03-01', '1 day', '1 month') FROM (VALUES ('2024-01-01'::timestamptz)) v(ts);
SELECT crm_profile(ts, 1, '2024-03-01', NULL) FROM (VALUES ('2024-01-01'::timestamptz)) v(ts);
SELECT crm_profile(ts, 1, '2024-03-01', '1 day', NULL) FROM (VALUES ('2024-01-01'::timestamptz)) v(ts);
SELECT crm_profile('infinity', 1, '2024-03-01');
SELECT crm_profile(ts, 1, a) FROM (VALUES ('2024-01-01'::timestamptz, '2024-03-01'::timestamptz),
                                          ('2024-01-02', '2024-03-02')) v(ts, a);
SELECT crm_profile(ts, 1e-30, '2024-03-01') FROM (VALUES ('2024-01-01'::timestamptz)) v(ts);
-- nothing was lost: the table is intact after the errors
SELECT count(*) FROM orders;
