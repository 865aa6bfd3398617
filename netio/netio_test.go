package netio

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"errors"
	"io"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/gwd-project/gwd/smpp"
)

// echoHandler answers every frame with a body-less response carrying the
// request's sequence number, and records what it saw.
type echoHandler struct {
	mu     sync.Mutex
	frames [][]byte
	ticks  int
	closed chan error
}

func newEcho() *echoHandler { return &echoHandler{closed: make(chan error, 1)} }

func (h *echoHandler) OnFrame(c *Conn, frame []byte) {
	hd := smpp.ReadHeader(frame)
	h.mu.Lock()
	h.frames = append(h.frames, append([]byte(nil), frame...))
	h.mu.Unlock()
	if hd.Command.IsResponse() {
		return
	}
	_ = c.Write(smpp.AppendEmpty(nil, hd.Command.Resp(), smpp.ESME_ROK, hd.Seq))
}

func (h *echoHandler) OnTick(c *Conn, now time.Time) {
	h.mu.Lock()
	h.ticks++
	h.mu.Unlock()
}

func (h *echoHandler) OnClose(c *Conn, err error) { h.closed <- err }

func (h *echoHandler) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.frames)
}

type variant struct {
	name      string
	serverTLS *tls.Config
	clientTLS *tls.Config
}

func variants(t *testing.T) []variant {
	srv, cli := tlsConfigs(t)
	return []variant{{name: "gnet"}, {name: "tls", serverTLS: srv, clientTLS: cli}}
}

// listen starts a server whose handlers are collected in the returned channel.
func listen(t *testing.T, v variant, opts Options) (*Server, chan *echoHandler) {
	t.Helper()
	opts.TLS = v.serverTLS
	hs := make(chan *echoHandler, 16)
	s, err := Listen("127.0.0.1:0", opts, func(c *Conn) Handler {
		h := newEcho()
		hs <- h
		return h
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, hs
}

// dialRaw opens a plain or TLS net.Conn to s.
func dialRaw(t *testing.T, v variant, s *Server) net.Conn {
	t.Helper()
	var nc net.Conn
	var err error
	if v.clientTLS != nil {
		nc, err = tls.Dial("tcp", s.Addr().String(), v.clientTLS)
	} else {
		nc, err = net.Dial("tcp", s.Addr().String())
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = nc.Close() })
	return nc
}

func readFrame(t *testing.T, nc net.Conn) []byte {
	t.Helper()
	_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	var hdr [4]byte
	if _, err := io.ReadFull(nc, hdr[:]); err != nil {
		t.Fatalf("read length: %v", err)
	}
	n := binary.BigEndian.Uint32(hdr[:])
	buf := make([]byte, n)
	copy(buf, hdr[:])
	if _, err := io.ReadFull(nc, buf[4:]); err != nil {
		t.Fatalf("read body: %v", err)
	}
	return buf
}

func enquire(seq uint32) []byte { return smpp.AppendEmpty(nil, smpp.EnquireLink, 0, seq) }

func wantResp(t *testing.T, frame []byte, cmd smpp.CommandID, st smpp.Status, seq uint32) {
	t.Helper()
	h := smpp.ReadHeader(frame)
	if h.Command != cmd || h.Status != st || h.Seq != seq || int(h.Length) != len(frame) {
		t.Fatalf("got %v status %v seq %d len %d, want %v %v seq %d", h.Command, h.Status, h.Seq, h.Length, cmd, st, seq)
	}
}

func expectEOF(t *testing.T, nc net.Conn) {
	t.Helper()
	_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	var b [1]byte
	if _, err := nc.Read(b[:]); err == nil {
		t.Fatal("connection still open")
	} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("connection not closed within 5s")
	}
}

func TestFramingManyPDUsInOneWrite(t *testing.T) {
	for _, v := range variants(t) {
		t.Run(v.name, func(t *testing.T) {
			s, _ := listen(t, v, Options{})
			nc := dialRaw(t, v, s)
			var batch []byte
			for i := uint32(1); i <= 50; i++ {
				batch = append(batch, enquire(i)...)
			}
			if _, err := nc.Write(batch); err != nil {
				t.Fatal(err)
			}
			for i := uint32(1); i <= 50; i++ {
				wantResp(t, readFrame(t, nc), smpp.EnquireLinkResp, 0, i)
			}
		})
	}
}

