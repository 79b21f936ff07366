package io.worldlink;

/**
 * The error codes of the wire protocol. Every {@link WorldLinkException} carries one, and a client
 * receives it in the {@code code} field of a {@code system-message} or {@code connection-error} frame.
 */
public enum ErrorCode {
    /** A frame was not valid JSON, or not a JSON object. */
    INVALID_JSON,
    /** A frame was JSON but a field is missing or has the wrong type. */
    INVALID_MESSAGE,
    /** A frame named a {@code type} that the protocol does not know. */
    UNKNOWN_TYPE,
    /** A request that needs a world came before a successful {@code world-select}. */
    NO_WORLD_SELECTED,
    /** A world, template, agent or user name that cannot be turned into a safe id. */
    INVALID_NAME,
    /** A {@code templateName} that names no template. */
    TEMPLATE_NOT_FOUND,
    /** A world that does not exist for that user. */
    WORLD_NOT_FOUND,
    /** An agent name that names no agent of the world. */
    AGENT_NOT_FOUND,
    /** The world has no chat of that id (protocol 1.2). */
    CHAT_NOT_FOUND,
    /** A chat sender that impersonates {@code system}, {@code world} or an agent. */
    INVALID_SENDER,
    /** A signed user id without a valid proof of identity. */
    AUTH_REQUIRED,
    /** A proven identity that does not match the user id asked for. */
    FORBIDDEN,
    /** An attempt to write a template world. */
    TEMPLATE_READ_ONLY,
    /** Too many requests on one connection. */
    RATE_LIMITED,
    /** A limit on what one user, address or server may hold was reached; nothing was created. */
    QUOTA_EXCEEDED,
    /** A chat model failed or stalled. */
    MODEL_ERROR,
    /** A file could not be read or written. */
    STORAGE_ERROR,
    /** Anything else: a bug, never a stack trace. */
    INTERNAL
}
