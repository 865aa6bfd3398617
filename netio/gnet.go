package netio

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/panjf2000/gnet/v2"
	"log/slog"
)

// ErrPeerClosed is the OnClose error when the peer closed its side.
var ErrPeerClosed = errors.New("netio: peer closed the connection")

// gnetEvents adapts gnet's callbacks to Conn and Handler.
type gnetEvents struct {
	gnet.BuiltinEventEngine
	opts       *Options
	newHandler func(*Conn) Handler // accepted connections; nil for a Dialer
	reg        *registry
	boot       chan gnet.Engine
}

func gnetOptions(o *Options) []gnet.Option {
	return []gnet.Option{
		gnet.WithMulticore(o.Loops > 1),
		gnet.WithNumEventLoop(o.Loops),
		gnet.WithTCPNoDelay(gnet.TCPNoDelay),
		gnet.WithReuseAddr(true),
		gnet.WithLogger(quietLogger{}),
	}
}

func (e *gnetEvents) OnBoot(eng gnet.Engine) gnet.Action {
	if e.boot != nil {
		e.boot <- eng
	}
	return gnet.None
}

func (e *gnetEvents) OnOpen(gc gnet.Conn) ([]byte, gnet.Action) {
	c, _ := gc.Context().(*Conn)
	if c == nil {
		if !e.opts.Limit.Acquire(gc.RemoteAddr()) {
			return nil, gnet.Close // over a cap: no Conn, OnClose skips it
		}
		c = newConn(e.opts, gc.LocalAddr(), gc.RemoteAddr())
		c.tr = gnetTransport{gc}
		gc.SetContext(c)
		c.h = e.newHandler(c)
	} else {
		c.local, c.remote = gc.LocalAddr(), gc.RemoteAddr()
		c.tr = gnetTransport{gc}
	}
	e.reg.add(c)
	// The handler may have written (a greeting, an outbind): flush it.
	out, closing := c.takeOut()
	if closing {
		return out, gnet.Close
	}
	return out, gnet.None
}

func (e *gnetEvents) OnTraffic(gc gnet.Conn) gnet.Action {
	c := gc.Context().(*Conn)
	c.beginBatch()
	if buf, _ := gc.Peek(-1); len(buf) > 0 {
		// Discard(0) would drop everything buffered: only discard what
		// was framed.
		if n, _ := c.consume(buf, time.Now); n > 0 {
			_, _ = gc.Discard(n)
		}
	}
	out, closing := c.takeOut()
	if len(out) > 0 {
		_, _ = gc.Write(out)
	}
	c.giveBack(out, gc.OutboundBuffered())
	if closing {
		return gnet.Close
	}
	return gnet.None
}

func (e *gnetEvents) OnClose(gc gnet.Conn, err error) gnet.Action {
	c, _ := gc.Context().(*Conn)
	if c == nil {
		return gnet.None
	}
	if errors.Is(err, io.EOF) {
		err = ErrPeerClosed
	}
	e.reg.remove(c)
	if e.newHandler != nil { // accepted, so admitted by Limit
		e.opts.Limit.Release(c.remote)
	}
	c.finish(err)
	return gnet.None
}

// gnetTransport is a Conn's socket on a gnet event loop.
type gnetTransport struct{ gc gnet.Conn }

// wake makes the event loop run OnTraffic, which flushes.
func (t gnetTransport) wake() { _ = t.gc.Wake(nil) }

func (t gnetTransport) abort() { _ = t.gc.Close() }

// quietLogger keeps gnet's start-up chatter out of gwd's log and passes its
// warnings and errors to slog.
type quietLogger struct{}

func (quietLogger) Debugf(string, ...any) {}
func (quietLogger) Infof(string, ...any)  {}
func (quietLogger) Warnf(format string, args ...any) {
	slog.Warn("gnet: " + fmt.Sprintf(format, args...))
}
func (quietLogger) Errorf(format string, args ...any) {
	slog.Error("gnet: " + fmt.Sprintf(format, args...))
}
func (quietLogger) Fatalf(format string, args ...any) {
	slog.Error("gnet: fatal: " + fmt.Sprintf(format, args...))
}
