#!/usr/bin/python3
"""test/fuzz/fuzz.py — seeded SQL-level fuzzer of the crm_loyalty extension.

Every function, aggregate, window function and type input that belongs to
the extension is read from the catalog (pg_depend on the extension), so new
objects are covered without touching this file.  Each one is called with
edge values (NULL, +-0, NaN, +-Infinity, 1e+-308, denormals, 'infinity'
times, huge and empty arrays, arrays with NULLs, hostile identifiers and
options, malformed and randomly corrupted text for every type input), and
aggregates and window forms run over fuzz tables in serial and in parallel
plans.

A call fails the run when
  crash     the server connection is lost (twice: once may be another call's crash)
  timeout   the call ran longer than --hard seconds (statement_timeout is --timeout ms)
  internal  it raised an error of class XX (internal error, e.g. XX000)
  range     the result breaks the rule for its function (RULES below)
  roundtrip a type's text output does not read back to the same value

Cases are numbered; case i is generated from random.Random("SEED:i") alone,
so "fuzz.py --seed S --case i" replays exactly one case.  Failures print the
exact SQL.  Known failures (test/fuzz/known_failures.txt: kind, function and
a repro per line) are reported as SKIP lines, not hidden.

Connects with the usual PG* environment variables.  Output is TAP: one
"ok"/"not ok" line per object fuzzed, and one SKIP line per known failure
that was hit.
"""
import argparse
import os
import random
import re
import select
import sys
import time
import multiprocessing as mp

import psycopg2
import psycopg2.extensions as ext

HERE = os.path.dirname(os.path.abspath(__file__))

# ---------------------------------------------------------------------------
# Range rules: a SQL predicate over the result r (and the arguments {0},
# {1}, ... as SQL text) that must not be false.  NULL results pass.  NaN
# sorts above every number in PostgreSQL, so "r <= 1" also rejects NaN.
# ---------------------------------------------------------------------------
FINITE_NONNEG = "r >= 0 AND r < 'Infinity'"
PROB = "r >= 0 AND r <= 1"


def model_params_rule(kind):
    return ("(SELECT coalesce(bool_and((v #>> '{{}}')::float8 > 0 AND (v #>> '{{}}')::float8 < 'Infinity'), true) "
            "FROM jsonb_each(%s_jsonb(r)) e(k, v) "
            "WHERE k IN ('r', 'alpha', 'a', 'b', 's', 'beta', 'p', 'q', 'v'))" % kind)


SIM_RULE = ("(r).frequency >= 0 AND (r).recency >= 0 AND (r).recency <= (r).t "
            "AND (r).frequency < 'Infinity'")

RULES = {
    'p_alive': PROB,
    'churn_probability': PROB,
    'expected_purchases': FINITE_NONNEG,
    'expected_spend': FINITE_NONNEG,
    'clv_estimate': FINITE_NONNEG,
    'period_start': "r <= ({0})::timestamptz",
    'crm_profile': ("(r).t >= 0 AND (r).recency >= 0 AND (r).recency <= (r).t "
                    "AND (r).frequency >= 0 AND (r).recency_days >= 0 AND (r).t < 'Infinity' "
                    "AND (r).orders >= 0 AND (r).refunds >= 0"),
    'bgnbd_fit': model_params_rule('bgnbd_model'),
    'mbgnbd_fit': model_params_rule('mbgnbd_model'),
    'pareto_nbd_fit': model_params_rule('pareto_nbd_model'),
    'gamma_gamma_fit': model_params_rule('gamma_gamma_model'),
    'bgnbd_fit_final': model_params_rule('bgnbd_model'),
    'mbgnbd_fit_final': model_params_rule('mbgnbd_model'),
    'pareto_nbd_fit_final': model_params_rule('pareto_nbd_model'),
    'gamma_gamma_fit_final': model_params_rule('gamma_gamma_model'),
    'btyd_simulate': SIM_RULE + " AND ((r).monetary IS NULL OR ((r).monetary >= 0 AND (r).monetary < 'Infinity'))",
    'mbgnbd_simulate': SIM_RULE,
    'pareto_nbd_simulate': SIM_RULE,
    'rfm_score': "(r).r BETWEEN 1 AND 100 AND (r).f BETWEEN 1 AND 100 AND (r).m BETWEEN 1 AND 100",
    'rfm_breaks': ("NOT EXISTS (SELECT 1 FROM unnest((r).recency_days || (r).frequency || (r).monetary) x "
                   "WHERE x = 'NaN')"),
    'rfm_cut_points': ("NOT EXISTS (SELECT 1 FROM unnest((r).recency_days || (r).frequency || (r).monetary) x "
                       "WHERE x = 'NaN')"),
}

# ---------------------------------------------------------------------------
# Value pools
# ---------------------------------------------------------------------------
FLOAT_EDGE = ["NULL", "'NaN'", "'Infinity'", "'-Infinity'", "0", "'-0'", "1e308", "-1e308",
              "1e-308", "-1e-308", "5e-324", "-5e-324", "2.2250738585072014e-308",
              "1.7976931348623157e308", "1", "-1", "0.5", "2", "1e15", "9007199254740993",
              "1e-10", "1e10", "1e300", "1e-300", "0.999999", "1.0000000000000002"]
INT_EDGE = ["NULL", "0", "-1", "1", "2", "3", "5", "9", "10", "99", "100", "101", "1000",
            "2147483647", "-2147483648"]
