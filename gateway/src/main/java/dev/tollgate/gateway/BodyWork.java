package dev.tollgate.gateway;

import java.util.concurrent.Callable;
import java.util.concurrent.RejectedExecutionException;

import org.springframework.http.server.reactive.ServerHttpRequest;

import dev.tollgate.api.ApiError;
import dev.tollgate.api.GatewayException;
import io.netty.channel.Channel;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Runs the CPU work a request body costs (parsing it, counting its prompt tokens) where it does not stall other
 * connections. Every connection's requests are served by one event-loop thread, shared with many other
 * connections; the tokenizer counts about 10 MB/s, so a 4 MB prompt would hold that thread for some 400 ms
 * (docs/PERFORMANCE.md). A body larger than the threshold is therefore worked on a bounded pool of worker threads
 * ({@code workers} threads, at most {@code queue} bodies waiting; past that the call is refused with 503
 * {@code server_busy}), and the result handed back to the request's own event loop, where the call goes on. A
 * smaller body is worked inline: the hot path pays no thread hop. Thread-safe.
 */
public final class BodyWork implements AutoCloseable {

    /** Seconds a worker thread may stay idle before it ends. */
    static final int WORKER_TTL_SECONDS = 60;

    private final long threshold;
    private final Scheduler workers;

    /**
     * @param threshold bodies of more bytes are worked off the event loop
     * @param workers   worker threads at most
     * @param queue     bodies waiting for a worker at most
     */
    public BodyWork(long threshold, int workers, int queue) {
        this.threshold = threshold;
        this.workers = Schedulers.newBoundedElastic(workers, queue, "tollgate-body", WORKER_TTL_SECONDS, true);
    }

    /** Whether a body of {@code bytes} bytes is worked off the event loop. */
    public boolean offLoop(long bytes) {
        return bytes > threshold;
    }

    /**
     * The work's result: computed now on the calling thread for a small body; for a large one, on a worker, then
     * signalled on the request's event loop.
     */
    public <T> Mono<T> run(ServerHttpRequest request, long bodyBytes, Callable<T> work) {
        if (!offLoop(bodyBytes)) {
            return Mono.fromCallable(work);
        }
        Mono<T> offLoop = Mono.fromCallable(work).subscribeOn(workers)
                .onErrorMap(RejectedExecutionException.class, e -> busy());
        Channel channel = NettyChannels.of(request);
        return channel != null ? offLoop.publishOn(Schedulers.fromExecutor(channel.eventLoop())) : offLoop;
    }

    private static GatewayException busy() {
        return new GatewayException(new ApiError(503, ApiError.SERVER_ERROR, "server_busy", "The gateway is busy "
                + "with other large requests; retry in a moment.", null), null, null, "1");
    }

    @Override
    public void close() {
        workers.dispose();
    }
}
