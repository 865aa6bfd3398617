package session

import (
	"sync/atomic"
	"time"
)

// Config holds a session's timers and window. Names follow Jasmin's
// [smpp-server] section and SMPP client connector parameters.
type Config struct {
	// Elinks, when set, counts enquire_link requests seen on the session,
	// received and sent (Jasmin's *_elink_count metrics).
	Elinks *atomic.Uint64
	// SystemID is what a server puts in bind_*_resp; empty means echo the
	// bound system_id, as Jasmin does.
	SystemID string
	// BindTimeout: server side, how long a connection may stay unbound
	// (sessionInitTimerSecs, default 30 s); client side, how long to wait
	// for bind_*_resp (bind_to, default 30 s).
	BindTimeout time.Duration
	// EnquireLinkInterval: an enquire_link goes out when nothing has been
	// received for this long (enquireLinkTimerSecs / elink_interval,
	// default 30 s).
	EnquireLinkInterval time.Duration
	// InactivityTimeout: with nothing received for this long the session
	// unbinds and closes (inactivityTimerSecs / trx_to, default 300 s).
	InactivityTimeout time.Duration
	// ResponseTimeout: a request without response after this long is
	// given up (responseTimerSecs / res_to; default 60 s).
	ResponseTimeout time.Duration
	// Window is the most requests this side may have outstanding
	// (default 100).
	Window int
	// InboundWindow is the most requests the peer may have outstanding
	// here: handed to App.Request and not yet answered with Respond or
	// Write. A request beyond it is answered at once with
	// ESME_RTHROTTLED and never reaches the app. Zero: no bound.
	InboundWindow int
	// Throttled, when set, counts the requests refused for the inbound
	// window.
	Throttled *atomic.Uint64
	// PDUReadTimeout, client side, is how long a started PDU may stay
	// incomplete before the connection is dropped (pdu_red_to); zero
	// keeps the dialer's.
	PDUReadTimeout time.Duration
}

// Defaults, from Jasmin's manual.
const (
	DefaultBindTimeout         = 30 * time.Second
	DefaultEnquireLinkInterval = 30 * time.Second
	DefaultInactivityTimeout   = 300 * time.Second
	DefaultResponseTimeout     = 60 * time.Second
	DefaultWindow              = 100
)

func (c Config) withDefaults() Config {
	if c.BindTimeout <= 0 {
		c.BindTimeout = DefaultBindTimeout
	}
	if c.EnquireLinkInterval <= 0 {
		c.EnquireLinkInterval = DefaultEnquireLinkInterval
	}
	if c.InactivityTimeout <= 0 {
		c.InactivityTimeout = DefaultInactivityTimeout
	}
	if c.ResponseTimeout <= 0 {
		c.ResponseTimeout = DefaultResponseTimeout
	}
	if c.Window <= 0 {
		c.Window = DefaultWindow
	}
	return c
}
