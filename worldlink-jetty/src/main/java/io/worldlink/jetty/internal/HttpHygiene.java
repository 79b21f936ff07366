package io.worldlink.jetty.internal;

import java.util.Set;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * In front of the whole server: every response gets headers that stop browsers from sniffing content
 * types, framing the pages (clickjacking) and leaking the address in a {@code Referer}; and methods the
 * server does not serve are refused with 405 before any servlet sees them (a servlet answers {@code TRACE}
 * by echoing the request, its cookies and tokens included). The server serves GET, HEAD and POST, and
 * under {@code /api/} also PATCH and DELETE (the REST API changes and deletes worlds and agents).
 */
public final class HttpHygiene extends Handler.Wrapper {
    private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST");
    private static final Set<String> API_METHODS = Set.of("GET", "HEAD", "POST", "PATCH", "DELETE");
    private static final HttpField ALLOW = new PreEncodedHttpField(HttpHeader.ALLOW, "GET, HEAD, POST");
    private static final HttpField API_ALLOW = new PreEncodedHttpField(HttpHeader.ALLOW,
            "GET, HEAD, POST, PATCH, DELETE");
    private static final HttpField NOSNIFF = new PreEncodedHttpField("X-Content-Type-Options", "nosniff");
    private static final HttpField NO_FRAMES = new PreEncodedHttpField("X-Frame-Options", "DENY");
    private static final HttpField NO_REFERRER = new PreEncodedHttpField("Referrer-Policy", "no-referrer");
    private static final HttpField NOTHING_LOADS = new PreEncodedHttpField("Content-Security-Policy",
            "default-src 'none'; frame-ancestors 'none'");

    private final OriginPolicy origins;

    /**
     * @param origins which browser origins may send requests that change something
     * @param next what serves the requests that pass
     */
    public HttpHygiene(OriginPolicy origins, Handler next) {
        super(next);
        this.origins = origins;
    }

    /**
     * Adds the headers every response carries, the error pages' included. The content security policy
     * lets nothing load; the chat page replaces it with its own, which also forbids framing.
     *
     * @param headers a response's headers
     */
    public static void secure(HttpFields.Mutable headers) {
        headers.put(NOSNIFF);
        headers.put(NO_FRAMES);
        headers.put(NO_REFERRER);
        headers.put(NOTHING_LOADS);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        secure(response.getHeaders());
        String path = request.getHttpURI().getPath();
        boolean api = path != null && path.startsWith("/api/");
        if ((api ? API_METHODS : METHODS).contains(request.getMethod())) {
            return super.handle(request, response, callback);
        }
        // A foreign page's attempt to change something is refused as such, whatever the method.
        String origin = request.getHeaders().get(HttpHeader.ORIGIN);
        if (!origins.allows(origin, request.isSecure() ? "https" : "http", request.getHeaders().get(HttpHeader.HOST))) {
            Response.writeError(request, response, callback, HttpStatus.FORBIDDEN_403, OriginPolicy.refusal(origin));
        } else {
            response.getHeaders().put(api ? API_ALLOW : ALLOW);
            Response.writeError(request, response, callback, HttpStatus.METHOD_NOT_ALLOWED_405);
        }
        return true;
    }
}
