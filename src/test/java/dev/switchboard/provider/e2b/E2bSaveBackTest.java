package dev.switchboard.provider.e2b;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.switchboard.fake.e2b.E2bBackdoor;
import dev.switchboard.fake.e2b.E2bFake;
import dev.switchboard.fake.e2b.E2bProfile;
import dev.switchboard.fake.e2b.InjectE2bFake;
import dev.switchboard.sandbox.SaveBackSuite;
import dev.switchboard.support.Api;
import dev.switchboard.support.SandboxBackdoor;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** The save-back suite on the E2B provider, against the fake whose sandboxes run real commands on real files. */
@QuarkusTest
@TestProfile(E2bProfile.class)
class E2bSaveBackTest extends SaveBackSuite {

    @InjectE2bFake
    E2bFake fake;

    @Override
    protected SandboxBackdoor backdoor() {
        return new E2bBackdoor(fake);
    }

    /** The incremental save-back of a 50-file project with 2 changed files, counted at the fake (issue target: ≤ 4). */
    @Test
    void anIncrementalSaveBackCostsThreeDataPlaneRequests() {
        Api user = Api.newUser("e2b-count");
        String project = user.createProject("app");
        Map<String, Object> files = new HashMap<>();
        for (int i = 0; i < 50; i++) {
            files.put("src/f" + i + ".js", "file " + i);
        }
        addFragment(user, project, files);
        String sandbox = user.switchTo(project).statusCode(200).extract().path("result.sandboxId");
        backdoor().writeBytes(sandbox, "src/f1.js", "changed".getBytes(StandardCharsets.UTF_8));
        backdoor().writeBytes(sandbox, "src/f2.js", "changed too".getBytes(StandardCharsets.UTF_8));

        int before = fake.dataPlaneRequests(sandbox);
        user.req().post("/api/sandbox/save").then().statusCode(200)
                .body("changedFiles", org.hamcrest.Matchers.equalTo(2));
        int requests = fake.dataPlaneRequests(sandbox) - before;
        System.out.println("E2B incremental save-back, 50 files, 2 changed: " + requests + " data-plane requests");
        assertTrue(requests <= 4, requests + " data-plane requests");
    }
}
