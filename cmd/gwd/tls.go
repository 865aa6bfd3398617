package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/gwd-project/gwd/netio/tlsconf"
)

// reloader holds what SIGHUP reloads: each HTTPS listener's certificate
// and the SMPP server's (through the gateway).
type reloader struct {
	certs []namedCert
	smpp  func() error // gateway.ReloadTLS
}

type namedCert struct {
	section string
	cert    *tlsconf.Cert
}

// listen opens a TCP listener for section on addr, serving HTTPS only
// when certFile and keyFile are set (config validation checked the pair).
func (r *reloader) listen(section, addr, certFile, keyFile string) (net.Listener, string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", err // the caller names the listener
	}
	if certFile == "" {
		return ln, "http", nil
	}
	cert, err := tlsconf.LoadCert(certFile, keyFile)
	if err != nil {
		_ = ln.Close()
		return nil, "", fmt.Errorf("[%s] tls_cert: %w", section, err)
	}
	r.certs = append(r.certs, namedCert{section, cert})
	return tlsconf.Listener(ln, cert.ServerConfig(), 0), "https", nil
}

// reload reads every certificate again; a pair that fails is logged and
// the old one stays.
func (r *reloader) reload(log *slog.Logger) {
	if r.smpp != nil {
		if err := r.smpp(); err != nil {
			log.Error("SIGHUP: TLS reload failed; the old certificate stays", "err", err)
		} else {
			log.Info("SIGHUP: TLS certificate reloaded", "section", "smpp-server")
		}
	}
	for _, c := range r.certs {
		if err := c.cert.Reload(); err != nil {
			log.Error("SIGHUP: TLS reload failed; the old certificate stays", "section", c.section, "err", err)
		} else {
			log.Info("SIGHUP: TLS certificate reloaded", "section", c.section)
		}
	}
}

// notifyHUP starts catching SIGHUP (before anything else, so that an
// early one does not kill the process); watch handles what it catches.
func notifyHUP() chan os.Signal {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGHUP)
	return ch
}

// watch reloads on every SIGHUP caught on ch until ctx ends.
func (r *reloader) watch(ctx context.Context, ch chan os.Signal, log *slog.Logger) {
	go func() {
		defer signal.Stop(ch)
		for {
			select {
			case <-ctx.Done():
				return
			case <-ch:
				r.reload(log)
			}
		}
	}()
}
