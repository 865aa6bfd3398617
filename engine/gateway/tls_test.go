package gateway

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linxGnu/gosmpp"
	"github.com/linxGnu/gosmpp/data"
	"github.com/linxGnu/gosmpp/pdu"

	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/engine/session"
	"github.com/gwd-project/gwd/engine/smppc"
	"github.com/gwd-project/gwd/netio/tlsconf/tlstest"
	"github.com/gwd-project/gwd/smpp"
	"github.com/gwd-project/gwd/smsc"
)

// tlsSetup is a TLS smppsim (certificate from simCA) and a gateway whose
// SMPP port serves TLS (certificate from gwdCA) from [smpp-server]
// tls_cert and tls_key, as gwd.toml sets them.
type tlsSetup struct {
	*env
	simCA, gwdCA *tlstest.CA
	gwdPair      tlstest.Pair
	logs         *syncBuffer
}

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

func newTLSSetup(t *testing.T, simCfg smsc.Config, tune func(*smppc.Config), tuneCfg func(*config.Config)) *tlsSetup {
	t.Helper()
	ts := &tlsSetup{simCA: tlstest.NewCA(t, "smsc CA"), gwdCA: tlstest.NewCA(t, "gwd CA"), logs: &syncBuffer{}}
	simPair := ts.simCA.Leaf(t, "smsc")
	ts.gwdPair = ts.gwdCA.Leaf(t, "gwd")
	simCfg.TLSCert, simCfg.TLSKey = simPair.CertFile, simPair.KeyFile
	ts.env = newEnvWith(t, simCfg, func(c *smppc.Config) {
		c.SSL = true
		c.SSLCAFile = ts.simCA.File
		if tune != nil {
			tune(c)
		}
	}, func(c *config.Config) {
		c.SMPPServer.TLSCert, c.SMPPServer.TLSKey = ts.gwdPair.CertFile, ts.gwdPair.KeyFile
		if tuneCfg != nil {
			tuneCfg(c)
		}
	}, func(o *Options) {
		o.Log = slog.New(slog.NewTextHandler(ts.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		o.SMPPPlainAddr = "127.0.0.1:0"
	})
	return ts
}

// TestTLSEndToEnd: gosmpp (not gwd's code) binds over TLS to gwd's SMPP
// port, trusting only gwd's CA; it submits with registered_delivery; the
// messages reach smppsim over the connector's TLS link (verified with
// ssl_ca_file); the receipts come back as deliver_sm over TLS.
func TestTLSEndToEnd(t *testing.T) {
	ts := newTLSSetup(t, smsc.Config{}, nil, nil)
	ts.waitUp()
	type got struct{ resps, receipts []string }
	ch := make(chan func(*got), 100)
	var states []tls.ConnectionState
	var smu sync.Mutex
	dialer := func(addr string) (net.Conn, error) {
		c, err := tls.Dial("tcp", addr, ts.gwdCA.ClientConfig())
		if err == nil {
			smu.Lock()
			states = append(states, c.ConnectionState())
			smu.Unlock()
		}
		return c, err
	}
	sess, err := gosmpp.NewSession(
		gosmpp.TRXConnector(dialer, gosmpp.Auth{SMSC: ts.g.SMPPAddr().String(), SystemID: "user1", Password: "pass1"}),
		gosmpp.Settings{
			ReadTimeout: 10 * time.Second,
			OnPDU: func(p pdu.PDU, _ bool) {
				switch pd := p.(type) {
				case *pdu.SubmitSMResp:
					id, st := pd.MessageID, pd.CommandStatus
					ch <- func(g *got) {
						if st == data.ESME_ROK {
							g.resps = append(g.resps, id)
						}
					}
				case *pdu.DeliverSM:
					msg, _ := pd.Message.GetMessage()
					if pd.EsmClass&0x04 != 0 {
						ch <- func(g *got) { g.receipts = append(g.receipts, msg) }
					}
				}
			},
		}, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	const n = 5
	for range n {
		if err := sess.Transceiver().Submit(gosmppSubmit("over TLS", 1)); err != nil {
			t.Fatal(err)
		}
	}
	var g got
	deadline := time.After(waitLimit)
	for len(g.resps) < n || len(g.receipts) < n {
		select {
		case f := <-ch:
			f(&g)
		case <-deadline:
			t.Fatalf("got %d responses, %d receipts; want %d each", len(g.resps), len(g.receipts), n)
		}
	}
	for _, rc := range g.receipts {
		if !strings.Contains(rc, "stat:DELIVRD") {
			t.Errorf("receipt %q", rc)
		}
	}
	if got := ts.sim.Stats().Total.SubmitOK; got < n {
		t.Errorf("smppsim accepted %d submits, want %d", got, n)
	}
	smu.Lock()
	defer smu.Unlock()
	if len(states) == 0 || states[0].Version < tls.VersionTLS12 || states[0].PeerCertificates[0].Subject.CommonName != "gwd" {
		t.Errorf("TLS state %+v", states)
	}
}

// TestTLSPortRefusesPlaintext: a plaintext bind on the TLS port gets no
// bind_resp and the connection is closed; with plain_port set, the same
// bind succeeds on the plain listener only.
func TestTLSPortRefusesPlaintext(t *testing.T) {
	ts := newTLSSetup(t, smsc.Config{}, nil, func(c *config.Config) { c.SMPPServer.PlainPort = 2775 })
	var bind smpp.PDU
	bind.Command = smpp.BindTransceiver
	bind.Seq = 1
	bind.SystemID = []byte("user1")
	bind.Password = []byte("pass1")
	bind.InterfaceVersion = 0x34
	raw := bind.AppendTo(nil)
	rawBind := func(addr string) []byte {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Write(raw); err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(15 * time.Second))
		var got []byte
		buf := make([]byte, 4096)
		for {
			n, err := c.Read(buf)
			got = append(got, buf[:n]...)
			if len(got) >= 16 && binary.BigEndian.Uint32(got[4:8]) == uint32(smpp.BindTransceiverResp) {
				return got
			}
			if err != nil {
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					t.Fatalf("%s: connection still open after 15 s (got %x)", addr, got)
				}
				return got
			}
		}
	}
	got := rawBind(ts.g.SMPPAddr().String())
	if len(got) >= 8 && binary.BigEndian.Uint32(got[4:8]) == uint32(smpp.BindTransceiverResp) {
		t.Fatalf("plaintext bind on the TLS port answered: %x", got)
	}
	plain := ts.g.SMPPPlainAddr()
	if plain == nil {
		t.Fatal("plain_port set but no plain listener")
	}
	got = rawBind(plain.String())
	if len(got) < 16 || binary.BigEndian.Uint32(got[4:8]) != uint32(smpp.BindTransceiverResp) || binary.BigEndian.Uint32(got[8:12]) != 0 {
		t.Fatalf("plaintext bind on plain_port: %x, want bind_transceiver_resp ESME_ROK", got)
	}
}

// TestTLSVersions: TLS 1.0 and 1.1 are refused, 1.2 and 1.3 accepted;
// openssl s_client (when installed) completes a verified handshake.
func TestTLSVersions(t *testing.T) {
	ts := newTLSSetup(t, smsc.Config{}, nil, nil)
	addr := ts.g.SMPPAddr().String()
	for _, v := range []struct {
		v  uint16
		ok bool
	}{{tls.VersionTLS10, false}, {tls.VersionTLS11, false}, {tls.VersionTLS12, true}, {tls.VersionTLS13, true}} {
		cfg := ts.gwdCA.ClientConfig()
		cfg.MinVersion, cfg.MaxVersion = v.v, v.v
		c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, cfg)
		if (err == nil) != v.ok {
			t.Errorf("TLS version %x: err %v, want success %t", v.v, err, v.ok)
		}
		if c != nil {
			c.Close()
		}
	}
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Log("openssl not installed: s_client check skipped")
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, openssl, "s_client", "-connect", addr, "-CAfile", ts.gwdCA.File,
		"-verify_return_error", "-brief")
	cmd.Stdin = strings.NewReader("")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Verification: OK") {
		t.Fatalf("openssl s_client: %v\n%s", err, out)
	}
	cmd = exec.CommandContext(ctx, openssl, "s_client", "-connect", addr, "-CAfile", ts.gwdCA.File, "-tls1_1", "-brief")
	cmd.Stdin = strings.NewReader("")
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Fatalf("openssl s_client -tls1_1 succeeded:\n%s", out)
	}
}

