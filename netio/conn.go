package netio

import (
	"encoding/binary"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gwd-project/gwd/smpp"
)

// Handler is the protocol side of one connection, usually an SMPP session.
type Handler interface {
	// OnFrame receives one whole frame (command_length octets, header
	// included). frame is valid only during the call.
	OnFrame(c *Conn, frame []byte)
	// OnTick runs every Options.TickInterval while the connection is open.
	OnTick(c *Conn, now time.Time)
	// OnClose runs once, after the connection is gone; err says why (nil
	// for a close we asked for).
	OnClose(c *Conn, err error)
}

// Errors reported by netio.
var (
	ErrClosed         = errors.New("netio: connection closed")
	ErrSlowConsumer   = errors.New("netio: peer does not read: pending output over the limit")
	ErrFrameTooShort  = errors.New("netio: command_length below 16")
	ErrFrameTooLong   = errors.New("netio: command_length above the maximum PDU size")
	ErrPDUReadTimeout = errors.New("netio: PDU not complete within the PDU read timeout")
)

// transport is what a Conn needs from the socket side (gnet or crypto/tls).
type transport interface {
	// wake asks the transport to flush the pending output soon, from its
	// own goroutine.
	wake()
	// abort tears the socket down at once, for a peer that stopped reading.
	abort()
}

// Conn is one connection. Its methods are safe for concurrent use.
type Conn struct {
	h    Handler
	opts *Options
	tr   transport

	local, remote net.Addr

	// mu serialises the Handler's callbacks.
	mu sync.Mutex

	// wmu guards the output side.
	wmu         sync.Mutex
	out         []byte // frames waiting for the next flush
	spare       []byte // the other buffer, swapped with out on flush
	flushQueued bool   // a wake is on its way to the transport
	inBatch     bool   // the transport is inside a read batch and flushes after it
	serial      bool   // a Serialized fn is running: its writes wait for its end
	heldOut     bool   // takeOut came while serial and took nothing: Serialized flushes
	closing     bool   // Close was asked; flush then close
	closeErr    error

	kernelPending atomic.Int64 // octets the transport still holds after the last flush
	closed        atomic.Bool

	partialSince int64        // unix nanos when an incomplete frame started; 0 if none
	readTimeout  atomic.Int64 // nanoseconds an incomplete frame may wait; 0: the Options'; <0: none
	readTime     int64        // unix nanos when the current read batch was taken

	// User is free for the handler's use (e.g. its session pointer).
	User any
}

func newConn(opts *Options, local, remote net.Addr) *Conn {
	return &Conn{opts: opts, local: local, remote: remote}
}

// LocalAddr returns the local address.
func (c *Conn) LocalAddr() net.Addr { return c.local }

// RemoteAddr returns the peer's address.
func (c *Conn) RemoteAddr() net.Addr { return c.remote }

// Closed reports whether the connection is closed or closing.
func (c *Conn) Closed() bool { return c.closed.Load() }

// Pending returns the octets written but not yet taken by the kernel, so a
// producer can slow down before the MaxPending limit closes the connection.
func (c *Conn) Pending() int {
	c.wmu.Lock()
	n := len(c.out)
	c.wmu.Unlock()
	return n + int(c.kernelPending.Load())
}

// Write queues one or more whole frames. A peer that lets more than
// MaxPending octets pile up is closed as a slow consumer.
func (c *Conn) Write(frames []byte) error {
	c.wmu.Lock()
	if err := c.admitLocked(len(frames)); err != nil {
		c.refuseLocked(err)
		return err
	}
	c.out = append(c.out, frames...)
	c.queueFlushLocked()
	return nil
}

// admitLocked checks that n more octets may be queued. A slow consumer is
// marked for closing; what it has not read is dropped.
func (c *Conn) admitLocked(n int) error {
	if c.closing || c.closed.Load() {
		return ErrClosed
	}
	if len(c.out)+n+int(c.kernelPending.Load()) > c.opts.MaxPending {
		c.closing = true
		c.closeErr = ErrSlowConsumer
		c.out = c.out[:0]
		return ErrSlowConsumer
	}
	return nil
}

