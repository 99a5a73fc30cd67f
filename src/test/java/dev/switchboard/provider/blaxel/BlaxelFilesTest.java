package dev.switchboard.provider.blaxel;

import static dev.switchboard.provider.blaxel.BlaxelProviderContractTest.SCAN;
import static dev.switchboard.provider.blaxel.BlaxelProviderContractTest.text;
import static dev.switchboard.provider.blaxel.BlaxelProviderContractTest.utf8;
import static dev.switchboard.provider.blaxel.BlaxelTesting.WAIT;
import static dev.switchboard.provider.blaxel.BlaxelTesting.spec;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.switchboard.fake.blaxel.BlaxelFake;
import dev.switchboard.fake.blaxel.BlaxelProfile;
import dev.switchboard.fake.blaxel.InjectBlaxelFake;
import dev.switchboard.provider.FileData;
import dev.switchboard.provider.FileEntry;
import dev.switchboard.provider.FileListing;
import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.SandboxHandle;
import dev.switchboard.provider.ScanSpec;
import dev.switchboard.provider.SkippedFile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.common.annotation.Identifier;

/** Restore and save-back on Blaxel against the fake, whose sandboxes are real directories running real commands. */
@QuarkusTest
@TestProfile(BlaxelProfile.class)
class BlaxelFilesTest {

    private static final String ROOT = "/blaxel/app";
    private static final byte[] PNG = { (byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R' };

    @InjectBlaxelFake
    BlaxelFake fake;

    @Inject
    @Identifier("blaxel")
    BlaxelSandboxProvider provider;

    @BeforeEach
    void reset() {
        fake.reset();
        BlaxelTesting.awaitBreakerClosed(provider);
    }

    private SandboxHandle create(String owner) {
        return provider.create(spec(owner)).await().atMost(WAIT);
    }

    private List<SkippedFile> write(SandboxHandle h, List<FileData> files) {
        return provider.writeFiles(h, files).await().atMost(WAIT);
    }

    private Map<String, FileData> read(SandboxHandle h, List<String> paths, long maxFile, long maxTotal) {
        return provider.readFiles(h.id(), paths, maxFile, maxTotal).await().atMost(WAIT);
    }

    @Test
    void binaryFilesRoundTripByteForByte() {
        SandboxHandle h = create("bin");
        byte[] all = new byte[256];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) i;
        }
        List<FileData> files = List.of(new FileData("all.bin", all, false), new FileData("img/logo.png", PNG, false),
                new FileData("nul.txt", "a\0b".getBytes(StandardCharsets.UTF_8), false));
        assertEquals(List.of(), write(h, files));
        assertEquals(2, fake.requests(BlaxelFake.FS_WRITE), "one multipart PUT per binary file");
        assertEquals(1, fake.requests(BlaxelFake.TREE_WRITE), "valid UTF-8 (NUL included) stays in the tree write");
        assertTrue(fake.lastRecorded(BlaxelFake.FS_WRITE).header("Content-Type").startsWith("multipart/form-data"));
        assertArrayEquals(all, fake.bytes(h.id(), ROOT + "/all.bin").orElseThrow());
        assertArrayEquals(PNG, fake.bytes(h.id(), ROOT + "/img/logo.png").orElseThrow());

        Map<String, FileData> back = read(h, List.of("all.bin", "img/logo.png", "nul.txt"), 1 << 20, 1 << 20);
        assertArrayEquals(all, back.get("all.bin").content());
        assertArrayEquals(PNG, back.get("img/logo.png").content());
        assertArrayEquals("a\0b".getBytes(StandardCharsets.UTF_8), back.get("nul.txt").content());
    }

    @Test
    void awkwardNamesArriveListAndReadBackExactly() {
        SandboxHandle h = create("names");
        List<String> names = List.of("a\"b.txt", "[id].tsx", "x y.txt", "ünï.txt", "(group)/page.tsx", "@scope/pkg/index.js",
                "it's.txt", "-dash.txt", "pct%2Fx.txt", "bin [1].dat");
        List<FileData> files = new ArrayList<>();
        for (String n : names) {
            byte[] content = n.endsWith(".dat") ? new byte[] { (byte) 0xfe, 1, 2 } : ("content of " + n).getBytes(StandardCharsets.UTF_8);
            files.add(new FileData(n, content, false));
        }
        assertEquals(List.of(), write(h, files));
        for (FileData f : files) {
            assertArrayEquals(f.content(), fake.bytes(h.id(), ROOT + "/" + f.path()).orElseThrow(), f.path());
        }
        List<String> listed = provider.listFiles(h.id(), SCAN).await().atMost(WAIT).entries().stream().map(FileEntry::path)
                .sorted().toList();
        assertEquals(names.stream().sorted().toList(), listed);
        Map<String, FileData> back = read(h, names, 1 << 20, 1 << 20);
        assertEquals(names.stream().sorted().toList(), back.keySet().stream().sorted().toList());
        files.forEach(f -> assertArrayEquals(f.content(), back.get(f.path()).content(), f.path()));
    }

