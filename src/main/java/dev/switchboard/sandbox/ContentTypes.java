package dev.switchboard.sandbox;

import java.util.Locale;
import java.util.Map;

/** The content type a file's name suggests, for reads of the live sandbox's files; unknown names are octet streams. */
final class ContentTypes {

    static final String BINARY = "application/octet-stream";

    private static final String TEXT = "text/plain; charset=utf-8";
    private static final Map<String, String> BY_EXTENSION = Map.ofEntries(
            Map.entry("html", "text/html; charset=utf-8"), Map.entry("htm", "text/html; charset=utf-8"),
            Map.entry("css", "text/css; charset=utf-8"), Map.entry("js", "text/javascript; charset=utf-8"),
            Map.entry("mjs", "text/javascript; charset=utf-8"), Map.entry("cjs", "text/javascript; charset=utf-8"),
            Map.entry("json", "application/json"), Map.entry("map", "application/json"),
            Map.entry("xml", "application/xml"), Map.entry("svg", "image/svg+xml"),
            Map.entry("csv", "text/csv; charset=utf-8"), Map.entry("md", "text/markdown; charset=utf-8"),
            Map.entry("txt", TEXT), Map.entry("ts", TEXT), Map.entry("tsx", TEXT), Map.entry("jsx", TEXT),
            Map.entry("py", TEXT), Map.entry("java", TEXT), Map.entry("sh", TEXT), Map.entry("yaml", TEXT),
            Map.entry("yml", TEXT), Map.entry("toml", TEXT), Map.entry("log", TEXT), Map.entry("go", TEXT),
            Map.entry("rs", TEXT), Map.entry("png", "image/png"), Map.entry("jpg", "image/jpeg"),
            Map.entry("jpeg", "image/jpeg"), Map.entry("gif", "image/gif"), Map.entry("webp", "image/webp"),
            Map.entry("ico", "image/x-icon"), Map.entry("pdf", "application/pdf"), Map.entry("wasm", "application/wasm"),
            Map.entry("zip", "application/zip"), Map.entry("gz", "application/gzip"), Map.entry("tgz", "application/gzip"),
            Map.entry("woff", "font/woff"), Map.entry("woff2", "font/woff2"));

    private ContentTypes() {
    }

    static String of(String path) {
        String name = path.substring(path.lastIndexOf('/') + 1);
        int dot = name.lastIndexOf('.');
        if (dot <= 0 || dot == name.length() - 1) {
            return BINARY;
        }
        return BY_EXTENSION.getOrDefault(name.substring(dot + 1).toLowerCase(Locale.ROOT), BINARY);
    }
}
