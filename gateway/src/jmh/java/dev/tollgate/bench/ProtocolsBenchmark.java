package dev.tollgate.bench;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import dev.tollgate.call.WireFormat;
import dev.tollgate.pricing.OutputCapField;
import dev.tollgate.wire.Codecs;
import dev.tollgate.wire.StreamTranslator;
import dev.tollgate.wire.openai.ChatRequest;
import dev.tollgate.wire.openai.EmbeddingsRequest;
import dev.tollgate.wire.responses.ResponsesRequest;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The per-call work of the protocols of issue 12, on the same conversation as {@link HotPathBenchmark}: parsing a
 * Responses and an embeddings request, writing a call in another backend's format (Responses to Chat Completions,
 * Chat Completions to Gemini), translating a whole Gemini answer, and translating whole short streams (Gemini to Chat
 * Completions, Chat Completions to the Responses events). Run from gateway/ (docs/PERFORMANCE.md has the command).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ProtocolsBenchmark {

    private static final String SYSTEM = "You are a concise assistant that explains infrastructure concepts in plain "
            + "language.";
    private static final String USER = "In one paragraph, what does an AI model gateway do, and why should its own "
            + "overhead stay small?";
    private static final String CHAT = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"system\",\"content\":\""
            + SYSTEM + "\"},{\"role\":\"user\",\"content\":\"" + USER + "\"}],\"temperature\":0.2,\"max_tokens\":256,"
            + "\"user\":\"bench-user-1\"}";
    private static final String RESPONSES = "{\"model\":\"gpt-4o-mini\",\"instructions\":\"" + SYSTEM + "\",\"input\":\""
            + USER + "\",\"temperature\":0.2,\"max_output_tokens\":256,\"store\":false}";
    private static final String EMBEDDINGS = "{\"model\":\"text-embedding-3-small\",\"input\":[\"" + SYSTEM + "\",\""
            + USER + "\"],\"encoding_format\":\"base64\",\"dimensions\":256}";
    private static final String ANSWER_TEXT = "A gateway sits between clients and model backends. It authenticates the "
            + "caller, picks a provider and model, applies rate limits and budgets, retries or falls back when a backend "
            + "fails, and records usage.";
    private static final String GEMINI_ANSWER = "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"" + ANSWER_TEXT
            + "\"}],\"role\":\"model\"},\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":"
            + "57,\"candidatesTokenCount\":72,\"totalTokenCount\":129},\"modelVersion\":\"gemini-2.5-flash\","
            + "\"responseId\":\"bench-1\"}";
    private static final String[] PIECES = {"A gateway sits between clients ", "and model backends. It authenticates ",
            "the caller, picks a provider and model, ", "and records usage."};

    /** Text chunks per stream (the pieces below, repeated): two sizes tell the per-stream from the per-chunk cost. */
    @Param({"4", "40"})
    public int chunks;

    private ObjectMapper mapper;
    private Codecs codecs;
    private byte[] chat;
    private byte[] responses;
    private byte[] embeddings;
    private byte[] geminiAnswer;
    private byte[] geminiStream;
    private byte[] chatStream;
    private Codecs.Translator geminiToChat;

    @Setup
    public void setUp() {
        mapper = JsonMapper.builder().build();
        codecs = new Codecs(mapper);
        chat = CHAT.getBytes(StandardCharsets.UTF_8);
        responses = RESPONSES.getBytes(StandardCharsets.UTF_8);
        embeddings = EMBEDDINGS.getBytes(StandardCharsets.UTF_8);
        geminiAnswer = GEMINI_ANSWER.getBytes(StandardCharsets.UTF_8);
        StringBuilder gemini = new StringBuilder();
        StringBuilder openAi = new StringBuilder();
        for (int i = 0; i < chunks; i++) {
            boolean last = i == chunks - 1;
            String piece = PIECES[i % PIECES.length];
            gemini.append("data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"").append(piece)
                    .append("\"}],\"role\":\"model\"},").append(last ? "\"finishReason\":\"STOP\"," : "")
                    .append("\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":57,\"candidatesTokenCount\":")
                    .append(18 * (i + 1)).append(",\"totalTokenCount\":").append(57 + 18 * (i + 1))
                    .append("},\"modelVersion\":\"gemini-2.5-flash\",\"responseId\":\"bench-2\"}\r\n\r\n");
            openAi.append("data: {\"id\":\"chatcmpl-2\",\"object\":\"chat.completion.chunk\",\"created\":1735689600,"
                    + "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"")
                    .append(piece).append("\"},\"finish_reason\":null}],\"usage\":null}\n\n");
        }
        openAi.append("data: {\"id\":\"chatcmpl-2\",\"object\":\"chat.completion.chunk\",\"created\":1735689600,"
                + "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],"
                + "\"usage\":null}\n\ndata: {\"id\":\"chatcmpl-2\",\"object\":\"chat.completion.chunk\",\"created\":"
                + "1735689600,\"model\":\"gpt-4o-mini\",\"choices\":[],\"usage\":{\"prompt_tokens\":57,"
                + "\"completion_tokens\":72,\"total_tokens\":129}}\n\ndata: [DONE]\n\n");
        geminiStream = gemini.toString().getBytes(StandardCharsets.UTF_8);
        chatStream = openAi.toString().getBytes(StandardCharsets.UTF_8);
        geminiToChat = codecs.translator(WireFormat.GEMINI, WireFormat.OPENAI_CHAT);
    }

    /** One pass over a Responses request: validated, model, stream and output cap read. */
    @Benchmark
    public Object parseResponsesRequest() {
        return ResponsesRequest.parse(responses, mapper);
    }

    /** One pass over an embeddings request and its upstream body (the model id spliced in). */
    @Benchmark
    public byte[] parseEmbeddingsRequest() {
        return EmbeddingsRequest.parse(embeddings, mapper).upstreamBody("text-embedding-3-small");
    }

    /** A parsed Responses call written as Chat Completions (the canonical call read, then written). */
    @Benchmark
    public byte[] responsesToChatRequest() {
        return codecs.upstreamBody(ResponsesRequest.parse(responses, mapper), WireFormat.OPENAI_CHAT, "gpt-4o-mini",
                OutputCapField.MAX_TOKENS, 0, 16_384);
    }

    /** A parsed chat call written as a Gemini generateContent body. */
    @Benchmark
    public byte[] chatToGeminiRequest() {
        return codecs.upstreamBody(ChatRequest.parse(chat, mapper), WireFormat.GEMINI, "gemini-2.5-flash",
                OutputCapField.MAX_TOKENS, 0, 65_536);
    }

    /** A whole Gemini answer as a chat completion. */
    @Benchmark
    public byte[] geminiAnswerToChat() {
        return geminiToChat.response(geminiAnswer, "gemini-2.5-flash");
    }

    /** A Gemini stream of {@link #chunks} chunks as Chat Completions chunks, usage chunk and [DONE] (a new translator each time). */
    @Benchmark
    public void geminiStreamToChat(Blackhole bh) {
        StreamTranslator t = StreamTranslator.create(WireFormat.GEMINI, WireFormat.OPENAI_CHAT, "gemini-2.5-flash",
                true);
        bh.consume(t.onEvents(geminiStream));
        bh.consume(t.onEnd());
    }

    /**
     * A chat stream of {@link #chunks} text chunks, a finish chunk, a usage chunk and [DONE], as the Responses event
     * sequence (a new translator each time).
     */
    @Benchmark
    public void chatStreamToResponses(Blackhole bh) {
        StreamTranslator t = StreamTranslator.create(WireFormat.OPENAI_CHAT, WireFormat.OPENAI_RESPONSES,
                "gpt-4o-mini", false);
        bh.consume(t.onEvents(chatStream));
        bh.consume(t.onEnd());
    }
}
