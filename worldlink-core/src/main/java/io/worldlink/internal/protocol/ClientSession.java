package io.worldlink.internal.protocol;

import io.worldlink.Chat;
import io.worldlink.Connection;
import io.worldlink.ErrorCode;
import io.worldlink.Identity;
import io.worldlink.MetricsListener;
import io.worldlink.Transport;
import io.worldlink.UserId;
import io.worldlink.WorldKey;
import io.worldlink.WorldLinkException;
import io.worldlink.event.SseEvent;
import io.worldlink.event.WorldActionEvent;
import io.worldlink.event.WorldEvent;
import io.worldlink.internal.world.LiveWorld;
import io.worldlink.internal.world.WorldRuntime;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * One client connection: its outbound queue (one writer, a size cap), its rate limit, the world it is
 * in, and what it asked to see. Requests are handled in the order they came, without holding a thread
 * while one waits (a world being loaded, say).
 */
final class ClientSession implements Connection {
    private static final System.Logger LOG = System.getLogger(ClientSession.class.getName());
    // Requests of one connection that wait for the one ahead of them to finish.
    static final int MAX_WAITING_REQUESTS = 32;

    /** The world a session is in. */
    record Binding(WorldHandle handle, LiveWorld runtime) {}

    private final String id;
    private final Transport transport;
    private final Identity identity;
    private final ProtocolRouter router;
    private final RateLimiter limiter;
    private final String remoteAddress;

    private final Queue<Object> outbox = new ConcurrentLinkedQueue<>();
    // The frame being sent, whose characters a close gives back even when its transport never finishes it.
    private volatile Send inFlight;

    /** A frame outside the connection's cap (it counts against the server's budget), and who waits for it. */
    private record Large(String frame, CompletableFuture<Void> sent) {}

    /** A reply's chunk as every client of the world gets it, which may leave merged with the next ones. */
    private record Chunk(String frame, EventFrames frames) {}

    // Characters of frames waiting (against the connection's cap), of large frames (exports) waiting, and of
    // requests waiting their turn.
    private final AtomicLong queuedChars = new AtomicLong();
    private final AtomicLong largeChars = new AtomicLong();
    private final AtomicLong waitingChars = new AtomicLong();
    private final AtomicBoolean sending = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Map<String, String> pendingReplies = new ConcurrentHashMap<>();
    private CompletableFuture<Void> requests = CompletableFuture.completedFuture(null);
    private volatile Binding binding;
    private volatile Filter filter = Filter.DEFAULT;
    // The chat of its world the session is in: it sees the events of that chat and of the whole world.
    private volatile String chatId;
    private volatile boolean everSelected;
    private final AtomicInteger waiting = new AtomicInteger();
    private volatile boolean admitted;
    private volatile Future<?> selectDeadline;
    private volatile MetricsListener.CloseReason closeReason = MetricsListener.CloseReason.NORMAL;

    ClientSession(String id, Transport transport, Identity identity, ProtocolRouter router, String remoteAddress) {
        this.id = id;
        this.transport = transport;
        this.identity = identity;
        this.router = router;
        this.remoteAddress = remoteAddress;
        this.limiter = new RateLimiter(router.limits().requestsPerSecond(), router.limits().requestBurst());
    }

    String remoteAddress() {
        return remoteAddress;
    }

    /** The connection counts against the limits and may send requests. */
    void admitted() {
        admitted = true;
    }

    /** Tells the client why it cannot stay, then closes it: it gets no requests handled. */
    void refuse(String frame) {
        closeReason = MetricsListener.CloseReason.QUOTA;
        sendLarge(frame).whenComplete((x, e) -> close(1013, "Too many connections; try again later."));
    }

    void selectDeadline(Future<?> deadline) {
        selectDeadline = deadline;
        if (closed.get() || everSelected) {
            deadline.cancel(false);
        }
    }

