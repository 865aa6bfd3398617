// Command gwd is the gwd SMS gateway daemon.
//
// Usage:
//
//	gwd [-c gwd.toml] [-set section.key=value ...] [-demo] [-check] [-version]
//	gwd -hash-password < password-file
//
// Without -c, gwd reads gwd.toml from the working directory when it exists
// and runs with the built-in defaults otherwise. Each -set overrides one key
// of the file (e.g. -set smpp-server.port=2776). -check validates the
// configuration, prints the result and exits: 0 when valid, 1 when not.
// Configuration handling lives in package config; this command only wires
// it up.
//
// -hash-password reads a password from standard input (one line) and
// prints its pbkdf2-sha256 hash, for [jcli] admin_password.
//
// -demo makes sure the store holds a working example: an SMPP client
// connector "smppsim" to a simulator on 127.0.0.1:2776 (make run starts
// one), started; a user demo (password demo) in group demo; an MT
// DefaultRoute to smppsim and an MO DefaultRoute to smpps(demo). With
// -demo every listener binds 127.0.0.1 only, whatever the configuration
// says: the demo account's password is public.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	_ "net/http/pprof" // -pprof
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"

	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/engine/api/admin"
	"github.com/gwd-project/gwd/engine/api/httpapi"
	"github.com/gwd-project/gwd/engine/api/jcli"
	"github.com/gwd-project/gwd/engine/api/junebug"
	"github.com/gwd-project/gwd/engine/api/metricsapi"
	"github.com/gwd-project/gwd/engine/gateway"
	"github.com/gwd-project/gwd/router/script"
	"github.com/gwd-project/gwd/store"
)

// Junebug's channel API observes the gateway.
var _ gateway.Observer = (*junebug.Server)(nil)

// version is set at build time: go build -ldflags "-X main.version=v1.2.3".
var version = "dev"

// setFlags collects repeated -set flags.
type setFlags []string

func (s *setFlags) String() string     { return strings.Join(*s, " ") }
func (s *setFlags) Set(v string) error { *s = append(*s, v); return nil }

func main() {
	os.Exit(gwd(os.Args[1:], os.Stdout, os.Stderr))
}

func gwd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("gwd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		path    = fs.String("c", "", "configuration `file` (default "+config.DefaultFile+" if it exists, else built-in defaults)")
		check   = fs.Bool("check", false, "validate the configuration, print the result and exit (status 0 valid, 1 invalid)")
		showVer = fs.Bool("version", false, "print the version and exit")
		demo    = fs.Bool("demo", false, "set up the demo user, connector (smppsim on 127.0.0.1:2776) and routes")
		pprofAt = fs.String("pprof", "", "serve Go's pprof profiles on this `host:port` (e.g. 127.0.0.1:6060)")
		hashPW  = fs.Bool("hash-password", false, "read a password from standard input (one line), print its hash for [jcli] admin_password and exit")
		sets    setFlags
	)
	fs.Var(&sets, "set", "override one key, `section.key=value` (repeatable), e.g. -set smpp-server.port=2776")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "gwd: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return 2
	}
	if *hashPW {
		return hashPassword(stdin, stdout, stderr)
	}
	if *showVer {
		fmt.Fprintf(stdout, "gwd %s (%s, %s/%s)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return 0
	}

	file := *path
	if file == "" {
		if _, err := os.Stat(config.DefaultFile); err == nil {
			file = config.DefaultFile
		}
	}
	cfg, err := config.LoadWith(file, sets)
	if err == nil && *demo {
		cfg, err = demoConfig(cfg)
	}
	if err != nil {
		fmt.Fprintf(stderr, "gwd: invalid configuration:\n%s\n", err)
		return 1
	}
	warnConfig(cfg, stderr)
	source := file
	if source == "" {
		source = "built-in defaults"
	}
	if *check {
		fmt.Fprintf(stdout, "gwd: configuration OK (%s)\n", source)
		return 0
	}

	fmt.Fprintf(stderr, "gwd %s: configuration from %s; listeners and store:\n", version, source)
	for _, l := range cfg.Listeners() {
		tls := ""
		if l.TLS {
			tls = " (TLS)"
		}
		if l.Key != "" {
			tls = " (" + l.Key + ", plain TCP)"
		}
		fmt.Fprintf(stderr, "  %-18s %s%s\n", "["+l.Section+"]", l.Addr, tls)
	}
	fmt.Fprintf(stderr, "  %-18s %s (sync %t)\n", "[store]", cfg.Store.Path, cfg.Store.Sync)
	if cfg.Scripts.Dir != "" {
		fmt.Fprintf(stderr, "  %-18s %s (script files read from here only)\n", "[scripts]", cfg.Scripts.Dir)
	} else {
		fmt.Fprintf(stderr, "  %-18s script files refused (dir not set; inline scripts only)\n", "[scripts]")
	}

	if *pprofAt != "" {
		if err := loopbackOnly(*pprofAt); err != nil {
			fmt.Fprintf(stderr, "gwd: -pprof: %v\n", err)
			return 2
		}
		ln, err := net.Listen("tcp", *pprofAt)
		if err != nil {
			fmt.Fprintf(stderr, "gwd: pprof: %v\n", err)
			return 1
		}
		go func() { _ = http.Serve(ln, nil) }() // net/http/pprof's handlers
		fmt.Fprintf(stderr, "gwd: pprof on http://%s/debug/pprof/\n", ln.Addr())
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, *demo, stderr); err != nil {
		fmt.Fprintf(stderr, "gwd: %v\n", err)
		return 1
	}
	return 0
}

