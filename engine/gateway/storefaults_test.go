package gateway

import (
	"errors"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linxGnu/gosmpp"
	"github.com/linxGnu/gosmpp/data"
	"github.com/linxGnu/gosmpp/pdu"

	"github.com/gwd-project/gwd/engine/egress"
	"github.com/gwd-project/gwd/engine/mt"
	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/smpp"
	"github.com/gwd-project/gwd/smsc"
	"github.com/gwd-project/gwd/store"
)

// fakeDisk is a disk whose free space a test sets: full or not.
type fakeDisk struct{ full atomic.Bool }

func (d *fakeDisk) free(string) (uint64, error) {
	if d.full.Load() {
		return 0, nil
	}
	return 1 << 40, nil
}

// newFakeDiskEnv is a gateway bound to a simulator configured as sim,
// whose store measures free space on a fakeDisk, and whose callbacks may
// reach loopback receivers.
func newFakeDiskEnv(t *testing.T, sim smsc.Config) (*env, *fakeDisk) {
	disk := &fakeDisk{}
	e := newEnvWith(t, sim, nil, nil, func(o *Options) {
		o.StoreFreeSpace = disk.free
		g, err := egress.New(egress.Options{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
		if err != nil {
			t.Fatal(err)
		}
		o.CallbackGuard = g
	})
	e.waitUp()
	return e, disk
}

// waitStoreFull waits until the store refuses writes as full (or accepts
// them again): the committer measures free space once a second.
func (e *env) waitStoreFull(full bool) {
	e.t.Helper()
	waitUntil(e.t, "the store's full-disk state", func() bool {
		err := e.g.db.Do(func(*store.Batch) {})
		return errors.Is(err, store.ErrDiskFull) == full
	})
}

// A multipart HTTP message's receipts arrive while the store refuses
// writes: the SMSC is answered ESME_RSYSERR (not OK, which dropped the
// receipt), sends them again, and once the store works the one receipt
// of the message reaches its dlr-url.
func TestMultipartReceiptOnStoreErrorIsRetried(t *testing.T) {
	e, disk := newFakeDiskEnv(t, smsc.Config{ReceiptDelay: smsc.Duration{Duration: 3 * time.Second}})
	sk, u := newSink(t)
	id := e.submitTwoParts(u + "/dlr")
	disk.full.Store(true)
	e.waitStoreFull(true)
	// Both receipts answered, each refused at least once.
	waitUntil(t, "receipts refused", func() bool {
		st := e.sim.Stats().Total
		return st.ReceiptsSent >= 4 && st.ReceiptsAcked == 0
	})
	if st := e.sim.Stats().Total; st.ReceiptsAcked != 0 {
		t.Fatalf("%d receipts answered OK while the store refused writes", st.ReceiptsAcked)
	}
	disk.full.Store(false)
	waitUntil(t, "the message's receipt at its dlr-url", func() bool { return len(sk.all()) >= 1 })
	got := sk.all()
	if len(got) != 1 || got[0].Get("id") != id || got[0].Get("message_status") != "DELIVRD" {
		t.Fatalf("dlr-url got %v, want one DELIVRD receipt for %s", got, id)
	}
	if st := e.sim.Stats().Total; st.ReceiptsLost != 0 {
		t.Fatalf("the SMSC gave up %d receipts", st.ReceiptsLost)
	}
}

// submitTwoParts submits a two-part HTTP message asking for its final
// receipt at dlrURL, and waits for both parts at the SMSC.
func (e *env) submitTwoParts(dlrURL string) string {
	t := e.t
	t.Helper()
	dst := smpp.Address{TON: 1, NPI: 1, Addr: []byte("33600000001")}
	part := func(i byte) smpp.PDU {
		return smpp.PDU{Dest: dst, EsmClass: 0x40, RegisteredDelivery: 1,
			ShortMessage: []byte{5, 0, 3, 0x42, 2, i, 'p', 'a', 'r', 't', '0' + i}}
	}
	s := &mt.Submit{User: e.g.Accounts().User("u1"), Channel: router.ChannelHTTP, Received: time.Now(),
		DLR:   mt.DLRRequest{Level: mt.DLRTerminal, URL: dlrURL, Method: "GET"},
		Parts: []smpp.PDU{part(1), part(2)}}
	done := make(chan error, 1)
	var id string
	e.g.SubmitMT(s, func(got string, err error) { id = got; done <- err })
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "both parts at the SMSC", func() bool { return e.sim.Stats().Total.SubmitOK >= 2 })
	return id
}

// A full disk refuses submit_sm with ESME_RMSGQFUL (seen by gosmpp, not
// this project's client), and the same bind is accepted again once
// space returns.
func TestDiskFullRefusesSubmitWithMsgQFull(t *testing.T) {
	disk := &fakeDisk{}
	e := newEnvWith(t, smsc.Config{}, nil, nil, func(o *Options) { o.StoreFreeSpace = disk.free })
	e.waitUp()
	statuses := make(chan data.CommandStatusType, 16)
	sess, err := gosmpp.NewSession(
		gosmpp.TXConnector(gosmpp.NonTLSDialer, gosmpp.Auth{SMSC: e.g.SMPPAddr().String(), SystemID: "user1", Password: "pass1"}),
		gosmpp.Settings{ReadTimeout: 10 * time.Second, OnPDU: func(p pdu.PDU, _ bool) {
			if r, ok := p.(*pdu.SubmitSMResp); ok {
				statuses <- r.CommandStatus
			}
		}}, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	submit := func() data.CommandStatusType {
		t.Helper()
		if err := sess.Transmitter().Submit(gosmppSubmit("hello", 0)); err != nil {
			t.Fatal(err)
		}
		select {
		case st := <-statuses:
			return st
		case <-time.After(waitLimit):
			t.Fatal("no submit_sm_resp")
		}
		return 0
	}
	if st := submit(); st != data.ESME_ROK {
		t.Fatalf("submit before the disk fills: %v", st)
	}
	disk.full.Store(true)
	e.waitStoreFull(true)
	if st := submit(); st != data.ESME_RMSGQFUL {
		t.Fatalf("submit on a full disk: status %#x, want ESME_RMSGQFUL (0x14)", uint32(st))
	}
	disk.full.Store(false)
	e.waitStoreFull(false)
	if st := submit(); st != data.ESME_ROK {
		t.Fatalf("submit once space returned: %v", st)
	}
	waitUntil(t, "the two accepted messages at the SMSC", func() bool { return e.sim.Stats().Total.SubmitOK >= 2 })
	time.Sleep(100 * time.Millisecond)
	if n := e.sim.Stats().Total.SubmitOK; n != 2 {
		t.Fatalf("the SMSC got %d messages, want the 2 accepted", n)
	}
}

// gosmppSubmit is gosmpp's submit_sm from acme to 33600000001.
func gosmppSubmit(text string, registeredDelivery byte) *pdu.SubmitSM {
	sm := pdu.NewSubmitSM().(*pdu.SubmitSM)
	src, dst := pdu.NewAddress(), pdu.NewAddress()
	_ = src.SetAddress("acme")
	_ = dst.SetAddress("33600000001")
	sm.SourceAddr, sm.DestAddr = src, dst
	_ = sm.Message.SetMessageWithEncoding(text, data.GSM7BIT)
	sm.RegisteredDelivery = registeredDelivery
	return sm
}

// The SMSC accepts a message while the disk is critically low: the ack
// that carries its DLR mapping waits for space instead of failing (which
// left the message leased and its mapping unwritten until a restart), the
// receipt that comes meanwhile is answered ESME_RSYSERR instead of OK as
// unknown (which lost it), and once space returns the SMSC's next copy
// is matched and reaches the dlr-url, once.
func TestReceiptOfMessageAcceptedOnFullDiskIsKept(t *testing.T) {
	e, disk := newFakeDiskEnv(t, smsc.Config{ResponseDelay: smsc.Duration{Duration: 3 * time.Second},
		ReceiptDelay: smsc.Duration{Duration: 500 * time.Millisecond}})
	sk, u := newSink(t)
	s := &mt.Submit{User: e.g.Accounts().User("u1"), Channel: router.ChannelHTTP, Received: time.Now(),
		DLR: mt.DLRRequest{Level: mt.DLRTerminal, URL: u + "/dlr", Method: "GET"},
		Parts: []smpp.PDU{{Dest: smpp.Address{TON: 1, NPI: 1, Addr: []byte("33600000001")},
			RegisteredDelivery: 1, ShortMessage: []byte("hello")}}}
	done := make(chan error, 1)
	var id string
	e.g.SubmitMT(s, func(got string, err error) { id = got; done <- err })
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	disk.full.Store(true)
	e.waitStoreFull(true)
	waitUntil(t, "the receipt refused while the disk is full", func() bool {
		st := e.sim.Stats().Total
		return st.SubmitOK >= 1 && st.ReceiptsSent >= 2
	})
	if st := e.sim.Stats().Total; st.ReceiptsAcked != 0 {
		t.Fatalf("%d receipts answered OK while their mapping could not be written", st.ReceiptsAcked)
	}
	disk.full.Store(false)
	waitUntil(t, "the message's receipt at its dlr-url", func() bool { return len(sk.all()) >= 1 })
	got := sk.all()
	if len(got) != 1 || got[0].Get("id") != id || got[0].Get("message_status") != "DELIVRD" {
		t.Fatalf("dlr-url got %v, want one DELIVRD receipt for %s", got, id)
	}
}
