package gateway

import (
	"testing"
	"time"

	"github.com/gwd-project/gwd/smpp"
	"github.com/gwd-project/gwd/smsc"
)

// Receipts that arrive after a restart find their mappings only on disk:
// the DLR readers read them off the connector's loop, and each reaches
// the ESME that sent the message, with its id.
func TestReceiptsAfterRestartReadFromDisk(t *testing.T) {
	e := newEnv(t, smsc.Config{ReceiptDelay: smsc.Duration{Duration: 2 * time.Second}}, nil)
	e.waitUp()
	s, a := e.mustBind(smpp.BindTransmitter)
	const n = 10
	ids := sendN(t, s, a, n, 1)
	waitUntil(t, "messages at the SMSC", func() bool { return e.sim.Stats().Total.SubmitOK >= n })
	s.Close()
	if err := e.g.Close(); err != nil {
		t.Fatal(err)
	}
	if got := e.sim.Stats().Total.ReceiptsAcked; got != 0 {
		t.Fatalf("%d receipts answered before the restart: the test proves nothing", got)
	}
	e.open(false) // the connector starts again by itself
	_, rx := e.mustBind(smpp.BindReceiver)
	waitUntil(t, "receipts at the ESME", func() bool { _, d := rx.counts(); return d >= n })
	wantReceipts(t, rx, ids)
	// The SMSC's answer and the ESME's deliver_sm both follow the same
	// durable write, in either order.
	waitUntil(t, "every receipt answered OK to the SMSC", func() bool { return e.sim.Stats().Total.ReceiptsAcked >= n })
}
