package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/engine/logring"
	"github.com/gwd-project/gwd/engine/manage"
	"github.com/gwd-project/gwd/engine/redact"
	"github.com/gwd-project/gwd/engine/smppc"
	"github.com/gwd-project/gwd/router"
)

// Demo names.
const (
	demoCID      = "smppsim"
	demoUser     = "demo"
	demoPassword = "demo"
)

// demoHost is the only address the demo listens on: its account's
// password is printed for everyone to read.
const demoHost = "127.0.0.1"

// demoConfig binds every listener to demoHost.
func demoConfig(cfg config.Config) (config.Config, error) {
	cfg.SMPPServer.Bind = demoHost
	cfg.HTTPAPI.Bind = demoHost
	cfg.JCli.Bind = demoHost
	cfg.Junebug.Bind = demoHost
	cfg.AdminAPI.Bind = demoHost
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("-demo: %w", err)
	}
	return cfg, nil
}

// setupDemo adds what is missing of the demo configuration, as one
// change through the manager.
func setupDemo(m *manage.Manager) error {
	return m.Do(func(tx *manage.Tx) error {
		if m.Connector(demoCID) == nil {
			cfg := smppc.DefaultConfig(demoCID)
			cfg.Host, cfg.Port = "127.0.0.1", 2776
			cfg.SubmitThroughput = 0
			cfg.ConFailDelay, cfg.ConLossDelay = 2, 2
			cfg.Window = 500
			if err := tx.AddConnector(cfg); err != nil {
				return err
			}
		}
		if !m.Connector(demoCID).Running() {
			if err := tx.StartConnector(demoCID); err != nil {
				return err
			}
		}
		acc := m.Accounts()
		if _, ok := acc.Group(demoUser); !ok {
			if err := tx.AddGroup(demoUser); err != nil {
				return err
			}
		}
		if acc.User(demoUser) == nil {
			u, err := router.NewUser(demoUser, demoUser, demoUser, demoPassword)
			if err != nil {
				return err
			}
			if err := tx.AddUser(u); err != nil {
				return err
			}
		}
		if len(m.Routes(router.MT)) == 0 {
			rt, err := router.NewMTRoute(router.RouteDefault, 0, nil, []string{demoCID}, 0)
			if err != nil {
				return err
			}
			if err := tx.PutRoute(router.MT, rt); err != nil {
				return err
			}
		}
		if len(m.Routes(router.MO)) == 0 {
			rt, err := router.NewMORoute(router.RouteDefault, 0, nil, []string{"smpps(" + demoUser + ")"})
			if err != nil {
				return err
			}
			if err := tx.PutRoute(router.MO, rt); err != nil {
				return err
			}
		}
		return nil
	})
}

func printDemo(w io.Writer, cfg config.Config) {
	fmt.Fprintf(w, `gwd: demo ready. Connector %q sends to the simulator on 127.0.0.1:2776 (make run starts it).
  Every listener (SMPP, HTTP API, jCli, Junebug, admin API) is bound to 127.0.0.1 only:
  the demo account's password is public, so -demo never listens on the network.
  SMPP: bind a transceiver to %s with system_id %q, password %q, and submit_sm;
        receipts come back as deliver_sm when registered_delivery is 1.
        e.g. go run ./cmd/bench smpp -addr 127.0.0.1:%d -system-id %s -password %s -count 1 -receipts
  HTTP: curl 'http://127.0.0.1:%d/send?username=%s&password=%s&to=33600000001&content=hello'
        answers Success "<message id>" once the message is stored; add
        &dlr=yes&dlr-url=http://your.app/dlr&dlr-level=2 for a receipt.
`, demoCID, cfg.SMPPServer.Addr(), demoUser, demoPassword, cfg.SMPPServer.Port, demoUser, demoPassword,
		cfg.HTTPAPI.Port, demoUser, demoPassword)
}

// newLogger builds the [log] logger: text lines to stderr or to a file,
// through a ring that keeps each connector's recent records (admin API,
// Junebug's logs endpoint).
func newLogger(l config.Log, maxLogs int, stderr io.Writer) (*slog.Logger, *logring.Handler, func(), error) {
	w := stderr
	closeFn := func() {}
	if l.File != "" {
		f, err := os.OpenFile(l.File, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("log file: %w", err)
		}
		w = f
		closeFn = func() { _ = f.Close() }
	}
	if w == nil {
		return nil, nil, nil, errors.New("no log output")
	}
	ring := logring.NewHandler(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l.SlogLevel(), ReplaceAttr: redact.ReplaceAttr}), maxLogs)
	return slog.New(ring), ring, closeFn, nil
}
