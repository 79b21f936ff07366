package io.worldlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.worldlink.internal.store.FileTemplateStore;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The templates in the repository's data/worlds are valid, complete and use the default provider. */
class ShippedTemplatesTest {
    private static final Pattern MENTION_OR_TAG = Pattern.compile("@[a-z]+|<world>");

    @ParameterizedTest
    @ValueSource(strings = {"default-world", "extended-world", "fast-world"})
    void loadsAsATemplateWithRealPrompts(String id) {
        WorldSnapshot world = new FileTemplateStore(TestData.SHIPPED_DATA).read(id);

        assertTrue(world.config().isTemplate());
        assertEquals(id, world.config().id());
        assertFalse(world.agents().isEmpty());
        for (AgentSnapshot agent : world.agents()) {
            assertEquals("default", agent.config().provider());
            assertEquals(AgentStatus.ACTIVE, agent.config().status());
            assertTrue(agent.systemPrompt().length() > 200, agent.id() + " has a real prompt");
            assertTrue(agent.memory().isEmpty());
        }
    }

    @org.junit.jupiter.api.Test
    void theDebateUsesMentionsAndWorldTags() {
        WorldSnapshot world = new FileTemplateStore(TestData.SHIPPED_DATA).read("extended-world");
        assertEquals(3, world.agents().size());
        world.agents().forEach(a -> assertTrue(MENTION_OR_TAG.matcher(a.systemPrompt()).find(), a.id()));
    }
}
