// Package httpserve runs a listener of gwd's HTTP servers (the HTTP and
// REST API, the Junebug API, the metrics page): a fasthttp server that
// serves until it is shut down, shuts down once, and serves nothing when
// it was shut down before it started (a start-up that failed further on),
// leaving no listener open.
package httpserve

import (
	"errors"
	"fmt"
	"net"
	"sync/atomic"

	"github.com/valyala/fasthttp"
)

// Server is one fasthttp server, named for its errors.
type Server struct {
	name   string
	srv    *fasthttp.Server
	closed atomic.Bool
}

// New wraps srv; name starts its errors ("httpapi: serve …").
func New(name string, srv *fasthttp.Server) *Server { return &Server{name: name, srv: srv} }

// Serve accepts connections on ln until Shutdown. After Shutdown it
// closes ln and returns nil at once.
func (s *Server) Serve(ln net.Listener) error {
	if s.closed.Load() {
		_ = ln.Close()
		return nil
	}
	if err := s.srv.Serve(ln); err != nil {
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
