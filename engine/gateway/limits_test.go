package gateway

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/smpp"
)

// refusedAtAccept reports whether gwd closes c without a word, even when
// a bind is sent on it.
func refusedAtAccept(t *testing.T, c net.Conn) bool {
	t.Helper()
	_, _ = c.Write(bindPDU("user1", "pass1")) // may fail: already closed
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := c.Read(make([]byte, 16))
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return false
	}
	return n == 0 && err != nil
}

// enquire sends an enquire_link on a bound c and reports whether it was
// answered ESME_ROK.
func enquire(t *testing.T, c net.Conn) bool {
	t.Helper()
	var req [16]byte
	binary.BigEndian.PutUint32(req[0:], 16)
	binary.BigEndian.PutUint32(req[4:], 0x00000015)
	binary.BigEndian.PutUint32(req[12:], 7)
	if _, err := c.Write(req[:]); err != nil {
		t.Logf("enquire_link: %v", err)
		return false
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var h [16]byte
	if _, err := io.ReadFull(c, h[:]); err != nil {
		t.Logf("enquire_link_resp: %v", err)
		return false
	}
	return binary.BigEndian.Uint32(h[4:]) == 0x80000015 && binary.BigEndian.Uint32(h[8:]) == 0
}

// TestSMPPConnectionCaps: with max_connections 3 and
// max_connections_per_ip 2, a third connection from 127.0.0.1 and a
// fourth in all (from 127.0.0.2) are closed at accept, unanswered even
// when they send a bind, and counted; the three admitted ESMEs stay bound
// and answered, and a place freed is taken again.
func TestSMPPConnectionCaps(t *testing.T) {
	g := authEnv(t, func(c *config.Config) {
		c.SMPPServer.MaxConnections = 3
		c.SMPPServer.MaxConnectionsPerIP = 2
	}, [2]string{"user1", "pass1"})
	addr := g.SMPPAddr().String()
	bound := func(src string) net.Conn {
		c := dialFrom(t, src, addr)
		t.Cleanup(func() { _ = c.Close() })
		if _, err := c.Write(bindPDU("user1", "pass1")); err != nil {
			t.Fatal(err)
		}
		if st := readBindResp(t, c, 10*time.Second); st != smpp.ESME_ROK {
			t.Fatalf("bind from %s: %v", src, st)
		}
		return c
	}
	a1, a2 := bound("127.0.0.1"), bound("127.0.0.1")
	a3 := dialFrom(t, "127.0.0.1", addr)
	defer a3.Close()
	if !refusedAtAccept(t, a3) {
		t.Error("a third connection from 127.0.0.1 was not closed at accept")
	}
	b1 := bound("127.0.0.2") // its own address: under its cap
	b2 := dialFrom(t, "127.0.0.2", addr)
	defer b2.Close()
	if !refusedAtAccept(t, b2) {
		t.Error("a fourth connection in all was not closed at accept")
	}
	for i, c := range []net.Conn{a1, a2, b1} {
		if !enquire(t, c) {
			t.Errorf("admitted connection %d no longer answered", i+1)
		}
	}
	var m strings.Builder
	g.WriteMetrics(&m)
	if !strings.Contains(m.String(), "\nsmppsapi_refused_connect_count 2\n") {
		t.Errorf("metrics: want smppsapi_refused_connect_count 2 in\n%s", m.String())
	}
	_ = a1.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c := dialFrom(t, "127.0.0.1", addr)
		_, _ = c.Write(bindPDU("user1", "pass1"))
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		var h [16]byte
		_, err := io.ReadFull(c, h[:])
		_ = c.Close()
		if err == nil && binary.BigEndian.Uint32(h[8:]) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the place a1 freed was not taken again")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
