-- Model diagnostics: purchase_count_distribution, repeat_purchase_distribution
-- and frequency_recency_matrix on a small deterministic shop.
CREATE SCHEMA test_diag;
SET search_path = test_diag, public;
SET TimeZone = 'UTC';

-- the distribution of a new customer's repeat purchases: a probability per
-- bucket, summing to 1
SELECT cardinality(p) AS buckets, abs((SELECT sum(x) FROM unnest(p) AS x) - 1) < 1e-12 AS sums_to_one,
       (SELECT bool_and(x >= 0 AND x <= 1) FROM unnest(p) AS x) AS in_unit_interval
FROM (VALUES ('bgnbd', '{"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}'),
             ('mbgnbd', '{"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}'),
             ('pareto_nbd', '{"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}'),
             ('bgnbd', '{"limit": "homogeneous_rate+homogeneous_dropout", "lambda": 0.2, "p": 0.3}'),
             ('pareto_nbd', '{"limit": "homogeneous_rate+homogeneous_dropout", "lambda": 0.2, "mu": 0.01}'),
             ('pareto_nbd', '{"limit": "homogeneous_rate", "lambda": 0.2, "s": 0.5, "beta": 4}'),
             ('pareto_nbd', '{"limit": "homogeneous_dropout", "r": 0.6, "alpha": 4, "mu": 0.01}')) AS m(kind, model),
     LATERAL purchase_count_distribution(m.kind, m.model, 39, 8) AS p;
-- t = 0: no purchase yet
SELECT purchase_count_distribution('bgnbd', '{"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}', 0, 3);
-- x = 0: BG/NBD (alpha/(alpha+t))^r; MBG/NBD b/(a+b) (alpha/(alpha+t))^r + a/(a+b)
SELECT abs(bg[1] - (4.414 / 43.414) ^ 0.243) < 1e-15 AS bg_zero,
       abs(mbg[1] - (2.426 / 3.219 * (4.414 / 43.414) ^ 0.243 + 0.793 / 3.219)) < 1e-15 AS mbg_zero
FROM purchase_count_distribution('bgnbd', '{"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}', 39, 2) AS bg,
     purchase_count_distribution('mbgnbd', '{"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}', 39, 2) AS mbg;
-- bad arguments
\set m '{"r": 1, "alpha": 1, "a": 1, "b": 1}'
SELECT purchase_count_distribution('gamma_gamma', :'m', 1, 3);
SELECT purchase_count_distribution('bgnbd', '{"r": 1, "alpha": 1, "a": 1}', 1, 3);
SELECT purchase_count_distribution('bgnbd', '{"r": 1, "alpha": -1, "a": 1, "b": 1}', 1, 3);
SELECT purchase_count_distribution('bgnbd', :'m', -1, 3);
SELECT purchase_count_distribution('bgnbd', :'m', 'infinity', 3);
SELECT purchase_count_distribution('bgnbd', :'m', 1, 1);
SELECT purchase_count_distribution('bgnbd', :'m', 1, 1002);
SELECT purchase_count_distribution('bgnbd', NULL, 1, 3) IS NULL AS strict;

-- 120 customers over 40 weeks: customer i buys every (i % 7 + 1) weeks from
-- week i % 30 until week 40 - i % 11 (some only once)
CREATE TABLE orders (customer_id int, ordered_at timestamptz, amount numeric);
INSERT INTO orders
SELECT i, timestamptz '2024-01-01' + (w * 7 + i % 5) * interval '1 day', 10 + i % 13
FROM generate_series(1, 120) AS i,
     generate_series(0, 39) AS w
WHERE w >= i % 30 AND w <= 40 - i % 11 AND (w - i % 30) % (i % 7 + 1) = 0
  AND (i % 4 <> 0 OR w = i % 30);
INSERT INTO orders VALUES (NULL, '2024-02-01', 5), (999, '2030-01-01', 5);  -- no customer / after as_of
SELECT count(DISTINCT customer_id) AS customers, count(*) AS orders FROM orders;

-- steady buyers: the Pareto/NBD fit is a limit model (every customer buys at one rate)
SELECT pareto_nbd_fit((p).frequency, (p).recency, (p).t, '7 days')::jsonb->>'limit' AS pareto_nbd_limit
FROM (SELECT crm_profile(ordered_at, amount, '2024-10-07', '1 day', '7 days') AS p
      FROM orders WHERE customer_id IS NOT NULL GROUP BY customer_id) s;
