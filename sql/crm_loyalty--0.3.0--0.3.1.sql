/* sql/crm_loyalty--0.3.0--0.3.1.sql — robustness and hardening release */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION crm_loyalty UPDATE TO '0.3.1'" to load this file. \quit

---------------------------------------------------------------------------
-- Models at the edge of the parameter space and scoring robustness
---------------------------------------------------------------------------
-- (section: models)





---------------------------------------------------------------------------
-- Model store: who reads and writes fitted models
---------------------------------------------------------------------------
-- (section: store)

-- Fitted models belong to the role that stored them.  Every role has its own
-- namespace of model names (fitted_by is part of the key), so no role can
-- take a name from another, and two sessions storing the same name as two
-- roles never meet: the race of a "name not used by anybody else" check is
-- gone by construction.  fitted_by and fitted_at are set by a trigger for
-- everybody but the store's owner, so they cannot be forged.  Rows are
-- private to their writer (and members of the writer's role) unless the
-- writer lists readers.  The table is owned by the extension's owner, who
-- therefore bypasses row-level security: pg_dump and pg_restore run by that
-- role copy every row with its original fitted_by and fitted_at, and that
-- role can delete any row.

ALTER TABLE @extschema@.fitted_models ADD COLUMN readers name[] NOT NULL DEFAULT '{}';
COMMENT ON COLUMN @extschema@.fitted_models.readers IS
'Roles (with their members) that may read the fit besides its writer; ''public'' for every role; empty: private';
COMMENT ON COLUMN @extschema@.fitted_models.name IS
'Model name chosen by whoever fitted it; every role has its own names (the key includes fitted_by)';
COMMENT ON COLUMN @extschema@.fitted_models.fitted_at IS
'When the fit was stored (set by the server; only the store''s owner, e.g. pg_restore, writes it as given)';
COMMENT ON COLUMN @extschema@.fitted_models.fitted_by IS
'Role that stored the fit (set by the server; only the store''s owner, e.g. pg_restore, writes it as given)';
COMMENT ON COLUMN @extschema@.fitted_models.kind IS 'Model kind: bgnbd, gamma_gamma, mbgnbd or pareto_nbd';
COMMENT ON TABLE @extschema@.fitted_models IS
'Fitted models by role, name (and group): every fit is kept; a role''s lookups use the newest fit of its own name, or of role.name when that role shares it';

-- The old key (name, group_key, kind, fitted_at) is unique, so the new one is too.
ALTER TABLE @extschema@.fitted_models DROP CONSTRAINT fitted_models_pkey;
ALTER TABLE @extschema@.fitted_models ADD PRIMARY KEY (fitted_by, name, group_key, kind, fitted_at);

-- The table belongs to the extension's owner (who ran CREATE EXTENSION), not
-- to the superuser a trusted extension's script runs as.  @extowner@ would
-- name whoever runs ALTER EXTENSION UPDATE, so read the owner from the catalog.
DO $do$
DECLARE
    stmt text;
BEGIN
    SELECT pg_catalog.format('ALTER TABLE %I.fitted_models OWNER TO %I', n.nspname, r.rolname) INTO STRICT stmt
      FROM pg_catalog.pg_extension AS e
      JOIN pg_catalog.pg_namespace AS n ON n.oid = e.extnamespace
      JOIN pg_catalog.pg_roles AS r ON r.oid = e.extowner
     WHERE e.extname = 'crm_loyalty';
    EXECUTE stmt;
END
$do$;

-- Whether the current role may read a fit written by writer with these
-- readers.  Roles that no longer exist count as nobody.
CREATE FUNCTION fitted_model_readable(writer name, readers name[])
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
RETURN writer = CURRENT_USER
    OR 'public' = ANY (readers)
    OR EXISTS (SELECT 1 FROM pg_catalog.pg_roles AS r
                WHERE (r.rolname = writer OR r.rolname = ANY (readers))
                  AND pg_catalog.pg_has_role(r.oid, 'USAGE'));
COMMENT ON FUNCTION fitted_model_readable(name, name[]) IS
'Whether the current role may read a stored fit: it wrote it, has the writer''s privileges, or is (a member of) one of its readers or readers include public';

-- Whether the current role acts for the writer (is it, or has its privileges).
CREATE FUNCTION fitted_model_writable(writer name)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
RETURN writer = CURRENT_USER
    OR EXISTS (SELECT 1 FROM pg_catalog.pg_roles AS r
                WHERE r.rolname = writer AND pg_catalog.pg_has_role(r.oid, 'USAGE'));
COMMENT ON FUNCTION fitted_model_writable(name) IS
'Whether the current role may delete or re-share a stored fit: it wrote it or has the writer''s privileges';

DROP POLICY fitted_models_read ON @extschema@.fitted_models;
DROP POLICY fitted_models_add ON @extschema@.fitted_models;
DROP POLICY fitted_models_remove ON @extschema@.fitted_models;
CREATE POLICY fitted_models_read ON @extschema@.fitted_models FOR SELECT
    USING (@extschema@.fitted_model_readable(fitted_by, readers));
CREATE POLICY fitted_models_add ON @extschema@.fitted_models FOR INSERT
    WITH CHECK (fitted_by = CURRENT_USER);
CREATE POLICY fitted_models_share ON @extschema@.fitted_models FOR UPDATE
    USING (@extschema@.fitted_model_writable(fitted_by))
    WITH CHECK (@extschema@.fitted_model_writable(fitted_by));
CREATE POLICY fitted_models_remove ON @extschema@.fitted_models FOR DELETE
    USING (@extschema@.fitted_model_writable(fitted_by));
COMMENT ON POLICY fitted_models_read ON @extschema@.fitted_models IS
'A role reads its own fits, those of roles whose privileges it has, and those whose readers include it, one of its roles or public';
COMMENT ON POLICY fitted_models_add ON @extschema@.fitted_models IS
'A role adds fits only in its own name (every role has its own model names)';
COMMENT ON POLICY fitted_models_share ON @extschema@.fitted_models IS
'A role changes the readers of its own fits only';
COMMENT ON POLICY fitted_models_remove ON @extschema@.fitted_models IS
'A role deletes its own fits only (the table''s owner, the extension''s owner, deletes any)';
-- only the readers of a fit can change (fitted_models_stamp keeps the rest)
GRANT UPDATE (readers) ON @extschema@.fitted_models TO PUBLIC;

-- Sets fitted_at, refuses a fitted_by other than the current role, and
-- refuses changes to anything but readers.  The store's owner (and its
-- members) write rows as given: that is how pg_restore brings back the
-- original fitted_by and fitted_at.
CREATE FUNCTION fitted_models_stamp()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    bad name;
BEGIN
    IF pg_catalog.pg_has_role((SELECT c.relowner FROM pg_catalog.pg_class AS c WHERE c.oid = TG_RELID), 'USAGE') THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        IF NEW.name IS DISTINCT FROM OLD.name OR NEW.group_key IS DISTINCT FROM OLD.group_key
           OR NEW.kind IS DISTINCT FROM OLD.kind OR NEW.model IS DISTINCT FROM OLD.model
           OR NEW.parameters IS DISTINCT FROM OLD.parameters OR NEW.fitted_by IS DISTINCT FROM OLD.fitted_by
           OR NEW.fitted_at IS DISTINCT FROM OLD.fitted_at THEN
            RAISE EXCEPTION 'stored fits cannot be changed, only their readers'
                USING ERRCODE = '42501', HINT = 'Store a new fit with fit_models(); share it with share_model().';
        END IF;
    ELSE
        IF NEW.fitted_by IS DISTINCT FROM CURRENT_USER THEN
            RAISE EXCEPTION 'a fit can only be stored in the name of the current role (%), not %',
                            CURRENT_USER, NEW.fitted_by
                USING ERRCODE = '42501', HINT = 'Leave fitted_by out; the server fills it in.';
        END IF;
        NEW.fitted_at := pg_catalog.clock_timestamp();
        -- readers are a property of the name: a new fit under a shared name
        -- is shared like the fit before it, unless readers are given
        IF NEW.readers = '{}' THEN
            NEW.readers := coalesce((SELECT m.readers FROM @extschema@.fitted_models AS m
                                      WHERE m.fitted_by = NEW.fitted_by AND m.name = NEW.name
                                      ORDER BY m.fitted_at DESC LIMIT 1), '{}');
        END IF;
    END IF;
    SELECT x INTO bad FROM pg_catalog.unnest(NEW.readers) AS x
     WHERE x IS NULL OR (x <> 'public' AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles AS r WHERE r.rolname = x))
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'reader % is not a role', coalesce(pg_catalog.quote_ident(bad), 'NULL')
            USING ERRCODE = '42704', HINT = 'Readers are role names, or public for every role.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION fitted_models_stamp() IS
