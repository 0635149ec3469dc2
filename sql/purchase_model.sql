-- purchase_model: one type for BG/NBD, MBG/NBD and Pareto/NBD models, and the
-- scores on it.  Text and binary round trips of every kind and limit, the
-- casts from and to the per-kind types, input errors, NULLs, and the calls
-- that were ambiguous before 0.4.0 resolving to one function.
CREATE SCHEMA test_purchase_model;
SET search_path = test_purchase_model, public;
SET TimeZone = 'UTC';
SET client_min_messages = warning;

-- every kind, fitted-like, constructed and limit values
CREATE TABLE src (id int PRIMARY KEY, v purchase_model);
INSERT INTO src VALUES
(1, '{"r": 0.24259448597880174, "alpha": 4.413592058606018, "a": 0.7929346488069627, "b": 2.4258913226669417, "unit": "7 days", "ll": -9582.429206317389, "n": 2357, "converged": true}'::bgnbd_model),
(2, '{"r": 0.5251, "alpha": 6.1831, "a": 0.8911, "b": 1.6141, "unit": "7 days", "ll": -9598.51, "n": 2357, "converged": true}'::mbgnbd_model),
(3, '{"r": 0.5533, "alpha": 10.5776, "s": 0.6061, "beta": 11.6694, "unit": "7 days", "ll": -9594.98, "n": 2357, "converged": true}'::pareto_nbd_model),
(4, bgnbd_model(0.25, 4, 0.8, 2.5, '1 day')),
(5, mbgnbd_model(0.5, 6, 0.9, 1.6, '3600 seconds')),
(6, pareto_nbd_model(0.55, 10.6, 0.61, 11.7, '1.5 days')),
(7, '{"kind": "bgnbd", "lambda": 0.01631516188971309, "unit": "1 day", "limit": "homogeneous_rate+no_dropout", "ll": -45636.80666242649, "n": 1000, "converged": true}'),
(8, '{"kind": "mbgnbd", "r": 1e-300, "alpha": 1.7976931348623157e308, "unit": "7 days", "limit": "no_dropout", "n": 3}'),
(9, '{"kind": "pareto_nbd", "lambda": 5e-324, "unit": "1 day", "limit": "homogeneous_rate+no_dropout"}'),
(10, '{"kind": "mbgnbd", "lambda": 0.5, "a": 1.5, "b": 2.5, "unit": "1 day", "limit": "homogeneous_rate"}'),
(11, '{"kind": "bgnbd", "r": 0.5, "alpha": 3, "p": 0.25, "unit": "1 day", "limit": "homogeneous_dropout"}'),
(12, '{"lambda": 0.2, "mu": 0.05, "unit": "1 day", "limit": "homogeneous_rate+homogeneous_dropout"}'),
(13, '{"kind": "bgnbd", "lambda": 0.2, "p": 1, "unit": "1 day", "limit": "homogeneous_rate+homogeneous_dropout"}'),
(14, NULL);
SELECT id, v FROM src ORDER BY id;

-- text: value -> text -> value -> text is the identity; jsonb has the same keys
SELECT id FROM src WHERE v::text::purchase_model::text IS DISTINCT FROM v::text;
SELECT id FROM src WHERE (v::jsonb)::text::purchase_model::text IS DISTINCT FROM v::text;
SELECT v::jsonb->>'kind' AS kind, count(*) FROM src GROUP BY 1 ORDER BY 1;

-- the casts: per-kind -> purchase_model is exact, and back gives the same text
SELECT id FROM src
 WHERE v::jsonb->>'kind' = 'bgnbd' AND (v::bgnbd_model)::purchase_model::text IS DISTINCT FROM v::text
    OR v::jsonb->>'kind' = 'mbgnbd' AND (v::mbgnbd_model)::purchase_model::text IS DISTINCT FROM v::text
    OR v::jsonb->>'kind' = 'pareto_nbd' AND (v::pareto_nbd_model)::purchase_model::text IS DISTINCT FROM v::text;
