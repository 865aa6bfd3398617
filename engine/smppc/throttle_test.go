package smppc

import (
	"testing"
	"time"
)

// TestBackoffGrowsThenResets: a throttled bind pauses 100 ms, then twice
// as long each time it is throttled again after a pause, at most the
// limit (requeue_delay); answers within a pause do not lengthen it; an
// accepted submit starts it over at 100 ms; a limit of 0 never pauses.
func TestBackoffGrowsThenResets(t *testing.T) {
	var b backoff
	now := time.Unix(1_000_000, 0)
	pause := func() time.Duration { return time.Duration(b.until.Load() - now.UnixNano()) }
	for _, want := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
		b.throttled(now, time.Second)
		if got := pause(); got != want*time.Millisecond {
			t.Fatalf("pause %v, want %v", got, want*time.Millisecond)
		}
		// The rest of the window answering throttled during the pause.
		b.throttled(now.Add(time.Millisecond), time.Second)
		if got := pause(); got != want*time.Millisecond {
			t.Fatalf("a throttling answer during the pause made it %v, want %v", got, want*time.Millisecond)
		}
		n := now.UnixNano()
		if !b.paused(&n) {
			t.Fatal("not paused during the pause")
		}
		now = now.Add(pause())
		n = now.UnixNano()
		if b.paused(&n) {
			t.Fatal("still paused once it ended")
		}
	}
	b.succeeded()
	b.throttled(now, time.Second)
	if got := pause(); got != 100*time.Millisecond {
		t.Fatalf("after a success the pause is %v, want 100ms", got)
	}
	var z backoff
	z.throttled(now, 0)
	if n := now.UnixNano(); z.paused(&n) {
		t.Fatal("requeue_delay 0 paused the bind")
	}
}
