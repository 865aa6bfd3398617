//go:build chaos

package chaos

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// runMode is how long and how hard the suite runs.
type runMode struct {
	name   string
	kills  int           // SIGKILL rounds
	phase  time.Duration // length of one fault phase
	settle time.Duration // most the verification waits for stragglers
}

// mode reads CHAOS_MODE: quick (default, CI) or long (bench/chaos.sh);
// CHAOS_SETTLE (a Go duration) replaces its settle time.
func mode() runMode {
	m := runMode{name: "quick", kills: 3, phase: 4 * time.Second, settle: 60 * time.Second}
	if os.Getenv("CHAOS_MODE") == "long" {
		m = runMode{name: "long", kills: 20, phase: 30 * time.Second, settle: 3 * time.Minute}
	}
	if d, err := time.ParseDuration(os.Getenv("CHAOS_SETTLE")); err == nil {
		m.settle = d
	}
	return m
}

// rssBoundMB is the RSS gwd must stay under in every scenario, measured
// from outside (VmRSS sampled, VmHWM at the end of each process): 300 MB
// in quick mode; 400 MB in long mode, whose 15 s SMSC stalls at ~3,900
// MT/s keep a connector's backlog, the DLR cache (262,144 recent
// mappings) and Pebble's memtables (64 MiB each, outside the Go heap)
// full at once (measured 337 MB with [runtime] memory_limit_mb 192).
func (m runMode) rssBoundMB() int64 {
	if m.name == "long" {
		return 400
	}
	return 300
}

// scenario is one row of the suite: gwd's settings, the load, and the
// faults injected while the load runs. A new scenario is one more row.
type scenario struct {
	name   string
	gwdSet []string // extra -set key=value for gwd
	// gwdSetFor, when set, adds -set values that depend on the mode.
	gwdSetFor func(m runMode) []string
	gwdEnv    []string // environment of gwd (GWD_CHAOS_* hooks)
	// store, when set, gives the store's directory (or skips the test).
	store func(t *testing.T) string
	// skip, when set, says why the scenario cannot run here ("": it can).
	skip func() string
	load loadShape
	// faults runs while the load runs and says what it injected.
	faults func(t *testing.T, h *harness, m runMode) injected
}

// injected is what a scenario's faults did: a description for the table,
// and how many of them may make gwd send something again (a kill, a
// dropped connection: what was in flight is not known to be answered).
type injected struct {
	desc    string
	resends int
}

var scenarios = []scenario{
	{name: "sigkill", load: mixedLoad, faults: killRounds},
	{name: "smsc-faults", load: mixedLoad, faults: smscFaults},
	// 10,000 idle connections from 127.0.0.1: over the per-IP cap (256)
	// and the global one (10,000), so both are raised here.
	{name: "flood", load: mixedLoad, faults: flood, skip: floodSkip,
		gwdSet: []string{"smpp-server.max_connections_per_ip=0", "smpp-server.max_connections=20000"}},
	{name: "slow-store", load: mixedLoad, faults: slowStore, gwdEnv: []string{"GWD_CHAOS_COMMIT_DELAY=" + commitDelay}},
	{name: "disk-full", load: mixedLoad, faults: diskFull, store: tmpfsStore},
	{name: "receiver-down", load: mixedLoad, faults: receiverDown, gwdSetFor: receiverDownSet},
}

func TestChaos(t *testing.T) {
	m := mode()
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) { runScenario(t, sc, m) })
	}
}

