package io.worldlink.internal.world;

import io.worldlink.ErrorCode;
import io.worldlink.MetricsListener;
import io.worldlink.WorldKey;
import io.worldlink.WorldLinkException;
import io.worldlink.event.MessageEvent;
import io.worldlink.event.SenderType;
import io.worldlink.event.SseEvent;
import io.worldlink.event.WorldActionEvent;
import io.worldlink.internal.Durations;
import io.worldlink.internal.Ids;
import io.worldlink.internal.model.ModelRegistry;
import io.worldlink.internal.world.Routing.SenderClass;
import io.worldlink.model.ChatCall;
import io.worldlink.model.ChatModel;
import io.worldlink.model.ChatRequest;
import io.worldlink.model.Usage;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * The replies of a world's agents while their models produce them: each starts a model call on the
 * shared {@link ModelDispatcher}, streams its chunks, and ends complete, stopped, failed or timed out;
 * the turn that set it off ends with {@code idle} when its last reply does. Model callbacks come from any
 * thread and are handed to the world's executor, where everything else here runs.
 */
final class RepliesInFlight {
    private static final System.Logger LOG = System.getLogger(RepliesInFlight.class.getName());

    private final WorldKey key;
    private final WorldState world;
    private final EventOutbox outbox;
    private final PendingSaves saves;
    private final ModelRequests requests;
    private final ModelRegistry models;
    private final ModelDispatcher dispatcher;
    private final ScheduledExecutorService timer;
    private final Executor exec;
    private final Duration replyTimeout;
    private final Clock clock;
    private final MetricsListener metrics;
    private final BiConsumer<MessageEvent, Turn> routeAgentMessage;
    private final WorldChats chats;
    private final Set<ReplyInFlight> inFlight = new LinkedHashSet<>();
    private final List<CompletableFuture<Void>> quietWaiters = new ArrayList<>();
    // inFlight's size, for readers off the world's thread.
    private volatile int busyReplies;

    /**
     * @param exec the world's executor
     * @param replyTimeout how long a model may send nothing before its reply is stopped with an error
     * @param routeAgentMessage applies ROUTING.md to a finished reply that does not give control back
     * @param chats the world's chats, told when a turn of one ends
     */
    RepliesInFlight(WorldKey key, WorldState world, EventOutbox outbox, PendingSaves saves, ModelRequests requests,
            ModelRegistry models, ModelDispatcher dispatcher, ScheduledExecutorService timer, Executor exec,
            Duration replyTimeout, Clock clock, MetricsListener metrics,
            BiConsumer<MessageEvent, Turn> routeAgentMessage, WorldChats chats) {
        this.key = key;
        this.world = world;
        this.outbox = outbox;
        this.saves = saves;
        this.requests = requests;
        this.models = models;
        this.dispatcher = dispatcher;
        this.timer = timer;
        this.exec = exec;
        this.replyTimeout = replyTimeout;
        this.clock = clock;
        this.metrics = metrics;
        this.routeAgentMessage = routeAgentMessage;
        this.chats = chats;
    }

    /**
     * Starts agent {@code a}'s reply to {@code m}: its call is counted, and its model is asked.
     *
     * @param cls the class of m's sender
     * @param turn the turn the reply belongs to, or {@code null}
     */
    void start(AgentState a, MessageEvent m, SenderClass cls, Turn turn) {
        Instant now = clock.instant();
        a.calls(m.chatId(), a.calls(m.chatId()) + 1, now, now);
        saves.configChanged(a);
        ChatRequest request = requests.of(a, m);
        ReplyInFlight reply = new ReplyInFlight(a.config.id(), m, cls, turn, this, exec, dispatcher);
        if (turn != null) {
            turn.pending++;
        }
        inFlight.add(reply);
        busyReplies = inFlight.size();
        outbox.emit(new SseEvent(Ids.next(), now, a.config.id(), SseEvent.Phase.START, null, reply.messageId, null,
                null, false, m.chatId(), outbox.lastSeq()));
        ChatModel model;
        try {
            model = models.resolve(a.config.provider());
        } catch (WorldLinkException e) {
            submit(reply, () -> reply.onError(e));
            return;
        }
        boolean taken = submit(reply, () -> {
            if (reply.cancelled) {
                reply.end();
                return;
            }
            reply.lastHeard = System.nanoTime();
            try {
                ChatCall call = model.stream(request, reply);
                reply.call = call;
                // A stop that came while the call was being made found no call to cancel: cancel it now.
                if (reply.cancelled) {
                    call.cancel();
                }
            } catch (RuntimeException e) {
                reply.onError(e);
            }
        });
        if (taken) {
            watch(reply, replyTimeout.toNanos());
        }
    }

    // A call that the dispatcher cannot take, as many waiting as may, ends its reply with the error: the
    // client sees it as any failed reply, and the turn goes on.
    private boolean submit(ReplyInFlight reply, Runnable start) {
        try {
            dispatcher.submit(start);
            return true;
        } catch (WorldLinkException e) {
            reply.refused(e);
            return false;
        }
    }

