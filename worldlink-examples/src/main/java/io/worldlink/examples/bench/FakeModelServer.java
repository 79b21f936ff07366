package io.worldlink.examples.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * An OpenAI-compatible model on loopback that streams a fixed number of chunks at once, or with a pause
 * between them. Chunk i reads {@code "w<i> "}, and the time it was written is kept, so a client in this
 * JVM can measure how long the chunk took to reach it through WorldLink.
 */
final class FakeModelServer implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService pool;
    private final int chunks;
    private final long delayNanos;
    final AtomicLongArray lastEmit;
    final AtomicLong requests = new AtomicLong();

    FakeModelServer(int chunks, long delayMillis) throws IOException {
        this.chunks = chunks;
        this.delayNanos = TimeUnit.MILLISECONDS.toNanos(delayMillis);
        this.lastEmit = new AtomicLongArray(chunks);
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
        this.pool = Executors.newFixedThreadPool(64, r -> {
            Thread t = new Thread(r, "fake-model");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(pool);
        server.createContext("/v1/chat/completions", this::stream);
        server.start();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    private void stream(HttpExchange ex) throws IOException {
        requests.incrementAndGet();
        ex.getRequestBody().readAllBytes();
        ex.getResponseHeaders().set("Content-Type", "text/event-stream");
        ex.sendResponseHeaders(200, 0);
        try (OutputStream out = ex.getResponseBody()) {
            for (int i = 0; i < chunks; i++) {
                if (delayNanos > 0) {
                    TimeUnit.NANOSECONDS.sleep(delayNanos);
                }
                lastEmit.set(i, System.nanoTime());
                out.write(("data: {\"choices\":[{\"delta\":{\"content\":\"w" + i + " \"}}]}\n\n")
                        .getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
            out.write(("data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
                    + "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":" + chunks
                    + ",\"total_tokens\":" + (10 + chunks) + "}}\n\ndata: [DONE]\n\n").getBytes(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