// refuseLocked releases wmu after a refused write and aborts a slow consumer.
func (c *Conn) refuseLocked(err error) {
	c.wmu.Unlock()
	if err == ErrSlowConsumer {
		c.tr.abort()
	}
}

// queueFlushLocked releases wmu and wakes the transport when nothing else
// will flush.
func (c *Conn) queueFlushLocked() {
	need := !c.flushQueued && !c.inBatch
	if need {
		c.flushQueued = true
	}
	c.wmu.Unlock()
	if need {
		c.tr.wake()
	}
}

// Close flushes what is queued and closes the connection. OnClose follows
// with a nil error.
func (c *Conn) Close() {
	c.CloseWithError(nil)
}

// CloseWithError is Close with the reason OnClose will receive.
func (c *Conn) CloseWithError(err error) {
	c.wmu.Lock()
	if c.closing || c.closed.Load() {
		c.wmu.Unlock()
		return
	}
	c.closing = true
	c.closeErr = err
	if c.opts.Limit != nil && IsTimeout(err) {
		c.opts.Limit.CountTimeout() // a listener's connection, too slow
	}
	c.queueFlushLocked()
}

// takeOut hands the queued output to the transport and ends a read batch.
// It returns whether the connection should close after the write.
func (c *Conn) takeOut() (buf []byte, closing bool) {
	c.wmu.Lock()
	if c.serial {
		// A Serialized fn is half way through (its read batch ended
		// while fn ran off the loop): what it wrote must not reach the
		// peer before it is done. Serialized flushes when fn returns.
		c.flushQueued = false
		c.inBatch = false
		c.heldOut = true
		c.wmu.Unlock()
		return nil, false
	}
	buf = c.out
	c.out, c.spare = c.spare[:0], nil
	c.flushQueued = false
	c.inBatch = false
	closing = c.closing
	c.wmu.Unlock()
	return buf, closing
}

// giveBack returns a flushed buffer for reuse.
func (c *Conn) giveBack(buf []byte, kernelPending int) {
	c.kernelPending.Store(int64(kernelPending))
	c.wmu.Lock()
	if c.spare == nil && cap(buf) <= 4*c.opts.MaxPDUSize+64<<10 {
		c.spare = buf[:0]
	}
	c.wmu.Unlock()
}

func (c *Conn) beginBatch() {
	c.wmu.Lock()
	c.inBatch = true
	c.wmu.Unlock()
}

// consume frames whole PDUs from data and hands them to the handler. It
// returns how many octets it used and an error when the stream is broken,
// after queueing a generic_nack for the peer.
func (c *Conn) consume(data []byte, now func() time.Time) (int, error) {
	used := 0
	c.mu.Lock()
	defer c.mu.Unlock()
	defer c.recoverHandler() // one deferred recover per read batch, not per frame
	c.readTime = now().UnixNano()
	for len(data)-used >= 4 && !c.closed.Load() {
		n := int(binary.BigEndian.Uint32(data[used:]))
		if n < smpp.HeaderLen || n > c.opts.MaxPDUSize {
			err := ErrFrameTooShort
			if n > c.opts.MaxPDUSize {
				err = ErrFrameTooLong
			}
			var seq uint32
			if len(data)-used >= smpp.HeaderLen {
				seq = binary.BigEndian.Uint32(data[used+12:])
			}
			c.nackAndClose(seq, err)
			return len(data), err
		}
		if len(data)-used < n {
			break
		}
		c.h.OnFrame(c, data[used:used+n])
		used += n
	}
	if used < len(data) {
		if c.partialSince == 0 {
			c.partialSince = c.readTime
		}
	} else {
		c.partialSince = 0
	}
	return used, nil
}

