package mt

import (
	"errors"
	"testing"

	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/smpp"
)

func TestRecordRoundTrip(t *testing.T) {
	p := smpp.PDU{Header: smpp.Header{Command: smpp.SubmitSM, Seq: 77}}
	p.Source.Addr = []byte("1000")
	p.Dest.Addr = []byte("33600000001")
	p.ShortMessage = []byte("hello")
	r := Record{ID: NewID(), UID: "u1", Channel: router.ChannelHTTP, Part: 2, Parts: 3,
		DLR: DLRRequest{Level: DLRBoth, URL: "http://127.0.0.1/dlr?x=1", Method: "POST"}, RespCharge: 150_000}
	b := r.AppendPDU(nil, &p)
	if p.Seq != 77 {
		t.Fatalf("AppendPDU changed the caller's sequence number: %d", p.Seq)
	}
	var got Record
	if err := got.Decode(b); err != nil {
		t.Fatal(err)
	}
	if got.ID != r.ID || got.UID != "u1" || got.Channel != router.ChannelHTTP || got.Part != 2 || got.Parts != 3 ||
		got.DLR != r.DLR || got.RespCharge != 150_000 {
		t.Fatalf("decoded %+v, want %+v", got, r)
	}
	var q smpp.PDU
	if err := q.Decode(got.PDU); err != nil {
		t.Fatal(err)
	}
	if string(q.Dest.Addr) != "33600000001" || string(q.ShortMessage) != "hello" || q.Seq != 0 {
		t.Fatalf("decoded PDU %+v", q)
	}
	hdr := len(b) - len(got.PDU)
	for n := range hdr + 16 {
		if err := got.Decode(b[:n]); !errors.Is(err, ErrBadRecord) {
			t.Fatalf("truncated at %d: err %v", n, err)
		}
	}
}

func TestIDsUniqueAndShaped(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := NewID()
		if len(id) != IDLen || id[8] != '-' || id[13] != '-' || id[14] != '4' || id[18] != '-' || id[23] != '-' {
			t.Fatalf("id %q is not UUID-shaped", id)
		}
		if seen[id] {
			t.Fatalf("duplicate id %q", id)
		}
		seen[id] = true
	}
}

func FuzzRecordDecode(f *testing.F) {
	p := smpp.PDU{Header: smpp.Header{Command: smpp.SubmitSM}}
	r := Record{ID: "x", UID: "u", Part: 1, Parts: 1}
	f.Add(r.AppendPDU(nil, &p))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		var r Record
		if r.Decode(b) == nil {
			again := r.AppendTo(nil)
			var r2 Record
			if err := r2.Decode(again); err != nil {
				t.Fatalf("re-encoded record does not decode: %v", err)
			}
		}
	})
}
