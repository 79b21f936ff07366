package io.worldlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.worldlink.internal.Names;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class NamesTest {

    @ParameterizedTest
    @CsvSource({
        "My World, my-world",
        "my-world, my-world",
        "MyWorld, my-world",
        "  spaced   out  , spaced-out",
        "snake_case_name, snake-case-name",
        "Café Noir, cafe-noir",
        "GPT4Agent, gpt4-agent",
        "HUMAN, human",
        "a, a",
        "world #1!, world-1",
    })
    void turnsNamesIntoKebabCaseIds(String name, String id) {
        assertEquals(id, Names.toId("world name", name));
    }

    @Test
    void namesThatDifferOnlyInCaseGiveTheSameId() {
        assertEquals(Names.toId("world name", "my world"), Names.toId("world name", "MY WORLD"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"../x", "/etc", "a/b", "..", "a\\b", "C:\\Windows", "x/../../etc/passwd",
        "bad\u0000name", "tab\tname", "line\nbreak", "bell\u0007", "del\u007f", "", "   ", "!!!", "日本語",
        "----"})
    void refusesHostileAndEmptyNames(String name) {
        WorldLinkException e = assertThrows(WorldLinkException.class, () -> Names.toId("world name", name));
        assertEquals(ErrorCode.INVALID_NAME, e.code());
        assertTrue(e.getMessage().startsWith("The world name "), e.getMessage());
    }

    @Test
    void refusesNull() {
        assertEquals(ErrorCode.INVALID_NAME,
                assertThrows(WorldLinkException.class, () -> Names.toId("agent name", null)).code());
    }

    @Test
    void refusesVeryLongNamesWithoutTruncating() {
        String longName = "a".repeat(10_000);
        WorldLinkException e = assertThrows(WorldLinkException.class, () -> Names.toId("world name", longName));
        assertEquals(ErrorCode.INVALID_NAME, e.code());
        assertTrue(e.getMessage().contains("10000 characters"), e.getMessage());
        assertThrows(WorldLinkException.class, () -> Names.toId("world name", "a".repeat(65)));
        assertEquals("a".repeat(64), Names.toId("world name", "a".repeat(64)));
    }

    @Test
    void validatesIds() {
        assertTrue(Names.isValidId("default-world"));
        assertTrue(Names.isValidId("0"));
        assertFalse(Names.isValidId("-lead"));
        assertFalse(Names.isValidId("Upper"));
        assertFalse(Names.isValidId(".."));
        assertFalse(Names.isValidId(null));
        assertFalse(Names.isValidId("a".repeat(65)));
    }
}
