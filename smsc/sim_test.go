package smsc

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/linxGnu/gosmpp/data"

	"github.com/gwd-project/gwd/engine/session"
	"github.com/gwd-project/gwd/smpp"
)

// ---- binds ----

func TestBindCredentials(t *testing.T) {
	t.Parallel()
	sim := startSim(t, Config{Users: map[string]string{"acme": "secret", "beta": "hunter2"}})
	d := newDialer(t)
	for _, bt := range bindTypes {
		t.Run(bt.name, func(t *testing.T) {
			for _, tc := range []struct {
				user, pw string
				want     smpp.Status
			}{
				{"acme", "wrong", smpp.ESME_RINVPASWD},
				{"acme", "", smpp.ESME_RINVPASWD},
				{"acme", "hunter2", smpp.ESME_RINVPASWD}, // beta's password
				{"nobody", "secret", smpp.ESME_RINVSYSID},
				{"", "", smpp.ESME_RINVSYSID},
				{"acme", "secret", smpp.ESME_ROK},
				{"beta", "hunter2", smpp.ESME_ROK},
			} {
				c, err := dial(t, d, sim, session.Config{}, bt.cmd, tc.user, tc.pw)
				if got := smpp.StatusOf(err); got != tc.want {
					t.Errorf("bind %q/%q: got %v (err %v), want %v", tc.user, tc.pw, got, err, tc.want)
					continue
				}
				if tc.want == smpp.ESME_ROK {
					if c.State() != bt.st {
						t.Errorf("bind %q: state %v, want %v", tc.user, c.State(), bt.st)
					}
				} else if c.State() != session.Closed {
					t.Errorf("refused bind %q: state %v, want CLOSED", tc.user, c.State())
				}
			}
		})
	}
	if got := sim.Stats().Total.BindFailures; got != 15 {
		t.Errorf("bind_failures %d, want 15", got)
	}
}

func TestBindAnyCredentialsWithoutUsers(t *testing.T) {
	t.Parallel()
	sim := startSim(t, Config{})
	d := newDialer(t)
	for _, bt := range bindTypes {
		for _, cred := range [][2]string{{"acme", "secret"}, {"x", ""}, {"anyone", "anything"}} {
			c, err := dial(t, d, sim, session.Config{}, bt.cmd, cred[0], cred[1])
			if err != nil {
				t.Fatalf("%s bind %q/%q: %v", bt.name, cred[0], cred[1], err)
			}
			if c.State() != bt.st {
				t.Fatalf("%s bind: state %v", bt.name, c.State())
			}
		}
	}
	waitUntil(t, "9 binds in stats", func() bool { return sim.Stats().BoundNow == 9 })
}

// ---- message ids ----

func TestMessageIDFormats(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		format string
		re     *regexp.Regexp
	}{
		{"", regexp.MustCompile(`^[0-9a-f]{16}$`)},
		{"hex", regexp.MustCompile(`^[0-9a-f]{16}$`)},
		{"decimal", regexp.MustCompile(`^[0-9]{1,20}$`)},
		{"uuid", regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)},
	} {
		t.Run("format="+tc.format, func(t *testing.T) {
			t.Parallel()
			sim := startSim(t, Config{MessageID: tc.format})
			c := mustBind(t, newDialer(t), sim, smpp.BindTransmitter, "acme")
			seen := map[string]bool{}
			for _, r := range c.submitN(t, 1000, 0, "id test") {
				if r.p.Status != smpp.ESME_ROK {
					t.Fatalf("status %v", r.p.Status)
				}
				id := string(r.p.MessageID)
				if !tc.re.MatchString(id) {
					t.Fatalf("id %q does not match %v", id, tc.re)
				}
				if tc.format == "decimal" {
					if _, err := strconv.ParseUint(id, 10, 64); err != nil {
						t.Fatalf("decimal id %q does not fit uint64: %v", id, err)
					}
				}
				if seen[id] {
					t.Fatalf("id %q given twice", id)
				}
				seen[id] = true
			}
			if len(seen) != 1000 {
				t.Fatalf("%d distinct ids, want 1000", len(seen))
			}
		})
	}
}

// ---- receipts ----

// receipt is a deliver_sm receipt checked for shape and parsed.
type receipt struct {
	ev    event
	r     smpp.Receipt
	state uint32
	rid   string
}

func parseReceipt(t *testing.T, ev event) receipt {
	t.Helper()
	p := ev.p
	if p.Command != smpp.DeliverSM || p.EsmClass != 0x04 {
		t.Fatalf("receipt: %v esm_class %#x, want deliver_sm 0x04", p.Command, p.EsmClass)
	}
	r, err := smpp.ParseReceipt(p.ShortMessage)
	if err != nil {
		t.Fatalf("receipt text %q: %v", p.ShortMessage, err)
	}
	rid, ok := p.TLVs.CString(smpp.TagReceiptedMessageID)
	if !ok {
		t.Fatalf("receipt without receipted_message_id: %q", p.ShortMessage)
	}
	st, ok := p.TLVs.Uint(smpp.TagMessageState)
	if !ok {
		t.Fatalf("receipt without message_state: %q", p.ShortMessage)
	}
	if string(rid) != string(r.ID) {
		t.Fatalf("receipted_message_id %q, text id %q", rid, r.ID)
	}
	return receipt{ev: ev, r: r, state: st, rid: string(rid)}
}

func receiptsOf(t *testing.T, evs []event) []receipt {
	t.Helper()
	out := make([]receipt, len(evs))
	for i, ev := range evs {
		out[i] = parseReceipt(t, ev)
	}
	return out
}

