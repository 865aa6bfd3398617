package manage

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/gwd-project/gwd/engine/smppc"
)

// Object kinds of connectors in the configuration store.
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

// Connector returns SMPP client connector cid, or nil. No lock.
func (m *Manager) Connector(cid string) *smppc.Connector { return (*m.conns.Load())[cid] }

// Connectors returns the SMPP client connectors sorted by id.
func (m *Manager) Connectors() []*smppc.Connector {
	c := *m.conns.Load()
	ids := slices.Sorted(maps.Keys(c))
	out := make([]*smppc.Connector, len(ids))
	for i, id := range ids {
		out[i] = c[id]
	}
	return out
}

// HTTPConnector returns HTTP connector cid. No lock.
func (m *Manager) HTTPConnector(cid string) (HTTPConnector, bool) {
	h, ok := (*m.https.Load())[cid]
	return h, ok
}

// HTTPConnectors returns the HTTP connectors sorted by id.
func (m *Manager) HTTPConnectors() []HTTPConnector {
	c := *m.https.Load()
	ids := slices.Sorted(maps.Keys(c))
	out := make([]HTTPConnector, len(ids))
	for i, id := range ids {
		out[i] = c[id]
	}
	return out
}

// setConn registers c under cid (nil removes it). Callers hold mu.
func (m *Manager) setConn(cid string, c *smppc.Connector) {
	next := maps.Clone(*m.conns.Load())
	if c == nil {
		delete(next, cid)
	} else {
		next[cid] = c
	}
	m.conns.Store(&next)
}

// setHTTP registers h under cid (nil removes it). Callers hold mu.
func (m *Manager) setHTTP(cid string, h *HTTPConnector) {
	next := maps.Clone(*m.https.Load())
	if h == nil {
		delete(next, cid)
	} else {
		next[cid] = *h
	}
	m.https.Store(&next)
}

