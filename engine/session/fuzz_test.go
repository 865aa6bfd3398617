package session

import (
	"encoding/binary"
	"testing"

	"github.com/gwd-project/gwd/netio"
	"github.com/gwd-project/gwd/smpp"
)

type fuzzApp struct{ BaseApp }

func (fuzzApp) Bind(*Session, *smpp.PDU) smpp.Status { return smpp.ESME_ROK }
func (fuzzApp) Request(s *Session, req *smpp.PDU) {
	_ = s.Respond(req.Command, req.Seq, smpp.ESME_ROK, []byte("1"))
}

// FuzzServerSession sends a bound server session arbitrary PDUs. Whatever
// arrives, the session must not panic, everything it writes must be a
// well-formed PDU, and every request must get exactly one answer (its
// response or a generic_nack) carrying the request's sequence number.
func FuzzServerSession(f *testing.F) {
	sub := smpp.PDU{Header: smpp.Header{Command: smpp.SubmitSM, Seq: 2}, ShortMessage: []byte("hi")}
	f.Add(sub.AppendTo(nil))
	f.Add(smpp.AppendEmpty(nil, smpp.EnquireLink, 0, 3))
	f.Add(smpp.AppendEmpty(nil, smpp.Unbind, 0, 4))
	f.Add(smpp.AppendEmpty(nil, 0x99, 0, 5))
	f.Add(smpp.AppendEmpty(nil, smpp.SubmitSM, 0, 6))
	bind := smpp.PDU{Header: smpp.Header{Command: smpp.BindTransceiver, Seq: 1}, SystemID: []byte("u")}
	bindFrame := bind.AppendTo(nil)
	f.Fuzz(func(t *testing.T, frame []byte) {
		if len(frame) < smpp.HeaderLen || len(frame) > 4096 {
			return
		}
		binary.BigEndian.PutUint32(frame, uint32(len(frame)))
		m := netio.NewMemConn(netio.Options{}, NewServerHandler(Config{}, fuzzApp{}))
		if err := m.Feed(bindFrame); err != nil {
			t.Fatal(err)
		}
		if out, _ := m.Output(); smpp.ReadHeader(out).Status != smpp.ESME_ROK {
			t.Fatal("bind failed")
		}
		if err := m.Feed(frame); err != nil {
			t.Fatal(err)
		}
		out, _ := m.Output()
		hd := smpp.ReadHeader(frame)
		answers := 0
		for len(out) > 0 {
			var p smpp.PDU
			n := int(binary.BigEndian.Uint32(out))
			if err := p.Decode(out[:n]); err != nil {
				t.Fatalf("session wrote a PDU that does not decode: %v (%x)", err, out[:n])
			}
			if p.Seq == hd.Seq {
				answers++
			}
			out = out[n:]
		}
		request := !hd.Command.IsResponse() && hd.Command != smpp.AlertNotification && hd.Command != smpp.Outbind
		if request && answers != 1 {
			t.Fatalf("%v seq %d got %d answers, want 1", hd.Command, hd.Seq, answers)
		}
		if !request && answers != 0 && hd.Command.Known() {
			t.Fatalf("%v (no answer due) got %d answers", hd.Command, answers)
		}
		m.Finish(nil)
	})
}
