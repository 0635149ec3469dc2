/* sql/crm_loyalty--0.3.0--0.3.1.sql — robustness and hardening release */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION crm_loyalty UPDATE TO '0.3.1'" to load this file. \quit

---------------------------------------------------------------------------
-- Models at the edge of the parameter space and scoring robustness
---------------------------------------------------------------------------
-- A fit whose likelihood's supremum lies on the edge of the parameter space
-- returns the limiting model (a "limit" key in the text form, its own
-- parameters); the types themselves are unchanged (same storage), so the
-- comments say so.
COMMENT ON TYPE bgnbd_model IS
'A BG/NBD model (Fader, Hardie & Lee 2005): r, alpha, a, b in a time unit, with the fit''s log-likelihood, size and convergence; or a limit of it (key "limit": no_dropout, homogeneous_rate+no_dropout, homogeneous_rate, homogeneous_dropout, homogeneous_rate+homogeneous_dropout) with that limit''s parameters';
COMMENT ON TYPE mbgnbd_model IS
'A modified BG/NBD model (Batislam, Denizel & Filiztekin 2007): r, alpha, a, b in a time unit, with the fit''s log-likelihood, size and convergence; or a limit of it (key "limit": no_dropout, homogeneous_rate+no_dropout, homogeneous_rate, homogeneous_dropout, homogeneous_rate+homogeneous_dropout) with that limit''s parameters';
COMMENT ON TYPE pareto_nbd_model IS
'A Pareto/NBD model (Schmittlein, Morrison & Colombo 1987): r, alpha, s, beta in a time unit, with the fit''s log-likelihood, size and convergence; or a limit of it (key "limit": no_dropout, homogeneous_rate+no_dropout, homogeneous_rate+homogeneous_dropout) with that limit''s parameters';
COMMENT ON TYPE gamma_gamma_model IS
'A Gamma-Gamma spend model (Fader, Hardie & Lee 2005): p, q, v, with the fit''s log-likelihood, size and convergence; or a limit of it (key "limit": homogeneous_spend with p, nu; constant_spend with spend)';


---------------------------------------------------------------------------
-- Model store: who reads and writes fitted models
---------------------------------------------------------------------------
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
        -- a limit model has fewer free parameters (e.g. only lambda)
        n_params := (SELECT count(*) FROM jsonb_each(params) AS e WHERE jsonb_typeof(e.value) = 'number');
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
-- Newest stored model of a kind, or NULL when there is none: what a scoring
-- view reads at query time, so that a model deleted after the view was
-- created turns the model columns NULL (model_status says so) instead of
-- failing every read.  Visibility is stored_model's.  PARALLEL RESTRICTED:
-- the exception block needs a subtransaction.
CREATE FUNCTION find_stored_model(name text, group_key text, kind text)
RETURNS text
LANGUAGE plpgsql STABLE STRICT PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN @extschema@.stored_model(name, group_key, kind);
EXCEPTION WHEN invalid_parameter_value THEN
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION find_stored_model(text, text, text) IS
'Text of the newest model of a kind stored under a name and group, as stored_model returns it, or NULL when there is none';

CREATE FUNCTION stored_mbgnbd_model(name text, group_key text DEFAULT '')
RETURNS mbgnbd_model
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN @extschema@.stored_model(name, group_key, 'mbgnbd')::@extschema@.mbgnbd_model;
COMMENT ON FUNCTION stored_mbgnbd_model(text, text) IS
'The newest MBG/NBD model stored under a name (and group) in fitted_models';

CREATE FUNCTION stored_pareto_nbd_model(name text, group_key text DEFAULT '')
RETURNS pareto_nbd_model
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN @extschema@.stored_model(name, group_key, 'pareto_nbd')::@extschema@.pareto_nbd_model;
COMMENT ON FUNCTION stored_pareto_nbd_model(text, text) IS
'The newest Pareto/NBD model stored under a name (and group) in fitted_models';

-- fit_models: the purchase model is chosen with {"model": ...} (default
-- bgnbd, as in 0.3.0, so stored_bgnbd_model keeps finding what it fitted).
CREATE OR REPLACE FUNCTION fit_models(name text, source regclass, customer_column text,
                                      ordered_at_column text, amount_column text,
                                      as_of timestamptz, options jsonb DEFAULT '{}')
RETURNS SETOF fitted_models
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    period   interval;
    unit     interval;
    grp      text;
    kind     text;
    descr    text;
    q        text;
    r        record;
    ext      text;
