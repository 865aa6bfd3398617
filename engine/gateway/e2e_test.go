package gateway

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/engine/manage"
	"github.com/gwd-project/gwd/engine/session"
	"github.com/gwd-project/gwd/engine/smppc"
	"github.com/gwd-project/gwd/netio"
	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/router/ledger"
	"github.com/gwd-project/gwd/smpp"
	"github.com/gwd-project/gwd/smsc"
	"github.com/gwd-project/gwd/store"
)

func init() { router.PasswordIterations = 1000 }

const waitLimit = 20 * time.Second

func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

type env struct {
	t    *testing.T
	dir  string
	sync bool // fsync on (the production default); tests run faster without
	sim  *smsc.Sim
	g    *Gateway
	d    *netio.Dialer
	conn smppc.Config
	// tuneCfg and tuneOpts, when set, adjust the gateway's configuration
	// and options before open (newEnvWith).
	tuneCfg  func(*config.Config)
	tuneOpts func(*Options)
}

// newEnv starts smppsim and a gateway with user u1 (user1/pass1) in g1,
// connector "sim" to the simulator, a DefaultRoute to it and an MO
// DefaultRoute to smpps(u1).
func newEnv(t *testing.T, simCfg smsc.Config, tune func(*smppc.Config)) *env {
	t.Helper()
	return newEnvWith(t, simCfg, tune, nil, nil)
}

// newEnvWith is newEnv with the gateway's configuration and options
// adjusted by tuneCfg and tuneOpts (either may be nil).
func newEnvWith(t *testing.T, simCfg smsc.Config, tune func(*smppc.Config), tuneCfg func(*config.Config), tuneOpts func(*Options)) *env {
	t.Helper()
	simCfg.Listen = "127.0.0.1:0"
	sim, err := smsc.Start(simCfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	e := &env{t: t, dir: t.TempDir(), sim: sim, tuneCfg: tuneCfg, tuneOpts: tuneOpts}
	host, port, _ := net.SplitHostPort(sim.Addr().String())
	e.conn = smppc.DefaultConfig("sim")
	e.conn.Host = host
	e.conn.Port, _ = strconv.Atoi(port)
	e.conn.SubmitThroughput = 0
	e.conn.ConLossDelay, e.conn.ConFailDelay = 1, 1
	if tune != nil {
		tune(&e.conn)
	}
	e.open(true)
	d, err := netio.NewDialer(netio.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	e.d = d
	return e
}

// open opens the gateway on e.dir; first configures it from scratch.
func (e *env) open(first bool) {
	t := e.t
	cfg := config.Default()
	cfg.Store.Path = e.dir
	cfg.Store.Sync = e.sync
	opts := Options{SMPPAddr: "127.0.0.1:0"}
	if e.tuneCfg != nil {
		e.tuneCfg(&cfg)
	}
	if e.tuneOpts != nil {
		e.tuneOpts(&opts)
	}
	g, err := Open(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	e.g = g
	t.Cleanup(func() { _ = g.Close() })
	if err := g.Start(); err != nil {
		t.Fatal(err)
	}
	// The configuration is durable: a reopened store has it.
	if first {
		g.configure(t, e.conn)
	}
}

func (e *env) waitUp() {
	waitUntil(e.t, "connector bound", func() bool { c := e.g.Connector("sim"); return c != nil && c.Up() })
}

// esme is a test ESME recording what it gets.
type esme struct {
	session.BaseApp
	mu       sync.Mutex
	resps    []smpp.PDU
	ctxs     []any
	delivers []smpp.PDU
}

func (a *esme) Response(s *session.Session, resp *smpp.PDU, ctx any) {
	c := *resp
	c.Own()
	a.mu.Lock()
	a.resps = append(a.resps, c)
	a.ctxs = append(a.ctxs, ctx)
	a.mu.Unlock()
}

func (a *esme) Request(s *session.Session, req *smpp.PDU) {
	c := *req
	c.Own()
	a.mu.Lock()
	a.delivers = append(a.delivers, c)
	a.mu.Unlock()
	_ = s.Respond(req.Command, req.Seq, smpp.ESME_ROK, nil)
}

func (a *esme) counts() (int, int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.resps), len(a.delivers)
}

func (a *esme) snapshot() ([]smpp.PDU, []smpp.PDU) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]smpp.PDU(nil), a.resps...), append([]smpp.PDU(nil), a.delivers...)
}

