package io.worldlink.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.worldlink.client.WorldLinkClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * A long chat on the page: after a refresh it shows the newest messages the server sends at once, with
 * "Load earlier messages" above them while older ones exist; each click brings the next older page above,
 * once each and in order, until the chat's start, where the control goes.
 */
class ChatPageHistoryBrowserTest extends PageBrowserTest {
    static final By EARLIER = By.id("earlier");

    @Test
    void loadsEarlierMessagesAboveUntilTheChatsStart() throws Exception {
        serve(offline(Duration.ZERO).rateLimit(1000, 1000), b -> b);
        openPage();
        enterWorld("fast-world", "Long Talk");
        assertTrue(browser.findElements(EARLIER).isEmpty(), "a new chat has nothing earlier");
        String user = (String) browser.executeScript("return window.worldlink.userId");

        List<String> said = new ArrayList<>();
        try (WorldLinkClient other = WorldLinkClient.builder(server.webSocketUri()).build()) {
            other.selectWorld("fast-world", "long-talk", user).get(15, TimeUnit.SECONDS);
            for (int i = 0; i < 90; i++) {
                String text = i == 3 ? "<b>not bold</b> & <i>not italic</i>" : "message " + i;
                other.chat(text).get(15, TimeUnit.SECONDS);
                said.add(text);
            }
        }
        browser.navigate().refresh();
        wait.until(ExpectedConditions.textToBe(By.id("state"), "connected"));
        wait.until(ExpectedConditions.visibilityOfElementLocated(EARLIER));
        List<String> shown = humanMessages();
        assertTrue(shown.size() < said.size() && !shown.isEmpty(), "the newest only: " + shown.size());
        assertEquals(said.subList(said.size() - shown.size(), said.size()), shown);
        assertEquals("Load earlier messages", browser.findElement(EARLIER).getText());

        int clicks = 0;
        while (!browser.findElements(EARLIER).isEmpty()) {
            int before = humanMessages().size();
            browser.findElement(EARLIER).click();
            clicks++;
            wait.until(d -> humanMessages().size() > before || d.findElements(EARLIER).isEmpty());
            wait.until(d -> d.findElements(EARLIER).isEmpty() || d.findElement(EARLIER).isEnabled());
        }
        assertTrue(clicks >= 2, "pages of 100 events: " + clicks + " clicks");
        assertEquals(said, humanMessages(), "every message once, in order, the oldest first");
        assertEquals(said.size(), completeReplies().size());
        assertNull(browser.executeScript("return document.querySelector('.msg.human .text b, .msg.human .text i')"),
                "a message is shown as text");
    }
}
