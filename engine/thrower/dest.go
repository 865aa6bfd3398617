package thrower

import (
	"bytes"
	"encoding/binary"
	"time"

	"github.com/gwd-project/gwd/store"
)

// DefaultPerHost is how many requests of one kind go to one destination
// (host:port) at once when Config.PerHost is 0 (at most Workers). One
// application's dlr-url commonly takes every receipt, so it is generous:
// a dead receiver holds at most a quarter of the workers.
const DefaultPerHost = 64

// dest is one destination's share of a lane: the requests in flight to it
// and the callbacks that wait for one of them to finish. Guarded by the
// lane's mu.
type dest struct {
	key      string
	inFlight int
	parked   []*store.Msg // FIFO from head; leased from the queue, still stored
	head     int
}

func (d *dest) idle() bool { return d.inFlight == 0 && d.head == len(d.parked) }

func (d *dest) park(m *store.Msg) { d.parked = append(d.parked, m) }

// unpark returns the oldest waiting callback, or nil.
func (d *dest) unpark() *store.Msg {
	if d.head == len(d.parked) {
		return nil
	}
	m := d.parked[d.head]
	d.parked[d.head] = nil
	d.head++
	switch {
	case d.head == len(d.parked):
		if cap(d.parked) > 4096 {
			d.parked = nil // a drained backlog gives its memory back
		} else {
			d.parked = d.parked[:0]
		}
		d.head = 0
	case d.head > 1024 && d.head*2 > len(d.parked):
		n := copy(d.parked, d.parked[d.head:])
		clear(d.parked[n:])
		d.parked, d.head = d.parked[:n], 0
	}
	return m
}

// job is a callback handed to a worker with the destination slot it holds
// (d nil: a record that does not decode, which holds none).
type job struct {
	m *store.Msg
	d *dest
}

// maxParked bounds the callbacks one destination keeps waiting in memory;
// beyond it they wait in the store for overflowDelay and are taken again.
const (
	maxParked     = 4096
	overflowWait  = 100 * time.Millisecond
	overflowDelay = time.Second
)

// minSweep is the number of destinations a lane remembers before it
// forgets idle ones.
const minSweep = 1024

// admit decides what becomes of a callback the feeder took: a retry not yet
// due goes back to the queue until its time; a callback whose destination
// has PerHost requests in flight waits in memory, leased (its record stays
// in the store); anything else takes a slot of its destination and goes to
// a worker. key is the feeder's scratch buffer.
func (l *lane) admit(m *store.Msg, key *[]byte) (job, bool) {
	notBefore, url, ok := peekRecord(m.Payload)
	if !ok {
		return job{m: m}, true // the worker drops it as corrupt
	}
	if notBefore != 0 {
		if d := time.Duration(notBefore - l.t.now().UnixNano()); d > 0 {
			if err := l.q.Requeue(m, d); err != nil {
				l.t.log.Error("thrower: requeue", "kind", l.kind.String(), "err", err)
			}
			return job{}, false
		}
	}
	*key = destKey((*key)[:0], url)
	l.mu.Lock()
	d := l.dests[string(*key)]
	if d == nil {
		if len(l.dests) >= l.sweepAt {
			l.sweep()
		}
		d = &dest{key: string(*key)}
		l.dests[d.key] = d
	}
	for d.inFlight >= l.perHost && len(d.parked)-d.head >= maxParked {
		// Memory stays bounded: with maxParked already waiting for this
		// destination, the feeder waits (a while) for it to drain — a
		// slow receiver paces the feeder instead of filling memory — and
		// a receiver that does not drain (dead) sends the callback back
		// to the store for overflowDelay, so it never stalls the others
		// for long.
		l.mu.Unlock()
		t := time.NewTimer(overflowWait)
		select {
		case <-l.freed:
		case <-t.C:
		}
		t.Stop()
		l.mu.Lock()
		if d.inFlight >= l.perHost && len(d.parked)-d.head >= maxParked {
			l.mu.Unlock()
			if err := l.q.Requeue(m, overflowDelay); err != nil {
				l.t.log.Error("thrower: requeue", "kind", l.kind.String(), "err", err)
			}
			return job{}, false
		}
	}
	if d.inFlight >= l.perHost {
		d.park(m)
		l.waiting.Add(1)
		l.mu.Unlock()
		return job{}, false
	}
	d.inFlight++
	l.mu.Unlock()
	return job{m: m, d: d}, true
}

// sweep forgets idle destinations; l.mu is held.
func (l *lane) sweep() {
	for k, d := range l.dests {
		if d.idle() {
			delete(l.dests, k)
		}
	}
	l.sweepAt = max(minSweep, 2*len(l.dests))
}

// next is called by a worker done with a callback to d: it hands over d's
// oldest waiting callback, the slot going with it, or frees the slot. After
// Close it hands over nothing; Close gives the waiting ones back.
func (l *lane) next(d *dest) *store.Msg {
	if d == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.t.closed.Load() {
		if m := d.unpark(); m != nil {
			l.waiting.Add(-1)
			l.signalFreed()
			return m
		}
	}
	d.inFlight--
	l.signalFreed()
	return nil
}

// signalFreed wakes a feeder waiting for a full destination to drain.
func (l *lane) signalFreed() {
	select {
	case l.freed <- struct{}{}:
	default:
	}
}

// unparkAll gives every waiting callback back to the queue (Close).
func (l *lane) unparkAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, d := range l.dests {
		for m := d.unpark(); m != nil; m = d.unpark() {
			l.waiting.Add(-1)
			if err := l.q.Requeue(m, 0); err != nil {
				l.t.log.Error("thrower: requeue", "kind", l.kind.String(), "err", err)
			}
		}
	}
}

// peekRecord reads a stored record's next attempt time and URL without
// decoding the rest.
func peekRecord(b []byte) (notBefore int64, url []byte, ok bool) {
	hl := headerOf(b)
	if hl == 0 {
		return 0, nil, false
	}
	notBefore = int64(binary.BigEndian.Uint64(b[offNotBefore:]))
	_, rest, ok := str(b[hl:], MaxValue)
	if !ok {
		return 0, nil, false
	}
	url, _, ok = str(rest, MaxURL)
	return notBefore, url, ok && len(url) > 0
}

// destKey appends the destination of an absolute http(s) URL: its host in
// lower case and its port, 80 or 443 when the URL has none ("example.com:80",
// "[::1]:8080"). User information, path, query and fragment are not part
// of it.
func destKey(dst, url []byte) []byte {
	scheme, rest, found := bytes.Cut(url, []byte("://"))
	if !found {
		return append(dst, url...)
	}
	if i := bytes.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	if i := bytes.LastIndexByte(rest, '@'); i >= 0 {
		rest = rest[i+1:]
	}
	host, port := rest, []byte(nil)
	if i := bytes.LastIndexByte(rest, ':'); i >= 0 && i > bytes.LastIndexByte(rest, ']') {
		host, port = rest[:i], rest[i+1:]
	}
	for _, c := range host {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	dst = append(dst, ':')
	switch {
	case len(port) > 0:
		return append(dst, port...)
	case len(scheme) == 5 && (scheme[4] == 's' || scheme[4] == 'S'):
		return append(dst, "443"...)
	default:
		return append(dst, "80"...)
	}
}
