package thrower

import (
	"math/rand/v2"
	"time"

	"github.com/gwd-project/gwd/config"
)

// numLevels is how many retry queues a kind has: level k holds retries
// waiting backoff(k), retry_delay doubled k times up to max_retry_delay.
// Within one queue every record waits (about) the same time, so FIFO
// order is due order and the feeder only looks at each queue's head.
const numLevels = config.MaxBackoffLevels + 1

// jitter is the spread of an exponential back-off delay: ±1/jitter (20 %).
const jitter = 5

// levels is how many retry queues p uses: 1 when it never backs off
// (TTL 0, or a cap no larger than retry_delay).
func (p Policy) levels() int {
	if p.TTL == 0 || p.RetryDelay <= 0 {
		return 1
	}
	n := 1
	for n < numLevels && p.RetryDelay<<(n-1) < p.MaxRetryDelay {
		n++
	}
	return n
}

// backoff is the delay of retry level k: retry_delay doubled k times, at
// most max_retry_delay.
func (p Policy) backoff(k int) time.Duration {
	if k <= 0 || p.TTL == 0 {
		return p.RetryDelay
	}
	k = min(k, numLevels)
	if p.RetryDelay > p.MaxRetryDelay>>k {
		return max(p.MaxRetryDelay, p.RetryDelay)
	}
	return p.RetryDelay << k
}

// retryLevel is the level of a callback that failed its tries-th attempt:
// 0 for the first max_retries retries (Jasmin's retry_delay), then one
// more per failure up to the last level.
func (p Policy) retryLevel(tries uint32) int {
	if int64(tries) <= int64(p.MaxRetries) {
		return 0
	}
	return int(min(int64(tries)-int64(p.MaxRetries), int64(p.levels()-1)))
}

// retryDelay is the wait before the next attempt at level k: backoff(k),
// with ±20 % jitter beyond level 0 so that callbacks that failed together
// do not all come back at once.
func (p Policy) retryDelay(k int) time.Duration {
	d := p.backoff(k)
	if k == 0 || d < jitter {
		return d
	}
	spread := int64(d) / jitter
	return d + time.Duration(rand.Int64N(2*spread+1)-spread)
}

// deferLevel is the level for a callback put off for wait without an
// attempt (its destination is down): the longest back-off not beyond
// wait, so it comes back no later than the destination's probe time
// plus retry_delay and its queue stays in due order.
func (p Policy) deferLevel(wait time.Duration) int {
	k := 0
	for k+1 < p.levels() && p.backoff(k+1) <= wait {
		k++
	}
	return k
}

// givenUp says whether a callback that failed its tries-th attempt,
// first attempted at first, goes to the dead letters: after max_retries
// retries, and with a TTL once it has passed.
func (p Policy) givenUp(tries uint32, first, now int64) bool {
	if int64(tries) <= int64(p.MaxRetries) {
		return false
	}
	return p.TTL == 0 || now-first >= int64(p.TTL)
}

// deferralExpired says whether a callback put off (never attempted
// since first, its destination down) goes to the dead letters: once the
// TTL has passed, or with TTL 0 once max_retries retry delays have (what
// Jasmin would have spent on it).
func (p Policy) deferralExpired(first, now int64) bool {
	ttl := p.TTL
	if ttl == 0 {
		ttl = time.Duration(p.MaxRetries) * p.RetryDelay
	}
	return now-first >= int64(ttl)
}
