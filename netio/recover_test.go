package netio

import (
	"errors"
	"testing"
	"time"

	"github.com/gwd-project/gwd/smpp"
)

// panicHandler echoes like echoHandler but panics on a frame whose
// sequence number is 666 (the test hook), and writes a nil PDU, whose
// encoding panics while the output side is locked, on 667.
type panicHandler struct{ *echoHandler }

func (h panicHandler) OnFrame(c *Conn, frame []byte) {
	switch smpp.ReadHeader(frame).Seq {
	case 666:
		panic("handler bug")
	case 667:
		_ = c.WriteSMPP(nil)
	}
	h.echoHandler.OnFrame(c, frame)
}

// TestHandlerPanicClosesOnlyThatConnection: a panic in OnFrame (or in
// WriteSMPP's encoding, with the output side locked) closes that connection, with
// ErrHandlerPanic for OnClose, counts it, and leaves the listener and the
// other connections serving — over gnet and over TLS.
func TestHandlerPanicClosesOnlyThatConnection(t *testing.T) {
	for _, v := range variants(t) {
		for _, seq := range []uint32{666, 667} {
			t.Run(v.name, func(t *testing.T) {
				hs := make(chan panicHandler, 4)
				s, err := Listen("127.0.0.1:0", Options{TLS: v.serverTLS}, func(c *Conn) Handler {
					h := panicHandler{newEcho()}
					hs <- h
					return h
				})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = s.Close() })
				before := panics.Get()
				good := dialRaw(t, v, s)
				if _, err := good.Write(enquire(1)); err != nil {
					t.Fatal(err)
				}
				wantResp(t, readFrame(t, good), smpp.EnquireLinkResp, 0, 1)
				goodH := <-hs

				bad := dialRaw(t, v, s)
				if _, err := bad.Write(enquire(seq)); err != nil {
					t.Fatal(err)
				}
				expectEOF(t, bad)
				badH := <-hs
				select {
				case err := <-badH.closed:
					if !errors.Is(err, ErrHandlerPanic) {
						t.Errorf("OnClose(%v), want ErrHandlerPanic", err)
					}
				case <-time.After(5 * time.Second):
					t.Fatal("OnClose not called")
				}
				if n := panics.Get() - before; n != 1 {
					t.Errorf("gwd_panics_total{where=smpp} +%d, want 1", n)
				}
				if _, err := good.Write(enquire(2)); err != nil {
					t.Fatal(err)
				}
				wantResp(t, readFrame(t, good), smpp.EnquireLinkResp, 0, 2)
				third := dialRaw(t, v, s)
				if _, err := third.Write(enquire(3)); err != nil {
					t.Fatal(err)
				}
				wantResp(t, readFrame(t, third), smpp.EnquireLinkResp, 0, 3)
				_ = goodH
			})
		}
	}
}

// TestPanicInTickAndSerialized: OnTick and Serialized functions are
// guarded too (MemConn: no socket).
func TestPanicInTickAndSerialized(t *testing.T) {
	h := &tickPanic{echoHandler: newEcho()}
	m := NewMemConn(Options{}, func(*Conn) Handler { return h })
	m.Tick(time.Now())
	if _, closing := m.Output(); !closing {
		t.Error("a panic in OnTick did not close the connection")
	}
	m2 := NewMemConn(Options{}, func(*Conn) Handler { return newEcho() })
	if !m2.Serialized(func() { panic("late callback bug") }) {
		t.Fatal("Serialized did not run")
	}
	if _, closing := m2.Output(); !closing {
		t.Error("a panic in a Serialized function did not close the connection")
	}
}

type tickPanic struct{ *echoHandler }

func (tickPanic) OnTick(*Conn, time.Time) { panic("tick bug") }
