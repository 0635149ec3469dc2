// What a JDBC BI tool (Metabase, DBeaver, Tableau) does on connect, against
// crm_loyalty: connect over TCP with the stock PostgreSQL JDBC driver,
// discover a scoring view through DatabaseMetaData (type, columns, comments,
// java.sql.Types), read every row with the standard getters, call a
// diagnostics function through a PreparedStatement with typed parameters,
// and read a model value over the binary protocol.  Uses the libpq
// environment (PGHOST, PGPORT, PGUSER, PGPASSWORD); creates and drops its own
// database.  Prints TAP.  Run with a JDK 17 single-file launch:
//     java -cp /usr/share/java/postgresql.jar test/client/JdbcClient.java
import java.math.BigDecimal;
import java.sql.*;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.*;

public class JdbcClient {
    static final String DB = "crm_jdbc_test";
    static int n = 0, failed = 0;

    static void check(boolean ok, String what) {
        n++;
        if (!ok) failed++;
        System.out.println((ok ? "ok " : "not ok ") + n + " - " + what);
    }

    static String env(String k, String d) {
        String v = System.getenv(k);
        return v == null || v.isEmpty() ? d : v;
    }

    static Connection connect(String db, Properties extra) throws SQLException {
        String host = env("PGHOST", "localhost");
        if (host.startsWith("/")) host = "localhost";   // a BI tool connects over TCP
        Properties p = new Properties();
        p.setProperty("user", env("PGUSER", System.getProperty("user.name")));
        String pw = System.getenv("PGPASSWORD");
        if (pw != null) p.setProperty("password", pw);
        if (extra != null) p.putAll(extra);
        return DriverManager.getConnection("jdbc:postgresql://" + host + ":" + env("PGPORT", "5432") + "/" + db, p);
    }

    // column -> accepted java.sql.Types (the driver's report for timestamptz
    // differs between driver versions)
    static final LinkedHashMap<String, int[]> EXPECTED = new LinkedHashMap<>();
    static void col(String name, int... types) { EXPECTED.put(name, types); }
    static {
        col("customer_id", Types.BIGINT);
        col("first_order", Types.TIMESTAMP_WITH_TIMEZONE, Types.TIMESTAMP);
        col("last_order", Types.TIMESTAMP_WITH_TIMEZONE, Types.TIMESTAMP);
        col("orders", Types.BIGINT);
        col("frequency", Types.DOUBLE);
        col("recency", Types.DOUBLE);
        col("t", Types.DOUBLE);
        col("recency_days", Types.DOUBLE);
        col("total_spend", Types.NUMERIC);
        col("monetary", Types.DOUBLE);
        col("r", Types.INTEGER);
        col("f", Types.INTEGER);
        col("m", Types.INTEGER);
        col("rfm_cell", Types.VARCHAR);
        col("segment", Types.VARCHAR);
        col("p_alive", Types.DOUBLE);
        col("churn_probability", Types.DOUBLE);
        col("expected_purchases", Types.DOUBLE);
        col("expected_spend", Types.DOUBLE);
        col("clv", Types.DOUBLE);
        col("tier", Types.VARCHAR);
        col("purchase_model", Types.VARCHAR);
        col("model_status", Types.VARCHAR);
    }

    static boolean in(int v, int[] set) {
        for (int s : set) if (s == v) return true;
        return false;
    }

