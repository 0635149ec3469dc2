-- Loyalty tiers: explicit thresholds, relative schemes, rolling windows, errors.
CREATE SCHEMA test_tier;
SET search_path = test_tier, public;
SET TimeZone = 'UTC';

SELECT v, loyalty_tier(v, '{0,100,500,2000}', '{Bronze,Silver,Gold,Platinum}')
FROM unnest('{-1, 0, 99.99, 100, 499, 500, 1999.999, 2000, 1e9}'::numeric[]) v;

-- equal thresholds: the higher tier wins, the lower one stays empty
SELECT loyalty_tier(100, '{0,100,100}', '{A,B,C}');

-- relative default: top 1% / next 9% / next 20% / rest of 1,000 customers
CREATE TABLE spend AS SELECT i AS customer_id, (i * 1.5)::numeric(12,2) AS total FROM generate_series(1, 1000) i;
SELECT loyalty_scheme(total) FROM spend;
SELECT loyalty_tier(total, s) AS tier, count(*), min(total), max(total)
FROM spend, (SELECT loyalty_scheme(total) s FROM spend) x
GROUP BY 1 ORDER BY min(total);

-- ties are never split: 50 customers share the top value
SELECT loyalty_tier(v, s), count(*)
FROM (SELECT CASE WHEN i > 950 THEN 1000 ELSE i END::numeric v FROM generate_series(1, 1000) i) t,
     (SELECT loyalty_scheme(CASE WHEN i > 950 THEN 1000 ELSE i END::numeric) s FROM generate_series(1, 1000) i) x
GROUP BY 1 ORDER BY 2;

-- custom shares and names; NULL values are skipped
SELECT loyalty_scheme(v, '{0.5}', '{Regular,Top}') FROM unnest('{1,2,3,4,NULL}'::numeric[]) v;

-- three tiers: Gold is the top 10%, Silver the next 40% (shares follow the names)
SELECT loyalty_tier(v, s), count(*), min(v)
FROM generate_series(1, 100) v, (SELECT loyalty_scheme(v, '{0.4,0.1}', '{Basic,Silver,Gold}') s FROM generate_series(1, 100) v) x
GROUP BY 1 ORDER BY 3;

-- totals keep the scale the amounts were written with (like sum())
SELECT qualifying_spend(ts, amount, '2024-03-01', '1 year')
FROM (VALUES ('2024-01-01'::timestamptz, 80.00::numeric(12,2)), ('2024-01-02', -30.00)) v(ts, amount);

-- qualifying spend in a rolling window before as_of (refunds net)
CREATE TABLE o (customer_id int, ts timestamptz, amount numeric);
INSERT INTO o VALUES (1, '2023-01-15', 900), (1, '2023-06-01', 300), (1, '2024-01-10', 250),
                     (1, '2024-02-01', -50), (1, '2024-03-15', 999),
                     (2, '2023-12-31 23:59:59', 40), (2, '2024-03-01', 60);
SELECT customer_id, qualifying_spend(ts, amount, '2024-03-01', '12 months'),
       loyalty_tier(ts, amount, '2024-03-01', '12 months', '{0,100,500}', '{Member,Silver,Gold}')
FROM o GROUP BY 1 ORDER BY 1;
-- the window boundary is exclusive at the start, inclusive at as_of
SELECT qualifying_spend(ts, amount, '2024-03-01', '2 months') FROM o WHERE customer_id = 2;
-- window arithmetic is done in UTC: the session TimeZone (here with a DST
-- change inside the window) does not move the window start
SET TimeZone = 'America/New_York';
SELECT qualifying_spend(ts, amount, '2024-03-10 12:00+00', '1 month')
FROM (VALUES ('2024-02-10 12:30+00'::timestamptz, 5::numeric), ('2024-02-10 11:30+00', 7)) v(ts, amount);
SET TimeZone = 'UTC';

-- errors
SELECT loyalty_tier(1, '{0,100}', '{A}');
SELECT loyalty_tier(1, '{100,0}', '{A,B}');
SELECT loyalty_tier(1, '{}', '{}');
SELECT loyalty_tier(1, '{0,NULL}', '{A,B}');
SELECT loyalty_tier(1, '{0,NaN}', '{A,B}');
SELECT loyalty_tier('NaN', '{0}', '{A}');
SELECT loyalty_scheme(v, '{0.6,0.5}', '{A,B,C}') FROM unnest('{1}'::numeric[]) v;
SELECT loyalty_scheme(v, '{0.5}', '{A,B,C}') FROM unnest('{1}'::numeric[]) v;
SELECT loyalty_scheme(v, '{0}', '{A,B}') FROM unnest('{1}'::numeric[]) v;
SELECT loyalty_scheme('NaN'::numeric);
SELECT qualifying_spend(ts, amount, '2024-03-01', '-1 month') FROM o;
SELECT qualifying_spend(ts, amount, NULL, '1 month') FROM o;
SELECT loyalty_tier(ts, amount, '2024-03-01', '1 year', '{10,0}', '{A,B}') FROM o;
-- the scheme must not change inside a group
SELECT loyalty_tier(ts, 2, '2024-03-01', '1 year', t, '{A,B}')
FROM (VALUES ('2024-01-01'::timestamptz, '{0,100}'::numeric[]), ('2024-01-02', '{0,1}')) v(ts, t);
-- bad amounts are errors even outside the window
SELECT qualifying_spend(ts, amount, '2024-03-01', '1 month')
FROM (VALUES ('2020-01-01'::timestamptz, 'NaN'::numeric)) v(ts, amount);
SELECT qualifying_spend('infinity', 1, '2024-03-01', '1 month');
