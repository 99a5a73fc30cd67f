package dev.switchboard.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The console in a real browser (headless Debian chromium) against the service on the local provider: one session
 * walks a new user through every panel, from the dev sign-in to the clean-up. On failure a screenshot and the page
 * source are saved as {@code target/console-failure.png} and {@code .html}.
 */
@QuarkusTest
class ConsoleBrowserTest {

    private static Browser browser;

    @TestHTTPResource("/")
    URL root;

    @BeforeAll
    static void startBrowser() {
        browser = Browser.start();
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    @Test
    void aNewUserWorksThroughTheConsole() throws IOException {
        try {
            walkThrough();
        } catch (AssertionError | RuntimeException e) {
            browser.saveEvidence("console-failure");
            throw e;
        }
    }

    private void walkThrough() throws IOException {
        var b = browser;
        b.driver.get(root.toString());
        b.until(d -> "true".equals(d.findElement(By.tagName("body")).getAttribute("data-ready")));

        // Dev sign-in as a user of our own.
        String user = "web-" + UUID.randomUUID().toString().substring(0, 8);
        WebElement devUser = b.driver.findElement(By.id("dev-user"));
        devUser.clear();
        devUser.sendKeys(user);
        b.clickWhenReady("dev-signin");
        b.waitForText("whoami", user);
        assertTrue(b.driver.findElement(By.id("signin")).getAttribute("hidden") != null, "the sign-in form is hidden");

        // A project (its name shown as text, never as markup), and two fragments uploaded from files.
        String name = "<i>Console</i> & project";
        b.driver.findElement(By.id("project-name")).sendKeys(name);
        b.clickWhenReady("project-create");
        assertEquals(name, b.waitForText("project-name", name));
        b.until(ExpectedConditions.textToBePresentInElementLocated(Browser.css("project-list"), name));
        assertTrue(b.driver.findElements(By.cssSelector("#projects i, #project i")).isEmpty(), "no markup from data");

        Path v1 = Files.createTempDirectory("console-v1");
        upload(v1, "v1", "index.html", "<h1>first upload</h1>", "app.js", "console.log('v1')");
        Path v2 = Files.createTempDirectory("console-v2");
        upload(v2, "v2", "index.html", "<h1>second upload</h1>", "notes.txt", "notes");
        List<WebElement> fragments = b.until(d -> {
            List<WebElement> items = d.findElements(Browser.css("fragment"));
            return items.size() == 2 ? items : null;
        });
        assertTrue(fragments.get(0).getText().startsWith("v2"), "newest first: " + fragments.get(0).getText());
        String diff = fragments.get(0).findElement(Browser.css("fragment-diff")).getText();
        assertEquals("+ notes.txt\n~ index.html\n− app.js", diff);

        // Switch: progress events appear in order, then the result, then the sandbox panel says active.
        b.clickWhenReady("switch-latest");
        b.waitForText("progress-result", "files restored");
        List<String> events = b.driver.findElements(By.cssSelector("[data-test='progress'] li")).stream()
                .map(li -> li.getAttribute("data-event")).filter(e -> !"saved-back".equals(e)).toList();
        assertEquals(List.of("claimed", "acquired", "restored", "committed"), events);
        assertTrue(b.byTest("progress").getText().matches("(?s).*committed · \\d+ ms.*"), b.byTest("progress").getText());
        b.waitForText("sandbox-status", "active");
        assertEquals("active", b.byTest("sandbox-status").getText());
        assertFalse(b.byTest("sandbox-id").getText().isBlank(), "sandbox id shown");
        assertFalse(b.byTest("sandbox-created").getText().isBlank(), "created shown");
        assertFalse(b.byTest("sandbox-last-used").getText().isBlank(), "last used shown");

        // "Open" is a link to the sandbox's URL in a new tab, serving the restored index.html.
        WebElement open = b.byTest("sandbox-open");
        assertEquals("_blank", open.getAttribute("target"));
        String sandboxUrl = open.getAttribute("href");
        assertTrue(sandboxUrl.startsWith("http://127.0.0.1:") || sandboxUrl.startsWith("http://localhost:"), sandboxUrl);
        String console = b.driver.getWindowHandle();
        open.click();
        String tab = b.until(d -> d.getWindowHandles().stream().filter(h -> !h.equals(console)).findFirst().orElse(null));
        b.driver.switchTo().window(tab);
        b.until(d -> d.findElement(By.tagName("h1")).getText().equals("second upload"));
        b.driver.get(URI.create(sandboxUrl).resolve("index.html").toString());
        assertEquals("second upload", b.driver.findElement(By.tagName("h1")).getText());
        b.driver.switchTo().window(console);

        // The file browser lists the sandbox; edit index.html in the textarea and save it.
        b.clickWhenReady("files-refresh");
        b.clickWhenReady(By.cssSelector("[data-test='file'][data-path='index.html']"));
        b.until(d -> d.findElement(By.id("editor")).getAttribute("value").contains("second upload"));
        WebElement editor = b.byTest("editor");
        editor.clear();
        editor.sendKeys("<h1>edited in the browser</h1>");
        b.clickWhenReady("editor-save");
        b.waitForText("message", "Saved index.html");
        b.driver.switchTo().window(tab);
        b.driver.navigate().refresh();
        b.until(d -> d.findElement(By.tagName("h1")).getText().equals("edited in the browser"));
        b.driver.close();
        b.driver.switchTo().window(console);

        // A command: its first line shows before it has finished, then the rest and the exit.
        b.byTest("exec-command").sendKeys("echo first; sleep 1; echo second; echo oops >&2; cat index.html");
        b.clickWhenReady("exec-run");
        b.waitForText("exec-output", "first");
        assertEquals("Running…", b.byTest("exec-exit").getText(), "output streams while the command runs");
        b.waitForText("exec-exit", "exit 0");
        String output = b.byTest("exec-output").getText();
        assertTrue(output.contains("second") && output.contains("edited in the browser"), output);
        assertEquals("oops", b.byTest("exec-output").findElement(By.className("stderr")).getText().strip());

        // Clean up: the panel says stopped and offers no link any more.
        b.clickWhenReady("sandbox-cleanup");
        b.waitForText("sandbox-status", "stopped");
        assertFalse(b.byTest("sandbox-open").isDisplayed(), "no link to a stopped sandbox");
        // What the clean-up saved (the edit) is the project's newest fragment now.
        WebElement saved = b.until(d -> {
            List<WebElement> items = d.findElements(Browser.css("fragment"));
            return items.size() == 3 ? items.get(0) : null;
        });
        assertEquals("~ index.html", saved.findElement(Browser.css("fragment-diff")).getText());
    }

    /** Uploads the given files (name, content pairs) as one fragment titled {@code title}, through the file input. */
    private void upload(Path dir, String title, String... namesAndContents) throws IOException {
        var paths = new StringBuilder();
        for (int i = 0; i < namesAndContents.length; i += 2) {
            Path file = Files.writeString(dir.resolve(namesAndContents[i]), namesAndContents[i + 1]);
            paths.append(paths.isEmpty() ? "" : "\n").append(file.toAbsolutePath());
        }
        int before = browser.driver.findElements(Browser.css("fragment")).size();
        browser.byTest("upload-files").sendKeys(paths);
        browser.driver.findElement(By.id("upload-title")).sendKeys(title);
        browser.clickWhenReady("upload");
        browser.until(d -> d.findElements(Browser.css("fragment")).size() == before + 1);
    }
}
