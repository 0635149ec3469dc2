-- Binary I/O of the base types: SEND / RECEIVE of bgnbd_model, mbgnbd_model,
-- pareto_nbd_model, gamma_gamma_model and btyd_cells.  A binary COPY out and
-- back in keeps every value's text form; receive refuses a wrong version,
-- a short or long value and parameters out of range with 22P03 or 22023.
-- Server-side files live in the data directory (relative paths); corrupted
-- inputs are written there as binary COPY files with a crafted field.
CREATE SCHEMA test_binary_io;
SET search_path = test_binary_io, public;
SET TimeZone = 'UTC';
SET client_min_messages = warning;

CREATE TABLE vals (
    id    int PRIMARY KEY,
    label text,
    bg    bgnbd_model,
    mbg   mbgnbd_model,
    pnbd  pareto_nbd_model,
    gg    gamma_gamma_model,
    cells btyd_cells,
    bgs   bgnbd_model[]
);

-- CDNOW-like fitted models (the published estimates, with ll, n, converged)
INSERT INTO vals VALUES
(1, 'cdnow estimates',
 '{"r": 0.24259448597880174, "alpha": 4.413592058606018, "a": 0.7929346488069627, "b": 2.4258913226669417, "unit": "7 days", "ll": -9582.429206317389, "n": 2357, "converged": true}',
 '{"r": 0.5251, "alpha": 6.1831, "a": 0.8911, "b": 1.6141, "unit": "7 days", "ll": -9598.51, "n": 2357, "converged": true}',
 '{"r": 0.5533, "alpha": 10.5776, "s": 0.6061, "beta": 11.6694, "unit": "7 days", "ll": -9594.98, "n": 2357, "converged": true}',
 '{"p": 6.249574654848195, "q": 3.744216408395963, "v": 15.443525101745513, "ll": -4053.7, "n": 946, "converged": true}',
 '{"kind": "bgnbd", "unit": "7 days", "cells": [[0, 0, 38.857142857142854, 1411], [2, 30.428571428571427, 38.857142857142854, 1], [1, 1.7142857142857142, 38.857142857142854, 3.5]]}',
 ARRAY['{"r": 0.24, "alpha": 4.4, "a": 0.79, "b": 2.4}'::bgnbd_model, NULL]);

-- models built by the constructors: not fitted (ll, converged null; n 0)
INSERT INTO vals VALUES
(2, 'constructors',
 bgnbd_model(0.25, 4, 0.8, 2.5, '1 day'), mbgnbd_model(0.5, 6, 0.9, 1.6, '3600 seconds'),
 pareto_nbd_model(0.55, 10.6, 0.61, 11.7, '1.5 days'), gamma_gamma_model(6.25, 3.74, 15.44),
 '{"kind": "gamma_gamma", "cells": [[1, 0.5, 2], [3, 17.25, 1]]}', '{}');

-- every limit model of every type (doc/unusual-data.md), extreme numbers
INSERT INTO vals (id, label, bg, mbg, pnbd, gg) VALUES
(3, 'limits 1',
 '{"lambda": 0.01631516188971309, "unit": "1 day", "limit": "homogeneous_rate+no_dropout", "ll": -45636.80666242649, "n": 1000, "converged": true}',
 '{"r": 1e-300, "alpha": 1.7976931348623157e308, "unit": "7 days", "limit": "no_dropout", "n": 3}',
 '{"lambda": 5e-324, "unit": "1 day", "limit": "homogeneous_rate+no_dropout"}',
 '{"spend": 25, "limit": "constant_spend", "ll": null, "n": 20, "converged": true}'),
(4, 'limits 2',
 '{"r": 2.5, "alpha": 10, "unit": "7 days", "limit": "no_dropout", "converged": false}',
 '{"lambda": 0.5, "a": 1.5, "b": 2.5, "unit": "1 day", "limit": "homogeneous_rate"}',
 '{"r": 0.3, "alpha": 2, "unit": "7 days", "limit": "no_dropout", "ll": -12.5}',
 '{"p": 3, "nu": 0.25, "limit": "homogeneous_spend", "ll": -100.25, "n": 40}'),
(5, 'limits 3',
 '{"lambda": 0.5, "a": 1.5, "b": 2.5, "unit": "1 day", "limit": "homogeneous_rate"}',
 '{"r": 0.5, "alpha": 3, "p": 0.25, "unit": "1 day", "limit": "homogeneous_dropout"}',
 '{"lambda": 0.2, "mu": 0.05, "unit": "1 day", "limit": "homogeneous_rate+homogeneous_dropout"}',
 '{"q": 2.5, "w": 30, "limit": "constant_spend_per_customer"}'),
