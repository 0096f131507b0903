#!/usr/bin/env node
// Closed-loop load client for the failover load test, with no dependencies.
//
//   node load.js --url http://127.0.0.1:18090 --key sk-... --concurrency 32 --warmup 20 --duration 60
//
// Each of --concurrency workers sends chat completions back to back over a keep-alive agent; a share of them
// (--stream-share, spread evenly over the call sequence) are streamed. Calls started during the warm-up are not
// counted. Per counted call it records the status, whether the body was complete (non-streamed: a chat.completion
// JSON with a message; streamed: "data: [DONE]" seen and no error event), the latency, the time to the first body
// byte, the backend that served (x-tollgate-provider) and the route header (x-tollgate-route: failovers, candidate
// count). It scrapes /actuator/prometheus when counting starts and after the last counted call ended, and reports
// the difference of tollgate_failovers_total and tollgate_upstream_attempts_total; it polls /actuator/health for
// the circuit breakers' states, and reads the breaker transitions the gateway logged (--gateway-log).
// Prints a JSON summary (also written to --json-out) and a human table.
//
// Options: --url (required) --key (required) --model gpt-4o-mini --concurrency 32 --warmup 20 --duration 60
//   --stream-share 0.2 --deadline-ms 5000 --client-timeout-ms 30000 --max-tokens 64 --flaky a-flaky
//   --backends a-flaky,b-steady,c-steady (every backend offering the model: a route header with fewer candidates
//   means routing excluded one, i.e. the flaky one's breaker was open)
//   --poll-ms 200 --gateway-log FILE --json-out FILE --calls-out FILE (one JSON line per counted call)
'use strict';

const http = require('http');
const fs = require('fs');

function parseArgs(argv) {
  const out = {};
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error('unexpected argument ' + a);
    const eq = a.indexOf('=');
    if (eq > 0) out[a.slice(2, eq)] = a.slice(eq + 1); else out[a.slice(2)] = argv[++i];
  }
  return out;
}

const args = parseArgs(process.argv);
if (!args.url || !args.key) {
  console.error('usage: load.js --url http://127.0.0.1:PORT --key GATEWAY_KEY [options]');
  process.exit(2);
}
const base = new URL(args.url);
const opt = {
  key: args.key,
  model: args.model || 'gpt-4o-mini',
  concurrency: parseInt(args.concurrency || '32', 10),
  warmupS: parseFloat(args.warmup || '20'),
  durationS: parseFloat(args.duration || '60'),
  streamShare: parseFloat(args['stream-share'] || '0.2'),
  deadlineMs: parseFloat(args['deadline-ms'] || '5000'),
  clientTimeoutMs: parseFloat(args['client-timeout-ms'] || '30000'),
  maxTokens: parseInt(args['max-tokens'] || '64', 10),
  flaky: args.flaky || 'a-flaky',
  backends: (args.backends || 'a-flaky,b-steady,c-steady').split(',').filter(Boolean),
  pollMs: parseInt(args['poll-ms'] || '200', 10),
  gatewayLog: args['gateway-log'] || null,
  jsonOut: args['json-out'] || null,
  callsOut: args['calls-out'] || null,
};

const agent = new http.Agent({ keepAlive: true, maxSockets: opt.concurrency + 4, maxFreeSockets: opt.concurrency + 4 });
const monitorAgent = new http.Agent({ keepAlive: true, maxSockets: 2 });

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

// ---------------------------------------------------------------------------------------------------------------
// One call

let callSeq = 0;
function isStreamCall(n) {
  return Math.floor((n + 1) * opt.streamShare + 1e-9) > Math.floor(n * opt.streamShare + 1e-9);
}

function bodyFor(n, stream) {
  return Buffer.from(JSON.stringify({
    model: opt.model,
    messages: [
      { role: 'system', content: 'You are a terse assistant.' },
      { role: 'user', content: 'Load test call ' + n + ': say something short about gateways.' },
    ],
    max_tokens: opt.maxTokens,
    stream,
  }));
}

