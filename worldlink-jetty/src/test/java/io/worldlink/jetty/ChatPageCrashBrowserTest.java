package io.worldlink.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The page across a crash of a real server process: a reply cut off by {@code kill -9} is taken up again
 * after the restart under the same message id, and the page shows it in place of the half-written one.
 */
class ChatPageCrashBrowserTest extends PageBrowserTest {
    LauncherProcess process;

    @AfterEach
    void stopProcess() throws Exception {
        if (process != null) {
            process.close();
        }
    }

    @Test
    void aReplyTakenUpAfterACrashReplacesTheHalfWrittenOne() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        String[] options = {"--offline-pace-ms", "40", "--port", String.valueOf(port)};
        process = LauncherProcess.start(root, options);
        browser.get("http://127.0.0.1:" + port + "/");
        wait.until(d -> "true".equals(browser.findElement(By.id("template")).getAttribute("data-loaded")));
        enterWorld("default-world", "crash");
        // Every text an agent's bubble shows along the way, to check that none is ever a mix of two streams.
        browser.executeScript("window.shownTexts = [];"
                + "new MutationObserver(() => document.querySelectorAll('.msg.agent').forEach(b =>"
                + "  window.shownTexts.push([b.dataset.messageId, b.querySelector('.text').textContent])))"
                + ".observe(document.getElementById('messages'), {subtree: true, childList: true, characterData: true});");
        send("How do I learn Java?");
        wait.until(d -> browser.findElements(By.cssSelector(".msg.agent.streaming .text")).stream()
                .anyMatch(t -> t.getText().length() > 30));

        process.kill();
        process = LauncherProcess.start(root, options);

        new WebDriverWait(browser, Duration.ofSeconds(45)).withMessage("both replies complete after the restart")
                .until(d -> completeReplies().size() == 2);
        Map<String, String> shown = new TreeMap<>();
        for (WebElement reply : completeReplies()) {
            shown.put(reply.getAttribute("data-message-id"), normalized(reply.findElement(By.cssSelector(".text"))
                    .getText()));
        }
        Map<String, String> logged = logged();
        assertEquals(logged, shown, "each reply shows once, whole, under its message id");
        @SuppressWarnings("unchecked")
        List<List<String>> texts = (List<List<String>>) browser.executeScript("return window.shownTexts;");
        for (List<String> seen : texts) {
            String full = logged.get(seen.get(0));
            assertTrue(full.startsWith(normalized(seen.get(1))), "a bubble showed \"" + seen.get(1)
                    + "\", which is no beginning of its reply \"" + full + "\": two streams mixed");
        }
    }

    // The agents' replies as the world's log holds them, by message id.
    private Map<String, String> logged() throws Exception {
        Path log;
        try (Stream<Path> users = Files.list(root.resolve("users"))) {
            log = users.findFirst().orElseThrow().resolve("worlds/crash/events.jsonl");
        }
        Map<String, String> replies = new TreeMap<>();
        for (String line : Files.readAllLines(log)) {
            JsonObject e = JsonParser.parseString(line).getAsJsonObject();
            if (e.get("type").getAsString().equals("message") && e.get("senderType").getAsString().equals("agent")) {
                replies.put(e.get("id").getAsString(),
                        normalized(e.getAsJsonObject("payload").get("content").getAsString()));
            }
        }
        return replies;
    }

    private static String normalized(String text) {
        return text.replaceAll("\\s+", " ").strip();
    }
}