func (e *env) bind(typ smpp.CommandID, user, pw string) (*session.Session, *esme, error) {
	e.t.Helper()
	return e.bindTo(e.g.SMPPAddr().String(), typ, user, pw)
}

func (e *env) bindTo(addr string, typ smpp.CommandID, user, pw string) (*session.Session, *esme, error) {
	e.t.Helper()
	app := &esme{}
	// The window gwd grants by default ([smpp-server] window): an ESME
	// beyond it is throttled.
	s, err := session.Dial(context.Background(), e.d, addr, session.Config{Window: 100}, app,
		session.BindRequest{Type: typ, SystemID: user, Password: pw})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() {
		s.Unbind()
		select {
		case <-s.Done():
		case <-time.After(5 * time.Second):
			s.Close()
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	return s, app, s.WaitBound(ctx)
}

func (e *env) mustBind(typ smpp.CommandID) (*session.Session, *esme) {
	e.t.Helper()
	s, a, err := e.bind(typ, "user1", "pass1")
	if err != nil {
		e.t.Fatalf("bind: %v", err)
	}
	return s, a
}

func submit(dst string, rd byte, text string) smpp.PDU {
	p := smpp.PDU{Header: smpp.Header{Command: smpp.SubmitSM}}
	p.Source = smpp.Address{TON: 5, Addr: []byte("ACME")}
	p.Dest = smpp.Address{TON: 1, NPI: 1, Addr: []byte(dst)}
	p.RegisteredDelivery = rd
	p.ShortMessage = []byte(text)
	return p
}

func sendN(t *testing.T, s *session.Session, a *esme, n int, rd byte) []string {
	t.Helper()
	before, _ := a.counts()
	for i := range n {
		p := submit(fmt.Sprintf("336%08d", i), rd, fmt.Sprintf("message %d", i))
		sendInWindow(t, s, &p, i)
	}
	waitUntil(t, "submit_sm_resp", func() bool { r, _ := a.counts(); return r >= before+n })
	resps, _ := a.snapshot()
	var ids []string
	for _, r := range resps[before:] {
		if r.Status != smpp.ESME_ROK {
			t.Fatalf("submit_sm_resp status %v", r.Status)
		}
		if len(r.MessageID) != 36 {
			t.Fatalf("message id %q is not a UUID", r.MessageID)
		}
		ids = append(ids, string(r.MessageID))
	}
	return ids
}

// sendInWindow sends p, waiting while the session's window is full.
func sendInWindow(t *testing.T, s *session.Session, p *smpp.PDU, ctx any) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		_, err := s.Send(p, ctx)
		if err == nil {
			return
		}
		if !errors.Is(err, session.ErrWindowFull) || time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestSubmitReachesSMSCAndReceiptsComeBack(t *testing.T) {
	e := newEnv(t, smsc.Config{}, nil)
	e.waitUp()
	s, a := e.mustBind(smpp.BindTransceiver)
	const n = 200
	ids := sendN(t, s, a, n, 1)
	waitUntil(t, "submits at the SMSC", func() bool { return e.sim.Stats().Total.SubmitOK >= n })
	waitUntil(t, "receipts at the ESME", func() bool { _, d := a.counts(); return d >= n })
	_, dels := a.snapshot()
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	for _, d := range dels {
		if d.EsmClass&0x04 == 0 {
			t.Fatalf("deliver_sm esm_class %#x is not a receipt", d.EsmClass)
		}
		rid, _ := d.TLVs.CString(smpp.TagReceiptedMessageID)
		if !want[string(rid)] {
			t.Fatalf("receipt for %q, not one of ours", rid)
		}
		delete(want, string(rid))
		r, err := smpp.ParseReceipt(d.ShortMessage)
		if err != nil || string(r.Stat) != "DELIVRD" || string(r.ID) != string(rid) {
			t.Fatalf("receipt text %q (err %v)", d.ShortMessage, err)
		}
		if string(d.Source.Addr) != string(d.Source.Addr) || string(d.Dest.Addr) != "ACME" {
			t.Fatalf("receipt addressed from %q to %q", d.Source.Addr, d.Dest.Addr)
		}
	}
	if len(want) != 0 {
		t.Fatalf("%d messages without receipt", len(want))
	}
	if got := e.sim.Stats().Total.Submits; got != n {
		t.Fatalf("SMSC got %d submits, want exactly %d", got, n)
	}
}

func TestBindRefusals(t *testing.T) {
	e := newEnv(t, smsc.Config{}, nil)
	for _, tc := range []struct {
		user, pw string
		want     smpp.Status
	}{
		{"user1", "wrong", smpp.ESME_RINVPASWD},
		{"nobody", "pass1", smpp.ESME_RINVPASWD}, // as a wrong password: no user enumeration
	} {
		_, _, err := e.bind(smpp.BindTransceiver, tc.user, tc.pw)
		if smpp.StatusOf(err) != tc.want {
			t.Errorf("bind %s/%s: %v, want %v", tc.user, tc.pw, err, tc.want)
		}
	}
	if err := e.g.Accounts().DisableUser("u1"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.bind(smpp.BindTransceiver, "user1", "pass1"); err == nil {
		t.Error("a disabled user bound")
	}
}

func TestSubmitOnReceiverBindRefused(t *testing.T) {
	e := newEnv(t, smsc.Config{}, nil)
	s, a := e.mustBind(smpp.BindReceiver)
	p := submit("33600000000", 0, "x")
	if _, err := s.Send(&p, nil); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "response", func() bool { r, _ := a.counts(); return r == 1 })
	resps, _ := a.snapshot()
	if resps[0].Status != smpp.ESME_RINVBNDSTS {
		t.Fatalf("status %v, want ESME_RINVBNDSTS", resps[0].Status)
	}
}

func TestNoRouteRefused(t *testing.T) {
	e := newEnv(t, smsc.Config{}, nil)
	e.g.mtTable.Flush()
	s, a := e.mustBind(smpp.BindTransmitter)
	p := submit("33600000000", 0, "x")
	if _, err := s.Send(&p, nil); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "response", func() bool { r, _ := a.counts(); return r == 1 })
	resps, _ := a.snapshot()
	if resps[0].Status != smpp.ESME_RINVDSTADR {
		t.Fatalf("status %v, want ESME_RINVDSTADR", resps[0].Status)
	}
	if n := e.g.Connector("sim").Queue().Stats().Ready[0]; n != 0 {
		t.Fatalf("%d messages queued for a refused submit", n)
	}
}

func TestMOReachesBoundAndLaterBoundESME(t *testing.T) {
	e := newEnv(t, smsc.Config{}, nil)
	e.waitUp()
	// Nobody bound: the MO is acknowledged to the SMSC and kept.
	if _, err := e.sim.SendMO(smsc.MO{From: "33611111111", To: "1234", Content: "early bird"}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "MO acked by gwd", func() bool { return e.sim.Stats().Total.MOAcked >= 1 })
	_, a := e.mustBind(smpp.BindReceiver)
	waitUntil(t, "MO at the ESME", func() bool { _, d := a.counts(); return d >= 1 })
	if _, err := e.sim.SendMO(smsc.MO{From: "33622222222", To: "1234", Content: "second"}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "second MO at the ESME", func() bool { _, d := a.counts(); return d >= 2 })
	_, dels := a.snapshot()
	if string(dels[0].ShortMessage) != "early bird" || string(dels[0].Source.Addr) != "33611111111" {
		t.Fatalf("first MO %q from %q", dels[0].ShortMessage, dels[0].Source.Addr)
	}
	if string(dels[1].ShortMessage) != "second" {
		t.Fatalf("second MO %q", dels[1].ShortMessage)
	}
}

func TestReceiptsKeptUntilESMEBinds(t *testing.T) {
	e := newEnv(t, smsc.Config{}, nil)
	e.waitUp()
	s, a := e.mustBind(smpp.BindTransmitter)
	ids := sendN(t, s, a, 10, 1)
	waitUntil(t, "receipts queued", func() bool { return e.g.smpps.OutboxLen("u1") >= 10 })
	_, rx := e.mustBind(smpp.BindReceiver)
	waitUntil(t, "receipts delivered", func() bool { _, d := rx.counts(); return d >= 10 })
	wantReceipts(t, rx, ids)
}

// wantReceipts fails unless rx got a receipt for each of ids.
func wantReceipts(t *testing.T, rx *esme, ids []string) {
	t.Helper()
	_, dels := rx.snapshot()
	got := map[string]bool{}
	for _, d := range dels {
		rid, _ := d.TLVs.CString(smpp.TagReceiptedMessageID)
		got[string(rid)] = true
	}
	for _, id := range ids {
		if !got[id] {
			t.Fatalf("no receipt for %s", id)
		}
	}
}

func TestQueuedMessagesSurviveRestart(t *testing.T) {
	e := newEnv(t, smsc.Config{}, nil)
	e.waitUp()
	if err := e.g.StopConnector("sim"); err != nil {
		t.Fatal(err)
	}
	s, a := e.mustBind(smpp.BindTransmitter)
	sendN(t, s, a, 50, 0)
	s.Close()
	if err := e.g.Close(); err != nil {
		t.Fatal(err)
	}
	if got := e.sim.Stats().Total.Submits; got != 0 {
		t.Fatalf("SMSC got %d submits from a stopped connector", got)
	}
	e.open(false)
	if err := e.g.StartConnector("sim"); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "queued messages sent after restart", func() bool { return e.sim.Stats().Total.SubmitOK >= 50 })
}

