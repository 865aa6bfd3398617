package netio

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/panjf2000/gnet/v2"
)

// Dialer opens outbound connections (SMPP client connectors, bench ESMEs)
// on one set of event loops.
type Dialer struct {
	opts Options
	reg  *registry
	cli  *gnet.Client

	closeOnce sync.Once
}

// NewDialer starts the event loops for outbound connections.
func NewDialer(opts Options) (*Dialer, error) {
	opts = opts.withDefaults()
	d := &Dialer{opts: opts}
	d.reg = newRegistry(opts.TickInterval)
	if opts.TLS == nil {
		cli, err := gnet.NewClient(&gnetEvents{opts: &d.opts, reg: d.reg}, gnetOptions(&d.opts)...)
		if err != nil {
			d.reg.close()
			return nil, fmt.Errorf("start client loops: %w", err)
		}
		if err := cli.Start(); err != nil {
			d.reg.close()
			return nil, fmt.Errorf("start client loops: %w", err)
		}
		d.cli = cli
	}
	return d, nil
}

// Dial connects to addr and attaches h to the connection. It returns once
// the connection is registered with its event loop (or TLS handshake done).
func (d *Dialer) Dial(ctx context.Context, addr string, h Handler) (*Conn, error) {
	return d.DialTLS(ctx, addr, d.opts.TLS, h)
}

// DialTLS is Dial with a TLS configuration of its own for this connection
// (nil: plain TCP, on the event loops when the Dialer has them). Each SMPP
// client connector has its own CA, client certificate and server name.
func (d *Dialer) DialTLS(ctx context.Context, addr string, tlsCfg *tls.Config, h Handler) (*Conn, error) {
	if tlsCfg == nil && d.cli == nil {
		return nil, fmt.Errorf("dial %s: this dialer speaks TLS only", addr)
	}
	ctx, cancel := context.WithTimeout(ctx, d.opts.DialTimeout)
	defer cancel()
	var nd net.Dialer
	nc, err := nd.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	if tcp, ok := nc.(*net.TCPConn); ok {
		_ = tcp.SetNoDelay(true)
	}
	c := newConn(&d.opts, nc.LocalAddr(), nc.RemoteAddr())
	c.h = h
	if tlsCfg != nil {
		cfg := tlsCfg.Clone()
		if cfg.ServerName == "" && !cfg.InsecureSkipVerify {
			host, _, _ := net.SplitHostPort(addr)
			cfg.ServerName = host
		}
		tc := tls.Client(nc, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			_ = nc.Close()
			return nil, fmt.Errorf("dial %s: tls handshake: %w", addr, err)
		}
		t := newStreamTransport(c, tc, d.reg)
		c.tr = t
		d.reg.add(c)
		t.start()
		return c, nil
	}
	// gnet duplicates the descriptor and closes nc.
	if _, err := d.cli.EnrollContext(nc, c); err != nil {
		return nil, fmt.Errorf("dial %s: enroll: %w", addr, err)
	}
	return c, nil
}

// Close closes every outbound connection and stops the loops.
func (d *Dialer) Close() error {
	var err error
	d.closeOnce.Do(func() {
		// TLS connections run on their own goroutines, whatever the
		// dialer's loops.
		streams := false
		for _, c := range d.reg.snapshot(nil) {
			if t, ok := c.tr.(*streamTransport); ok {
				t.abort()
				streams = true
			}
		}
		if d.cli != nil {
			err = d.cli.Stop()
		}
		if streams || d.cli == nil {
			waitEmpty(d.reg, 5*time.Second)
		}
		d.reg.close()
	})
	return err
}
