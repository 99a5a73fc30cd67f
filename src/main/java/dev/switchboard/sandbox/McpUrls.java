package dev.switchboard.sandbox;

import java.net.URI;

import jakarta.enterprise.context.ApplicationScoped;

import dev.switchboard.common.SwitchboardConfig;

/**
 * The {@code mcpServerUrl} handed out: Switchboard's own {@code /mcp} (local and E2B sandboxes serve none), or the
 * sandbox's own where it has one (Blaxel) while {@code switchboard.mcp.prefer-own} is true.
 */
@ApplicationScoped
public class McpUrls {

    private final SwitchboardConfig config;

    public McpUrls(SwitchboardConfig config) {
        this.config = config;
    }

    /**
     * The MCP URL for a live sandbox whose own MCP URL is {@code own} (null: none). {@code requestBase} is the calling
     * request's base URI, used when {@code switchboard.public-url} is not set.
     */
    public String of(String own, URI requestBase) {
        if (own != null && config.mcp().preferOwn()) {
            return own;
        }
        return switchboardMcp(requestBase);
    }

    /** Switchboard's own MCP endpoint. */
    public String switchboardMcp(URI requestBase) {
        String base = config.publicUrl().map(URI::toString).orElse(requestBase == null ? "" : requestBase.toString());
        return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/mcp";
    }

    /** The view with its MCP URL resolved; a stopped (or absent) sandbox has none. */
    public SwitchDtos.SandboxView resolve(SwitchDtos.SandboxView view, URI requestBase) {
        return view == null || "stopped".equals(view.status()) ? view : view.withMcpServerUrl(of(view.mcpServerUrl(), requestBase));
    }
}
