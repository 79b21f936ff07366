package io.worldlink.client;

import io.worldlink.event.MessageLevel;


/**
 * A {@code system-message} from the server.
 *
 * @param content the text
 * @param level how serious it is
 * @param code the protocol error code, on errors; otherwise {@code null}
 */
public record SystemNotice(String content, MessageLevel level, String code) {}
