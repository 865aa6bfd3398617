package gateway

import (
	"fmt"

	"github.com/gwd-project/gwd/engine/manage"
	"github.com/gwd-project/gwd/engine/smppc"
)

// Connectors are configured by package manage (the one writer of
// configuration); the message path only finds them here.

// HTTPConnector is an MO destination over HTTP (httpccm).
type HTTPConnector = manage.HTTPConnector

// connectorLookup is how the message path finds connectors: manage's
// registry, read without a lock.
type connectorLookup interface {
	Connector(cid string) *smppc.Connector
	Connectors() []*smppc.Connector
	HTTPConnector(cid string) (manage.HTTPConnector, bool)
	Known(kind, id string) bool
}

// newConnector builds a stopped connector on its queue, with the gateway
// as its handler and dialers (manage.Deps.NewConnector).
func (g *Gateway) newConnector(cfg smppc.Config) (*smppc.Connector, error) {
	q, err := g.db.Queue("mt/" + cfg.CID)
	if err != nil {
		return nil, fmt.Errorf("connector %s queue: %w", cfg.CID, err)
	}
	c := smppc.New(cfg, q, g, g, g.log)
	c.SetQueueDefaults(g.cfg.SMPPClient.QueueMaxMessages, int64(g.cfg.SMPPClient.QueueMaxBytes))
	return c, nil
}

// Connector returns connector cid, or nil.
func (g *Gateway) Connector(cid string) *smppc.Connector { return g.conns.Connector(cid) }

// Connectors returns the connectors sorted by id.
func (g *Gateway) Connectors() []*smppc.Connector { return g.conns.Connectors() }

// HTTPConnector returns HTTP connector cid.
func (g *Gateway) HTTPConnector(cid string) (HTTPConnector, bool) { return g.conns.HTTPConnector(cid) }

// Known reports whether a route target exists (manage.Manager.Known).
func (g *Gateway) Known(kind, id string) bool { return g.conns.Known(kind, id) }
