package dev.switchboard.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * A small run of the switch benchmark against the packaged jar: it checks that the bench works and that every switch
 * restores the right files; the figures are printed, never asserted (this machine's speed is not under test).
 */
class SwitchBenchSmokeIT {

    @Test
    void everySwitchSucceedsAndEveryRestoredFileVerifies() throws Exception {
        BenchReport r = SwitchBench.run("--users", "2", "--switches", "2", "--files", "5");
        assertEquals(4, r.attempted());
        assertEquals(4, r.ok(), () -> String.join("\n", r.errors()));
        assertEquals(0, r.failed(), () -> String.join("\n", r.errors()));
        // Warm-up switches are verified too but not counted: 4 measured switches of 5 files each.
        assertEquals(20, r.filesVerified());
        assertEquals(0, r.filesMismatched());
        assertEquals(0, r.oldSandboxesAlive());
        assertTrue(r.allGood());
        assertEquals(1.0, r.requestsPerSwitch().get("create"), "one create per switch");
        assertEquals(1.0, r.requestsPerSwitch().get("kill"), "one kill per switch");
    }
}
