package thrower

import (
	"bytes"
	"encoding/binary"
	"sync/atomic"

	"github.com/gwd-project/gwd/store"
)

// DefaultPerHost is how many requests of one kind go to one destination
// (host:port) at once when Config.PerHost is 0 (at most Workers). One
// application's dlr-url commonly takes every receipt, so it is generous:
// a dead receiver holds at most a quarter of the workers.
const DefaultPerHost = 64

// dest is one destination's share of a lane: the requests in flight to it,
// the callbacks that wait for one of them to finish, and its circuit
// breaker. Guarded by the lane's mu.
type dest struct {
	key      string
	inFlight int
	parked   []leased // FIFO from head; leased from their queue, still stored
	head     int

	// The breaker: after breakerFailures failed attempts in a row the
	// destination is down until downUntil (unix nanoseconds); callbacks
	// for it are put off without a request, and the first one taken after
	// downUntil is the probe: its success closes the breaker, its failure
	// keeps the destination down for twice as long (trips counts that).
	fails     atomic.Int32 // written under the lane's mu; read without it by a success
	trips     int
	downUntil int64
	probing   bool
	lastErr   string // the last failed attempt's reason, for put-off callbacks given up
}

// leased is a callback taken from q (the kind's queue or a retry queue).
type leased struct {
	m *store.Msg
	q *store.Queue
}

// breakerFailures is how many failed attempts in a row make a destination
// down.
const breakerFailures = 5

func (d *dest) idle() bool {
	return d.inFlight == 0 && d.head == len(d.parked) && d.fails.Load() < breakerFailures
}

func (d *dest) park(c leased) { d.parked = append(d.parked, c) }

// unpark returns the oldest waiting callback, or ok false.
func (d *dest) unpark() (leased, bool) {
	if d.head == len(d.parked) {
		return leased{}, false
	}
	c := d.parked[d.head]
	d.parked[d.head] = leased{}
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
	return c, true
}

// op is what a worker does with a job.
type op uint8

const (
	opAttempt op = iota // make the request (d holds a slot, or nil for a corrupt record)
	opDefer             // put it off until until without a request: its destination is down or full
	opMove              // a retry stored by an older version in the kind's queue: move it to its retry queue
)

// job is a callback handed to a worker.
type job struct {
	leased
	d     *dest // opAttempt: the destination whose slot it holds
	down  *dest // opDefer: the destination that is down (nil: full)
	op    op
	probe bool  // opAttempt: the request that tells whether a down destination is back
	until int64 // opDefer: unix nanoseconds
}

// maxParked bounds the callbacks one destination keeps waiting in memory;
// beyond it they are put off to the first retry queue (without an
// attempt), so a full destination costs the others nothing.
const maxParked = 4096

// minSweep is the number of destinations a lane remembers before it
// forgets idle ones.
const minSweep = 1024

// admit decides what becomes of a callback the feeder took (due: the
// feeder saw to that), at now: a record stored by an older version with
// its retry time still ahead moves to its retry queue; a callback whose
// destination is down is put off; one whose destination has PerHost
// requests in flight waits in memory, leased (its record stays in the
// store), up to maxParked, and is put off beyond; anything else takes a
// slot of its destination and goes to a worker. key is the feeder's
// scratch buffer.
func (l *lane) admit(c leased, now int64, key *[]byte) (job, bool) {
	notBefore, url, ok := peekRecord(c.m.Payload)
	if !ok {
		return job{leased: c}, true // the worker drops it as corrupt
	}
	if notBefore > now {
		return job{leased: c, op: opMove}, true
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
	switch {
	case d.fails.Load() >= breakerFailures && (now < d.downUntil || d.probing):
		until, _ := l.gate(d, now)
		l.mu.Unlock()
		return job{leased: c, op: opDefer, until: until, down: d}, true
	case d.inFlight < l.perHost:
		// gate lets it through, as the probe if d is down.
		_, probe := l.gate(d, now)
		d.inFlight++
		l.mu.Unlock()
		return job{leased: c, d: d, probe: probe}, true
	case len(d.parked)-d.head < maxParked:
		d.park(c)
		l.waiting.Add(1)
		l.mu.Unlock()
		return job{}, false
	}
	l.mu.Unlock()
	return job{leased: c, op: opDefer, until: now + int64(l.pol.RetryDelay)}, true
}

// gate says whether a callback for d may be attempted at now (until 0;
// probe when it is the one request a down destination gets: call it only
// with a slot of d for that request) or when to come back; l.mu is held.
func (l *lane) gate(d *dest, now int64) (until int64, probe bool) {
	switch {
	case d.fails.Load() < breakerFailures:
		return 0, false
	case now < d.downUntil:
		return d.downUntil, false
	case !d.probing:
		d.probing = true
		return 0, true
	}
	return now + int64(l.pol.RetryDelay), false // the probe is in flight
}

// outcome feeds the breaker of d with an attempt's result (err nil: the
// receiver accepted).
func (l *lane) outcome(d *dest, probe bool, err error, now int64) {
	if d == nil || err == nil && !probe && d.fails.Load() == 0 {
		return // a healthy destination: nothing to change, no lock taken
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err == nil {
		d.fails.Store(0)
		d.trips, d.downUntil, d.probing, d.lastErr = 0, 0, false, ""
		return
	}
	fails := d.fails.Add(1)
	d.lastErr = err.Error()
	if probe || fails == breakerFailures {
		d.probing = false
		d.downUntil = now + int64(l.pol.backoff(d.trips))
		d.trips++
		l.trips.Add(1)
	}
}

// unprobe ends j's probe without an outcome (its record was dropped), so
// that the next callback for the destination probes.
func (l *lane) unprobe(j job) {
	if !j.probe {
		return
	}
	l.mu.Lock()
	j.d.probing = false
	l.mu.Unlock()
}

// downReason is why a callback for d was put off, for its dead letter.
func (l *lane) downReason(d *dest) string {
	if d == nil {
		return "not attempted: destination over its limit"
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return "not attempted: destination down after failed attempts: " + d.lastErr
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
func (l *lane) next(d *dest) (leased, bool) {
	if d == nil {
		return leased{}, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.t.closed.Load() {
		if c, ok := d.unpark(); ok {
			l.waiting.Add(-1)
			return c, true
		}
	}
	d.inFlight--
	return leased{}, false
}

// unparkAll gives every waiting callback back to its queue (Close).
func (l *lane) unparkAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, d := range l.dests {
		for c, ok := d.unpark(); ok; c, ok = d.unpark() {
			l.waiting.Add(-1)
			if err := c.q.Requeue(c.m, 0); err != nil {
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
