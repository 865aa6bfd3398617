package gateway

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/engine/api/httpapi"
	"github.com/gwd-project/gwd/engine/manage"
	"github.com/gwd-project/gwd/engine/smppc"
	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/smpp"
	"github.com/gwd-project/gwd/smsc"
)

// readPDU reads and decodes the next whole PDU on a raw socket.
func (r *rawESME) readPDU(wait time.Duration, what string) smpp.PDU {
	r.t.Helper()
	_ = r.c.SetReadDeadline(time.Now().Add(wait))
	var hd [16]byte
	if _, err := io.ReadFull(r.c, hd[:]); err != nil {
		r.t.Fatalf("%s: %v", what, err)
	}
	frame := make([]byte, binary.BigEndian.Uint32(hd[0:4]))
	copy(frame, hd[:])
	if _, err := io.ReadFull(r.c, frame[16:]); err != nil {
		r.t.Fatalf("%s: body: %v", what, err)
	}
	var p smpp.PDU
	if err := p.Decode(frame); err != nil {
		r.t.Fatalf("%s: %v", what, err)
	}
	p.Own()
	return p
}

// respond writes the response to req with status st.
func (r *rawESME) respond(req smpp.PDU, st smpp.Status) {
	r.t.Helper()
	resp := smpp.PDU{Header: smpp.Header{Command: req.Command.Resp(), Seq: req.Seq, Status: st}}
	r.write(resp)
}

// answerFor reads until the response to seq, answering enquire_link on
// the way, and returns its status.
func (r *rawESME) answerFor(seq uint32, cmd smpp.CommandID, what string) smpp.Status {
	r.t.Helper()
	for {
		p := r.readPDU(10*time.Second, what)
		if p.Command == smpp.EnquireLink {
			r.respond(p, smpp.ESME_ROK)
			continue
		}
		if p.Command != cmd || p.Seq != seq {
			r.t.Fatalf("%s: got %v seq %d, want %v seq %d", what, p.Command, p.Seq, cmd, seq)
		}
		return p.Status
	}
}

// rawSubmitter sends submit_sm on a raw transmitter bind and returns the
// command_status of each answer.
type rawSubmitter struct {
	r   *rawESME
	seq uint32
}

func (s *rawSubmitter) submit(dst string) smpp.Status {
	s.r.t.Helper()
	s.seq++
	p := submit(dst, 0, "to "+dst)
	p.Seq = s.seq
	s.r.write(p)
	return s.r.answerFor(s.seq, smpp.SubmitSMResp, "submit_sm_resp to "+dst)
}

// freeAddr is a loopback address nothing listens on (yet).
func freeAddr(t *testing.T) (string, int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, port, _ := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(port)
	return addr, n
}

// metric returns the line of the gateway's metrics page that starts with
// name, "" when there is none.
func (e *env) metric(name string) string {
	var b bytes.Buffer
	e.g.WriteMetrics(&b)
	for _, l := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(l, name+" ") {
			return l
		}
	}
	return ""
}

