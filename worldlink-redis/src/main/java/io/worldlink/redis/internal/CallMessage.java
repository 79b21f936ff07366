package io.worldlink.redis.internal;

/**
 * What a node's channel carries: requests from other nodes and the answers to this node's calls.
 * <pre>
 * q{call id} {from node id} {body}    a request; the answer goes to the caller's channel
 * a{call id} {body}                   the handler's answer
 * f{call id} {message}                the handler's failure, or why the request was not served
 * </pre>
 * A call id is the caller's origin (16 hex digits, random per run) followed by a number in hex, so that an
 * answer meant for an earlier run of a node with the same id is never taken for one of its own.
 *
 * @param kind {@link #REQUEST}, {@link #ANSWER} or {@link #FAILURE}
 * @param callId the call's id
 * @param from the calling node, for a request; else {@code null}
 * @param body the request, the answer or the failure's message
 */
record CallMessage(char kind, String callId, String from, String body) {
    static final char REQUEST = 'q';
    static final char ANSWER = 'a';
    static final char FAILURE = 'f';
    private static final int MAX_CALL_ID = 40;

    static String request(String callId, String from, String body) {
        return REQUEST + callId + ' ' + from + ' ' + body;
    }

    static String answer(String callId, String body) {
        return ANSWER + callId + ' ' + body;
    }

    static String failure(String callId, String message) {
        return FAILURE + callId + ' ' + message;
    }

    /**
     * @param message what came on a node's channel
     * @return the message read, or {@code null} when it is not one that a node writes
     */
    static CallMessage parse(String message) {
        if (message.length() < 3) {
            return null;
        }
        char kind = message.charAt(0);
        int idEnd = message.indexOf(' ', 1);
        if (idEnd < 2 || idEnd > 1 + MAX_CALL_ID) {
            return null;
        }
        String callId = message.substring(1, idEnd);
        if (kind == ANSWER || kind == FAILURE) {
            return new CallMessage(kind, callId, null, message.substring(idEnd + 1));
        }
        if (kind != REQUEST) {
            return null;
        }
        int fromEnd = message.indexOf(' ', idEnd + 1);
        if (fromEnd < 0) {
            return null;
        }
        String from = message.substring(idEnd + 1, fromEnd);
        return RedisKeys.isNodeId(from) ? new CallMessage(kind, callId, from, message.substring(fromEnd + 1)) : null;
    }
}