func TestThrottledConnectorKeepsEverything(t *testing.T) {
	e := newEnv(t, smsc.Config{Throttle: 20}, func(c *smppc.Config) { c.RequeueDelay = 1 })
	e.waitUp()
	s, a := e.mustBind(smpp.BindTransmitter)
	sendN(t, s, a, 60, 0)
	waitUntil(t, "all through", func() bool { return e.sim.Stats().Total.SubmitOK >= 60 })
	if e.g.Connector("sim").Stats.Throttled.Load() == 0 {
		t.Fatal("the simulator never throttled: the test proves nothing")
	}
}

func TestMetricsCountTraffic(t *testing.T) {
	e := newEnv(t, smsc.Config{}, nil)
	e.waitUp()
	s, a := e.mustBind(smpp.BindTransceiver)
	sendN(t, s, a, 7, 0)
	waitUntil(t, "submits at the SMSC", func() bool { return e.sim.Stats().Total.SubmitOK >= 7 })
	waitUntil(t, "metrics", func() bool {
		var b strings.Builder
		e.g.WriteMetrics(&b)
		out := b.String()
		return strings.Contains(out, `smppc_submit_sm_count{cid="sim"} 7`+"\n") &&
			strings.Contains(out, `gwd_user_messages_total{uid="u1"} 7`+"\n") &&
			strings.Contains(out, `gwd_route_messages_total{table="mt",order="0"} 7`+"\n") &&
			strings.Contains(out, "gwd_dlr_index_bytes ") &&
			strings.Contains(out, "smppsapi_submit_sm_count 7\n") &&
			strings.Contains(out, "smppsapi_bound_trx_count 1\n")
	})
}

