package gateway

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"

	"github.com/VictoriaMetrics/metrics"

	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/engine/authguard"
	"github.com/gwd-project/gwd/engine/egress"
	"github.com/gwd-project/gwd/engine/manage"
	"github.com/gwd-project/gwd/engine/moparts"
	"github.com/gwd-project/gwd/engine/smpps"
	"github.com/gwd-project/gwd/engine/thrower"
	"github.com/gwd-project/gwd/netio"
	"github.com/gwd-project/gwd/netio/tlsconf"
	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/router/ledger"
	"github.com/gwd-project/gwd/store"
)

// Options tune a gateway beyond its configuration.
type Options struct {
	Log *slog.Logger
	// SMPPAddr overrides [smpp-server]'s bind:port ("127.0.0.1:0" in
	// tests).
	SMPPAddr string
	// SMPPTLS is the SMPP server's TLS configuration, if any. When nil
	// and [smpp-server] names tls_cert and tls_key, Open loads them (and
	// ReloadTLS reloads them).
	SMPPTLS *tls.Config
	// SMPPPlainAddr overrides the plain listener's bind:plain_port
	// ("127.0.0.1:0" in tests); it is used only when plain_port is set.
	SMPPPlainAddr string
	// Callbacks, when set, replaces the built-in thrower (tests).
	Callbacks Callbacks
	// ThrowerPolicies overrides the callback retry policies (sub-second
	// delays in tests).
	ThrowerPolicies map[thrower.Kind]thrower.Policy
	// CallbackGuard, when set, replaces the rule built from [callbacks]
	// (tests give one with their own resolver).
	CallbackGuard *egress.Guard
	// ConfigStore, when set, wraps the store the configuration is
	// written to (tests make writes fail).
	ConfigStore func(manage.Store) manage.Store
	// StoreOptions, when set, adjusts the store's options before it
	// opens (tests slow the committer down).
	StoreOptions func(*store.Options)
	// StoreFreeSpace, when set, replaces the store's measure of free
	// disk space (tests fake a full disk).
	StoreFreeSpace func(dir string) (uint64, error)
}

// Parts are the pieces of a gateway that front-ends are wired to (by
// cmd/gwd, and tests): each front-end takes the ones it uses, never the
// gateway.
type Parts struct {
	// Manager is the one writer of configuration.
	Manager *manage.Manager
	Store   *store.DB
	Index   *store.Index
	// Thrower is the HTTP callback thrower (nil with Options.Callbacks).
	Thrower *thrower.Thrower
	SMPP    *smpps.Server
	// Admin is [jcli]'s admin account, checked through the shared
	// password-check pool and its back-off.
	Admin *authguard.Admin
}

// Gateway is a running gwd core.
type Gateway struct {
	cfg  config.Config
	opts Options
	log  *slog.Logger

	db  *store.DB
	idx *store.Index

	acc     *router.Accounts
	filters *router.FilterSet
	mtTable *router.MTTable
	moTable *router.MOTable
	mtICs   *router.MTInterceptorTable
	moICs   *router.MOInterceptorTable

	mgr   *manage.Manager
	conns connectorLookup // mgr, as the message path sees it

	smpps    *smpps.Server
	smppCert *tlsconf.Cert    // nil unless Open loaded [smpp-server]'s pair
	guard    *authguard.Guard // auth.go
	admin    *authguard.Admin

	dialMu         sync.Mutex
	plain, secured *netio.Dialer

	cb      Callbacks
	th      *thrower.Thrower
	metrics *metrics.Set

	moAsm *moparts.Assembler

	scripts  chan func()
	scriptWG sync.WaitGroup
	closed   atomic.Bool
	cancels  cancels
	// Messages accepted per user (uid) and per MT route (order).
	perUser, perRoute sync.Map
	observer          atomic.Pointer[Observer]
	// cbGuard is the rule for callback URLs API users supply (dlr-url).
	cbGuard *egress.Guard

	Stats Stats
}

// Stats are the core's counters.
type Stats struct {
	RouteErrors, ChargeErrors, StoreErrors atomic.Uint64
	ReceiptsIn, ReceiptsUnknown            atomic.Uint64
	MOIn, MOUnrouted                       atomic.Uint64
	Intercepted, InterceptErrors           atomic.Uint64
}

