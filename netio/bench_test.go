package netio

import (
	"testing"
	"time"

	"github.com/gwd-project/gwd/smpp"
)

// BenchmarkWriteSMPPAndFeed is the per-message work netio does for a
// session: one frame in (consume → OnFrame, which answers with WriteSMPP)
// and its output taken, on a MemConn.
func BenchmarkWriteSMPPAndFeed(b *testing.B) {
	m := NewMemConn(Options{}, func(*Conn) Handler { return &respHandler{} })
	frame := smpp.AppendEmpty(nil, smpp.EnquireLink, 0, 1)
	b.ReportAllocs()
	for b.Loop() {
		if err := m.Feed(frame); err != nil {
			b.Fatal(err)
		}
		buf, _ := m.takeOut()
		m.giveBack(buf, 0)
	}
}

type respHandler struct{ p smpp.PDU }

func (h *respHandler) OnFrame(c *Conn, frame []byte) {
	hd := smpp.ReadHeader(frame)
	h.p = smpp.PDU{Header: smpp.Header{Command: hd.Command.Resp(), Seq: hd.Seq}}
	_ = c.WriteSMPP(&h.p)
}
func (h *respHandler) OnTick(*Conn, time.Time) {}
func (h *respHandler) OnClose(*Conn, error)    {}
