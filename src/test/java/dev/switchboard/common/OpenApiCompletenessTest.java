package dev.switchboard.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import jakarta.ws.rs.HttpMethod;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.junit.jupiter.api.Test;

import io.quarkus.arc.profile.IfBuildProfile;
import io.quarkus.arc.profile.UnlessBuildProfile;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;

/**
 * Every JAX-RS resource method of the application (found by scanning the compiled classes, so resources added later
 * are checked too) is in the served {@code /q/openapi} document, with a summary and its error answers. A method the
 * document must not show says so with {@code @Operation(hidden = true)}.
 */
@QuarkusTest
class OpenApiCompletenessTest {

    /** A resource method: its verb and full path as the document writes it. */
    record Endpoint(String verb, String path, String where) {
    }

    @Test
    void everyResourceMethodIsDescribedWithASummaryAndItsErrorAnswers() throws Exception {
        List<Endpoint> endpoints = endpoints();
        assertTrue(endpoints.size() >= 20, "the scan found the resources: " + endpoints);
        JsonPath doc = new JsonPath(RestAssured.given().queryParam("format", "json").get("/q/openapi").then().statusCode(200)
                .extract().asString());
        Map<String, Map<String, Map<String, Object>>> paths = doc.getMap("paths");
        List<String> missing = new ArrayList<>();
        for (Endpoint e : endpoints) {
            Map<String, Map<String, Object>> ops = paths.get(e.path());
            Map<String, Object> op = ops == null ? null : ops.get(e.verb());
            if (op == null) {
                missing.add(e + ": not in the document");
                continue;
            }
            Object summary = op.get("summary");
            // The summary is the method's own, never one made up from its name (auto-add-operation-summary=false).
            if (!(summary instanceof String s) || s.isBlank() || e.where().endsWith("(no @Operation summary)")) {
                missing.add(e + ": no summary");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> responses = (Map<String, Object>) op.get("responses");
            if (responses == null || responses.keySet().stream().noneMatch(code -> code.startsWith("2"))) {
                missing.add(e + ": no success answer");
            }
            if (e.path().startsWith("/api/") && (responses == null || !responses.containsKey("401"))) {
                missing.add(e + ": no 401 answer");
            }
        }
        assertEquals(List.of(), missing);
    }

    @Test
    void errorAnswersAreProblemJson() throws IOException {
        String json = RestAssured.given().queryParam("format", "json").get("/q/openapi").then().statusCode(200).extract().asString();
        Files.writeString(Path.of("target", "openapi.json"), json); // for a look, and for clients' code generators
        JsonPath doc = new JsonPath(json);
        Map<String, Object> defined = doc.getMap("components.responses");
        for (String name : List.of(OpenApiDefinition.BAD_REQUEST, OpenApiDefinition.UNAUTHORIZED, OpenApiDefinition.FORBIDDEN,
                OpenApiDefinition.NOT_FOUND, OpenApiDefinition.CONFLICT, OpenApiDefinition.TOO_LARGE, OpenApiDefinition.TOO_MANY,
                OpenApiDefinition.UNAVAILABLE)) {
            assertEquals("#/components/schemas/Problem",
                    doc.getString("components.responses." + name + ".content.'application/problem+json'.schema.$ref"), name);
        }
        assertEquals(List.of("detail", "status", "title", "type"),
                doc.getMap("components.schemas.Problem.properties").keySet().stream().sorted().toList());
        // Every response a path refers to by name is defined (no dangling $ref).
        List<String> dangling = new ArrayList<>();
        Map<String, Map<String, Map<String, Object>>> paths = doc.getMap("paths");
        paths.forEach((path, ops) -> ops.forEach((verb, op) -> {
            @SuppressWarnings("unchecked")
            Map<String, Map<String, Object>> responses = (Map<String, Map<String, Object>>) op.get("responses");
            if (responses != null) {
                responses.forEach((code, r) -> {
                    Object ref = r.get("$ref");
                    if (ref != null && !defined.containsKey(ref.toString().replace("#/components/responses/", ""))) {
                        dangling.add(verb + " " + path + " " + code + " -> " + ref);
                    }
                });
            }
        }));
        assertEquals(List.of(), dangling);
    }

    /** The resource methods of every {@code @Path} class under {@code dev.switchboard} active in this profile. */
    static List<Endpoint> endpoints() throws IOException, URISyntaxException {
        Path root = Path.of(OpenApiCompletenessTest.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolveSibling("classes");
        List<Endpoint> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root.resolve("dev/switchboard"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                String name = root.relativize(f).toString().replace('/', '.').replaceAll("\\.class$", "");
                Class<?> c;
                try {
                    c = Class.forName(name, false, Thread.currentThread().getContextClassLoader());
                } catch (ClassNotFoundException | LinkageError e) {
                    continue;
                }
                jakarta.ws.rs.Path classPath = c.getAnnotation(jakarta.ws.rs.Path.class);
                if (classPath == null || c.isInterface() || Modifier.isAbstract(c.getModifiers()) || !activeHere(c)) {
                    continue; // REST client interfaces, and resources of other build profiles
                }
                for (Method m : c.getMethods()) {
                    String verb = verb(m);
                    Operation op = m.getAnnotation(Operation.class);
                    if (verb == null || (op != null && op.hidden())) {
                        continue;
                    }
                    jakarta.ws.rs.Path methodPath = m.getAnnotation(jakarta.ws.rs.Path.class);
                    found.add(new Endpoint(verb, path(classPath.value(), methodPath == null ? "" : methodPath.value()),
                            c.getSimpleName() + "." + m.getName() + (op == null || op.summary().isBlank() ? " (no @Operation summary)" : "")));
                }
            }
        }
        return found;
    }

    private static boolean activeHere(Class<?> c) {
        String profile = LaunchMode.current().getDefaultProfile();
        IfBuildProfile only = c.getAnnotation(IfBuildProfile.class);
        UnlessBuildProfile unless = c.getAnnotation(UnlessBuildProfile.class);
        boolean in = only == null || profile.equals(only.value()) || Arrays.asList(only.anyOf()).contains(profile);
        boolean out = unless != null && (profile.equals(unless.value()) || Arrays.asList(unless.anyOf()).contains(profile));
        return in && !out;
    }

    private static String verb(Method m) {
        return Arrays.stream(m.getAnnotations()).map(a -> a.annotationType().getAnnotation(HttpMethod.class))
                .filter(h -> h != null).map(h -> h.value().toLowerCase(Locale.ROOT)).findFirst().orElse(null);
    }

    /** Joined with single slashes, no trailing slash, path parameters without their regular expressions. */
    static String path(String classPath, String methodPath) {
        String p = ("/" + classPath + "/" + methodPath).replaceAll("/+", "/").replaceAll("\\{\\s*(\\w[\\w.-]*)\\s*:[^}]*}", "{$1}");
        return p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    }
}
