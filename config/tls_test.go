package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writePair writes a self-signed certificate and its key to t's temporary
// directory and returns the two file names.
func writePair(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "gwd test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// TestValidateTLSFiles: every listener's tls_cert/tls_key must name a
// valid pair; a wrong file is refused at load with the section and key.
func TestValidateTLSFiles(t *testing.T) {
	cert, key := writePair(t)
	cert2, _ := writePair(t) // a certificate that does not match key
	junk := filepath.Join(t.TempDir(), "junk.pem")
	if err := os.WriteFile(junk, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	set := map[string]func(c *Config, cert, key string){
		"smpp-server": func(c *Config, a, b string) { c.SMPPServer.TLSCert, c.SMPPServer.TLSKey = a, b },
		"http-api":    func(c *Config, a, b string) { c.HTTPAPI.TLSCert, c.HTTPAPI.TLSKey = a, b },
		"junebug":     func(c *Config, a, b string) { c.Junebug.TLSCert, c.Junebug.TLSKey = a, b },
		"admin-api":   func(c *Config, a, b string) { c.AdminAPI.TLSCert, c.AdminAPI.TLSKey = a, b },
	}
	for section, f := range set {
		c := Default()
		f(&c, cert, key)
		if err := c.Validate(); err != nil {
			t.Errorf("[%s] valid pair refused: %v", section, err)
		}
		for _, bad := range []struct{ cert, key, want string }{
			{cert2, key, "[" + section + "] tls_cert: "},
			{junk, key, "[" + section + "] tls_cert: "},
			{cert, filepath.Join(t.TempDir(), "missing.pem"), "[" + section + "] tls_key: "},
			{cert, "", "[" + section + "] tls_key: must be set"},
			{"", key, "[" + section + "] tls_cert: must be set"},
		} {
			c := Default()
			f(&c, bad.cert, bad.key)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), bad.want) {
				t.Errorf("[%s] cert %q key %q: err %v, want it to contain %q", section, bad.cert, bad.key, err, bad.want)
			}
		}
	}
}

func TestValidatePlainPort(t *testing.T) {
	cert, key := writePair(t)
	c := Default()
	c.SMPPServer.PlainPort = 2776
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "[smpp-server] plain_port: 2776: a second plain listener needs tls_cert") {
		t.Errorf("plain_port without TLS: %v", err)
	}
	c.SMPPServer.TLSCert, c.SMPPServer.TLSKey = cert, key
	if err := c.Validate(); err != nil {
		t.Errorf("plain_port with TLS: %v", err)
	}
	if ls := c.Listeners(); ls[0].TLS != true || ls[1].Addr != "0.0.0.0:2776" || ls[1].TLS || ls[1].Key != "plain_port" {
		t.Errorf("listeners %+v", ls)
	}
	c.SMPPServer.PlainPort = 1401
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "[http-api] port: 1401 is already used by [smpp-server]") {
		t.Errorf("clash: %v", err)
	}
	c.SMPPServer.PlainPort = 2775
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "[smpp-server] plain_port: 2775 is already used") {
		t.Errorf("clash with port: %v", err)
	}
	c.SMPPServer.PlainPort = 70000
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "[smpp-server] plain_port: 70000 is not a valid TCP port") {
		t.Errorf("range: %v", err)
	}
}