'Trigger of fitted_models: sets fitted_at, checks fitted_by and readers, keeps stored fits unchanged (the store''s owner writes rows as given)';
CREATE TRIGGER fitted_models_stamp BEFORE INSERT OR UPDATE ON @extschema@.fitted_models
    FOR EACH ROW EXECUTE FUNCTION @extschema@.fitted_models_stamp();
ALTER TABLE @extschema@.fitted_models ENABLE ALWAYS TRIGGER fitted_models_stamp;
COMMENT ON TRIGGER fitted_models_stamp ON @extschema@.fitted_models IS
'Sets fitted_at, refuses a foreign fitted_by and any change but readers, for every role but the table''s owner';

-- Splits 'role.name' (or '"role.with.dots".name') into role and name; NULL
-- when the text has no role part.
CREATE FUNCTION stored_model_owner_split(qualified text, OUT owner name, OUT name text)
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    parts text[];
BEGIN
    IF left(qualified, 1) = '"' THEN
        parts := regexp_match(qualified, '^"((?:[^"]|"")+)"\.(.+)$');
        IF parts IS NOT NULL THEN
            parts[1] := replace(parts[1], '""', '"');
        END IF;
    ELSE
        parts := regexp_match(qualified, '^([^."]+)\.(.+)$');
    END IF;
    owner := parts[1];
    name := parts[2];
