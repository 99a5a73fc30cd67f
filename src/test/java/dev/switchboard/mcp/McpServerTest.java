package dev.switchboard.mcp;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.switchboard.support.Api;
import dev.switchboard.support.LocalSandboxes;
import dev.switchboard.support.Tokens;
import io.modelcontextprotocol.client.transport.McpHttpClientTransportAuthorizationException;
import io.modelcontextprotocol.spec.McpSchema;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/** The MCP server at /mcp, driven by the MCP Java SDK's own client over Streamable HTTP, on local sandboxes. */
@QuarkusTest
class McpServerTest {

    static final Set<String> TOOLS = Set.of("list_projects", "switch_project", "sandbox_status", "list_files",
            "read_file", "write_file", "exec", "save");

    @TestHTTPResource("/")
    URI root;

    @Test
    void initializeAnswersTheServerAndItsToolsCapability() {
        try (McpTestClient mcp = McpTestClient.of(root, Tokens.user("mcp-init"))) {
            McpSchema.InitializeResult init = mcp.client.initialize();
            assertEquals("switchboard", init.serverInfo().name());
            assertNotNull(init.capabilities().tools(), "tools capability");
            assertNotNull(init.instructions());
        }
    }

    @Test
    void listsTheEightToolsWithTheirInputSchemas() {
        try (McpTestClient mcp = McpTestClient.of(root, Tokens.user("mcp-list"))) {
            List<McpSchema.Tool> tools = mcp.client.listTools().tools();
            Map<String, McpSchema.Tool> byName = tools.stream().collect(Collectors.toMap(McpSchema.Tool::name, t -> t));
            assertEquals(TOOLS, byName.keySet());
            assertSchema(byName.get("switch_project"), Set.of("projectId", "fragmentId"), List.of("projectId"));
            assertSchema(byName.get("list_files"), Set.of("path"), List.of());
            assertSchema(byName.get("read_file"), Set.of("path"), List.of("path"));
            assertSchema(byName.get("write_file"), Set.of("path", "content"), List.of("path", "content"));
            assertSchema(byName.get("exec"), Set.of("command", "timeoutSeconds"), List.of("command"));
            assertEquals("integer", property(byName.get("exec"), "timeoutSeconds").get("type"));
            for (String none : List.of("list_projects", "sandbox_status", "save")) {
                assertSchema(byName.get(none), Set.of(), List.of());
            }
            assertTrue(tools.stream().allMatch(t -> t.description() != null && !t.description().isBlank()));
        }
    }

    @Test
    void listProjectsShowsTheCallersProjectsOnly() {
        Api alice = Api.newUser("mcp-alice");
        Api bob = Api.newUser("mcp-bob");
        String mine = alice.createProject("mine");
        String theirs = bob.createProject("theirs");
        try (McpTestClient mcp = McpTestClient.of(root, alice.token())) {
            JsonNode projects = mcp.json("list_projects", Map.of());
            assertEquals(1, projects.size(), projects.toString());
            assertEquals(mine, projects.get(0).get("id").asText());
            assertEquals("mine", projects.get(0).get("name").asText());
            assertFalse(projects.toString().contains(theirs));
        }
    }

    @Test
    void switchProjectSwitchesStatusShowsItAndSaveStoresAFragment() throws Exception {
        Api user = Api.newUser("mcp-switch");
        String project = user.createProject("app");
        String fragment = user.addFragment(project, Map.of("index.html", "<h1>hi</h1>"));
        try (McpTestClient mcp = McpTestClient.of(root, user.token())) {
            assertTrue(mcp.json("sandbox_status", Map.of()).get("sandbox").isNull(), "no sandbox before the switch");

            JsonNode switched = mcp.json("switch_project", Map.of("projectId", project));
            assertTrue(switched.get("success").asBoolean(), switched.toString());
            JsonNode result = switched.get("result");
            String sandboxId = result.get("sandboxId").asText();
            assertEquals(fragment, result.get("fragmentId").asText());
            assertEquals(1, result.get("restoredFiles").asInt());
            // The REST API sees the same switch.
            user.req().get("/api/active-fragment").then().statusCode(200).body("projectId", equalTo(project))
                    .body("fragmentId", equalTo(fragment));

            JsonNode status = mcp.json("sandbox_status", Map.of()).get("sandbox");
            assertEquals(sandboxId, status.get("sandboxId").asText());
            assertEquals("active", status.get("status").asText());

            JsonNode unchanged = mcp.json("save", Map.of());
            assertTrue(unchanged.get("fragmentId").isNull(), "nothing changed yet: " + unchanged);
            LocalSandboxes.write(sandboxId, "notes.txt", "written in the sandbox");
            JsonNode saved = mcp.json("save", Map.of());
            String savedId = saved.get("fragmentId").asText();
            assertFalse(saved.get("fragmentId").isNull(), saved.toString());
            user.req().get("/api/projects/" + project + "/fragments/" + savedId).then().statusCode(200)
                    .body("files.'notes.txt'", equalTo("written in the sandbox"));
        } finally {
            user.req().post("/api/cleanup-sandboxes").then().statusCode(200);
        }
    }