func TestFramingAcrossPartialReads(t *testing.T) {
	for _, v := range variants(t) {
		t.Run(v.name, func(t *testing.T) {
			s, hs := listen(t, v, Options{})
			nc := dialRaw(t, v, s)
			p := smpp.PDU{Header: smpp.Header{Command: smpp.SubmitSM, Seq: 7}, ShortMessage: []byte("hello world")}
			p.Dest.Addr = []byte("33600000001")
			frame := p.AppendTo(nil)
			stream := append(append([]byte{}, frame...), enquire(8)...)
			// One octet at a time: the length itself arrives in pieces.
			for i := range stream {
				if _, err := nc.Write(stream[i : i+1]); err != nil {
					t.Fatal(err)
				}
				time.Sleep(200 * time.Microsecond)
			}
			wantResp(t, readFrame(t, nc), smpp.SubmitSMResp, 0, 7)
			wantResp(t, readFrame(t, nc), smpp.EnquireLinkResp, 0, 8)
			h := <-hs
			h.mu.Lock()
			got := h.frames[0]
			h.mu.Unlock()
			if !bytes.Equal(got, frame) {
				t.Fatalf("frame changed in transit:\n got %x\nwant %x", got, frame)
			}
		})
	}
}

func TestShortFrameGetsGenericNackAndCloseOthersUnaffected(t *testing.T) {
	for _, v := range variants(t) {
		t.Run(v.name, func(t *testing.T) {
			s, _ := listen(t, v, Options{})
			good := dialRaw(t, v, s)
			bad := dialRaw(t, v, s)
			// command_length 8: shorter than a header.
			frame := []byte{0, 0, 0, 8, 0, 0, 0, 0x15, 0, 0, 0, 0, 0, 0, 0, 9}
			if _, err := bad.Write(frame); err != nil {
				t.Fatal(err)
			}
			wantResp(t, readFrame(t, bad), smpp.GenericNack, smpp.ESME_RINVCMDLEN, 9)
			expectEOF(t, bad)
			if _, err := good.Write(enquire(3)); err != nil {
				t.Fatal(err)
			}
			wantResp(t, readFrame(t, good), smpp.EnquireLinkResp, 0, 3)
		})
	}
}

