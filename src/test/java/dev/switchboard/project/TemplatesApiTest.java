package dev.switchboard.project;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.switchboard.fake.e2b.E2bFake;
import dev.switchboard.fake.e2b.E2bProfile;
import dev.switchboard.fake.e2b.InjectE2bFake;
import dev.switchboard.provider.SandboxMetadata;
import dev.switchboard.support.Api;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** Configured templates on E2B: only they can be named, they are listed without secrets, and a launch uses them. */
@QuarkusTest
@TestProfile(TemplatesApiTest.TwoTemplates.class)
class TemplatesApiTest {

    public static class TwoTemplates extends E2bProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>(super.getConfigOverrides());
            config.put("switchboard.templates.small.image", "e2b-small");
            config.put("switchboard.templates.big.image", "e2b-big");
            config.put("switchboard.templates.big.memory", "8192");
            config.put("switchboard.templates.big.cpu", "4");
            config.put("switchboard.templates.big.ports", "3000,5173");
            config.put("switchboard.templates.big.env.API_TOKEN", "hunter2");
            config.put("switchboard.sandbox.template", "small");
            return config;
        }
    }

    @InjectE2bFake
    E2bFake fake;

    @Test
    void theTemplatesAreListedWithoutEnvironmentValues() {
        Api alice = Api.newUser("tpl-lister");
        alice.req().get("/api/templates").then().statusCode(200)
                .body("name", equalTo(List.of("big", "small")))
                .body("default", equalTo(List.of(false, true)))
                .body("image", equalTo(List.of("e2b-big", "e2b-small")))
                .body("[0].memory", equalTo(8192)).body("[0].cpu", equalTo(4)).body("[0].ports", equalTo(List.of(3000, 5173)))
                .body("[0].envNames", equalTo(List.of("API_TOKEN")))
                .body(not(containsString("hunter2")));
        given().get("/api/templates").then().statusCode(401);
    }

    @Test
    void onlyAConfiguredTemplateCanBeNamed() {
        Api alice = Api.newUser("tpl-creator");
        alice.req().body(Map.of("name", "p", "template", "ubuntu:latest")).post("/api/projects").then().statusCode(400)
                .contentType("application/problem+json").body("detail", containsString("configured: big, small"));
        alice.req().body(Map.of("name", "p", "template", "e2b-big")).post("/api/projects").then().statusCode(400);
        alice.req().get("/api/projects").then().body("size()", equalTo(0));
        alice.req().body(Map.of("name", "p", "template", "big")).post("/api/projects").then().statusCode(201)
                .body("template", equalTo("big"));
    }

    @Test
    void aSwitchLaunchesTheProjectsTemplate() {
        Api bob = Api.newUser("tpl-switcher");
        String big = bob.req().body(Map.of("name", "big", "template", "big")).post("/api/projects").then().statusCode(201)
                .extract().path("id");
        String plain = bob.createProject("plain");
        bob.addFragment(big, Map.of("index.html", "big"));
        bob.addFragment(plain, Map.of("index.html", "plain"));

        String first = bob.switchTo(big).statusCode(200).extract().path("result.sandboxId");
        E2bFake.SandboxView view = fake.sandboxes().get(first);
        assertEquals("e2b-big", view.templateID());
        assertEquals("hunter2", view.envVars().get("API_TOKEN"));
        assertEquals(bob.userId, view.metadata().get(SandboxMetadata.OWNER));

        String second = bob.switchTo(plain).statusCode(200).extract().path("result.sandboxId");
        assertEquals("e2b-small", fake.sandboxes().get(second).templateID(), "no template: the default");
        bob.req().post("/api/cleanup-sandboxes").then().statusCode(200);
    }
}
