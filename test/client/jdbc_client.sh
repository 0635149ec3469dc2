#!/usr/bin/env bash
# A JDBC BI client (what Metabase, DBeaver or Tableau do on connect): runs
# test/client/JdbcClient.java with the stock PostgreSQL JDBC driver against the
# cluster in the libpq environment.  Prints TAP.  The JDK and the driver come
# from test/lib.sh's package list (default-jdk-headless, libpostgresql-jdbc-java).
set -uo pipefail
cd "$(dirname "$0")/../.."
jar=/usr/share/java/postgresql.jar
if ! command -v java >/dev/null || [ ! -f "$jar" ]; then
    echo "1..1"; echo "not ok 1 - java or $jar missing (install default-jdk-headless libpostgresql-jdbc-java)"; exit 1
fi
exec java -cp "$jar" test/client/JdbcClient.java
