-- prediction_interval_check on CDNOW: BG/NBD calibrated to 1997-09-30,
-- holdout to 1998-06-30 (39 weeks), days merged, weekly unit.  At 80% the
-- holdout count of 92.8% of the customers lies in their interval (the model
-- expects 94.4%), at 90% 94.7% (96.0%).
-- Skips (with a visible message) when ../shared/data/cdnow is not beside the project.
\set have_cdnow `test -r ../shared/data/cdnow/CDNOW_sample.txt && echo 1 || echo 0`
\if :have_cdnow
\else
\echo SKIP: CDNOW sample not found at ../shared/data/cdnow/CDNOW_sample.txt
\quit
\endif
CREATE SCHEMA test_predictive_cdnow;
SET search_path = test_predictive_cdnow, public;
SET TimeZone = 'UTC';
CREATE TABLE cdnow (customer_id int, ordered_on date, cds int, amount numeric);
\copy cdnow FROM PROGRAM 'tr -d ''\r'' < ../shared/data/cdnow/CDNOW_sample.txt | awk ''{print $2 "\t" substr($3,1,4) "-" substr($3,5,2) "-" substr($3,7,2) "\t" $4 "\t" $5}'''
SELECT level, customers, inside, round((100 * share_inside)::numeric, 1) AS pct_inside,
       round((100 * expected_share)::numeric, 1) AS pct_expected
FROM prediction_interval_check('cdnow', 'customer_id', 'ordered_on', 'amount', '1997-09-30', '1998-06-30',
                               '{"period": "1 day", "unit": "7 days", "model": "bgnbd"}');
-- option levels, in the order given; every level's expected share is at least the level
SELECT level, customers, inside, expected_share >= level AS discrete_excess
FROM prediction_interval_check('cdnow', 'customer_id', 'ordered_on', 'amount', '1997-09-30', '1998-06-30',
                               '{"model": "pareto_nbd", "levels": [0.99, 0.6]}');
-- option mistakes
\set VERBOSITY sqlstate
SELECT * FROM prediction_interval_check('cdnow', 'customer_id', 'ordered_on', 'amount', '1997-09-30', '1998-06-30',
                                        '{"levels": [1]}');
SELECT * FROM prediction_interval_check('cdnow', 'customer_id', 'ordered_on', 'amount', '1997-09-30', '1998-06-30',
                                        '{"levels": 0.9}');
SELECT * FROM prediction_interval_check('cdnow', 'customer_id', 'ordered_on', 'amount', '1997-09-30', '1998-06-30',
                                        '{"level": [0.9]}');
SELECT * FROM prediction_interval_check('cdnow', 'customer_id', 'ordered_on', 'amount', '1998-06-30', '1997-09-30');
SELECT * FROM prediction_interval_check('cdnow', NULL, 'ordered_on', 'amount', '1997-09-30', '1998-06-30');
\set VERBOSITY default
DROP SCHEMA test_predictive_cdnow CASCADE;
