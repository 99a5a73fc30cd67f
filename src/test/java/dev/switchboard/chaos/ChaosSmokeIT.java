package dev.switchboard.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * A short chaos run against the packaged jar in {@code ./mvnw verify}: three replicas, 24 users, 20 % of creates and
 * kills failing for a while, a replica killed with kill -9 and restarted, a planted orphan. Every invariant the
 * command checks must hold; the figures are printed.
 */
class ChaosSmokeIT {

    @Test
    void invariantsHoldThroughFaultsAKillAndAnOrphan() throws Exception {
        ChaosReport r = ChaosRun.run("--seconds", "30", "--settle-seconds", "60", "--quiet");
        String why = String.join("; ", r.failures());
        assertTrue(r.stats().requests().size() > 100, "the users acted: " + r.stats().requests().size() + " requests");
        assertTrue(r.stats().requests().stream().anyMatch(q -> q.kind().equals("switch") && q.status() == 200), "some switches succeeded");
        assertEquals(0, r.violations(), why);
        assertEquals(0, r.end().leaks().size(), why);
        assertEquals(0, r.end().deadPointers().size(), why);
        assertEquals(0, r.end().wrongFiles().size(), why);
        assertTrue(r.atStop().filesVerified() > 0, "files were checked in recorded sandboxes");
        assertTrue(r.faults().values().stream().mapToInt(Integer::intValue).sum() > 0, "faults were injected: " + r.faults());
        assertNotNull(r.kill(), "a replica was killed");
        assertTrue(r.kill().readyAtMillis() > r.kill().atMillis(), "and came back: " + r.kill());
        assertTrue(r.orphanReaped(), why);
        assertTrue(r.end().allReady(), why);
        assertTrue(r.allGood(), why);
    }
}
