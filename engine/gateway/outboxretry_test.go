package gateway

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"encoding/json"

	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/engine/api/admin"
	"github.com/gwd-project/gwd/smpp"
	"github.com/gwd-project/gwd/smsc"
	"github.com/gwd-project/gwd/store"
)

// Outbox retries on disk (issue 16): what the tests below read of the
// store is what a user would see through /admin and the metrics.

// outboxLevels is how many retry queues a user's outbox has
// (smpps.retryLevels), named "outr/<level>/<uid>".
const outboxLevels = 8

// outboxQueues returns u1's outbox and its retry queues.
func (e *env) outboxQueues() (*store.Queue, []*store.Queue) {
	e.t.Helper()
	q, err := e.g.db.Queue("out/u1")
	if err != nil {
		e.t.Fatal(err)
	}
	var rs []*store.Queue
	for k := range outboxLevels {
		r, err := e.g.db.Queue("outr/" + strconv.Itoa(k) + "/u1")
		if err != nil {
			e.t.Fatal(err)
		}
		rs = append(rs, r)
	}
	return q, rs
}

// tryReadPDU reads the next PDU, or reports false when none comes within
// wait.
func (r *rawESME) tryReadPDU(wait time.Duration) (smpp.PDU, bool) {
	r.t.Helper()
	_ = r.c.SetReadDeadline(time.Now().Add(wait))
	var hd [16]byte
	if _, err := r.c.Read(hd[:1]); err != nil {
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			return smpp.PDU{}, false
		}
		r.t.Fatalf("read: %v", err)
	}
	// A PDU has begun: the rest comes without the short wait.
	_ = r.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadFull(r.c, hd[1:]); err != nil {
		r.t.Fatalf("read: %v", err)
	}
	frame := make([]byte, binary.BigEndian.Uint32(hd[0:4]))
	copy(frame, hd[:])
	if _, err := io.ReadFull(r.c, frame[16:]); err != nil {
		r.t.Fatalf("read body: %v", err)
	}
	var p smpp.PDU
	if err := p.Decode(frame); err != nil {
		r.t.Fatal(err)
	}
	p.Own()
	return p, true
}

// serveDeliveries answers deliver_sm with answer(text) (and enquire_link
// with ESME_ROK) until stop says so after a PDU or a quiet 20 ms, or
// waitLimit passes.
func (r *rawESME) serveDeliveries(what string, answer func(text string) smpp.Status, stop func() bool) {
	r.t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !stop() {
		if time.Now().After(deadline) {
			r.t.Fatalf("timed out: %s", what)
		}
		p, ok := r.tryReadPDU(20 * time.Millisecond)
		if !ok {
			continue
		}
		switch p.Command {
		case smpp.EnquireLink:
			r.respond(p, smpp.ESME_ROK)
		case smpp.DeliverSM:
			r.respond(p, answer(string(p.ShortMessage)))
		}
	}
}