    @Test
    void filesOfTheLiveSandboxAreListedWrittenAndRead() throws Exception {
        Api user = Api.newUser("mcp-files");
        String project = user.createProject("app");
        user.addFragment(project, Map.of("index.html", "<h1>hi</h1>", "src/app.js", "console.log(1)"));
        try (McpTestClient mcp = McpTestClient.of(root, user.token())) {
            assertEquals(404, mcp.problem("list_files", Map.of()).get("status").asInt(), "no sandbox yet");
            String sandboxId = mcp.json("switch_project", Map.of("projectId", project)).get("result").get("sandboxId").asText();

            JsonNode rootListing = mcp.json("list_files", Map.of());
            assertEquals(List.of("index.html:file:11", "src:dir:null"), entries(rootListing));
            assertEquals(List.of("src/app.js:file:14"), entries(mcp.json("list_files", Map.of("path", "src"))));

            String text = "ünïcode ✓\nline two\n";
            JsonNode written = mcp.json("write_file", Map.of("path", "notes/todo.txt", "content", text));
            assertEquals("notes/todo.txt", written.get("path").asText());
            assertEquals(text.getBytes(StandardCharsets.UTF_8).length, written.get("size").asInt());
            assertEquals(text, Files.readString(LocalSandboxes.dir(sandboxId).resolve("files/notes/todo.txt")));
            assertEquals(text, mcp.text("read_file", Map.of("path", "notes/todo.txt")));

            byte[] binary = { (byte) 0xff, (byte) 0xfe, 0, 1, 2 };
            Files.write(LocalSandboxes.dir(sandboxId).resolve("files/blob.bin"), binary);
            McpSchema.CallToolResult blob = mcp.call("read_file", Map.of("path", "blob.bin"));
            McpSchema.BlobResourceContents contents = (McpSchema.BlobResourceContents) ((McpSchema.EmbeddedResource) blob
                    .content().get(0)).resource();
            assertEquals(Base64.getEncoder().encodeToString(binary), contents.blob());

            assertEquals(404, mcp.problem("read_file", Map.of("path", "missing.txt")).get("status").asInt());
            for (String bad : List.of("../outside.txt", "/etc/passwd", "a/../../b")) {
                assertEquals(400, mcp.problem("read_file", Map.of("path", bad)).get("status").asInt(), bad);
                assertEquals(400, mcp.problem("write_file", Map.of("path", bad, "content", "x")).get("status").asInt(), bad);
            }
            assertFalse(Files.exists(LocalSandboxes.dir(sandboxId).resolve("outside.txt")));

            String saved = mcp.json("save", Map.of()).get("fragmentId").asText();
            user.req().get("/api/projects/" + project + "/fragments/" + saved).then().statusCode(200)
                    .body("files.'notes/todo.txt'", equalTo(text));
        } finally {
            user.req().post("/api/cleanup-sandboxes").then().statusCode(200);
        }
    }

