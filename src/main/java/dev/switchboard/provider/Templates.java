package dev.switchboard.provider;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import dev.switchboard.common.ProblemException;
import dev.switchboard.common.SwitchboardConfig;
import dev.switchboard.provider.blaxel.BlaxelConfig;
import dev.switchboard.provider.e2b.E2bConfig;
import dev.switchboard.common.TemplatesConfig;
import io.quarkus.runtime.Startup;

/**
 * The templates a project may name ({@code switchboard.templates."<name>".*}), and which is the default. Without any
 * configured, the one template is the provider's default, named by {@code switchboard.sandbox.template} or else
 * after that default ({@code switchboard.e2b.template}, {@code switchboard.blaxel.image}, {@code local}), as before
 * templates were configured. Checked at start-up: a bad default or a pool for an unknown template stops the service.
 */
@Singleton
@Startup
public class Templates {

    /** A template as projects see it; {@code env} holds values and is never shown by the API. */
    public record Template(String name, String image, Integer memoryMb, Integer cpu, List<Integer> ports,
            Map<String, String> env, boolean isDefault) {
    }

    private final Map<String, Template> byName;
    private final Template defaultTemplate;

    @Inject
    public Templates(TemplatesConfig templates, SwitchboardConfig config, E2bConfig e2b, BlaxelConfig blaxel) {
        this(templates.all(), config.sandbox().template(), providerDefault(config, e2b, blaxel), config.pool().templates().keySet());
    }

    /** Resolves and checks the configuration; an {@link IllegalStateException} saying what to fix when it is wrong. */
    Templates(Map<String, TemplatesConfig.Template> configured, Optional<String> defaultName, String providerDefault,
            Collection<String> pooled) {
        Map<String, Template> all = new TreeMap<>();
        String def;
        if (configured.isEmpty()) {
            def = defaultName.filter(n -> !n.isBlank()).orElse(providerDefault);
            all.put(def, new Template(def, def, null, null, List.of(), Map.of(), true));
        } else {
            if (defaultName.isPresent() && !configured.containsKey(defaultName.get())) {
                throw new IllegalStateException("switchboard.sandbox.template names the default template '"
                        + defaultName.get() + "', which is not configured; configured: " + String.join(", ", new TreeMap<>(configured).keySet()));
            }
            if (defaultName.isEmpty() && configured.size() > 1) {
                throw new IllegalStateException("Several templates are configured and none is the default: set "
                        + "switchboard.sandbox.template to one of " + String.join(", ", new TreeMap<>(configured).keySet()));
            }
            def = defaultName.orElseGet(() -> configured.keySet().iterator().next());
            for (Map.Entry<String, TemplatesConfig.Template> e : configured.entrySet()) {
                TemplatesConfig.Template t = e.getValue();
                all.put(e.getKey(), new Template(e.getKey(), t.image().filter(i -> !i.isBlank()).orElse(e.getKey()),
                        t.memory().isPresent() ? t.memory().getAsInt() : null, t.cpu().isPresent() ? t.cpu().getAsInt() : null,
                        t.ports().orElse(List.of()), Map.copyOf(t.env()), e.getKey().equals(def)));
            }
        }
        List<String> unknownPools = pooled.stream().filter(n -> !all.containsKey(n)).sorted().toList();
        if (!unknownPools.isEmpty()) {
            throw new IllegalStateException("switchboard.pool.templates names templates that are not configured: "
                    + String.join(", ", unknownPools) + "; configured: " + String.join(", ", all.keySet()));
        }
        this.byName = Map.copyOf(all);
        this.defaultTemplate = all.get(def);
    }

    private static String providerDefault(SwitchboardConfig config, E2bConfig e2b, BlaxelConfig blaxel) {
        return switch (config.provider().strip().toLowerCase()) {
            case "e2b" -> e2b.template();
            case "blaxel" -> blaxel.image();
            default -> "local";
        };
    }

    /** Every template, by name. */
    public List<Template> list() {
        return new ArrayList<>(new TreeMap<>(byName).values());
    }

    public Template defaultTemplate() {
        return defaultTemplate;
    }

    /** The named template (null: the default), or a 400 listing the configured names. */
    public Template require(String name) {
        if (name == null) {
            return defaultTemplate;
        }
        Template t = byName.get(name);
        if (t == null) {
            throw ProblemException.badRequest("template: '" + (name.length() > 64 ? name.substring(0, 64) : name)
                    + "' is not a configured template; configured: " + String.join(", ", new TreeMap<>(byName).keySet()));
        }
        return t;
    }

    /** The spec's template applied: its image and resources, its environment beneath the spec's own. */
    public SandboxSpec apply(SandboxSpec spec) {
        Template t = require(spec.template());
        Map<String, String> env = new HashMap<>(t.env());
        env.putAll(spec.env());
        return new SandboxSpec(spec.template(), spec.timeout(), spec.metadata(), env,
                new SandboxSpec.Runtime(t.image(), t.memoryMb(), t.cpu(), t.ports()));
    }

    /** Names, for messages. */
    public Set<String> names() {
        return byName.keySet();
    }
}
