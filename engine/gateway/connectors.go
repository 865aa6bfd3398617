package gateway

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/gwd-project/gwd/engine/smppc"
	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/router/ledger"
	"github.com/gwd-project/gwd/wal"
)

// Object kinds in the configuration store.
const (
	kindSMPPC = "smppcc"
	kindHTTPC = "httpcc"
)

// HTTPConnector is an MO destination over HTTP (httpccm): Jasmin's
// HttpConnector, with cid, url and method.
type HTTPConnector struct {
	CID    string `json:"cid"`
	URL    string `json:"url"`
	Method string `json:"method"` // GET or POST
}

type storedConnector struct {
	Config  map[string]string `json:"config"`
	Started bool              `json:"started"`
}

// Errors of connector management.
var (
	ErrUnknownConnector = errors.New("unknown connector")
	ErrConnectorExists  = errors.New("connector already exists")
)

func (g *Gateway) loadConnectors() error {
	objs, err := g.db.Objects(kindSMPPC)
	if err != nil {
		return fmt.Errorf("load connectors: %w", err)
	}
	for _, o := range objs {
		var sc storedConnector
		if err := json.Unmarshal(o.Value, &sc); err != nil {
			return fmt.Errorf("load connector %s: %w", o.ID, err)
		}
		cfg, err := smppc.FromMap(sc.Config)
		if err != nil {
			return fmt.Errorf("load connector %s: %w", o.ID, err)
		}
		c, err := g.newConnector(cfg)
		if err != nil {
			return err
		}
		if sc.Started {
			// Started by Start, once observers are installed.
			g.startAtStart = append(g.startAtStart, c)
		}
	}
	hobjs, err := g.db.Objects(kindHTTPC)
	if err != nil {
		return fmt.Errorf("load HTTP connectors: %w", err)
	}
	m := map[string]HTTPConnector{}
	for _, o := range hobjs {
		var h HTTPConnector
		if err := json.Unmarshal(o.Value, &h); err != nil {
			return fmt.Errorf("load HTTP connector %s: %w", o.ID, err)
		}
		m[h.CID] = h
	}
	g.https.Store(&m)
	return nil
}

func (g *Gateway) newConnector(cfg smppc.Config) (*smppc.Connector, error) {
	q, err := g.db.Queue("mt/" + cfg.CID)
	if err != nil {
		return nil, fmt.Errorf("connector %s queue: %w", cfg.CID, err)
	}
	c := smppc.New(cfg, q, g, g, g.log)
	g.connMu.Lock()
	m := maps.Clone(*g.conns.Load())
	m[cfg.CID] = c
	g.conns.Store(&m)
	g.connMu.Unlock()
	return c, nil
}

func (g *Gateway) persistConnector(c *smppc.Connector) error {
	cfg := c.Config()
	b, err := json.Marshal(storedConnector{Config: cfg.Map(), Started: c.Running()})
	if err != nil {
		return err
	}
	if err := g.db.PutObject(kindSMPPC, cfg.CID, b); err != nil {
		return fmt.Errorf("persist connector %s: %w", cfg.CID, err)
	}
	return nil
}

// AddConnector adds a stopped SMPP client connector (smppccm -a).
func (g *Gateway) AddConnector(cfg smppc.Config) error {
	if !smppc.ValidCID(cfg.CID) {
		return fmt.Errorf("invalid connector id %q", cfg.CID)
	}
	if g.Connector(cfg.CID) != nil {
		return fmt.Errorf("%w: %s", ErrConnectorExists, cfg.CID)
	}
	if err := checkConnectorTLS(cfg, nil); err != nil {
		return err
	}
	c, err := g.newConnector(cfg)
	if err != nil {
		return err
	}
	return g.persistConnector(c)
}

// checkConnectorTLS reads the files a TLS connector's ssl_* keys name,
// when they are new (old is the previous configuration, nil for a new
// connector), so that a wrong path is refused when it is configured.
func checkConnectorTLS(cfg smppc.Config, old *smppc.Config) error {
	if !cfg.SSL {
		return nil
	}
	if old != nil && old.SSL && old.SSLCAFile == cfg.SSLCAFile && old.SSLCertFile == cfg.SSLCertFile &&
		old.SSLKeyFile == cfg.SSLKeyFile {
		return nil
	}
	_, err := cfg.TLSConfig()
	return err
}

