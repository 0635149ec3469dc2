-- One set of defaults: crm_loyalty_defaults() (what the PL/pgSQL analyst
-- functions use) has the values of src/core/defaults.h (what the C
-- functions use), read from the header itself; the SQL argument defaults
-- are the same; and the C functions called without an argument give what
-- they give with the default passed explicitly.
SET TimeZone = 'UTC';
CREATE SCHEMA test_defaults;
SET search_path = test_defaults, public;
SELECT * FROM crm_loyalty_defaults();

-- the C header, as text (the suites run from the repository's root)
\set header `cat src/core/defaults.h`
CREATE TABLE header AS SELECT :'header'::text AS h;
CREATE FUNCTION define(name text) RETURNS text LANGUAGE sql STABLE
RETURN (SELECT (regexp_match(h, '#define ' || name || '\s+([^\n]*?)\s*\n'))[1] FROM header);
SELECT define('CL_DEFAULT_CLV_MONTHS')::int = d.clv_months AS clv_months,
       define('CL_DEFAULT_MONTHLY_DISCOUNT')::float8 = d.monthly_discount AS monthly_discount,
       make_interval(days => define('CL_DEFAULT_MONTH_DAYS')::int) = d.month_length AS month_length,
       define('CL_DEFAULT_RFM_BINS')::int = d.rfm_bins AS rfm_bins,
       define('CL_DEFAULT_TIER_NSHARES')::int = cardinality(d.tier_shares) AS tier_count,
       translate(define('CL_DEFAULT_TIER_SHARES'), ' ', '')::float8[] = d.tier_shares AS tier_shares,
       translate(define('CL_DEFAULT_TIER_NAMES'), ' ', '')::text[] = d.tier_names AS tier_names,
       make_interval(days => define('CL_DEFAULT_VIEW_HORIZON_DAYS')::int) = d.view_horizon AS view_horizon
FROM crm_loyalty_defaults() AS d;

-- the argument defaults of the SQL signatures (clv_estimate and the rest)
SELECT DISTINCT m[1] AS argument, m[2] AS sql_default,
       m[2] = CASE m[1] WHEN 'months' THEN d.clv_months::text
                        WHEN 'monthly_discount' THEN d.monthly_discount::text
                        WHEN 'month_length' THEN format('''%s''::interval', d.month_length)
                        WHEN 'bins' THEN d.rfm_bins::text END AS same
FROM pg_proc AS p
JOIN pg_depend AS dep ON dep.classid = 'pg_proc'::regclass AND dep.objid = p.oid AND dep.deptype = 'e'
JOIN pg_extension AS e ON e.oid = dep.refobjid AND e.extname = 'crm_loyalty'
CROSS JOIN LATERAL regexp_matches(pg_get_function_arguments(p.oid),
                                  '(months|monthly_discount|month_length|bins) [a-z ]+ DEFAULT ([^,]+)', 'g') AS m
CROSS JOIN crm_loyalty_defaults() AS d
ORDER BY 1;

-- the C defaults in action: each form without the argument equals the form
-- given crm_loyalty_defaults()
CREATE TABLE orders AS SELECT * FROM crm_demo_orders(300);
CREATE TABLE prof AS
SELECT customer_id, crm_profile(ordered_at, amount, '2026-01-01') AS p,
       crm_profile(ordered_at, amount, '2026-01-01', d.period, d.unit) AS p_explicit,
       crm_profile(ordered_at, amount, '2026-01-01', '1 month') AS p_month,
       crm_profile(ordered_at, amount, '2026-01-01', '1 month', d.month_length) AS p_month_explicit
FROM orders, crm_loyalty_defaults() AS d GROUP BY customer_id;
SELECT bool_and(p = p_explicit) AS profile_period_unit,
       bool_and(p_month = p_month_explicit) AS profile_month_unit
FROM prof;
SELECT rfm_breaks((p).recency_days, (p).frequency, (p).monetary)::text
       = rfm_breaks((p).recency_days, (p).frequency, (p).monetary, d.rfm_bins)::text AS rfm_bins,
       loyalty_scheme((p).total_spend)::text
       = loyalty_scheme((p).total_spend, d.tier_shares, d.tier_names)::text AS tier_scheme
FROM prof, crm_loyalty_defaults() AS d
GROUP BY d.rfm_bins, d.tier_shares, d.tier_names;
WITH m AS (
    SELECT bgnbd_fit(p) AS bg, gamma_gamma_fit(p) FILTER (WHERE (p).frequency > 0 AND (p).monetary > 0) AS gg FROM prof
)
SELECT bool_and(clv_estimate((p).frequency, (p).recency, (p).t, (p).monetary, m.bg, m.gg)
                = clv_estimate((p).frequency, (p).recency, (p).t, (p).monetary, m.bg, m.gg,
                               d.clv_months, d.monthly_discount, d.month_length)) AS clv
FROM prof, m, crm_loyalty_defaults() AS d;

-- the PL/pgSQL side: the analyst functions' unit is the period, the
-- scoring view's horizon, months, discount and tiers are the defaults
SELECT f.unit = d.unit AS fit_unit, f.kind
FROM fit_models('defaults', 'orders', 'customer_id', 'ordered_at', 'amount', '2026-01-01') AS f,
     crm_loyalty_defaults() AS d
ORDER BY f.kind;
SELECT b.unit = d.unit AS backtest_unit
FROM backtest('orders', 'customer_id', 'ordered_at', 'amount', '2025-06-30', '2025-12-31') AS b,
     crm_loyalty_defaults() AS d;
SELECT create_scoring_view('scores', 'orders', 'customer_id', 'ordered_at', 'amount', '{"as_of": "2026-01-01"}');
SELECT c.attname, col_description(c.attrelid, c.attnum)
FROM pg_attribute AS c
WHERE c.attrelid = 'scores'::regclass AND c.attname IN ('recency', 'expected_purchases', 'clv', 'tier', 'r')
ORDER BY c.attnum;
-- the view's CLV is clv_estimate with the default arguments, its tiers the
-- default scheme
SELECT count(*) FILTER (WHERE abs(s.clv - clv_estimate(x.p, m.pm, m.gg)) <= 1e-9 * abs(s.clv)) AS clv_same,
       count(*) FILTER (WHERE s.tier = loyalty_tier(s.total_spend, t.scheme)) AS tier_same,
       count(*) AS customers
FROM scores AS s
JOIN prof AS x USING (customer_id)
CROSS JOIN (SELECT pareto_nbd_fit(p) AS pm,
                   gamma_gamma_fit(p) FILTER (WHERE (p).frequency > 0 AND (p).monetary > 0) AS gg FROM prof) AS m
CROSS JOIN (SELECT loyalty_scheme(total_spend) AS scheme FROM scores) AS t;

SET client_min_messages = warning;
DROP SCHEMA test_defaults CASCADE;
DELETE FROM fitted_models WHERE name = 'defaults';