(6, 'limits 4',
 '{"r": 0.5, "alpha": 3, "p": 0.25, "unit": "1 day", "limit": "homogeneous_dropout"}',
 '{"lambda": 0.2, "p": 0.999, "unit": "1 day", "limit": "homogeneous_rate+homogeneous_dropout"}',
 NULL, NULL),
(7, 'limits 5',
 '{"lambda": 0.2, "p": 1, "unit": "1 day", "limit": "homogeneous_rate+homogeneous_dropout"}',
 '{"lambda": 0.2, "unit": "1 day", "limit": "homogeneous_rate+no_dropout"}',
 NULL, NULL);

-- fitted by the aggregates on the demo shop, and the empty states
CREATE TABLE demo_profile AS
SELECT customer_id, crm_profile(ordered_at, amount, '2026-01-01', '1 day', '7 days') AS p
  FROM crm_demo_orders(400) GROUP BY customer_id;
INSERT INTO vals (id, label, bg, mbg, pnbd, gg, cells)
SELECT 8, 'demo fits', bgnbd_fit(p), mbgnbd_fit(p), pareto_nbd_fit(p), gamma_gamma_fit(p),
       format('{"kind": "bgnbd", "unit": "7 days", "cells": [%s]}',
              string_agg(format('[%s, %s, %s, 1]', (p).frequency, (p).recency, (p).t), ', '))::btyd_cells
  FROM demo_profile;
INSERT INTO vals (id, label, cells) VALUES
(9, 'empty states', '{"kind": "bgnbd", "unit": "1 day", "cells": []}'),
(10, 'empty gamma_gamma state', '{"kind": "gamma_gamma", "cells": []}'),
(11, 'all null', NULL);

SELECT id, label, (bg)::jsonb->>'limit' AS bg_limit, (gg)::jsonb->>'limit' AS gg_limit,
       (bg)::jsonb->'converged' AS bg_converged, length(cells::text) > 0 AS has_cells
  FROM vals ORDER BY id;

-- Binary COPY out and back in: every text form is the same
SELECT current_setting('data_directory') || '/binary_io_vals.bin' AS vals_file \gset
COPY vals TO :'vals_file' WITH (FORMAT binary);
CREATE TABLE vals_back (LIKE vals);
COPY vals_back FROM :'vals_file' WITH (FORMAT binary);
SELECT count(*) AS rows_back FROM vals_back;
SELECT v.id, c.col
  FROM vals v JOIN vals_back b USING (id),
       LATERAL (VALUES ('bg', v.bg::text, b.bg::text), ('mbg', v.mbg::text, b.mbg::text),
                       ('pnbd', v.pnbd::text, b.pnbd::text), ('gg', v.gg::text, b.gg::text),
                       ('cells', v.cells::text, b.cells::text), ('bgs', v.bgs::text, b.bgs::text))
               AS c(col, before, after)
 WHERE c.before IS DISTINCT FROM c.after;
-- and the values read back score the same, bit for bit (no row differs)
SELECT id
  FROM vals v JOIN vals_back b USING (id)
 WHERE p_alive(2, 30, 38, v.bg) IS DISTINCT FROM p_alive(2, 30, 38, b.bg)
    OR expected_purchases(10, 2, 30, 38, v.pnbd) IS DISTINCT FROM expected_purchases(10, 2, 30, 38, b.pnbd)
    OR expected_purchases(10, 2, 30, 38, v.mbg) IS DISTINCT FROM expected_purchases(10, 2, 30, 38, b.mbg)
    OR expected_spend(3, 20, v.gg) IS DISTINCT FROM expected_spend(3, 20, b.gg);
SELECT count(p_alive(2, 30, 38, bg)) AS bg_scored, count(expected_purchases(10, 2, 30, 38, pnbd)) AS pnbd_scored,
       count(expected_spend(3, 20, gg)) AS gg_scored
  FROM vals_back;
