---------------------------------------------------------------------------
-- Predictive distribution of the purchase count
-- P(exactly k purchases in the next horizon) and the central prediction
-- interval of the count, for any purchase model; and a backtest of those
-- intervals on a shop's own orders.
---------------------------------------------------------------------------

CREATE FUNCTION purchase_count_probabilities(frequency float8, recency float8, t float8, model purchase_model,
                                             horizon interval, max_count integer DEFAULT 10)
RETURNS float8[] AS 'MODULE_PATHNAME', 'pm_count_probabilities' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION purchase_count_probabilities(float8, float8, float8, purchase_model, interval, integer) IS
'P(exactly k purchases in (t, t + horizon]) for k = 0 .. max_count (elements 1 .. max_count + 1), then P(more than max_count purchases) (the last element)';
CREATE FUNCTION purchase_count_probabilities(profile customer_profile, model purchase_model,
                                             horizon interval, max_count integer DEFAULT 10)
RETURNS float8[] AS 'MODULE_PATHNAME', 'pm_count_probabilities_profile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION purchase_count_probabilities(customer_profile, purchase_model, interval, integer) IS
'P(exactly k purchases in the next horizon) for k = 0 .. max_count, then P(more than max_count), for the customer of a profile';

CREATE FUNCTION purchase_count_interval(frequency float8, recency float8, t float8, model purchase_model,
                                        horizon interval, level float8 DEFAULT 0.9,
                                        OUT lower integer, OUT upper integer)
AS 'MODULE_PATHNAME', 'pm_count_interval' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION purchase_count_interval(float8, float8, float8, purchase_model, interval, float8) IS
'Central prediction interval (lower, upper) of the number of purchases in (t, t + horizon] at level: P(count < lower) < (1 - level)/2 and P(count > upper) <= (1 - level)/2';
CREATE FUNCTION purchase_count_interval(profile customer_profile, model purchase_model,
                                        horizon interval, level float8 DEFAULT 0.9,
                                        OUT lower integer, OUT upper integer)
AS 'MODULE_PATHNAME', 'pm_count_interval_profile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION purchase_count_interval(customer_profile, purchase_model, interval, float8) IS
'Central prediction interval (lower, upper) of the number of purchases of the customer of a profile in the next horizon at level';

-- prediction_interval_check: calibrate on the orders up to calibration_end
-- as backtest does, and per level count the customers whose holdout
-- purchase count lies in their central prediction interval; expected_share
-- is the model's own probability of the interval, averaged over customers
-- (the count is discrete, so it is at least the level).  Intervals are
-- computed once per distinct (frequency, recency, t).
CREATE FUNCTION prediction_interval_check(source regclass, customer_column text, ordered_at_column text,
                                          amount_column text, calibration_end timestamptz,
                                          holdout_end timestamptz, options jsonb DEFAULT '{}')
RETURNS TABLE (level float8, customers bigint, inside bigint, share_inside float8, expected_share float8)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    o      record;
    x      record;
    lv     float8[] := ARRAY[0.5, 0.8, 0.9, 0.95];
    h      float8;
    ext    text;
BEGIN
    IF source IS NULL OR customer_column IS NULL OR ordered_at_column IS NULL
       OR amount_column IS NULL OR calibration_end IS NULL OR holdout_end IS NULL THEN
        RAISE EXCEPTION 'prediction_interval_check: arguments must not be NULL'
            USING ERRCODE = '22004', HINT = 'Pass the table, its three column names and both ends; options may be left out.';
    END IF;
    o := @extschema@.analyst_options('prediction_interval_check', options,
                                     ARRAY['model', 'period', 'unit', 'levels', 'exclude_customers'], NULL);
    IF o.error_code IS NOT NULL THEN
        RAISE EXCEPTION '%', o.error_message USING ERRCODE = o.error_code, HINT = o.error_hint;
    END IF;
    IF options ? 'levels' THEN
        IF jsonb_typeof(options->'levels') <> 'array' OR jsonb_array_length(options->'levels') = 0
           OR EXISTS (SELECT 1 FROM jsonb_array_elements(options->'levels') AS e(v)
                       WHERE jsonb_typeof(e.v) <> 'number'
                          OR NOT ((e.v)::text::float8 > 0 AND (e.v)::text::float8 <= 1 - 1e-9)) THEN
            RAISE EXCEPTION 'prediction_interval_check: option "levels" must be a non-empty array of numbers in (0, 1), not %',
                            options->'levels'
                USING ERRCODE = '22023', HINT = 'E.g. {"levels": [0.5, 0.9]}; a level is at most 1 - 1e-9.';
        END IF;
        SELECT array_agg((e.v)::text::float8 ORDER BY e.n) INTO lv
          FROM jsonb_array_elements(options->'levels') WITH ORDINALITY AS e(v, n);
    END IF;
    PERFORM @extschema@.check_columns('prediction_interval_check', source,
                                      ARRAY[customer_column, ordered_at_column, amount_column],
                                      ARRAY['any', 'time', 'number']);
    x := @extschema@.excluded_customers('prediction_interval_check', options, source, customer_column);
    IF holdout_end <= calibration_end
       OR @extschema@.period_start(holdout_end, o.period) <= @extschema@.period_start(calibration_end, o.period) THEN
        RAISE EXCEPTION 'prediction_interval_check: holdout_end (%) must fall in a later period than calibration_end (%)',
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
        SELECT %1$s.%2$s_fit(c.frequency, c.recency, c.t, $8)::%1$s.purchase_model AS pm FROM c
    ), cells AS MATERIALIZED (
        SELECT c.frequency, c.recency, c.t FROM c GROUP BY 1, 2, 3
    ), iv AS MATERIALIZED (
        SELECT l.n, l.level, cs.frequency, cs.recency, cs.t, i.lower, i.upper,
               (SELECT sum(p.p) FROM unnest(%1$s.purchase_count_probabilities(cs.frequency, cs.recency, cs.t,
                                                                              m.pm, $9, i.upper))
                                     WITH ORDINALITY AS p(p, k)
                 WHERE p.k BETWEEN i.lower + 1 AND i.upper + 1) AS mass
          FROM unnest($10) WITH ORDINALITY AS l(level, n)
         CROSS JOIN cells AS cs CROSS JOIN m
         CROSS JOIN LATERAL %1$s.purchase_count_interval(cs.frequency, cs.recency, cs.t, m.pm, $9, l.level) AS i
    )
    SELECT iv.level, count(*),
           count(*) FILTER (WHERE c.holdout_purchases BETWEEN iv.lower AND iv.upper),
           (count(*) FILTER (WHERE c.holdout_purchases BETWEEN iv.lower AND iv.upper))::float8 / count(*),
           avg(iv.mass)
      FROM iv JOIN c ON c.frequency = iv.frequency AND c.recency = iv.recency AND c.t = iv.t
     GROUP BY iv.n, iv.level
     ORDER BY iv.n$q$, ext, o.model)
    USING source, customer_column, ordered_at_column, amount_column, calibration_end, holdout_end,
          o.period, o.unit, (h * extract(epoch FROM o.unit)) * interval '1 second', lv, x.rel;
END
$$;
COMMENT ON FUNCTION prediction_interval_check(regclass, text, text, text, timestamptz, timestamptz, jsonb) IS
'Per level (0.5, 0.8, 0.9, 0.95, or option levels): customers, how many made a holdout purchase count inside their central prediction interval, that share, and the model''s own average probability of the interval, with a purchase model (option model, default pareto_nbd) fitted on the orders up to calibration_end';
