package dev.switchboard.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

/**
 * The V3 migration moves every jsonb fragment of a V2 database into blobs and manifests without losing a byte:
 * run on a fresh database of the same PostgreSQL, migrated to V2, filled the old way, then migrated on.
 */
@QuarkusTest
class FragmentMigrationTest {

    @ConfigProperty(name = "quarkus.datasource.jdbc.url")
    String url;
    @ConfigProperty(name = "quarkus.datasource.username")
    String user;
    @ConfigProperty(name = "quarkus.datasource.password")
    String password;

    @Test
    void jsonbFragmentsBecomeManifestsOverSharedBlobs() throws Exception {
        String db = "migration_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection admin = DriverManager.getConnection(url, user, password); Statement st = admin.createStatement()) {
            st.execute("CREATE DATABASE " + db);
        }
        String dbUrl = url.substring(0, url.lastIndexOf('/') + 1) + db;
        Flyway.configure().dataSource(dbUrl, user, password).locations("classpath:db/migration").target("2").load().migrate();

        Map<String, String> first = Map.of("index.html", "<h1>ünïcode ✓</h1>", "src/app.js", "let a = 1;", "empty.txt", "");
        Map<String, String> second = Map.of("index.html", "<h1>ünïcode ✓</h1>", "src/app.js", "let a = 2;");
        UUID project = UUID.randomUUID();
        UUID f1 = UUID.randomUUID();
        UUID f2 = UUID.randomUUID();
        try (Connection c = DriverManager.getConnection(dbUrl, user, password); Statement st = c.createStatement()) {
            st.execute("INSERT INTO users (id) VALUES ('old-user')");
            st.execute("INSERT INTO projects (id, name, owner_id) VALUES ('" + project + "', 'old', 'old-user')");
            st.execute("INSERT INTO fragments (id, project_id, files, file_count, total_bytes, saved_from_sandbox) VALUES ('" + f1
                    + "', '" + project + "', '" + json(first) + "'::jsonb, 3, 0, 'sandbox-1')");
            st.execute("INSERT INTO fragments (id, project_id, files, file_count, total_bytes) VALUES ('" + f2 + "', '" + project
                    + "', '" + json(second) + "'::jsonb, 2, 0)");
        }

        Flyway.configure().dataSource(dbUrl, user, password).locations("classpath:db/migration").load().migrate();

        try (Connection c = DriverManager.getConnection(dbUrl, user, password); Statement st = c.createStatement()) {
            assertEquals(first, files(st, f1));
            assertEquals(second, files(st, f2));
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM blobs")) {
                rs.next();
                assertEquals(4, rs.getInt(1), "index.html is stored once for both fragments");
            }
            try (ResultSet rs = st.executeQuery("SELECT content FROM blobs WHERE hash = '" + Hashes.sha256(
                    "<h1>ünïcode ✓</h1>".getBytes(StandardCharsets.UTF_8)) + "'")) {
                rs.next();
                assertArrayEquals("<h1>ünïcode ✓</h1>".getBytes(StandardCharsets.UTF_8), rs.getBytes(1), "keyed by the SHA-256 of the UTF-8 bytes");
            }
        }
        try (Connection admin = DriverManager.getConnection(url, user, password); Statement st = admin.createStatement()) {
            st.execute("DROP DATABASE " + db);
        }
    }

    private static Map<String, String> files(Statement st, UUID fragment) throws Exception {
        Map<String, String> files = new HashMap<>();
        try (ResultSet rs = st.executeQuery("SELECT f.path, b.content, f.size FROM fragment_files f JOIN blobs b ON b.hash = f.blob_hash"
                + " WHERE f.fragment_id = '" + fragment + "'")) {
            while (rs.next()) {
                byte[] content = rs.getBytes(2);
                assertEquals(content.length, rs.getLong(3));
                files.put(rs.getString(1), new String(content, StandardCharsets.UTF_8));
            }
        }
        return files;
    }

    private static String json(Map<String, String> files) {
        StringBuilder b = new StringBuilder("{");
        files.forEach((k, v) -> b.append(b.length() > 1 ? "," : "").append('"').append(k).append("\":\"").append(v).append('"'));
        return b.append('}').toString();
    }
}
