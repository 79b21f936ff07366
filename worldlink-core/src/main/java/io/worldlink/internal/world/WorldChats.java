package io.worldlink.internal.world;

import io.worldlink.Chat;
import io.worldlink.ErrorCode;
import io.worldlink.UserStorage;
import io.worldlink.WorldKey;
import io.worldlink.WorldLinkException;
import io.worldlink.event.MessageEvent;
import io.worldlink.event.SenderType;
import io.worldlink.event.WorldActionEvent;
import io.worldlink.event.WorldEvent;
import io.worldlink.internal.Ids;
import io.worldlink.internal.Json;
import io.worldlink.internal.Names;
import io.worldlink.internal.SnapshotJson;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The chats of a loaded world: which exist, their names and message counts, and their files
 * ({@code chats/{id}.json}). A world always has at least one: a world stored without any (a fresh clone,
 * a world from before chats) gets its first chat, {@link Chat#FIRST_ID}, which holds what its memories and
 * log hold already.
 *
 * <p>A chat's file is derived state, as memories are ({@link PendingSaves}): a message, a rename or a new
 * chat changes the chat in memory, and the log holds the change (the message, or the {@code chat-create} and
 * {@code chat-update} events, which carry the whole chat); the files of the chats changed since the last
 * snapshot are written with the memories' snapshot, before the seq it reflects. Loading applies the log past
 * that seq to the chats on disk (a world without chat files: the whole log, to its first chat), so a crash
 * loses no count, time or name that the log holds. Only deleting a chat removes its file at once. Used on
 * the world's executor only.
 */
final class WorldChats {
    /** Chats newest first: the one spoken in last leads. */
    static final Comparator<Chat> NEWEST_FIRST = Comparator.comparing(Chat::updatedAt)
            .thenComparing(Chat::createdAt).reversed().thenComparing(Chat::id);
    // A chat named after its first message keeps this much of it.
    private static final int TITLE_CHARS = 60;

    private final WorldKey key;
    private final UserStorage storage;
    private final EventOutbox outbox;
    private final WorldPolicy policy;
    private final Clock clock;
    private final Map<String, Chat> chats = new LinkedHashMap<>();
    // Chats that have no file (a world's first chat before anything is said in it, a new chat): written with
    // the first snapshot that writes any chat, so that a world with chat files has all of its chats as files.
    private final Set<String> unstored = new HashSet<>();
    // Chats changed since the last snapshot wrote them.
    private final Set<String> changed = new HashSet<>();
    // Chats spoken in since their turn last ended there: announced when it ends.
    private final Set<String> spokenIn = new HashSet<>();
    private Runnable onChange = () -> { };

    WorldChats(WorldKey key, UserStorage storage, EventOutbox outbox, WorldPolicy policy, Clock clock) {
        this.key = key;
        this.storage = storage;
        this.outbox = outbox;
        this.policy = policy;
        this.clock = clock;
    }

    /** @param saves told when a chat changes, so that a snapshot comes to write it */
    void changesSavedBy(Runnable saves) {
        this.onChange = saves;
    }

    /**
     * Reads the world's chats and applies the log past the snapshot to them; a world without any gets its
     * first chat, holding the conversation its log has already (messages logged before chats existed
     * belong to it).
     *
     * @param snapshotSeq the seq of the log that the chat files reflect, or -1 when the world's config does
     *     not say (files from before snapshots, written at the end of every turn)
     */
    void load(long snapshotSeq) {
        chats.clear();
        unstored.clear();
        changed.clear();
        spokenIn.clear();
        for (Chat c : storage.loadChats(key)) {
            chats.put(c.id(), c);
        }
        long from = snapshotSeq > outbox.log().lastSeq() ? -1 : snapshotSeq;
        if (chats.isEmpty()) {
            Instant now = clock.instant();
            chats.put(Chat.FIRST_ID, new Chat(Chat.FIRST_ID, key.worldId(), Chat.NEW_NAME, "", now, now, 0));
            unstored.add(Chat.FIRST_ID);
            from = 0;
        }
        if (from >= 0) {
            outbox.log().forEachAfter(from, this::replay);
        }
    }

    // What the log says happened to the chats, applied as it happened.
    private void replay(WorldEvent e) {
        if (e instanceof MessageEvent m) {
            String chatId = count(m);
            if (chatId != null) {
                changed.add(chatId);
            }
        } else if (e instanceof WorldActionEvent w) {
            switch (w.action()) {
                case WorldActionEvent.CHAT_CREATE, WorldActionEvent.CHAT_UPDATE -> {
                    if (w.details().get("chat") instanceof Map<?, ?> view && view.get("id") instanceof String id
                            && Names.isValidId(id)) {
                        try {
                            chats.put(id, SnapshotJson.chat(Json.GSON.toJsonTree(view).getAsJsonObject(), id,
                                    key.worldId()));
                            changed.add(id);
                        } catch (Json.FieldException | IllegalArgumentException bad) {
                            // An event this server did not write so (a field of the wrong type): the chat stays.
                        }
                    }
                }
                case WorldActionEvent.CHAT_DELETE -> {
                    if (w.details().get("chatId") instanceof String id && chats.remove(id) != null) {
                        changed.remove(id);
                        unstored.remove(id);
                    }
                }
                default -> { }
            }
        }
    }

    /** @return the chats, newest first */
    List<Chat> newestFirst() {
        List<Chat> list = new ArrayList<>(chats.values());
        list.sort(NEWEST_FIRST);
        return list;
    }

    /**
     * @param chatId a chat a client named, or {@code null}
     * @return that chat when the world has it, else the newest
     * @throws WorldLinkException {@link ErrorCode#INVALID_NAME} when the id cannot be a chat's
     */
    Chat chosenOrNewest(String chatId) {
        if (chatId != null) {
            checkId(chatId);
            Chat c = chats.get(chatId);
            if (c != null) {
                return c;
            }
        }
        return newestFirst().get(0);
    }

    /**
     * @param chatId a chat a client named
     * @return the chat
     * @throws WorldLinkException {@link ErrorCode#INVALID_NAME} for an id that cannot be a chat's,
     *     {@link ErrorCode#CHAT_NOT_FOUND} when the world has no such chat
     */
    Chat existing(String chatId) {
        checkId(chatId);
        Chat c = chats.get(chatId);
        if (c == null) {
            throw new WorldLinkException(ErrorCode.CHAT_NOT_FOUND, "The world \"" + key.worldId() + "\" has no chat \""
                    + chatId + "\"; send chat-list to see its chats.");
        }
        return c;
    }

    /**
     * Creates a chat, and publishes a {@code chat-create} event.
     *
     * @param eventId the id to give the event
     * @param name its name, or {@code null} to name it after its first message
     * @return the chat
     */
    Chat create(String eventId, String name) {
        policy.roomForChat(chats.size());
        String shown = name == null ? Chat.NEW_NAME : policy.displayName("chat name", name);
        Instant now = clock.instant();
        Chat chat = new Chat("chat-" + Ids.next(), key.worldId(), shown, "", now, now, 0);
        chats.put(chat.id(), chat);
        unstored.add(chat.id());
        changed(chat.id());
        outbox.emit(new WorldActionEvent(eventId, now, 0, WorldActionEvent.CHAT_CREATE, null,
                Map.of("chat", ChatViews.of(chat))));
        return chat;
    }

    /**
     * Renames a chat, and publishes a {@code chat-update} event.
     *
     * @param eventId the id to give the event
     * @param chatId the chat
     * @param name its new name
     * @return the chat
     */
    Chat rename(String eventId, String chatId, String name) {
        Chat old = existing(chatId);
        Chat chat = named(old, policy.displayName("chat name", name), clock.instant());
        changed(eventId, chat);
        return chat;
    }

    /**
     * Deletes a chat's file (its messages leave the agents' memories through
     * {@link PendingSaves#forgetChat} first). A world keeps at least one chat: deleting its last creates a new
     * one first. Publishes {@code chat-delete}, naming the chat its clients move to.
     *
     * @param eventId the id to give the event
     * @param chatId the chat
     * @return the chat its clients move to
     */
    Chat delete(String eventId, String chatId) {
        existing(chatId);
        if (chats.size() == 1) {
            create(Ids.next(), null);
        }
        if (!unstored.remove(chatId)) {
            storage.deleteChat(key, chatId);
        }
        chats.remove(chatId);
        changed.remove(chatId);
        spokenIn.remove(chatId);
        Chat fallback = newestFirst().get(0);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("chatId", chatId);
        details.put("fallbackChatId", fallback.id());
        outbox.emit(new WorldActionEvent(eventId, clock.instant(), 0, WorldActionEvent.CHAT_DELETE, null, details));
        return fallback;
    }

    /** Counts a message in its chat; a chat not yet named is named after its first message from a person. */
    void counted(MessageEvent m) {
        String chatId = count(m);
        if (chatId != null) {
            spokenIn.add(chatId);
            changed(chatId);
        }
    }

    // Returns the chat it counted in, or null when its chat is gone.
    private String count(MessageEvent m) {
        Chat c = m.chatId() == null ? null : chats.get(m.chatId());
        if (c == null) {
            return null;
        }
        Chat counted = new Chat(c.id(), c.worldId(), c.name(), c.description(), c.createdAt(), m.timestamp(),
                c.messageCount() + 1);
        if (c.messageCount() == 0 && c.name().equals(Chat.NEW_NAME) && m.senderType() == SenderType.HUMAN) {
            String title = titleOf(m.content());
            if (!title.isEmpty()) {
                counted = named(counted, title, m.timestamp());
            }
        }
        chats.put(c.id(), counted);
        return c.id();
    }

    /** A turn ended in a chat: what was said in it is announced ({@code chat-update}). */
    void turnEnded(String chatId) {
        if (chatId != null && spokenIn.remove(chatId)) {
            Chat c = chats.get(chatId);
            if (c != null) {
                changed(Ids.next(), c);
            }
        }
    }

    private void changed(String eventId, Chat chat) {
        chats.put(chat.id(), chat);
        changed(chat.id());
        outbox.emit(new WorldActionEvent(eventId, clock.instant(), 0, WorldActionEvent.CHAT_UPDATE, null,
                Map.of("chat", ChatViews.of(chat))));
    }

    private void changed(String chatId) {
        if (changed.add(chatId)) {
            onChange.run();
        }
    }

    /** @return whether a chat changed since the last snapshot wrote the chats */
    boolean changed() {
        return !changed.isEmpty();
    }

    /**
     * Writes the files of the chats changed since the last time, with those of the chats that have none yet
     * when any is written; a file that cannot be written stays to write.
     *
     * @throws RuntimeException the first failure, after trying them all
     */
    void writeChanged() {
        if (changed.isEmpty()) {
            return;
        }
        Set<String> toWrite = new LinkedHashSet<>(unstored);
        toWrite.addAll(changed);
        RuntimeException failed = null;
        for (String id : toWrite) {
            Chat c = chats.get(id);
            try {
                if (c != null) {
                    storage.saveChat(key, c);
                }
                unstored.remove(id);
                changed.remove(id);
            } catch (RuntimeException e) {
                failed = failed == null ? e : failed;
            }
        }
        if (failed != null) {
            throw failed;
        }
    }

    private static void checkId(String chatId) {
        if (!Names.isValidId(chatId)) {
            throw new WorldLinkException(ErrorCode.INVALID_NAME, "A chat id is made of a-z, 0-9 and -, such as "
                    + "\"" + Chat.FIRST_ID + "\"; send chat-list to see the world's chats.");
        }
    }

    /**
     * @param text a message
     * @return a chat name made of its start: its first line, clipped
     */
    static String titleOf(String text) {
        String line = text.strip().lines().findFirst().orElse("").strip().replaceAll("\\s+", " ");
        line = line.codePoints().filter(cp -> !Character.isISOControl(cp) && !Routing.invisible(cp))
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        if (line.codePointCount(0, line.length()) <= TITLE_CHARS) {
            return line;
        }
        return line.substring(0, line.offsetByCodePoints(0, TITLE_CHARS - 1)).strip() + "\u2026";
    }

    private static Chat named(Chat c, String name, Instant now) {
        return new Chat(c.id(), c.worldId(), name, c.description(), c.createdAt(), now, c.messageCount());
    }
}