-- every model: observed counts sum to the customers, and so do the expected ones
SELECT m.model, sum(d.observed) AS observed, abs(sum(d.expected) - sum(d.observed)) < 1e-9 AS expected_total,
       bool_and(d.expected >= 0) AS non_negative, count(*) AS buckets
FROM unnest(ARRAY['bgnbd', 'mbgnbd', 'pareto_nbd']) AS m(model),
     LATERAL repeat_purchase_distribution('orders', 'customer_id', 'ordered_at', 'amount', '2024-10-07',
                                          jsonb_build_object('model', m.model)) AS d
GROUP BY m.model ORDER BY m.model;
-- the observed histogram, by hand
SELECT least((p).frequency, 7)::int AS bucket, count(*)
FROM (SELECT crm_profile(ordered_at, amount, '2024-10-07', '1 day', '7 days') AS p
      FROM orders WHERE customer_id IS NOT NULL GROUP BY customer_id) s
WHERE p IS NOT NULL GROUP BY 1 ORDER BY 1;
SELECT bucket, repeat_purchases, observed, round(expected::numeric, 2) AS expected
FROM repeat_purchase_distribution('orders', 'customer_id', 'ordered_at', 'amount', '2024-10-07');
SELECT bucket, repeat_purchases, observed
FROM repeat_purchase_distribution('orders', 'customer_id', 'ordered_at', 'amount', '2024-10-07',
                                  '{"max_bucket": 2, "model": "bgnbd"}');
-- the unit defaults to the period (1 day); the counts do not depend on it:
-- the same observed counts and, up to the fit's tolerance, the same expected
-- ones in weeks
SELECT m.model, bool_and(d.observed = w.observed) AS same_observed,
       max(abs(d.expected - w.expected)) < 1e-3 AS same_expected
FROM unnest(ARRAY['bgnbd', 'mbgnbd', 'pareto_nbd']) AS m(model),
     LATERAL repeat_purchase_distribution('orders', 'customer_id', 'ordered_at', 'amount', '2024-10-07',
                                          jsonb_build_object('model', m.model)) AS d
     JOIN LATERAL repeat_purchase_distribution('orders', 'customer_id', 'ordered_at', 'amount', '2024-10-07',
                                               jsonb_build_object('model', m.model, 'unit', '7 days')) AS w
       USING (bucket)
GROUP BY m.model ORDER BY m.model;
-- the same expected counts summed by hand from the fitted model (unit: the
-- period, 1 day)
WITH p AS (
    SELECT (crm_profile(ordered_at, amount, '2024-10-07', '1 day', '1 day')) AS p
    FROM orders WHERE customer_id IS NOT NULL GROUP BY customer_id
), m AS (
    SELECT bgnbd_fit((p).frequency, (p).recency, (p).t, '1 day') AS m FROM p
), byhand AS (
    SELECT d.i - 1 AS bucket, sum(d.x) AS expected
    FROM p, m, LATERAL unnest(purchase_count_distribution('bgnbd', m.m::text, (p).t, 4)) WITH ORDINALITY AS d(x, i)
    GROUP BY 1
)
SELECT bool_and(abs(byhand.expected - d.expected) < 1e-9) AS same
FROM byhand JOIN repeat_purchase_distribution('orders', 'customer_id', 'ordered_at', 'amount', '2024-10-07',
                                              '{"max_bucket": 3, "model": "bgnbd"}') AS d USING (bucket);
-- an empty table: zero everywhere
CREATE TABLE no_orders (LIKE orders);
SELECT * FROM repeat_purchase_distribution('no_orders', 'customer_id', 'ordered_at', 'amount', '2024-10-07',
                                           '{"max_bucket": 2}');
