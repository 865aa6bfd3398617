package jcli

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/engine/manage"
	"github.com/gwd-project/gwd/netio"
)

// Defaults of the Server's tunables.
const (
	DefaultFailDelay    = time.Second
	DefaultLockoutAfter = 3
	DefaultLockout      = time.Minute
	DefaultLoginTimeout = time.Minute
	// DefaultProfile is the profile persist and load use without -p.
	DefaultProfile = "jcli-prod"
	// maxLoginAttempts is the number of wrong pairs that end a session.
	maxLoginAttempts = 3
	// writeTimeout bounds one write to a client that does not read.
	writeTimeout = 30 * time.Second
)

// ErrServerClosed is returned by Serve after Close.
var ErrServerClosed = errors.New("jcli: server closed")

// tooMany is the line a connection over a cap, or arriving while the
// console closes, gets before it is closed.
var tooMany = []byte("Too many sessions, try again later.\r\n")

// Server is the jCli console.
type Server struct {
	// Tunables; set them before Serve.

	// FailDelay is the pause before a wrong login is answered.
	FailDelay time.Duration
	// LockoutAfter wrong logins from one address within Lockout lock the
	// address out for Lockout (0 disables the lockout).
	LockoutAfter int
	Lockout      time.Duration
	// LoginTimeout ends a session that has not authenticated in time.
	LoginTimeout time.Duration
	// IdleTimeout ends an authenticated session idle that long (0: never,
	// as Jasmin).
	IdleTimeout time.Duration

	// limit is [jcli] max_connections and max_connections_per_ip: a
	// connection over one is sent tooMany and closed at accept.
	limit *netio.ConnLimit

	cfg config.JCli
	m   *manage.Manager
	d   Deps
	log *slog.Logger

	mu       sync.Mutex
	closed   bool
	lns      map[net.Listener]struct{}
	sessions map[*session]struct{}
	ref      int
	fails    map[string]*failRecord
	wg       sync.WaitGroup
}

// failRecord counts an address's recent wrong logins.
type failRecord struct {
	n      int
	first  time.Time
	locked time.Time // locked out until
}

// New makes a console with the [jcli] settings cfg on the configuration
// m changes (the one writer) and d.
func New(cfg config.JCli, m *manage.Manager, d Deps, log *slog.Logger) *Server {
	if log == nil {
		log = slog.Default()
	}
	return &Server{
		FailDelay: DefaultFailDelay, LockoutAfter: DefaultLockoutAfter, Lockout: DefaultLockout,
		LoginTimeout: DefaultLoginTimeout,
		limit:        netio.NewConnLimit(cfg.MaxConnections, cfg.MaxConnectionsPerIP),
		cfg:          cfg, m: m, d: d, log: log.With("component", "jcli"),
		lns: map[net.Listener]struct{}{}, sessions: map[*session]struct{}{}, fails: map[string]*failRecord{},
	}
}

// ListenAndServe listens on [jcli] bind:port and serves until Close.
func (s *Server) ListenAndServe() error {
	ln, err := net.Listen("tcp", s.cfg.Addr())
	if err != nil {
		return fmt.Errorf("jcli listen %s: %w", s.cfg.Addr(), err)
	}
	return s.Serve(ln)
}

// Refusals are the console's refusal counters (gwd_listener_refused_total).
func (s *Server) Refusals() *netio.Refusals { return &s.limit.Counts }

// Serve accepts sessions on ln until Close; each session runs in its own
// goroutine. A connection over [jcli] max_connections or
// max_connections_per_ip is sent "Too many sessions, try again later."
// and closed at once.
func (s *Server) Serve(ln net.Listener) error {
	ln = netio.LimitListener(ln, s.limit, tooMany)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ln.Close()
		return ErrServerClosed
	}
	s.lns[ln] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.lns, ln)
		s.mu.Unlock()
	}()
	var delay time.Duration
	for {
		conn, err := ln.Accept()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				time.Sleep(delay)
				continue
			}
			return fmt.Errorf("jcli accept: %w", err)
		}
		delay = 0
		s.start(conn)
	}
}

// start registers and runs a session, or turns the connection away.
func (s *Server) start(conn net.Conn) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = conn.SetWriteDeadline(time.Now().Add(time.Second))
		_, _ = conn.Write(tooMany)
		conn.Close()
		return
	}
	s.ref++
	ss := newSession(s, conn, s.ref)
	s.sessions[ss] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		ss.run()
		s.mu.Lock()
		delete(s.sessions, ss)
		s.mu.Unlock()
	}()
}

// Close stops accepting, ends every session and waits for them.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	var errs []error
	for ln := range s.lns {
		if err := ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	}
	for ss := range s.sessions {
		ss.conn.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return errors.Join(errs...)
}

// remoteHost is the address lockouts are counted against.
func remoteHost(conn net.Conn) string {
	a := conn.RemoteAddr()
	if a == nil {
		return ""
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

// lockedOut reports whether host may not log in now.
func (s *Server) lockedOut(host string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.fails[host]
	return f != nil && time.Now().Before(f.locked)
}

// loginFailed counts a wrong login from host; it reports whether host is
// now locked out.
func (s *Server) loginFailed(host string) bool {
	if s.LockoutAfter <= 0 {
		return false
	}
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.fails[host]
	if f == nil || now.Sub(f.first) > s.Lockout {
		if len(s.fails) > 4096 { // bound the table: forget expired records
			for h, r := range s.fails {
				if now.Sub(r.first) > s.Lockout && now.After(r.locked) {
					delete(s.fails, h)
				}
			}
		}
		f = &failRecord{first: now}
		s.fails[host] = f
	}
	f.n++
	if f.n >= s.LockoutAfter {
		f.locked = now.Add(s.Lockout)
		f.n, f.first = 0, now
		return true
	}
	return false
}

// loginSucceeded forgets host's wrong logins.
func (s *Server) loginSucceeded(host string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f := s.fails[host]; f != nil && time.Now().After(f.locked) {
		delete(s.fails, host)
	}
}
