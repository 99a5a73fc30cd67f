package dev.switchboard.project;

import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.switchboard.support.Api;
import dev.switchboard.support.RawHttp;
import io.quarkus.test.junit.QuarkusTest;

/** Projects, members and fragments through the HTTP API, including every rule that rejects bad input. */
@QuarkusTest
class ProjectApiTest {

    @Test
    void createGetAndListProjects() {
        Api alice = Api.newUser("alice");
        String id = alice.req().body(Map.of("name", "Airbnb clone", "template", "local")).post("/api/projects")
                .then().statusCode(201)
                .header("Location", containsString("/api/projects/"))
                .body("name", equalTo("Airbnb clone"))
                .body("ownerId", equalTo(alice.userId))
                .body("template", equalTo("local"))
                .body("createdAt", notNullValue())
                .extract().path("id");
        alice.req().get("/api/projects/" + id).then().statusCode(200).body("id", equalTo(id));
        alice.createProject("second");
        alice.req().get("/api/projects").then().statusCode(200).body("name", contains("Airbnb clone", "second"));
    }

    @Test
    void unknownOrMalformedIdsAre404() {
        Api alice = Api.newUser("alice");
        alice.req().get("/api/projects/00000000-0000-0000-0000-000000000000").then().statusCode(404)
                .contentType("application/problem+json");
        alice.req().get("/api/projects/not-a-uuid").then().statusCode(404);
        String p = alice.createProject("p");
        alice.req().get("/api/projects/" + p + "/fragments/00000000-0000-0000-0000-000000000000").then().statusCode(404);
    }

    @Test
    void fragmentsListNewestFirstWithoutBodiesAndGetReturnsFiles() {
        Api alice = Api.newUser("alice");
        String p = alice.createProject("p");
        String first = alice.addFragment(p, Map.of("index.html", "one"));
        String second = alice.addFragment(p, Map.of("index.html", "two", "src/app.js", "console.log(2)"));
        alice.req().get("/api/projects/" + p + "/fragments").then().statusCode(200)
                .body("id", contains(second, first))
                .body("[0].fileCount", equalTo(2))
                .body("[0]", not(hasKey("files")));
        alice.req().get("/api/projects/" + p + "/fragments/" + first).then().statusCode(200)
                .body("files.'index.html'", equalTo("one"))
                .body("projectId", equalTo(p));
    }

    @Test
    void fragmentOfAnotherProjectIs404() {
        Api alice = Api.newUser("alice");
        String p1 = alice.createProject("p1");
        String p2 = alice.createProject("p2");
        String f1 = alice.addFragment(p1, Map.of("a.txt", "a"));
        alice.req().get("/api/projects/" + p2 + "/fragments/" + f1).then().statusCode(404);
        alice.switchTo(p2, f1).statusCode(404);
    }

    @Test
    void teamRoles() {
        Api owner = Api.newUser("owner");
        Api editor = Api.newUser("editor");
        Api viewer = Api.newUser("viewer");
        String p = owner.createProject("team");
        owner.req().body(Map.of("userId", editor.userId, "role", "editor")).post("/api/projects/" + p + "/members")
                .then().statusCode(204);
        owner.req().body(Map.of("userId", viewer.userId, "role", "viewer")).post("/api/projects/" + p + "/members")
                .then().statusCode(204);

        // Members see the project in their list.
        viewer.req().get("/api/projects").then().statusCode(200).body("id", contains(p));
        // Editors add fragments; viewers cannot.
        editor.addFragment(p, Map.of("index.html", "by editor"));
        viewer.req().body(Map.of("files", Map.of("x.txt", "x"))).post("/api/projects/" + p + "/fragments")
                .then().statusCode(403).contentType("application/problem+json");
        viewer.req().get("/api/projects/" + p + "/fragments").then().statusCode(200).body("size()", equalTo(1));
        // Only the owner adds members.
        editor.req().body(Map.of("userId", "someone", "role", "viewer")).post("/api/projects/" + p + "/members")
                .then().statusCode(403);
        // A bad role is a 400 that changes nothing.
        owner.req().body(Map.of("userId", viewer.userId, "role", "admin")).post("/api/projects/" + p + "/members")
                .then().statusCode(400).body("detail", containsString("role"));
        viewer.req().body(Map.of("files", Map.of("x.txt", "x"))).post("/api/projects/" + p + "/fragments")
                .then().statusCode(403);
    }

