package io.worldlink.internal;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.ToNumberPolicy;
import java.time.Instant;
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
        return TIMESTAMP.format(instant);
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
