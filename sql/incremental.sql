-- Incremental refresh of a table of profile states: states after many
-- refreshes over random splits (late orders with old times included) equal
-- the one-pass states; profiles equal crm_profile over all orders; scores
-- over the states equal create_scoring_view over the orders.
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';

-- 4,000 orders of 400 customers (a few with many orders, many with few) over 400 days: refunds, unknown amounts,
-- rows without customer or time; inserted in a shuffled order, so later
-- batches hold orders with older times than earlier ones.
CREATE TABLE inc_all AS
SELECT i,
       CASE WHEN i % 401 = 0 THEN NULL ELSE 1 + ((i * 37) % 4000) * ((i * 37) % 4000) / 40000 END AS customer_id,
       CASE WHEN i % 409 = 0 THEN NULL
            ELSE timestamptz '2024-01-01' + ((i * 7919) % 400) * interval '1 day' + ((i * 13) % 24) * interval '1 hour' END AS ordered_at,
       CASE WHEN i % 17 = 0 THEN -((i % 50) + 1) * 0.25
            WHEN i % 29 = 0 THEN NULL
            ELSE round(((i * 31) % 9000) / 100.0, 2) END AS amount
  FROM generate_series(1, 4000) AS i;
CREATE TABLE inc_orders (order_id bigint GENERATED ALWAYS AS IDENTITY, customer_id int,
                         ordered_at timestamptz, amount numeric);
CREATE TABLE inc_states (customer_id int PRIMARY KEY, state profile_state NOT NULL);

-- the first refresh of an empty order table reads nothing
SELECT * FROM refresh_profile_states('inc_states', 'inc_orders', 'customer_id', 'ordered_at', 'amount', 'order_id');

-- batches of 1..300 rows, a refresh after each
CREATE TABLE inc_log (batch int, customers bigint, orders bigint, watermark text);
DO $$
DECLARE
    pos int := 0;
    n int;
    b int := 0;
BEGIN
    WHILE pos < 4000 LOOP
        b := b + 1;
        n := 1 + (b * 97) % 300;
        INSERT INTO inc_orders (customer_id, ordered_at, amount)
        SELECT a.customer_id, a.ordered_at, a.amount FROM inc_all AS a
         WHERE (a.i * 611) % 4000 >= pos AND (a.i * 611) % 4000 < pos + n
         ORDER BY (a.i * 611) % 4000;
        pos := pos + n;
        INSERT INTO inc_log SELECT b, r.* FROM refresh_profile_states('inc_states', 'inc_orders', 'customer_id',
                                                                  'ordered_at', 'amount', 'order_id') AS r;
    END LOOP;
END $$;
SELECT count(*) AS refreshes, sum(orders) AS orders_read, max(watermark::bigint) AS watermark,
       bool_and(orders > 0) AS each_read_rows
  FROM inc_log;
-- batches hold orders older than ones read before (late orders)
SELECT count(*) > 0 AS late_orders
  FROM inc_orders AS o
 WHERE o.ordered_at < (SELECT max(p.ordered_at) FROM inc_orders AS p WHERE p.order_id < o.order_id - 300);

-- states after the refreshes = one pass (text form, byte for byte)
SELECT count(*) AS mismatches
  FROM inc_states AS s
  FULL JOIN (SELECT customer_id, crm_profile_state(ordered_at, amount) AS state
               FROM inc_orders WHERE customer_id IS NOT NULL GROUP BY customer_id) AS o USING (customer_id)
 WHERE s.state::text IS DISTINCT FROM o.state::text;
SELECT count(*) AS states FROM inc_states;

-- profiles from the states = crm_profile over all orders, for several as_of and units
SELECT count(*) AS profile_mismatches
  FROM (VALUES (timestamptz '2024-03-01', interval '1 day'), ('2024-09-15 12:00', '7 days'),
               ('2025-06-01', '1 day')) AS v(as_of, unit),
       LATERAL (SELECT customer_id, crm_profile(ordered_at, amount, v.as_of, '1 day', v.unit) AS p
                  FROM inc_orders WHERE customer_id IS NOT NULL GROUP BY customer_id) AS o
  JOIN inc_states AS s USING (customer_id)
 WHERE crm_profile(s.state, v.as_of, v.unit) IS DISTINCT FROM o.p;

-- no new orders: nothing read, watermark kept
SELECT * FROM refresh_profile_states('inc_states', 'inc_orders', 'customer_id', 'ordered_at', 'amount', 'order_id');
SELECT source, watermark_column, period, time_zone, watermark, orders_read, customers_changed
  FROM profile_state_refreshes WHERE target = 'inc_states'::regclass;

-- a refund arriving late is a negative row like any other
INSERT INTO inc_orders (customer_id, ordered_at, amount) VALUES (5, '2024-01-02 10:00', -3.50), (999, '2023-12-31', 40), (888, '2024-05-01', -10);
SELECT * FROM refresh_profile_states('inc_states', 'inc_orders', 'customer_id', 'ordered_at', 'amount', 'order_id');
SELECT count(*) AS mismatches
  FROM inc_states AS s
  FULL JOIN (SELECT customer_id, crm_profile_state(ordered_at, amount) AS state
               FROM inc_orders WHERE customer_id IS NOT NULL GROUP BY customer_id) AS o USING (customer_id)
 WHERE s.state::text IS DISTINCT FROM o.state::text;