// loopbackOnly refuses a listen address that is not on loopback: pprof
// serves heap profiles (which hold passwords and message content) with no
// authentication, so it never listens where another host could reach it.
func loopbackOnly(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("%q is not a loopback address: profiles have no authentication and hold secrets; use 127.0.0.1 or [::1]", addr)
}

// storeHook adjusts the store's options; only a -tags chaos build sets
// it (chaos_hooks.go).
var storeHook func(*store.Options)

// run runs the gateway until ctx is cancelled (SIGINT or SIGTERM), then
// shuts it down gracefully: ESMEs are unbound, connectors unbind (messages
// in flight go back to their queues), the store closes.
func run(ctx context.Context, cfg config.Config, demo bool, stderr io.Writer) error {
	hup := notifyHUP()
	defer signal.Stop(hup)
	logger, ring, closeLog, err := newLogger(cfg.Log, cfg.Junebug.MaxLogs, stderr)
	if err != nil {
		return err
	}
	defer closeLog()
	applyMemoryLimit(cfg.Runtime, logger)
	if limit, err := raiseNoFile(); err != nil {
		logger.Warn("open-file limit not raised", "err", err, "limit", limit)
	} else {
		logger.Info("open-file limit (RLIMIT_NOFILE) raised to the hard limit", "limit", limit)
		if w := fdWarning(cfg, limit); w != "" {
			logger.Warn("connection caps over the open-file limit: " + w)
		}
	}
	// [scripts] dir: the only place script files (pyCode, interceptors)
	// are read from, by jCli, the admin API and loaded configuration.
	if err := script.SetDir(cfg.Scripts.Dir); err != nil {
		return err
	}
	g, err := gateway.Open(cfg, gateway.Options{Log: logger, StoreOptions: storeHook})
	if err != nil {
		return err
	}
	// The pieces front-ends are wired to; each takes what it uses.
	p := g.Parts()
	if demo {
		if err := setupDemo(p.Manager); err != nil {
			_ = g.Close()
			return fmt.Errorf("demo setup: %w", err)
		}
	}
	// Junebug's channel API observes the gateway: it must be in place
	// before Start brings the connectors up.
	jb, err := junebug.New(junebug.Deps{Manager: p.Manager, Gateway: g, Index: p.Index, Store: p.Store,
		Thrower: p.Thrower, Admin: p.Admin, Config: cfg,
		Observe: func(o junebug.Observer) { g.SetObserver(o) }}, junebug.Options{Log: logger, Logs: ring})
	if err != nil {
		_ = g.Close()
		return fmt.Errorf("junebug: %w", err)
	}
	if err := g.Start(); err != nil {
		_ = jb.Close()
		_ = g.Close()
		return err
	}
	rl := &reloader{}
	if cfg.SMPPServer.TLS() {
		rl.smpp = g.ReloadTLS
		fmt.Fprintf(stderr, "gwd: SMPP server listening on %s (TLS only)\n", g.SMPPAddr())
	} else {
		fmt.Fprintf(stderr, "gwd: SMPP server listening on %s\n", g.SMPPAddr())
	}
	if a := g.SMPPPlainAddr(); a != nil {
		fmt.Fprintf(stderr, "gwd: SMPP server listening on %s (plain TCP, plain_port)\n", a)
	}
	// closers stop what has started, newest last; fail undoes them all
	// when a later listener cannot open.
	closers := []func() error{jb.Close}
	fail := func(err error) error {
		for _, c := range closers {
			_ = c()
		}
		_ = g.Close()
		return err
	}
	apiOpts := httpapi.Options{Logger: logger, CallbackGuard: g.CallbackGuard(), Store: p.Store}
	if p.Thrower != nil { // batch callbacks; not a typed nil in the interface
		apiOpts.Thrower = p.Thrower
	}
	api := httpapi.New(cfg.HTTPAPI, g, apiOpts)
	closers = append(closers, api.Close)
	ln, scheme, err := rl.listen("http-api", cfg.HTTPAPI.Addr(), cfg.HTTPAPI.TLSCert, cfg.HTTPAPI.TLSKey)
	if err != nil {
		return fail(fmt.Errorf("http api: %w", err))
	}
	go func() {
		if err := api.Serve(ln); err != nil {
			logger.Error("http api stopped", "err", err)
		}
	}()
	fmt.Fprintf(stderr, "gwd: HTTP API listening on %s://%s\n", scheme, ln.Addr())
	jln2, jscheme, err := rl.listen("junebug", cfg.Junebug.Addr(), cfg.Junebug.TLSCert, cfg.Junebug.TLSKey)
	if err != nil {
		return fail(fmt.Errorf("junebug: %w", err))
	}
	go func() {
		if err := jb.Serve(jln2); err != nil {
			logger.Error("junebug api stopped", "err", err)
		}
	}()
	fmt.Fprintf(stderr, "gwd: Junebug channel API on %s://%s\n", jscheme, jln2.Addr())
	for _, c := range p.Manager.Connectors() {
		ring.SetPrivacy(c.CID(), c.Config().LogPrivacy)
	}
	con := jcli.New(cfg.JCli, p.Manager, jcli.Deps{Admin: p.Admin, SMPP: p.SMPP}, logger)
	jln, err := net.Listen("tcp", cfg.JCli.Addr())
	if err != nil {
		return fail(fmt.Errorf("jcli: %w", err))
	}
	go func() {
		if err := con.Serve(jln); err != nil && !errors.Is(err, jcli.ErrServerClosed) {
			logger.Error("jcli stopped", "err", err)
		}
	}()
	closers = append(closers, con.Close)
	fmt.Fprintf(stderr, "gwd: jCli console on %s\n", jln.Addr())
	// What every listener refuses: gwd_listener_refused_total.
	listeners := []metricsapi.Listener{{Name: "smpp", Refusals: p.SMPP.Refusals()},
		{Name: "http", Refusals: api.Refusals()}, {Name: "junebug", Refusals: jb.Refusals()},
		{Name: "jcli", Refusals: con.Refusals()}}
	if cfg.AdminAPI.Enabled {
		ad := admin.Deps{Admin: p.Admin, SMPP: p.SMPP}
		if p.Thrower != nil {
			ad.DeadLetters = p.Thrower
		}
		adm := admin.New(p.Manager, ad,
			admin.Options{Logs: ring, MaxLogs: cfg.Junebug.MaxLogs, Logger: logger,
				MaxConnections: cfg.AdminAPI.MaxConnections, MaxConnectionsPerIP: cfg.AdminAPI.MaxConnectionsPerIP})
		listeners = append(listeners, metricsapi.Listener{Name: "admin", Refusals: adm.Refusals()})
		aln, ascheme, err := rl.listen("admin-api", cfg.AdminAPI.Addr(), cfg.AdminAPI.TLSCert, cfg.AdminAPI.TLSKey)
		if err != nil {
			return fail(fmt.Errorf("admin api: %w", err))
		}
		go func() {
			if err := adm.Serve(aln); err != nil {
				logger.Error("admin api stopped", "err", err)
			}
		}()
		closers = append(closers, adm.Close)
		fmt.Fprintf(stderr, "gwd: admin API listening on %s://%s\n", ascheme, aln.Addr())
	}
	if cfg.Metrics.Enabled() {
		ms := metricsapi.New(logger, cfg.Metrics)
		listeners = append(listeners, metricsapi.Listener{Name: "metrics", Refusals: ms.Refusals()})
		mln, err := net.Listen("tcp", cfg.Metrics.Addr())
		if err != nil {
			return fail(fmt.Errorf("metrics: %w", err))
		}
		go func() {
			if err := ms.Serve(mln); err != nil {
				logger.Error("metrics listener stopped", "err", err)
			}
		}()
		closers = append(closers, ms.Close)
		fmt.Fprintf(stderr, "gwd: metrics on http://%s/metrics\n", mln.Addr())
	}
	defer metricsapi.RegisterListeners(listeners)()
	rl.watch(ctx, hup, logger)
	if !cfg.HTTPAPI.Metrics {
		fmt.Fprintf(stderr, "gwd: /metrics not served on the HTTP API port ([http-api] metrics = false)\n")
	}
	if demo {
		printDemo(stderr, cfg)
	}
	<-ctx.Done()
	fmt.Fprintln(stderr, "gwd: stopping")
	var errs []error
	for _, c := range closers {
		errs = append(errs, c())
	}
	return errors.Join(append(errs, g.Close())...)
}
