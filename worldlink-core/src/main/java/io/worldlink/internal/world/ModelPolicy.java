package io.worldlink.internal.world;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.worldlink.AgentConfig;
import io.worldlink.ErrorCode;
import io.worldlink.WorldLinkException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a client may change of an agent's model settings (PROTOCOL.md, "What clients may change"):
 * the temperature, the longest reply up to the host's cap, and the model among those the host allows
 * for the agent's provider. Where a model is called and with which key is the host's decision, so
 * every other field is refused and nothing changes.
 *
 * @param maxTokensCap the largest {@code maxTokens} a client may set
 * @param allowedModels per provider, the models a client may switch an agent to
 */
public record ModelPolicy(int maxTokensCap, Map<String, Set<String>> allowedModels) {
    private static final Set<String> CHANGEABLE = Set.of("temperature", "maxTokens", "model");

    /** Copies the allow-list. */
    public ModelPolicy {
        if (maxTokensCap < 1) {
            throw new IllegalArgumentException("the maxTokens cap must be at least 1");
        }
        Map<String, Set<String>> copy = new LinkedHashMap<>();
        allowedModels.forEach((provider, models) -> copy.put(provider, Set.copyOf(models)));
        allowedModels = Map.copyOf(copy);
    }

    /**
     * Applies a client's change to an agent's config.
     *
     * @param agent the agent as it is
     * @param provider the provider the agent's calls go to (its {@code default} resolved)
     * @param templateModel the model the agent's template gives it, or {@code null}
     * @param change the {@code config} object of an {@code agent-update}
     * @return the changed config
     * @throws WorldLinkException {@link ErrorCode#FORBIDDEN} for a field a client may not change or a
     *     model the host does not allow, {@link ErrorCode#INVALID_MESSAGE} for a value out of range
     */
    public AgentConfig apply(AgentConfig agent, String provider, String templateModel, JsonObject change) {
        Set<String> refused = new TreeSet<>(change.keySet());
        refused.removeAll(CHANGEABLE);
        if (!refused.isEmpty()) {
            throw new WorldLinkException(ErrorCode.FORBIDDEN, "A client may change only temperature, maxTokens and "
                    + "model of an agent's config, not " + String.join(", ", clip(refused))
                    + ": where a model is called and with which key is the server's setting. Nothing was changed.");
        }
        Double temperature = agent.temperature();
        Integer maxTokens = agent.maxTokens();
        String model = agent.model();
        if (change.has("temperature")) {
            double t = number(change.get("temperature"), "temperature");
            if (!(t >= 0 && t <= 2)) {
                throw invalid("temperature must be a number from 0 to 2");
            }
            temperature = t;
        }
        if (change.has("maxTokens")) {
            double n = number(change.get("maxTokens"), "maxTokens");
            if (n != Math.rint(n) || n < 1 || n > maxTokensCap) {
                throw invalid("maxTokens must be a whole number from 1 to " + maxTokensCap);
            }
            maxTokens = (int) n;
        }
        if (change.has("model")) {
            JsonElement m = change.get("model");
            if (!(m instanceof JsonPrimitive p) || !p.isString()) {
                throw invalid("model must be a string");
            }
            String wanted = m.getAsString();
            Set<String> allowed = new TreeSet<>(allowedModels.getOrDefault(provider, Set.of()));
            allowed.add(agent.model());
            if (templateModel != null) {
                allowed.add(templateModel);
            }
            if (!allowed.contains(wanted)) {
                throw new WorldLinkException(ErrorCode.FORBIDDEN, "The server does not allow the model \""
                        + clip(wanted) + "\" for agents of provider " + provider + "; the allowed models are: "
                        + String.join(", ", allowed) + ". Nothing was changed.");
            }
            model = wanted;
        }
        return agent.withModelSettings(model, temperature, maxTokens);
    }

    private static double number(JsonElement e, String field) {
        if (!(e instanceof JsonPrimitive p) || !p.isNumber()) {
            throw invalid(field + " must be a number");
        }
        return p.getAsDouble();
    }

    private static WorldLinkException invalid(String why) {
        return new WorldLinkException(ErrorCode.INVALID_MESSAGE, "The agent config change was refused: " + why
                + ". Nothing was changed.");
    }

    private static Set<String> clip(Set<String> fields) {
        Set<String> out = new TreeSet<>();
        for (String f : fields) {
            out.add(clip(f));
            if (out.size() == 5) {
                break;
            }
        }
        return out;
    }

    private static String clip(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