END
$$;
COMMENT ON FUNCTION stored_model_owner_split(text) IS
'Splits a qualified model name role.name (role in double quotes if it contains a dot) into the role and the name';

-- The text of the newest stored model of a kind written by one role and
-- readable by the current one, or a 22023 error.
CREATE FUNCTION stored_model(name text, group_key text, kind text, owner name)
RETURNS text
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    result text;
BEGIN
    SELECT m.model INTO result
      FROM @extschema@.fitted_models AS m
     WHERE m.fitted_by = stored_model.owner AND m.name = stored_model.name
       AND m.group_key = stored_model.group_key AND m.kind = stored_model.kind
     ORDER BY m.fitted_at DESC
     LIMIT 1;
    IF result IS NULL THEN
        RAISE EXCEPTION 'no % model "%"% of role % that you may read', kind, name,
                        CASE WHEN group_key = '' THEN '' ELSE format(' for group "%s"', group_key) END,
                        quote_ident(owner)
            USING ERRCODE = '22023',
                  HINT = 'A role''s fits are private until it shares them with share_model().';
    END IF;
    RETURN result;
END
$$;
COMMENT ON FUNCTION stored_model(text, text, text, name) IS
'Text of the newest model of a kind stored by a given role under a name and group, if the current role may read it';

-- The caller's own newest model of that name; or, when the caller has none
-- and the name reads role.name, that role's model (if the caller may read it).
CREATE OR REPLACE FUNCTION stored_model(name text, group_key text, kind text)
RETURNS text
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    result text;
    q record;
