package wake

import (
	"testing"
	"time"
)

func TestWait(t *testing.T) {
	w := New()
	defer w.Stop()
	stop, a, b := make(chan struct{}), make(chan struct{}, 1), make(chan struct{}, 1)
	a <- struct{}{}
	if !w.Wait(time.Hour, stop, a, b) {
		t.Fatal("a signal ended the wait as a stop")
	}
	b <- struct{}{}
	if !w.Wait(time.Hour, stop, a, b) {
		t.Fatal("b")
	}
	if !w.Wait(time.Millisecond, stop, a, b) {
		t.Fatal("deadline")
	}
	close(stop)
	if w.Wait(time.Hour, stop, a, b) {
		t.Fatal("stop not reported")
	}
}
