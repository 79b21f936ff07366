package io.worldlink.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.worldlink.Chat;
import io.worldlink.client.WorldLinkClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The page's chats: the list in the side panel (newest first, the current one marked), a new chat, switching
 * between chats with each one's messages only, renaming and deleting, another client's changes shown as they
 * happen, the chat kept across a refresh and a drop, and the list in the phone's drawer.
 */
class ChatPageChatsBrowserTest extends PageBrowserTest {
    /** A chat as the list shows it. */
    record Row(String id, String name, String meta, boolean current) {
    }

    // Read in one script: the list is drawn again whenever a chat changes.
    @SuppressWarnings("unchecked")
    List<Row> chats() {
        List<Map<String, Object>> rows = (List<Map<String, Object>>) browser.executeScript("""
                return Array.from(document.querySelectorAll('#chats .chat'), e => ({ id: e.dataset.chat,
                  name: e.querySelector('.name').textContent, meta: e.querySelector('.meta').textContent,
                  current: e.classList.contains('current')
                      && e.querySelector('.open').getAttribute('aria-current') === 'true' }))""");
        return rows.stream().map(r -> new Row((String) r.get("id"), (String) r.get("name"), (String) r.get("meta"),
                (Boolean) r.get("current"))).toList();
    }

    Row current() {
        return chats().stream().filter(Row::current).findFirst().orElse(null);
    }

    By inChat(String chatId, String role) {
        return By.cssSelector("#chats [data-chat='" + chatId + "'] [data-role='" + role + "']");
    }

    /** Waits until the page is in this chat and shows these messages of people and this many replies. */
    void awaitInChat(String chatId, List<String> human, int replies) {
        new WebDriverWait(browser, Duration.ofSeconds(15))
                .withMessage(() -> "the page is in " + current() + " showing " + humanMessages() + " and "
                        + completeReplies().size() + " replies; expected " + chatId + " with " + human + " and " + replies)
                .until(d -> {
                    // Read once: the list is redrawn meanwhile, and may have no current chat for a moment.
                    Row current = current();
                    return current != null && current.id().equals(chatId) && humanMessages().equals(human)
                            && completeReplies().size() == replies;
                });
    }

    void chatAndWait(String text, List<String> shown, int replies) {
        send(text);
        awaitShown(shown, replies);
        awaitTurnOver();
    }

    String newChat() {
        String before = current().id();
        browser.findElement(By.id("new-chat")).click();
        wait.until(d -> current() != null && !current().id().equals(before));
        return current().id();
    }

    void rename(String chatId, String name) {
        clickRedrawn(inChat(chatId, "rename"));
        WebElement field = wait.until(ExpectedConditions.presenceOfElementLocated(By.id("rename-" + chatId)));
        assertEquals(field, browser.switchTo().activeElement(), "the name field has the focus");
        // The old name is selected: what is typed replaces it.
        field.sendKeys(name, Keys.ENTER);
    }

    /** Opens the phone's drawer and waits until it has slid all the way in. */
    void openDrawer() {
        browser.findElement(By.id("menu")).click();
        wait.until(d -> number("return document.getElementById('sidebar').getBoundingClientRect().left") == 0);
    }

    double number(String script) {
        return ((Number) browser.executeScript(script)).doubleValue();
    }

    @Test
    void createsSwitchesRenamesAndDeletesChatsAndShowsAnotherClientsChanges() throws Exception {
        serve(offline(Duration.ofMillis(10)), b -> b);
        openPage();
        enterWorld("fast-world", "Many Chats");
        wait.until(d -> chats().size() == 1 && current() != null);
        String first = current().id();
        chatAndWait("Hello from the first chat", List.of("Hello from the first chat"), 1);
        wait.until(d -> chats().get(0).meta().equals("2 messages"));

        String second = newChat();
        assertEquals(List.of(second, first), chats().stream().map(Row::id).toList(), "the new chat comes first");
        assertEquals("New Chat", chats().get(0).name());
        awaitInChat(second, List.of(), 0);
        assertEquals("Nothing said in this chat yet.", browser.findElement(By.cssSelector("#messages .empty")).getText());
        chatAndWait("Plans for the weekend", List.of("Plans for the weekend"), 1);
        // The server names a new chat after its first message, and tells every client.
        wait.until(d -> chats().get(0).name().equals("Plans for the weekend"));

        clickRedrawn(inChat(first, "open"));
        awaitInChat(first, List.of("Hello from the first chat"), 1);
        assertEquals(List.of(second, first), chats().stream().map(Row::id).toList(), "spoken in last, first");
        chatAndWait("Back in the first", List.of("Hello from the first chat", "Back in the first"), 2);
        wait.until(d -> chats().get(0).id().equals(first));

        // A name is text, however it looks; Escape leaves the editor without a change.
        rename(first, "<b>Tea</b> & \"biscuits\"");
        wait.until(d -> chats().get(0).name().equals("<b>Tea</b> & \"biscuits\""));
        assertNull(browser.executeScript("return document.querySelector('#chats b')"), "no markup from a name");
        clickRedrawn(inChat(first, "rename"));
        browser.findElement(By.id("rename-" + first)).sendKeys("not kept", Keys.ESCAPE);
        wait.until(ExpectedConditions.numberOfElementsToBe(By.id("rename-" + first), 0));
        assertEquals("rename", browser.switchTo().activeElement().getAttribute("data-role"), "the focus is back");
        assertEquals("<b>Tea</b> & \"biscuits\"", chats().get(0).name());

        // Deleting the chat the page is in moves it to the other one, with that chat's messages only.
        clickRedrawn(inChat(first, "delete"));
        wait.until(ExpectedConditions.alertIsPresent()).accept();
        awaitInChat(second, List.of("Plans for the weekend"), 1);
        assertEquals(List.of(second), chats().stream().map(Row::id).toList());

        String user = (String) browser.executeScript("return window.worldlink.userId");
        try (WorldLinkClient other = WorldLinkClient.builder(server.webSocketUri()).build()) {
            other.selectWorld("fast-world", "many-chats", user).get(15, TimeUnit.SECONDS);
            Chat elsewhere = other.createChat("From the other client").get(15, TimeUnit.SECONDS);
            wait.until(d -> chats().stream().map(Row::name).toList().equals(
                    List.of("From the other client", "Plans for the weekend")));
            assertEquals(second, current().id(), "another client's new chat does not move the page");
            other.renameChat(elsewhere.id(), "Renamed elsewhere").get(15, TimeUnit.SECONDS);
            wait.until(d -> chats().stream().anyMatch(r -> r.name().equals("Renamed elsewhere")));
            other.deleteChat(elsewhere.id()).get(15, TimeUnit.SECONDS);
            wait.until(d -> chats().stream().map(Row::id).toList().equals(List.of(second)));
        }
        awaitInChat(second, List.of("Plans for the weekend"), 1);
    }