BEGIN
    SELECT m.model INTO result
      FROM @extschema@.fitted_models AS m
     WHERE m.fitted_by = CURRENT_USER AND m.name = stored_model.name
       AND m.group_key = stored_model.group_key AND m.kind = stored_model.kind
     ORDER BY m.fitted_at DESC
     LIMIT 1;
    IF result IS NULL THEN
        q := @extschema@.stored_model_owner_split(name);
        IF q.owner IS NOT NULL THEN
            SELECT m.model INTO result
              FROM @extschema@.fitted_models AS m
             WHERE m.fitted_by = q.owner AND m.name = q.name
               AND m.group_key = stored_model.group_key AND m.kind = stored_model.kind
             ORDER BY m.fitted_at DESC
             LIMIT 1;
        END IF;
    END IF;
    IF result IS NULL THEN
        RAISE EXCEPTION 'no % model "%"%', kind, name,
                        CASE WHEN group_key = '' THEN '' ELSE format(' for group "%s"', group_key) END
            USING ERRCODE = '22023',
                  DETAIL = CASE WHEN q.owner IS NULL
                                THEN format('Looked among the fits stored by %s.', quote_ident(CURRENT_USER))
                                ELSE format('Looked among the fits stored by %s, and those of %s named "%s" that %s may read.',
                                            quote_ident(CURRENT_USER), quote_ident(q.owner), q.name,
                                            quote_ident(CURRENT_USER)) END,
                  HINT = 'Store one with fit_models(); write role.name for a model another role shared with you.';
    END IF;
    RETURN result;
END
$$;
COMMENT ON FUNCTION stored_model(text, text, text) IS
'Text of the newest model of a kind (bgnbd, gamma_gamma, mbgnbd, pareto_nbd) the current role stored under a name and group; role.name for a model another role shared';

CREATE FUNCTION stored_bgnbd_model(name text, group_key text, owner name)
RETURNS bgnbd_model
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN @extschema@.stored_model(name, group_key, 'bgnbd', owner)::@extschema@.bgnbd_model;
COMMENT ON FUNCTION stored_bgnbd_model(text, text, name) IS
'The newest BG/NBD model a given role stored under a name and group, if the current role may read it';

CREATE FUNCTION stored_gamma_gamma_model(name text, group_key text, owner name)
RETURNS gamma_gamma_model
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN @extschema@.stored_model(name, group_key, 'gamma_gamma', owner)::@extschema@.gamma_gamma_model;
COMMENT ON FUNCTION stored_gamma_gamma_model(text, text, name) IS
'The newest Gamma-Gamma model a given role stored under a name and group, if the current role may read it';

COMMENT ON FUNCTION stored_bgnbd_model(text, text) IS
'The newest BG/NBD model the current role stored under a name (and group); role.name for a model another role shared';
COMMENT ON FUNCTION stored_gamma_gamma_model(text, text) IS
'The newest Gamma-Gamma model the current role stored under a name (and group); role.name for a model another role shared';

-- Sets who may read the caller's fits stored under a name (every group, kind
-- and fit of that name, and later fits under it).
CREATE FUNCTION share_model(name text, readers name[])
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    changed bigint;
BEGIN
    IF name IS NULL OR readers IS NULL THEN
        RAISE EXCEPTION 'share_model: name and readers must not be NULL'
            USING ERRCODE = '22004', HINT = 'Pass ''{}'' to make the model private again.';
    END IF;
    UPDATE @extschema@.fitted_models AS m
       SET readers = ARRAY(SELECT DISTINCT x FROM unnest(share_model.readers) AS x ORDER BY 1)
     WHERE m.fitted_by = CURRENT_USER AND m.name = share_model.name;
    GET DIAGNOSTICS changed = ROW_COUNT;
    IF changed = 0 THEN
        RAISE EXCEPTION 'share_model: % has stored no model "%"', quote_ident(CURRENT_USER), name
            USING ERRCODE = '22023', HINT = 'Store it with fit_models() first; see your fits in fitted_models.';
    END IF;
    RETURN changed;
END
$$;
COMMENT ON FUNCTION share_model(text, name[]) IS
'Sets the readers of every fit the current role stored under a name (roles, or public; ''{}'' makes it private); returns the number of fits';

