-- purchase_count_probabilities and purchase_count_interval: the predictive
-- distribution of the number of purchases in the next horizon, for every
-- purchase-model kind and limit models.  Element 1 is p_no_purchase, the
-- elements sum to 1 and the mean is expected_purchases.
CREATE SCHEMA test_predictive;
SET search_path = test_predictive, public;
CREATE TABLE models (id int, m purchase_model, horizon interval);
INSERT INTO models VALUES
(1, '{"r": 0.24259448597880174, "alpha": 4.413592058606018, "a": 0.7929346488069627, "b": 2.4258913226669417, "unit": "7 days"}'::bgnbd_model, '39 weeks'),
(2, '{"r": 0.5251, "alpha": 6.1831, "a": 0.8911, "b": 1.6141, "unit": "7 days"}'::mbgnbd_model, '39 weeks'),
(3, '{"r": 0.5533, "alpha": 10.5776, "s": 0.6061, "beta": 11.6694, "unit": "7 days"}'::pareto_nbd_model, '39 weeks'),
(4, '{"kind": "bgnbd", "r": 0.5, "alpha": 3, "p": 0.25, "unit": "1 day", "limit": "homogeneous_dropout"}', '90 days'),
(5, '{"lambda": 0.2, "mu": 0.05, "unit": "1 day", "limit": "homogeneous_rate+homogeneous_dropout"}', '30 days');
CREATE TABLE customers (frequency float8, recency float8, t float8);
INSERT INTO customers VALUES (0, 0, 30), (1, 5, 35), (2, 20, 30), (10, 29, 30), (3, 3, 30);
CREATE TABLE d AS
SELECT id, frequency, recency, t, m, horizon,
       purchase_count_probabilities(frequency, recency, t, m, horizon, 2000) AS p
FROM models CROSS JOIN customers;
-- element 1 = p_no_purchase, sum = 1, mean = expected_purchases (model units)
SELECT id,
       bool_and(abs(p[1] - p_no_purchase(frequency, recency, t, m, horizon)) <= 1e-12) AS first_is_p_no_purchase,
       bool_and(abs((SELECT sum(v) FROM unnest(p) AS v) - 1) <= 1e-12) AS sums_to_1,
       bool_and(p[2002] < 1e-15) AS tail_negligible,
       bool_and(abs((SELECT sum((k - 1) * v) FROM unnest(p[1:2001]) WITH ORDINALITY AS u(v, k))
                    - expected_purchases(extract(epoch FROM horizon) / (CASE WHEN id <= 3 THEN 7 ELSE 1 END * 86400),
                                         frequency, recency, t, m))
                <= 1e-9 * greatest(1, expected_purchases(extract(epoch FROM horizon) / (CASE WHEN id <= 3 THEN 7 ELSE 1 END * 86400),
                                                         frequency, recency, t, m))) AS mean_is_expected,
       bool_and((SELECT bool_and(v >= 0) FROM unnest(p) AS v)) AS nonnegative
FROM d GROUP BY id ORDER BY id;
-- the short array: max_count 3 gives P(0..3) and P(> 3), the same leading values
SELECT id, bool_and(cardinality(purchase_count_probabilities(frequency, recency, t, m, horizon, 3)) = 5) AS len_5,
       bool_and((SELECT bool_and(abs(a - b) <= 1e-12)
                   FROM unnest((purchase_count_probabilities(frequency, recency, t, m, horizon, 3))[1:4], p[1:4]) AS u(a, b))) AS same_head,
       bool_and(abs((purchase_count_probabilities(frequency, recency, t, m, horizon, 3))[5]
                    - (SELECT sum(v) FROM unnest(p[5:2002]) AS v)) <= 1e-12) AS tail_is_rest
FROM d GROUP BY id ORDER BY id;
-- the default max_count is 10: 12 elements
SELECT cardinality(purchase_count_probabilities(2, 20, 30, m, '39 weeks')) FROM models WHERE id = 1;
-- max_count 0: P(0) and P(> 0)
SELECT round(v::numeric, 6) FROM models, unnest(purchase_count_probabilities(2, 20, 30, m, '39 weeks', 0)) AS v WHERE id = 1;
-- a zero horizon: all mass at 0
SELECT purchase_count_probabilities(2, 20, 30, m, '0 days', 2) FROM models WHERE id = 1;
-- the 90% interval contains the mode (a central 50% one need not: a mode at 0
-- with P(0) < 0.25 lies below it) and the intervals widen with the level
SELECT id,
       bool_and(i90.lower <= mode AND mode <= i90.upper) AS contains_mode,
       bool_and(i90.lower <= i50.lower AND i50.upper <= i90.upper
                AND i99.lower <= i90.lower AND i90.upper <= i99.upper) AS widens,
       bool_and((SELECT sum(v) FROM unnest(p[i90.lower + 1:i90.upper + 1]) AS v) >= 0.9 - 1e-12) AS covers_90
