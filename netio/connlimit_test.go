package netio

import (
	"crypto/tls"
	"net"
	"testing"
	"time"
)

// TestConnLimit: on both paths (gnet, TLS), with a cap of 2 connections
// per IP address, a third from 127.0.0.1 is closed at accept without a
// Handler (before its TLS handshake) and counted, while the two admitted
// are still served; once one closes, its place is given to a new client.
func TestConnLimit(t *testing.T) {
	for _, v := range variants(t) {
		t.Run(v.name, func(t *testing.T) {
			lim := NewConnLimit(0, 2)
			s, hs := listen(t, v, Options{Limit: lim})
			a, b := dialRaw(t, v, s), dialRaw(t, v, s)
			defer b.Close()
			for i, nc := range []net.Conn{a, b} {
				if _, err := nc.Write(enquire(uint32(i + 1))); err != nil {
					t.Fatal(err)
				}
				wantResp(t, readFrame(t, nc), 0x80000015, 0, uint32(i+1))
			}
			over, err := net.Dial("tcp", s.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer over.Close()
			expectEOF(t, over)
			if got := lim.Refused.Load(); got != 1 {
				t.Errorf("Refused = %d, want 1", got)
			}
			if got := lim.Counts.Counts(); got != [4]uint64{0, 1, 0, 0} {
				t.Errorf("Counts = %v, want one per_ip refusal", got)
			}
			if n := len(hs); n != 2 {
				t.Errorf("%d handlers made, want 2", n)
			}
			if _, err := b.Write(enquire(3)); err != nil {
				t.Fatal(err)
			}
			wantResp(t, readFrame(t, b), 0x80000015, 0, 3)

			_ = a.Close()
			deadline := time.Now().Add(5 * time.Second)
			for {
				var c net.Conn
				var err error
				if v.clientTLS != nil {
					c, err = tls.Dial("tcp", s.Addr().String(), v.clientTLS) // fails while refused
				} else {
					c, err = net.Dial("tcp", s.Addr().String())
				}
				if err == nil {
					_, _ = c.Write(enquire(4))
					_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
					n, _ := c.Read(make([]byte, 16))
					_ = c.Close()
					if n > 0 {
						return
					}
				}
				if time.Now().After(deadline) {
					t.Fatal("the place the closed client freed was not given again")
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}
