package io.worldlink.internal.world;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The text rules of ROUTING.md, one test per rule. */
class RoutingTest {
    @Test
    void paragraphBeginningMentionsAreLinesThatStartWithAMention() {
        assertEquals(Set.of("ada"), Routing.paragraphMentions("@Ada can you help?"));
        assertEquals(Set.of("ada", "ben"), Routing.paragraphMentions("Intro line\n  @ada first\n@ben second"));
        assertEquals(Set.of(), Routing.paragraphMentions("I think @ada should help"));
    }

    @Test
    void greetingsInFrontOfAMentionStillCount() {
        for (String greeting : List.of("hi @ada", "Hello @ada", "hey, @ada", "to @ada: please", "HI @ada")) {
            assertEquals(Set.of("ada"), Routing.paragraphMentions(greeting), greeting);
        }
        assertEquals(Set.of(), Routing.paragraphMentions("well @ada"));
    }

    @Test
    void anEmailAddressIsNotAMention() {
        assertFalse(Routing.hasAnyMention("write to ann@example.com"));
        assertTrue(Routing.hasAnyMention("ask @ben later"));
    }

    @Test
    void stopDoneAndPassTagsEndTheExchangeAndDropLeadingMentions() {
        for (String tag : List.of("<world>STOP</world>", "<world>done</world>", "<World> Pass </World>")) {
            Routing.Reply r = Routing.finish("@ben, All settled. " + tag, "ada", "Ada", "ben", true);
            assertTrue(r.stop(), tag);
            assertEquals("All settled.", r.content(), tag);
        }
    }

    @Test
    void aToTagAddressesTheReplyReplacingLeadingMentions() {
        Routing.Reply r = Routing.finish("@moderator Over to you. <world>TO: pro, @con</world>", "moderator",
                "Moderator", null, true);
        assertFalse(r.stop());
        assertEquals("@pro\n@con\nOver to you.", r.content());
    }

    @Test
    void autoMentionAddressesAReplyToAnAgentBackToIt() {
        assertEquals("@ben Sure.", Routing.finish("Sure.", "ada", "Ada", "ben", true).content());
        assertEquals("@carl Sure.", Routing.finish("@carl Sure.", "ada", "Ada", "ben", true).content(),
                "a reply that names someone is left alone");
    }

    @Test
    void autoMentionNeverForAHumanSender() {
        assertEquals("Sure.", Routing.finish("Sure.", "ada", "Ada", null, true).content());
    }

    @Test
    void autoMentionIsOffWhenAutoReplyIsFalse() {
        assertEquals("Sure.", Routing.finish("Sure.", "ada", "Ada", "ben", false).content());
    }

    @Test
    void aReplyNeverMentionsItsOwnAgent() {
        assertEquals("@ben Sure.", Routing.finish("@ada Sure.", "ada", "Ada", "ben", true).content());
        assertEquals("Noted.", Routing.finish("@Ada, Noted.", "ada", "Ada", null, true).content());
        assertEquals("@ben\nHi.", Routing.finish("Hi. <world>TO: ada, ben</world>", "ada", "Ada", null, true).content());
    }
}
