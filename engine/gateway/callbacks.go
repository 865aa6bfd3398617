package gateway

import (
	"errors"

	"github.com/gwd-project/gwd/engine/egress"
	"github.com/gwd-project/gwd/engine/thrower"
)

// Callback is an HTTP request the gateway needs made durably: a receipt
// to a dlr-url, or an MO message to an HTTP connector.
type Callback struct {
	Kind   CallbackKind
	URL    string
	Method string // GET or POST
	Params []Param
	Ref    string // gateway message id, for logs
}

// Param is one request parameter, in order.
type Param struct{ Key, Value string }

// CallbackKind selects the retry policy ([dlr-thrower] or
// [deliversm-thrower]).
type CallbackKind uint8

// Callback kinds.
const (
	CallbackDLR CallbackKind = iota + 1
	CallbackMO
)

// Callbacks stores a callback durably (done(nil) once stored) and delivers
// it in the background with retries; the receiver must answer
// "ACK/Jasmin".
type Callbacks interface {
	Throw(cb *Callback, done func(error))
}

// errNoCallbacks answers a hand-off to HTTP when the gateway runs without
// a callback thrower.
type noCallbacksError struct{}

func (noCallbacksError) Error() string { return "gateway: HTTP callbacks are not available" }

func (g *Gateway) throw(cb *Callback, done func(error)) {
	if g.cb != nil {
		g.cb.Throw(cb, done)
		return
	}
	if g.th == nil {
		done(noCallbacksError{})
		return
	}
	kind := thrower.DLR
	if cb.Kind == CallbackMO {
		kind = thrower.MO
	}
	// A dlr-url is an API user's; an HTTP connector's URL an
	// administrator's.
	tc := &thrower.Callback{Kind: kind, URL: cb.URL, Method: cb.Method, Ref: cb.Ref, Params: make([]thrower.Param, len(cb.Params)),
		UserURL: kind == thrower.DLR}
	for i, p := range cb.Params {
		tc.Params[i] = thrower.Param{Key: p.Key, Value: p.Value}
	}
	if kind == thrower.DLR {
		// A receipt whose dlr-url the thrower refuses can never be
		// delivered: refusing the SMSC's deliver_sm for it would only
		// have the SMSC send it again forever. The API checks dlr-url
		// with the same rule, so this is a message stored before it did.
		inner := done
		done = func(err error) {
			if errors.Is(err, thrower.ErrInvalid) {
				g.log.Warn("receipt dropped: its dlr-url cannot be called", "id", cb.Ref, "err", err)
				err = nil
			}
			inner(err)
		}
	}
	g.th.Throw(tc, done)
}

// CallbackGuard is the rule for callback URLs API users supply
// ([callbacks]): the HTTP APIs check dlr-url and batch callbacks with it,
// and the thrower dials receipts through it.
func (g *Gateway) CallbackGuard() *egress.Guard { return g.cbGuard }
