// Package wake is the wait of gwd's dispatcher loops (a connector sending
// its queue, an outbox delivering to a user's binds): sleep until there
// may be work — a signal, new messages in the queue, a deadline — or until
// the loop is told to stop, with one reusable timer.
package wake

import "time"

// MaxWait bounds every wait: a loop looks again at least this often,
// whatever it was told.
const MaxWait = time.Second

// Waiter waits; one per loop goroutine (not safe for concurrent use).
type Waiter struct{ t *time.Timer }

// New returns a Waiter; Stop releases its timer.
func New() *Waiter {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &Waiter{t: t}
}

// Stop releases the timer.
func (w *Waiter) Stop() { w.t.Stop() }

// Wait sleeps until stop is closed (false), a or b receives, or d passes
// (true). d outside (0, MaxWait] waits MaxWait.
func (w *Waiter) Wait(d time.Duration, stop, a, b <-chan struct{}) bool {
	if d <= 0 || d > MaxWait {
		d = MaxWait
	}
	w.t.Reset(d)
	defer w.t.Stop()
	select {
	case <-stop:
		return false
	case <-a:
	case <-b:
	case <-w.t.C:
	}
	return true
}