func TestSMPPSThroughputQuota(t *testing.T) {
	e := newEnv(t, smsc.Config{}, nil)
	if err := e.g.Accounts().SetCredential("u1", "mt_messaging_cred", "quota", "smpps_throughput", "2"); err != nil {
		t.Fatal(err)
	}
	s, a := e.mustBind(smpp.BindTransmitter)
	for i := range 20 {
		p := submit("33600000000", 0, "x")
		if _, err := s.Send(&p, i); err != nil {
			t.Fatal(err)
		}
	}
	waitUntil(t, "responses", func() bool { r, _ := a.counts(); return r == 20 })
	resps, _ := a.snapshot()
	throttled := 0
	for _, r := range resps {
		if r.Status == smpp.ESME_RTHROTTLED {
			throttled++
		}
	}
	if throttled == 0 || throttled == 20 {
		t.Fatalf("%d of 20 throttled with smpps_throughput 2", throttled)
	}
}

func TestUnbindAndBanAtRunTime(t *testing.T) {
	e := newEnv(t, smsc.Config{}, nil)
	s1, _ := e.mustBind(smpp.BindTransceiver)
	s2, _ := e.mustBind(smpp.BindReceiver)
	if n := e.g.smpps.Unbind("u1"); n != 2 {
		t.Fatalf("Unbind touched %d sessions, want 2", n)
	}
	for _, s := range []*session.Session{s1, s2} {
		select {
		case <-s.Done():
		case <-time.After(waitLimit):
			t.Fatal("session still up after Unbind")
		}
	}
	s3, _ := e.mustBind(smpp.BindTransceiver)
	if n := e.g.smpps.Ban("u1"); n != 1 {
		t.Fatalf("Ban touched %d sessions", n)
	}
	select {
	case <-s3.Done():
	case <-time.After(waitLimit):
		t.Fatal("session still up after Ban")
	}
}