func TestReceiptDelivered(t *testing.T) {
	t.Parallel()
	sim := startSim(t, Config{})
	c := mustBind(t, newDialer(t), sim, smpp.BindTransceiver, "acme")
	const text = "hello receipt world, this is longer than twenty characters"
	resp := c.submitN(t, 1, 1, text)[0]
	if resp.p.Status != smpp.ESME_ROK {
		t.Fatalf("submit status %v", resp.p.Status)
	}
	id := string(resp.p.MessageID)
	rc := parseReceipt(t, c.waitDelivers(t, 1)[0])
	r := rc.r
	digits := regexp.MustCompile(`^[0-9]{10}$`)
	switch {
	case string(r.ID) != id:
		t.Errorf("receipt id %q, submit_sm_resp id %q", r.ID, id)
	case string(r.Stat) != "DELIVRD":
		t.Errorf("stat %q", r.Stat)
	case string(r.Sub) != "001" || string(r.Dlvrd) != "001":
		t.Errorf("sub %q dlvrd %q, want 001 001", r.Sub, r.Dlvrd)
	case !digits.Match(r.SubmitDate) || !digits.Match(r.DoneDate):
		t.Errorf("submit date %q done date %q, want 10 digits", r.SubmitDate, r.DoneDate)
	case string(r.Text) != text[:20]:
		t.Errorf("text %q, want %q", r.Text, text[:20])
	case string(r.Err) != "000":
		t.Errorf("err %q, want 000", r.Err)
	case rc.rid != id:
		t.Errorf("receipted_message_id %q, want %q", rc.rid, id)
	case rc.state != uint32(smpp.MessageStateDelivered):
		t.Errorf("message_state %d, want 2", rc.state)
	}
	for _, dt := range [][]byte{r.SubmitDate, r.DoneDate} {
		if _, ok := smpp.ReceiptTime(dt, time.Local); !ok {
			t.Errorf("date %q is not a valid YYMMDDhhmm", dt)
		}
	}
	p := rc.ev.p
	if p.Source.TON != testDst.TON || p.Source.NPI != testDst.NPI || string(p.Source.Addr) != string(testDst.Addr) {
		t.Errorf("receipt source %+v, want the submit's destination %+v", p.Source, testDst)
	}
	if p.Dest.TON != testSrc.TON || p.Dest.NPI != testSrc.NPI || string(p.Dest.Addr) != string(testSrc.Addr) {
		t.Errorf("receipt destination %+v, want the submit's source %+v", p.Dest, testSrc)
	}
	waitUntil(t, "receipt acked", func() bool { return sim.Stats().Total.ReceiptsAcked == 1 })
}

func TestReceiptDelay(t *testing.T) {
	t.Parallel()
	const delay = 300 * time.Millisecond
	sim := startSim(t, Config{ReceiptDelay: Duration{delay}, ReceiptDelayMax: Duration{400 * time.Millisecond}})
	c := mustBind(t, newDialer(t), sim, smpp.BindTransceiver, "acme")
	sent := time.Now()
	c.submitN(t, 5, 1, "delayed")
	for _, ev := range c.waitDelivers(t, 5) {
		if got := ev.at.Sub(sent); got < delay {
			t.Errorf("receipt %v after the submit, before receipt_delay %v", got, delay)
		}
	}
}

func TestReceiptOutcomeUndeliverable(t *testing.T) {
	t.Parallel()
	sim := startSim(t, Config{Outcomes: map[string]int{"UNDELIV": 100}})
	c := mustBind(t, newDialer(t), sim, smpp.BindTransceiver, "acme")
	c.submitN(t, 10, 1, "doomed")
	for _, rc := range receiptsOf(t, c.waitDelivers(t, 10)) {
		if string(rc.r.Stat) != "UNDELIV" || rc.state != uint32(smpp.MessageStateUndeliverable) || string(rc.r.Dlvrd) != "000" {
			t.Fatalf("stat %q message_state %d dlvrd %q, want UNDELIV 5 000", rc.r.Stat, rc.state, rc.r.Dlvrd)
		}
	}
}

// Outcome names are matched as MessageStateFromStat matches them: any case,
// and the full state names.
func TestReceiptOutcomeNamesNormalized(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"undeliv", "UNDELIVERABLE", "Undeliverable"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sim := startSim(t, Config{Outcomes: map[string]int{name: 1}})
			c := mustBind(t, newDialer(t), sim, smpp.BindTransceiver, "acme")
			c.submitN(t, 3, 1, "x")
			for _, rc := range receiptsOf(t, c.waitDelivers(t, 3)) {
				if string(rc.r.Stat) != "UNDELIV" || rc.state != 5 {
					t.Fatalf("outcome %q: stat %q message_state %d, want UNDELIV 5", name, rc.r.Stat, rc.state)
				}
			}
		})
	}
}

func TestReceiptOutcomeMix(t *testing.T) {
	t.Parallel()
	sim := startSim(t, Config{Outcomes: map[string]int{"DELIVRD": 50, "EXPIRED": 50}})
	c := mustBind(t, newDialer(t), sim, smpp.BindTransceiver, "acme")
	const n = 400
	c.submitN(t, n, 1, "mixed")
	count := map[string]int{}
	for _, rc := range receiptsOf(t, c.waitDelivers(t, n)) {
		want := map[string]uint32{"DELIVRD": 2, "EXPIRED": 3}[string(rc.r.Stat)]
		if want == 0 || rc.state != want {
			t.Fatalf("stat %q message_state %d", rc.r.Stat, rc.state)
		}
		count[string(rc.r.Stat)]++
	}
	// Binomial(400, 1/2) has a standard deviation of 10: 100 away from the
	// mean is 10 of them.
	if count["DELIVRD"] < 100 || count["EXPIRED"] < 100 {
		t.Fatalf("outcomes %v over %d receipts: want both near half", count, n)
	}
}

func TestReceiptEnroute(t *testing.T) {
	t.Parallel()
	for _, delay := range []time.Duration{0, 100 * time.Millisecond} {
		t.Run(delay.String(), func(t *testing.T) {
			t.Parallel()
			sim := startSim(t, Config{Enroute: true, ReceiptDelay: Duration{delay}})
			c := mustBind(t, newDialer(t), sim, smpp.BindTransceiver, "acme")
			const n = 50
			c.submitN(t, n, 1, "enroute")
			seen := map[string][]string{}
			for _, rc := range receiptsOf(t, c.waitDelivers(t, 2*n)) {
				st := string(rc.r.Stat)
				want := map[string]uint32{"ENROUTE": 1, "DELIVRD": 2}[st]
				if want == 0 || rc.state != want {
					t.Fatalf("stat %q message_state %d", st, rc.state)
				}
				seen[rc.rid] = append(seen[rc.rid], st)
			}
			for id, sts := range seen {
				if len(sts) != 2 || sts[0] != "ENROUTE" || sts[1] != "DELIVRD" {
					t.Errorf("id %s: receipts %v, want [ENROUTE DELIVRD]", id, sts)
				}
			}
			if len(seen) != n {
				t.Errorf("receipts for %d ids, want %d", len(seen), n)
			}
		})
	}
}

