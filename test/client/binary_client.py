#!/usr/bin/python3
"""Models and fit states over the binary protocol: a client with psycopg 3
(binary results and parameters) reads bgnbd_model, mbgnbd_model,
pareto_nbd_model, gamma_gamma_model and btyd_cells in the documented wire
format (doc/models.md, "Binary format and storage"), sends them back as
binary parameters and through COPY (FORMAT binary), and gets 22P03 / 22023
for corrupted values.

Uses the libpq environment (PGHOST, PGPORT, PGUSER, PGPASSWORD) and creates
and drops its own database.  Prints TAP; skips visibly without psycopg 3.
"""
import math
import os
import struct
import sys

try:
    import psycopg
    from psycopg import errors
    from psycopg.adapt import Dumper
    from psycopg.pq import Format
except ImportError:
    print("1..1")
    print("ok 1 - # SKIP binary client: psycopg 3 (Debian python3-psycopg) is not installed")
    sys.exit(0)

DB = "crm_binary_client_test"
n = 0
failed = 0


def check(ok, what):
    global n, failed
    n += 1
    if not ok:
        failed += 1
    print(("ok %d - %s" if ok else "not ok %d - %s") % (n, what))


def connect(dbname, **kw):
    host = os.environ.get("PGHOST", "localhost")
    if host.startswith("/"):
        host = "localhost"
    return psycopg.connect(host=host, dbname=dbname, **kw)


class Raw:
    """Bytes to send as the binary form of an extension type."""

    def __init__(self, typname, data):
        self.typname = typname
        self.data = data


def register_raw(conn):
    """Send Raw values in binary with the OID of their type."""
    oids = dict(conn.execute("""SELECT typname, oid::int FROM pg_type
                                 WHERE typname IN ('bgnbd_model', 'mbgnbd_model', 'pareto_nbd_model',
                                                   'gamma_gamma_model', 'btyd_cells')""").fetchall())

    for typname, oid in oids.items():
        class RawDumper(Dumper):
            format = Format.BINARY

            def dump(self, obj):
                return obj.data

            def get_key(self, obj, format):
                return (Raw, obj.typname)

            def upgrade(self, obj, format):
                return dumpers[obj.typname](Raw, self.connection)

        RawDumper.oid = oid
        dumpers[typname] = RawDumper
    conn.adapters.register_dumper(Raw, dumpers["bgnbd_model"])
    return oids


dumpers = {}

# wire format: version, limit flags, parameters, unit (not gamma_gamma), ll, n, converged
PARAMS = {"bgnbd_model": ["r", "alpha", "a", "b"], "mbgnbd_model": ["r", "alpha", "a", "b"],
          "pareto_nbd_model": ["r", "alpha", "s", "beta"], "gamma_gamma_model": ["p", "q", "v"]}


def decode_model(typname, data, names):
    has_unit = typname != "gamma_gamma_model"
    version, flags = data[0], data[1]
    k = len(names)
    fmt = ">BB%dd%sddB" % (k, "q" if has_unit else "")
    vals = struct.unpack(fmt, data)
    out = {"version": version, "flags": flags}
    out.update(zip(names, vals[2:2 + k]))
    rest = vals[2 + k:]
    if has_unit:
        out["unit_usec"], rest = rest[0], rest[1:]
    out["ll"], out["n"], out["converged"] = rest
    return out


