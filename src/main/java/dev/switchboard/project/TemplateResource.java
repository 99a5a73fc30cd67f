package dev.switchboard.project;

import static dev.switchboard.common.OpenApiDefinition.UNAUTHORIZED;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import com.fasterxml.jackson.annotation.JsonProperty;

import dev.switchboard.provider.Templates;
import io.smallrye.common.annotation.NonBlocking;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.quarkus.security.Authenticated;

/** The templates a project may name ({@code switchboard.templates.*}), the default flagged. */
@Path("/api/templates")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "templates")
public class TemplateResource {

    /** A template without its environment values, which may be secrets: only their names are shown. */
    @RegisterForReflection
    public record TemplateView(String name, @JsonProperty("default") boolean isDefault, String image, Integer memory, Integer cpu, List<Integer> ports,
            Set<String> envNames) {
    }

    private final Templates templates;

    public TemplateResource(Templates templates) {
        this.templates = templates;
    }

    @Operation(summary = "The templates a project may name", description = "The default flagged; environment values are not shown, only their names.")
    @APIResponse(responseCode = "200", description = "The templates", content = @Content(mediaType = "application/json", schema = @Schema(type = SchemaType.ARRAY, implementation = TemplateView.class)))
    @APIResponse(responseCode = "401", ref = UNAUTHORIZED)
    @GET
    @NonBlocking
    public List<TemplateView> list() {
        return templates.list().stream().map(t -> new TemplateView(t.name(), t.isDefault(), t.image(), t.memoryMb(), t.cpu(),
                t.ports(), new TreeSet<>(t.env().keySet()))).toList();
    }
}