// UpdateConnector applies new parameters (smppccm -u); keys that need a
// restart take effect at the next start.
func (g *Gateway) UpdateConnector(cfg smppc.Config) error {
	c := g.Connector(cfg.CID)
	if c == nil {
		return fmt.Errorf("%w: %s", ErrUnknownConnector, cfg.CID)
	}
	old := c.Config()
	if err := checkConnectorTLS(cfg, &old); err != nil {
		return err
	}
	c.Update(cfg)
	return g.persistConnector(c)
}

// StartConnector starts a connector (smppccm -1).
func (g *Gateway) StartConnector(cid string) error {
	c := g.Connector(cid)
	if c == nil {
		return fmt.Errorf("%w: %s", ErrUnknownConnector, cid)
	}
	if err := c.Start(); err != nil {
		return err
	}
	return g.persistConnector(c)
}

// StopConnector stops a connector (smppccm -0).
func (g *Gateway) StopConnector(cid string) error {
	c := g.Connector(cid)
	if c == nil {
		return fmt.Errorf("%w: %s", ErrUnknownConnector, cid)
	}
	if err := c.Stop(); err != nil {
		return err
	}
	return g.persistConnector(c)
}

// RemoveConnector stops and removes a connector (smppccm -r). Messages
// still in its queue stay in the store, and are sent if a connector with
// the same id is added again.
func (g *Gateway) RemoveConnector(cid string) error {
	c := g.Connector(cid)
	if c == nil {
		return fmt.Errorf("%w: %s", ErrUnknownConnector, cid)
	}
	if c.Running() {
		_ = c.Stop()
	}
	g.connMu.Lock()
	m := maps.Clone(*g.conns.Load())
	delete(m, cid)
	g.conns.Store(&m)
	g.connMu.Unlock()
	if err := g.db.DeleteObject(kindSMPPC, cid); err != nil && !errors.Is(err, wal.ErrNotFound) {
		return fmt.Errorf("remove connector %s: %w", cid, err)
	}
	return nil
}

// Connector returns connector cid, or nil.
func (g *Gateway) Connector(cid string) *smppc.Connector { return (*g.conns.Load())[cid] }

// Connectors returns the connectors sorted by id.
func (g *Gateway) Connectors() []*smppc.Connector {
	m := *g.conns.Load()
	ids := slices.Sorted(maps.Keys(m))
	out := make([]*smppc.Connector, len(ids))
	for i, id := range ids {
		out[i] = m[id]
	}
	return out
}

// AddHTTPConnector adds or replaces an HTTP connector (httpccm -a).
func (g *Gateway) AddHTTPConnector(h HTTPConnector) error {
	if !smppc.ValidCID(h.CID) {
		return fmt.Errorf("invalid connector id %q", h.CID)
	}
	switch h.Method {
	case "GET", "POST":
	default:
		return fmt.Errorf("http connector %s: method must be GET or POST, not %q", h.CID, h.Method)
	}
	b, err := json.Marshal(h)
	if err != nil {
		return err
	}
	if err := g.db.PutObject(kindHTTPC, h.CID, b); err != nil {
		return fmt.Errorf("persist http connector %s: %w", h.CID, err)
	}
	g.httpMu.Lock()
	m := maps.Clone(*g.https.Load())
	m[h.CID] = h
	g.https.Store(&m)
	g.httpMu.Unlock()
	return nil
}

// HTTPConnector returns HTTP connector cid.
func (g *Gateway) HTTPConnector(cid string) (HTTPConnector, bool) {
	h, ok := (*g.https.Load())[cid]
	return h, ok
}

