package io.worldlink.internal.world;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.worldlink.AgentConfig;
import io.worldlink.AgentStatus;
import io.worldlink.ErrorCode;
import io.worldlink.WorldLinkException;
import io.worldlink.internal.model.ModelRegistry;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a client may change of an agent's model settings (PROTOCOL.md, "What clients may change"):
 * the temperature, the longest reply up to the host's cap, and the model among those the host allows
 * for the agent's provider; and which provider and model an agent that a client adds may have. Where a
 * model is called and with which key is the host's decision, so every other field is refused and
 * nothing changes.
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
            temperature = temperature(number(change.get("temperature"), "temperature"));
        }
        if (change.has("maxTokens")) {
            maxTokens = maxTokens(number(change.get("maxTokens"), "maxTokens"));
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
                throw modelForbidden(wanted, provider, allowed);
            }
            model = wanted;
        }
        return agent.withModelSettings(model, temperature, maxTokens);
    }

    /**
     * The config of an agent that a client adds ({@code agent-create}): its provider is {@code default} or
     * one the host allows models for, its model one of those models or empty (the provider's default),
     * and it never holds a base URL or key.
     *
     * @param id the agent's id
     * @param name its display name
     * @param provider the provider asked for ({@code default} when none was)
     * @param calledProvider the provider its calls would go to ({@code default} resolved)
     * @param model the model asked for, or {@code null} or empty for the provider's default
     * @param temperature the temperature asked for, or {@code null}
     * @param maxTokens the longest reply asked for, or {@code null}
     * @param createdAt now
     * @return the new agent's config
     * @throws WorldLinkException {@link ErrorCode#FORBIDDEN} for a provider or model the host does not
     *     allow, {@link ErrorCode#INVALID_MESSAGE} for a value out of range
     */
    public AgentConfig newAgent(String id, String name, String provider, String calledProvider, String model,
            Double temperature, Integer maxTokens, Instant createdAt) {
        if (!provider.equals(ModelRegistry.DEFAULT) && !allowedModels.containsKey(provider)) {
            Set<String> allowed = new TreeSet<>(allowedModels.keySet());
            allowed.add(ModelRegistry.DEFAULT);
            throw new WorldLinkException(ErrorCode.FORBIDDEN, "The server does not let clients give an agent the "
                    + "provider \"" + clip(provider) + "\"; the allowed providers are: " + String.join(", ", allowed)
                    + ". Nothing was changed.");
        }
        String wanted = model == null ? "" : model;
        Set<String> allowed = new TreeSet<>(allowedModels.getOrDefault(calledProvider, Set.of()));
        if (!wanted.isEmpty() && !allowed.contains(wanted)) {
            allowed.add("\"\" (the provider's default)");
            throw modelForbidden(wanted, calledProvider, allowed);
        }
        return new AgentConfig(id, name, null, AgentStatus.ACTIVE, provider, wanted,
                temperature == null ? null : temperature(temperature),
                maxTokens == null ? null : maxTokens(maxTokens), true, 0, null, createdAt, null, Map.of());
    }

    private static double temperature(double t) {
        if (!(t >= 0 && t <= 2)) {
            throw invalid("temperature must be a number from 0 to 2");
        }
        return t;
    }

    private int maxTokens(double n) {
        if (n != Math.rint(n) || n < 1 || n > maxTokensCap) {
            throw invalid("maxTokens must be a whole number from 1 to " + maxTokensCap);
        }
        return (int) n;
    }

    private static WorldLinkException modelForbidden(String wanted, String provider, Set<String> allowed) {
        return new WorldLinkException(ErrorCode.FORBIDDEN, "The server does not allow the model \"" + clip(wanted)
                + "\" for agents of provider " + provider + "; the allowed models are: " + String.join(", ", allowed)
                + ". Nothing was changed.");
    }

    private static double number(JsonElement e, String field) {
        if (!(e instanceof JsonPrimitive p) || !p.isNumber()) {
            throw invalid(field + " must be a number");
        }
        return p.getAsDouble();
    }

    private static WorldLinkException invalid(String why) {
        return new WorldLinkException(ErrorCode.INVALID_MESSAGE, "The agent's config was refused: " + why
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