// A connector whose SMSC is down fills its queue to [smpp-client]
// queue_max_messages; the next submit_sm routed to it is answered
// ESME_RMSGQFUL (read on a raw socket) while one routed to another
// connector is accepted; the cap still holds after a restart (the count
// is read back from disk); once the SMSC is up and the queue drains,
// submits to it are accepted again.
func TestConnectorQueueCapRefusesOnlyItsConnector(t *testing.T) {
	const capN = 3
	e := newEnvWith(t, smsc.Config{}, nil, func(c *config.Config) { c.SMPPClient.QueueMaxMessages = capN }, nil)
	e.waitUp()
	deadAddr := e.addDeadConnector(nil)

	s := &rawSubmitter{r: e.rawTransmitter(), seq: 1}
	for i := range capN {
		if st := s.submit("4400000000" + strconv.Itoa(i)); st != smpp.ESME_ROK {
			t.Fatalf("submit %d to the dead connector: %v, want ESME_ROK (under the cap)", i, st)
		}
	}
	if st := s.submit("44000000009"); st != smpp.ESME_RMSGQFUL {
		t.Fatalf("submit past the dead connector's cap: %v, want ESME_RMSGQFUL", st)
	}
	if st := s.submit("33600000001"); st != smpp.ESME_ROK {
		t.Fatalf("submit to the live connector beside a full queue: %v, want ESME_ROK", st)
	}
	// The same over HTTP: 503, Retry-After and a body naming the
	// connector, on /send and /secure/send; the live connector still
	// takes /send.
	base := e.serveHTTP()
	const text = "Queue of connector dead is full, message not stored: retry later"
	code, body, ra := e.httpSend(base, "44000000009")
	if code != http.StatusServiceUnavailable || body != `Error "`+text+`"` || ra != QueueFullRetryAfter {
		t.Fatalf("/send past the cap: %d %q Retry-After %q, want 503 %q Retry-After %s", code, body, ra, `Error "`+text+`"`, QueueFullRetryAfter)
	}
	req, _ := http.NewRequest("POST", base+"/secure/send", strings.NewReader(`{"to": "44000000009", "content": "hello"}`))
	req.SetBasicAuth("user1", "pass1")
	req.Header.Set("Content-Type", "application/json")
	code, body, ra = e.httpAnswer(http.DefaultClient.Do(req))
	if want := `{"message": "Error \"` + text + `"}`; code != http.StatusServiceUnavailable || body != want || ra != QueueFullRetryAfter {
		t.Fatalf("/secure/send past the cap: %d %s Retry-After %q, want 503 %s", code, body, ra, want)
	}
	if code, body, _ := e.httpSend(base, "33600000001"); code != http.StatusOK {
		t.Fatalf("/send to the live connector: %d %s, want 200", code, body)
	}
	if got := e.metric(`gwd_queue_full_total{cid="dead"}`); !strings.HasSuffix(got, " 3") {
		t.Errorf("metric %q, want gwd_queue_full_total{cid=\"dead\"} 3 (one submit_sm, two HTTP)", got)
	}

	// A restart: the queue's count is read back from disk.
	if err := e.g.Close(); err != nil {
		t.Fatal(err)
	}
	e.open(false)
	if st := (&rawSubmitter{r: e.rawTransmitter(), seq: 1}).submit("44000000009"); st != smpp.ESME_RMSGQFUL {
		t.Fatalf("after a restart, submit past the cap: %v, want ESME_RMSGQFUL", st)
	}

	// The SMSC comes up: the queue drains, and the connector takes
	// messages again.
	sim2, err := smsc.Start(smsc.Config{Listen: deadAddr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim2.Close() })
	waitUntil(t, "the dead connector's queue at its SMSC", func() bool { return sim2.Stats().Total.SubmitOK >= capN })
	waitUntil(t, "the queue drained", func() bool { return e.g.Connector("dead").Queue().Stats().Held == 0 })
	s = &rawSubmitter{r: e.rawTransmitter(), seq: 1}
	if st := s.submit("44000000009"); st != smpp.ESME_ROK {
		t.Fatalf("submit once the queue drained: %v, want ESME_ROK", st)
	}
}