-- Earlier versions let every role read every fit; fits stored before this
-- version keep their writer and time and become private to their writer
-- (readers '{}', the column's default).

---------------------------------------------------------------------------
-- Rule sets: the 'default' set is part of the extension and cannot change
---------------------------------------------------------------------------

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

-- A 'default' set changed under an earlier version is kept under the name
-- 'default (changed)' (or 'default (changed 2)', ... if that is taken) and
-- the built-in rules are put back.
DO $do$
DECLARE
    keep text := 'default (changed)';
    i    integer := 1;
BEGIN
    IF EXISTS (SELECT s.position, s.segment, s.r_min, s.r_max, s.f_min, s.f_max, s.m_min, s.m_max
                 FROM @extschema@.rfm_segment_rules AS s WHERE s.rule_set = 'default'
               EXCEPT ALL
               SELECT u.position::integer, u.segment, u.r_min, u.r_max, u.f_min, u.f_max, u.m_min, u.m_max
                 FROM unnest(@extschema@.rfm_default_rules()) WITH ORDINALITY
                      AS u(segment, r_min, r_max, f_min, f_max, m_min, m_max, position))
       OR (SELECT count(*) FROM @extschema@.rfm_segment_rules AS s WHERE s.rule_set = 'default')
          <> pg_catalog.cardinality(@extschema@.rfm_default_rules()) THEN
        WHILE EXISTS (SELECT 1 FROM @extschema@.rfm_segment_rules AS s WHERE s.rule_set = keep) LOOP
            i := i + 1;
            keep := pg_catalog.format('default (changed %s)', i);
        END LOOP;
        UPDATE @extschema@.rfm_segment_rules SET rule_set = keep WHERE rule_set = 'default';
        INSERT INTO @extschema@.rfm_segment_rules
        SELECT 'default', u.position, u.segment, u.r_min, u.r_max, u.f_min, u.f_max, u.m_min, u.m_max
          FROM unnest(@extschema@.rfm_default_rules()) WITH ORDINALITY
               AS u(segment, r_min, r_max, f_min, f_max, m_min, m_max, position);
        RAISE WARNING 'the rule set "default" had been changed: the changed rules are kept as "%"', keep
            USING DETAIL = 'The built-in default rules are back; "default" can no longer be changed.';
    END IF;
END
$do$;

CREATE TRIGGER rfm_segment_rules_guard BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.rfm_segment_rules
    FOR EACH ROW EXECUTE FUNCTION @extschema@.rfm_segment_rules_guard();
COMMENT ON TRIGGER rfm_segment_rules_guard ON @extschema@.rfm_segment_rules IS
'The built-in rule set ''default'' cannot be changed';
COMMENT ON TABLE @extschema@.rfm_segment_rules IS
'Named RFM segment rule sets; rules of a set are tried in position order, first match wins; ''default'' is built in and cannot change';

---------------------------------------------------------------------------
-- Column checks before any SQL is built: btyd_compare, backtest
---------------------------------------------------------------------------

-- Raises 42703 for a missing column and 42804 for a column whose type does
-- not fit: 'number' (smallint, integer, bigint, real, double precision,
-- numeric, or a domain over one), 'time' (timestamptz, timestamp, date) or
-- 'any'.  caller prefixes the messages.
CREATE FUNCTION check_columns(caller text, source regclass, columns text[], expected text[])
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    i    integer;
    typ  oid;
    base oid;
BEGIN
    IF source IS NULL THEN
        RAISE EXCEPTION '%: the table must not be NULL', caller USING ERRCODE = '22004';
    END IF;
    IF columns IS NULL OR expected IS NULL OR cardinality(columns) <> cardinality(expected) THEN
        RAISE EXCEPTION 'check_columns: columns and expected must be arrays of the same length'
            USING ERRCODE = '22023';
    END IF;
    FOR i IN 1 .. cardinality(columns) LOOP
        IF columns[i] IS NULL THEN
            RAISE EXCEPTION '%: column names must not be NULL', caller USING ERRCODE = '22004';
        END IF;
        SELECT a.atttypid INTO typ FROM pg_attribute AS a
         WHERE a.attrelid = source AND a.attname = columns[i] AND a.attnum > 0 AND NOT a.attisdropped;
        IF NOT FOUND THEN
            RAISE EXCEPTION '%: % has no column "%"', caller, source, columns[i]
                USING ERRCODE = '42703';
        END IF;
        base := typ;
        WHILE (SELECT t.typtype = 'd' FROM pg_type AS t WHERE t.oid = base) LOOP
            SELECT t.typbasetype INTO base FROM pg_type AS t WHERE t.oid = base;
        END LOOP;
        IF (expected[i] = 'number' AND base NOT IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype,
                                                     'float4'::regtype, 'float8'::regtype, 'numeric'::regtype))
           OR (expected[i] = 'time' AND base NOT IN ('timestamptz'::regtype, 'timestamp'::regtype, 'date'::regtype)) THEN
            RAISE EXCEPTION '%: column "%" of % is %, not %', caller, columns[i], source, format_type(typ, NULL),
                            CASE expected[i] WHEN 'number' THEN 'a number' ELSE 'a time' END
                USING ERRCODE = '42804',
                      DETAIL = CASE expected[i]
                               WHEN 'number' THEN 'Expected smallint, integer, bigint, real, double precision or numeric.'
                               ELSE 'Expected timestamp with time zone, timestamp or date.' END,
                      HINT = 'Cast the column in a view over the table and pass the view.';
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION check_columns(text, regclass, text[], text[]) IS
'Checks that a table has the named columns with the expected kinds of type (number, time, any): 42703 or 42804 naming the column';