    /**
     * The access check is one query (the project with the caller's own membership): someone else's membership grants
     * nothing, a membership in one project grants nothing in another, role changes apply at once.
     */
    @Test
    void accessIsTheCallersOwnMembershipOfThatProject() {
        Api owner = Api.newUser("owner");
        Api member = Api.newUser("member");
        Api stranger = Api.newUser("stranger");
        String p = owner.createProject("shared");
        String other = owner.createProject("not shared");
        String f = owner.addFragment(p, Map.of("index.html", "v1"));
        owner.req().body(Map.of("userId", member.userId, "role", "viewer")).post("/api/projects/" + p + "/members")
                .then().statusCode(204);

        // A project with members is still 403 to everyone else, and unknown projects stay 404 whoever asks.
        stranger.req().get("/api/projects/" + p).then().statusCode(403);
        stranger.req().get("/api/projects/" + p + "/fragments/" + f).then().statusCode(403);
        stranger.switchTo(p).statusCode(403);
        member.req().get("/api/projects/" + other).then().statusCode(403);
        member.req().get("/api/projects/00000000-0000-0000-0000-000000000000").then().statusCode(404);
        member.req().get("/api/projects").then().statusCode(200).body("id", contains(p));

        // The viewer reads but cannot write; promoted, they can; demoted again, they cannot.
        member.req().get("/api/projects/" + p).then().statusCode(200).body("ownerId", equalTo(owner.userId));
        member.req().body(Map.of("files", Map.of("x.txt", "x"))).post("/api/projects/" + p + "/fragments")
                .then().statusCode(403);
        owner.req().body(Map.of("userId", member.userId, "role", "editor")).post("/api/projects/" + p + "/members")
                .then().statusCode(204);
        member.addFragment(p, Map.of("index.html", "v2"));
        owner.req().body(Map.of("userId", member.userId, "role", "viewer")).post("/api/projects/" + p + "/members")
                .then().statusCode(204);
        member.req().body(Map.of("files", Map.of("x.txt", "x"))).post("/api/projects/" + p + "/fragments")
                .then().statusCode(403);
        owner.req().get("/api/projects/" + p + "/fragments").then().body("size()", equalTo(2));

        // The owner is not a member of their own project; members are added by the owner only, in known projects.
        owner.req().body(Map.of("userId", owner.userId, "role", "editor")).post("/api/projects/" + p + "/members")
                .then().statusCode(400);
        owner.req().body(Map.of("userId", member.userId, "role", "editor"))
                .post("/api/projects/00000000-0000-0000-0000-000000000000/members").then().statusCode(404);
        owner.req().body(Map.of("userId", member.userId, "role", "editor")).post("/api/projects/not-a-uuid/members")
                .then().statusCode(404);
        owner.req().get("/api/projects").then().body("id", contains(p, other));
    }

    @Test
    void aMemberAddedBeforeTheirFirstCallSeesTheProject() {
        Api owner = Api.newUser("owner");
        Api newcomer = Api.newUser("newcomer"); // no call yet: no row in users
        String p = owner.createProject("welcome");
        owner.req().body(Map.of("userId", newcomer.userId, "role", "editor")).post("/api/projects/" + p + "/members")
                .then().statusCode(204);
        newcomer.req().get("/api/projects").then().statusCode(200).body("id", contains(p));
        newcomer.addFragment(p, Map.of("index.html", "hello"));
    }

    @ParameterizedTest
    @ValueSource(strings = { "../x", "/etc/passwd", "a/../../b", "a\u0000b", "a\\..\\b", "./a", "a//b", "a/",
            "", "a/./b", "..", "line\nbreak", "a\u0085b" })
    void unsafePathsAre400AndStoreNothing(String path) {
        Api alice = Api.newUser("alice");
        String p = alice.createProject("p");
        Map<String, String> files = new HashMap<>();
        files.put("index.html", "ok");
        files.put(path, "evil");
        alice.req().body(Map.of("files", files)).post("/api/projects/" + p + "/fragments").then()
                .statusCode(400).contentType("application/problem+json").body("status", equalTo(400));
        alice.req().get("/api/projects/" + p + "/fragments").then().body("size()", equalTo(0));
    }

    @Test
    void tooLongPathAndFileDirectoryClashAre400() {
        Api alice = Api.newUser("alice");
        String p = alice.createProject("p");
        alice.req().body(Map.of("files", Map.of("a".repeat(513), "x"))).post("/api/projects/" + p + "/fragments")
                .then().statusCode(400);
        alice.req().body(Map.of("files", Map.of("a", "file", "a/b", "also a dir"))).post("/api/projects/" + p + "/fragments")
                .then().statusCode(400).body("detail", containsString("both a file and a directory"));
        alice.req().get("/api/projects/" + p + "/fragments").then().body("size()", equalTo(0));
    }

