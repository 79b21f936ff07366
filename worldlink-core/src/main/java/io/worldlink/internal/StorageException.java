package io.worldlink.internal;

import io.worldlink.ErrorCode;
import io.worldlink.WorldLinkException;
import java.nio.file.FileSystemException;

/**
 * A file of a world could not be read or written. The message names the file relative to the data
 * root (for example {@code users/ann/worlds/demo/config.json}), never by its absolute path, and adds
 * the operating system's reason when there is one ("No space left on device", "Too many open files").
 */
public final class StorageException extends WorldLinkException {
    private static final long serialVersionUID = 1L;

    /**
     * Makes the exception for a failed read or write.
     *
     * @param message what failed, naming the file relative to the data root
     * @param cause the underlying failure, for logs only
     */
    public StorageException(String message, Throwable cause) {
        super(ErrorCode.STORAGE_ERROR, withReason(message, cause), cause);
    }

    // A FileSystemException's reason never holds the path (its message does): only the reason is shown.
    private static String withReason(String message, Throwable cause) {
        if (!(cause instanceof FileSystemException f) || f.getReason() == null || f.getReason().isBlank()) {
            return message;
        }
        String reason = " (" + f.getReason().strip() + ")";
        return message.endsWith(".") ? message.substring(0, message.length() - 1) + reason + "." : message + reason;
    }
}
