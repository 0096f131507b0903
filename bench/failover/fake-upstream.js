#!/usr/bin/env node
// An OpenAI-compatible Chat Completions upstream for the failover load test, with no dependencies.
//
//   node fake-upstream.js --port 19001 --name a-flaky --fail-fraction 0.5 --fail-kinds 500:45,reset:45,hang:10
//
// POST /v1/chat/completions answers a chat.completion JSON with a usage object, or with "stream": true an SSE
// stream of chat.completion.chunk events ending with a usage chunk and "data: [DONE]". A configurable fraction of
// calls fails instead; which calls fail, and how, is deterministic:
//   - the failing calls are spread evenly over the call sequence (fraction 0.5 = every second call; 0.25 = every
//     fourth), counted in arrival order;
//   - the failure kind is picked by smooth weighted round-robin over --fail-kinds (kind:weight,...), so the shares
//     are exact over each cycle of the weights.
// Failure kinds:
//   500   HTTP 500 with an OpenAI-shaped JSON error body
//   503   HTTP 503 with a JSON error body and no retry-after
//   hang  reads the request and never answers (the socket stays open until the client gives up)
//   reset destroys the socket after reading the request (TCP RST where Node supports it), before any byte
// GET /stats returns the counters as JSON. Options (all optional except --port):
//   --name NAME            shown in logs, /stats and the answer's "system_fingerprint"
//   --fail-fraction F      0..1, default 0
//   --fail-kinds LIST      default 500:1
//   --latency-ms N         fixed delay before answering (non-streamed) or before the first event, default 0
//   --stream-chunks N      content events per stream, default 8
//   --chunk-gap-ms N       delay between stream events, default 0
//   --completion-tokens N  default 24
'use strict';

const http = require('http');

function parseArgs(argv) {
  const out = {};
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error('unexpected argument ' + a);
    const eq = a.indexOf('=');
    if (eq > 0) {
      out[a.slice(2, eq)] = a.slice(eq + 1);
    } else {
      out[a.slice(2)] = argv[++i];
    }
  }
  return out;
}

const args = parseArgs(process.argv);
const port = parseInt(args.port, 10);
if (!port) {
  console.error('usage: fake-upstream.js --port N [--name NAME] [--fail-fraction F] [--fail-kinds 500:45,reset:45,hang:10] '
    + '[--latency-ms N] [--stream-chunks N] [--chunk-gap-ms N]');
  process.exit(2);
}
const name = args.name || ('fake-' + port);
const failFraction = Math.min(1, Math.max(0, parseFloat(args['fail-fraction'] || '0')));
const latencyMs = parseInt(args['latency-ms'] || '0', 10);
const streamChunks = Math.max(1, parseInt(args['stream-chunks'] || '8', 10));
const chunkGapMs = parseInt(args['chunk-gap-ms'] || '0', 10);
const completionTokens = parseInt(args['completion-tokens'] || '24', 10);
const KINDS = ['500', '503', 'hang', 'reset'];
const kinds = (args['fail-kinds'] || '500:1').split(',').filter(Boolean).map((s) => {
  const [kind, w] = s.split(':');
  if (!KINDS.includes(kind)) throw new Error('unknown failure kind ' + kind + ' (one of ' + KINDS.join(', ') + ')');
  const weight = w === undefined ? 1 : parseFloat(w);
  if (!(weight >= 0)) throw new Error('bad weight in ' + s);
  return { kind, weight, current: 0 };
}).filter((k) => k.weight > 0);
if (failFraction > 0 && kinds.length === 0) throw new Error('--fail-kinds has no kind with a positive weight');
const totalWeight = kinds.reduce((s, k) => s + k.weight, 0);

const stats = { name, calls: 0, streams: 0, ok: 0, failed: {}, hangingNow: 0, clientClosedEarly: 0 };
for (const k of kinds) stats.failed[k.kind] = 0;

let seq = 0;
// Call n (0-based) fails when floor((n + 1) * f) > floor(n * f): exactly round(N * f) of every N calls, evenly spread.
function shouldFail() {
  const n = seq++;
  return Math.floor((n + 1) * failFraction + 1e-9) > Math.floor(n * failFraction + 1e-9);
}

// Smooth weighted round-robin (as nginx's upstream balancing): deterministic, exact shares per cycle.
function nextKind() {
  let best = null;
  for (const k of kinds) {
    k.current += k.weight;
    if (best === null || k.current > best.current) best = k;
  }
  best.current -= totalWeight;
  return best.kind;
}

let idCounter = 0;
function completionId() {
  idCounter++;
  return 'chatcmpl-' + name.replace(/[^a-zA-Z0-9]/g, '') + '-' + idCounter.toString(36);
}

const WORDS = ['The', ' gateway', ' forwarded', ' this', ' answer', ' from', ' a', ' fake', ' upstream', ' for', ' the',
  ' failover', ' load', ' test', '.'];

