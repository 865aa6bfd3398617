package backoff

import (
	"bytes"
	"testing"

	"github.com/gwd-project/gwd/smpp"
)

// A record written before retries had headers (a bare deliver_sm PDU,
// as every outbox record on disk after an upgrade) reads as attempt 0
// with the whole record as its body; one with a header gives back its
// header and the PDU unchanged.
func TestSplitReadsRecordsWithAndWithoutHeader(t *testing.T) {
	p := smpp.PDU{Header: smpp.Header{Command: smpp.DeliverSM, Seq: 7}, ShortMessage: []byte("old record")}
	old := p.AppendTo(nil)
	h, body := Split(old)
	if h != (Header{}) || !bytes.Equal(body, old) {
		t.Fatalf("old record split into %+v, %x", h, body)
	}
	want := Header{Tries: 3, NotBefore: 1_800_000_000_000_000_000, First: 1_700_000_000_000_000_000}
	h, body = Split(AppendRecord(nil, want, old))
	if h != want || !bytes.Equal(body, old) {
		t.Fatalf("record with a header split into %+v, %x", h, body)
	}
	var q smpp.PDU
	if err := q.Decode(body); err != nil || string(q.ShortMessage) != "old record" {
		t.Fatalf("body decodes to %q, %v", q.ShortMessage, err)
	}
}

// Split meets whatever a queue holds: it never panics, a record with a
// header re-encodes to itself, and one without comes back whole.
func FuzzSplit(f *testing.F) {
	f.Add(AppendRecord(nil, Header{Tries: 3, NotBefore: 1_700_000_000_000_000_000, First: 1_699_999_999_000_000_000}, []byte{0, 0, 0, 16}))
	f.Add([]byte{0, 0, 0, 16, 0, 0, 0, 4})
	f.Add([]byte{headerMagic})
	f.Fuzz(func(t *testing.T, rec []byte) {
		h, body := Split(rec)
		if len(rec) >= HeaderLen && rec[0] == headerMagic {
			if got := AppendRecord(nil, h, body); string(got) != string(rec) {
				t.Fatalf("record %x re-encodes as %x", rec, got)
			}
			return
		}
		if h != (Header{}) || string(body) != string(rec) {
			t.Fatalf("record %x without a header split into %+v, %x", rec, h, body)
		}
	})
}
