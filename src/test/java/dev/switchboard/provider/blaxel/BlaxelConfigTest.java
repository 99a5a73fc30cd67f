package dev.switchboard.provider.blaxel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.switchboard.common.SwitchboardConfig;

/** Configuration handling that needs no server: the fail-fast on a missing key and the headers sent. */
class BlaxelConfigTest {

    /** A config interface answering the named methods from {@code answers}; any other call fails the test. */
    @SuppressWarnings("unchecked")
    private static <T> T config(Class<T> type, Map<String, Object> answers) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] { type }, (proxy, method, args) -> {
            if (!answers.containsKey(method.getName())) {
                throw new AssertionError("unexpected config read: " + method.getName());
            }
            return answers.get(method.getName());
        });
    }

    private static BlaxelConfig withBlaxel(Optional<String> key, Optional<String> workspace) {
        return config(BlaxelConfig.class, Map.of("apiKey", key, "workspace", workspace));
    }

    @Test
    void aMissingApiKeyFailsFastWithAClearMessage() {
        for (Optional<String> key : new Optional[] { Optional.empty(), Optional.of("  ") }) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> new BlaxelSandboxProvider(config(SwitchboardConfig.class, Map.of()), withBlaxel(key, Optional.of("ws")), null, null, null));
            assertTrue(e.getMessage().contains("switchboard.blaxel.api-key"), e.getMessage());
            assertTrue(e.getMessage().contains("BL_API_KEY"), e.getMessage());
        }
    }

    @Test
    void everyRequestCarriesKeyWorkspaceAndVersion() {
        Map<String, String> headers = BlaxelClient.headers(withBlaxel(Optional.of("bl_secret"), Optional.of("my-ws")));
        assertEquals(Map.of("Authorization", "Bearer bl_secret", "X-Blaxel-Workspace", "my-ws", "Blaxel-Version", "2026-04-28"),
                headers);
        Map<String, String> noWorkspace = BlaxelClient.headers(withBlaxel(Optional.of("k"), Optional.empty()));
        assertFalse(noWorkspace.containsKey("X-Blaxel-Workspace"), "the workspace header is optional");
    }
}
