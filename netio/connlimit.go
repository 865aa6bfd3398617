package netio

import (
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// ConnLimit caps the connections a listener keeps open: in all, and from
// one IP address. A listener asks it once per connection, on accept and on
// close (never per PDU or request). The zero caps mean no cap; a nil
// *ConnLimit admits everything.
type ConnLimit struct {
	max, maxPerIP int

	mu    sync.Mutex
	open  int
	perIP map[netip.Addr]int

	// Refused counts the connections closed at accept for a cap (both
	// caps: smppsapi_refused_connect_count).
	Refused atomic.Uint64
	// Counts are the listener's refusals by reason: the caps' here, the
	// rest (timeouts, bodies) added by the server that owns the limit.
	Counts Refusals
}

// NewConnLimit caps open connections at max in all and maxPerIP from one
// address; 0 leaves that cap off.
func NewConnLimit(max, maxPerIP int) *ConnLimit {
	return &ConnLimit{max: max, maxPerIP: maxPerIP, perIP: make(map[netip.Addr]int)}
}

// ipOf is the address a cap counts remote under (IPv4-mapped IPv6 as
// IPv4); ok false for a non-IP address, which only the global cap counts.
func ipOf(remote net.Addr) (netip.Addr, bool) {
	ta, ok := remote.(*net.TCPAddr)
	if !ok {
		return netip.Addr{}, false
	}
	ip, ok := netip.AddrFromSlice(ta.IP)
	return ip.Unmap(), ok
}

// Acquire admits a connection from remote, counting it, or reports false
// (and counts a refusal) when a cap is reached. Each true needs one Release.
func (l *ConnLimit) Acquire(remote net.Addr) bool {
	if l == nil {
		return true
	}
	ip, hasIP := ipOf(remote)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.max > 0 && l.open >= l.max {
		l.Refused.Add(1)
		l.Counts.MaxConnections.Add(1)
		return false
	}
	if hasIP && l.maxPerIP > 0 && l.perIP[ip] >= l.maxPerIP {
		l.Refused.Add(1)
		l.Counts.PerIP.Add(1)
		return false
	}
	l.open++
	if hasIP {
		l.perIP[ip]++
	}
	return true
}

// Release uncounts a connection Acquire admitted.
func (l *ConnLimit) Release(remote net.Addr) {
	if l == nil {
		return
	}
	ip, hasIP := ipOf(remote)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open--
	if hasIP {
		if n := l.perIP[ip]; n > 1 {
			l.perIP[ip] = n - 1
		} else {
			delete(l.perIP, ip)
		}
	}
}

// CountTimeout counts a connection cut for being too slow; nil-safe.
func (l *ConnLimit) CountTimeout() {
	if l != nil {
		l.Counts.Timeout.Add(1)
	}
}

// refusalWriteTimeout bounds the write of a refusal: a fresh socket's
// send buffer is empty, so it never waits in practice.
const refusalWriteTimeout = 100 * time.Millisecond

// LimitListener returns ln closing, as soon as they are accepted, the
// connections lim refuses; the others are released when closed. A
// refused connection is first sent refusal, when not empty (an HTTP 503,
// a console's line), then closed without reading anything.
func LimitListener(ln net.Listener, lim *ConnLimit, refusal []byte) net.Listener {
	if lim == nil {
		return ln
	}
	return &limitListener{Listener: ln, lim: lim, refusal: refusal}
}

type limitListener struct {
	net.Listener
	lim     *ConnLimit
	refusal []byte
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			// As is: servers test it for net.Error timeouts and a closed
			// listener, and name the listener themselves.
			return nil, err
		}
		if l.lim.Acquire(c.RemoteAddr()) {
			return &limitConn{Conn: c, lim: l.lim}, nil
		}
		if len(l.refusal) > 0 {
			_ = c.SetWriteDeadline(time.Now().Add(refusalWriteTimeout))
			_, _ = c.Write(l.refusal) // best effort: the peer may be gone
		}
		_ = c.Close() // over a cap: refused before any request is read
	}
}

// limitConn releases its place in the limit once, on the first Close.
type limitConn struct {
	net.Conn
	lim  *ConnLimit
	once sync.Once
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.lim.Release(c.Conn.RemoteAddr()) })
	return err
}
