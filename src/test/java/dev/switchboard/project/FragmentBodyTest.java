package dev.switchboard.project;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.switchboard.common.ProblemException;

/** The fragment body is checked as it streams in: limits stop the parser, not a map built from the whole body. */
class FragmentBodyTest {

    private static final int MAX_FILES = 2000;
    private final FragmentBody parser = new FragmentBody(new ObjectMapper().getFactory(), MAX_FILES, 5 << 20, 20 << 20);

    /** Bytes handed to the parser so far. */
    private static final class Counting extends ByteArrayInputStream {
        Counting(byte[] bytes) {
            super(bytes);
        }

        int consumed() {
            return pos;
        }
    }

    static byte[] tinyKeys(int count) {
        StringBuilder sb = new StringBuilder(count * 14).append("{\"files\":{");
        for (int i = 0; i < count; i++) {
            sb.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":\"\"");
        }
        return sb.append("}}").toString().getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void aBodyOfManyTinyKeysIsRefusedAtTheFirstKeyOverTheLimit() {
        byte[] body = tinyKeys(1_600_000);
        assertTrue(body.length > 20 << 20, "a body of " + body.length + " bytes, as in the report");
        Counting in = new Counting(body);
        ProblemException e = assertThrows(ProblemException.class, () -> parser.read(in));
        assertEquals(413, e.status());
        assertEquals(MAX_FILES + 1, parser.keysRead(), "stopped at the first key over the limit");
        assertTrue(in.consumed() < 256 * 1024, "read " + in.consumed() + " of " + body.length + " bytes");
    }

    @Test
    void aFileOverTheLimitStopsTheParserThere() throws IOException {
        String big = "x".repeat((5 << 20) + 1);
        byte[] body = ("{\"files\":{\"a.txt\":\"" + big + "\"," + "\"b.txt\":\"" + big + "\"}}").getBytes(StandardCharsets.US_ASCII);
        Counting in = new Counting(body);
        ProblemException e = assertThrows(ProblemException.class, () -> parser.read(in));
        assertEquals(413, e.status());
        assertTrue(e.getMessage().contains("a.txt"), e.getMessage());
        assertTrue(in.consumed() < body.length * 3 / 4, "read " + in.consumed() + " of " + body.length + " bytes");
    }

    @Test
    void aBase64ObjectWithManyFieldsIsRefusedAtTheFirstUnknownOne() {
        StringBuilder sb = new StringBuilder("{\"files\":{\"a.bin\":{\"encoding\":\"base64\"");
        for (int i = 0; i < 200_000; i++) {
            sb.append(",\"f").append(i).append("\":1");
        }
        byte[] body = sb.append("}}}").toString().getBytes(StandardCharsets.US_ASCII);
        Counting in = new Counting(body);
        ProblemException e = assertThrows(ProblemException.class, () -> parser.read(in));
        assertEquals(400, e.status());
        assertTrue(e.getMessage().contains("unknown field"), e.getMessage());
        assertTrue(in.consumed() < 64 * 1024, "read " + in.consumed() + " of " + body.length + " bytes");
    }

    @Test
    void theTotalIsCheckedAsFilesArrive() {
        String fourMiB = "y".repeat(4 << 20);
        StringBuilder sb = new StringBuilder("{\"files\":{");
        for (int i = 0; i < 7; i++) {
            sb.append(i == 0 ? "" : ",").append("\"f").append(i).append("\":\"").append(fourMiB).append('"');
        }
        ProblemException e = assertThrows(ProblemException.class,
                () -> parser.read(new ByteArrayInputStream(sb.append("}}").toString().getBytes(StandardCharsets.US_ASCII))));
        assertEquals(413, e.status());
        assertEquals(6, parser.keysRead(), "the sixth 4 MiB file passes 20 MiB");
    }

    @Test
    void bothFormsTitleAndUnknownFieldsAreRead() throws IOException {
        InputStream in = new ByteArrayInputStream(("{\"extra\":{\"x\":[1,2]},\"title\":\"t\",\"files\":{\"a.txt\":\"h\\u00e9\","
                + "\"b/c.bin\":{\"content\":\"AAE=\",\"encoding\":\"base64\"}}}").getBytes(StandardCharsets.UTF_8));
        FragmentBody.Parsed parsed = parser.read(in);
        assertEquals("t", parsed.title());
        assertEquals(2, parsed.files().size());
        assertArrayEquals("hé".getBytes(StandardCharsets.UTF_8), parsed.files().get(0).content());
        assertArrayEquals(new byte[] { 0, 1 }, parsed.files().get(1).content());
        assertNull(parser.read(new ByteArrayInputStream("{\"files\":{}}".getBytes())).title());
    }

    @Test
    void wrongShapesAre400() {
        for (String body : new String[] { "", "[]", "{}", "{\"files\":null}", "{\"files\":[1]}", "{\"files\":{\"a\":null}}",
                "{\"files\":{\"a\":[\"x\"]}}", "{\"files\":{\"a\":true}}", "{\"title\":3,\"files\":{}}",
                "{\"files\":{\"../a\":\"x\"}}", "{\"files\":{\"a\":\"x\",\"a/b\":\"y\"}}" }) {
            ProblemException e = assertThrows(ProblemException.class,
                    () -> parser.read(new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8))), body);
            assertEquals(400, e.status(), body);
        }
    }
}