// Open opens the store and builds the gateway: connectors come back as
// they were persisted (started ones start). Start begins listening.
func Open(cfg config.Config, opts Options) (*Gateway, error) {
	log := opts.Log
	if log == nil {
		log = slog.Default()
	}
	guard := opts.CallbackGuard
	if guard == nil {
		var err error
		if guard, err = egress.New(egress.Options{Allow: cfg.Callbacks.Prefixes()}); err != nil {
			return nil, fmt.Errorf("[callbacks] allow_networks: %w", err)
		}
	}
	sopts := store.Options{NoSync: !cfg.Store.Sync, MaxBatch: cfg.Store.CommitMaxBatch, CommitInterval: cfg.Store.CommitInterval(),
		FreeSpace: opts.StoreFreeSpace, MaxPending: cfg.Store.MaxPendingWrites}
	if opts.StoreOptions != nil {
		opts.StoreOptions(&sopts)
	}
	db, err := store.Open(cfg.Store.Path, sopts)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", cfg.Store.Path, err)
	}
	idx, err := store.NewIndex(db, store.TTLs{
		DLRExpiry: cfg.Store.DLRExpiry(),
		Outbound:  cfg.Store.OutboundMessageTTL(),
		Inbound:   cfg.Store.InboundMessageTTL(),
	}, store.IndexOptions{})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open DLR index: %w", err)
	}
	g := &Gateway{cfg: cfg, opts: opts, log: log, db: db, idx: idx, cbGuard: guard,
		acc: router.NewAccounts(), filters: router.NewFilterSet(),
		mtTable: router.NewMTTable(), moTable: router.NewMOTable(),
		mtICs: router.NewMTInterceptorTable(), moICs: router.NewMOInterceptorTable(), cb: opts.Callbacks}
	if opts.SMPPTLS == nil && cfg.SMPPServer.TLS() {
		cert, err := tlsconf.LoadCert(cfg.SMPPServer.TLSCert, cfg.SMPPServer.TLSKey)
		if err != nil {
			g.closeStore()
			return nil, fmt.Errorf("[smpp-server] tls_cert: %w", err)
		}
		g.smppCert = cert
		g.opts.SMPPTLS = cert.ServerConfig()
	}
	var cs manage.Store = db
	if opts.ConfigStore != nil {
		cs = opts.ConfigStore(cs)
	}
	g.mgr = manage.New(manage.Deps{Store: cs, NewConnector: g.newConnector, Log: log,
		Routing: manage.Routing{Accounts: g.acc, Filters: g.filters, MT: g.mtTable, MO: g.moTable,
			MTI: g.mtICs, MOI: g.moICs}})
	g.conns = g.mgr
	g.newAuth(cfg)
	g.smpps = smpps.New(cfg.SMPPServer, g, db, log)
	if err := g.smpps.OpenOutboxes(); err != nil {
		g.closeStore()
		return nil, err
	}
	if opts.Callbacks == nil {
		th, err := thrower.Open(db, thrower.Config{DLR: cfg.DLRThrower, MO: cfg.DeliverSMThrower,
			Policies: opts.ThrowerPolicies, Log: log, Privacy: cfg.Log.Privacy, Guard: guard})
		if err != nil {
			g.closeStore()
			return nil, fmt.Errorf("callback thrower: %w", err)
		}
		g.th = th
	}
	if err := g.loadCancels(); err != nil {
		g.closeStore()
		return nil, err
	}
	if err := g.mgr.LoadLive(); err != nil {
		g.mgr.StopAll()
		g.closeStore()
		return nil, err
	}
	if err := g.startAssembler(); err != nil {
		g.mgr.StopAll()
		g.closeStore()
		return nil, err
	}
	g.startScripts()
	g.registerMetrics()
	return g, nil
}

