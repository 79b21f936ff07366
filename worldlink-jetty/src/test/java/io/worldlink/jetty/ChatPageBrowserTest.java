package io.worldlink.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.worldlink.TestData;
import io.worldlink.WorldLink;
import io.worldlink.client.WorldLinkClient;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The chat page in a real headless Chromium (Debian's chromium and chromium-driver, which CI installs):
 * enter a world, chat, watch replies stream from the offline model, toggle an agent, survive a drop, and
 * show a world that was created again from its start.
 */
class ChatPageBrowserTest {
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
    void start() throws Exception {
        boolean installed = CHROMIUM.canExecute() && CHROMEDRIVER.canExecute();
        if (!"true".equals(System.getenv("CI"))) {
            Assumptions.assumeTrue(installed, "Chromium is not installed: apt-get install chromium chromium-driver "
                    + "to run the browser test (CI always runs it).");
        }
        TestData.withShippedTemplates(root);
        startServer(0);
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

    void startServer(int port) throws Exception {
        link = WorldLink.builder().dataRoot(root).environment(Map.of()).offlinePace(Duration.ofMillis(10)).build();
        server = WorldLinkServer.builder(link).port(port).build().start();
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

    void send(String text) {
        WebElement input = browser.findElement(By.id("input"));
        input.sendKeys(text);
        browser.findElement(By.id("send")).click();
    }

    @Test
    void chatsWithAWorldAndTogglesAnAgent() throws Exception {
        browser.get("http://127.0.0.1:" + server.port() + "/");
        wait.until(ExpectedConditions.attributeToBe(By.id("template"), "data-loaded", "true"));
        new Select(browser.findElement(By.id("template"))).selectByValue("default-world");
        WebElement world = browser.findElement(By.id("world"));
        world.clear();
        world.sendKeys("Browser World");
        browser.findElement(By.id("enter")).click();
        wait.until(ExpectedConditions.textToBe(By.id("state"), "connected"));
        assertEquals(2, browser.findElements(By.cssSelector(".agent")).size());

        send("How do I learn Java?");
        wait.until(d -> completeReplies().size() == 2);
        List<String> senders = completeReplies().stream().map(e -> e.getAttribute("data-sender")).sorted().toList();
        assertEquals(List.of("Ada", "Ben"), senders);
        for (WebElement reply : completeReplies()) {
            assertTrue(reply.findElement(By.className("text")).getText().contains("How do I learn Java?"),
                    reply.getText());
        }
        assertEquals("How do I learn Java?",
                browser.findElement(By.cssSelector(".msg.human .text")).getText());

        browser.findElement(By.cssSelector(".agent[data-agent='ben'] .toggle")).click();
        wait.until(ExpectedConditions.textToBe(By.cssSelector(".agent[data-agent='ben'] .status"), "inactive"));

        send("Only Ada now?");
        wait.until(d -> completeReplies().size() == 3);
        assertEquals("Ada", completeReplies().get(2).getAttribute("data-sender"));

        Path shot = Path.of("target", "chat-page.png");
        Files.createDirectories(shot.getParent());
        Files.write(shot, browser.getScreenshotAs(OutputType.BYTES));
    }

    @Test
    void reconnectsAfterADropWithoutRepeatingMessages() {
        browser.get("http://127.0.0.1:" + server.port() + "/");
        wait.until(ExpectedConditions.attributeToBe(By.id("template"), "data-loaded", "true"));
        new Select(browser.findElement(By.id("template"))).selectByValue("fast-world");
        browser.findElement(By.id("enter")).click();
        wait.until(ExpectedConditions.textToBe(By.id("state"), "connected"));
        send("before the drop");
        wait.until(d -> completeReplies().size() == 1);
        // Watches what the page sends from now on, without changing it.
        browser.executeScript("""
                window.selects = [];
                const send = WebSocket.prototype.send;
                WebSocket.prototype.send = function (data) {
                  const frame = JSON.parse(data);
                  if (frame.type === "world-select") window.selects.push(frame.payload);
                  return send.call(this, data);
                };""");

        browser.executeScript("window.worldlink.ws.close()");
        wait.until(ExpectedConditions.textToBe(By.id("state"), "reconnecting…"));
        wait.until(ExpectedConditions.textToBe(By.id("state"), "connected"));
        send("after the drop");
        wait.until(d -> completeReplies().size() == 2);

        assertEquals(2, browser.findElements(By.cssSelector(".msg.human")).size(), "no message shown twice");
        Map<?, ?> resume = (Map<?, ?>) browser.executeScript("return window.selects[0]");
        assertEquals(browser.executeScript("return window.worldlink.life.epoch"), resume.get("worldEpoch"),
                "the page resumes in the life of the world it saw: " + resume);
        assertTrue(((Number) resume.get("lastSeq")).longValue() > 0, "the page resumes after what it saw: " + resume);
        assertTrue(browser.findElements(By.cssSelector(".system.warning")).isEmpty(),
                "the same life is not shown again from its start");
    }

    @Test
    void showsAWorldCreatedAgainFromItsStartInsteadOfItsOldLife() throws Exception {
        browser.get("http://127.0.0.1:" + server.port() + "/");
        wait.until(ExpectedConditions.attributeToBe(By.id("template"), "data-loaded", "true"));
        new Select(browser.findElement(By.id("template"))).selectByValue("fast-world");
        browser.findElement(By.id("enter")).click();
        wait.until(ExpectedConditions.textToBe(By.id("state"), "connected"));
        send("first life, one");
        wait.until(d -> completeReplies().size() == 1);
        send("first life, two");
        wait.until(d -> completeReplies().size() == 2);
        String user = (String) browser.executeScript("return window.worldlink.userId");
        int port = server.port();

        // Stopping the server deletes the anonymous user's folder: the world's first life is over.
        server.close();
        link.close();
        wait.until(ExpectedConditions.textToBe(By.id("state"), "reconnecting…"));
        startServer(port);

        // The same user creates the world again while the page may still be away; it counts seqs from 1.
        // Whether the page comes back before that or after, it shows the new life and nothing of the old.
        try (WorldLinkClient other = WorldLinkClient.builder(server.webSocketUri()).build()) {
            other.selectWorld("fast-world", "my-world", user).get(15, TimeUnit.SECONDS);
            other.send("second life").get(15, TimeUnit.SECONDS);
            // Staying in the world until the page shows the reply keeps the world loaded for the whole turn.
            awaitShown(List.of("second life"), 1);
        }
        send("second life, from the page");
        awaitShown(List.of("second life", "second life, from the page"), 2);
        String note = browser.findElement(By.cssSelector(".system.warning")).getText();
        assertTrue(note.startsWith("This world was replaced while you were away"), note);
    }

    @Test
    void showsServerErrorsAsReadableText() {
        browser.get("http://127.0.0.1:" + server.port() + "/");
        wait.until(ExpectedConditions.attributeToBe(By.id("template"), "data-loaded", "true"));
        WebElement world = browser.findElement(By.id("world"));
        world.clear();
        world.sendKeys("../../etc");
        browser.findElement(By.id("enter")).click();
        wait.until(ExpectedConditions.textToBe(By.id("state"), "error"));
        String error = browser.findElement(By.cssSelector(".system.error")).getText();
        assertTrue(error.startsWith("That name cannot be used"), error);
        assertTrue(!error.contains("{"), "no raw JSON: " + error);
    }
}