    // Whatever the model, a reply that hears nothing for the reply timeout is stopped, so the turn ends.
    private void watch(ReplyInFlight r, long delayNanos) {
        r.watchdog = timer.schedule(() -> exec.execute(() -> {
            if (world.closed || !inFlight.contains(r)) {
                return;
            }
            long quiet = System.nanoTime() - r.lastHeard;
            long limit = replyTimeout.toNanos();
            if (quiet < limit) {
                watch(r, limit - quiet);
                return;
            }
            r.cancel();
            fail(r, new WorldLinkException(ErrorCode.MODEL_ERROR, "The model of agent " + r.agentId
                    + " sent nothing for " + Durations.readable(replyTimeout) + "; the reply was stopped."),
                    MetricsListener.CallOutcome.TIMEOUT);
        }), delayNanos, TimeUnit.NANOSECONDS);
    }

    void chunk(ReplyInFlight r, String text) {
        if (world.closed || !inFlight.contains(r) || text == null || text.isEmpty()) {
            return;
        }
        r.text.append(text);
        try {
            outbox.emit(new SseEvent(Ids.next(), clock.instant(), r.agentId, SseEvent.Phase.CHUNK, text, r.messageId,
                    null, null, false, r.chatId(), outbox.lastSeq()));
        } catch (RuntimeException e) {
            outbox.reportFailure("streaming the reply of " + r.agentId, e);
        }
    }

    void complete(ReplyInFlight r, Usage usage) {
        if (world.closed || !inFlight.remove(r)) {
            return;
        }
        busyReplies = inFlight.size();
        callEnded(r, MetricsListener.CallOutcome.COMPLETE, usage);
        try {
            AgentState a = world.agents.get(r.agentId);
            String name = a == null ? r.agentId : a.config.name();
            boolean autoReply = a == null || a.config.autoReply();
            Routing.Reply finished = Routing.finish(r.text.toString(), r.agentId, name,
                    r.answeringClass == SenderClass.AGENT ? r.answering.sender() : null, autoReply);
            outbox.emit(new SseEvent(Ids.next(), clock.instant(), r.agentId, SseEvent.Phase.END, finished.content(),
                    r.messageId, usage, null, false, r.chatId(), outbox.lastSeq()));
            if (finished.content().isEmpty()) {
                return;
            }
            MessageEvent reply = outbox.emit(new MessageEvent(r.messageId, clock.instant(), r.agentId,
                    SenderType.AGENT, 0, finished.content(), r.answering.id(), false, false, finished.stop(),
                    r.chatId()));
            if (a != null) {
                saves.remember(a, ConversationRules.said(reply));
            }
            if (!finished.stop()) {
                routeAgentMessage.accept(reply, r.turn);
            }
        } catch (RuntimeException e) {
            outbox.reportFailure("finishing the reply of " + r.agentId, e);
        } finally {
            finishInTurn(r);
        }
    }

    private void callEnded(ReplyInFlight r, MetricsListener.CallOutcome outcome, Usage usage) {
        AgentState a = world.agents.get(r.agentId);
        long end = System.nanoTime();
        long first = r.firstChunkNanos;
        metrics.modelCallEnded(a == null ? "unknown" : models.providerOf(a.config.provider()),
                a == null ? "" : a.config.model(), outcome, first == 0 ? null : Duration.ofNanos(first - r.startedNanos),
                Duration.ofNanos(end - r.startedNanos), usage);
    }

    // A stopped reply ends with its text so far, marked stopped: logged and remembered, but it triggers no agent.
    private void stopped(ReplyInFlight r, String endId) {
        if (!inFlight.remove(r)) {
            return;
        }
        busyReplies = inFlight.size();
        callEnded(r, MetricsListener.CallOutcome.STOPPED, Usage.NONE);
        if (r.turn != null) {
            r.turn.stopped = true;
        }
        try {
            String text = r.text.toString();
            outbox.emit(new SseEvent(endId, clock.instant(), r.agentId, SseEvent.Phase.END, text, r.messageId, null,
                    null, true, r.chatId(), outbox.lastSeq()));
            if (!text.isEmpty()) {
                MessageEvent reply = outbox.emit(new MessageEvent(r.messageId, clock.instant(), r.agentId,
                        SenderType.AGENT, 0, text, r.answering.id(), false, true, false, r.chatId()));
                AgentState a = world.agents.get(r.agentId);
                if (a != null) {
                    saves.remember(a, ConversationRules.said(reply));
                }
            }
        } catch (RuntimeException e) {
            outbox.reportFailure("stopping the reply of " + r.agentId, e);
        } finally {
            finishInTurn(r);
        }
    }