-- deleted or edited orders need a rebuild; the rebuild equals one pass
DELETE FROM inc_orders WHERE order_id % 10 = 3;
UPDATE inc_orders SET amount = amount + 1 WHERE order_id % 10 = 4;
SELECT customers, orders FROM rebuild_profile_states('inc_states', 'inc_orders', 'customer_id', 'ordered_at', 'amount', 'order_id');
SELECT count(*) AS mismatches
  FROM inc_states AS s
  FULL JOIN (SELECT customer_id, crm_profile_state(ordered_at, amount) AS state
               FROM inc_orders WHERE customer_id IS NOT NULL GROUP BY customer_id) AS o USING (customer_id)
 WHERE s.state::text IS DISTINCT FROM o.state::text;

-- scores over the states = create_scoring_view over the orders (same as_of)
SELECT create_state_scoring_view('inc_scores', 'inc_states', '{"as_of": "2025-03-01", "unit": "7 days"}') AS view;
SELECT create_scoring_view('inc_scores_orders', 'inc_orders', 'customer_id', 'ordered_at', 'amount',
                           '{"as_of": "2025-03-01", "unit": "7 days"}') AS view;
SELECT count(*) AS score_mismatches
  FROM inc_scores AS s FULL JOIN inc_scores_orders AS o USING (customer_id)
 WHERE (s.first_order, s.last_order, s.orders, s.frequency, s.recency, s.t, s.recency_days, s.total_spend,
        s.monetary, s.rfm_cell, s.segment, s.tier, s.purchase_model, s.model_status)
       IS DISTINCT FROM
       (o.first_order, o.last_order, o.orders, o.frequency, o.recency, o.t, o.recency_days, o.total_spend,
        o.monetary, o.rfm_cell, o.segment, o.tier, o.purchase_model, o.model_status)
    OR abs(s.p_alive - o.p_alive) > 1e-12 OR abs(s.expected_purchases - o.expected_purchases) > 1e-9
    OR abs(s.clv - o.clv) > 1e-9 * greatest(1, abs(o.clv));
SELECT model_status, count(*) FROM inc_scores GROUP BY 1 ORDER BY 1;
-- new orders: refresh the states, then REFRESH the materialized view
INSERT INTO inc_orders (customer_id, ordered_at, amount) VALUES (1, '2025-02-20', 10), (777, '2025-02-21', 5);
SELECT customers, orders FROM refresh_profile_states('inc_states', 'inc_orders', 'customer_id', 'ordered_at', 'amount', 'order_id');
REFRESH MATERIALIZED VIEW inc_scores;
SELECT customer_id, orders, total_spend, model_status FROM inc_scores WHERE customer_id IN (1, 777) ORDER BY 1;

-- a shop calendar other than UTC: states and views agree on its days
CREATE TABLE inc_states_ny (customer_id int PRIMARY KEY, state profile_state NOT NULL);
SELECT customers, orders FROM refresh_profile_states('inc_states_ny', 'inc_orders', 'customer_id', 'ordered_at', 'amount', 'order_id',
                                                     '{"time_zone": "America/New_York", "period": "7 days"}');
SELECT create_state_scoring_view('inc_scores_ny', 'inc_states_ny', '{"as_of": "2025-03-01", "materialized": false}') AS view;
SELECT create_scoring_view('inc_scores_ny_orders', 'inc_orders', 'customer_id', 'ordered_at', 'amount',
                           '{"as_of": "2025-03-01", "time_zone": "America/New_York", "period": "7 days"}') AS view;
SELECT count(*) AS profile_mismatches
  FROM inc_scores_ny AS s FULL JOIN inc_scores_ny_orders AS o USING (customer_id)
 WHERE (s.first_order, s.last_order, s.orders, s.frequency, s.recency, s.t, s.recency_days, s.total_spend, s.monetary)
       IS DISTINCT FROM
       (o.first_order, o.last_order, o.orders, o.frequency, o.recency, o.t, o.recency_days, o.total_spend, o.monetary);

-- errors
\set VERBOSITY default
SELECT * FROM refresh_profile_states('inc_states', 'inc_orders', 'customer_id', 'ordered_at', 'amount', 'order_id',
                                     '{"period": "7 days"}');
SELECT * FROM refresh_profile_states('inc_states', 'inc_orders', 'customer_id', 'ordered_at', 'amount', 'order_id',
                                     '{"periods": "7 days"}');
SELECT * FROM refresh_profile_states('inc_states', 'inc_orders', 'customer_id', 'ordered_at', 'amount', 'nope');
SELECT * FROM refresh_profile_states('inc_states', 'inc_orders', 'customer_id', 'ordered_at', 'amount', NULL);
CREATE TABLE inc_nokey (customer_id int, state profile_state);
SELECT * FROM refresh_profile_states('inc_nokey', 'inc_orders', 'customer_id', 'ordered_at', 'amount', 'order_id');
CREATE TABLE inc_filled (customer_id int PRIMARY KEY, state profile_state);
INSERT INTO inc_filled SELECT 1, crm_profile_state(now(), 1);
SELECT * FROM refresh_profile_states('inc_filled', 'inc_orders', 'customer_id', 'ordered_at', 'amount', 'order_id');
CREATE TABLE inc_textwm (id text, customer_id int, ordered_at timestamptz, amount numeric);
CREATE TABLE inc_states2 (customer_id int PRIMARY KEY, state profile_state);
SELECT * FROM refresh_profile_states('inc_states2', 'inc_textwm', 'customer_id', 'ordered_at', 'amount', 'id');
SELECT create_state_scoring_view('inc_bad', 'inc_filled');
\set VERBOSITY terse

DROP TABLE inc_all, inc_log, inc_nokey, inc_filled, inc_textwm, inc_states2;
DROP VIEW inc_scores_ny, inc_scores_ny_orders;
DROP MATERIALIZED VIEW inc_scores;
DROP VIEW inc_scores_orders;
DROP TABLE inc_orders, inc_states, inc_states_ny;
DELETE FROM profile_state_refreshes;
