-- bench/score_sweep_sql.sql — the scores' cost per SQL call (run by
-- bench/score_sweep_sql.sh, which replaces @CDNOW@ and @WORST@ by the
-- files of customers and cases).
--
-- Every call is one row of SELECT count(f(x + g * 0, ...)) FROM
-- generate_series(1, n) g: the model and the other arguments are constants
-- (folded once), x + g * 0 keeps the planner from folding the call itself.
-- The difference of the times of n calls and of one call, over n - 1, is
-- the µs per call; "loop" is the same query around
-- the bare expression x + g * 0 (what every row costs without a score).
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS crm_loyalty;
CREATE TEMP TABLE cdnow (x float8, t_x float8, t float8);
\copy cdnow FROM '@CDNOW@' WITH (FORMAT text, DELIMITER ' ')
CREATE TEMP TABLE worst (id text, family text, fn text, r float8, alpha float8, a float8,
                         b float8, x float8, t_x float8, t float8, h float8);
\copy worst FROM '@WORST@' WITH (FORMAT text, DELIMITER ' ')

-- the call of function fn for family fam, times in units of unit
CREATE FUNCTION pg_temp.score_expr(fam text, fn text, r float8, al float8, a float8, b float8,
                                   x float8, tx float8, tt float8, h float8, unit interval)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE fn
        WHEN 'p_alive' THEN format('p_alive(%s + g * 0, %s, %s, %s)', x, tx, tt, m)
        WHEN 'churn' THEN format('churn_probability(%s + g * 0, %s, %s, %s)', x, tx, tt, m)
        WHEN 'no_purchase' THEN format('p_no_purchase(%s + g * 0, %s, %s, %s, %L::interval * %s)',
                                       x, tx, tt, m, unit, h)
        WHEN 'expected' THEN format('expected_purchases(%s, %s + g * 0, %s, %s, %s)', h, x, tx, tt, m)
        WHEN 'expected_new' THEN format('expected_purchases(%s, %L::interval * (%s + g * 0))', m, unit, h)
        WHEN 'clv' THEN format('clv_estimate(%s + g * 0, %s, %s, 35, %s, gamma_gamma_model(6.25, 3.74, 15.44), '
                               '12, 0.01, %L::interval * %s)', x, tx, tt, m, unit, h)
        WHEN 'loop' THEN format('%s + g * 0', x)
    END
    FROM (SELECT format('%s_model(%s, %s, %s, %s, %L)', fam, r, al, a, b, unit) AS m) s
$$;

-- µs of one query of n calls (parse and plan included); NULL when it raises
CREATE FUNCTION pg_temp.batch_us(expr text, n int) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz;
    c bigint;
BEGIN
    t0 := clock_timestamp();
    EXECUTE format('SELECT count(%s) FROM generate_series(1, %s) g', expr, n) INTO c;
    RETURN extract(epoch FROM clock_timestamp() - t0) * 1e6;
EXCEPTION WHEN others THEN
    RETURN NULL;
END $$;

-- µs per call: (least time of n calls - least time of 1 call) / (n - 1), the
-- least of reps batches each, so that parsing and planning drop out; n is
-- chosen for batches of about 2 ms unless given
CREATE FUNCTION pg_temp.call_us(expr text, n int DEFAULT NULL, reps int DEFAULT 3)
RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
    one float8 := 'infinity';
    many float8 := 'infinity';
    v float8;
BEGIN
    IF n IS NULL THEN
        v := pg_temp.batch_us(expr, 21) - pg_temp.batch_us(expr, 1);
        IF v IS NULL THEN
            RETURN NULL;
        END IF;
        n := greatest(21, least(1000000, (2000 / greatest(v / 20, 0.01))::int));
    END IF;
    FOR i IN 1..reps LOOP
        one := least(one, pg_temp.batch_us(expr, 1));
        many := least(many, pg_temp.batch_us(expr, n));
    END LOOP;
    RETURN (many - one) / (n - 1);
END $$;

CREATE TEMP TABLE fams (family text, r float8, alpha float8, a float8, b float8);
INSERT INTO fams VALUES  -- the CDNOW fits (weeks), as in bench/score_sweep.c
    ('bgnbd', 0.2425945, 4.4136027, 0.7929218, 2.4259057),
    ('mbgnbd', 0.524843, 6.183082, 0.891360, 1.614003),
    ('pareto_nbd', 0.553277, 10.57768, 0.60624, 11.66873);
CREATE TEMP TABLE fns (fn text, h float8);
INSERT INTO fns VALUES ('p_alive', 0), ('churn', 0), ('no_purchase', 52), ('expected', 52),
                       ('expected_new', 52), ('clv', 30.0 / 7.0), ('loop', 0);

-- every CDNOW customer: batches of 1 and 41 calls, once each
CREATE TEMP TABLE cdnow_times AS
SELECT f.family, fn.fn,
       pg_temp.call_us(pg_temp.score_expr(f.family, fn.fn, f.r, f.alpha, f.a, f.b,
                                          c.x, c.t_x, c.t, fn.h, '7 days'), 41, 1) AS us
FROM fams f CROSS JOIN fns fn CROSS JOIN cdnow c;

CREATE TEMP TABLE worst_times AS
SELECT w.family, w.fn, w.id,
       pg_temp.call_us(pg_temp.score_expr(w.family, w.fn, w.r, w.alpha, w.a, w.b,
                                          w.x, w.t_x, w.t, w.h, '1 day')) AS us,
       pg_temp.call_us(pg_temp.score_expr(w.family, 'loop', w.r, w.alpha, w.a, w.b,
                                          w.x, w.t_x, w.t, w.h, '1 day')) AS loop_us
FROM worst w WHERE w.fn <> 'clv1200';

\pset footer off
\echo
\echo 'SQL cost per call (µs): CDNOW median with the CDNOW fits, and the slowest model and customer of the core sweep'
SELECT c.family AS model, c.fn AS function,
       round(c.med::numeric, 2) AS cdnow_median_us,
       round(w.us::numeric, 2) AS worst_us,
       round((w.us / c.med)::numeric, 1) AS ratio,
       round(l.med::numeric, 2) AS loop_us,
       w.id AS worst_case
FROM (SELECT family, fn, percentile_cont(0.5) WITHIN GROUP (ORDER BY us) AS med
      FROM cdnow_times GROUP BY family, fn) c
JOIN (SELECT family, percentile_cont(0.5) WITHIN GROUP (ORDER BY us) AS med
      FROM cdnow_times WHERE fn = 'loop' GROUP BY family) l USING (family)
LEFT JOIN worst_times w ON w.family = c.family AND w.fn = c.fn
WHERE c.fn <> 'loop'
ORDER BY c.family, array_position(ARRAY['p_alive', 'churn', 'no_purchase', 'expected',
                                        'expected_new', 'clv'], c.fn);
