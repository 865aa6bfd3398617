#!/usr/bin/env bash
# Scenario (a): SMPP MT end to end with receipts back to the ESME.
# bench (4 binds x window) -> gwd (fsync on) -> smppsim -> receipts -> gwd -> bench.
# Usage: bench/smpp-mt.sh [duration, default 60s] [extra bench flags...]
. "$(dirname "$0")/lib.sh"
DUR=${1:-60s}; shift || true
build
start_sim
start_gwd true
"$BIN/bench" smpp -addr "127.0.0.1:$GWD_SMPP" -system-id demo -password demo \
	-binds 4 -window 250 -count 100000000 -duration "$DUR" ${RECEIPTS:--receipts} -receipt-wait 30s -progress 0 \
	-smppsim-stats "http://127.0.0.1:$SIM_STATS/stats" -json "$WORK/r.json" "$@" >"$WORK/table.txt" 2>&1 || { cat "$WORK/table.txt"; exit 1; }
printf 'smpp-mt: %s msgs/s over %ss, acked %s, at smppsim %s, receipts %s/%s, p50/p99 submit->resp %s/%s ms, gwd RSS %s MB\n' \
	"$(printf %.0f "$(json throughput.msgs_per_s "$WORK/r.json")")" "$(printf %.1f "$(json send_seconds "$WORK/r.json")")" \
	"$(json messages.acked "$WORK/r.json")" "$(json smppsim.received "$WORK/r.json") (loss $(json smppsim.loss "$WORK/r.json"))" \
	"$(json receipts.received "$WORK/r.json")" "$(json receipts.expected "$WORK/r.json")" \
	"$(printf %.2f "$(json submit_to_resp.p50_ms "$WORK/r.json")")" "$(printf %.2f "$(json submit_to_resp.p99_ms "$WORK/r.json")")" \
	"$(rss_mb "$GWD_PID")"
