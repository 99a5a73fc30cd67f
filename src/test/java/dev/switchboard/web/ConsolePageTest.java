package dev.switchboard.web;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

/** The console's page and its static files are served at {@code /} to anyone, with no token and no front-end build. */
@QuarkusTest
class ConsolePageTest {

    @Test
    void rootServesTheConsolePageWithoutAToken() {
        given().accept("text/html").when().get("/").then().statusCode(200)
                .contentType(startsWith("text/html"))
                .header("Content-Security-Policy", containsString("script-src 'self'"))
                .header("Cache-Control", "no-store")
                .body(containsString("<title>Switchboard console</title>"))
                .body(containsString("src=\"/console/console.js\""))
                .body(containsString("id=\"sandbox-status\""))
                // Tests and dev mode have /dev/token, so the page offers the dev sign-in.
                .body(containsString("data-dev-signin=\"true\""))
                .body(containsString("data-test=\"dev-signin\""))
                .body(not(containsString("{devSignIn}")));
    }

    @Test
    void withoutTheDevTokenEndpointThePageOffersNoDevSignIn() {
        String html = ConsoleResource.Templates.console(false).render();
        assertTrue(html.contains("data-test=\"token-signin\""), html);
        assertFalse(html.contains("data-test=\"dev-signin\""), html);
    }

    @Test
    void scriptsAndStyleAreStaticFiles() {
        given().when().get("/console/console.js").then().statusCode(200)
                .contentType(containsString("javascript")).body(containsString("from './api.js'"));
        given().when().get("/console/api.js").then().statusCode(200)
                .contentType(containsString("javascript")).body(containsString("text/event-stream"));
        given().when().get("/console/console.css").then().statusCode(200).contentType(startsWith("text/css"));
    }

    @Test
    void devSignInMintsATokenTheApiAccepts() {
        String token = given().queryParam("sub", "console-page").when().post("/dev/token").then().statusCode(200)
                .extract().asString();
        given().auth().oauth2(token).when().get("/api/projects").then().statusCode(200);
    }
}
