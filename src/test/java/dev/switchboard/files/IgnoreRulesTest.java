package dev.switchboard.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class IgnoreRulesTest {

    private static IgnoreRules git(String gitignore) {
        return IgnoreRules.of(List.of(), gitignore);
    }

    private static void assertIgnored(IgnoreRules rules, String... paths) {
        for (String p : paths) {
            assertTrue(rules.ignored(p), "should be ignored: " + p);
        }
    }

    private static void assertKept(IgnoreRules rules, String... paths) {
        for (String p : paths) {
            assertFalse(rules.ignored(p), "should be kept: " + p);
        }
    }

    @Test
    void defaultsIgnoreNodeModulesAtAnyDepth() {
        IgnoreRules rules = IgnoreRules.of(IgnoreRules.DEFAULT_PATTERNS, null);
        assertIgnored(rules, "node_modules/a/b.js", "src/node_modules/x.js", ".git/HEAD", "a/b/__pycache__/m.pyc",
                "target/classes/A.class", ".next/cache/x");
        assertKept(rules, "src/app.js", "node_modules", "src/node_modules_x/y.js", "my.git/x", "src/build.gradle",
                "distribution/x");
    }

    @Test
    void leadingSlashAnchorsToTheRoot() {
        IgnoreRules rules = git("/build\n");
        assertIgnored(rules, "build", "build/out.js");
        assertKept(rules, "src/build", "src/build/out.js", "builder");
    }

    @Test
    void middleSlashAnchorsToTheRoot() {
        IgnoreRules rules = git("doc/frotz\n");
        assertIgnored(rules, "doc/frotz", "doc/frotz/x");
        assertKept(rules, "a/doc/frotz");
    }

    @Test
    void negationLastMatchWins() {
        IgnoreRules rules = git("*.log\n!keep.log\n");
        assertIgnored(rules, "debug.log", "a/b/trace.log");
        assertKept(rules, "keep.log", "a/keep.log", "log.txt");
        // Order matters: a later broad pattern overrides an earlier negation.
        assertIgnored(git("!keep.log\n*.log\n"), "keep.log");
    }

    @Test
    void fileUnderAnIgnoredDirectoryCannotBeReincluded() {
        IgnoreRules rules = git("logs/\n!logs/keep.log\n");
        assertIgnored(rules, "logs/keep.log", "logs/x.log");
        // Excluding the contents rather than the directory lets a negation re-include a file.
        IgnoreRules contents = git("logs/*\n!logs/keep.log\n");
        assertKept(contents, "logs/keep.log");
        assertIgnored(contents, "logs/x.log");
    }

    @Test
    void doubleStarForms() {
        IgnoreRules temp = git("**/temp/\n");
        assertIgnored(temp, "temp/a", "x/y/temp/a");
        assertKept(temp, "temp", "x/temp", "temporary/a");

        IgnoreRules docs = git("docs/**/*.md\n");
        assertIgnored(docs, "docs/a.md", "docs/x/a.md", "docs/x/y/z.md");
        assertKept(docs, "docs/a.txt", "src/docs/a.md", "a.md");

        IgnoreRules under = git("abc/**\n");
        assertIgnored(under, "abc/x", "abc/x/y");
        assertKept(under, "abc", "x/abc/y");

        IgnoreRules leading = git("**/foo\n");
        assertIgnored(leading, "foo", "a/foo", "a/b/foo/c");
        assertKept(leading, "afoo", "foo.txt");

        // Other runs of asterisks are a plain '*'.
        IgnoreRules plain = git("a**b\n");
        assertIgnored(plain, "ab", "axxb", "d/axb");
        assertKept(plain, "a/b");
    }

    @Test
    void starAndQuestionMarkDoNotMatchSlash() {
        IgnoreRules rules = git("src/*.js\nlib/?.c\n");
        assertIgnored(rules, "src/a.js", "lib/x.c");
        assertKept(rules, "src/sub/a.js", "lib/xy.c", "lib/.c");
    }

    @Test
    void directoryOnlyPatternDoesNotMatchAFile() {
        IgnoreRules rules = git("cache/\n");
        assertKept(rules, "cache", "a/cache");
        assertIgnored(rules, "cache/x", "a/cache/x");
    }

    @Test
    void characterClasses() {
        IgnoreRules rules = git("*.[oa]\nfile[0-9].txt\nx[!abc].md\ny[^abc].md\n[[:digit:]]*.csv\n[]]z\n");
        assertIgnored(rules, "m.o", "lib.a", "file7.txt", "xd.md", "yd.md", "1data.csv", "]z");
        assertKept(rules, "m.c", "filex.txt", "file10.txt", "xa.md", "yb.md", "data1.csv");
        assertKept(git("a[/]b\n"), "a/b");
        assertKept(git("a[+-0]b\n"), "a/b");
        assertIgnored(git("a[+-0]b\n"), "a.b");
        // An unclosed class matches nothing; a reversed range matches only its first character (as git does).
        assertKept(git("a[b\n[z-a]\n"), "a[b", "ab", "m", "a");
        assertIgnored(git("[z-a]\n"), "z");
    }

    @Test
    void escapesCommentsBlankLinesAndTrailingSpaces() {
        IgnoreRules rules = git("# comment\n\n\\#hash\n\\!bang\n  \nspaced   \nkeep\\ \\ \nq\\*\n");
        assertIgnored(rules, "#hash", "!bang", "spaced", "keep  ", "q*");
        assertKept(rules, "# comment", "comment", "hash", "bang", "spaced   ", "keep", "qx");
    }

    @Test
    void crlfAndBomAreTolerated() {
        IgnoreRules rules = git("\uFEFF*.tmp\r\nout/\r\n");
        assertIgnored(rules, "a.tmp", "out/x");
        assertKept(rules, "a.tmp\r");
    }

    @Test
    void configuredPatternsAlwaysWin() {
        IgnoreRules rules = IgnoreRules.of(List.of("node_modules/", "*.secret"),
                "!node_modules/\n!node_modules/**\n!x.secret\n*.bak\n");
        assertIgnored(rules, "node_modules/a.js", "src/node_modules/b.js", "x.secret", "old.bak");
        assertKept(rules, "src/a.js");
    }

    @Test
    void unicodeAndSpecialNames() {
        IgnoreRules rules = git("ünï*\n(group)/\n[[]id].tsx\n");
        assertIgnored(rules, "ünïcode.txt", "app/(group)/page.tsx", "[id].tsx");
        assertKept(rules, "unicode.txt", "group/page.tsx", "id.tsx");
        assertIgnored(git("*\u2028*\n"), "a\u2028b");
    }

    @Test
    void pruneFromConfiguredPatternsOnly() {
        IgnoreRules rules = IgnoreRules.of(List.of("node_modules/", "*.egg-info/", "/build/", "a/b/", "out/*/",
                "**/tmp/", "*.log", "# c", ""), "vendor/\n");
        assertEquals(new IgnoreRules.ScanPrune(List.of("node_modules", "*.egg-info"), List.of("build", "a/b")),
                rules.prune());
        assertEquals(new IgnoreRules.ScanPrune(List.of(), List.of()),
                IgnoreRules.of(List.of("node_modules/", "!node_modules/keep/"), null).prune());
        assertEquals(List.of("node_modules", ".git", ".next", "dist", "build", ".cache", "__pycache__", ".venv",
                "target"), IgnoreRules.of(IgnoreRules.DEFAULT_PATTERNS, null).prune().names());
    }
}