// An ESME that refuses every deliver_sm for a while gets each of them
// once it accepts; while it refuses, the refused ones wait in the retry
// queues on disk: the outbox's delayed heap (and theirs) stays empty,
// each retry queue keeps at most 64 records in memory although it holds
// more, and the outbox's caps count what waits there.
func TestOutboxRefusalsWaitOnDisk(t *testing.T) {
	const n = 150
	e := newEnvWith(t, smsc.Config{}, nil, func(c *config.Config) {
		c.SMPPServer.OutboxMaxMessages = n
	}, nil)
	e.waitUp()
	e.g.smpps.SetRetryDelay(time.Second)
	for i := range n {
		if _, err := e.sim.SendMO(smsc.MO{From: "33611111111", To: "1234", Content: "mo " + strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
	waitUntil(t, "the MOs in the outbox", func() bool { return e.g.smpps.OutboxLen("u1") == n })
	out, retries := e.outboxQueues()
	r := e.rawBind(smpp.BindReceiver)
	refused := map[string]int{}
	maxHeld := 0
	r.serveDeliveries("every MO refused once", func(text string) smpp.Status {
		refused[text]++
		return smpp.ESME_RX_T_APPN
	}, func() bool {
		if st := out.Stats(); st.Delayed != 0 {
			t.Fatalf("outbox delayed heap holds %d (refusals kept in memory)", st.Delayed)
		}
		held := 0
		for k, q := range retries {
			st := q.Stats()
			if st.Delayed != 0 {
				t.Fatalf("retry queue %d delayed heap holds %d", k, st.Delayed)
			}
			if q.Resident() > 64 {
				t.Fatalf("retry queue %d keeps %d records in memory, want at most 64", k, q.Resident())
			}
			held += st.Held
		}
		maxHeld = max(maxHeld, held)
		return len(refused) == n && held == n
	})
	if maxHeld != n {
		t.Fatalf("retry queues held at most %d, want the %d refused", maxHeld, n)
	}
	// The outbox and its retries together are at outbox_max_messages.
	if st := out.Stats(); st.Held != 0 {
		t.Fatalf("outbox holds %d besides the retries", st.Held)
	}
	if got := e.g.smpps.OutboxLen("u1"); got != n {
		t.Fatalf("OutboxLen %d, want %d (retries counted)", got, n)
	}
	// One more for u1 is refused: the retries count in the cap.
	var p smpp.PDU
	p.Source.Addr, p.Dest.Addr, p.ShortMessage = []byte("33611111111"), []byte("1234"), []byte("over the cap")
	errc := make(chan error, 1)
	e.g.smpps.Deliver("u1", &p, time.Time{}, store.Write{}, func(err error) { errc <- err })
	if err := <-errc; !errors.Is(err, store.ErrQueueFull) {
		t.Fatalf("a deliver_sm past outbox_max_messages with %d retries waiting: %v, want ErrQueueFull", n, err)
	}

	got := map[string]int{}
	r.serveDeliveries("every MO delivered once accepted", func(text string) smpp.Status {
		got[text]++
		return smpp.ESME_ROK
	}, func() bool { return len(got) == n })
	for text, c := range got {
		if c != 1 {
			t.Errorf("%q delivered %d times", text, c)
		}
	}
	waitUntil(t, "outbox and retries empty", func() bool { return e.g.smpps.OutboxLen("u1") == 0 })
}

// A refused deliver_sm keeps its attempts and first failure across a
// restart: refused three times, offered a fourth time on a bind that
// closes before answering (no attempt), gwd restarted, refused again until
// outbox_retry_ttl (1.5 s) has passed since the first refusal, it is in
// the "outbox" dead letters with every refusal counted.
func TestOutboxRetriesKeepTheirCountAcrossRestart(t *testing.T) {
	e := newEnvWith(t, smsc.Config{}, nil, func(c *config.Config) {
		c.SMPPServer.OutboxRetryTTLHours = 1.5 / 3600
	}, nil)
	e.waitUp()
	e.g.smpps.SetRetryDelay(50 * time.Millisecond)
	start := time.Now()
	if _, err := e.sim.SendMO(smsc.MO{From: "33611111111", To: "1234", Content: "kept"}); err != nil {
		t.Fatal(err)
	}
	refusals := 0
	refuse := func(string) smpp.Status { refusals++; return smpp.ESME_RX_T_APPN }
	r := e.rawBind(smpp.BindReceiver)
	r.serveDeliveries("three refusals", refuse, func() bool { return refusals == 3 })
	// The fourth offer is left unanswered: the bind closes with it in
	// flight, which counts no attempt.
	for {
		p := r.readPDU(10*time.Second, "the fourth offer")
		if p.Command == smpp.DeliverSM {
			break
		}
		r.respond(p, smpp.ESME_ROK)
	}
	r.c.Close()
	if err := e.g.Close(); err != nil {
		t.Fatal(err)
	}
	e.open(false)
	e.g.smpps.SetRetryDelay(50 * time.Millisecond)
	r = e.rawBind(smpp.BindReceiver)
	r.serveDeliveries("refused until the dead letters", refuse, func() bool { return e.g.smpps.Stats.DeadLetters.Load() == 1 })
	dls, err := e.g.smpps.DeadLetters(0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(dls) != 1 {
		t.Fatalf("dead letters %+v, want one", dls)
	}
	dl := dls[0]
	if dl.Attempts != uint32(refusals) || refusals <= 3 {
		t.Fatalf("dead letter with %d attempts, the ESME refused %d times", dl.Attempts, refusals)
	}
	if dl.FirstAttempt.Before(start) || dl.LastAttempt.Sub(dl.FirstAttempt) < 1500*time.Millisecond ||
		!strings.Contains(dl.LastError, "ESME_RX_T_APPN") || dl.UID != "u1" {
		t.Fatalf("dead letter %+v (first refusal after %v)", dl, start)
	}
}

// A deliver_sm refused past its validity (outbound_message_ttl, 1 s)
// goes to the "outbox" dead letters; the admin API lists it over HTTP,
// replays it to the user's outbox, and the bound ESME receives it.
func TestOutboxExpiredListedAndReplayedOverAdmin(t *testing.T) {
	e := newEnvWith(t, smsc.Config{}, nil, func(c *config.Config) {
		c.Store.OutboundMessageTTLSecs = 1
	}, nil)
	e.waitUp()
	e.g.smpps.SetRetryDelay(100 * time.Millisecond)
	for _, text := range []string{"first", "second"} {
		if _, err := e.sim.SendMO(smsc.MO{From: "33611111111", To: "1234", Content: text}); err != nil {
			t.Fatal(err)
		}
	}
	r := e.rawBind(smpp.BindReceiver)
	r.serveDeliveries("both refused past their validity", func(string) smpp.Status { return smpp.ESME_RX_T_APPN },
		func() bool { return e.g.smpps.Stats.DeadLetters.Load() == 2 })

	// The admin API as cmd/gwd serves it: the SMPP server serves the
	// outbox's dead letters.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	p := e.g.Parts()
	srv := admin.New(p.Manager, admin.Deps{Admin: p.Admin, SMPP: p.SMPP}, admin.Options{})
	t.Cleanup(func() { _ = srv.Close() })
	go func() { _ = srv.Serve(ln) }()
	call := func(method, path string, want int) map[string]any {
		t.Helper()
		req, err := http.NewRequest(method, base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.SetBasicAuth("jcliadmin", "jclipwd")
		resp, err := (&http.Client{Timeout: waitLimit}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want {
			t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, raw, want)
		}
		var body map[string]any
		if err := json.Unmarshal(raw, &body); err != nil {
			t.Fatalf("%s %s: %s: %v", method, path, raw, err)
		}
		return body
	}
	var m strings.Builder
	e.g.WriteMetrics(&m)
	if !strings.Contains(m.String(), "\nsmppsapi_outbox_dead_letters 2\n") {
		t.Errorf("metrics do not show the 2 outbox dead letters:\n%s", m.String())
	}
	list := call("GET", "/admin/deadletters/outbox", 200)
	items, _ := list["dead_letters"].([]any)
	if len(items) != 2 || list["kind"] != "outbox" {
		t.Fatalf("listed %v", list)
	}
	for _, it := range items {
		dl := it.(map[string]any)
		if dl["uid"] != "u1" || dl["source_addr"] != "33611111111" || dl["destination_addr"] != "1234" ||
			dl["last_error"] != "validity period expired" || dl["attempts"].(float64) < 1 {
			t.Fatalf("dead letter %v", dl)
		}
	}
	if body := call("POST", "/admin/deadletters/outbox/replay", 200); body["replayed"] != 2.0 {
		t.Fatalf("replay: %v", body)
	}
	got := map[string]int{}
	r.serveDeliveries("the replayed deliver_sm", func(text string) smpp.Status { got[text]++; return smpp.ESME_ROK },
		func() bool { return len(got) == 2 })
	if got["first"] != 1 || got["second"] != 1 {
		t.Fatalf("the ESME got %v", got)
	}
	if list := call("GET", "/admin/deadletters/outbox", 200); len(list["dead_letters"].([]any)) != 0 {
		t.Fatalf("left after replay: %v", list)
	}
}