function errorCodeOf(text) {
  try {
    const j = JSON.parse(text);
    if (j && j.error) return { code: j.error.code || j.error.type || 'error', message: j.error.message || '' };
  } catch (e) { /* not JSON */ }
  return { code: 'non_json_body', message: text.slice(0, 200) };
}

function checkStream(text) {
  let done = false;
  let errorEvent = null;
  let chunks = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('data:')) continue;
    const data = line.slice(5).trim();
    if (data === '[DONE]') { done = true; continue; }
    try {
      const j = JSON.parse(data);
      if (j.error) errorEvent = { code: j.error.code || j.error.type || 'error', message: j.error.message || '' };
      else chunks++;
    } catch (e) {
      errorEvent = errorEvent || { code: 'bad_event', message: data.slice(0, 200) };
    }
  }
  return { complete: done && !errorEvent && chunks > 0, errorEvent };
}

function checkWhole(text) {
  try {
    const j = JSON.parse(text);
    return j.object === 'chat.completion' && Array.isArray(j.choices) && j.choices.length > 0
      && !!j.choices[0].message && typeof j.choices[0].message.content === 'string' && !!j.usage;
  } catch (e) {
    return false;
  }
}

function oneCall(n) {
  const stream = isStreamCall(n);
  const payload = bodyFor(n, stream);
  return new Promise((resolve) => {
    const start = nowMs();
    const wallStart = Date.now();
    const rec = { n, stream, wallStart, status: 0, ok: false, latencyMs: 0, ttfbMs: null, provider: null, route: null,
      code: null, message: null };
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      rec.latencyMs = nowMs() - start;
      clearTimeout(timer);
      resolve(rec);
    };
    const req = http.request({
      host: base.hostname, port: base.port, path: '/v1/chat/completions', method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': payload.length,
        authorization: 'Bearer ' + opt.key, accept: stream ? 'text/event-stream' : 'application/json' },
    }, (res) => {
      rec.status = res.statusCode;
      rec.provider = res.headers['x-tollgate-provider'] || null;
      rec.route = res.headers['x-tollgate-route'] || null;
      const parts = [];
      res.on('data', (d) => {
        if (rec.ttfbMs === null) rec.ttfbMs = nowMs() - start;
        parts.push(d);
      });
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        if (rec.ttfbMs === null) rec.ttfbMs = nowMs() - start;
        if (res.statusCode >= 200 && res.statusCode < 300) {
          if (stream) {
            const s = checkStream(text);
            rec.ok = s.complete;
            if (!s.complete) {
              rec.code = s.errorEvent ? s.errorEvent.code : 'stream_incomplete';
              rec.message = s.errorEvent ? s.errorEvent.message : text.slice(-200);
            }
          } else {
            rec.ok = checkWhole(text);
            if (!rec.ok) { rec.code = 'incomplete_body'; rec.message = text.slice(0, 200); }
          }
        } else {
          const e = errorCodeOf(text);
          rec.code = e.code;
          rec.message = e.message;
        }
        finish();
      });
      res.on('error', (e) => { rec.code = 'response_' + (e.code || e.message); rec.message = e.message; finish(); });
      res.on('aborted', () => { rec.code = rec.code || 'response_aborted'; });
    });
    const timer = setTimeout(() => {
      rec.code = 'client_timeout';
      rec.message = 'no complete answer within ' + opt.clientTimeoutMs + ' ms';
      req.destroy(new Error('client timeout'));
      finish();
    }, opt.clientTimeoutMs);
    req.on('error', (e) => {
      if (!rec.code) { rec.code = 'request_' + (e.code || e.message); rec.message = e.message; }
      finish();
    });
    req.end(payload);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Monitoring: prometheus scrapes, health polls

function get(path) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: base.hostname, port: base.port, path, method: 'GET', agent: monitorAgent },
      (res) => {
        const parts = [];
        res.on('data', (d) => parts.push(d));
        res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(parts).toString('utf8') }));
        res.on('error', reject);
      });
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

