package netio

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"

	"github.com/gwd-project/gwd/smpp"
)

type nopTransport struct{}

func (nopTransport) wake()  {}
func (nopTransport) abort() {}

type collect struct{ frames [][]byte }

func (h *collect) OnFrame(c *Conn, f []byte)     { h.frames = append(h.frames, append([]byte(nil), f...)) }
func (h *collect) OnTick(c *Conn, now time.Time) {}
func (h *collect) OnClose(c *Conn, err error)    {}
func fuzzConn(max int) (*Conn, *collect) {
	opts := Options{MaxPDUSize: max}.withDefaults()
	c := newConn(&opts, nil, nil)
	h := &collect{}
	c.h, c.tr = h, nopTransport{}
	return c, h
}

// FuzzFraming feeds a byte stream to the framer in arbitrary chunks, as reads
// deliver it, and checks the frames it hands out against a reference framer:
// same frames in the same order whatever the chunking, a generic_nack
// ESME_RINVCMDLEN and a stop at the first length out of bounds.
func FuzzFraming(f *testing.F) {
	el := smpp.AppendEmpty(nil, smpp.EnquireLink, 0, 1)
	f.Add(el, uint8(3))
	f.Add(append(append([]byte{}, el...), el...), uint8(17))
	f.Add([]byte{0, 0, 0, 8, 0, 0, 0, 21, 0, 0, 0, 0, 0, 0, 0, 1}, uint8(1))
	f.Add([]byte{0xFF, 0xFF, 0xFF, 0xFF}, uint8(2))
	f.Fuzz(func(t *testing.T, stream []byte, chunk uint8) {
		const max = 256
		// Reference: frame the whole stream at once.
		var want [][]byte
		broken := false
		for rest := stream; len(rest) >= 4; {
			n := int(binary.BigEndian.Uint32(rest))
			if n < smpp.HeaderLen || n > max {
				broken = true
				break
			}
			if len(rest) < n {
				break
			}
			want = append(want, rest[:n])
			rest = rest[n:]
		}
		c, h := fuzzConn(max)
		step := int(chunk)%64 + 1
		var buf []byte
		var ferr error
		for i := 0; i < len(stream) && ferr == nil; i += step {
			buf = append(buf, stream[i:min(i+step, len(stream))]...)
			var used int
			used, ferr = c.consume(buf, time.Now)
			buf = buf[used:]
		}
		if len(h.frames) != len(want) {
			t.Fatalf("got %d frames, want %d", len(h.frames), len(want))
		}
		for i := range want {
			if !bytes.Equal(h.frames[i], want[i]) {
				t.Fatalf("frame %d differs", i)
			}
		}
		if broken != (ferr != nil) {
			t.Fatalf("broken stream %v but framing error %v", broken, ferr)
		}
		if broken {
			out, closing := c.takeOut()
			if !closing || len(out) != smpp.HeaderLen {
				t.Fatalf("after a framing error: closing %v, %d octets queued", closing, len(out))
			}
			hd := smpp.ReadHeader(out)
			if hd.Command != smpp.GenericNack || hd.Status != smpp.ESME_RINVCMDLEN {
				t.Fatalf("queued %v %v, want generic_nack ESME_RINVCMDLEN", hd.Command, hd.Status)
			}
		}
	})
}