    @Test
    void theExecutableBitIsKept() throws IOException {
        SandboxHandle h = create("exe");
        assertEquals(List.of(), write(h, List.of(new FileData("run.sh", "#!/bin/sh\necho hi\n".getBytes(StandardCharsets.UTF_8), true),
                new FileData("tool", new byte[] { 0x7f, 'E', 'L', 'F', (byte) 0xff }, true),
                new FileData("plain.txt", "x".getBytes(StandardCharsets.UTF_8), false))));
        Path dir = fake.directory(h.id()).resolve("blaxel/app");
        assertTrue(Files.isExecutable(dir.resolve("run.sh")), "tree write, then chmod");
        assertTrue(Files.isExecutable(dir.resolve("tool")), "multipart with permissions 0755");
        assertFalse(Files.isExecutable(dir.resolve("plain.txt")));
        assertEquals("chmod +x -- 'run.sh'", fake.lastRecorded(BlaxelFake.PROCESS).json().getString("command"));

        Map<String, Boolean> listed = provider.listFiles(h.id(), SCAN).await().atMost(WAIT).entries().stream()
                .collect(Collectors.toMap(FileEntry::path, FileEntry::executable));
        assertEquals(Map.of("run.sh", true, "tool", true, "plain.txt", false), listed);
        Map<String, FileData> back = read(h, List.of("run.sh", "tool", "plain.txt"), 1000, 1000);
        assertTrue(back.get("run.sh").executable());
        assertTrue(back.get("tool").executable());
        assertFalse(back.get("plain.txt").executable());
    }

    @Test
    void listFilesPrunesHashesAndStopsAtMaxEntries() throws Exception {
        SandboxHandle h = create("scan");
        Map<String, String> files = new TreeMap<>(Map.of("src/a.js", "let a;", "node_modules/x/index.js", "x",
                "deep/node_modules/y.js", "y", ".git/HEAD", "ref", "build/out.js", "o", "src/build/keep.js", "k",
                "big.txt", "z".repeat(5000)));
        assertEquals(List.of(), write(h, text(files)));
        provider.exec(h.id(), "ln -s src/a.js link.js", Duration.ofSeconds(5), 100).await().atMost(WAIT);

        ScanSpec scan = new ScanSpec(List.of("node_modules", ".git"), List.of("build"), 100, 1000);
        FileListing listing = provider.listFiles(h.id(), scan).await().atMost(WAIT);
        assertFalse(listing.truncated());
        Map<String, FileEntry> byPath = listing.entries().stream().collect(Collectors.toMap(FileEntry::path, e -> e));
        assertEquals(List.of("big.txt", "link.js", "src/a.js", "src/build/keep.js"), byPath.keySet().stream().sorted().toList());
        assertEquals(sha256("let a;"), byPath.get("src/a.js").sha256());
        assertEquals(6, byPath.get("src/a.js").size());
        assertNull(byPath.get("big.txt").sha256(), "larger than hashMaxBytes");
        assertEquals(5000, byPath.get("big.txt").size());
        assertEquals(FileEntry.Type.SYMLINK, byPath.get("link.js").type());
        assertNull(byPath.get("link.js").sha256());

        FileListing cut = provider.listFiles(h.id(), new ScanSpec(List.of(), List.of(), 3, 1000)).await().atMost(WAIT);
        assertTrue(cut.truncated());
        assertEquals(3, cut.entries().size());
    }

    @Test
    void readFilesHonoursTheCapsAndDeletesItsDownload() throws IOException {
        SandboxHandle h = create("caps");
        byte[] noise = new byte[3 << 20];
        new Random(42).nextBytes(noise);
        List<FileData> files = List.of(new FileData("a", "a".repeat(100).getBytes(StandardCharsets.UTF_8), false),
                new FileData("b", "b".repeat(5000).getBytes(StandardCharsets.UTF_8), false),
                new FileData("c", "c".repeat(100).getBytes(StandardCharsets.UTF_8), false),
                new FileData("d", "d".repeat(100).getBytes(StandardCharsets.UTF_8), false),
                new FileData("noise.bin", noise, false));
        assertEquals(List.of(), write(h, files));
        long before = downloads();

        assertEquals(Map.of("a", "a".repeat(100), "c", "c".repeat(100)), utf8(read(h, List.of("a", "b", "c", "d"), 1000, 250)),
                "b is larger than maxFileBytes; d would take the total past maxTotalBytes");
        assertEquals(Map.of("a", "a".repeat(100), "c", "c".repeat(100)),
                utf8(read(h, List.of("a", "c", "noise.bin", "d"), 10 << 20, 1000)),
                "the download of 3 MiB of noise is cut a little past maxTotalBytes; what came whole is kept");
        assertArrayEquals(noise, read(h, List.of("noise.bin"), 10 << 20, 10 << 20).get("noise.bin").content());
        assertEquals(before, downloads(), "temporary downloads are deleted");
    }

