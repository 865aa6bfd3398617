package netio

import (
	"sync"
	"time"
)

// registry tracks the open connections of a Server or Dialer and drives
// their ticks from one goroutine.
type registry struct {
	mu      sync.Mutex
	conns   map[*Conn]struct{}
	scratch []*Conn
	stop    chan struct{}
	stopped chan struct{}
}

func newRegistry(interval time.Duration) *registry {
	r := &registry{conns: make(map[*Conn]struct{}), stop: make(chan struct{}), stopped: make(chan struct{})}
	go r.run(interval)
	return r
}

func (r *registry) add(c *Conn) {
	r.mu.Lock()
	r.conns[c] = struct{}{}
	r.mu.Unlock()
}

func (r *registry) remove(c *Conn) {
	r.mu.Lock()
	delete(r.conns, c)
	r.mu.Unlock()
}

func (r *registry) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.conns)
}

// snapshot returns the open connections in a slice reused between calls;
// only the ticker goroutine and close paths call it.
func (r *registry) snapshot(dst []*Conn) []*Conn {
	r.mu.Lock()
	dst = dst[:0]
	for c := range r.conns {
		dst = append(dst, c)
	}
	r.mu.Unlock()
	return dst
}

func (r *registry) run(interval time.Duration) {
	defer close(r.stopped)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case now := <-t.C:
			r.scratch = r.snapshot(r.scratch)
			for i, c := range r.scratch {
				c.tick(now)
				r.scratch[i] = nil
			}
		}
	}
}

func (r *registry) close() {
	close(r.stop)
	<-r.stopped
}
