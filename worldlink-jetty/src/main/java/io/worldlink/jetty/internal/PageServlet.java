package io.worldlink.jetty.internal;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Serves the chat page: one self-contained HTML file (no build step, nothing from a CDN). */
public final class PageServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final byte[] PAGE = load();

    private static byte[] load() {
        try (InputStream in = PageServlet.class.getResourceAsStream("/io/worldlink/jetty/index.html")) {
            if (in == null) {
                throw new IllegalStateException("index.html is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setContentType("text/html;charset=utf-8");
        resp.setHeader("Cache-Control", "no-cache");
        resp.setHeader("Content-Security-Policy", "default-src 'self'; style-src 'unsafe-inline'; "
                + "script-src 'unsafe-inline'; connect-src 'self' ws: wss:; frame-ancestors 'none'");
        resp.setContentLength(PAGE.length);
        resp.getOutputStream().write(PAGE);
    }
}
