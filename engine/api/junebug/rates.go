package junebug

import (
	"sync"
	"time"

	"github.com/gwd-project/gwd/store"
)

// What a channel's rates count.
const (
	rateInbound = iota
	rateOutbound
	rateSubmitted
	rateRejected
	rateDeliverySucceeded
	rateDeliveryFailed
	rateDeliveryPending
	nRates
)

// rateOf maps an event type to its counter (-1: not counted).
func rateOf(t store.EventType) int {
	switch t {
	case store.EventSubmitted:
		return rateSubmitted
	case store.EventRejected:
		return rateRejected
	case store.EventDelivered:
		return rateDeliverySucceeded
	case store.EventFailed:
		return rateDeliveryFailed
	case store.EventPending:
		return rateDeliveryPending
	}
	return -1
}

// rates counts one channel's messages and events in time buckets of
// metric_window, as Junebug does: a rate is the count of the last complete
// bucket divided by the window. Two buckets are enough: the one filling
// and the one before it. Each channel has its own lock.
type rates struct {
	window int64 // nanoseconds
	mu     sync.Mutex
	bucket int64 // index of the bucket counts[0] holds
	counts [2][nRates]uint64
}

func newRates(window time.Duration) *rates {
	if window <= 0 {
		window = 10 * time.Second
	}
	return &rates{window: int64(window)}
}

// roll moves the buckets forward to index b. Callers hold mu.
func (r *rates) roll(b int64) {
	switch {
	case b == r.bucket:
	case b == r.bucket+1:
		r.counts[1] = r.counts[0]
		r.counts[0] = [nRates]uint64{}
		r.bucket = b
	case b > r.bucket:
		r.counts = [2][nRates]uint64{}
		r.bucket = b
	}
	// b < r.bucket: the clock stepped back; count in the current bucket.
}

// add counts one occurrence of k at now.
func (r *rates) add(k int, now time.Time) {
	if k < 0 || k >= nRates {
		return
	}
	b := now.UnixNano() / r.window
	r.mu.Lock()
	r.roll(b)
	r.counts[0][k]++
	r.mu.Unlock()
}

// perSecond returns the rates at now: the last complete bucket's counts
// per second.
func (r *rates) perSecond(now time.Time) [nRates]float64 {
	b := now.UnixNano() / r.window
	r.mu.Lock()
	r.roll(b)
	prev := r.counts[1]
	r.mu.Unlock()
	var out [nRates]float64
	secs := float64(r.window) / float64(time.Second)
	for i, n := range prev {
		out[i] = float64(n) / secs
	}
	return out
}