func (m *Manager) connector(cid string) (*smppc.Connector, error) {
	c := m.Connector(cid)
	if c == nil {
		return nil, fmt.Errorf("%w: %s", ErrUnknownConnector, cid)
	}
	return c, nil
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

// AddConnector adds a stopped SMPP client connector (smppccm -a).
func (tx *Tx) AddConnector(cfg smppc.Config) error {
	m := tx.m
	if !smppc.ValidCID(cfg.CID) {
		return fmt.Errorf("invalid connector id %q", cfg.CID)
	}
	if m.Connector(cfg.CID) != nil {
		return fmt.Errorf("%w: %s", ErrConnectorExists, cfg.CID)
	}
	if err := checkConnectorTLS(cfg, nil); err != nil {
		return err
	}
	c, err := m.newConn(cfg)
	if err != nil {
		return err
	}
	m.setConn(cfg.CID, c)
	tx.onUndo(func() error {
		var err error
		if c.Running() {
			err = c.Stop()
		}
		m.setConn(cfg.CID, nil)
		return err
	})
	tx.touch(kindSMPPC, cfg.CID)
	return nil
}

// UpdateConnector applies new parameters (smppccm -u); keys that need a
// restart take effect at the next start.
func (tx *Tx) UpdateConnector(cfg smppc.Config) error {
	c, err := tx.m.connector(cfg.CID)
	if err != nil {
		return err
	}
	old := c.Config()
	if err := checkConnectorTLS(cfg, &old); err != nil {
		return err
	}
	c.Update(cfg)
	tx.onUndo(func() error { c.Update(old); return nil })
	tx.touch(kindSMPPC, cfg.CID)
	return nil
}

// StartConnector starts a connector (smppccm -1).
func (tx *Tx) StartConnector(cid string) error {
	c, err := tx.m.connector(cid)
	if err != nil {
		return err
	}
	was := c.Running()
	if err := c.Start(); err != nil {
		return err
	}
	if !was {
		tx.onUndo(c.Stop)
	}
	tx.touch(kindSMPPC, cid)
	return nil
}

// StopConnector stops a connector (smppccm -0).
func (tx *Tx) StopConnector(cid string) error {
	c, err := tx.m.connector(cid)
	if err != nil {
		return err
	}
	was := c.Running()
	if err := c.Stop(); err != nil {
		return err
	}
	if was {
		tx.onUndo(c.Start)
	}
	tx.touch(kindSMPPC, cid)
	return nil
}

// RemoveConnector stops and removes a connector (smppccm -r). Messages
// still in its queue stay in the store, and are sent if a connector with
// the same id is added again.
func (tx *Tx) RemoveConnector(cid string) error {
	m := tx.m
	c, err := m.connector(cid)
	if err != nil {
		return err
	}
	running := c.Running()
	if running {
		if err := c.Stop(); err != nil {
			m.log.Warn("manage: connector did not stop cleanly", "cid", cid, "err", err)
		}
	}
	m.setConn(cid, nil)
	tx.onUndo(func() error {
		m.setConn(cid, c)
		if running {
			return c.Start()
		}
		return nil
	})
	tx.touch(kindSMPPC, cid)
	return nil
}

// PutHTTPConnector adds or replaces an HTTP connector (httpccm -a).
func (tx *Tx) PutHTTPConnector(h HTTPConnector) error {
	m := tx.m
	if !smppc.ValidCID(h.CID) {
		return fmt.Errorf("invalid connector id %q", h.CID)
	}
	switch h.Method {
	case "GET", "POST":
	default:
		return fmt.Errorf("http connector %s: method must be GET or POST, not %q", h.CID, h.Method)
	}
	old, had := m.HTTPConnector(h.CID)
	m.setHTTP(h.CID, &h)
	tx.onUndo(func() error {
		if had {
			m.setHTTP(h.CID, &old)
		} else {
			m.setHTTP(h.CID, nil)
		}
		return nil
	})
	tx.touch(kindHTTPC, h.CID)
	return nil
}

// RemoveHTTPConnector removes an HTTP connector (httpccm -r).
func (tx *Tx) RemoveHTTPConnector(cid string) error {
	m := tx.m
	old, ok := m.HTTPConnector(cid)
	if !ok {
		return fmt.Errorf("%w: %s", ErrUnknownConnector, cid)
	}
	m.setHTTP(cid, nil)
	tx.onUndo(func() error { m.setHTTP(cid, &old); return nil })
	tx.touch(kindHTTPC, cid)
	return nil
}

// encodeConnector is connector cid as stored (del when it is gone).
func (m *Manager) encodeConnector(kind, cid string) (b []byte, del bool, err error) {
	if kind == kindHTTPC {
		h, ok := m.HTTPConnector(cid)
		if !ok {
			return nil, true, nil
		}
		b, err = json.Marshal(h)
		return b, false, err
	}
	c := m.Connector(cid)
	if c == nil {
		return nil, true, nil
	}
	cfg := c.Config()
	b, err = json.Marshal(storedConnector{Config: cfg.Map(), Started: c.Running()})
	return b, false, err
}

// loadConnectors reads the stored connectors: SMPP client connectors not
// registered are built (stopped), changed ones updated, those no longer
// stored stopped and removed; started reports those stored as started.
// HTTP connectors are replaced whole. Callers hold mu (or own m alone).
func (m *Manager) loadConnectors() (started []*smppc.Connector, err error) {
	objs, err := m.st.Objects(kindSMPPC)
	if err != nil {
		return nil, fmt.Errorf("load connectors: %w", err)
	}
	seen := map[string]bool{}
	for _, o := range objs {
		var sc storedConnector
		if err := json.Unmarshal(o.Value, &sc); err != nil {
			return nil, fmt.Errorf("load connector %s: %w", o.ID, err)
		}
		cfg, err := smppc.FromMap(sc.Config)
		if err != nil {
			return nil, fmt.Errorf("load connector %s: %w", o.ID, err)
		}
		seen[cfg.CID] = true
		c := m.Connector(cfg.CID)
		if c == nil {
			if c, err = m.newConn(cfg); err != nil {
				return nil, err
			}
			m.setConn(cfg.CID, c)
		} else {
			c.Update(cfg)
		}
		if sc.Started {
			started = append(started, c)
		}
	}
	for _, c := range m.Connectors() {
		if !seen[c.CID()] {
			if c.Running() {
				_ = c.Stop()
			}
			m.setConn(c.CID(), nil)
		}
	}
	hobjs, err := m.st.Objects(kindHTTPC)
	if err != nil {
		return nil, fmt.Errorf("load HTTP connectors: %w", err)
	}
	hs := map[string]HTTPConnector{}
	for _, o := range hobjs {
		var h HTTPConnector
		if err := json.Unmarshal(o.Value, &h); err != nil {
			return nil, fmt.Errorf("load HTTP connector %s: %w", o.ID, err)
		}
		hs[h.CID] = h
	}
	m.https.Store(&hs)
	return started, nil
}

// StartSaved starts the connectors LoadLive found started (after the
// gateway's observers are in place, so that they see every bind).
func (m *Manager) StartSaved() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range m.saved {
		if !c.Running() {
			if err := c.Start(); err != nil {
				return fmt.Errorf("start connector %s: %w", c.CID(), err)
			}
		}
	}
	m.saved = nil
	return nil
}

// StopAll stops every running connector (shutdown).
func (m *Manager) StopAll() {
	for _, c := range m.Connectors() {
		if c.Running() {
			_ = c.Stop()
		}
	}
}