BIGINT_EDGE = INT_EDGE + ["9223372036854775807", "-9223372036854775808"]
NUMERIC_EDGE = ["NULL", "0", "'-0'", "'NaN'", "'Infinity'", "'-Infinity'", "1e300", "-1e300",
                "1e-300", "0.000000000000000001", "123.45", "-5", "1", "99999999999999999999999999.99",
                "('1' || repeat('0', 1000))", "('0.' || repeat('0', 900) || '1')"]
TS_EDGE = ["NULL", "'infinity'", "'-infinity'", "'4714-11-24 00:00:00+00 BC'",
           "'294276-12-31 23:59:59.999999+00'", "'2000-01-01 00:00+00'", "'1999-12-31 23:59:59+00'",
           "'1970-01-01 00:00+00'", "'2024-02-29 12:00+00'", "'2024-03-31 01:30+01'"]
INTERVAL_EDGE = ["NULL", "'0'", "'1 day'", "'-1 day'", "'1 month'", "'1 month 1 day'", "'7 days'",
                 "'30 days'", "'1 microsecond'", "'178956970 months'", "'36600 days'", "'36601 days'",
                 "'2562047788 hours'", "'1 day 2562047788 hours'", "'-178956970 years'",
                 "'12 months'", "'365 days'", "'1 year'", "'23:59:59.999999'", "'100 years'"]
TEXT_EDGE = ["NULL", "''", "'x'", "'default'", "' '", "'%s%n%x'", "'\"'", "''''",
             "'x\"; DROP TABLE fuzz.orders; --'", "'x''); DROP TABLE fuzz.orders; --'",
             "repeat('a', 64)", "repeat('é', 40)", "'a.b'", "'pg_catalog.text'", "E'\\x01\\x1f'",
             "repeat('x', 100000)", "'Bronze'", "'NaN'", "'1 day'", "'public'", "'$1'", "'\\'"]
COLUMNS = ["customer_id", "ordered_at", "amount", "g", "f1", "ctid", "xmin", "\"customer_id\"",
           "cust id", "a\"b", "we%ird", "nosuch", "amount::text", "1", "(select 1)",
           "customer_id) FROM fuzz.orders; DROP TABLE fuzz.orders; --", "", "ORDERED_AT"]
RELATIONS = ["fuzz.orders", "fuzz.orders_text", "fuzz.empty_orders", "fuzz.\"We%ird \"\"tbl\"\"\"",
             "pg_catalog.pg_class", "fuzz.profiles", "fuzz.orders_view"]
MODEL_KINDS = ["bgnbd", "gamma_gamma", "pareto_nbd", "mbgnbd", "bgnbd_model", "", "x'; --"]
OPTION_KEYS = ["as_of", "bgnbd_model", "bins", "clv_months", "gamma_gamma_model", "horizon",
               "materialized", "model_group", "monthly_discount", "period", "rfm_cut_points",
               "rfm_rule_set", "schema", "search_path", "tier_measure", "tier_scheme", "unit",
               "group_column", "models", "model", "calibration_end", "sample", "nosuch"]
JSON_VALUES = ['"NaN"', '"Infinity"', '1e308', '-1', '0', '1', '12', '0.01', 'true', 'false', 'null',
               '"1 day"', '"12 months"', '"-1 day"', '"2024-01-01"', '"infinity"', '"default"',
               '"x\\"; DROP TABLE fuzz.orders; --"', '"pg_temp"', '"public"', '"fuzz"', '"g"',
               '[]', '{}', '[1,2]', '{"a": 1}', '"%s"', '"bgnbd"', '"pareto_nbd"', '"mbgnbd"',
               '"spend"', '"value"', '"\\u0001"', '"a.b.c"', '1e-320', '"customer_id"']

CORRUPT_CHARS = ['"', "'", '{', '}', '[', ']', ',', ':', '\\', '-', '.', 'e', 'E', '9', '0', ' ',
                 'nan', 'NaN', 'inf', '-Infinity', '1e999', '-0', '\x01', '\u00e9', '\u2028', 'null',
                 '0x10', '\uff11', '1e-400', '"r"', '"unit"', '"1 month"']


def q(s):
    """A SQL string literal."""
    return "'" + s.replace("'", "''") + "'"