// Receipts are sent in the order they fall due, so once a later receipt
// (the marker) is in, earlier ones that were going to come are in too.
func TestReceiptRegisteredDelivery(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		rd       byte
		outcome  string
		receipts bool
	}{
		{"rd=0", 0, "DELIVRD", false},
		{"rd=0/failure", 0, "UNDELIV", false},
		{"rd=2/success", 2, "DELIVRD", false},
		{"rd=2/failure", 2, "UNDELIV", true},
		{"rd=1/failure", 1, "UNDELIV", true},
		{"rd=3/success", 3, "DELIVRD", true}, // reserved value 3: treated as 1
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sim := startSim(t, Config{Outcomes: map[string]int{tc.outcome: 1}})
			c := mustBind(t, newDialer(t), sim, smpp.BindTransceiver, "acme")
			c.submitN(t, 5, tc.rd, "probe")
			marker := c.submitN(t, 1, 1, "marker")[0]
			want := 1
			if tc.receipts {
				want = 6
			}
			evs := c.waitDelivers(t, want)
			rcs := receiptsOf(t, evs)
			if last := rcs[len(rcs)-1].rid; last != string(marker.p.MessageID) {
				t.Fatalf("receipt %d of %d is for %s, want the marker %s", len(rcs), want, last, marker.p.MessageID)
			}
			if len(evs) != want {
				t.Fatalf("%d receipts, want %d", len(evs), want)
			}
			if got := sim.Stats().Total.ReceiptsSent; got != int64(want) {
				t.Fatalf("receipts_sent %d, want %d", got, want)
			}
		})
	}
}

func TestReceiptGoesToReceiverOfSameSystemID(t *testing.T) {
	t.Parallel()
	sim := startSim(t, Config{})
	d := newDialer(t)
	tx := mustBind(t, d, sim, smpp.BindTransmitter, "acme")
	other := mustBind(t, d, sim, smpp.BindReceiver, "other")
	rx := mustBind(t, d, sim, smpp.BindReceiver, "acme")
	resps := tx.submitN(t, 10, 1, "to the receiver")
	ids := map[string]bool{}
	for _, r := range resps {
		ids[string(r.p.MessageID)] = true
	}
	for _, rc := range receiptsOf(t, rx.waitDelivers(t, 10)) {
		if !ids[rc.rid] {
			t.Fatalf("receipt for unknown id %s", rc.rid)
		}
		delete(ids, rc.rid)
	}
	if len(ids) != 0 {
		t.Fatalf("no receipt for %v", ids)
	}
	// The other system_id's receiver and the transmitter get nothing: a
	// marker MO to "other" proves that one's link is live and ordered.
	if _, err := sim.SendMO(MO{From: "1", To: "2", Content: "marker", SystemID: "other"}); err != nil {
		t.Fatal(err)
	}
	evs := other.waitDelivers(t, 1)
	if len(evs) != 1 || string(evs[0].p.ShortMessage) != "marker" {
		t.Fatalf("other system_id received %d deliver_sm, first %q", len(evs), evs[0].p.ShortMessage)
	}
	if _, d, _ := tx.app.counts(); d != 0 {
		t.Fatalf("transmitter received %d deliver_sm", d)
	}
}

func TestReceiptHeldUntilReceiverBinds(t *testing.T) {
	t.Parallel()
	sim := startSim(t, Config{Stats: "127.0.0.1:0"})
	d := newDialer(t)
	tx := mustBind(t, d, sim, smpp.BindTransmitter, "acme")
	tx.submitN(t, 5, 1, "held")
	waitUntil(t, "5 receipts held", func() bool { return sim.Stats().Total.ReceiptsHeld == 5 })
	code, m := httpDo(t, sim, "GET", "/stats", nil)
	if code != http.StatusOK || jsonNum(t, m, "total", "receipts_held") != 5 || jsonNum(t, m, "total", "receipts_sent") != 0 {
		t.Fatalf("GET /stats: %d %v", code, m["total"])
	}
	rx := mustBind(t, d, sim, smpp.BindReceiver, "acme")
	if got := len(receiptsOf(t, rx.waitDelivers(t, 5))); got != 5 {
		t.Fatalf("%d receipts", got)
	}
	waitUntil(t, "held receipts acked", func() bool {
		st := sim.Stats().Total
		return st.ReceiptsHeld == 0 && st.ReceiptsAcked == 5
	})
}

// ---- fault injection ----

func TestErrorInjection(t *testing.T) {
	t.Parallel()
	sim := startSim(t, Config{ErrorPercent: 100, ErrorStatus: "ESME_RSUBMITFAIL"})
	c := mustBind(t, newDialer(t), sim, smpp.BindTransceiver, "acme")
	for _, r := range c.submitN(t, 20, 1, "fail") {
		if r.p.Status != smpp.ESME_RSUBMITFAIL || len(r.p.MessageID) != 0 {
			t.Fatalf("status %v id %q, want ESME_RSUBMITFAIL and no id", r.p.Status, r.p.MessageID)
		}
	}
	st := sim.Stats().Total
	if st.SubmitErrors != 20 || st.SubmitOK != 0 {
		t.Fatalf("stats %+v", st)
	}
	// data_sm goes the same way.
	p := smpp.PDU{Header: smpp.Header{Command: smpp.DataSM}, Source: testSrc, Dest: testDst}
	c.send(t, p, "data_sm")
	waitUntil(t, "data_sm_resp", func() bool { r, _, _ := c.app.counts(); return r == 21 })
	if r := c.app.responses()[20]; r.p.Command != smpp.DataSMResp || r.p.Status != smpp.ESME_RSUBMITFAIL {
		t.Fatalf("data_sm: %v %v", r.p.Command, r.p.Status)
	}
}