// nackAndClose answers a framing error with generic_nack ESME_RINVCMDLEN and
// closes: once framing is lost, nothing later on the stream can be trusted.
func (c *Conn) nackAndClose(seq uint32, err error) {
	var nack [smpp.HeaderLen]byte
	b := smpp.AppendEmpty(nack[:0], smpp.GenericNack, smpp.ESME_RINVCMDLEN, seq)
	c.wmu.Lock()
	if !c.closing {
		c.out = append(c.out, b...)
		c.closing = true
		c.closeErr = err
	}
	c.queueFlushLocked()
}

// tick runs the handler's timer work and the PDU read timeout.
func (c *Conn) tick(now time.Time) {
	if c.closed.Load() {
		return
	}
	c.mu.Lock()
	rt := c.readTimeout.Load()
	if rt == 0 {
		rt = int64(c.opts.PDUReadTimeout)
	}
	if ps := c.partialSince; ps != 0 && rt > 0 && now.UnixNano()-ps > rt {
		c.mu.Unlock()
		c.CloseWithError(ErrPDUReadTimeout)
		return
	}
	c.onTick(now)
	c.mu.Unlock()
}

func (c *Conn) onTick(now time.Time) {
	defer c.recoverHandler()
	c.h.OnTick(c, now)
}

// Serialized runs fn from any goroutine, one at a time with the
// handler's callbacks (OnFrame, OnTick, OnClose), as if it were one of
// them: work finished off the event loop (a password check) comes back
// through it. It reports false, without running fn, once the connection
// has closed. fn must not block.
//
// What fn writes is flushed once fn returns, as a read batch's writes
// are: the peer sees none of it before fn is done (a bind_resp does not
// reach the ESME before the application has registered the session).
func (c *Conn) Serialized(fn func()) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed.Load() {
		return false
	}
	c.wmu.Lock()
	was := c.inBatch
	c.inBatch = true
	c.serial = true
	c.wmu.Unlock()
	c.runSerialized(fn)
	c.wmu.Lock()
	c.serial = false
	if c.heldOut {
		// The transport's batch ended while fn ran and left the output
		// to us.
		c.heldOut, was = false, false
	}
	if was {
		c.wmu.Unlock()
		return true // the transport's own batch flushes it
	}
	c.inBatch = false
	if len(c.out) == 0 && !c.closing {
		c.wmu.Unlock()
		return true
	}
	c.queueFlushLocked()
	return true
}

func (c *Conn) runSerialized(fn func()) {
	defer c.recoverHandler()
	fn()
}

// SetPDUReadTimeout changes, for this connection only, how long a started
// frame may stay incomplete before the connection is closed (the
// Options' PDUReadTimeout otherwise): a connector's pdu_red_to. d ≤ 0
// keeps the Options'.
func (c *Conn) SetPDUReadTimeout(d time.Duration) {
	if d <= 0 {
		return
	}
	// An atomic, not c.mu: the caller may hold its handler's own lock,
	// which tick takes under c.mu (a lock-order inversion that hung a
	// connector's dial against the registry's tick).
	c.readTimeout.Store(int64(d))
}

// finish runs OnClose once.
func (c *Conn) finish(err error) {
	if c.closed.Swap(true) {
		return
	}
	c.wmu.Lock()
	if c.closeErr != nil {
		err = c.closeErr
	} else if c.closing {
		err = nil
	}
	c.wmu.Unlock()
	c.mu.Lock()
	c.onClose(err)
	c.mu.Unlock()
}

func (c *Conn) onClose(err error) {
	defer c.recoverOnClose()
	c.h.OnClose(c, err)
}

// WriteSMPP encodes p straight into the output buffer. It takes the
// concrete PDU type, not an interface, so callers' PDUs need not escape to
// the heap.
func (c *Conn) WriteSMPP(p *smpp.PDU) error {
	c.wmu.Lock()
	if err := c.admitLocked(0); err != nil {
		c.refuseLocked(err)
		return err
	}
	c.appendSMPP(p)
	c.queueFlushLocked()
	return nil
}

// ReadTime returns when the batch of frames being handled was read, in Unix
// nanoseconds: one clock read per batch rather than one per PDU. Call it
// only from OnFrame.
func (c *Conn) ReadTime() int64 { return c.readTime }