class Gen:
    """Generates SQL expressions for the argument types of the catalog."""

    def __init__(self, cat, rng):
        self.cat = cat
        self.rng = rng

    def pick(self, pool):
        return pool[self.rng.randrange(len(pool))]

    def edge(self, p=0.35):
        return self.rng.random() < p

    def float8(self):
        r = self.rng
        if self.edge():
            return "(%s)::float8" % self.pick(FLOAT_EDGE)
        k = r.randrange(5)
        if k == 0:
            v = r.lognormvariate(0, 3)
        elif k == 1:
            v = r.uniform(0, 400)
        elif k == 2:
            v = float(r.randrange(0, 60))
        elif k == 3:
            v = 10 ** r.uniform(-300, 300)
        else:
            v = r.uniform(-10, 100)
        return repr(v) + "::float8"

    def positive(self):
        r = self.rng
        if self.edge(0.2):
            return "(%s)::float8" % self.pick(FLOAT_EDGE)
        if r.random() < 0.2:
            return repr(10 ** r.uniform(-12, 12)) + "::float8"
        return repr(r.lognormvariate(0, 1.5)) + "::float8"

    def int4(self, name=""):
        if self.edge():
            return "(%s)::int4" % self.pick(INT_EDGE)
        if name in ("customers",):
            return str(self.rng.randrange(1, 300))
        if name in ("bins",):
            return str(self.rng.randrange(2, 12))
        return str(self.rng.randrange(-2, 200))

    def int8(self, name=""):
        if self.edge():
            return "(%s)::int8" % self.pick(BIGINT_EDGE)
        return str(self.rng.randrange(-5, 100000)) + "::int8"

    def numeric(self):
        r = self.rng
        if self.edge():
            return "(%s)::numeric" % self.pick(NUMERIC_EDGE)
        return "%.*f::numeric" % (r.randrange(0, 5), r.uniform(-50, 2000))

    def timestamptz(self):
        r = self.rng
        if self.edge():
            return "(%s)::timestamptz" % self.pick(TS_EDGE)
        return "('2020-01-01 00:00+00'::timestamptz + %d * interval '1 minute')" % r.randrange(0, 3000000)

    def date(self):
        if self.edge():
            return "(%s)::date" % self.pick(["NULL", "'infinity'", "'-infinity'", "'4713-01-01 BC'",
                                             "'5874897-12-31'", "'2000-02-29'"])
        return "('2020-01-01'::date + %d)" % self.rng.randrange(0, 2000)

    def interval(self):
        r = self.rng
        if self.edge(0.5):
            return "(%s)::interval" % self.pick(INTERVAL_EDGE)
        return "'%d %s'::interval" % (r.randrange(1, 400), self.pick(["days", "hours", "months", "weeks"]))

    def text(self, name=""):
        r = self.rng
        if "column" in name:
            if r.random() < 0.15:
                return "(%s)::text" % self.pick(TEXT_EDGE)
            return q(self.pick(COLUMNS))
        if name == "kind":
            return q(self.pick(MODEL_KINDS))
        if name in ("rule_set",):
            return q(self.pick(["default", "nosuch", "", "x'--"]))
        if name in ("view_name", "name"):
            if r.random() < 0.5:
                return q("fuzz.v%d" % r.randrange(1000))
        if name == "group_key":
            return q(self.pick(["", "x", "1", "NULL"]))
        return "(%s)::text" % self.pick(TEXT_EDGE)

    def boolean(self):
        return self.pick(["NULL::boolean", "true", "false"])

    def jsonb(self):
        r = self.rng
        k = r.randrange(10)
        if k == 0:
            return "(%s)::jsonb" % self.pick(["NULL", "'[]'", "'1'", "'null'", "'\"x\"'", "'{}'"])
        obj = {}
        for _ in range(r.randrange(0, 4)):
            obj[self.pick(OPTION_KEYS)] = self.pick(JSON_VALUES)
        body = ", ".join('"%s": %s' % (key, val) for key, val in obj.items())
        return q("{" + body + "}") + "::jsonb"

    def regclass(self):
        if self.edge(0.1):
            return "NULL::regclass"
        return q(self.pick(RELATIONS)) + "::regclass"

    def bytea(self):
        r = self.rng
        n = self.pick([0, 1, 4, 8, 16, 40, 200])
        return "'\\x%s'::bytea" % "".join("%02x" % r.randrange(256) for _ in range(n))

    def array(self, elem, name=""):
        r = self.rng
        tname = self.cat.typname(elem)
        k = r.randrange(12)
        if k == 0:
            return "NULL::%s[]" % tname
        if k == 1:
            return "'{}'::%s[]" % tname
        if k == 2:
            n = self.pick([1000, 10000, 100000])
            v = self.value(elem, name)
            if "repeat(" in v:
                n = 10  # PostgreSQL builds the array itself without checking for cancel
            return "array_fill(%s, ARRAY[%d])" % (v, n)
        if k == 3:
            return "ARRAY[[%s, %s], [%s, %s]]" % tuple(self.value(elem, name) for _ in range(4))
        n = r.randrange(0, 6)
        items = [("NULL::%s" % tname) if r.random() < 0.1 else self.value(elem, name) for _ in range(n)]
        if not items:
            return "'{}'::%s[]" % tname
        return "ARRAY[%s]::%s[]" % (", ".join(items), tname)

    def model(self, tname):
        """A model value: constructor, stored pool, or (corrupted) text."""
        r = self.rng
        k = r.randrange(10)
        pool = self.cat.samples.get(tname, [])
        if k < 5 and tname in self.cat.constructors:
            nargs, has_unit = self.cat.constructors[tname]
            args = [self.positive() for _ in range(nargs)]
            if has_unit and r.random() < 0.5:
                args.append(self.interval())
            return "%s(%s)" % (tname, ", ".join(args))
        if pool and k < 8:
            return q(self.pick(pool)) + "::" + tname
        if pool:
            return q(corrupt(r, self.pick(pool))) + "::" + tname
        return "NULL::" + tname

    def composite(self, toid, name=""):
        tname = self.cat.typname(toid)
        r = self.rng
        pool = self.cat.pools.get(tname)
        if pool and r.random() < 0.5:
            return "(SELECT v FROM %s ORDER BY id OFFSET %d LIMIT 1)" % (pool, r.randrange(0, 40))
        if tname == "rfm_rule" and r.random() < 0.7:
            b = self.pick([5, 5, 5, 3, 10, 100])
            vals = []
            for _ in range(3):
                lo = r.randrange(1, b + 1)
                hi = r.randrange(lo, b + 1)
                vals += [lo, hi]
            if r.random() < 0.1:
                vals[r.randrange(6)] = self.pick([0, -1, 101, 2147483647])
            return "ROW(%s, %s)::rfm_rule" % (self.text(), ", ".join(map(str, vals)))
        if r.random() < 0.05:
            return "NULL::" + tname
        fields = [self.value(a, n) for n, a in self.cat.attrs(toid)]
        return "ROW(%s)::%s" % (", ".join(fields), tname)

    def value(self, toid, name=""):
        c = self.cat
        t = c.types[toid]
        n = t["typname"]
        if t["typelem"] and t["typcategory"] == "A":
            return self.array(t["typelem"], name)
        if n == "float8" or n == "float4":
            if name in ("r", "alpha", "a", "b", "s", "beta", "p", "q", "v") and self.rng.random() < 0.7:
                return self.positive()
            return self.float8()
        if n == "int4" or n == "int2":
            return self.int4(name)
        if n == "int8":
            return self.int8(name)
        if n == "numeric":
            return self.numeric()
        if n in ("text", "varchar", "name"):
            return self.text(name)
        if n == "bool":
            return self.boolean()
        if n == "timestamptz":
            return self.timestamptz()
        if n == "timestamp":
            return self.timestamptz() + "::timestamp"
        if n == "date":
            return self.date()
        if n == "interval":
            return self.interval()
        if n == "jsonb":
            return self.jsonb()
        if n == "json":
            return self.jsonb() + "::json"
        if n == "regclass":
            return self.regclass()
        if n == "bytea":
            return self.bytea()
        if t["typtype"] == "c":
            return self.composite(toid, name)
        if toid in c.ext_types:
            return self.model(n)
        return "NULL::%s" % n