-- The wire format, byte for byte (big-endian)
SELECT bgnbd_model_send('{"r": 1, "alpha": 2, "a": 0.5, "b": 4, "unit": "1 day", "n": 10, "converged": true}') AS bgnbd;
SELECT gamma_gamma_model_send('{"spend": 25, "limit": "constant_spend"}') AS constant_spend;
SELECT btyd_cells_send('{"kind": "gamma_gamma", "cells": [[2, 10.5, 3]]}') AS cells;
SELECT length(mbgnbd_model_send(mbg)) AS mbg_bytes, length(pareto_nbd_model_send(pnbd)) AS pnbd_bytes
  FROM vals WHERE id = 1;

---------------------------------------------------------------------------
-- Corrupted input: a binary COPY file whose one field is the given bytes
---------------------------------------------------------------------------
CREATE FUNCTION write_copy_file(path text, field bytea) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    lo oid;
BEGIN
    -- signature, flags, header extension length, one tuple of one field, trailer
    lo := lo_from_bytea(0, '\x5047434f50590aff0d0a00'::bytea || '\x00000000'::bytea || '\x00000000'::bytea
                           || '\x0001'::bytea || int4send(length(field)) || field || '\xffff'::bytea);
    PERFORM lo_export(lo, path);
    PERFORM lo_unlink(lo);
END $$;

CREATE FUNCTION try_recv(typ text, field bytea) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    got text;
    state text;
    msg text;
    detail text;
BEGIN
    PERFORM write_copy_file(current_setting('data_directory') || '/binary_io_case.bin', field);
    EXECUTE format('CREATE TEMP TABLE recv_case (v %s)', typ);
    BEGIN
        EXECUTE format('COPY recv_case FROM %L WITH (FORMAT binary)',
                       current_setting('data_directory') || '/binary_io_case.bin');
        SELECT v::text INTO got FROM recv_case;
        DROP TABLE recv_case;
        RETURN 'ok ' || got;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
        DROP TABLE recv_case;
        RETURN state || ' ' || msg || coalesce(' / ' || nullif(detail, ''), '');
    END;
END $$;

-- f8(x): the 8 bytes of a float8; one valid value of each type to corrupt
CREATE FUNCTION f8(x float8) RETURNS bytea LANGUAGE sql IMMUTABLE AS 'SELECT float8send(x)';
CREATE TABLE good AS
SELECT bgnbd_model_send('{"r": 0.25, "alpha": 4, "a": 0.8, "b": 2.5, "unit": "7 days", "ll": -10, "n": 5, "converged": true}') AS bg,
       gamma_gamma_model_send('{"p": 6, "q": 3.5, "v": 15, "n": 9}') AS gg,
       btyd_cells_send('{"kind": "bgnbd", "unit": "1 day", "cells": [[1, 2, 3, 4], [0, 0, 5, 1]]}') AS cells;