// rateRoute makes the MT table one default route to "sim" at rate (in
// ledger.Money units).
func (e *env) rateRoute(rate ledger.Money) {
	e.t.Helper()
	e.g.mtTable.Flush()
	rt, err := router.NewMTRoute(router.RouteDefault, 0, nil, []string{"sim"}, rate)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.g.mtTable.Add(rt, e.g.Known); err != nil {
		e.t.Fatal(err)
	}
}

func TestBillingChargesTheLedgerAndRefusesWhenOutOfCredit(t *testing.T) {
	e := newEnv(t, smsc.Config{}, nil)
	e.waitUp()
	e.rateRoute(1_200_000)
	acc := e.g.Accounts()
	if err := acc.SetCredential("u1", "mt_messaging_cred", "quota", "early_percent", "25"); err != nil {
		t.Fatal(err)
	}
	e.g.do(t, func(tx *manage.Tx) error {
		return tx.SetCounters("u1", ledger.Counters{Balance: 2 * ledger.MoneyUnit, HasBalance: true})
	})
	s, a := e.mustBind(smpp.BindTransmitter)
	sendN(t, s, a, 1, 0)
	// 25% of 1.2 at submit, the rest on submit_sm_resp: 2 - 1.2 = 0.8.
	waitUntil(t, "the whole rate charged", func() bool {
		c, _ := e.g.Counters("u1")
		return c.Balance == 800_000
	})
	p := submit("33600000000", 0, "no credit")
	if _, err := s.Send(&p, "second"); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "second response", func() bool { r, _ := a.counts(); return r == 2 })
	resps, _ := a.snapshot()
	if resps[1].Status != smpp.ESME_RSUBMITFAIL {
		t.Fatalf("out of credit answered %v, want ESME_RSUBMITFAIL", resps[1].Status)
	}
	if c, _ := e.g.Counters("u1"); c.Balance != 800_000 {
		t.Fatalf("a refused message changed the balance to %v", c.Balance)
	}
}

// [smpp-server] billing_feature = false: messages from ESMEs are not
// charged, not even out of credit.
func TestBillingFeatureOff(t *testing.T) {
	e := newEnvWith(t, smsc.Config{}, nil, func(c *config.Config) { c.SMPPServer.BillingFeature = false }, nil)
	e.waitUp()
	e.rateRoute(1_200_000)
	e.g.do(t, func(tx *manage.Tx) error {
		return tx.SetCounters("u1", ledger.Counters{Balance: ledger.MoneyUnit, HasBalance: true})
	})
	s, a := e.mustBind(smpp.BindTransmitter)
	sendN(t, s, a, 2, 0) // both accepted, though 1.2 each is more than the balance
	if c, _ := e.g.Counters("u1"); c.Balance != ledger.MoneyUnit {
		t.Fatalf("billing off, yet the balance went from 1 to %v", c.Balance)
	}
}

