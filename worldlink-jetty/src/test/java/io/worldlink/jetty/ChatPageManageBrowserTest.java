package io.worldlink.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.worldlink.Identity;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

/**
 * Managing worlds and agents from the page: create a world (empty or from a template) and enter it, add and
 * remove agents, change the world's settings and delete it, with a second tab of the same user in the same
 * world that sees every change, and the server's refusals shown as readable text.
 */
class ChatPageManageBrowserTest extends PageBrowserTest {
    void createWorld(String name, String template, String description) {
        open("create-world");
        WebElement field = browser.findElement(By.id("new-name"));
        field.clear();
        field.sendKeys(name);
        browser.findElement(By.id("new-description")).sendKeys(description);
        new Select(browser.findElement(By.id("new-template"))).selectByValue(template);
        browser.findElement(By.id("create")).click();
    }

    /** Opens a disclosure as a person would, unless it is open already (a click would close it). */
    void open(String details) {
        WebElement form = browser.findElement(By.id(details));
        if (form.getAttribute("open") == null) {
            form.findElement(By.tagName("summary")).click();
        }
    }

    void addAgent(String name, String prompt) {
        open("add-agent");
        browser.findElement(By.id("agent-name")).sendKeys(name);
        browser.findElement(By.id("agent-prompt")).sendKeys(prompt);
        browser.findElement(By.id("add-agent-button")).click();
        wait.until(ExpectedConditions.textToBe(By.id("agent-note"), "Added " + name + "."));
    }

    By card(String id) {
        return By.cssSelector(".agent[data-agent='" + id + "']");
    }

    /** Opens a second tab of the same anonymous user in the world the first tab is in; returns to neither. */
    String secondTabInTheSameWorld(String world) {
        String user = (String) browser.executeScript("return window.worldlink.userId");
        browser.switchTo().newWindow(WindowType.TAB);
        openPage();
        // What a refresh of the first tab would find: the same user, in the same world.
        browser.executeScript("sessionStorage.setItem('worldlink.user', arguments[0]);"
                + "sessionStorage.setItem('worldlink.world', JSON.stringify({ template: null, world: arguments[1],"
                + " userId: arguments[0] }))", user, world);
        browser.navigate().refresh();
        wait.until(ExpectedConditions.textToBe(By.id("state"), "connected"));
        return user;
    }

    List<String> systemNotes() {
        return browser.findElements(By.cssSelector(".system")).stream().map(WebElement::getText).toList();
    }

    @Test
    void anEmptyWorldGetsTwoAgentsThatAnswerAndLosesOneAndASecondTabSeesBoth() throws Exception {
        serve(offline(Duration.ofMillis(10)), b -> b);
        openPage();
        createWorld("My Lab", "", "Where we try things.");
        wait.until(ExpectedConditions.textToBe(By.id("world-title"), "my-lab"));
        wait.until(ExpectedConditions.textToBe(By.id("state"), "connected"));
        assertTrue(browser.findElements(By.cssSelector(".agent")).isEmpty(), "an empty world has no agents");
        String first = browser.getWindowHandle();
        secondTabInTheSameWorld("my-lab");
        String second = browser.getWindowHandle();

        browser.switchTo().window(first);
        addAgent("Ada", "You are Ada.");
        addAgent("Ben", "You are Ben.");
        browser.executeScript("document.getElementById('add-agent').scrollIntoView({ block: 'end' })");
        screenshot("chat-page-manage");
        send("Hello, both of you");
        awaitShown(List.of("Hello, both of you"), 2);
        assertEquals(List.of("Ada", "Ben"),
                completeReplies().stream().map(e -> e.getAttribute("data-sender")).sorted().toList());
        awaitTurnOver();

        // The other tab was told of both agents without asking, and removes one itself.
        browser.switchTo().window(second);
        wait.until(d -> browser.findElements(card("ada")).size() == 1 && browser.findElements(card("ben")).size() == 1);
        clickRedrawn(By.cssSelector(".agent[data-agent='ben'] .remove"));
        wait.until(ExpectedConditions.alertIsPresent()).accept();
        wait.until(ExpectedConditions.numberOfElementsToBe(card("ben"), 0));

        browser.switchTo().window(first);
        wait.until(ExpectedConditions.numberOfElementsToBe(card("ben"), 0));
        assertEquals(1, browser.findElements(card("ada")).size());
        assertTrue(systemNotes().contains("Ben left the world."), systemNotes().toString());
        send("Only Ada now?");
        awaitShown(List.of("Hello, both of you", "Only Ada now?"), 3);
        awaitTurnOver();
        assertEquals(3, completeReplies().size(), "Ben no longer answers");
        assertEquals("Ada", completeReplies().get(2).getAttribute("data-sender"));
    }

