#!/usr/bin/python3
"""A BI tool's view of crm_loyalty: connect over TCP with the stock driver
(psycopg2), read a scoring view, and check that every column arrives as a
standard PostgreSQL type that a driver renders without extension types.

Uses the libpq environment (PGHOST, PGPORT, PGUSER, PGPASSWORD) and creates
and drops its own database.  Prints TAP.
"""
import datetime
import decimal
import os
import sys

import psycopg2

DB = "crm_client_test"
# column -> (type OID, Python types a driver hands out)
EXPECTED = {
    "customer_id": (20, (int,)),
    "first_order": (1184, (datetime.datetime,)),
    "last_order": (1184, (datetime.datetime,)),
    "orders": (20, (int,)),
    "frequency": (701, (float,)),
    "recency": (701, (float,)),
    "t": (701, (float,)),
    "recency_days": (701, (float,)),
    "total_spend": (1700, (decimal.Decimal,)),
    "monetary": (701, (float,)),
    "r": (23, (int,)),
    "f": (23, (int,)),
    "m": (23, (int,)),
    "rfm_cell": (25, (str,)),
    "segment": (25, (str,)),
    "p_alive": (701, (float,)),
    "churn_probability": (701, (float,)),
    "expected_purchases": (701, (float,)),
    "expected_spend": (701, (float,)),
    "clv": (701, (float,)),
    "tier": (25, (str,)),
    "purchase_model": (25, (str,)),
    "model_status": (25, (str,)),
}

n = 0
failed = 0


def check(ok, what):
    global n, failed
    n += 1
    if not ok:
        failed += 1
    print(("ok %d - %s" if ok else "not ok %d - %s") % (n, what))


def connect(dbname):
    host = os.environ.get("PGHOST", "localhost")
    if host.startswith("/"):
        host = "localhost"      # a BI tool connects over TCP
    return psycopg2.connect(host=host, dbname=dbname)


admin = connect(os.environ.get("PGDATABASE", "postgres"))
admin.autocommit = True
with admin.cursor() as cur:
    cur.execute("DROP DATABASE IF EXISTS " + DB)
    cur.execute("CREATE DATABASE " + DB)
try:
    conn = connect(DB)
    with conn.cursor() as cur:
        cur.execute("SELECT inet_server_addr() IS NOT NULL")
        check(cur.fetchone()[0], "connected over TCP/IP, not a Unix socket")
        cur.execute("CREATE EXTENSION crm_loyalty")
        cur.execute("CREATE TABLE orders AS SELECT * FROM crm_demo_orders(500)")
        cur.execute("""SELECT create_scoring_view('customer_scores', 'orders', 'customer_id',
                                                  'ordered_at', 'amount',
                                                  '{"unit": "7 days", "as_of": "2026-01-01"}')""")
        conn.commit()

        cur.execute("SELECT * FROM customer_scores ORDER BY customer_id")
        rows = cur.fetchall()
        cols = [(d.name, d.type_code) for d in cur.description]
        check([c for c, _ in cols] == list(EXPECTED), "the view has exactly the documented columns, in order")
        check(len(rows) == 500, "one row per customer (500)")
        for i, (name, oid) in enumerate(cols):
            want_oid, pytypes = EXPECTED.get(name, (None, ()))
            check(oid == want_oid, "%s arrives as standard type OID %s (got %s)" % (name, want_oid, oid))
            vals = [r[i] for r in rows]
            bad = [v for v in vals if v is not None and not isinstance(v, pytypes)]
            check(not bad, "%s values map to %s" % (name, "/".join(t.__name__ for t in pytypes)))
        idx = {c: i for i, (c, _) in enumerate(cols)}
        check(all(0.0 <= r[idx["p_alive"]] <= 1.0 for r in rows), "p_alive is a probability for everyone")
        check(all(r[idx["clv"]] >= 0.0 for r in rows), "clv is finite and non-negative for everyone")
        check(all(r[idx["tier"]] in ("Bronze", "Silver", "Gold", "Platinum") for r in rows), "every customer has a tier")
        check(all(r[idx["model_status"]] == "ok" and r[idx["purchase_model"]] == "pareto_nbd" for r in rows),
              "every row says which model scored it, and that it could")

        # BI tools read column descriptions from the catalog
        cur.execute("""SELECT count(*) FROM information_schema.columns c
                        WHERE c.table_name = 'customer_scores'
                          AND col_description('customer_scores'::regclass, c.ordinal_position) <> ''""")
        check(cur.fetchone()[0] == len(EXPECTED), "every column has a description")
    conn.close()
finally:
    with admin.cursor() as cur:
        cur.execute("DROP DATABASE IF EXISTS " + DB)
    admin.close()

print("1..%d" % n)
sys.exit(1 if failed else 0)