    public static void main(String[] args) throws Exception {
        try (Connection admin = connect(env("PGDATABASE", "postgres"), null);
             Statement st = admin.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + DB);
            st.execute("CREATE DATABASE " + DB);
        }
        try {
            run();
        } catch (Exception e) {
            check(false, "no exception: " + e);
            e.printStackTrace(System.out);
        } finally {
            try (Connection admin = connect(env("PGDATABASE", "postgres"), null);
                 Statement st = admin.createStatement()) {
                st.execute("DROP DATABASE IF EXISTS " + DB);
            }
        }
        System.out.println("1.." + n);
        System.exit(failed == 0 ? 0 : 1);
    }

    static void run() throws Exception {
        try (Connection c = connect(DB, null); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT inet_server_addr() IS NOT NULL")) {
                rs.next();
                check(rs.getBoolean(1), "connected over TCP/IP, not a Unix socket");
            }
            // 1. the objects a BI tool reads
            st.execute("CREATE EXTENSION crm_loyalty");
            st.execute("CREATE TABLE orders AS SELECT * FROM crm_demo_orders(500)");
            st.execute("SELECT create_scoring_view('customer_scores', 'orders', 'customer_id', 'ordered_at', 'amount', "
                       + "'{\"unit\": \"7 days\", \"as_of\": \"2026-01-01\"}')");
            check(true, "extension, demo orders and scoring view created");

            // 2. discovery through DatabaseMetaData
            DatabaseMetaData md = c.getMetaData();
            int found = 0;
            try (ResultSet rs = md.getTables(null, "public", "customer_scores", new String[] {"VIEW"})) {
                while (rs.next())
                    if ("customer_scores".equals(rs.getString("TABLE_NAME")) && "VIEW".equals(rs.getString("TABLE_TYPE")))
                        found++;
            }
            check(found == 1, "getTables finds customer_scores as a VIEW");

            Map<String, String> comments = new HashMap<>();
            try (ResultSet rs = st.executeQuery("SELECT attname, col_description(attrelid, attnum) FROM pg_attribute "
                    + "WHERE attrelid = 'customer_scores'::regclass AND attnum > 0 AND NOT attisdropped")) {
                while (rs.next()) comments.put(rs.getString(1), rs.getString(2));
            }
            List<String> names = new ArrayList<>();
            try (ResultSet rs = md.getColumns(null, "public", "customer_scores", "%")) {
                while (rs.next()) {
                    String name = rs.getString("COLUMN_NAME");
                    names.add(name);
                    int type = rs.getInt("DATA_TYPE");
                    String remarks = rs.getString("REMARKS");
                    int[] want = EXPECTED.get(name);
                    check(want != null && in(type, want), name + " has java.sql.Types " + Arrays.toString(want)
                          + " (got " + type + ", " + rs.getString("TYPE_NAME") + ")");
                    String comment = comments.get(name);
                    check(comment != null && !comment.isEmpty() && comment.equals(remarks),
                          name + " REMARKS equal its column comment");
                }
            }
            check(names.equals(new ArrayList<>(EXPECTED.keySet())), "getColumns lists exactly the documented columns, in order");

            // 3. every row through the standard getters
            int rows = 0, badAlive = 0, badStatus = 0, badClv = 0, badOther = 0;
            try (ResultSet rs = st.executeQuery("SELECT * FROM customer_scores ORDER BY customer_id")) {
                while (rs.next()) {
                    rows++;
                    long id = rs.getLong("customer_id");
                    OffsetDateTime first = rs.getObject("first_order", OffsetDateTime.class);
                    Timestamp last = rs.getTimestamp("last_order");
                    long orders = rs.getLong("orders");
                    BigDecimal spend = rs.getBigDecimal("total_spend");
                    double pAlive = rs.getDouble("p_alive");
                    double clv = rs.getDouble("clv");
                    int r = rs.getInt("r");
                    String status = rs.getString("model_status");
                    String tier = rs.getString("tier");
                    if (rs.wasNull() || !(pAlive >= 0.0 && pAlive <= 1.0)) badAlive++;
                    if (status == null || !(status.equals("ok") || status.startsWith("boundary: "))) badStatus++;
                    if (!(clv >= 0.0) || Double.isInfinite(clv)) badClv++;
                    if (id <= 0 || first == null || last == null || orders < 1 || spend == null
                        || spend.signum() < 0 || r < 1 || r > 5 || tier == null
                        || first.toInstant().isAfter(last.toInstant()))
                        badOther++;
                }
            }
            check(rows == 500, "one row per customer (got " + rows + ")");
            check(badAlive == 0, "p_alive in [0, 1] for everyone (" + badAlive + " outside)");
            check(badStatus == 0, "model_status is 'ok' or 'boundary: ...' for everyone (" + badStatus + " other)");
            check(badClv == 0, "clv is finite and non-negative for everyone (" + badClv + " not)");
            check(badOther == 0, "ids, dates, order counts, spend, r and tier read sensibly (" + badOther + " not)");

            // 4. a diagnostics function with bound parameters
            String q = "SELECT frequency_bucket, customers, actual_mean, forecast_mean "
                     + "FROM holdout_by_frequency(?::regclass, ?, ?, ?, ?, ?, ?::jsonb)";
            List<String> buckets = new ArrayList<>();
            long sum = 0, all = -1;
            boolean finite = true;
            try (PreparedStatement ps = c.prepareStatement(q)) {
                ps.setString(1, "orders");
                ps.setString(2, "customer_id");
                ps.setString(3, "ordered_at");
                ps.setString(4, "amount");
                ps.setObject(5, OffsetDateTime.of(2025, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC));
                ps.setObject(6, OffsetDateTime.of(2025, 12, 31, 0, 0, 0, 0, ZoneOffset.UTC));
                ps.setString(7, "{\"unit\": \"7 days\"}");
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String b = rs.getString(1);
                        long cust = rs.getLong(2);
                        buckets.add(b);
                        if (b.equals("all")) all = cust; else sum += cust;
                        double a = rs.getDouble(3), f = rs.getDouble(4);
                        if (!rs.wasNull() && (!Double.isFinite(a) || !Double.isFinite(f) || a < 0 || f < 0)) finite = false;
                    }
                }
            }
            check(buckets.equals(List.of("0", "1", "2", "3", "4", "5", "6", "7+", "all")),
                  "holdout_by_frequency buckets are 0..7+ then all (got " + buckets + ")");
            check(all > 0 && sum == all, "bucket customers sum to the 'all' count (" + sum + " vs " + all + ")");
            check(finite, "actual and forecast means are finite and non-negative");

            st.execute("CREATE TABLE models AS SELECT bgnbd_fit(p) AS bg FROM "
                       + "(SELECT crm_profile(ordered_at, amount, '2026-01-01', '1 day', '7 days') AS p "
                       + "FROM orders GROUP BY customer_id) s");
        }

        // 5. the binary protocol: server-side prepared from the first execution
        Properties bin = new Properties();
        bin.setProperty("prepareThreshold", "-1");
        bin.setProperty("binaryTransfer", "true");
        String text;
        try (Connection c = connect(DB, null); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT bg::text FROM models")) {
            rs.next();
            text = rs.getString(1);
        }
        try (Connection c = connect(DB, bin);
             PreparedStatement ps = c.prepareStatement("SELECT bg, 1.5::float8 FROM models WHERE ?::int = 1")) {
            for (int i = 0; i < 2; i++) {
                ps.setInt(1, 1);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    String got = rs.getString(1);
                    check(text != null && text.startsWith("{") && text.equals(got),
                          "bgnbd_model read with binaryTransfer, execution " + (i + 1) + ", equals its text form");
                    check(rs.getDouble(2) == 1.5, "float8 over the binary protocol, execution " + (i + 1));
                }
            }
        }
    }
}
