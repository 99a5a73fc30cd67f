package dev.switchboard.project;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.switchboard.common.ProblemException;
import dev.switchboard.files.FileContent;
import dev.switchboard.files.ProjectPath;
import dev.switchboard.files.StoredFile;

/**
 * Reads a fragment's JSON body ({@code {"title": ..., "files": {...}}}) as it streams in, applying the count, size and
 * path limits per file: a body of a million tiny keys is refused at the first key over the limit, without building a
 * map of it first (invariant 7). Blocking and CPU-bound; callers run it on a worker thread.
 */
public final class FragmentBody {

    static final int MAX_TITLE = 500;

    private final JsonFactory json;
    private final int maxFiles;
    private final long maxFileBytes;
    private final long maxTotalBytes;
    /** Keys of {@code files} read by the last {@link #read}: the limits stop it early. */
    private int keysRead;

    FragmentBody(JsonFactory json, int maxFiles, long maxFileBytes, long maxTotalBytes) {
        this.json = json;
        this.maxFiles = maxFiles;
        this.maxFileBytes = maxFileBytes;
        this.maxTotalBytes = maxTotalBytes;
    }

    /** A checked fragment body: its title (or null) and files. */
    public record Parsed(String title, List<StoredFile> files) {
    }

    int keysRead() {
        return keysRead;
    }

    /** The checked title and files; a 400 or 413 problem at the first thing that breaks a rule or a limit. */
    Parsed read(InputStream body) throws IOException {
        keysRead = 0;
        try (JsonParser p = json.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw ProblemException.badRequest("The body must be a JSON object with \"files\"");
            }
            String title = null;
            Map<String, StoredFile> files = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals("title")) {
                    title = title(p, value);
                } else if (field.equals("files")) {
                    if (value != JsonToken.START_OBJECT) {
                        throw ProblemException.badRequest("files: must be an object of path to content"
                                + (value == JsonToken.VALUE_NULL ? ", not null" : ""));
                    }
                    files = files(p);
                } else {
                    p.skipChildren(); // unknown fields are ignored, as everywhere in the API
                }
            }
            if (files == null) {
                throw ProblemException.badRequest("files: must not be null");
            }
            ProjectPath.checkNoFileIsAlsoADirectory(files.keySet());
            return new Parsed(title, new ArrayList<>(files.values()));
        }
    }

    private static String title(JsonParser p, JsonToken value) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return null;
        }
        if (value != JsonToken.VALUE_STRING) {
            throw ProblemException.badRequest("title: must be a string");
        }
        String title = p.getText();
        if (title.length() > MAX_TITLE) {
            throw ProblemException.badRequest("title: size must be between 0 and " + MAX_TITLE);
        }
        return title;
    }

    private Map<String, StoredFile> files(JsonParser p) throws IOException {
        Map<String, StoredFile> files = new LinkedHashMap<>();
        long total = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            if (++keysRead > maxFiles) {
                throw ProblemException.tooLarge("A fragment holds at most " + maxFiles + " files; this one has more");
            }
            String path = p.currentName();
            ProjectPath.check(path);
            byte[] bytes = FileContent.decode(path, value(p, path, p.nextToken()));
            if (bytes.length > maxFileBytes) {
                throw ProblemException.tooLarge("File '" + ProjectPath.printable(path) + "' has " + bytes.length
                        + " bytes; the limit is " + maxFileBytes);
            }
            StoredFile previous = files.put(path, new StoredFile(path, bytes, false));
            total += bytes.length - (previous == null ? 0 : previous.content().length);
            if (total > maxTotalBytes) {
                throw ProblemException.tooLarge("The fragment has more than " + maxTotalBytes + " bytes; the limit is "
                        + maxTotalBytes);
            }
        }
        return files;
    }

    /**
     * One file's JSON value, small enough for {@link FileContent#decode}: a string, the two fields of the base64 form
     * (any other field is refused there, before a big object is read), or a stand-in of the wrong kind.
     */
    private static JsonNode value(JsonParser p, String path, JsonToken token) throws IOException {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        if (token == JsonToken.VALUE_STRING) {
            return nodes.textNode(p.getText());
        }
        if (token != JsonToken.START_OBJECT) {
            if (token == JsonToken.START_ARRAY) {
                p.skipChildren();
                return nodes.arrayNode();
            }
            return token == JsonToken.VALUE_NULL ? nodes.nullNode() : token.isBoolean() ? nodes.booleanNode(p.getBooleanValue())
                    : nodes.numberNode(0);
        }
        ObjectNode object = nodes.objectNode();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            if (!name.equals("encoding") && !name.equals("content")) {
                object.put(name, 0);
                return object; // FileContent refuses the unknown field by name
            }
            if (t == JsonToken.VALUE_STRING) {
                object.put(name, p.getText());
            } else {
                p.skipChildren();
                object.putNull(name);
            }
        }
        return object;
    }
}
