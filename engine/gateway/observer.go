package gateway

import (
	"github.com/gwd-project/gwd/engine/smppc"
	"github.com/gwd-project/gwd/smpp"
	"github.com/gwd-project/gwd/store"
)

// Observer lets a channel API built on the gateway (Junebug's) follow its
// own messages and connectors. Methods run on event loops or store
// goroutines and must not block.
type Observer interface {
	// MessageEvent reports each event recorded for a message (submitted,
	// rejected, delivery_*), after it is in the store's message state.
	MessageEvent(id string, ev store.Event)
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
func (g *Gateway) addEvent(id string, ev store.Event) {
	w, ok := g.eventWrite(id, ev)
	if ok {
		g.db.Submit(w)
	}
}

// eventWrite is addEvent as a Write, to merge with the write that caused
// the event (an ack, a receipt's hand-off): one commit instead of two. ok
// is false, and the reason logged, when the event cannot be recorded.
func (g *Gateway) eventWrite(id string, ev store.Event) (w store.Write, ok bool) {
	var done func(error)
	if o := g.obs(); o != nil {
		done = func(err error) {
			if err == nil {
				o.MessageEvent(id, ev)
			}
		}
	}
	w, err := g.idx.AddEventWrite(id, ev, done)
	if err != nil {
		g.log.Debug("message event not recorded", "id", id, "type", ev.Type, "err", err)
		return store.Write{}, false
	}
	return w, true
}

func (g *Gateway) observeState(c *smppc.Connector, bind int, state string, err error) {
	if o := g.obs(); o != nil {
		o.ConnectorState(c.CID(), bind, state, err)
	}
}
