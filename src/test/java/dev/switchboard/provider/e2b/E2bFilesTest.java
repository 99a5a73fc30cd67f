package dev.switchboard.provider.e2b;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import dev.switchboard.fake.e2b.E2bFake;
import dev.switchboard.fake.e2b.E2bProfile;
import dev.switchboard.provider.FileData;
import dev.switchboard.provider.FileEntry;
import dev.switchboard.provider.FileListing;
import dev.switchboard.provider.SandboxHandle;
import dev.switchboard.provider.ScanSpec;
import dev.switchboard.provider.SkippedFile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** The binary file SPI on E2B against the fake's real file systems: names, bytes, modes, caps and request counts. */
@QuarkusTest
@TestProfile(E2bProfile.class)
class E2bFilesTest extends E2bTestSupport {

    private static final String ROOT = "/home/user/project";
    private static final byte[] PNG_HEADER = HexFormat.of().parseHex("89504e470d0a1a0a0000000d49484452");
    private static final List<String> ODD_NAMES = List.of("a\"b.txt", "[id].tsx", "x y.txt", "ünï.txt", "(group)/page.tsx",
            "@scope/pkg/index.js", "it's.txt");

    private static FileData file(String path, byte[] content) {
        return new FileData(path, content, false);
    }

    private static FileData text(String path, String content) {
        return file(path, content.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void everyByteValueAndAPngHeaderRoundTripExactly() {
        SandboxHandle h = create(owner());
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) {
            all[i] = (byte) i;
        }
        assertEquals(List.of(), provider.writeFiles(h, List.of(file("bytes.bin", all), file("img/logo.png", PNG_HEADER)))
                .await().atMost(WAIT));
        assertArrayEquals(all, fake.file(h.id(), ROOT + "/bytes.bin").orElseThrow());

        Map<String, FileData> read = provider.readFiles(h.id(), List.of("bytes.bin", "img/logo.png"), 1024, 4096)
                .await().atMost(WAIT);
        assertArrayEquals(all, read.get("bytes.bin").content());
        assertArrayEquals(PNG_HEADER, read.get("img/logo.png").content());
    }

    @Test
    void oddNamesAreWrittenListedAndReadBackExactly() {
        SandboxHandle h = create(owner());
        List<FileData> files = ODD_NAMES.stream().map(n -> text(n, "content of " + n)).toList();
        assertEquals(List.of(), provider.writeFiles(h, files).await().atMost(WAIT));
        for (String n : ODD_NAMES) {
            assertEquals("content of " + n, new String(fake.file(h.id(), ROOT + "/" + n).orElseThrow(), StandardCharsets.UTF_8), n);
        }

        FileListing listing = provider.listFiles(h.id(), SCAN).await().atMost(WAIT);
        assertEquals(ODD_NAMES.stream().sorted().toList(), listing.entries().stream().map(FileEntry::path).sorted().toList());
        assertFalse(listing.truncated());
        listing.entries().forEach(e -> assertNotNull(e.sha256(), e.path()));

        Map<String, FileData> read = provider.readFiles(h.id(), ODD_NAMES, 1024, 1 << 20).await().atMost(WAIT);
        assertEquals(ODD_NAMES.stream().sorted().toList(), read.keySet().stream().sorted().toList());
        read.forEach((n, f) -> assertEquals("content of " + n, new String(f.content(), StandardCharsets.UTF_8), n));
    }

    @Test
    void theExecutableBitIsKeptBothWays() {
        SandboxHandle h = create(owner());
        assertEquals(List.of(), provider.writeFiles(h, List.of(new FileData("bin/run it.sh", "#!/bin/sh\necho ran\n"
                .getBytes(StandardCharsets.UTF_8), true), text("plain.txt", "p"))).await().atMost(WAIT));
        assertEquals("ran\n", provider.exec(h.id(), "'./bin/run it.sh'", Duration.ofSeconds(10), 100).await().atMost(WAIT).stdout());

        Map<String, Boolean> listed = provider.listFiles(h.id(), SCAN).await().atMost(WAIT).entries().stream()
                .collect(Collectors.toMap(FileEntry::path, FileEntry::executable));
        assertEquals(Map.of("bin/run it.sh", true, "plain.txt", false), listed);
        Map<String, FileData> read = provider.readFiles(h.id(), List.of("bin/run it.sh", "plain.txt"), 100, 1000)
                .await().atMost(WAIT);
        assertTrue(read.get("bin/run it.sh").executable());
        assertFalse(read.get("plain.txt").executable());
    }

    @Test
    void listFilesPrunesIgnoredDirectoriesAndHashesUpToTheLimit() {
        SandboxHandle h = create(owner());
        provider.writeFiles(h, List.of(text("src/a.js", "a"), text("node_modules/x/index.js", "x"),
                text("src/node_modules/y.js", "y"), text(".git/HEAD", "h"), text("big.txt", "x".repeat(100)),
                text("dist/out.js", "o"))).await().atMost(WAIT);
        provider.exec(h.id(), "ln -s src/a.js link.js", Duration.ofSeconds(10), 100).await().atMost(WAIT);

        ScanSpec scan = new ScanSpec(List.of("node_modules", ".git"), List.of("dist"), 100, 10);
        FileListing listing = provider.listFiles(h.id(), scan).await().atMost(WAIT);
        Map<String, FileEntry> byPath = listing.entries().stream().collect(Collectors.toMap(FileEntry::path, e -> e));
        assertEquals(List.of("big.txt", "link.js", "src/a.js"), byPath.keySet().stream().sorted().toList());
        assertEquals("ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb", byPath.get("src/a.js").sha256());
        assertNull(byPath.get("big.txt").sha256(), "larger than hashMaxBytes");
        assertEquals(100, byPath.get("big.txt").size());
        assertEquals(FileEntry.Type.SYMLINK, byPath.get("link.js").type());

        FileListing capped = provider.listFiles(h.id(), new ScanSpec(List.of("node_modules", ".git"), List.of("dist"), 2, 10))
                .await().atMost(WAIT);
        assertEquals(2, capped.entries().size());
        assertTrue(capped.truncated());
    }

    @Test
    void readFilesHonoursTheCapsAndTheOrderGiven() {
        SandboxHandle h = create(owner());
        provider.writeFiles(h, List.of(text("a.txt", "a".repeat(40)), text("b.txt", "b".repeat(40)),
                text("huge.txt", "h".repeat(500)), text("c.txt", "c".repeat(40)))).await().atMost(WAIT);
        Map<String, FileData> read = provider.readFiles(h.id(), List.of("huge.txt", "a.txt", "b.txt", "c.txt", "missing.txt"),
                100, 90).await().atMost(WAIT);
        assertEquals(List.of("a.txt", "b.txt"), new ArrayList<>(read.keySet()), "huge is over the file cap, c over the total");
        assertEquals(Map.of(), provider.readFiles(h.id(), List.of(), 100, 100).await().atMost(WAIT));
    }

    @Test
    void aDownloadIsCutOffPastTheTotalCap() {
        SandboxHandle h = create(owner());
        // Random content does not compress: the archive is about as large as the file.
        provider.exec(h.id(), "head -c 3000000 /dev/urandom > big.bin", Duration.ofSeconds(20), 100).await().atMost(WAIT);
        provider.writeFiles(h, List.of(text("small.txt", "s"))).await().atMost(WAIT);
        Map<String, FileData> read = provider.readFiles(h.id(), List.of("small.txt", "big.bin"), 10_000_000, 1000)
                .await().atMost(WAIT);
        assertEquals(List.of("small.txt"), new ArrayList<>(read.keySet()));
    }

    @Test
    void oneBadFileInABatchIsSkippedWhileTheOthersLand() {
        SandboxHandle h = create(owner());
        provider.writeFiles(h, List.of(text("blocker", "I am a file"))).await().atMost(WAIT);
        List<FileData> files = List.of(text("ok1.txt", "1"), text("blocker/inside.txt", "x"), text("ok2.txt", "2"),
                text("ünï/blocked", "u"));
        List<SkippedFile> skipped = provider.writeFiles(h, files).await().atMost(WAIT);
        assertEquals(List.of("blocker/inside.txt"), skipped.stream().map(SkippedFile::path).toList(), skipped.toString());
        assertTrue(skipped.get(0).reason().startsWith("rejected by e2b: 400"), skipped.get(0).reason());
        assertEquals("1", new String(fake.file(h.id(), ROOT + "/ok1.txt").orElseThrow(), StandardCharsets.UTF_8));
        assertEquals("2", new String(fake.file(h.id(), ROOT + "/ok2.txt").orElseThrow(), StandardCharsets.UTF_8));
        assertEquals("u", new String(fake.file(h.id(), ROOT + "/ünï/blocked").orElseThrow(), StandardCharsets.UTF_8));
    }

    @Test
    void aSaveBackOfTwoChangedFilesInAFiftyFileProjectCostsThreeRequests() {
        SandboxHandle h = create(owner());
        List<FileData> project = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            project.add(text("src/file-" + i + ".ts", "export const v = " + i + ";\n"));
        }
        assertEquals(List.of(), provider.writeFiles(h, project).await().atMost(WAIT));
        fake.putFile(h.id(), ROOT + "/src/file-7.ts", "changed 7".getBytes(StandardCharsets.UTF_8));
        fake.putFile(h.id(), ROOT + "/src/new.ts", "new".getBytes(StandardCharsets.UTF_8));

        int before = fake.dataPlaneRequests(h.id());
        FileListing listing = provider.listFiles(h.id(), SCAN).await().atMost(WAIT);
        Map<String, String> stored = project.stream().collect(Collectors.toMap(FileData::path,
                f -> sha256(f.content())));
        List<String> changed = listing.entries().stream().filter(e -> !e.sha256().equals(stored.get(e.path())))
                .map(FileEntry::path).sorted().toList();
        assertEquals(List.of("src/file-7.ts", "src/new.ts"), changed);
        Map<String, FileData> read = provider.readFiles(h.id(), changed, 1 << 20, 1 << 20).await().atMost(WAIT);
        assertEquals("changed 7", new String(read.get("src/file-7.ts").content(), StandardCharsets.UTF_8));
        int requests = fake.dataPlaneRequests(h.id()) - before;
        System.out.println("E2B save-back of 2 changed files in a 51-file project: " + requests + " data-plane requests");
        assertTrue(requests <= 4, "requests: " + requests);
        assertEquals(3, requests);
    }

    @Test
    void manyPathsGoThroughAnUploadedListFile() {
        SandboxHandle h = create(owner());
        List<String> paths = new ArrayList<>();
        String longDir = "d".repeat(200) + "/";
        for (int i = 0; i < 600; i++) {
            paths.add(longDir + "f" + i);
        }
        provider.writeFiles(h, List.of(text(longDir + "f3", "three"))).await().atMost(WAIT);
        Map<String, FileData> read = provider.readFiles(h.id(), paths, 100, 1000).await().atMost(WAIT);
        assertEquals(List.of(longDir + "f3"), new ArrayList<>(read.keySet()));
        assertTrue(E2bFake.commandsSeeSandboxPaths());
    }

    private static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(content));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
