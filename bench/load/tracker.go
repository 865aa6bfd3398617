package load

import (
	"sync"
	"time"
)

// epoch is the zero of nanotime: monotonic and process-local.
var epoch = time.Now()

// nanotime returns monotonic nanoseconds since epoch, always positive.
func nanotime() int64 { return int64(time.Since(epoch)) + 1 }

// idKey hashes a message id, ignoring ASCII case (receipts may quote an id
// in another case than the response gave it), with 64-bit FNV-1a. Keys
// of different ids collide with odds of about n²/2⁶⁵: negligible for the
// millions of ids of a run.
func idKey(id []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range id {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

const trackerShards = 64

// tracker pairs the submit time of each acknowledged message id with its
// receipt, whichever of the two is seen first: receipts can arrive on
// another bind (or HTTP connection) than the response, and before it.
// It is sharded by id so that binds do not share one lock.
type tracker struct {
	shards [trackerShards]trackerShard
}

type trackerShard struct {
	mu sync.Mutex
	// m holds the submit time (> 0) of an id awaiting its receipt, or
	// minus the arrival time (< 0) of a receipt awaiting its id.
	m map[uint64]int64
	_ [40]byte // keep shards on their own cache lines
}

func newTracker(expect int) *tracker {
	t := &tracker{}
	for i := range t.shards {
		t.shards[i].m = make(map[uint64]int64, expect/trackerShards+1)
	}
	return t
}

// submitted records that id was acknowledged for a submit sent at t0. When
// its receipt came first, it returns the submit→receipt latency.
func (t *tracker) submitted(id []byte, t0 int64) (int64, bool) {
	k := idKey(id)
	s := &t.shards[k%trackerShards]
	s.mu.Lock()
	v, ok := s.m[k]
	if ok && v < 0 {
		delete(s.m, k)
		s.mu.Unlock()
		return -v - t0, true
	}
	s.m[k] = t0
	s.mu.Unlock()
	return 0, false
}

// received records a receipt for id arriving at now. When the id's
// submit is known, it returns the submit→receipt latency.
func (t *tracker) received(id []byte, now int64) (int64, bool) {
	k := idKey(id)
	s := &t.shards[k%trackerShards]
	s.mu.Lock()
	v, ok := s.m[k]
	if ok && v > 0 {
		delete(s.m, k)
		s.mu.Unlock()
		return now - v, true
	}
	if !ok {
		s.m[k] = -now
	}
	s.mu.Unlock()
	return 0, false
}

// unmatched returns the receipts whose id was never acknowledged to us
// (and duplicates of receipts already matched).
func (t *tracker) unmatched() int64 {
	var n int64
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		for _, v := range s.m {
			if v < 0 {
				n++
			}
		}
		s.mu.Unlock()
	}
	return n
}
