package io.worldlink;

import com.google.gson.JsonParser;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A client on a fake transport, straight on the core: every frame WorldLink sends is parsed into the
 * queue. A client made with {@code reading = false} never finishes a send, like a client that stopped
 * reading.
 */
public final class TestClient extends FrameQueue implements Transport {
    public record Closed(int code, String reason) {}

    public final CompletableFuture<Closed> closed = new CompletableFuture<>();
    public final Connection connection;
    private final boolean reading;
    private final String address;

    public TestClient(WorldLink link, Identity identity, boolean reading, String address) {
        this.reading = reading;
        this.address = address;
        this.connection = link.connect(this, identity);
    }

    public TestClient(WorldLink link, Identity identity, boolean reading) {
        this(link, identity, reading, null);
    }

    @Override
    public String remoteAddress() {
        return address;
    }

    public TestClient(WorldLink link) {
        this(link, Identity.ANONYMOUS, true);
    }

    @Override
    public void sendText(String frame) {
        connection.receive(frame);
    }

    @Override
    public void send(String text, Consumer<Throwable> done) {
        if (!reading) {
            return;
        }
        frames.add(JsonParser.parseString(text).getAsJsonObject());
        done.accept(null);
    }

    @Override
    public void close(int code, String reason) {
        closed.complete(new Closed(code, reason));
    }
}