FROM (SELECT d.*, (SELECT k - 1 FROM unnest(p[1:2001]) WITH ORDINALITY AS u(v, k) ORDER BY v DESC, k LIMIT 1) AS mode FROM d) AS d
CROSS JOIN LATERAL purchase_count_interval(frequency, recency, t, m, horizon, 0.5) AS i50
CROSS JOIN LATERAL purchase_count_interval(frequency, recency, t, m, horizon) AS i90
CROSS JOIN LATERAL purchase_count_interval(frequency, recency, t, m, horizon, 0.99) AS i99
GROUP BY id ORDER BY id;
-- a few intervals, as rows
SELECT frequency, recency, t, (purchase_count_interval(frequency, recency, t, m, horizon)).*
FROM d WHERE id = 1 ORDER BY frequency, recency;
-- the profile forms equal the plain ones
WITH o(customer_id, ordered_at, amount) AS (VALUES
  (1, timestamptz '2025-06-02', 10), (1, '2025-07-14', 20), (1, '2025-09-01', 15), (2, '2025-10-06', 5)
), pr AS (
  SELECT customer_id, crm_profile(ordered_at, amount, '2026-01-05', '1 day', '7 days') AS p FROM o GROUP BY 1
)
SELECT customer_id,
       purchase_count_probabilities(p, m, '39 weeks', 5)
         = purchase_count_probabilities((p).frequency, (p).recency, (p).t, m, '39 weeks', 5) AS same_probs,
       purchase_count_interval(p, m, '39 weeks', 0.8)
         = purchase_count_interval((p).frequency, (p).recency, (p).t, m, '39 weeks', 0.8) AS same_interval
FROM pr CROSS JOIN models WHERE models.id = 3 ORDER BY 1;
-- a profile in another unit than the model's
WITH pr AS (SELECT crm_profile(ordered_at, 1, '2026-01-05', '1 day', '1 day') AS p
              FROM (VALUES (timestamptz '2025-06-02')) AS o(ordered_at))
SELECT purchase_count_interval(p, m, '39 weeks') FROM pr, models WHERE id = 1;
-- STRICT: NULL in, NULL out
SELECT purchase_count_probabilities(NULL, 1, 2, m, '1 week') IS NULL AS null_probs,
       purchase_count_interval(1, 1, 2, m, '1 week', NULL) IS NULL AS null_interval
FROM models WHERE id = 1;
-- errors, with their SQLSTATE
\set VERBOSITY sqlstate
SELECT purchase_count_probabilities(2, 20, 30, m, '39 weeks', -1) FROM models WHERE id = 1;
SELECT purchase_count_probabilities(2, 20, 30, m, '39 weeks', 10001) FROM models WHERE id = 1;
SELECT purchase_count_probabilities(2, 20, 30, m, '-1 day') FROM models WHERE id = 1;
SELECT purchase_count_probabilities(2, 40, 30, m, '1 day') FROM models WHERE id = 1;
SELECT purchase_count_interval(2, 20, 30, m, '39 weeks', 0) FROM models WHERE id = 1;
SELECT purchase_count_interval(2, 20, 30, m, '39 weeks', 1) FROM models WHERE id = 1;
SELECT purchase_count_interval(2, 20, 30, m, '39 weeks', 'NaN') FROM models WHERE id = 1;
SELECT purchase_count_interval(2, 20, 30, m, '-1 mon') FROM models WHERE id = 1;
\set VERBOSITY default
SELECT purchase_count_interval(2, 20, 30, m, '39 weeks', 1 - 1e-9) IS NOT NULL AS top_level_ok FROM models WHERE id = 1;
-- a month is a mean Gregorian month: 9 months = 273.931875 days
SELECT (SELECT bool_and(abs(a - b) <= 1e-12)
          FROM unnest(purchase_count_probabilities(2, 20, 30, m, '9 mons', 1),
                      purchase_count_probabilities(2, 20, 30, m, '273 days 22:21:54', 1)) AS u(a, b)) AS mean_months
FROM models WHERE id = 1;
DROP SCHEMA test_predictive CASCADE;
