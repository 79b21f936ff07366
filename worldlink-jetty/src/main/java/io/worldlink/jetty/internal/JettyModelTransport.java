package io.worldlink.jetty.internal;

import io.worldlink.model.ChatCall;
import io.worldlink.model.ModelTransport;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CancellationException;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;

/**
 * The launcher's transport for the HTTP models: one Jetty {@link HttpClient} (HTTP/1.1) on a fixed set
 * of named threads ({@code worldlink-model-http-N}, and its timer {@code worldlink-model-http-timer}) for
 * all calls. The JDK's client hands every response
 * on through CompletableFuture's default executor, which on a machine of two cores or fewer starts a
 * thread per request, and reads on a pool that grows with the calls under way; this one does neither.
 * Like the JDK's default, it follows no redirect and keeps no cookie.
 */
public final class JettyModelTransport implements ModelTransport, AutoCloseable {
    private final HttpClient client;
    private final long callIdleTimeout;

    private JettyModelTransport(HttpClient client, long callIdleTimeout) {
        this.client = client;
        this.callIdleTimeout = callIdleTimeout;
    }

    /**
     * Starts the client.
     *
     * @param connectTimeout how long a connection may take to open
     * @param callIdleTimeout the longest silence of a call before its connection is closed: more than the
     *     models' own first-byte and gap timeouts, so that theirs decide, while a body that goes on after the
     *     reply is complete (and no watchdog looks at any more) is still closed in the end
     * @param maxConnections the most connections open to one model server at once (the model call limit)
     * @param threads the client's threads, its selector among them
     * @return the transport; close it after the WorldLink that uses it
     * @throws Exception when Jetty cannot start the client
     */
    public static JettyModelTransport start(Duration connectTimeout, Duration callIdleTimeout, int maxConnections,
            int threads) throws Exception {
        return start(connectTimeout, callIdleTimeout, Duration.ofSeconds(30), maxConnections, threads);
    }

    // poolIdleTimeout: how long a pooled connection may idle between calls.
    static JettyModelTransport start(Duration connectTimeout, Duration callIdleTimeout, Duration poolIdleTimeout,
            int maxConnections, int threads) throws Exception {
        QueuedThreadPool pool = new QueuedThreadPool(threads, threads);
        pool.setName("worldlink-model-http");
        pool.setDaemon(true);
        pool.setReservedThreads(0);
        HttpClient client = new HttpClient(new HttpClientTransportOverHTTP(1));
        client.setExecutor(pool);
        client.setScheduler(new ScheduledExecutorScheduler("worldlink-model-http-timer", true));
        client.setConnectTimeout(connectTimeout.toMillis());
        client.setIdleTimeout(poolIdleTimeout.toMillis());
        client.setMaxConnectionsPerDestination(maxConnections);
        client.setFollowRedirects(false);
        client.setHttpCookieStore(new HttpCookieStore.Empty());
        client.start();
        // No authentication, redirect or 100-continue handling (start() adds them): a response goes to the
        // model as it came.
        client.getProtocolHandlers().clear();
        return new JettyModelTransport(client, callIdleTimeout.toMillis());
    }

    @Override
    public ChatCall post(URI uri, Map<String, String> headers, byte[] body, Response response) {
        Request request = client.newRequest(uri).method(HttpMethod.POST).idleTimeout(callIdleTimeout, TimeUnit.MILLISECONDS)
                .headers(h -> headers.forEach(h::put))
                .body(new BytesRequestContent(headers.getOrDefault("Content-Type", "application/json"), body));
        request.send(new org.eclipse.jetty.client.Response.Listener() {
            @Override
            public void onBegin(org.eclipse.jetty.client.Response r) {
                response.status(r.getStatus());
            }

            @Override
            public void onContent(org.eclipse.jetty.client.Response r, ByteBuffer content) {
                response.content(content);
            }

            @Override
            public void onComplete(Result result) {
                if (result.isFailed()) {
                    response.failed(result.getFailure());
                } else {
                    response.complete();
                }
            }
        });
        return () -> request.abort(new CancellationException("The reply was stopped."));
    }

    /** Stops the client and its threads. */
    @Override
    public void close() {
        try {
            client.stop();
        } catch (Exception e) {
            throw new IllegalStateException("Jetty's HTTP client did not stop cleanly", e);
        }
    }
}
