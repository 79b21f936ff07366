package io.worldlink.internal.world;

import io.worldlink.ErrorCode;
import io.worldlink.WorldLinkException;
import io.worldlink.internal.Names;
import java.text.Normalizer;
import java.util.Locale;
import java.util.Set;

/**
 * What clients may make of worlds and agents: how many agents a world may have, how long names,
 * descriptions and system prompts may be, and how high a turn limit may go. A count past its limit is
 * {@link ErrorCode#QUOTA_EXCEEDED}; a text too long or a number out of range is
 * {@link ErrorCode#INVALID_MESSAGE}; a name that cannot be one is {@link ErrorCode#INVALID_NAME}.
 *
 * @param maxAgentsPerWorld agents one world may have
 * @param maxSystemPromptChars the longest system prompt
 * @param maxNameChars the longest world or agent display name
 * @param maxDescriptionChars the longest world description
 * @param maxTurnLimit the highest turn limit a client may give a world
 * @param maxChatsPerWorld chats one world may have
 * @param maxLogBytes how large a world's event log may grow by what clients add to it
 */
public record WorldPolicy(int maxAgentsPerWorld, int maxSystemPromptChars, int maxNameChars, int maxDescriptionChars,
        int maxTurnLimit, int maxChatsPerWorld, long maxLogBytes) {
    /**
     * Names that ROUTING.md gives to people, the system and the world: an agent of that name would be
     * taken for one of them.
     */
    public static final Set<String> RESERVED_AGENT_NAMES = Set.of("human", "user", "you", "system", "world");

    /** Checks that every limit is at least 1. */
    public WorldPolicy {
        if (maxAgentsPerWorld < 1 || maxSystemPromptChars < 1 || maxNameChars < 1 || maxDescriptionChars < 1
                || maxTurnLimit < 1 || maxChatsPerWorld < 1 || maxLogBytes < 1) {
            throw new IllegalArgumentException("world and agent limits must be at least 1");
        }
    }

    /**
     * Checks a display name.
     *
     * @param what what it names ({@code "world name"}, {@code "agent name"}), for the message
     * @param name the name a client gave
     * @return the name without leading and trailing white space
     * @throws WorldLinkException {@link ErrorCode#INVALID_NAME} when it is empty, too long or holds a
     *     control character
     */
    public String displayName(String what, String name) {
        String n = name == null ? "" : name.strip();
        if (n.isEmpty()) {
            throw new WorldLinkException(ErrorCode.INVALID_NAME, "The " + what + " is empty; give a name such as "
                    + "\"My World\".");
        }
        if (n.length() > maxNameChars) {
            throw new WorldLinkException(ErrorCode.INVALID_NAME, "The " + what + " has " + n.length()
                    + " characters; it may have at most " + maxNameChars + ".");
        }
        if (hasControl(n, false)) {
            throw new WorldLinkException(ErrorCode.INVALID_NAME, "The " + what + " must not contain control "
                    + "characters.");
        }
        // A name that looks like another must be the other: compatibility forms folded (ＳＹＳＴＥＭ is
        // SYSTEM), and no character that shows nothing (sys\u200Btem would pass for system).
        String folded = Normalizer.normalize(n, Normalizer.Form.NFKC);
        if (folded.codePoints().anyMatch(Routing::invisible)) {
            throw new WorldLinkException(ErrorCode.INVALID_NAME, "The " + what + " must not contain invisible "
                    + "characters.");
        }
        return folded;
    }

    /**
     * Checks an agent's name against the names that belong to others.
     *
     * @param name its display name, checked by {@link #displayName}
     * @param id its id
     * @throws WorldLinkException {@link ErrorCode#INVALID_NAME} when the name or id is reserved
     */
    public void notReserved(String name, String id) {
        if (RESERVED_AGENT_NAMES.contains(name.toLowerCase(Locale.ROOT)) || RESERVED_AGENT_NAMES.contains(id)) {
            throw new WorldLinkException(ErrorCode.INVALID_NAME, "An agent cannot be called \"" + clip(name)
                    + "\": human, user, you, system and world are the names of people, the system and the world.");
        }
    }

    /**
     * Checks a world's description.
     *
     * @param description the description a client gave
     * @return it, unchanged
     * @throws WorldLinkException {@link ErrorCode#INVALID_MESSAGE} when it is too long or holds a control
     *     character other than a line break or a tab
     */
    public String description(String description) {
        if (description.length() > maxDescriptionChars) {
            throw new WorldLinkException(ErrorCode.INVALID_MESSAGE, "The description has " + description.length()
                    + " characters; it may have at most " + maxDescriptionChars + ". Nothing was changed.");
        }
        if (hasControl(description, true)) {
            throw new WorldLinkException(ErrorCode.INVALID_MESSAGE, "The description must not contain control "
                    + "characters other than line breaks and tabs. Nothing was changed.");
        }
        return description;
    }

    /**
     * Checks a system prompt.
     *
     * @param prompt the prompt a client gave
     * @return it, unchanged
     * @throws WorldLinkException {@link ErrorCode#INVALID_MESSAGE} when it is too long
     */
    public String systemPrompt(String prompt) {
        if (prompt.length() > maxSystemPromptChars) {
            throw new WorldLinkException(ErrorCode.INVALID_MESSAGE, "The system prompt has " + prompt.length()
                    + " characters; it may have at most " + maxSystemPromptChars + ". Nothing was changed.");
        }
        return prompt;
    }

    /**
     * Checks a turn limit.
     *
     * @param turnLimit the limit a client gave
     * @return it, unchanged
     * @throws WorldLinkException {@link ErrorCode#INVALID_MESSAGE} when it is not from 1 to the maximum
     */
    public int turnLimit(int turnLimit) {
        if (turnLimit < 1 || turnLimit > maxTurnLimit) {
            throw new WorldLinkException(ErrorCode.INVALID_MESSAGE, "turnLimit must be a whole number from 1 to "
                    + maxTurnLimit + ". Nothing was changed.");
        }
        return turnLimit;
    }

    /**
     * Checks that a world has room for one more agent.
     *
     * @param agents how many agents it has
     * @throws WorldLinkException {@link ErrorCode#QUOTA_EXCEEDED} when it has as many as it may
     */
    public void roomForAgent(int agents) {
        if (agents >= maxAgentsPerWorld) {
            throw new WorldLinkException(ErrorCode.QUOTA_EXCEEDED, "The world has " + agents + " agents, the most "
                    + "a world may have; delete one first. Nothing was changed.");
        }
    }

    /**
     * Checks that a world has room for one more chat.
     *
     * @param chats how many chats it has
     * @throws WorldLinkException {@link ErrorCode#QUOTA_EXCEEDED} when it has as many as it may
     */
    public void roomForChat(int chats) {
        if (chats >= maxChatsPerWorld) {
            throw new WorldLinkException(ErrorCode.QUOTA_EXCEEDED, "The world has " + chats + " chats, the most "
                    + "a world may have; delete one first. Nothing was changed.");
        }
    }

    /**
     * Checks that a world's event log has room for what a client adds to it. The turn that a change starts
     * may still take the log past the limit: the replies, the errors and the {@code idle} that finish it are
     * never refused.
     *
     * @param logBytes how many bytes the world's log holds
     * @throws WorldLinkException {@link ErrorCode#QUOTA_EXCEEDED} when it holds as many as a world's log may
     */
    public void roomInLog(long logBytes) {
        if (logBytes >= maxLogBytes) {
            throw new WorldLinkException(ErrorCode.QUOTA_EXCEEDED, "The world's history is full: its event log "
                    + "holds " + logBytes + " bytes, and a world's log may hold " + maxLogBytes + ". Nothing was "
                    + "changed. Export the world to keep its conversation, then delete it and select it again "
                    + "with its template to start afresh, or go on in another world.");
        }
    }

    private static boolean hasControl(String s, boolean allowLineBreaks) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (allowLineBreaks && (c == '\n' || c == '\r' || c == '\t')) {
                continue;
            }
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                return true;
            }
        }
        return false;
    }

    private static String clip(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
