-- doc/demo/demo.sql — score the customers of the demo shop.
-- Run by doc/demo/run.sh against a throwaway database.
\pset footer off
SET TimeZone = 'UTC';
CREATE EXTENSION crm_loyalty;

\echo '== 1. The demo shop: orders of 20,000 customers over two years (deterministic, seed 1)'
CREATE TABLE orders AS SELECT * FROM crm_demo_orders(customers => 20000, seed => 1);
SELECT count(*) AS orders, count(DISTINCT customer_id) AS customers,
       count(*) FILTER (WHERE amount < 0) AS refunds,
       min(ordered_at)::date AS first_day, max(ordered_at)::date AS last_day,
       sum(amount) AS revenue
FROM orders;

\echo '== 2. One profile per customer as of the end of the data (days, weeks)'
CREATE TABLE profiles AS
SELECT customer_id, crm_profile(ordered_at, amount, '2025-12-31', '1 day', '7 days') AS p
FROM orders GROUP BY customer_id;

\echo '== 3. RFM cut points (stored, so scores stay stable) and a relative tier scheme'
CREATE TABLE rfm_breaks_today AS
SELECT rfm_breaks((p).recency_days, (p).frequency, (p).monetary) AS breaks,
       loyalty_scheme((p).total_spend) AS tiers
FROM profiles;
SELECT (breaks).recency_days, (breaks).frequency,
       (SELECT array_agg(round(x::numeric, 2)) FROM unnest((breaks).monetary) x) AS monetary,
       (tiers).thresholds AS tier_thresholds
FROM rfm_breaks_today;

\echo '== 4. Pareto/NBD and Gamma-Gamma fitted on the profiles (maximum likelihood, in weeks)'
CREATE TABLE models AS SELECT pareto_nbd_fit(p) AS pn, gamma_gamma_fit(p) AS gg FROM profiles;
SELECT pn AS pareto_nbd, gg AS gamma_gamma FROM models \gx

CREATE TABLE scored AS
SELECT customer_id, p, rfm_score((p).recency_days, (p).frequency, (p).monetary, breaks) AS s,
       loyalty_tier((p).total_spend, tiers) AS tier,
       p_alive(p, pn) AS p_alive, expected_purchases('52 weeks'::interval, p, pn) AS next_year,
       clv_estimate(p, pn, gg) AS clv
FROM profiles, rfm_breaks_today, models;

\echo '== 5. Segments'
SELECT (s).segment, count(*) AS customers, round(avg((p).total_spend), 2) AS avg_spend,
       round(avg((p).recency_days)) AS avg_days_since_last,
       round(avg(p_alive)::numeric, 2) AS avg_p_alive, round(avg(clv)::numeric, 2) AS avg_clv_12m
FROM scored GROUP BY 1 ORDER BY 2 DESC;

\echo '== 6. Tiers'
SELECT tier, count(*) AS customers, min((p).total_spend) AS from_spend, max((p).total_spend) AS to_spend
FROM scored GROUP BY 1 ORDER BY 3 DESC;

\echo '== 7. The 15 most valuable customers (12-month CLV), scored'
SELECT customer_id, (p).frequency AS freq, round((p).recency::numeric, 1) AS recency_wk,
       round((p).t::numeric, 1) AS t_wk, (p).recency_days AS days_since, round((p).monetary::numeric, 2) AS monetary,
       (p).total_spend, (s).cell AS rfm, (s).segment, tier,
       round(p_alive::numeric, 3) AS p_alive, round(next_year::numeric, 1) AS next_52wk, round(clv::numeric, 2) AS clv_12m
FROM scored ORDER BY clv DESC, customer_id LIMIT 15;
