package io.worldlink.internal.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonParser;
import io.worldlink.event.EventType;
import io.worldlink.event.SseEvent;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventFramesTest {
    static final SseEvent CHUNK = new SseEvent("e1", Instant.EPOCH, "ada", SseEvent.Phase.CHUNK,
            "say \"hi\"\n\\ \u0001 é", "m1", null, null);

    @Test
    void aChunkIsAChatResponseWithTheNewTextOnly() {
        List<String> frames = new EventFrames(CHUNK).framesFor(Filter.DEFAULT, null);
        assertEquals(1, frames.size());
        assertEquals(JsonParser.parseString("{\"type\":\"chat-response\",\"payload\":{\"agentName\":\"ada\","
                + "\"content\":\"say \\\"hi\\\"\\n\\\\ \\u0001 é\",\"messageId\":\"m1\",\"isComplete\":false}}"),
                JsonParser.parseString(frames.get(0)));
    }

    @Test
    void aChunkAnsweringARequestCarriesReplyTo() {
        String frame = new EventFrames(CHUNK).framesFor(Filter.DEFAULT, "r7").get(0);
        assertEquals("r7", JsonParser.parseString(frame).getAsJsonObject().get("replyTo").getAsString());
    }

    @Test
    void sseSubscribersAlsoGetTheEventStream() {
        List<String> frames = new EventFrames(CHUNK).framesFor(new Filter(EnumSet.of(EventType.SSE), null), null);
        assertEquals(2, frames.size());
        assertEquals("event-stream", JsonParser.parseString(frames.get(1)).getAsJsonObject().get("type").getAsString());
        assertEquals(List.of(), new EventFrames(CHUNK).framesFor(new Filter(EnumSet.allOf(EventType.class), "ben"),
                null), "narrowed to another agent");
    }
}
