package io.worldlink.jetty.internal;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's own error responses (a malformed request, an ambiguous URI, no such path, an unsupported
 * method, an exception) written the server's way: under {@code /api} and {@code /health} the API's JSON
 * {@code {"error", "code"}}, elsewhere one line of plain text. Never a stack trace, a server version or
 * a message that an exception made up; whatever the {@code Accept} header asks for.
 */
public final class ErrorPages extends ErrorHandler {
    private static final List<Charset> UTF_8 = List.of(StandardCharsets.UTF_8);
    private static final int MAX_SHOWN_CHARS = 120;
    // What Jetty's HTTP/1 connection names a request whose request line it could not parse.
    private static final String UNPARSED_METHOD = "BAD";
    private static final String UNPARSED_PATH = "/badMessage";

    @Override
    public boolean errorPageForMethod(String method) {
        return true;
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
            Callback callback) throws IOException {
        HttpHygiene.secure(response.getHeaders());
        generateAcceptableResponse(request, response, callback, contentType(request), UTF_8, code, message, cause);
    }

    @Override
    protected void writeErrorJson(Request request, PrintWriter writer, int code, String message, Throwable cause) {
        writer.write(json(request, code, message));
    }

    @Override
    protected void writeErrorPlain(Request request, PrintWriter writer, int code, String message, Throwable cause) {
        writer.write(sentence(request, code, message, false) + "\n");
    }

    /**
     * The same pages for errors inside the servlet context (a servlet's {@code sendError}, an exception
     * thrown by a servlet, no servlet for the path), where Jetty's servlet error handler must do the writing.
     */
    public static final class InContext extends org.eclipse.jetty.ee11.servlet.ErrorHandler {
        @Override
        public boolean errorPageForMethod(String method) {
            return true;
        }

        @Override
        protected void generateResponse(Request request, Response response, int code, String message,
                Throwable cause, Callback callback) throws IOException {
            HttpHygiene.secure(response.getHeaders());
            generateAcceptableResponse(request, response, callback, contentType(request), UTF_8, code, message, cause);
        }

        @Override
        protected void writeErrorJson(Request request, PrintWriter writer, int code, String message, Throwable cause) {
            writer.write(json(request, code, message));
        }

        @Override
        protected void writeErrorPlain(Request request, PrintWriter writer, int code, String message,
                Throwable cause) {
            writer.write(sentence(request, code, message, false) + "\n");
        }
    }

    // A request line Jetty could not parse has no known path: its error is written as the API's, as that
    // is what a program that sent it is most likely to read.
    static String contentType(Request request) {
        HttpURI uri = request.getHttpURI();
        boolean unparsed = UNPARSED_METHOD.equals(request.getMethod()) && UNPARSED_PATH.equals(uri.getPath());
        return unparsed || isApi(uri.getPath()) || isApi(decoded(uri)) ? "application/json" : "text/plain";
    }

    private static String decoded(HttpURI uri) {
        try {
            return uri.getDecodedPath();
        } catch (RuntimeException e) {
            // A path that does not even decode is not the API's business.
            return null;
        }
    }

    private static boolean isApi(String path) {
        return path != null && (path.equals("/api") || path.startsWith("/api/") || path.equals("/health")
                || path.startsWith("/health/"));
    }

    static String json(Request request, int status, String message) {
        JsonObject o = new JsonObject();
        o.addProperty("error", sentence(request, status, message, true));
        o.addProperty("code", code(status));
        return o.toString();
    }

    static String code(int status) {
        return switch (status) {
            case 403 -> "FORBIDDEN";
            case 404 -> "NOT_FOUND";
            case 405 -> "METHOD_NOT_ALLOWED";
            case 408 -> "TIMEOUT";
            case 413, 414, 431 -> "TOO_LARGE";
            case 501, 505 -> "BAD_REQUEST";
            default -> status >= 500 ? "INTERNAL" : "BAD_REQUEST";
        };
    }

    // What went wrong and what to do, in words a person can act on. Jetty's reason is shown only for the
    // errors of a request it could not read, which it names precisely; the message of any other server
    // error could reveal internals.
    static String sentence(Request request, int status, String reason, boolean api) {
        String method = clip(request.getMethod());
        String path = clip(request.getHttpURI().getPath());
        String why = reason == null ? "" : clip(reason);
        return switch (status) {
            case 400, 501, 505 -> "The request is malformed (" + why + "); check the URL and the headers.";
            case 403 -> why.isEmpty() || why.equals("Forbidden") ? "This request is not allowed." : why;
            case 404 -> "There is no " + method + " " + path + (api ? "; see the README for the API." : ".");
            case 405 -> "The method " + method + " is not allowed here; the Allow header lists those that are.";
            case 408 -> "The request took too long to arrive; send it again.";
            case 413, 414, 431 -> "The request is too large (" + why + "); send less.";
            default -> status >= 500 ? "Something went wrong on the server; it has been logged."
                    : "The request cannot be served (" + why + ").";
        };
    }

    private static String clip(String s) {
        if (s == null) {
            return "";
        }
        String printable = s.codePoints().filter(c -> !Character.isISOControl(c))
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        return printable.length() <= MAX_SHOWN_CHARS ? printable : printable.substring(0, MAX_SHOWN_CHARS) + "...";
    }
}
