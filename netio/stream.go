package netio

import (
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// streamTransport carries a Conn over a net.Conn with one reader and one
// writer goroutine: the path for TLS, which gnet's loops do not speak.
type streamTransport struct {
	c   *Conn
	nc  net.Conn
	reg *registry

	wakeCh     chan struct{}
	readDone   chan struct{}
	writerDone chan struct{}
	abortOnce  sync.Once
}

func newStreamTransport(c *Conn, nc net.Conn, reg *registry) *streamTransport {
	return &streamTransport{
		c: c, nc: nc, reg: reg,
		wakeCh:     make(chan struct{}, 1),
		readDone:   make(chan struct{}),
		writerDone: make(chan struct{}),
	}
}

func (t *streamTransport) start() {
	go t.writeLoop()
	go t.readLoop()
}

func (t *streamTransport) wake() {
	select {
	case t.wakeCh <- struct{}{}:
	default:
	}
}

func (t *streamTransport) abort() {
	t.abortOnce.Do(func() { _ = t.nc.Close() })
}

func (t *streamTransport) readLoop() {
	buf := make([]byte, 0, 64<<10)
	var rerr error
	for {
		if len(buf) == cap(buf) {
			nb := make([]byte, len(buf), 2*cap(buf))
			copy(nb, buf)
			buf = nb
		}
		n, err := t.nc.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if n > 0 {
			t.c.beginBatch()
			used, ferr := t.c.consume(buf, time.Now)
			buf = buf[:copy(buf, buf[used:])]
			t.wake()
			if ferr != nil {
				rerr = ferr
				break
			}
		}
		if err != nil {
			rerr = err
			break
		}
	}
	if errors.Is(rerr, io.EOF) {
		rerr = ErrPeerClosed
	}
	close(t.readDone)
	<-t.writerDone
	t.reg.remove(t.c)
	t.c.finish(rerr)
}

func (t *streamTransport) writeLoop() {
	defer close(t.writerDone)
	defer t.abort()
	for {
		select {
		case <-t.wakeCh:
			if closing := t.flush(); closing {
				return
			}
		case <-t.readDone:
			// Last words (a generic_nack, an unbind_resp) for a peer that
			// half-closed or broke framing.
			_ = t.nc.SetWriteDeadline(time.Now().Add(time.Second))
			t.flush()
			return
		}
	}
}

// flush writes what is queued; it reports whether the connection is closing.
func (t *streamTransport) flush() bool {
	out, closing := t.c.takeOut()
	if len(out) > 0 {
		t.c.kernelPending.Store(int64(len(out)))
		if _, err := t.nc.Write(out); err != nil {
			return true
		}
	}
	t.c.giveBack(out, 0)
	return closing
}