// addDeadConnector adds and starts connector "dead" (its configuration
// changed by mutate when not nil), whose SMSC address has nothing
// listening (returned, for a simulator started there later), and routes
// destinations starting 44 to it.
func (e *env) addDeadConnector(mutate func(*smppc.Config)) string {
	t := e.t
	deadAddr, deadPort := freeAddr(t)
	dc := e.conn
	dc.CID, dc.Port = "dead", deadPort
	if mutate != nil {
		mutate(&dc)
	}
	f, err := router.NewFilter("DestinationAddrFilter", "to44", map[string]string{"destination_addr": "^44"})
	if err != nil {
		t.Fatal(err)
	}
	rt, err := router.NewMTRoute(router.RouteStaticMT, 10, []router.Filter{f}, []string{"dead"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	e.g.do(t, func(tx *manage.Tx) error {
		for _, step := range []func() error{
			func() error { return tx.AddConnector(dc) },
			func() error { return tx.StartConnector("dead") },
			func() error { return tx.AddFilter(f) },
			func() error { return tx.PutRoute(router.MT, rt) },
		} {
			if err := step(); err != nil {
				return err
			}
		}
		return nil
	})
	return deadAddr
}

// A connector's own queue_max_messages (jCli smppccm, the admin API)
// replaces [smpp-client]'s for its queue, at once; -1 goes back to
// [smpp-client]'s.
func TestConnectorOwnQueueCap(t *testing.T) {
	e := newEnvWith(t, smsc.Config{}, nil, nil, nil) // [smpp-client] default: 1,000,000
	e.waitUp()
	e.addDeadConnector(func(c *smppc.Config) {
		if err := c.Set("queue_max_messages", "2"); err != nil {
			t.Fatal(err)
		}
	})
	s := &rawSubmitter{r: e.rawTransmitter(), seq: 1}
	for i := range 2 {
		if st := s.submit("4400000000" + strconv.Itoa(i)); st != smpp.ESME_ROK {
			t.Fatalf("submit %d under the connector's cap: %v", i, st)
		}
	}
	if st := s.submit("44000000009"); st != smpp.ESME_RMSGQFUL {
		t.Fatalf("submit past the connector's own cap of 2: %v, want ESME_RMSGQFUL", st)
	}
	cfg := e.g.Connector("dead").Config()
	if err := cfg.Set("queue_max_messages", "-1"); err != nil {
		t.Fatal(err)
	}
	e.g.do(t, func(tx *manage.Tx) error { return tx.UpdateConnector(cfg) })
	if st := s.submit("44000000009"); st != smpp.ESME_ROK {
		t.Fatalf("submit once the connector takes [smpp-client]'s cap again: %v, want ESME_ROK", st)
	}
	if err := cfg.Set("queue_max_messages", "-2"); err == nil {
		t.Error("queue_max_messages -2 accepted")
	}
}

// serveHTTP serves the HTTP API in front of the gateway; it returns its
// base URL.
func (e *env) serveHTTP() string {
	t := e.t
	t.Helper()
	api := httpapi.New(e.g.Config().HTTPAPI, e.g, httpapi.Options{CallbackGuard: e.g.CallbackGuard(), Store: e.g.Parts().Store})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = api.Serve(ln) }()
	t.Cleanup(func() { _ = api.Close() })
	return "http://" + ln.Addr().String()
}

// httpAnswer reads an HTTP answer: status, body, Retry-After.
func (e *env) httpAnswer(resp *http.Response, err error) (int, string, string) {
	t := e.t
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b), resp.Header.Get("Retry-After")
}

// httpSend is user1's /send of "hello" to to.
func (e *env) httpSend(base, to string) (int, string, string) {
	e.t.Helper()
	q := url.Values{"username": {"user1"}, "password": {"pass1"}, "to": {to}, "content": {"hello"}}
	return e.httpAnswer(http.Get(base + "/send?" + q.Encode()))
}

// rawSMSC listens for the connector "sim" (pointed at it by tune) and
// answers its bind; the returned channel gets the bound connection.
func rawSMSC(t *testing.T) (func(*smppc.Config), <-chan *rawESME) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	bound := make(chan *rawESME, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		t.Cleanup(func() { c.Close() })
		r := &rawESME{t: t, c: c}
		// Not r.readPDU: t.Fatal belongs to the test's goroutine.
		var hd [16]byte
		if _, err := io.ReadFull(c, hd[:]); err != nil {
			return
		}
		body := make([]byte, binary.BigEndian.Uint32(hd[0:4])-16)
		if _, err := io.ReadFull(c, body); err != nil {
			return
		}
		resp := smpp.PDU{Header: smpp.Header{Command: smpp.CommandID(binary.BigEndian.Uint32(hd[4:8])).Resp(),
			Seq: binary.BigEndian.Uint32(hd[12:16])}}
		resp.SystemID = []byte("raw")
		if _, err := c.Write(resp.AppendTo(nil)); err != nil {
			return
		}
		bound <- r
	}()
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	return func(c *smppc.Config) {
		c.Host = host
		c.Port, _ = strconv.Atoi(port)
	}, bound
}