    @Test
    void execRunsACommandInTheProjectRoot() {
        Api user = Api.newUser("mcp-exec");
        String project = user.createProject("app");
        user.addFragment(project, Map.of("hello.txt", "from the fragment"));
        try (McpTestClient mcp = McpTestClient.of(root, user.token())) {
            mcp.json("switch_project", Map.of("projectId", project));
            JsonNode echo = mcp.json("exec", Map.of("command", "echo hello; echo oops >&2; exit 3"));
            assertEquals(3, echo.get("exitCode").asInt(), echo.toString());
            assertEquals("hello\n", echo.get("stdout").asText());
            assertEquals("oops\n", echo.get("stderr").asText());
            assertFalse(echo.get("timedOut").asBoolean());
            assertEquals("from the fragment", mcp.json("exec", Map.of("command", "cat hello.txt")).get("stdout").asText());

            JsonNode slow = mcp.json("exec", Map.of("command", "sleep 30", "timeoutSeconds", 1));
            assertTrue(slow.get("timedOut").asBoolean(), slow.toString());
            assertTrue(slow.get("exitCode").isNull(), slow.toString());
        } finally {
            user.req().post("/api/cleanup-sandboxes").then().statusCode(200);
        }
    }

    @Test
    void aUserCannotActOnAnotherUsersProjectOrSandbox() {
        Api owner = Api.newUser("mcp-owner");
        Api stranger = Api.newUser("mcp-stranger");
        String project = owner.createProject("private");
        String fragment = owner.addFragment(project, Map.of("secret.txt", "s3cret"));
        owner.switchTo(project).statusCode(200);
        try (McpTestClient mcp = McpTestClient.of(root, stranger.token())) {
            JsonNode denied = mcp.problem("switch_project", Map.of("projectId", project));
            assertEquals(403, denied.get("status").asInt(), denied.toString());
            JsonNode deniedFragment = mcp.problem("switch_project", Map.of("projectId", project, "fragmentId", fragment));
            assertEquals(403, deniedFragment.get("status").asInt(), deniedFragment.toString());
            assertTrue(mcp.json("sandbox_status", Map.of()).get("sandbox").isNull(), "the stranger got no sandbox");
            assertEquals(0, mcp.json("list_projects", Map.of()).size());
            // The file and command tools reach the caller's own sandbox only, and the stranger has none.
            assertEquals(404, mcp.problem("read_file", Map.of("path", "secret.txt")).get("status").asInt());
            assertEquals(404, mcp.problem("list_files", Map.of()).get("status").asInt());
            assertEquals(404, mcp.problem("write_file", Map.of("path", "secret.txt", "content", "pwned")).get("status").asInt());
            assertEquals(404, mcp.problem("exec", Map.of("command", "cat secret.txt")).get("status").asInt());
            assertEquals(404, mcp.problem("save", Map.of()).get("status").asInt());
        } finally {
            owner.req().post("/api/cleanup-sandboxes").then().statusCode(200);
        }
        owner.req().get("/api/projects/" + project + "/fragments").then().statusCode(200).body("size()", equalTo(1));
    }

    @Test
    void failuresAreToolErrorsWithTheProblem() {
        try (McpTestClient mcp = McpTestClient.of(root, Tokens.user("mcp-errors"))) {
            JsonNode noSandbox = mcp.problem("save", Map.of());
            assertEquals(404, noSandbox.get("status").asInt());
            assertEquals("You have no live sandbox", noSandbox.get("detail").asText());
            JsonNode unknown = mcp.problem("switch_project", Map.of("projectId", "not-a-uuid"));
            assertEquals(4, unknown.get("status").asInt() / 100, unknown.toString());
            // Arguments are checked against the input schema: a missing one is a tool error, not a protocol failure.
            McpSchema.CallToolResult missing = mcp.call("switch_project", Map.of());
            assertTrue(missing.isError());
            assertTrue(McpTestClient.textOf(missing).contains("projectId"), McpTestClient.textOf(missing));
        }
    }

    @Test
    void withoutOrWithABadTokenTheClientIsRefusedWith401() {
        for (String token : new String[] { null, Tokens.expired("mcp-x"), Tokens.foreignKey("mcp-x"),
                Tokens.tampered("mcp-x", "mcp-y"), "not-a-jwt" }) {
            try (McpTestClient mcp = McpTestClient.of(root, token)) {
                RuntimeException e = assertThrows(RuntimeException.class, mcp.client::initialize);
                McpHttpClientTransportAuthorizationException auth = authorizationFailure(e);
                assertEquals(401, auth.getResponseInfo().statusCode());
            }
        }
    }

