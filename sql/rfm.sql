-- RFM: cut points, scores, ties, segments, rule sets, errors.
CREATE SCHEMA test_rfm;
SET search_path = test_rfm, public;
SET extra_float_digits = 0;

CREATE TABLE c AS
SELECT i AS customer_id, (i * 7 % 50)::float8 AS recency_days,
       (i % 10)::float8 AS frequency, (i * 13 % 97)::float8 AS monetary
FROM generate_series(1, 100) i;

-- cut points equal percentile_cont at k/5 (type-7 quantiles)
WITH b AS (SELECT rfm_breaks(recency_days, frequency, monetary) AS b FROM c),
     q AS (SELECT percentile_cont(ARRAY[0.2, 0.4, 0.6, 0.8]) WITHIN GROUP (ORDER BY recency_days) r,
                  percentile_cont(ARRAY[0.2, 0.4, 0.6, 0.8]) WITHIN GROUP (ORDER BY frequency) f,
                  percentile_cont(ARRAY[0.2, 0.4, 0.6, 0.8]) WITHIN GROUP (ORDER BY monetary) m FROM c)
SELECT (b).bins, (b).recency_days = q.r AS r_ok, (b).frequency = q.f AS f_ok, (b).monetary = q.m AS m_ok
FROM b, q;

-- scores follow the definition: F = 1 + #cuts below, R = n - #cuts below
WITH b AS (SELECT rfm_breaks(recency_days, frequency, monetary) AS b FROM c),
     s AS (SELECT c.*, rfm_score(recency_days, frequency, monetary, b.b) AS s, b.b FROM c, b)
SELECT count(*) AS mismatches FROM s
WHERE (s).f <> 1 + (SELECT count(*) FROM unnest((b).frequency) x WHERE x < frequency)
   OR (s).m <> 1 + (SELECT count(*) FROM unnest((b).monetary) x WHERE x < monetary)
   OR (s).r <> 5 - (SELECT count(*) FROM unnest((b).recency_days) x WHERE x < recency_days)
   OR (s).cell <> (s).r::text || (s).f::text || (s).m::text;

-- ties always share a score (unlike NTILE)
WITH b AS (SELECT rfm_breaks(recency_days, frequency, monetary) AS b FROM c)
SELECT count(DISTINCT (rfm_score(recency_days, frequency, monetary, b)).f) AS scores_per_frequency
FROM c, b GROUP BY frequency ORDER BY 1 DESC LIMIT 1;

-- heavy ties: many equal values leave scores empty, deterministically
SELECT (rfm_breaks(x, x, x)).frequency
FROM (SELECT CASE WHEN i <= 80 THEN 0 ELSE i END::float8 AS x FROM generate_series(1, 100) i) t;

-- user thresholds, stored in a table, reused
CREATE TABLE stored_breaks AS
SELECT rfm_cut_points('{30,90,180,365}', '{0,1,3,6}', '{20,50,100,250}') AS b;
SELECT b FROM stored_breaks;
SELECT (rfm_score(10, 7, 300, b)).*, (rfm_score(400, 0, 5, b)).*,
       (rfm_score(90, 1, 50, b)).* FROM stored_breaks;

-- boundaries: a value equal to a cut point stays in the lower bin (right-closed)
SELECT (rfm_score(30, 0, 20, b)).cell AS at_first_cuts, (rfm_score(30.0001, 0.0001, 20.0001, b)).cell AS just_above
FROM stored_breaks;

-- infinities are valid values: +inf recency is the oldest, +inf spend the highest
SELECT (rfm_score('Infinity', 'Infinity', '-Infinity', b)).cell FROM stored_breaks;

