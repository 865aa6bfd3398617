//go:build chaos

package chaos

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// receiverDown is how the thrower is compressed for the receiver-down
// scenario: a day at the defaults (retry_delay 30 s doubling to
// max_retry_delay 3600 s, retry_ttl 24 h) climbs the whole back-off
// ladder; here 1 s doubles to the cap within the outage, and the TTL
// outlasts it, so nothing may be given up.
func receiverDownSet(m runMode) []string {
	maxDelay := "4"
	if m.name == "long" {
		maxDelay = "30"
	}
	if v := os.Getenv("CHAOS_MAX_RETRY_DELAY"); v != "" {
		maxDelay = v // seconds
	}
	// The TTL outlasts the outage by an hour: nothing may be given up.
	ttl := strconv.FormatFloat(outageOf(m).Hours()+1, 'f', 2, 64)
	var set []string
	for _, s := range []string{"dlr-thrower", "deliversm-thrower"} {
		set = append(set, s+".retry_delay=1", s+".max_retries=1", s+".max_retry_delay="+maxDelay, s+".retry_ttl="+ttl)
	}
	return set
}

// outageOf is how long the receiver stays away: 30 s quick, 150 s long,
// CHAOS_RECEIVER_OUTAGE (a Go duration) when set.
func outageOf(m runMode) time.Duration {
	if d, err := time.ParseDuration(os.Getenv("CHAOS_RECEIVER_OUTAGE")); err == nil {
		return d
	}
	if m.name == "long" {
		return 150 * time.Second
	}
	return 30 * time.Second
}

// receiverDown takes the callback receiver (dlr-url and the HTTP
// connector's MO) away for the outage (30 s quick, 150 s long;
// CHAOS_RECEIVER_OUTAGE, a Go duration, overrides it; CHAOS_RECEIVER_LOAD
// ends the load that long into the outage) — every callback answered 503 —
// while the load goes on, then brings it back; the verification then
// waits for every receipt and MO. The callbacks pending when it returns
// are read from gwd's /metrics (thrower_queue_depth).
func receiverDown(t *testing.T, h *harness, m runMode) injected {
	if v := os.Getenv("CHAOS_RECEIVER_OUTAGE"); v != "" {
		if _, err := time.ParseDuration(v); err != nil {
			t.Fatalf("CHAOS_RECEIVER_OUTAGE: %v", err)
		}
	}
	outage := outageOf(m)
	h.recv.down.Store(true)
	loadFor := outage
	if v := os.Getenv("CHAOS_RECEIVER_LOAD"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("CHAOS_RECEIVER_LOAD: %v", err)
		}
		loadFor = min(d, outage)
	}
	time.Sleep(loadFor)
	if loadFor < outage {
		// The load ends; the receiver stays away (hours, say) with the
		// callbacks pending.
		h.endLoad()
		t.Logf("load ended after %v; %d callbacks pending; receiver away for %v more", loadFor,
			h.throwerDepth("dlr")+h.throwerDepth("mo"), outage-loadFor)
		time.Sleep(outage - loadFor)
	}
	pending := h.throwerDepth("dlr") + h.throwerDepth("mo")
	h.recv.down.Store(false)
	t.Logf("receiver back after %v: %d callbacks pending in gwd", outage, pending)
	if pending == 0 {
		t.Errorf("no callback pending after a %v outage: the scenario proved nothing", outage)
	}
	return injected{fmt.Sprintf("callback receiver answering 503 for %v (back-off 1 s doubling to %s s); %d callbacks pending at its return",
		outage, strings.TrimPrefix(receiverDownSet(m)[2], "dlr-thrower.max_retry_delay="), pending), 0}
}

// throwerDepth reads thrower_queue_depth{kind} from gwd's /metrics (the
// HTTP API serves it): callbacks stored, waiting or retrying.
func (h *harness) throwerDepth(kind string) int {
	resp, err := h.client.Get(fmt.Sprintf("http://%s/metrics", h.addr(h.httpPort)))
	if err != nil {
		h.t.Errorf("read gwd's metrics: %v", err)
		return 0
	}
	defer resp.Body.Close()
	want := `thrower_queue_depth{kind="` + kind + `"} `
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), want); ok {
			n, _ := strconv.ParseFloat(v, 64)
			return int(n)
		}
	}
	h.t.Errorf("gwd's /metrics has no %s", strings.TrimSpace(want))
	return 0
}
