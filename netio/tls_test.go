package netio

import (
	"crypto/tls"
	"net"
	"testing"
	"time"
)

// TestTLSHandshakeTimeout: a client that connects to a TLS server and
// never sends a ClientHello is closed after HandshakeTimeout, and never
// reaches a Handler; meanwhile another client completes its handshake
// and is served at once (the slow one does not hold the accept loop).
func TestTLSHandshakeTimeout(t *testing.T) {
	srv, cli := tlsConfigs(t)
	v := variant{name: "tls", serverTLS: srv, clientTLS: cli}
	// The timeout leaves a good client's handshake room on a loaded
	// machine (race detector, shared CPUs).
	s, hs := listen(t, v, Options{HandshakeTimeout: time.Second})

	idle, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()

	start := time.Now()
	nc := dialRaw(t, v, s)
	if _, err := nc.Write(enquire(7)); err != nil {
		t.Fatal(err)
	}
	wantResp(t, readFrame(t, nc), 0x80000015, 0, 7)
	if d := time.Since(start); d > 800*time.Millisecond {
		t.Errorf("a good client waited %v behind an idle one", d)
	}

	expectEOF(t, idle)
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("idle client closed after %v, before the handshake timeout", d)
	}
	// crypto/tls closes the connection from its own goroutine when the
	// context ends, before HandshakeContext returns and the failure is
	// counted: wait for the count.
	deadline := time.Now().Add(5 * time.Second)
	for s.HandshakeFailures.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := s.HandshakeFailures.Load(); got != 1 {
		t.Errorf("HandshakeFailures = %d, want 1", got)
	}
	if n := len(hs); n != 1 {
		t.Errorf("%d handlers made, want 1 (only the client that completed its handshake)", n)
	}
}

// TestTLSServerClosesDuringHandshake: Close does not wait for a client
// stuck in its handshake.
func TestTLSServerClosesDuringHandshake(t *testing.T) {
	srv, _ := tlsConfigs(t)
	s, err := Listen("127.0.0.1:0", Options{TLS: srv, HandshakeTimeout: time.Minute}, func(c *Conn) Handler { return newEcho() })
	if err != nil {
		t.Fatal(err)
	}
	idle, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	time.Sleep(50 * time.Millisecond) // let the server accept it
	done := make(chan error, 1)
	go func() { done <- s.Close() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close blocked on a handshake in progress")
	}
	expectEOF(t, idle)
}

// TestDialTLSPerConnection: one Dialer (with event loops, no TLS of its
// own) dials a TLS server with a configuration given per call.
func TestDialTLSPerConnection(t *testing.T) {
	srv, cli := tlsConfigs(t)
	s, _ := listen(t, variant{serverTLS: srv}, Options{})
	d, err := NewDialer(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	h := &dialHandler{echoHandler: *newEcho()}
	if _, err := d.DialTLS(t.Context(), s.Addr().String(), &tls.Config{MinVersion: tls.VersionTLS12, ServerName: "127.0.0.1"}, h); err == nil {
		t.Fatal("dial with system roots verified a self-signed certificate")
	}
	c, err := d.DialTLS(t.Context(), s.Addr().String(), cli, h)
	if err != nil {
		t.Fatal(err)
	}
	if d.reg.len() != 1 {
		t.Fatalf("Conns = %d", d.reg.len())
	}
	c.Close()
}
