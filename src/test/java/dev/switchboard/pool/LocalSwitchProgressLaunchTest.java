package dev.switchboard.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.switchboard.lifecycle.LifecycleJobs;
import dev.switchboard.provider.SandboxProvider;
import dev.switchboard.support.Api;
import dev.switchboard.support.SseCall;
import dev.switchboard.support.SseCall.Event;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vertx.mutiny.sqlclient.Pool;

/** The switch event stream's {@code acquired} event names how the sandbox came: warm from the pool, or resumed when parked. */
@QuarkusTest
@TestProfile(PoolParkProfile.class)
class LocalSwitchProgressLaunchTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Inject
    LifecycleJobs jobs;
    @Inject
    SandboxProvider provider;
    @Inject
    Pool db;

    @AfterEach
    void drain() {
        for (String id : WarmPoolSuite.ids(db, "DELETE FROM pool_sandboxes RETURNING sandbox_id")) {
            provider.kill(id).await().atMost(WAIT);
        }
    }

    private static String launch(Api user, String project) {
        try (SseCall call = SseCall.post("/api/switch-project", user.token(), "{\"projectId\":\"" + project + "\"}")) {
            assertEquals(200, call.status);
            List<Event> events = call.all();
            assertEquals("result", events.get(events.size() - 1).name(), events.toString());
            String launch = events.stream().filter(e -> e.name().equals("acquired")).findFirst().orElseThrow().json()
                    .getString("launch");
            assertEquals(launch, events.get(events.size() - 1).json().getString("result.launch"));
            return launch;
        }
    }

    @Test
    void acquiredSaysWarmForAPoolSandboxAndResumedForAParkedOne() {
        jobs.refillPoolNow().await().atMost(WAIT);
        Api user = Api.newUser("launch");
        String shop = user.createProject("shop");
        String blog = user.createProject("blog");
        user.addFragment(shop, Map.of("index.html", "shop"));
        user.addFragment(blog, Map.of("index.html", "blog"));

        try {
            assertEquals("warm", launch(user, shop));
            launch(user, blog); // parks shop's sandbox
            assertEquals("resumed", launch(user, shop)); // and parks blog's
        } finally {
            // A parked sandbox is frozen, so it would never reach its own expiry: kill it (and the live one).
            user.req().post("/api/cleanup-sandboxes").then().statusCode(200);
        }
    }
}
