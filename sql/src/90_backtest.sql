---------------------------------------------------------------------------
-- Backtest and model comparison
-- Calibrate on the orders up to one date and forecast the holdout; fit the
-- three purchase models on one table and compare them.
---------------------------------------------------------------------------

-- Per calibration customer: BTYD summary at calibration_end and the number
-- of purchase periods in the holdout (after calibration_end's period, up to
-- holdout_end's), both counted exactly as crm_profile counts periods.
-- Customers whose ids are in the first column of exclude_customers (a table
-- or view; NULL for none) are left out.
CREATE FUNCTION backtest_customers(source regclass, customer_column text, ordered_at_column text,
                                   amount_column text, calibration_end timestamptz,
                                   holdout_end timestamptz, period interval, unit interval,
                                   exclude_customers regclass)
RETURNS TABLE (frequency float8, recency float8, t float8, holdout_purchases float8)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    ext text;
    xcol text;
BEGIN
    IF source IS NULL OR customer_column IS NULL OR ordered_at_column IS NULL
       OR amount_column IS NULL OR calibration_end IS NULL OR holdout_end IS NULL
       OR period IS NULL OR unit IS NULL THEN
        RAISE EXCEPTION 'backtest: arguments must not be NULL' USING ERRCODE = '22004';
    END IF;
    PERFORM @extschema@.check_columns('backtest', source, ARRAY[customer_column, ordered_at_column, amount_column],
                                      ARRAY['any', 'time', 'number']);
    IF @extschema@.period_start(holdout_end, period) <= @extschema@.period_start(calibration_end, period) THEN
        RAISE EXCEPTION 'backtest: holdout_end (%) must fall in a later period than calibration_end (%)',
                        holdout_end, calibration_end
            USING ERRCODE = '22023';
    END IF;
    SELECT quote_ident(n.nspname) INTO ext
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'crm_loyalty';
    IF exclude_customers IS NOT NULL THEN
        SELECT a.attname INTO xcol FROM pg_attribute AS a
         WHERE a.attrelid = exclude_customers AND a.attnum > 0 AND NOT a.attisdropped
         ORDER BY a.attnum LIMIT 1;
    END IF;
    RETURN QUERY EXECUTE format($q$
        SELECT (c).frequency, (c).recency, (c).t, ((h).periods - (c).periods)::float8
          FROM (SELECT %1$s.crm_profile(o.%3$I, o.%4$I::numeric, $1, $3, $4) AS c,
                       %1$s.crm_profile(o.%3$I, o.%4$I::numeric, $2, $3, $4) AS h
                  FROM %5$s AS o
                 WHERE o.%2$I IS NOT NULL%6$s
                 GROUP BY o.%2$I) AS s
         WHERE c IS NOT NULL$q$,
        ext, customer_column, ordered_at_column, amount_column, source,
        CASE WHEN exclude_customers IS NULL THEN ''
             ELSE format(E'\n                   AND NOT EXISTS (SELECT 1 FROM %s AS x WHERE x.%I = o.%I)',
                         exclude_customers, xcol, customer_column) END)
        USING calibration_end, holdout_end, period, unit;
END
$$;
COMMENT ON FUNCTION backtest_customers(regclass, text, text, text, timestamptz, timestamptz, interval, interval, regclass) IS
'Calibration summaries (frequency, recency, t) and holdout purchase periods of every customer first seen by calibration_end, except those whose ids are in the first column of exclude_customers';

CREATE FUNCTION backtest_customers(source regclass, customer_column text, ordered_at_column text,
                                   amount_column text, calibration_end timestamptz,
                                   holdout_end timestamptz, period interval, unit interval)
RETURNS TABLE (frequency float8, recency float8, t float8, holdout_purchases float8)
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
SELECT * FROM @extschema@.backtest_customers(source, customer_column, ordered_at_column, amount_column,
                                             calibration_end, holdout_end, period, unit, NULL::regclass)
$$;
COMMENT ON FUNCTION backtest_customers(regclass, text, text, text, timestamptz, timestamptz, interval, interval) IS
'Calibration summaries (frequency, recency, t) and holdout purchase periods of every customer first seen by calibration_end';

-- The work of backtest and backtest_compare: one row per purchase model in
-- models (in that order), each fitted on the same calibration profiles and
-- scored against the same holdout.  Scores are computed once per distinct
-- (frequency, recency, t) and joined back to the customers.
CREATE FUNCTION backtest_run(caller text, source regclass, customer_column text, ordered_at_column text,
                             amount_column text, calibration_end timestamptz, holdout_end timestamptz,
                             period interval, unit interval, models text[], exclude_customers regclass)
RETURNS TABLE (purchase_model text, customers bigint, holdout_length float8,
               actual_purchases float8, forecast_purchases float8, forecast_error float8,
               mae float8, rmse float8, brier_p_alive float8, brier_active float8, model text)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    h     float8;
    ext   text;
    k     text;
    fits  text := '';
    per   text := '';
BEGIN
    IF source IS NULL OR customer_column IS NULL OR ordered_at_column IS NULL
       OR amount_column IS NULL OR calibration_end IS NULL OR holdout_end IS NULL
       OR period IS NULL OR unit IS NULL THEN
        RAISE EXCEPTION '%: arguments must not be NULL', caller USING ERRCODE = '22004';
    END IF;
    IF models IS NULL OR cardinality(models) = 0
       OR EXISTS (SELECT 1 FROM unnest(models) AS x WHERE x IS NULL OR x NOT IN ('pareto_nbd', 'mbgnbd', 'bgnbd')) THEN
        RAISE EXCEPTION '%: unknown model in %', caller, models
            USING ERRCODE = '22023', HINT = 'The purchase models are pareto_nbd, mbgnbd and bgnbd.';
    END IF;
    PERFORM @extschema@.check_columns(caller, source, ARRAY[customer_column, ordered_at_column, amount_column],
                                      ARRAY['any', 'time', 'number']);
    IF @extschema@.period_start(holdout_end, period) <= @extschema@.period_start(calibration_end, period) THEN
        RAISE EXCEPTION '%: holdout_end (%) must fall in a later period than calibration_end (%)',
                        caller, holdout_end, calibration_end
            USING ERRCODE = '22023', HINT = format('Periods are %s long; end the holdout in a later one.', period);
    END IF;
    h := extract(epoch FROM @extschema@.period_start(holdout_end, period)
                          - @extschema@.period_start(calibration_end, period))
         / extract(epoch FROM unit);
    SELECT quote_ident(n.nspname) INTO ext
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'crm_loyalty';
    FOREACH k IN ARRAY models LOOP
        fits := fits || format($f$,
    fit_%1$s AS MATERIALIZED (
        SELECT %2$s.%1$s_fit(c.frequency, c.recency, c.t, $8) AS pm FROM c
    )$f$, k, ext);
        -- LEFT JOIN: a model row even when there is no customer to score
        per := per || CASE WHEN per = '' THEN '' ELSE E'\n        UNION ALL' END || format($f$
        SELECT %1$L::text AS purchase_model, f.pm::text AS model, cs.frequency, cs.recency, cs.t,
               %2$s.expected_purchases($9, cs.frequency, cs.recency, cs.t, f.pm) AS predicted,
               %2$s.p_alive(cs.frequency, cs.recency, cs.t, f.pm) AS alive,
               1.0 - %2$s.p_no_purchase(cs.frequency, cs.recency, cs.t, f.pm, $10) AS buys
          FROM fit_%1$s AS f LEFT JOIN cells AS cs ON true$f$, k, ext);
    END LOOP;
    RETURN QUERY EXECUTE format($q$
    WITH c AS MATERIALIZED (
        SELECT * FROM %1$s.backtest_customers($1, $2, $3, $4, $5, $6, $7, $8, $12)
    ), cells AS MATERIALIZED (
        SELECT c.frequency, c.recency, c.t FROM c GROUP BY 1, 2, 3
    )%2$s,
    per AS (%3$s
    )
    SELECT p.purchase_model,
           count(c.t),
           $9,
           sum(c.holdout_purchases),
           sum(p.predicted),
           (sum(p.predicted) - sum(c.holdout_purchases)) / nullif(sum(c.holdout_purchases), 0),
           avg(abs(p.predicted - c.holdout_purchases)),
           sqrt(avg((p.predicted - c.holdout_purchases) ^ 2)),
           avg((p.alive - (c.holdout_purchases > 0)::int) ^ 2),
           avg((p.buys - (c.holdout_purchases > 0)::int) ^ 2),
           min(p.model)
      FROM per AS p
      LEFT JOIN c ON c.frequency = p.frequency AND c.recency = p.recency AND c.t = p.t
     GROUP BY p.purchase_model
     ORDER BY array_position($11, p.purchase_model)$q$, ext, fits, per)
    USING source, customer_column, ordered_at_column, amount_column, calibration_end, holdout_end,
          period, unit, h, (h * extract(epoch FROM unit)) * interval '1 second', models, exclude_customers;
END
$$;
COMMENT ON FUNCTION backtest_run(text, regclass, text, text, text, timestamptz, timestamptz, interval, interval, text[], regclass) IS
'Does the work of backtest and backtest_compare: per purchase model, fitted on the calibration profiles (without the customers in exclude_customers), the holdout totals, MAE, RMSE, Brier scores and the fitted model''s text';

CREATE FUNCTION backtest_run(caller text, source regclass, customer_column text, ordered_at_column text,
                             amount_column text, calibration_end timestamptz, holdout_end timestamptz,
                             period interval, unit interval, models text[])
RETURNS TABLE (purchase_model text, customers bigint, holdout_length float8,
               actual_purchases float8, forecast_purchases float8, forecast_error float8,
               mae float8, rmse float8, brier_p_alive float8, brier_active float8, model text)
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
SELECT * FROM @extschema@.backtest_run(caller, source, customer_column, ordered_at_column, amount_column,
                                       calibration_end, holdout_end, period, unit, models, NULL::regclass)
$$;
COMMENT ON FUNCTION backtest_run(text, regclass, text, text, text, timestamptz, timestamptz, interval, interval, text[]) IS
'Does the work of backtest and backtest_compare: per purchase model, fitted on the calibration profiles, the holdout totals, MAE, RMSE, Brier scores and the fitted model''s text';

-- backtest: {"model": "pareto_nbd" | "mbgnbd" | "bgnbd"}, default pareto_nbd.
-- Its result columns are those of 0.3.0 (a view may select from it); the
-- column model holds the fitted model when it is a BG/NBD one, NULL for the
-- other two.  backtest_compare reports every model with its kind and text.
CREATE FUNCTION backtest(source regclass, customer_column text, ordered_at_column text,
                         amount_column text, calibration_end timestamptz, holdout_end timestamptz,
                         options jsonb DEFAULT '{}')
RETURNS TABLE (customers bigint, unit interval, holdout_length float8,
               actual_purchases float8, forecast_purchases float8, forecast_error float8,
               mae float8, rmse float8, brier_p_alive float8, brier_active float8,
               model bgnbd_model)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    o record;
    x record;
BEGIN
    o := @extschema@.analyst_options('backtest', options, ARRAY['model', 'period', 'unit', 'exclude_customers'], NULL);
    IF o.error_code IS NOT NULL THEN
        RAISE EXCEPTION '%', o.error_message USING ERRCODE = o.error_code, HINT = o.error_hint;
    END IF;
    x := @extschema@.excluded_customers('backtest', options, source, customer_column);
    RETURN QUERY
    SELECT r.customers, o.unit, r.holdout_length, r.actual_purchases, r.forecast_purchases,
           r.forecast_error, r.mae, r.rmse, r.brier_p_alive, r.brier_active,
           CASE WHEN r.purchase_model = 'bgnbd' THEN r.model::@extschema@.bgnbd_model END
      FROM @extschema@.backtest_run('backtest', source, customer_column, ordered_at_column, amount_column,
                                    calibration_end, holdout_end, o.period, o.unit, ARRAY[o.model], x.rel) AS r;
END
$$;
COMMENT ON FUNCTION backtest(regclass, text, text, text, timestamptz, timestamptz, jsonb) IS
'Fits a purchase model (option model: pareto_nbd, the default, mbgnbd or bgnbd) on the orders up to calibration_end and scores its holdout forecast: totals, MAE, RMSE, Brier scores; column model is set for bgnbd only (backtest_compare returns every kind)';

CREATE FUNCTION backtest_compare(source regclass, customer_column text, ordered_at_column text,
                                 amount_column text, calibration_end timestamptz, holdout_end timestamptz,
                                 options jsonb DEFAULT '{}')
RETURNS TABLE (purchase_model text, customers bigint, unit interval, holdout_length float8,
               actual_purchases float8, forecast_purchases float8, forecast_error float8,
               mae float8, rmse float8, brier_p_alive float8, brier_active float8,
               ll float8, bic float8, converged boolean, model text)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    o record;
    x record;
BEGIN
    IF jsonb_typeof(options) = 'object' AND options ? 'model' THEN
        RAISE EXCEPTION 'backtest_compare: unknown option(s) model'
            USING ERRCODE = '22023',
                  DETAIL = 'backtest_compare reports every purchase model side by side.',
                  HINT = 'Known options: period, unit, exclude_customers. For one model, call backtest() with {"model": "..."}.';
    END IF;
    o := @extschema@.analyst_options('backtest_compare', options, ARRAY['period', 'unit', 'exclude_customers'], NULL);
    IF o.error_code IS NOT NULL THEN
        RAISE EXCEPTION '%', o.error_message USING ERRCODE = o.error_code, HINT = o.error_hint;
    END IF;
    x := @extschema@.excluded_customers('backtest_compare', options, source, customer_column);
    RETURN QUERY
    SELECT r.purchase_model, r.customers, o.unit, r.holdout_length, r.actual_purchases, r.forecast_purchases,
           r.forecast_error, r.mae, r.rmse, r.brier_p_alive, r.brier_active,
           (j->>'ll')::float8,
           -- free parameters: the numbers of the model but ll and n (a
           -- limit model has fewer, e.g. only lambda)
           (SELECT count(*) FROM jsonb_each(j) AS e
             WHERE jsonb_typeof(e.value) = 'number' AND e.key NOT IN ('ll', 'n')) * ln((j->>'n')::float8)
             - 2 * (j->>'ll')::float8,
           (j->>'converged')::boolean,
           r.model
      FROM @extschema@.backtest_run('backtest_compare', source, customer_column, ordered_at_column, amount_column,
                                    calibration_end, holdout_end, o.period, o.unit,
                                    ARRAY['pareto_nbd', 'mbgnbd', 'bgnbd'], x.rel) AS r
      LEFT JOIN LATERAL (SELECT r.model::jsonb AS j) AS x ON true;
END
$$;
COMMENT ON FUNCTION backtest_compare(regclass, text, text, text, timestamptz, timestamptz, jsonb) IS
'Fits each purchase model (pareto_nbd, mbgnbd, bgnbd) on the orders up to calibration_end and scores their holdout forecasts side by side: totals, MAE, RMSE, Brier scores, log-likelihood, BIC and the fitted model';

CREATE FUNCTION backtest_tracking(source regclass, customer_column text, ordered_at_column text,
                                  amount_column text, calibration_end timestamptz,
                                  holdout_end timestamptz, options jsonb DEFAULT '{}')
RETURNS TABLE (step integer, step_end timestamptz, actual_cumulative float8,
               predicted_cumulative float8)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    o       record;
    x       record;
    xsql    text := '';
    stepiv  interval := '7 days';
    cal_ps  timestamptz;
    hold_ps timestamptz;
    step_s  float8;
    h_s     float8;
    nsteps  integer;
    ext     text;
BEGIN
    o := @extschema@.analyst_options('backtest_tracking', options,
                                     ARRAY['model', 'period', 'unit', 'step', 'exclude_customers'], NULL);
    IF o.error_code IS NOT NULL THEN
        RAISE EXCEPTION '%', o.error_message USING ERRCODE = o.error_code, HINT = o.error_hint;
    END IF;
    IF options ? 'step' THEN
        IF jsonb_typeof(options->'step') <> 'string' THEN
            RAISE EXCEPTION 'backtest_tracking: step must be a positive fixed length of time given as a string'
                USING ERRCODE = '22023', HINT = 'E.g. {"step": "7 days"}.';
        END IF;
        stepiv := (options->>'step')::interval;
    END IF;
    step_s := extract(epoch FROM stepiv);
    IF step_s IS NULL OR step_s <= 0 OR date_part('month', stepiv) <> 0 OR date_part('year', stepiv) <> 0 THEN
        RAISE EXCEPTION 'backtest_tracking: step must be a positive fixed length of time'
            USING ERRCODE = '22023', HINT = 'E.g. {"step": "7 days"}.';
    END IF;
    IF source IS NULL OR customer_column IS NULL OR ordered_at_column IS NULL
       OR amount_column IS NULL OR calibration_end IS NULL OR holdout_end IS NULL THEN
        RAISE EXCEPTION 'backtest_tracking: arguments must not be NULL' USING ERRCODE = '22004';
    END IF;
    PERFORM @extschema@.check_columns('backtest_tracking', source,
                                      ARRAY[customer_column, ordered_at_column, amount_column],
                                      ARRAY['any', 'time', 'number']);
    x := @extschema@.excluded_customers('backtest_tracking', options, source, customer_column);
    IF x.rel IS NOT NULL THEN
        xsql := format(E'\n               AND NOT EXISTS (SELECT 1 FROM %s AS x WHERE x.%I = o.%I)',
                       x.rel, x.id_column, customer_column);
    END IF;
    cal_ps := @extschema@.period_start(calibration_end, o.period);
    hold_ps := @extschema@.period_start(holdout_end, o.period);
    h_s := extract(epoch FROM hold_ps - cal_ps);
    nsteps := ceil(h_s / step_s)::integer;
    SELECT quote_ident(n.nspname) INTO ext
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'crm_loyalty';
    RETURN QUERY EXECUTE format($q$
        WITH c AS (
            SELECT * FROM %1$s.backtest_customers($1, $2, $3, $4, $5, $6, $7, $8, $14)
        ), cells AS MATERIALIZED (
            SELECT c.frequency, c.recency, c.t, count(*) AS k FROM c GROUP BY 1, 2, 3
        ), m AS MATERIALIZED (
            -- fitted once, not once per step
            SELECT %1$s.%6$s_fit(c.frequency, c.recency, c.t, $8) AS pm FROM c
        ), calib AS (
            -- customers with a purchase up to calibration_end's period
            SELECT DISTINCT o.%2$I AS cust
              FROM %5$s AS o
             WHERE o.%2$I IS NOT NULL
               AND (o.%4$I IS NULL OR o.%4$I >= 0)
               AND %1$s.period_start(o.%3$I, $7) <= $9%7$s
        ), hold AS (
            -- their purchase periods in the holdout, as step numbers
            SELECT ceil(extract(epoch FROM %1$s.period_start(o.%3$I, $7) - $9) / $11)::integer AS step
              FROM %5$s AS o JOIN calib ON calib.cust = o.%2$I
             WHERE %1$s.period_start(o.%3$I, $7) > $9
               AND %1$s.period_start(o.%3$I, $7) <= $10
             GROUP BY o.%2$I, %1$s.period_start(o.%3$I, $7)
            HAVING bool_or(o.%4$I IS NULL OR o.%4$I >= 0)
        ), steps AS (
            SELECT g AS step, least(g * $11, $12) AS horizon_s FROM generate_series(1, $13) AS g
        )
        SELECT s.step,
               $9 + s.horizon_s * interval '1 second',
               (SELECT count(*) FROM hold WHERE hold.step <= s.step)::float8,
               (SELECT sum(cells.k * %1$s.expected_purchases(s.horizon_s / extract(epoch FROM $8),
                                                             cells.frequency, cells.recency, cells.t, m.pm))
                  FROM cells CROSS JOIN m)
          FROM steps AS s
         ORDER BY s.step$q$,
        ext, customer_column, ordered_at_column, amount_column, source, o.model, xsql)
        USING source, customer_column, ordered_at_column, amount_column, calibration_end, holdout_end,
              o.period, o.unit, cal_ps, hold_ps, step_s, h_s, nsteps, x.rel;
END
$$;
COMMENT ON FUNCTION backtest_tracking(regclass, text, text, text, timestamptz, timestamptz, jsonb) IS
'Cumulative holdout purchases, actual vs the forecast of a purchase model (option model, default pareto_nbd), per step (default weekly) after calibration_end';

-- holdout_by_frequency: calibration vs holdout by calibration frequency.
-- The literature's check of a purchase model (Fader, Hardie & Lee 2005,
-- figure 4): customers grouped by their number of repeat purchases in the
-- calibration period, and per group the mean number of repeat purchases they
-- made in the holdout next to the mean the model fitted on the calibration
-- profiles expected over the holdout's length.
CREATE FUNCTION holdout_by_frequency(source regclass, customer_column text, ordered_at_column text,
                                     amount_column text, calibration_end timestamptz, holdout_end timestamptz,
                                     options jsonb DEFAULT '{}')