func TestThrottle(t *testing.T) {
	t.Parallel()
	const limit, n = 10, 50
	sim := startSim(t, Config{Throttle: limit})
	c := mustBind(t, newDialer(t), sim, smpp.BindTransmitter, "acme")
	first := time.Now()
	resps := c.submitN(t, n, 0, "throttle")
	var last time.Time
	count := map[smpp.Status]int{}
	for _, r := range resps {
		count[r.p.Status]++
		if r.at.After(last) {
			last = r.at
		}
	}
	if count[smpp.ESME_ROK]+count[smpp.ESME_RTHROTTLED] != n {
		t.Fatalf("statuses %v", count)
	}
	// Every submit reached the simulator between first and last: if that
	// is under a second, one throttle window held them all.
	wantOK := limit
	if last.Sub(first) >= time.Second {
		wantOK = 2 * limit // the window rolled over once at most
		if count[smpp.ESME_ROK] < limit || count[smpp.ESME_ROK] > wantOK {
			t.Fatalf("%d ok in %v, want %d to %d", count[smpp.ESME_ROK], last.Sub(first), limit, wantOK)
		}
	} else if count[smpp.ESME_ROK] != wantOK {
		t.Fatalf("%d ok, %d throttled in %v; want %d ok", count[smpp.ESME_ROK], count[smpp.ESME_RTHROTTLED], last.Sub(first), wantOK)
	}
	if st := sim.Stats().Total; st.Throttled != int64(count[smpp.ESME_RTHROTTLED]) {
		t.Fatalf("throttled counter %d, ESME saw %d", st.Throttled, count[smpp.ESME_RTHROTTLED])
	}
	// Throttling is per bind: a second bind starts with a fresh window.
	c2 := mustBind(t, newDialer(t), sim, smpp.BindTransmitter, "acme")
	if r := c2.submitN(t, 1, 0, "fresh")[0]; r.p.Status != smpp.ESME_ROK {
		t.Fatalf("second bind's first submit: %v", r.p.Status)
	}
}

// TestThrottleBinds: only the first bind is throttled; a second one,
// bound beside it, gets every submit accepted.
func TestThrottleBinds(t *testing.T) {
	t.Parallel()
	const n = 20
	sim := startSim(t, Config{Throttle: 1, ThrottleBinds: 1})
	d := newDialer(t)
	c1 := mustBind(t, d, sim, smpp.BindTransmitter, "acme")
	c2 := mustBind(t, d, sim, smpp.BindTransmitter, "acme")
	count := func(c *client, tag string) map[smpp.Status]int {
		m := map[smpp.Status]int{}
		for _, r := range c.submitN(t, n, 0, tag) {
			m[r.p.Status]++
		}
		return m
	}
	if got := count(c1, "first"); got[smpp.ESME_RTHROTTLED] < n-2 {
		t.Fatalf("first bind: %v, want all but a second's one or two throttled", got)
	}
	if got := count(c2, "second"); got[smpp.ESME_ROK] != n {
		t.Fatalf("second bind: %v, want %d ESME_ROK", got, n)
	}
}

func TestResponseDelay(t *testing.T) {
	t.Parallel()
	const delay = 200 * time.Millisecond
	sim := startSim(t, Config{ResponseDelay: Duration{delay}})
	c := mustBind(t, newDialer(t), sim, smpp.BindTransmitter, "acme")
	sent := map[int]time.Time{}
	for i := 0; i < 5; i++ {
		sent[i] = time.Now()
		c.send(t, submitPDU(testSrc, testDst, 0, "slow"), i)
	}
	waitUntil(t, "delayed responses", func() bool { r, _, _ := c.app.counts(); return r == 5 })
	for _, r := range c.app.responses() {
		if got := r.at.Sub(sent[r.ctx.(int)]); got < delay {
			t.Errorf("response %d after %v, before response_delay %v", r.ctx, got, delay)
		}
		if r.p.Status != smpp.ESME_ROK || len(r.p.MessageID) == 0 {
			t.Errorf("delayed response status %v id %q", r.p.Status, r.p.MessageID)
		}
	}
}

func TestNoResponse(t *testing.T) {
	t.Parallel()
	sim := startSim(t, Config{NoResponsePercent: 100})
	c, err := dial(t, newDialer(t), sim, session.Config{ResponseTimeout: 300 * time.Millisecond}, smpp.BindTransmitter, "acme", "pw")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		c.send(t, submitPDU(testSrc, testDst, 0, "void"), i)
	}
	waitUntil(t, "response timeouts", func() bool { _, _, n := c.app.counts(); return n == 3 })
	for _, nr := range c.app.unanswered() {
		if nr.cmd != smpp.SubmitSM || !errors.Is(nr.reason, session.ErrResponseTimeout) {
			t.Fatalf("NoResponse %v: %v", nr.cmd, nr.reason)
		}
	}
	if r, _, _ := c.app.counts(); r != 0 {
		t.Fatalf("%d responses", r)
	}
	if c.State() != session.BoundTX {
		t.Fatalf("state %v: the bind should survive unanswered submits", c.State())
	}
	if st := sim.Stats().Total; st.NoResponse != 3 || st.Submits != 3 {
		t.Fatalf("stats %+v", st)
	}
}