    @Test
    void deletingAWorldTellsEveryTabInItAndSettingsChangesReachThemToo() throws Exception {
        serve(offline(Duration.ofMillis(10)), b -> b);
        openPage();
        createWorld("Doomed", "fast-world", "Not for long.");
        wait.until(ExpectedConditions.textToBe(By.id("world-title"), "doomed"));
        wait.until(ExpectedConditions.numberOfElementsToBe(card("quick"), 1));
        String first = browser.getWindowHandle();
        String user = secondTabInTheSameWorld("doomed");
        String second = browser.getWindowHandle();

        browser.switchTo().window(first);
        browser.findElement(By.cssSelector("#world-settings summary")).click();
        wait.until(ExpectedConditions.attributeToBe(By.id("world-description"), "value", "Not for long."));
        WebElement limit = browser.findElement(By.id("turn-limit"));
        limit.clear();
        limit.sendKeys("3");
        browser.findElement(By.id("save-world")).click();
        wait.until(ExpectedConditions.textToBe(By.id("world-note"), "Saved."));

        browser.switchTo().window(second);
        wait.until(d -> systemNotes().contains("The world's settings changed: Doomed, turn limit 3."));
        assertEquals("3", browser.findElement(By.id("turn-limit")).getAttribute("value"));

        browser.switchTo().window(first);
        browser.findElement(By.id("delete-world")).click();
        wait.until(ExpectedConditions.alertIsPresent()).accept();
        wait.until(ExpectedConditions.textToBe(By.id("state"), "not connected"));
        assertTrue(systemNotes().contains("You deleted the world doomed."), systemNotes().toString());

        browser.switchTo().window(second);
        wait.until(ExpectedConditions.textToBe(By.id("state"), "not connected"));
        assertTrue(systemNotes().contains(
                "The world doomed was deleted by someone else: it is gone, with its conversation."),
                systemNotes().toString());
        for (String tab : List.of(first, second)) {
            browser.switchTo().window(tab);
            assertFalse(browser.findElement(By.id("this-world")).isDisplayed(), "no world to manage");
            assertTrue(browser.findElements(By.cssSelector(".agent")).isEmpty(), "no agents left");
            assertFalse(browser.findElement(By.id("input")).isEnabled(), "nothing to chat with");
            assertEquals("", browser.findElement(By.id("world-title")).getText());
        }
        assertEquals(List.of(), link.worlds(Identity.ANONYMOUS, user));
    }

    @Test
    void refusalsAreReadableAndLeaveThePageInItsWorld() throws Exception {
        serve(offline(Duration.ofMillis(10)).maxWorldsPerUser(100, 2), b -> b);
        openPage();
        enterWorld("fast-world", "First");
        // Written, so that it is still the user's world once the page has moved on.
        send("hello");
        awaitTurnOver();

        createWorld("first", "", "");
        wait.until(ExpectedConditions.attributeContains(By.id("create-note"), "class", "error"));
        String taken = browser.findElement(By.id("create-note")).getText();
        assertTrue(taken.startsWith("Not created: That name cannot be used."), taken);
        assertTrue(taken.contains("first"), "the server says which name: " + taken);

        browser.findElement(By.id("new-name")).clear();
        browser.findElement(By.id("new-name")).sendKeys("Second");
        browser.findElement(By.id("create")).click();
        wait.until(ExpectedConditions.textToBe(By.id("world-title"), "second"));

        createWorld("Third", "default-world", "");
        wait.until(ExpectedConditions.attributeContains(By.id("create-note"), "class", "error"));
        String quota = browser.findElement(By.id("create-note")).getText();
        assertTrue(quota.startsWith("Not created: A limit of the server was reached."), quota);
        assertFalse(quota.contains("{") || quota.contains("QUOTA_EXCEEDED"), "no raw JSON or codes: " + quota);
        assertEquals("connected", browser.findElement(By.id("state")).getText(), "still in the world");
        assertEquals("second", browser.findElement(By.id("world-title")).getText());

        // An agent the server refuses (a reserved name) is explained where it was asked for.
        addAgentRefused("System");
    }

    void addAgentRefused(String name) {
        open("add-agent");
        browser.findElement(By.id("agent-name")).sendKeys(name);
        browser.findElement(By.id("add-agent-button")).click();
        wait.until(ExpectedConditions.attributeContains(By.id("agent-note"), "class", "error"));
        String refused = browser.findElement(By.id("agent-note")).getText();
        assertTrue(refused.startsWith("That name cannot be used."), refused);
        assertTrue(browser.findElements(By.cssSelector(".agent[data-agent='system']")).isEmpty());
    }

    @Test
    void theManagementFormsFitAPhoneDrawer() throws Exception {
        serve(offline(Duration.ofMillis(10)), b -> b);
        browser.executeCdpCommand("Emulation.setDeviceMetricsOverride",
                Map.of("width", 360, "height", 740, "deviceScaleFactor", 2, "mobile", true));
        openPage();
        WebElement panel = browser.findElement(By.id("sidebar"));
        wait.until(ExpectedConditions.visibilityOf(panel));
        createWorld("Pocket", "fast-world", "");
        wait.until(ExpectedConditions.textToBe(By.id("world-title"), "pocket"));
        wait.until(ExpectedConditions.invisibilityOf(panel));

        browser.findElement(By.id("menu")).click();
        wait.until(ExpectedConditions.visibilityOf(panel));
        browser.findElement(By.cssSelector("#world-settings summary")).click();
        browser.findElement(By.cssSelector("#add-agent summary")).click();
        assertEquals(0L, browser.executeScript("const s = document.getElementById('sidebar');"
                + " return Math.max(0, s.scrollWidth - s.clientWidth)"), "nothing in the drawer scrolls sideways");
        assertEquals(0L, browser.executeScript(
                "return Math.max(0, document.documentElement.scrollWidth - window.innerWidth)"), "nor the page");
        browser.executeScript("document.getElementById('world-settings').scrollIntoView()");
        screenshot("chat-page-manage-phone");
    }
}