SELECT (v::bgnbd_model)::text = (v::jsonb - 'kind')::text::bgnbd_model::text AS back_to_bgnbd FROM src WHERE id = 1;
SELECT v::mbgnbd_model FROM src WHERE id = 1;
SELECT v::pareto_nbd_model FROM src WHERE id = 2;
SELECT v::bgnbd_model FROM src WHERE id = 3;

-- binary COPY out and back in keeps every text form
SELECT current_setting('data_directory') || '/purchase_model_vals.bin' AS vals_file \gset
COPY src TO :'vals_file' WITH (FORMAT binary);
CREATE TABLE back (LIKE src);
COPY back FROM :'vals_file' WITH (FORMAT binary);
SELECT count(*) AS rows_back FROM back;
SELECT id FROM src s JOIN back b USING (id) WHERE s.v::text IS DISTINCT FROM b.v::text;
-- the wire format: version 1, kind byte, the per-kind value after its version byte, block count
SELECT purchase_model_send('{"kind": "bgnbd", "r": 1, "alpha": 2, "a": 0.5, "b": 4, "unit": "1 day", "n": 10, "converged": true}') AS bgnbd;
SELECT substr(purchase_model_send(v), 3, length(purchase_model_send(v)) - 4)
       = substr(pareto_nbd_model_send(v::pareto_nbd_model), 2) AS same_payload
  FROM src WHERE id = 3;

-- corrupted binary input (a binary COPY file with one crafted field)
CREATE FUNCTION try_recv(field bytea) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    lo oid;
    got text;
    state text;
    msg text;
    detail text;
    path text := current_setting('data_directory') || '/purchase_model_case.bin';
BEGIN
    lo := lo_from_bytea(0, '\x5047434f50590aff0d0a00'::bytea || '\x00000000'::bytea || '\x00000000'::bytea
                           || '\x0001'::bytea || int4send(length(field)) || field || '\xffff'::bytea);
    PERFORM lo_export(lo, path);
    PERFORM lo_unlink(lo);
    CREATE TEMP TABLE recv_case (v purchase_model);
    BEGIN
        EXECUTE format('COPY recv_case FROM %L WITH (FORMAT binary)', path);
        SELECT v::text INTO got FROM recv_case;
        DROP TABLE recv_case;
        RETURN 'ok ' || got;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
        DROP TABLE recv_case;
        RETURN state || ' ' || msg || coalesce(' / ' || nullif(detail, ''), '');
    END;
END $$;
CREATE TABLE good AS
SELECT purchase_model_send('{"kind": "mbgnbd", "r": 0.25, "alpha": 4, "a": 0.8, "b": 2.5, "unit": "7 days", "ll": -10, "n": 5, "converged": true}') AS pm;
SELECT c.name, try_recv(c.field) AS result
  FROM good,
       LATERAL (VALUES
    ('valid', pm),
    ('version 2', overlay(pm PLACING '\x02' FROM 1 FOR 1)),
    ('empty', '\x'::bytea),
    ('version byte only', '\x01'::bytea),
    ('kind 2 (gamma_gamma)', overlay(pm PLACING '\x02' FROM 2 FOR 1)),
    ('kind 3 (pareto_nbd)', overlay(pm PLACING '\x03' FROM 2 FOR 1)),
    ('one byte short', substr(pm, 1, length(pm) - 1)),
    ('one byte too many', pm || '\x00'::bytea),
    ('one optional block', overlay(pm PLACING '\x0001' FROM length(pm) - 1 FOR 2)),
    ('unknown limit flags', overlay(pm PLACING '\x40' FROM 3 FOR 1)),
    ('r negative', overlay(pm PLACING float8send(-0.25) FROM 4 FOR 8))
  ) AS c(name, field);

