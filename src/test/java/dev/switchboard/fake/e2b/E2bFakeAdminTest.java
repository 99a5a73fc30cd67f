package dev.switchboard.fake.e2b;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The standalone fake's control endpoint, as the chaos command drives it from another process. */
class E2bFakeAdminTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static E2bFake fake;
    private static E2bFakeAdmin admin;

    @BeforeAll
    static void start() throws IOException {
        fake = E2bFake.start();
        admin = E2bFakeAdmin.start(fake, 0);
    }

    @AfterAll
    static void stop() {
        admin.close();
        fake.close();
    }

    private static HttpResponse<String> send(String base, String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("X-API-Key", E2bFake.API_KEY).header("Content-Type", "application/json");
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> create() throws Exception {
        return send(fake.url(), "POST", "/sandboxes",
                "{\"templateID\":\"base\",\"timeout\":60,\"metadata\":{\"switchboard\":\"true\",\"switchboard-owner\":\"u1\"}}");
    }

    @Test
    void faultsSandboxesAndFilesOverHttp() throws Exception {
        assertEquals(204, send(admin.url(), "POST", "/faults",
                "{\"operations\":[\"create\"],\"fraction\":1.0,\"seconds\":60,\"statuses\":[503],\"seed\":3}").statusCode());
        HttpResponse<String> refused = create();
        assertEquals(503, refused.statusCode());
        assertEquals("sandbox_placement_timeout", JSON.readTree(refused.body()).get("error_code").asText());
        assertEquals("{\"create\":1}", send(admin.url(), "GET", "/faults", null).body());
        assertEquals(204, send(admin.url(), "DELETE", "/faults", null).statusCode());
        HttpResponse<String> created = create();
        assertEquals(201, created.statusCode());
        String id = JSON.readTree(created.body()).get("sandboxID").asText();

        JsonNode listed = JSON.readTree(send(admin.url(), "GET", "/sandboxes", null).body());
        assertEquals(1, listed.size());
        assertEquals(id, listed.get(0).get("id").asText());
        assertEquals("running", listed.get(0).get("state").asText());
        assertEquals("u1", listed.get(0).at("/metadata/switchboard-owner").asText());

        String file = "/files?sandbox=" + id + "&path=/home/user/project/docs/notes%20%C3%BC.md";
        assertEquals(404, send(admin.url(), "GET", file, null).statusCode());
        assertEquals(204, send(admin.url(), "PUT", file, "hällo").statusCode());
        assertEquals("hällo", send(admin.url(), "GET", file, null).body());
        assertEquals("hällo", new String(fake.file(id, "/home/user/project/docs/notes ü.md").orElseThrow(), StandardCharsets.UTF_8));
        assertEquals(410, send(admin.url(), "GET", "/files?sandbox=inope&path=/x", null).statusCode());
        assertEquals(400, send(admin.url(), "GET", "/files?sandbox=" + id, null).statusCode());
        assertEquals(400, send(admin.url(), "POST", "/faults", "{\"fraction\":0.5}").statusCode());
    }
}
