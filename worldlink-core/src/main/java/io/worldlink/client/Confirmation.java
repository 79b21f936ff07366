package io.worldlink.client;

import java.util.List;

/**
 * The server's {@code connection-confirmed}: the world this client is now in.
 *
 * @param worldName the world's id
 * @param templateName the template it was cloned from
 * @param userId the user
 * @param userPath where the world lives on the server, relative
 * @param persistent whether the world outlives the connection (signed users)
 * @param clientId the server's id for this connection
 * @param agents the world's agents
 * @param lastSeq the world's newest seq when the client joined
 */
public record Confirmation(String worldName, String templateName, String userId, String userPath, boolean persistent,
        String clientId, List<AgentInfo> agents, long lastSeq) {
    /** Copies the agents. */
    public Confirmation {
        agents = List.copyOf(agents);
    }
}
