#!/usr/bin/env bash
# Failover under load: three fake OpenAI-compatible backends (one failing a share of its calls), the gateway jar in
# front of them, and a closed-loop Node load client. Prints the client's success rate, latency percentiles, calls
# past the deadline, and the gateway's failover and attempt counters. See README.md in this folder.
#
#   bench/failover/run.sh                    # breaker at its defaults
#   BREAKER=off bench/failover/run.sh        # the flaky backend's breaker never opens: failover on every failure
#
# Everything it starts is stopped on exit. Needs java (17+), node, curl; uses taskset when there are 2+ CPUs.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"

JAR="${JAR:-$REPO/gateway/target/tollgate.jar}"
SCRATCH="${SCRATCH:-$(mktemp -d -t tollgate-failover.XXXXXX)}"
OUT="${OUT:-$SCRATCH/out}"
GATEWAY_PORT="${GATEWAY_PORT:-18090}"
UPSTREAM_BASE_PORT="${UPSTREAM_BASE_PORT:-19001}"
DURATION="${DURATION:-60}"
WARMUP="${WARMUP:-20}"
CONCURRENCY="${CONCURRENCY:-32}"
STREAM_SHARE="${STREAM_SHARE:-0.2}"
FAIL_FRACTION="${FAIL_FRACTION:-0.5}"
FAIL_KINDS="${FAIL_KINDS:-500:45,reset:45,hang:10}"
UPSTREAM_LATENCY_MS="${UPSTREAM_LATENCY_MS:-20}"
STREAM_CHUNKS="${STREAM_CHUNKS:-8}"
CHUNK_GAP_MS="${CHUNK_GAP_MS:-5}"
DEADLINE="${DEADLINE:-5s}"
FIRST_BYTE_TIMEOUT="${FIRST_BYTE_TIMEOUT:-1s}"
MAX_ATTEMPTS="${MAX_ATTEMPTS:-3}"
BREAKER="${BREAKER:-default}"          # default | off (flaky backend's failure-rate-threshold=100)
JAVA_OPTS="${JAVA_OPTS:--Xms512m -Xmx512m -XX:+UseSerialGC}"
PIN="${PIN:-auto}"                     # auto | none
KEY="${KEY:-sk-tollgate-failover-bench}"
PROVIDERS=(a-flaky b-steady c-steady)
# Hosted backends in gateway/src/main/resources/application.yaml: all switched off so only the fakes can serve.
HOSTED=(openai azure anthropic deepseek google groq together deepinfra mistral self-hosted)

case "$BREAKER" in
  default|off) ;;
  *) echo "BREAKER must be 'default' or 'off'" >&2; exit 2 ;;
esac
case "$DEADLINE" in
  *ms) DEADLINE_MS="${DEADLINE%ms}" ;;
  *s) DEADLINE_MS="$(( ${DEADLINE%s} * 1000 ))" ;;
  *) echo "DEADLINE must be like 5s or 5000ms" >&2; exit 2 ;;
esac

for tool in java node curl; do
  command -v "$tool" >/dev/null || { echo "$tool is required" >&2; exit 2; }
done

if [[ ! -f "$JAR" ]]; then
  echo "== $JAR not found: building it (./mvnw -q -DskipTests package)"
  (cd "$REPO" && ./mvnw -q -DskipTests package)
fi

mkdir -p "$SCRATCH/rules" "$OUT"
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

GW_PIN=() LOAD_PIN=()
if [[ "$PIN" == auto ]] && command -v taskset >/dev/null && [[ "$(nproc)" -ge 2 ]]; then
  GW_PIN=(taskset -c 0) LOAD_PIN=(taskset -c 1)
fi

# --- fake upstreams (CPU 1 with the load client) -----------------------------------------------------------------
i=0
for p in "${PROVIDERS[@]}"; do
  port=$((UPSTREAM_BASE_PORT + i))
  frac=0
  [[ "$p" == a-flaky ]] && frac="$FAIL_FRACTION"
  "${LOAD_PIN[@]}" node "$HERE/fake-upstream.js" --port "$port" --name "$p" --fail-fraction "$frac" \
    --fail-kinds "$FAIL_KINDS" --latency-ms "$UPSTREAM_LATENCY_MS" --stream-chunks "$STREAM_CHUNKS" \
    --chunk-gap-ms "$CHUNK_GAP_MS" >"$OUT/upstream-$p.log" 2>&1 &
  PIDS+=($!)
  i=$((i + 1))
done

# --- rules: one team, one key --------------------------------------------------------------------------------------
HASH="sha256:$(printf '%s' "$KEY" | sha256sum | cut -d' ' -f1)"
cat >"$SCRATCH/rules/teams.yaml" <<EOF
# Failover load test: one team, one key ($KEY).
teams:
  - id: bench
    display-name: Failover load test
    keys:
      - id: bench-load
        hash: $HASH
        app: load
EOF
cp "$REPO/routing-rules/aliases.yaml" "$SCRATCH/rules/aliases.yaml"

# --- gateway (CPU 0) -----------------------------------------------------------------------------------------------
GW_ARGS=(
  --server.port="$GATEWAY_PORT"
  --tollgate.pricing.location="$REPO/pricing"
  --tollgate.rules.location="$SCRATCH/rules"
  --spring.datasource.url="jdbc:h2:file:$SCRATCH/ledger;DB_CLOSE_ON_EXIT=FALSE"
  --tollgate.ledger.spill-file="$SCRATCH/ledger-spill.jsonl"
  --tollgate.resilience.max-attempts="$MAX_ATTEMPTS"
  --tollgate.resilience.deadline="$DEADLINE"
  --tollgate.resilience.defaults.first-byte-timeout="$FIRST_BYTE_TIMEOUT"
)
for h in "${HOSTED[@]}"; do
  GW_ARGS+=(--tollgate.providers."$h".enabled=false)
