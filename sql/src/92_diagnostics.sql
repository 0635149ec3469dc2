---------------------------------------------------------------------------
-- Model diagnostics
-- Results a BI tool can chart as they are: the repeat-purchase histogram,
-- observed vs the fitted purchase model's expectation, and P(alive) and
-- expected purchases over a grid of frequency x recency.
---------------------------------------------------------------------------

-- P(X(t) = x), x = 0 .. buckets-2, and P(X(t) >= buckets-1) for a customer
-- of a purchase model's population.  The model comes as its kind and its
-- text form (model::text) so one function serves every purchase-model type.
CREATE FUNCTION purchase_count_distribution(model_kind text, model text, t float8, buckets integer)
RETURNS float8[] AS 'MODULE_PATHNAME', 'purchase_count_distribution'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION purchase_count_distribution(text, text, float8, integer) IS
'Probabilities of 0, 1, ..., buckets-2 and of buckets-1 or more repeat purchases in a period of length t (model unit) for a new customer of a purchase model (kind bgnbd, mbgnbd or pareto_nbd; the model as text)';

-- repeat_purchase_distribution: customers by their number of repeat
-- purchases up to as_of, observed and expected.  The expected count of
-- bucket x is the sum over the customers of P(X(T_i) = x) with each
-- customer's own age T_i, under the model fitted on the same profiles.
-- Customers in option exclude_customers are left out of both.
CREATE FUNCTION repeat_purchase_distribution(source regclass, customer_column text, ordered_at_column text,
                                             amount_column text, as_of timestamptz, options jsonb DEFAULT '{}')
RETURNS TABLE (bucket integer, repeat_purchases text, observed bigint, expected float8)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    o      record;
    x      record;
    top    integer := 7;
    ext    text;
BEGIN
    IF source IS NULL OR customer_column IS NULL OR ordered_at_column IS NULL
       OR amount_column IS NULL OR as_of IS NULL THEN
        RAISE EXCEPTION 'repeat_purchase_distribution: arguments must not be NULL'
            USING ERRCODE = '22004', HINT = 'Pass the table, its three column names and as_of; options may be left out.';
    END IF;
    o := @extschema@.analyst_options('repeat_purchase_distribution', options,
                                     ARRAY['model', 'period', 'unit', 'max_bucket', 'exclude_customers'], NULL);
    IF o.error_code IS NOT NULL THEN
        RAISE EXCEPTION '%', o.error_message USING ERRCODE = o.error_code, HINT = o.error_hint;
    END IF;
    IF options ? 'max_bucket' THEN
        IF jsonb_typeof(options->'max_bucket') NOT IN ('number', 'string')
           OR (options->>'max_bucket') !~ '^\s*[+-]?[0-9]{1,9}\s*$' THEN
            RAISE EXCEPTION 'repeat_purchase_distribution: option "max_bucket" must be an integer, not %', options->'max_bucket'
                USING ERRCODE = '22023', HINT = 'E.g. {"max_bucket": 7}: buckets 0 to 6 and 7+.';
        END IF;
        top := (options->>'max_bucket')::integer;
        IF top NOT BETWEEN 1 AND 1000 THEN
            RAISE EXCEPTION 'repeat_purchase_distribution: max_bucket % is out of range', top
                USING ERRCODE = '22003', HINT = 'Use an integer from 1 to 1000 (the last bucket holds that number of repeat purchases and more).';
        END IF;
    END IF;
    PERFORM @extschema@.check_columns('repeat_purchase_distribution', source,
                                      ARRAY[customer_column, ordered_at_column, amount_column],
                                      ARRAY['any', 'time', 'number']);
    x := @extschema@.excluded_customers('repeat_purchase_distribution', options, source, customer_column);
    SELECT quote_ident(n.nspname) INTO ext
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'crm_loyalty';
    RETURN QUERY EXECUTE format($q$
    WITH c AS MATERIALIZED (
        SELECT (s.p).frequency, (s.p).recency, (s.p).t
          FROM (SELECT %1$s.crm_profile(o.%4$I, o.%5$I::numeric, $1, $2, $3) AS p
                  FROM %2$s AS o
                 WHERE o.%3$I IS NOT NULL%7$s
                 GROUP BY o.%3$I) AS s
         WHERE s.p IS NOT NULL
    ), m AS MATERIALIZED (
        SELECT %1$s.%6$s_fit(c.frequency, c.recency, c.t, $3)::text AS pm FROM c
    ), ages AS (
        SELECT c.t, count(*) AS k FROM c GROUP BY c.t
    ), e AS (
        SELECT (d.i - 1)::integer AS b, sum(ages.k * d.p) AS x
          FROM ages CROSS JOIN m
          CROSS JOIN LATERAL unnest(%1$s.purchase_count_distribution(%6$L, m.pm, ages.t, $4 + 1))
                     WITH ORDINALITY AS d(p, i)
         GROUP BY 1
    ), obs AS (
        SELECT least(c.frequency, $4)::integer AS b, count(*) AS k FROM c GROUP BY 1
    )
    SELECT g.b, CASE WHEN g.b = $4 THEN g.b || '+' ELSE g.b::text END,
           coalesce(obs.k, 0)::bigint,
           CASE WHEN (SELECT count(*) FROM c) = 0 THEN 0::float8 ELSE e.x END
      FROM generate_series(0, $4) AS g(b)
      LEFT JOIN obs ON obs.b = g.b
      LEFT JOIN e ON e.b = g.b
     ORDER BY g.b$q$, ext, source, customer_column, ordered_at_column, amount_column, o.model,
        CASE WHEN x.rel IS NULL THEN ''
             ELSE format(E'\n                   AND NOT EXISTS (SELECT 1 FROM %s AS x WHERE x.%I = o.%I)',
                         x.rel, x.id_column, customer_column) END)
    USING as_of, o.period, o.unit, top;
