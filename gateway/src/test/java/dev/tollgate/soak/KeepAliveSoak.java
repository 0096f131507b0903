package dev.tollgate.soak;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A soak client for kept-alive HTTP/1.1 connections, on raw sockets so that it controls connection reuse and the
 * timing of every byte. Several connections run side by side; each sends sequential requests (the next one the
 * instant the previous response is complete, as an SDK client does), mixing non-streamed and streamed chat calls,
 * streams cancelled midway (the connection is closed), and every error class the gateway answers itself (401, 404,
 * 400, 405, 413), {@code /v1/models} and {@code /v1/budgets}. A connection is replaced after
 * {@link Options#requestsPerConnection} requests, after a cancel, and after a response that closes it.
 * <p>
 * Every request has a timeout, from its first byte sent to its answer's last byte read: a request not answered
 * whole within it is a hang (also when the gateway stopped reading its body: the connection is closed under the
 * blocked write), reported with the history of its connection (the requests before it). An answer with another
 * status than the one its kind expects is an error. Only 127.0.0.1 is targeted.
 * <p>
 * Run against a running gateway (e.g. the demo) from the test classes:
 * {@code java -cp gateway/target/test-classes dev.tollgate.soak.KeepAliveSoak --port=8080 --key=sk-tollgate-demo
 * --duration=PT3M}; {@code KeepAliveSoakIT} runs it inside the build. Thread-safe: {@link #run} may be called
 * from any thread; each connection is driven by its own thread.
 */
public final class KeepAliveSoak {

    /** One kind of request, and the status it must get. */
    public enum Kind {
        CHAT(200, 6), STREAM(200, 3), STREAM_CANCEL(200, 1), BAD_KEY(401, 2), NO_KEY(401, 1), UNKNOWN_PATH(404, 2),
        BAD_JSON(400, 2), WRONG_METHOD(405, 1), TOO_LARGE(413, 1), MODELS(200, 2), BUDGETS(200, 2),
        /** A non-streamed chat call and {@code GET /v1/models} written in one go (HTTP/1.1 pipelining). */
        PIPELINED(200, 1);

        final int expected;
        final int weight;

        Kind(int expected, int weight) {
            this.expected = expected;
            this.weight = weight;
        }
    }

    /**
     * @param model                 model of every chat call
     * @param requestsPerConnection requests sent on one connection before it is replaced
     * @param oversizedBytes        body size of a {@link Kind#TOO_LARGE} request: over the gateway's limit
     * @param kinds                 the kinds mixed, by their weight
     */
    public record Options(int port, String key, String model, int connections, Duration duration, Duration timeout,
            int requestsPerConnection, int oversizedBytes, long seed, Set<Kind> kinds) {

        /** Every kind but pipelining (SDK clients do not pipeline). */
        public static Set<Kind> sdkKinds() {
            return EnumSet.complementOf(EnumSet.of(Kind.PIPELINED));
        }
    }

    /** One request on a connection: its kind, the status it got (0: none) and how long it took. */
    public record Exchange(Kind kind, int status, long millis) {
        @Override
        public String toString() {
            return kind + "=" + (status == 0 ? "none" : status) + " (" + millis + " ms)";
        }
    }

    /** A request that got no complete answer within the timeout, and what its connection did before. */
    public record Hang(Kind kind, int connection, long requestOnConnection, List<Exchange> before, String detail) {
    }

    /**
     * What a run did.
     *
     * @param statuses   kind -> status -> count (0: no answer)
     * @param errors     kind -> what went wrong -> count; an expected status is not an error
     * @param longest    the longest any request waited for its complete answer, ms
     */
    public record Report(long requests, Map<Kind, Map<Integer, Long>> statuses, Map<Kind, Map<String, Long>> errors,
            List<Hang> hangs, long longest, Kind longestKind, long connectionsOpened, Duration elapsed) {

        public long errorCount() {
            return errors.values().stream().flatMap(m -> m.values().stream()).mapToLong(Long::longValue).sum();
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(Locale.ROOT, "requests %d in %.1f s (%.0f/s) on %d connections; errors %d; "
                    + "hangs %d; longest wait %d ms (%s)%n", requests, elapsed.toMillis() / 1000.0,
                    requests * 1000.0 / Math.max(1, elapsed.toMillis()), connectionsOpened, errorCount(),
                    hangs.size(), longest, longestKind));
            statuses.forEach((kind, byStatus) -> sb.append("  ").append(kind).append(' ').append(byStatus)
                    .append(errors.containsKey(kind) ? "  errors " + errors.get(kind) : "").append('\n'));
            for (Hang h : hangs) {
                sb.append("  HANG ").append(h.kind()).append(" on connection ").append(h.connection())
                        .append(" (request ").append(h.requestOnConnection()).append("), ").append(h.detail())
                        .append("; before it: ").append(h.before()).append('\n');
            }
            return sb.toString();
        }
    }

    private static final int HISTORY = 8;
    private static final String HOST = "127.0.0.1";

    private final Options options;
    private final byte[] oversized;
    private final Map<Kind, Map<Integer, LongAdder>> statuses = new ConcurrentHashMap<>();
    private final Map<Kind, Map<String, LongAdder>> errors = new ConcurrentHashMap<>();
    private final List<Hang> hangs = Collections.synchronizedList(new ArrayList<>());
    private final LongAdder requests = new LongAdder();
    private final LongAdder connectionsOpened = new LongAdder();
    private final AtomicLong longest = new AtomicLong();
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "soak-watchdog");
        t.setDaemon(true);
        return t;
    });
    private volatile Kind longestKind;

    private KeepAliveSoak(Options options) {
        this.options = options;
        String chat = chatBody(options.model(), false);
        StringBuilder pad = new StringBuilder(options.oversizedBytes());
        pad.append(chat, 0, chat.length() - 3); // ...}]}: reopen the last content string and pad it
        while (pad.length() < options.oversizedBytes()) {
            pad.append('x');
        }
        this.oversized = pad.append("\"}]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Runs the soak for {@link Options#duration} and reports. */
    public static Report run(Options options) throws InterruptedException {
        return new KeepAliveSoak(options).go();
    }

    private Report go() throws InterruptedException {
        long start = System.nanoTime();
        long end = start + options.duration().toNanos();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < options.connections(); i++) {
            int worker = i;
            Thread t = new Thread(() -> drive(worker, end), "soak-" + i);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join();
        }
        watchdog.shutdownNow();
        Map<Kind, Map<Integer, Long>> s = new EnumMap<>(Kind.class);
        statuses.forEach((k, m) -> {
            Map<Integer, Long> copy = new TreeMap<>();
            m.forEach((status, n) -> copy.put(status, n.sum()));
            s.put(k, copy);
        });
        Map<Kind, Map<String, Long>> e = new EnumMap<>(Kind.class);
        errors.forEach((k, m) -> {
            Map<String, Long> copy = new TreeMap<>();
            m.forEach((what, n) -> copy.put(what, n.sum()));
            e.put(k, copy);
        });
        return new Report(requests.sum(), s, e, List.copyOf(hangs), longest.get(), longestKind,
                connectionsOpened.sum(), Duration.ofNanos(System.nanoTime() - start));
    }

    /** One connection after another, until the end. */
    private void drive(int worker, long end) {
        Random random = new Random(options.seed() * 31 + worker);
        List<Kind> deck = new ArrayList<>();
        for (Kind k : options.kinds()) {
            for (int i = 0; i < k.weight; i++) {
                deck.add(k);
            }
        }
        int connection = 0;
        while (System.nanoTime() < end) {
            connection++;
            try (Socket socket = new Socket()) {
                socket.setTcpNoDelay(true);
                socket.connect(new InetSocketAddress(HOST, options.port()), 5_000);
                socket.setSoTimeout((int) options.timeout().toMillis());
                connectionsOpened.increment();
                Conn conn = new Conn(socket, worker * 1_000_000 + connection);
                while (System.nanoTime() < end && conn.sent < options.requestsPerConnection()) {
                    Kind kind = deck.get(random.nextInt(deck.size()));
                    if (!exchange(conn, kind)) {
                        break; // the connection is gone (closed by design, or after a hang or an error)
                    }
                }
            } catch (IOException e) {
                error(Kind.CHAT, "connect: " + e.getClass().getSimpleName());
                try {
                    Thread.sleep(100); // no busy loop while the gateway cannot be reached
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** One request and its answer; false when the connection can no longer be used. */
    private boolean exchange(Conn conn, Kind kind) {
        long start = System.nanoTime();
        conn.sent++;
        int status = 0;
        boolean keep;
        // 0: in progress, 1: over in time, 2: timed out. Closing the connection unblocks a write the gateway does not
        // read, or a read it does not answer.
        AtomicInteger state = new AtomicInteger();
        ScheduledFuture<?> deadline = watchdog.schedule(() -> {
            if (state.compareAndSet(0, 2)) {
                conn.close();
            }
        }, options.timeout().toMillis(), TimeUnit.MILLISECONDS);
        try {
            switch (kind) {
                case PIPELINED -> {
                    byte[] chat = request("POST", "/v1/chat/completions", options.key(),
                            chatBody(options.model(), false).getBytes(StandardCharsets.UTF_8));
                    byte[] models = request("GET", "/v1/models", options.key(), null);
                    byte[] both = new byte[chat.length + models.length];
                    System.arraycopy(chat, 0, both, 0, chat.length);
                    System.arraycopy(models, 0, both, chat.length, models.length);
                    conn.out.write(both);
                    conn.out.flush();
                    Response first = Response.read(conn.in, false);
                    if (first.status != 200) {
                        error(kind, "chat answered " + first.status);
                    }
                    Response second = Response.read(conn.in, false);
                    status = second.status;
                    keep = first.keepAlive && second.keepAlive;
                }
                case STREAM_CANCEL -> {
                    send(conn, "POST", "/v1/chat/completions", options.key(),
                            chatBody(options.model(), true).getBytes(StandardCharsets.UTF_8));
                    Response head = Response.readHead(conn.in);
                    status = head.status;
                    if (status == 200) {
                        head.readFirstChunk(conn.in);
                    }
                    keep = false; // closed midway: the client went away
                }
                default -> {
                    Response r = switch (kind) {
                        case CHAT -> call(conn, "POST", "/v1/chat/completions", options.key(),
                                chatBody(options.model(), false));
                        case STREAM -> call(conn, "POST", "/v1/chat/completions", options.key(),
                                chatBody(options.model(), true));
                        case BAD_KEY -> call(conn, "POST", "/v1/chat/completions", "sk-not-a-key",
                                chatBody(options.model(), false));
                        case NO_KEY -> call(conn, "POST", "/v1/chat/completions", null,
                                chatBody(options.model(), false));
                        case UNKNOWN_PATH -> call(conn, "GET", "/v1/no-such-thing", options.key(), null);
                        case BAD_JSON -> call(conn, "POST", "/v1/chat/completions", options.key(),
                                "{\"model\":\"" + options.model() + "\",\"messages\":[");
                        case WRONG_METHOD -> call(conn, "GET", "/v1/chat/completions", options.key(), null);
                        case TOO_LARGE -> {
                            send(conn, "POST", "/v1/chat/completions", options.key(), oversized);
                            yield Response.read(conn.in, false);
                        }
                        case MODELS -> call(conn, "GET", "/v1/models", options.key(), null);
                        case BUDGETS -> call(conn, "GET", "/v1/budgets", options.key(), null);
                        default -> throw new IllegalStateException(kind.name());
                    };
                    status = r.status;
                    keep = r.keepAlive;
                    if (kind == Kind.STREAM && status == 200 && !r.body().contains("data: [DONE]")) {
                        error(kind, "stream without [DONE]");
                    }
                }
            }
        } catch (IOException e) {
            deadline.cancel(false);
            if (state.compareAndSet(0, 1) && !(e instanceof SocketTimeoutException)) {
                error(kind, "I/O: " + e.getClass().getSimpleName() + ": " + e.getMessage());
                done(kind, status, start, conn);
                return false;
            }
            return hang(conn, kind, status, start);
        }
        deadline.cancel(false);
        if (!state.compareAndSet(0, 1)) {
            return hang(conn, kind, status, start); // answered, but only as the watchdog closed the connection
        }
        if (status != kind.expected) {
            error(kind, "status " + status);
        }
        done(kind, status, start, conn);
        return keep;
    }

    private boolean hang(Conn conn, Kind kind, int status, long start) {
        long waited = (System.nanoTime() - start) / 1_000_000;
        hangs.add(new Hang(kind, conn.id, conn.sent, List.copyOf(conn.history), "no complete answer after "
                + waited + " ms" + (status != 0 ? " (status " + status + " received)" : "")));
        error(kind, "no answer within " + options.timeout().toMillis() + " ms");
        done(kind, status, start, conn);
        return false;
    }

    private void done(Kind kind, int status, long start, Conn conn) {
        long millis = (System.nanoTime() - start) / 1_000_000;
        requests.increment();
        statuses.computeIfAbsent(kind, k -> new ConcurrentHashMap<>()).computeIfAbsent(status, s -> new LongAdder())
                .increment();
        long before;
        while (millis > (before = longest.get())) {
            if (longest.compareAndSet(before, millis)) {
                longestKind = kind;
                break;
            }
        }
        conn.history.addLast(new Exchange(kind, status, millis));
        if (conn.history.size() > HISTORY) {
            conn.history.removeFirst();
        }
    }

    private void error(Kind kind, String what) {
        errors.computeIfAbsent(kind, k -> new ConcurrentHashMap<>()).computeIfAbsent(what, w -> new LongAdder())
                .increment();
    }

    private Response call(Conn conn, String method, String path, String key, String body) throws IOException {
        send(conn, method, path, key, body == null ? null : body.getBytes(StandardCharsets.UTF_8));
        return Response.read(conn.in, false);
    }

    private void send(Conn conn, String method, String path, String key, byte[] body) throws IOException {
        conn.out.write(request(method, path, key, body));
        conn.out.flush();
    }

    private byte[] request(String method, String path, String key, byte[] body) {
        StringBuilder head = new StringBuilder();
        head.append(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                .append("Host: ").append(HOST).append(':').append(options.port()).append("\r\n")
                .append("Accept: application/json, text/event-stream\r\n");
        if (key != null) {
            head.append("Authorization: Bearer ").append(key).append("\r\n");
        }
        if (body != null) {
            head.append("Content-Type: application/json\r\nContent-Length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        byte[] h = head.toString().getBytes(StandardCharsets.US_ASCII);
        if (body == null) {
            return h;
        }
        byte[] all = new byte[h.length + body.length];
        System.arraycopy(h, 0, all, 0, h.length);
        System.arraycopy(body, 0, all, h.length, body.length);
        return all;
    }

    static String chatBody(String model, boolean stream) {
        return "{\"model\":\"" + model + "\",\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}";
    }

    /** One open connection. Used by its worker thread; {@link #close} also by the watchdog. */
    private static final class Conn {
        final int id;
        final Socket socket;
        final InputStream in;
        final OutputStream out;
        final ArrayDeque<Exchange> history = new ArrayDeque<>();
        long sent;

        Conn(Socket socket, int id) throws IOException {
            this.id = id;
            this.socket = socket;
            this.in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
            this.out = socket.getOutputStream();
        }

        void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing is all that is wanted
            }
        }
    }

    /** One HTTP/1.1 response as read from a socket: status, framing, body. Used by one thread. */
    public static final class Response {
        int status;
        boolean keepAlive = true;
        boolean chunked;
        long contentLength = -1;
        final ByteArrayOutputStream body = new ByteArrayOutputStream();

        public int status() {
            return status;
        }

        public String body() {
            return body.toString(StandardCharsets.UTF_8);
        }

        /** The whole response; {@code headOnly} stops after the headers. */
        public static Response read(InputStream in, boolean headOnly) throws IOException {
            Response r = readHead(in);
            if (headOnly) {
                return r;
            }
            if (r.chunked) {
                while (r.readChunk(in)) {
                    // next chunk
                }
            } else if (r.contentLength >= 0) {
                r.body.write(in.readNBytes((int) r.contentLength));
                if (r.body.size() < r.contentLength) {
                    throw new IOException("connection closed inside a body of " + r.contentLength + " bytes");
                }
            } else {
                r.body.write(in.readAllBytes()); // delimited by the connection's close
                r.keepAlive = false;
            }
            return r;
        }

        static Response readHead(InputStream in) throws IOException {
            Response r = new Response();
            String statusLine = line(in);
            if (statusLine == null) {
                throw new IOException("connection closed before a response");
            }
            String[] parts = statusLine.split(" ", 3);
            r.status = Integer.parseInt(parts[1]);
            String header;
            while ((header = line(in)) != null && !header.isEmpty()) {
                int colon = header.indexOf(':');
                String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = header.substring(colon + 1).trim();
                switch (name) {
                    case "content-length" -> r.contentLength = Long.parseLong(value);
                    case "transfer-encoding" -> r.chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                    case "connection" -> r.keepAlive &= !value.equalsIgnoreCase("close");
                    default -> { }
                }
            }
            if (header == null) {
                throw new IOException("connection closed inside the headers");
            }
            return r;
        }

        /** Reads one chunk of a chunked body; false after the last (empty) one and its trailer. */
        boolean readChunk(InputStream in) throws IOException {
            String size = line(in);
            if (size == null) {
                throw new IOException("connection closed inside a chunked body");
            }
            int semicolon = size.indexOf(';');
            int n = Integer.parseInt((semicolon >= 0 ? size.substring(0, semicolon) : size).trim(), 16);
            if (n == 0) {
                String trailer;
                while ((trailer = line(in)) != null && !trailer.isEmpty()) {
                    // trailers are ignored
                }
                return false;
            }
            byte[] data = in.readNBytes(n);
            if (data.length < n) {
                throw new IOException("connection closed inside a chunk");
            }
            body.write(data);
            line(in); // CRLF after the chunk
            return true;
        }

        void readFirstChunk(InputStream in) throws IOException {
            if (chunked) {
                readChunk(in);
            } else {
                in.read();
            }
        }

        /** One CRLF-terminated line, without it; null at the end of the stream. */
        private static String line(InputStream in) throws IOException {
            ByteArrayOutputStream buf = new ByteArrayOutputStream(64);
            int c;
            while ((c = in.read()) != -1) {
                if (c == '\n') {
                    int len = buf.size();
                    byte[] b = buf.toByteArray();
                    return new String(b, 0, len > 0 && b[len - 1] == '\r' ? len - 1 : len, StandardCharsets.US_ASCII);
                }
                buf.write(c);
            }
            return buf.size() == 0 ? null : buf.toString(StandardCharsets.US_ASCII);
        }
    }

    /**
     * {@code --port=N --key=K [--model=M] [--connections=N] [--duration=PT3M] [--timeout=PT20S]
     * [--per-connection=50] [--oversized-bytes=N] [--seed=N] [--kinds=CHAT,STREAM,...|sdk|all]}. Exits 1 when a
     * request hung or got an unexpected answer.
     */
    public static void main(String[] args) throws Exception {
        Map<String, String> a = new TreeMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (!arg.startsWith("--") || eq < 0) {
                throw new IllegalArgumentException("expected --name=value, got " + arg);
            }
            a.put(arg.substring(2, eq), arg.substring(eq + 1));
        }
        String kinds = a.getOrDefault("kinds", "sdk");
        Set<Kind> set = switch (kinds) {
            case "sdk" -> Options.sdkKinds();
            case "all" -> EnumSet.allOf(Kind.class);
            default -> {
                Set<Kind> chosen = EnumSet.noneOf(Kind.class);
                for (String k : kinds.split(",")) {
                    chosen.add(Kind.valueOf(k.trim()));
                }
                yield chosen;
            }
        };
        Options options = new Options(Integer.parseInt(required(a, "port")), required(a, "key"),
                a.getOrDefault("model", "gpt-4o-mini"), Integer.parseInt(a.getOrDefault("connections", "3")),
                Duration.parse(a.getOrDefault("duration", "PT60S")), Duration.parse(a.getOrDefault("timeout", "PT20S")),
                Integer.parseInt(a.getOrDefault("per-connection", "50")),
                Integer.parseInt(a.getOrDefault("oversized-bytes", String.valueOf(4 * 1024 * 1024 + 1))),
                Long.parseLong(a.getOrDefault("seed", "1")), set);
        System.out.println("soak: " + options);
        Report report = run(options);
        System.out.print(report);
        System.exit(report.errorCount() == 0 && report.hangs().isEmpty() ? 0 : 1);
    }

    private static String required(Map<String, String> args, String name) {
        String v = args.get(name);
        if (v == null) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return v;
    }
}