CREATE OR REPLACE FUNCTION backtest_customers(source regclass, customer_column text, ordered_at_column text,
                                              amount_column text, calibration_end timestamptz,
                                              holdout_end timestamptz, period interval, unit interval)
RETURNS TABLE (frequency float8, recency float8, t float8, holdout_purchases float8)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    ext text;
BEGIN
    IF source IS NULL OR customer_column IS NULL OR ordered_at_column IS NULL
       OR amount_column IS NULL OR calibration_end IS NULL OR holdout_end IS NULL
       OR period IS NULL OR unit IS NULL THEN
        RAISE EXCEPTION 'backtest: arguments must not be NULL' USING ERRCODE = '22004';
    END IF;
    PERFORM @extschema@.check_columns('backtest', source, ARRAY[customer_column, ordered_at_column, amount_column],
                                      ARRAY['any', 'time', 'number']);
    IF @extschema@.period_start(holdout_end, period) <= @extschema@.period_start(calibration_end, period) THEN
        RAISE EXCEPTION 'backtest: holdout_end (%) must fall in a later period than calibration_end (%)',
                        holdout_end, calibration_end
            USING ERRCODE = '22023';
    END IF;
    SELECT quote_ident(n.nspname) INTO ext
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'crm_loyalty';
    RETURN QUERY EXECUTE format($q$
        SELECT (c).frequency, (c).recency, (c).t, ((h).periods - (c).periods)::float8
          FROM (SELECT %1$s.crm_profile(o.%3$I, o.%4$I::numeric, $1, $3, $4) AS c,
                       %1$s.crm_profile(o.%3$I, o.%4$I::numeric, $2, $3, $4) AS h
                  FROM %5$s AS o
                 WHERE o.%2$I IS NOT NULL
                 GROUP BY o.%2$I) AS s
         WHERE c IS NOT NULL$q$,
        ext, customer_column, ordered_at_column, amount_column, source)
        USING calibration_end, holdout_end, period, unit;
END
$$;

CREATE OR REPLACE FUNCTION backtest_tracking(source regclass, customer_column text, ordered_at_column text,
                                             amount_column text, calibration_end timestamptz,
                                             holdout_end timestamptz, options jsonb DEFAULT '{}')
RETURNS TABLE (step integer, step_end timestamptz, actual_cumulative float8,
               predicted_cumulative float8)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    period  interval := coalesce(options->>'period', '1 day')::interval;
    u       interval := coalesce(options->>'unit', '7 days')::interval;
    stepiv  interval := coalesce(options->>'step', '7 days')::interval;
    cal_ps  timestamptz := @extschema@.period_start(calibration_end, period);
    hold_ps timestamptz := @extschema@.period_start(holdout_end, period);
    step_s  float8 := extract(epoch FROM stepiv);
    h_s     float8 := extract(epoch FROM hold_ps - cal_ps);
    nsteps  integer;
    ext     text;