admin = connect(os.environ.get("PGDATABASE", "postgres"), autocommit=True)
admin.execute("DROP DATABASE IF EXISTS " + DB)
admin.execute("CREATE DATABASE " + DB)
conn = None
try:
    conn = connect(DB, autocommit=True)
    conn.execute("CREATE EXTENSION crm_loyalty")
    conn.execute("CREATE TABLE orders AS SELECT * FROM crm_demo_orders(500)")
    conn.execute("""CREATE TABLE models AS
        SELECT 1 AS id, bgnbd_fit(p) AS bg, mbgnbd_fit(p) AS mbg, pareto_nbd_fit(p) AS pnbd, gamma_gamma_fit(p) AS gg,
               '{"kind": "bgnbd", "unit": "7 days", "cells": [[0, 0, 38.5, 10], [2, 30.25, 38.5, 1]]}'::btyd_cells AS cells
          FROM (SELECT crm_profile(ordered_at, amount, '2026-01-01', '1 day', '7 days') AS p
                  FROM orders GROUP BY customer_id) s""")
    conn.execute("""INSERT INTO models VALUES (2,
        '{"lambda": 0.25, "unit": "1 day", "limit": "homogeneous_rate+no_dropout", "ll": -10.5, "n": 30, "converged": true}',
        '{"r": 0.5, "alpha": 3, "p": 0.25, "unit": "1 day", "limit": "homogeneous_dropout"}',
        '{"lambda": 0.2, "mu": 0.05, "unit": "1 day", "limit": "homogeneous_rate+homogeneous_dropout"}',
        '{"spend": 25, "limit": "constant_spend", "ll": null, "n": 20, "converged": true}',
        '{"kind": "gamma_gamma", "cells": [[1, 0.5, 2], [3, 17.25, 1]]}')""")
    oids = register_raw(conn)
    check(len(oids) == 5, "the five base types are found in the catalog")
    cols = ["bg", "mbg", "pnbd", "gg", "cells"]
    types = ["bgnbd_model", "mbgnbd_model", "pareto_nbd_model", "gamma_gamma_model", "btyd_cells"]

    texts = conn.execute("SELECT bg::text, mbg::text, pnbd::text, gg::text, cells::text FROM models ORDER BY id").fetchall()
    jsons = conn.execute("SELECT bg::jsonb, mbg::jsonb, pnbd::jsonb, gg::jsonb FROM models ORDER BY id").fetchall()
    with conn.cursor(binary=True) as cur:
        cur.execute("SELECT id, bg, mbg, pnbd, gg, cells FROM models ORDER BY id")
        check([d.type_code for d in cur.description[1:]] == [oids[t] for t in types],
              "binary results carry the types' OIDs")
        rows = [r[1:] for r in cur.fetchall()]
    check(all(isinstance(v, bytes) for r in rows for v in r), "every value arrives in binary (bytes)")

    # the fitted models (row 1), decoded by the documented layout
    fit_row, limit_row = rows[0], rows[1]
    ok = True
    for i, t in enumerate(types[:4]):
        d = decode_model(t, fit_row[i], PARAMS[t])
        j = jsons[0][i]
        ok &= d["version"] == 1 and d["flags"] == 0
        ok &= all(d[k] == j[k] for k in PARAMS[t])
        ok &= d["n"] == j["n"] and d["ll"] == j["ll"] and d["converged"] == (1 if j["converged"] else 0)
        if t != "gamma_gamma_model":
            ok &= d["unit_usec"] == 7 * 86400 * 10**6
    check(ok, "fitted models decode by the documented layout to exactly the jsonb values")
    d = decode_model("bgnbd_model", limit_row[0], ["lambda"])
    check(d["flags"] == 3 and d["lambda"] == 0.25 and d["n"] == 30 and d["ll"] == -10.5,
          "a Poisson limit model is flags 3 with its one parameter")
    d = decode_model("gamma_gamma_model", limit_row[3], ["spend"])
    check(d["flags"] == 16 and d["spend"] == 25 and math.isnan(d["ll"]) and d["converged"] == 1,
          "a constant spend model has ll NaN (null in text)")
    c = limit_row[4]
    check(c[:2] == b"\x01\x02" and struct.unpack(">i", c[2:6])[0] == 2 and len(c) == 6 + 2 * 24,
          "a gamma_gamma state is version, kind 2, a count and 3 float8 per cell")

    # binary parameters: send every value back as it came and read its text
    conn.execute("CREATE TABLE back (LIKE models)")
    back_ids = []
    with conn.cursor() as cur:
        for r in rows:
            cur.execute("INSERT INTO back VALUES (%s, %b, %b, %b, %b, %b)",
                        [len(back_ids) + 1] + [Raw(t, v) for t, v in zip(types, r)])
            back_ids.append(1)
    back = conn.execute("SELECT bg::text, mbg::text, pnbd::text, gg::text, cells::text FROM back ORDER BY id").fetchall()
    check(back == texts, "values sent as binary parameters read the same text")

    # COPY (FORMAT binary) through the client, out and back in
    conn.execute("TRUNCATE back")
    with conn.cursor() as cur:
        data = b""
        with cur.copy("COPY models TO STDOUT (FORMAT binary)") as cp:
            for chunk in cp:
                data += bytes(chunk)
        with cur.copy("COPY back FROM STDIN (FORMAT binary)") as cp:
            cp.write(data)
    back = conn.execute("SELECT bg::text, mbg::text, pnbd::text, gg::text, cells::text FROM back ORDER BY id").fetchall()
    check(back == texts, "binary COPY through the client keeps every value")

    # corrupted values are refused with the documented SQLSTATE
    good = fit_row[0]
    cases = [
        ("version 2", good[:0] + b"\x02" + good[1:], errors.InvalidBinaryRepresentation),
        ("one byte short", good[:-1], errors.InvalidBinaryRepresentation),
        ("one byte too many", good + b"\x00", errors.InvalidBinaryRepresentation),
        ("unknown limit flags", good[:1] + b"\x40" + good[2:], errors.InvalidBinaryRepresentation),
        ("r NaN", good[:2] + struct.pack(">d", float("nan")) + good[10:], errors.InvalidParameterValue),
        ("alpha negative", good[:10] + struct.pack(">d", -1.0) + good[18:], errors.InvalidParameterValue),
    ]
    for what, data, exc in cases:
        try:
            conn.execute("SELECT %b::text", [Raw("bgnbd_model", data)])
            check(False, "%s: refused" % what)
        except exc:
            check(True, "%s: refused with %s" % (what, exc.sqlstate))
        except psycopg.Error as e:
            check(False, "%s: refused with %s, expected %s" % (what, e.sqlstate, exc.sqlstate))
finally:
    if conn is not None:
        conn.close()
    admin.execute("DROP DATABASE IF EXISTS " + DB)
    admin.close()

print("1..%d" % n)
sys.exit(1 if failed else 0)
