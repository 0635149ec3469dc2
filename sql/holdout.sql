-- holdout_by_frequency and backtest_compare on CDNOW: calibration to
-- 1997-09-30, holdout to 1998-06-30 (39 weeks), days merged, weekly unit.
-- The BG/NBD rows are the literature's calibration-vs-holdout check
-- (bucket 0: 1,411 customers, 0.237 actual, 0.225 forecast; 7+: 64, 6.359,
-- 6.157; all: 2,357, 0.798, 0.701).
-- Skips (with a visible message) when ../shared/data/cdnow is not beside the project.
\set have_cdnow `test -r ../shared/data/cdnow/CDNOW_sample.txt && echo 1 || echo 0`
\if :have_cdnow
\else
\echo SKIP: CDNOW sample not found at ../shared/data/cdnow/CDNOW_sample.txt
\quit
\endif
CREATE SCHEMA test_holdout;
SET search_path = test_holdout, public;
SET TimeZone = 'UTC';
CREATE TABLE cdnow (customer_id int, ordered_on date, cds int, amount numeric);
\copy cdnow FROM PROGRAM 'tr -d ''\r'' < ../shared/data/cdnow/CDNOW_sample.txt | awk ''{print $2 "\t" substr($3,1,4) "-" substr($3,5,2) "-" substr($3,7,2) "\t" $4 "\t" $5}'''

-- BG/NBD: the reference values, to 3 decimals
SELECT frequency_bucket, customers, round(actual_mean::numeric, 3) AS actual, round(forecast_mean::numeric, 3) AS forecast
FROM holdout_by_frequency('cdnow', 'customer_id', 'ordered_on', 'amount', '1997-09-30', '1998-06-30',
                          '{"period": "1 day", "unit": "7 days", "model": "bgnbd"}');
-- Pareto/NBD (the default) and MBG/NBD
SELECT frequency_bucket, customers, round(actual_mean::numeric, 3) AS actual, round(forecast_mean::numeric, 3) AS forecast
FROM holdout_by_frequency('cdnow', 'customer_id', 'ordered_on', 'amount', '1997-09-30', '1998-06-30');
SELECT frequency_bucket, customers, round(actual_mean::numeric, 3) AS actual, round(forecast_mean::numeric, 3) AS forecast
FROM holdout_by_frequency('cdnow', 'customer_id', 'ordered_on', 'amount', '1997-09-30', '1998-06-30',
                          '{"model": "mbgnbd"}');
-- the default is pareto_nbd
SELECT count(*) AS differ
FROM holdout_by_frequency('cdnow', 'customer_id', 'ordered_on', 'amount', '1997-09-30', '1998-06-30') AS d
FULL JOIN holdout_by_frequency('cdnow', 'customer_id', 'ordered_on', 'amount', '1997-09-30', '1998-06-30',
                               '{"model": "pareto_nbd"}') AS p USING (frequency_bucket)
WHERE d.customers IS DISTINCT FROM p.customers OR d.forecast_mean IS DISTINCT FROM p.forecast_mean;
-- the forecast does not depend on the unit the model is fitted in (the fit
-- rescales): days (the default unit, the period) instead of weeks, within
-- the fit's tolerance
SELECT bool_and(abs(d.forecast_mean - w.forecast_mean) <= 1e-4 * w.forecast_mean) AS unit_free
FROM holdout_by_frequency('cdnow', 'customer_id', 'ordered_on', 'amount', '1997-09-30', '1998-06-30',
                          '{"model": "bgnbd"}') AS d
JOIN holdout_by_frequency('cdnow', 'customer_id', 'ordered_on', 'amount', '1997-09-30', '1998-06-30',
                          '{"model": "bgnbd", "unit": "7 days"}') AS w USING (frequency_bucket);

-- The three models side by side on the same holdout
SELECT purchase_model, customers, holdout_length, actual_purchases,
       round(forecast_purchases::numeric, 1) AS forecast, round(mae::numeric, 3) AS mae,
       round(rmse::numeric, 3) AS rmse, round(brier_p_alive::numeric, 3) AS brier_p_alive,
       round(brier_active::numeric, 3) AS brier_active, round(ll::numeric, 2) AS ll, round(bic::numeric, 1) AS bic,
       converged
FROM backtest_compare('cdnow', 'customer_id', 'ordered_on', 'amount', '1997-09-30', '1998-06-30',
                      '{"period": "1 day", "unit": "7 days"}');
-- the BG/NBD fit of the backtest is the published one
SELECT abs((model::jsonb->>'r')::float8 / 0.2425945 - 1) < 1e-3 AS r_ok,
       abs((model::jsonb->>'alpha')::float8 / 4.4136027 - 1) < 1e-3 AS alpha_ok,
       abs((model::jsonb->>'a')::float8 / 0.7929218 - 1) < 1e-3 AS a_ok,
       abs((model::jsonb->>'b')::float8 / 2.4259057 - 1) < 1e-3 AS b_ok
FROM backtest_compare('cdnow', 'customer_id', 'ordered_on', 'amount', '1997-09-30', '1998-06-30',
                      '{"period": "1 day", "unit": "7 days"}')
WHERE purchase_model = 'bgnbd';
-- the default backtest and tracking are Pareto/NBD's
SELECT round(forecast_purchases::numeric, 1) AS forecast, model IS NULL AS no_bgnbd_model
FROM backtest('cdnow', 'customer_id', 'ordered_on', 'amount', '1997-09-30', '1998-06-30');
SELECT step, step_end, actual_cumulative, round(predicted_cumulative) AS predicted
FROM backtest_tracking('cdnow', 'customer_id', 'ordered_on', 'amount', '1997-09-30', '1998-06-30')
WHERE step % 13 = 0;
