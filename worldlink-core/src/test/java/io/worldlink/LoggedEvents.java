package io.worldlink;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What a world's event log on disk holds, read straight from its file: what tests check clients against. */
public final class LoggedEvents {
    private LoggedEvents() {}

    /**
     * An event of the log.
     *
     * @param seq its seq
     * @param id its id
     * @param chatId its chat, or {@code null} for an event of the whole world
     * @param replyTo the message a reply answers, or {@code null}
     */
    public record Logged(long seq, String id, String chatId, String replyTo) {}

    /** @return the events of a user's world, in the file's order */
    public static List<Logged> of(Path dataRoot, String user, String world) {
        try {
            List<Logged> events = new ArrayList<>();
            for (String line : Files.readAllLines(dataRoot.resolve("users/" + user + "/worlds/" + world
                    + "/events.jsonl"))) {
                JsonObject o = JsonParser.parseString(line).getAsJsonObject();
                JsonElement chat = o.get("chatId");
                JsonElement replyTo = o.getAsJsonObject("payload").get("replyToMessageId");
                events.add(new Logged(o.get("seq").getAsLong(), o.get("id").getAsString(),
                        chat == null ? null : chat.getAsString(), replyTo == null ? null : replyTo.getAsString()));
            }
            return events;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the seqs of one chat's events, in order */
    public static List<Long> seqsOf(List<Logged> log, String chatId) {
        return log.stream().filter(e -> chatId.equals(e.chatId())).map(Logged::seq).toList();
    }
}
