#!/usr/bin/env bash
# Scenario (c): the price of fsync. The same SMPP MT run (no receipts,
# flat out) against gwd with store.sync=false and then store.sync=true,
# one after the other in the same script; prints both and the ratio.
# Usage: bench/sync-ratio.sh [duration per run, default 20s]
. "$(dirname "$0")/lib.sh"
DUR=${1:-20s}
build
start_sim
run() { # sync
	start_gwd "$1"
	"$BIN/bench" smpp -addr "127.0.0.1:$GWD_SMPP" -system-id demo -password demo -bind tx \
		-binds 4 -window 250 -count 100000000 -duration "$DUR" -progress 0 -json "$WORK/$1.json" >"$WORK/$1.txt" 2>&1 || { cat "$WORK/$1.txt"; exit 1; }
	stop_gwd
	rm -rf "$WORK/data"
	printf %.0f "$(json throughput.msgs_per_s "$WORK/$1.json")"
}
nosync=$(run false)
sync=$(run true)
echo "sync-ratio: sync off $nosync msgs/s, sync on $sync msgs/s, on/off $(python3 -c "print(f'{$sync/$nosync:.2f}')")"
