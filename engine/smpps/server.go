package smpps

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/engine/authguard"
	"github.com/gwd-project/gwd/engine/mt"
	"github.com/gwd-project/gwd/engine/session"
	"github.com/gwd-project/gwd/netio"
	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/smpp"
	"github.com/gwd-project/gwd/store"
)

// Backend is what the server needs from the gateway.
type Backend interface {
	mt.Submitter
	Accounts() *router.Accounts
	// MessageState returns a message's last event type (store.EventNone
	// while it is queued) and when it happened, for query_sm; ok false
	// when gwd knows nothing of it.
	MessageState(id string) (state store.EventType, at time.Time, ok bool)
	// CancelMT withdraws message id of user uid if it has not reached the
	// SMSC yet; done gets the cancel_sm_resp status.
	CancelMT(uid, id string, done func(smpp.Status))
	// AuthGuard runs the password checks the cache cannot decide, and
	// backs off sources and usernames that keep failing.
	AuthGuard() *authguard.Guard
}

// Server is the SMPP server API.
type Server struct {
	cfg config.SMPPServer
	b   Backend
	db  *store.DB
	log *slog.Logger
	srv *netio.Server
	// plain is the second, plain-TCP listener beside a TLS one
	// ([smpp-server] plain_port), or nil.
	plain *netio.Server
	app   *app
	// limit is [smpp-server] max_connections and max_connections_per_ip,
	// shared by port and plain_port.
	limit *netio.ConnLimit

	mu    sync.Mutex
	users map[string]*user
	// open opens outboxes off the event loops (opener.go).
	open      opener
	closeOnce sync.Once
	// retryBase is the first back-off of a deliver_sm refused or not
	// answered (SetRetryDelay), in nanoseconds.
	retryBase atomic.Int64
	// dead is the "outbox" dead letters, opened on first use (deadletters.go).
	deadMu sync.Mutex
	dead   *store.DeadLetters

	Stats Stats
}

// Counters returns the server's counters (for front-ends that take the
// server through an interface).
func (s *Server) Counters() *Stats { return &s.Stats }

// Stats are the server's counters (Jasmin's smppsapi_* metrics).
type Stats struct {
	ConnectCount, DisconnectCount, BoundTX, BoundRX, BoundTRX             atomic.Int64
	BindCount, UnbindCount                                                atomic.Uint64
	SubmitSMRequest, SubmitSMCount, DeliverSMCount, DataSMCount           atomic.Uint64
	ElinkCount, ThroughputErrorCount, OtherSubmitErrorCount               atomic.Uint64
	InterceptorCount, InterceptorErrorCount, BindErrorCount, QuerySMCount atomic.Uint64
	BindTXCount, BindRXCount, BindTRXCount                                atomic.Uint64
	Created                                                               atomic.Int64 // unix ns: when New made it

	// WindowThrottled counts requests answered ESME_RTHROTTLED because
	// their session already had window requests unanswered.
	WindowThrottled atomic.Uint64
	// OutboxFull counts deliver_sm refused because the user's outbox was
	// at [smpp-server] outbox_max_messages or outbox_max_bytes.
	OutboxFull atomic.Uint64
	// DeadLetters counts deliver_sm sent to the "outbox" dead letters.
	DeadLetters atomic.Uint64
}

// New makes a server; Listen starts it.
func New(cfg config.SMPPServer, b Backend, db *store.DB, log *slog.Logger) *Server {
	if log == nil {
		log = slog.Default()
	}
	s := &Server{cfg: cfg, b: b, db: db, log: log.With("component", "smpps"), users: map[string]*user{}}
	s.retryBase.Store(int64(10 * time.Second))
	s.open.stop = make(chan struct{})
	s.app = &app{s: s}
	// Always a limit, caps or none (0 is no cap): it also counts the
	// connections cut for their timeouts.
	s.limit = netio.NewConnLimit(cfg.MaxConnections, cfg.MaxConnectionsPerIP)
	s.Stats.Created.Store(time.Now().UnixNano())
	return s
}

