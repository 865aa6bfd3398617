#!/usr/bin/env bash
# Ceiling reference: bench driving smppsim directly (no gwd in between),
# receipts requested, 4 binds x window 250 — what the load generator and
# the simulator can do together on this machine.
# Usage: bench/ceiling.sh [duration, default 10s] [extra bench flags...]
. "$(dirname "$0")/lib.sh"
DUR=${1:-10s}; shift || true
build
start_sim
"$BIN/bench" smpp -addr "127.0.0.1:$SIM_PORT" -system-id ceiling -password ceiling \
	-binds 4 -window 250 -count 100000000 -duration "$DUR" -receipts -receipt-wait 30s -progress 0 \
	-smppsim-stats "http://127.0.0.1:$SIM_STATS/stats" -json "$WORK/r.json" "$@" >"$WORK/table.txt" 2>&1 || { cat "$WORK/table.txt"; exit 1; }
printf 'ceiling: %s msgs/s over %ss, at smppsim %s, receipts %s/%s, p50/p99 submit->resp %s/%s ms\n' \
	"$(printf %.0f "$(json throughput.msgs_per_s "$WORK/r.json")")" "$(printf %.1f "$(json send_seconds "$WORK/r.json")")" \
	"$(json smppsim.received "$WORK/r.json") (loss $(json smppsim.loss "$WORK/r.json"))" \
	"$(json receipts.received "$WORK/r.json")" "$(json receipts.expected "$WORK/r.json")" \
	"$(printf %.2f "$(json submit_to_resp.p50_ms "$WORK/r.json")")" "$(printf %.2f "$(json submit_to_resp.p99_ms "$WORK/r.json")")"
