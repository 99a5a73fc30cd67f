package dev.switchboard.mcp;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.switchboard.fake.e2b.E2bProfile;
import dev.switchboard.support.Api;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** The MCP tools on the E2B provider (against the fake): an agent switches, works on files, runs commands, saves. */
@QuarkusTest
@TestProfile(E2bProfile.class)
class E2bMcpTest {

    @TestHTTPResource("/")
    URI root;

    @Test
    void anAgentSwitchesWorksOnFilesRunsCommandsAndSaves() {
        Api user = Api.newUser("mcp-e2b");
        String project = user.createProject("app");
        user.addFragment(project, Map.of("index.html", "<h1>hi</h1>", "src/app.js", "console.log(1)"));
        try (McpTestClient mcp = McpTestClient.of(root, user.token())) {
            mcp.client.initialize();
            JsonNode switched = mcp.json("switch_project", Map.of("projectId", project));
            String sandboxId = switched.get("result").get("sandboxId").asText();
            JsonNode status = mcp.json("sandbox_status", Map.of()).get("sandbox");
            assertEquals(sandboxId, status.get("sandboxId").asText());
            assertEquals("active", status.get("status").asText());
            assertTrue(status.get("mcpServerUrl").asText().endsWith("/mcp"), status.toString());

            JsonNode listing = mcp.json("list_files", Map.of());
            assertEquals("index.html", listing.get(0).get("path").asText(), listing.toString());
            assertEquals("src", listing.get(1).get("path").asText(), listing.toString());
            assertEquals("dir", listing.get(1).get("type").asText(), listing.toString());

            mcp.json("write_file", Map.of("path", "notes/todo.txt", "content", "buy milk\n"));
            assertEquals("buy milk\n", mcp.text("read_file", Map.of("path", "notes/todo.txt")));
            JsonNode ran = mcp.json("exec", Map.of("command", "cat notes/todo.txt src/app.js; echo; pwd >&2"));
            assertEquals(0, ran.get("exitCode").asInt(), ran.toString());
            assertEquals("buy milk\nconsole.log(1)\n", ran.get("stdout").asText());
            assertEquals(404, mcp.problem("read_file", Map.of("path", "missing.txt")).get("status").asInt());
            assertEquals(400, mcp.problem("read_file", Map.of("path", "../etc/passwd")).get("status").asInt());

            String saved = mcp.json("save", Map.of()).get("fragmentId").asText();
            user.req().get("/api/projects/" + project + "/fragments/" + saved).then().statusCode(200)
                    .body("files.'notes/todo.txt'", equalTo("buy milk\n"));
        } finally {
            user.req().post("/api/cleanup-sandboxes").then().statusCode(200);
        }
    }
}
