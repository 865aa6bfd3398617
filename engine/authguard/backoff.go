package authguard

import (
	"sync"
	"time"
)

// Back-off
//
// Each key (a source address, a username) counts its failed checks. The
// first FreeFailures cost nothing more than the check; each further one
// bars the key for BaseBackoff, doubled per failure, up to MaxBackoff.
// While barred, an attempt that would need the KDF is refused at once.
// A source address may also have only so many checks queued or running
// at a time (Guard.inflight), so that one host sending a burst of binds
// faster than the KDF answers cannot fill the shared queue before its
// first failures are even counted.
// A success forgets the key; so does a quiet period of twice MaxBackoff.
//
// The table is sharded (one mutex per shard) and each shard holds at most
// its share of the configured size. A full shard first drops its expired
// entries; if none is, it evicts the entry with the fewest failures among
// a few it looks at, so that spraying new keys mostly evicts other
// sprayed keys rather than the ones that are barred.

const (
	shards      = 16
	evictSample = 8
)

type entry struct {
	fails    int
	inflight int       // checks queued or running (source table)
	last     time.Time // last failure
	until    time.Time // barred until
}

type shard[K comparable] struct {
	mu sync.Mutex
	m  map[K]*entry
}

// table is one back-off table.
type table[K comparable] struct {
	cfg    *Config
	hash   func(K) uint32
	shards [shards]shard[K]
	max    int // entries per shard
}

func newTable[K comparable](cfg *Config, size int, hash func(K) uint32) *table[K] {
	t := &table[K]{cfg: cfg, hash: hash, max: max(1, size/shards)}
	for i := range t.shards {
		t.shards[i].m = make(map[K]*entry)
	}
	return t
}

func (t *table[K]) shard(k K) *shard[K] { return &t.shards[t.hash(k)%shards] }

// barred reports how long k stays barred (0: it may try).
func (t *table[K]) barred(k K, now time.Time) time.Duration {
	s := t.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.m[k]
	if e == nil {
		return 0
	}
	if d := e.until.Sub(now); d > 0 {
		return d
	}
	return 0
}

// acquire is barred, then (when not barred) counts one more check in
// flight for k: busy when k already has limit in flight. clean is true
// when k has no failure on record.
func (t *table[K]) acquire(k K, now time.Time, limit int) (wait time.Duration, busy, clean bool) {
	s := t.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.m[k]
	if e != nil {
		if d := e.until.Sub(now); d > 0 {
			return d, false, false
		}
		if e.inflight >= limit {
			return 0, true, e.fails == 0
		}
	} else {
		if len(s.m) >= t.max {
			t.evict(s, now)
		}
		e = &entry{last: now}
		s.m[k] = e
	}
	e.inflight++
	return 0, false, e.fails == 0
}

// release ends a check acquire counted.
func (t *table[K]) release(k K) {
	s := t.shard(k)
	s.mu.Lock()
	if e := s.m[k]; e != nil && e.inflight > 0 {
		e.inflight--
	}
	s.mu.Unlock()
}

// fail counts a failure of k and bars it when it has had its free ones.
func (t *table[K]) fail(k K, now time.Time) {
	s := t.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.m[k]
	if e != nil && now.Sub(e.last) > 2*t.cfg.MaxBackoff {
		e.fails = 0 // quiet long enough: start over
	}
	if e == nil {
		if len(s.m) >= t.max {
			t.evict(s, now)
		}
		e = &entry{}
		s.m[k] = e
	}
	e.fails++
	e.last = now
	if over := e.fails - t.cfg.FreeFailures; over > 0 {
		d := t.cfg.BaseBackoff
		for i := 1; i < over && d < t.cfg.MaxBackoff; i++ {
			d *= 2
		}
		e.until = now.Add(min(d, t.cfg.MaxBackoff))
	}
}

// succeed forgets k's failures (and k, when nothing is in flight).
func (t *table[K]) succeed(k K) {
	s := t.shard(k)
	s.mu.Lock()
	if e := s.m[k]; e != nil {
		if e.inflight == 0 {
			delete(s.m, k)
		} else {
			e.fails, e.until = 0, time.Time{}
		}
	}
	s.mu.Unlock()
}

// evict makes room in a full shard (its lock held).
func (t *table[K]) evict(s *shard[K], now time.Time) {
	for k, e := range s.m {
		if e.inflight == 0 && now.Sub(e.last) > 2*t.cfg.MaxBackoff {
			delete(s.m, k)
		}
	}
	if len(s.m) < t.max {
		return
	}
	var victim K
	var least *entry
	n := 0
	for k, e := range s.m { // map order is random: a random sample
		if least == nil || e.fails < least.fails {
			victim, least = k, e
		}
		if n++; n == evictSample {
			break
		}
	}
	delete(s.m, victim)
}
