package dev.switchboard.files;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Iterator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import dev.switchboard.common.ProblemException;

/**
 * The JSON form of a file's bytes, as the seeds define it: a string is UTF-8 text, and
 * {@code {"encoding":"base64","content":"..."}} is any bytes.
 */
public final class FileContent {

    private FileContent() {
    }

    /** The bytes a JSON value stands for; a 400 naming {@code path} when the value is neither form. */
    public static byte[] decode(String path, JsonNode value) {
        if (value != null && value.isTextual()) {
            String text = value.textValue();
            if (hasLoneSurrogate(text)) {
                // getBytes would silently turn it into '?': the client's bytes would not round-trip.
                throw bad(path, "is a string holding a lone surrogate, which is not UTF-8; use the base64 form");
            }
            return text.getBytes(StandardCharsets.UTF_8);
        }
        if (value != null && value.isObject()) {
            return decodeBase64(path, value);
        }
        throw bad(path, "must be a string or {\"encoding\":\"base64\",\"content\":\"...\"}, not "
                + (value == null || value.isMissingNode() ? "missing" : value.getNodeType().name().toLowerCase()));
    }

    /** The string form for valid UTF-8, the base64 form otherwise, so text stays readable and nothing is lost. */
    public static JsonNode encode(byte[] bytes) {
        if (isUtf8(bytes)) {
            return TextNode.valueOf(new String(bytes, StandardCharsets.UTF_8));
        }
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("encoding", "base64");
        node.put("content", Base64.getEncoder().encodeToString(bytes));
        return node;
    }

    /** Whether the bytes are well-formed UTF-8 (no overlong forms, no encoded surrogates). */
    public static boolean isUtf8(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    private static byte[] decodeBase64(String path, JsonNode value) {
        for (Iterator<String> names = value.fieldNames(); names.hasNext();) {
            String name = names.next();
            if (!name.equals("encoding") && !name.equals("content")) {
                // Refused rather than ignored: a field we do not know could change what the bytes mean.
                throw bad(path, "has an unknown field '" + ProjectPath.printable(name)
                        + "'; only \"encoding\" and \"content\" are allowed");
            }
        }
        JsonNode encoding = value.get("encoding");
        if (encoding == null || !encoding.isTextual() || !encoding.textValue().equals("base64")) {
            throw bad(path, "must have \"encoding\":\"base64\" (the only encoding supported)");
        }
        JsonNode content = value.get("content");
        if (content == null || !content.isTextual()) {
            throw bad(path, "must have a string \"content\" holding standard base64");
        }
        String text = content.textValue();
        byte[] bytes;
        try {
            // The JDK decoder accepts missing padding and ignores stray low bits; neither is standard base64.
            bytes = text.length() % 4 == 0 ? Base64.getDecoder().decode(text) : null;
        } catch (IllegalArgumentException e) {
            bytes = null;
        }
        if (bytes == null || !Base64.getEncoder().encodeToString(bytes).equals(text)) {
            throw bad(path, "has a \"content\" that is not standard base64 with padding");
        }
        return bytes;
    }

    private static boolean hasLoneSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    private static ProblemException bad(String path, String rule) {
        return ProblemException.badRequest("files: the content of '" + ProjectPath.printable(path) + "' " + rule);
    }
}