// mo is an MO deliver_sm from the SMSC.
func mo(seq uint32, text string) smpp.PDU {
	p := smpp.PDU{Header: smpp.Header{Command: smpp.DeliverSM, Seq: seq}}
	p.Source = smpp.Address{TON: 1, NPI: 1, Addr: []byte("33611111111")}
	p.Dest = smpp.Address{TON: 1, NPI: 1, Addr: []byte("1234")}
	p.ShortMessage = []byte(text)
	return p
}

// With user u1's outbox at [smpp-server] outbox_max_messages (no
// receiver bound), the SMSC's next deliver_sm for u1 is answered
// ESME_RMSGQFUL on the wire, so the SMSC keeps it; once an ESME binds and
// takes the outbox, the same deliver_sm is accepted.
func TestOutboxCapAnswersSMSCQueueFull(t *testing.T) {
	tune, bound := rawSMSC(t)
	e := newEnvWith(t, smsc.Config{}, tune, func(c *config.Config) { c.SMPPServer.OutboxMaxMessages = 2 }, nil)
	var smsc *rawESME
	select {
	case smsc = <-bound:
	case <-time.After(waitLimit):
		t.Fatal("the connector did not bind to the raw SMSC")
	}
	for seq := uint32(1); seq <= 2; seq++ {
		smsc.write(mo(seq, "mo "+strconv.Itoa(int(seq))))
		if st := smsc.answerFor(seq, smpp.DeliverSMResp, "deliver_sm_resp"); st != smpp.ESME_ROK {
			t.Fatalf("MO %d under the outbox cap: %v, want ESME_ROK", seq, st)
		}
	}
	smsc.write(mo(3, "mo 3"))
	if st := smsc.answerFor(3, smpp.DeliverSMResp, "deliver_sm_resp"); st != smpp.ESME_RMSGQFUL {
		t.Fatalf("MO past the outbox cap: %v, want ESME_RMSGQFUL", st)
	}
	if got := e.metric("smppsapi_outbox_full_count"); got != "smppsapi_outbox_full_count 1" {
		t.Errorf("metric %q, want smppsapi_outbox_full_count 1", got)
	}
	_, rx := e.mustBind(smpp.BindReceiver)
	waitUntil(t, "the two MOs at the ESME", func() bool { _, d := rx.counts(); return d >= 2 })
	waitUntil(t, "the outbox empty", func() bool { return e.g.smpps.OutboxLen("u1") == 0 })
	smsc.write(mo(4, "mo 3"))
	if st := smsc.answerFor(4, smpp.DeliverSMResp, "deliver_sm_resp"); st != smpp.ESME_ROK {
		t.Fatalf("MO sent again once the outbox drained: %v, want ESME_ROK", st)
	}
	waitUntil(t, "the third MO at the ESME", func() bool { _, d := rx.counts(); return d >= 3 })
	_, dels := rx.snapshot()
	for i, want := range []string{"mo 1", "mo 2", "mo 3"} {
		if string(dels[i].ShortMessage) != want {
			t.Errorf("MO %d at the ESME %q, want %q", i, dels[i].ShortMessage, want)
		}
	}
}

