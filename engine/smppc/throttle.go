package smppc

import (
	"sync/atomic"
	"time"
)

// tokenBucket paces submit_throughput (PDUs per second; 0 unlimited),
// with a burst of a hundredth of a second's worth (at least one).
type tokenBucket struct {
	tokens float64
	last   time.Time
}

func (t *tokenBucket) take(rate float64, now time.Time) time.Duration {
	if rate <= 0 {
		return 0
	}
	burst := rate / 100
	if burst < 1 {
		burst = 1
	}
	if t.last.IsZero() {
		t.tokens = burst
	} else {
		t.tokens += now.Sub(t.last).Seconds() * rate
		if t.tokens > burst {
			t.tokens = burst
		}
	}
	t.last = now
	if t.tokens >= 1 {
		t.tokens--
		return 0
	}
	return time.Duration((1 - t.tokens) / rate * float64(time.Second))
}

func (t *tokenBucket) refund() {
	if !t.last.IsZero() {
		t.tokens++
	}
}

// minBackoff is a throttled bind's first pause: each further throttling
// answer after a pause doubles it, up to requeue_delay; an accepted submit
// on the bind resets it.
const minBackoff = 100 * time.Millisecond

// backoff is one bind's pause after ESME_RTHROTTLED or ESME_RMSGQFUL.
// Written from the bind's event loop under Connector.mu, read by the pump.
type backoff struct {
	until atomic.Int64 // unix ns: no submit on the bind before
	cur   atomic.Int64 // ns: the last pause; 0 after a success
}

// throttled pauses the bind from now: minBackoff the first time, twice
// the last pause when throttled again after it ended, at most limit. A
// throttling answer during a pause (the rest of the window answering)
// leaves it as it is.
func (b *backoff) throttled(now time.Time, limit time.Duration) {
	n := now.UnixNano()
	if b.until.Load() > n {
		return
	}
	d := min(max(2*time.Duration(b.cur.Load()), minBackoff), limit)
	b.cur.Store(int64(d))
	b.until.Store(n + int64(d))
}

// succeeded resets the back-off after an accepted submit.
func (b *backoff) succeeded() {
	if b.cur.Load() != 0 {
		b.cur.Store(0)
	}
}

// paused reports whether the bind may not submit at n (unix ns); it
// reads the clock only once the bind has been throttled.
func (b *backoff) paused(n *int64) bool {
	u := b.until.Load()
	if u == 0 {
		return false
	}
	if *n == 0 {
		*n = time.Now().UnixNano()
	}
	return u > *n
}