def corrupt(r, s):
    """Randomly damage a string: cut, insert, repeat, swap numbers."""
    s = s or ""
    for _ in range(r.randrange(1, 4)):
        k = r.randrange(8)
        i = r.randrange(len(s) + 1)
        j = r.randrange(i, len(s) + 1)
        if k == 0:
            s = s[:i] + s[j:]
        elif k == 1:
            s = s[:i] + CORRUPT_CHARS[r.randrange(len(CORRUPT_CHARS))] + s[i:]
        elif k == 2:
            s = s[:i]
        elif k == 3:
            s = s[:i] + s[i:j] * r.randrange(2, 50) + s[j:]
        elif k == 4:
            s = re.sub(r"-?\d+(\.\d+)?(e[-+]?\d+)?", lambda m: r.choice(
                ["1e999", "-0", "NaN", "5e-324", "-1", "0", "1e308", "99999999999999999999", "Infinity"]),
                s, count=r.randrange(1, 3))
        elif k == 5:
            s = s.replace(",", ",,", 1) if r.random() < 0.5 else s.replace("{", "{{", 1)
        elif k == 6 and r.random() < 0.05:
            s = s + " " * 10 + "x" * r.choice([1000, 100000])
        else:
            s = "".join(c for c in s if r.random() > 0.05)
    return s.replace("\x00", "")


class Catalog:
    def __init__(self, cur):
        cur.execute("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
                    "WHERE e.extname = 'crm_loyalty'")
        row = cur.fetchone()
        if row is None:
            raise SystemExit("crm_loyalty is not installed in this database")
        self.schema = row[0]
        cur.execute("SELECT oid, typname, typtype, typelem, typcategory, typrelid FROM pg_type")
        self.types = {}
        for oid, name, typtype, elem, cat, relid in cur.fetchall():
            self.types[oid] = dict(typname=name, typtype=typtype, typelem=elem, typcategory=cat, typrelid=relid)
        cur.execute("""
            SELECT t.oid FROM pg_type t JOIN pg_depend d ON d.classid = 'pg_type'::regclass AND d.objid = t.oid
            WHERE d.deptype = 'e' AND d.refclassid = 'pg_extension'::regclass
              AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'crm_loyalty')
            ORDER BY t.typname""")
        self.ext_types = [r[0] for r in cur.fetchall()]
        cur.execute("""
            SELECT p.oid, p.proname, p.prokind, p.proretset, p.provolatile, p.proargtypes::oid[],
                   coalesce(p.proargnames, '{}'), p.pronargdefaults, p.prorettype,
                   pg_get_function_identity_arguments(p.oid)
            FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
            WHERE d.deptype = 'e' AND d.refclassid = 'pg_extension'::regclass
              AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'crm_loyalty')
            ORDER BY p.proname, pg_get_function_identity_arguments(p.oid)""")
        self.procs = []
        bad = {"internal", "cstring", "trigger", "event_trigger", "anyelement", "record"}
        self.skipped = []
        for row in cur.fetchall():
            oid, name, kind, retset, vol, argtypes, argnames, ndef, rettype, ident = row
            argnames = list(argnames)[:len(argtypes)]
            argnames += [""] * (len(argtypes) - len(argnames))
            tnames = [self.types[a]["typname"] for a in argtypes]
            if any(t in bad for t in tnames) or self.types[rettype]["typname"] in ("internal", "cstring"):
                self.skipped.append("%s(%s)" % (name, ident))
                continue
            self.procs.append(dict(oid=oid, name=name, kind=kind, retset=retset, volatile=vol,
                                   args=list(argtypes), argnames=argnames, ndef=ndef,
                                   rettype=rettype, ident=ident))
        cur.execute("SELECT attrelid, attname, atttypid FROM pg_attribute WHERE attnum > 0 AND NOT attisdropped "
                    "ORDER BY attrelid, attnum")
        self._attrs = {}
        for relid, name, typ in cur.fetchall():
            self._attrs.setdefault(relid, []).append((name, typ))
        # constructors: a function named like a type, returning it
        self.constructors = {}
        for p in self.procs:
            if p["kind"] == "f" and self.types[p["rettype"]]["typname"] == p["name"] and p["oid"] and \
                    all(self.types[a]["typname"] in ("float8", "interval") for a in p["args"]):
                nf = sum(1 for a in p["args"] if self.types[a]["typname"] == "float8")
                self.constructors[p["name"]] = (nf, any(self.types[a]["typname"] == "interval" for a in p["args"]))
        self.samples = {}
        self.pools = {}

    def typname(self, oid):
        return self.types[oid]["typname"]

    def attrs(self, toid):
        return self._attrs.get(self.types[toid]["typrelid"], [])