// reloadConnectors makes the running connectors match the store's (after
// a profile load): connectors no longer there are stopped and removed,
// new ones added, changed ones updated, and each started or stopped as
// stored.
func (g *Gateway) reloadConnectors() error {
	objs, err := g.db.Objects(kindSMPPC)
	if err != nil {
		return fmt.Errorf("reload connectors: %w", err)
	}
	seen := map[string]bool{}
	for _, o := range objs {
		var sc storedConnector
		if err := json.Unmarshal(o.Value, &sc); err != nil {
			return fmt.Errorf("reload connector %s: %w", o.ID, err)
		}
		cfg, err := smppc.FromMap(sc.Config)
		if err != nil {
			return fmt.Errorf("reload connector %s: %w", o.ID, err)
		}
		seen[cfg.CID] = true
		c := g.Connector(cfg.CID)
		if c == nil {
			if c, err = g.newConnector(cfg); err != nil {
				return err
			}
		} else {
			c.Update(cfg)
		}
		switch {
		case sc.Started && !c.Running():
			err = c.Start()
		case !sc.Started && c.Running():
			err = c.Stop()
		}
		if err != nil {
			return err
		}
	}
	for _, c := range g.Connectors() {
		if !seen[c.CID()] {
			if c.Running() {
				_ = c.Stop()
			}
			g.connMu.Lock()
			m := maps.Clone(*g.conns.Load())
			delete(m, c.CID())
			g.conns.Store(&m)
			g.connMu.Unlock()
		}
	}
	hobjs, err := g.db.Objects(kindHTTPC)
	if err != nil {
		return fmt.Errorf("reload HTTP connectors: %w", err)
	}
	m := map[string]HTTPConnector{}
	for _, o := range hobjs {
		var h HTTPConnector
		if err := json.Unmarshal(o.Value, &h); err != nil {
			return fmt.Errorf("reload HTTP connector %s: %w", o.ID, err)
		}
		m[h.CID] = h
	}
	g.https.Store(&m)
	return nil
}

// HTTPConnectors returns the HTTP connectors sorted by id.
func (g *Gateway) HTTPConnectors() []HTTPConnector {
	m := *g.https.Load()
	ids := slices.Sorted(maps.Keys(m))
	out := make([]HTTPConnector, len(ids))
	for i, id := range ids {
		out[i] = m[id]
	}
	return out
}

// RemoveHTTPConnector removes an HTTP connector (httpccm -r).
func (g *Gateway) RemoveHTTPConnector(cid string) error {
	if _, ok := g.HTTPConnector(cid); !ok {
		return fmt.Errorf("%w: %s", ErrUnknownConnector, cid)
	}
	if err := g.db.DeleteObject(kindHTTPC, cid); err != nil && !errors.Is(err, wal.ErrNotFound) {
		return fmt.Errorf("remove http connector %s: %w", cid, err)
	}
	g.httpMu.Lock()
	m := maps.Clone(*g.https.Load())
	delete(m, cid)
	g.https.Store(&m)
	g.httpMu.Unlock()
	return nil
}

// SetCounters sets a user's balance and sms_count in the store's ledger
// (jCli quota changes). The ledger is authoritative: views of a user's
// balance must read Counters, not the router's User.
func (g *Gateway) SetCounters(uid string, c ledger.Counters) error {
	if err := g.db.SetCounters(uid, c); err != nil {
		return fmt.Errorf("set counters of %s: %w", uid, err)
	}
	return nil
}

// ApplyQuota applies the balance and sms_count lines of a user update
// (jCli, admin API; +N / -N included) to the store's ledger, computed
// against its value under its lock so that no charge made meanwhile is
// lost, then copies the result into the router's view of the user. It
// returns the ledger before and after. A refusal by the router's rules
// (below zero) is returned as the router words it and changes nothing.
func (g *Gateway) ApplyQuota(uid string, q *router.QuotaEdit) (before, after ledger.Counters, err error) {
	var qerr error
	after, err = g.db.UpdateCounters(uid, func(c ledger.Counters) (ledger.Counters, bool, error) {
		before = c
		n, err := q.Apply(c)
		qerr = err
		return n, q.Replaces(), err
	})
	if qerr != nil {
		return before, before, qerr
	}
	if err != nil {
		return before, after, fmt.Errorf("quota of %s: %w", uid, err)
	}
	if err := g.acc.SetCounters(uid, after); err != nil {
		return before, after, err
	}
	return before, after, nil
}
