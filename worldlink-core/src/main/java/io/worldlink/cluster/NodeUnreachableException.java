package io.worldlink.cluster;

/**
 * Why a {@link Cluster#call} failed when its request certainly did not reach the node: no node of that id
 * is there to take it (with Redis, a {@code PUBLISH} that no subscriber received), or the request could not
 * be sent at all (this node is cut off from the cluster's store). The node did nothing with it, so the caller
 * may send it again, to that node's successor for instance, without doing anything twice. Any other failure
 * of a call (no answer in time, a connection lost with the request in flight) leaves open whether the node
 * took the request.
 */
public final class NodeUnreachableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the failure.
     *
     * @param message why the request did not reach the node
     */
    public NodeUnreachableException(String message) {
        super(message);
    }

    /**
     * Creates the failure with its cause.
     *
     * @param message why the request did not reach the node
     * @param cause what failed
     */
    public NodeUnreachableException(String message, Throwable cause) {
        super(message, cause);
    }
}
