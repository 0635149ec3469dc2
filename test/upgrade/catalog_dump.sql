-- test/upgrade/catalog_dump.sql — a canonical text dump of what the
-- crm_loyalty extension put into the current database, one fact per line:
--
--     <object> :: <property> = <value>
--
-- sorted, with no OIDs, so that two databases that should hold the same
-- extension (a direct install and an updated one) give identical dumps and a
-- plain diff of two dumps names every difference.  Read by
-- test/upgrade/catalog.sh (psql -X -At -f).
--
-- What it covers: every member of the extension (pg_depend deptype 'e') and
-- everything that hangs off a member (deptype 'a' or 'i': constraints,
-- indexes, triggers, policies, column defaults, rewrite rules, array types,
-- the relations of composite types), with
--   functions   kind, identity and full arguments (defaults, names), result,
--               language, volatility, strictness, parallel safety, SECURITY
--               DEFINER, LEAKPROOF, SET options, cost, rows, support, owner,
--               ACL and the whole definition (pg_get_functiondef: body,
--               prosrc of C functions, probin)
--   aggregates  every pg_aggregate field
--   types       input/output/receive/send/typmod/analyze functions, length,
--               by-value, alignment, storage, category, preferred, delimiter,
--               element and array types, default, owner, ACL; composite
--               columns in order
--   relations   kind, persistence, row-level security, options, owner, ACL;
--               columns in order with type, NOT NULL, default, identity,
--               generated, collation, column ACL; constraints, indexes,
--               triggers (with their enabled state), policies, view
--               definitions
--   casts       source, target, function, context, method
--   all         membership, comments (pg_description, columns included),
--               initial privileges (pg_init_privs)
--   extension   version, schema, relocatable, owner, config tables with their
--               conditions (in order), and the rows of every extension table
--               (seed rows)
-- An owned object of any other kind is printed as "UNDESCRIBED", which
-- catalog.sh counts as a failure: extend this file when the extension gains
-- a new kind of object.
--
-- Role names: the extension's owner prints as <extowner>, the bootstrap
-- superuser as <bootstrap>.

SET search_path = pg_catalog, pg_temp;
SET DateStyle = 'ISO, YMD';
SET IntervalStyle = 'postgres';
SET TimeZone = 'UTC';
SET extra_float_digits = 3;
SET row_security = off;