END
$$;
COMMENT ON FUNCTION repeat_purchase_distribution(regclass, text, text, text, timestamptz, jsonb) IS
'Customers by number of repeat purchases up to as_of (buckets 0, 1, ..., max_bucket+): observed, and expected under a purchase model (option model, default pareto_nbd) fitted on the same profiles, summing P(X(T) = x) over the customers with each one''s own age T; customers in option exclude_customers are left out';

-- frequency_recency_matrix: P(alive) and expected purchases over a grid of
-- frequency x recency at one age t, under the model fitted on the profiles
-- of a table (without the customers in option exclude_customers), for a
-- heat map.
CREATE FUNCTION frequency_recency_matrix(source regclass, customer_column text, ordered_at_column text,
                                         amount_column text, as_of timestamptz, options jsonb DEFAULT '{}')
RETURNS TABLE (frequency integer, recency float8, t float8, p_alive float8, expected_purchases float8)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    o       record;
    x       record;
    ext     text;
    k       text;
    v       float8;
    age     float8;
    step    float8 := 1;
    horizon float8 := 1;
    top     integer;
    pm      text;
    maxf    float8;
    maxt    float8;
BEGIN
    IF source IS NULL OR customer_column IS NULL OR ordered_at_column IS NULL
       OR amount_column IS NULL OR as_of IS NULL THEN
        RAISE EXCEPTION 'frequency_recency_matrix: arguments must not be NULL'
            USING ERRCODE = '22004', HINT = 'Pass the table, its three column names and as_of; options may be left out.';
    END IF;
    o := @extschema@.analyst_options('frequency_recency_matrix', options,
                                     ARRAY['model', 'period', 'unit', 't', 'max_frequency', 'recency_step', 'horizon',
                                           'exclude_customers'],
                                     NULL);
    IF o.error_code IS NOT NULL THEN
        RAISE EXCEPTION '%', o.error_message USING ERRCODE = o.error_code, HINT = o.error_hint;
    END IF;
    FOREACH k IN ARRAY ARRAY['t', 'max_frequency', 'recency_step', 'horizon'] LOOP
        CONTINUE WHEN NOT options ? k;
        IF jsonb_typeof(options->k) <> 'number' THEN
            RAISE EXCEPTION 'frequency_recency_matrix: option "%" must be a number, not %', k, options->k
                USING ERRCODE = '22023', HINT = 'Lengths are numbers in the unit (option unit, default the period), e.g. {"t": 90}.';
        END IF;
        v := (options->>k)::float8;
        IF k = 'max_frequency' AND (v <> trunc(v) OR v NOT BETWEEN 1 AND 1000) THEN
            RAISE EXCEPTION 'frequency_recency_matrix: max_frequency % is out of range', options->k
                USING ERRCODE = '22003', HINT = 'Use an integer from 1 to 1000.';
        END IF;
        IF k <> 'max_frequency' AND NOT (v > 0 AND v <= 1e6) THEN
            RAISE EXCEPTION 'frequency_recency_matrix: option "%" must be positive and at most 1e6, not %', k, options->k
                USING ERRCODE = '22003', HINT = 'Lengths are numbers in the unit (option unit, default the period).';
        END IF;
        CASE k
            WHEN 't' THEN age := v;
            WHEN 'max_frequency' THEN top := v::integer;
            WHEN 'recency_step' THEN step := v;
            ELSE horizon := v;
        END CASE;
    END LOOP;
    PERFORM @extschema@.check_columns('frequency_recency_matrix', source,
                                      ARRAY[customer_column, ordered_at_column, amount_column],
                                      ARRAY['any', 'time', 'number']);
    x := @extschema@.excluded_customers('frequency_recency_matrix', options, source, customer_column);
    SELECT quote_ident(n.nspname) INTO ext
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'crm_loyalty';
    EXECUTE format($q$
    WITH c AS MATERIALIZED (
        SELECT (s.p).frequency, (s.p).recency, (s.p).t
          FROM (SELECT %1$s.crm_profile(o.%4$I, o.%5$I::numeric, $1, $2, $3) AS p
                  FROM %2$s AS o
                 WHERE o.%3$I IS NOT NULL%7$s
                 GROUP BY o.%3$I) AS s
         WHERE s.p IS NOT NULL
    )
    SELECT %1$s.%6$s_fit(c.frequency, c.recency, c.t, $3)::text, max(c.frequency), max(c.t) FROM c$q$,
        ext, source, customer_column, ordered_at_column, amount_column, o.model,
        CASE WHEN x.rel IS NULL THEN ''
             ELSE format(E'\n                   AND NOT EXISTS (SELECT 1 FROM %s AS x WHERE x.%I = o.%I)',
                         x.rel, x.id_column, customer_column) END)
    INTO pm, maxf, maxt
    USING as_of, o.period, o.unit;
    IF pm IS NULL THEN
        RAISE EXCEPTION 'frequency_recency_matrix: % has no customer with an order up to %', source, as_of
            USING ERRCODE = '22023', HINT = 'The model is fitted on the customers'' profiles at as_of; choose a later as_of.';
    END IF;
    age := coalesce(age, maxt);
    top := coalesce(top, least(greatest(maxf, 1), 1000)::integer);
    IF (top + 1)::float8 * (floor(age / step) + 1) > 1000000 THEN
        RAISE EXCEPTION 'frequency_recency_matrix: the grid of % frequencies x % recencies is too large',
                        top + 1, floor(age / step) + 1
            USING ERRCODE = '54000', HINT = 'Use a larger recency_step or a smaller max_frequency (at most 1,000,000 cells).';
    END IF;
    RETURN QUERY EXECUTE format($q$
    SELECT f.f, r.r, $3, %1$s.p_alive(f.f, r.r, $3, $1::%1$s.%2$I),
           %1$s.expected_purchases($5, f.f::float8, r.r, $3, $1::%1$s.%2$I)
      FROM generate_series(0, $2) AS f(f)
      CROSS JOIN LATERAL (SELECT g * $4 AS r FROM generate_series(0, floor($3 / $4)::integer) AS g) AS r
     WHERE f.f > 0 OR r.r = 0
     ORDER BY 1, 2$q$, ext, o.model || '_model')
    USING pm, top, age, step, horizon;
END
$$;
COMMENT ON FUNCTION frequency_recency_matrix(regclass, text, text, text, timestamptz, jsonb) IS
'P(alive) and expected purchases in the next horizon over a grid of frequency (0 .. max_frequency) x recency (0, recency_step, ... up to t), at customer age t, under a purchase model (option model, default pareto_nbd) fitted on the profiles at as_of (without the customers in option exclude_customers); lengths in the unit (default the period)';
