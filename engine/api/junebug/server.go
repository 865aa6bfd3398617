package junebug

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/engine/api/httpserve"
	"github.com/gwd-project/gwd/engine/authguard"
	"github.com/gwd-project/gwd/engine/logring"
	"github.com/gwd-project/gwd/engine/manage"
	"github.com/gwd-project/gwd/engine/moparts"
	"github.com/gwd-project/gwd/engine/mt"
	"github.com/gwd-project/gwd/engine/recovery"
	"github.com/gwd-project/gwd/engine/thrower"
	"github.com/gwd-project/gwd/netio"
	"github.com/gwd-project/gwd/smpp"
	"github.com/gwd-project/gwd/store"
)

func init() {
	// Channels are the API's state, not part of jCli's profiles: persist
	// does not copy them and load leaves them alone.
	store.RegisterRuntimeKind(kindChannel)
}

// Logs is where GET /channels/{id}/logs reads a connector's recent log
// records: *logring.Handler.
type Logs interface {
	Recent(cid string, n int) []logring.Record
}

// Options tune a Server beyond the gateway's configuration.
type Options struct {
	// Log receives the server's own log lines (default slog.Default()).
	// Lines about a channel carry its connector id (cid), so a logring
	// handler under this logger keeps them for the logs endpoint.
	Log *slog.Logger
	// Logs serves GET /channels/{id}/logs; nil answers an empty list.
	Logs Logs
	// Now is the clock for rates and timestamps (default time.Now).
	Now func() time.Time
	// MaxBodySize bounds a request body, octets (default 1 MiB).
	MaxBodySize int
	// CacheSize is how many recent messages' event_url the server keeps
	// in memory (default 65,536); older ones are read from the store.
	CacheSize int
	// ThrottleCheck is how often connectors are checked for throttling
	// (default one second).
	ThrottleCheck time.Duration
}

// Deps are what the channel API works on.
type Deps struct {
	// Manager is the one writer of configuration: channels' connectors
	// and records change through it.
	Manager *manage.Manager
	// Gateway takes the channels' messages.
	Gateway Submitter
	// Index keeps messages' state and events, and inbound messages.
	Index *store.Index
	// Store holds the channel records and long inbound messages' parts.
	Store *store.DB
	// Thrower delivers events, inbound messages and status callbacks.
	Thrower *thrower.Thrower
	// Admin is [jcli]'s admin account, which requests authenticate as.
	Admin *authguard.Admin
	// Config is gwd's configuration ([junebug], [store] TTLs).
	Config config.Config
	// Observe installs the server as the gateway's observer (nil: none):
	// func(o junebug.Observer) { g.SetObserver(o) }.
	Observe func(Observer)
}

// Submitter takes a channel's outbound message: *gateway.Gateway.
type Submitter interface {
	SubmitMT(s *mt.Submit, done func(id string, err error))
}

// Observer is what the gateway tells the channel API (the gateway's
// Observer): its messages' events, its connectors' MO and bind states.
// Methods run on event loops or store goroutines and must not block.
type Observer interface {
	MessageEvent(id string, ev store.Event)
	MO(cid string, p *smpp.PDU, done func(error)) bool
	ConnectorState(cid string, bind int, state string, err error)
}