WITH RECURSIVE
ext AS (
    SELECT e.oid, e.extowner, e.extnamespace FROM pg_extension AS e WHERE e.extname = 'crm_loyalty'
),
closure(classid, objid) AS (
    SELECT d.classid, d.objid
      FROM pg_depend AS d, ext
     WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'
    UNION
    SELECT d.classid, d.objid
      FROM pg_depend AS d JOIN closure AS c ON d.refclassid = c.classid AND d.refobjid = c.objid
     WHERE d.deptype IN ('a', 'i')
),
owned0 AS (
    SELECT classid, objid FROM closure
    UNION  -- the relation of a composite type, the row type of a relation
    SELECT 'pg_class'::regclass, t.typrelid FROM closure AS c JOIN pg_type AS t ON t.oid = c.objid
     WHERE c.classid = 'pg_type'::regclass AND t.typrelid <> 0
    UNION
    SELECT 'pg_type'::regclass, r.reltype FROM closure AS c JOIN pg_class AS r ON r.oid = c.objid
     WHERE c.classid = 'pg_class'::regclass AND r.reltype <> 0
),
o AS (
    SELECT w.classid, w.objid,
           i.type || ' ' || i.identity AS obj,
           EXISTS (SELECT 1 FROM pg_depend AS d, ext
                    WHERE d.classid = w.classid AND d.objid = w.objid AND d.deptype = 'e'
                      AND d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid) AS member
      FROM owned0 AS w, LATERAL pg_identify_object(w.classid, w.objid, 0) AS i
     -- a table's TOAST table (and its index) follows from its columns, and
     -- its name from an OID
     WHERE NOT (w.classid = 'pg_class'::regclass
                AND (SELECT r.relnamespace FROM pg_class AS r WHERE r.oid = w.objid) = 'pg_toast'::regnamespace)
),
-- helpers
role_name(oid, name) AS (
    SELECT r.oid, CASE WHEN r.oid = (SELECT extowner FROM ext) THEN '<extowner>'
                       WHEN r.oid = 10 THEN '<bootstrap>'
                       ELSE r.rolname::text END
      FROM pg_roles AS r
),
facts(obj, prop, ord, val) AS (
    -- membership
    SELECT o.obj, 'member', 0, CASE WHEN o.member THEN 'extension member' ELSE 'owned by a member' END FROM o
    UNION ALL
    -- comments, columns included
    SELECT o.obj,
           CASE WHEN d.objsubid = 0 THEN 'comment'
                ELSE 'comment on column ' || coalesce((SELECT a.attname::text FROM pg_attribute AS a
                                                       WHERE a.attrelid = d.objoid AND a.attnum = d.objsubid),
                                                      d.objsubid::text) END,
           0, d.description
      FROM o JOIN pg_description AS d ON d.classoid = o.classid AND d.objoid = o.objid
    UNION ALL
    -- initial privileges recorded for pg_dump
    SELECT o.obj,
           'initial privileges (' || ip.privtype::text || ')'
               || CASE WHEN ip.objsubid = 0 THEN ''
                       ELSE ' on column ' || coalesce((SELECT a.attname::text FROM pg_attribute AS a
                                                       WHERE a.attrelid = ip.objoid AND a.attnum = ip.objsubid),
                                                      ip.objsubid::text) END,
           0, (SELECT string_agg(x::text, ',' ORDER BY x::text) FROM unnest(ip.initprivs) AS x)
      FROM o JOIN pg_init_privs AS ip ON ip.classoid = o.classid AND ip.objoid = o.objid

    ---- functions, procedures, aggregates, window functions
    UNION ALL
    SELECT o.obj, x.prop, 0, x.val
      FROM o JOIN pg_proc AS p ON o.classid = 'pg_proc'::regclass AND p.oid = o.objid
      CROSS JOIN LATERAL (VALUES
        ('kind', p.prokind::text),
        ('identity arguments', pg_get_function_identity_arguments(p.oid)),
        ('arguments', pg_get_function_arguments(p.oid)),
        ('result', pg_get_function_result(p.oid)),
        ('language', (SELECT l.lanname::text FROM pg_language AS l WHERE l.oid = p.prolang)),
        ('volatility', p.provolatile::text),
        ('strict', p.proisstrict::text),
        ('parallel', p.proparallel::text),
        ('security definer', p.prosecdef::text),
        ('leakproof', p.proleakproof::text),
        ('returns set', p.proretset::text),
        ('config', coalesce(array_to_string(p.proconfig, '; '), '-')),
        ('cost', p.procost::text),
        ('rows', p.prorows::text),
        ('support', p.prosupport::regproc::text),
        ('variadic', p.provariadic::regtype::text),
        ('owner', (SELECT r.name FROM role_name AS r WHERE r.oid = p.proowner)),
        ('acl', coalesce((SELECT string_agg(x::text, ',' ORDER BY x::text) FROM unnest(p.proacl) AS x), 'default')),
        ('probin', coalesce(p.probin, '-')),
        ('prosrc', CASE WHEN p.prolang IN (SELECT l.oid FROM pg_language AS l WHERE l.lanname IN ('c', 'internal'))
                        THEN p.prosrc ELSE '(in definition)' END)
      ) AS x(prop, val)
    UNION ALL
    SELECT o.obj, 'definition', l.n::integer, l.line
      FROM o JOIN pg_proc AS p ON o.classid = 'pg_proc'::regclass AND p.oid = o.objid AND p.prokind <> 'a'
      CROSS JOIN LATERAL regexp_split_to_table(pg_get_functiondef(p.oid), E'\n') WITH ORDINALITY AS l(line, n)
    UNION ALL
    SELECT o.obj, 'aggregate ' || x.prop, 0, x.val
      FROM o JOIN pg_aggregate AS a ON o.classid = 'pg_proc'::regclass AND a.aggfnoid = o.objid
      CROSS JOIN LATERAL (VALUES
        ('kind', a.aggkind::text),
        ('direct arguments', a.aggnumdirectargs::text),
        ('transition function', a.aggtransfn::regprocedure::text),
        ('final function', a.aggfinalfn::regproc::text),
        ('combine function', a.aggcombinefn::regproc::text),
        ('serial function', a.aggserialfn::regproc::text),
        ('deserial function', a.aggdeserialfn::regproc::text),
        ('moving transition function', a.aggmtransfn::regproc::text),
        ('moving inverse function', a.aggminvtransfn::regproc::text),
        ('moving final function', a.aggmfinalfn::regproc::text),
        ('final extra', a.aggfinalextra::text),
        ('moving final extra', a.aggmfinalextra::text),
        ('final modify', a.aggfinalmodify::text),
        ('moving final modify', a.aggmfinalmodify::text),
        ('sort operator', a.aggsortop::regoperator::text),
        ('state type', a.aggtranstype::regtype::text),
        ('state space', a.aggtransspace::text),
        ('moving state type', a.aggmtranstype::regtype::text),
        ('moving state space', a.aggmtransspace::text),
        ('initial value', coalesce(a.agginitval, '-')),
        ('moving initial value', coalesce(a.aggminitval, '-'))
      ) AS x(prop, val)

    ---- types
    UNION ALL
    SELECT o.obj, 'type ' || x.prop, 0, x.val
      FROM o JOIN pg_type AS t ON o.classid = 'pg_type'::regclass AND t.oid = o.objid
      CROSS JOIN LATERAL (VALUES
        ('kind', t.typtype::text),
        ('length', t.typlen::text),
        ('by value', t.typbyval::text),
        ('category', t.typcategory::text),
        ('preferred', t.typispreferred::text),
        ('defined', t.typisdefined::text),
        ('delimiter', t.typdelim::text),
        ('relation', CASE WHEN t.typrelid = 0 THEN '-' ELSE t.typrelid::regclass::text END),
        ('subscript', t.typsubscript::regproc::text),
        ('element', t.typelem::regtype::text),
        ('array', t.typarray::regtype::text),
        ('input', t.typinput::regproc::text),
        ('output', t.typoutput::regproc::text),
        ('receive', t.typreceive::regproc::text),
        ('send', t.typsend::regproc::text),
        ('typmod input', t.typmodin::regproc::text),
        ('typmod output', t.typmodout::regproc::text),
        ('analyze', t.typanalyze::regproc::text),
        ('alignment', t.typalign::text),
        ('storage', t.typstorage::text),
        ('not null', t.typnotnull::text),
        ('base type', t.typbasetype::regtype::text),
        ('typmod', t.typtypmod::text),
        ('dimensions', t.typndims::text),
        ('collation', t.typcollation::regcollation::text),
        ('default', coalesce(t.typdefault, '-')),
        ('owner', (SELECT r.name FROM role_name AS r WHERE r.oid = t.typowner)),
        ('acl', coalesce((SELECT string_agg(x::text, ',' ORDER BY x::text) FROM unnest(t.typacl) AS x), 'default'))
      ) AS x(prop, val)

    ---- relations (tables, views, composite types, indexes, ...) and their columns
    UNION ALL
    SELECT o.obj, 'relation ' || x.prop, 0, x.val
      FROM o JOIN pg_class AS c ON o.classid = 'pg_class'::regclass AND c.oid = o.objid
      CROSS JOIN LATERAL (VALUES
        ('kind', c.relkind::text),
        ('persistence', c.relpersistence::text),
        ('row level security', c.relrowsecurity::text),
        ('forced row level security', c.relforcerowsecurity::text),
        ('replica identity', c.relreplident::text),
        ('options', coalesce(array_to_string(c.reloptions, ', '), '-')),
        ('access method', coalesce((SELECT am.amname::text FROM pg_am AS am WHERE am.oid = c.relam), '-')),
        ('owner', (SELECT r.name FROM role_name AS r WHERE r.oid = c.relowner)),
        ('acl', coalesce((SELECT string_agg(x::text, ',' ORDER BY x::text) FROM unnest(c.relacl) AS x), 'default')),
        ('index definition', CASE WHEN c.relkind IN ('i', 'I') THEN pg_get_indexdef(c.oid) ELSE '-' END)
      ) AS x(prop, val)
    UNION ALL
    SELECT o.obj, format('column %s %s', to_char(a.pos, 'FM000'), a.attname), 0, x.val
      FROM o JOIN pg_class AS c ON o.classid = 'pg_class'::regclass AND c.oid = o.objid
      CROSS JOIN LATERAL (
          SELECT a.*, row_number() OVER (ORDER BY a.attnum) AS pos
            FROM pg_attribute AS a
           WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS a
      CROSS JOIN LATERAL (VALUES
        ('type ' || format_type(a.atttypid, a.atttypmod)),
        ('not null ' || a.attnotnull::text),
        ('default ' || coalesce((SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef AS d
                                  WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum), '-')),
        ('identity ' || coalesce(nullif(a.attidentity::text, ''), '-')),
        ('generated ' || coalesce(nullif(a.attgenerated::text, ''), '-')),
        ('collation ' || coalesce(a.attcollation::regcollation::text, '-')),
        -- pg_attver is the server's own bookkeeping of attribute versions
        ('options ' || coalesce((SELECT string_agg(x, ', ' ORDER BY x) FROM unnest(a.attoptions) AS x
                                  WHERE x NOT LIKE 'pg\_attver=%'), '-')),
        ('acl ' || coalesce((SELECT string_agg(x::text, ',' ORDER BY x::text) FROM unnest(a.attacl) AS x), 'default'))
      ) AS x(val)
    UNION ALL
    SELECT o.obj, 'view definition', l.n::integer, l.line
      FROM o JOIN pg_class AS c ON o.classid = 'pg_class'::regclass AND c.oid = o.objid AND c.relkind IN ('v', 'm')
      CROSS JOIN LATERAL regexp_split_to_table(pg_get_viewdef(c.oid, true), E'\n') WITH ORDINALITY AS l(line, n)

    ---- constraints, triggers, policies, rewrite rules, column defaults
    UNION ALL
    SELECT o.obj, 'constraint ' || x.prop, 0, x.val
      FROM o JOIN pg_constraint AS k ON o.classid = 'pg_constraint'::regclass AND k.oid = o.objid
      CROSS JOIN LATERAL (VALUES
        ('type', k.contype::text),
        ('definition', pg_get_constraintdef(k.oid, true)),
        ('deferrable', k.condeferrable::text || ' ' || k.condeferred::text),
        ('validated', k.convalidated::text),
        ('local, inherited', k.conislocal::text || ' ' || k.coninhcount::text || ' ' || k.connoinherit::text)
      ) AS x(prop, val)
    UNION ALL
    SELECT o.obj, 'trigger ' || x.prop, 0, x.val
      FROM o JOIN pg_trigger AS g ON o.classid = 'pg_trigger'::regclass AND g.oid = o.objid
      CROSS JOIN LATERAL (VALUES
        ('definition', pg_get_triggerdef(g.oid, true)),
        ('enabled', g.tgenabled::text),
        ('internal', g.tgisinternal::text)
      ) AS x(prop, val)
    UNION ALL
    SELECT o.obj, 'policy ' || x.prop, 0, x.val
      FROM o JOIN pg_policy AS y ON o.classid = 'pg_policy'::regclass AND y.oid = o.objid
      CROSS JOIN LATERAL (VALUES
        ('command', y.polcmd::text),
        ('permissive', y.polpermissive::text),
        ('roles', (SELECT string_agg(CASE WHEN r = 0 THEN 'public' ELSE (SELECT n.name FROM role_name AS n WHERE n.oid = r) END,
                                     ',' ORDER BY 1) FROM unnest(y.polroles) AS r)),
        ('using', coalesce(pg_get_expr(y.polqual, y.polrelid, true), '-')),
        ('with check', coalesce(pg_get_expr(y.polwithcheck, y.polrelid, true), '-'))
      ) AS x(prop, val)
    UNION ALL
    SELECT o.obj, 'rule definition', 0, pg_get_ruledef(w.oid, true)
      FROM o JOIN pg_rewrite AS w ON o.classid = 'pg_rewrite'::regclass AND w.oid = o.objid
    UNION ALL
    SELECT o.obj, 'default expression', 0, pg_get_expr(d.adbin, d.adrelid, true)
      FROM o JOIN pg_attrdef AS d ON o.classid = 'pg_attrdef'::regclass AND d.oid = o.objid

    ---- casts
    UNION ALL
    SELECT o.obj, 'cast ' || x.prop, 0, x.val
      FROM o JOIN pg_cast AS k ON o.classid = 'pg_cast'::regclass AND k.oid = o.objid
      CROSS JOIN LATERAL (VALUES
        ('source', k.castsource::regtype::text),
        ('target', k.casttarget::regtype::text),
        ('function', CASE WHEN k.castfunc = 0 THEN '-' ELSE k.castfunc::regprocedure::text END),
        ('context', k.castcontext::text),
        ('method', k.castmethod::text)
      ) AS x(prop, val)

    ---- kinds of objects this file does not describe in detail
    UNION ALL
    SELECT o.obj, 'UNDESCRIBED', 0, pg_describe_object(o.classid, o.objid, 0)
      FROM o
     WHERE o.classid NOT IN ('pg_proc'::regclass, 'pg_type'::regclass, 'pg_class'::regclass,
                             'pg_constraint'::regclass, 'pg_trigger'::regclass, 'pg_policy'::regclass,
                             'pg_rewrite'::regclass, 'pg_attrdef'::regclass, 'pg_cast'::regclass)

    ---- the extension itself
    UNION ALL
    SELECT 'extension crm_loyalty', x.prop, 0, x.val
      FROM pg_extension AS e
      CROSS JOIN LATERAL (VALUES
        ('version', e.extversion),
        ('schema', e.extnamespace::regnamespace::text),
        ('relocatable', e.extrelocatable::text),
        ('owner', (SELECT r.name FROM role_name AS r WHERE r.oid = e.extowner)),
        ('comment', coalesce(obj_description(e.oid, 'pg_extension'), '-')),
        ('members', (SELECT count(*)::text FROM o WHERE o.member))
      ) AS x(prop, val)
     WHERE e.extname = 'crm_loyalty'
    UNION ALL
    SELECT 'extension crm_loyalty', 'config table ' || c.n, 0,
           c.tbl::regclass::text || ' ' || coalesce((SELECT e.extcondition[c.n] FROM pg_extension AS e
                                                    WHERE e.extname = 'crm_loyalty'), '-')
      FROM pg_extension AS e, unnest(e.extconfig) WITH ORDINALITY AS c(tbl, n)
     WHERE e.extname = 'crm_loyalty'

    ---- rows of every extension table (seed rows), in text order
    UNION ALL
    SELECT o.obj, 'row', 0, r.val
      FROM o JOIN pg_class AS c ON o.classid = 'pg_class'::regclass AND c.oid = o.objid AND c.relkind = 'r'
      CROSS JOIN LATERAL (
          SELECT regexp_replace(x::text, '\s+', ' ', 'g') AS val
            FROM unnest(xpath('/table/row', query_to_xml(format('SELECT * FROM %s', c.oid::regclass), true, false, ''))) AS x
      ) AS r
)
SELECT f.obj || ' :: ' || f.prop || CASE WHEN f.prop IN ('definition', 'view definition') THEN ' | ' ELSE ' = ' END
       || coalesce(f.val, '<null>')
  FROM facts AS f
 ORDER BY f.obj COLLATE "C", f.prop COLLATE "C", f.ord, f.val COLLATE "C";
