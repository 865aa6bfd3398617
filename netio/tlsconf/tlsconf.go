// Package tlsconf builds gwd's TLS configurations: a listener's certificate
// loaded from PEM files and swapped atomically when the files are reloaded
// (SIGHUP), listeners that bound the TLS handshake, and the per-connector
// client configurations (CA bundle, client certificate, verification).
//
// Every configuration it builds requires TLS 1.2 or later.
package tlsconf

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// MinVersion is the oldest TLS version gwd speaks or accepts.
const MinVersion = tls.VersionTLS12

// DefaultHandshakeTimeout bounds a server-side handshake: a client that
// connects and does not complete it within this time is closed.
const DefaultHandshakeTimeout = 10 * time.Second

// Cert is a listener's certificate and key, read from two PEM files. It
// serves the current pair through GetCertificate; Reload reads the files
// again and swaps the pair in only when they are valid, so that sessions
// already established are untouched and a bad file changes nothing.
type Cert struct {
	certFile, keyFile string
	cur               atomic.Pointer[tls.Certificate]
}

// LoadCert reads certFile and keyFile, which must form a valid pair.
func LoadCert(certFile, keyFile string) (*Cert, error) {
	c := &Cert{certFile: certFile, keyFile: keyFile}
	if err := c.Reload(); err != nil {
		return nil, err
	}
	return c, nil
}

// LoadPair reads and checks a certificate and key pair.
func LoadPair(certFile, keyFile string) (*tls.Certificate, error) {
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("load certificate %s and key %s: %w", certFile, keyFile, err)
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return nil, fmt.Errorf("parse certificate %s: %w", certFile, err)
	}
	pair.Leaf = leaf
	return &pair, nil
}

// Reload reads the files again. On error the previous pair stays in use.
func (c *Cert) Reload() error {
	pair, err := LoadPair(c.certFile, c.keyFile)
	if err != nil {
		return err
	}
	c.cur.Store(pair)
	return nil
}

// Current returns the pair in use.
func (c *Cert) Current() *tls.Certificate { return c.cur.Load() }

// GetCertificate implements tls.Config.GetCertificate.
func (c *Cert) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return c.cur.Load(), nil
}

// ServerConfig returns a server configuration serving c (TLS 1.2+).
func (c *Cert) ServerConfig() *tls.Config {
	return &tls.Config{MinVersion: MinVersion, GetCertificate: c.GetCertificate}
}

// Client describes how a connector speaks TLS to its SMSC.
type Client struct {
	// ServerName is the name the SMSC's certificate must carry (the
	// connector's host).
	ServerName string
	// CAFile is a PEM bundle of the CAs to trust; empty means the
	// system's roots.
	CAFile string
	// CertFile and KeyFile are an optional client certificate.
	CertFile, KeyFile string
	// NoVerify skips verification of the SMSC's certificate.
	NoVerify bool
}

// FileError is a file a TLS key names that cannot be used; Key is the
// connector key (ssl_ca_file …).
type FileError struct {
	Key string
	Err error
}

func (e *FileError) Error() string { return e.Key + ": " + e.Err.Error() }

func (e *FileError) Unwrap() error { return e.Err }

// Config reads the files c names and returns the client configuration.
// Errors are *FileError, naming the key and the file that is wrong.
func (c Client) Config() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: MinVersion, ServerName: c.ServerName, InsecureSkipVerify: c.NoVerify}
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, &FileError{"ssl_ca_file", err}
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, &FileError{"ssl_ca_file", fmt.Errorf("%s holds no PEM certificate", c.CAFile)}
		}
		cfg.RootCAs = pool
	}
	switch {
	case c.CertFile != "" && c.KeyFile == "":
		return nil, &FileError{"ssl_key_file", errors.New("must be set when ssl_cert_file is")}
	case c.CertFile == "" && c.KeyFile != "":
		return nil, &FileError{"ssl_cert_file", errors.New("must be set when ssl_key_file is")}
	case c.CertFile != "":
		pair, err := LoadPair(c.CertFile, c.KeyFile)
		if err != nil {
			return nil, &FileError{"ssl_cert_file", fmt.Errorf("with ssl_key_file: %w", err)}
		}
		cfg.Certificates = []tls.Certificate{*pair}
	}
	return cfg, nil
}

// MaxHandshakes is how many handshakes a Listener runs at once;
// connections beyond it are closed at once.
const MaxHandshakes = 1024

// Listener wraps ln so that each accepted connection speaks TLS with cfg.
// Handshakes run on goroutines of their own (at most MaxHandshakes at
// once), each bounded by timeout (DefaultHandshakeTimeout when 0): Accept
// returns only connections whose handshake is done, so a client that
// connects and stays silent, or speaks plain HTTP, is closed without
// reaching (or being logged by) the server, and does not hold up others.
func Listener(ln net.Listener, cfg *tls.Config, timeout time.Duration) net.Listener {
	if timeout <= 0 {
		timeout = DefaultHandshakeTimeout
	}
	l := &listener{Listener: ln, cfg: cfg, timeout: timeout,
		ready: make(chan net.Conn), done: make(chan struct{}), slots: make(chan struct{}, MaxHandshakes)}
	go l.acceptLoop()
	return l
}

type listener struct {
	net.Listener
	cfg     *tls.Config
	timeout time.Duration

	ready     chan net.Conn
	done      chan struct{}
	slots     chan struct{}
	errMu     sync.Mutex
	err       error // the accept error that ended acceptLoop
	closeOnce sync.Once

	// Failures counts clients closed before Accept returned them.
	Failures atomic.Uint64
}

func (l *listener) acceptLoop() {
	for {
		nc, err := l.Listener.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			l.errMu.Lock()
			l.err = err
			l.errMu.Unlock()
			l.closeOnce.Do(func() { close(l.done) })
			return
		}
		select {
		case l.slots <- struct{}{}:
		default:
			l.Failures.Add(1)
			_ = nc.Close()
			continue
		}
		go l.handshake(nc)
	}
}

func (l *listener) handshake(nc net.Conn) {
	defer func() { <-l.slots }()
	ctx, cancel := context.WithTimeout(context.Background(), l.timeout)
	defer cancel()
	go func() {
		select {
		case <-l.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	tc := tls.Server(nc, l.cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		l.Failures.Add(1)
		_ = nc.Close()
		return
	}
	select {
	case l.ready <- tc:
	case <-l.done:
		_ = nc.Close()
	}
}

// Accept returns the next connection whose handshake is complete.
func (l *listener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ready:
		return c, nil
	case <-l.done:
		l.errMu.Lock()
		defer l.errMu.Unlock()
		if l.err != nil {
			return nil, l.err
		}
		return nil, net.ErrClosed
	}
}

// Close stops accepting; handshakes under way are abandoned.
func (l *listener) Close() error {
	err := l.Listener.Close()
	l.closeOnce.Do(func() { close(l.done) })
	return err
}