    private static long downloads() throws IOException {
        try (Stream<Path> tmp = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return tmp.filter(p -> p.getFileName().toString().startsWith("switchboard-blaxel-")).count();
        }
    }

    @Test
    void aRejectedFileIsSkippedWhileTheOthersLand() {
        SandboxHandle h = create("skip");
        assertEquals(List.of(), write(h, text(Map.of("a.txt", "a"))));
        List<SkippedFile> skipped = write(h, List.of(
                new FileData("a.txt/b.txt", "through a file".getBytes(StandardCharsets.UTF_8), false),
                new FileData("ok1.txt", "1".getBytes(StandardCharsets.UTF_8), true),
                new FileData("a.txt/c.bin", new byte[] { (byte) 0xff }, false),
                new FileData("ok2.bin", new byte[] { (byte) 0xfe }, false)));
        assertEquals(List.of("a.txt/b.txt", "a.txt/c.bin"), skipped.stream().map(SkippedFile::path).sorted().toList());
        skipped.forEach(s -> assertTrue(s.reason().startsWith("rejected by blaxel: 422"), s.reason()));
        assertEquals("1", fake.file(h.id(), ROOT + "/ok1.txt").orElseThrow());
        assertTrue(Files.isExecutable(fake.directory(h.id()).resolve("blaxel/app/ok1.txt")), "written one by one with 0755");
        assertArrayEquals(new byte[] { (byte) 0xfe }, fake.bytes(h.id(), ROOT + "/ok2.bin").orElseThrow());
        assertEquals("a", fake.file(h.id(), ROOT + "/a.txt").orElseThrow());

        fake.vanish(h.id());
        ProviderException gone = assertThrows(ProviderException.class, () -> write(h, text(Map.of("x.txt", "x"))));
        assertEquals(ProviderException.Kind.GONE, gone.kind());
    }

    @Test
    void saveBackOfTwoChangedFilesTakesThreeDataPlaneRequests() {
        SandboxHandle h = create("count");
        Map<String, String> project = new LinkedHashMap<>();
        for (int i = 0; i < 50; i++) {
            project.put("src/file" + i + ".js", "export const n = " + i + ";\n");
        }
        assertEquals(List.of(), write(h, text(project)));
        fake.putFile(h.id(), ROOT + "/src/file3.js", "changed 3");
        fake.putFile(h.id(), ROOT + "/src/file7.js", "changed 7");

        int dataBefore = fake.dataPlaneRequests(h.id());
        int getsBefore = fake.requests(BlaxelFake.GET);
        FileListing listing = provider.listFiles(h.id(), SCAN).await().atMost(WAIT);
        Map<String, FileData> changed = read(h, List.of("src/file3.js", "src/file7.js"), 1 << 20, 1 << 20);
        int data = fake.dataPlaneRequests(h.id()) - dataBefore;
        int gets = fake.requests(BlaxelFake.GET) - getsBefore;
        System.out.printf("blaxel save-back of 2 changed files in a 50-file project: %d data-plane requests "
                + "(%d process, %d download), %d control-plane GETs for the URL%n", data,
                fake.recorded(BlaxelFake.PROCESS).size(), fake.recorded(BlaxelFake.FS_READ).size(), gets);
        assertEquals(50, listing.entries().size());
        assertEquals(Map.of("src/file3.js", "changed 3", "src/file7.js", "changed 7"), utf8(changed));
        assertEquals(3, data, "scan, archive, download");
        assertEquals(2, gets, "one URL look-up per call");
    }

    @Test
    void manyPathsGoUpAsAListFile() {
        SandboxHandle h = create("many");
        assertEquals(List.of(), write(h, text(Map.of("keep/a.txt", "A", "keep/b.txt", "B"))));
        List<String> paths = new ArrayList<>();
        paths.add("keep/a.txt");
        for (int i = 0; i < 1500; i++) {
            paths.add("missing/" + "n".repeat(80) + i + ".txt");
        }
        paths.add("keep/b.txt");
        int writes = fake.requests(BlaxelFake.FS_WRITE);
        assertEquals(Map.of("keep/a.txt", "A", "keep/b.txt", "B"), utf8(read(h, paths, 1000, 1000)));
        assertEquals(writes + 1, fake.requests(BlaxelFake.FS_WRITE), "the list went up as one file");
        assertTrue(fake.lastRecorded(BlaxelFake.FS_WRITE).uri().contains("%2Ftmp%2F.switchboard-list-"));
    }

    private static String sha256(String s) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }
}
