package io.worldlink.internal.protocol;

import com.google.gson.JsonObject;
import io.worldlink.ErrorCode;
import io.worldlink.event.MessageLevel;
import io.worldlink.event.SseEvent;
import io.worldlink.event.SystemEvent;
import io.worldlink.event.WorldActionEvent;
import io.worldlink.event.WorldEvent;
import io.worldlink.internal.EventJson;
import io.worldlink.internal.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The frames one world event becomes (PROTOCOL.md's mapping table), serialized once and shared by every
 * client of the world; only a frame that answers a client's own request is written again, with its
 * {@code replyTo}.
 */
final class EventFrames {
    private final WorldEvent event;
    private List<String> main;
    private String stream;
    private EventFrames mergedLast;
    private String mergedFrame;

    EventFrames(WorldEvent event) {
        this.event = event;
    }

    WorldEvent event() {
        return event;
    }

    /**
     * @param filter what the client asked to see
     * @param replyTo the request this event answers for this client, or {@code null}
     * @return the frames for that client, in order
     */
    List<String> framesFor(Filter filter, String replyTo) {
        List<String> out = new ArrayList<>(3);
        List<String> mainFrames = replyTo == null ? main() : build(replyTo);
        if (!(event instanceof SseEvent) || filter.aboutAgent(event)) {
            out.addAll(mainFrames);
        }
        boolean answered = replyTo != null && !mainFrames.isEmpty();
        if (filter.wantsStream(event) || (replyTo != null && !answered)) {
            out.add(replyTo != null && !answered ? streamFrame(replyTo) : stream());
        }
        return out;
    }

    private synchronized List<String> main() {
        if (main == null) {
            main = build(null);
        }
        return main;
    }

    private synchronized String stream() {
        if (stream == null) {
            stream = streamFrame(null);
        }
        return stream;
    }

    private String streamFrame(String replyTo) {
        JsonObject p = new JsonObject();
        p.addProperty("eventType", event.type().wireName());
        p.add("event", EventJson.toJson(event));
        return ServerFrames.frame("event-stream", p, replyTo, event.seq());
    }

    private List<String> build(String replyTo) {
        long seq = event.seq();
        if (event instanceof SseEvent s) {
            return sse(s, replyTo);
        }
        if (event instanceof WorldActionEvent w) {
            JsonObject p = new JsonObject();
            switch (w.action()) {
                case WorldActionEvent.AGENT_UPDATE -> {
                    p.addProperty("agentName", w.agentName());
                    p.add("agent", Json.GSON.toJsonTree(w.details().get("agent")));
                    return List.of(ServerFrames.frame("agent-updated", p, replyTo, seq));
                }
                case WorldActionEvent.AGENT_CREATE -> {
                    p.addProperty("agentName", w.agentName());
                    p.add("agent", Json.GSON.toJsonTree(w.details().get("agent")));
                    return List.of(ServerFrames.frame("agent-created", p, replyTo, seq));
                }
                case WorldActionEvent.AGENT_DELETE -> {
                    p.addProperty("agentName", w.agentName());
                    return List.of(ServerFrames.frame("agent-deleted", p, replyTo, seq));
                }
                case WorldActionEvent.WORLD_UPDATE -> {
                    Object world = w.details().get("world");
                    if (world instanceof Map<?, ?> m) {
                        Json.put(p, "worldName", m.get("id"));
                    }
                    p.add("world", Json.GSON.toJsonTree(world));
                    return List.of(ServerFrames.frame("world-updated", p, replyTo, seq));
                }
                case WorldActionEvent.CHAT_CREATE, WorldActionEvent.CHAT_UPDATE -> {
                    Object chat = w.details().get("chat");
                    if (chat instanceof Map<?, ?> m) {
                        Json.put(p, "chatId", m.get("id"));
                    }
                    p.add("chat", Json.GSON.toJsonTree(chat));
                    String type = w.action().equals(WorldActionEvent.CHAT_CREATE) ? "chat-created" : "chat-updated";
                    return List.of(ServerFrames.frame(type, p, replyTo, seq));
                }
                case WorldActionEvent.CHAT_DELETE -> {
                    Json.put(p, "chatId", w.details().get("chatId"));
                    Json.put(p, "fallbackChatId", w.details().get("fallbackChatId"));
                    return List.of(ServerFrames.frame("chat-deleted", p, replyTo, seq));
                }
                case WorldActionEvent.WORLD_RELOAD -> {
                    Json.put(p, "worldName", w.details().get("worldName"));
                    Json.put(p, "agentCount", w.details().get("agentCount"));
                    p.addProperty("timestamp", Json.timestamp(w.timestamp()));
                    return List.of(ServerFrames.frame("world-reloaded", p, replyTo, seq));
                }
                default -> {
                    return List.of(ServerFrames.frame("system-message",
                            ServerFrames.systemMessage(describe(w), MessageLevel.INFO, w.timestamp(), null), replyTo, seq));
                }
            }
        }
        if (event instanceof SystemEvent s) {
            return List.of(ServerFrames.frame("system-message",
                    ServerFrames.systemMessage(s.content(), s.level(), s.timestamp(), null), replyTo, seq));
        }
        return List.of();
    }

    private static List<String> sse(SseEvent s, String replyTo) {
        switch (s.phase()) {
            case CHUNK -> {
                return List.of(chunkFrame(s, s.content(), replyTo));
            }
            case END -> {
                JsonObject p = chatResponse(s, s.content(), true);
                if (s.usage() != null) {
                    p.add("usage", EventJson.usage(s.usage()));
                }
                if (s.stopped()) {
                    p.addProperty("stopped", true);
                }
                return List.of(ServerFrames.frame("chat-response", p, replyTo, 0));
            }
            case ERROR -> {
                String message = "Agent " + s.agentName() + " could not answer: " + s.error();
                return List.of(
                        ServerFrames.frame("system-message",
                                ServerFrames.systemMessage(message, MessageLevel.ERROR, s.timestamp(), ErrorCode.MODEL_ERROR),
                                replyTo, 0),
                        ServerFrames.frame("chat-response", chatResponse(s, s.content(), true), null, 0));
            }
            default -> {
                return List.of();
            }
        }
    }

    // The most frequent frame of all: written by hand, not through a JSON tree.
    private static String chunkFrame(SseEvent s, CharSequence content, String replyTo) {
        StringBuilder f = new StringBuilder(160 + content.length());
        f.append("{\"type\":\"chat-response\",\"payload\":{\"agentName\":");
        Json.quote(f, s.agentName());
        f.append(",\"content\":");
        Json.quote(f, content.toString());
        f.append(",\"messageId\":");
        Json.quote(f, s.messageId());
        f.append(",\"isComplete\":false}");
        if (replyTo != null) {
            f.append(",\"replyTo\":");
            Json.quote(f, replyTo);
        }
        return f.append('}').toString();
    }

    /**
     * {@return the chunk frame that every client of the world gets for this event, or {@code null} when the
     * event is not a reply's chunk}
     */
    String sharedChunk() {
        return event instanceof SseEvent s && s.phase() == SseEvent.Phase.CHUNK ? main().get(0) : null;
    }

    /**
     * {@return whether this event and the other are chunks of the same reply}
     *
     * @param other another event's frames
     */
    boolean sameReply(EventFrames other) {
        return event instanceof SseEvent s && other.event instanceof SseEvent o && s.messageId().equals(o.messageId())
                && s.agentName().equals(o.agentName());
    }

    /**
     * One frame for the consecutive chunks of one reply from this event's to {@code last}'s, the same for
     * every client that merges the same chunks: built once, for the first of them.
     *
     * @param last the event of the last chunk
     * @param content the chunks' contents, in order
     * @return the frame
     */
    synchronized String mergedThrough(EventFrames last, CharSequence content) {
        if (mergedLast != last) {
            mergedFrame = chunkFrame((SseEvent) event, content, null);
            mergedLast = last;
        }
        return mergedFrame;
    }

    private static JsonObject chatResponse(SseEvent s, String content, boolean complete) {
        JsonObject p = new JsonObject();
        p.addProperty("agentName", s.agentName());
        p.addProperty("content", content == null ? "" : content);
        p.addProperty("messageId", s.messageId());
        p.addProperty("isComplete", complete);
        return p;
    }

    private static String describe(WorldActionEvent w) {
        Map<String, Object> d = w.details();
        return switch (w.action()) {
            case WorldActionEvent.IDLE -> "All agents are idle; the turn is over.";
            case WorldActionEvent.TURN_LIMIT -> "Agent " + w.agentName() + " reached the turn limit ("
                    + d.get("llmCallCount") + " LLM calls) and waits for a human.";
            default -> "World event: " + w.action() + (w.agentName() == null ? "" : " (" + w.agentName() + ")");
        };
    }
}