// runScenario starts the world, runs the load with the scenario's faults,
// stops the load and checks that nothing acknowledged was lost.
func runScenario(t *testing.T, sc scenario, m runMode) {
	if sc.skip != nil {
		if why := sc.skip(); why != "" {
			t.Skip(why)
		}
	}
	storeDir := ""
	if sc.store != nil {
		storeDir = sc.store(t)
	}
	set := sc.gwdSet
	if sc.gwdSetFor != nil {
		set = append(append([]string(nil), set...), sc.gwdSetFor(m)...)
	}
	h := newHarness(t, set, sc.gwdEnv, storeDir)
	l := startLoad(h, sc.load)
	if !waitFor(20*time.Second, func() bool { h.led.mu.Lock(); defer h.led.mu.Unlock(); return len(h.led.acked) > 0 }) {
		t.Fatalf("no message acknowledged under load:\n%s", h.gwd.tail(20))
	}
	h.endLoad = sync.OnceFunc(l.end)
	inj := sc.faults(t, h, m)
	h.endLoad()
	r := h.verify(m.settle)
	r.name, r.faults = sc.name, inj.desc
	r.load = fmt.Sprintf("%s for %v (%.0f MT/s acknowledged)", sc.load, l.elapsed.Round(time.Second),
		float64(r.ackMT)/l.elapsed.Seconds())
	report(r)
	t.Logf("%s: acknowledged %d MT, %d MO; lost %d; duplicates %d/%d/%d; refused: %s; max RSS %d MB",
		sc.name, r.ackMT, r.ackMO, r.lost, r.dupMT, r.dupRcpt, r.dupMO, or(r.refused, "none"), r.rssMB)
	if r.lost > 0 {
		t.Errorf("%d lost (%d MT not at the SMSC, %d receipts, %d MO), among them:\n%s\nsmppsim: %v\ngwd log:\n%s", r.lost, r.lostMT, r.lostRcpt, r.lostMO, strings.Join(r.missing, "\n"), h.simStatsNow().Total, h.gwd.tail(30))
	}
	if r.ackMT == 0 || r.ackMO == 0 {
		t.Errorf("the load proved nothing: %d MT and %d MO acknowledged", r.ackMT, r.ackMO)
	}
	// At least once: a message is sent again only when gwd could not know
	// it had been (killed, or a connection cut, before the answer was
	// durable), at most a connector window (100) each time.
	if bound := 2 * 100 * (inj.resends + 1); r.dupMT > bound || r.dupRcpt > bound || r.dupMO > bound {
		t.Errorf("duplicates %d MT, %d receipts, %d MO: over %d for %s", r.dupMT, r.dupRcpt, r.dupMO, bound, inj.desc)
	}
	if bound := m.rssBoundMB(); r.rssMB >= bound {
		t.Errorf("gwd's RSS reached %d MB, bound %d MB", r.rssMB, bound)
	}
	if t.Failed() {
		h.keepLogs()
	}
}

// killRounds SIGKILLs gwd at random moments under the load and restarts
// it on the same store.
func killRounds(t *testing.T, h *harness, m runMode) injected {
	for i := range m.kills {
		// A random point of a 0.5 to 2.5 s stretch of load.
		time.Sleep(500*time.Millisecond + rand.N(2*time.Second))
		h.killGwd()
		t.Logf("SIGKILL %d/%d, gwd restarted", i+1, m.kills)
	}
	time.Sleep(time.Second) // load on the last restart too
	return injected{fmt.Sprintf("%d SIGKILL of gwd, restarted on the same store", m.kills), m.kills}
}

// smscFaults runs one phase each of an SMSC that drops connections,
// stalls, throttles and answers late.
func smscFaults(t *testing.T, h *harness, m runMode) injected {
	phase := func(name string, form url.Values, reset url.Values) {
		h.simControl("/faults", form)
		time.Sleep(m.phase)
		h.simControl("/faults", reset)
		t.Logf("phase %s done", name)
	}
	phase("drop", url.Values{"drop_percent": {"1"}}, url.Values{"drop_percent": {"0"}})
	stalls := 2
	for range stalls {
		h.simControl("/stall", url.Values{"for": {(m.phase / 2).String()}})
		time.Sleep(m.phase)
	}
	phase("throttle", url.Values{"throttle": {"100"}}, url.Values{"throttle": {"0"}})
	phase("late", url.Values{"response_delay": {"500ms"}}, url.Values{"response_delay": {"0s"}})
	st := h.simStatsNow().Total
	if st["dropped"] == 0 || st["throttled"] == 0 || st["stalls"] != int64(stalls) {
		t.Errorf("faults not injected: smppsim %v", st)
	}
	return injected{fmt.Sprintf("%d connections dropped, %d stalls of %v, %d submits throttled, answers 500 ms late for %v",
		st["dropped"], stalls, m.phase/2, st["throttled"], m.phase), int(st["dropped"]) + stalls}
}
