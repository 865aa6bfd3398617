# Shared by the bench scenario scripts: build the binaries, start smppsim
# and gwd (fresh store, fsync on unless told otherwise) on loopback, stop
# them on exit. Source it; then call start_sim, start_gwd, and run bench.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/bin
WORK=$(mktemp -d /tmp/gwd-bench.XXXXXX)
SIM_PORT=${SIM_PORT:-2776}       # the demo connector dials 127.0.0.1:2776
SIM_STATS=${SIM_STATS:-27761}
GWD_SMPP=${GWD_SMPP:-27750}
GWD_HTTP=${GWD_HTTP:-14010}
PIDS=""

cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

build() { (cd "$ROOT" && go build -o bin/ ./cmd/...); }

wait_port() { # host:port
	for _ in $(seq 1 200); do
		if (exec 3<>"/dev/tcp/${1%:*}/${1#*:}") 2>/dev/null; then return 0; fi
		sleep 0.05
	done
	echo "bench: nothing listens on $1" >&2
	return 1
}

start_sim() { # extra smppsim flags
	"$BIN/smppsim" -listen "127.0.0.1:$SIM_PORT" -stats "127.0.0.1:$SIM_STATS" -window 10000 "$@" >"$WORK/sim.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_port "127.0.0.1:$SIM_PORT"
}

# start_gwd [sync true|false] [extra gwd flags...]
# bench's receipt sink listens on loopback: [callbacks] allow_networks lets
# dlr-urls reach it (gwd refuses internal callback targets by default).
# [smpp-server] window is the load's per-bind window (250, as the scripts'
# -window): gwd answers requests beyond it ESME_RTHROTTLED.
# Every bench client connects from 127.0.0.1: the per-IP caps are off.
start_gwd() {
	sync=${1:-true}
	shift || true
	"$BIN/gwd" -demo -set store.path="$WORK/data" -set store.sync="$sync" \
		-set smpp-server.bind=127.0.0.1 -set smpp-server.port="$GWD_SMPP" -set smpp-server.window="${GWD_WINDOW:-250}" \
		-set http-api.bind=127.0.0.1 -set http-api.port="$GWD_HTTP" -set log.level=warn \
		-set callbacks.allow_networks=127.0.0.0/8 \
		-set smpp-server.max_connections_per_ip=0 -set http-api.max_connections_per_ip=0 ${GWD_EXTRA:-} "$@" >"$WORK/gwd.log" 2>&1 &
	GWD_PID=$!
	PIDS="$PIDS $GWD_PID"
	wait_port "127.0.0.1:$GWD_SMPP"
	wait_port "127.0.0.1:$GWD_HTTP"
	sleep 0.5 # the demo connector binds
}

stop_gwd() {
	kill "$GWD_PID" 2>/dev/null || true
	wait "$GWD_PID" 2>/dev/null || true
}

rss_mb() { # pid
	awk '/VmRSS/ {printf "%d", $2/1024}' "/proc/$1/status"
}

# json FIELD FILE: a number from bench's JSON report (dotted path).
json() {
	python3 -c 'import json,sys
d=json.load(open(sys.argv[2]))
for k in sys.argv[1].split("."): d=d[k]
print(d)' "$1" "$2"
}