// Start starts the connectors that were started when gwd stopped (after
// Open, so that an Observer installed in between sees everything they
// bring), then the SMPP server listener.
func (g *Gateway) Start() error {
	if err := g.mgr.StartSaved(); err != nil {
		return err
	}
	if err := g.smpps.Listen(g.opts.SMPPAddr, g.opts.SMPPTLS); err != nil {
		return err
	}
	if g.cfg.SMPPServer.PlainPort != 0 {
		addr := g.opts.SMPPPlainAddr
		if addr == "" {
			addr = g.cfg.SMPPServer.PlainAddr()
		}
		if err := g.smpps.ListenPlain(addr); err != nil {
			return fmt.Errorf("[smpp-server] plain_port: %w", err)
		}
	}
	return nil
}

// SMPPAddr is the SMPP server's listening address.
func (g *Gateway) SMPPAddr() net.Addr { return g.smpps.Addr() }

// SMPPPlainAddr is the plain SMPP listener's address beside a TLS one
// ([smpp-server] plain_port), nil when there is none.
func (g *Gateway) SMPPPlainAddr() net.Addr { return g.smpps.PlainAddr() }

// ReloadTLS reads [smpp-server]'s tls_cert and tls_key again (SIGHUP):
// new handshakes get the new pair, established sessions keep theirs. On
// error the old pair stays in use. It does nothing when the SMPP server
// does not speak TLS or its configuration came from Options.SMPPTLS.
func (g *Gateway) ReloadTLS() error {
	if g.smppCert == nil {
		return nil
	}
	if err := g.smppCert.Reload(); err != nil {
		return fmt.Errorf("[smpp-server] reload TLS certificate: %w", err)
	}
	return nil
}

// Close shuts down gracefully: the SMPP server unbinds its ESMEs, the
// connectors unbind (messages in flight go back to their queues), and the
// store closes. What was acknowledged is in the store.
func (g *Gateway) Close() error {
	if !g.closed.CompareAndSwap(false, true) {
		return nil
	}
	var errs []error
	if err := g.smpps.Close(); err != nil {
		errs = append(errs, fmt.Errorf("smpp server: %w", err))
	}
	g.mgr.StopAll()
	g.stopScripts()
	g.stopAssembler()
	g.dialMu.Lock()
	for _, d := range []*netio.Dialer{g.plain, g.secured} {
		if d != nil {
			if err := d.Close(); err != nil {
				errs = append(errs, err)
			}
		}
	}
	g.dialMu.Unlock()
	g.unregisterMetrics()
	if err := g.closeStore(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (g *Gateway) closeStore() error {
	g.guard.Close()
	var err0 error
	if g.th != nil {
		err0 = g.th.Close()
	}
	err1 := g.idx.Close()
	err2 := g.db.Close()
	return errors.Join(err0, err1, err2)
}

// Accounts are the users and groups.
func (g *Gateway) Accounts() *router.Accounts { return g.acc }

// Parts returns the pieces front-ends are wired to (cmd/gwd, tests).
func (g *Gateway) Parts() Parts {
	return Parts{Manager: g.mgr, Store: g.db, Index: g.idx, Thrower: g.th, SMPP: g.smpps, Admin: g.admin}
}

// Config is the configuration the gateway runs with.
func (g *Gateway) Config() config.Config { return g.cfg }

// Counters returns a user's balance and sms_count as the store keeps them.
func (g *Gateway) Counters(uid string) (ledger.Counters, error) { return g.db.Counters(uid) }

// Dialer implements smppc.Dialers: one shared set of event loops for
// plain links, and one dialer for TLS links, which run on goroutines of
// their own; each connector dials with its own TLS configuration (CA,
// client certificate, server name: smppc.Config.TLSConfig).
func (g *Gateway) Dialer(ssl bool) (*netio.Dialer, error) {
	g.dialMu.Lock()
	defer g.dialMu.Unlock()
	p := &g.plain
	opts := netio.Options{}
	if ssl {
		p = &g.secured
		opts.TLS = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if *p == nil {
		d, err := netio.NewDialer(opts)
		if err != nil {
			return nil, fmt.Errorf("dialer: %w", err)
		}
		*p = d
	}
	return *p, nil
}

func (g *Gateway) up(cid string) bool {
	kind, id := router.SplitConnector(cid)
	switch kind {
	case "", "smppc":
		c := g.conns.Connector(id)
		return c != nil && c.Up()
	case "smpps":
		return g.smpps.Binds(id) > 0
	}
	return g.Known(kind, id)
}
