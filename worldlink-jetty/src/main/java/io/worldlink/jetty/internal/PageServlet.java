package io.worldlink.jetty.internal;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Serves the chat page: one self-contained HTML file (no build step, nothing from a CDN). The page learns the
 * server's WebSocket path from a {@code <meta>} element filled in here: a server built with another path
 * works without an extra request before connecting, and without a script the content security policy would
 * have to allow.
 */
public final class PageServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final String RESOURCE = "/io/worldlink/jetty/index.html";
    private static final String DEFAULT_PATH = "<meta name=\"worldlink-websocket\" content=\"/ws\">";

    private final byte[] page;

    /** @param webSocketPath the path of the server's WebSocket endpoint, such as {@code /ws} */
    public PageServlet(String webSocketPath) {
        String html = load();
        if (!html.contains(DEFAULT_PATH)) {
            throw new IllegalStateException("index.html has no " + DEFAULT_PATH + " to fill in");
        }
        this.page = html.replace(DEFAULT_PATH, "<meta name=\"worldlink-websocket\" content=\"" + attribute(webSocketPath)
                + "\">").getBytes(StandardCharsets.UTF_8);
    }

    private static String load() {
        try (InputStream in = PageServlet.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("index.html is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String attribute(String value) {
        StringBuilder sb = new StringBuilder(value.length());
        for (char c : value.toCharArray()) {
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setContentType("text/html;charset=utf-8");
        resp.setHeader("Cache-Control", "no-cache");
        resp.setHeader("Content-Security-Policy", "default-src 'self'; style-src 'unsafe-inline'; "
                + "script-src 'unsafe-inline'; connect-src 'self' ws: wss:; frame-ancestors 'none'");
        resp.setContentLength(page.length);
        resp.getOutputStream().write(page);
    }
}