func TestDropOnSubmit(t *testing.T) {
	t.Parallel()
	sim := startSim(t, Config{DropPercent: 100})
	c := mustBind(t, newDialer(t), sim, smpp.BindTransceiver, "acme")
	c.send(t, submitPDU(testSrc, testDst, 0, "bye"), "x")
	err := waitDone(t, c.Session)
	if errors.Is(err, session.ErrUnbound) {
		t.Fatalf("session ended by unbind (%v), want a dropped connection", err)
	}
	nr := c.app.unanswered()
	if r, _, _ := c.app.counts(); r != 0 || len(nr) != 1 || nr[0].cmd != smpp.SubmitSM {
		t.Fatalf("got %d responses and NoResponse %v", r, nr)
	}
	waitUntil(t, "bind gone", func() bool { return sim.Stats().BoundNow == 0 })
	if st := sim.Stats().Total; st.Dropped != 1 || st.Submits != 1 || st.SubmitOK != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestHTTPDrop(t *testing.T) {
	t.Parallel()
	sim := startSim(t, Config{Stats: "127.0.0.1:0"})
	d := newDialer(t)
	a := mustBind(t, d, sim, smpp.BindTransceiver, "a")
	b1 := mustBind(t, d, sim, smpp.BindTransmitter, "b")
	b2 := mustBind(t, d, sim, smpp.BindReceiver, "b")
	waitUntil(t, "3 binds", func() bool { return sim.Stats().BoundNow == 3 })

	code, m := httpDo(t, sim, "POST", "/drop?system_id=a", nil)
	if code != http.StatusOK || jsonNum(t, m, "dropped") != 1 {
		t.Fatalf("POST /drop?system_id=a: %d %v", code, m)
	}
	if err := waitDone(t, a.Session); errors.Is(err, session.ErrUnbound) {
		t.Fatalf("a ended by unbind: %v", err)
	}
	if b1.State() != session.BoundTX || b2.State() != session.BoundRX {
		t.Fatalf("b's binds: %v %v", b1.State(), b2.State())
	}
	if r := b1.submitN(t, 1, 0, "still here")[0]; r.p.Status != smpp.ESME_ROK {
		t.Fatalf("b submit after dropping a: %v", r.p.Status)
	}
	code, m = httpDo(t, sim, "POST", "/drop?system_id=nobody", nil)
	if code != http.StatusOK || jsonNum(t, m, "dropped") != 0 {
		t.Fatalf("POST /drop?system_id=nobody: %d %v", code, m)
	}
	code, m = httpDo(t, sim, "POST", "/drop", nil)
	if code != http.StatusOK || jsonNum(t, m, "dropped") != 2 {
		t.Fatalf("POST /drop: %d %v", code, m)
	}
	waitDone(t, b1.Session)
	waitDone(t, b2.Session)
	waitUntil(t, "no binds", func() bool { return sim.Stats().BoundNow == 0 })
	if st := sim.Stats().Total; st.Dropped != 3 {
		t.Fatalf("dropped %d, want 3", st.Dropped)
	}
	if code, _ := httpDo(t, sim, "GET", "/drop", nil); code != http.StatusMethodNotAllowed {
		t.Fatalf("GET /drop: %d, want 405", code)
	}
}

// ---- MO ----

func TestMORate(t *testing.T) {
	t.Parallel()
	sim := startSim(t, Config{MORate: 50, MOFrom: "33699999999", MOTo: "555", MOContent: "rate test"})
	c := mustBind(t, newDialer(t), sim, smpp.BindReceiver, "acme")
	start := time.Now()
	evs := c.waitDelivers(t, 20)
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("20 MO took %v at mo_rate 50", el)
	}
	for _, ev := range evs {
		p := ev.p
		if p.EsmClass != 0 || p.DataCoding != 0 || string(p.ShortMessage) != "rate test" ||
			string(p.Source.Addr) != "33699999999" || string(p.Dest.Addr) != "555" {
			t.Fatalf("MO %+v", p)
		}
	}
	waitUntil(t, "MO acked", func() bool { return sim.Stats().Total.MOAcked >= 20 })
}

// moParts waits for n deliver_sm and returns them.
func moParts(t *testing.T, c *client, n int) []smpp.PDU {
	t.Helper()
	evs := c.waitDelivers(t, n)
	if len(evs) != n {
		t.Fatalf("%d deliver_sm, want %d", len(evs), n)
	}
	ps := make([]smpp.PDU, n)
	for i, ev := range evs {
		ps[i] = ev.p
	}
	return ps
}

// udhPayloads checks the 6-octet concatenation UDH of each part and returns
// the payloads in segment order.
func udhPayloads(t *testing.T, ps []smpp.PDU) [][]byte {
	t.Helper()
	out := make([][]byte, len(ps))
	ref := -1
	for _, p := range ps {
		sm := p.ShortMessage
		if p.EsmClass != 0x40 || len(sm) < 6 || sm[0] != 5 || sm[1] != 0 || sm[2] != 3 {
			t.Fatalf("part esm_class %#x short_message % x: want 0x40 and UDH 05 00 03", p.EsmClass, sm[:min(6, len(sm))])
		}
		if ref >= 0 && int(sm[3]) != ref {
			t.Fatalf("reference %d, earlier parts %d", sm[3], ref)
		}
		ref = int(sm[3])
		total, seq := int(sm[4]), int(sm[5])
		if total != len(ps) || seq < 1 || seq > total || out[seq-1] != nil {
			t.Fatalf("total %d seq %d of %d parts", total, seq, len(ps))
		}
		out[seq-1] = sm[6:]
	}
	return out
}

func sarPayloads(t *testing.T, ps []smpp.PDU) [][]byte {
	t.Helper()
	out := make([][]byte, len(ps))
	ref := -1
	for _, p := range ps {
		r, ok1 := p.TLVs.Uint(smpp.TagSarMsgRefNum)
		total, ok2 := p.TLVs.Uint(smpp.TagSarTotalSegments)
		seq, ok3 := p.TLVs.Uint(smpp.TagSarSegmentSeqnum)
		if !ok1 || !ok2 || !ok3 || p.EsmClass&0x40 != 0 {
			t.Fatalf("SAR part esm_class %#x TLVs % x", p.EsmClass, p.TLVs)
		}
		if v, _ := p.TLVs.Get(smpp.TagSarMsgRefNum); len(v) != 2 {
			t.Fatalf("sar_msg_ref_num is %d octets, want 2", len(v))
		}
		if ref >= 0 && int(r) != ref {
			t.Fatalf("sar_msg_ref_num %d, earlier parts %d", r, ref)
		}
		ref = int(r)
		if int(total) != len(ps) || seq < 1 || int(seq) > len(ps) || out[seq-1] != nil {
			t.Fatalf("sar total %d seq %d of %d parts", total, seq, len(ps))
		}
		out[seq-1] = p.ShortMessage
	}
	return out
}

func decodeGSM(t *testing.T, parts [][]byte) string {
	t.Helper()
	var sb strings.Builder
	for i, b := range parts {
		if len(b) > 0 && b[len(b)-1] == 0x1B {
			t.Fatalf("part %d ends with a lone escape 0x1B", i+1)
		}
		s, err := data.GSM7BIT.Decode(b)
		if err != nil {
			t.Fatalf("part %d % x: %v", i+1, b, err)
		}
		sb.WriteString(s)
	}
	return sb.String()
}

func decodeUCS2(t *testing.T, parts [][]byte) string {
	t.Helper()
	var all []uint16
	for i, b := range parts {
		if len(b)%2 != 0 || len(b) > 140 {
			t.Fatalf("UCS2 part %d is %d octets", i+1, len(b))
		}
		u := make([]uint16, len(b)/2)
		for j := range u {
			u[j] = uint16(b[2*j])<<8 | uint16(b[2*j+1])
		}
		if len(u) > 0 && utf16.IsSurrogate(rune(u[len(u)-1])) && u[len(u)-1] < 0xDC00 {
			t.Fatalf("UCS2 part %d ends with a high surrogate", i+1)
		}
		if len(u) > 0 && u[0] >= 0xDC00 && u[0] < 0xE000 {
			t.Fatalf("UCS2 part %d starts with a low surrogate", i+1)
		}
		all = append(all, u...)
	}
	return string(utf16.Decode(all))
}

