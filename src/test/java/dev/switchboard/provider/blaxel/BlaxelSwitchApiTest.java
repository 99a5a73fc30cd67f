package dev.switchboard.provider.blaxel;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.inject.Inject;

import org.jboss.logging.Logger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.switchboard.fake.blaxel.BlaxelBackdoor;
import dev.switchboard.fake.blaxel.BlaxelFake;
import dev.switchboard.fake.blaxel.BlaxelProfile;
import dev.switchboard.fake.blaxel.InjectBlaxelFake;
import dev.switchboard.provider.SandboxMetadata;
import dev.switchboard.support.Api;
import dev.switchboard.support.SandboxBackdoor;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.smallrye.common.annotation.Identifier;

/**
 * The public API end to end with the blaxel provider, beyond {@link BlaxelSwitchSuiteTest}: Blaxel's URLs, the
 * request count of a large restore, an outage during a switch, and quota.
 */
@QuarkusTest
@TestProfile(BlaxelProfile.class)
class BlaxelSwitchApiTest {

    private static final Logger LOG = Logger.getLogger(BlaxelSwitchApiTest.class);

    @InjectBlaxelFake
    BlaxelFake fake;

    @Inject
    @Identifier("blaxel")
    BlaxelSandboxProvider provider;

    private SandboxBackdoor backdoor;

    @BeforeEach
    void reset() {
        fake.reset();
        BlaxelTesting.awaitBreakerClosed(provider);
        backdoor = new BlaxelBackdoor(fake, "/blaxel/app");
    }

    @Test
    void switchRestoresSavesBackAndRetiresTheOldSandbox() {
        Api alice = Api.newUser("bx-alice");
        String shop = alice.createProject("shop");
        String blog = alice.createProject("blog");
        alice.addFragment(shop, Map.of("index.html", "<h1>shop</h1>", "assets/app.js", "let a=1"));
        alice.addFragment(blog, Map.of("index.html", "<h1>blog</h1>"));

        JsonPath first = alice.switchTo(shop).statusCode(200).body("result.restoredFiles", equalTo(2)).extract().jsonPath();
        String shopId = first.getString("result.sandboxId");
        assertEquals(fake.sandboxUrl(shopId), first.getString("result.sandboxUrl"));
        assertEquals(Optional.of("<h1>shop</h1>"), backdoor.read(shopId, null, "index.html"));
        assertEquals(Optional.of("let a=1"), backdoor.read(shopId, null, "assets/app.js"));
        alice.req().get("/api/sandbox/init").then().statusCode(200)
                .body("sandbox.sandboxId", equalTo(shopId))
                .body("sandbox.mcpServerUrl", equalTo(fake.sandboxUrl(shopId) + "/mcp"))
                .body("sandbox.status", equalTo("active"));

        // Edited inside the sandbox, then saved back by the next switch.
        backdoor.write(shopId, "notes.txt", "edited in the sandbox");
        String blogId = alice.switchTo(blog).statusCode(200).extract().path("result.sandboxId");
        assertNotEquals(shopId, blogId);
        assertEquals(Optional.of("<h1>blog</h1>"), backdoor.read(blogId, null, "index.html"));
        assertFalse(backdoor.reachable(shopId, null), "the old sandbox is deleted");
        List<Map<String, Object>> fragments = alice.req().get("/api/projects/" + shop + "/fragments").then().statusCode(200)
                .extract().jsonPath().getList("$");
        assertEquals(2, fragments.size());
        assertEquals(3, fragments.get(0).get("fileCount"), "the saved-back fragment is the newest");
        assertEquals(List.of(blogId), provider.list(Map.of(SandboxMetadata.OWNER, alice.userId)).await()
                .atMost(BlaxelTesting.WAIT).stream().map(i -> i.id()).toList());
    }

