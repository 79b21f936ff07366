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
 * The Lua scripts of a node, each atomic in Redis: those that change a lease, and those of presence. A
 * lease's value is {@code nodeId:fence}, so that a renewal or release by an owner whose lease has run out
 * never touches the next owner's lease, even one on the same node. A node's liveness key holds the token
 * of its run, so that a run ends only its own liveness. Scripts are called by their SHA-1 and sent whole
 * only when Redis does not know them (after a restart).
 */
final class Scripts {
    /**
     * KEYS: lease, fence counter. ARGV: node id, lease time (ms), how long the counter outlives its last use
     * (ms), the lowest fence the world may get (the folder's record). Returns {1, value} when this node got
     * the lease, {0, value} with the holder's value when another holds it.
     */
    static final Scripts ACQUIRE = new Scripts("""
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
    static final Scripts RENEW = new Scripts("""
            if redis.call('GET', KEYS[1]) == ARGV[1] then
              return redis.call('PEXPIRE', KEYS[1], ARGV[2])
            end
            return 0
            """);

    /** KEYS: lease. ARGV: the lease's value. Returns 1 when released, 0 when it was not held. */
    static final Scripts RELEASE = new Scripts("""
            if redis.call('GET', KEYS[1]) == ARGV[1] then
              return redis.call('DEL', KEYS[1])
            end
            return 0
            """);

    /**
     * A node starts: what an earlier run of it left is cleared. KEYS: the nodes, the node's liveness key,
     * the node's users. ARGV: node id, run token, lease time (ms).
     */
    static final Scripts START = new Scripts("""
            redis.call('DEL', KEYS[3])
            redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
            redis.call('SADD', KEYS[1], ARGV[1])
            return 1
            """);

    /**
     * A node says it is alive for another lease time. KEYS: the nodes, the node's liveness key. ARGV: node
     * id, run token, lease time (ms). Returns 1 when its liveness had not run out, 0 when it had (the other
     * nodes may have cleared its users since).
     */
    static final Scripts ALIVE = new Scripts("""
            local was = redis.call('GET', KEYS[2])
            redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
            redis.call('SADD', KEYS[1], ARGV[1])
            if was == ARGV[2] then return 1 end
            return 0
            """);

    /**
     * A node stops: its users count no more. KEYS: the nodes, the node's liveness key, the node's users.
     * ARGV: node id, run token. Returns 1 when this run was the live one.
     */
    static final Scripts STOP = new Scripts("""
            if redis.call('GET', KEYS[2]) == ARGV[2] then
              redis.call('DEL', KEYS[2], KEYS[3])
              redis.call('SREM', KEYS[1], ARGV[1])
              return 1
            end
            return 0
            """);

    /**
     * Whether a live node other than this one has the user; the users of nodes found dead are cleared on
     * the way. KEYS: the nodes. ARGV: this node's id, the user, the start of liveness keys, the start of
     * users' keys (each followed by a node's length-prefixed id). Returns 1 or 0.
     */
    static final Scripts PRESENT_ELSEWHERE = new Scripts("""
            local found = 0
            for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
              if id ~= ARGV[1] then
                local name = string.len(id) .. ':' .. id
                if redis.call('EXISTS', ARGV[3] .. name) == 1 then
                  if found == 0 and redis.call('SISMEMBER', ARGV[4] .. name, ARGV[2]) == 1 then found = 1 end
                else
                  redis.call('DEL', ARGV[4] .. name)
                  redis.call('SREM', KEYS[1], id)
                end
              end
            end
            return found
            """);

    private final String text;
    private final String sha;

    private Scripts(String text) {
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