func postMO(t *testing.T, sim *Sim, v url.Values) int {
	t.Helper()
	code, m := httpDo(t, sim, "POST", "/mo", v)
	if code != http.StatusOK {
		t.Fatalf("POST /mo %v: %d %v", v, code, m)
	}
	return int(jsonNum(t, m, "parts"))
}

func gsmContent(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ@$!?"
	var sb strings.Builder
	for i := 0; i < n; i++ {
		sb.WriteByte(alphabet[i%len(alphabet)])
	}
	return sb.String()
}

func TestHTTPMOLongUDH(t *testing.T) {
	t.Parallel()
	sim := startSim(t, Config{Stats: "127.0.0.1:0"})
	c := mustBind(t, newDialer(t), sim, smpp.BindTransceiver, "acme")
	content := gsmContent(300)
	n := postMO(t, sim, url.Values{"from": {"33611111111"}, "to": {"1234"}, "content": {content}, "split": {"udh"}})
	if n != 2 {
		t.Fatalf("%d parts for 300 septets, want 2", n)
	}
	ps := moParts(t, c, n)
	for _, p := range ps {
		if string(p.Source.Addr) != "33611111111" || string(p.Dest.Addr) != "1234" || p.DataCoding != 0 || len(p.ShortMessage) > 160 {
			t.Fatalf("part from %q to %q data_coding %d length %d", p.Source.Addr, p.Dest.Addr, p.DataCoding, len(p.ShortMessage))
		}
	}
	if got := decodeGSM(t, udhPayloads(t, ps)); got != content {
		t.Fatalf("reassembled %q\nwant %q", got, content)
	}
}

func TestHTTPMOLongSAR(t *testing.T) {
	t.Parallel()
	sim := startSim(t, Config{Stats: "127.0.0.1:0"})
	c := mustBind(t, newDialer(t), sim, smpp.BindTransceiver, "acme")
	content := gsmContent(300)
	n := postMO(t, sim, url.Values{"from": {"33611111111"}, "to": {"1234"}, "content": {content}, "split": {"sar"}})
	if n != 2 {
		t.Fatalf("%d parts, want 2", n)
	}
	ps := moParts(t, c, n)
	for _, p := range ps {
		if len(p.ShortMessage) > 160 {
			t.Fatalf("SAR part of %d octets", len(p.ShortMessage))
		}
	}
	if got := decodeGSM(t, sarPayloads(t, ps)); got != content {
		t.Fatalf("reassembled %q\nwant %q", got, content)
	}
}

// Emoji outside the BMP take a surrogate pair: no split falls between the
// two halves, at any offset.
func TestHTTPMOUCS2Surrogates(t *testing.T) {
	t.Parallel()
	sim := startSim(t, Config{Stats: "127.0.0.1:0"})
	c := mustBind(t, newDialer(t), sim, smpp.BindTransceiver, "acme")
	got := 0
	for _, split := range []string{"udh", "sar"} {
		for lead := 60; lead <= 72; lead++ {
			content := strings.Repeat("é", lead) + strings.Repeat("😀", 40) + "x🎉"
			n := postMO(t, sim, url.Values{"from": {"1"}, "to": {"2"}, "content": {content}, "coding": {"ucs2"}, "split": {split}})
			if n < 2 {
				t.Fatalf("%d parts", n)
			}
			ps := moParts(t, c, got+n)[got:]
			got += n
			for _, p := range ps {
				if p.DataCoding != 8 || len(p.ShortMessage) > 140 {
					t.Fatalf("data_coding %d, short_message %d octets: want 8 and at most 140", p.DataCoding, len(p.ShortMessage))
				}
			}
			var payloads [][]byte
			if split == "udh" {
				payloads = udhPayloads(t, ps)
			} else {
				payloads = sarPayloads(t, ps)
			}
			if s := decodeUCS2(t, payloads); s != content {
				t.Fatalf("%s lead %d: reassembled %q\nwant %q", split, lead, s, content)
			}
		}
	}
}

// '€' is the escape 0x1B then 0x65: the pair is never split, wherever the
// part boundary falls.
func TestHTTPMOGSMEscapeAtBoundary(t *testing.T) {
	t.Parallel()
	sim := startSim(t, Config{Stats: "127.0.0.1:0"})
	c := mustBind(t, newDialer(t), sim, smpp.BindTransceiver, "acme")
	got := 0
	for _, tc := range []struct {
		split string
		lead  int // septets before the '€': the escape lands on the last octet of part 1
	}{{"udh", 152}, {"udh", 151}, {"udh", 153}, {"sar", 159}, {"sar", 158}} {
		content := gsmContent(tc.lead) + "€" + gsmContent(150) + "{}[]"
		n := postMO(t, sim, url.Values{"from": {"1"}, "to": {"2"}, "content": {content}, "split": {tc.split}})
		ps := moParts(t, c, got+n)[got:]
		got += n
		var payloads [][]byte
		if tc.split == "udh" {
			payloads = udhPayloads(t, ps)
		} else {
			payloads = sarPayloads(t, ps)
		}
		if s := decodeGSM(t, payloads); s != content {
			t.Fatalf("%s lead %d: reassembled %q\nwant %q", tc.split, tc.lead, s, content)
		}
	}
}

func TestHTTPMOBadRequests(t *testing.T) {
	t.Parallel()
	sim := startSim(t, Config{Stats: "127.0.0.1:0"})
	ok := url.Values{"from": {"1"}, "to": {"2"}, "content": {"hi"}}
	with := func(k, v string) url.Values {
		u := url.Values{}
		for kk, vv := range ok {
			u[kk] = vv
		}
		if v == "" {
			delete(u, k)
		} else {
			u.Set(k, v)
		}
		return u
	}
	for _, tc := range []struct {
		name string
		v    url.Values
	}{
		{"no from", with("from", "")},
		{"no to", with("to", "")},
		{"no content", with("content", "")},
		{"bad split", with("split", "both")},
		{"bad coding", with("coding", "latin1")},
		{"not GSM", with("content", "emoji 😀 needs ucs2")},
		{"too many parts", with("content", strings.Repeat("x", 153*256))},
		{"from too long", with("from", strings.Repeat("1", 21))},
		{"to too long", with("to", strings.Repeat("2", 21))},
	} {
		code, m := httpDo(t, sim, "POST", "/mo", tc.v)
		if code != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", tc.name, code)
			continue
		}
		if e, _ := m["error"].(string); e == "" {
			t.Errorf("%s: body %v has no JSON error", tc.name, m)
		}
	}
	if code, _ := httpDo(t, sim, "GET", "/mo", nil); code != http.StatusMethodNotAllowed {
		t.Errorf("GET /mo: %d, want 405", code)
	}
	if st := sim.Stats().Total; st.MOSent != 0 {
		t.Errorf("mo_sent %d after bad requests", st.MOSent)
	}
}

