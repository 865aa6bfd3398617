package netio

import "time"

// MemConn is a Conn without a socket, for tests of handlers and fuzzing:
// Feed plays the part of the network reading, Output takes what the handler
// wrote.
type MemConn struct {
	*Conn
	buf []byte
}

type memTransport struct{}

func (memTransport) wake()  {}
func (memTransport) abort() {}

// NewMemConn makes a MemConn whose handler newHandler creates.
func NewMemConn(opts Options, newHandler func(*Conn) Handler) *MemConn {
	o := opts.withDefaults()
	c := newConn(&o, nil, nil)
	c.tr = memTransport{}
	c.h = newHandler(c)
	return &MemConn{Conn: c}
}

// Feed hands b to the framer as one read; it returns the framing error, if
// the stream broke.
func (m *MemConn) Feed(b []byte) error {
	m.buf = append(m.buf, b...)
	m.beginBatch()
	n, err := m.consume(m.buf, time.Now)
	m.buf = m.buf[:copy(m.buf, m.buf[n:])]
	return err
}

// Output returns and clears what was written, and whether the connection
// asked to close.
func (m *MemConn) Output() (out []byte, closing bool) {
	b, closing := m.takeOut()
	out = append([]byte(nil), b...)
	m.giveBack(b, 0)
	return out, closing
}

// Tick runs the timers as if at now.
func (m *MemConn) Tick(now time.Time) { m.tick(now) }

// Finish runs OnClose, as when the socket goes away.
func (m *MemConn) Finish(err error) { m.finish(err) }
