package smppc

import "time"

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