// An ESME that refuses a deliver_sm gets it again, the same message each
// time, with growing gaps (the back-off doubles from the first delay,
// give or take a fifth), and not once more after it accepts it.
func TestOutboxRetriesBackOff(t *testing.T) {
	const refusals = 4
	e := newEnv(t, smsc.Config{}, nil)
	e.waitUp()
	e.g.smpps.SetRetryDelay(100 * time.Millisecond)
	r := e.rawBind(smpp.BindReceiver)
	if _, err := e.sim.SendMO(smsc.MO{From: "33611111111", To: "1234", Content: "refused"}); err != nil {
		t.Fatal(err)
	}
	var at []time.Time
	for i := 0; i <= refusals; i++ {
		p := r.readPDU(10*time.Second, "deliver_sm "+strconv.Itoa(i+1))
		if p.Command == smpp.EnquireLink {
			r.respond(p, smpp.ESME_ROK)
			i--
			continue
		}
		at = append(at, time.Now())
		if p.Command != smpp.DeliverSM || string(p.ShortMessage) != "refused" {
			t.Fatalf("offer %d: %v %q, want the refused deliver_sm", i+1, p.Command, p.ShortMessage)
		}
		st := smpp.ESME_RX_T_APPN
		if i == refusals {
			st = smpp.ESME_ROK
		}
		r.respond(p, st)
	}
	for i := 1; i < len(at); i++ {
		gap := at[i].Sub(at[i-1])
		if i == 1 && gap < 80*time.Millisecond {
			t.Errorf("first retry after %v, want at least 80ms (100ms less a fifth)", gap)
		}
		if i > 1 && gap <= at[i-1].Sub(at[i-2]) {
			t.Errorf("gaps %v: retry %d came no later than the one before", gaps(at), i)
		}
	}
	// Doubling three times, give or take a fifth: at least 8 × 0.8/1.2;
	// a constant delay, jittered so, gives at most 1.5.
	if first, last := at[1].Sub(at[0]), at[refusals].Sub(at[refusals-1]); last < 3*first {
		t.Errorf("gaps %v: the last is not three times the first", gaps(at))
	}
	waitUntil(t, "the outbox empty", func() bool { return e.g.smpps.OutboxLen("u1") == 0 })
	_ = r.c.SetReadDeadline(time.Now().Add(time.Second))
	var one [1]byte
	if n, _ := r.c.Read(one[:]); n > 0 {
		t.Fatal("something more came after the deliver_sm was accepted")
	}
}

func gaps(at []time.Time) []time.Duration {
	var d []time.Duration
	for i := 1; i < len(at); i++ {
		d = append(d, at[i].Sub(at[i-1]).Round(time.Millisecond))
	}
	return d
}

// An MO for a user whose outbox is not open yet, while the store is
// stalled (opening it waits for an fsync), does not hold the connector's
// event loop: the SMSC's enquire_link right behind it is answered at
// once; the deliver_sm is answered ESME_ROK once the store goes on.
func TestNewOutboxOpensOffTheConnectorLoop(t *testing.T) {
	tune, bound := rawSMSC(t)
	gate := &storeGate{open: make(chan struct{})}
	e := newEnvWith(t, smsc.Config{}, tune, nil, func(o *Options) { o.StoreOptions = gate.hook })
	t.Cleanup(gate.release) // runs before the gateway's Close
	var smsc *rawESME
	select {
	case smsc = <-bound:
	case <-time.After(waitLimit):
		t.Fatal("the connector did not bind to the raw SMSC")
	}
	gate.shut.Store(true)
	el := smpp.PDU{Header: smpp.Header{Command: smpp.EnquireLink, Seq: 2}}
	smsc.write(mo(1, "first MO"), el)
	if st := smsc.answerFor(2, smpp.EnquireLinkResp, "enquire_link_resp behind an MO opening an outbox"); st != smpp.ESME_ROK {
		t.Fatalf("enquire_link answered %v", st)
	}
	gate.release()
	if st := smsc.answerFor(1, smpp.DeliverSMResp, "deliver_sm_resp"); st != smpp.ESME_ROK {
		t.Fatalf("the MO once the store went on: %v, want ESME_ROK", st)
	}
	_, rx := e.mustBind(smpp.BindReceiver)
	waitUntil(t, "the MO at the ESME", func() bool { _, d := rx.counts(); return d >= 1 })
}
