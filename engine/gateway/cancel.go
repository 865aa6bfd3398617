package gateway

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/gwd-project/gwd/smpp"
	"github.com/gwd-project/gwd/store"
)

// cancel_sm. A message still in its connector's queue can be withdrawn by
// its sender: the cancellation is stored (object kind "cancel", runtime
// state kept out of profiles) and remembered in memory; the dispatcher
// drops the message when it takes it instead of sending it. A message the
// SMSC has already answered (it has events) cannot be cancelled. One
// taken by the dispatcher in the instant before the cancel lands may
// still go out: cancel_sm answers for the queue, not for that instant.

const kindCancel = "cancel"

func init() { store.RegisterRuntimeKind(kindCancel) }

type cancels struct {
	n atomic.Int64
	m sync.Map // id → uid
}

func (g *Gateway) loadCancels() error {
	objs, err := g.db.Objects(kindCancel)
	if err != nil {
		return fmt.Errorf("load cancellations: %w", err)
	}
	for _, o := range objs {
		g.cancels.m.Store(o.ID, string(o.Value))
		g.cancels.n.Add(1)
	}
	return nil
}

// CancelMT implements smpps.Backend.
func (g *Gateway) CancelMT(uid, id string, done func(smpp.Status)) {
	if len(id) == 0 || len(id) > 64 {
		done(smpp.ESME_RINVMSGID)
		return
	}
	if st, _, ok := g.MessageState(id); ok && st != EventQueued {
		done(smpp.ESME_RCANCELFAIL) // already with the SMSC
		return
	}
	go func() { // a store write: off the event loop
		if err := g.db.PutObject(kindCancel, id, []byte(uid)); err != nil {
			g.log.Warn("cancel_sm not stored", "id", id, "err", err)
			done(smpp.ESME_RCANCELFAIL)
			return
		}
		if _, loaded := g.cancels.m.LoadOrStore(id, uid); !loaded {
			g.cancels.n.Add(1)
		}
		done(smpp.ESME_ROK)
	}()
}

// Cancelled implements smppc.Sink: one atomic load when nothing is
// cancelled.
func (g *Gateway) Cancelled(id, uid string) bool {
	if g.cancels.n.Load() == 0 {
		return false
	}
	v, ok := g.cancels.m.Load(id)
	return ok && v.(string) == uid
}

// forgetCancel drops a cancellation once its message is gone.
func (g *Gateway) forgetCancel(id string) {
	if _, ok := g.cancels.m.LoadAndDelete(id); ok {
		g.cancels.n.Add(-1)
		if err := g.db.DeleteObject(kindCancel, id); err != nil {
			g.log.Warn("cancellation not removed", "id", id, "err", err)
		}
	}
}
