package netio

import (
	"crypto/tls"
	"runtime"
	"time"
)

// Options tune a Server or Dialer. The zero value of each field means its
// default.
type Options struct {
	// MaxPDUSize is the largest command_length accepted; a larger frame is
	// answered with generic_nack (ESME_RINVCMDLEN) and the connection is
	// closed. Default 16384.
	MaxPDUSize int
	// MaxPending is how many octets may wait to be written to one peer
	// (ours plus the kernel-side buffer gnet keeps) before the peer is
	// treated as a slow consumer: the write fails and the connection is
	// closed. Default 4 MiB.
	MaxPending int
	// PDUReadTimeout is the longest a started frame may stay incomplete
	// (Jasmin's pduReadTimerSecs / pdu_red_to). Default 10 s; negative
	// disables it.
	PDUReadTimeout time.Duration
	// TickInterval is how often each connection's OnTick runs. Default 100 ms.
	TickInterval time.Duration
	// Loops is the number of event loops. Default runtime.NumCPU().
	Loops int
	// TLS, when set, makes a Server accept TLS or a Dialer speak TLS, on
	// the crypto/tls path (one reader and one writer goroutine per
	// connection instead of gnet's event loops).
	TLS *tls.Config
	// DialTimeout bounds the TCP connect and TLS handshake. Default 10 s.
	DialTimeout time.Duration
	// HandshakeTimeout bounds a TLS Server's handshake with each client,
	// run off the accept loop: a client that does not complete it in time
	// is closed. Default 10 s.
	HandshakeTimeout time.Duration
	// Limit, for a Server, caps its open connections (in all and per IP
	// address): one over a cap is closed as soon as it is accepted, before
	// its Handler exists (before the TLS handshake on the TLS path). Nil:
	// no cap. Servers may share one.
	Limit *ConnLimit
}

// Default values of Options.
const (
	DefaultMaxPDUSize     = 16384
	DefaultMaxPending     = 4 << 20
	DefaultPDUReadTimeout = 10 * time.Second
	DefaultTickInterval   = 100 * time.Millisecond
	DefaultDialTimeout    = 10 * time.Second
	DefaultHandshake      = 10 * time.Second
	// MaxHandshakes is how many TLS handshakes a Server runs at once;
	// connections beyond it are closed at once.
	MaxHandshakes = 1024
)

func (o Options) withDefaults() Options {
	if o.MaxPDUSize <= 0 {
		o.MaxPDUSize = DefaultMaxPDUSize
	}
	if o.MaxPDUSize < 16 {
		o.MaxPDUSize = 16
	}
	if o.MaxPending <= 0 {
		o.MaxPending = DefaultMaxPending
	}
	if o.PDUReadTimeout == 0 {
		o.PDUReadTimeout = DefaultPDUReadTimeout
	}
	if o.TickInterval <= 0 {
		o.TickInterval = DefaultTickInterval
	}
	if o.Loops <= 0 {
		o.Loops = runtime.NumCPU()
	}
	if o.DialTimeout <= 0 {
		o.DialTimeout = DefaultDialTimeout
	}
	if o.HandshakeTimeout <= 0 {
		o.HandshakeTimeout = DefaultHandshake
	}
	return o
}
