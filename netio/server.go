package netio

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"
	gerrors "github.com/panjf2000/gnet/v2/pkg/errors"
	"golang.org/x/sys/unix"
)

// Server accepts connections on one address and gives each a Handler.
type Server struct {
	opts Options
	addr net.Addr
	reg  *registry

	// gnet path
	eng     gnet.Engine
	runDone chan error

	// crypto/tls path
	ln     net.Listener
	wg     sync.WaitGroup
	closed chan struct{}

	closeOnce sync.Once

	// HandshakeFailures counts TLS clients closed before a session:
	// failed or timed-out handshakes, and clients over MaxHandshakes.
	HandshakeFailures atomic.Uint64
}

// Listen starts a server on addr ("host:port"; port 0 picks one). newHandler
// is called for each accepted connection, on its event loop.
func Listen(addr string, opts Options, newHandler func(*Conn) Handler) (*Server, error) {
	opts = opts.withDefaults()
	s := &Server{opts: opts, closed: make(chan struct{})}
	if opts.TLS != nil {
		return s.listenTLS(addr, newHandler)
	}
	s.reg = newRegistry(opts.TickInterval)
	ev := &gnetEvents{opts: &s.opts, newHandler: newHandler, reg: s.reg, boot: make(chan gnet.Engine, 1)}
	s.runDone = make(chan error, 1)
	go func() { s.runDone <- gnet.Run(ev, "tcp://"+addr, gnetOptions(&s.opts)...) }()
	select {
	case s.eng = <-ev.boot:
	case err := <-s.runDone:
		s.reg.close()
		if err == nil {
			err = errors.New("engine stopped at start")
		}
		return nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	a, err := engineAddr(s.eng)
	if err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	s.addr = a
	return s, nil
}

// engineAddr reads the bound address of a gnet engine's listener, which
// tells the port the kernel picked for port 0.
func engineAddr(eng gnet.Engine) (net.Addr, error) {
	fd, err := eng.Dup()
	if err != nil {
		return nil, fmt.Errorf("dup listener: %w", err)
	}
	defer unix.Close(fd)
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return nil, fmt.Errorf("getsockname: %w", err)
	}
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return &net.TCPAddr{IP: net.IP(a.Addr[:]).To16(), Port: a.Port}, nil
	case *unix.SockaddrInet6:
		return &net.TCPAddr{IP: net.IP(a.Addr[:]), Port: a.Port}, nil
	}
	return nil, fmt.Errorf("unexpected listener address %T", sa)
}

func (s *Server) listenTLS(addr string, newHandler func(*Conn) Handler) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	s.reg = newRegistry(s.opts.TickInterval)
	s.ln = LimitListener(ln, s.opts.Limit, nil)
	s.addr = ln.Addr()
	handshakes := make(chan struct{}, MaxHandshakes)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			nc, err := s.ln.Accept()
			if err != nil {
				select {
				case <-s.closed:
					return
				default:
				}
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					continue
				}
				time.Sleep(10 * time.Millisecond)
				continue
			}
			select {
			case handshakes <- struct{}{}:
			default:
				s.HandshakeFailures.Add(1)
				_ = nc.Close() // too many handshakes under way
				continue
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				tc, ok := s.handshake(nc)
				<-handshakes
				if !ok {
					return
				}
				c := newConn(&s.opts, tc.LocalAddr(), tc.RemoteAddr())
				t := newStreamTransport(c, tc, s.reg)
				c.tr = t
				c.mu.Lock()
				c.h = newHandler(c)
				c.mu.Unlock()
				s.reg.add(c)
				t.start()
			}()
		}
	}()
	return s, nil
}

// handshake runs the TLS handshake with a new client, bounded by
// HandshakeTimeout and by the server closing; a client that fails it is
// closed and never reaches a Handler.
func (s *Server) handshake(nc net.Conn) (*tls.Conn, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), s.opts.HandshakeTimeout)
	defer cancel()
	go func() {
		select {
		case <-s.closed:
			cancel()
		case <-ctx.Done():
		}
	}()
	tc := tls.Server(nc, s.opts.TLS)
	if err := tc.HandshakeContext(ctx); err != nil {
		s.HandshakeFailures.Add(1)
		_ = nc.Close()
		return nil, false
	}
	select {
	case <-s.closed:
		_ = nc.Close()
		return nil, false
	default:
	}
	return tc, true
}

// Addr returns the address the server listens on.
func (s *Server) Addr() net.Addr { return s.addr }

// Each calls fn for every open connection (for broadcast and shutdown).
func (s *Server) Each(fn func(*Conn)) {
	for _, c := range s.reg.snapshot(nil) {
		fn(c)
	}
}

// Close stops accepting, closes every connection (each Handler's OnClose
// runs) and waits for the event loops to end.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.closed)
		if s.ln != nil {
			err = s.ln.Close()
			s.wg.Wait()
			for _, c := range s.reg.snapshot(nil) {
				c.tr.abort()
			}
			waitEmpty(s.reg, 5*time.Second)
		} else {
			// Engine.Stop polls for the end every 500 ms; gnet.Run returning
			// tells it at once.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			go func() { _ = s.eng.Stop(ctx) }()
			select {
			case rerr := <-s.runDone:
				if rerr != nil && !errors.Is(rerr, gerrors.ErrEngineShutdown) {
					err = rerr
				}
			case <-ctx.Done():
				err = fmt.Errorf("close %s: %w", s.addr, ctx.Err())
			}
			cancel()
		}
		s.reg.close()
	})
	return err
}

func waitEmpty(r *registry, d time.Duration) {
	deadline := time.Now().Add(d)
	for r.len() > 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
}
