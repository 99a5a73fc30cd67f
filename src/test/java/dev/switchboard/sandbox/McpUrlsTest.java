package dev.switchboard.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.lang.reflect.Proxy;
import java.net.URI;
import java.time.Instant;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.switchboard.common.SwitchboardConfig;
import dev.switchboard.sandbox.SwitchDtos.SandboxView;

/** Which MCP URL a sandbox answer hands out: Switchboard's own unless the sandbox has one and it is preferred. */
class McpUrlsTest {

    private static final URI REQUEST = URI.create("http://10.0.0.7:8080/");

    private static McpUrls urls(String publicUrl, boolean preferOwn) {
        SwitchboardConfig.Mcp mcp = () -> preferOwn;
        SwitchboardConfig config = (SwitchboardConfig) Proxy.newProxyInstance(McpUrlsTest.class.getClassLoader(),
                new Class<?>[] { SwitchboardConfig.class }, (proxy, method, args) -> switch (method.getName()) {
                    case "publicUrl" -> Optional.ofNullable(publicUrl).map(URI::create);
                    case "mcp" -> mcp;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        return new McpUrls(config);
    }

    @Test
    void localAndE2bSandboxesGetSwitchboardsOwnMcpFromTheRequestOrThePublicUrl() {
        assertEquals("http://10.0.0.7:8080/mcp", urls(null, true).of(null, REQUEST));
        assertEquals("https://sb.example.com/mcp", urls("https://sb.example.com", true).of(null, REQUEST));
        assertEquals("https://sb.example.com/base/mcp", urls("https://sb.example.com/base/", true).of(null, REQUEST));
    }

    @Test
    void aSandboxWithItsOwnMcpKeepsItUnlessPreferOwnIsOff() {
        String own = "https://sbx-1.bl.run/mcp";
        assertEquals(own, urls(null, true).of(own, REQUEST));
        assertEquals("https://sb.example.com/mcp", urls("https://sb.example.com", false).of(own, REQUEST));
    }

    @Test
    void aStoppedSandboxHasNoMcpUrl() {
        SandboxView stopped = new SandboxView("s", null, null, Instant.EPOCH, Instant.EPOCH, Instant.EPOCH, "stopped");
        assertNull(urls(null, true).resolve(stopped, REQUEST).mcpServerUrl());
        assertNull(urls(null, true).resolve(null, REQUEST));
        SandboxView active = new SandboxView("s", "http://x", null, Instant.EPOCH, Instant.EPOCH, null, "active");
        assertEquals("http://10.0.0.7:8080/mcp", urls(null, true).resolve(active, REQUEST).mcpServerUrl());
    }
}