// Server is the Junebug channel API on a gateway.
type Server struct {
	m    *manage.Manager
	gw   Submitter
	d    Deps
	th   *thrower.Thrower
	idx  *store.Index
	db   *store.DB
	cfg  config.Config
	opts Options
	log  *slog.Logger
	now  func() time.Time

	mu    sync.Mutex // channel creation and deletion
	maps  atomic.Pointer[chanMaps]
	cache *msgCache
	res   *resolver
	asm   *moparts.Assembler
	bufs  sync.Pool // *[]byte for callback bodies

	srv       *httpserve.Server
	stop      chan struct{}
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// chanMaps are the channels by id and by connector id, replaced whole on
// change (readers take no lock).
type chanMaps struct {
	byID, byCID map[string]*channel
}

// New builds the API on d: it loads the channels the store holds (adding
// back a channel's connector if it is missing), starts the background
// work (long inbound messages, event lookups, throttling checks) and
// installs itself as the gateway's observer (d.Observe).
func New(d Deps, opts Options) (*Server, error) {
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxBodySize <= 0 {
		opts.MaxBodySize = 1 << 20
	}
	if opts.CacheSize <= 0 {
		opts.CacheSize = 1 << 16
	}
	if opts.ThrottleCheck <= 0 {
		opts.ThrottleCheck = time.Second
	}
	if d.Thrower == nil {
		return nil, errors.New("junebug: the gateway has no callback thrower")
	}
	s := &Server{m: d.Manager, gw: d.Gateway, d: d, th: d.Thrower, idx: d.Index, db: d.Store, cfg: d.Config, opts: opts, log: opts.Log,
		now: opts.Now, cache: newMsgCache(opts.CacheSize), res: &resolver{wake: make(chan struct{}, 1)},
		stop: make(chan struct{})}
	s.bufs.New = func() any { b := make([]byte, 0, 512); return &b }
	s.maps.Store(&chanMaps{byID: map[string]*channel{}, byCID: map[string]*channel{}})
	if err := s.load(); err != nil {
		return nil, err
	}
	ttl := s.cfg.Store.InboundMessageTTL()
	if ttl <= 0 {
		ttl = store.DefaultInbound
	}
	asm, err := moparts.Open(s.db, partsQueue, ttl, s.handOver, s.log, s.now)
	if err != nil {
		return nil, fmt.Errorf("junebug: %w", err)
	}
	s.asm = asm
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		recovery.Loop("junebug", s.log, s.stop, s.resolve)
	}()
	go func() {
		defer s.wg.Done()
		recovery.Loop("junebug", s.log, s.stop, func() { s.watch(opts.ThrottleCheck) })
	}()
	s.observe(s)
	// Binds made before the observer was in place (the gateway starts
	// connectors as it opens) were not seen: read the state now.
	for _, ch := range s.maps.Load().byID {
		s.initStatus(ch, s.m.Connector(ch.cid))
	}
	// A request must be read whole within 30 s (headers dribbled slowly
	// are cut, 408); a body over MaxBodySize is refused 413 from
	// its Content-Length, unread; [junebug] max_connections and
	// max_connections_per_ip answer 503 at accept.
	s.srv = httpserve.New("junebug", &fasthttp.Server{
		Handler:                      s.Handler(),
		Name:                         "gwd",
		MaxRequestBodySize:           opts.MaxBodySize,
		ReadTimeout:                  30 * time.Second,
		WriteTimeout:                 30 * time.Second,
		IdleTimeout:                  2 * time.Minute,
		DisablePreParseMultipartForm: true,
		CloseOnShutdown:              true,
	}, httpserve.Options{Limit: netio.NewConnLimit(d.Config.Junebug.MaxConnections, d.Config.Junebug.MaxConnectionsPerIP), Log: s.log})
	return s, nil
}

// load brings back the stored channels.
func (s *Server) load() error {
	objs, err := s.db.Objects(kindChannel)
	if err != nil {
		return fmt.Errorf("junebug: load channels: %w", err)
	}
	m := &chanMaps{byID: map[string]*channel{}, byCID: map[string]*channel{}}
	for _, o := range objs {
		var rec channelRecord
		if err := json.Unmarshal(o.Value, &rec); err != nil {
			return fmt.Errorf("junebug: load channel %s: %w", o.ID, err)
		}
		if rec.V != channelVersion || rec.ID != o.ID || rec.CID == "" {
			return fmt.Errorf("junebug: load channel %s: unsupported record (version %d)", o.ID, rec.V)
		}
		ch := s.newChannel(&rec)
		if s.m.Connector(rec.CID) == nil {
			if err := s.m.Do(func(tx *manage.Tx) error { return s.addConnector(tx, &rec) }); err != nil {
				return fmt.Errorf("junebug: load channel %s: %w", o.ID, err)
			}
		}
		s.initStatus(ch, s.m.Connector(rec.CID))
		m.byID[rec.ID], m.byCID[rec.CID] = ch, ch
	}
	s.maps.Store(m)
	return nil
}

func (s *Server) newChannel(rec *channelRecord) *channel {
	ch := &channel{id: rec.ID, cid: rec.CID, rates: newRates(s.cfg.Junebug.MetricWindow()),
		lg: s.log.With(logring.KeyCID, rec.CID, "channel_id", rec.ID)}
	ch.rec.Store(rec)
	return ch
}

// observe installs o as the gateway's observer (nil removes it).
func (s *Server) observe(o Observer) {
	if s.d.Observe != nil {
		s.d.Observe(o)
	}
}

// addConnector adds and starts a channel's connector from its record.
func (s *Server) addConnector(tx *manage.Tx, rec *channelRecord) error {
	_, cfg, aerr := (&channelPatch{}).apply(rec, rec.ID, rec.CID)
	if aerr != nil {
		return fmt.Errorf("connector config: %w", aerr)
	}
	if err := tx.AddConnector(cfg); err != nil {
		return fmt.Errorf("add connector %s: %w", rec.CID, err)
	}
	if err := tx.StartConnector(rec.CID); err != nil {
		return fmt.Errorf("start connector %s: %w", rec.CID, err)
	}
	return nil
}

// Handler is the request handler, for callers that run their own
// fasthttp server.
func (s *Server) Handler() fasthttp.RequestHandler {
	return recovery.FastHTTPAnswer("junebug", s.log, s.route, func(ctx *fasthttp.RequestCtx) {
		writeError(ctx, newError(http.StatusInternalServerError, "internal error", errInternal, "the request failed; see the log"))
	})
}