-- mistakes
SELECT * FROM repeat_purchase_distribution(NULL, 'customer_id', 'ordered_at', 'amount', '2024-10-07');
SELECT * FROM repeat_purchase_distribution('orders', 'customer_id', 'ordered_at', 'amount', '2024-10-07', '{"model": "gamma_gamma"}');
SELECT * FROM repeat_purchase_distribution('orders', 'customer_id', 'ordered_at', 'amount', '2024-10-07', '{"max_bucket": 0}');
SELECT * FROM repeat_purchase_distribution('orders', 'customer_id', 'ordered_at', 'amount', '2024-10-07', '{"max_bucket": "x"}');
SELECT * FROM repeat_purchase_distribution('orders', 'customer_id', 'ordered_at', 'amount', '2024-10-07', '{"bins": 3}');
SELECT * FROM repeat_purchase_distribution('orders', 'customer_id', 'amount', 'amount', '2024-10-07');

-- frequency x recency: the grid, P(alive) in [0, 1], rising with recency
SELECT count(*) AS cells, min(frequency) AS min_f, max(frequency) AS max_f, max(recency) AS max_r, min(t) = max(t) AS one_t,
       bool_and(p_alive BETWEEN 0 AND 1) AS p_alive_ok, bool_and(expected_purchases >= 0) AS expected_ok
FROM frequency_recency_matrix('orders', 'customer_id', 'ordered_at', 'amount', '2024-10-07',
                              '{"model": "bgnbd", "unit": "7 days", "t": 40, "max_frequency": 10}');
SELECT frequency, recency, round(p_alive::numeric, 4) AS p_alive, round(expected_purchases::numeric, 4) AS expected
FROM frequency_recency_matrix('orders', 'customer_id', 'ordered_at', 'amount', '2024-10-07',
                              '{"model": "bgnbd", "unit": "7 days", "t": 40, "max_frequency": 2, "recency_step": 20}');
-- the default unit is the period (1 day): the same grid in days (t, recency
-- and horizon times 7) gives the same numbers up to the fit's tolerance
SELECT bool_and(d.frequency = w.frequency AND abs(d.recency - 7 * w.recency) < 1e-9 AND d.t = 280
                AND abs(d.p_alive - w.p_alive) < 1e-4
                AND abs(d.expected_purchases - w.expected_purchases) < 1e-4) AS same, count(*) AS cells
FROM frequency_recency_matrix('orders', 'customer_id', 'ordered_at', 'amount', '2024-10-07',
                              '{"model": "bgnbd", "t": 280, "max_frequency": 2, "recency_step": 140, "horizon": 7}')
     WITH ORDINALITY AS d
JOIN frequency_recency_matrix('orders', 'customer_id', 'ordered_at', 'amount', '2024-10-07',
                              '{"model": "bgnbd", "unit": "7 days", "t": 40, "max_frequency": 2, "recency_step": 20}')
     WITH ORDINALITY AS w USING (ordinality);
-- P(alive) never falls as recency grows at a fixed frequency, for every model
SELECT m.model, bool_and(d.ok) AS monotone
FROM unnest(ARRAY['bgnbd', 'mbgnbd', 'pareto_nbd']) AS m(model),
     LATERAL (SELECT p_alive >= lag(p_alive, 1, 0::float8) OVER (PARTITION BY frequency ORDER BY recency) - 1e-12 AS ok
              FROM frequency_recency_matrix('orders', 'customer_id', 'ordered_at', 'amount', '2024-10-07',
                                            jsonb_build_object('model', m.model))) AS d
GROUP BY m.model ORDER BY m.model;
-- the defaults: t = the oldest customer's age (in days, the default unit),
-- frequencies to the largest seen
SELECT max(frequency) AS max_f, round(max(t)::numeric, 3) AS t
FROM frequency_recency_matrix('orders', 'customer_id', 'ordered_at', 'amount', '2024-10-07');
-- mistakes
SELECT * FROM frequency_recency_matrix('orders', 'customer_id', 'ordered_at', 'amount', '2024-10-07', '{"t": "39"}');
SELECT * FROM frequency_recency_matrix('orders', 'customer_id', 'ordered_at', 'amount', '2024-10-07', '{"t": 0}');
SELECT * FROM frequency_recency_matrix('orders', 'customer_id', 'ordered_at', 'amount', '2024-10-07', '{"max_frequency": 2.5}');
SELECT * FROM frequency_recency_matrix('orders', 'customer_id', 'ordered_at', 'amount', '2024-10-07',
                                       '{"max_frequency": 1000, "t": 1000, "recency_step": 0.5}');