BEGIN
    IF step_s IS NULL OR step_s <= 0 OR date_part('month', stepiv) <> 0 OR date_part('year', stepiv) <> 0 THEN
        RAISE EXCEPTION 'backtest_tracking: step must be a positive fixed length of time'
            USING ERRCODE = '22023', HINT = 'E.g. {"step": "7 days"}.';
    END IF;
    PERFORM @extschema@.check_columns('backtest_tracking', source,
                                      ARRAY[customer_column, ordered_at_column, amount_column],
                                      ARRAY['any', 'time', 'number']);
    nsteps := ceil(h_s / step_s)::integer;
    SELECT quote_ident(n.nspname) INTO ext
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'crm_loyalty';
    RETURN QUERY EXECUTE format($q$
        WITH c AS (
            SELECT * FROM %1$s.backtest_customers($1, $2, $3, $4, $5, $6, $7, $8)
        ), cells AS (
            SELECT c.frequency, c.recency, c.t, count(*) AS k FROM c GROUP BY 1, 2, 3
        ), m AS (
            SELECT %1$s.bgnbd_fit(c.frequency, c.recency, c.t, $8) AS bg FROM c
        ), calib AS (
            -- customers with a purchase up to calibration_end's period
            SELECT DISTINCT o.%2$I AS cust
              FROM %5$s AS o
             WHERE o.%2$I IS NOT NULL
               AND (o.%4$I IS NULL OR o.%4$I >= 0)
               AND %1$s.period_start(o.%3$I, $7) <= $9
        ), hold AS (
            -- their purchase periods in the holdout, as step numbers
            SELECT ceil(extract(epoch FROM %1$s.period_start(o.%3$I, $7) - $9) / $11)::integer AS step
              FROM %5$s AS o JOIN calib ON calib.cust = o.%2$I
             WHERE %1$s.period_start(o.%3$I, $7) > $9
               AND %1$s.period_start(o.%3$I, $7) <= $10
             GROUP BY o.%2$I, %1$s.period_start(o.%3$I, $7)
            HAVING bool_or(o.%4$I IS NULL OR o.%4$I >= 0)
        ), steps AS (
            SELECT g AS step, least(g * $11, $12) AS horizon_s FROM generate_series(1, $13) AS g
        )
        SELECT s.step,
               $9 + s.horizon_s * interval '1 second',
               (SELECT count(*) FROM hold WHERE hold.step <= s.step)::float8,
               (SELECT sum(cells.k * %1$s.expected_purchases(s.horizon_s / extract(epoch FROM $8),
                                                             cells.frequency, cells.recency, cells.t, m.bg))
                  FROM cells CROSS JOIN m)
          FROM steps AS s
         ORDER BY s.step$q$,
        ext, customer_column, ordered_at_column, amount_column, source)
        USING source, customer_column, ordered_at_column, amount_column, calibration_end, holdout_end,
              period, u, cal_ps, hold_ps, step_s, h_s, nsteps;
END
$$;

-- btyd_compare: NULL table 22004; columns checked up front; the extension's
-- schema is an argument of format(), never part of its format string.
CREATE OR REPLACE FUNCTION btyd_compare(profiles regclass,
                                        frequency name DEFAULT 'frequency',
                                        recency name DEFAULT 'recency',
                                        t name DEFAULT 't',
                                        unit interval DEFAULT '1 day',
                                        holdout_purchases name DEFAULT NULL,
                                        holdout_length interval DEFAULT NULL)
RETURNS TABLE (model text, params jsonb, ll float8, n_params integer, n float8,
               aic float8, bic float8, converged boolean,
               holdout_mae float8, holdout_rmse float8,
               holdout_forecast float8, holdout_actual float8)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    bg @extschema@.bgnbd_model;
    mbg @extschema@.mbgnbd_model;
    pnbd @extschema@.pareto_nbd_model;
    j jsonb[];
    hn float8;
    hy float8;
    m float8[];
    i integer;
    ext text;
