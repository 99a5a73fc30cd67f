package dev.switchboard.pool;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/** Local sandboxes with a warm pool of 5 and parking on (at most 2 parked per user): the pool and park tests share it. */
public class PoolParkProfile implements QuarkusTestProfile {

    public static final Map<String, String> PARKING = Map.of("switchboard.switch.park", "pause",
            "switchboard.switch.parked-per-user", "2");

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("switchboard.pool.size", "5", "switchboard.switch.park", "pause",
                "switchboard.switch.parked-per-user", "2");
    }
}
