package smsc

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linxGnu/gosmpp"
	"github.com/linxGnu/gosmpp/data"
	"github.com/linxGnu/gosmpp/pdu"
)

// TestIndependentClient drives the simulator with gosmpp's own session code,
// written independently of this project: bind, submit with receipts, get
// responses and receipts, receive an MO, see the configured throttling.
func TestIndependentClient(t *testing.T) {
	t.Parallel()
	sim, err := Start(Config{Listen: "127.0.0.1:0", Users: map[string]string{"acme": "secret"}, ReceiptDelay: Duration{50 * time.Millisecond}, Throttle: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()

	var mu sync.Mutex
	var resps []*pdu.SubmitSMResp
	var receipts, mos []string
	sess, err := gosmpp.NewSession(
		gosmpp.TRXConnector(gosmpp.NonTLSDialer, gosmpp.Auth{SMSC: sim.Addr().String(), SystemID: "acme", Password: "secret"}),
		gosmpp.Settings{
			ReadTimeout: 10 * time.Second,
			OnPDU: func(p pdu.PDU, _ bool) {
				mu.Lock()
				defer mu.Unlock()
				switch pd := p.(type) {
				case *pdu.SubmitSMResp:
					resps = append(resps, pd)
				case *pdu.DeliverSM:
					msg, _ := pd.Message.GetMessage()
					if pd.EsmClass&0x04 != 0 {
						receipts = append(receipts, msg)
					} else {
						mos = append(mos, msg)
					}
				}
			},
		}, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()

	for i := 0; i < 20; i++ {
		sm := pdu.NewSubmitSM().(*pdu.SubmitSM)
		src := pdu.NewAddress()
		_ = src.SetAddress("acme")
		dst := pdu.NewAddress()
		_ = dst.SetAddress("33600000001")
		sm.SourceAddr, sm.DestAddr = src, dst
		_ = sm.Message.SetMessageWithEncoding("hello independent", data.GSM7BIT)
		sm.RegisteredDelivery = 1
		if err := sess.Transceiver().Submit(sm); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := sim.SendMO(MO{From: "33611111111", To: "1234", Content: "ping from the handset"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		done := len(resps) == 20 && len(receipts) == 20 && len(mos) == 1
		mu.Unlock()
		if done {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(resps) != 20 || len(receipts) != 20 || len(mos) != 1 {
		t.Fatalf("got %d responses, %d receipts, %d MO; want 20, 20, 1", len(resps), len(receipts), len(mos))
	}
	ids := map[string]bool{}
	for _, r := range resps {
		if r.CommandStatus != data.ESME_ROK || len(r.MessageID) != 16 {
			t.Fatalf("submit_sm_resp status %v id %q", r.CommandStatus, r.MessageID)
		}
		ids[r.MessageID] = true
	}
	for _, rc := range receipts {
		id := strings.TrimPrefix(strings.Fields(rc)[0], "id:")
		if !ids[id] || !strings.Contains(rc, "stat:DELIVRD") || !strings.Contains(rc, "text:hello independent") {
			t.Fatalf("receipt %q does not match a submitted id or lacks stat/text", rc)
		}
	}
	if mos[0] != "ping from the handset" {
		t.Fatalf("MO %q", mos[0])
	}
	st := sim.Stats()
	if st.Total.ReceiptsAcked != 20 || st.Total.MOAcked != 1 || st.Total.SubmitOK != 20 {
		t.Fatalf("stats %+v", st.Total)
	}
}

// gosmppTRX binds a gosmpp transceiver to sim and collects the
// submit_sm_resp it gets.
func gosmppTRX(t *testing.T, sim *Sim) (*gosmpp.Session, func() []*pdu.SubmitSMResp) {
	t.Helper()
	var mu sync.Mutex
	var resps []*pdu.SubmitSMResp
	sess, err := gosmpp.NewSession(
		gosmpp.TRXConnector(gosmpp.NonTLSDialer, gosmpp.Auth{SMSC: sim.Addr().String(), SystemID: "acme", Password: "secret"}),
		gosmpp.Settings{
			ReadTimeout: 10 * time.Second,
			OnPDU: func(p pdu.PDU, _ bool) {
				if r, ok := p.(*pdu.SubmitSMResp); ok {
					mu.Lock()
					resps = append(resps, r)
					mu.Unlock()
				}
			},
		}, -1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sess.Close() })
	return sess, func() []*pdu.SubmitSMResp {
		mu.Lock()
		defer mu.Unlock()
		return append([]*pdu.SubmitSMResp(nil), resps...)
	}
}

// gosmppSubmitN submits n messages and waits for their n responses.
func gosmppSubmitN(t *testing.T, sess *gosmpp.Session, got func() []*pdu.SubmitSMResp, n int) []*pdu.SubmitSMResp {
	t.Helper()
	for i := 0; i < n; i++ {
		sm := pdu.NewSubmitSM().(*pdu.SubmitSM)
		src := pdu.NewAddress()
		_ = src.SetAddress("acme")
		dst := pdu.NewAddress()
		_ = dst.SetAddress("33600000001")
		sm.SourceAddr, sm.DestAddr = src, dst
		_ = sm.Message.SetMessageWithEncoding("faulty", data.GSM7BIT)
		if err := sess.Transceiver().Submit(sm); err != nil {
			t.Fatal(err)
		}
	}
	waitUntil(t, "gosmpp submit_sm_resp", func() bool { return len(got()) >= n })
	return got()
}

// TestIndependentClientFaults checks with gosmpp that injected errors and
// throttling reach the wire as configured.
func TestIndependentClientFaults(t *testing.T) {
	t.Parallel()
	t.Run("error_status", func(t *testing.T) {
		t.Parallel()
		sim := startSim(t, Config{ErrorPercent: 100, ErrorStatus: "ESME_RSYSERR"})
		sess, got := gosmppTRX(t, sim)
		for _, r := range gosmppSubmitN(t, sess, got, 10) {
			if r.CommandStatus != 0x08 { // ESME_RSYSERR
				t.Fatalf("submit_sm_resp status %#x, want 0x08", int32(r.CommandStatus))
			}
		}
	})
	t.Run("throttle", func(t *testing.T) {
		t.Parallel()
		const limit, n = 5, 30
		sim := startSim(t, Config{Throttle: limit})
		sess, got := gosmppTRX(t, sim)
		start := time.Now()
		resps := gosmppSubmitN(t, sess, got, n)
		elapsed := time.Since(start)
		count := map[data.CommandStatusType]int{}
		for _, r := range resps {
			count[r.CommandStatus]++
		}
		ok, throttled := count[data.ESME_ROK], count[0x58]
		if ok+throttled != n {
			t.Fatalf("statuses %v, want only 0x00 and 0x58", count)
		}
		// Within one second the window admits exactly limit submits.
		if ok < limit || ok > 2*limit || elapsed < time.Second && ok != limit {
			t.Fatalf("%d ok, %d throttled (0x58) in %v; want %d ok", ok, throttled, elapsed, limit)
		}
	})
}
