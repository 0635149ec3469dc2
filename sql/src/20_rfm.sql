---------------------------------------------------------------------------
-- RFM: cut points, scores, segments and stored rule sets
---------------------------------------------------------------------------

-- Types
CREATE TYPE rfm_cut_points AS (
    bins         integer,
    recency_days float8[],
    frequency    float8[],
    monetary     float8[]
);
COMMENT ON TYPE rfm_cut_points IS
'RFM cut points: bins - 1 ascending thresholds per dimension; store them in a table to keep scores stable';
COMMENT ON COLUMN rfm_cut_points.bins IS 'Number of bins (scores run 1..bins)';
COMMENT ON COLUMN rfm_cut_points.recency_days IS 'Cut points of recency_days (days since the last purchase)';
COMMENT ON COLUMN rfm_cut_points.frequency IS 'Cut points of frequency';
COMMENT ON COLUMN rfm_cut_points.monetary IS 'Cut points of monetary';

CREATE TYPE rfm_scores AS (
    r       integer,
    f       integer,
    m       integer,
    cell    text,
    segment text
);
COMMENT ON TYPE rfm_scores IS 'RFM scores of one customer: R, F, M (1..bins), the cell (e.g. 545) and the segment name';
COMMENT ON COLUMN rfm_scores.r IS 'Recency score: bins for the most recent customers, 1 for the least recent';
COMMENT ON COLUMN rfm_scores.f IS 'Frequency score: 1 + number of cut points strictly below the frequency';
COMMENT ON COLUMN rfm_scores.m IS 'Monetary score: 1 + number of cut points strictly below the monetary value';
COMMENT ON COLUMN rfm_scores.cell IS 'R, F and M as text: ''545'', or ''10-3-7'' when bins > 9';
COMMENT ON COLUMN rfm_scores.segment IS 'Segment of the first matching rule, ''Others'' if none matches';

CREATE TYPE rfm_rule AS (
    segment text,
    r_min   integer,
    r_max   integer,
    f_min   integer,
    f_max   integer,
    m_min   integer,
    m_max   integer
);
COMMENT ON TYPE rfm_rule IS 'An RFM segment rule: inclusive score ranges; rules are tried in array order, first match wins';

-- rfm_breaks: cut points over a customer base (parallel aggregate)
CREATE FUNCTION rfm_breaks_trans(internal, float8, float8, float8)
RETURNS internal AS 'MODULE_PATHNAME', 'rfm_breaks_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION rfm_breaks_trans(internal, float8, float8, float8) IS
'Transition function of rfm_breaks (internal)';

CREATE FUNCTION rfm_breaks_trans(internal, float8, float8, float8, integer)
RETURNS internal AS 'MODULE_PATHNAME', 'rfm_breaks_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION rfm_breaks_trans(internal, float8, float8, float8, integer) IS
'Transition function of rfm_breaks with a number of bins (internal)';

CREATE FUNCTION rfm_breaks_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'rfm_breaks_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION rfm_breaks_combine(internal, internal) IS
'Combine function of rfm_breaks (internal)';