// Serve accepts connections on ln until Close.
func (s *Server) Serve(ln net.Listener) error { return s.srv.Serve(ln) }

// Refusals are the listener's refusal counters (gwd_listener_refused_total).
func (s *Server) Refusals() *netio.Refusals { return s.srv.Refusals() }

// Close stops serving (requests in flight finish), leaves the gateway's
// observer slot empty and stops the background work. Channels, their
// connectors and everything stored stay for the next New.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() {
		err = s.srv.Shutdown()
		s.observe(nil)
		close(s.stop)
		s.wg.Wait()
		s.asm.Close()
	})
	return err
}

const realm = `Basic realm="gwd junebug"`

// authorized checks HTTP Basic credentials against [jcli]'s admin
// account (the gateway's Admin: cached once verified, otherwise checked
// on the shared password-check pool, with its back-off), as the admin API
// does. refused is set when the attempt was refused unchecked (429).
func (s *Server) authorized(ctx *fasthttp.RequestCtx) (ok bool, refused *authguard.Refused) {
	src, _ := netip.AddrFromSlice(ctx.RemoteIP())
	if err := s.d.Admin.CheckBasic(src, ctx.Request.Header.Peek(fasthttp.HeaderAuthorization)); err != nil {
		errors.As(err, &refused)
		return false, refused
	}
	return true, nil
}

// route dispatches a request by method and path.
func (s *Server) route(ctx *fasthttp.RequestCtx) {
	ok, refused := s.authorized(ctx)
	if refused != nil {
		ctx.Response.Header.Set("Retry-After", refused.RetryAfterHeader())
		writeError(ctx, newError(http.StatusTooManyRequests, "too many requests", errUnauthorized, authguard.RefusedBody))
		return
	}
	if !ok {
		ctx.Response.Header.Set(fasthttp.HeaderWWWAuthenticate, realm)
		writeError(ctx, newError(http.StatusUnauthorized, "authentication required", errUnauthorized,
			"this API requires HTTP Basic authentication with the jCli admin credentials"))
		return
	}
	path := string(ctx.Path())
	rest, ok := strings.CutPrefix(path, "/channels")
	if !ok || (rest != "" && rest[0] != '/') {
		s.notFound(ctx, path)
		return
	}
	rest = strings.TrimPrefix(rest, "/")
	rest = strings.TrimSuffix(rest, "/")
	var seg []string
	if rest != "" {
		seg = strings.Split(rest, "/")
	}
	method := string(ctx.Method())
	if len(seg) == 0 {
		switch method {
		case "GET":
			s.serveList(ctx)
		case "POST":
			s.serveCreate(ctx)
		default:
			methodNotAllowed(ctx, "GET, POST")
		}
		return
	}
	ch := s.maps.Load().byID[seg[0]]
	allow := ""
	switch {
	case len(seg) == 1:
		allow = "GET, POST, DELETE"
	case len(seg) == 2 && (seg[1] == "restart" || seg[1] == "cancel"):
		allow = "POST"
	case len(seg) == 2 && seg[1] == "logs":
		allow = "GET"
	case len(seg) == 2 && seg[1] == "messages":
		allow = "POST"
	case len(seg) == 3 && seg[1] == "messages":
		allow = "GET"
	default:
		s.notFound(ctx, path)
		return
	}
	if !slices.Contains(strings.Split(allow, ", "), method) {
		methodNotAllowed(ctx, allow)
		return
	}
	if ch == nil {
		writeError(ctx, channelNotFound(seg[0]))
		return
	}
	switch {
	case len(seg) == 1 && method == "GET":
		s.serveGet(ctx, ch)
	case len(seg) == 1 && method == "POST":
		s.serveUpdate(ctx, ch)
	case len(seg) == 1:
		s.serveDelete(ctx, ch)
	case seg[1] == "restart":
		s.serveRestart(ctx, ch)
	case seg[1] == "cancel":
		s.serveCancel(ctx, ch)
	case seg[1] == "logs":
		s.serveLogs(ctx, ch)
	case len(seg) == 2:
		s.serveSend(ctx, ch)
	default:
		s.serveMessage(ctx, ch, seg[2])
	}
}

func (s *Server) notFound(ctx *fasthttp.RequestCtx, path string) {
	writeError(ctx, newError(http.StatusNotFound, "not found", errNotFound, fmt.Sprintf("no endpoint at %q", path)))
}

func methodNotAllowed(ctx *fasthttp.RequestCtx, allow string) {
	ctx.Response.Header.Set(fasthttp.HeaderAllow, allow)
	writeError(ctx, newError(http.StatusMethodNotAllowed, "method not allowed", errMethodNotAllowed,
		fmt.Sprintf("%s is not allowed here; allowed: %s", ctx.Method(), allow)))
}