    @Test
    void aFiveHundredFileFragmentIsRestoredInAtMostThreeDataPlaneRequests() {
        Api bob = Api.newUser("bx-bob");
        String p = bob.createProject("big");
        Map<String, String> files = new LinkedHashMap<>();
        for (int i = 0; i < 500; i++) {
            files.put("src/module-" + (i % 10) + "/file-" + i + ".js", "export const v" + i + " = " + i + ";\n".repeat(10));
        }
        bob.addFragment(p, files);
        String id = bob.switchTo(p).statusCode(200).body("result.restoredFiles", equalTo(500)).extract().path("result.sandboxId");
        int requests = fake.dataPlaneRequests(id);
        LOG.infof("500-file restore: %d data-plane request(s), %d tree write(s)", requests, fake.requests(BlaxelFake.TREE_WRITE));
        assertTrue(requests <= 3, requests + " data-plane requests");
        files.forEach((path, content) -> assertEquals(Optional.of(content), backdoor.read(id, null, path), path));
    }

    @Test
    void providerDownForTheWholeSwitchIs503AndKeepsThePreviousState() {
        Api carol = Api.newUser("bx-carol");
        String a = carol.createProject("a");
        String b = carol.createProject("b");
        carol.addFragment(a, Map.of("index.html", "a"));
        carol.addFragment(b, Map.of("index.html", "b"));
        String before = carol.switchTo(a).statusCode(200).extract().path("result.sandboxId");

        fake.failNext("*", 10_000, 503, null);
        carol.switchTo(b).statusCode(503).contentType("application/problem+json")
                .header("Retry-After", notNullValue()).body("status", equalTo(503));

        fake.clearFaults();
        BlaxelTesting.awaitBreakerClosed(provider);
        carol.req().get("/api/sandbox/init").then().statusCode(200).body("sandbox.sandboxId", equalTo(before));
        assertTrue(backdoor.reachable(before, null), "the previous sandbox was not killed");
        assertEquals(Optional.of("a"), backdoor.read(before, null, "index.html"));
        assertEquals(1, fake.sandboxes().size(), "and no new one was left behind");
    }

    @Test
    void aSwitchWhoseCreateAnswerWasLostUsesTheOneSandboxBlaxelMade() {
        Api erin = Api.newUser("bx-erin");
        String p = erin.createProject("p");
        erin.addFragment(p, Map.of("index.html", "p"));
        fake.dropNextAfterProcessing(BlaxelFake.CREATE, 1);
        String id = erin.switchTo(p).statusCode(200).extract().path("result.sandboxId");
        assertEquals(1, fake.requests(BlaxelFake.CREATE), "found by name, not created again");
        assertEquals(List.of(id), sandboxesOf(erin), "exactly one sandbox for the switch, and the switch uses it");
        assertEquals(Optional.of("p"), backdoor.read(id, null, "index.html"));
    }

    @Test
    void aSwitchWhoseCreateWasCutOffBeforeBlaxelActedCreatesOnceUnderTheSameName() {
        Api frank = Api.newUser("bx-frank");
        String p = frank.createProject("p");
        frank.addFragment(p, Map.of("index.html", "p"));
        fake.dropNext(BlaxelFake.CREATE, 1);
        String id = frank.switchTo(p).statusCode(200).extract().path("result.sandboxId");
        assertEquals(2, fake.requests(BlaxelFake.CREATE), "looked up by name, then sent again");
        assertEquals(List.of(id), sandboxesOf(frank));
        assertEquals(Optional.of("p"), backdoor.read(id, null, "index.html"));
    }

    private List<String> sandboxesOf(Api user) {
        return fake.sandboxes().stream()
                .filter(s -> user.userId.equals(BlaxelMapping.decodeLabels(s.labels()).get(SandboxMetadata.OWNER)))
                .map(BlaxelFake.SandboxView::name).toList();
    }

    @Test
    void quotaExceededIsA429AndLeavesNothingBehind() {
        Api dave = Api.newUser("bx-dave");
        String p = dave.createProject("p");
        dave.addFragment(p, Map.of("index.html", "x"));
        fake.quotaExceededNext(1);
        dave.switchTo(p).statusCode(429).contentType("application/problem+json")
                .header("Retry-After", notNullValue()).body("status", equalTo(429));
        assertEquals(1, fake.requests(BlaxelFake.CREATE), "QUOTA_EXCEEDED is not retried");
        assertTrue(fake.sandboxes().isEmpty());
        dave.req().get("/api/sandbox/init").then().statusCode(200).body("sandbox", equalTo(null));
    }
}
