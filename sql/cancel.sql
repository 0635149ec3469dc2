-- Query cancel: statement_timeout stops a long profile aggregation and a long
-- model fit promptly, with SQLSTATE 57014, and the session stays usable.
CREATE SCHEMA test_cancel;
SET search_path = test_cancel, public;

-- true when stmt is cancelled (by the statement_timeout set before the call)
-- within limit_ms, although it would run for far longer; false when it
-- finishes or takes longer to stop
CREATE FUNCTION cancelled_within(stmt text, limit_ms int) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz := clock_timestamp();
BEGIN
    BEGIN
        EXECUTE stmt;
    EXCEPTION WHEN query_canceled THEN
        RETURN clock_timestamp() - t0 < limit_ms * interval '1 ms';
    END;
    RETURN false;
END
$$;

-- one customer with 100 million orders, generated on the fly (minutes of work)
SET statement_timeout = '200ms';
SELECT cancelled_within($$
    SELECT crm_profile(timestamptz '2020-01-01 00:00+00' + b * interval '1 minute', 1.50, '2030-01-01')
    FROM generate_series(1, 10000) a, generate_series(1, 10000) b$$, 5000) AS profile_cancelled;
RESET statement_timeout;

-- the BG/NBD fit of 300,000 distinct customers from a stored state: only the
-- optimizer runs, which checks for cancel at every iteration
CREATE AGGREGATE bg_cells(float8, float8, float8) (SFUNC = bgnbd_fit_trans, STYPE = btyd_cells);
CREATE AGGREGATE bg_final(btyd_cells) (SFUNC = btyd_cells_combine, STYPE = btyd_cells, FINALFUNC = bgnbd_fit_final);
CREATE TABLE cells AS
SELECT bg_cells(frequency, recency, t) AS s FROM btyd_simulate(300000, 0.25, 4.4, 0.8, 2.4, 273, 3);
SET statement_timeout = '10ms';
SELECT cancelled_within('SELECT bg_final(s) FROM cells', 5000) AS fit_cancelled;
RESET statement_timeout;

-- the error itself, as a client sees it
BEGIN;
SET LOCAL statement_timeout = '100ms';
SELECT crm_profile(timestamptz '2020-01-01 00:00+00' + b * interval '1 minute', 1.50, '2030-01-01')
FROM generate_series(1, 10000) a, generate_series(1, 10000) b;
ROLLBACK;
-- the session is fine afterwards, and the fit runs to the end without a timeout
SELECT (bg_final(s)::jsonb->>'converged')::boolean AS fit_converges FROM cells;