SETUP = r'''
DROP SCHEMA IF EXISTS fuzz CASCADE;
CREATE SCHEMA fuzz;
SELECT setseed(0.25);
CREATE TABLE fuzz.orders AS
SELECT row_number() OVER () AS id, (i %% 7) AS g, (i %% 211) AS customer_id,
       '2022-01-01 00:00+00'::timestamptz + (random() * 900) * interval '1 day' AS ordered_at,
       round((random() * 200 - 10)::numeric, 2) AS amount,
       floor(random() * 20)::float8 AS f1, (random() * 300)::float8 AS f2,
       (300 + random() * 100)::float8 AS f3, (random() * 500)::float8 AS f4,
       (i %% 13) AS i4, ((i %% 40) || ' days')::interval AS iv
FROM generate_series(1, 3000) i;
CREATE TABLE fuzz.edge AS SELECT * FROM fuzz.orders;
UPDATE fuzz.edge SET f1 = (ARRAY['NaN','Infinity','-Infinity','-0','1e308','5e-324','-1']::float8[])[1 + id %% 7],
                     amount = (ARRAY['NaN','Infinity','-5','0','1e300','0.000001','-0']::numeric[])[1 + id %% 7],
                     ordered_at = (ARRAY['infinity','-infinity','4714-11-24 00:00+00 BC','294276-12-31 00:00+00',
                                         '2000-01-01','1999-12-31','2024-02-29']::timestamptz[])[1 + id %% 7],
                     f2 = (ARRAY['NaN','1e-308','Infinity','-1e308','0','1','2']::float8[])[1 + id %% 7]
WHERE id %% 97 = 0;
UPDATE fuzz.edge SET f3 = NULL, amount = NULL WHERE id %% 89 = 0;
CREATE TABLE fuzz.orders_text AS SELECT customer_id::text AS customer_id, ordered_at::text AS ordered_at,
       amount::text AS amount FROM fuzz.orders;
CREATE TABLE fuzz.empty_orders AS SELECT * FROM fuzz.orders WHERE false;
CREATE TABLE fuzz."We%%ird ""tbl""" AS SELECT customer_id AS "cust id", ordered_at AS "a""b", amount AS "we%%ird"
       FROM fuzz.orders;
CREATE VIEW fuzz.orders_view AS SELECT * FROM fuzz.orders;
CREATE TABLE fuzz.profiles AS
SELECT row_number() OVER (ORDER BY customer_id) AS id, p AS v FROM (
  SELECT customer_id, crm_profile(ordered_at, amount, '2024-07-01') AS p FROM fuzz.orders GROUP BY customer_id) s;
CREATE TABLE fuzz.cut_points AS
SELECT row_number() OVER () AS id, v FROM (
  SELECT rfm_breaks(f2, f1, f4, b) AS v FROM fuzz.orders, generate_series(2, 12) b GROUP BY b) s;
ANALYZE fuzz.orders; ANALYZE fuzz.edge;
'''

AGG_TABLES = ["fuzz.orders", "fuzz.edge"]
# columns usable as aggregate arguments, by type name
AGG_COLUMNS = {"float8": ["f1", "f2", "f3", "f4"], "numeric": ["amount"], "timestamptz": ["ordered_at"],
               "int4": ["i4"], "interval": ["iv"]}
DATA_ARGS = {"frequency", "recency", "t", "monetary", "recency_days", "order_ts", "amount", "value", "profile"}


class Case:
    __slots__ = ("target", "sql", "check", "fname", "parallel", "argsql")