    @Test
    void aToolCallWithoutOrWithABadTokenIs401AndActsOnNothing() {
        Api user = Api.newUser("mcp-raw");
        String project = user.createProject("app");
        String call = """
                {"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"switch_project","arguments":{"projectId":"%s"}}}"""
                .formatted(project);
        given().contentType("application/json").accept("application/json, text/event-stream").body(call)
                .post("/mcp").then().statusCode(401).contentType("application/problem+json")
                .body("status", equalTo(401)).body(not(containsString("Exception")));
        given().header("Authorization", "Bearer " + Tokens.expired(user.userId)).contentType("application/json")
                .accept("application/json, text/event-stream").body(call).post("/mcp").then().statusCode(401);
        user.req().get("/api/active-fragment").then().statusCode(204);
    }

    @Test
    void aToolCallNeedsNoSessionOrInitializeFirst() {
        Api user = Api.newUser("mcp-stateless");
        String project = user.createProject("app");
        given().header("Authorization", "Bearer " + user.token()).contentType("application/json")
                .accept("application/json, text/event-stream")
                .body("{\"jsonrpc\":\"2.0\",\"id\":\"a1\",\"method\":\"tools/call\",\"params\":{\"name\":\"list_projects\"}}")
                .post("/mcp").then().statusCode(200).contentType("application/json")
                .header("Mcp-Session-Id", nullValue())
                .body("id", equalTo("a1"))
                .body("result.isError", equalTo(false))
                .body("result.content[0].type", equalTo("text"))
                .body("result.content[0].text", containsString(project));
    }

    @Test
    void protocolErrorsAreJsonRpcErrors() {
        String token = Tokens.user("mcp-rpc");
        Map<String, Integer> codes = Map.of(
                "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{}}", McpSchema.ErrorCodes.INVALID_PARAMS,
                "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"rm_rf\"}}", McpSchema.ErrorCodes.INVALID_PARAMS,
                "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"resources/list\"}", McpSchema.ErrorCodes.METHOD_NOT_FOUND);
        codes.forEach((body, code) -> given().header("Authorization", "Bearer " + token).contentType("application/json")
                .body(body).post("/mcp").then().statusCode(200).body("id", equalTo(7)).body("error.code", equalTo(code)));
        // A notification is accepted with no body.
        given().header("Authorization", "Bearer " + token).contentType("application/json")
                .body("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}").post("/mcp").then().statusCode(202);
    }

    @Test
    void aBodyThatIsNotOneJsonRpcMessageIs400AndGetIs405() {
        String token = Tokens.user("mcp-raw2");
        for (String body : new String[] { "{not json", "[]", "{\"jsonrpc\":\"2.0\"}" }) {
            given().header("Authorization", "Bearer " + token).contentType("application/json").body(body)
                    .post("/mcp").then().statusCode(400).body("error.code", equalTo(McpSchema.ErrorCodes.PARSE_ERROR));
        }
        given().header("Authorization", "Bearer " + token).accept("text/event-stream").get("/mcp").then().statusCode(405);
    }

    /** Listing entries as {@code path:type:size}. */
    private static List<String> entries(JsonNode listing) {
        List<String> out = new java.util.ArrayList<>();
        listing.forEach(e -> out.add(e.get("path").asText() + ":" + e.get("type").asText() + ":" + e.get("size").asText()));
        return out;
    }

    private static void assertSchema(McpSchema.Tool tool, Set<String> properties, List<String> required) {
        Map<String, Object> schema = tool.inputSchema();
        assertEquals("object", schema.get("type"), tool.name());
        @SuppressWarnings("unchecked")
        Map<String, Object> props = (Map<String, Object>) schema.get("properties");
        assertEquals(properties, props.keySet(), tool.name());
        assertEquals(required, schema.getOrDefault("required", List.of()), tool.name());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> property(McpSchema.Tool tool, String name) {
        return (Map<String, Object>) ((Map<String, Object>) tool.inputSchema().get("properties")).get(name);
    }

    private static McpHttpClientTransportAuthorizationException authorizationFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof McpHttpClientTransportAuthorizationException auth) {
                return auth;
            }
        }
        throw new AssertionError("not an authorization failure", e);
    }
}