    /** Closes the connection when it never selected a world (it holds resources for nothing). */
    void closeUnlessSelected(int code, String reason) {
        if (!everSelected) {
            close(code, reason);
        }
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public Identity identity() {
        return identity;
    }

    @Override
    public WorldKey world() {
        Binding b = binding;
        return b == null ? null : b.handle().key;
    }

    @Override
    public void receive(String frame) {
        if (closed.get() || !admitted) {
            return;
        }
        int max = router.limits().maxFrameChars();
        if (frame.length() > max) {
            close(1009, "Frame too large: " + frame.length() + " characters, the limit is " + max + ".");
            return;
        }
        if (!limiter.tryAcquire()) {
            send(router.rateLimited(frame));
            return;
        }
        Exchange request = router.decode(this, frame);
        if (request == null) {
            return;
        }
        // Requests are handled one at a time, in order; those waiting their turn are bounded, so that a
        // router that never finishes one cannot make the connection hold the ones behind it without end.
        if (waiting.incrementAndGet() > MAX_WAITING_REQUESTS) {
            waiting.decrementAndGet();
            send(router.tooManyWaiting(request));
            return;
        }
        CompletableFuture<Void> turn = new CompletableFuture<>();
        CompletableFuture<Void> previous;
        int held;
        synchronized (this) {
            previous = requests;
            // One that waits its turn is held as a queued frame is: against the server's budget, until its turn.
            held = previous.isDone() ? 0 : frame.length();
            waitingChars.addAndGet(held);
            if (held > 0 && !withinBudget(held)) {
                waitingChars.addAndGet(-held);
                previous = null;
            } else {
                requests = turn;
            }
        }
        if (previous == null) {
            waiting.decrementAndGet();
            send(router.serverFull(request));
            return;
        }
        // The router runs outside the lock: on this thread when nothing is ahead, else where the one ahead ended.
        previous.whenComplete((x, e) -> {
            waitingChars.addAndGet(-held);
            router.budget().give(held);
            router.dispatch(request).whenComplete((y, error) -> {
                if (error != null) {
                    LOG.log(Level.ERROR, "A request of connection " + id + " failed", error);
                }
                waiting.decrementAndGet();
                turn.complete(null);
            });
        });
    }

    @Override
    public void closed() {
        if (closed.compareAndSet(false, true)) {
            Future<?> deadline = selectDeadline;
            if (deadline != null) {
                deadline.cancel(false);
            }
            leave();
            drain();
            Send current = inFlight;
            if (current != null) {
                current.release(new IllegalStateException("the connection closed"));
            }
            router.sessionClosed(this);
            router.metrics().connectionClosed(closeReason);
        }
    }

    /** Closes the transport with a code, then releases everything. */
    void close(int code, String reason) {
        if (!closed.get()) {
            if (closeReason == MetricsListener.CloseReason.NORMAL) {
                closeReason = switch (code) {
                    case 1013 -> MetricsListener.CloseReason.SLOW_CLIENT;
                    case 1009 -> MetricsListener.CloseReason.OVERSIZE;
                    case 1008 -> MetricsListener.CloseReason.IDLE;
                    case 1001 -> MetricsListener.CloseReason.SHUTDOWN;
                    default -> MetricsListener.CloseReason.NORMAL;
                };
            }
            // Released first: nothing the client sends while its transport closes is served.
            closed();
            transport.close(code, reason);
        }
    }

    boolean isClosed() {
        return closed.get();
    }

    Binding binding() {
        return binding;
    }

    Filter filter() {
        return filter;
    }

    void filter(Filter f) {
        filter = f;
    }

    String chatId() {
        return chatId;
    }

    /** The next event with this id answers the request {@code requestId}: its first frame gets {@code replyTo}. */
    void expectReply(String eventId, String requestId) {
        if (requestId != null) {
            pendingReplies.put(eventId, requestId);
        }
    }

    void forgetReply(String eventId) {
        pendingReplies.remove(eventId);
    }

    /**
     * Moves the session into a world: greets it, replays what it missed (the newest page of it), then
     * delivers live events.
     * Leaves the world it was in (it receives nothing of that world again).
     *
     * @return the world as the session joined it, once its greeting and replay are queued
     */
    CompletableFuture<WorldRuntime.View> enter(WorldHandle handle, LiveWorld runtime, long afterSeq, String epoch,
            String chat, BiFunction<WorldRuntime.View, WorldRuntime.Page, String> greeting) {
        synchronized (this) {
            leave();
            binding = new Binding(handle, runtime);
        }
        everSelected = true;
        Future<?> deadline = selectDeadline;
        if (deadline != null) {
            deadline.cancel(false);
        }
        AtomicReference<CompletableFuture<Void>> admitted = new AtomicReference<>();
        return runtime.join(afterSeq, epoch, chat, router.history(), (view, replay) -> {
            chatId = view.chatId();
            WorldHandle.Member member = handle.add(this);
            if (closed.get()) {
                handle.remove(this);
            }
            // Posted before the world publishes anything more: every later event comes after it.
            admitted.set(handle.admit(member, view.chatId(), true, view.lastSeq(), greeting.apply(view, replay),
                    replay.events()));
        }).thenCompose(view -> admitted.get().thenApply(x -> view)).whenComplete((view, error) -> {
            if (error != null || closed.get()) {
                synchronized (this) {
                    if (binding != null && binding.handle() == handle) {
                        leave();
                    }
                }
            }
        });
    }

    /**
     * The world starts delivering to the session, or moves it to another chat: its first frame and its
     * history go out before any live event.
     *
     * @param from the world
     * @param first the frame that leads, or {@code null}
     * @param history durable events from the log, in seq order
     */
    void admitted(WorldHandle from, String first, List<WorldEvent> history) {
        Binding b = binding;
        if (b == null || b.handle() != from) {
            return;
        }
        if (first != null) {
            send(first);
        }
        for (WorldEvent e : history) {
            for (String f : new EventFrames(e).framesFor(filter, null)) {
                send(f);
            }
        }
    }

    /**
     * Moves the session into another chat of its world: it is told so ({@code chat-selected}), gets the
     * newest page of the chat's history from the log, then the chat's live events.
     *
     * @param runtime the session's world
     * @param chat the chat
     * @param replyTo the request this answers, or {@code null}
     * @return the chat, once its history is queued
     */
    CompletableFuture<Chat> selectChat(LiveWorld runtime, String chat, String replyTo) {
        return selectChat(runtime, chat, replyTo, null);
    }

    // from: for a move the world made (its chat was deleted), the chat the session must still be in.
    private CompletableFuture<Chat> selectChat(LiveWorld runtime, String chat, String replyTo, String from) {
        AtomicReference<CompletableFuture<Void>> admitted = new AtomicReference<>();
        return runtime.selectChat(chat, router.history(), (view, history) -> {
            Binding b = binding;
            WorldHandle.Member member = b == null ? null : b.handle().memberOf(this);
            if (member == null || b.runtime() != runtime || (from != null && !from.equals(chatId))) {
                // In another world, or another chat, by the time the world got to this: nothing to move.
                return;
            }
            chatId = view.chatId();
            admitted.set(b.handle().admit(member, view.chatId(), false, view.lastSeq(),
                    router.chatSelected(view, history, replyTo), history.events()));
        }).thenCompose(c -> {
            CompletableFuture<Void> queued = admitted.get();
            return queued == null ? CompletableFuture.completedFuture(c) : queued.thenApply(x -> c);
        });
    }

    /**
     * Moves the session out of a world that was deleted, then tells it so; nothing happens when it is in
     * another world by now, or closed.
     */
    void evicted(WorldHandle from, String frame) {
        synchronized (this) {
            Binding b = binding;
            if (b == null || b.handle() != from) {
                return;
            }
            leave();
        }
        send(frame);
    }

    // Leaves the current world: no more of its events, and the world and the user may be released.
    private synchronized void leave() {
        Binding b = binding;
        if (b == null) {
            return;
        }
        binding = null;
        pendingReplies.clear();
        b.handle().remove(this);
        router.worlds().release(b.handle());
        router.worlds().userLeft(b.handle().key.userId());
    }

    void deliver(WorldHandle from, EventFrames frames) {
        Binding b = binding;
        WorldEvent e = frames.event();
        if (b == null || b.handle() != from) {
            return;
        }
        String replyTo = pendingReplies.isEmpty() ? null : pendingReplies.remove(e.id());
        String chunk = frames.sharedChunk();
        for (String f : frames.framesFor(filter, replyTo)) {
            queue(f == chunk ? new Chunk(f, frames) : f, f);
        }
        // A session in a chat that was deleted moves to the chat the world names for it.
        if (e instanceof WorldActionEvent w && w.action().equals(WorldActionEvent.CHAT_DELETE)
                && Objects.equals(w.details().get("chatId"), chatId)) {
            selectChat(b.runtime(), String.valueOf(w.details().get("fallbackChatId")), null, chatId)
                    .exceptionally(error -> null);
        }
    }

    /**
     * Queues a frame. Never blocks: a client whose queue passes the cap is closed with 1013, and so is a
     * client that is behind while the server holds more than its budget; only that client is affected.
     */
    void send(String frame) {
        queue(frame, frame);
    }

    private void queue(Object item, String frame) {
        if (closed.get()) {
            return;
        }
        int size = frame.length();
        long cap = router.limits().maxQueuedChars();
        if (queuedChars.addAndGet(size) > cap) {
            queuedChars.addAndGet(-size);
            close(1013, "The client is not reading: more than " + cap + " characters are waiting to be sent.");
            return;
        }
        if (!withinBudget(size)) {
            queuedChars.addAndGet(-size);
            close(1013, router.budget().closeReason());
            return;
        }
        outbox.add(item);
        afterAdd();
    }

    /**
     * Queues one large frame (a world's export) that does not count against the connection's cap, so that a
     * client that reads gets it whole; the caller sends one at a time and bounds its size. It counts against
     * the server's budget: when the budget cannot take it, it is not queued and the future fails with
     * {@code QUOTA_EXCEEDED}.
     *
     * @return done when the frame has been sent
     */
    CompletableFuture<Void> sendLarge(String frame) {
        CompletableFuture<Void> sent = new CompletableFuture<>();
        if (closed.get()) {
            sent.completeExceptionally(new IllegalStateException("the connection is closed"));
            return sent;
        }
        QueueBudget budget = router.budget();
        int size = frame.length();
        if (!budget.tryTake(size)) {
            sent.completeExceptionally(new WorldLinkException(ErrorCode.QUOTA_EXCEEDED, budget.full() + ", so this "
                    + "frame of " + size + " characters was not sent; try again in a moment."));
            return sent;
        }
        largeChars.addAndGet(size);
        outbox.add(new Large(frame, sent));
        afterAdd();
        return sent;
    }

    /** {@return what this connection holds: frames and exports waiting to be sent, requests waiting their turn} */
    long heldChars() {
        return queuedChars.get() + largeChars.get() + waitingChars.get();
    }

    // Counts characters that this connection now holds (its own count has them already) against the server's
    // budget. The total is summed only for a connection that is behind: one that keeps up costs one striped
    // add. Past the budget, the connections that hold the most are closed first, this one among them; false
    // when it is closed or the budget is still past, and the characters are not counted.
    private boolean withinBudget(int size) {
        QueueBudget budget = router.budget();
        budget.take(size);
        if (heldChars() > QueueBudget.BEHIND_CHARS && budget.over()) {
            budget.relieve();
            if (closed.get() || budget.over()) {
                budget.give(size);
                return false;
            }
        }
        return true;
    }

    private void afterAdd() {
        if (closed.get()) {
            // Closed while it was added: the close may have drained the outbox before, so it is drained again.
            drain();
            return;
        }
        pump();
    }

    // Gives back what waits in the outbox of a closed session. Each frame is taken once, by this or by
    // pump(), which gives it back when its send ends.
    private void drain() {
        for (Object next = outbox.poll(); next != null; next = outbox.poll()) {
            if (next instanceof Large large) {
                largeChars.addAndGet(-large.frame().length());
                router.budget().give(large.frame().length());
                large.sent().completeExceptionally(new IllegalStateException("the connection closed"));
            } else {
                int size = (next instanceof Chunk c ? c.frame() : (String) next).length();
                queuedChars.addAndGet(-size);
                router.budget().give(size);
            }
        }
    }

    // One send in flight. A transport that completes inline hands control back here instead of
    // recursing, so a long queue cannot grow the stack.
    private void pump() {
        while (!closed.get() && sending.compareAndSet(false, true)) {
            Object next = outbox.poll();
            if (next == null) {
                sending.set(false);
                if (outbox.isEmpty()) {
                    transport.flush();
                    return;
                }
                continue;
            }
            String text;
            Send send;
            if (next instanceof Large large) {
                text = large.frame();
                send = new Send(text.length(), large.sent(), text.length());
            } else if (next instanceof Chunk first && outbox.peek() instanceof Chunk second
                    && first.frames().sameReply(second.frames())) {
                // PROTOCOL.md, "Streaming under load": the chunks of one reply still queued leave as one frame.
                SseEvent firstEvent = (SseEvent) first.frames().event();
                StringBuilder content = new StringBuilder(firstEvent.content());
                int queued = first.frame().length();
                Chunk last = first;
                while (outbox.peek() instanceof Chunk more && first.frames().sameReply(more.frames())) {
                    outbox.poll();
                    content.append(((SseEvent) more.frames().event()).content());
                    queued += more.frame().length();
                    last = more;
                }
                text = first.frames().mergedThrough(last.frames(), content);
                send = new Send(queued, null, text.length());
            } else {
                text = next instanceof Chunk c ? c.frame() : (String) next;
                send = new Send(text.length(), null, text.length());
            }
            inFlight = send;
            if (closed.get()) {
                // Closed while this frame was taken: the close may have missed it, so it is given back here.
                send.release(new IllegalStateException("the connection closed"));
                return;
            }
            if (next instanceof Large) {
                // Written at once: a client waits for nothing behind a frame that fills a batch on its own.
                transport.flush();
            }
            try {
                transport.send(text, send);
            } catch (RuntimeException e) {
                send.accept(e);
            }
            if (send.state.compareAndSet(Send.IN_CALL, Send.RETURNED)) {
                return;
            }
        }
    }

    private final class Send implements Consumer<Throwable> {
        static final int IN_CALL = 0;
        static final int DONE_IN_CALL = 1;
        static final int RETURNED = 2;

        // The characters it held (for a merged frame, its chunks'), and those it sends; a large frame is
        // one that someone waits for.
        final int size;
        final CompletableFuture<Void> sent;
        final int sentSize;
        final AtomicInteger state = new AtomicInteger(IN_CALL);
        final AtomicBoolean done = new AtomicBoolean();

        Send(int size, CompletableFuture<Void> sent, int sentSize) {
            this.size = size;
            this.sent = sent;
            this.sentSize = sentSize;
        }

        // Gives back what the frame held and tells whoever waits for it; the first call only, of the
        // transport's and a close's.
        boolean release(Throwable error) {
            if (!done.compareAndSet(false, true)) {
                return false;
            }
            (sent == null ? queuedChars : largeChars).addAndGet(-size);
            router.budget().give(size);
            if (error == null) {
                router.metrics().frameSent(sentSize);
            }
            if (sent != null) {
                if (error == null) {
                    sent.complete(null);
                } else {
                    sent.completeExceptionally(error);
                }
            }
            return true;
        }

        @Override
        public void accept(Throwable error) {
            if (!release(error)) {
                return;
            }
            if (error != null) {
                LOG.log(Level.DEBUG, "Sending to connection " + id + " failed: " + error);
                closed();
            }
            sending.set(false);
            if (!state.compareAndSet(IN_CALL, DONE_IN_CALL)) {
                pump();
            }
        }
    }
}
