-- Scoring views on CDNOW: the same rows from any session time zone, the
-- default model's evidence (holdout by calibration-frequency bucket, BIC),
-- and one-time buyers not scored immortal.
-- Skips (with a visible message) when ../shared/data/cdnow is not beside the project.
\set have_cdnow `test -r ../shared/data/cdnow/CDNOW_sample.txt && echo 1 || echo 0`
\if :have_cdnow
\else
\echo SKIP: CDNOW sample not found at ../shared/data/cdnow/CDNOW_sample.txt
\quit
\endif
CREATE SCHEMA test_view_cdnow;
SET search_path = test_view_cdnow, public;
SET client_min_messages = error;
CREATE TABLE cdnow (customer_id int, ordered_on date, cds int, amount numeric);
\copy cdnow FROM PROGRAM 'tr -d ''\r'' < ../shared/data/cdnow/CDNOW_sample.txt | awk ''{print $2 "\t" substr($3,1,4) "-" substr($3,5,2) "-" substr($3,7,2) "\t" $4 "\t" $5}'''

-- created from Berlin, read from UTC, Berlin and Los Angeles: a date column
-- is a day of the shop's calendar (UTC by default), whatever the session says
SET TimeZone = 'Europe/Berlin';
SELECT create_scoring_view('cdnow_scores', 'cdnow', 'customer_id', 'ordered_on', 'amount',
                           '{"as_of": "1997-09-30", "unit": "7 days"}');
SELECT create_scoring_view('cdnow_bgnbd', 'cdnow', 'customer_id', 'ordered_on', 'amount',
                           '{"as_of": "1997-09-30", "unit": "7 days", "model": "bgnbd"}');
CREATE TABLE sums (zone text, frequency float8, clv_default numeric, clv_bgnbd numeric, churn_zero_default bigint,
                   churn_zero_bgnbd bigint, one_time bigint);
CREATE FUNCTION read_in(zone text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('TimeZone', zone, true);
    INSERT INTO sums
    SELECT zone, sum(d.frequency), round(sum(d.clv)::numeric), round(sum(b.clv)::numeric),
           count(*) FILTER (WHERE d.frequency = 0 AND d.churn_probability = 0),
           count(*) FILTER (WHERE b.frequency = 0 AND b.churn_probability = 0),
           count(*) FILTER (WHERE d.frequency = 0)
      FROM cdnow_scores d JOIN cdnow_bgnbd b USING (customer_id);
END
$$;
SELECT read_in(z) FROM unnest(ARRAY['UTC', 'Europe/Berlin', 'America/Los_Angeles']) AS z;
SET TimeZone = 'UTC';
SELECT * FROM sums ORDER BY zone;
SELECT DISTINCT model_status, purchase_model FROM cdnow_scores;

-- The evidence for the default: calibration to 1997-09-30, holdout to
-- 1998-06-30 (39 weeks); mean holdout purchases per calibration frequency.
CREATE TABLE cal AS
SELECT * FROM backtest_customers('cdnow', 'customer_id', 'ordered_on', 'amount',
                                 '1997-09-30', '1998-06-30', '1 day', '7 days');
CREATE TABLE fits AS
SELECT bgnbd_fit(frequency, recency, t, '7 days') AS bg, mbgnbd_fit(frequency, recency, t, '7 days') AS mbg,
       pareto_nbd_fit(frequency, recency, t, '7 days') AS pn
FROM cal;
SELECT least(frequency, 7) AS frequency, count(*) AS customers,
       round(avg(holdout_purchases)::numeric, 2) AS actual,
       round(avg(expected_purchases(39, frequency, recency, t, bg))::numeric, 2) AS bgnbd,
       round(avg(expected_purchases(39, frequency, recency, t, mbg))::numeric, 2) AS mbgnbd,
       round(avg(expected_purchases(39, frequency, recency, t, pn))::numeric, 2) AS pareto_nbd
FROM cal, fits GROUP BY 1 ORDER BY 1;
SELECT model, round(bic::numeric) AS bic, round(holdout_forecast::numeric) AS forecast, holdout_actual AS actual,
       round(holdout_mae::numeric, 3) AS mae
FROM btyd_compare('cal', unit => '7 days', holdout_purchases => 'holdout_purchases', holdout_length => '39 weeks');
-- Brier score of P(alive) against "bought in the holdout"
SELECT round(avg((p_alive(frequency, recency, t, bg) - (holdout_purchases > 0)::int) ^ 2)::numeric, 3) AS bgnbd,
       round(avg((p_alive(frequency, recency, t, mbg) - (holdout_purchases > 0)::int) ^ 2)::numeric, 3) AS mbgnbd,
       round(avg((p_alive(frequency, recency, t, pn) - (holdout_purchases > 0)::int) ^ 2)::numeric, 3) AS pareto_nbd
FROM cal, fits;
-- the view's default scores are the Pareto/NBD fit's
SELECT count(*) FILTER (WHERE abs(s.p_alive - p_alive(c.frequency, c.recency, c.t, f.pn)) > 1e-12) AS differ
FROM cdnow_scores s
JOIN (SELECT customer_id, crm_profile(ordered_on::timestamp AT TIME ZONE 'UTC', amount, '1997-09-30 00:00+00', '1 day', '7 days') AS p
        FROM cdnow GROUP BY customer_id) AS q USING (customer_id)
CROSS JOIN LATERAL (SELECT (q.p).frequency, (q.p).recency, (q.p).t) AS c
CROSS JOIN fits AS f;
