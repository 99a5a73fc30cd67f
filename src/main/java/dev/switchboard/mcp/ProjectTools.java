package dev.switchboard.mcp;

import static dev.switchboard.mcp.ToolKit.hints;
import static dev.switchboard.mcp.ToolKit.property;
import static dev.switchboard.mcp.ToolKit.schema;

import java.util.List;
import java.util.Map;

import jakarta.inject.Singleton;

import dev.switchboard.project.ProjectService;
import dev.switchboard.sandbox.McpUrls;
import dev.switchboard.sandbox.SandboxService;
import dev.switchboard.sandbox.SwitchDtos.SandboxStatusResponse;
import dev.switchboard.sandbox.SwitchDtos.SwitchResponse;
import dev.switchboard.sandbox.SwitchService;
import io.modelcontextprotocol.server.McpStatelessServerFeatures.AsyncToolSpecification;

/** The tools over the user's projects and sandbox as a whole: list, switch, status, save; the REST answers as JSON text. */
@Singleton
class ProjectTools {

    private final ToolKit kit;
    private final ProjectService projects;
    private final SwitchService switches;
    private final SandboxService sandboxes;
    private final McpUrls mcpUrls;

    ProjectTools(ToolKit kit, ProjectService projects, SwitchService switches, SandboxService sandboxes, McpUrls mcpUrls) {
        this.mcpUrls = mcpUrls;
        this.kit = kit;
        this.projects = projects;
        this.switches = switches;
        this.sandboxes = sandboxes;
    }

    List<AsyncToolSpecification> specifications() {
        return List.of(
                kit.tool("list_projects", "Lists your projects (owned or shared with you): id, name, ownerId, template, createdAt.",
                        schema(Map.of()), hints("List projects", true, false, true),
                        call -> projects.list(call.userId()).map(kit::json)),
                kit.tool("switch_project",
                        "Switches your one sandbox to a project: saves what changed in the current one, then loads the "
                                + "project's latest fragment (or the given one). Answers the sandbox id and URL and what was saved.",
                        schema(Map.of("projectId", property("string", "The project's id (from list_projects)"),
                                "fragmentId", property("string", "A fragment of that project; its latest when absent")),
                                "projectId"),
                        hints("Switch project", false, false, false),
                        call -> switches.switchUserToFragment(call.userId(), call.string("projectId"),
                                call.optionalString("fragmentId"))
                                .map(r -> kit.json(SwitchResponse.of(r.withMcpServerUrl(mcpUrls.of(r.mcpServerUrl(), call.base())))))),
                kit.tool("sandbox_status",
                        "Your live sandbox: sandboxId, sandboxUrl, mcpServerUrl, createdAt and status (active, standby, "
                                + "stopped); sandbox is null when there is none.",
                        schema(Map.of()), hints("Sandbox status", true, false, true),
                        call -> sandboxes.current(call.userId())
                                .map(v -> kit.json(new SandboxStatusResponse(mcpUrls.resolve(v, call.base()))))),
                kit.tool("save",
                        "Saves the live sandbox's files now as a new fragment of its project; fragmentId is null when "
                                + "nothing changed since the last save.",
                        schema(Map.of()), hints("Save", false, false, true),
                        call -> sandboxes.saveNow(call.userId()).map(kit::json)));
    }

    /** The body {@code POST /api/switch-project} answers. */
}
