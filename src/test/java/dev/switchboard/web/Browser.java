package dev.switchboard.web;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;

import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * One headless Debian chromium driven through Debian's chromedriver, both given by path so that Selenium Manager never
 * downloads anything. Override with {@code -Dconsole.chromium=} and {@code -Dconsole.chromedriver=}.
 */
final class Browser implements AutoCloseable {

    static final String CHROMIUM = System.getProperty("console.chromium", "/usr/bin/chromium");
    static final String CHROMEDRIVER = System.getProperty("console.chromedriver", "/usr/bin/chromedriver");

    final WebDriver driver;
    private final WebDriverWait wait;

    private Browser(WebDriver driver) {
        this.driver = driver;
        this.wait = new WebDriverWait(driver, Duration.ofSeconds(30), Duration.ofMillis(50));
        // A list re-rendered under us, or a tab between two documents (no documentElement yet): look again.
        wait.ignoring(StaleElementReferenceException.class).ignoring(JavascriptException.class);
    }

    static Browser start() {
        for (String tool : new String[] { CHROMIUM, CHROMEDRIVER }) {
            if (!Files.isExecutable(Path.of(tool))) {
                throw new IllegalStateException(tool + " is missing: the console's browser test needs Debian's chromium and "
                        + "chromium-driver (apt-get install chromium chromium-driver; .ci/run installs them)");
            }
        }
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER);
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM)
                .addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                        "--disable-dev-shm-usage", "--window-size=1280,2400");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort().build();
        return new Browser(new ChromeDriver(service, options));
    }

    WebElement byTest(String name) {
        return driver.findElement(css(name));
    }

    static By css(String testName) {
        return By.cssSelector("[data-test='" + testName + "']");
    }

    <T> T until(Function<WebDriver, T> condition) {
        return wait.until(condition);
    }

    void clickWhenReady(String testName) {
        clickWhenReady(css(testName));
    }

    /** Finds and clicks in one step, again if the page re-rendered the element meanwhile. */
    void clickWhenReady(By by) {
        wait.until(d -> {
            WebElement element = d.findElement(by);
            if (!element.isDisplayed() || !element.isEnabled()) {
                return null;
            }
            element.click();
            return true;
        });
    }

    /** Waits until the element's text contains {@code text}, and answers the whole text. */
    String waitForText(String testName, String text) {
        wait.until(ExpectedConditions.textToBePresentInElementLocated(css(testName), text));
        return byTest(testName).getText();
    }

    /** Screenshot and page source under {@code target/}, for a test that failed. */
    void saveEvidence(String name) {
        try {
            Path dir = Path.of("target");
            Files.createDirectories(dir);
            byte[] png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
            Files.write(dir.resolve(name + ".png"), png);
            Files.writeString(dir.resolve(name + ".html"), driver.getPageSource());
            System.err.println("browser evidence: " + dir.resolve(name + ".png").toAbsolutePath());
        } catch (IOException | RuntimeException e) {
            System.err.println("could not save the browser evidence: " + e);
        }
    }

    @Override
    public void close() {
        driver.quit();
    }
}