-- text input errors (SQLSTATE and message)
CREATE FUNCTION try_in(t text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    state text;
    msg text;
    detail text;
BEGIN
    RETURN 'ok ' || t::purchase_model::text;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
    RETURN state || ' ' || msg || coalesce(' / ' || nullif(detail, ''), '');
END $$;
SELECT t AS input, try_in(t) AS result
  FROM (VALUES
    ('{"r": 0.24, "alpha": 4.4, "a": 0.79, "b": 2.4}'),
    ('{"kind": "bgnbd", "r": 0.24, "alpha": 4.4, "a": 0.79, "b": 2.4}'),
    ('{"r": 0.55, "alpha": 10.6, "s": 0.61, "beta": 11.7}'),
    ('{"kind": "gamma_gamma", "p": 6, "q": 3, "v": 15}'),
    ('{"kind": 1, "r": 0.24, "alpha": 4.4, "a": 0.79, "b": 2.4}'),
    ('{"kind": "pareto_nbd", "r": 0.24, "alpha": 4.4, "a": 0.79, "b": 2.4}'),
    ('{"kind": "mbgnbd", "r": -1, "alpha": 4.4, "a": 0.79, "b": 2.4}'),
    ('{"kind": "bgnbd", "lambda": 0.2, "limit": "homogeneous_spend"}'),
    ('7 days'),
    ('[1, 2]'),
    ('{"kind": "bgnbd", "r": 0.24, "alpha": 4.4, "a": 0.79, "b": 2.4, "unit": "1 mon"}')
  ) AS i(t);

-- the scores on purchase_model equal the same model given per kind (the
-- implicit cast), bit for bit; and the untyped literal form
CREATE TABLE c (frequency float8, recency float8, t float8, monetary float8);
INSERT INTO c VALUES (0, 0, 38.86, 0), (2, 30.43, 38.86, 22.35), (7, 35.5, 38.86, 41.2), (1, 1.7, 20, 5);
CREATE TABLE profiles AS
SELECT crm_profile(ts, amount, '2024-07-01', '1 day', '7 days') AS p
  FROM (VALUES (1, '2024-01-03'::timestamptz, 10.00), (1, '2024-02-20', 25.00), (1, '2024-05-01', 12.50),
               (2, '2024-06-15', 40.00)) o(id, ts, amount)
 GROUP BY id;
SELECT count(*) AS differ
  FROM src s, c
 WHERE s.id <> 14
   AND (p_alive(c.frequency, c.recency, c.t, s.v)
          IS DISTINCT FROM p_alive(c.frequency, c.recency, c.t, s.v::text::purchase_model)
        OR s.v::jsonb->>'kind' = 'bgnbd'
           AND expected_purchases(10, c.frequency, c.recency, c.t, s.v)
                 IS DISTINCT FROM expected_purchases(10, c.frequency, c.recency, c.t, s.v::bgnbd_model));
SELECT abs(p_alive(2, 30.43, 38.86, '{"kind": "bgnbd", "r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426, "unit": "7 days"}')
           - p_alive(2, 30.43, 38.86, bgnbd_model(0.243, 4.414, 0.793, 2.426, '7 days'))) = 0 AS untyped_literal_same,
       p_alive(2, 30.43, 38.86, '{"r": 0.55, "alpha": 10.58, "s": 0.61, "beta": 11.67, "unit": "7 days"}')
         = p_alive(2, 30.43, 38.86, pareto_nbd_model(0.55, 10.58, 0.61, 11.67, '7 days')) AS pareto_without_kind_same;
-- churn_probability = 1 - P(alive); p_no_purchase falls with the horizon towards it
SELECT bool_and(abs(churn_probability(c.frequency, c.recency, c.t, s.v) - (1 - p_alive(c.frequency, c.recency, c.t, s.v))) < 1e-12) AS churn_is_one_minus_alive,
       bool_and(p_no_purchase(c.frequency, c.recency, c.t, s.v, '1 week') >= p_no_purchase(c.frequency, c.recency, c.t, s.v, '52 weeks')) AS no_purchase_falls,
       bool_and(p_no_purchase(c.frequency, c.recency, c.t, s.v, '52 weeks') >= churn_probability(c.frequency, c.recency, c.t, s.v) - 1e-12) AS no_purchase_above_churn,
       bool_and(p_no_purchase(c.frequency, c.recency, c.t, s.v, '0 days') = 1) AS no_purchase_h0
  FROM src s, c WHERE s.id IN (1, 2, 3);
-- the profile forms equal the (frequency, recency, t) forms; interval horizons equal float horizons in units
SELECT bool_and(p_alive(p, s.v) = p_alive((p).frequency, (p).recency, (p).t, s.v)) AS p_alive_profile,
       bool_and(churn_probability(p, s.v) = churn_probability((p).frequency, (p).recency, (p).t, s.v)) AS churn_profile,
       bool_and(p_no_purchase(p, s.v, '13 weeks') = p_no_purchase((p).frequency, (p).recency, (p).t, s.v, '13 weeks')) AS no_purchase_profile,
       bool_and(expected_purchases(p, s.v, '39 weeks') = expected_purchases(39, (p).frequency, (p).recency, (p).t, s.v)) AS expected_profile,
       bool_and(expected_purchases(s.v, '39 weeks') = expected_purchases(39, 0, 0, 0, s.v)) AS expected_new,
       bool_and(clv_estimate(p, s.v, gamma_gamma_model(6.25, 3.74, 15.44))
                = clv_estimate((p).frequency, (p).recency, (p).t, (p).monetary, s.v, gamma_gamma_model(6.25, 3.74, 15.44))) AS clv_profile
  FROM profiles, src s WHERE s.id IN (1, 2, 3);
-- clv_estimate positional defaults: 12 months, 0.01 a month, 30-day months
SELECT clv_estimate(2, 30.43, 38.86, 22.35, v, gamma_gamma_model(6.25, 3.74, 15.44))
       = clv_estimate(2, 30.43, 38.86, 22.35, v, gamma_gamma_model(6.25, 3.74, 15.44), 12, 0.01, '30 days') AS defaults_ok,
       round(clv_estimate(2, 30.43, 38.86, 22.35, v, gamma_gamma_model(6.25, 3.74, 15.44))::numeric, 4) AS clv
  FROM src WHERE id = 1;

-- NULL in, NULL out (every score is STRICT)
SELECT p_alive(NULL, 1, 2, v) IS NULL AS a, churn_probability(1, 1, 2, NULL::purchase_model) IS NULL AS b,
       p_no_purchase(1, 1, 2, v, NULL) IS NULL AS c, expected_purchases(NULL::float8, 1, 1, 2, v) IS NULL AS d,
       expected_purchases(NULL::customer_profile, v, '1 week') IS NULL AS e, expected_purchases(v, NULL) IS NULL AS f,
       clv_estimate(2, 1, 3, 10, v, NULL) IS NULL AS g, p_alive(NULL::customer_profile, v) IS NULL AS h
  FROM src WHERE id = 1;

-- errors
SELECT p_alive(1.5, 1, 2, v) FROM src WHERE id = 2;
SELECT p_no_purchase(1, 1, 2, v, '-1 day') FROM src WHERE id = 3;
SELECT expected_purchases(v, '-1 day') FROM src WHERE id = 1;
SELECT p_alive(p, v) FROM profiles, src WHERE id = 4 LIMIT 1;

-- calls that were ambiguous in 0.3.2 (42725) now resolve to one function
SELECT p_alive(1, 30, 38, '{"kind": "bgnbd", "r": 0.24, "alpha": 4.4, "a": 0.79, "b": 2.4}') > 0 AS untyped_model;
SELECT p_alive(1, 30, 38, '{"r": 0.24, "alpha": 4.4, "a": 0.79, "b": 2.4}');
SELECT expected_purchases('39', 1, 30, 38, '{"kind": "bgnbd", "r": 0.24, "alpha": 4.4, "a": 0.79, "b": 2.4}') > 0 AS untyped_horizon;
SELECT expected_purchases('39 weeks', 1, 30, 38, '{"kind": "bgnbd", "r": 0.24, "alpha": 4.4, "a": 0.79, "b": 2.4}');
SELECT expected_purchases('{"kind": "bgnbd", "r": 0.24, "alpha": 4.4, "a": 0.79, "b": 2.4, "unit": "7 days"}', '39 weeks') > 0 AS new_customer_untyped;
SELECT churn_probability(1, 30, 38, '7 days');
SET client_min_messages = error;  -- four customers: the fit does not converge (a WARNING)
SELECT count(w) AS window_rows FROM (SELECT churn_probability_window(frequency, recency, t, '7 days') OVER () AS w FROM c) s;
SET client_min_messages = warning;