// ---- stats ----

func TestHTTPStats(t *testing.T) {
	t.Parallel()
	sim := startSim(t, Config{Stats: "127.0.0.1:0"})
	d := newDialer(t)
	trx := mustBind(t, d, sim, smpp.BindTransceiver, "acme")
	tx := mustBind(t, d, sim, smpp.BindTransmitter, "other")
	trx.submitN(t, 10, 1, "with receipt")
	tx.submitN(t, 5, 0, "without")
	for i := 0; i < 3; i++ {
		postMO(t, sim, url.Values{"from": {"1"}, "to": {"2"}, "content": {fmt.Sprint("mo ", i)}, "system_id": {"acme"}})
	}
	trx.waitDelivers(t, 13)
	waitUntil(t, "acks counted", func() bool {
		st := sim.Stats().Total
		return st.ReceiptsAcked == 10 && st.MOAcked == 3
	})
	code, m := httpDo(t, sim, "GET", "/stats", nil)
	if code != http.StatusOK {
		t.Fatalf("GET /stats: %d", code)
	}
	for k, want := range map[string]int64{
		"submits": 15, "submit_ok": 15, "submit_errors": 0, "throttled": 0,
		"receipts_sent": 10, "receipts_acked": 10, "receipts_held": 0,
		"mo_sent": 3, "mo_acked": 3, "bind_failures": 0,
	} {
		if got := jsonNum(t, m, "total", k); got != want {
			t.Errorf("total.%s = %d, want %d", k, got, want)
		}
	}
	if got := jsonNum(t, m, "bound_now"); got != 2 {
		t.Errorf("bound_now %d", got)
	}
	binds, _ := m["binds_open"].([]any)
	if len(binds) != 2 {
		t.Fatalf("binds_open %v", m["binds_open"])
	}
	want := map[string]map[string]int64{
		"acme":  {"submits": 10, "submit_ok": 10, "receipts_sent": 10, "receipts_acked": 10, "mo_sent": 3, "mo_acked": 3},
		"other": {"submits": 5, "submit_ok": 5, "receipts_sent": 0, "receipts_acked": 0, "mo_sent": 0, "mo_acked": 0},
	}
	types := map[string]string{"acme": "BOUND_TRX", "other": "BOUND_TX"}
	for _, b := range binds {
		bm, _ := b.(map[string]any)
		id, _ := bm["system_id"].(string)
		if bt, _ := bm["bind_type"].(string); bt != types[id] {
			t.Errorf("bind %q: bind_type %q, want %q", id, bt, types[id])
		}
		if r, _ := bm["remote"].(string); !strings.HasPrefix(r, "127.0.0.1:") {
			t.Errorf("bind %q: remote %q", id, r)
		}
		for k, w := range want[id] {
			if got := jsonNum(t, bm, k); got != w {
				t.Errorf("bind %q: %s = %d, want %d", id, k, got, w)
			}
		}
		delete(want, id)
	}
	if len(want) != 0 {
		t.Errorf("binds missing from binds_open: %v", want)
	}
}

// ---- configuration ----

func TestConfigNormalized(t *testing.T) {
	t.Parallel()
	c, err := Config{}.normalized()
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != DefaultListen || c.SystemID != DefaultSystemID || c.MessageID != "hex" || c.ErrorStatus != "ESME_RSYSERR" ||
		c.MOCoding != "gsm" || c.MOSplit != "udh" || c.Window != 100 || c.Outcomes["DELIVRD"] != 100 {
		t.Fatalf("defaults: %+v", c)
	}
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{MessageID: "base64"}, "message_id"},
		{Config{Outcomes: map[string]int{"DELIVERED!": 1}}, "outcome"},
		{Config{Outcomes: map[string]int{"ENROUTE": 1}}, "ENROUTE"},
		{Config{Outcomes: map[string]int{"DELIVRD": -1}}, "negative"},
		{Config{Outcomes: map[string]int{"DELIVRD": 0, "UNDELIV": 0}}, "zero"},
		{Config{ErrorStatus: "ESME_RNOPE"}, "error_status"},
		{Config{ErrorPercent: 101}, "error_percent"},
		{Config{ErrorPercent: -1}, "error_percent"},
		{Config{NoResponsePercent: 100.5}, "no_response_percent"},
		{Config{DropPercent: -0.1}, "drop_percent"},
		{Config{Throttle: -1}, "throttle"},
		{Config{MORate: -1}, "mo_rate"},
		{Config{ReceiptDelay: Duration{2 * time.Second}, ReceiptDelayMax: Duration{time.Second}}, "receipt_delay_max"},
		{Config{MOCoding: "latin1"}, "mo_coding"},
		{Config{MOSplit: "both"}, "mo_split"},
		{Config{MOContent: "emoji 😀"}, "mo_content"},
		{Config{MOFrom: strings.Repeat("1", 21)}, "mo_from"},
	} {
		_, err := tc.cfg.normalized()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want one naming %q", tc.cfg, err, tc.want)
		}
	}
	// Start reports the same errors.
	if _, err := Start(Config{Listen: "127.0.0.1:0", MessageID: "base64"}); err == nil || !strings.Contains(err.Error(), "message_id") {
		t.Errorf("Start with a bad message_id: %v", err)
	}
	// ucs2 takes what gsm does not.
	if _, err := (Config{MOContent: "emoji 😀", MOCoding: "ucs2"}).normalized(); err != nil {
		t.Errorf("ucs2 emoji content: %v", err)
	}
}

func TestLoadConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.toml", `
listen = "127.0.0.1:0"
message_id = "uuid"
receipt_delay = "250ms"
receipt_delay_max = "2s"
error_percent = 1.5
throttle = 100
[users]
acme = "secret"
[outcomes]
DELIVRD = 90
UNDELIV = 10
`)
	c, err := LoadConfig(good)
	if err != nil {
		t.Fatal(err)
	}
	if c.MessageID != "uuid" || c.ReceiptDelay.Duration != 250*time.Millisecond || c.ReceiptDelayMax.Duration != 2*time.Second ||
		c.ErrorPercent != 1.5 || c.Throttle != 100 || c.Users["acme"] != "secret" || c.Outcomes["UNDELIV"] != 10 {
		t.Fatalf("loaded %+v", c)
	}
	bad := write("bad.toml", "listen = \"x\"\nbogus = 1\n[users]\nacme = \"s\"\n[extra]\nfoo = 2\n")
	_, err = LoadConfig(bad)
	if err == nil || !strings.Contains(err.Error(), "bogus") || !strings.Contains(err.Error(), "extra.foo") {
		t.Fatalf("unknown keys: %v", err)
	}
	if _, err := LoadConfig(write("dur.toml", `receipt_delay = "soon"`)); err == nil {
		t.Fatal("bad duration accepted")
	}
	if _, err := LoadConfig(filepath.Join(dir, "missing.toml")); err == nil {
		t.Fatal("missing file accepted")
	}
}

func TestParseOutcomes(t *testing.T) {
	t.Parallel()
	m, err := ParseOutcomes(" DELIVRD=90, undeliv=10 ,")
	if err != nil || len(m) != 2 || m["DELIVRD"] != 90 || m["UNDELIV"] != 10 {
		t.Fatalf("got %v %v", m, err)
	}
	for _, s := range []string{"DELIVRD", "DELIVRD=x", "DELIVRD=-1", "DELIVRD=1.5", "=5x"} {
		if _, err := ParseOutcomes(s); err == nil {
			t.Errorf("ParseOutcomes(%q) accepted", s)
		}
	}
}

// ---- other requests ----

func TestOtherRequests(t *testing.T) {
	t.Parallel()
	sim := startSim(t, Config{})
	r := dialRaw(t, sim)
	bindReq := smpp.PDU{Header: smpp.Header{Command: smpp.BindTransceiver}, SystemID: []byte("acme"), Password: []byte("pw"), InterfaceVersion: 0x34}
	if resp := r.call(bindReq); resp.Status != smpp.ESME_ROK || string(resp.SystemID) != DefaultSystemID {
		t.Fatalf("bind_transceiver_resp %v system_id %q", resp.Status, resp.SystemID)
	}
	if resp := r.call(smpp.PDU{Header: smpp.Header{Command: smpp.EnquireLink}}); resp.Status != smpp.ESME_ROK {
		t.Fatalf("enquire_link_resp %v", resp.Status)
	}
	id := r.call(submitPDU(testSrc, testDst, 0, "to query")).MessageID
	q := smpp.PDU{Header: smpp.Header{Command: smpp.QuerySM}, MessageID: id, Source: testSrc}
	if resp := r.call(q); resp.Status != smpp.ESME_ROK || string(resp.MessageID) != string(id) || resp.MessageState != smpp.MessageStateDelivered {
		t.Fatalf("query_sm_resp %v id %q state %d", resp.Status, resp.MessageID, resp.MessageState)
	}
	cancel := smpp.PDU{Header: smpp.Header{Command: smpp.CancelSM}, MessageID: id, Source: testSrc, Dest: testDst}
	if resp := r.call(cancel); resp.Status != smpp.ESME_RCANCELFAIL {
		t.Fatalf("cancel_sm_resp %v", resp.Status)
	}
	dlv := smpp.PDU{Header: smpp.Header{Command: smpp.DeliverSM}, Source: testSrc, Dest: testDst, ShortMessage: []byte("wrong way")}
	if resp := r.call(dlv); resp.Status != smpp.ESME_RINVBNDSTS {
		t.Fatalf("deliver_sm_resp %v, want ESME_RINVBNDSTS", resp.Status)
	}
	repl := smpp.PDU{Header: smpp.Header{Command: smpp.ReplaceSM}, MessageID: id, Source: testSrc}
	if resp := r.call(repl); resp.Status == smpp.ESME_ROK {
		t.Fatalf("replace_sm_resp %v, want an error", resp.Status)
	}
	if st := sim.Stats().Total; st.Queries != 1 || st.Cancels != 1 {
		t.Fatalf("queries %d cancels %d", st.Queries, st.Cancels)
	}
	if resp := r.call(smpp.PDU{Header: smpp.Header{Command: smpp.Unbind}}); resp.Status != smpp.ESME_ROK {
		t.Fatalf("unbind_resp %v", resp.Status)
	}
	waitUntil(t, "unbind counted", func() bool { return sim.Stats().Total.Unbinds == 1 })
}

// A receiver may not submit: the session answers ESME_RINVBNDSTS and the
// simulator counts nothing.
func TestReceiverCannotSubmit(t *testing.T) {
	t.Parallel()
	sim := startSim(t, Config{})
	c := mustBind(t, newDialer(t), sim, smpp.BindReceiver, "acme")
	if r := c.submitN(t, 1, 1, "nope")[0]; r.p.Status != smpp.ESME_RINVBNDSTS {
		t.Fatalf("status %v", r.p.Status)
	}
	if st := sim.Stats().Total; st.Submits != 0 {
		t.Fatalf("submits %d", st.Submits)
	}
}

// The parts of a long MO go out in order, one after the other on the
// receiver's connection, as a handset's network delivers them.
func TestMOPartsInOrder(t *testing.T) {
	t.Parallel()
	sim := startSim(t, Config{})
	c := mustBind(t, newDialer(t), sim, smpp.BindReceiver, "acme")
	total := 0
	for _, split := range []string{"udh", "sar"} {
		content := gsmContent(153*6 + 10)
		n, err := sim.SendMO(MO{From: "1", To: "2", Content: content, Split: split})
		if err != nil || n < 6 {
			t.Fatalf("SendMO: %d parts, %v", n, err)
		}
		evs := c.waitDelivers(t, total+n)[total:]
		total += n
		for i, ev := range evs {
			var seq uint32
			if split == "udh" {
				seq = uint32(ev.p.ShortMessage[5])
			} else {
				seq, _ = ev.p.TLVs.Uint(smpp.TagSarSegmentSeqnum)
			}
			if seq != uint32(i+1) {
				t.Fatalf("%s: part %d arrived in position %d", split, seq, i+1)
			}
		}
	}
}
