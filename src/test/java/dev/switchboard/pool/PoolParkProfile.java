package dev.switchboard.pool;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/** Local sandboxes with a warm pool of 5 and parking on (at most 2 parked per user): the pool and park tests share it. */
public class PoolParkProfile implements QuarkusTestProfile {

    /** Parking on, and a 2 s reconcile grace so a test can show the reconciler leaves parked sandboxes alone. */
    public static final Map<String, String> PARKING = Map.of("switchboard.switch.park", "pause",
            "switchboard.switch.parked-per-user", "2", "switchboard.reconcile.grace", "2s");

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> config = new java.util.HashMap<>(PARKING);
        config.put("switchboard.pool.size", "5");
        return config;
    }
}