func TestOversizedFrameGetsGenericNackAndClose(t *testing.T) {
	for _, v := range variants(t) {
		t.Run(v.name, func(t *testing.T) {
			s, hs := listen(t, v, Options{MaxPDUSize: 1024})
			nc := dialRaw(t, v, s)
			hdr := smpp.AppendHeader(nil, 1025, smpp.SubmitSM, 0, 42)
			if _, err := nc.Write(hdr); err != nil {
				t.Fatal(err)
			}
			wantResp(t, readFrame(t, nc), smpp.GenericNack, smpp.ESME_RINVCMDLEN, 42)
			expectEOF(t, nc)
			h := <-hs
			select {
			case err := <-h.closed:
				if !errors.Is(err, ErrFrameTooLong) {
					t.Fatalf("OnClose error %v, want ErrFrameTooLong", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("OnClose not called")
			}
			if h.count() != 0 {
				t.Fatal("oversized frame reached the handler")
			}
		})
	}
}

func TestPDUReadTimeout(t *testing.T) {
	for _, v := range variants(t) {
		t.Run(v.name, func(t *testing.T) {
			s, hs := listen(t, v, Options{PDUReadTimeout: 150 * time.Millisecond, TickInterval: 20 * time.Millisecond})
			nc := dialRaw(t, v, s)
			if _, err := nc.Write(enquire(1)[:10]); err != nil {
				t.Fatal(err)
			}
			expectEOF(t, nc)
			h := <-hs
			if err := <-h.closed; !errors.Is(err, ErrPDUReadTimeout) {
				t.Fatalf("OnClose error %v, want ErrPDUReadTimeout", err)
			}
		})
	}
}

func TestHalfCloseStillAnswered(t *testing.T) {
	for _, v := range variants(t) {
		t.Run(v.name, func(t *testing.T) {
			s, _ := listen(t, v, Options{})
			nc := dialRaw(t, v, s)
			if _, err := nc.Write(append(enquire(5), smpp.AppendEmpty(nil, smpp.Unbind, 0, 6)...)); err != nil {
				t.Fatal(err)
			}
			switch c := nc.(type) {
			case *net.TCPConn:
				_ = c.CloseWrite()
			case *tls.Conn:
				_ = c.CloseWrite()
			}
			wantResp(t, readFrame(t, nc), smpp.EnquireLinkResp, 0, 5)
			wantResp(t, readFrame(t, nc), smpp.UnbindResp, 0, 6)
			expectEOF(t, nc)
		})
	}
}

// pushHandler writes from outside the event loop, as a store completion does.
type pushHandler struct {
	echoHandler
	conn chan *Conn
}

func (h *pushHandler) OnFrame(c *Conn, frame []byte) {
	select {
	case h.conn <- c:
	default:
	}
}

func TestWritesFromOtherGoroutinesAreFlushed(t *testing.T) {
	for _, v := range variants(t) {
		t.Run(v.name, func(t *testing.T) {
			h := &pushHandler{echoHandler: *newEcho(), conn: make(chan *Conn, 1)}
			s, err := Listen("127.0.0.1:0", Options{TLS: v.serverTLS}, func(c *Conn) Handler { return h })
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			nc := dialRaw(t, v, s)
			if _, err := nc.Write(enquire(1)); err != nil {
				t.Fatal(err)
			}
			c := <-h.conn
			var wg sync.WaitGroup
			for g := 0; g < 4; g++ {
				wg.Add(1)
				go func(g int) {
					defer wg.Done()
					for i := 0; i < 250; i++ {
						if err := c.Write(enquire(uint32(g*1000 + i))); err != nil {
							t.Error(err)
							return
						}
					}
				}(g)
			}
			wg.Wait()
			seen := map[uint32]bool{}
			for i := 0; i < 1000; i++ {
				f := readFrame(t, nc)
				seen[smpp.ReadHeader(f).Seq] = true
			}
			if len(seen) != 1000 {
				t.Fatalf("got %d distinct frames, want 1000", len(seen))
			}
		})
	}
}

func TestSlowConsumerIsClosedNotBuffered(t *testing.T) {
	for _, v := range variants(t) {
		t.Run(v.name, func(t *testing.T) {
			h := &pushHandler{echoHandler: *newEcho(), conn: make(chan *Conn, 1)}
			s, err := Listen("127.0.0.1:0", Options{TLS: v.serverTLS, MaxPending: 256 << 10}, func(c *Conn) Handler { return h })
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			nc := dialRaw(t, v, s)
			if tc, ok := nc.(*net.TCPConn); ok {
				_ = tc.SetReadBuffer(4096)
			}
			if _, err := nc.Write(enquire(1)); err != nil {
				t.Fatal(err)
			}
			c := <-h.conn
			big := make([]byte, 1000)
			binary.BigEndian.PutUint32(big, 1000)
			binary.BigEndian.PutUint32(big[4:], uint32(smpp.DeliverSM))
			var werr error
			// The peer never reads: 64 MiB would be written if nothing pushed back.
			for i := 0; i < 64<<10 && werr == nil; i++ {
				werr = c.Write(big)
				if i%256 == 0 {
					time.Sleep(time.Millisecond) // let the loop flush into the kernel
				}
			}
			if !errors.Is(werr, ErrSlowConsumer) && !errors.Is(werr, ErrClosed) {
				t.Fatalf("write error %v, want ErrSlowConsumer", werr)
			}
			select {
			case err := <-h.closed:
				if !errors.Is(err, ErrSlowConsumer) {
					t.Fatalf("OnClose error %v, want ErrSlowConsumer", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("slow consumer not closed")
			}
		})
	}
}

// dialHandler is the client side of a Dialer test.
type dialHandler struct{ echoHandler }

func TestDialerRoundTripAndClose(t *testing.T) {
	for _, v := range variants(t) {
		t.Run(v.name, func(t *testing.T) {
			s, hs := listen(t, v, Options{TickInterval: 10 * time.Millisecond})
			d, err := NewDialer(Options{TLS: v.clientTLS, TickInterval: 10 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			ch := &dialHandler{echoHandler: *newEcho()}
			c, err := d.Dial(context.Background(), s.Addr().String(), ch)
			if err != nil {
				t.Fatal(err)
			}
			// The server answers each request; the client sees the answers.
			for i := uint32(1); i <= 10; i++ {
				if err := c.Write(enquire(i)); err != nil {
					t.Fatal(err)
				}
			}
			sh := <-hs
			deadline := time.Now().Add(5 * time.Second)
			for (ch.count() < 10 || sh.count() < 10) && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			if ch.count() < 10 || sh.count() < 10 {
				t.Fatalf("client saw %d, server saw %d frames", ch.count(), sh.count())
			}
			time.Sleep(50 * time.Millisecond)
			ch.mu.Lock()
			ticks := ch.ticks
			ch.mu.Unlock()
			if ticks == 0 {
				t.Fatal("client OnTick never ran")
			}
			c.Close()
			select {
			case err := <-ch.closed:
				if err != nil {
					t.Fatalf("client OnClose error %v, want nil for our own close", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("client OnClose not called")
			}
			select {
			case err := <-sh.closed:
				if !errors.Is(err, ErrPeerClosed) {
					t.Fatalf("server OnClose error %v, want ErrPeerClosed", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("server OnClose not called")
			}
		})
	}
}

func TestServerCloseClosesConnections(t *testing.T) {
	for _, v := range variants(t) {
		t.Run(v.name, func(t *testing.T) {
			s, hs := listen(t, v, Options{})
			nc := dialRaw(t, v, s)
			if _, err := nc.Write(enquire(1)); err != nil {
				t.Fatal(err)
			}
			readFrame(t, nc)
			h := <-hs
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			select {
			case <-h.closed:
			case <-time.After(5 * time.Second):
				t.Fatal("OnClose not called on server close")
			}
			expectEOF(t, nc)
			if _, err := net.DialTimeout("tcp", s.Addr().String(), time.Second); err == nil {
				t.Fatal("server still accepting after Close")
			}
		})
	}
}

func TestListenErrorNamesAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, err = Listen(ln.Addr().String(), Options{}, func(c *Conn) Handler { return newEcho() })
	if err == nil {
		t.Fatal("listening on a taken port succeeded")
	}
	if !bytes.Contains([]byte(err.Error()), []byte(ln.Addr().String())) {
		t.Fatalf("error %q does not name the address", err)
	}
}

// tlsConfigs makes a throwaway CA-less self-signed pair for 127.0.0.1.
func tlsConfigs(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "gwd-test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}
	client = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	return server, client
}

// A connection's own PDU read timeout (a connector's pdu_red_to) wins over
// the dialer's: a peer that stops mid-frame is dropped after it.
func TestDialedConnPDUReadTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		_, _ = nc.Write(enquire(1)[:10]) // half a frame, and nothing more
		_, _ = io.Copy(io.Discard, nc)
	}()
	d, err := NewDialer(Options{TickInterval: 10 * time.Millisecond, PDUReadTimeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ch := &dialHandler{echoHandler: *newEcho()}
	c, err := d.Dial(context.Background(), ln.Addr().String(), ch)
	if err != nil {
		t.Fatal(err)
	}
	c.SetPDUReadTimeout(150 * time.Millisecond)
	select {
	case err := <-ch.closed:
		if !errors.Is(err, ErrPDUReadTimeout) {
			t.Fatalf("OnClose error %v, want ErrPDUReadTimeout", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the dialed connection waited past its own PDU read timeout")
	}
}
