package dev.switchboard.files;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.switchboard.common.ProblemException;

class ProjectPathTest {

    @ParameterizedTest
    @ValueSource(strings = { "a.txt", "src/app.js", "with space.txt", " lead and trail ", "a\"b.txt", "it's.txt",
            "ünï.txt", "emoji-\uD83D\uDE00.txt", "[id].tsx", "app/(group)/page.tsx", "@scope/pkg/index.js", "~file",
            "~/.ssh/id", "C:x", "C:/x", "#x", "$x", "%41", "-rf", "...", ".hidden", "a..b", "a/.git/config", "*?<>|:",
            "\u2028line-sep", "\u00a0nbsp" })
    void validPaths(String path) {
        assertNull(ProjectPath.problem(path), path);
        assertDoesNotThrow(() -> ProjectPath.check(path));
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "/etc/passwd", "/", "a/", "a//b", "./a", "a/./b", "..", "../x", "a/../../b", "a/..",
            ".", "a\\b", "a\u0000b", "line\nbreak", "tab\t", "del\u007f", "c1\u0085", "c1\u009f", "lone\uD800",
            "lone\uDC00x", "swapped\uDE00\uD83D" })
    void invalidPaths(String path) {
        assertNotNull(ProjectPath.problem(path), path);
        ProblemException e = assertThrows(ProblemException.class, () -> ProjectPath.check(path));
        assertEquals(400, e.status());
    }

    @Test
    void nullIsInvalid() {
        assertNotNull(ProjectPath.problem(null));
        assertEquals(400, assertThrows(ProblemException.class, () -> ProjectPath.check(null)).status());
    }

    @Test
    void lengthIsCountedInCodePoints() {
        assertNull(ProjectPath.problem("a/".repeat(255) + "ab"));
        String emoji = "\uD83D\uDE00";
        // 63 emoji are 252 bytes, under the segment limit; 8 such segments and 7 slashes are 511 characters.
        String base = String.join("/", java.util.Collections.nCopies(8, emoji.repeat(63)));
        String exactly512 = base + "x";
        assertEquals(512, exactly512.codePointCount(0, exactly512.length()));
        assertTrue(exactly512.length() > 1000);
        assertNull(ProjectPath.problem(exactly512));
        assertNotNull(ProjectPath.problem(base + "xy"));
        assertNotNull(ProjectPath.problem("a".repeat(513).replaceAll("(.{200})", "$1/")));
    }

    @Test
    void segmentsAreAtMost255Utf8Bytes() {
        assertNull(ProjectPath.problem("d/" + "a".repeat(255)));
        assertNotNull(ProjectPath.problem("d/" + "a".repeat(256)));
        // ü is two bytes: 127 of them fit (254 bytes), 128 do not (256 bytes).
        assertNull(ProjectPath.problem("ü".repeat(127)));
        assertNotNull(ProjectPath.problem("ü".repeat(128) + "/x"));
    }

    @Test
    void messageNamesThePathPrintablyAndTheRule() {
        ProblemException e = assertThrows(ProblemException.class, () -> ProjectPath.check("bad\nname\\x"));
        assertTrue(e.getMessage().contains("bad\\u000aname"), e.getMessage());
        assertTrue(e.getMessage().contains("control character"), e.getMessage());
        e = assertThrows(ProblemException.class, () -> ProjectPath.check("/abs"));
        assertTrue(e.getMessage().contains("'/abs'") && e.getMessage().contains("relative"), e.getMessage());
        String longPath = "x".repeat(600);
        e = assertThrows(ProblemException.class, () -> ProjectPath.check(longPath));
        assertTrue(e.getMessage().contains("x".repeat(200) + "..."), e.getMessage());
        assertTrue(!e.getMessage().contains("x".repeat(201)), e.getMessage());
    }

    @Test
    void fileThatIsAlsoADirectoryIsRefused() {
        assertDoesNotThrow(() -> ProjectPath.checkNoFileIsAlsoADirectory(List.of("a/b", "a/c", "ab", "a b/c")));
        ProblemException e = assertThrows(ProblemException.class,
                () -> ProjectPath.checkNoFileIsAlsoADirectory(List.of("x/y/z.txt", "x/y")));
        assertEquals(400, e.status());
        assertTrue(e.getMessage().contains("'x/y' is both a file and a directory"), e.getMessage());
        assertThrows(ProblemException.class, () -> ProjectPath.checkNoFileIsAlsoADirectory(List.of("a", "a/b/c")));
    }
}
