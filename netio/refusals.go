package netio

import (
	"errors"
	"sync/atomic"
)

// Refusals counts what one listener turned away, by reason: the figures
// of gwd_listener_refused_total. A ConnLimit counts its own caps here;
// the server on top of it counts the rest (a body over its limit, a
// client cut for being too slow). Each count is one atomic add, taken
// once per refused connection or request, never per PDU.
type Refusals struct {
	// MaxConnections: connections closed at accept for the global cap.
	MaxConnections atomic.Uint64
	// PerIP: connections closed at accept for the per-address cap.
	PerIP atomic.Uint64
	// BodyTooLarge: requests refused for a body over the limit, before
	// it was read.
	BodyTooLarge atomic.Uint64
	// Timeout: connections cut for being too slow: headers or a PDU not
	// complete in time, no bind in time.
	Timeout atomic.Uint64
}

// Reasons are the reason labels of gwd_listener_refused_total, in the
// order Counts gives them.
var Reasons = [4]string{"max_connections", "per_ip", "body_too_large", "timeout"}

// Counts reads the counters in the order of Reasons.
func (r *Refusals) Counts() [4]uint64 {
	return [4]uint64{r.MaxConnections.Load(), r.PerIP.Load(), r.BodyTooLarge.Load(), r.Timeout.Load()}
}

// timeoutError is what IsTimeout recognises beside ErrPDUReadTimeout: a
// session's bind timeout implements it.
type timeoutError interface{ Timeout() bool }

// IsTimeout reports whether err closes a connection for being too slow:
// ErrPDUReadTimeout, or an error with Timeout() true (a net.Error's
// deadline, session.ErrBindTimeout).
func IsTimeout(err error) bool {
	if errors.Is(err, ErrPDUReadTimeout) {
		return true
	}
	var te timeoutError
	return errors.As(err, &te) && te.Timeout()
}