func TestBadSubmitsRefusedAndNotStored(t *testing.T) {
	e := newEnv(t, smsc.Config{}, nil)
	if err := e.g.StopConnector("sim"); err != nil {
		t.Fatal(err)
	}
	s, a := e.mustBind(smpp.BindTransmitter)
	cases := []struct {
		name string
		mod  func(p *smpp.PDU)
		want smpp.Status
	}{
		{"no destination", func(p *smpp.PDU) { p.Dest.Addr = nil }, smpp.ESME_RINVDSTADR},
		{"bad validity", func(p *smpp.PDU) { p.ValidityPeriod = []byte("not a time") }, smpp.ESME_RINVEXPIRY},
		{"bad schedule", func(p *smpp.PDU) { p.ScheduleDeliveryTime = []byte("261322120000004+") }, smpp.ESME_RINVSCHED},
		{"reserved data_coding", func(p *smpp.PDU) { p.DataCoding = 0x0B }, smpp.ESME_RSUBMITFAIL},
	}
	for i, tc := range cases {
		p := submit("33600000000", 0, "bad")
		tc.mod(&p)
		if _, err := s.Send(&p, i); err != nil {
			t.Fatal(err)
		}
	}
	waitUntil(t, "responses", func() bool { r, _ := a.counts(); return r == len(cases) })
	resps, _ := a.snapshot()
	a.mu.Lock()
	for i, c := range a.ctxs {
		if tc := cases[c.(int)]; resps[i].Status != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, resps[i].Status, tc.want)
		}
	}
	a.mu.Unlock()
	if st := e.g.Connector("sim").Queue().Stats(); st.Ready != [4]int{} {
		t.Fatalf("refused submits were queued: %+v", st)
	}
}

func TestMaxBindings(t *testing.T) {
	e := newEnv(t, smsc.Config{}, nil)
	if err := e.g.Accounts().SetCredential("u1", "smpps_cred", "quota", "max_bindings", "1"); err != nil {
		t.Fatal(err)
	}
	e.mustBind(smpp.BindTransceiver)
	if _, _, err := e.bind(smpp.BindTransceiver, "user1", "pass1"); smpp.StatusOf(err) != smpp.ESME_RBINDFAIL {
		t.Fatalf("second bind beyond max_bindings 1: %v, want ESME_RBINDFAIL", err)
	}
}

func TestUCS2AndLongMessagesWithReceipts(t *testing.T) {
	e := newEnv(t, smsc.Config{}, nil)
	e.waitUp()
	s, a := e.mustBind(smpp.BindTransceiver)
	// UCS2 "привет" and a 3-part GSM message concatenated with UDH.
	u := submit("33600000001", 1, "")
	u.DataCoding = 8
	u.ShortMessage = []byte{0x04, 0x3F, 0x04, 0x40, 0x04, 0x38, 0x04, 0x32, 0x04, 0x35, 0x04, 0x42}
	if _, err := s.Send(&u, "ucs2"); err != nil {
		t.Fatal(err)
	}
	for seq := byte(1); seq <= 3; seq++ {
		p := submit("33600000002", 1, "")
		p.EsmClass = 0x40
		p.ShortMessage = append([]byte{0x05, 0x00, 0x03, 0x2A, 3, seq}, []byte(strings.Repeat("x", 153))...)
		if _, err := s.Send(&p, int(seq)); err != nil {
			t.Fatal(err)
		}
	}
	waitUntil(t, "receipts for the 4 submit_sm", func() bool { _, d := a.counts(); return d >= 4 })
	resps, _ := a.snapshot()
	for _, r := range resps {
		if r.Status != smpp.ESME_ROK {
			t.Fatalf("status %v", r.Status)
		}
	}
	if st := e.sim.Stats().Total; st.SubmitOK != 4 {
		t.Fatalf("smppsim accepted %d, want 4", st.SubmitOK)
	}
}

// Every smppc_* and smppsapi_* name of the manual's "Monitoring metrics".
func TestMetricsCarryJasminsNames(t *testing.T) {
	e := newEnv(t, smsc.Config{}, nil)
	e.waitUp()
	var b strings.Builder
	e.g.WriteMetrics(&b)
	out := b.String()
	for _, name := range []string{
		"smppc_bound_count", "smppc_connected_count", "smppc_data_sm_count", "smppc_deliver_sm_count",
		"smppc_disconnected_count", "smppc_elink_count", "smppc_interceptor_count", "smppc_interceptor_error_count",
		"smppc_other_submit_error_count", "smppc_submit_sm_count", "smppc_submit_sm_request_count", "smppc_throttling_error_count",
		"smppsapi_bind_rx_count", "smppsapi_bind_trx_count", "smppsapi_bind_tx_count", "smppsapi_bound_rx_count",
		"smppsapi_bound_trx_count", "smppsapi_bound_tx_count", "smppsapi_connect_count", "smppsapi_connected_count",
		"smppsapi_data_sm_count", "smppsapi_deliver_sm_count", "smppsapi_disconnect_count", "smppsapi_elink_count",
		"smppsapi_interceptor_count", "smppsapi_interceptor_error_count", "smppsapi_other_submit_error_count",
		"smppsapi_submit_sm_count", "smppsapi_submit_sm_request_count", "smppsapi_throttling_error_count", "smppsapi_unbind_count",
	} {
		if !strings.Contains(out, "\n"+name) && !strings.HasPrefix(out, name) {
			t.Errorf("metric %s missing", name)
		}
	}
	if !strings.Contains(out, `smppc_bound_count{cid="sim"} 1`) {
		t.Error("a bound connector does not say so")
	}
}

