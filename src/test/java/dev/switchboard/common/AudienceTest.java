package dev.switchboard.common;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.switchboard.support.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** With {@code mp.jwt.verify.audiences} configured (as production requires), a token for another audience is 401. */
@QuarkusTest
@TestProfile(AudienceTest.WithAudience.class)
class AudienceTest {

    public static class WithAudience implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("mp.jwt.verify.audiences", "switchboard");
        }
    }

    @Test
    void aTokenForAnotherAudienceIsRefused() {
        for (String token : new String[] { Tokens.withAudience("aud-alice", "another-app"), Tokens.user("aud-alice") }) {
            given().header("Authorization", "Bearer " + token).get("/api/projects").then()
                    .statusCode(401).contentType("application/problem+json").body("status", equalTo(401));
        }
        given().header("Authorization", "Bearer " + Tokens.withAudience("aud-alice", "switchboard"))
                .get("/api/projects").then().statusCode(200);
    }

    @Test
    void theMcpEndpointAppliesTheSameAudienceRule() {
        String initialize = """
                {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},\
                "clientInfo":{"name":"t","version":"1"}}}""";
        for (String token : new String[] { Tokens.withAudience("aud-alice", "another-app"), Tokens.user("aud-alice") }) {
            given().header("Authorization", "Bearer " + token).contentType("application/json")
                    .accept("application/json, text/event-stream").body(initialize).post("/mcp").then()
                    .statusCode(401).contentType("application/problem+json");
        }
        given().header("Authorization", "Bearer " + Tokens.withAudience("aud-alice", "switchboard"))
                .contentType("application/json").accept("application/json, text/event-stream").body(initialize)
                .post("/mcp").then().statusCode(200).body("result.serverInfo.name", equalTo("switchboard"));
    }
}
