---------------------------------------------------------------------------
-- Backtest and model comparison
-- Calibrate on the orders up to one date and forecast the holdout; fit the
-- three purchase models on one table and compare them.
---------------------------------------------------------------------------

-- Per calibration customer: BTYD summary at calibration_end and the number
-- of purchase periods in the holdout (after calibration_end's period, up to
-- holdout_end's), both counted exactly as crm_profile counts periods.
CREATE FUNCTION backtest_customers(source regclass, customer_column text, ordered_at_column text,
                                   amount_column text, calibration_end timestamptz,
                                   holdout_end timestamptz, period interval, unit interval)
RETURNS TABLE (frequency float8, recency float8, t float8, holdout_purchases float8)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    ext text;
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
    RETURN QUERY EXECUTE format($q$
        SELECT (c).frequency, (c).recency, (c).t, ((h).periods - (c).periods)::float8
          FROM (SELECT %1$s.crm_profile(o.%3$I, o.%4$I::numeric, $1, $3, $4) AS c,
                       %1$s.crm_profile(o.%3$I, o.%4$I::numeric, $2, $3, $4) AS h
                  FROM %5$s AS o
                 WHERE o.%2$I IS NOT NULL
                 GROUP BY o.%2$I) AS s
         WHERE c IS NOT NULL$q$,
        ext, customer_column, ordered_at_column, amount_column, source)
        USING calibration_end, holdout_end, period, unit;
END
$$;
COMMENT ON FUNCTION backtest_customers(regclass, text, text, text, timestamptz, timestamptz, interval, interval) IS
'Calibration summaries (frequency, recency, t) and holdout purchase periods of every customer first seen by calibration_end';

-- backtest: {"model": "bgnbd" | "mbgnbd" | "pareto_nbd"}, default bgnbd (its
-- result column model is a bgnbd_model, NULL for the other two).
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
    period interval := coalesce(options->>'period', '1 day')::interval;
    u      interval := coalesce(options->>'unit', '7 days')::interval;
    kind   text := coalesce(options->>'model', 'bgnbd');
    h      float8;
    ext    text;
BEGIN
    IF kind NOT IN ('bgnbd', 'mbgnbd', 'pareto_nbd') THEN
        RAISE EXCEPTION 'backtest: unknown model "%"', kind
            USING ERRCODE = '22023', HINT = 'The purchase models are bgnbd, mbgnbd and pareto_nbd.';
    END IF;
    h := extract(epoch FROM @extschema@.period_start(holdout_end, period)
                          - @extschema@.period_start(calibration_end, period))
         / extract(epoch FROM u);
    SELECT quote_ident(n.nspname) INTO ext
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'crm_loyalty';
    RETURN QUERY EXECUTE format($q$
    WITH c AS (
        SELECT * FROM %1$s.backtest_customers($1, $2, $3, $4, $5, $6, $7, $8)
    ), m AS (
        SELECT %1$s.%2$s_fit(c.frequency, c.recency, c.t, $8) AS pm FROM c
    ), s AS (
        SELECT c.holdout_purchases AS actual,
               %1$s.expected_purchases($9, c.frequency, c.recency, c.t, m.pm) AS predicted,
               %1$s.p_alive(c.frequency, c.recency, c.t, m.pm) AS alive,
               1.0 - %1$s.churn_probability(c.frequency, c.recency, c.t, m.pm,
                                            ($9 * extract(epoch FROM $8)) * interval '1 second') AS buys
          FROM c CROSS JOIN m
    )
    SELECT count(*),
           $8,
           $9,
           sum(s.actual),
           sum(s.predicted),
           (sum(s.predicted) - sum(s.actual)) / nullif(sum(s.actual), 0),
           avg(abs(s.predicted - s.actual)),
           sqrt(avg((s.predicted - s.actual) ^ 2)),
           avg((s.alive - (s.actual > 0)::int) ^ 2),
           avg((s.buys - (s.actual > 0)::int) ^ 2),
           %3$s
      FROM s$q$, ext, kind,
        CASE WHEN kind = 'bgnbd' THEN '(SELECT m.pm FROM m)' ELSE format('NULL::%s.bgnbd_model', ext) END)
    USING source, customer_column, ordered_at_column, amount_column, calibration_end, holdout_end,
          period, u, h;
END
$$;
COMMENT ON FUNCTION backtest(regclass, text, text, text, timestamptz, timestamptz, jsonb) IS
'Fits a purchase model (option model, default bgnbd) on the orders up to calibration_end and scores its holdout forecast: totals, MAE, RMSE, Brier scores';

CREATE FUNCTION backtest_tracking(source regclass, customer_column text, ordered_at_column text,
                                  amount_column text, calibration_end timestamptz,
                                  holdout_end timestamptz, options jsonb DEFAULT '{}')
RETURNS TABLE (step integer, step_end timestamptz, actual_cumulative float8,
               predicted_cumulative float8)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    period  interval := coalesce(options->>'period', '1 day')::interval;
    u       interval := coalesce(options->>'unit', '7 days')::interval;
    stepiv  interval := coalesce(options->>'step', '7 days')::interval;
    cal_ps  timestamptz := @extschema@.period_start(calibration_end, period);
    hold_ps timestamptz := @extschema@.period_start(holdout_end, period);
    step_s  float8 := extract(epoch FROM stepiv);
    h_s     float8 := extract(epoch FROM hold_ps - cal_ps);
    nsteps  integer;
    ext     text;
BEGIN
    IF step_s IS NULL OR step_s <= 0 OR date_part('month', stepiv) <> 0 OR date_part('year', stepiv) <> 0 THEN
        RAISE EXCEPTION 'backtest_tracking: step must be a positive fixed length of time'
            USING ERRCODE = '22023', HINT = 'E.g. {"step": "7 days"}.';
    END IF;
    PERFORM @extschema@.check_columns('backtest_tracking', source,
                                      ARRAY[customer_column, ordered_at_column, amount_column],
                                      ARRAY['any', 'time', 'number']);
    nsteps := ceil(h_s / step_s)::integer;
    SELECT quote_ident(n.nspname) INTO ext
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'crm_loyalty';
    RETURN QUERY EXECUTE format($q$
        WITH c AS (
            SELECT * FROM %1$s.backtest_customers($1, $2, $3, $4, $5, $6, $7, $8)
        ), cells AS (
            SELECT c.frequency, c.recency, c.t, count(*) AS k FROM c GROUP BY 1, 2, 3
        ), m AS (
            SELECT %1$s.bgnbd_fit(c.frequency, c.recency, c.t, $8) AS bg FROM c
        ), calib AS (
            -- customers with a purchase up to calibration_end's period
            SELECT DISTINCT o.%2$I AS cust
              FROM %5$s AS o
             WHERE o.%2$I IS NOT NULL
               AND (o.%4$I IS NULL OR o.%4$I >= 0)
               AND %1$s.period_start(o.%3$I, $7) <= $9
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
                                                             cells.frequency, cells.recency, cells.t, m.bg))
                  FROM cells CROSS JOIN m)
          FROM steps AS s
         ORDER BY s.step$q$,
        ext, customer_column, ordered_at_column, amount_column, source)
        USING source, customer_column, ordered_at_column, amount_column, calibration_end, holdout_end,
              period, u, cal_ps, hold_ps, step_s, h_s, nsteps;