def make_case(cat, targets, seed, i):
    rng = random.Random("%s:%d" % (seed, i))
    t = targets[rng.randrange(len(targets))]
    g = Gen(cat, rng)
    c = Case()
    c.target = t["label"]
    c.fname = t["name"]
    c.check = None
    c.parallel = False
    c.argsql = []
    if t["kind"] == "typein":
        tname = t["name"]
        pool = cat.samples.get(tname) or [""]
        k = rng.randrange(4)
        if k == 0:
            text = rng.choice(pool)
        elif k == 1:
            text = corrupt(rng, rng.choice(pool))
        else:
            text = corrupt(rng, corrupt(rng, rng.choice(pool)))
        c.sql = "SELECT (%s::%s)::text" % (q(text), tname)
        c.check = ("roundtrip", tname)
        return c
    argsql = []
    nargs = len(t["args"])
    # drop some defaulted trailing arguments
    keep = nargs
    if t["ndef"] and rng.random() < 0.5:
        keep = nargs - rng.randrange(0, t["ndef"] + 1)
    if t["kind"] in ("a", "w", "wa"):
        table = rng.choice(AGG_TABLES)
        for ty, nm in zip(t["args"][:keep], t["argnames"][:keep]):
            tn = cat.typname(ty)
            cols = AGG_COLUMNS.get(tn)
            if nm == "profile":
                argsql.append("(SELECT v FROM fuzz.profiles p WHERE p.id = 1 + (o.id % 40))")
            elif cols and (nm in DATA_ARGS or not nm) and rng.random() < 0.85:
                argsql.append("o." + rng.choice(cols))
            elif rng.random() < 0.15:
                # a parameter that should be constant changes between rows
                argsql.append("CASE WHEN o.id %% 2 = 0 THEN %s ELSE %s END"
                              % (g.value(ty, nm), g.value(ty, nm)))
            else:
                argsql.append(g.value(ty, nm))
        # mostly a few hundred rows: the fits behind the window forms are costly
        where = rng.choice(["true", "o.id < 400", "o.id % 10 = 0", "o.id < 50", "false", "o.id = 7",
                            "o.g = 1 AND o.id < 700", "o.id % 97 = 0", "o.id < 400"])
        call = "%s(%s)" % (t["name"], ", ".join(argsql))
        if t["kind"] == "a":
            group = rng.random() < 0.5
            c.sql = "SELECT %s AS r FROM %s o WHERE %s%s" % (call, table, where, " GROUP BY o.g" if group else "")
        else:
            frame = rng.choice(["", " ORDER BY o.id", " ORDER BY o.id ROWS BETWEEN 3 PRECEDING AND CURRENT ROW"])
            if t["kind"] == "w":
                frame = rng.choice(["", " ORDER BY o.id"])
            c.sql = "SELECT %s OVER (PARTITION BY o.g%s) AS r FROM %s o WHERE %s" % (call, frame, table, where)
        c.parallel = rng.random() < 0.5
        c.argsql = argsql
    else:
        for ty, nm in zip(t["args"][:keep], t["argnames"][:keep]):
            argsql.append(g.value(ty, nm))
        call = "%s(%s)" % (t["name"], ", ".join(argsql))
        if t["retset"]:
            c.sql = "SELECT %s AS r LIMIT 2000" % call
        else:
            c.sql = "SELECT %s AS r" % call
        c.parallel = False
        c.argsql = argsql
    rule = RULES.get(t["name"])
    if rule:
        try:
            pred = rule.format(*argsql)
        except IndexError:
            pred = None
        if pred:
            c.check = ("range", "SELECT count(*) FROM (%s) s WHERE NOT coalesce((%s), true)" % (c.sql, pred))
    return c


# ---------------------------------------------------------------------------
# Execution with a hard client-side deadline (the server may ignore cancel)
# ---------------------------------------------------------------------------
class HardTimeout(Exception):
    pass


_deadline = [None]


def wait_with_deadline(conn):
    while True:
        state = conn.poll()
        if state == ext.POLL_OK:
            return
        left = None
        if _deadline[0] is not None:
            left = _deadline[0] - time.monotonic()
            if left <= 0:
                raise HardTimeout()
        if state == ext.POLL_READ:
            select.select([conn.fileno()], [], [], left)
        elif state == ext.POLL_WRITE:
            select.select([], [conn.fileno()], [], left)
        else:
            raise psycopg2.OperationalError("bad poll state %r" % state)


def connect(args):
    conn = None
    for _ in range(120):
        try:
            conn = psycopg2.connect("")
            break
        except psycopg2.OperationalError:
            time.sleep(0.5)
    if conn is None:
        raise SystemExit("cannot connect")
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("SET statement_timeout = %d" % args.timeout)
    cur.execute("SET client_min_messages = error")
    cur.execute("SET TimeZone = 'UTC'")
    cur.execute("SET extra_float_digits = 3")
    conn.autocommit = False
    return conn


PARALLEL_ON = ("SET LOCAL parallel_setup_cost = 0; SET LOCAL parallel_tuple_cost = 0; "
               "SET LOCAL min_parallel_table_scan_size = 0; SET LOCAL max_parallel_workers_per_gather = 2; "
               "SET LOCAL force_parallel_mode = on")
PARALLEL_OFF = "SET LOCAL max_parallel_workers_per_gather = 0"


def run_case(conn, c, args):
    """Returns (kind, detail) of a failure, ("ok", None), or ("lost", msg)."""
    cur = conn.cursor()
    t0 = time.monotonic()
    _deadline[0] = t0 + args.hard + 3
    try:
        cur.execute(PARALLEL_ON if getattr(c, "parallel", False) else PARALLEL_OFF)
        # results as text: every output function runs, and no client-side conversion
        cur.execute("SELECT s.r::text FROM (%s) s" % c.sql if c.check is None or c.check[0] != "roundtrip"
                    else c.sql)
        rows = cur.fetchall()
        bad = None
        if c.check and c.check[0] == "range":
            cur.execute(c.check[1])
            n = cur.fetchone()[0]
            if n:
                bad = ("range", "%d result(s) out of range" % n)
        elif c.check and c.check[0] == "roundtrip" and rows and rows[0][0] is not None:
            text = rows[0][0]
            cur.execute("SELECT (%s::%s)::text" % (q(text), c.check[1]))
            back = cur.fetchone()[0]
            if back != text:
                bad = ("roundtrip", "%r reads back as %r" % (text[:200], back[:200]))
        conn.rollback()
        wall = time.monotonic() - t0
        if wall > args.hard:
            return ("timeout", "took %.1f s" % wall)
        return bad or ("ok", None)
    except HardTimeout:
        try:
            conn.cancel()
        except Exception:
            pass
        return ("timeout", "no answer after %.0f s (cancel ignored)" % (time.monotonic() - t0))
    except (psycopg2.OperationalError, psycopg2.InterfaceError) as e:
        code = getattr(e, "pgcode", None)
        if code == "57014":  # statement_timeout: fine when prompt
            try:
                conn.rollback()
            except Exception:
                return ("lost", str(e))
            wall = time.monotonic() - t0
            return ("timeout", "cancelled only after %.1f s" % wall) if wall > args.hard else ("ok", None)
        if conn.closed or code is None or code.startswith("57P") or code.startswith("08"):
            return ("lost", str(e).strip())
        conn.rollback()
        return ("ok", None)
    except psycopg2.Error as e:
        code = e.pgcode or ""
        try:
            conn.rollback()
        except Exception:
            return ("lost", str(e))
        wall = time.monotonic() - t0
        if code.startswith("XX"):
            return ("internal", "%s %s" % (code, (e.pgerror or "").strip().splitlines()[0][:300]))
        if code == "42703" and c.check and c.check[0] == "range" and "(r)." in c.check[1]:
            pass
        if wall > args.hard:
            return ("timeout", "error after %.1f s" % wall)
        return ("ok", None)
    finally:
        _deadline[0] = None


