package io.worldlink.jetty;

import io.worldlink.TestData;
import io.worldlink.WorldLink;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * What the chat page's browser tests share: a real headless Chromium (Debian's chromium and chromium-driver,
 * which CI installs; without them the tests are skipped, except in CI), a data root with the shipped
 * templates, a server each test builds as it needs, and the page's common moves.
 */
abstract class PageBrowserTest {
    static final File CHROMIUM = new File("/usr/bin/chromium");
    static final File CHROMEDRIVER = new File("/usr/bin/chromedriver");

    @TempDir
    Path root;
    @TempDir
    Path profile;

    WorldLink link;
    WorldLinkServer server;
    ChromeDriver browser;
    WebDriverWait wait;

    @BeforeEach
    void startBrowser() {
        boolean installed = CHROMIUM.canExecute() && CHROMEDRIVER.canExecute();
        if (!"true".equals(System.getenv("CI"))) {
            Assumptions.assumeTrue(installed, "Chromium is not installed: apt-get install chromium chromium-driver "
                    + "to run the browser tests (CI always runs them).");
        }
        TestData.withShippedTemplates(root);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
                "--disable-dev-shm-usage", "--window-size=1280,860", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER)
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        wait = new WebDriverWait(browser, Duration.ofSeconds(15));
    }

    @AfterEach
    void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (server != null) {
            server.close();
        }
        if (link != null) {
            link.close();
        }
    }

    /** @return a WorldLink on the test's data root, with the offline model at this pace for every agent */
    WorldLink.Builder offline(Duration pace) {
        return WorldLink.builder().dataRoot(root).environment(Map.of()).offlinePace(pace);
    }

    /** Starts a server on any free port, with what the test sets on top. */
    void serve(WorldLink.Builder worldLink, UnaryOperator<WorldLinkServer.Builder> options) throws Exception {
        link = worldLink.build();
        server = options.apply(WorldLinkServer.builder(link).port(0)).build().start();
    }

    /** Shows the page as a screen of this size would, a phone's (touch, twice as many pixels) or a computer's. */
    void emulateScreen(int width, int height, boolean phone) {
        browser.executeCdpCommand("Emulation.setDeviceMetricsOverride", Map.of("width", width, "height", height,
                "deviceScaleFactor", phone ? 2 : 1, "mobile", phone));
    }

    void openPage() {
        browser.get("http://127.0.0.1:" + server.port() + "/");
        wait.until(ExpectedConditions.attributeToBe(By.id("template"), "data-loaded", "true"));
    }

    void enterWorld(String template, String world) {
        new Select(browser.findElement(By.id("template"))).selectByValue(template);
        WebElement name = browser.findElement(By.id("world"));
        name.clear();
        name.sendKeys(world);
        browser.findElement(By.id("enter")).click();
        wait.until(ExpectedConditions.textToBe(By.id("state"), "connected"));
    }

    void send(String text) {
        browser.findElement(By.id("input")).sendKeys(text);
        browser.findElement(By.id("send")).click();
    }

    /** Clicks an element of a list the page may draw again at any moment (it is found afresh until a click lands). */
    void clickRedrawn(By element) {
        new WebDriverWait(browser, Duration.ofSeconds(15)).ignoring(StaleElementReferenceException.class)
                .withMessage("a click on " + element).until(d -> {
                    d.findElement(element).click();
                    return true;
                });
    }

    List<WebElement> completeReplies() {
        return browser.findElements(By.cssSelector(".msg.agent.complete"));
    }

    // Read in one script, so that the page cannot change between finding the bubbles and reading them.
    @SuppressWarnings("unchecked")
    List<String> humanMessages() {
        return (List<String>) browser.executeScript(
                "return Array.from(document.querySelectorAll('.msg.human .text'), e => e.textContent)");
    }

    void awaitShown(List<String> human, int replies) {
        new WebDriverWait(browser, Duration.ofSeconds(15))
                .withMessage(() -> "the page shows " + humanMessages() + " and " + completeReplies().size()
                        + " complete replies; expected " + human + " and " + replies)
                .until(d -> humanMessages().equals(human) && completeReplies().size() == replies);
    }

    /** The turn is over: Send is back (and Stop gone), and the message box takes text. */
    void awaitTurnOver() {
        // A wait of its own: withMessage would stay on the shared one and mislabel every later timeout.
        new WebDriverWait(browser, Duration.ofSeconds(15)).withMessage("the turn ends").until(d -> browser.findElement(By.id("send")).isDisplayed()
                && browser.findElement(By.id("send")).isEnabled() && !browser.findElement(By.id("stop")).isDisplayed()
                && browser.findElement(By.id("input")).isEnabled());
    }

    /** Saves what the browser shows to {@code target/NAME.png}, where a person can look at it. */
    Path screenshot(String name) throws IOException {
        Path shot = Path.of("target", name + ".png");
        Files.createDirectories(shot.getParent());
        Files.write(shot, browser.getScreenshotAs(OutputType.BYTES));
        return shot;
    }
}
