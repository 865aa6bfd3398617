// Package httpserve runs a listener of gwd's HTTP servers (the HTTP and
// REST API, the Junebug API, the admin API, the metrics page): a fasthttp
// server that serves until it is shut down, shuts down once, and serves
// nothing when it was shut down before it started (a start-up that failed
// further on), leaving no listener open. It applies the listener's
// connection caps (a connection over one is answered 503 and closed before
// any request is read) and counts what the listener refuses: connections
// over a cap, bodies over the limit, clients too slow to send a request.
// fasthttp's own log lines (one per such client) go to the debug level.
package httpserve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync/atomic"

	"github.com/valyala/fasthttp"

	"github.com/gwd-project/gwd/netio"
)

// RefusalBody is the body of the 503 a connection over a cap gets.
const RefusalBody = "Too many connections, retry later\n"

// refusal is the whole answer to a connection over a cap.
var refusal = []byte("HTTP/1.1 503 Service Unavailable\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	fmt.Sprintf("Content-Length: %d\r\n", len(RefusalBody)) +
	"Retry-After: 1\r\n" +
	"Connection: close\r\n\r\n" + RefusalBody)

// Server is one fasthttp server, named for its errors.
type Server struct {
	name   string
	srv    *fasthttp.Server
	limit  *netio.ConnLimit
	closed atomic.Bool
}

// Options are what a listener adds to its fasthttp server.
type Options struct {
	// Limit caps the listener's connections and counts its refusals
	// (Limit.Counts); nil: no cap, nothing counted.
	Limit *netio.ConnLimit
	// Log receives fasthttp's own lines, at the debug level. Default
	// slog.Default().
	Log *slog.Logger
}

// New wraps srv; name starts its errors ("httpapi: serve …") and names
// the listener in the log. It sets srv's Logger and wraps its
// ErrorHandler (fasthttp's answers when none: 413, 408, 431, 400) to
// count a body over the limit and a request not read in time.
func New(name string, srv *fasthttp.Server, opts Options) *Server {
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	s := &Server{name: name, srv: srv, limit: opts.Limit}
	srv.Logger = debugLogger{log: opts.Log, name: name}
	answer := srv.ErrorHandler
	if answer == nil {
		answer = defaultAnswer
	}
	srv.ErrorHandler = func(ctx *fasthttp.RequestCtx, err error) {
		s.count(err)
		answer(ctx, err)
	}
	return s
}

// count counts a request refused before its handler ran.
func (s *Server) count(err error) {
	if s.limit == nil {
		return
	}
	switch {
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		s.limit.Counts.BodyTooLarge.Add(1)
	case netio.IsTimeout(err):
		s.limit.CountTimeout()
	}
}

// defaultAnswer answers a request fasthttp could not read, as its own
// default handler does.
func defaultAnswer(ctx *fasthttp.RequestCtx, err error) {
	var small *fasthttp.ErrSmallBuffer
	switch {
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		ctx.Error("Request body too large", fasthttp.StatusRequestEntityTooLarge)
	case netio.IsTimeout(err):
		ctx.Error("Request timeout", fasthttp.StatusRequestTimeout)
	case errors.As(err, &small):
		ctx.Error("Too big request header", fasthttp.StatusRequestHeaderFieldsTooLarge)
	default:
		ctx.Error("Error when parsing request", fasthttp.StatusBadRequest)
	}
}

// debugLogger is fasthttp's Logger: its lines (a connection that failed,
// a body too large) at the debug level; refusals are counted instead.
type debugLogger struct {
	log  *slog.Logger
	name string
}

func (l debugLogger) Printf(format string, args ...any) {
	if l.log.Enabled(context.Background(), slog.LevelDebug) {
		l.log.Debug(fmt.Sprintf(format, args...), "listener", l.name)
	}
}

// Refusals are the listener's refusal counters; nil without a Limit.
func (s *Server) Refusals() *netio.Refusals {
	if s.limit == nil {
		return nil
	}
	return &s.limit.Counts
}

// Serve accepts connections on ln until Shutdown. A connection over a
// cap of Options.Limit is answered 503 (RefusalBody) and closed as soon
// as it is accepted (after its TLS handshake on an HTTPS listener, whose
// handshakes are bounded apart). After Shutdown it closes ln and returns
// nil at once.
func (s *Server) Serve(ln net.Listener) error {
	if s.closed.Load() {
		_ = ln.Close()
		return nil
	}
	if err := s.srv.Serve(netio.LimitListener(ln, s.limit, refusal)); err != nil {
		return fmt.Errorf("%s: serve %s: %w", s.name, ln.Addr(), err)
	}
	return nil
}

// Closed reports whether Shutdown was called.
func (s *Server) Closed() bool { return s.closed.Load() }

// Shutdown stops accepting and waits for the requests in flight; calls
// after the first do nothing.
func (s *Server) Shutdown() error {
	if s.closed.Swap(true) {
		return nil
	}
	if err := s.srv.Shutdown(); err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("%s: shutdown: %w", s.name, err)
	}
	return nil
}
