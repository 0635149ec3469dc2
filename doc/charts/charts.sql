-- doc/charts/charts.sql — the data of the pictures in doc/img, written as
-- tab-separated files into the directory :data (doc/charts/make_charts.sh).
-- Values are rounded so that the drawn SVG does not depend on the last bits
-- of a float.
SET TimeZone = 'UTC';
CREATE EXTENSION crm_loyalty;
\pset format unaligned
\pset tuples_only on
\pset fieldsep '\t'

\if :have_cdnow
CREATE TABLE cdnow (customer_id int, ordered_on date, cds int, amount numeric);
\copy cdnow FROM PROGRAM 'tr -d ''\r'' < ../shared/data/cdnow/CDNOW_sample.txt | awk ''{print $2 "\t" substr($3,1,4) "-" substr($3,5,2) "-" substr($3,7,2) "\t" $4 "\t" $5}'''

\o :data/tracking.tsv
SELECT 0, 0, 0
UNION ALL
SELECT step, actual_cumulative, round(predicted_cumulative::numeric, 1)
FROM backtest_tracking('cdnow', 'customer_id', 'ordered_on', 'amount', '1997-09-30', '1998-06-30', '{"model": "bgnbd"}');
\o :data/holdout.tsv
SELECT row_number() OVER () - 1, round(actual_mean::numeric, 4), round(forecast_mean::numeric, 4)
FROM holdout_by_frequency('cdnow', 'customer_id', 'ordered_on', 'amount', '1997-09-30', '1998-06-30', '{"model": "bgnbd"}')
WHERE frequency_bucket <> 'all';
\o :data/distribution.tsv
SELECT repeat_purchases, observed, round(expected::numeric, 2)
FROM repeat_purchase_distribution('cdnow', 'customer_id', 'ordered_on', 'amount', '1997-09-30', '{"model": "bgnbd"}');
\o :data/matrix.tsv
SELECT frequency, recency, round(p_alive::numeric, 4)
FROM frequency_recency_matrix('cdnow', 'customer_id', 'ordered_on', 'amount', '1997-09-30',
                              '{"model": "bgnbd", "unit": "7 days", "t": 39, "max_frequency": 25}');
\o
\endif

CREATE TABLE orders AS SELECT * FROM crm_demo_orders(customers => 20000, seed => 1);
\o :data/segments.tsv
WITH profiles AS (
    SELECT crm_profile(ordered_at, amount, '2025-12-31', '1 day', '7 days') AS p
    FROM orders GROUP BY customer_id
), breaks AS (
    SELECT rfm_breaks((p).recency_days, (p).frequency, (p).monetary) AS b FROM profiles
)
SELECT (rfm_score((p).recency_days, (p).frequency, (p).monetary, b)).segment AS segment, count(*)
FROM profiles, breaks
WHERE p IS NOT NULL
GROUP BY 1 ORDER BY 2 DESC, 1;
\o
