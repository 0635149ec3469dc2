-- CDNOW reference: the literature's calibration summary from the real order log.
-- Skips (with a visible message) when ../shared/data/cdnow is not beside the project.
\set have_cdnow `test -r ../shared/data/cdnow/CDNOW_sample.txt && echo 1 || echo 0`
\if :have_cdnow
\else
\echo SKIP: CDNOW sample not found at ../shared/data/cdnow/CDNOW_sample.txt
\quit
\endif
CREATE SCHEMA test_cdnow;
SET search_path = test_cdnow, public;
SET TimeZone = 'UTC';
CREATE TABLE cdnow (customer_id int, ordered_on date, cds int, amount numeric);
\copy cdnow FROM PROGRAM 'tr -d ''\r'' < ../shared/data/cdnow/CDNOW_sample.txt | awk ''{print $2 "\t" substr($3,1,4) "-" substr($3,5,2) "-" substr($3,7,2) "\t" $4 "\t" $5}'''
SELECT count(*) AS orders, count(DISTINCT customer_id) AS customers FROM cdnow;

CREATE TABLE cdnow_profile AS
SELECT customer_id,
       crm_profile(ordered_on::timestamp AT TIME ZONE 'UTC', amount,
                   '1997-09-30 00:00+00', '1 day', '7 days') AS p
FROM cdnow GROUP BY customer_id;

-- 2,357 customers, 946 with a repeat purchase, sum of frequency 2,457
SELECT count(*) AS customers, count(*) FILTER (WHERE (p).frequency > 0) AS repeaters,
       sum((p).frequency) AS sum_frequency
FROM cdnow_profile;

-- customer 1: frequency 2, recency 30.43 weeks, T 38.86 weeks, monetary 22.345
SELECT (p).frequency = 2 AS frequency_ok,
       abs((p).recency - 30.428571) < 1e-5 AS recency_ok,
       abs((p).t - 38.857143) < 1e-5 AS t_ok,
       abs((p).monetary - 22.345) < 1e-9 AS monetary_ok
FROM cdnow_profile WHERE customer_id = 1;

-- T is the same 39-week calibration window for everyone: first purchases in 1997 Q1
SELECT min((p).t) >= 26 AND max((p).t) <= 39 AS t_range_ok FROM cdnow_profile;

-- RFM over the calibration profiles: every customer gets a cell and a segment
WITH b AS (SELECT rfm_breaks((p).recency_days, (p).frequency, (p).monetary) b FROM cdnow_profile)
SELECT count(*) AS scored, count(*) FILTER (WHERE (s).segment IS NULL) AS without_segment
FROM (SELECT rfm_score((p).recency_days, (p).frequency, (p).monetary, b) s FROM cdnow_profile, b) x;
