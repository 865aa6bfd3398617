package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/netio/tlsconf/tlstest"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runGWD runs gwd (run, as main does) until the test ends; its output
// (start-up lines, log) goes to the returned buffer.
func runGWD(t *testing.T, cfg config.Config) *syncBuffer {
	t.Helper()
	out := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, cfg, false, out) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Error(err)
			}
		case <-time.After(30 * time.Second):
			t.Error("gwd did not stop")
		}
	})
	return out
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestHTTPSListeners runs gwd with tls_cert/tls_key in [http-api],
// [junebug] and [admin-api]: net/http with the CA gets /ping over HTTPS,
// plain HTTP on the same port gets no HTTP answer, the startup lines say
// https, and SIGHUP makes new connections see the rotated certificate.
func TestHTTPSListeners(t *testing.T) {
	ca := tlstest.NewCA(t, "gwd CA")
	pair := ca.Leaf(t, "gwd")
	cfg := config.Default()
	cfg.Store.Path = t.TempDir()
	cfg.Store.Sync = false
	cfg.SMPPServer.Bind, cfg.SMPPServer.Port = "127.0.0.1", 0
	cfg.HTTPAPI.Bind, cfg.HTTPAPI.Port = "127.0.0.1", 0
	cfg.JCli.Port = 0
	cfg.Junebug.Port = 0
	cfg.AdminAPI.Port = 0
	cfg.HTTPAPI.TLSCert, cfg.HTTPAPI.TLSKey = pair.CertFile, pair.KeyFile
	cfg.Junebug.TLSCert, cfg.Junebug.TLSKey = pair.CertFile, pair.KeyFile
	cfg.AdminAPI.TLSCert, cfg.AdminAPI.TLSKey = pair.CertFile, pair.KeyFile
	out := runGWD(t, cfg)
	addrRE := regexp.MustCompile(`(?m)^gwd: (HTTP API listening on|Junebug channel API on|admin API listening on) (\w+)://(\S+)$`)
	waitFor(t, "the admin API line", func() bool { return len(addrRE.FindAllString(out.String(), -1)) == 3 })
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: ca.ClientConfig()}, Timeout: 10 * time.Second}
	var apiAddr string
	for _, m := range addrRE.FindAllStringSubmatch(out.String(), -1) {
		if m[2] != "https" {
			t.Errorf("%q: scheme %s, want https", m[0], m[2])
		}
		if strings.HasPrefix(m[1], "HTTP API") {
			apiAddr = m[3]
		}
	}
	resp, err := client.Get("https://" + apiAddr + "/ping")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.TLS == nil || resp.TLS.PeerCertificates[0].Subject.CommonName != "gwd" {
		t.Fatalf("GET /ping over HTTPS: %d %q", resp.StatusCode, body)
	}
	plain := &http.Client{Timeout: 10 * time.Second}
	if resp, err := plain.Get("http://" + apiAddr + "/ping"); err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Fatalf("plain HTTP on the HTTPS port answered 200 %q", b)
		}
	}
	// An older TLS is refused.
	if c, err := tls.Dial("tcp", apiAddr, &tls.Config{RootCAs: ca.Pool(), ServerName: "127.0.0.1", MaxVersion: tls.VersionTLS11}); err == nil {
		c.Close()
		t.Fatal("TLS 1.1 accepted")
	}

	tlstest.CopyPair(t, ca.Leaf(t, "gwd-rotated"), pair)
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the reload log lines", func() bool { return strings.Count(out.String(), "TLS certificate reloaded") == 3 })
	client.CloseIdleConnections()
	resp, err = client.Get("https://" + apiAddr + "/ping")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if cn := resp.TLS.PeerCertificates[0].Subject.CommonName; cn != "gwd-rotated" {
		t.Fatalf("after SIGHUP the HTTP API serves %q, want gwd-rotated", cn)
	}
}
