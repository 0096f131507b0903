package dev.tollgate.budget.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import dev.tollgate.budget.AdmitRequest;
import dev.tollgate.budget.AdmitResult;
import dev.tollgate.budget.BudgetMode;
import dev.tollgate.budget.BudgetState;
import dev.tollgate.budget.InMemoryLimitStore;
import dev.tollgate.budget.LimitStore;
import dev.tollgate.budget.RateState;
import dev.tollgate.budget.SettleRequest;
import dev.tollgate.budget.SettleResult;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;

/**
 * The counters shared by every replica, in Redis: {@link InMemoryLimitStore}'s algorithm, one Lua script per
 * operation ({@code tollgate/lua/*.lua}), so each step is atomic over a team's counters as the in-memory store's lock
 * makes it, and the same invariant holds across replicas: {@code spent + reserved <= limit} for a hard budget. The
 * scripts take the time as an argument (the gateway's clock, never Redis' {@code TIME}).
 * <p>
 * Keys, all of one team under the hash tag {@code {<team>}} so that every step touches one Redis Cluster slot:
 * <ul>
 * <li>{@code tollgate:{alpha}:b:team:alpha@1764547200}: a budget counter (hash {@code limit}, {@code spent},
 * {@code reserved} in nano-USD), kept {@value #COUNTER_GRACE_MILLIS} ms after its period ends; a lifetime
 * budget's ({@code @0}) for ever;</li>
 * <li>{@code tollgate:{alpha}:r:key:alpha-web}: a rate limit's buckets (hash {@code req}, {@code tok} in units of
 * {@link RateState#UNITS}, {@code last} refill in epoch ms), kept {@value #BUCKET_IDLE_MILLIS} ms after they would be
 * full again (a missing bucket is a full one, so this loses nothing);</li>
 * <li>{@code tollgate:{alpha}:res}: the reservations of calls in flight (hash: request id to a msgpack record of the
 * amount, tokens, expiry, counters, rate limits, which counters are hard budgets, and whether it has expired) and
 * {@code tollgate:{alpha}:exp} their expiry (sorted set). Every step first charges the expired ones their whole
 * amount and keeps them {@value #RESERVATION_GRACE_MILLIS} ms for a late settle (see {@link InMemoryLimitStore}).
 * Both keys vanish when no call is in flight; otherwise they are kept the reservation ttl plus
 * {@value #RESERVATION_GRACE_MILLIS} ms, and longer while a counter a record holds an amount on lives (for ever for a lifetime budget): a record that Redis dropped before a step released it would
 * leave its amount reserved for good.</li>
 * </ul>
 * Expiry times are relative ({@code PEXPIRE} of the gateway-clock duration left), so a test clock far from Redis'
 * own does not expire keys early.
 * <p>
 * Where it differs from the in-memory store, only after keys expire: a settle arriving after its counter has expired
 * (a day after the period) starts a new counter from the cost. Money above 2^53 nano-USD (9 million USD, Lua's exact
 * integers) is not exact in the comparisons; budgets are capped below that.
 * <p>
 * The connection is opened at once (without waiting for it) and the scripts loaded on it; it reconnects by itself;
 * while it is down commands fail at once (they are not queued), so the caller's failure policy
 * ({@code ResilientLimitStore}) applies without waiting. Results complete
 * on Lettuce's computation threads, never on its I/O threads, and nothing here blocks. Thread-safe.
 */
public final class RedisLimitStore implements LimitStore, AutoCloseable {

    /** How long a budget counter is kept after its period ends: one day. */
    public static final long COUNTER_GRACE_MILLIS = 86_400_000;
    /** How long a rate bucket is kept after it would be full again: one minute. */
    public static final long BUCKET_IDLE_MILLIS = 60_000;
    /**
     * How long a reservation record is kept after it expired (charged its whole amount), for a late settle to replace
     * that charge by the actual cost: {@link InMemoryLimitStore#EXPIRED_KEPT_MILLIS}, one day.
     */
    public static final long RESERVATION_GRACE_MILLIS = InMemoryLimitStore.EXPIRED_KEPT_MILLIS;
    /** After a failed connection attempt, operations fail at once for this long before the next attempt. */
    static final long RECONNECT_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    static final String PREFIX = "tollgate:";

