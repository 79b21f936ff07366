package io.worldlink.internal.world;

import io.worldlink.ErrorCode;
import io.worldlink.WorldLinkException;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The text rules of ROUTING.md: a person's sender name made plain, which mentions a message makes, and
 * how an agent's reply is finished (world tags, auto-mention). Pure functions; the world runtime applies
 * them.
 */
public final class Routing {
    /** What kind of sender a message has. */
    public enum SenderClass {
        /** A person. */
        HUMAN,
        /** The world; treated like a person. */
        WORLD,
        /** An agent of the world. */
        AGENT
    }

    /** A finished reply: its text, and whether a world tag gave control back to the human. */
    public record Reply(String content, boolean stop) {}

    private static final int MAX_SENDER_LENGTH = 64;
    // Letters that render as nothing but are not format characters (Hangul fillers, braille blank).
    private static final String INVISIBLE = "\u115F\u1160\u3164\uFFA0\u2800";
    private static final Pattern PARAGRAPH_MENTION =
            Pattern.compile("^\\s*(?:(?:hi|hello|hey|to),?\\s+)?@([\\w-]+)", Pattern.CASE_INSENSITIVE);
    private static final Pattern ANY_MENTION = Pattern.compile("(?<![\\w@.])@([\\w-]+)");
    private static final Pattern LEADING_MENTION = Pattern.compile("^\\s*@([\\w-]+)[,:]?\\s*");
    private static final Pattern LEADING_MENTIONS = Pattern.compile("^(?:\\s*@[\\w-]+[,:]?)+\\s*");
    private static final Pattern STOP_TAG =
            Pattern.compile("<world>\\s*(?:STOP|DONE|PASS)\\s*</world>", Pattern.CASE_INSENSITIVE);
    private static final Pattern TO_TAG =
            Pattern.compile("<world>\\s*TO\\s*:([^<]*)</world>", Pattern.CASE_INSENSITIVE);

    private Routing() {}

    /**
     * Normalizes the sender name a client sent, so that no name can pass for another by its look:
     * compatibility forms folded (NFKC: {@code ＳＹＳＴＥＭ} is {@code SYSTEM}), invisible characters
     * removed, white space collapsed.
     *
     * @param sender the name a client sent, or {@code null}
     * @return the name to check and use; {@code HUMAN} when none was given
     * @throws WorldLinkException {@link ErrorCode#INVALID_SENDER} for control characters, a name that is
     *     only invisible characters, or one longer than 64 characters
     */
    public static String senderName(String sender) {
        if (sender == null || sender.isBlank()) {
            return "HUMAN";
        }
        if (sender.length() > 4 * MAX_SENDER_LENGTH) {
            throw invalidSender("is longer than " + MAX_SENDER_LENGTH + " characters");
        }
        String folded = Normalizer.normalize(sender, Normalizer.Form.NFKC);
        StringBuilder out = new StringBuilder(folded.length());
        boolean space = false;
        for (int i = 0; i < folded.length(); ) {
            int c = folded.codePointAt(i);
            i += Character.charCount(c);
            int type = Character.getType(c);
            if (type == Character.CONTROL && !Character.isWhitespace(c)) {
                throw invalidSender("holds a control character");
            }
            if (invisible(c)) {
                continue;
            }
            if (Character.isWhitespace(c) || Character.isSpaceChar(c)) {
                space = out.length() > 0;
                continue;
            }
            if (space) {
                out.append(' ');
                space = false;
            }
            out.appendCodePoint(c);
        }
        if (out.length() == 0) {
            throw invalidSender("has nothing visible in it");
        }
        if (out.codePointCount(0, out.length()) > MAX_SENDER_LENGTH) {
            throw invalidSender("is longer than " + MAX_SENDER_LENGTH + " characters");
        }
        return out.toString();
    }