SELECT c.name, try_recv(c.typ, c.field) AS result
  FROM good,
       LATERAL (VALUES
    ('valid bgnbd_model', 'bgnbd_model', bg),
    ('the same bytes as mbgnbd_model', 'mbgnbd_model', bg),
    ('version 2', 'bgnbd_model', overlay(bg PLACING '\x02' FROM 1 FOR 1)),
    ('version 0', 'bgnbd_model', overlay(bg PLACING '\x00' FROM 1 FOR 1)),
    ('empty', 'bgnbd_model', '\x'::bytea),
    ('version byte only', 'bgnbd_model', '\x01'::bytea),
    ('one byte short', 'bgnbd_model', substr(bg, 1, length(bg) - 1)),
    ('one byte too many', 'bgnbd_model', bg || '\x00'::bytea),
    ('gamma_gamma bytes as bgnbd_model', 'bgnbd_model', gg),
    ('unknown limit flags 0x40', 'bgnbd_model', overlay(bg PLACING '\x40' FROM 2 FOR 1)),
    ('a Gamma-Gamma limit on bgnbd_model', 'bgnbd_model', overlay(bg PLACING '\x08' FROM 2 FOR 1)),
    ('no_dropout limit with 4 parameters', 'bgnbd_model', overlay(bg PLACING '\x02' FROM 2 FOR 1)),
    ('r NaN', 'bgnbd_model', overlay(bg PLACING f8('NaN') FROM 3 FOR 8)),
    ('alpha -4', 'bgnbd_model', overlay(bg PLACING f8(-4) FROM 11 FOR 8)),
    ('b infinite', 'bgnbd_model', overlay(bg PLACING f8('Infinity') FROM 27 FOR 8)),
    ('a 0', 'bgnbd_model', overlay(bg PLACING f8(0) FROM 19 FOR 8)),
    ('unit 0', 'bgnbd_model', overlay(bg PLACING '\x0000000000000000' FROM 35 FOR 8)),
    ('unit negative', 'bgnbd_model', overlay(bg PLACING '\xffffffffffffffff' FROM 35 FOR 8)),
    ('ll infinite', 'bgnbd_model', overlay(bg PLACING f8('-Infinity') FROM 43 FOR 8)),
    ('ll NaN (unknown)', 'bgnbd_model', overlay(bg PLACING f8('NaN') FROM 43 FOR 8)),
    ('n negative', 'bgnbd_model', overlay(bg PLACING f8(-1) FROM 51 FOR 8)),
    ('n NaN', 'bgnbd_model', overlay(bg PLACING f8('NaN') FROM 51 FOR 8)),
    ('converged 2 (unknown)', 'bgnbd_model', overlay(bg PLACING '\x02' FROM 59 FOR 1)),
    ('converged 3', 'bgnbd_model', overlay(bg PLACING '\x03' FROM 59 FOR 1)),
    ('homogeneous_dropout p = 1', 'bgnbd_model', '\x0104'::bytea || f8(0.5) || f8(3) || f8(1) || substr(bg, 35)),
    ('homogeneous_dropout p = 0.5', 'bgnbd_model', '\x0104'::bytea || f8(0.5) || f8(3) || f8(0.5) || substr(bg, 35)),
    ('Poisson lambda -1', 'pareto_nbd_model', '\x0103'::bytea || f8(-1) || substr(bg, 35)),
    ('Poisson lambda 0.1', 'pareto_nbd_model', '\x0103'::bytea || f8(0.1) || substr(bg, 35)),
    ('valid gamma_gamma_model', 'gamma_gamma_model', gg),
    ('gamma_gamma q NaN', 'gamma_gamma_model', overlay(gg PLACING f8('NaN') FROM 11 FOR 8)),
    ('gamma_gamma one byte short', 'gamma_gamma_model', substr(gg, 1, length(gg) - 1)),
    ('constant_spend_per_customer q = 1', 'gamma_gamma_model', '\x0120'::bytea || f8(1) || f8(30) || substr(gg, 27)),
    ('constant_spend 25', 'gamma_gamma_model', '\x0110'::bytea || f8(25) || substr(gg, 27)),
    ('valid btyd_cells', 'btyd_cells', cells),
    ('cells version 9', 'btyd_cells', overlay(cells PLACING '\x09' FROM 1 FOR 1)),
    ('cells kind 3', 'btyd_cells', overlay(cells PLACING '\x03' FROM 2 FOR 1)),
    ('cells kind gamma_gamma, bgnbd body', 'btyd_cells', overlay(cells PLACING '\x02' FROM 2 FOR 1)),
    ('cells unit 0', 'btyd_cells', overlay(cells PLACING '\x0000000000000000' FROM 3 FOR 8)),
    ('cells header cut', 'btyd_cells', substr(cells, 1, 12)),
    ('cells count 3, two cells', 'btyd_cells', overlay(cells PLACING int4send(3) FROM 11 FOR 4)),
    ('cells count 2147483647', 'btyd_cells', overlay(cells PLACING int4send(2147483647) FROM 11 FOR 4)),
    ('cells count -1', 'btyd_cells', overlay(cells PLACING int4send(-1) FROM 11 FOR 4)),
    ('cells one byte short', 'btyd_cells', substr(cells, 1, length(cells) - 1)),
    ('cells one byte too many', 'btyd_cells', cells || '\x00'::bytea),
    ('cell recency above t', 'btyd_cells', overlay(cells PLACING f8(9) FROM 23 FOR 8)),
    ('cell weight NaN', 'btyd_cells', overlay(cells PLACING f8('NaN') FROM 39 FOR 8)),
    ('cell frequency 1.5', 'btyd_cells', overlay(cells PLACING f8(1.5) FROM 15 FOR 8)),
    ('gamma_gamma cell frequency 0', 'btyd_cells', '\x010200000001'::bytea || f8(0) || f8(10) || f8(1)),
    ('gamma_gamma cell spend -10', 'btyd_cells', '\x010200000001'::bytea || f8(2) || f8(-10) || f8(1)),
    ('gamma_gamma cells, none', 'btyd_cells', '\x010200000000'::bytea)
  ) AS c(name, typ, field);

DROP SCHEMA test_binary_io CASCADE;
