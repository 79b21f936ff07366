package io.worldlink.internal.model;

import io.worldlink.model.ChatCall;
import io.worldlink.model.ModelTransport;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;

/**
 * The models' default transport, on the JDK's {@link HttpClient}: HTTP/1.1 to servers on this machine
 * (local servers rarely speak HTTP/2 without TLS), HTTP/2 where the server offers it elsewhere.
 */
public final class JdkModelTransport implements ModelTransport {
    private final Duration connectTimeout;
    private final Executor executor;
    // Made at the first call: a JDK client has a selector thread for its whole life (JDK 17 cannot close
    // one), so a WorldLink whose agents never call an HTTP model has none.
    private volatile HttpClient client;

    /**
     * A transport on a new JDK client that works on the given executor.
     *
     * @param connectTimeout how long a connection may take to open
     * @param executor where the client's work (reading responses, handing them on) runs: the JDK's default is
     *     a cached pool that grows with the calls under way; its owner bounds and stops it
     */
    public JdkModelTransport(Duration connectTimeout, Executor executor) {
        this.connectTimeout = connectTimeout;
        this.executor = executor;
    }

    private HttpClient client() {
        HttpClient c = client;
        if (c == null) {
            synchronized (this) {
                c = client;
                if (c == null) {
                    c = HttpClient.newBuilder().connectTimeout(connectTimeout).executor(executor).build();
                    client = c;
                }
            }
        }
        return c;
    }

    @Override
    public ChatCall post(URI uri, Map<String, String> headers, byte[] body, Response response) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .version(isLoopback(uri) ? HttpClient.Version.HTTP_1_1 : HttpClient.Version.HTTP_2)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        Exchange exchange = new Exchange(response);
        CompletableFuture<HttpResponse<Void>> future = client().sendAsync(request.build(), info -> {
            response.status(info.statusCode());
            return HttpResponse.BodySubscribers.fromSubscriber(exchange, s -> null);
        });
        exchange.future = future;
        future.whenComplete((r, error) -> {
            if (error != null) {
                exchange.failed(error instanceof CompletionException && error.getCause() != null
                        ? error.getCause() : error);
            }
        });
        return exchange::cancel;
    }

    private static boolean isLoopback(URI uri) {
        String host = uri.getHost();
        if (host == null) {
            return false;
        }
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        try {
            // Only literal addresses: never a DNS lookup on the caller's thread.
            return (Character.digit(host.charAt(0), 16) != -1 || host.startsWith("["))
                    && InetAddress.getByName(host).isLoopbackAddress();
        } catch (IOException e) {
            return false;
        }
    }

    /** One exchange: the body's subscriber, which reports its end or its failure once. */
    private static final class Exchange implements Flow.Subscriber<List<ByteBuffer>> {
        private final Response response;
        private volatile CompletableFuture<HttpResponse<Void>> future;
        private Flow.Subscription subscription;
        private boolean ended;

        Exchange(Response response) {
            this.response = response;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            synchronized (this) {
                if (ended) {
                    s.cancel();
                    return;
                }
                subscription = s;
            }
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> pieces) {
            for (ByteBuffer piece : pieces) {
                response.content(piece);
            }
        }

        @Override
        public void onError(Throwable t) {
            failed(t);
        }

        @Override
        public void onComplete() {
            if (end()) {
                response.complete();
            }
        }

        void failed(Throwable t) {
            if (end()) {
                response.failed(t);
            }
        }

        private synchronized boolean end() {
            boolean first = !ended;
            ended = true;
            return first;
        }

        void cancel() {
            Flow.Subscription s;
            synchronized (this) {
                ended = true;
                s = subscription;
            }
            if (s != null) {
                s.cancel();
            }
            CompletableFuture<HttpResponse<Void>> f = future;
            if (f != null && !f.isDone()) {
                f.cancel(true);
            }
        }
    }
}
