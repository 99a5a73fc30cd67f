package dev.switchboard.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * The packaged jar in the prod profile refuses to start without {@code mp.jwt.verify.audiences}, and starts with one
 * or with {@code switchboard.auth.any-audience=true}, and then serves {@code /q/openapi}. No database is needed: the
 * check runs before any query.
 */
class ProdAuthIT {

    private static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");

    @Test
    void withoutAnAudienceTheServiceRefusesToStart() throws Exception {
        Process p = start(Map.of());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the service gave up");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertNotEquals(0, p.exitValue(), out);
        assertTrue(out.contains("No JWT audience"), out);
    }

    @Test
    void withAnAudienceOrAnyAudienceItStarts() throws Exception {
        for (Map<String, String> env : List.of(Map.of("MP_JWT_VERIFY_AUDIENCES", "switchboard"),
                Map.of("SWITCHBOARD_AUTH_ANY_AUDIENCE", "true"))) {
            Process p = start(env);
            try {
                StringBuilder out = new StringBuilder();
                var reader = p.inputReader(StandardCharsets.UTF_8);
                String line;
                boolean started = false;
                int port = -1;
                while ((line = reader.readLine()) != null) {
                    out.append(line).append('\n');
                    var listening = java.util.regex.Pattern.compile("Listening on: https?://[^:]+:(\\d+)").matcher(line);
                    if (listening.find()) {
                        started = true;
                        port = Integer.parseInt(listening.group(1));
                        break;
                    }
                }
                assertTrue(started, () -> env + ": " + out);
                // The OpenAPI document is served in production too, without a token.
                var openapi = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest
                        .newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/q/openapi")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                assertEquals(200, openapi.statusCode(), openapi.body());
                assertTrue(openapi.body().contains("/api/switch-project") && openapi.body().contains("summary:"), openapi.body());
            } finally {
                p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    private static Process start(Map<String, String> env) throws Exception {
        Path sandboxes = Files.createTempDirectory("prod-auth-it");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toAbsolutePath().toString()).redirectErrorStream(true);
        Map<String, String> e = pb.environment();
        // Nothing listens on port 1; no migration and no jobs, so nothing queries before the check.
        e.put("DB_HOST", "127.0.0.1");
        e.put("DB_PORT", "1");
        e.put("DB_PASSWORD", "unused");
        e.put("QUARKUS_FLYWAY_MIGRATE_AT_START", "false");
        e.put("SWITCHBOARD_JOBS_ENABLED", "false");
        e.put("SWITCHBOARD_RECONCILE_AT_STARTUP", "false");
        e.put("QUARKUS_HTTP_PORT", "0");
        e.put("SWITCHBOARD_LOCAL_DATA_DIR", sandboxes.toString());
        e.put("MP_JWT_VERIFY_PUBLICKEY_LOCATION",
                Path.of("src", "test", "resources", "test-jwt", "public.pem").toAbsolutePath().toString());
        e.put("MP_JWT_VERIFY_ISSUER", "switchboard-test");
        e.putAll(env);
        return pb.start();
    }
}