def worker(args, wid, nworkers, out_q):
    try:
        worker_run(args, wid, nworkers, out_q)
    except BaseException as e:  # a broken worker is a failure, never a hang
        out_q.put([(-1, "fuzz worker %d" % wid, "fuzz", "internal", "worker died: %r" % e, "", 0.0)])


def worker_run(args, wid, nworkers, out_q):
    ext.set_wait_callback(wait_with_deadline)
    conn = connect(args)
    cur = conn.cursor()
    cat = Catalog(cur)
    load_samples(cat, cur)
    conn.rollback()
    targets = build_targets(cat)
    cases = [args.case] if args.case is not None else range(wid, args.calls, nworkers)
    results = []
    for i in cases:
        c = make_case(cat, targets, args.seed, i)
        t1 = time.monotonic()
        res = run_case(conn, c, args)
        if res[0] == "lost":
            # the server crashed, maybe because of another worker's call: wait, retry once
            try:
                conn.close()
            except Exception:
                pass
            time.sleep(1.0)
            conn = connect(args)
            res = run_case(conn, c, args)
            if res[0] == "lost":
                res = ("crash", res[1])
                try:
                    conn.close()
                except Exception:
                    pass
                time.sleep(1.0)
                conn = connect(args)
        elif res[0] == "timeout":
            try:
                conn.close()
            except Exception:
                pass
            conn = connect(args)
        results.append((i, c.target, c.fname, res[0], res[1], c.sql if res[0] != "ok" else None,
                        time.monotonic() - t1))
    out_q.put(results)


def load_samples(cat, cur):
    """Valid texts of every extension type, to start corruptions from."""
    cur.execute("SET search_path = fuzz, %s, pg_catalog" % cat.schema)
    for toid in cat.ext_types:
        t = cat.types[toid]
        n = t["typname"]
        texts = []
        if n in cat.constructors:
            nf, has_unit = cat.constructors[n]
            for params in ([0.24, 4.4, 0.79, 2.43], [6.25, 3.74, 15.44], [1.5, 2.5, 0.5, 3.0], [0.5, 10.0, 0.6, 11.0]):
                if len(params) < nf:
                    continue
                try:
                    cur.execute("SELECT %s(%s)::text" % (n, ", ".join(map(str, params[:nf]))))
                    texts.append(cur.fetchone()[0])
                except psycopg2.Error:
                    cur.connection.rollback()
                    cur.execute("SET search_path = fuzz, %s, pg_catalog" % cat.schema)
        if t["typtype"] == "c":
            for name in ("profiles", "cut_points"):
                try:
                    cur.execute("SELECT v::text FROM fuzz.%s WHERE pg_typeof(v) = %d::regtype LIMIT 3" % (name, toid))
                    texts += [r[0] for r in cur.fetchall()]
                except psycopg2.Error:
                    cur.connection.rollback()
                    cur.execute("SET search_path = fuzz, %s, pg_catalog" % cat.schema)
        if n == "btyd_cells":
            try:
                cur.execute("SELECT fuzz.cells(f1, f1 * 0.5, 40) ::text FROM fuzz.orders")
                texts.append(cur.fetchone()[0])
            except psycopg2.Error:
                cur.connection.rollback()
                cur.execute("SET search_path = fuzz, %s, pg_catalog" % cat.schema)
        cat.samples[n] = [x for x in texts if x is not None] or [""]
    cat.pools = {"customer_profile": "fuzz.profiles", "rfm_cut_points": "fuzz.cut_points"}


def build_targets(cat):
    targets = []
    for p in cat.procs:
        sig = "%s(%s)" % (p["name"], p["ident"])
        if p["kind"] == "a":
            targets.append(dict(p, kind="a", label="aggregate " + sig))
            targets.append(dict(p, kind="wa", label="window aggregate " + sig))
        elif p["kind"] == "w":
            targets.append(dict(p, kind="w", label="window " + sig))
        else:
            targets.append(dict(p, kind="f", label="function " + sig))
    for toid in cat.ext_types:
        n = cat.typname(toid)
        targets.append(dict(kind="typein", name=n, label="type input " + n, args=[], argnames=[], ndef=0))
    return targets


def load_known(path):
    known = []
    if not os.path.exists(path):
        return known
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            parts = line.split(None, 2)
            if len(parts) >= 2:
                known.append((parts[0], parts[1], parts[2] if len(parts) > 2 else ""))
    return known


