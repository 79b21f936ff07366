package io.worldlink.internal;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.ToNumberPolicy;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * The one Gson instance, the timestamp format, and typed reads of JSON fields that fail with a message
 * naming the field (the caller adds where it was).
 */
public final class Json {
    /** Shared and thread-safe; numbers in untyped values keep their exact text. */
    public static final Gson GSON = new GsonBuilder()
            .disableHtmlEscaping()
            .setObjectToNumberStrategy(ToNumberPolicy.LAZILY_PARSED_NUMBER)
            .create();
    /** For files people read. */
    public static final Gson PRETTY = GSON.newBuilder().setPrettyPrinting().create();

    // 10000-01-01T00:00:00Z: past it, years have five digits and the formatter takes over.
    private static final long MAX_FAST_SECONDS = 253_402_300_800L;
    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private Json() {}

    /** A field of the wrong type. The message says which field and what it should be. */
    public static final class FieldException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        /** @param message which field and what it should be */
        public FieldException(String message) {
            super(message);
        }
    }

    /**
     * @param instant a time
     * @return it as ISO-8601 UTC with milliseconds, {@code 2026-11-22T08:30:00.000Z}
     */
    public static String timestamp(Instant instant) {
        long seconds = instant.getEpochSecond();
        if (seconds < 0 || seconds >= MAX_FAST_SECONDS) {
            return TIMESTAMP.format(instant);
        }
        // Written by hand: this runs for every message of every memory rewrite. The date changes rarely,
        // so each thread keeps the last one it wrote.
        long epochDay = seconds / 86_400;
        int secondOfDay = (int) (seconds % 86_400);
        Day day = LAST_DAY.get();
        if (day.epochDay != epochDay) {
            day.epochDay = epochDay;
            day.text = LocalDate.ofEpochDay(epochDay).toString();
        }
        char[] c = new char[24];
        day.text.getChars(0, 10, c, 0);
        c[10] = 'T';
        digits(c, 11, secondOfDay / 3600, 2);
        c[13] = ':';
        digits(c, 14, secondOfDay / 60 % 60, 2);
        c[16] = ':';
        digits(c, 17, secondOfDay % 60, 2);
        c[19] = '.';
        digits(c, 20, instant.getNano() / 1_000_000, 3);
        c[23] = 'Z';
        return new String(c);
    }

    private static final class Day {
        long epochDay = Long.MIN_VALUE;
        String text;
    }

    private static final ThreadLocal<Day> LAST_DAY = ThreadLocal.withInitial(Day::new);

    private static void digits(char[] c, int at, int value, int width) {
        int v = value;
        for (int i = at + width - 1; i >= at; i--) {
            c[i] = (char) ('0' + v % 10);
            v /= 10;
        }
    }

    /**
     * Reads a timestamp in the form {@link #timestamp} writes, by hand: every event that comes from another
     * node is read, and {@link Instant#parse} took most of that.
     *
     * @param s a text
     * @return the instant, or {@code null} when the text is not a valid timestamp of that form (then
     *     {@link Instant#parse} decides)
     */
    static Instant readTimestamp(String s) {
        if (s.length() != 24 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T' || s.charAt(13) != ':'
                || s.charAt(16) != ':' || s.charAt(19) != '.' || s.charAt(23) != 'Z') {
            return null;
        }
        int year = readDigits(s, 0, 4);
        int month = readDigits(s, 5, 2);
        int day = readDigits(s, 8, 2);
        int hour = readDigits(s, 11, 2);
        int minute = readDigits(s, 14, 2);
        int second = readDigits(s, 17, 2);
        int milli = readDigits(s, 20, 3);
        if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0
                || minute > 59 || second < 0 || second > 59 || milli < 0
                || day > LocalDate.of(year, month, 1).lengthOfMonth()) {
            return null;
        }
        long epochDay = LocalDate.of(year, month, day).toEpochDay();
        return Instant.ofEpochSecond(epochDay * 86_400 + hour * 3600 + minute * 60 + second, milli * 1_000_000L);
    }

    // The number the digits at [at, at + width) spell, or -1 when one is not a digit.
    private static int readDigits(String s, int at, int width) {
        int v = 0;
        for (int i = at; i < at + width; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /**
     * Appends a JSON string literal, escaped as Gson escapes it (without HTML escaping).
     *
     * @param sb where to append
     * @param s the string
     */
    public static void quote(StringBuilder sb, String s) {
        sb.append('"');
        int start = 0;
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            String escape;
            if (c < 0x20) {
                escape = switch (c) {
                    case '\n' -> "\\n";
                    case '\t' -> "\\t";
                    case '\r' -> "\\r";
                    case '\b' -> "\\b";
                    case '\f' -> "\\f";
                    default -> String.format("\\u%04x", (int) c);
                };
            } else if (c == '"') {
                escape = "\\\"";
            } else if (c == '\\') {
                escape = "\\\\";
            } else if (c == '\u2028') {
                escape = "\\u2028";
            } else if (c == '\u2029') {
                escape = "\\u2029";
            } else {
                continue;
            }
            sb.append(s, start, i).append(escape);
            start = i + 1;
        }
        sb.append(s, start, n).append('"');
    }

    /**
     * @param o an object
     * @param field a field name
     * @return the string, or {@code null} when absent or JSON null
     * @throws FieldException when present and not a string
     */
    public static String string(JsonObject o, String field) {
        JsonElement e = o.get(field);
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
            return e.getAsString();
        }
        throw new FieldException("field \"" + field + "\" must be a string");
    }

    /**
     * @param o an object
     * @param field a field name
     * @return the number, or {@code null} when absent or JSON null
     * @throws FieldException when present and not a number
     */
    public static Number number(JsonObject o, String field) {
        JsonElement e = o.get(field);
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
            return e.getAsNumber();
        }
        throw new FieldException("field \"" + field + "\" must be a number");
    }

    /**
     * @param o an object
     * @param field a field name
     * @param min the smallest allowed value
     * @return the whole number, or {@code null} when absent or JSON null
     * @throws FieldException when present and not a whole number of at least {@code min}
     */
    public static Integer integer(JsonObject o, String field, int min) {
        JsonElement e = o.get(field);
        if (e == null || e.isJsonNull()) {
            return null;
        }
        double d = e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber() ? e.getAsDouble() : Double.NaN;
        if (d != Math.rint(d) || d < min || d > Integer.MAX_VALUE) {
            throw new FieldException("field \"" + field + "\" must be a whole number of at least " + min);
        }
        return (int) d;
    }

    /**
     * @param o an object
     * @param field a field name
     * @return the boolean, or {@code null} when absent or JSON null
     * @throws FieldException when present and not a boolean
     */
    public static Boolean bool(JsonObject o, String field) {
        JsonElement e = o.get(field);
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean()) {
            return e.getAsBoolean();
        }
        throw new FieldException("field \"" + field + "\" must be true or false");
    }

    /**
     * @param o an object
     * @param field a field name
     * @return the object, or {@code null} when absent or JSON null
     * @throws FieldException when present and not an object
     */
    public static JsonObject object(JsonObject o, String field) {
        JsonElement e = o.get(field);
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (e.isJsonObject()) {
            return e.getAsJsonObject();
        }
        throw new FieldException("field \"" + field + "\" must be an object");
    }

    /**
     * @param o an object
     * @param field a field name
     * @return the instant, or {@code null} when absent or JSON null
     * @throws FieldException when present and not an ISO-8601 timestamp
     */
    public static Instant instant(JsonObject o, String field) {
        String s = string(o, field);
        if (s == null) {
            return null;
        }
        Instant written = readTimestamp(s);
        if (written != null) {
            return written;
        }
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            throw new FieldException("field \"" + field + "\" must be an ISO-8601 timestamp such as "
                    + "2026-11-22T08:30:00.000Z");
        }
    }

    /**
     * @param o an object to add to
     * @param field a field name
     * @param value a value; nothing is added when it is {@code null}
     */
    public static void put(JsonObject o, String field, Object value) {
        if (value == null) {
            return;
        }
        if (value instanceof String s) {
            o.addProperty(field, s);
        } else if (value instanceof Number n) {
            o.add(field, new JsonPrimitive(n));
        } else if (value instanceof Boolean b) {
            o.addProperty(field, b);
        } else if (value instanceof Instant i) {
            o.addProperty(field, timestamp(i));
        } else if (value instanceof JsonElement e) {
            o.add(field, e.deepCopy());
        } else {
            o.add(field, GSON.toJsonTree(value));
        }
    }
}