BEGIN
    IF name IS NULL OR source IS NULL OR customer_column IS NULL
       OR ordered_at_column IS NULL OR amount_column IS NULL OR as_of IS NULL THEN
        RAISE EXCEPTION 'fit_models: name, source, the three column names and as_of must not be NULL'
            USING ERRCODE = '22004';
    END IF;
    IF options IS NULL OR jsonb_typeof(options) <> 'object' THEN
        RAISE EXCEPTION 'fit_models: options must be a JSON object'
            USING ERRCODE = '22023', HINT = 'E.g. ''{"unit": "7 days", "group_column": "country"}''.';
    END IF;
    period := coalesce(options->>'period', '1 day')::interval;
    unit := coalesce(options->>'unit', options->>'period', '1 day')::interval;
    grp := options->>'group_column';
    kind := coalesce(options->>'model', 'bgnbd');
    IF kind NOT IN ('bgnbd', 'mbgnbd', 'pareto_nbd') THEN
        RAISE EXCEPTION 'fit_models: unknown model "%"', kind
            USING ERRCODE = '22023', HINT = 'The purchase models are bgnbd, mbgnbd and pareto_nbd.';
    END IF;
    -- a missing column or one of the wrong type is named here, not as an
    -- error inside the generated query
    PERFORM @extschema@.check_columns('fit_models', source,
                                      ARRAY[customer_column, ordered_at_column, amount_column, coalesce(grp, customer_column)],
                                      ARRAY['any', 'time', 'number', 'any']);
    SELECT quote_ident(n.nspname) INTO ext
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'crm_loyalty';
    descr := coalesce(options->>'description',
                      format('%s (%s, %s, %s) as of %s, period %s, unit %s%s',
                             source, customer_column, ordered_at_column, amount_column,
                             as_of, period, unit,
                             CASE WHEN grp IS NULL THEN '' ELSE format(', per %s', grp) END));
    q := format($f$
        WITH prof AS (
            SELECT %1$s AS g,
                   %2$s.crm_profile(o.%3$I, o.%4$I::numeric, $1, $2, $3) AS p
              FROM %5$s AS o
             WHERE o.%6$I IS NOT NULL
             GROUP BY o.%6$I%7$s
        )
        SELECT g,
               %2$s.%8$s_fit(p)::text AS pm,
               %2$s.gamma_gamma_fit(p) FILTER (WHERE (p).frequency > 0 AND (p).monetary > 0)::text AS gg
          FROM prof
         GROUP BY g
         ORDER BY g$f$,
        CASE WHEN grp IS NULL THEN '''''::text' ELSE format('o.%I::text', grp) END,
        ext, ordered_at_column, amount_column, source, customer_column,
        CASE WHEN grp IS NULL THEN '' ELSE format(', o.%I', grp) END, kind);
    FOR r IN EXECUTE q USING as_of, period, unit LOOP
        IF r.g IS NULL THEN
            RAISE WARNING 'fit_models: rows with a NULL %', grp
                USING DETAIL = 'Their customers are fitted as the group ''(null)''.';
        END IF;
        IF r.pm IS NOT NULL THEN
            RETURN QUERY EXECUTE format($f$
                INSERT INTO %1$s.fitted_models (name, group_key, kind, model, parameters, unit, source, n, ll, converged)
                SELECT $1, $2, $5, m.model::text, j, (j->>'unit')::interval, $4,
                       (j->>'n')::float8, (j->>'ll')::float8, (j->>'converged')::boolean
                  FROM (SELECT $3::%1$s.%2$s_model AS model) AS m, LATERAL (SELECT m.model::jsonb AS j) AS x
                RETURNING *$f$, ext, kind)
                USING fit_models.name, coalesce(r.g, '(null)'), r.pm, descr, kind;
        END IF;
        IF r.gg IS NOT NULL THEN
            RETURN QUERY EXECUTE format($f$
                INSERT INTO %1$s.fitted_models (name, group_key, kind, model, parameters, unit, source, n, ll, converged)
                SELECT $1, $2, 'gamma_gamma', $3, j, NULL, $4,
                       (j->>'n')::float8, (j->>'ll')::float8, (j->>'converged')::boolean
                  FROM (SELECT $3::%1$s.gamma_gamma_model::jsonb AS j) AS m
                RETURNING *$f$, ext)
                USING fit_models.name, coalesce(r.g, '(null)'), r.gg, descr;
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION fit_models(text, regclass, text, text, text, timestamptz, jsonb) IS
'Fits a purchase model (option model: bgnbd, the default, mbgnbd or pareto_nbd) and Gamma-Gamma over the customers of an order table (per group with group_column) and stores them under a name';

-- backtest: {"model": "bgnbd" | "mbgnbd" | "pareto_nbd"}, default bgnbd (its
-- result column model is a bgnbd_model, NULL for the other two).
CREATE OR REPLACE FUNCTION backtest(source regclass, customer_column text, ordered_at_column text,
                                    amount_column text, calibration_end timestamptz, holdout_end timestamptz,
                                    options jsonb DEFAULT '{}')
RETURNS TABLE (customers bigint, unit interval, holdout_length float8,
               actual_purchases float8, forecast_purchases float8, forecast_error float8,
               mae float8, rmse float8, brier_p_alive float8, brier_active float8,
               model bgnbd_model)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    period interval := coalesce(options->>'period', '1 day')::interval;
    u      interval := coalesce(options->>'unit', '7 days')::interval;
    kind   text := coalesce(options->>'model', 'bgnbd');
    h      float8;
    ext    text;
BEGIN
    IF kind NOT IN ('bgnbd', 'mbgnbd', 'pareto_nbd') THEN
        RAISE EXCEPTION 'backtest: unknown model "%"', kind
            USING ERRCODE = '22023', HINT = 'The purchase models are bgnbd, mbgnbd and pareto_nbd.';
    END IF;
    h := extract(epoch FROM @extschema@.period_start(holdout_end, period)
                          - @extschema@.period_start(calibration_end, period))
         / extract(epoch FROM u);
    SELECT quote_ident(n.nspname) INTO ext
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'crm_loyalty';
    RETURN QUERY EXECUTE format($q$
    WITH c AS (
        SELECT * FROM %1$s.backtest_customers($1, $2, $3, $4, $5, $6, $7, $8)
    ), m AS (
        SELECT %1$s.%2$s_fit(c.frequency, c.recency, c.t, $8) AS pm FROM c
    ), s AS (
        SELECT c.holdout_purchases AS actual,
               %1$s.expected_purchases($9, c.frequency, c.recency, c.t, m.pm) AS predicted,
               %1$s.p_alive(c.frequency, c.recency, c.t, m.pm) AS alive,
               1.0 - %1$s.churn_probability(c.frequency, c.recency, c.t, m.pm,
                                            ($9 * extract(epoch FROM $8)) * interval '1 second') AS buys
          FROM c CROSS JOIN m
    )
    SELECT count(*),
           $8,
           $9,
           sum(s.actual),
           sum(s.predicted),
           (sum(s.predicted) - sum(s.actual)) / nullif(sum(s.actual), 0),
           avg(abs(s.predicted - s.actual)),
           sqrt(avg((s.predicted - s.actual) ^ 2)),
           avg((s.alive - (s.actual > 0)::int) ^ 2),
           avg((s.buys - (s.actual > 0)::int) ^ 2),
           %3$s
      FROM s$q$, ext, kind,
        CASE WHEN kind = 'bgnbd' THEN '(SELECT m.pm FROM m)' ELSE format('NULL::%s.bgnbd_model', ext) END)
    USING source, customer_column, ordered_at_column, amount_column, calibration_end, holdout_end,
          period, u, h;
END
$$;
COMMENT ON FUNCTION backtest(regclass, text, text, text, timestamptz, timestamptz, jsonb) IS
'Fits a purchase model (option model, default bgnbd) on the orders up to calibration_end and scores its holdout forecast: totals, MAE, RMSE, Brier scores';

---------------------------------------------------------------------------
-- create_scoring_view
--
-- create_scoring_view itself is a one-statement SQL function with a
-- SQL-standard body: the body is parsed and bound when the extension is
-- installed, so nothing in it is looked up in the caller's search_path when
-- it runs.  It has no SET clause on purpose: it reads the caller's current
-- schema (the default schema of the view) and hands it, as text, to
-- create_scoring_view_in, which does the work under a fixed search_path
-- (pg_catalog, pg_temp), TimeZone, DateStyle and IntervalStyle.  A function
-- with SET search_path cannot see its caller's path, so the schema has to be
-- read before that SET applies.
---------------------------------------------------------------------------

CREATE FUNCTION create_scoring_view_in(default_schema text, view_name text, source regclass,
                                       customer_column text, ordered_at_column text,
                                       amount_column text, options jsonb DEFAULT '{}')
RETURNS regclass
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
SET IntervalStyle = 'postgres'
AS $$
DECLARE
    ext           text;
    target_schema text;
    target        text;
    tz            text := 'UTC';
    as_of_given   boolean;
    as_of_abs     timestamptz;
    as_of_sql     text;
    period        interval := '1 day';
    unit          interval;
    bins          integer := 5;
    cut_points    @extschema@.rfm_cut_points;
    breaks_sql    text;
    rules_sql     text := '';
    kind          text;
    kind_label    text;
    stored_name   text;
    gg_name       text;
    grp           text := '';
    stored_text   text;
    pm_sql        text;
    pm_status_sql text;
    gg_sql        text;
    gg_status_sql text;
    scheme_sql    text;
    measure       text := 'total_spend';
    horizon       interval := '90 days';
    iv            interval;
    months        integer := 12;
    discount      float8 := 0.01;
    materialized  boolean := false;
    ts_type       regtype;
    amount_type   regtype;
    ts_sql        text;
    body          text;
    result        regclass;
    col           record;
    k             text;
    v             jsonb;
    num           numeric;
    a_utc         timestamptz;
    a_far         timestamptz;
    st            text;
    msg           text;
    det           text;
    hnt           text;
    known         text[] := ARRAY['schema', 'as_of', 'time_zone', 'period', 'unit', 'bins',
                                  'rfm_cut_points', 'rfm_rule_set', 'tier_scheme', 'tier_measure',
                                  'model', 'purchase_model', 'bgnbd_model', 'gamma_gamma_model',
                                  'model_group', 'horizon', 'clv_months', 'monthly_discount',
                                  'materialized'];
    hints         jsonb := jsonb_build_object(
        'schema', 'Name an existing schema, e.g. {"schema": "bi"}, or leave it out for the current schema.',
        'as_of', 'Give a finite time as a string, e.g. "2026-01-01" (read in time_zone) or "2026-01-01 00:00+01"; leave it out to score as of now().',
        'time_zone', 'Use a name from pg_timezone_names, e.g. "Europe/Berlin"; the default is "UTC".',
        'period', 'Use a positive fixed length as a string, e.g. "1 day" or "7 days"; months and years have no fixed length.',
        'unit', 'Use a positive fixed length as a string, e.g. "7 days"; months and years have no fixed length.',
        'bins', 'Use an integer from 2 to 100 (the named segments need 5).',
        'rfm_cut_points', 'Pass a stored rfm_cut_points value as text, e.g. rfm_breaks(...)::text.',
        'rfm_rule_set', 'Name a rule set of rfm_segment_rules.',
        'tier_scheme', 'Pass a stored tier_scheme value as text, e.g. loyalty_scheme(...)::text.',
        'tier_measure', 'Use "total_spend" or "clv".',
        'model', 'Use "bgnbd", "mbgnbd" or "pareto_nbd".',
        'purchase_model', 'Name a model stored with fit_models() in the same unit, of the kind given by "model".',
        'bgnbd_model', 'Name a BG/NBD model stored with fit_models() in the same unit.',
        'gamma_gamma_model', 'Name a Gamma-Gamma model stored with fit_models().',
        'model_group', 'Give the group key of the stored models as a string.',
        'horizon', 'Give an interval as a string, e.g. "90 days"; a bare number has no unit.',
        'clv_months', 'Use an integer from 1 to 1200.',
        'monthly_discount', 'Use a number from 0 up to (not including) 1, e.g. 0.01.',
        'materialized', 'Use true or false.');
BEGIN
    IF view_name IS NULL OR source IS NULL OR customer_column IS NULL
       OR ordered_at_column IS NULL OR amount_column IS NULL THEN
        RAISE EXCEPTION 'create_scoring_view: view_name, source and the three column names must not be NULL'
            USING ERRCODE = '22004';
    END IF;
    options := coalesce(options, '{}');
    IF jsonb_typeof(options) <> 'object' THEN
        RAISE EXCEPTION 'create_scoring_view: options must be a JSON object'
            USING ERRCODE = '22023', HINT = 'E.g. ''{"unit": "7 days"}''.';
    END IF;
    SELECT string_agg(x, ', ') INTO k
      FROM jsonb_object_keys(options) AS x WHERE x <> ALL (known);
    IF k IS NOT NULL THEN
        RAISE EXCEPTION 'create_scoring_view: unknown option(s) %', k
            USING ERRCODE = '22023', HINT = format('Known options: %s.', array_to_string(known, ', '));
    END IF;

    -- the columns must exist, with types the view can read
    FOR col IN SELECT c.name, c.role FROM (VALUES (customer_column, 'customer_column'),
                                                  (ordered_at_column, 'ordered_at_column'),
                                                  (amount_column, 'amount_column')) AS c(name, role)
    LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_attribute a
                        WHERE a.attrelid = source AND a.attname = col.name
                          AND a.attnum > 0 AND NOT a.attisdropped) THEN
            RAISE EXCEPTION 'create_scoring_view: % has no column "%" (%)', source, col.name, col.role
                USING ERRCODE = '42703';
        END IF;
    END LOOP;
    -- domains are read as their base types
    SELECT CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END::regtype INTO ts_type
      FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
     WHERE a.attrelid = source AND a.attname = ordered_at_column;
    IF ts_type NOT IN ('timestamptz'::regtype, 'timestamp'::regtype, 'date'::regtype) THEN
        RAISE EXCEPTION 'create_scoring_view: column "%" is of type %, not a time', ordered_at_column, ts_type
            USING ERRCODE = '42804',
                  HINT = 'ordered_at_column must be timestamptz, timestamp or date; cast it in a view over the table.';
    END IF;
    SELECT CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END::regtype INTO amount_type
      FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
     WHERE a.attrelid = source AND a.attname = amount_column;
    IF NOT EXISTS (SELECT 1 FROM pg_type t WHERE t.oid = amount_type AND t.typcategory = 'N') THEN
        RAISE EXCEPTION 'create_scoring_view: column "%" is of type %, not a number', amount_column, amount_type
            USING ERRCODE = '42804',
                  HINT = 'amount_column must be numeric, an integer or a float type; cast it in a view over the table.';
    END IF;

    SELECT quote_ident(n.nspname) INTO ext
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'crm_loyalty';

    -- Every option is checked here, before any SQL is built: a view that
    -- would fail on every read is never created.  Errors carry the option's
    -- name, the cast's own SQLSTATE (class 22) and a hint.
    BEGIN
        k := 'schema';
        IF options ? k THEN
            IF jsonb_typeof(options->k) <> 'string' THEN
                RAISE EXCEPTION 'must be a string' USING ERRCODE = '22023';
            END IF;
            target_schema := options->>k;
            IF NOT EXISTS (SELECT 1 FROM pg_namespace n WHERE n.nspname = target_schema) THEN
                RAISE EXCEPTION 'schema "%" does not exist', target_schema USING ERRCODE = '3F000';
            END IF;
        ELSE
            target_schema := default_schema;
            IF target_schema IS NULL THEN
                RAISE EXCEPTION 'no schema to create the view in' USING ERRCODE = '3F000',
                      DETAIL = 'The search_path names no existing schema.';
            END IF;
        END IF;

        k := 'time_zone';
        IF options ? k THEN
            IF jsonb_typeof(options->k) <> 'string' THEN
                RAISE EXCEPTION 'must be a string' USING ERRCODE = '22023';
            END IF;
            SELECT z.name INTO tz FROM pg_timezone_names AS z
             WHERE lower(z.name) = lower(options->>k)
             ORDER BY z.name = options->>k DESC, z.name LIMIT 1;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'unknown time zone "%"', options->>k USING ERRCODE = '22023';
            END IF;
        END IF;

        FOREACH k IN ARRAY ARRAY['period', 'unit', 'horizon'] LOOP
            IF options ? k THEN
                IF jsonb_typeof(options->k) <> 'string' THEN
                    RAISE EXCEPTION 'must be an interval given as a string, not %', options->k
                        USING ERRCODE = '22023';
                END IF;
                IF k = 'period' THEN period := (options->>k)::interval;
                ELSIF k = 'unit' THEN unit := (options->>k)::interval;
                ELSE horizon := (options->>k)::interval;
                END IF;
            END IF;
        END LOOP;
        unit := coalesce(unit, period);
        FOREACH k IN ARRAY ARRAY['period', 'unit', 'horizon'] LOOP
            iv := CASE k WHEN 'period' THEN period WHEN 'unit' THEN unit ELSE horizon END;
            IF extract(year FROM iv) <> 0 OR extract(month FROM iv) <> 0 THEN
                RAISE EXCEPTION '"%" is not a fixed length of time', coalesce(options->>k, iv::text)
                    USING ERRCODE = '22023';
            END IF;
            IF extract(epoch FROM iv) <= 0 THEN
                RAISE EXCEPTION '"%" is not positive', coalesce(options->>k, iv::text) USING ERRCODE = '22023';
            END IF;
        END LOOP;

        k := 'as_of';
        as_of_given := options ? k;
        IF as_of_given THEN
            IF jsonb_typeof(options->k) = 'null' THEN
                RAISE EXCEPTION 'must not be null' USING ERRCODE = '22004';
            END IF;
            IF jsonb_typeof(options->k) <> 'string' THEN
                RAISE EXCEPTION 'must be a time given as a string' USING ERRCODE = '22023';
            END IF;
            -- A time without an offset is a wall-clock time in time_zone: it
            -- parses to different instants under two session zones.
            a_utc := (options->>k)::timestamptz;
            PERFORM set_config('TimeZone', 'Etc/GMT+12', true);
            a_far := (options->>k)::timestamptz;
            PERFORM set_config('TimeZone', 'UTC', true);
            IF a_utc IS DISTINCT FROM a_far THEN
                as_of_abs := (options->>k)::timestamp AT TIME ZONE tz;
            ELSE
                as_of_abs := a_utc;
            END IF;
            IF NOT isfinite(as_of_abs) THEN
                RAISE EXCEPTION '"%" is not a finite time', options->>k USING ERRCODE = '22008';
            END IF;
        END IF;

        -- the profile aggregate accepts these times and lengths
        k := 'period';
        PERFORM @extschema@.crm_profile(x, 1::numeric, x, period, period)
           FROM (VALUES (coalesce(as_of_abs, now()))) AS s(x);
        k := 'unit';
        PERFORM @extschema@.crm_profile(x, 1::numeric, x, period, unit)
           FROM (VALUES (coalesce(as_of_abs, now()))) AS s(x);
        k := 'horizon';
        PERFORM @extschema@.expected_purchases(horizon, 1::float8, 1::float8, 2::float8,
                                               @extschema@.bgnbd_model(1, 1, 2, 2, unit));

        k := 'bins';
        IF options ? k THEN
            IF jsonb_typeof(options->k) NOT IN ('number', 'string') THEN
                RAISE EXCEPTION 'must be an integer' USING ERRCODE = '22023';
            END IF;
            bins := (options->>k)::integer;
            IF bins NOT BETWEEN 2 AND 100 THEN
                RAISE EXCEPTION '% is out of range', bins USING ERRCODE = '22003';
            END IF;
        END IF;
        k := 'rfm_cut_points';
        IF options ? k THEN
            IF jsonb_typeof(options->k) <> 'string' THEN
                RAISE EXCEPTION 'must be a string' USING ERRCODE = '22023';
            END IF;
            cut_points := (options->>k)::@extschema@.rfm_cut_points;
            IF options ? 'bins' AND (cut_points).bins <> bins THEN
                RAISE EXCEPTION 'the cut points have % bins, not %', (cut_points).bins, bins
                    USING ERRCODE = '22023';
            END IF;
            bins := (cut_points).bins;
            PERFORM @extschema@.rfm_score(1, 1, 1, cut_points);
            breaks_sql := format('%L::%s.rfm_cut_points', cut_points::text, ext);
        ELSE
            breaks_sql := NULL;
        END IF;
        k := 'rfm_rule_set';
        IF options ? k THEN
            IF jsonb_typeof(options->k) <> 'string' THEN
                RAISE EXCEPTION 'must be a string' USING ERRCODE = '22023';
            END IF;
            PERFORM @extschema@.rfm_rules(options->>k);
            rules_sql := format(', %s.rfm_rules(%L)', ext, options->>k);
        END IF;
        k := 'tier_measure';
        IF options ? k THEN
            measure := options->>k;
            IF measure IS NULL OR measure NOT IN ('total_spend', 'clv') THEN
                RAISE EXCEPTION 'must be total_spend or clv, not %', options->k USING ERRCODE = '22023';
            END IF;
        END IF;
        k := 'tier_scheme';
        IF options ? k THEN
            IF jsonb_typeof(options->k) <> 'string' THEN
                RAISE EXCEPTION 'must be a string' USING ERRCODE = '22023';
            END IF;
            scheme_sql := format('%L::%s.tier_scheme', ((options->>k)::@extschema@.tier_scheme)::text, ext);
            PERFORM @extschema@.loyalty_tier(0, (options->>k)::@extschema@.tier_scheme);
        END IF;

        FOREACH k IN ARRAY ARRAY['clv_months', 'monthly_discount'] LOOP
            IF options ? k THEN
                IF jsonb_typeof(options->k) NOT IN ('number', 'string') THEN
                    RAISE EXCEPTION 'must be a number' USING ERRCODE = '22023';
                END IF;
                IF k = 'clv_months' THEN
                    months := (options->>k)::integer;
                    IF months NOT BETWEEN 1 AND 1200 THEN
                        RAISE EXCEPTION '% is out of range', months USING ERRCODE = '22003';
                    END IF;
                ELSE
                    discount := (options->>k)::float8;
                    IF discount = 'NaN'::float8 OR discount < 0 OR discount >= 1 THEN
                        RAISE EXCEPTION '% is out of range', discount USING ERRCODE = '22003';
                    END IF;
                END IF;
            END IF;
        END LOOP;

        k := 'materialized';
        IF options ? k THEN
            IF jsonb_typeof(options->k) NOT IN ('boolean', 'string') THEN
                RAISE EXCEPTION 'must be true or false' USING ERRCODE = '22023';
            END IF;
            materialized := (options->>k)::boolean;
            IF materialized IS NULL THEN
                RAISE EXCEPTION 'must be true or false' USING ERRCODE = '22023';
            END IF;
        END IF;

        -- the purchase model: its kind, and a stored one or a fit
        k := 'model';
        IF options ? k THEN
            kind := options->>k;
            IF kind IS NULL OR kind NOT IN ('bgnbd', 'mbgnbd', 'pareto_nbd') THEN
                RAISE EXCEPTION 'unknown model %', options->k USING ERRCODE = '22023';
            END IF;
        END IF;
        k := 'model_group';
        IF options ? k THEN
            IF jsonb_typeof(options->k) <> 'string' THEN
                RAISE EXCEPTION 'must be a string' USING ERRCODE = '22023';
            END IF;
            grp := options->>k;
        END IF;
        k := 'bgnbd_model';
        IF options ? k THEN
            IF options ? 'purchase_model' THEN
                RAISE EXCEPTION 'give bgnbd_model or purchase_model, not both' USING ERRCODE = '22023';
            END IF;
            IF coalesce(kind, 'bgnbd') <> 'bgnbd' THEN
                RAISE EXCEPTION 'names a BG/NBD model, but model is %', kind USING ERRCODE = '22023';
            END IF;
            kind := 'bgnbd';
        END IF;
        FOREACH k IN ARRAY ARRAY['bgnbd_model', 'purchase_model', 'gamma_gamma_model'] LOOP
            IF options ? k THEN
                IF jsonb_typeof(options->k) <> 'string' THEN
                    RAISE EXCEPTION 'must be a model name given as a string' USING ERRCODE = '22023';
                END IF;
                IF k = 'gamma_gamma_model' THEN
                    gg_name := options->>k;
                    PERFORM @extschema@.stored_model(gg_name, grp, 'gamma_gamma');
                    CONTINUE;
                END IF;
                stored_name := options->>k;
                IF kind IS NULL THEN
                    -- the kind of the stored model, when the name has one
                    SELECT array_agg(x) INTO known
                      FROM unnest(ARRAY['bgnbd', 'mbgnbd', 'pareto_nbd']) AS x
                     WHERE @extschema@.find_stored_model(stored_name, grp, x) IS NOT NULL;
                    IF cardinality(known) > 1 THEN
                        RAISE EXCEPTION 'models of several kinds (%) are stored as "%"',
                                        array_to_string(known, ', '), stored_name
                            USING ERRCODE = '22023', HINT = 'Choose one with {"model": "..."}.';
                    END IF;
                    kind := coalesce(known[1], 'pareto_nbd');
                END IF;
                stored_text := @extschema@.stored_model(stored_name, grp, kind);
                v := CASE kind WHEN 'bgnbd' THEN stored_text::@extschema@.bgnbd_model::jsonb
                               WHEN 'mbgnbd' THEN stored_text::@extschema@.mbgnbd_model::jsonb
                               ELSE stored_text::@extschema@.pareto_nbd_model::jsonb END;
                IF extract(epoch FROM (v->>'unit')::interval) <> extract(epoch FROM unit) THEN
                    RAISE EXCEPTION 'the stored model "%" is in units of %, the view in units of %',
                                    stored_name, v->>'unit', unit
                        USING ERRCODE = '22023',
                              HINT = format('Pass {"unit": "%s"}, or store a model fitted in units of %s.', v->>'unit', unit);
                END IF;
            END IF;
        END LOOP;
        kind := coalesce(kind, 'pareto_nbd');
    EXCEPTION WHEN data_exception OR invalid_schema_name THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, hnt = PG_EXCEPTION_HINT;
        RAISE EXCEPTION 'create_scoring_view: option "%": %', k, msg
            USING ERRCODE = st, HINT = coalesce(nullif(hnt, ''), hints->>k);
    END;
    kind_label := CASE kind WHEN 'bgnbd' THEN 'BG/NBD' WHEN 'mbgnbd' THEN 'MBG/NBD' ELSE 'Pareto/NBD' END;
    target := format('%I.%I', target_schema, view_name);

    -- Times are read in the shop's calendar: every time becomes the
    -- wall-clock time in time_zone, written as if it were UTC, so that the
    -- profile's UTC period arithmetic counts the shop's days and weeks.
    -- Nothing depends on the TimeZone of the session that reads the view.
    ts_sql := CASE ts_type
        WHEN 'timestamptz'::regtype THEN format('((o.%I::pg_catalog.timestamptz AT TIME ZONE %L) AT TIME ZONE ''UTC'')', ordered_at_column, tz)
        WHEN 'timestamp'::regtype THEN format('(o.%I::pg_catalog.timestamp AT TIME ZONE ''UTC'')', ordered_at_column)
        ELSE format('(o.%I::pg_catalog.date::pg_catalog.timestamp AT TIME ZONE ''UTC'')', ordered_at_column) END;
    as_of_sql := CASE WHEN as_of_given
                      THEN format('((%L::timestamptz AT TIME ZONE %L) AT TIME ZONE ''UTC'')', as_of_abs, tz)
                      ELSE format('((pg_catalog.now() AT TIME ZONE %L) AT TIME ZONE ''UTC'')', tz) END;

    -- Aggregates inside a view cannot be caught, so each fit runs only over
    -- data that can identify it (fits raise 22023 when nobody repeated), and
    -- each score only with a usable model (converged, or a limiting model).
    IF stored_name IS NOT NULL THEN
        pm_sql := format('(SELECT %1$s.find_stored_model(%2$L, %3$L, %4$L)::%1$s.%4$s_model)',
                         ext, stored_name, grp, kind);
        pm_status_sql := format($s$CASE WHEN mf.pm IS NULL THEN 'stored model missing'
                   WHEN extract(epoch FROM (mf.pm::jsonb->>'unit')::interval) <> %L THEN 'stored model in another unit'$s$,
                   extract(epoch FROM unit));
    ELSE
        pm_sql := format($s$(SELECT %1$s.%2$s_fit(pr.p) FROM profiles AS pr
          WHERE pr.p IS NOT NULL AND (SELECT st.repeaters FROM stats AS st) > 0)$s$, ext, kind);
        pm_status_sql := $s$CASE WHEN st.repeaters = 0 THEN 'no repeat buyers'
                   WHEN mf.pm IS NULL THEN 'no purchase model'$s$;
    END IF;
    pm_status_sql := pm_status_sql || $s$
                   WHEN (mf.pm::jsonb->>'converged')::boolean IS NOT TRUE THEN 'not converged'
                   WHEN mf.pm::jsonb ? 'limit' THEN 'boundary: ' || replace(mf.pm::jsonb->>'limit', '_', ' ')
                   ELSE 'ok' END$s$;
    IF gg_name IS NOT NULL THEN
        gg_sql := format('(SELECT %1$s.find_stored_model(%2$L, %3$L, ''gamma_gamma'')::%1$s.gamma_gamma_model)',
                         ext, gg_name, grp);
        gg_status_sql := $s$CASE WHEN mf.gg IS NULL THEN 'stored spend model missing'$s$;
    ELSE
        gg_sql := format($s$(SELECT %1$s.gamma_gamma_fit(pr.p) FROM profiles AS pr
          WHERE (pr.p).frequency > 0 AND (pr.p).monetary > 0 AND (SELECT st.spenders FROM stats AS st) > 1)$s$, ext);
        gg_status_sql := $s$CASE WHEN st.spenders = 0 THEN 'no repeat spend'
                   WHEN st.spenders = 1 THEN 'one repeat buyer: no spend model'$s$;
    END IF;
    gg_status_sql := gg_status_sql || $s$
                   WHEN (mf.gg::jsonb->>'converged')::boolean IS NOT TRUE THEN 'spend model not converged'
                   WHEN mf.gg::jsonb ? 'limit' THEN 'boundary: ' || replace(mf.gg::jsonb->>'limit', '_', ' ')
                   ELSE 'ok' END$s$;
    breaks_sql := coalesce(breaks_sql, format(
        '(SELECT %s.rfm_breaks((pr.p).recency_days, (pr.p).frequency, (pr.p).monetary, %s) FROM profiles AS pr WHERE pr.p IS NOT NULL)',
        ext, bins));
    scheme_sql := coalesce(scheme_sql, format(
        '(SELECT %s.loyalty_scheme(s2.%I::numeric) FROM scored AS s2 WHERE s2.%2$I IS NOT NULL)', ext, measure));

    body := format($v$
WITH src AS (
    SELECT o.%2$I AS customer_id, %3$s AS ts, o.%4$I::numeric AS amount
      FROM %5$s AS o
     WHERE o.%2$I IS NOT NULL
), params AS MATERIALIZED (
    SELECT a.as_of, %1$s.period_start(a.as_of, %6$L::interval) + %6$L::interval AS window_end
      FROM (SELECT %7$s AS as_of) AS a
), profiles AS (
    SELECT s.customer_id,
           %1$s.crm_profile(s.ts, s.amount, (SELECT pa.as_of FROM params AS pa), %6$L::interval, %8$L::interval) AS p,
           count(s.ts) AS timed_rows,
           bool_or(s.ts < (SELECT pa.window_end FROM params AS pa)) AS in_window
      FROM src AS s
     GROUP BY s.customer_id
), stats AS MATERIALIZED (
    SELECT count(pr.p) FILTER (WHERE (pr.p).frequency > 0) AS repeaters,
           count(pr.p) FILTER (WHERE (pr.p).frequency > 0 AND (pr.p).monetary > 0) AS spenders
      FROM profiles AS pr
), fitted AS MATERIALIZED (
    SELECT %9$s AS breaks, %10$s AS pm, %11$s AS gg
), status AS (
    SELECT mf.breaks, mf.pm, mf.gg,
           %12$s AS pm_status,
           %13$s AS gg_status
      FROM fitted AS mf CROSS JOIN stats AS st
), model AS MATERIALIZED (
    SELECT ms.breaks, ms.pm, ms.gg, ms.pm_ok, ms.gg_ok,
           CASE WHEN NOT ms.pm_ok THEN ms.pm_status
                WHEN NOT ms.gg_ok THEN ms.gg_status
                ELSE coalesce(nullif(concat_ws('; ', nullif(ms.pm_status, 'ok'), nullif(ms.gg_status, 'ok')), ''), 'ok')
           END AS status
      FROM (SELECT s.*, s.pm_status = 'ok' OR s.pm_status LIKE 'boundary:%%' AS pm_ok,
                   s.gg_status = 'ok' OR s.gg_status LIKE 'boundary:%%' AS gg_ok
              FROM status AS s) AS ms
), scored AS (
    SELECT pr.customer_id, pr.p,
           CASE WHEN pr.p IS NOT NULL
                THEN %1$s.rfm_score((pr.p).recency_days, (pr.p).frequency, (pr.p).monetary, m.breaks%14$s) END AS rfm,
           CASE WHEN pr.p IS NOT NULL AND m.pm_ok THEN %1$s.p_alive(pr.p, m.pm) END AS p_alive,
           CASE WHEN pr.p IS NOT NULL AND m.pm_ok
                THEN %1$s.expected_purchases(%15$L::interval, pr.p, m.pm) END AS expected_purchases,
           CASE WHEN pr.p IS NOT NULL AND m.gg_ok THEN %1$s.expected_spend(pr.p, m.gg) END AS expected_spend,
           CASE WHEN pr.p IS NOT NULL AND m.pm_ok AND m.gg_ok
                THEN %1$s.clv_estimate(pr.p, m.pm, m.gg, %16$L::integer, %17$L::float8) END AS clv,
           (pr.p).total_spend AS total_spend,
           CASE WHEN pr.p IS NOT NULL AND m.pm_ok THEN %18$L::text END AS purchase_model,
           CASE WHEN pr.p IS NOT NULL THEN m.status
                WHEN pr.timed_rows = 0 THEN 'no order time'
                WHEN NOT pr.in_window THEN 'no purchase before as_of'
                ELSE 'refunds only' END AS model_status
      FROM profiles AS pr CROSS JOIN model AS m
)
SELECT s.customer_id,
       ((s.p).first_order AT TIME ZONE 'UTC') AT TIME ZONE %19$L AS first_order,
       ((s.p).last_order AT TIME ZONE 'UTC') AT TIME ZONE %19$L AS last_order,
       (s.p).orders AS orders,
       (s.p).frequency AS frequency,
       (s.p).recency AS recency,
       (s.p).t AS t,
       (s.p).recency_days AS recency_days,
       (s.p).total_spend AS total_spend,
       (s.p).monetary AS monetary,
       (s.rfm).r AS r,
       (s.rfm).f AS f,
       (s.rfm).m AS m,
       (s.rfm).cell AS rfm_cell,
       (s.rfm).segment AS segment,
       s.p_alive,
       1.0::float8 - s.p_alive AS churn_probability,
       s.expected_purchases,
       s.expected_spend,
       s.clv,
       %1$s.loyalty_tier(s.%20$I::numeric, t.scheme) AS tier,
       s.purchase_model,
       s.model_status
  FROM scored AS s CROSS JOIN (SELECT %21$s AS scheme) AS t$v$,
        ext, customer_column, ts_sql, amount_column, source, period, as_of_sql, unit,
        breaks_sql, pm_sql, gg_sql, pm_status_sql, gg_status_sql, rules_sql, horizon, months, discount,
        kind, tz, measure, scheme_sql);

    -- a failure below is reported without the generated SQL
    BEGIN
        IF materialized THEN
            EXECUTE format('CREATE MATERIALIZED VIEW %s AS %s', target, body);
            EXECUTE format('CREATE UNIQUE INDEX ON %s (customer_id)', target);
        ELSE
            EXECUTE format('CREATE VIEW %s WITH (security_invoker = true) AS %s', target, body);
        END IF;
        result := target::regclass;

        EXECUTE format('COMMENT ON %s %s IS %L',
                       CASE WHEN materialized THEN 'MATERIALIZED VIEW' ELSE 'VIEW' END, target,
                       format('Customer scores over %s (customer %s, time %s, amount %s) by crm_loyalty; options %s',
                              source, customer_column, ordered_at_column, amount_column, options));
        FOR col IN SELECT * FROM (VALUES
            ('customer_id', 'Customer identifier, as in the order table'),
            ('first_order', 'Time of the customer''s first purchase'),
            ('last_order', 'Time of the customer''s last purchase up to the observation end'),
            ('orders', 'Number of purchase rows (refund rows not counted)'),
            ('frequency', format('Repeat purchase periods (purchase periods of %s - 1); BTYD frequency', period)),
            ('recency', format('First to last purchase period, in units of %s; BTYD recency', unit)),
            ('t', format('First purchase period to the observation end, in units of %s; BTYD age T', unit)),
            ('recency_days', format('Days since the last purchase period (RFM recency), in the calendar of %s', tz)),
            ('total_spend', 'Exact sum of all amounts, refunds included'),
            ('monetary', 'Mean net amount of the repeat purchase periods (0 without repeat purchases)'),
            ('r', format('Recency score 1..%s (%s = most recent)', bins, bins)),
            ('f', format('Frequency score 1..%s', bins)),
            ('m', format('Monetary score 1..%s', bins)),
            ('rfm_cell', 'R, F and M scores as text, e.g. 545'),
            ('segment', 'RFM segment name (first matching rule; Others if none)'),
            ('p_alive', format('Probability that the customer is still active (%s), 0..1; NULL when model_status says the model cannot score', kind_label)),
            ('churn_probability', format('1 - p_alive: probability that the customer has churned (%s)', kind_label)),
            ('expected_purchases', format('Expected purchases in the next %s (%s)', horizon, kind_label)),
            ('expected_spend', 'Expected spend per purchase (Gamma-Gamma), in the currency of the amounts'),
            ('clv', format('Customer lifetime value (%s and Gamma-Gamma): discounted expected spend over %s months at %s per month',
                           kind_label, months, discount)),
            ('tier', format('Loyalty tier by %s', measure)),
            ('purchase_model', 'Purchase model that scored the row (bgnbd, mbgnbd or pareto_nbd); NULL when none could'),
            ('model_status', 'ok, or why model columns are NULL or at a limit (e.g. no repeat buyers, not converged, boundary: no dropout, no purchase before as_of)')
            ) AS c(name, comment)
        LOOP
            EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', target, col.name, col.comment);
        END LOOP;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                                det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
        IF det <> '' AND hnt <> '' THEN
            RAISE EXCEPTION 'create_scoring_view: %', msg USING ERRCODE = st, DETAIL = det, HINT = hnt;
        ELSIF det <> '' THEN
            RAISE EXCEPTION 'create_scoring_view: %', msg USING ERRCODE = st, DETAIL = det;
        ELSIF hnt <> '' THEN
            RAISE EXCEPTION 'create_scoring_view: %', msg USING ERRCODE = st, HINT = hnt;
        ELSE
            RAISE EXCEPTION 'create_scoring_view: %', msg USING ERRCODE = st;
        END IF;
    END;
    RETURN result;
END
$$;
COMMENT ON FUNCTION create_scoring_view_in(text, text, regclass, text, text, text, jsonb) IS
'Does the work of create_scoring_view: creates the view in default_schema unless options name a schema';

CREATE OR REPLACE FUNCTION create_scoring_view(view_name text, source regclass, customer_column text,
                                               ordered_at_column text, amount_column text,
                                               options jsonb DEFAULT '{}')
RETURNS regclass
LANGUAGE sql VOLATILE
RETURN @extschema@.create_scoring_view_in(pg_catalog.current_schema(), view_name, source, customer_column,
                                          ordered_at_column, amount_column, options);
COMMENT ON FUNCTION create_scoring_view(text, regclass, text, text, text, jsonb) IS
'Creates a view (or materialized view) of per-customer scores over an order table: profile, RFM, churn, expected purchases and spend, CLV, tier, and the model that scored each row with its status';
