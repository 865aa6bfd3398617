#!/usr/bin/env bash
# Scenario (b): HTTP /send end to end with receipts to an HTTP sink.
# bench http (keep-alive clients) -> gwd /send (fsync on) -> smppsim;
# receipts -> gwd -> bench's DLR sink.
# Usage: bench/http-send.sh [duration, default 60s] [concurrency, default 256] [extra bench flags...]
# DLR=none leaves receipts out (no dlr parameters, no callbacks).
. "$(dirname "$0")/lib.sh"
DUR=${1:-60s}; shift || true
CONC=${1:-256}; shift || true
build
start_sim
start_gwd true
"$BIN/bench" http -url "http://127.0.0.1:$GWD_HTTP/send" -username demo -password demo \
	-concurrency "$CONC" -count 100000000 -duration "$DUR" $([ "${DLR:-}" = none ] || echo -dlr -receipt-wait 30s) -progress 0 \
	-smppsim-stats "http://127.0.0.1:$SIM_STATS/stats" -json "$WORK/r.json" "$@" >"$WORK/table.txt" 2>&1 || { cat "$WORK/table.txt"; exit 1; }
printf 'http-send: %s req/s over %ss, accepted %s, at smppsim %s (loss %s), receipts %s/%s, p50/p99 request %s/%s ms, gwd RSS %s MB\n' \
	"$(printf %.0f "$(json throughput.msgs_per_s "$WORK/r.json")")" "$(printf %.1f "$(json send_seconds "$WORK/r.json")")" \
	"$(json messages.acked "$WORK/r.json")" "$(json smppsim.received "$WORK/r.json")" "$(json smppsim.loss "$WORK/r.json")" \
	"$(json receipts.received "$WORK/r.json")" "$(json receipts.expected "$WORK/r.json")" \
	"$(printf %.2f "$(json submit_to_resp.p50_ms "$WORK/r.json")")" "$(printf %.2f "$(json submit_to_resp.p99_ms "$WORK/r.json")")" \
	"$(rss_mb "$GWD_PID")"