    @Test
    void malformedBodiesAre400() {
        Api alice = Api.newUser("alice");
        alice.req().body("{\"name\": ").post("/api/projects").then().statusCode(400).contentType("application/problem+json");
        alice.req().body(Map.of("template", "x")).post("/api/projects").then().statusCode(400)
                .body("detail", containsString("name"));
        alice.req().body("{\"name\": \"   \"}").post("/api/projects").then().statusCode(400);
        String p = alice.createProject("p");
        alice.req().body("{\"files\": [1,2]}").post("/api/projects/" + p + "/fragments").then().statusCode(400);
        alice.req().body("{\"files\": {\"a.txt\": null}}").post("/api/projects/" + p + "/fragments").then().statusCode(400);
        alice.req().body("{}").post("/api/projects/" + p + "/fragments").then().statusCode(400);
        alice.req().body(Map.of("fragmentId", "x")).post("/api/switch-project").then().statusCode(400);
        alice.req().get("/api/projects").then().body("size()", equalTo(1));
    }

    @Test
    void limits() {
        Api alice = Api.newUser("alice");
        String p = alice.createProject("p");
        Map<String, String> many = new HashMap<>();
        for (int i = 0; i < 2001; i++) {
            many.put("f" + i + ".txt", "x");
        }
        alice.req().body(Map.of("files", many)).post("/api/projects/" + p + "/fragments").then().statusCode(413)
                .contentType("application/problem+json");
        String sixMiB = "x".repeat(6 * 1024 * 1024);
        alice.req().body(Map.of("files", Map.of("big.txt", sixMiB))).post("/api/projects/" + p + "/fragments")
                .then().statusCode(413);
        // 19 MiB in four files is within every limit.
        String chunk = "y".repeat(19 * 1024 * 1024 / 4);
        Map<String, String> nineteen = Map.of("a.txt", chunk, "b.txt", chunk, "c.txt", chunk, "d.txt", chunk);
        String id = alice.addFragment(p, nineteen);
        // 30 MiB is over the body limit: refused from the Content-Length, before the body is read or parsed.
        String answer = RawHttp.postHead("/api/projects/" + p + "/fragments", alice.token(), 30L * 1024 * 1024);
        assertTrue(answer.startsWith("HTTP/1.1 413"), answer);
        assertTrue(answer.contains("application/problem+json"), answer);
        alice.req().get("/api/projects/" + p + "/fragments").then().body("id", equalTo(List.of(id)));
    }

    /** Without configured templates the provider's default is the only one (named "local" on the local provider). */
    @Test
    void onlyTheConfiguredTemplateCanBeNamed() {
        Api alice = Api.newUser("alice");
        alice.req().body(Map.of("name", "p", "template", "nextjs")).post("/api/projects").then().statusCode(400)
                .contentType("application/problem+json").body("detail", containsString("configured: local"));
        alice.req().get("/api/projects").then().body("size()", equalTo(0));
        alice.req().get("/api/templates").then().statusCode(200).body("name", equalTo(List.of("local")))
                .body("default", equalTo(List.of(true)));
    }

    /** Many tiny keys: a 413 problem at the first key over the file limit (FragmentBodyTest shows it stops reading there). */
    @Test
    void aBodyOfManyTinyKeysIs413() {
        Api alice = Api.newUser("alice");
        String p = alice.createProject("p");
        byte[] body = FragmentBodyTest.tinyKeys(200_000);
        alice.req().body(body).post("/api/projects/" + p + "/fragments").then().statusCode(413)
                .contentType("application/problem+json").body("detail", containsString("at most 2000 files"));
        alice.req().body(Map.of("title", "t".repeat(501), "files", Map.of("a", "b"))).post("/api/projects/" + p + "/fragments")
                .then().statusCode(400).body("detail", containsString("title"));
        alice.req().get("/api/projects/" + p + "/fragments").then().body("size()", equalTo(0));
    }

    @Test
    void projectWithoutFragmentsHasNoActiveFragment() {
        Api alice = Api.newUser("alice");
        alice.req().get("/api/active-fragment").then().statusCode(204);
        alice.req().get("/api/sandbox/init").then().statusCode(200).body("sandbox", nullValue());
    }
}
