#!/usr/bin/env bash
# Scenario (d): a backlog. 1M messages are queued while the connector is
# down (smppsim not running), gwd's memory is read, then smppsim starts
# and the queue drains; prints queueing rate, RSS while queued and the
# drain rate at smppsim.
# Usage: bench/backlog.sh [messages, default 1000000]
. "$(dirname "$0")/lib.sh"
N=${1:-1000000}
build
start_gwd true
"$BIN/bench" smpp -addr "127.0.0.1:$GWD_SMPP" -system-id demo -password demo -bind tx \
	-binds 4 -window 250 -count "$N" -duration 30m -progress 0 -json "$WORK/q.json" >"$WORK/q.txt" 2>&1 || { cat "$WORK/q.txt"; exit 1; }
queued=$(json messages.acked "$WORK/q.json")
qrate=$(printf %.0f "$(json throughput.msgs_per_s "$WORK/q.json")")
sleep 2
rss=$(rss_mb "$GWD_PID")
start_sim
t0=$(date +%s.%N)
got=0
while :; do
	got=$(curl -s "http://127.0.0.1:$SIM_STATS/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"]["submit_ok"])')
	[ "$got" -ge "$queued" ] && break
	sleep 0.2
	if python3 -c "import sys,time; sys.exit(0 if time.time()-$t0 > 1800 else 1)"; then echo "backlog: drain timed out at $got/$queued" >&2; exit 1; fi
done
t1=$(date +%s.%N)
rss2=$(rss_mb "$GWD_PID")
echo "backlog: queued $queued at $qrate msgs/s, gwd RSS $rss MB while queued, drained $got in $(python3 -c "print(f'{$t1-$t0:.1f}')") s = $(python3 -c "print(f'{$got/($t1-$t0):.0f}')") msgs/s, RSS after $rss2 MB"