-- segments: the default rules in order
SELECT segment, r_min, r_max, f_min, f_max, m_min, m_max FROM unnest(rfm_default_rules());
SELECT rfm_segment(5, 5, 5), rfm_segment(3, 3, 2), rfm_segment(1, 1, 1), rfm_segment(2, 1, 5);
-- every cell of the default rules: segment counts
SELECT rfm_segment(r, f, m) AS segment, count(*)
FROM generate_series(1, 5) r, generate_series(1, 5) f, generate_series(1, 5) m
GROUP BY 1 ORDER BY 2 DESC, 1;

-- coverage report of the default rules
SELECT * FROM rfm_rules_check(rfm_default_rules());

-- a user rule set stored as data
INSERT INTO rfm_segment_rules VALUES
  ('simple', 1, 'VIP', 4, 5, 4, 5, 4, 5),
  ('simple', 2, 'Shadowed', 5, 5, 5, 5, 5, 5),
  ('simple', 3, 'Sleeping', 1, 2, 1, 5, 1, 5);
SELECT (rfm_score(10, 7, 300, b, rfm_rules('simple'))).segment,
       (rfm_score(400, 7, 300, b, rfm_rules('simple'))).segment,
       (rfm_score(100, 1, 30, b, rfm_rules('simple'))).segment
FROM stored_breaks;
SELECT problem, segment, count(*) FROM rfm_rules_check(rfm_rules('simple')) GROUP BY 1, 2 ORDER BY 1, 2;
SELECT rfm_rules('default') = rfm_default_rules() AS default_set_matches;

-- more bins: two-digit scores get a separated cell, default segment is NULL
WITH b AS (SELECT rfm_breaks(recency_days, frequency, monetary, 10) b FROM c)
SELECT (rfm_score(0, 1000, 1000, b)).cell, (rfm_score(0, 1000, 1000, b)).segment IS NULL AS no_default_segment FROM b;

-- NULL inputs are skipped by rfm_breaks; rfm_score is strict
SELECT (rfm_breaks(x, 1, 1)).recency_days FROM (VALUES (1::float8), (NULL), (3), (5), (7), (9)) v(x);
SELECT rfm_score(NULL, 1, 1, b) IS NULL AS strict FROM stored_breaks;

-- errors
SELECT rfm_breaks(1, 1, 1, 1);
SELECT rfm_breaks(1, 1, 1, 101);
SELECT rfm_breaks('NaN', 1, 1);
SELECT rfm_cut_points('{30,20}', '{1,2}', '{1,2}');
SELECT rfm_cut_points('{10,20}', '{1,2,3}', '{1,2}');
SELECT rfm_cut_points('{}', '{}', '{}');
SELECT rfm_cut_points('{10,NULL}', '{1,2}', '{1,2}');
SELECT rfm_cut_points('{10,NaN}', '{1,2}', '{1,2}');
-- infinite cut points are allowed: quantiles of data holding infinities
SELECT (rfm_breaks(x, x, x)).frequency FROM unnest('{1,2,3,4,5,Infinity}'::float8[]) x;
SELECT (rfm_score(3, 3, 3, rfm_cut_points('{1,Infinity}', '{1,Infinity}', '{-Infinity,1}'))).cell;
SELECT rfm_score('NaN', 1, 1, b) FROM stored_breaks;
SELECT rfm_score(1, 1, 1, ROW(5, '{1,2}', '{1,2}', '{1,2}')::rfm_cut_points);
SELECT rfm_score(1, 1, 1, ROW(3, '{2,1}', '{1,2}', '{1,2}')::rfm_cut_points);
SELECT rfm_segment(6, 1, 1);
SELECT rfm_score(1, 1, 1, b, ARRAY[ROW('bad', 3, 2, 1, 5, 1, 5)]::rfm_rule[]) FROM stored_breaks;
SELECT rfm_score(1, 1, 1, b, ARRAY[ROW('bad', 1, 9, 1, 5, 1, 5)]::rfm_rule[]) FROM stored_breaks;
SELECT rfm_rules('no such set');
SELECT * FROM rfm_rules_check(rfm_default_rules(), 1);
