package dev.tollgate.gateway;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.DecoderResultProvider;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.AttributeKey;

import dev.tollgate.api.ApiError;
import dev.tollgate.call.WireFormat;
import dev.tollgate.wire.ErrorBodies;

/**
 * Gives the requests Reactor Netty refuses itself, before the gateway sees them, the JSON error every other error
 * has, in the shape of the client's API: Anthropic's on the Messages API when the decoder read the request line (a
 * header it could not read, headers over the limit, a broken chunked body), OpenAI's otherwise (also when the
 * request line itself could not be read, so the path is unknown). Reactor Netty answers a request its HTTP/1.1
 * decoder cannot read (a request line longer than the limit: 414; headers larger than the limit: 431; a malformed
 * request line or header, or broken chunked encoding: 400) with an empty body and {@code Connection: close}
 * ({@code HttpServerOperations.sendDecodingFailures}); this handler, placed between the codec and Reactor Netty's
 * {@code HttpTrafficHandler}, notes the decoder's failure as it passes inbound and fills that empty answer in as it
 * passes outbound. The connection is still closed after it (the request could not be framed), through
 * {@link LingeringClose} so that a client still sending can read it.
 * <p>
 * The answer recognised is the one Reactor Netty builds for these refusals: a full response with status 400, 414 or
 * 431, no body, no content type and {@code Connection: close}. The gateway's own errors always carry a JSON body and
 * a content type, so they are never touched. Not thread-safe: one instance per connection, used on its event loop.
 */
final class HttpLayerErrors extends ChannelDuplexHandler {

    private static final AttributeKey<ApiError> REFUSAL = AttributeKey.valueOf("tollgate.httpLayerRefusal");

    /** Longest part of the decoder's own explanation quoted in the message. */
    static final int MAX_DETAIL = 200;

    private Throwable failure;
    private boolean failedOnContent;
    private boolean failedOnRequestLine;
    private boolean head;
    private String path;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            head = HttpMethod.HEAD.equals(request.method());
            path = request.uri();
        }
        if (msg instanceof DecoderResultProvider provider) {
            DecoderResult result = provider.decoderResult();
            if (result.isFailure() && failure == null) {
                failure = result.cause();
                failedOnContent = !(msg instanceof HttpRequest);
                // the decoder's stand-in when it could not read the request line itself
                failedOnRequestLine = msg instanceof HttpRequest request && "/bad-request".equals(request.uri());
            }
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof FullHttpResponse response && isRefusal(response) && !head) {
            ApiError error = error(response.status().code());
            byte[] json = ErrorBodies.json(error, format());
            FullHttpResponse filled = response.replace(Unpooled.wrappedBuffer(json));
            response.release();
            filled.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, json.length);
            ctx.channel().attr(REFUSAL).set(error);
            LingeringClose.mark(ctx.channel());
            super.write(ctx, filled, promise);
            return;
        }
        super.write(ctx, msg, promise);
    }

    /**
     * The error this connection's current request got from the HTTP layer, or null. A request whose body could not
     * be decoded is refused here while the gateway may still be reading it: what it read is cut short, and must be
     * reported as this refusal, not as a body of its own. Any thread.
     */
    static ApiError refusal(Channel channel) {
        return channel.attr(REFUSAL).get();
    }

    /** The client's API, by the path of the request line the decoder read (OpenAI's when it read none). */
    private WireFormat format() {
        if (path == null || failedOnRequestLine) {
            return WireFormat.OPENAI_CHAT;
        }
        int query = path.indexOf('?');
        return Ingress.format(query < 0 ? path : path.substring(0, query));
    }

    /** Reactor Netty's answer to a request it could not decode (see the class comment). */
    static boolean isRefusal(FullHttpResponse response) {
        int status = response.status().code();
        return (status == 400 || status == 414 || status == 431) && response.content().readableBytes() == 0
                && !response.headers().contains(HttpHeaderNames.CONTENT_TYPE)
                && response.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true);
    }

    private ApiError error(int status) {
        String detail = detail(failure);
        if (status == 431 || failure instanceof TooLongHttpHeaderException) {
            return new ApiError(status, ApiError.INVALID_REQUEST, "request_headers_too_large",
                    "The request's headers are larger than the gateway accepts" + detail + ".", null);
        }
        if (status == 414 || failure instanceof TooLongHttpLineException) {
            return new ApiError(status, ApiError.INVALID_REQUEST, "request_line_too_long",
                    "The request line (method, URI and version) is longer than the gateway accepts" + detail + ".",
                    null);
        }
        if (failure == null) {
            return new ApiError(status, ApiError.INVALID_REQUEST, "malformed_request",
                    "The request could not be read as HTTP/1.1.", null);
        }
        if (failedOnContent) {
            return new ApiError(status, ApiError.INVALID_REQUEST, "invalid_chunked_encoding",
                    "The request body's chunked transfer encoding is invalid" + detail + ".", null);
        }
        if (failedOnRequestLine) {
            return new ApiError(status, ApiError.INVALID_REQUEST, "invalid_request_line",
                    "The request line is not valid HTTP/1.1 (expected 'METHOD /path HTTP/1.1')" + detail + ".", null);
        }
        return new ApiError(status, ApiError.INVALID_REQUEST, "invalid_header",
                "A request header is not valid HTTP/1.1" + detail + ".", null);
    }

    /** The decoder's explanation, printable ASCII only and bounded, as ": ..." (it may quote what the client sent). */
    static String detail(Throwable failure) {
        if (failure == null || failure.getMessage() == null || failure.getMessage().isBlank()) {
            return "";
        }
        String message = failure.getMessage().strip();
        StringBuilder sb = new StringBuilder(Math.min(message.length(), MAX_DETAIL) + 2).append(": ");
        for (int i = 0; i < message.length() && i < MAX_DETAIL; i++) {
            char c = message.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        if (message.length() > MAX_DETAIL) {
            sb.append("...");
        }
        int end = sb.length();
        while (end > 2 && sb.charAt(end - 1) == '.') {
            end--; // the caller ends the sentence
        }
        sb.setLength(end);
        return sb.toString();
    }
}
