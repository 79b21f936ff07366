package io.worldlink.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.worldlink.model.ChatListener;
import io.worldlink.model.Usage;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * Agents' replies are Markdown, shown as formatted text while they stream and when complete; nothing a model
 * or a person writes reaches the page as HTML, and no link leads anywhere but to a web page.
 */
class ChatPageMarkdownBrowserTest extends PageBrowserTest {
    static final String STREAMED = """
            # Plan
            Use **bold**, *emphasis*, `inline <b>code</b>` and [the docs](https://example.com/docs?q=1).

            - first
            - second, with `code`
              1. nested one
              2. nested two

            ```java
            System.out.pr""";
    static final String REST = """
            intln("<b>hi</b>");
            ```
            <img src=x onerror="window.pwned=1"> and <script>window.pwned=2</script>
            [a trap](javascript:window.pwned=3) and ![a pixel](data:image/png;base64,AAAA)
            > quoted ~~wrong~~ right

            | name | value |
            |------|------:|
            | a    | 1     |""";

    WebElement reply() {
        return browser.findElement(By.cssSelector(".msg.agent"));
    }

    List<String> texts(String selector) {
        return reply().findElements(By.cssSelector(selector)).stream().map(e -> e.getAttribute("textContent")).toList();
    }

    @Test
    void rendersMarkdownAsItStreamsAndWhenCompleteAndNeverAsHtml() throws Exception {
        ScriptedModel model = ScriptedModel.held();
        serve(offline(Duration.ZERO).chatModel("offline", model), b -> b);
        openPage();
        enterWorld("fast-world", "markdown");
        send("Show me some Markdown");
        ChatListener call = model.nextCall();
        // Cut where a real model's tokens may cut: inside a mark, inside a fence that is not closed yet.
        for (String chunk : STREAMED.split("(?<=\\*\\*bo|in|Pl)")) {
            call.onChunk(chunk);
        }

        wait.until(d -> texts(".codeblock code").equals(List.of("System.out.pr")));
        assertTrue(reply().getAttribute("class").contains("streaming"), reply().getAttribute("class"));
        assertEquals(List.of("Plan"), texts("h3"));
        assertEquals(List.of("bold"), texts("strong"));
        assertEquals(List.of("emphasis"), texts("em"));
        assertEquals(List.of("inline <b>code</b>", "code"), texts("p > code, li code"));
        assertEquals(List.of("first", "second, with code"), texts(".text > ul > li > p"),
                "two items, the second with a list of its own");
        assertEquals(List.of("nested one", "nested two"), texts("ul > li > ol > li"));
        WebElement docs = reply().findElement(By.cssSelector("a"));
        assertEquals("https://example.com/docs?q=1", docs.getAttribute("href"));
        assertEquals("the docs", docs.getText());
        assertEquals("_blank", docs.getAttribute("target"));
        assertEquals("noopener noreferrer", docs.getAttribute("rel"));

        for (String chunk : REST.split("(?<=on|<|\\|)")) {
            call.onChunk(chunk);
        }
        call.onComplete(Usage.NONE);
        wait.until(d -> reply().getAttribute("class").contains("complete"));

        WebElement text = reply().findElement(By.className("text"));
        assertEquals(List.of("System.out.println(\"<b>hi</b>\");"), texts(".codeblock code"));
        assertEquals("java", reply().findElement(By.cssSelector(".codeblock .lang")).getText());
        assertTrue(text.getText().contains("<img src=x onerror=\"window.pwned=1\"> and <script>window.pwned=2</script>"),
                text.getText());
        assertTrue(text.getText().contains("[a trap](javascript:window.pwned=3)"), text.getText());
        assertTrue(text.getText().contains("![a pixel](data:image/png;base64,AAAA)"), text.getText());
        assertEquals(List.of(), texts(".text b, .text img, .text script, .text iframe"), "no element from the model's text");
        assertEquals(List.of("the docs"), texts("a"), "only the web link is a link");
        assertEquals(List.of("wrong"), texts("blockquote del"));
        assertEquals(List.of("name", "value", "a", "1"), texts("table th, table td"));
        assertNull(browser.executeScript("return window.pwned"), "nothing the model wrote ran");
    }

    @Test
    void rawHtmlThatAPersonSendsAndTheOfflineModelQuotesShowsAsText() throws Exception {
        serve(offline(Duration.ZERO), b -> b);
        openPage();
        enterWorld("fast-world", "quotes");
        String message = "<img src=x onerror=window.pwned=1> is **bold**";
        send(message);
        awaitShown(List.of(message), 1);

        // The offline model quotes the message: its reply carries the tag as text and the emphasis as Markdown.
        WebElement text = reply().findElement(By.className("text"));
        assertTrue(text.getText().contains("<img src=x onerror=window.pwned=1> is bold"), text.getText());
        assertEquals(List.of("bold"), texts("strong"));
        assertEquals(0L, browser.executeScript("return document.querySelectorAll('#messages img').length"));
        assertNull(browser.executeScript("return window.pwned"), "nothing the person wrote ran");
    }

    @Test
    void copiesACodeBlock() throws Exception {
        String code = "for (int i = 0; i < 3; i++) {\n    System.out.println(i);\n}";
        serve(offline(Duration.ZERO).chatModel("offline",
                ScriptedModel.answering(r -> "Try this:\n\n```java\n" + code + "\n```\n")), b -> b);
        openPage();
        browser.executeCdpCommand("Browser.grantPermissions", Map.of("origin", "http://127.0.0.1:" + server.port(),
                "permissions", List.of("clipboardReadWrite", "clipboardSanitizedWrite")));
        enterWorld("fast-world", "copies");
        send("A loop, please");
        awaitShown(List.of("A loop, please"), 1);

        WebElement copy = reply().findElement(By.cssSelector(".codeblock button.copy"));
        assertEquals("Copy the java code", copy.getAttribute("aria-label"));
        copy.click();
        wait.until(ExpectedConditions.attributeToBe(copy, "aria-label", "Copied"));
        assertEquals(code, browser.executeAsyncScript(
                "const done = arguments[arguments.length - 1]; navigator.clipboard.readText().then(done, e => done(String(e)))"));
    }
}