RETURNS TABLE (frequency_bucket text, customers bigint, actual_mean float8, forecast_mean float8)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    o      record;
    x      record;
    top    integer := 7;
    h      float8;
    ext    text;
BEGIN
    IF source IS NULL OR customer_column IS NULL OR ordered_at_column IS NULL
       OR amount_column IS NULL OR calibration_end IS NULL OR holdout_end IS NULL THEN
        RAISE EXCEPTION 'holdout_by_frequency: arguments must not be NULL'
            USING ERRCODE = '22004', HINT = 'Pass the table, its three column names and both ends; options may be left out.';
    END IF;
    o := @extschema@.analyst_options('holdout_by_frequency', options,
                                     ARRAY['model', 'period', 'unit', 'max_bucket', 'exclude_customers'], NULL);
    IF o.error_code IS NOT NULL THEN
        RAISE EXCEPTION '%', o.error_message USING ERRCODE = o.error_code, HINT = o.error_hint;
    END IF;
    IF options ? 'max_bucket' THEN
        IF jsonb_typeof(options->'max_bucket') NOT IN ('number', 'string')
           OR (options->>'max_bucket') !~ '^\s*[+-]?[0-9]{1,9}\s*$' THEN
            RAISE EXCEPTION 'holdout_by_frequency: option "max_bucket" must be an integer, not %', options->'max_bucket'
                USING ERRCODE = '22023', HINT = 'E.g. {"max_bucket": 7}: buckets 0 to 6 and 7+.';
        END IF;
        top := (options->>'max_bucket')::integer;
        IF top NOT BETWEEN 1 AND 1000 THEN
            RAISE EXCEPTION 'holdout_by_frequency: max_bucket % is out of range', top
                USING ERRCODE = '22003', HINT = 'Use an integer from 1 to 1000 (the last bucket holds that frequency and above).';
        END IF;
    END IF;
    PERFORM @extschema@.check_columns('holdout_by_frequency', source,
                                      ARRAY[customer_column, ordered_at_column, amount_column],
                                      ARRAY['any', 'time', 'number']);
    x := @extschema@.excluded_customers('holdout_by_frequency', options, source, customer_column);
    IF holdout_end <= calibration_end
       OR @extschema@.period_start(holdout_end, o.period) <= @extschema@.period_start(calibration_end, o.period) THEN
        RAISE EXCEPTION 'holdout_by_frequency: holdout_end (%) must fall in a later period than calibration_end (%)',
                        holdout_end, calibration_end
            USING ERRCODE = '22023',
                  HINT = format('The holdout runs from the period after calibration_end''s to holdout_end''s (periods of %s).', o.period);
    END IF;
    h := extract(epoch FROM @extschema@.period_start(holdout_end, o.period)
                          - @extschema@.period_start(calibration_end, o.period))
         / extract(epoch FROM o.unit);
    SELECT quote_ident(n.nspname) INTO ext
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'crm_loyalty';
    RETURN QUERY EXECUTE format($q$
    WITH c AS MATERIALIZED (
        SELECT * FROM %1$s.backtest_customers($1, $2, $3, $4, $5, $6, $7, $8, $11)
    ), m AS MATERIALIZED (
        SELECT %1$s.%2$s_fit(c.frequency, c.recency, c.t, $8) AS pm FROM c
    ), cells AS (
        SELECT c.frequency, c.recency, c.t, count(*) AS k, sum(c.holdout_purchases) AS y
          FROM c GROUP BY 1, 2, 3
    ), scored AS (
        SELECT least(cells.frequency, $10)::integer AS b, cells.k, cells.y,
               cells.k * %1$s.expected_purchases($9, cells.frequency, cells.recency, cells.t, m.pm) AS f
          FROM cells CROSS JOIN m
    ), buckets AS (
        SELECT g.b, sum(s.k) AS k, sum(s.y) AS y, sum(s.f) AS f
          FROM generate_series(0, $10) AS g(b) LEFT JOIN scored AS s ON s.b = g.b
         GROUP BY g.b
        UNION ALL
        SELECT $10 + 1, sum(s.k), sum(s.y), sum(s.f) FROM scored AS s
    )
    SELECT CASE WHEN bk.b > $10 THEN 'all' WHEN bk.b = $10 THEN bk.b || '+' ELSE bk.b::text END,
           coalesce(bk.k, 0)::bigint,
           bk.y / nullif(bk.k, 0)::float8,
           bk.f / nullif(bk.k, 0)::float8
      FROM buckets AS bk
     ORDER BY bk.b$q$, ext, o.model)
    USING source, customer_column, ordered_at_column, amount_column, calibration_end, holdout_end,
          o.period, o.unit, h, top, x.rel;
