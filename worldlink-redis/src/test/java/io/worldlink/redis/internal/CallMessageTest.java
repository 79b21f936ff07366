package io.worldlink.redis.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

class CallMessageTest {
    @Test
    void whatANodeWritesReadsBackWhole() {
        assertEquals(new CallMessage('q', "0123456789abcdef1f", "node-a", "a body with  spaces\nand lines "),
                CallMessage.parse(CallMessage.request("0123456789abcdef1f", "node-a", "a body with  spaces\nand lines ")));
        assertEquals(new CallMessage('a', "0123456789abcdef1", null, ""),
                CallMessage.parse(CallMessage.answer("0123456789abcdef1", "")));
        assertEquals(new CallMessage('f', "0123456789abcdef2", null, "No world here."),
                CallMessage.parse(CallMessage.failure("0123456789abcdef2", "No world here.")));
    }

    @Test
    void whatNoNodeWritesIsNotRead() {
        for (String message : List.of("", "q", "a1", "q1 node-a", "x1 body", " 1 body", "a body", "q1 no:node body",
                "q1 " + "n".repeat(65) + " body", "a" + "1".repeat(41) + " body", "e0123456789abcdef{}")) {
            assertNull(CallMessage.parse(message), message);
        }
    }
}
