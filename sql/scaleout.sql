-- What Citus relies on to run crm_loyalty over a distributed order table
-- (doc/scale-out.md).  Citus itself is not installed here: these are the
-- properties its two strategies need, checked on one node.  Shards are
-- simulated by customer_id % 4, as hash distribution by customer_id splits
-- customers (never one customer's orders) between shards.
CREATE SCHEMA test_scaleout;
SET search_path = test_scaleout, public;
SET TimeZone = 'UTC';

-- 1. Catalog: each fit aggregate has a one-argument form (over the profile)
--    with a combine function and a concrete, text-representable state type;
--    crm_profile has a combine function and (internal state) serialization.
SELECT p.oid::regprocedure AS aggregate,
       a.aggcombinefn <> 0 AS has_combine,
       a.aggtranstype::regtype AS state_type,
       a.aggtranstype <> 'internal'::regtype AS concrete_state,
       p.proparallel = 's' AS parallel_safe
FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
WHERE p.proname IN ('bgnbd_fit', 'gamma_gamma_fit') AND p.pronargs = 1
ORDER BY p.proname;
SELECT count(*) AS crm_profile_forms,
       bool_and(a.aggcombinefn <> 0 AND a.aggserialfn <> 0 AND a.aggdeserialfn <> 0) AS combine_and_serialize,
       bool_and(p.proparallel = 's') AS parallel_safe
FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
WHERE p.proname = 'crm_profile';
-- the state type has text input and output (Citus ships partial states as text)
SELECT typname, typinput::regproc <> 0 AS has_input, typoutput::regproc <> 0 AS has_output
FROM pg_type WHERE oid = 'btyd_cells'::regtype;

-- 2. Per-customer aggregation pushed down whole: each shard's GROUP BY
--    customer_id gives exactly the profiles of the whole table.
CREATE TABLE orders AS SELECT * FROM crm_demo_orders(4000, 11);
CREATE TABLE prof AS
SELECT customer_id, crm_profile(ordered_at, amount, '2025-12-31', '1 day', '7 days') AS p
FROM orders GROUP BY customer_id;
CREATE TABLE prof_by_shard AS
SELECT s AS shard, q.* FROM generate_series(0, 3) s,
LATERAL (SELECT customer_id, crm_profile(ordered_at, amount, '2025-12-31', '1 day', '7 days') AS p
         FROM orders WHERE customer_id % 4 = s GROUP BY customer_id) q;
-- differential: profiles that differ (expected: none)
(SELECT customer_id, p::text FROM prof EXCEPT SELECT customer_id, p::text FROM prof_by_shard)
UNION ALL
(SELECT customer_id, p::text FROM prof_by_shard EXCEPT SELECT customer_id, p::text FROM prof);

-- 3. Fits pushed down as partial aggregates over the profiles: a worker runs
--    the transition function per shard and ships the state as text; the
--    coordinator reads it back, combines and finishes.  The same functions
--    as the one-argument aggregates, spelt out as separate aggregates.
CREATE AGGREGATE bg_partial(customer_profile) (SFUNC = bgnbd_fit_profile_trans, STYPE = btyd_cells);
CREATE AGGREGATE gg_partial(customer_profile) (SFUNC = gamma_gamma_fit_profile_trans, STYPE = btyd_cells);
CREATE AGGREGATE cells_combine(btyd_cells) (SFUNC = btyd_cells_combine, STYPE = btyd_cells);
CREATE AGGREGATE bg_final(btyd_cells) (SFUNC = btyd_cells_combine, STYPE = btyd_cells, FINALFUNC = bgnbd_fit_final);
CREATE AGGREGATE gg_final(btyd_cells) (SFUNC = btyd_cells_combine, STYPE = btyd_cells, FINALFUNC = gamma_gamma_fit_final);

-- customers from the BG/NBD and Gamma-Gamma processes, as stored profiles
CREATE TABLE sim AS
SELECT customer_id, frequency, recency, t, coalesce(monetary, 0) AS monetary
FROM btyd_simulate(30000, 0.25, 4.4, 0.8, 2.4, 39, 5, 6.25, 3.74, 15.44);
CREATE TABLE sim_prof AS
SELECT customer_id,
       ROW(NULL, NULL, frequency + 1, 0, frequency + 1, frequency, recency, t, 0, monetary, 0, '7 days')::customer_profile AS p
FROM sim;
CREATE TABLE one_pass AS
SELECT bgnbd_fit(p)::text AS bg, gamma_gamma_fit(p)::text AS gg, bg_partial(p)::text AS bg_state, gg_partial(p)::text AS gg_state
FROM sim_prof;
-- the profile form is the same fit as the three-float form over the same customers
SELECT bg = (SELECT bgnbd_fit(frequency, recency, t, '7 days')::text FROM sim) AS bg_profile_form_same,
       gg = (SELECT gamma_gamma_fit(frequency, monetary)::text FROM sim) AS gg_profile_form_same
FROM one_pass;

CREATE TABLE shard_states AS
SELECT customer_id % 4 AS shard, bg_partial(p)::text AS bg_state, gg_partial(p)::text AS gg_state
FROM sim_prof GROUP BY 1;

-- 3a. text output -> input is exact, and an empty shard (no rows) is NULL,
--     which the combine skips
SELECT bool_and(bg_state::btyd_cells::text = bg_state) AS bg_state_round_trips,
       bool_and(gg_state::btyd_cells::text = gg_state) AS gg_state_round_trips,
       (SELECT bg_partial(p) IS NULL FROM sim_prof WHERE false) AS empty_shard_is_null
FROM shard_states;

-- 3b. states read back from text and combined give the one-pass model
--     exactly, in any order of the shards (commutativity).  The merged state
--     may list its cells in another order than the one-pass state; the fit
--     does not depend on that order.
SELECT (SELECT bg_final(bg_state::btyd_cells ORDER BY shard)::text FROM shard_states) = bg AS bg_model_equals_one_pass,
       (SELECT gg_final(gg_state::btyd_cells ORDER BY shard)::text FROM shard_states) = gg AS gg_model_equals_one_pass,
       (SELECT count(DISTINCT m) FROM (
            SELECT bg_final(bg_state::btyd_cells ORDER BY shard)::text FROM shard_states
            UNION ALL SELECT bg_final(bg_state::btyd_cells ORDER BY shard DESC)::text FROM shard_states
            UNION ALL SELECT bg_final(bg_state::btyd_cells ORDER BY (shard * 3) % 4)::text FROM shard_states
            UNION ALL SELECT bg_final(bg_state::btyd_cells ORDER BY (shard + 2) % 4)::text FROM shard_states) o(m)) AS bg_models_over_4_orders,
       (SELECT count(DISTINCT m) FROM (
            SELECT gg_final(gg_state::btyd_cells ORDER BY shard)::text FROM shard_states
            UNION ALL SELECT gg_final(gg_state::btyd_cells ORDER BY shard DESC)::text FROM shard_states
            UNION ALL SELECT gg_final(gg_state::btyd_cells ORDER BY (shard * 3) % 4)::text FROM shard_states
            UNION ALL SELECT gg_final(gg_state::btyd_cells ORDER BY (shard + 2) % 4)::text FROM shard_states) o(m)) AS gg_models_over_4_orders
FROM one_pass;

-- 3c. associativity: combining in two levels, ((0+1) + (2+3)) with the
--     intermediate states shipped as text again, and ((0+2)+1)+3, give the
--     one-pass model
CREATE TABLE two_level AS
SELECT shard / 2 AS node, cells_combine(bg_state::btyd_cells)::text AS bg_state,
       cells_combine(gg_state::btyd_cells)::text AS gg_state
FROM shard_states GROUP BY 1;
SELECT (SELECT bg_final(bg_state::btyd_cells ORDER BY node)::text FROM two_level) = bg AS bg_two_level_same,
       (SELECT gg_final(gg_state::btyd_cells ORDER BY node)::text FROM two_level) = gg AS gg_two_level_same,
       (SELECT bg_final(s ORDER BY k)::text
        FROM (SELECT 0 AS k, cells_combine(bg_state::btyd_cells ORDER BY shard) AS s FROM shard_states WHERE shard IN (0, 2)
              UNION ALL SELECT shard + 1, bg_state::btyd_cells FROM shard_states WHERE shard IN (1, 3)) l) = bg AS bg_left_nested_same
FROM one_pass;

-- 3d. the fitted models agree within floating-point tolerance with fits of
--     the whole table made in a different row order (the optimizer sees the
--     same cells, so the parameters agree to the last few digits)
SELECT abs((f.bg::jsonb->>'r')::float8 / (o.bg::jsonb->>'r')::float8 - 1) < 1e-9 AS r_same,
       abs((f.bg::jsonb->>'b')::float8 / (o.bg::jsonb->>'b')::float8 - 1) < 1e-9 AS b_same,
       abs((f.gg::jsonb->>'p')::float8 / (o.gg::jsonb->>'p')::float8 - 1) < 1e-9 AS p_same,
       (f.bg::jsonb->>'n') = (o.bg::jsonb->>'n') AS same_n
FROM one_pass o,
     (SELECT bgnbd_fit(p ORDER BY customer_id DESC)::text AS bg, gamma_gamma_fit(p ORDER BY md5(customer_id::text))::text AS gg
      FROM sim_prof) f;

-- 4. End to end on "shards" of the order table: profiles per shard, partial
--    fit states per shard, combined on the "coordinator" = one-pass fit
SELECT (SELECT bg_final(s::btyd_cells ORDER BY shard)::text
        FROM (SELECT shard, bg_partial(p)::text AS s FROM prof_by_shard WHERE p IS NOT NULL GROUP BY shard) x)
       = (SELECT bgnbd_fit(p)::text FROM prof WHERE p IS NOT NULL) AS bg_from_orders_same,
       (SELECT gg_final(s::btyd_cells ORDER BY shard)::text
        FROM (SELECT shard, gg_partial(p)::text AS s FROM prof_by_shard WHERE p IS NOT NULL GROUP BY shard) x)
       = (SELECT gamma_gamma_fit(p)::text FROM prof WHERE p IS NOT NULL) AS gg_from_orders_same;

-- a state built in one unit cannot be combined with one built in another
SELECT bg_final(s ORDER BY u)
FROM (SELECT 1 AS u, bg_partial(ROW(NULL, NULL, 2, 0, 2, 1, 1, 2, 1, 10, 20, '1 day')::customer_profile) AS s
      UNION ALL
      SELECT 2, bg_partial(ROW(NULL, NULL, 2, 0, 2, 1, 1, 2, 1, 10, 20, '7 days')::customer_profile)) v;

-- 5. The in-memory state of a running aggregate: used as a window
--    aggregate with a growing frame, the fit's final function runs again
--    and again on a state that keeps growing (and is compressed in place in
--    between).  Each running fit equals a fresh fit over the same rows.
--    (400 customers, repeat buyers first so that every prefix can be
--    fitted.)
CREATE TABLE sim_ordered AS
SELECT k, p
FROM (SELECT row_number() OVER (ORDER BY (p).frequency = 0, customer_id % 97, customer_id) AS k, p FROM sim_prof) s
WHERE k <= 400;
SELECT count(*) AS checked,
       bool_and(w.bg = (SELECT bgnbd_fit(p)::text FROM sim_ordered s WHERE s.k <= w.k)) AS bg_running_same,
       bool_and(w.gg = (SELECT gamma_gamma_fit(p)::text FROM sim_ordered s WHERE s.k <= w.k)) AS gg_running_same
FROM (SELECT k,
             bgnbd_fit(p) OVER (ORDER BY k)::text AS bg,
             gamma_gamma_fit(p) OVER (ORDER BY k)::text AS gg
      FROM sim_ordered) w
WHERE w.k IN (50, 123, 399, 400);