function parseProm(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = {};
    if (m[3]) {
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
      let l;
      while ((l = re.exec(m[3])) !== null) labels[l[1]] = l[2];
    }
    out.push({ name: m[1], labels, value: parseFloat(m[4]) });
  }
  return out;
}

async function scrape() {
  try {
    const r = await get('/actuator/prometheus');
    return r.status === 200 ? parseProm(r.text) : null;
  } catch (e) {
    return null;
  }
}

function sumBy(samples, name, keyOf) {
  const out = {};
  for (const s of samples || []) {
    if (s.name !== name) continue;
    const k = keyOf(s.labels);
    out[k] = (out[k] || 0) + s.value;
  }
  return out;
}

function diff(after, before) {
  const out = {};
  for (const k of Object.keys(after)) {
    const d = Math.round(after[k] - (before[k] || 0));
    if (d !== 0) out[k] = d;
  }
  return out;
}

const breakerPolls = [];
let polling = false;
async function pollBreakers(measureStartWall) {
  polling = true;
  while (polling) {
    const t = Date.now();
    try {
      const r = await get('/actuator/health');
      const j = JSON.parse(r.text);
      const cbs = (((j.components || {}).backends || {}).details || {}).circuitBreakers || {};
      const states = {};
      for (const [name, d] of Object.entries(cbs)) states[name] = d.state;
      breakerPolls.push({ t: (t - measureStartWall) / 1000, states });
    } catch (e) {
      breakerPolls.push({ t: (t - measureStartWall) / 1000, error: e.message });
    }
    await new Promise((r) => setTimeout(r, opt.pollMs));
  }
}