// TestTLSReload: after the files change and ReloadTLS (SIGHUP), a bound
// TLS session keeps working and a new connection sees the new
// certificate; a bad file is refused and the certificate in use stays.
func TestTLSReload(t *testing.T) {
	ts := newTLSSetup(t, smsc.Config{}, nil, nil)
	ts.waitUp()
	addr := ts.g.SMPPAddr().String()
	s, a, err := ts.bindTLS(addr)
	if err != nil {
		t.Fatal(err)
	}
	peer := func() string {
		c, err := tls.Dial("tcp", addr, ts.gwdCA.ClientConfig())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.ConnectionState().PeerCertificates[0].Subject.CommonName
	}
	if cn := peer(); cn != "gwd" {
		t.Fatalf("before reload: %q", cn)
	}
	tlstest.CopyPair(t, ts.gwdCA.Leaf(t, "gwd-rotated"), ts.gwdPair)
	if cn := peer(); cn != "gwd" {
		t.Fatalf("files changed, no reload yet: %q", cn)
	}
	if err := ts.g.ReloadTLS(); err != nil {
		t.Fatal(err)
	}
	if cn := peer(); cn != "gwd-rotated" {
		t.Fatalf("after reload: %q, want gwd-rotated", cn)
	}
	if err := os.WriteFile(ts.gwdPair.KeyFile, []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := ts.g.ReloadTLS(); err == nil || !strings.Contains(err.Error(), "smpp-server") {
		t.Fatalf("reload of a bad key: %v", err)
	}
	if cn := peer(); cn != "gwd-rotated" {
		t.Fatalf("after a failed reload: %q", cn)
	}
	// The session bound before the reloads still carries traffic.
	if ids := sendN(t, s, a, 3, 0); len(ids) != 3 {
		t.Fatalf("submits through the old session: %v", ids)
	}
}

// TestConnectorTLSVerification: ssl_ca_file that did not sign the SMSC's
// certificate: no bind, and the log says why; ssl_verify no binds anyway
// (with a warning); a missing ssl_ca_file is refused when configured.
func TestConnectorTLSVerification(t *testing.T) {
	t.Run("wrong CA", func(t *testing.T) {
		other := tlstest.NewCA(t, "other CA")
		ts := newTLSSetup(t, smsc.Config{}, func(c *smppc.Config) { c.SSLCAFile = other.File }, nil)
		// The failure is counted before it is logged: wait for the log
		// line that says why.
		waitUntil(t, "a failed bind logged with its reason", func() bool {
			return strings.Contains(ts.logs.String(), "certificate signed by unknown authority")
		})
		if ts.g.Connector("sim").Stats.BindFailed.Load() == 0 {
			t.Fatal("the failed bind was not counted")
		}
		if ts.g.Connector("sim").Up() || ts.sim.Stats().Total.Binds != 0 {
			t.Fatal("connector bound to an SMSC whose certificate its CA did not sign")
		}
	})
	t.Run("ssl_verify no", func(t *testing.T) {
		other := tlstest.NewCA(t, "other CA")
		ts := newTLSSetup(t, smsc.Config{}, func(c *smppc.Config) { c.SSLCAFile = other.File; c.SSLVerify = false }, nil)
		ts.waitUp()
		if !strings.Contains(ts.logs.String(), "without verifying") {
			t.Fatalf("no warning for ssl_verify no:\n%s", ts.logs.String())
		}
	})
	t.Run("missing files", func(t *testing.T) {
		ts := newTLSSetup(t, smsc.Config{}, nil, nil)
		cfg := smppc.DefaultConfig("sim2")
		cfg.SSL = true
		cfg.SSLCAFile = "/nonexistent/ca.pem"
		if err := ts.g.AddConnector(cfg); err == nil || !strings.Contains(err.Error(), "ssl_ca_file") {
			t.Fatalf("AddConnector with a missing CA file: %v", err)
		}
		cfg.SSLCAFile = ""
		cfg.SSLCertFile = ts.gwdPair.CertFile
		if err := ts.g.AddConnector(cfg); err == nil || !strings.Contains(err.Error(), "ssl_key_file") {
			t.Fatalf("AddConnector with a certificate and no key: %v", err)
		}
		upd := ts.conn
		upd.SSLCAFile = "/nonexistent/ca.pem"
		if err := ts.g.UpdateConnector(upd); err == nil || !strings.Contains(err.Error(), "ssl_ca_file") {
			t.Fatalf("UpdateConnector with a missing CA file: %v", err)
		}
		if got := ts.g.Connector("sim").Config().SSLCAFile; got != ts.simCA.File {
			t.Fatalf("refused update changed ssl_ca_file to %q", got)
		}
	})
}

// TestConnectorClientCertificate: an SMSC that requires a client
// certificate refuses a connector without one and accepts it with
// ssl_cert_file and ssl_key_file.
func TestConnectorClientCertificate(t *testing.T) {
	clientCA := tlstest.NewCA(t, "client CA")
	t.Run("none", func(t *testing.T) {
		ts := newTLSSetup(t, smsc.Config{TLSClientCA: clientCA.File}, nil, nil)
		waitUntil(t, "a failed bind", func() bool { return ts.g.Connector("sim").Stats.BindFailed.Load() > 0 })
		if ts.g.Connector("sim").Up() {
			t.Fatal("bound without a client certificate")
		}
	})
	t.Run("presented", func(t *testing.T) {
		pair := clientCA.Leaf(t, "gwd client")
		ts := newTLSSetup(t, smsc.Config{TLSClientCA: clientCA.File}, func(c *smppc.Config) {
			c.SSLCertFile, c.SSLKeyFile = pair.CertFile, pair.KeyFile
		}, nil)
		ts.waitUp()
	})
}

// bindTLS binds user1 as a transceiver over TLS with gwd's own client,
// trusting gwd's CA.
func (ts *tlsSetup) bindTLS(addr string) (*session.Session, *esme, error) {
	ts.t.Helper()
	app := &esme{}
	s, err := session.DialTLS(context.Background(), ts.d, addr, ts.gwdCA.ClientConfig(), session.Config{Window: 100}, app,
		session.BindRequest{Type: smpp.BindTransceiver, SystemID: "user1", Password: "pass1"})
	if err != nil {
		return nil, nil, err
	}
	ts.t.Cleanup(func() {
		s.Unbind()
		select {
		case <-s.Done():
		case <-time.After(5 * time.Second):
			s.Close()
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	return s, app, s.WaitBound(ctx)
}
