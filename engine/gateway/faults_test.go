package gateway

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/linxGnu/gosmpp"
	"github.com/linxGnu/gosmpp/data"
	"github.com/linxGnu/gosmpp/pdu"

	"github.com/gwd-project/gwd/engine/session"
	"github.com/gwd-project/gwd/engine/smppc"
	"github.com/gwd-project/gwd/netio"
	"github.com/gwd-project/gwd/smpp"
	"github.com/gwd-project/gwd/smsc"
)

func TestSMSCDroppingConnectionsLosesNothing(t *testing.T) {
	// 20 %: with 5 % a run of 100 submits saw no drop about once in 170
	// (0.95^100), and the test then proved nothing.
	e := newEnv(t, smsc.Config{DropPercent: 20}, func(c *smppc.Config) { c.ConLossDelay = 0 })
	e.waitUp()
	s, a := e.mustBind(smpp.BindTransmitter)
	const n = 100
	sendN(t, s, a, n, 0)
	waitUntil(t, "every acknowledged message accepted by the SMSC", func() bool { return e.sim.Stats().Total.SubmitOK >= n })
	st := e.sim.Stats().Total
	if st.Dropped == 0 {
		t.Fatal("the simulator never dropped a connection: the test proves nothing")
	}
	// Duplicates only within the in-flight window of a dropped bind.
	if dup := st.SubmitOK - n; dup > st.Dropped*int64(e.conn.Window) {
		t.Fatalf("%d duplicates for %d drops", dup, st.Dropped)
	}
}

func TestUnansweredSubmitPolicies(t *testing.T) {
	for _, tc := range []struct {
		policy      string
		wantSubmits int64
	}{
		{"fail", 5},
		{"resend", 10},
	} {
		t.Run(tc.policy, func(t *testing.T) {
			e := newEnv(t, smsc.Config{NoResponsePercent: 100}, func(c *smppc.Config) {
				c.ResTO = 1
				c.ResToPolicy = tc.policy
			})
			e.waitUp()
			s, a := e.mustBind(smpp.BindTransceiver)
			sendN(t, s, a, 5, 1)
			// Every submit ends as a receipt with stat UNKNOWN.
			waitUntil(t, "UNKNOWN receipts", func() bool { _, d := a.counts(); return d >= 5 })
			_, dels := a.snapshot()
			for _, d := range dels {
				r, err := smpp.ParseReceipt(d.ShortMessage)
				if err != nil || string(r.Stat) != "UNKNOWN" {
					t.Fatalf("receipt %q (err %v), want stat UNKNOWN", d.ShortMessage, err)
				}
			}
			if got := e.sim.Stats().Total.Submits; got != tc.wantSubmits {
				t.Fatalf("SMSC saw %d submits, want %d", got, tc.wantSubmits)
			}
		})
	}
}

func TestReceiptsMatchDecimalIDs(t *testing.T) {
	// Decimal SMSC ids, normalised on both sides of the mapping.
	e := newEnv(t, smsc.Config{MessageID: "decimal"}, nil)
	e.waitUp()
	s, a := e.mustBind(smpp.BindTransceiver)
	sendN(t, s, a, 20, 1)
	waitUntil(t, "receipts", func() bool { _, d := a.counts(); return d >= 20 })
	if u := e.g.Stats.ReceiptsUnknown.Load(); u != 0 {
		t.Fatalf("%d receipts not matched", u)
	}
}

