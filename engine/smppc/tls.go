package smppc

import (
	"crypto/tls"
	"fmt"
	"sync/atomic"

	"github.com/gwd-project/gwd/netio/tlsconf"
)

// tlsKey is what a connector's TLS configuration is built from.
type tlsKey struct {
	host, ca, cert, key string
	verify              bool
}

type tlsEntry struct {
	key tlsKey
	cfg *tls.Config
}

func (c *Config) tlsKey() tlsKey {
	return tlsKey{host: c.Host, ca: c.SSLCAFile, cert: c.SSLCertFile, key: c.SSLKeyFile, verify: c.SSLVerify}
}

// TLSConfig reads the files the ssl_* keys name and returns the
// connector's own client configuration: TLS 1.2+, the SMSC's certificate
// verified against ssl_ca_file (system roots when empty) for the name in
// host, unless ssl_verify is no; the client certificate when set. Errors
// name the key and the file.
func (c *Config) TLSConfig() (*tls.Config, error) {
	cfg, err := tlsconf.Client{ServerName: c.Host, CAFile: c.SSLCAFile,
		CertFile: c.SSLCertFile, KeyFile: c.SSLKeyFile, NoVerify: !c.SSLVerify}.Config()
	if err != nil {
		return nil, fmt.Errorf("connector %s: %w", c.CID, err)
	}
	return cfg, nil
}

// tlsCache holds the last configuration built, so that files are read
// when the connector starts or its ssl_* keys change, not at every
// reconnection.
type tlsCache struct{ p atomic.Pointer[tlsEntry] }

func (t *tlsCache) get(cfg *Config) (*tls.Config, error) {
	k := cfg.tlsKey()
	if e := t.p.Load(); e != nil && e.key == k {
		return e.cfg, nil
	}
	tc, err := cfg.TLSConfig()
	if err != nil {
		return nil, err
	}
	t.p.Store(&tlsEntry{key: k, cfg: tc})
	return tc, nil
}

// reset forgets the cached configuration: the next get reads the files.
func (t *tlsCache) reset() { t.p.Store(nil) }