END
$$;
COMMENT ON FUNCTION holdout_by_frequency(regclass, text, text, text, timestamptz, timestamptz, jsonb) IS
'Calibration vs holdout by calibration frequency (buckets 0, 1, ..., max_bucket+ and all): customers, mean actual and mean forecast repeat purchases in the holdout, with a purchase model (option model, default pareto_nbd) fitted on the calibration profiles';

-- Model comparison.  The table (or view) is passed as regclass and the
-- column names are quoted with %I, so no text is ever spliced into SQL.
-- STABLE: it reads a table.  PARALLEL RESTRICTED: the table may be a
-- temporary one, which parallel workers cannot read.
-- btyd_compare: NULL table 22004; columns checked up front; the extension's
-- schema is an argument of format(), never part of its format string.
CREATE FUNCTION btyd_compare(profiles regclass,
                             frequency text DEFAULT 'frequency',
                             recency text DEFAULT 'recency',
                             t text DEFAULT 't',
                             unit interval DEFAULT '1 day',
                             holdout_purchases text DEFAULT NULL,
                             holdout_length interval DEFAULT NULL)
RETURNS TABLE (model text, params jsonb, ll float8, n_params integer, n float8,
               aic float8, bic float8, converged boolean,
               holdout_mae float8, holdout_rmse float8,
               holdout_forecast float8, holdout_actual float8)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    bg @extschema@.bgnbd_model;
    mbg @extschema@.mbgnbd_model;
    pnbd @extschema@.pareto_nbd_model;
    j jsonb[];
    hn float8;
    hu float8;
    hy float8;
    m float8[];
    i integer;
    ext text;