// TestIndependentClient binds gosmpp (not this project's code) to gwd's
// SMPP server: it submits with receipts, gets gwd's ids back, receives
// the receipts and an MO.
func TestIndependentClient(t *testing.T) {
	e := newEnv(t, smsc.Config{}, nil)
	e.waitUp()
	type got struct {
		resps    []string
		receipts []string
		mos      []string
	}
	ch := make(chan func(*got), 100)
	var g got
	sess, err := gosmpp.NewSession(
		gosmpp.TRXConnector(gosmpp.NonTLSDialer, gosmpp.Auth{SMSC: e.g.SMPPAddr().String(), SystemID: "user1", Password: "pass1"}),
		gosmpp.Settings{
			ReadTimeout: 10 * time.Second,
			OnPDU: func(p pdu.PDU, _ bool) {
				switch pd := p.(type) {
				case *pdu.SubmitSMResp:
					id, st := pd.MessageID, pd.CommandStatus
					ch <- func(g *got) {
						if st == data.ESME_ROK {
							g.resps = append(g.resps, id)
						}
					}
				case *pdu.DeliverSM:
					msg, _ := pd.Message.GetMessage()
					rc := pd.EsmClass&0x04 != 0
					ch <- func(g *got) {
						if rc {
							g.receipts = append(g.receipts, msg)
						} else {
							g.mos = append(g.mos, msg)
						}
					}
				}
			},
		}, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	for range 10 {
		sm := pdu.NewSubmitSM().(*pdu.SubmitSM)
		src := pdu.NewAddress()
		_ = src.SetAddress("acme")
		dst := pdu.NewAddress()
		_ = dst.SetAddress("33600000001")
		sm.SourceAddr, sm.DestAddr = src, dst
		_ = sm.Message.SetMessageWithEncoding("hello from gosmpp", data.GSM7BIT)
		sm.RegisteredDelivery = 1
		if err := sess.Transceiver().Submit(sm); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.sim.SendMO(smsc.MO{From: "33611111111", To: "1234", Content: "hi gosmpp"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(waitLimit)
	for len(g.resps) < 10 || len(g.receipts) < 10 || len(g.mos) < 1 {
		select {
		case f := <-ch:
			f(&g)
		case <-deadline:
			t.Fatalf("got %d responses, %d receipts, %d MO; want 10, 10, 1", len(g.resps), len(g.receipts), len(g.mos))
		}
	}
	ids := map[string]bool{}
	for _, id := range g.resps {
		ids[id] = true
	}
	for _, rc := range g.receipts {
		id := strings.TrimPrefix(strings.Fields(rc)[0], "id:")
		if !ids[id] || !strings.Contains(rc, "stat:DELIVRD") {
			t.Fatalf("receipt %q does not name a submitted id or is not DELIVRD", rc)
		}
	}
	if g.mos[0] != "hi gosmpp" {
		t.Fatalf("MO %q", g.mos[0])
	}
}

// The SIGKILL test runs the gateway in a child process (this test binary
// again, with GWD_CRASH_CHILD set), kills it after the ESME has its
// acknowledgements, and checks that a restarted gateway sends every one.
func TestMain(m *testing.M) {
	if dir := os.Getenv("GWD_CRASH_CHILD"); dir != "" {
		crashChild(dir, os.Getenv("GWD_CRASH_SIM"))
		return
	}
	os.Exit(m.Run())
}

func crashChild(dir, simAddr string) {
	t := &testing.T{}
	// fsync on, as in production: with sync off a killed process may lose
	// the writes Pebble had not yet handed to the kernel.
	e := &env{t: t, dir: dir, sync: true}
	host, port, _ := strings.Cut(simAddr, ":")
	e.conn = smppc.DefaultConfig("sim")
	e.conn.Host = host
	fmt.Sscan(port, &e.conn.Port)
	e.conn.SubmitThroughput = 0
	e.open(true)
	if err := e.g.StopConnector("sim"); err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	fmt.Println("ADDR", e.g.SMPPAddr())
	select {}
}

func TestSIGKILLLosesNothingAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	sim, err := smsc.Start(smsc.Config{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "GWD_CRASH_CHILD="+dir, "GWD_CRASH_SIM="+sim.Addr().String())
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var addr string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if a, ok := strings.CutPrefix(sc.Text(), "ADDR "); ok {
			addr = a
			break
		}
		t.Log(sc.Text())
	}
	if addr == "" {
		t.Fatal("child did not start")
	}
	e := &env{t: t, dir: dir, sim: sim}
	d, err := netio.NewDialer(netio.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	e.d = d
	s, a, err := e.bindTo(addr, smpp.BindTransmitter, "user1", "pass1")
	if err != nil {
		t.Fatal(err)
	}
	const n = 300
	ids := sendN(t, s, a, n, 0)
	if len(ids) != n {
		t.Fatalf("%d acknowledged", len(ids))
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	// Restart on the same store, with the connector started.
	host, port, _ := strings.Cut(sim.Addr().String(), ":")
	e.conn = smppc.DefaultConfig("sim")
	e.conn.Host = host
	fmt.Sscan(port, &e.conn.Port)
	e.open(false)
	if err := e.g.StartConnector("sim"); err != nil {
		t.Fatal(err)
	}
	defer func() {
		t.Logf("sim: %+v queue %+v up %v sent %d", sim.Stats().Total, e.g.Connector("sim").Queue().Stats(), e.g.Connector("sim").Up(), e.g.Connector("sim").Stats.SubmitSent.Load())
	}()
	waitUntil(t, "every acknowledged message at the SMSC", func() bool { return sim.Stats().Total.SubmitOK >= n })
}

func cutHostPort(addr string) (string, int, error) {
	host, port, _ := strings.Cut(addr, ":")
	var n int
	_, err := fmt.Sscan(port, &n)
	return host, n, err
}

func newDialer() (*netio.Dialer, error) { return netio.NewDialer(netio.Options{}) }

func dialApp(e *env, app session.App, window int) (*session.Session, error) {
	s, err := session.Dial(context.Background(), e.d, e.g.SMPPAddr().String(), session.Config{Window: window}, app,
		session.BindRequest{Type: smpp.BindTransceiver, SystemID: "user1", Password: "pass1"})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	return s, s.WaitBound(ctx)
}
