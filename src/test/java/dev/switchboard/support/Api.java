package dev.switchboard.support;

import static io.restassured.RestAssured.given;

import java.util.Map;
import java.util.UUID;

import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;

/** A test user calling the API with their own token. */
public final class Api {

    public final String userId;
    private final String token;

    private Api(String userId) {
        this.userId = userId;
        this.token = Tokens.user(userId);
    }

    /** A fresh user with a unique id, so tests sharing the database never see each other's rows. */
    public static Api newUser(String prefix) {
        return new Api(prefix + "-" + UUID.randomUUID().toString().substring(0, 8));
    }

    public String token() {
        return token;
    }

    public RequestSpecification req() {
        return given().header("Authorization", "Bearer " + token).contentType(ContentType.JSON);
    }

    public String createProject(String name) {
        return req().body(Map.of("name", name)).post("/api/projects").then().statusCode(201).extract().path("id");
    }

    public String addFragment(String projectId, Map<String, String> files) {
        return req().body(Map.of("title", "t", "files", files)).post("/api/projects/" + projectId + "/fragments")
                .then().statusCode(201).extract().path("id");
    }

    public ValidatableResponse switchTo(String projectId) {
        return req().body(Map.of("projectId", projectId)).post("/api/switch-project").then();
    }

    public ValidatableResponse switchTo(String projectId, String fragmentId) {
        return req().body(Map.of("projectId", projectId, "fragmentId", fragmentId)).post("/api/switch-project").then();
    }
}
