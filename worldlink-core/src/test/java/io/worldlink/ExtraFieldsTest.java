package io.worldlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Fields a record does not know travel as JSON text; what is not one JSON value is refused at once. */
class ExtraFieldsTest {
    static AgentConfig agent(Map<String, String> extra) {
        return new AgentConfig("ada", "Ada", null, null, "offline", "", null, null, false, 0, null, null, null, extra);
    }

    @Test
    void aValueIsOneJsonValueWithItsQuotes() {
        AgentConfig a = agent(Map.of("region", "\"eu\"", "limits", "{\"a\":[1,2.50]}"));
        assertEquals("eu", a.extraString("region"));
        assertEquals("{\"a\":[1,2.50]}", a.extra().get("limits"));
    }

    @Test
    void textThatIsNotOneJsonValueIsRefused() {
        IllegalArgumentException bare = assertThrows(IllegalArgumentException.class,
                () -> agent(Map.of("region", "eu")));
        assertTrue(bare.getMessage().contains("\"region\" must hold one JSON value"), bare.getMessage());
        assertThrows(IllegalArgumentException.class, () -> agent(Map.of("endpoint", "http://x")));
        assertThrows(IllegalArgumentException.class, () -> agent(Map.of("two", "1 2")));
        assertThrows(IllegalArgumentException.class, () -> agent(Map.of("empty", "")));
        Map<String, String> nullValue = new HashMap<>();
        nullValue.put("x", null);
        assertThrows(IllegalArgumentException.class, () -> agent(nullValue));
    }

    @Test
    void anExtraFieldCannotShadowAFieldOfTheRecord() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> agent(Map.of("provider", "\"openai\"")));
        assertTrue(e.getMessage().contains("\"provider\" is a field of its own"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new MemoryMessage("user", "hi", "ann", "m1", null, null, "chat-1",
                Map.of("content", "\"other\"")));
    }
}
