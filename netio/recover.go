package netio

import (
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/VictoriaMetrics/metrics"

	"github.com/gwd-project/gwd/smpp"
)

// ErrHandlerPanic is the reason OnClose receives when a handler callback
// (OnFrame, OnTick, a Serialized function) panicked: the connection is
// closed, the process and the other connections go on.
var ErrHandlerPanic = errors.New("netio: handler panicked; connection closed")

// panics counts the handler panics netio recovered: the handlers are
// gwd's SMPP sessions, so the label says smpp.
var panics = metrics.GetOrCreateCounter(`gwd_panics_total{where="smpp"}`)

// recoverHandler is deferred at each place a Conn calls its handler: a
// panic there is logged with its stack and counted, and the connection is
// closed with ErrHandlerPanic. The caller still holds c.mu; the output
// side (wmu) is free, as every writer releases it on panic (appendSMPP).
func (c *Conn) recoverHandler() {
	v := recover()
	if v == nil {
		return
	}
	panics.Inc()
	slog.Error("panic recovered in an SMPP connection's handler; closing it",
		"remote", addrString(c.remote), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
	c.CloseWithError(ErrHandlerPanic)
}

// recoverOnClose is recoverHandler for OnClose: the connection is already
// gone, there is nothing to close.
func (c *Conn) recoverOnClose() {
	if v := recover(); v != nil {
		panics.Inc()
		slog.Error("panic recovered in an SMPP connection's OnClose",
			"remote", addrString(c.remote), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
	}
}

func addrString(a interface{ String() string }) string {
	if a == nil {
		return ""
	}
	return a.String()
}

// appendSMPP appends p's wire form to c.out; the caller holds wmu, which
// a panic in the encoder (a handler's bug, such as a nil PDU) releases
// before it goes on up (to the handler's recoverHandler), so that closing
// the connection does not deadlock.
func (c *Conn) appendSMPP(p *smpp.PDU) {
	defer func() {
		if v := recover(); v != nil {
			c.wmu.Unlock()
			panic(v)
		}
	}()
	c.out = p.AppendTo(c.out)
}