    void fail(ReplyInFlight r, Throwable error, MetricsListener.CallOutcome outcome) {
        if (world.closed || !inFlight.remove(r)) {
            return;
        }
        busyReplies = inFlight.size();
        callEnded(r, outcome, Usage.NONE);
        try {
            String message = error instanceof WorldLinkException w ? w.getMessage()
                    : "The model failed (" + error.getClass().getSimpleName() + ").";
            if (!(error instanceof WorldLinkException)) {
                LOG.log(Level.WARNING, "The model of agent " + r.agentId + " in " + key + " failed", error);
            }
            outbox.emitEvenIfUnlogged(new SseEvent(Ids.next(), clock.instant(), r.agentId, SseEvent.Phase.ERROR,
                    r.text.toString(), r.messageId, null, message, false, r.chatId(), outbox.lastSeq()));
        } finally {
            finishInTurn(r);
        }
    }

    private void finishInTurn(ReplyInFlight r) {
        ScheduledFuture<?> watchdog = r.watchdog;
        if (watchdog != null) {
            // With the pool's remove-on-cancel policy this also frees the reply at once.
            watchdog.cancel(false);
        }
        if (r.turn != null) {
            r.turn.pending--;
            endTurnIfDone(r.turn);
        }
        if (inFlight.isEmpty() && !quietWaiters.isEmpty()) {
            releaseQuietWaiters();
        }
    }

    /**
     * Ends a turn with {@code idle} in its chat when none of its replies is still running (once; {@code null}
     * is none); just before, the chat's file and every client of the world learn what was said in it.
     */
    void endTurnIfDone(Turn turn) {
        if (turn != null && turn.pending == 0) {
            turn.pending = -1;
            metrics.turnEnded(Duration.ofNanos(System.nanoTime() - turn.startedNanos), turn.stopped);
            try {
                chats.turnEnded(turn.chatId);
            } catch (RuntimeException e) {
                outbox.reportFailure("saving the chat " + turn.chatId, e);
            }
            outbox.emitEvenIfUnlogged(new WorldActionEvent(Ids.next(), clock.instant(), 0, WorldActionEvent.IDLE,
                    null, Map.of("messageId", turn.startMessageId), turn.chatId));
        }
    }

    /**
     * Stops every reply in a chat, as a person presses "stop": the turns of other chats go on.
     *
     * @param chatId the chat
     * @param firstId the id of the first reply's end event
     * @return how many replies were stopped
     */
    int stopChat(String chatId, String firstId) {
        List<ReplyInFlight> running = new ArrayList<>();
        for (ReplyInFlight r : inFlight) {
            if (chatId.equals(r.chatId())) {
                running.add(r);
            }
        }
        for (ReplyInFlight r : running) {
            r.cancel();
            stopped(r, r == running.get(0) ? firstId : Ids.next());
        }
        return running.size();
    }

    /** Stops the replies of an agent that is being deleted. */
    void stopAgent(String agentId) {
        for (ReplyInFlight r : new ArrayList<>(inFlight)) {
            if (r.agentId.equals(agentId)) {
                r.cancel();
                stopped(r, Ids.next());
            }
        }
    }

    /** Ends every reply with an error: the world is closing. */
    void cutShortAll() {
        for (ReplyInFlight r : new ArrayList<>(inFlight)) {
            r.cancel();
            fail(r, new WorldLinkException(ErrorCode.MODEL_ERROR, "The world was closed while agent "
                    + r.agentId + " was answering (the server is stopping); the reply was cut short."),
                    MetricsListener.CallOutcome.ERROR);
        }
    }

    /** Cancels every reply without another event: the world is being deleted, and its clients are told so. */
    void dropAll() {
        Set<Turn> cut = new HashSet<>();
        for (ReplyInFlight r : inFlight) {
            r.cancel();
            ScheduledFuture<?> watchdog = r.watchdog;
            if (watchdog != null) {
                watchdog.cancel(false);
            }
            callEnded(r, MetricsListener.CallOutcome.STOPPED, Usage.NONE);
            if (r.turn != null && cut.add(r.turn)) {
                metrics.turnEnded(Duration.ofNanos(System.nanoTime() - r.turn.startedNanos), true);
            }
        }
        inFlight.clear();
        busyReplies = 0;
    }

    /** @return done when no reply is in flight (at once when none is) */
    CompletableFuture<Void> whenQuiet() {
        if (busyReplies == 0) {
            // Nobody holds the world, so no new turn can start: quiet now stays quiet.
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> quiet = new CompletableFuture<>();
        exec.execute(() -> {
            if (world.closed || inFlight.isEmpty()) {
                quiet.complete(null);
            } else {
                quietWaiters.add(quiet);
            }
        });
        return quiet;
    }

    /** Completes what {@link #whenQuiet} gave out. */
    void releaseQuietWaiters() {
        quietWaiters.forEach(w -> w.complete(null));
        quietWaiters.clear();
    }
}
