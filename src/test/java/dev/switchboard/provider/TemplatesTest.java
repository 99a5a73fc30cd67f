package dev.switchboard.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.switchboard.common.ProblemException;
import dev.switchboard.common.TemplatesConfig;

/** Which templates exist, which is the default, and the start-up errors of a configuration that cannot work. */
class TemplatesTest {

    static TemplatesConfig.Template template(String image, Integer memory, Map<String, String> env) {
        return new TemplatesConfig.Template() {
            public Optional<String> image() {
                return Optional.ofNullable(image);
            }

            public OptionalInt memory() {
                return memory == null ? OptionalInt.empty() : OptionalInt.of(memory);
            }

            public OptionalInt cpu() {
                return OptionalInt.of(2);
            }

            public Optional<List<Integer>> ports() {
                return Optional.of(List.of(5173));
            }

            public Map<String, String> env() {
                return env;
            }
        };
    }

    private static final Map<String, TemplatesConfig.Template> TWO = Map.of(
            "small", template("img-small", null, Map.of()),
            "big", template(null, 8192, Map.of("TOKEN", "secret")));

    @Test
    void withoutConfiguredTemplatesTheProvidersDefaultIsTheOnlyOne() {
        Templates t = new Templates(Map.of(), Optional.empty(), "base", Set.of());
        assertEquals(Set.of("base"), t.names());
        assertEquals("base", t.defaultTemplate().image());
        assertTrue(t.defaultTemplate().isDefault());
        // switchboard.sandbox.template keeps naming the default, as before templates were configured
        assertEquals("custom", new Templates(Map.of(), Optional.of("custom"), "base", Set.of("custom")).require(null).image());
        assertThrows(ProblemException.class, () -> t.require("anything-else"));
    }

    @Test
    void theDefaultIsNamedBySandboxTemplateOrIsTheOnlyOne() {
        Templates t = new Templates(TWO, Optional.of("small"), "base", Set.of("big"));
        assertEquals("small", t.defaultTemplate().name());
        assertEquals("big", t.require("big").image(), "the image defaults to the name");
        assertEquals(8192, t.require("big").memoryMb());
        assertEquals("only", new Templates(Map.of("only", template("x", null, Map.of())), Optional.empty(), "base", Set.of())
                .defaultTemplate().name());
    }

    @Test
    void anUnknownNameIs400ListingTheConfiguredOnes() {
        Templates t = new Templates(TWO, Optional.of("small"), "base", Set.of());
        ProblemException e = assertThrows(ProblemException.class, () -> t.require("ubuntu:latest"));
        assertEquals(400, e.status());
        assertTrue(e.getMessage().contains("configured: big, small"), e.getMessage());
    }

    @Test
    void startUpErrors() {
        IllegalStateException none = assertThrows(IllegalStateException.class,
                () -> new Templates(TWO, Optional.empty(), "base", Set.of()));
        assertTrue(none.getMessage().contains("switchboard.sandbox.template"), none.getMessage());
        IllegalStateException unknownDefault = assertThrows(IllegalStateException.class,
                () -> new Templates(TWO, Optional.of("medium"), "base", Set.of()));
        assertTrue(unknownDefault.getMessage().contains("'medium'"), unknownDefault.getMessage());
        IllegalStateException pool = assertThrows(IllegalStateException.class,
                () -> new Templates(TWO, Optional.of("small"), "base", Set.of("node-20")));
        assertTrue(pool.getMessage().contains("switchboard.pool.templates") && pool.getMessage().contains("node-20"),
                pool.getMessage());
        assertThrows(IllegalStateException.class, () -> new Templates(Map.of(), Optional.empty(), "base", Set.of("node-20")));
    }

    @Test
    void applyPassesTheImageResourcesAndEnvironment() {
        Templates t = new Templates(TWO, Optional.of("small"), "base", Set.of());
        SandboxSpec spec = t.apply(new SandboxSpec("big", Duration.ofMinutes(1), Map.of("m", "1"), Map.of("A", "1")));
        assertEquals("big", spec.template(), "the name stays the pool key");
        assertEquals(new SandboxSpec.Runtime("big", 8192, 2, List.of(5173)), spec.runtime());
        assertEquals(Map.of("A", "1", "TOKEN", "secret"), spec.env());
        SandboxSpec def = t.apply(new SandboxSpec(null, Duration.ofMinutes(1), Map.of(), Map.of()));
        assertNull(def.template());
        assertEquals("img-small", def.imageOr("fallback"));
    }
}