function breakerTransitionsFromLog(fromWall, toWall) {
  if (!opt.gatewayLog || !fs.existsSync(opt.gatewayLog)) return null;
  const out = [];
  for (const line of fs.readFileSync(opt.gatewayLog, 'utf8').split('\n')) {
    const m = /circuit breaker (\S+) (opened|is now (\w+))/.exec(line);
    if (!m) continue;
    const ts = Date.parse(line.slice(0, 29).trim().split(/\s+/)[0]);
    if (Number.isNaN(ts) || ts < fromWall || ts > toWall) continue;
    out.push({ t: +((ts - fromWall) / 1000).toFixed(2), breaker: m[1], to: m[3] || 'OPEN' });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Summary

function pct(sorted, p) {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return +sorted[i].toFixed(1);
}

function dist(values) {
  const s = values.slice().sort((a, b) => a - b);
  return { count: s.length, p50: pct(s, 50), p90: pct(s, 90), p99: pct(s, 99), p99_9: pct(s, 99.9),
    max: s.length ? +s[s.length - 1].toFixed(1) : null };
}

function count(list, keyOf) {
  const out = {};
  for (const x of list) {
    const k = keyOf(x);
    if (k === undefined) continue;
    out[k] = (out[k] || 0) + 1;
  }
  return out;
}

function routeInfo(rec) {
  const r = rec.route || '';
  const fo = /failed_over=([^;]*)/.exec(r);
  const cand = /candidates=(\d+)/.exec(r);
  const failedOver = fo ? fo[1].split(',').filter(Boolean) : [];
  return {
    failedOver,
    candidates: cand ? parseInt(cand[1], 10) : null,
    firstProvider: failedOver.length ? failedOver[0].split('/')[0] : rec.provider,
  };
}

function firstByte(c) {
  return c.ttfbMs === null ? c.latencyMs : c.ttfbMs;
}

function summarize(calls, ctx) {
  const ok = calls.filter((c) => c.ok);
  const failed = calls.filter((c) => !c.ok);
  const infos = calls.map((c) => Object.assign({ c }, routeInfo(c)));
  const overs = infos.filter((i) => i.failedOver.length > 0);
  const fromFlaky = infos.filter((i) => i.firstProvider === opt.flaky);
  const excluded = infos.filter((i) => i.candidates !== null && i.candidates < ctx.maxCandidates
    && i.c.provider !== opt.flaky && i.failedOver.length === 0);
  const skippedUnseen = infos.filter((i) => i.candidates === ctx.maxCandidates && i.c.provider !== opt.flaky
    && i.failedOver.length === 0);
  const failReasons = {};
  for (const i of overs) {
    for (const f of i.failedOver) {
      const reason = f.slice(f.lastIndexOf(':') + 1);
      failReasons[reason] = (failReasons[reason] || 0) + 1;
    }
  }
  return {
    config: Object.assign({}, opt, { key: '(redacted)', url: args.url }),
    window: { warmup_s: opt.warmupS, duration_s: opt.durationS, measured_from: new Date(ctx.measureStartWall).toISOString(),
      measured_to: new Date(ctx.measureEndWall).toISOString() },
    calls: calls.length,
    streamed: calls.filter((c) => c.stream).length,
    throughput_per_s: +(calls.length / opt.durationS).toFixed(1),
    succeeded: ok.length,
    success_rate_pct: calls.length ? +((100 * ok.length) / calls.length).toFixed(4) : null,
    failed: failed.length,
    errors: count(failed, (c) => `${c.status} ${c.code}`),
    error_samples: Object.values(failed.reduce((acc, c) => {
      const k = `${c.status} ${c.code}`;
      if (!acc[k]) acc[k] = { status: c.status, code: c.code, stream: c.stream, message: c.message, route: c.route,
        latency_ms: +c.latencyMs.toFixed(1) };
      return acc;
    }, {})),
    latency_ms: {
      all: dist(calls.map((c) => c.latencyMs)),
      non_streamed: dist(calls.filter((c) => !c.stream).map((c) => c.latencyMs)),
      streamed: dist(calls.filter((c) => c.stream).map((c) => c.latencyMs)),
      failed_over: dist(overs.map((i) => i.c.latencyMs)),
      not_failed_over: dist(infos.filter((i) => !i.failedOver.length).map((i) => i.c.latencyMs)),
    },
    ttfb_ms: {
      all: dist(calls.filter((c) => c.ttfbMs !== null).map((c) => c.ttfbMs)),
      streamed: dist(calls.filter((c) => c.stream && c.ttfbMs !== null).map((c) => c.ttfbMs)),
      failed_over: dist(overs.filter((i) => i.c.ttfbMs !== null).map((i) => i.c.ttfbMs)),
    },
    deadline_ms: opt.deadlineMs,
    over_deadline: {
      time_to_first_byte: calls.filter((c) => firstByte(c) > opt.deadlineMs).length,
      total_latency: calls.filter((c) => c.latencyMs > opt.deadlineMs).length,
      max_first_byte_ms: calls.length ? +Math.max(...calls.map(firstByte)).toFixed(1) : null,
      first_byte_past_deadline_ms: dist(calls.map(firstByte).filter((t) => t > opt.deadlineMs)
        .map((t) => t - opt.deadlineMs)),
    },
    served_by: count(calls, (c) => c.provider || '(none)'),
    failed_over_calls: overs.length,
    failed_over_by_attempts: count(overs, (i) => String(i.failedOver.length + 1)),
    client_seen_failover_reasons: failReasons,
    routing: {
      first_attempt_by_provider: count(infos, (i) => i.firstProvider || '(none)'),
      sent_first_to_flaky: fromFlaky.length,
      sent_first_to_flaky_and_served_there: fromFlaky.filter((i) => !i.failedOver.length).length,
      routed_away_flaky_excluded: excluded.length,
      flaky_skipped_at_attempt_time: skippedUnseen.length,
      candidates: count(infos, (i) => (i.candidates === null ? '(no header)' : String(i.candidates))),
    },
    metrics: ctx.metrics,
    breaker_transitions_logged: ctx.transitions,
    breaker_state_share: ctx.stateShare,
  };
}

function fmt(v) {
  return v === null || v === undefined ? '-' : String(v);
}

function printTable(s) {
  const lines = [];
  const row = (k, v) => lines.push(`  ${k.padEnd(44)} ${v}`);
  lines.push('');
  lines.push(`== failover load: ${s.calls} calls in ${s.window.duration_s} s (${s.throughput_per_s}/s), `
    + `concurrency ${s.config.concurrency}, ${s.streamed} streamed ==`);
  row('success at the client (2xx, complete body)', `${s.succeeded}/${s.calls} = ${s.success_rate_pct} %`);
  row('errors by status and code', Object.keys(s.errors).length ? JSON.stringify(s.errors) : 'none');
  row(`calls over the deadline (${s.deadline_ms} ms), first byte`, s.over_deadline.time_to_first_byte);
  row('calls over the deadline, whole call', s.over_deadline.total_latency);
  row('longest wait for the first byte (ms)', s.over_deadline.max_first_byte_ms);
  if (s.over_deadline.time_to_first_byte > 0) {
    const o = s.over_deadline.first_byte_past_deadline_ms;
    row('  past the deadline by (ms) p50/p99/max', `${o.p50} / ${o.p99} / ${o.max}`);
  }
  lines.push('');
  lines.push(`  ${'latency (ms)'.padEnd(28)} ${['count', 'p50', 'p90', 'p99', 'p99.9', 'max'].map((h) => h.padStart(8)).join('')}`);
  const d = (name, x) => lines.push(`  ${name.padEnd(28)} ${[x.count, x.p50, x.p90, x.p99, x.p99_9, x.max]
    .map((v) => fmt(v).padStart(8)).join('')}`);
  d('all calls', s.latency_ms.all);
  d('non-streamed', s.latency_ms.non_streamed);
  d('streamed (whole stream)', s.latency_ms.streamed);
  d('failed over', s.latency_ms.failed_over);
  d('not failed over', s.latency_ms.not_failed_over);
  d('first byte, all', s.ttfb_ms.all);
  d('first byte, streamed', s.ttfb_ms.streamed);
  d('first byte, failed over', s.ttfb_ms.failed_over);
  lines.push('');
  row('served by', JSON.stringify(s.served_by));
  row('calls that failed over (by attempts)', `${s.failed_over_calls} ${JSON.stringify(s.failed_over_by_attempts)}`);
  row('failover reasons seen in x-tollgate-route', JSON.stringify(s.client_seen_failover_reasons));
  row('first attempt by provider', JSON.stringify(s.routing.first_attempt_by_provider));
  row(`sent first to ${s.config.flaky} / served there`, `${s.routing.sent_first_to_flaky} / `
    + `${s.routing.sent_first_to_flaky_and_served_there}`);
  row(`routed away (${s.config.flaky} excluded, breaker open)`, s.routing.routed_away_flaky_excluded);
  row(`${s.config.flaky} skipped at attempt time`, s.routing.flaky_skipped_at_attempt_time);
  if (s.metrics) {
    row('tollgate_failovers_total by reason', JSON.stringify(s.metrics.failovers_by_reason));
    row('tollgate_failovers_total by from->to', JSON.stringify(s.metrics.failovers_by_route));
    row('tollgate_upstream_attempts_total by outcome', JSON.stringify(s.metrics.attempts_by_outcome));
    row('  ... by provider/outcome', JSON.stringify(s.metrics.attempts_by_provider_outcome));
    row('tollgate_requests_total by outcome', JSON.stringify(s.metrics.requests_by_outcome));
  }
  if (s.breaker_transitions_logged) {
    row(`breaker transitions logged (${s.breaker_transitions_logged.length})`,
      s.breaker_transitions_logged.map((t) => `${t.t}s ${t.breaker}->${t.to}`).join(', ') || 'none');
  }
  if (s.breaker_state_share) row(`breaker state share (health every ${s.config.pollMs} ms)`, JSON.stringify(s.breaker_state_share));
  console.log(lines.join('\n'));
}

// ---------------------------------------------------------------------------------------------------------------
// Main

async function main() {
  const t0 = nowMs();
  const warmEnd = t0 + opt.warmupS * 1000;
  const measureEnd = warmEnd + opt.durationS * 1000;
  const calls = [];
  let before = null;
  let measureStartWall = null;
  let measureEndWall = null;
  let pollDone = null;

  const startMeasuring = async () => {
    measureStartWall = Date.now();
    before = await scrape();
    pollDone = pollBreakers(measureStartWall);
  };
  const measuring = opt.warmupS > 0 ? new Promise((resolve) => setTimeout(() => startMeasuring().then(resolve),
    opt.warmupS * 1000)) : startMeasuring();
  let progressLast = nowMs();

  const worker = async () => {
    for (;;) {
      const t = nowMs();
      if (t >= measureEnd) return;
      const counted = t >= warmEnd;
      const rec = await oneCall(callSeq++);
      if (counted) calls.push(rec);
      if (nowMs() - progressLast > 10000) {
        progressLast = nowMs();
        const okN = calls.filter((c) => c.ok).length;
        process.stderr.write(`  [load] ${((nowMs() - t0) / 1000).toFixed(0)} s: ${calls.length} counted, ${okN} ok\n`);
      }
    }
  };
  await Promise.all([...Array(opt.concurrency)].map(worker).concat([measuring]));
  measureEndWall = Date.now();
  polling = false;
  await pollDone;
  const after = await scrape();

  let metrics = null;
  if (before && after) {
    const fo = (s) => sumBy(s, 'tollgate_failovers_total', (l) => l.reason);
    const foRoute = (s) => sumBy(s, 'tollgate_failovers_total', (l) => `${l.from_provider}->${l.to_provider}:${l.reason}`);
    const at = (s) => sumBy(s, 'tollgate_upstream_attempts_total', (l) => l.outcome);
    const atp = (s) => sumBy(s, 'tollgate_upstream_attempts_total', (l) => `${l.provider}:${l.outcome}`);
    const rq = (s) => sumBy(s, 'tollgate_requests_total', (l) => l.outcome);
    const state = (s) => sumBy(s, 'resilience4j_circuitbreaker_state', (l) => `${l.name}:${l.state}`);
    metrics = {
      note: 'difference between a scrape when counting started and one after the last counted call ended',
      failovers_by_reason: diff(fo(after), fo(before)),
      failovers_by_route: diff(foRoute(after), foRoute(before)),
      attempts_by_outcome: diff(at(after), at(before)),
      attempts_by_provider_outcome: diff(atp(after), atp(before)),
      requests_by_outcome: diff(rq(after), rq(before)),
      breaker_state_at_end: Object.fromEntries(Object.entries(state(after)).filter(([, v]) => v > 0)),
    };
  }
  const stateShare = {};
  const polls = breakerPolls.filter((p) => p.states && p.t >= 0 && p.t <= opt.durationS);
  for (const p of polls) {
    for (const [name, st] of Object.entries(p.states)) {
      stateShare[name] = stateShare[name] || {};
      stateShare[name][st] = (stateShare[name][st] || 0) + 1;
    }
  }
  for (const name of Object.keys(stateShare)) {
    for (const st of Object.keys(stateShare[name])) {
      stateShare[name][st] = +((100 * stateShare[name][st]) / polls.length).toFixed(1) + ' %';
    }
  }
  const maxCandidates = opt.backends.length;
  const summary = summarize(calls, {
    measureStartWall, measureEndWall, metrics, maxCandidates, stateShare,
    transitions: breakerTransitionsFromLog(measureStartWall, measureEndWall),
  });
  summary.breaker_polls = polls.length;
  const json = JSON.stringify(summary, null, 2);
  console.log(json);
  if (opt.jsonOut) fs.writeFileSync(opt.jsonOut, json + '\n');
  if (opt.callsOut) fs.writeFileSync(opt.callsOut, calls.map((c) => JSON.stringify(c)).join('\n') + '\n');
  printTable(summary);
  agent.destroy();
  monitorAgent.destroy();
  const pass = summary.success_rate_pct >= 99.9 && summary.over_deadline.time_to_first_byte === 0;
  console.log(`\n  aim (>= 99.9 % success, no call past its deadline): ${pass ? 'MET' : 'NOT MET'}`);
  process.exitCode = pass ? 0 : 1;
}

main().catch((e) => {
  console.error(e);
  process.exit(3);
});
