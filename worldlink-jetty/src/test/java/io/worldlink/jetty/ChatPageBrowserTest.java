package io.worldlink.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.worldlink.client.WorldLinkClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

/**
 * The chat page in a real headless Chromium: enter a world, chat, watch replies stream from the offline
 * model, toggle an agent, survive a drop and a refresh, show a world that was created again from its start,
 * and connect to a server whose WebSocket is not at {@code /ws}.
 */
class ChatPageBrowserTest extends PageBrowserTest {
    void startServer(int port) throws Exception {
        serve(offline(Duration.ofMillis(10)), b -> b.port(port));
    }

    @Test
    void chatsWithAWorldAndTogglesAnAgent() throws Exception {
        startServer(0);
        openPage();
        enterWorld("default-world", "Browser World");
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

        // The agent list is drawn again as the replies' call counts come in.
        clickRedrawn(By.cssSelector(".agent[data-agent='ben'] .toggle"));
        wait.until(ExpectedConditions.textToBe(By.cssSelector(".agent[data-agent='ben'] .status"), "inactive"));

        awaitTurnOver();
        send("Only Ada now?");
        wait.until(d -> completeReplies().size() == 3);
        assertEquals("Ada", completeReplies().get(2).getAttribute("data-sender"));
    }

    @Test
    void reconnectsAfterADropWithoutRepeatingMessages() throws Exception {
        startServer(0);
        openPage();
        enterWorld("fast-world", "my-world");
        send("before the drop");
        wait.until(d -> completeReplies().size() == 1);
        awaitTurnOver();
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
        // "reconnecting…" shows for some 300 ms only, less than a wait polls: the page is back when it
        // has selected the world again and the server confirmed it.
        wait.until(d -> ((Number) browser.executeScript("return window.selects.length")).intValue() == 1);
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
        startServer(0);
        openPage();
        enterWorld("fast-world", "my-world");
        send("first life, one");
        wait.until(d -> completeReplies().size() == 1);
        awaitTurnOver();
        send("first life, two");
        wait.until(d -> completeReplies().size() == 2);
        awaitTurnOver();
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
        awaitTurnOver();
        send("second life, from the page");
        awaitShown(List.of("second life", "second life, from the page"), 2);
        String note = browser.findElement(By.cssSelector(".system.warning")).getText();
        assertTrue(note.startsWith("This world was replaced while you were away"), note);
    }

    @Test
    void showsServerErrorsAsReadableText() throws Exception {
        startServer(0);
        openPage();
        WebElement world = browser.findElement(By.id("world"));
        world.clear();
        world.sendKeys("../../etc");
        browser.findElement(By.id("enter")).click();
        wait.until(ExpectedConditions.textToBe(By.id("state"), "error"));
        String error = browser.findElement(By.cssSelector(".system.error")).getText();
        assertTrue(error.startsWith("That name cannot be used"), error);
        assertTrue(!error.contains("{"), "no raw JSON: " + error);
    }

    @Test
    void aRefreshComesBackToTheWorldAndShowsItFromItsStart() throws Exception {
        startServer(0);
        openPage();
        enterWorld("fast-world", "Kept World");
        send("remember this");
        awaitShown(List.of("remember this"), 1);
        awaitTurnOver();
        String user = (String) browser.executeScript("return window.worldlink.userId");
        String reply = completeReplies().get(0).findElement(By.className("text")).getText();

        browser.navigate().refresh();
        wait.until(ExpectedConditions.textToBe(By.id("state"), "connected"));
        awaitShown(List.of("remember this"), 1);
        assertEquals(reply, completeReplies().get(0).findElement(By.className("text")).getText());
        assertEquals(user, browser.executeScript("return window.worldlink.userId"), "the same anonymous user");
        assertEquals("Kept World", browser.findElement(By.id("world")).getAttribute("value"));
        assertEquals("fast-world",
                new Select(browser.findElement(By.id("template"))).getFirstSelectedOption().getAttribute("value"));

        // What was said after the refresh is shown once, as before it.
        send("and this");
        awaitShown(List.of("remember this", "and this"), 2);
    }

    @Test
    void connectsToTheWebSocketPathTheServerWasBuiltWith() throws Exception {
        serve(offline(Duration.ofMillis(10)), b -> b.path("/chat"));
        openPage();
        assertEquals("/chat", browser.findElement(By.cssSelector("meta[name='worldlink-websocket']"))
                .getAttribute("content"));
        enterWorld("fast-world", "elsewhere");
        assertEquals("ws://127.0.0.1:" + server.port() + "/chat", browser.executeScript("return window.worldlink.ws.url"));
        send("Are you there?");
        awaitShown(List.of("Are you there?"), 1);
    }
}
