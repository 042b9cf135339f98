// Drives pgjdbc through one connection and prints what it sees, one fact per line.
// test_jdbc.py runs it against nectar and against PostgreSQL and compares the lines.
// Usage: java -cp postgresql.jar:. JdbcTest <jdbc url> <user> <password>

import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Properties;

import org.postgresql.PGStatement;

public class JdbcTest {
    private static void out(String what, Object value) {
        // One fact per line: escape line breaks inside values.
        String text = String.valueOf(value).replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r");
        System.out.println(what + ": " + text);
    }

    private static void printResult(String label, ResultSet rs) throws SQLException {
        ResultSetMetaData md = rs.getMetaData();
        StringBuilder cols = new StringBuilder();
        for (int i = 1; i <= md.getColumnCount(); i++) {
            cols.append(md.getColumnLabel(i)).append(':').append(md.getColumnTypeName(i)).append(':')
                .append(md.getColumnType(i)).append(' ');
        }
        out(label + ".columns", cols.toString().trim());
        int n = 0;
        while (rs.next()) {
            StringBuilder row = new StringBuilder();
            for (int i = 1; i <= md.getColumnCount(); i++) {
                row.append(i > 1 ? " | " : "").append(rs.getString(i));
            }
            out(label + ".row" + n++, row);
        }
        out(label + ".rows", n);
    }

    private static void printError(String label, SQLException e) {
        out(label + ".sqlstate", e.getSQLState());
        out(label + ".message", e.getMessage().replace('\n', ' '));
    }

    private static void statements(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("select * from types_sample order by id")) {
                printResult("types", rs);
            }
            try (ResultSet rs = st.executeQuery("select 1 as a; ")) {
                printResult("simple", rs);
            }
            boolean isResult = st.execute("select 'x' as first; select 'y' as second");
            out("multi.first_is_result", isResult);
            printResult("multi.first", st.getResultSet());
            out("multi.more", st.getMoreResults());
            printResult("multi.second", st.getResultSet());
            out("update_count", st.executeUpdate("update uniq_items set qty = qty where id <= 2"));
        }
    }

    private static void prepared(Connection c) throws SQLException {
        String sql = "select n, h, $$lit$$ as lit from numbers where m = ? and n < ? order by n";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < 12; i++) {
                ps.setInt(1, i % 7);
                ps.setLong(2, 30 + i);
                try (ResultSet rs = ps.executeQuery()) {
                    printResult("prepared" + i, rs);
                }
                out("prepared" + i + ".server_prepared", ps.unwrap(PGStatement.class).isUseServerPrepare());
            }
        }
        sql = "select ?::int2, ?::int4, ?::int8, ?::float8, ?::numeric, ?::text, ?::bool, ?::date, "
            + "?::timestamp";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < 7; i++) {
                ps.setShort(1, (short) -i);
                ps.setInt(2, i * 1000);
                ps.setLong(3, 1L << (30 + i));
                ps.setDouble(4, i / 3.0);
                ps.setBigDecimal(5, new java.math.BigDecimal("12345.6789").movePointLeft(i));
                ps.setString(6, "text " + i);
                ps.setBoolean(7, i % 2 == 0);
                ps.setDate(8, java.sql.Date.valueOf("2024-01-0" + (i + 1)));
                ps.setTimestamp(9, java.sql.Timestamp.valueOf("2024-01-01 10:00:0" + i + ".5"));
                try (ResultSet rs = ps.executeQuery()) {
                    printResult("typed" + i, rs);
                }
            }
        }
    }

    private static void batch(Connection c) throws SQLException {
        c.setAutoCommit(false);
        String sql = "insert into scratch (id, name, val) values (?, ?, ?)";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < 20; i++) {
                ps.setInt(1, 500 + i);
                ps.setString(2, "batch " + i);
                ps.setBigDecimal(3, java.math.BigDecimal.valueOf(i, 2));
                ps.addBatch();
            }
            out("batch.counts", Arrays.toString(ps.executeBatch()));
        }
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select count(*), sum(val), min(name), max(name) from scratch")) {
            printResult("batch.check", rs);
        }
        try (PreparedStatement ps = c.prepareStatement("insert into scratch (id, name) values (?, ?)")) {
            ps.setInt(1, 600);
            ps.setString(2, "ok");
            ps.addBatch();
            ps.setInt(1, 600);
            ps.setString(2, "duplicate");
            ps.addBatch();
            ps.executeBatch();
            out("batch.duplicate", "no error");
        } catch (BatchUpdateException e) {
            printError("batch.duplicate", e);
            out("batch.duplicate.counts", Arrays.toString(e.getUpdateCounts()));
        }
        c.rollback();
        c.setAutoCommit(true);
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select count(*) from scratch")) {
            printResult("batch.after_rollback", rs);
        }
    }

    private static void metadata(Connection c) throws SQLException {
        DatabaseMetaData md = c.getMetaData();
        out("meta.product", md.getDatabaseProductName());
        out("meta.major", md.getDatabaseMajorVersion());
        out("meta.user", md.getUserName());
        try (ResultSet rs = md.getTables(null, "public", "%", new String[] {"TABLE"})) {
            printResult("meta.tables", rs);
        }
        try (ResultSet rs = md.getColumns(null, "public", "types_sample", "%")) {
            printResult("meta.columns", rs);
        }
        try (ResultSet rs = md.getPrimaryKeys(null, "public", "uniq_items")) {
            printResult("meta.pk", rs);
        }
        try (ResultSet rs = md.getIndexInfo(null, "public", "uniq_items", false, false)) {
            printResult("meta.indexes", rs);
        }
        try (ResultSet rs = md.getSchemas()) {
            printResult("meta.schemas", rs);
        }
    }

    private static void errors(Connection c) throws SQLException {
        String[] bad = {
            "select * from no_such_table",
            "select 1 / 0",
            "insert into uniq_items values (1, 'dup', 1)",
            "selec 1",
        };
        try (Statement st = c.createStatement()) {
            for (int i = 0; i < bad.length; i++) {
                try {
                    st.execute(bad[i]);
                    out("error" + i, "no error");
                } catch (SQLException e) {
                    printError("error" + i, e);
                }
                try (ResultSet rs = st.executeQuery("select 'recovered " + i + "'")) {
                    printResult("recovered" + i, rs);
                }
            }
        }
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            st.execute("select 1");
            try {
                st.execute("select 1 / 0");
            } catch (SQLException e) {
                printError("tx.error", e);
            }
            try {
                st.execute("select 2");
            } catch (SQLException e) {
                printError("tx.aborted", e);
            }
            c.rollback();
            try (ResultSet rs = st.executeQuery("select 3")) {
                printResult("tx.after_rollback", rs);
            }
            c.commit();
        }
        c.setAutoCommit(true);
    }

    public static void main(String[] args) throws Exception {
        Properties props = new Properties();
        props.setProperty("user", args[1]);
        props.setProperty("password", args[2]);
        props.setProperty("prepareThreshold", "5");
        props.setProperty("connectTimeout", "10");
        props.setProperty("socketTimeout", "60");
        try (Connection c = DriverManager.getConnection(args[0], props)) {
            statements(c);
            prepared(c);
            batch(c);
            metadata(c);
            errors(c);
        }
        out("done", true);
    }
}
