package io.worldlink.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.worldlink.TestData;
import io.worldlink.WorldLink;
import io.worldlink.jetty.WorldLinkServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Java snippet in the README is compiled and run as it stands (only its server address and data
 * folder are pointed at this test's), so a snippet that stops compiling or stops printing fails here.
 */
class ReadmeSnippetsTest {
    private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    private static final String IMPORTS = """
            import io.worldlink.*;
            import io.worldlink.client.*;
            import io.worldlink.event.EventLogStore;
            import io.worldlink.jetty.*;
            import java.net.URI;
            import java.nio.file.Path;
            import java.time.Instant;
            import java.util.UUID;
            import java.util.concurrent.CompletableFuture;
            """;

    @TempDir
    Path work;

    @Test
    void everyJavaSnippetInTheReadmeCompilesAndRuns() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        List<String> snippets = new ArrayList<>();
        Matcher m = JAVA_BLOCK.matcher(readme);
        while (m.find()) {
            snippets.add(m.group(1));
        }
        assertTrue(snippets.size() >= 2, "the README shows embedding and the client");

        Path data = TestData.withShippedTemplates(work.resolve("data"));
        try (WorldLink link = WorldLink.builder().dataRoot(data).environment(Map.of()).offlinePace(Duration.ZERO)
                .build();
                WorldLinkServer server = WorldLinkServer.builder(link).port(0).build().start()) {
            for (int i = 0; i < snippets.size(); i++) {
                String body = snippets.get(i).replace("ws://127.0.0.1:8080/ws", server.webSocketUri().toString())
                        .replace("Path.of(\"data\")", "Path.of(\"" + data.toString().replace("\\", "\\\\") + "\")");
                String printed = run("Snippet" + i, body);
                assertTrue(!printed.isBlank(), "snippet " + i + " printed nothing:\n" + body);
                if (body.contains("client.chat(")) {
                    assertTrue(printed.contains("ada said") && printed.contains("ben said"), printed);
                }
            }
        }
    }

    private String run(String name, String body) throws Exception {
        Path source = work.resolve(name + ".java");
        Files.writeString(source, IMPORTS + "public class " + name + " {\n"
                + "    public static void main(String[] args) throws Exception {\n" + body + "\n    }\n}\n");
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int status = javac.run(null, null, errors, "-cp", System.getProperty("java.class.path"), "-d",
                work.toString(), source.toString());
        assertEquals(0, status, "the README's snippet does not compile:\n" + errors + "\n" + body);
        PrintStream out = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {work.toUri().toURL()},
                ReadmeSnippetsTest.class.getClassLoader())) {
            System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
            loader.loadClass(name).getMethod("main", String[].class).invoke(null, (Object) new String[0]);
        } finally {
            System.setOut(out);
        }
        return printed.toString(StandardCharsets.UTF_8);
    }
}
