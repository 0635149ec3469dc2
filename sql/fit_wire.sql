-- The compact text form of the fit state btyd_cells: exact round trips,
-- the JSON form of 0.3.x still read, fits from states that travelled as
-- text equal the one-pass fits, malformed input refused.
SET extra_float_digits = 0;

-- a fit state of 3,000 demo customers in weeks (recency and T are days / 7)
CREATE TABLE fw_profiles AS
SELECT customer_id, crm_profile(ordered_at, amount, '2026-01-01', '1 day', '7 days') AS p
  FROM crm_demo_orders(3000) GROUP BY customer_id;
CREATE AGGREGATE fw_cells(customer_profile) (SFUNC = purchase_fit_profile_trans, STYPE = btyd_cells,
                                             COMBINEFUNC = btyd_cells_combine);
CREATE AGGREGATE fw_gg_cells(customer_profile) (SFUNC = gamma_gamma_fit_profile_trans, STYPE = btyd_cells,
                                                COMBINEFUNC = btyd_cells_combine);
CREATE TABLE fw_states AS
SELECT 'purchase' AS kind, fw_cells(p) AS s FROM fw_profiles WHERE p IS NOT NULL
UNION ALL
SELECT 'spend', fw_gg_cells(p) FROM fw_profiles WHERE p IS NOT NULL;

-- text form: tag, and an exact round trip
SELECT kind, left(s::text, 6) AS tag, s::text::btyd_cells::text = s::text AS round_trip,
       btyd_cells_send(s::text::btyd_cells) = btyd_cells_send(s) AS same_value
  FROM fw_states ORDER BY kind;
-- a fit from the state that travelled as text = the fit from the state
CREATE AGGREGATE fw_bgnbd(btyd_cells) (SFUNC = btyd_cells_combine, STYPE = btyd_cells, FINALFUNC = bgnbd_fit_final);
CREATE AGGREGATE fw_pareto(btyd_cells) (SFUNC = btyd_cells_combine, STYPE = btyd_cells, FINALFUNC = pareto_nbd_fit_final);
CREATE AGGREGATE fw_gg(btyd_cells) (SFUNC = btyd_cells_combine, STYPE = btyd_cells, FINALFUNC = gamma_gamma_fit_final);
SELECT fw_bgnbd(s::text::btyd_cells)::text = fw_bgnbd(s)::text AS bgnbd_same,
       fw_pareto(s::text::btyd_cells)::text = fw_pareto(s)::text AS pareto_nbd_same
  FROM fw_states WHERE kind = 'purchase';
SELECT fw_gg(s::text::btyd_cells)::text = fw_gg(s)::text AS gamma_gamma_same
  FROM fw_states WHERE kind = 'spend';
-- partial states of four shards, shipped as text and combined = one pass
SELECT fw_bgnbd(s::text::btyd_cells)::text = (SELECT bgnbd_fit(p)::text FROM fw_profiles WHERE p IS NOT NULL)
       AS shards_equal_one_pass
  FROM (SELECT fw_cells(p) AS s FROM fw_profiles WHERE p IS NOT NULL GROUP BY customer_id % 4) AS x;
-- text bytes per cell against the 32 bytes of the binary form: most values
-- take one or two bytes before base64
SELECT round(length(s::text)::numeric / ((length(btyd_cells_send(s)) - 14) / 32), 1) AS text_bytes_per_cell,
       length(s::text) * 5 < (length(btyd_cells_send(s)) - 14) / 32 * 50 AS under_10_per_cell
  FROM fw_states WHERE kind = 'purchase';

-- the JSON form of 0.3.x reads into the same value as its compact form
SELECT s::text AS compact, s::text::btyd_cells::text = s::text AS round_trip
  FROM (VALUES ('{"kind": "bgnbd", "unit": "7 days", "cells": [[0, 0, 38.857142857142854, 1411], [2, 30.428571428571427, 38.857142857142854, 1], [1, 1.7142857142857142, 38.857142857142854, 3.5]]}'::btyd_cells),
               ('{"kind": "gamma_gamma", "cells": [[1, 0.5, 2], [3, 17.25, 1]]}'),
               ('{"kind": "bgnbd", "unit": "1 day", "cells": []}'),
               ('{"kind": "gamma_gamma", "cells": []}'),
               ('{"kind": "bgnbd", "unit": "1 day", "cells": [[1, 0.1, 1e300, 2.5]]}')) AS v(s);
SELECT '  btyd2:AYDA3e7BAgABAQEB  '::btyd_cells::text AS spaces_around;

-- malformed compact text: 22P02; values out of range: 22023
\set VERBOSITY default
SELECT 'btyd2:'::btyd_cells;
SELECT 'btyd2:!!!!'::btyd_cells;
SELECT 'btyd2:AYDA3e7BAgABAQ=='::btyd_cells;           -- truncated
SELECT 'btyd2:AgABAQEC'::btyd_cells;           -- trailing byte after no cells
SELECT 'btyd2:AwABAQE='::btyd_cells;           -- unknown kind
SELECT 'btyd2:AQAAAQEBAQ=='::btyd_cells;   -- unit 0
SELECT 'btyd2:AgEBAQECBAQ='::btyd_cells;       -- gamma_gamma cell x = -1
\set VERBOSITY terse

DROP TABLE fw_profiles, fw_states;
DROP AGGREGATE fw_cells(customer_profile);
DROP AGGREGATE fw_gg_cells(customer_profile);
DROP AGGREGATE fw_bgnbd(btyd_cells);
DROP AGGREGATE fw_pareto(btyd_cells);
DROP AGGREGATE fw_gg(btyd_cells);