function promptTokensOf(body) {
  let chars = 0;
  for (const m of (body.messages || [])) {
    if (typeof m.content === 'string') chars += m.content.length;
  }
  return Math.max(1, Math.ceil(chars / 4)) + 7;
}

function usage(body) {
  const prompt = promptTokensOf(body);
  return { prompt_tokens: prompt, completion_tokens: completionTokens, total_tokens: prompt + completionTokens };
}

function sendError(res, status, message, type) {
  const bytes = Buffer.from(JSON.stringify({ error: { message, type, param: null, code: null } }));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': bytes.length });
  res.end(bytes);
}

function later(ms, fn) {
  if (ms > 0) setTimeout(fn, ms); else setImmediate(fn);
}

function answerWhole(res, body) {
  const text = WORDS.join('');
  const bytes = Buffer.from(JSON.stringify({
    id: completionId(),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: body.model,
    system_fingerprint: 'fp_' + name,
    choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null,
      finish_reason: 'stop' }],
    usage: usage(body),
  }));
  later(latencyMs, () => {
    if (res.destroyed) return;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': bytes.length });
    res.end(bytes);
    stats.ok++;
  });
}

function answerStream(res, body) {
  const id = completionId();
  const created = Math.floor(Date.now() / 1000);
  const chunk = (choices, extra) => 'data: ' + JSON.stringify(Object.assign({
    id, object: 'chat.completion.chunk', created, model: body.model, system_fingerprint: 'fp_' + name, choices,
  }, extra || {})) + '\n\n';
  const events = [chunk([{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }])];
  for (let i = 0; i < streamChunks; i++) {
    events.push(chunk([{ index: 0, delta: { content: WORDS[i % WORDS.length] }, logprobs: null, finish_reason: null }]));
  }
  events.push(chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }]));
  events.push(chunk([], { usage: usage(body) }));
  events.push('data: [DONE]\n\n');
  later(latencyMs, () => {
    if (res.destroyed) return;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    let i = 0;
    const step = () => {
      if (res.destroyed) return;
      if (i >= events.length) {
        res.end();
        stats.ok++;
        return;
      }
      res.write(events[i++]);
      later(chunkGapMs, step);
    };
    step();
  });
}

function fail(kind, req, res) {
  stats.failed[kind]++;
  switch (kind) {
    case '500':
      return later(latencyMs, () => sendError(res, 500, 'The server had an error while processing your request. (fake '
        + name + ')', 'server_error'));
    case '503':
      return later(latencyMs, () => sendError(res, 503, 'The engine is currently overloaded, please try again later. '
        + '(fake ' + name + ')', 'server_error'));
    case 'hang':
      stats.hangingNow++;
      res.on('close', () => { stats.hangingNow--; });
      return undefined; // never answers
    case 'reset': {
      const socket = req.socket;
      if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy(); else socket.destroy();
      return undefined;
    }
    default:
      throw new Error(kind);
  }
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/stats') {
    const bytes = Buffer.from(JSON.stringify(stats));
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': bytes.length });
    return res.end(bytes);
  }
  if (req.method === 'GET' && (req.url === '/health' || req.url === '/v1/models')) {
    const bytes = Buffer.from(JSON.stringify({ object: 'list', data: [] }));
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': bytes.length });
    return res.end(bytes);
  }
  if (req.method !== 'POST' || !req.url.startsWith('/v1/chat/completions')) {
    return sendError(res, 404, 'Unknown path ' + req.url, 'invalid_request_error');
  }
  const parts = [];
  req.on('data', (d) => parts.push(d));
  req.on('end', () => {
    let body;
    try {
      body = JSON.parse(Buffer.concat(parts).toString('utf8'));
    } catch (e) {
      return sendError(res, 400, 'Request body is not JSON', 'invalid_request_error');
    }
    stats.calls++;
    if (body.stream === true) stats.streams++;
    res.on('close', () => { if (!res.writableFinished) stats.clientClosedEarly++; });
    if (failFraction > 0 && shouldFail()) {
      return fail(nextKind(), req, res);
    }
    return body.stream === true ? answerStream(res, body) : answerWhole(res, body);
  });
  return undefined;
});
// Keep idle keep-alive connections well beyond the client's pool idle time, so the only closes the gateway sees are
// the deliberate ones (Node's default of 5 s would race with reuse of an idle pooled connection).
server.keepAliveTimeout = 120000;
server.headersTimeout = 125000;
server.requestTimeout = 0;
server.listen(port, '127.0.0.1', () => {
  console.log(`fake-upstream ${name} on 127.0.0.1:${port} fail-fraction=${failFraction} kinds=`
    + `${kinds.map((k) => k.kind + ':' + k.weight).join(',') || '-'} latency-ms=${latencyMs}`);
});
const stop = () => {
  console.log(`fake-upstream ${name} stats ${JSON.stringify(stats)}`);
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
