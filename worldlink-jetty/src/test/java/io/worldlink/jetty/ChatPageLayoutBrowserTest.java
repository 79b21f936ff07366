package io.worldlink.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.worldlink.model.ChatRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * The page on a phone (360 px wide) and on a wide screen (1,440 px), in light and dark: the side panel is a
 * drawer on the phone, the chat keeps the width, nothing scrolls sideways, and the message box and its button
 * stay in view. Each case leaves a screenshot in {@code target/}; the README shows copies from {@code docs/}.
 */
class ChatPageLayoutBrowserTest extends PageBrowserTest {
    static final String ADA = """
            Learning Java goes fastest with **small programs you run yourself**:

            1. Install a JDK (17 or newer) and check it with `java -version`.
            2. Write a first program and run it with `java Hello.java Ada`:

            ```java
            public class Hello {
                public static void main(String[] args) {
                    System.out.println("Hello, " + args[0] + "! Welcome to Java, one small program at a time.");
                }
            }
            ```

            3. Read [the Java tutorials](https://dev.java/learn/) one chapter a day.
            """;
    static final String BEN = """
            ### A plan for two weeks
            | week | practise |
            |------|----------|
            | 1 | syntax, types, `String` |
            | 2 | collections and streams |

            > Build something small each week: it *sticks* better than reading.
            """;

    static String reply(ChatRequest request) {
        return request.agentId().equals("ada") ? ADA : BEN;
    }

    void emulateColorScheme(String scheme) {
        browser.executeCdpCommand("Emulation.setEmulatedMedia",
                Map.of("features", List.of(Map.of("name", "prefers-color-scheme", "value", scheme))));
    }

    // As the page computes it (rgb(...)), not as Selenium rewrites it.
    Object computed(WebElement element, String property) {
        return browser.executeScript("return getComputedStyle(arguments[0])[arguments[1]]", element, property);
    }

    double number(String script) {
        return ((Number) browser.executeScript(script)).doubleValue();
    }

    void chatAboutJava() {
        send("How do I learn Java?");
        awaitShown(List.of("How do I learn Java?"), 2);
        awaitTurnOver();
    }

    /** Nothing scrolls sideways, and the message box and Send are whole and in view. */
    void assertFits(String screen) {
        double width = number("return window.innerWidth");
        assertTrue(number("return document.documentElement.scrollWidth") <= width, screen + ": the page scrolls sideways");
        assertTrue(number("const m = document.getElementById('messages'); return m.scrollWidth - m.clientWidth") <= 0,
                screen + ": the messages scroll sideways");
        for (String id : List.of("input", "send")) {
            WebElement e = browser.findElement(By.id(id));
            assertTrue(e.isDisplayed() && e.isEnabled(), screen + ": " + id + " is usable");
            Map<?, ?> box = (Map<?, ?>) browser.executeScript(
                    "const r = arguments[0].getBoundingClientRect(); return {left: r.left, right: r.right, top: r.top, "
                    + "bottom: r.bottom, height: window.innerHeight}", e);
            assertTrue(((Number) box.get("left")).doubleValue() >= 0 && ((Number) box.get("right")).doubleValue() <= width
                    && ((Number) box.get("top")).doubleValue() >= 0
                    && ((Number) box.get("bottom")).doubleValue() <= ((Number) box.get("height")).doubleValue(),
                    screen + ": " + id + " lies inside the screen: " + box);
        }
    }

    @Test
    void onAPhoneThePanelIsADrawerAndTheChatKeepsTheWidth() throws Exception {
        serve(offline(Duration.ZERO).chatModel("offline", ScriptedModel.answering(ChatPageLayoutBrowserTest::reply)),
                b -> b);
        emulateScreen(360, 740, true);
        openPage();
        WebElement menu = browser.findElement(By.id("menu"));
        WebElement panel = browser.findElement(By.id("sidebar"));
        // Nothing is chosen yet: the drawer is open at the start, to choose a world.
        wait.until(ExpectedConditions.visibilityOf(panel));
        assertEquals("true", menu.getAttribute("aria-expanded"));
        enterWorld("default-world", "Phone World");
        wait.until(ExpectedConditions.invisibilityOf(panel));
        assertEquals("false", menu.getAttribute("aria-expanded"));
        assertEquals("phone-world", browser.findElement(By.id("world-title")).getText(), "the world in the header");
        assertEquals(360.0, number("return document.getElementById('chat').getBoundingClientRect().width"),
                "the chat has the whole width");

        chatAboutJava();
        assertFits("360 px");
        assertTrue(number("const p = document.querySelector('.codeblock pre'); return p.scrollWidth - p.clientWidth") > 0,
                "a long line of code scrolls inside its block");
        browser.executeScript("document.getElementById('messages').scrollTop = 0");
        screenshot("chat-page-phone");

        menu.click();
        wait.until(ExpectedConditions.visibilityOf(panel));
        assertEquals("true", menu.getAttribute("aria-expanded"));
        assertEquals(2, panel.findElements(By.cssSelector(".agent")).size());
        screenshot("chat-page-phone-panel");
        browser.findElement(By.id("world")).sendKeys(Keys.ESCAPE);
        wait.until(ExpectedConditions.invisibilityOf(panel));
        assertEquals("false", menu.getAttribute("aria-expanded"));

        // A tap on the dimmed chat beside the drawer closes it too.
        menu.click();
        wait.until(ExpectedConditions.visibilityOf(panel));
        new Actions(browser).moveToLocation(350, 400).click().perform();
        wait.until(ExpectedConditions.invisibilityOf(panel));
    }

    @Test
    void onAWideScreenThePanelStaysBesideTheChat() throws Exception {
        serve(offline(Duration.ZERO).chatModel("offline", ScriptedModel.answering(ChatPageLayoutBrowserTest::reply)),
                b -> b);
        emulateScreen(1440, 900, false);
        emulateColorScheme("light");
        openPage();
        assertTrue(!browser.findElement(By.id("menu")).isDisplayed(), "no drawer button where the panel fits");
        enterWorld("default-world", "Learning Java");
        chatAboutJava();
        assertEquals(300.0, number("return document.getElementById('sidebar').getBoundingClientRect().width"));
        assertEquals(1140.0, number("return document.getElementById('chat').getBoundingClientRect().width"));
        assertTrue(browser.findElement(By.id("sidebar")).isDisplayed());
        assertFits("1,440 px");
        screenshot("chat-page");
    }

    @Test
    void followsTheSystemsDarkColorScheme() throws Exception {
        serve(offline(Duration.ZERO).chatModel("offline", ScriptedModel.answering(ChatPageLayoutBrowserTest::reply)),
                b -> b);
        emulateScreen(1440, 900, false);
        String background = "return getComputedStyle(document.body).backgroundColor";
        emulateColorScheme("light");
        openPage();
        assertEquals("rgb(246, 247, 249)", browser.executeScript(background));

        emulateColorScheme("dark");
        wait.until(d -> "rgb(15, 20, 27)".equals(browser.executeScript(background)));
        enterWorld("default-world", "Night Owls");
        chatAboutJava();
        WebElement bubble = completeReplies().get(0);
        assertEquals("rgb(23, 29, 38)", computed(bubble, "backgroundColor"), "replies sit on the dark panel");
        assertEquals("rgb(230, 233, 239)", computed(bubble, "color"), "in light text");
        assertEquals("rgb(15, 20, 27)", computed(browser.findElement(By.id("input")), "backgroundColor"),
                "the message box is dark too");
        screenshot("chat-page-dark");
    }
}
