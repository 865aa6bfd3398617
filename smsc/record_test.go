package smsc

import (
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gwd-project/gwd/smpp"
)

// TestRecordFile: -record writes one line per submit answered ESME_ROK
// (with the id the ESME got and the text it sent), per receipt and MO the
// ESME acknowledged, and nothing for a refused submit.
func TestRecordFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "record")
	sim := startSim(t, Config{Record: path, Stats: "127.0.0.1:0", Throttle: 1, ThrottleBinds: 0})
	c := mustBind(t, newDialer(t), sim, smpp.BindTransceiver, "acme")
	// Throttle 1 per second: the first submit is accepted, the second
	// (in the same second, or not: then both are) refused.
	resps := c.submitN(t, 2, 1, "chaos-1\nline")
	var ids []string
	for _, r := range resps {
		if r.p.Status == smpp.ESME_ROK {
			ids = append(ids, string(r.p.MessageID))
		}
	}
	if _, err := sim.SendMO(MO{From: "1", To: "2", Content: "mo-7"}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "receipts and MO acknowledged", func() bool {
		st := sim.Stats().Total
		return st.ReceiptsAcked == int64(len(ids)) && st.MOAcked == 1
	})
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, id := range ids {
		want = append(want, "MT "+id+" chaos-1 line", "DLR "+id+" DELIVRD")
	}
	want = append(want, "MO mo-7")
	got := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("record file:\n%s\nwant lines %q", b, want)
	}
}

// TestFaultsChangeAtRuntime: POST /faults turns throttling on and off for
// binds already open, and response_delay holds answers from then on.
func TestFaultsChangeAtRuntime(t *testing.T) {
	t.Parallel()
	sim := startSim(t, Config{Stats: "127.0.0.1:0"})
	c := mustBind(t, newDialer(t), sim, smpp.BindTransmitter, "acme")
	if r := c.submitN(t, 1, 0, "free")[0]; r.p.Status != smpp.ESME_ROK {
		t.Fatalf("before: %v", r.p.Status)
	}
	if code, m := httpDo(t, sim, "POST", "/faults", url.Values{"throttle": {"1"}}); code != 200 {
		t.Fatalf("POST /faults: %d %v", code, m)
	}
	resps := c.submitN(t, 3, 0, "throttled")
	n := 0
	for _, r := range resps {
		if r.p.Status == smpp.ESME_RTHROTTLED {
			n++
		}
	}
	if n == 0 {
		t.Fatal("3 submits at throttle 1/s: none throttled")
	}
	const delay = 300 * time.Millisecond
	if code, m := httpDo(t, sim, "POST", "/faults", url.Values{"throttle": {"0"}, "response_delay": {delay.String()}}); code != 200 {
		t.Fatalf("POST /faults: %d %v", code, m)
	}
	start := time.Now()
	r := c.submitN(t, 1, 0, "late")[0]
	if r.p.Status != smpp.ESME_ROK || r.at.Sub(start) < delay {
		t.Fatalf("after: %v after %v, want ESME_ROK after %v", r.p.Status, r.at.Sub(start), delay)
	}
	if code, _ := httpDo(t, sim, "POST", "/faults", url.Values{"drop_percent": {"101"}}); code != 400 {
		t.Fatalf("drop_percent 101: %d, want 400", code)
	}
}

// TestStall: POST /stall stops the simulator answering until it ends.
func TestStall(t *testing.T) {
	t.Parallel()
	sim := startSim(t, Config{Stats: "127.0.0.1:0"})
	c := mustBind(t, newDialer(t), sim, smpp.BindTransmitter, "acme")
	const stall = 500 * time.Millisecond
	if code, m := httpDo(t, sim, "POST", "/stall", url.Values{"for": {stall.String()}}); code != 200 {
		t.Fatalf("POST /stall: %d %v", code, m)
	}
	start := time.Now()
	r := c.submitN(t, 1, 0, "stalled")[0]
	if r.p.Status != smpp.ESME_ROK || r.at.Sub(start) < stall-50*time.Millisecond {
		t.Fatalf("answered %v after %v during a %v stall", r.p.Status, r.at.Sub(start), stall)
	}
	if got := sim.Stats().Total.Stalls; got != 1 {
		t.Fatalf("stalls %d", got)
	}
}

// TestDeliverAttempts: a receipt the ESME keeps refusing is sent
// DeliverAttempts times, then counted lost.
func TestDeliverAttempts(t *testing.T) {
	t.Parallel()
	sim := startSim(t, Config{DeliverAttempts: 2})
	c := mustBind(t, newDialer(t), sim, smpp.BindTransceiver, "acme")
	c.app.mu.Lock()
	c.app.ackStatus = smpp.ESME_RSYSERR
	c.app.mu.Unlock()
	c.submitN(t, 1, 1, "refused receipt")
	waitUntil(t, "the receipt given up", func() bool { return sim.Stats().Total.ReceiptsLost == 1 })
	if _, d, _ := c.app.counts(); d != 2 {
		t.Fatalf("the receipt was sent %d times, want 2", d)
	}
}