SELECT * FROM frequency_recency_matrix('no_orders', 'customer_id', 'ordered_at', 'amount', '2024-10-07');
SELECT * FROM frequency_recency_matrix('orders', 'customer_id', 'ordered_at', 'amount', NULL);

-- the right to object: customers in option exclude_customers are left out of
-- the profiles the model is fitted on and of the observed counts; the result
-- is the one over the orders without theirs (customer 7 buys every week, 8
-- only once; 5000 never ordered)
CREATE TABLE objections (id bigint, reason text);
INSERT INTO objections VALUES (7, 'art. 21'), (8, 'art. 21'), (5000, 'never ordered');
CREATE VIEW objection_ids AS SELECT id FROM objections;
CREATE TABLE orders_kept AS SELECT * FROM orders WHERE customer_id IS NULL OR customer_id NOT IN (7, 8);
SELECT count(DISTINCT customer_id) AS customers_kept FROM orders_kept;
SELECT m.model, x.name, bool_and(d.observed = k.observed) AS same_observed,
       bool_and(abs(d.expected - k.expected) < 1e-9) AS same_expected,
       sum(d.observed) AS observed, sum(a.observed) - sum(d.observed) AS left_out
FROM unnest(ARRAY['bgnbd', 'mbgnbd', 'pareto_nbd']) AS m(model),
     unnest(ARRAY['objections', 'test_diag.objection_ids']) AS x(name),
     LATERAL repeat_purchase_distribution('orders', 'customer_id', 'ordered_at', 'amount', '2024-10-07',
                                          jsonb_build_object('model', m.model, 'exclude_customers', x.name)) AS d
     JOIN LATERAL repeat_purchase_distribution('orders_kept', 'customer_id', 'ordered_at', 'amount', '2024-10-07',
                                               jsonb_build_object('model', m.model)) AS k USING (bucket)
     JOIN LATERAL repeat_purchase_distribution('orders', 'customer_id', 'ordered_at', 'amount', '2024-10-07',
                                               jsonb_build_object('model', m.model)) AS a USING (bucket)
GROUP BY m.model, x.name ORDER BY m.model, x.name;
SELECT m.model, bool_and(d.frequency = k.frequency AND d.recency = k.recency AND d.t = k.t
                         AND abs(d.p_alive - k.p_alive) < 1e-9
                         AND abs(d.expected_purchases - k.expected_purchases) < 1e-9) AS same,
       count(*) AS cells, count(k.*) AS cells_kept
FROM unnest(ARRAY['bgnbd', 'mbgnbd', 'pareto_nbd']) AS m(model),
     LATERAL frequency_recency_matrix('orders', 'customer_id', 'ordered_at', 'amount', '2024-10-07',
                                      jsonb_build_object('model', m.model, 'recency_step', 28, 'exclude_customers', 'objections'))
             WITH ORDINALITY AS d
     LEFT JOIN LATERAL frequency_recency_matrix('orders_kept', 'customer_id', 'ordered_at', 'amount', '2024-10-07',
                                                jsonb_build_object('model', m.model, 'recency_step', 28))
             WITH ORDINALITY AS k USING (ordinality)
GROUP BY m.model ORDER BY m.model;
-- a bad name: the same errors as backtest's
SELECT * FROM repeat_purchase_distribution('orders', 'customer_id', 'ordered_at', 'amount', '2024-10-07',
                                           '{"exclude_customers": "no_such_table"}');
SELECT * FROM frequency_recency_matrix('orders', 'customer_id', 'ordered_at', 'amount', '2024-10-07',
                                       '{"exclude_customers": "no_such_table"}');
SELECT * FROM backtest('orders', 'customer_id', 'ordered_at', 'amount', '2024-07-01', '2024-10-07',
                       '{"exclude_customers": "no_such_table"}');
SELECT * FROM repeat_purchase_distribution('orders', 'customer_id', 'ordered_at', 'amount', '2024-10-07',
                                           '{"exclude_customers": 7}');
SELECT * FROM frequency_recency_matrix('orders', 'customer_id', 'ordered_at', 'amount', '2024-10-07',
                                       '{"exclude_customers": "objections", "bins": 3}');

RESET search_path;
DROP SCHEMA test_diag CASCADE;