END
$$;
COMMENT ON FUNCTION backtest_tracking(regclass, text, text, text, timestamptz, timestamptz, jsonb) IS
'Cumulative holdout purchases, actual vs BG/NBD forecast, per step (default weekly) after calibration_end';

-- Model comparison.  The table (or view) is passed as regclass and the
-- column names are quoted with %I, so no text is ever spliced into SQL.
-- STABLE: it reads a table.  PARALLEL RESTRICTED: the table may be a
-- temporary one, which parallel workers cannot read.
-- btyd_compare: NULL table 22004; columns checked up front; the extension's
-- schema is an argument of format(), never part of its format string.
CREATE FUNCTION btyd_compare(profiles regclass,
                             frequency name DEFAULT 'frequency',
                             recency name DEFAULT 'recency',
                             t name DEFAULT 't',
                             unit interval DEFAULT '1 day',
                             holdout_purchases name DEFAULT NULL,
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
                                      ARRAY[frequency, recency, t, coalesce(holdout_purchases, frequency)]::text[],
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
           INTO hn, hy, m USING holdout_length, bg, mbg, pnbd;
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
COMMENT ON FUNCTION btyd_compare(regclass, name, name, name, interval, name, interval) IS
'Fits BG/NBD, MBG/NBD and Pareto/NBD on the same customer summaries of a table or view and reports, per model, parameters, log-likelihood, AIC, BIC, convergence and, given holdout purchases, holdout MAE, RMSE and total forecast vs actual';
