-- crm_demo_orders: deterministic demo data, and the whole pipeline over it.
CREATE SCHEMA test_demo;
SET search_path = test_demo, public;
SET TimeZone = 'UTC';

-- the same arguments always give the same orders
SELECT count(*) AS orders, count(DISTINCT customer_id) AS customers,
       count(*) FILTER (WHERE amount < 0) AS refunds, sum(amount) AS revenue,
       min(ordered_at) AS first_order, max(ordered_at) AS last_order
FROM crm_demo_orders(2000, 7);

-- customer i does not depend on how many customers are generated
SELECT count(*) AS differing_rows FROM (
  (SELECT * FROM crm_demo_orders(100, 7) EXCEPT ALL SELECT * FROM crm_demo_orders(2000, 7) WHERE customer_id <= 100)
  UNION ALL
  (SELECT * FROM crm_demo_orders(2000, 7) WHERE customer_id <= 100 EXCEPT ALL SELECT * FROM crm_demo_orders(100, 7))
) d;

-- a different seed is a different shop
SELECT (SELECT sum(amount) FROM crm_demo_orders(2000, 7)) <> (SELECT sum(amount) FROM crm_demo_orders(2000, 8)) AS seeds_differ;

-- amounts have two decimals; refunds never exceed the customer's largest order;
-- every customer's first row is a purchase; orders stay inside the window
SELECT bool_and(scale(amount) = 2) AS two_decimals,
       bool_and(amount >= 1.00 OR amount < 0) AS no_tiny_baskets
FROM crm_demo_orders(2000, 7);
SELECT count(*) AS bad_refunds FROM (
  SELECT customer_id, max(amount) AS top, min(amount) AS worst FROM crm_demo_orders(2000, 7) GROUP BY 1
) c WHERE -worst > top;
SELECT count(*) AS customers_starting_with_a_refund FROM (
  SELECT DISTINCT ON (customer_id) customer_id, amount FROM crm_demo_orders(2000, 7) ORDER BY customer_id, ordered_at
) f WHERE amount < 0;
SELECT bool_and(ordered_at >= '2024-01-01 00:00+00' AND ordered_at < '2026-01-01 00:00+00') AS inside_window
FROM crm_demo_orders(2000, 7);
SELECT max(ordered_at) < '2020-01-11 00:00+00' AS custom_window
FROM crm_demo_orders(50, 1, '2020-01-01', 10);

-- the session TimeZone does not change the generated instants
SET TimeZone = 'Asia/Kolkata';
SELECT sum(extract(epoch FROM ordered_at)) AS epoch_sum FROM crm_demo_orders(200, 3);
SET TimeZone = 'UTC';
SELECT sum(extract(epoch FROM ordered_at)) AS epoch_sum FROM crm_demo_orders(200, 3);

-- the pipeline over the demo shop: profiles, RFM, tiers
CREATE TABLE demo_profiles AS
SELECT customer_id, crm_profile(ordered_at, amount, '2025-12-31', '1 day', '7 days') AS p
FROM crm_demo_orders(2000, 7) GROUP BY customer_id;
SELECT count(*) AS customers, count(*) FILTER (WHERE (p).frequency > 0) AS repeaters,
       sum((p).frequency) AS sum_frequency, sum((p).refunds) AS refunds, sum((p).total_spend) AS total_spend
FROM demo_profiles;
-- the total spend of the profiles equals the plain sum of the orders, exactly
SELECT (SELECT sum((p).total_spend) FROM demo_profiles) = (SELECT sum(amount) FROM crm_demo_orders(2000, 7)) AS totals_match;
WITH b AS (SELECT rfm_breaks((p).recency_days, (p).frequency, (p).monetary) b,
                  loyalty_scheme((p).total_spend) s FROM demo_profiles)
SELECT (rfm_score((p).recency_days, (p).frequency, (p).monetary, b)).segment, loyalty_tier((p).total_spend, s) AS tier, count(*)
FROM demo_profiles, b GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 8;

-- errors
SELECT * FROM crm_demo_orders(0);
SELECT * FROM crm_demo_orders(10, 1, '2024-01-01', 0);
SELECT * FROM crm_demo_orders(10, 1, 'infinity', 10);
SELECT * FROM crm_demo_orders(10, 1, '294276-12-01', 730);
