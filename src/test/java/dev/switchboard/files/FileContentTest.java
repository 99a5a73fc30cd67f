package dev.switchboard.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.switchboard.common.ProblemException;

class FileContentTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void all256ByteValuesRoundTripAsBase64() throws Exception {
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) {
            all[i] = (byte) i;
        }
        JsonNode encoded = FileContent.encode(all);
        assertTrue(encoded.isObject());
        assertEquals("base64", encoded.get("encoding").textValue());
        // Through real JSON text, as a client would send it back.
        JsonNode reparsed = JSON.readTree(JSON.writeValueAsString(encoded));
        assertArrayEquals(all, FileContent.decode("bin", reparsed));
    }

    @Test
    void textWithNulAndEmojiRoundTripsAsAString() throws Exception {
        String text = "a\u0000b \uD83D\uDE00 ünï\r\n\u007f\u0085end";
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        JsonNode encoded = FileContent.encode(bytes);
        assertTrue(encoded.isTextual());
        assertEquals(text, encoded.textValue());
        JsonNode reparsed = JSON.readTree(JSON.writeValueAsString(encoded));
        assertArrayEquals(bytes, FileContent.decode("t.txt", reparsed));
        assertArrayEquals(new byte[0], FileContent.decode("empty", JSON.readTree("\"\"")));
    }

    @Test
    void pngHeaderIsBase64() {
        byte[] png = { (byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
        assertFalse(FileContent.isUtf8(png));
        JsonNode encoded = FileContent.encode(png);
        assertEquals("iVBORw0KGgo=", encoded.get("content").textValue());
        assertArrayEquals(png, FileContent.decode("logo.png", encoded));
    }

    @Test
    void strictUtf8() {
        assertTrue(FileContent.isUtf8(new byte[0]));
        assertFalse(FileContent.isUtf8(new byte[] { (byte) 0xc0, (byte) 0x80 }), "overlong NUL");
        assertFalse(FileContent.isUtf8(new byte[] { (byte) 0xed, (byte) 0xa0, (byte) 0x80 }), "encoded surrogate");
        assertFalse(FileContent.isUtf8(new byte[] { (byte) 0xe2, (byte) 0x82 }), "truncated");
        assertTrue(FileContent.encode(new byte[] { (byte) 0xed, (byte) 0xa0, (byte) 0x80 }).isObject());
    }

    @ParameterizedTest
    @ValueSource(strings = { "null", "42", "1.5", "true", "[]", "[\"a\"]", "{}", "{\"content\":\"YQ==\"}",
            "{\"encoding\":\"hex\",\"content\":\"61\"}", "{\"encoding\":\"BASE64\",\"content\":\"YQ==\"}",
            "{\"encoding\":\"base64\"}", "{\"encoding\":\"base64\",\"content\":null}",
            "{\"encoding\":\"base64\",\"content\":5}", "{\"encoding\":\"base64\",\"content\":\"YQ\"}",
            "{\"encoding\":\"base64\",\"content\":\"YR==\"}", "{\"encoding\":\"base64\",\"content\":\"Y Q==\"}",
            "{\"encoding\":\"base64\",\"content\":\"-_8=\"}", "{\"encoding\":\"base64\",\"content\":\"YQ==\",\"x\":1}",
            "\"lone \\ud800 surrogate\"" })
    void invalidValuesAre400NamingThePath(String json) throws Exception {
        JsonNode value = JSON.readTree(json);
        ProblemException e = assertThrows(ProblemException.class, () -> FileContent.decode("dir/f.bin", value));
        assertEquals(400, e.status());
        assertTrue(e.getMessage().contains("'dir/f.bin'"), e.getMessage());
    }

    @Test
    void loneSurrogateMessageSaysUseBase64() throws Exception {
        JsonNode value = JSON.readTree("\"\\udc00\"");
        assertTrue(assertThrows(ProblemException.class, () -> FileContent.decode("x", value)).getMessage()
                .contains("base64"));
        assertThrows(ProblemException.class, () -> FileContent.decode("x", null));
    }
}