// Listen starts accepting binds on addr (cfg.Addr() when empty), over
// TLS only when tlsCfg is set.
func (s *Server) Listen(addr string, tlsCfg *tls.Config) error {
	if addr == "" {
		addr = s.cfg.Addr()
	}
	srv, err := s.listen(addr, tlsCfg)
	if err != nil {
		return err
	}
	s.srv = srv
	return nil
}

// ListenPlain starts a second listener, plain TCP, on addr: the
// [smpp-server] plain_port beside a TLS port. Call it after Listen.
func (s *Server) ListenPlain(addr string) error {
	srv, err := s.listen(addr, nil)
	if err != nil {
		return err
	}
	s.plain = srv
	return nil
}

// PlainAddr is the plain listener's address, nil when there is none.
func (s *Server) PlainAddr() net.Addr {
	if s.plain == nil {
		return nil
	}
	return s.plain.Addr()
}

func (s *Server) listen(addr string, tlsCfg *tls.Config) (*netio.Server, error) {
	window := s.cfg.Window
	if window <= 0 {
		window = 100
	}
	scfg := session.Config{
		BindTimeout:         s.cfg.SessionInitTimer(),
		EnquireLinkInterval: s.cfg.EnquireLinkTimer(),
		InactivityTimeout:   s.cfg.InactivityTimer(),
		ResponseTimeout:     s.cfg.ResponseTimer(),
		Window:              window + 2,
		// The same window bounds what an ESME may have outstanding here:
		// submit_sm not yet answered because the store has not made it
		// durable. Beyond it the answer is ESME_RTHROTTLED, at once.
		InboundWindow: window,
		Throttled:     &s.Stats.WindowThrottled,
		Elinks:        &s.Stats.ElinkCount,
	}
	opts := netio.Options{MaxPDUSize: s.cfg.MaxPDUSize, PDUReadTimeout: s.cfg.PDUReadTimer(), TLS: tlsCfg, Limit: s.limit}
	h := session.NewServerHandler(scfg, s.app)
	srv, err := netio.Listen(addr, opts, func(c *netio.Conn) netio.Handler {
		s.Stats.ConnectCount.Add(1)
		return h(c)
	})
	if err != nil {
		return nil, fmt.Errorf("smpp server %s: %w", addr, err)
	}
	return srv, nil
}

// RefusedConnections counts the connections closed at accept because
// max_connections or max_connections_per_ip was reached.
func (s *Server) RefusedConnections() uint64 {
	if s.limit == nil {
		return 0
	}
	return s.limit.Refused.Load()
}

// Addr is the listening address.
func (s *Server) Addr() net.Addr { return s.srv.Addr() }

// Close stops accepting and closes every session (after an unbind).
func (s *Server) Close() error {
	s.mu.Lock()
	var all []*session.Session
	for _, u := range s.users {
		all = append(all, u.all()...)
	}
	s.mu.Unlock()
	for _, ss := range all {
		ss.Unbind()
	}
	deadline := time.After(2 * time.Second)
	for _, ss := range all {
		select {
		case <-ss.Done():
		case <-deadline:
		}
	}
	var err error
	if s.srv != nil {
		err = s.srv.Close()
	}
	if s.plain != nil {
		if perr := s.plain.Close(); perr != nil && err == nil {
			err = perr
		}
	}
	s.mu.Lock()
	for _, u := range s.users {
		u.stopDeliverer()
	}
	s.mu.Unlock()
	s.closeOnce.Do(func() { close(s.open.stop) })
	return err
}

