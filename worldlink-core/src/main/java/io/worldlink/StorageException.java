package io.worldlink;

/**
 * A file of a world could not be read or written. The message names the file relative to the data
 * root (for example {@code users/ann/worlds/demo/config.json}), never by its absolute path.
 */
public final class StorageException extends WorldLinkException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, naming the file relative to the data root
     * @param cause the underlying failure, for logs only
     */
    public StorageException(String message, Throwable cause) {
        super(ErrorCode.STORAGE_ERROR, message, cause);
    }
}
