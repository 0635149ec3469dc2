-- Model diagnostics on CDNOW: calibration to 1997-09-30, days merged,
-- weekly unit.  The repeat-purchase histogram of the 2,357 customers
-- (observed: 1,411 without a repeat purchase, 64 with 7 or more) against
-- the fitted models' expected counts, which add up to the customers.
-- Skips (with a visible message) when ../shared/data/cdnow is not beside the project.
\set have_cdnow `test -r ../shared/data/cdnow/CDNOW_sample.txt && echo 1 || echo 0`
\if :have_cdnow
\else
\echo SKIP: CDNOW sample not found at ../shared/data/cdnow/CDNOW_sample.txt
\quit
\endif
CREATE SCHEMA test_diag_cdnow;
SET search_path = test_diag_cdnow, public;
SET TimeZone = 'UTC';
CREATE TABLE cdnow (customer_id int, ordered_on date, cds int, amount numeric);
\copy cdnow FROM PROGRAM 'tr -d ''\r'' < ../shared/data/cdnow/CDNOW_sample.txt | awk ''{print $2 "\t" substr($3,1,4) "-" substr($3,5,2) "-" substr($3,7,2) "\t" $4 "\t" $5}'''

-- BG/NBD: observed vs expected (the expected counts are exact sums of
-- P(X(T) = x) over the customers, not a simulation)
SELECT bucket, repeat_purchases, observed, round(expected::numeric, 1) AS expected
FROM repeat_purchase_distribution('cdnow', 'customer_id', 'ordered_on', 'amount', '1997-09-30', '{"model": "bgnbd"}');
-- every model: the totals
SELECT m.model, sum(d.observed) AS observed, abs(sum(d.expected) - 2357) < 1e-8 AS expected_is_customers,
       round(max(d.expected) FILTER (WHERE d.bucket = 0)::numeric, 1) AS expected_zero
FROM unnest(ARRAY['bgnbd', 'mbgnbd', 'pareto_nbd']) AS m(model),
     LATERAL repeat_purchase_distribution('cdnow', 'customer_id', 'ordered_on', 'amount', '1997-09-30',
                                          jsonb_build_object('model', m.model)) AS d
GROUP BY m.model ORDER BY m.model;

-- P(alive) and expected purchases in the next week at T = 39 weeks
SELECT frequency, recency, round(p_alive::numeric, 3) AS p_alive, round(expected_purchases::numeric, 4) AS expected
FROM frequency_recency_matrix('cdnow', 'customer_id', 'ordered_on', 'amount', '1997-09-30',
                              '{"model": "bgnbd", "unit": "7 days", "t": 39, "max_frequency": 20, "recency_step": 13}')
WHERE frequency IN (0, 1, 5, 20)
ORDER BY frequency, recency;
-- the grid agrees with the scoring functions on the same fitted model
WITH m AS (
    SELECT bgnbd_fit((p).frequency, (p).recency, (p).t, '7 days') AS m
    FROM (SELECT crm_profile(ordered_on, amount, '1997-09-30', '1 day', '7 days') AS p
          FROM cdnow GROUP BY customer_id) s
)
SELECT count(*) AS cells,
       max(abs(g.p_alive - p_alive(g.frequency, g.recency, g.t, m.m))) < 1e-15 AS p_alive_same,
       max(abs(g.expected_purchases - expected_purchases(1.0, g.frequency, g.recency, g.t, m.m))) < 1e-15 AS expected_same
FROM m, frequency_recency_matrix('cdnow', 'customer_id', 'ordered_on', 'amount', '1997-09-30',
                                 '{"model": "bgnbd", "unit": "7 days"}') AS g;

RESET search_path;
DROP SCHEMA test_diag_cdnow CASCADE;