BEGIN
    IF profiles IS NULL THEN
        RAISE EXCEPTION 'btyd_compare: profiles must not be NULL'
            USING ERRCODE = '22004', HINT = 'Pass a table or view with frequency, recency and t columns.';
    END IF;
    IF (holdout_purchases IS NULL) <> (holdout_length IS NULL) THEN
        RAISE EXCEPTION 'btyd_compare: holdout_purchases and holdout_length go together'
            USING ERRCODE = '22023',
                  HINT = 'Give both (the column of purchases made in the holdout, and its length) or neither.';
    END IF;
    IF frequency IS NULL OR recency IS NULL OR t IS NULL OR unit IS NULL THEN
        RAISE EXCEPTION 'btyd_compare: column names and unit must not be NULL'
            USING ERRCODE = '22004';
    END IF;
    PERFORM @extschema@.check_columns('btyd_compare', profiles,
                                      ARRAY[frequency, recency, t, coalesce(holdout_purchases, frequency)]::text[],
                                      ARRAY['number', 'number', 'number', 'number']);
    SELECT quote_ident(s.nspname) INTO ext
      FROM pg_extension e JOIN pg_namespace s ON s.oid = e.extnamespace
     WHERE e.extname = 'crm_loyalty';

    EXECUTE format('SELECT %5$s.bgnbd_fit(%1$I, %2$I, %3$I, $1),
                           %5$s.mbgnbd_fit(%1$I, %2$I, %3$I, $1),
                           %5$s.pareto_nbd_fit(%1$I, %2$I, %3$I, $1)
                      FROM %4$s', frequency, recency, t, profiles, ext)
       INTO bg, mbg, pnbd USING unit;
    j := ARRAY[bg::jsonb, mbg::jsonb, pnbd::jsonb];

    IF holdout_purchases IS NOT NULL THEN
        EXECUTE format('SELECT count(*)::float8, sum(y),
                               ARRAY[sum(abs(e1 - y)), sum((e1 - y) ^ 2), sum(e1),
                                     sum(abs(e2 - y)), sum((e2 - y) ^ 2), sum(e2),
                                     sum(abs(e3 - y)), sum((e3 - y) ^ 2), sum(e3)]
                          FROM (SELECT %4$I::float8 AS y,
                                       %6$s.expected_purchases($1, %1$I, %2$I, %3$I, $2) AS e1,
                                       %6$s.expected_purchases($1, %1$I, %2$I, %3$I, $3) AS e2,
                                       %6$s.expected_purchases($1, %1$I, %2$I, %3$I, $4) AS e3
                                  FROM %5$s
                                 WHERE %1$I IS NOT NULL AND %2$I IS NOT NULL AND %3$I IS NOT NULL
                                   AND %4$I IS NOT NULL) s',
                       frequency, recency, t, holdout_purchases, profiles, ext)
           INTO hn, hy, m USING holdout_length, bg, mbg, pnbd;
    END IF;

    FOR i IN 1..3 LOOP
        model := (ARRAY['bgnbd', 'mbgnbd', 'pareto_nbd'])[i];
        params := j[i] - ARRAY['ll', 'n', 'converged'];
        ll := (j[i]->>'ll')::float8;
        n_params := 4;
        n := (j[i]->>'n')::float8;
        aic := 2 * n_params - 2 * ll;
        bic := n_params * ln(n) - 2 * ll;
        converged := (j[i]->>'converged')::boolean;
        IF hn > 0 THEN
            holdout_mae := m[3 * i - 2] / hn;
            holdout_rmse := sqrt(m[3 * i - 1] / hn);
            holdout_forecast := m[3 * i];
            holdout_actual := hy;
        END IF;
        RETURN NEXT;
    END LOOP;
END
$fn$;



---------------------------------------------------------------------------
-- Scoring views, fit_models and backtest: model choice, time zones,
-- options checked at creation, one row per customer
---------------------------------------------------------------------------
-- (section: views)





---------------------------------------------------------------------------
-- Hardening: interrupts, bounds, clearer errors
---------------------------------------------------------------------------
-- (section: hardening)





