package io.worldlink.jetty.internal;

import io.worldlink.ErrorCode;
import io.worldlink.WorldLinkException;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import org.eclipse.jetty.ee11.servlet.FilterHolder;
import org.eclipse.jetty.ee11.servlet.FilterMapping;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.ee11.servlet.ServletHandler;
import org.eclipse.jetty.util.component.LifeCycle;

/**
 * Refuses, with 403 and the API's JSON error, a WebSocket upgrade or a request that changes something
 * (POST, PUT, PATCH, DELETE) that a browser sends from a page whose origin the {@link OriginPolicy} does
 * not allow. Requests without an {@code Origin} header (not from a browser) and reads pass.
 */
public final class OriginFilter implements Filter {
    private static final Set<String> CHANGING = Set.of("POST", "PUT", "PATCH", "DELETE");

    private final OriginPolicy policy;

    /** @param policy which origins are allowed */
    public OriginFilter(OriginPolicy policy) {
        this.policy = policy;
    }

    /**
     * Guards a path in front of every other filter of the context, Jetty's WebSocket upgrade filter
     * included: that filter puts itself first when the context starts and answers an upgrade without
     * passing it down the chain, so a filter added the usual way would never see an upgrade. Call it
     * while the context starts (from a servlet container initializer), after the upgrade filter exists.
     *
     * @param context the starting context
     * @param pathSpec the path to guard, such as {@code /ws}
     * @param policy which origins are allowed
     */
    public static void guardFirst(ServletContextHandler context, String pathSpec, OriginPolicy policy) {
        ServletHandler handler = context.getServletHandler();
        FilterHolder holder = new FilterHolder(new OriginFilter(policy));
        holder.setName(OriginFilter.class.getName() + "@" + pathSpec);
        holder.setAsyncSupported(true);
        FilterMapping mapping = new FilterMapping();
        mapping.setFilterName(holder.getName());
        mapping.setPathSpec(pathSpec);
        mapping.setDispatcherTypes(EnumSet.of(DispatcherType.REQUEST));
        handler.prependFilter(holder);
        handler.prependFilterMapping(mapping);
        // Removed when the context stops, as Jetty removes its upgrade filter, so that a restart puts
        // both back in the same order instead of leaving this one behind the upgrade filter.
        context.addEventListener(new LifeCycle.Listener() {
            @Override
            public void lifeCycleStopping(LifeCycle event) {
                handler.removeFilterMapping(mapping);
                handler.removeFilterHolder(holder);
                context.removeEventListener(this);
            }
        });
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest req = (HttpServletRequest) request;
        String origin = req.getHeader("Origin");
        if (origin != null && (CHANGING.contains(req.getMethod()) || isUpgrade(req))
                && !policy.allows(origin, req.getScheme(), req.getHeader("Host"))) {
            ApiServlet.error((HttpServletResponse) response, new WorldLinkException(ErrorCode.FORBIDDEN,
                    OriginPolicy.refusal(origin)));
            return;
        }
        chain.doFilter(request, response);
    }

    private static boolean isUpgrade(HttpServletRequest req) {
        String upgrade = req.getHeader("Upgrade");
        return upgrade != null && upgrade.toLowerCase(Locale.ROOT).contains("websocket");
    }
}
