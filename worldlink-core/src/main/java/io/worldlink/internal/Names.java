package io.worldlink.internal;

import io.worldlink.ErrorCode;
import io.worldlink.WorldLinkException;
import java.text.Normalizer;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Turns the names that clients send (world, template and agent names) into ids, the way agent-world
 * does: kebab case, so that {@code "My World"} becomes {@code "my-world"}. This is the one place that
 * does it; no path is ever built from a name that has not passed through here.
 *
 * <p>An id matches {@code [a-z0-9][a-z0-9-]{0,63}}. A name that holds {@code /}, {@code \},
 * {@code ..} or a control character, or that yields no valid id, is refused with
 * {@link ErrorCode#INVALID_NAME}; nothing is silently truncated.
 */
public final class Names {
    /** The longest id. */
    public static final int MAX_ID_LENGTH = 64;

    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");
    private static final Pattern COMBINING_MARKS = Pattern.compile("\\p{M}+");
    private static final Pattern CAMEL_HUMP = Pattern.compile("(?<=[a-z0-9])(?=[A-Z])");
    private static final Pattern NOT_ID_CHARS = Pattern.compile("[^a-z0-9]+");
    // A name far longer than any id can only be refused; don't normalize megabytes to find out.
    private static final int MAX_NAME_LENGTH = 4 * MAX_ID_LENGTH;

    private Names() {}

    /**
     * Turns a name into an id.
     *
     * @param what what the name is, for the error message ({@code "world name"}, {@code "agent name"})
     * @param name the name a client sent
     * @return the id, matching {@code [a-z0-9][a-z0-9-]{0,63}}
     * @throws WorldLinkException with {@link ErrorCode#INVALID_NAME} when the name is refused
     */
    public static String toId(String what, String name) {
        if (name == null || name.isBlank()) {
            throw invalid(what, "is empty; give a name such as \"my-world\"");
        }
        if (name.length() > MAX_NAME_LENGTH) {
            throw invalid(what, "is " + name.length() + " characters long; an id may have at most "
                    + MAX_ID_LENGTH);
        }
        if (name.indexOf('/') >= 0 || name.indexOf('\\') >= 0 || name.contains("..")) {
            throw invalid(what, "must not contain '/', '\\' or '..'");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                throw invalid(what, "must not contain control characters");
            }
        }
        String plain = COMBINING_MARKS.matcher(Normalizer.normalize(name.strip(), Normalizer.Form.NFD))
                .replaceAll("");
        String kebab = NOT_ID_CHARS.matcher(CAMEL_HUMP.matcher(plain).replaceAll("-").toLowerCase(Locale.ROOT))
                .replaceAll("-");
        String id = trimHyphens(kebab);
        if (!ID.matcher(id).matches()) {
            throw invalid(what, id.isEmpty()
                    ? "has no letters or digits to make an id of; use letters a-z, digits and '-'"
                    : "makes the id \"" + id.substring(0, Math.min(id.length(), 20)) + "...\", longer than "
                            + MAX_ID_LENGTH + " characters");
        }
        return id;
    }

    /**
     * @param id a candidate id
     * @return whether it matches {@code [a-z0-9][a-z0-9-]{0,63}}
     */
    public static boolean isValidId(String id) {
        return id != null && ID.matcher(id).matches();
    }

    private static String trimHyphens(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && s.charAt(start) == '-') {
            start++;
        }
        while (end > start && s.charAt(end - 1) == '-') {
            end--;
        }
        return s.substring(start, end);
    }

    private static WorldLinkException invalid(String what, String why) {
        return new WorldLinkException(ErrorCode.INVALID_NAME, "The " + what + " " + why + ".");
    }
}
