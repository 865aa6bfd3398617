#!/usr/bin/env bash
# Scenario: legitimate HTTP /send under an authentication flood, end to end.
# bench http (keep-alive clients, no receipts) -> gwd /send (fresh store,
# fsync on) -> smppsim, measured three times on the same gwd: alone, then
# while a second bench floods /send with wrong passwords at FLOOD_RATE
# (default 1,000) req/s, then alone again. The flood starts 2 s before the
# flooded phase (so that its free failures are spent) and ends with it.
# One gwd for the three phases: the legitimate user's password is verified
# once, as on a gateway that is already running when a flood starts (a
# restart would measure the first login and an empty store instead), and
# the quiet phase after the flood catches drift (store growth, compactions,
# a neighbour's load): the ratio is flooded / mean of the two quiet rates.
# Usage: bench/auth-flood.sh [duration, default 20s] [concurrency, default 256]
# FLOOD=one (default): the flood comes from 127.0.0.1 with keep-alive, all
#   for the legitimate username (demo) with a wrong password.
# FLOOD=many: from 127.0.0.2-127.0.0.254 in turn, a new connection per
#   request, every 16th for demo and the others a new unknown name each.
# FLOOD_RATE: the flood's requests per second (default 1000).
# PROFILE=FILE: gwd serves pprof on 127.0.0.1:16061 and a CPU profile of
#   the flooded phase (its middle, half its length) is written to FILE.
# FLOOD_PASSWORD: the flood's password (default wrongpw). One longer than
#   8 characters (Jasmin's limit) is refused before any check: no KDF, so
#   the run measures what the flood's requests and connections alone cost.
. "$(dirname "$0")/lib.sh"
DUR=${1:-20s}; shift || true
CONC=${1:-256}; shift || true
FLOOD=${FLOOD:-one}
RATE=${FLOOD_RATE:-1000}
secs=${DUR%s}
case $FLOOD in
one) FLOOD_FLAGS="-concurrency 64" ;;
many) FLOOD_FLAGS="-concurrency 512 -source-addrs 127.0.0.2-127.0.0.254 -usernames 16 -close" ;;
*) echo "auth-flood: FLOOD=$FLOOD: want one or many" >&2; exit 2 ;;
esac
build
start_sim
start_gwd true ${PROFILE:+-pprof 127.0.0.1:16061}
HZ=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14+$15}' "/proc/$GWD_PID/stat"; }

# legit NAME: one legitimate phase; prints its req/s, and gwd's CPU (cores)
# over it into $WORK/NAME.cpu.
legit() {
	t0=$(cpu_ticks); s0=$(date +%s.%N)
	"$BIN/bench" http -url "http://127.0.0.1:$GWD_HTTP/send" -username demo -password demo \
		-concurrency "$CONC" -count 100000000 -duration "$DUR" -progress 0 \
		-json "$WORK/$1.json" >"$WORK/$1.txt" 2>&1 || { cat "$WORK/$1.txt" >&2; exit 1; }
	t1=$(cpu_ticks); s1=$(date +%s.%N)
	awk -v t="$((t1 - t0))" -v hz="$HZ" -v s0="$s0" -v s1="$s1" 'BEGIN {printf "%.2f", t/hz/(s1-s0)}' >"$WORK/$1.cpu"
	printf %.0f "$(json throughput.msgs_per_s "$WORK/$1.json")"
}

q1=$(legit quiet1)
sleep 2
"$BIN/bench" http -url "http://127.0.0.1:$GWD_HTTP/send" -username demo -password "${FLOOD_PASSWORD:-wrongpw}" \
	-rate "$RATE" -count "$((RATE * (secs + 2)))" -duration "$((secs + 2))s" -timeout 5s $FLOOD_FLAGS -progress 0 \
	-json "$WORK/flood.json" >"$WORK/flood.txt" 2>&1 &
FLOOD_PID=$!
PIDS="$PIDS $FLOOD_PID"
sleep 2
if [ -n "${PROFILE:-}" ]; then
	(sleep "$((secs / 4))" && curl -sf -o "$PROFILE" "http://127.0.0.1:16061/debug/pprof/profile?seconds=$((secs / 2))") &
	PROF_PID=$!
fi
f=$(legit flooded)
[ -z "${PROFILE:-}" ] || wait "$PROF_PID" || echo "auth-flood: no profile" >&2
wait "$FLOOD_PID" || { cat "$WORK/flood.txt" >&2; exit 1; }
sleep 2
q2=$(legit quiet2)
flood_summary=$(python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
n=d["messages"]["sent"]; e=d.get("errors") or {}
parts=["%s %.1f%%" % (k, 100.0*v/n) for k,v in sorted(e.items(), key=lambda kv: -kv[1])]
print("%.0f/s sent, %s" % (n/d["send_seconds"], ", ".join(parts) or "no errors"))' "$WORK/flood.json")
printf 'auth-flood %s: quiet %s/%s req/s, flooded %s req/s, ratio %s (flooded / mean quiet); gwd CPU %s/%s/%s cores; flood %s\n' \
	"$FLOOD" "$q1" "$q2" "$f" "$(awk -v a="$q1" -v b="$q2" -v f="$f" 'BEGIN {printf "%.3f", 2*f/(a+b)}')" \
	"$(cat "$WORK/quiet1.cpu")" "$(cat "$WORK/flooded.cpu")" "$(cat "$WORK/quiet2.cpu")" "$flood_summary"