    /**
     * @param codePoint a character of a name
     * @return whether it shows nothing, or nothing reliable (format characters such as zero-width spaces,
     *     fillers, unassigned or private code points), so that a name with it could pass for another
     */
    public static boolean invisible(int codePoint) {
        int type = Character.getType(codePoint);
        return type == Character.FORMAT || type == Character.UNASSIGNED || type == Character.PRIVATE_USE
                || type == Character.SURROGATE || INVISIBLE.indexOf(codePoint) >= 0;
    }

    private static WorldLinkException invalidSender(String why) {
        return new WorldLinkException(ErrorCode.INVALID_SENDER, "The sender name " + why
                + "; send a plain display name such as \"Ann\", or none.");
    }

    /**
     * @param text a message
     * @return the names mentioned at the beginning of a line ({@code @a ...}, also after a greeting such
     *     as {@code hi @a}), lower-cased, in order, without repeats
     */
    public static Set<String> paragraphMentions(String text) {
        Set<String> names = new LinkedHashSet<>();
        for (String line : text.split("\\R")) {
            Matcher m = PARAGRAPH_MENTION.matcher(line);
            if (m.find()) {
                names.add(m.group(1).toLowerCase(Locale.ROOT));
            }
        }
        return names;
    }

    /**
     * @param text a message
     * @return whether it mentions anyone anywhere (an e-mail address is not a mention)
     */
    public static boolean hasAnyMention(String text) {
        return ANY_MENTION.matcher(text).find();
    }

    /**
     * Finishes an agent's reply as ROUTING.md says: {@code STOP}, {@code DONE} and {@code PASS} tags
     * end the exchange; a {@code TO} tag addresses the reply; otherwise a reply to another agent that
     * names no one is addressed back to it (auto-mention). The agent never mentions itself.
     *
     * @param raw the model's text
     * @param self the answering agent's id
     * @param selfName the answering agent's name
     * @param answeringAgent the sender of the message answered, when that is an agent; else {@code null}
     * @param autoReply the answering agent's {@code autoReply} setting
     * @return the reply to publish
     */
    public static Reply finish(String raw, String self, String selfName, String answeringAgent, boolean autoReply) {
        if (STOP_TAG.matcher(raw).find()) {
            String text = STOP_TAG.matcher(raw).replaceAll("");
            return new Reply(LEADING_MENTIONS.matcher(text).replaceFirst("").strip(), true);
        }
        Matcher to = TO_TAG.matcher(raw);
        if (to.find()) {
            List<String> names = new ArrayList<>();
            for (String name : to.group(1).split("[,\\s]+")) {
                String n = name.strip().replaceFirst("^@", "");
                if (!n.isEmpty() && !isSelf(n, self, selfName) && !names.contains(n)) {
                    names.add(n);
                }
            }
            String body = LEADING_MENTIONS.matcher(TO_TAG.matcher(raw).replaceAll("")).replaceFirst("").strip();
            StringBuilder sb = new StringBuilder();
            names.forEach(n -> sb.append('@').append(n).append('\n'));
            return new Reply(sb.append(body).toString().strip(), false);
        }
        String text = withoutLeadingSelfMentions(raw.strip(), self, selfName);
        if (answeringAgent != null && autoReply && !text.isEmpty() && !isSelf(answeringAgent, self, selfName)
                && paragraphMentions(firstLine(text)).isEmpty()) {
            text = "@" + answeringAgent + " " + text;
        }
        return new Reply(text, false);
    }

    private static String withoutLeadingSelfMentions(String text, String self, String selfName) {
        String t = text;
        Matcher m = LEADING_MENTION.matcher(t);
        while (m.find() && isSelf(m.group(1), self, selfName)) {
            t = t.substring(m.end());
            m = LEADING_MENTION.matcher(t);
        }
        return t;
    }

    private static String firstLine(String text) {
        int nl = text.indexOf('\n');
        return nl < 0 ? text : text.substring(0, nl);
    }

    private static boolean isSelf(String name, String self, String selfName) {
        return name.equalsIgnoreCase(self) || name.equalsIgnoreCase(selfName);
    }
}
