package io.worldlink.jetty.internal;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which web pages may use the server: a browser names the page that makes a request in the {@code Origin}
 * header, and a page of another site must not act with the visitor's network position or credentials
 * (cross-site WebSocket hijacking, cross-site POSTs). The server's own origin is always allowed; a
 * configured list adds others, and {@code *} allows every origin. Immutable.
 */
public final class OriginPolicy {
    private static final String ANY = "*";

    private static final int MAX_SHOWN_CHARS = 100;

    private final boolean any;
    private final Set<String> allowed;

    private OriginPolicy(boolean any, Set<String> allowed) {
        this.any = any;
        this.allowed = Set.copyOf(allowed);
    }

    /**
     * Checks and normalizes a list of origins.
     *
     * @param origins origins such as {@code https://chat.example.com} or {@code http://localhost:3000}, or
     *     {@code *}
     * @return the policy
     * @throws IllegalArgumentException naming the first entry that is not an origin, and why
     */
    public static OriginPolicy of(List<String> origins) {
        boolean any = false;
        Set<String> allowed = new LinkedHashSet<>();
        for (String o : origins) {
            String s = o == null ? "" : o.strip();
            if (s.equals(ANY)) {
                any = true;
                continue;
            }
            String normalized = normalize(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
            if (normalized == null) {
                throw new IllegalArgumentException("\"" + clip(s) + "\" is not an origin: write the scheme, host and "
                        + "port the browser shows, such as https://chat.example.com or http://localhost:3000 (no path), "
                        + "or * for every origin.");
            }
            allowed.add(normalized);
        }
        return new OriginPolicy(any, allowed);
    }

    /**
     * Decides whether a request may go on.
     *
     * @param origin the request's {@code Origin} header, or {@code null} when it has none (not a browser)
     * @param scheme the scheme the request came over ({@code http} or {@code https})
     * @param host the request's {@code Host} header, or {@code null}
     * @return whether the request is allowed
     */
    public boolean allows(String origin, String scheme, String host) {
        if (origin == null || any) {
            return true;
        }
        String o = normalize(origin);
        if (o == null) {
            return false;
        }
        return allowed.contains(o) || (host != null && o.equals(normalize(scheme + "://" + host)));
    }

    /**
     * @param origin a refused origin
     * @return a sentence for the refused client, saying what its operator can do
     */
    public static String refusal(String origin) {
        return "Requests from web pages at " + clip(origin) + " are not allowed here. If that page is yours, add its "
                + "origin to the server's allowed origins.";
    }

    // Browsers send scheme://host[:port] with the default port left out, lower case; a configured origin may be
    // written any way the URI syntax allows, so both sides are brought to that form before comparing.
    static String normalize(String origin) {
        try {
            URI u = new URI(origin);
            String scheme = u.getScheme() == null ? null : u.getScheme().toLowerCase(Locale.ROOT);
            if ((!"http".equals(scheme) && !"https".equals(scheme)) || u.getHost() == null || u.getRawUserInfo() != null
                    || !(u.getRawPath() == null || u.getRawPath().isEmpty()) || u.getRawQuery() != null
                    || u.getRawFragment() != null) {
                return null;
            }
            int port = u.getPort();
            boolean defaultPort = port == -1 || (scheme.equals("http") && port == 80)
                    || (scheme.equals("https") && port == 443);
            return scheme + "://" + u.getHost().toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port);
        } catch (URISyntaxException e) {
            return null;
        }
    }

    private static String clip(String s) {
        return s.length() <= MAX_SHOWN_CHARS ? s : s.substring(0, MAX_SHOWN_CHARS) + "...";
    }
}
