package io.worldlink.internal.model;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A local HTTP server that answers {@code /{behaviour}/chat/completions} the way OpenAI streams, or
 * fails in one of the ways real servers do. Each request body and its Authorization header are kept.
 */
public final class FakeOpenAiServer implements AutoCloseable {
    record Request(String path, String authorization, String body) {}

    final BlockingQueue<Request> requests = new LinkedBlockingQueue<>();
    private final HttpServer server;
    private final CountDownLatch release = new CountDownLatch(1);
    private volatile String switchable = "normal";

    public FakeOpenAiServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", this::handle);
        server.start();
    }

    /**
     * @param behaviour normal, nousage, 500, 401, cut, stall, malformed, nofinish
     * @return the base URL that behaves so
     */
    public URI base(String behaviour) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/" + behaviour);
    }

    /**
     * @param behaviour how {@code base("switchable")} answers from now on (the operator fixed the model)
     */
    public void behave(String behaviour) {
        switchable = behaviour;
    }

    static String chunk(String content) {
        return "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
                + "\"delta\":{\"content\":\"" + content + "\"},\"finish_reason\":null}]}\n\n";
    }

    static final String FINISH =
            "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n";
    static final String USAGE =
            "data: {\"id\":\"c1\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":3,\"total_tokens\":15}}\n\n";

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        requests.add(new Request(path, ex.getRequestHeaders().getFirst("Authorization"), body));
        String behaviour = path.split("/")[1];
        if (behaviour.equals("switchable")) {
            behaviour = switchable;
        }
        try (ex) {
            switch (behaviour) {
                case "normal" -> stream(ex, ": keep-alive comment\n\n" + chunk("Hel")
                        // a data field split over two lines is joined with a newline, still valid JSON
                        + "data: {\"choices\":[{\"delta\":\ndata: {\"content\":\"lo \"}}]}\n\n"
                        + chunk("world") + FINISH + USAGE + "data: [DONE]\n\n");
                case "nousage" -> stream(ex, chunk("Hi") + FINISH + "data: [DONE]\n\n");
                case "nofinish" -> stream(ex, chunk("Hi"));
                case "500" -> plain(ex, 500, "{\"error\":{\"message\":\"The server had an error while processing "
                        + "your request.\",\"type\":\"server_error\"}}");
                case "401" -> plain(ex, 401, "{\"error\":{\"message\":\"Incorrect API key provided: sk-test-secret. "
                        + "You can find your API key at your dashboard.\",\"type\":\"invalid_request_error\"}}");
                case "cut" -> {
                    byte[] part = (chunk("Hel") + chunk("lo")).getBytes(StandardCharsets.UTF_8);
                    ex.getResponseHeaders().set("Content-Type", "text/event-stream");
                    ex.sendResponseHeaders(200, part.length + 1000L);
                    ex.getResponseBody().write(part);
                    ex.getResponseBody().flush();
                    // Closing now leaves the promised length unsent: the client sees the connection break.
                }
                case "stall" -> {
                    ex.getResponseHeaders().set("Content-Type", "text/event-stream");
                    ex.sendResponseHeaders(200, 0);
                    OutputStream out = ex.getResponseBody();
                    out.write(chunk("Hel").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    release.await(30, TimeUnit.SECONDS);
                }
                case "leaky" -> plain(ex, 500, "<html><body>Internal dashboard. admin token=hunter2-admin</body></html>");
                case "longerror" -> plain(ex, 400, "{\"error\":{\"message\":\"" + "x".repeat(500) + "\"}}");
                case "malformed" -> stream(ex, chunk("Hel") + "data: {\"choices\": [oops\n\n" + chunk("lo"));
                case "endless" -> stream(ex, chunk("Hel") + "data: " + "x".repeat(2 * 1024 * 1024));
                default -> plain(ex, 404, "no such behaviour");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // The client went away: expected for the cut and stall cases.
        }
    }

    private static void stream(HttpExchange ex, String events) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        for (String part : events.split("(?<=\n\n)")) {
            out.write(part.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }

    private static void plain(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        release.countDown();
        server.stop(0);
    }
}