CREATE FUNCTION rfm_breaks_serialize(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'rfm_breaks_serialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rfm_breaks_serialize(internal) IS
'Serialize function of rfm_breaks (internal)';

CREATE FUNCTION rfm_breaks_deserialize(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'rfm_breaks_deserialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rfm_breaks_deserialize(bytea, internal) IS
'Deserialize function of rfm_breaks (internal)';

CREATE FUNCTION rfm_breaks_final(internal)
RETURNS rfm_cut_points AS 'MODULE_PATHNAME', 'rfm_breaks_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION rfm_breaks_final(internal) IS
'Final function of rfm_breaks (internal)';

CREATE AGGREGATE rfm_breaks(recency_days float8, frequency float8, monetary float8) (
    SFUNC = rfm_breaks_trans,
    STYPE = internal,
    FINALFUNC = rfm_breaks_final,
    COMBINEFUNC = rfm_breaks_combine,
    SERIALFUNC = rfm_breaks_serialize,
    DESERIALFUNC = rfm_breaks_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE rfm_breaks(float8, float8, float8) IS
'RFM cut points over a customer base: type-7 quantiles at k/5, k = 1..4';

CREATE AGGREGATE rfm_breaks(recency_days float8, frequency float8, monetary float8, bins integer) (
    SFUNC = rfm_breaks_trans,
    STYPE = internal,
    FINALFUNC = rfm_breaks_final,
    COMBINEFUNC = rfm_breaks_combine,
    SERIALFUNC = rfm_breaks_serialize,
    DESERIALFUNC = rfm_breaks_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE rfm_breaks(float8, float8, float8, integer) IS
'RFM cut points over a customer base: type-7 quantiles at k/bins, k = 1..bins-1 (bins 2..100)';

-- Scoring against stored cut points, and the segment rules
CREATE FUNCTION rfm_cut_points(recency_days float8[], frequency float8[], monetary float8[])
RETURNS rfm_cut_points AS 'MODULE_PATHNAME', 'rfm_cut_points_make'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rfm_cut_points(float8[], float8[], float8[]) IS
'User-supplied RFM thresholds: three ascending arrays of equal length (bins - 1 each)';

CREATE FUNCTION rfm_default_rules()
RETURNS rfm_rule[] AS 'MODULE_PATHNAME', 'rfm_default_rules'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION rfm_default_rules() IS
'The default RFM segment rules for 1..5 scores, in evaluation order';

CREATE FUNCTION rfm_score(recency_days float8, frequency float8, monetary float8, breaks rfm_cut_points)
RETURNS rfm_scores AS 'MODULE_PATHNAME', 'rfm_score'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rfm_score(float8, float8, float8, rfm_cut_points) IS
'RFM scores, cell and default segment of one customer against stored cut points';

CREATE FUNCTION rfm_score(recency_days float8, frequency float8, monetary float8, breaks rfm_cut_points, rules rfm_rule[])
RETURNS rfm_scores AS 'MODULE_PATHNAME', 'rfm_score_rules'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rfm_score(float8, float8, float8, rfm_cut_points, rfm_rule[]) IS
'RFM scores, cell and segment of one customer against stored cut points and a rule set';

CREATE FUNCTION rfm_segment(r integer, f integer, m integer)
RETURNS text AS 'MODULE_PATHNAME', 'rfm_segment'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rfm_segment(integer, integer, integer) IS
'Default segment name of 1..5 RFM scores';

CREATE FUNCTION rfm_segment(r integer, f integer, m integer, rules rfm_rule[])
RETURNS text AS 'MODULE_PATHNAME', 'rfm_segment'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rfm_segment(integer, integer, integer, rfm_rule[]) IS
'Segment name of RFM scores under a rule set (first match wins, else Others)';

CREATE FUNCTION rfm_rules_check(rules rfm_rule[], bins integer DEFAULT 5)
RETURNS TABLE (problem text, segment text, cell text) AS 'MODULE_PATHNAME', 'rfm_rules_check'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 20;
COMMENT ON FUNCTION rfm_rules_check(rfm_rule[], integer) IS
'Lists the rules of a rule set that can never fire and the score cells that fall to Others';

-- Window forms: cut points of the window partition, each row scored in the same query
CREATE FUNCTION rfm_score(recency_days float8, frequency float8, monetary float8)
RETURNS rfm_scores AS 'MODULE_PATHNAME', 'rfm_score_window'
LANGUAGE C IMMUTABLE PARALLEL SAFE WINDOW;
COMMENT ON FUNCTION rfm_score(float8, float8, float8) IS
'Window function: RFM scores of the row against cut points of its window partition (5 bins, default rules)';

CREATE FUNCTION rfm_score(recency_days float8, frequency float8, monetary float8, bins integer)
RETURNS rfm_scores AS 'MODULE_PATHNAME', 'rfm_score_window'
LANGUAGE C IMMUTABLE PARALLEL SAFE WINDOW;
COMMENT ON FUNCTION rfm_score(float8, float8, float8, integer) IS
'Window function: RFM scores of the row against cut points of its window partition in bins bins (segments need 5)';

-- Rule sets stored as data.  The 'default' set is part of the extension; other
-- sets belong to the user and are included in pg_dump.
CREATE TABLE rfm_segment_rules (
    rule_set text    NOT NULL,
    position integer NOT NULL,
    segment  text    NOT NULL,
    r_min    integer NOT NULL,
    r_max    integer NOT NULL,
    f_min    integer NOT NULL,
    f_max    integer NOT NULL,
    m_min    integer NOT NULL,
    m_max    integer NOT NULL,
    PRIMARY KEY (rule_set, position),
    CHECK (r_min BETWEEN 1 AND r_max AND f_min BETWEEN 1 AND f_max AND m_min BETWEEN 1 AND m_max)
);
COMMENT ON TABLE rfm_segment_rules IS
'Named RFM segment rule sets; rules of a set are tried in position order, first match wins; ''default'' is built in and cannot change';
INSERT INTO rfm_segment_rules
SELECT 'default', u.position, u.segment, u.r_min, u.r_max, u.f_min, u.f_max, u.m_min, u.m_max
FROM unnest(rfm_default_rules()) WITH ORDINALITY
     AS u(segment, r_min, r_max, f_min, f_max, m_min, m_max, position);
SELECT pg_catalog.pg_extension_config_dump('rfm_segment_rules', 'WHERE rule_set <> ''default''');
GRANT SELECT ON rfm_segment_rules TO PUBLIC;
-- the extension is trusted: whoever created it manages its rule sets
GRANT INSERT, UPDATE, DELETE ON rfm_segment_rules TO @extowner@;

-- The built-in rule set cannot change: it is rebuilt by CREATE EXTENSION and
-- pg_dump does not keep it (the trigger is created after its rows).
CREATE FUNCTION rfm_segment_rules_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF (TG_OP <> 'INSERT' AND OLD.rule_set = 'default') OR (TG_OP <> 'DELETE' AND NEW.rule_set = 'default') THEN
        RAISE EXCEPTION 'the rule set "default" is part of crm_loyalty and cannot be changed'
            USING ERRCODE = '42501',
                  DETAIL = 'It is rebuilt by CREATE EXTENSION, so pg_dump does not keep changes to it.',
                  HINT = 'Copy it under another name and change the copy: INSERT INTO rfm_segment_rules '
                         'SELECT ''mine'', position, segment, r_min, r_max, f_min, f_max, m_min, m_max '
                         'FROM rfm_segment_rules WHERE rule_set = ''default''.';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;
COMMENT ON FUNCTION rfm_segment_rules_guard() IS
'Trigger of rfm_segment_rules: the built-in rule set ''default'' cannot be inserted into, changed or deleted';
CREATE TRIGGER rfm_segment_rules_guard BEFORE INSERT OR UPDATE OR DELETE ON rfm_segment_rules
    FOR EACH ROW EXECUTE FUNCTION rfm_segment_rules_guard();
COMMENT ON TRIGGER rfm_segment_rules_guard ON rfm_segment_rules IS
'The built-in rule set ''default'' cannot be changed';

CREATE FUNCTION rfm_rules(rule_set text)
RETURNS rfm_rule[]
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    result @extschema@.rfm_rule[];
BEGIN
    SELECT array_agg(ROW(s.segment, s.r_min, s.r_max, s.f_min, s.f_max, s.m_min, s.m_max)::@extschema@.rfm_rule
                     ORDER BY s.position)
      INTO result
      FROM @extschema@.rfm_segment_rules AS s
     WHERE s.rule_set = rfm_rules.rule_set;
    IF result IS NULL THEN
        RAISE EXCEPTION 'rule set "%" does not exist', rule_set
            USING ERRCODE = '22023',
                  HINT = 'Insert its rules into rfm_segment_rules, or use ''default''.';
    END IF;
    RETURN result;
END
$$;
COMMENT ON FUNCTION rfm_rules(text) IS
'The rules of a stored rule set (table rfm_segment_rules), in position order, for rfm_score';
