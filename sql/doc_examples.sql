-- sql/doc_examples.sql — every example output shown in README.md and doc/*.md.
--
-- Each "-- example: NAME" starts the example a page marks with
-- <!-- example: NAME --> before its output block; test/doc_examples.sh checks
-- that the block appears verbatim in expected/doc_examples.out under that
-- name.  Statements without a name are the setup a page shows.  The pages'
-- examples run in order, as a reader would run them: doc_shop holds the small
-- tables of doc/profile.md, doc/tiers.md and doc/models.md, doc_readme the
-- demo shop of README.md.  The CDNOW examples come last and are skipped when
-- the sample is absent (expected/doc_examples_1.out).
-- the pages show psql's defaults (pg_regress sets other styles)
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, MDY';
SET IntervalStyle = 'postgres';

-- ===== README.md
CREATE SCHEMA doc_readme;
SET search_path = doc_readme, public;
-- example: readme-demo
CREATE TABLE orders AS SELECT * FROM crm_demo_orders(customers => 20000, seed => 1);

-- 1. one profile per customer: periods of 1 day, times in weeks
CREATE TABLE profiles AS
SELECT customer_id, crm_profile(ordered_at, amount, '2025-12-31', '1 day', '7 days') AS p
FROM orders GROUP BY customer_id;

-- 2. cut points and a relative tier scheme, computed once and stored
CREATE TABLE rfm_breaks_today AS
SELECT rfm_breaks((p).recency_days, (p).frequency, (p).monetary) AS breaks,
       loyalty_scheme((p).total_spend) AS tiers
FROM profiles;

-- 3. Pareto/NBD and Gamma-Gamma models fitted on the profiles
CREATE TABLE models AS SELECT pareto_nbd_fit(p) AS pn, gamma_gamma_fit(p) AS gg FROM profiles;

-- 4. every customer scored against the stored cut points and models
CREATE TABLE scored AS
SELECT customer_id, p, rfm_score((p).recency_days, (p).frequency, (p).monetary, breaks) AS s,
       loyalty_tier((p).total_spend, tiers) AS tier,
       p_alive(p, pn) AS p_alive, expected_purchases(p, pn, '52 weeks'::interval) AS next_year,
       clv_estimate(p, pn, gg) AS clv
FROM profiles, rfm_breaks_today, models;

SELECT (s).segment, count(*) AS customers, round(avg((p).total_spend), 2) AS avg_spend,
       round(avg((p).recency_days)) AS avg_days_since_last,
       round(avg(p_alive)::numeric, 2) AS avg_p_alive, round(avg(clv)::numeric, 2) AS avg_clv_12m
FROM scored GROUP BY 1 ORDER BY 2 DESC;
SELECT customer_id, (p).frequency AS freq, round((p).recency::numeric, 1) AS recency_wk,
       round((p).t::numeric, 1) AS t_wk, (p).recency_days AS days_since, (p).total_spend,
       (s).cell AS rfm, (s).segment, tier,
       round(p_alive::numeric, 3) AS p_alive, round(next_year::numeric, 1) AS next_52wk, round(clv::numeric, 2) AS clv_12m
FROM scored ORDER BY clv DESC, customer_id LIMIT 5;

-- ===== doc/demo.md
CREATE SCHEMA doc_shop;
SET search_path = doc_shop, public;
-- example: demo-1
SELECT count(*) AS orders, count(*) FILTER (WHERE amount < 0) AS refunds,
       round(avg(amount) FILTER (WHERE amount > 0), 2) AS avg_basket
FROM crm_demo_orders();

-- example: demo-2
SELECT * FROM crm_demo_orders(customers => 2, seed => 42) ORDER BY customer_id, ordered_at;

-- ===== doc/profile.md
SET search_path = doc_shop, public;
-- setup shown on the page
CREATE TABLE orders (customer_id int, ordered_at timestamptz, amount numeric(12,2));
INSERT INTO orders VALUES
  (1, '2024-01-08 09:15+00',  40.00),
  (1, '2024-01-08 17:40+00',  15.50),
  (1, '2024-02-12 11:00+00',  22.00),
  (1, '2024-02-20 08:30+00', -22.00),   -- refund on a day without purchases
  (1, '2024-03-25 19:05+00',  60.00),
  (2, '2024-03-02 10:00+00',  80.00),
  (2, '2024-03-02 16:00+00', -30.00),   -- same-day partial refund
  (3, '2024-01-15 12:00+00',  25.00),
  (3, '2024-02-01 12:00+00',  10.00),
  (3, '2024-02-01 15:00+00', -45.00),   -- purchase day whose net is negative
  (4, '2024-01-20 10:00+00', -12.00),   -- refunds only
  (5, '2024-02-14 09:00+00',   NULL),   -- purchase of unknown value
  (5, '2024-03-14 09:00+00',  35.00),
  (5, NULL,                  999.00),   -- no order time: skipped
  (6, '2024-04-02 10:00+00',  50.00);   -- after as_of

-- example: profile-3
SELECT customer_id, (crm_profile(ordered_at, amount, '2024-03-31')).*
FROM orders GROUP BY customer_id ORDER BY customer_id;

-- example: profile-4
SELECT (p).orders, (p).periods, (p).monetary, (p).total_spend
FROM (SELECT crm_profile(ts, a, '2024-01-31') p
      FROM (VALUES ('2024-01-01'::timestamptz, 10::numeric), ('2024-01-02', NULL), ('2024-01-03', 20)) v(ts, a)) s;

-- example: profile-5
SELECT (crm_profile(ts, a, '2024-03-01')).total_spend, sum(a)
FROM (VALUES ('2024-01-01'::timestamptz, 10.50::numeric), ('2024-01-02', 4.50)) v(ts, a);

-- example: profile-6
SELECT (crm_profile(ts, a, '2024-03-01')).total_spend, sum(a)
FROM (VALUES ('2024-01-01'::timestamptz, 10::numeric), ('2024-01-02', 4.5), ('2024-01-03', 0.125)) v(ts, a);

-- example: profile-7
CREATE TABLE paris_orders (customer_id int, ordered_at timestamptz, amount numeric);
INSERT INTO paris_orders VALUES
  (1, '2024-03-09 23:30+00', 20),   -- 00:30 on 10 March in Paris (UTC+1)
  (1, '2024-03-10 08:00+00', 15),   -- 09:00 on 10 March in Paris
  (1, '2024-06-30 22:30+00', 40);   -- 00:30 on 1 July in Paris (UTC+2, summer time)

SELECT ordered_at, ordered_at AT TIME ZONE 'Europe/Paris' AS paris_wall_clock,
       ordered_at AT TIME ZONE 'Europe/Paris' AT TIME ZONE 'UTC' AS shifted
FROM paris_orders ORDER BY ordered_at;

-- example: profile-8
SELECT 'UTC days' AS calendar, (p).periods, (p).frequency, (p).recency, (p).t, (p).recency_days
FROM (SELECT crm_profile(ordered_at, amount, '2024-07-31') p FROM paris_orders) s
UNION ALL
SELECT 'Paris days', (p).periods, (p).frequency, (p).recency, (p).t, (p).recency_days
FROM (SELECT crm_profile(ordered_at AT TIME ZONE 'Europe/Paris' AT TIME ZONE 'UTC', amount,
                         '2024-07-31 00:00+00') p FROM paris_orders) s;

-- example: profile-as-of-differs
SELECT crm_profile(ts, 1, a) FROM (VALUES ('2024-01-01'::timestamptz, '2024-03-01'::timestamptz),
                                         ('2024-01-02', '2024-03-02')) v(ts, a);

-- example: profile-10
SELECT (p).periods, (p).t, (p).recency_days
FROM (SELECT crm_profile(ts, 1, '2024-01-09 00:00+00', '7 days') p
      FROM (VALUES ('2024-01-01'::timestamptz), ('2024-01-14 23:00+00')) v(ts)) s;

-- example: profile-11
SELECT (p).* FROM (SELECT crm_profile(ts, 1, '2024-03-15', '1 month') p
                   FROM (VALUES ('2024-01-20'::timestamptz), ('2024-02-03')) v(ts)) s;

-- example: period-start
SELECT period_start('2024-01-10 15:00+00') AS day, period_start('2024-01-10 15:00+00', '7 days') AS iso_week,
       period_start('2024-01-10 15:00+00', '1 month') AS month;
SELECT period_start('1999-12-31', '178956970 months');

-- ===== doc/tiers.md
SET search_path = doc_shop, public;
-- example: tiers-1
SELECT v, loyalty_tier(v, '{0, 500, 2000}', '{Member, Silver, Gold}') AS tier
FROM unnest('{-5, 0, 499.99, 500, 2000, 1e6}'::numeric[]) v;

-- example: tiers-5
SELECT loyalty_scheme(v) FROM (VALUES (10), (20), (30), (40), (50), (60), (70), (80), (100), (100)) x(v);

-- example: tiers-7
SELECT qualifying_spend(ts, a, '2024-03-31 00:00+00', '1 month')
FROM (VALUES ('2024-02-29 00:00+00'::timestamptz, 1::numeric), ('2024-02-29 00:00:01+00', 10)) v(ts, a);

-- example: tier-thresholds-differ
SELECT loyalty_tier(ts, 2, '2024-03-01', '1 year', t, '{A,B}')
FROM (VALUES ('2024-01-01'::timestamptz, '{0,100}'::numeric[]), ('2024-01-02', '{0,1}')) v(ts, t);

-- example: tiers-9
SELECT customer_id,
       qualifying_spend(ordered_at, amount, '2024-03-31', '2 months') AS spend_2m,
       loyalty_tier(ordered_at, amount, '2024-03-31', '2 months',
                    '{0, 50, 100}', '{Member, Silver, Gold}') AS tier
FROM orders GROUP BY customer_id ORDER BY customer_id;

-- example: tier-window
SELECT * FROM (
  SELECT customer_id, spend, loyalty_tier(spend) OVER () AS tier
  FROM (SELECT g AS customer_id, (g * 10)::numeric AS spend FROM generate_series(1, 100) g) s) t
WHERE customer_id IN (1, 70, 71, 90, 91, 99, 100) ORDER BY customer_id;

-- ===== doc/rfm.md
SET search_path = doc_shop, public;
-- example: rfm-3
CREATE TEMP TABLE t AS SELECT * FROM (VALUES (1, 0.0), (2, 0.0), (3, 0.0), (4, 0.0), (5, 1.0),
                                             (6, 1.0), (7, 2.0), (8, 3.0), (9, 5.0), (10, 8.0)) v(customer_id, frequency);
SELECT customer_id, frequency,
       ntile(5) OVER (ORDER BY frequency, customer_id)      AS ntile_asc_id,
       ntile(5) OVER (ORDER BY frequency, customer_id DESC) AS ntile_desc_id,
       (rfm_score(0, frequency, 0, b)).f AS rfm_f
FROM t, (SELECT rfm_breaks(0, frequency::float8, 0) b FROM t) x
ORDER BY customer_id;

-- example: rfm-4
SELECT (rfm_breaks(x, x, x, 4)).* FROM generate_series(1, 10) x;

-- example: rfm-5
SELECT (rfm_breaks(x, x, x)).frequency FROM unnest('{1,2,Infinity,Infinity,Infinity}'::float8[]) x;

-- example: rfm-8
SELECT rfm_cut_points('{30,90,180,365}', '{0,1,3,6}', '{20,50,100,250}') AS breaks;

-- example: rfm-9
SELECT s.* FROM rfm_score(45, 2, 75, rfm_cut_points('{30,90,180,365}', '{0,1,3,6}', '{20,50,100,250}')) s;

-- example: rfm-10
SELECT s.* FROM rfm_score(400, 7, 'Infinity', rfm_cut_points('{30,90,180,Infinity}', '{0,1,3,6}', '{20,50,100,250}')) s;

-- example: rfm-11
SELECT rfm_segment(4, 3, 3), rfm_segment(4, 3, 3, ARRAY[ROW('Best', 4, 5, 4, 5, 3, 5)]::rfm_rule[]), rfm_segment(4, 4, 3, ARRAY[ROW('Best', 4, 5, 4, 5, 3, 5)]::rfm_rule[]), rfm_segment(7, 7, 7, ARRAY[ROW('Best', 4, 5, 4, 5, 3, 5)]::rfm_rule[]);

-- example: rfm-12
SELECT segment, r_min, r_max, f_min, f_max, m_min, m_max FROM unnest(rfm_default_rules());

-- example: rfm-13
SELECT * FROM rfm_rules_check(rfm_default_rules());

-- example: rfm-14
INSERT INTO rfm_segment_rules
SELECT 'my_set', position, segment, r_min, r_max, f_min, f_max, m_min, m_max
FROM rfm_segment_rules WHERE rule_set = 'default';
UPDATE rfm_segment_rules SET m_min = 1 WHERE rule_set = 'my_set' AND segment = 'Potential Loyalist';
SELECT count(*) AS cells_to_others FROM rfm_rules_check(rfm_rules('my_set'));

-- example: rfm-15
INSERT INTO rfm_segment_rules VALUES
  ('three_tier', 1, 'Best',     4, 5, 4, 5, 3, 5),
  ('three_tier', 2, 'Lapsing',  1, 2, 3, 5, 1, 5),
  ('three_tier', 3, 'Dormant',  1, 1, 1, 5, 1, 5);
SELECT * FROM unnest(rfm_rules('three_tier'));

-- example: rfm-16
SELECT s.* FROM rfm_score(45, 2, 75, rfm_cut_points('{30,90,180,365}', '{0,1,3,6}', '{20,50,100,250}'),
                          rfm_rules('three_tier')) s;

-- example: rfm-17
SELECT problem, segment, count(*) AS cells FROM rfm_rules_check(rfm_rules('three_tier')) GROUP BY 1, 2 ORDER BY 1, 2;

-- example: rfm-18
SELECT * FROM rfm_rules_check(ARRAY[ROW('Top', 3, 3, 1, 3, 1, 3), ROW('Also top', 3, 3, 3, 3, 3, 3),
                                    ROW('Rest', 1, 2, 1, 3, 1, 3)]::rfm_rule[], 3);

-- example: rfm-window
WITH c(customer_id, r, f, m) AS (
  VALUES (1, 10, 5, 300), (2, 200, 0, 20), (3, 40, 2, 80), (4, 400, 1, 45), (5, 5, 9, 900))
SELECT customer_id, (rfm_score(r, f, m) OVER ()).cell AS window_cell,
       (rfm_score(r, f, m, breaks)).cell AS two_step_cell
FROM c, (SELECT rfm_breaks(r, f, m) AS breaks FROM c) b
ORDER BY customer_id;

-- ===== doc/models.md
SET search_path = doc_shop, public;
-- example: model-constructor
SELECT bgnbd_model(0.243, 4.414, 0.793, 2.426, '7 days');

-- example: model-jsonb
SELECT pareto_nbd_model(0.55, 10.58, 0.61, 11.67, '7 days')::jsonb;

-- example: fit-unidentified
SELECT bgnbd_fit(0, 0, t) FROM generate_series(1, 5) t;

-- example: scores-bgnbd
CREATE TABLE published AS
SELECT bgnbd_model(0.243, 4.414, 0.793, 2.426, '7 days') AS bg,
       mbgnbd_model(0.525, 6.183, 0.891, 1.614, '7 days') AS mbg,
       pareto_nbd_model(0.553, 10.578, 0.606, 11.669, '7 days') AS pnbd;
SELECT bg FROM published;
SELECT round(p_alive(2, 30.43, 38.86, bg)::numeric, 4) AS p_alive,
       round(churn_probability(2, 30.43, 38.86, bg)::numeric, 4) AS churn,
       round(p_no_purchase(2, 30.43, 38.86, bg, '13 weeks')::numeric, 4) AS no_purchase_13wk,
       round(expected_purchases(39, 2, 30.43, 38.86, bg)::numeric, 4) AS next_39wk,
       round(expected_purchases(bg, '39 weeks')::numeric, 4) AS new_customer_39wk
FROM published;

-- example: scores-three-models
SELECT model, round(p_alive::numeric, 4) AS p_alive, round(no_buy_13wk::numeric, 4) AS no_buy_13wk,
       round(next_39wk::numeric, 4) AS next_39wk, round(new_52wk::numeric, 4) AS new_customer_52wk
FROM published, LATERAL (VALUES
  ('bgnbd', p_alive(2, 30.43, 38.86, bg), p_no_purchase(2, 30.43, 38.86, bg, '13 weeks'),
            expected_purchases(39, 2, 30.43, 38.86, bg), expected_purchases(bg, '52 weeks')),
  ('mbgnbd', p_alive(2, 30.43, 38.86, mbg), p_no_purchase(2, 30.43, 38.86, mbg, '13 weeks'),
            expected_purchases(39, 2, 30.43, 38.86, mbg), expected_purchases(mbg, '52 weeks')),
  ('pareto_nbd', p_alive(2, 30.43, 38.86, pnbd), p_no_purchase(2, 30.43, 38.86, pnbd, '13 weeks'),
            expected_purchases(39, 2, 30.43, 38.86, pnbd), expected_purchases(pnbd, '52 weeks'))
) v(model, p_alive, no_buy_13wk, next_39wk, new_52wk);

-- example: purchase-model
SELECT '{"kind": "mbgnbd", "r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614, "unit": "7 days"}'::purchase_model AS pm;
SELECT round(p_alive(2, 30.43, 38.86, bg)::numeric, 4) AS per_kind_value,
       round(p_alive(2, 30.43, 38.86, '{"kind": "bgnbd", "r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426, "unit": "7 days"}')::numeric, 4) AS literal,
       (bg::purchase_model)::jsonb->>'kind' AS kind
FROM published;
SELECT p_alive(2, 30.43, 38.86, '{"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}');

-- example: scores-unit-mismatch
SELECT churn_probability(crm_profile(ts, 10, '2024-03-01', '1 day', '7 days'),
                         bgnbd_model(0.243, 4.414, 0.793, 2.426))
FROM (VALUES ('2024-01-01'::timestamptz), ('2024-02-01')) v(ts);

-- example: compare-column-type
CREATE TABLE summaries (frequency text, recency float8, t float8);
SELECT * FROM btyd_compare('summaries');

-- example: simulate
SELECT * FROM btyd_simulate(3, 0.25, 4.4, 0.8, 2.4, 39, 1, 6.25, 3.74, 15.44);

-- example: simulate-recovery
SELECT bgnbd_fit(frequency, recency, t, '7 days')::text AS fit FROM btyd_simulate(20000, 0.25, 4.4, 0.8, 2.4, 39, 1)
UNION ALL
SELECT mbgnbd_fit(frequency, floor(recency * 7) / 7, t, '7 days')::text
FROM mbgnbd_simulate(20000, 0.52, 6.2, 0.89, 1.6, 52, 7)
UNION ALL
SELECT pareto_nbd_fit(frequency, floor(recency * 7) / 7, t, '7 days')::text
FROM pareto_nbd_simulate(20000, 0.55, 10.6, 0.61, 11.7, 52, 7);

-- ===== doc/spend-clv.md
SET search_path = doc_shop, public;
-- example: gg-text
SELECT '{"p": 6.25, "q": 3.74, "v": 15.44}'::gamma_gamma_model;

-- example: gg-spend
SELECT round(expected_spend(2, 22.345, gg)::numeric, 2) AS repeat_buyer,
       round(expected_spend(0, 0, gg)::numeric, 2) AS population_mean
FROM (SELECT gamma_gamma_model(6.25, 3.74, 15.44) AS gg) m;

-- example: clv
SELECT round(clv_estimate(2, 30.43, 38.86, 22.345, bg, gg)::numeric, 2) AS default_12m,
       round(clv_estimate(2, 30.43, 38.86, 22.345, bg, gg, 24, 0.02)::numeric, 2) AS m24_d2pct,
       round(clv_estimate(2, 30.43, 38.86, 22.345, bg, gg, 12, 0.01, '1 month')::numeric, 2) AS calendar_months,
       round(clv_estimate(2, 30.43, 38.86, 22.345, pnbd, gg)::numeric, 2) AS pareto_nbd_12m
FROM (SELECT bgnbd_model(0.243, 4.414, 0.793, 2.426, '7 days') AS bg,
             pareto_nbd_model(0.553, 10.578, 0.606, 11.669, '7 days') AS pnbd,
             gamma_gamma_model(6.25, 3.74, 15.44) AS gg) m;

-- example: model-send
SELECT bgnbd_model_send('{"r": 1, "alpha": 2, "a": 0.5, "b": 4, "unit": "1 day", "n": 10, "converged": true}');

-- ===== doc/profile.md: storable states
CREATE SCHEMA doc_state;
SET search_path = doc_state, public;
CREATE TABLE orders (customer_id int, ordered_at timestamptz, amount numeric);
INSERT INTO orders VALUES
  (1, '2024-01-05 10:00+00', 20.00), (1, '2024-01-05 18:30+00', -5.00),
  (1, '2024-02-10 09:00+00', 12.5),  (1, '2024-03-01 12:00+00', NULL);
-- example: state-text
SELECT crm_profile_state(ordered_at, amount) AS state FROM orders;

-- example: state-profiles
SELECT as_of::date, (crm_profile(s, as_of)).*
  FROM (SELECT crm_profile_state(ordered_at, amount) s FROM orders) x,
       (VALUES ('2024-01-01'::timestamptz), ('2024-02-15'), ('2024-06-30')) v(as_of);

-- example: state-merge
SELECT profile_state_merge(
         (SELECT crm_profile_state(ordered_at, amount) FROM orders WHERE amount > 0),
         (SELECT crm_profile_state(ordered_at, amount) FROM orders WHERE amount <= 0 OR amount IS NULL))::text
     = (SELECT crm_profile_state(ordered_at, amount) FROM orders)::text AS same;

-- example: state-invalid
SELECT '{"v":1,"period":[0,1,0],"first":null,"p":[[1,0,1,"5",0,0]]}'::profile_state;
RESET search_path;

-- ===== doc/analyst.md: the defaults
-- example: analyst-defaults
\x on
SELECT * FROM crm_loyalty_defaults();
\x off

-- ===== doc/privacy.md
CREATE SCHEMA doc_privacy;
SET search_path = doc_privacy, public;
CREATE TABLE orders AS SELECT * FROM crm_demo_orders(customers => 500, seed => 1);
CREATE TABLE objections (customer_id bigint PRIMARY KEY, objected_at timestamptz NOT NULL DEFAULT now());
INSERT INTO objections (customer_id) VALUES (7), (42);
SELECT create_scoring_view('customer_scores', 'orders', 'customer_id', 'ordered_at', 'amount',
                           '{"as_of": "2026-01-01", "exclude_customers": "objections"}');
-- example: privacy-view
SELECT count(*) AS customers, count(*) FILTER (WHERE customer_id IN (7, 42)) AS objectors
FROM customer_scores;
-- example: privacy-fit
SELECT kind, n, converged
FROM fit_models('shop', 'orders', 'customer_id', 'ordered_at', 'amount', '2026-01-01',
                '{"exclude_customers": "objections"}')
ORDER BY kind;
CREATE TABLE objections_text (customer_ref text);
-- example: privacy-type
SELECT * FROM backtest('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31',
                       '{"exclude_customers": "objections_text"}');
DELETE FROM fitted_models WHERE name = 'shop';
RESET search_path;

-- ===== doc/uncertainty.md
-- example: predictive-probabilities
SELECT k - 1 AS purchases, round(p::numeric, 4) AS probability
FROM unnest(purchase_count_probabilities(2, 30.43, 38.86,
         '{"r": 0.2426, "alpha": 4.4136, "a": 0.7929, "b": 2.4259, "unit": "7 days"}'::bgnbd_model,
         '39 weeks', 4)) WITH ORDINALITY AS u(p, k);

-- example: predictive-interval
SELECT level, i.lower, i.upper
FROM unnest(ARRAY[0.5, 0.8, 0.9, 0.99]) AS level,
     purchase_count_interval(2, 30.43, 38.86,
         '{"r": 0.2426, "alpha": 4.4136, "a": 0.7929, "b": 2.4259, "unit": "7 days"}'::bgnbd_model,
         '39 weeks', level) AS i;

-- ===== CDNOW: the examples below need the CDNOW sample in
-- ../shared/data/cdnow/CDNOW_sample.txt (beside the repository)
\set have_cdnow `test -r ../shared/data/cdnow/CDNOW_sample.txt && echo 1 || echo 0`
\if :have_cdnow
\else
\echo SKIP: CDNOW sample not found at ../shared/data/cdnow/CDNOW_sample.txt
\quit
\endif
CREATE SCHEMA doc_cdnow;
SET search_path = doc_cdnow, doc_shop, public;
CREATE TABLE cdnow (customer_id int, ordered_on date, cds int, amount numeric);
\copy cdnow FROM PROGRAM 'tr -d ''\r'' < ../shared/data/cdnow/CDNOW_sample.txt | awk ''{print $2 "\t" substr($3,1,4) "-" substr($3,5,2) "-" substr($3,7,2) "\t" $4 "\t" $5}'''

-- ===== doc/profile.md (CDNOW)
-- example: profile-1
CREATE TABLE cdnow_profile AS
SELECT customer_id,
       crm_profile(ordered_on::timestamp AT TIME ZONE 'UTC', amount,
                   '1997-09-30 00:00+00', '1 day', '7 days') AS p
FROM cdnow GROUP BY customer_id;

SELECT customer_id, (p).frequency, round((p).recency::numeric, 2) AS recency,
       round((p).t::numeric, 2) AS t, (p).monetary, (p).recency_days
FROM cdnow_profile WHERE customer_id <= 3 ORDER BY customer_id;

-- example: profile-2
SELECT count(*) AS customers, count(*) FILTER (WHERE (p).frequency > 0) AS repeat_buyers,
       sum((p).frequency) AS sum_frequency
FROM cdnow_profile;

-- ===== doc/tiers.md (CDNOW)
-- example: tiers-2
CREATE TABLE tier_schemes (
    name   text PRIMARY KEY,
    scheme tier_scheme NOT NULL
);
INSERT INTO tier_schemes VALUES
  ('fixed_2024', ROW('{Member,Silver,Gold}', '{0,500,2000}')::tier_scheme);
INSERT INTO tier_schemes
SELECT 'relative_1997q3', loyalty_scheme((p).total_spend) FROM cdnow_profile;
SELECT * FROM tier_schemes ORDER BY name;

-- example: tiers-3
SELECT customer_id, (p).total_spend,
       loyalty_tier((p).total_spend, f.scheme) AS fixed_tier,
       loyalty_tier((p).total_spend, r.scheme) AS relative_tier
FROM cdnow_profile,
     (SELECT scheme FROM tier_schemes WHERE name = 'fixed_2024') f,
     (SELECT scheme FROM tier_schemes WHERE name = 'relative_1997q3') r
WHERE customer_id IN (1, 2, 3, 509, 1901) ORDER BY customer_id;

-- example: tiers-4
WITH s AS (SELECT loyalty_scheme((p).total_spend) AS scheme FROM cdnow_profile)
SELECT loyalty_tier((p).total_spend, scheme) AS tier, count(*) AS customers,
       min((p).total_spend) AS from_spend, max((p).total_spend) AS to_spend
FROM cdnow_profile, s GROUP BY 1 ORDER BY min((p).total_spend);

-- example: tiers-6
SELECT loyalty_scheme((p).total_spend, '{0.45, 0.05}', '{Standard, Plus, Premium}') FROM cdnow_profile;

-- ===== doc/rfm.md (CDNOW)
-- example: rfm-1
SELECT b.* FROM (SELECT (rfm_breaks((p).recency_days, (p).frequency, (p).monetary)).* FROM cdnow_profile) b;

-- example: rfm-2
CREATE TABLE cdnow_breaks AS
SELECT rfm_breaks((p).recency_days, (p).frequency, (p).monetary) AS b FROM cdnow_profile;

SELECT (s).f, count(*)
FROM (SELECT rfm_score((p).recency_days, (p).frequency, (p).monetary, b) s
      FROM cdnow_profile, cdnow_breaks) x
GROUP BY 1 ORDER BY 1;

-- example: rfm-6
CREATE TABLE rfm_cut_point_history (
    computed_on date PRIMARY KEY,
    breaks      rfm_cut_points NOT NULL
);
INSERT INTO rfm_cut_point_history
SELECT date '1997-09-30', rfm_breaks((p).recency_days, (p).frequency, (p).monetary)
FROM cdnow_profile;

SELECT * FROM rfm_cut_point_history;

-- example: rfm-7
SELECT customer_id, (p).recency_days, (p).frequency, round((p).monetary::numeric, 2) AS monetary, s.*
FROM cdnow_profile
CROSS JOIN (SELECT breaks FROM rfm_cut_point_history ORDER BY computed_on DESC LIMIT 1) h
CROSS JOIN LATERAL rfm_score((p).recency_days, (p).frequency, (p).monetary, h.breaks) AS s
WHERE customer_id IN (1, 2, 3, 509, 1901)
ORDER BY customer_id;

-- ===== doc/models.md (CDNOW)
-- example: cdnow-fits
CREATE TABLE models AS
SELECT bgnbd_fit(p) AS bg, mbgnbd_fit(p) AS mbg, pareto_nbd_fit(p) AS pnbd, gamma_gamma_fit(p) AS gg
FROM cdnow_profile;
SELECT bg, mbg, pnbd FROM models \gx

-- example: cdnow-scores
SELECT customer_id, (p).frequency, round((p).recency::numeric, 2) AS recency, round((p).t::numeric, 2) AS t,
       round(p_alive(p, bg)::numeric, 3) AS bg_alive,
       round(p_alive(p, mbg)::numeric, 3) AS mbg_alive,
       round(p_alive(p, pnbd)::numeric, 3) AS pnbd_alive,
       round(p_no_purchase(p, pnbd, '13 weeks')::numeric, 3) AS pnbd_no_buy_13wk,
       round(expected_purchases(p, pnbd, '39 weeks'::interval)::numeric, 3) AS pnbd_39wk
FROM cdnow_profile, models WHERE customer_id <= 6 ORDER BY customer_id;

-- example: cdnow-churn-window
SELECT * FROM (
  SELECT customer_id, round(churn_probability_window(p) OVER ()::numeric, 3) AS churn_window,
         round(churn_probability(p, bg)::numeric, 3) AS churn_two_step
  FROM cdnow_profile, models) s
WHERE customer_id <= 3 ORDER BY customer_id;

-- example: cdnow-compare
CREATE TABLE cdnow_summary AS
SELECT customer_id, (p).frequency, (p).recency, (p).t,
       coalesce(h.purchases, 0)::float8 AS holdout_purchases
FROM cdnow_profile
LEFT JOIN (SELECT customer_id, count(DISTINCT ordered_on) AS purchases FROM cdnow
           WHERE ordered_on > '1997-09-30' AND ordered_on <= '1998-06-30' GROUP BY customer_id) h
USING (customer_id);
SELECT model, round(ll::numeric, 2) AS ll, round(aic::numeric, 1) AS aic, round(bic::numeric, 1) AS bic,
       converged, round(holdout_mae::numeric, 3) AS mae, round(holdout_rmse::numeric, 3) AS rmse,
       round(holdout_forecast::numeric) AS forecast, holdout_actual AS actual
FROM btyd_compare('cdnow_summary', unit => '7 days',
                  holdout_purchases => 'holdout_purchases', holdout_length => '39 weeks');

-- ===== doc/spend-clv.md (CDNOW)
-- example: cdnow-clv
SELECT customer_id, (p).frequency, round((p).monetary::numeric, 2) AS monetary,
       round(expected_spend(p, gg)::numeric, 2) AS spend,
       round(clv_estimate(p, bg, gg)::numeric, 2) AS bg_clv,
       round(clv_estimate(p, mbg, gg)::numeric, 2) AS mbg_clv,
       round(clv_estimate(p, pnbd, gg)::numeric, 2) AS pnbd_clv
FROM cdnow_profile, models WHERE customer_id <= 6 ORDER BY customer_id;

-- example: cdnow-clv-window
SELECT * FROM (
  SELECT customer_id, round(clv_estimate_window(p) OVER ()::numeric, 2) AS clv_window,
         round(clv_estimate(p, bg, gg)::numeric, 2) AS clv_two_step
  FROM cdnow_profile, models) s
WHERE customer_id <= 3 ORDER BY customer_id;

-- ===== doc/tutorial.md (CDNOW)
CREATE SCHEMA doc_tutorial;
SET search_path = doc_tutorial, public;
-- setup shown on the page
SET TimeZone = 'UTC';
CREATE TABLE cdnow_raw (customer_id int, ordered_on date, cds int, amount numeric);
\copy cdnow_raw FROM PROGRAM 'tr -d ''\r'' < ../shared/data/cdnow/CDNOW_sample.txt | awk ''{print $2 "\t" substr($3,1,4) "-" substr($3,5,2) "-" substr($3,7,2) "\t" $4 "\t" $5}'''
CREATE TABLE orders AS
SELECT customer_id, ordered_on::timestamp AT TIME ZONE 'UTC' AS ordered_at, amount FROM cdnow_raw;

-- setup shown on the page
SELECT create_scoring_view('customer_scores', 'orders', 'customer_id', 'ordered_at', 'amount',
                           '{"as_of": "1997-09-30", "unit": "7 days"}');

-- example: tutorial-1
SELECT customer_id, frequency, round(recency::numeric, 2) AS recency, round(t::numeric, 2) AS t, total_spend,
       rfm_cell, segment, round(p_alive::numeric, 3) AS p_alive,
       round(expected_purchases::numeric, 3) AS exp_90d, round(clv::numeric, 2) AS clv, tier
FROM customer_scores ORDER BY clv DESC LIMIT 5;

-- example: tutorial-2
SELECT segment, count(*) AS customers, round(avg(p_alive)::numeric, 3) AS avg_p_alive,
       round(sum(clv)::numeric) AS total_clv
FROM customer_scores GROUP BY segment ORDER BY total_clv DESC;

-- example: tutorial-3
SELECT customers, holdout_length, actual_purchases, round(forecast_purchases::numeric, 1) AS forecast,
       round(forecast_error::numeric, 3) AS rel_error, round(mae::numeric, 3) AS mae,
       round(rmse::numeric, 3) AS rmse, round(brier_p_alive::numeric, 3) AS brier_p_alive,
       round(brier_active::numeric, 3) AS brier_active
FROM backtest('orders', 'customer_id', 'ordered_at', 'amount', '1997-09-30', '1998-06-30');

-- example: tutorial-4
SELECT step, step_end::date, actual_cumulative, round(predicted_cumulative::numeric, 1) AS predicted
FROM backtest_tracking('orders', 'customer_id', 'ordered_at', 'amount', '1997-09-30', '1998-06-30')
WHERE step % 6 = 0 OR step = 39;

-- example: tutorial-5
SELECT name, kind, n, round(ll::numeric, 4) AS ll, converged, parameters - 'll' - 'n' - 'converged' AS parameters
FROM fit_models('cdnow', 'orders', 'customer_id', 'ordered_at', 'amount', '1997-09-30', '{"unit": "7 days"}');

-- example: tutorial-6
SELECT create_scoring_view('customer_scores_stable', 'orders', 'customer_id', 'ordered_at', 'amount',
       '{"as_of": "1997-09-30", "unit": "7 days", "purchase_model": "cdnow", "gamma_gamma_model": "cdnow", "materialized": true}');
SELECT count(*) AS customers, round(sum(clv)::numeric) AS total_clv FROM customer_scores_stable;
SELECT refresh_scoring_view('customer_scores_stable', true);

-- example: tutorial-7
SELECT customer_id, (rfm_score(recency_days, frequency, monetary) OVER ()).segment,
       round(churn_probability_window(frequency, recency, t, '7 days'::interval) OVER ()::numeric, 3) AS churn,
       round(clv_estimate_window(frequency, recency, t, monetary, '7 days'::interval) OVER ()::numeric, 2) AS clv,
       loyalty_tier(total_spend) OVER () AS tier
FROM customer_scores ORDER BY customer_id LIMIT 3;

-- example: backtest-unknown-option
SELECT * FROM backtest('orders', 'customer_id', 'ordered_at', 'amount', '1997-09-30', '1998-06-30', '{"modle": "bgnbd"}');

-- example: incremental-refresh-1
CREATE TABLE shop_orders (order_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                          customer_id int, ordered_at timestamptz, amount numeric);
CREATE TABLE shop_states (customer_id int PRIMARY KEY, state profile_state NOT NULL);
INSERT INTO shop_orders (customer_id, ordered_at, amount) VALUES
  (1, '2024-01-05 10:00+00', 20.00), (2, '2024-01-07 09:00+00', 35.00), (1, '2024-02-10 09:00+00', 12.50);
SELECT * FROM refresh_profile_states('shop_states', 'shop_orders', 'customer_id', 'ordered_at', 'amount', 'order_id');

-- example: incremental-refresh-2
INSERT INTO shop_orders (customer_id, ordered_at, amount) VALUES
  (2, '2024-01-03 15:00+00', 8.00), (1, '2024-02-11 10:00+00', -2.50), (3, '2024-02-20 11:00+00', 60.00);
SELECT * FROM refresh_profile_states('shop_states', 'shop_orders', 'customer_id', 'ordered_at', 'amount', 'order_id');

-- example: incremental-profiles
SELECT customer_id, p.first_order, p.orders, p.frequency, p.recency, p.t, p.total_spend
  FROM shop_states, crm_profile(state, '2024-03-01') AS p ORDER BY customer_id;

-- example: incremental-scores
SELECT create_state_scoring_view('shop_scores', 'shop_states', '{"as_of": "2024-03-01"}');
SELECT customer_id, orders, frequency, total_spend, rfm_cell, model_status FROM shop_scores ORDER BY customer_id;
DROP MATERIALIZED VIEW shop_scores;
DROP TABLE shop_orders, shop_states;
DELETE FROM profile_state_refreshes;

-- ===== doc/diagnostics.md (CDNOW)
SET search_path = doc_cdnow, public;
-- example: diagnostics-distribution
SELECT bucket, repeat_purchases, observed, round(expected::numeric, 1) AS expected
FROM repeat_purchase_distribution('cdnow', 'customer_id', 'ordered_on', 'amount', '1997-09-30',
                                  '{"model": "bgnbd"}');

-- example: diagnostics-distribution-models
SELECT m AS model, round((array_agg(d.expected ORDER BY d.bucket))[1]::numeric, 1) AS zero,
       round((array_agg(d.expected ORDER BY d.bucket))[8]::numeric, 1) AS seven_plus,
       round(sum(d.expected)::numeric, 6) AS total
FROM unnest(ARRAY['bgnbd', 'mbgnbd', 'pareto_nbd']) AS m,
     LATERAL repeat_purchase_distribution('cdnow', 'customer_id', 'ordered_on', 'amount', '1997-09-30',
                                          jsonb_build_object('model', m)) AS d
GROUP BY m ORDER BY m;

-- example: diagnostics-matrix
SELECT frequency, recency, round(p_alive::numeric, 3) AS p_alive,
       round(expected_purchases::numeric, 4) AS expected_purchases
FROM frequency_recency_matrix('cdnow', 'customer_id', 'ordered_on', 'amount', '1997-09-30',
                              '{"model": "bgnbd", "unit": "7 days", "t": 39, "max_frequency": 10, "recency_step": 13}')
WHERE frequency IN (0, 1, 10);

-- example: diagnostics-pmf
SELECT round(p::numeric, 4) AS p, round(sum(p) OVER ()::numeric, 12) AS total
FROM unnest(purchase_count_distribution('bgnbd', '{"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}',
                                        39, 4)) AS p;

-- ===== doc/uncertainty.md (CDNOW)
-- example: predictive-check
SELECT level, customers, inside, round(share_inside::numeric, 3) AS share_inside,
       round(expected_share::numeric, 3) AS expected_share
FROM prediction_interval_check('cdnow', 'customer_id', 'ordered_on', 'amount', '1997-09-30', '1998-06-30',
                               '{"period": "1 day", "unit": "7 days", "model": "bgnbd"}');
RESET search_path;