def setup(args):
    conn = psycopg2.connect("")
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("CREATE EXTENSION IF NOT EXISTS crm_loyalty")
    cur.execute("SET client_min_messages = warning")
    cur.execute(SETUP % ())
    try:
        cur.execute("CREATE AGGREGATE fuzz.cells(float8, float8, float8) "
                    "(SFUNC = bgnbd_fit_trans, STYPE = btyd_cells)")
    except psycopg2.Error:
        pass
    cur.close()
    conn.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", default=os.environ.get("CRM_FUZZ_SEED") or str(random.SystemRandom().randrange(10**9)))
    ap.add_argument("--calls", type=int, default=int(os.environ.get("CRM_FUZZ_CALLS", "30000")))
    ap.add_argument("--workers", type=int, default=int(os.environ.get("CRM_FUZZ_WORKERS", "3")))
    ap.add_argument("--timeout", type=int, default=1500, help="statement_timeout in ms")
    ap.add_argument("--hard", type=float, default=5.0, help="seconds after which a call is a failure")
    ap.add_argument("--case", type=int, help="replay this one case number")
    ap.add_argument("--known", default=os.path.join(HERE, "known_failures.txt"))
    ap.add_argument("--no-setup", action="store_true")
    ap.add_argument("--sql", help="classify this one statement (its result must be a column r)")
    ap.add_argument("--fname", default="", help="with --sql: the function whose range rule applies")
    ap.add_argument("--list", action="store_true", help="print the objects fuzzed and exit")
    args = ap.parse_args()

    if not args.no_setup:
        setup(args)
    conn = psycopg2.connect("")
    cat = Catalog(conn.cursor())
    targets = build_targets(cat)
    conn.close()
    if args.sql:
        ext.set_wait_callback(wait_with_deadline)
        conn = connect(args)
        c = Case()
        c.sql, c.fname, c.target, c.parallel, c.argsql = args.sql, args.fname, args.fname, False, []
        rule = RULES.get(args.fname)
        c.check = ("range", "SELECT count(*) FROM (%s) s WHERE NOT coalesce((%s), true)" % (c.sql, rule)) \
            if rule and "{" not in rule else None
        print(run_case(conn, c, args))
        return 0
    if args.list:
        for t in targets:
            print(t["label"])
        return 0
    print("# seed %s, %d cases, %d objects (%d not callable from SQL: %s)" % (
        args.seed, 1 if args.case is not None else args.calls, len(targets), len(cat.skipped),
        ", ".join(cat.skipped[:6]) + (" ..." if len(cat.skipped) > 6 else "")))
    print("# replay one case: test/fuzz/fuzz.py --seed %s --case N" % args.seed)
    sys.stdout.flush()

    t0 = time.monotonic()
    out_q = mp.Queue()
    nworkers = 1 if args.case is not None else max(1, args.workers)
    procs = [mp.Process(target=worker, args=(args, w, nworkers, out_q)) for w in range(nworkers)]
    for p in procs:
        p.start()
    results = []
    pending = len(procs)
    while pending:
        try:
            results += out_q.get(timeout=5)
            pending -= 1
        except Exception:
            if not any(p.is_alive() for p in procs):
                try:
                    while True:
                        results += out_q.get(timeout=1)
                        pending -= 1
                except Exception:
                    pass
                if pending:
                    results.append((-1, "fuzz workers", "fuzz", "internal", "%d worker(s) died" % pending, "", 0.0))
                break
    for p in procs:
        p.join(5)
    # backends that ignored cancel may still run: stop them
    try:
        conn = psycopg2.connect("")
        conn.autocommit = True
        conn.cursor().execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                              "AND backend_type = 'client backend'")
        conn.close()
    except psycopg2.Error:
        pass
    elapsed = time.monotonic() - t0

    known = load_known(args.known)
    per_target = {}
    for t in targets:
        per_target[t["label"]] = [0, []]
    known_hits = {}
    spent = {}
    for i, label, fname, kind, detail, sql, secs in results:
        spent[label] = spent.get(label, 0.0) + secs
        entry = per_target.setdefault(label, [0, []])
        entry[0] += 1
        if kind == "ok":
            continue
        k = next((kn for kn in known if kn[0] == kind and kn[1] == fname), None)
        if k:
            hit = known_hits.setdefault((kind, fname), [0, i, sql, detail, k[2]])
            hit[0] += 1
        else:
            entry[1].append((i, kind, detail, sql))
    n = 0
    failed = 0
    for label in sorted(per_target):
        calls, fails = per_target[label]
        n += 1
        if fails:
            failed += 1
            print("not ok %d - %s: %d of %d calls failed" % (n, label, len(fails), calls))
            for i, kind, detail, sql in fails[:5]:
                print("#   case %d: %s: %s" % (i, kind, detail))
                print("#     %s;" % sql[:2000])
        else:
            print("ok %d - %s: %d calls" % (n, label, calls))
    for (kind, fname), (count, i, sql, detail, repro) in sorted(known_hits.items()):
        n += 1
        print("ok %d - %s %s # SKIP known failure, %d hit(s); e.g. case %d: %s" % (n, kind, fname, count, i, detail))
        print("#     %s;" % sql[:2000])
    print("1..%d" % n)
    total = len(results)
    for label, secs in sorted(spent.items(), key=lambda x: -x[1])[:8]:
        print("# time: %6.1f s in %s" % (secs, label))
    print("# fuzz: %d calls in %.0f s, %d objects, %d failed, %d known failure kinds hit (seed %s)" % (
        total, elapsed, len(per_target), failed, len(known_hits), args.seed))
    # the fuzz tables are still there: no hostile identifier dropped them
    conn = psycopg2.connect("")
    cur = conn.cursor()
    cur.execute("SELECT count(*) FROM fuzz.orders")
    if cur.fetchone()[0] != 3000:
        print("not ok %d - fuzz.orders was changed by a call" % (n + 1))
        failed += 1
    conn.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
