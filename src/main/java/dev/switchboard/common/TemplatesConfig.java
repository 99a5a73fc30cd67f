package dev.switchboard.common;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithParentName;

/**
 * The templates projects may name: {@code switchboard.templates."<name>".*}. None configured: one implicit template,
 * the provider's default (see {@code provider/Templates}). The default template is named by
 * {@code switchboard.sandbox.template}, or is the only one.
 */
@ConfigMapping(prefix = "switchboard.templates")
public interface TemplatesConfig {

    /** By name (the name projects give in {@code template}). */
    @WithParentName
    Map<String, Template> all();

    interface Template {
        /** The provider's template id (E2B) or image (Blaxel); default: the template's name. */
        Optional<String> image();

        /** Memory in MB where the provider takes it (Blaxel); unset: the provider's default. */
        OptionalInt memory();

        /** CPUs where the provider takes them; unset: the provider's (or the template's own) default. */
        OptionalInt cpu();

        /** Ports to expose besides the sandbox URL's port (Blaxel). */
        Optional<List<Integer>> ports();

        /** Environment variables of every sandbox of the template; never shown by the API (they may be secrets). */
        Map<String, String> env();
    }
}
