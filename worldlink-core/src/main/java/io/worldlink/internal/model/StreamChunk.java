package io.worldlink.internal.model;

import io.worldlink.model.Usage;

/**
 * What one {@code data:} payload of an OpenAI chat-completion stream says, read without building a JSON
 * tree: the fields a reply needs ({@code choices[0].delta.content}, {@code choices[0].finish_reason},
 * {@code usage}, {@code error.message}) are picked out as the payload is scanned, everything else is
 * checked to be well-formed JSON and skipped. A string, number or boolean where text is expected is read
 * as its text; a member given twice counts as its last.
 *
 * @param content the new text, or {@code null} when the chunk has none
 * @param finished whether {@code choices[0]} has a {@code finish_reason}
 * @param usage the token counts, or {@code null} when the chunk has none
 * @param failed whether the chunk is an error (an {@code error} object)
 * @param errorMessage the error's {@code message}, or {@code null} when it has none
 * @param oddChoice whether {@code choices[0]} is not an object
 */
record StreamChunk(String content, boolean finished, Usage usage, boolean failed, String errorMessage,
        boolean oddChoice) {
    /**
     * @param payload one event's data
     * @return what it says
     * @throws IllegalArgumentException when it is not a JSON object
     */
    static StreamChunk parse(String payload) {
        return new Scanner(payload).chunk();
    }

    private static final class Scanner {
        private static final int MAX_DEPTH = 64;
        private final String s;
        private int i;
        // How deep in objects and arrays the skipped value is: bounded, so that nesting cannot exhaust the stack.
        private int depth;
        private String content;
        private boolean finished;
        private Usage usage;
        private boolean failed;
        private String errorMessage;
        private boolean oddChoice;

        Scanner(String s) {
            this.s = s;
        }

        StreamChunk chunk() {
            expect('{');
            if (!next('}')) {
                do {
                    String name = string();
                    expect(':');
                    switch (name) {
                        case "choices" -> choices();
                        case "usage" -> usage();
                        case "error" -> error();
                        default -> skip();
                    }
                } while (next(','));
                expect('}');
            }
            space();
            if (i != s.length()) {
                throw malformed();
            }
            return new StreamChunk(content, finished, usage, failed, errorMessage, oddChoice);
        }

        private void choices() {
            if (!next('[')) {
                skip();
                return;
            }
            content = null;
            finished = false;
            oddChoice = false;
            if (next(']')) {
                return;
            }
            space();
            if (peek() == '{') {
                choice();
            } else {
                oddChoice = true;
                skip();
            }
            while (next(',')) {
                skip();
            }
            expect(']');
        }

        private void choice() {
            expect('{');
            if (next('}')) {
                return;
            }
            do {
                String name = string();
                expect(':');
                switch (name) {
                    case "delta" -> delta();
                    case "finish_reason" -> finished = !nullValue();
                    default -> skip();
                }
            } while (next(','));
            expect('}');
        }

        private void delta() {
            content = null;
            if (!next('{')) {
                skip();
                return;
            }
            if (next('}')) {
                return;
            }
            do {
                String name = string();
                expect(':');
                if (name.equals("content")) {
                    content = text();
                } else {
                    skip();
                }
            } while (next(','));
            expect('}');
        }

        private void usage() {
            if (!next('{')) {
                skip();
                return;
            }
            int in = 0;
            int out = 0;
            Integer total = null;
            if (!next('}')) {
                do {
                    String name = string();
                    expect(':');
                    switch (name) {
                        case "prompt_tokens" -> in = count();
                        case "completion_tokens" -> out = count();
                        case "total_tokens" -> total = count();
                        default -> skip();
                    }
                } while (next(','));
                expect('}');
            }
            usage = new Usage(in, out, total == null ? in + out : total);
        }

        private void error() {
            if (!next('{')) {
                skip();
                return;
            }
            String message = null;
            if (!next('}')) {
                do {
                    String name = string();
                    expect(':');
                    if (name.equals("message")) {
                        message = text();
                    } else {
                        skip();
                    }
                } while (next(','));
                expect('}');
            }
            failed = true;
            errorMessage = message;
        }

        // A string, number or boolean as text; null for null, an object or an array.
        private String text() {
            space();
            char c = peek();
            if (c == '"') {
                return string();
            }
            if (c == '-' || (c >= '0' && c <= '9')) {
                return number();
            }
            if (c == 't' || c == 'f') {
                return literal(c == 't' ? "true" : "false");
            }
            skip();
            return null;
        }

        // A number as an int, as Gson's getAsInt reads it; 0 for anything else.
        private int count() {
            space();
            char c = peek();
            if (c != '-' && (c < '0' || c > '9')) {
                skip();
                return 0;
            }
            String n = number();
            try {
                return Integer.parseInt(n);
            } catch (NumberFormatException e) {
                // Out of int's range, or with a fraction or an exponent (1e999999999): clamped, never expanded.
                double d = Double.parseDouble(n);
                return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, d));
            }
        }

        private boolean nullValue() {
            space();
            if (peek() == 'n') {
                literal("null");
                return true;
            }
            skip();
            return false;
        }

        private void skip() {
            space();
            char c = peek();
            if ((c == '{' || c == '[') && ++depth > MAX_DEPTH) {
                throw malformed();
            }
            switch (c) {
                case '{' -> {
                    i++;
                    if (!next('}')) {
                        do {
                            string();
                            expect(':');
                            skip();
                        } while (next(','));
                        expect('}');
                    }
                    depth--;
                }
                case '[' -> {
                    i++;
                    if (!next(']')) {
                        do {
                            skip();
                        } while (next(','));
                        expect(']');
                    }
                    depth--;
                }
                case '"' -> string();
                case 't' -> literal("true");
                case 'f' -> literal("false");
                case 'n' -> literal("null");
                default -> number();
            }
        }

        private String string() {
            space();
            if (peek() != '"') {
                throw malformed();
            }
            int start = ++i;
            int n = s.length();
            while (i < n) {
                char c = s.charAt(i);
                if (c == '"') {
                    return s.substring(start, i++);
                }
                if (c == '\\') {
                    return escaped(start);
                }
                if (c < 0x20) {
                    throw malformed();
                }
                i++;
            }
            throw malformed();
        }

        private String escaped(int start) {
            StringBuilder b = new StringBuilder(s.length() - start).append(s, start, i);
            int n = s.length();
            while (i < n) {
                char c = s.charAt(i++);
                if (c == '"') {
                    return b.toString();
                }
                if (c < 0x20) {
                    throw malformed();
                }
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                if (i >= n) {
                    throw malformed();
                }
                char e = s.charAt(i++);
                switch (e) {
                    case '"', '\\', '/' -> b.append(e);
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'n' -> b.append('\n');
                    case 'r' -> b.append('\r');
                    case 't' -> b.append('\t');
                    case 'u' -> {
                        if (i + 4 > n) {
                            throw malformed();
                        }
                        int code = 0;
                        for (int k = 0; k < 4; k++) {
                            int d = Character.digit(s.charAt(i++), 16);
                            if (d < 0) {
                                throw malformed();
                            }
                            code = code * 16 + d;
                        }
                        b.append((char) code);
                    }
                    default -> throw malformed();
                }
            }
            throw malformed();
        }

        private String number() {
            int start = i;
            int n = s.length();
            if (i < n && s.charAt(i) == '-') {
                i++;
            }
            if (i < n && s.charAt(i) == '0') {
                i++;
            } else if (digits() == 0) {
                throw malformed();
            }
            if (i < n && s.charAt(i) == '.') {
                i++;
                if (digits() == 0) {
                    throw malformed();
                }
            }
            if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
                i++;
                if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
                    i++;
                }
                if (digits() == 0) {
                    throw malformed();
                }
            }
            return s.substring(start, i);
        }

        private int digits() {
            int start = i;
            while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                i++;
            }
            return i - start;
        }

        private String literal(String word) {
            if (!s.startsWith(word, i)) {
                throw malformed();
            }
            i += word.length();
            return word;
        }

        private void expect(char c) {
            if (!next(c)) {
                throw malformed();
            }
        }

        private boolean next(char c) {
            space();
            if (i < s.length() && s.charAt(i) == c) {
                i++;
                return true;
            }
            return false;
        }

        private char peek() {
            if (i >= s.length()) {
                throw malformed();
            }
            return s.charAt(i);
        }

        private void space() {
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                    return;
                }
                i++;
            }
        }

        private IllegalArgumentException malformed() {
            return new IllegalArgumentException("not a JSON object at character " + i);
        }
    }
}