BEGIN
    IF profiles IS NULL THEN
        RAISE EXCEPTION 'btyd_compare: profiles must not be NULL'
            USING ERRCODE = '22004', HINT = 'Pass a table or view with frequency, recency and t columns.';
    END IF;
    IF (holdout_purchases IS NULL) <> (holdout_length IS NULL) THEN
        RAISE EXCEPTION 'btyd_compare: holdout_purchases and holdout_length go together'
            USING ERRCODE = '22023',
                  HINT = 'Give both (the column of purchases made in the holdout, and its length) or neither.';
    END IF;
    IF frequency IS NULL OR recency IS NULL OR t IS NULL OR unit IS NULL THEN
        RAISE EXCEPTION 'btyd_compare: column names and unit must not be NULL'
            USING ERRCODE = '22004';
    END IF;
    PERFORM @extschema@.check_columns('btyd_compare', profiles,
                                      ARRAY[frequency, recency, t, coalesce(holdout_purchases, frequency)],
                                      ARRAY['number', 'number', 'number', 'number']);
    SELECT quote_ident(s.nspname) INTO ext
      FROM pg_extension e JOIN pg_namespace s ON s.oid = e.extnamespace
     WHERE e.extname = 'crm_loyalty';

    EXECUTE format('SELECT %5$s.bgnbd_fit(%1$I, %2$I, %3$I, $1),
                           %5$s.mbgnbd_fit(%1$I, %2$I, %3$I, $1),
                           %5$s.pareto_nbd_fit(%1$I, %2$I, %3$I, $1)
                      FROM %4$s', frequency, recency, t, profiles, ext)
       INTO bg, mbg, pnbd USING unit;
    j := ARRAY[bg::jsonb, mbg::jsonb, pnbd::jsonb];

    IF holdout_purchases IS NOT NULL THEN
        -- the holdout's length in units of the models, as the scores
        -- convert an interval (in this order, mean Gregorian months of
        -- 2629746 s), so the float form of expected_purchases gives what
        -- its interval form gives
        hu := ((extract(hour FROM holdout_length) * 3600000000 + extract(minute FROM holdout_length) * 60000000
                + extract(microseconds FROM holdout_length))::float8
               + extract(day FROM holdout_length)::float8 * 86400000000::float8
               + (extract(year FROM holdout_length) * 12 + extract(month FROM holdout_length))::float8 * 2629746000000::float8)
              / ((extract(hour FROM unit) * 3600000000 + extract(minute FROM unit) * 60000000
                  + extract(microseconds FROM unit))::float8
                 + extract(day FROM unit)::float8 * 86400000000::float8
                 + (extract(year FROM unit) * 12 + extract(month FROM unit))::float8 * 2629746000000::float8);
        IF hu < 0 THEN
            RAISE EXCEPTION 'btyd_compare: holdout_length must not be negative, not %', holdout_length
                USING ERRCODE = '22023', HINT = 'Give the length of the holdout period, e.g. ''39 weeks''.';
        END IF;
        EXECUTE format('SELECT count(*)::float8, sum(y),
                               ARRAY[sum(abs(e1 - y)), sum((e1 - y) ^ 2), sum(e1),
                                     sum(abs(e2 - y)), sum((e2 - y) ^ 2), sum(e2),
                                     sum(abs(e3 - y)), sum((e3 - y) ^ 2), sum(e3)]
                          FROM (SELECT %4$I::float8 AS y,
                                       %6$s.expected_purchases($1, %1$I, %2$I, %3$I, $2) AS e1,
                                       %6$s.expected_purchases($1, %1$I, %2$I, %3$I, $3) AS e2,
                                       %6$s.expected_purchases($1, %1$I, %2$I, %3$I, $4) AS e3
                                  FROM %5$s
                                 WHERE %1$I IS NOT NULL AND %2$I IS NOT NULL AND %3$I IS NOT NULL
                                   AND %4$I IS NOT NULL) s',
                       frequency, recency, t, holdout_purchases, profiles, ext)
           INTO hn, hy, m USING hu, bg, mbg, pnbd;
    END IF;

    FOR i IN 1..3 LOOP
        model := (ARRAY['bgnbd', 'mbgnbd', 'pareto_nbd'])[i];
        params := j[i] - ARRAY['ll', 'n', 'converged'];
        ll := (j[i]->>'ll')::float8;
        -- a limit model has fewer free parameters (e.g. only lambda)
        n_params := (SELECT count(*) FROM jsonb_each(params) AS e WHERE jsonb_typeof(e.value) = 'number');
        n := (j[i]->>'n')::float8;
        aic := 2 * n_params - 2 * ll;
        bic := n_params * ln(n) - 2 * ll;
        converged := (j[i]->>'converged')::boolean;
        IF hn > 0 THEN
            holdout_mae := m[3 * i - 2] / hn;
            holdout_rmse := sqrt(m[3 * i - 1] / hn);
            holdout_forecast := m[3 * i];
            holdout_actual := hy;
        END IF;
        RETURN NEXT;
    END LOOP;
END
$fn$;
COMMENT ON FUNCTION btyd_compare(regclass, text, text, text, interval, text, interval) IS
'Fits BG/NBD, MBG/NBD and Pareto/NBD on the same customer summaries of a table or view and reports, per model, parameters, log-likelihood, AIC, BIC, convergence and, given holdout purchases, holdout MAE, RMSE and total forecast vs actual';