done
i=0
for p in "${PROVIDERS[@]}"; do
  GW_ARGS+=(
    --tollgate.providers."$p".type=openai
    --tollgate.providers."$p".base-url="http://127.0.0.1:$((UPSTREAM_BASE_PORT + i))/v1"
    --tollgate.providers."$p".api-key=sk-fake-upstream
    --tollgate.providers."$p".prices=openai
    --tollgate.providers."$p".connect-timeout=1s
  )
  i=$((i + 1))
done
if [[ "$BREAKER" == off ]]; then
  GW_ARGS+=(--tollgate.providers.a-flaky.resilience.failure-rate-threshold=100)
fi
# shellcheck disable=SC2206
GW_CMD=("${GW_PIN[@]}" java $JAVA_OPTS -jar "$JAR" "${GW_ARGS[@]}")

echo "== scratch: $SCRATCH   output: $OUT"
echo "== $(nproc) CPUs, $(java -version 2>&1 | head -1), node $(node --version), pinning: ${GW_PIN[*]:-none} (gateway)" \
  "${LOAD_PIN[*]:-none} (upstreams, load)"
echo "== gateway command:"
printf ' %q' "${GW_CMD[@]}"; echo
(cd "$SCRATCH" && exec "${GW_CMD[@]}") >"$OUT/gateway.log" 2>&1 &
PIDS+=($!)

for _ in $(seq 1 240); do
  if curl -fsS "http://127.0.0.1:$GATEWAY_PORT/actuator/health" 2>/dev/null | grep -q '"status":"UP"'; then
    break
  fi
  kill -0 "${PIDS[-1]}" 2>/dev/null || { echo "gateway exited; see $OUT/gateway.log" >&2; tail -50 "$OUT/gateway.log" >&2; exit 1; }
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$GATEWAY_PORT/actuator/health" >/dev/null || { echo "gateway not healthy" >&2; exit 1; }
for i in "${!PROVIDERS[@]}"; do
  curl -fsS "http://127.0.0.1:$((UPSTREAM_BASE_PORT + i))/stats" >/dev/null || { echo "upstream ${PROVIDERS[$i]} is not up" >&2; exit 1; }
done

# One call to check the setup (routing order, headers) before the load.
echo "== check call:"
curl -sS -D - -o /dev/null "http://127.0.0.1:$GATEWAY_PORT/v1/chat/completions" \
  -H "authorization: Bearer $KEY" -H 'content-type: application/json' \
  -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hello"}]}' | grep -i '^x-tollgate-\(provider\|route\)' || true

# --- load (CPU 1) --------------------------------------------------------------------------------------------------
LOAD_CMD=("${LOAD_PIN[@]}" node "$HERE/load.js" --url "http://127.0.0.1:$GATEWAY_PORT" --key "$KEY"
  --model gpt-4o-mini --concurrency "$CONCURRENCY" --warmup "$WARMUP" --duration "$DURATION"
  --stream-share "$STREAM_SHARE" --deadline-ms "$DEADLINE_MS" --flaky a-flaky --backends "$(IFS=,; echo "${PROVIDERS[*]}")"
  --gateway-log "$OUT/gateway.log" --json-out "$OUT/summary-$BREAKER.json" --calls-out "$OUT/calls-$BREAKER.jsonl")
echo "== load command:"
printf ' %q' "${LOAD_CMD[@]}"; echo
echo "== reproduce: BREAKER=$BREAKER DURATION=$DURATION WARMUP=$WARMUP CONCURRENCY=$CONCURRENCY STREAM_SHARE=$STREAM_SHARE" \
  "FAIL_FRACTION=$FAIL_FRACTION FAIL_KINDS=$FAIL_KINDS UPSTREAM_LATENCY_MS=$UPSTREAM_LATENCY_MS DEADLINE=$DEADLINE" \
  "FIRST_BYTE_TIMEOUT=$FIRST_BYTE_TIMEOUT bench/failover/run.sh"
echo "== warm-up ${WARMUP}s (not counted), then ${DURATION}s counted, concurrency $CONCURRENCY"
# In the background and waited for, so that an interrupt stops everything at once (bash runs traps only after a
# foreground command ends). Progress goes to stderr; the summary is printed when the load ends.
"${LOAD_CMD[@]}" >"$OUT/load-$BREAKER.txt" &
LOAD_PID=$!
PIDS+=("$LOAD_PID")
set +e
wait "$LOAD_PID"
rc=$?
set -e
cat "$OUT/load-$BREAKER.txt"

echo
echo "== upstream counters (whole run, warm-up included):"
i=0
for p in "${PROVIDERS[@]}"; do
  echo "  $p: $(curl -fsS "http://127.0.0.1:$((UPSTREAM_BASE_PORT + i))/stats" || echo unavailable)"
  i=$((i + 1))
done
echo "== gateway warnings/errors logged: $(grep -cE ' (WARN|ERROR) ' "$OUT/gateway.log" || true)" \
  "(breaker: $(grep -c 'circuit breaker' "$OUT/gateway.log" || true) lines)"
grep -E ' ERROR ' "$OUT/gateway.log" | head -5 || true
echo "== outputs in $OUT"
exit "$rc"