func TestCancelQueuedMessage(t *testing.T) {
	e := newEnv(t, smsc.Config{}, nil)
	if err := e.g.StopConnector("sim"); err != nil {
		t.Fatal(err)
	}
	s, a := e.mustBind(smpp.BindTransmitter)
	ids := sendN(t, s, a, 2, 0)
	cancel := func(id, ctx string) smpp.Status {
		t.Helper()
		before, _ := a.counts()
		p := smpp.PDU{Header: smpp.Header{Command: smpp.CancelSM}}
		p.MessageID = []byte(id)
		p.Source = smpp.Address{TON: 5, Addr: []byte("ACME")}
		if _, err := s.Send(&p, ctx); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, "cancel_sm_resp", func() bool { r, _ := a.counts(); return r == before+1 })
		resps, _ := a.snapshot()
		return resps[before].Status
	}
	query := func(id string) smpp.PDU {
		t.Helper()
		before, _ := a.counts()
		p := smpp.PDU{Header: smpp.Header{Command: smpp.QuerySM}}
		p.MessageID = []byte(id)
		p.Source = smpp.Address{TON: 5, Addr: []byte("ACME")}
		if _, err := s.Send(&p, "q"); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, "query_sm_resp", func() bool { r, _ := a.counts(); return r == before+1 })
		resps, _ := a.snapshot()
		return resps[before]
	}
	// Accepted and still queued: ENROUTE, not a failed query.
	if r := query(ids[1]); r.Status != smpp.ESME_ROK || r.MessageState != smpp.MessageStateEnroute || string(r.MessageID) != ids[1] {
		t.Fatalf("query_sm of a queued message: %v state %d id %q", r.Status, r.MessageState, r.MessageID)
	}
	if r := query("0193a7b2-5c3e-4d41-9a2b-000000000001"); r.Status != smpp.ESME_RQUERYFAIL {
		t.Fatalf("query_sm of an id gwd never gave: %v", r.Status)
	}
	if st := cancel(ids[0], "c1"); st != smpp.ESME_ROK {
		t.Fatalf("cancel of a queued message: %v", st)
	}
	if err := e.g.StartConnector("sim"); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the other message sent", func() bool { return e.sim.Stats().Total.SubmitOK >= 1 })
	waitUntil(t, "the queue empty", func() bool {
		st := e.g.Connector("sim").Queue().Stats()
		return st.Ready == [4]int{} && st.Leased == 0
	})
	if got := e.sim.Stats().Total.Submits; got != 1 {
		t.Fatalf("SMSC got %d submits, want 1: the cancelled one went out", got)
	}
	// The one that went out cannot be cancelled any more.
	waitUntil(t, "its state", func() bool { st, _, _ := e.g.MessageState(ids[1]); return st == store.EventSubmitted })
	if st := cancel(ids[1], "c2"); st != smpp.ESME_RCANCELFAIL {
		t.Fatalf("cancel of a sent message: %v, want ESME_RCANCELFAIL", st)
	}
	// The cancelled one reads DELETED.
	waitUntil(t, "the cancellation's event", func() bool { st, _, _ := e.g.MessageState(ids[0]); return st == store.EventCancelled })
	if r := query(ids[0]); r.Status != smpp.ESME_ROK || r.MessageState != 7 {
		t.Fatalf("query_sm of a cancelled message: %v state %d", r.Status, r.MessageState)
	}
}