    @Test
    void aRefreshAndADropKeepTheChatAndItsMessages() throws Exception {
        serve(offline(Duration.ofMillis(10)), b -> b);
        openPage();
        enterWorld("fast-world", "Kept Chats");
        wait.until(d -> current() != null);
        String first = current().id();
        chatAndWait("in the first chat", List.of("in the first chat"), 1);
        String second = newChat();
        chatAndWait("in the second chat", List.of("in the second chat"), 1);
        clickRedrawn(inChat(first, "open"));
        awaitInChat(first, List.of("in the first chat"), 1);

        // The second chat is the world's newest; the page comes back to the one it was in.
        browser.navigate().refresh();
        wait.until(ExpectedConditions.textToBe(By.id("state"), "connected"));
        awaitInChat(first, List.of("in the first chat"), 1);
        assertEquals(List.of(second, first), chats().stream().map(Row::id).toList());

        browser.executeScript("""
                window.selects = [];
                const send = WebSocket.prototype.send;
                WebSocket.prototype.send = function (data) {
                  const frame = JSON.parse(data);
                  if (frame.type === "world-select") window.selects.push(frame.payload);
                  return send.call(this, data);
                };""");
        browser.executeScript("window.worldlink.ws.close()");
        wait.until(d -> ((Number) browser.executeScript("return window.selects.length")).intValue() == 1);
        wait.until(ExpectedConditions.textToBe(By.id("state"), "connected"));
        Map<?, ?> resume = (Map<?, ?>) browser.executeScript("return window.selects[0]");
        assertEquals(first, resume.get("chatId"), "the page asks for its chat again: " + resume);
        assertTrue(((Number) resume.get("lastSeq")).longValue() > 0, "after what it saw: " + resume);
        chatAndWait("after the drop", List.of("in the first chat", "after the drop"), 2);
        awaitInChat(first, List.of("in the first chat", "after the drop"), 2);

        clickRedrawn(inChat(second, "open"));
        awaitInChat(second, List.of("in the second chat"), 1);
    }

    @Test
    void onAPhoneTheChatsAreInTheDrawerWhichClosesOnASwitch() throws Exception {
        serve(offline(Duration.ofMillis(10)), b -> b);
        emulateScreen(390, 844, true);
        openPage();
        WebElement panel = browser.findElement(By.id("sidebar"));
        wait.until(ExpectedConditions.visibilityOf(panel));
        enterWorld("fast-world", "Pocket");
        wait.until(ExpectedConditions.invisibilityOf(panel));
        wait.until(d -> current() != null);
        String first = current().id();
        chatAndWait("from the phone", List.of("from the phone"), 1);

        openDrawer();
        assertTrue(browser.findElement(By.id("new-chat")).isDisplayed(), "New chat is in the drawer");
        String second = newChat();
        wait.until(ExpectedConditions.invisibilityOf(panel));
        awaitInChat(second, List.of(), 0);
        chatAndWait("second, from the phone", List.of("second, from the phone"), 1);

        openDrawer();
        clickRedrawn(inChat(first, "open"));
        wait.until(ExpectedConditions.invisibilityOf(panel));
        awaitInChat(first, List.of("from the phone"), 1);

        // A name as long as the server takes, with nowhere to break, wraps inside the drawer.
        openDrawer();
        rename(first, "W".repeat(120));
        String longest = "W".repeat(100);
        new WebDriverWait(browser, Duration.ofSeconds(15)).withMessage(() -> "the chat is named " + current())
                .until(d -> current().name().equals(longest));
        assertEquals("true", browser.findElement(By.id("menu")).getAttribute("aria-expanded"),
                "renaming leaves the drawer open");
        assertTrue(number("return document.documentElement.scrollWidth") <= number("return window.innerWidth"),
                "the page does not scroll sideways");
        assertTrue(number("const s = document.getElementById('sidebar'); return s.scrollWidth - s.clientWidth") <= 0,
                "the drawer does not scroll sideways");
        assertTrue(number("return document.querySelector('#chats .chat.current').getBoundingClientRect().right")
                <= number("return document.getElementById('sidebar').getBoundingClientRect().right"),
                "the chat lies inside the drawer");
        screenshot("chat-page-phone-chats");
    }
}
