//go:build chaos

package chaos

import (
	"os"
	"path/filepath"
	"testing"
)

// TestVerifyCountsLossesAndDuplicates: the verification the scenarios
// rely on finds each kind of loss and duplicate (it could otherwise pass
// by checking nothing).
func TestVerifyCountsLossesAndDuplicates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "record")
	lines := "MT a1 s1\nMT a2 s1\nMT a3 s2\nMT a4 b1\nDLR a1 DELIVRD\nMO o1\nMO o2\nMT a5 s"
	if err := os.WriteFile(path, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	rec := newSMSCRecord(path)
	if err := rec.read(); err != nil {
		t.Fatal(err)
	}
	l := newLedger()
	l.ack("s1", "id1") // at the SMSC twice, receipt twice
	l.ack("s2", "id2") // at the SMSC, no receipt
	l.ack("s3", "id3") // not at the SMSC (the partial last line "s" is not it), receipt received
	l.ack("b1", "")    // a batch message: no receipt expected
	l.receipt("id1")
	l.receipt("id1")
	l.receipt("id3")
	l.mo("o1") // o2 acknowledged by gwd, never received
	l.mo("o1")
	r := count(l, rec)
	want := result{ackMT: 4, ackMO: 2, atSMSC: 3, receipts: 2, moDelivered: 1, lost: 3, dupMT: 1, dupRcpt: 1, dupMO: 1}
	if r.ackMT != want.ackMT || r.ackMO != want.ackMO || r.atSMSC != want.atSMSC || r.receipts != want.receipts ||
		r.moDelivered != want.moDelivered || r.lost != want.lost || r.dupMT != want.dupMT || r.dupRcpt != want.dupRcpt || r.dupMO != want.dupMO {
		t.Fatalf("count: %+v\nwant %+v", r, want)
	}
	if r.lostMT != 1 || r.lostRcpt != 1 || r.lostMO != 1 {
		t.Fatalf("lost %d MT, %d receipts, %d MO; want 1 of each", r.lostMT, r.lostRcpt, r.lostMO)
	}
	// The partial line is read once it is whole.
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("3\n")
	f.Close()
	if err := rec.read(); err != nil {
		t.Fatal(err)
	}
	if r := count(l, rec); r.lost != 2 {
		t.Fatalf("after s3 arrived: lost %d, want 2 (%v)", r.lost, r.missing)
	}
}
