package io.worldlink.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A turn on the page: Stop is offered while it runs and ends it, the stopped replies say so, and the agents'
 * counts are those of the world after each turn, labelled for what they count.
 */
class ChatPageTurnBrowserTest extends PageBrowserTest {
    @Test
    void stopEndsTheTurnAndMarksTheStoppedReplies() throws Exception {
        serve(offline(Duration.ofMillis(100)), b -> b);
        openPage();
        enterWorld("default-world", "Stoppable");
        WebElement stop = browser.findElement(By.id("stop"));
        assertTrue(!stop.isDisplayed(), "nothing to stop yet");

        send("Tell me everything about Java");
        wait.until(ExpectedConditions.visibilityOf(stop));
        assertTrue(!browser.findElement(By.id("send")).isDisplayed(), "Stop takes the place of Send");
        // A reply has begun to stream (a few words at 100 ms a word); the turn is far from over.
        wait.until(d -> browser.findElements(By.cssSelector(".msg.agent.streaming")).stream()
                .anyMatch(b -> b.findElement(By.className("text")).getText().split(" ").length >= 3));
        stop.click();
        awaitTurnOver();

        List<WebElement> stopped = browser.findElements(By.cssSelector(".msg.agent.stopped"));
        assertTrue(!stopped.isEmpty(), "the replies that were streaming are marked stopped");
        for (WebElement reply : stopped) {
            assertEquals("stopped", reply.findElement(By.className("badge")).getText());
            assertTrue(reply.getAttribute("class").contains("complete") && !reply.getAttribute("class").contains("streaming"),
                    reply.getAttribute("class"));
        }
        assertTrue(browser.findElements(By.cssSelector(".msg.agent.streaming")).isEmpty(), "nothing streams on");
        screenshot("chat-page-stopped");

        // The log keeps the mark: after a refresh the replay shows the same replies stopped (a reply stopped
        // before its first word is not logged).
        long count = stopped.stream().filter(b -> !b.getAttribute("textContent").contains("(stopped before")).count();
        browser.navigate().refresh();
        wait.until(ExpectedConditions.textToBe(By.id("state"), "connected"));
        wait.until(d -> browser.findElements(By.cssSelector(".msg.agent.stopped .badge")).size() == count);
        awaitTurnOver();
    }

    JsonObject world(String user, String world) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + server.port() + "/api/users/" + user + "/worlds/" + world)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return JsonParser.parseString(r.body()).getAsJsonObject();
    }

    // Read in one script: the agent list is drawn again as counts change, which would stale a found element.
    String card(String agent) {
        return (String) browser.executeScript("const e = document.querySelector(arguments[0]);"
                + " return e ? e.innerText.trim() : '';", ".agent[data-agent='" + agent + "'] .counts");
    }

    /** Waits until Ada's card shows what the server says of her now, with more in memory than before. */
    int awaitAdasCountsAfterTurn(String user, int memoryBefore) throws Exception {
        int[] memory = {0};
        new WebDriverWait(browser, Duration.ofSeconds(15)).withMessage(() -> "Ada's card says " + card("ada")).until(d -> {
            try {
                JsonObject w = world(user, "counting");
                for (JsonElement e : (JsonArray) w.get("agents")) {
                    JsonObject a = e.getAsJsonObject();
                    if (a.get("id").getAsString().equals("ada")) {
                        memory[0] = a.get("memorySize").getAsInt();
                        return memory[0] > memoryBefore && card("ada").equals(memory[0] + " in memory · "
                                + a.get("llmCallCount").getAsInt() + " of " + w.get("turnLimit").getAsInt()
                                + " calls this turn");
                    }
                }
                return false;
            } catch (Exception ex) {
                throw new IllegalStateException(ex);
            }
        });
        return memory[0];
    }

    @Test
    void theAgentsCountsAreTheWorldsAfterEachTurn() throws Exception {
        serve(offline(Duration.ZERO), b -> b);
        openPage();
        enterWorld("default-world", "Counting");
        wait.until(d -> card("ada").equals("0 in memory · 0 of 5 calls this turn"));
        String user = (String) browser.executeScript("return window.worldlink.userId");

        send("First question");
        awaitShown(List.of("First question"), 2);
        int first = awaitAdasCountsAfterTurn(user, 0);
        assertTrue(card("ada").endsWith("· 1 of 5 calls this turn"), card("ada"));

        send("Second question");
        awaitShown(List.of("First question", "Second question"), 4);
        awaitAdasCountsAfterTurn(user, first);
        assertTrue(card("ada").endsWith("· 1 of 5 calls this turn"), "the count starts again with each turn: "
                + card("ada"));
    }
}