// LastReceived is when a PDU last came in on any session of user uid, or
// of any user when uid is empty (zero: none), read from the live sessions
// when asked: no cost per PDU.
func (s *Server) LastReceived(uid string) time.Time {
	var users []*user
	s.mu.Lock()
	if uid == "" {
		for _, u := range s.users {
			users = append(users, u)
		}
	} else if u := s.users[uid]; u != nil {
		users = append(users, u)
	}
	s.mu.Unlock()
	var t time.Time
	for _, u := range users {
		for _, ss := range u.all() {
			if x := ss.LastReceived(); x.After(t) {
				t = x
			}
		}
	}
	return t
}

// Unbind unbinds every session of user uid (jCli / admin "unbind").
func (s *Server) Unbind(uid string) int {
	u := s.lookup(uid)
	if u == nil {
		return 0
	}
	ss := u.all()
	for _, x := range ss {
		x.Unbind()
	}
	return len(ss)
}

// Ban closes every session of user uid at once, without an unbind.
func (s *Server) Ban(uid string) int {
	u := s.lookup(uid)
	if u == nil {
		return 0
	}
	ss := u.all()
	for _, x := range ss {
		x.Close()
	}
	return len(ss)
}

// Binds returns how many sessions user uid has bound.
func (s *Server) Binds(uid string) int {
	u := s.lookup(uid)
	if u == nil {
		return 0
	}
	return len(u.all())
}

func (s *Server) lookup(uid string) *user {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.users[uid]
}

// outboxPrefix starts the name of every user's outbox queue.
const outboxPrefix = "out/"

// Deliver queues a deliver_sm (a receipt or an MO message) for user uid;
// done(nil) once it is durable; done gets a *store.QueueFullError, nothing
// kept, when the outbox is at its caps ([smpp-server] outbox_max_*), and
// ErrOutboxBusy when the outbox is not open and too many wait to be. It
// is sent to one of the user's receiver-capable binds, now or once one is
// bound, until expires. It never blocks: an outbox not open yet is opened
// off the caller's goroutine (opener.go), and p is encoded before.
func (s *Server) Deliver(uid string, p *smpp.PDU, expires time.Time, extra store.Write, done func(error)) {
	p.Command = smpp.DeliverSM
	p.Seq = 0
	payload := p.AppendTo(make([]byte, 0, 64+len(p.ShortMessage)+len(p.TLVs)))
	if u := s.lookup(uid); u != nil {
		s.deliver(u, payload, expires, extra, done)
		return
	}
	if !s.withUser(uid, func(u *user, err error) {
		if err != nil {
			if extra.Done != nil {
				extra.Done(err)
			}
			done(err)
			return
		}
		s.deliver(u, payload, expires, extra, done)
	}) {
		if extra.Done != nil {
			extra.Done(ErrOutboxBusy)
		}
		done(ErrOutboxBusy)
	}
}

// deliver appends an encoded deliver_sm to u's outbox.
func (s *Server) deliver(u *user, payload []byte, expires time.Time, extra store.Write, done func(error)) {
	u.q.Append([]store.NewMsg{{Priority: 0, Expires: expires, Payload: payload}}, extra, func(_ []uint64, err error) {
		if errors.Is(err, store.ErrQueueFull) {
			s.Stats.OutboxFull.Add(1)
		}
		done(err)
	})
}

// OutboxLen returns how many deliver_sm wait for user uid, in its
// outbox and its retry queues.
func (s *Server) OutboxLen(uid string) int {
	u := s.lookup(uid)
	if u == nil {
		return 0
	}
	return u.q.Stats().Total() + u.retries.Stats().Total()
}

// sess is what the server keeps per ESME session.
type sess struct {
	u    *router.User
	uid  string
	user *user
	typ  smpp.CommandID
	sub  mt.Submit
	part [1]smpp.PDU
	text []byte // decoded content for the content value filter
}

func remoteIP(ss *session.Session) netip.Addr {
	if ss.Conn() == nil {
		return netip.Addr{}
	}
	if ta, ok := ss.Conn().RemoteAddr().(*net.TCPAddr); ok {
		if a, ok := netip.AddrFromSlice(ta.IP); ok {
			return a.Unmap()
		}
	}
	return netip.Addr{}
}
