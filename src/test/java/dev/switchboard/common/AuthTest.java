package dev.switchboard.common;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.containsString;

import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import dev.switchboard.support.Api;
import dev.switchboard.support.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/** JWT checks: every bad token is a 401 problem+json; another user's project is 403. */
@QuarkusTest
class AuthTest {

    @ParameterizedTest
    @ValueSource(strings = { "/api/projects", "/api/active-fragment", "/api/cleanup-sandboxes", "/api/sandbox/init" })
    void missingTokenIs401ProblemJson(String path) {
        given().get(path).then().statusCode(401)
                .contentType("application/problem+json")
                .body("status", equalTo(401))
                .body("title", equalTo("Unauthorized"))
                .body(not(containsString("Exception")));
    }

    @Test
    void badTokensAre401() {
        String[] bad = {
                Tokens.expired("alice"),
                Tokens.wrongIssuer("alice"),
                Tokens.tampered("alice", "mallory"),
                Tokens.foreignKey("alice"),
                "not-a-jwt",
        };
        for (String token : bad) {
            given().header("Authorization", "Bearer " + token).get("/api/projects").then()
                    .statusCode(401).contentType("application/problem+json").body("status", equalTo(401));
        }
        // The same request with a good token passes, so the 401s above are about the tokens.
        given().header("Authorization", "Bearer " + Tokens.user("alice")).get("/api/projects").then().statusCode(200);
    }

    @Test
    void badTokenOnAWriteChangesNothing() {
        Api alice = Api.newUser("alice");
        given().header("Authorization", "Bearer " + Tokens.expired(alice.userId)).contentType(ContentType.JSON)
                .body(Map.of("name", "sneaky")).post("/api/projects").then().statusCode(401);
        alice.req().get("/api/projects").then().statusCode(200).body("size()", equalTo(0));
    }

    @Test
    void anotherUsersProjectIs403() {
        Api owner = Api.newUser("owner");
        Api stranger = Api.newUser("stranger");
        String projectId = owner.createProject("private");
        String fragmentId = owner.addFragment(projectId, Map.of("index.html", "secret"));

        stranger.req().get("/api/projects/" + projectId).then().statusCode(403).contentType("application/problem+json");
        stranger.req().get("/api/projects/" + projectId + "/fragments").then().statusCode(403);
        stranger.req().get("/api/projects/" + projectId + "/fragments/" + fragmentId).then().statusCode(403);
        stranger.switchTo(projectId).statusCode(403);
        stranger.req().body(Map.of("files", Map.of("a.txt", "x"))).post("/api/projects/" + projectId + "/fragments")
                .then().statusCode(403);
        stranger.req().body(Map.of("userId", stranger.userId, "role", "editor"))
                .post("/api/projects/" + projectId + "/members").then().statusCode(403);
        // Nothing the stranger tried was stored.
        owner.req().get("/api/projects/" + projectId + "/fragments").then().statusCode(200).body("size()", equalTo(1));
    }
}