    private static final LuaScript ADMIT = LuaScript.load("admit", true);
    private static final LuaScript SETTLE = LuaScript.load("settle", true);
    private static final LuaScript READ = LuaScript.load("read", true);
    private static final LuaScript RESET = LuaScript.load("reset", false);
    private static final LuaScript RESTORE = LuaScript.load("restore", false);
    private static final List<LuaScript> SCRIPTS = List.of(ADMIT, SETTLE, READ, RESET, RESTORE);

    private final ClientResources resources;
    private final RedisClient client;
    private final RedisURI uri;
    private final Executor completions;
    private final Object connectLock = new Object();
    private volatile CompletableFuture<StatefulRedisConnection<String, String>> connection;
    private volatile long failedAtNanos;

    /**
     * @param url     {@code redis://host:port[/db]} (or {@code rediss://}, with {@code user:password@})
     * @param timeout longest wait for a connection or one command, past which it fails
     */
    public RedisLimitStore(String url, Duration timeout) {
        this.uri = RedisURI.create(url);
        uri.setTimeout(timeout);
        // Reconnect soon after Redis is back (Lettuce's default backs off to 30 s).
        this.resources = ClientResources.builder()
                .reconnectDelay(Delay.exponential(Duration.ofMillis(50), Duration.ofSeconds(2), 2,
                        TimeUnit.MILLISECONDS))
                .build();
        this.client = RedisClient.create(resources, uri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(timeout))
                .socketOptions(SocketOptions.builder().connectTimeout(timeout).build())
                .build());
        this.completions = resources.eventExecutorGroup();
        connection(); // connect now, without waiting: the first calls should not pay for it
    }

    @Override
    public String kind() {
        return "redis";
    }

    @Override
    public CompletionStage<AdmitResult> admit(AdmitRequest r) {
        String prefix = prefix(r.team());
        List<AdmitRequest.BudgetCheck> budgets = r.budgets();
        List<AdmitRequest.RateCheck> rates = r.rates();
        String[] keys = new String[2 + budgets.size() + rates.size()];
        keys[0] = prefix + "res";
        keys[1] = prefix + "exp";
        List<String> args = common(prefix, r.nowMillis());
        args.add(r.requestId());
        args.add(Long.toString(r.reservationTtlMillis()));
        args.add(Long.toString(r.tokens()));
        args.add(Integer.toString(budgets.size()));
        args.add(Integer.toString(rates.size()));
        args.add(Integer.toString(r.amounts().length));
        int k = 2;
        for (AdmitRequest.BudgetCheck b : budgets) {
            keys[k++] = prefix + "b:" + b.key();
            args.add(b.key());
            args.add(Long.toString(b.limitNanos()));
            args.add(b.mode() == BudgetMode.HARD ? "1" : "0");
            args.add(Long.toString(b.periodEndMillis()));
        }
        for (AdmitRequest.RateCheck rc : rates) {
            keys[k++] = prefix + "r:" + rc.key();
            args.add(rc.key());
            args.add(Long.toString(rc.requestsPerMinute()));
            args.add(Long.toString(rc.tokensPerMinute()));
        }
        for (long amount : r.amounts()) {
            args.add(Long.toString(amount));
        }
        args.add(Long.toString(r.flexibleMinimum()));
        return this.<List<Object>>eval(ADMIT, ScriptOutputType.MULTI, keys, args)
                .thenApplyAsync(out -> admitted(r, out), completions);
    }

    private static AdmitResult admitted(AdmitRequest r, List<Object> out) {
        int outcome = (int) num(out, 0);
        int option = (int) num(out, 1);
        int refusing = (int) num(out, 2);
        long reserved = num(out, 3);
        int p = 4;
        List<BudgetState> budgets = new ArrayList<>(r.budgets().size());
        for (AdmitRequest.BudgetCheck b : r.budgets()) {
            budgets.add(new BudgetState(b.key(), num(out, p), num(out, p + 1), num(out, p + 2)));
            p += 3;
        }
        List<RateState> rates = new ArrayList<>(r.rates().size());
        long[] requestUnits = new long[r.rates().size()];
        long[] tokenUnits = new long[r.rates().size()];
        for (int j = 0; j < r.rates().size(); j++) {
            AdmitRequest.RateCheck rc = r.rates().get(j);
            requestUnits[j] = num(out, p);
            tokenUnits[j] = num(out, p + 1);
            p += 2;
            rates.add(RateState.ofUnits(rc.key(), rc.requestsPerMinute(), rc.tokensPerMinute(), requestUnits[j],
                    tokenUnits[j]));
        }
        List<String> over = new ArrayList<>();
        for (; p < out.size(); p++) {
            over.add(r.budgets().get((int) num(out, p)).key());
        }
        return switch (outcome) {
            case 0 -> new AdmitResult(AdmitResult.Outcome.ADMITTED, option, reserved, null, -1, budgets, rates, over);
            case 1 -> AdmitResult.refused(AdmitResult.Outcome.BUDGET_EXCEEDED, r.budgets().get(refusing).key(), -1,
                    budgets, rates);
            case 2 -> {
                AdmitRequest.RateCheck rc = r.rates().get(refusing);
                long wait = RateState.millisToRefill(RateState.UNITS - requestUnits[refusing], rc.requestsPerMinute());
                yield AdmitResult.refused(AdmitResult.Outcome.REQUESTS_LIMITED, rc.key(), wait, budgets, rates);
            }
            case 3 -> {
                AdmitRequest.RateCheck rc = r.rates().get(refusing);
                long wait = r.tokens() > rc.tokensPerMinute() ? -1
                        : RateState.millisToRefill(r.tokens() * RateState.UNITS - tokenUnits[refusing],
                                rc.tokensPerMinute());
                yield AdmitResult.refused(AdmitResult.Outcome.TOKENS_LIMITED, rc.key(), wait, budgets, rates);
            }
            default -> throw new IllegalStateException("admit.lua returned outcome " + outcome);
        };
    }

    @Override
    public CompletionStage<SettleResult> settle(SettleRequest s) {
        String prefix = prefix(s.team());
        List<String> args = common(prefix, s.nowMillis());
        args.add(s.requestId());
        args.add(Long.toString(s.actualNanos()));
        args.add(Long.toString(s.actualTokens()));
        return this.<List<Object>>eval(SETTLE, ScriptOutputType.MULTI, new String[] {prefix + "res", prefix + "exp"},
                args).thenApplyAsync(out -> {
                    if (out.isEmpty()) {
                        return SettleResult.NONE;
                    }
                    List<SettleResult.Change> changes = new ArrayList<>(out.size() / 4);
                    for (int i = 0; i < out.size(); i += 4) {
                        changes.add(new SettleResult.Change((String) out.get(i), num(out, i + 1), num(out, i + 2),
                                num(out, i + 3)));
                    }
                    return new SettleResult(changes);
                }, completions);
    }

    @Override
    public CompletionStage<List<BudgetState>> read(String team, List<String> counterKeys, long nowMillis) {
        String prefix = prefix(team);
        String[] keys = new String[2 + counterKeys.size()];
        keys[0] = prefix + "res";
        keys[1] = prefix + "exp";
        for (int i = 0; i < counterKeys.size(); i++) {
            keys[2 + i] = prefix + "b:" + counterKeys.get(i);
        }
        return this.<List<Object>>eval(READ, ScriptOutputType.MULTI, keys, common(prefix, nowMillis))
                .thenApplyAsync(out -> {
                    List<BudgetState> states = new ArrayList<>(counterKeys.size());
                    for (int i = 0; i < counterKeys.size(); i++) {
                        states.add(new BudgetState(counterKeys.get(i), num(out, 3 * i), num(out, 3 * i + 1),
                                num(out, 3 * i + 2)));
                    }
                    return states;
                }, completions);
    }

    @Override
    public CompletionStage<Void> reset(String team, String counterKey) {
        return this.<Long>eval(RESET, ScriptOutputType.INTEGER, new String[] {prefix(team) + "b:" + counterKey},
                List.of()).thenApplyAsync(x -> null, completions);
    }

    @Override
    public CompletionStage<Void> restore(String team, String counterKey, long spentNanos) {
        return this.<Long>eval(RESTORE, ScriptOutputType.INTEGER, new String[] {prefix(team) + "b:" + counterKey},
                List.of(Long.toString(spentNanos))).thenApplyAsync(x -> null, completions);
    }

    @Override
    public CompletionStage<Void> ping() {
        return connection().thenCompose(c -> c.async().ping().toCompletableFuture())
                .thenApplyAsync(x -> null, completions);
    }

    /** Closes the connection and Lettuce's threads. */
    @Override
    public void close() {
        CompletableFuture<StatefulRedisConnection<String, String>> c = connection;
        if (c != null && c.isDone() && !c.isCompletedExceptionally()) {
            c.join().close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        try {
            resources.shutdown(0, 2, TimeUnit.SECONDS).get(3, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // Lettuce's threads end on their own shortly; nothing is lost (every step was atomic in Redis)
        }
    }

    /** {@code tollgate:{<team>}:}: the hash tag keeps a team's keys in one cluster slot. */
    static String prefix(String team) {
        return PREFIX + "{" + team + "}:";
    }

    private static List<String> common(String prefix, long nowMillis) {
        List<String> args = new ArrayList<>(24);
        args.add(prefix);
        args.add(Long.toString(nowMillis));
        args.add(Long.toString(COUNTER_GRACE_MILLIS));
        args.add(Long.toString(BUCKET_IDLE_MILLIS));
        args.add(Long.toString(RESERVATION_GRACE_MILLIS));
        return args;
    }

    /** {@code EVALSHA}, and {@code EVAL} (which caches the script again) when Redis does not know it (restarted). */
    private <T> CompletableFuture<T> eval(LuaScript script, ScriptOutputType type, String[] keys, List<String> args) {
        String[] values = args.toArray(String[]::new);
        return connection().thenCompose(c -> {
            RedisAsyncCommands<String, String> redis = c.async();
            return redis.<T>evalsha(script.sha(), type, keys, values).toCompletableFuture()
                    .exceptionallyCompose(e -> unwrap(e) instanceof RedisNoScriptException
                            ? redis.<T>eval(script.source(), type, keys, values).toCompletableFuture()
                            : CompletableFuture.failedFuture(unwrap(e)));
        });
    }

    private CompletableFuture<StatefulRedisConnection<String, String>> connection() {
        CompletableFuture<StatefulRedisConnection<String, String>> c = connection;
        if (c != null && (!c.isCompletedExceptionally()
                || System.nanoTime() - failedAtNanos < RECONNECT_INTERVAL_NANOS)) {
            return c;
        }
        synchronized (connectLock) {
            c = connection;
            if (c == null || c.isCompletedExceptionally()
                    && System.nanoTime() - failedAtNanos >= RECONNECT_INTERVAL_NANOS) {
                CompletableFuture<StatefulRedisConnection<String, String>> attempt = client
                        .connectAsync(StringCodec.UTF8, uri).toCompletableFuture()
                        .thenCompose(RedisLimitStore::loadScripts);
                attempt.whenComplete((ok, e) -> {
                    if (e != null) {
                        failedAtNanos = System.nanoTime();
                    }
                });
                connection = c = attempt;
            }
            return c;
        }
    }

    /**
     * {@code SCRIPT LOAD} of every script before the connection is used, so that a burst of first calls does not
     * each meet {@code NOSCRIPT} and send the script's text again; the connection is closed if that fails.
     */
    private static CompletableFuture<StatefulRedisConnection<String, String>> loadScripts(
            StatefulRedisConnection<String, String> c) {
        RedisAsyncCommands<String, String> redis = c.async();
        CompletableFuture<?>[] loads = new CompletableFuture<?>[SCRIPTS.size()];
        for (int i = 0; i < loads.length; i++) {
            loads[i] = redis.scriptLoad(SCRIPTS.get(i).source()).toCompletableFuture();
        }
        return CompletableFuture.allOf(loads).handle((x, e) -> {
            if (e != null) {
                c.closeAsync();
                throw new CompletionException(unwrap(e));
            }
            return c;
        });
    }

    private static Throwable unwrap(Throwable e) {
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    private static long num(List<Object> out, int i) {
        Object o = out.get(i);
        if (o instanceof Long l) {
            return l;
        }
        throw new IllegalStateException("expected an integer at " + i + " of a script's answer, but was " + o);
    }
}
