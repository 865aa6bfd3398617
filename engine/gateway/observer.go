package gateway

import (
	"github.com/gwd-project/gwd/engine/smppc"
	"github.com/gwd-project/gwd/smpp"
	"github.com/gwd-project/gwd/wal"
)

// Observer lets a channel API built on the gateway (Junebug's) follow its
// own messages and connectors. Methods run on event loops or store
// goroutines and must not block.
type Observer interface {
	// MessageEvent reports each event recorded for a message (submitted,
	// rejected, delivery_*), after it is in the store's message state.
	MessageEvent(id string, ev wal.Event)
	// MO offers an MO message from connector cid before MO routing:
	// returning true claims it, and the observer then calls done once its
	// hand-off is durable (nil) or failed. p is valid only during the call.
	MO(cid string, p *smpp.PDU, done func(error)) bool
	// ConnectorState reports a bind's session state change.
	ConnectorState(cid string, bind int, state string, err error)
}

// SetObserver installs o (one at most; nil removes it).
func (g *Gateway) SetObserver(o Observer) {
	if o == nil {
		g.observer.Store(nil)
		return
	}
	g.observer.Store(&o)
}

func (g *Gateway) obs() Observer {
	if p := g.observer.Load(); p != nil {
		return *p
	}
	return nil
}

// addEvent records ev for message id and tells the observer.
func (g *Gateway) addEvent(id string, ev wal.Event) {
	o := g.obs()
	if o == nil {
		g.idx.AddEvent(id, ev, nil)
		return
	}
	g.idx.AddEvent(id, ev, func(err error) {
		if err == nil {
			o.MessageEvent(id, ev)
		}
	})
}

func (g *Gateway) observeState(c *smppc.Connector, bind int, state string, err error) {
	if o := g.obs(); o != nil {
		o.ConnectorState(c.CID(), bind, state, err)
	}
}
