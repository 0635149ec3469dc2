---------------------------------------------------------------------------
-- Synthetic data: simulated customers and a demo shop
-- Parameter recovery, benchmarks and examples; customer i depends only on
-- (seed, i).
---------------------------------------------------------------------------

CREATE FUNCTION btyd_simulate(customers integer, r float8, alpha float8, a float8, b float8, t float8,
                              seed bigint DEFAULT 1, p float8 DEFAULT NULL, q float8 DEFAULT NULL,
                              v float8 DEFAULT NULL)
RETURNS TABLE (customer_id bigint, frequency float8, recency float8, t float8, monetary float8)
AS 'MODULE_PATHNAME', 'btyd_simulate'
LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 10000;
COMMENT ON FUNCTION btyd_simulate(integer, float8, float8, float8, float8, float8, bigint, float8, float8, float8) IS
'Customers drawn from the BG/NBD process (and Gamma-Gamma spend when p, q, v are given), one cohort observed for t units';

CREATE FUNCTION mbgnbd_simulate(customers integer, r float8, alpha float8, a float8, b float8, t float8,
                                seed bigint DEFAULT 1)
RETURNS TABLE (customer_id bigint, frequency float8, recency float8, t float8)
AS 'MODULE_PATHNAME', 'mbgnbd_simulate'
LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 10000;
COMMENT ON FUNCTION mbgnbd_simulate(integer, float8, float8, float8, float8, float8, bigint) IS
'Customers drawn from the MBG/NBD process (drop-out possible after every purchase, the first included), one cohort observed for t units';
CREATE FUNCTION pareto_nbd_simulate(customers integer, r float8, alpha float8, s float8, beta float8, t float8,
                                    seed bigint DEFAULT 1)
RETURNS TABLE (customer_id bigint, frequency float8, recency float8, t float8)
AS 'MODULE_PATHNAME', 'pareto_nbd_simulate'
LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 10000;
COMMENT ON FUNCTION pareto_nbd_simulate(integer, float8, float8, float8, float8, float8, bigint) IS
'Customers drawn from the Pareto/NBD process (exponential lifetimes with gamma-distributed rates), one cohort observed for t units';

CREATE FUNCTION crm_demo_orders(customers integer DEFAULT 20000, seed bigint DEFAULT 1,
                                start_date date DEFAULT '2024-01-01', days integer DEFAULT 730)
RETURNS TABLE (customer_id bigint, ordered_at timestamptz, amount numeric)
AS 'MODULE_PATHNAME', 'crm_demo_orders'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 100000;
COMMENT ON FUNCTION crm_demo_orders(integer, bigint, date, integer) IS
'Deterministic demo orders of a shop: BG/NBD-like repeat buying, Gamma-Gamma spend, same-day repeats and refunds';
