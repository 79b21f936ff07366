package io.worldlink.redis.internal;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * The Lua scripts that change a lease, each atomic in Redis. A lease's value is {@code nodeId:fence}, so
 * that a renewal or release by an owner whose lease has run out never touches the next owner's lease, even
 * one on the same node. Scripts are called by their SHA-1 and sent whole only when Redis does not know
 * them (after a restart).
 */
final class LeaseScripts {
    /**
     * KEYS: lease, fence counter. ARGV: node id, lease time (ms), how long the counter outlives its last use
     * (ms), the lowest fence the world may get (the folder's record). Returns {1, value} when this node got
     * the lease, {0, value} with the holder's value when another holds it.
     */
    static final LeaseScripts ACQUIRE = new LeaseScripts("""
            local holder = redis.call('GET', KEYS[1])
            if holder then return {0, holder} end
            local fence = redis.call('INCR', KEYS[2])
            local floor = tonumber(ARGV[4])
            if fence <= floor then
              fence = floor + 1
              redis.call('SET', KEYS[2], fence)
            end
            redis.call('PEXPIRE', KEYS[2], ARGV[3])
            local value = ARGV[1] .. ':' .. fence
            redis.call('SET', KEYS[1], value, 'PX', ARGV[2])
            return {1, value}
            """);

    /** KEYS: lease. ARGV: the lease's value, lease time (ms). Returns 1 when renewed, 0 when not held. */
    static final LeaseScripts RENEW = new LeaseScripts("""
            if redis.call('GET', KEYS[1]) == ARGV[1] then
              return redis.call('PEXPIRE', KEYS[1], ARGV[2])
            end
            return 0
            """);

    /** KEYS: lease. ARGV: the lease's value. Returns 1 when released, 0 when it was not held. */
    static final LeaseScripts RELEASE = new LeaseScripts("""
            if redis.call('GET', KEYS[1]) == ARGV[1] then
              return redis.call('DEL', KEYS[1])
            end
            return 0
            """);

    private final String text;
    private final String sha;

    private LeaseScripts(String text) {
        this.text = text;
        try {
            this.sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every JDK has SHA-1", e);
        }
    }

    /**
     * Runs the script.
     *
     * @param <T> what it returns, as Lettuce reads {@code type}
     * @return the stage of its result
     */
    <T> CompletionStage<T> run(RedisAsyncCommands<String, String> redis, ScriptOutputType type, String[] keys,
            String... args) {
        CompletableFuture<T> bySha = redis.<T>evalsha(sha, type, keys, args).toCompletableFuture();
        return bySha.exceptionallyCompose(e -> {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            return cause instanceof RedisNoScriptException
                    ? redis.<T>eval(text, type, keys, args)
                    : CompletableFuture.failedFuture(cause);
        });
    }
}
