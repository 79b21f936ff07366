package io.worldlink.internal.world;

import io.worldlink.MetricsListener;
import io.worldlink.event.MessageEvent;
import io.worldlink.internal.Ids;
import io.worldlink.internal.world.Routing.SenderClass;
import io.worldlink.model.ChatCall;
import io.worldlink.model.ChatListener;
import io.worldlink.model.Usage;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One agent's reply while its model produces it: it listens to the model on any thread, hands what it
 * hears to the world's executor, and gives the call's slot back to the {@link ModelDispatcher} exactly
 * once. Its text and timing are for {@link RepliesInFlight}.
 */
final class ReplyInFlight implements ChatListener {
    final String agentId;
    final String messageId;
    final MessageEvent answering;
    final SenderClass answeringClass;
    final Turn turn;
    // Touched on the world's executor only.
    final StringBuilder text = new StringBuilder();
    final long startedNanos = System.nanoTime();
    volatile ChatCall call;
    volatile boolean cancelled;
    volatile long lastHeard = System.nanoTime();
    volatile long firstChunkNanos;
    volatile ScheduledFuture<?> watchdog;
    private final AtomicBoolean ended = new AtomicBoolean();
    private final RepliesInFlight replies;
    private final Executor exec;
    private final ModelDispatcher dispatcher;

    /**
     * @param agentId the answering agent
     * @param answering the message it answers
     * @param answeringClass the class of that message's sender
     * @param turn the turn the reply belongs to, or {@code null}
     * @param replies where what the model sends is handled
     * @param exec the world's executor
     * @param dispatcher the shared model call limit
     */
    ReplyInFlight(String agentId, MessageEvent answering, SenderClass answeringClass, Turn turn,
            RepliesInFlight replies, Executor exec, ModelDispatcher dispatcher) {
        this.agentId = agentId;
        this.messageId = Ids.reply(answering.id(), agentId);
        this.answering = answering;
        this.answeringClass = answeringClass;
        this.turn = turn;
        this.replies = replies;
        this.exec = exec;
        this.dispatcher = dispatcher;
    }

    @Override
    public void onChunk(String chunk) {
        lastHeard = System.nanoTime();
        if (firstChunkNanos == 0) {
            firstChunkNanos = lastHeard;
        }
        exec.execute(() -> replies.chunk(this, chunk));
    }

    @Override
    public void onComplete(Usage usage) {
        if (end()) {
            exec.execute(() -> replies.complete(this, usage == null ? Usage.NONE : usage));
        }
    }

    @Override
    public void onError(Throwable error) {
        if (end()) {
            exec.execute(() -> replies.fail(this, error, MetricsListener.CallOutcome.ERROR));
        }
    }

    /** @return the chat the reply is said in: that of the message it answers */
    String chatId() {
        return answering.chatId();
    }

    /** Ends the reply with an error before its call had a slot, so with none to give back. */
    void refused(Throwable error) {
        if (ended.compareAndSet(false, true)) {
            exec.execute(() -> replies.fail(this, error, MetricsListener.CallOutcome.ERROR));
        }
    }

    /** @return whether this call ended the reply (and so gave its slot back) */
    boolean end() {
        if (ended.compareAndSet(false, true)) {
            dispatcher.release();
            return true;
        }
        return false;
    }

    /** Cancels the model call and ends the reply. */
    void cancel() {
        cancelled = true;
        ChatCall c = call;
        if (c != null) {
            c.cancel();
        }
        end();
    }
}
