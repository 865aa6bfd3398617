package tlsconf_test

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gwd-project/gwd/netio/tlsconf"
	"github.com/gwd-project/gwd/netio/tlsconf/tlstest"
)

func TestCertReload(t *testing.T) {
	ca := tlstest.NewCA(t, "ca")
	p := ca.Leaf(t, "one")
	c, err := tlsconf.LoadCert(p.CertFile, p.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	cn := func() string {
		got, _ := c.GetCertificate(nil)
		return got.Leaf.Subject.CommonName
	}
	if cn() != "one" {
		t.Fatal(cn())
	}
	tlstest.CopyPair(t, ca.Leaf(t, "two"), p)
	if err := c.Reload(); err != nil || cn() != "two" {
		t.Fatalf("reload: %v, serving %q", err, cn())
	}
	// A key that does not match the certificate: refused, "two" stays.
	other := ca.Leaf(t, "three")
	b, _ := os.ReadFile(other.CertFile)
	if err := os.WriteFile(p.CertFile, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := c.Reload(); err == nil || cn() != "two" {
		t.Fatalf("mismatched pair: %v, serving %q", err, cn())
	}
	if _, err := tlsconf.LoadCert(p.CertFile, "/nonexistent/key.pem"); err == nil || !strings.Contains(err.Error(), "/nonexistent/key.pem") {
		t.Fatalf("missing key: %v", err)
	}
}

func TestClientConfigErrors(t *testing.T) {
	ca := tlstest.NewCA(t, "ca")
	p := ca.Leaf(t, "client")
	junk := t.TempDir() + "/junk.pem"
	_ = os.WriteFile(junk, []byte("junk"), 0o600)
	for _, tc := range []struct {
		c    tlsconf.Client
		want string
	}{
		{tlsconf.Client{CAFile: "/nonexistent/ca.pem"}, "ssl_ca_file"},
		{tlsconf.Client{CAFile: junk}, "ssl_ca_file: " + junk + " holds no PEM certificate"},
		{tlsconf.Client{CertFile: p.CertFile}, "ssl_key_file: must be set"},
		{tlsconf.Client{KeyFile: p.KeyFile}, "ssl_cert_file: must be set"},
		{tlsconf.Client{CertFile: p.CertFile, KeyFile: junk}, "ssl_cert_file: with ssl_key_file"},
	} {
		if _, err := tc.c.Config(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.c, err, tc.want)
		}
	}
	cfg, err := tlsconf.Client{ServerName: "smsc.example", CAFile: ca.File, CertFile: p.CertFile, KeyFile: p.KeyFile}.Config()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MinVersion != tls.VersionTLS12 || cfg.ServerName != "smsc.example" || cfg.InsecureSkipVerify || len(cfg.Certificates) != 1 || cfg.RootCAs == nil {
		t.Fatalf("config %+v", cfg)
	}
}

// TestListenerHandshakeTimeout: behind Listener, a client that connects
// and sends nothing is closed after the timeout, and one that speaks
// plain HTTP is closed; neither reaches Accept (the server never sees,
// nor logs, them), while a real client is served meanwhile.
func TestListenerHandshakeTimeout(t *testing.T) {
	ca := tlstest.NewCA(t, "ca")
	p := ca.Leaf(t, "srv")
	cert, err := tlsconf.LoadCert(p.CertFile, p.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := tlsconf.Listener(raw, cert.ServerConfig(), 300*time.Millisecond)
	defer ln.Close()
	var accepted atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			go func() { // an echo server
				defer c.Close()
				_, _ = io.Copy(c, c)
			}()
		}
	}()
	idle, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	good, err := tls.Dial("tcp", ln.Addr().String(), ca.ClientConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer good.Close()
	if _, err := good.Write([]byte("hi")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 2)
	if _, err := io.ReadFull(good, buf); err != nil || string(buf) != "hi" {
		t.Fatalf("echo: %q %v", buf, err)
	}
	start := time.Now()
	_ = idle.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = idle.Read(buf)
	var ne net.Error
	if err == nil || (errors.As(err, &ne) && ne.Timeout()) {
		t.Fatalf("idle client not closed: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("idle client closed after %v", d)
	}
	plain, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	_, _ = plain.Write([]byte("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n"))
	_ = plain.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, _ := io.ReadAll(plain)
	if strings.Contains(string(got), "HTTP/1.1") {
		t.Fatalf("plain HTTP answered: %q", got)
	}
	if n := accepted.Load(); n != 1 {
		t.Fatalf("Accept returned %d connections, want 1 (the TLS client)", n)
	}
}
