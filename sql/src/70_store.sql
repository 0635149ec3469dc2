---------------------------------------------------------------------------
-- Model store: fitted models by role, name and group
-- Fitted models belong to the role that stored them.  Every role has its own
-- namespace of model names (fitted_by is part of the key), so no role can take
-- a name from another.  fitted_by and fitted_at are set by a trigger for
-- everybody but the store's owner, so they cannot be forged.  Rows are
-- private to their writer (and members of the writer's role) unless the
-- writer lists readers.  The table is owned by the extension's owner, who
-- therefore bypasses row-level security: pg_dump and pg_restore run by that
-- role copy every row with its original fitted_by and fitted_at, and that
-- role can delete any row.
---------------------------------------------------------------------------

CREATE TABLE fitted_models (
    name       text        NOT NULL,
    group_key  text        NOT NULL DEFAULT '',
    kind       text        NOT NULL,
    model      text        NOT NULL,
    parameters jsonb       NOT NULL,
    unit       interval,
    fitted_at  timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    source     text,
    n          float8,
    ll         float8,
    converged  boolean,
    fitted_by  name        NOT NULL DEFAULT CURRENT_USER,
    readers    name[]      NOT NULL DEFAULT '{}',
    PRIMARY KEY (fitted_by, name, group_key, kind, fitted_at),
    CHECK (kind IN ('bgnbd', 'gamma_gamma', 'pareto_nbd', 'mbgnbd'))
);
COMMENT ON TABLE fitted_models IS
'Fitted models by role, name (and group): every fit is kept; a role''s lookups use the newest fit of its own name, or of role.name when that role shares it';
COMMENT ON COLUMN fitted_models.name IS
'Model name chosen by whoever fitted it; every role has its own names (the key includes fitted_by)';
COMMENT ON COLUMN fitted_models.group_key IS 'Group the model was fitted on (e.g. a country), '''' for the whole source';
COMMENT ON COLUMN fitted_models.kind IS 'Model kind: bgnbd, gamma_gamma, mbgnbd or pareto_nbd';
COMMENT ON COLUMN fitted_models.model IS
'The model value in its exact text form (cast it to the type of its kind: bgnbd_model, mbgnbd_model, pareto_nbd_model or gamma_gamma_model; stored_<kind>_model does)';
COMMENT ON COLUMN fitted_models.parameters IS 'The model as jsonb: parameters, unit, ll, n, converged';
COMMENT ON COLUMN fitted_models.unit IS 'Time unit of the model''s rates (purchase models; NULL for Gamma-Gamma)';
COMMENT ON COLUMN fitted_models.fitted_at IS
'When the fit was stored (set by the server; only the store''s owner, e.g. pg_restore, writes it as given)';
COMMENT ON COLUMN fitted_models.source IS 'What the model was fitted on: table, columns, observation end, period, unit';
COMMENT ON COLUMN fitted_models.n IS 'Customers in the fit';
COMMENT ON COLUMN fitted_models.ll IS 'Log-likelihood of the fit';
COMMENT ON COLUMN fitted_models.converged IS 'Whether the fit converged';
COMMENT ON COLUMN fitted_models.fitted_by IS
'Role that stored the fit (set by the server; only the store''s owner, e.g. pg_restore, writes it as given)';
COMMENT ON COLUMN fitted_models.readers IS
'Roles (with their members) that may read the fit besides its writer; ''public'' for every role; empty: private';
SELECT pg_catalog.pg_extension_config_dump('fitted_models', '');

-- The owner is the role that ran CREATE EXTENSION, not the superuser a
-- trusted extension's script runs as; it changes before the grants, so that
-- the initial privileges recorded for pg_dump name the owner.  Everybody may
-- read and add fits and delete their own (the policies below decide which
-- rows).
ALTER TABLE fitted_models OWNER TO @extowner@;
ALTER TABLE fitted_models ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, DELETE ON fitted_models TO PUBLIC;
-- only the readers of a fit can change (fitted_models_stamp keeps the rest)
GRANT UPDATE (readers) ON fitted_models TO PUBLIC;

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

CREATE POLICY fitted_models_read ON fitted_models FOR SELECT
    USING (@extschema@.fitted_model_readable(fitted_by, readers));
CREATE POLICY fitted_models_add ON fitted_models FOR INSERT
    WITH CHECK (fitted_by = CURRENT_USER);
CREATE POLICY fitted_models_share ON fitted_models FOR UPDATE
    USING (@extschema@.fitted_model_writable(fitted_by))
    WITH CHECK (@extschema@.fitted_model_writable(fitted_by));
CREATE POLICY fitted_models_remove ON fitted_models FOR DELETE
    USING (@extschema@.fitted_model_writable(fitted_by));
COMMENT ON POLICY fitted_models_read ON fitted_models IS
'A role reads its own fits, those of roles whose privileges it has, and those whose readers include it, one of its roles or public';
COMMENT ON POLICY fitted_models_add ON fitted_models IS
'A role adds fits only in its own name (every role has its own model names)';
COMMENT ON POLICY fitted_models_share ON fitted_models IS
'A role changes the readers of its own fits only';
COMMENT ON POLICY fitted_models_remove ON fitted_models IS
'A role deletes its own fits only (the table''s owner, the extension''s owner, deletes any)';

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
CREATE TRIGGER fitted_models_stamp BEFORE INSERT OR UPDATE ON fitted_models
    FOR EACH ROW EXECUTE FUNCTION fitted_models_stamp();
ALTER TABLE fitted_models ENABLE ALWAYS TRIGGER fitted_models_stamp;
COMMENT ON TRIGGER fitted_models_stamp ON fitted_models IS
'Sets fitted_at, refuses a foreign fitted_by and any change but readers, for every role but the table''s owner';

-- Lookups: the newest fit of a name, group and kind

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
-- readable by the current one, or a 22023 error.  The kinds the store holds
-- are checked first: anything else is a mistake worth its own message, not
-- "no such model".
CREATE FUNCTION stored_model(name text, group_key text, kind text, owner name)
RETURNS text
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    result text;
BEGIN
    IF kind NOT IN ('pareto_nbd', 'mbgnbd', 'bgnbd', 'gamma_gamma') THEN
        RAISE EXCEPTION 'unknown model kind "%"', kind
            USING ERRCODE = '22023', HINT = 'The kinds are pareto_nbd, mbgnbd, bgnbd and gamma_gamma.';
    END IF;
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
'Text of the newest model of a kind (pareto_nbd, mbgnbd, bgnbd, gamma_gamma) stored by a given role under a name and group, if the current role may read it';

-- The caller's own newest model of that name; or, when the caller has none
-- and the name reads role.name, that role's model (if the caller may read it).
CREATE FUNCTION stored_model(name text, group_key text, kind text)
RETURNS text
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    result text;
    q record;
BEGIN
    IF kind NOT IN ('pareto_nbd', 'mbgnbd', 'bgnbd', 'gamma_gamma') THEN
        RAISE EXCEPTION 'unknown model kind "%"', kind
            USING ERRCODE = '22023', HINT = 'The kinds are pareto_nbd, mbgnbd, bgnbd and gamma_gamma.';
    END IF;
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
                  HINT = 'Store one with fit_models() (option "model" chooses the purchase model); write role.name for a model another role shared with you.';
    END IF;
    RETURN result;
END
$$;
COMMENT ON FUNCTION stored_model(text, text, text) IS
'Text of the newest model of a kind (pareto_nbd, mbgnbd, bgnbd, gamma_gamma) the current role stored under a name and group; role.name for a model another role shared';

CREATE FUNCTION stored_bgnbd_model(name text, group_key text DEFAULT '')
RETURNS bgnbd_model
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN @extschema@.stored_model(name, group_key, 'bgnbd')::@extschema@.bgnbd_model;
COMMENT ON FUNCTION stored_bgnbd_model(text, text) IS
'The newest BG/NBD model the current role stored under a name (and group); role.name for a model another role shared';

CREATE FUNCTION stored_gamma_gamma_model(name text, group_key text DEFAULT '')
RETURNS gamma_gamma_model
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN @extschema@.stored_model(name, group_key, 'gamma_gamma')::@extschema@.gamma_gamma_model;
COMMENT ON FUNCTION stored_gamma_gamma_model(text, text) IS
'The newest Gamma-Gamma model the current role stored under a name (and group); role.name for a model another role shared';

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
CREATE FUNCTION stored_mbgnbd_model(name text, group_key text DEFAULT '')
RETURNS mbgnbd_model
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN @extschema@.stored_model(name, group_key, 'mbgnbd')::@extschema@.mbgnbd_model;
COMMENT ON FUNCTION stored_mbgnbd_model(text, text) IS
'The newest MBG/NBD model the current role stored under a name (and group); role.name for a model another role shared';

CREATE FUNCTION stored_pareto_nbd_model(name text, group_key text DEFAULT '')
RETURNS pareto_nbd_model
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN @extschema@.stored_model(name, group_key, 'pareto_nbd')::@extschema@.pareto_nbd_model;
COMMENT ON FUNCTION stored_pareto_nbd_model(text, text) IS
'The newest Pareto/NBD model the current role stored under a name (and group); role.name for a model another role shared';

CREATE FUNCTION stored_mbgnbd_model(name text, group_key text, owner name)
RETURNS mbgnbd_model
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
RETURN @extschema@.stored_model(name, group_key, 'mbgnbd', owner)::@extschema@.mbgnbd_model;
COMMENT ON FUNCTION stored_mbgnbd_model(text, text, name) IS
'The newest MBG/NBD model a given role stored under a name and group, if the current role may read it';

CREATE FUNCTION stored_pareto_nbd_model(name text, group_key text, owner name)
RETURNS pareto_nbd_model
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
RETURN @extschema@.stored_model(name, group_key, 'pareto_nbd', owner)::@extschema@.pareto_nbd_model;
COMMENT ON FUNCTION stored_pareto_nbd_model(text, text, name) IS
'The newest Pareto/NBD model a given role stored under a name and group, if the current role may read it';

-- Newest stored model of a kind, or NULL when there is none: what a scoring
-- view reads at query time, so that a model deleted after the view was
-- created turns the model columns NULL (model_status says so) instead of
-- failing every read.  Visibility is stored_model's.  PARALLEL RESTRICTED:
-- the exception block needs a subtransaction.  NULL only when no model of
-- that kind is stored (or readable); an unknown kind is an error.
CREATE FUNCTION find_stored_model(name text, group_key text, kind text)
RETURNS text
LANGUAGE plpgsql STABLE STRICT PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF kind NOT IN ('pareto_nbd', 'mbgnbd', 'bgnbd', 'gamma_gamma') THEN
        RAISE EXCEPTION 'unknown model kind "%"', kind
            USING ERRCODE = '22023', HINT = 'The kinds are pareto_nbd, mbgnbd, bgnbd and gamma_gamma.';
    END IF;
    BEGIN
        RETURN @extschema@.stored_model(name, group_key, kind);
    EXCEPTION WHEN invalid_parameter_value THEN
        RETURN NULL;
    END;
END
$$;
COMMENT ON FUNCTION find_stored_model(text, text, text) IS
'Text of the newest model of a kind (pareto_nbd, mbgnbd, bgnbd, gamma_gamma) stored under a name and group, as stored_model returns it, or NULL when there is none';

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

-- Fitting and storing

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

-- The defaults of the analyst functions and of the scores, in one place.
-- The C functions take theirs from src/core/defaults.h; the test suite
-- (sql/defaults.sql) reads that header and checks that every value here is
-- the same, and that the C functions called without the argument give what
-- they give with it.  The PL/pgSQL functions below read their defaults
-- from here.
CREATE FUNCTION crm_loyalty_defaults(OUT period interval, OUT unit interval, OUT time_zone text,
                                     OUT purchase_model text, OUT clv_months integer,
                                     OUT monthly_discount float8, OUT month_length interval,
                                     OUT rfm_bins integer, OUT tier_names text[], OUT tier_shares float8[],
                                     OUT view_horizon interval, OUT tier_measure text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT interval '1 day',               -- period: orders of one day are one purchase
       interval '1 day',               -- unit: the period (recency, t and the models' rates)
       'UTC'::text,                    -- the shop's calendar
       'pareto_nbd'::text,             -- purchase model
       12,                             -- CLV months
       0.01::float8,                   -- CLV discount per month
       interval '30 days',             -- a month, where a fixed length is needed
       5,                              -- RFM bins per dimension
       ARRAY['Bronze', 'Silver', 'Gold', 'Platinum'],  -- tiers, lowest first
       ARRAY[0.20, 0.09, 0.01]::float8[],              -- customer shares of the tiers above Bronze
       interval '90 days',             -- horizon of the scoring view's expected_purchases
       'total_spend'::text             -- what the scoring view's relative tiers rank
$$;
COMMENT ON FUNCTION crm_loyalty_defaults() IS
'The defaults of crm_loyalty''s functions in one row: period, unit (the period unless given), time zone, purchase model, CLV months, monthly discount and month length, RFM bins, tier names and shares, the scoring view''s horizon and tier measure';

-- Unknown option keys: every function that takes options jsonb checks its
-- keys here, so the mistake reads the same everywhere (22023, the unknown
-- keys in the message, the known ones in the hint).  The mistake is
-- returned, not raised, so that the caller raises it and the error's
-- CONTEXT names the function the user called.
CREATE FUNCTION option_keys_error(caller text, options jsonb, known text[],
                                  OUT error_code text, OUT error_message text, OUT error_hint text)
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    k text;
BEGIN
    IF options IS NULL OR jsonb_typeof(options) <> 'object' THEN
        error_code := '22023';
        error_message := format('%s: options must be a JSON object', caller);
        error_hint := format('E.g. ''{"%s": ...}''; known options: %s.', known[1], array_to_string(known, ', '));
        RETURN;
    END IF;
    SELECT string_agg(x, ', ' ORDER BY x) INTO k
      FROM jsonb_object_keys(options) AS x WHERE x <> ALL (known);
    IF k IS NOT NULL THEN
        error_code := '22023';
        error_message := format('%s: unknown option(s) %s', caller, k);
        error_hint := format('Known options: %s.', array_to_string(known, ', '));
    END IF;
END
$$;
COMMENT ON FUNCTION option_keys_error(text, jsonb, text[]) IS
'Checks that options is a JSON object whose keys are all known: NULL, or the mistake as SQLSTATE 22023, a message naming the unknown keys and a hint listing the known ones';

-- Option exclude_customers: the table (or view) whose first column holds
-- the ids of customers who objected to profiling.  The name is resolved
-- here, not in the caller's search_path (these functions run under a fixed
-- one): a qualified name as written, an unqualified one in the schema of
-- the order table, then among the caller's temporary tables.  The caller
-- must be allowed to read that first column, and it must compare with the
-- customer column (an = operator between the two types); otherwise a clear
-- error, before any SQL is run.  rel is NULL when the option is absent.
CREATE FUNCTION excluded_customers(caller text, options jsonb, source regclass, customer_column text,
                                   OUT rel regclass, OUT id_column text)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    given  text;
    parts  text[];
    num    smallint;
    st     text;
    msg    text;
BEGIN
    IF options IS NULL OR NOT options ? 'exclude_customers' THEN
        RETURN;
    END IF;
    IF jsonb_typeof(options->'exclude_customers') <> 'string' THEN
        RAISE EXCEPTION '%: option "exclude_customers" must name a table or view, given as a string, not %',
                        caller, options->'exclude_customers'
            USING ERRCODE = '22023',
                  HINT = 'E.g. {"exclude_customers": "crm.objections"}: a table whose first column holds the ids of customers who objected to profiling.';
    END IF;
    given := options->>'exclude_customers';
    BEGIN
        parts := parse_ident(given);
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
        RAISE EXCEPTION '%: option "exclude_customers": %', caller, msg
            USING ERRCODE = st, HINT = 'Name a table or view, e.g. "objections" or "crm.objections".';
    END;
    IF cardinality(parts) = 1 THEN
        rel := to_regclass(format('%I.%I', (SELECT n.nspname FROM pg_class AS c
                                             JOIN pg_namespace AS n ON n.oid = c.relnamespace
                                            WHERE c.oid = source), parts[1]));
        IF rel IS NULL THEN
            rel := to_regclass(format('pg_temp.%I', parts[1]));
        END IF;
    ELSE
        BEGIN
            rel := to_regclass(array_to_string(ARRAY(SELECT quote_ident(p) FROM unnest(parts) AS p), '.'));
        EXCEPTION WHEN OTHERS THEN
            rel := NULL;
        END;
    END IF;
    IF rel IS NULL THEN
        RAISE EXCEPTION '%: option "exclude_customers": relation "%" does not exist', caller, given
            USING ERRCODE = '42P01',
                  HINT = format('An unqualified name is looked up in the schema of %s, then among temporary tables; write schema.table for another schema.', source);
    END IF;
    IF (SELECT c.relkind FROM pg_class AS c WHERE c.oid = rel) NOT IN ('r', 'p', 'v', 'm', 'f') THEN
        RAISE EXCEPTION '%: option "exclude_customers": % is not a table or view', caller, rel
            USING ERRCODE = '42809';
    END IF;
    SELECT a.attname, a.attnum INTO id_column, num
      FROM pg_attribute AS a
     WHERE a.attrelid = rel AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY a.attnum LIMIT 1;
    IF id_column IS NULL THEN
        RAISE EXCEPTION '%: option "exclude_customers": % has no columns', caller, rel
            USING ERRCODE = '22023', HINT = 'Its first column must hold the ids of the excluded customers.';
    END IF;
    IF NOT has_column_privilege(rel, num, 'SELECT') THEN
        RAISE EXCEPTION '%: option "exclude_customers": permission denied for %', caller, rel
            USING ERRCODE = '42501', HINT = format('Reading the exclusions needs SELECT on column "%s" of %s.', id_column, rel);
    END IF;
    -- the ids must compare with the customers: parse (without running) the
    -- comparison the generated SQL will make
    BEGIN
        EXECUTE format('SELECT 1 FROM %s AS o, %s AS x WHERE o.%I = x.%I LIMIT 0',
                       source, rel, customer_column, id_column);
    EXCEPTION WHEN undefined_function OR datatype_mismatch THEN
        RAISE EXCEPTION '%: option "exclude_customers": column "%" of % is %, which does not compare with customer column "%" of % (%)',
                        caller, id_column, rel,
                        format_type((SELECT a.atttypid FROM pg_attribute AS a WHERE a.attrelid = rel AND a.attnum = num), NULL),
                        customer_column, source,
                        format_type((SELECT a.atttypid FROM pg_attribute AS a
                                      WHERE a.attrelid = source AND a.attname = customer_column), NULL)
            USING ERRCODE = '42804',
                  HINT = 'Give a view over the table that casts the first column to the type of the customer ids.';
    END;
END
$$;
COMMENT ON FUNCTION excluded_customers(text, jsonb, regclass, text) IS
'Resolves option exclude_customers (a table or view whose first column holds the ids of customers who objected to profiling) for an order table: the relation and its id column, or NULL when the option is absent; clear errors for a missing relation, a column the caller may not read, or ids that do not compare with the customer column';

-- create_scoring_view, fit_models, backtest, backtest_tracking and
-- holdout_by_frequency all take {"model": "pareto_nbd" | "mbgnbd" | "bgnbd"}
-- with the default pareto_nbd (BG/NBD scores every customer who never
-- repeated as certainly alive; Pareto/NBD forecasts the CDNOW holdout best).
-- Their options are read by one function, so keys, values, defaults and
-- errors are the same everywhere.
-- Options shared by the analyst functions: rejects a non-object and unknown
-- keys (option_keys_error), reads period (default 1 day), unit (default
-- unit_default, or the period when that is NULL) as positive fixed lengths
-- given as strings, and model (default pareto_nbd); the defaults are
-- crm_loyalty_defaults().  The caller checks its own further keys.  A
-- mistake is returned (SQLSTATE, message, hint), not raised, so that the
-- caller raises it and the error's CONTEXT names the function the user
-- called, not this one.  PARALLEL RESTRICTED: catching a bad interval needs
-- a subtransaction.
CREATE FUNCTION analyst_options(caller text, options jsonb, known text[], unit_default interval,
                                OUT period interval, OUT unit interval, OUT model text,
                                OUT error_code text, OUT error_message text, OUT error_hint text)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    k   text;
    iv  interval;
    d   record;
BEGIN
    options := coalesce(options, '{}');
    SELECT e.* INTO error_code, error_message, error_hint
      FROM @extschema@.option_keys_error(caller, options, known) AS e;
    IF error_code IS NOT NULL THEN
        RETURN;
    END IF;
    d := @extschema@.crm_loyalty_defaults();
    period := d.period;
    unit := unit_default;
    FOREACH k IN ARRAY ARRAY['period', 'unit'] LOOP
        CONTINUE WHEN NOT options ? k;
        IF jsonb_typeof(options->k) <> 'string' THEN
            error_code := '22023';
            error_message := format('%s: option "%s" must be an interval given as a string, not %s', caller, k, options->k);
            error_hint := 'E.g. "1 day" or "7 days"; a bare number has no unit.';
            RETURN;
        END IF;
        BEGIN
            iv := (options->>k)::interval;
        EXCEPTION WHEN data_exception THEN
            GET STACKED DIAGNOSTICS error_code = RETURNED_SQLSTATE, error_message = MESSAGE_TEXT;
            error_message := format('%s: option "%s": %s', caller, k, error_message);
            error_hint := 'E.g. "1 day" or "7 days".';
            RETURN;
        END;
        IF extract(year FROM iv) <> 0 OR extract(month FROM iv) <> 0 OR extract(epoch FROM iv) <= 0 THEN
            error_code := '22023';
            error_message := format('%s: option "%s": "%s" is not a positive fixed length of time', caller, k, options->>k);
            error_hint := 'Use days or shorter units, e.g. "7 days"; months and years have no fixed length.';
            RETURN;
        END IF;
        IF k = 'period' THEN
            period := iv;
        ELSE
            unit := iv;
        END IF;
    END LOOP;
    unit := coalesce(unit, period);
    model := d.purchase_model;
    IF options ? 'model' THEN
        model := options->>'model';
        IF jsonb_typeof(options->'model') <> 'string' OR model NOT IN ('pareto_nbd', 'mbgnbd', 'bgnbd') THEN
            error_code := '22023';
            error_message := format('%s: unknown model %s', caller, options->'model');
            error_hint := 'The purchase models are pareto_nbd (the default), mbgnbd and bgnbd.';
            RETURN;
        END IF;
    END IF;
END
$$;
COMMENT ON FUNCTION analyst_options(text, jsonb, text[], interval) IS
'Reads the options shared by fit_models, backtest, backtest_compare, backtest_tracking and holdout_by_frequency: period, unit (the period unless given) and model (default pareto_nbd), or the mistake (unknown key, bad value) as SQLSTATE, message and hint for the caller to raise';

-- fit_models: the purchase model is chosen with {"model": ...} (default
-- pareto_nbd); every stored row names its kind.  Customers listed by
-- exclude_customers are left out of the fits.
CREATE FUNCTION fit_models(name text, source regclass, customer_column text,
                           ordered_at_column text, amount_column text,
                           as_of timestamptz, options jsonb DEFAULT '{}')
RETURNS SETOF fitted_models
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    o        record;
    x        record;
    grp      text;
    kind     text;
    descr    text;
    q        text;
    r        record;
    ext      text;
    k        text;
    prior    text;
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
    o := @extschema@.analyst_options('fit_models', options,
                                     ARRAY['model', 'period', 'unit', 'group_column', 'description',
                                           'exclude_customers'], NULL);
    IF o.error_code IS NOT NULL THEN
        RAISE EXCEPTION '%', o.error_message USING ERRCODE = o.error_code, HINT = o.error_hint;
    END IF;
    kind := o.model;
    -- A name keeps its purchase model: without a "model" option, a name
    -- under which this role already stored a purchase model is refitted
    -- with the kind of its newest fit, so a scheduled refit keeps feeding
    -- the views built on that name; a new name gets the default.
    IF NOT options ? 'model' THEN
        SELECT f.kind INTO prior
          FROM @extschema@.fitted_models f
         WHERE f.fitted_by = current_user AND f.name = fit_models.name
           AND f.kind IN ('bgnbd', 'mbgnbd', 'pareto_nbd')
         ORDER BY f.fitted_at DESC
         LIMIT 1;
        kind := coalesce(prior, kind);
    END IF;
    FOREACH k IN ARRAY ARRAY['group_column', 'description'] LOOP
        IF options ? k AND jsonb_typeof(options->k) <> 'string' THEN
            RAISE EXCEPTION 'fit_models: option "%" must be a string, not %', k, options->k
                USING ERRCODE = '22023',
                      HINT = CASE k WHEN 'group_column' THEN 'Name a column of the table, e.g. "country".'
                                    ELSE 'Describe the fit in words, or leave the option out.' END;
        END IF;
    END LOOP;
    grp := options->>'group_column';
    -- a missing column or one of the wrong type is named here, not as an
    -- error inside the generated query
    PERFORM @extschema@.check_columns('fit_models', source,
                                      ARRAY[customer_column, ordered_at_column, amount_column, coalesce(grp, customer_column)],
                                      ARRAY['any', 'time', 'number', 'any']);
    x := @extschema@.excluded_customers('fit_models', options, source, customer_column);
    SELECT quote_ident(n.nspname) INTO ext
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'crm_loyalty';
    descr := coalesce(options->>'description',
                      format('%s (%s, %s, %s) as of %s, period %s, unit %s%s%s',
                             source, customer_column, ordered_at_column, amount_column,
                             as_of, o.period, o.unit,
                             CASE WHEN grp IS NULL THEN '' ELSE format(', per %s', grp) END,
                             CASE WHEN x.rel IS NULL THEN '' ELSE format(', without the customers in %s', x.rel) END));
    q := format($f$
        WITH prof AS (
            SELECT %1$s AS g,
                   %2$s.crm_profile(o.%3$I, o.%4$I::numeric, $1, $2, $3) AS p
              FROM %5$s AS o
             WHERE o.%6$I IS NOT NULL%9$s
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
        CASE WHEN grp IS NULL THEN '' ELSE format(', o.%I', grp) END, kind,
        CASE WHEN x.rel IS NULL THEN ''
             ELSE format(E'\n               AND NOT EXISTS (SELECT 1 FROM %s AS x WHERE x.%I = o.%I)',
                         x.rel, x.id_column, customer_column) END);
    FOR r IN EXECUTE q USING as_of, o.period, o.unit LOOP
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
'Fits a purchase model (option model: pareto_nbd, mbgnbd or bgnbd; by default the kind of the newest purchase model stored under the name, else pareto_nbd) and Gamma-Gamma over the customers of an order table (per group with group_column; without the customers listed by exclude_customers) and stores them under a name, each with its kind';
