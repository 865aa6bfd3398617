package junebug

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/gwd-project/gwd/engine/moparts"
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
	"github.com/gwd-project/gwd/engine/authguard"
	"github.com/gwd-project/gwd/engine/gateway"
	"github.com/gwd-project/gwd/engine/logring"
	"github.com/gwd-project/gwd/engine/recovery"
	"github.com/gwd-project/gwd/engine/thrower"
	"github.com/gwd-project/gwd/wal"
)

func init() {
	// Channels are the API's state, not part of jCli's profiles: persist
	// does not copy them and load leaves them alone.
	wal.RegisterRuntimeKind(kindChannel)
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

// Server is the Junebug channel API on a gateway.
type Server struct {
	g    *gateway.Gateway
	th   *thrower.Thrower
	idx  *wal.Index
	db   *wal.DB
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

	authOK atomic.Pointer[[]byte] // an Authorization header that passed

	srv       *fasthttp.Server
	stop      chan struct{}
	wg        sync.WaitGroup
	closeOnce sync.Once
	closed    atomic.Bool
}

// chanMaps are the channels by id and by connector id, replaced whole on
// change (readers take no lock).
type chanMaps struct {
	byID, byCID map[string]*channel
}

// New builds the API on g: it loads the channels the store holds (adding
// back a channel's connector if it is missing), starts the background
// work (long inbound messages, event lookups, throttling checks) and
// installs itself as g's observer.
func New(g *gateway.Gateway, opts Options) (*Server, error) {
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
	th := g.Thrower()
	if th == nil {
		return nil, errors.New("junebug: the gateway has no callback thrower")
	}
	s := &Server{g: g, th: th, idx: g.Index(), db: g.Store(), cfg: g.Config(), opts: opts, log: opts.Log,
		now: opts.Now, cache: newMsgCache(opts.CacheSize), res: &resolver{wake: make(chan struct{}, 1)},
		stop: make(chan struct{})}
	s.bufs.New = func() any { b := make([]byte, 0, 512); return &b }
	s.maps.Store(&chanMaps{byID: map[string]*channel{}, byCID: map[string]*channel{}})
	if err := s.load(); err != nil {
		return nil, err
	}
	ttl := s.cfg.Store.InboundMessageTTL()
	if ttl <= 0 {
		ttl = wal.DefaultInbound
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
	g.SetObserver(s)
	// Binds made before the observer was in place (the gateway starts
	// connectors as it opens) were not seen: read the state now.
	for _, ch := range s.maps.Load().byID {
		s.initStatus(ch, g.Connector(ch.cid))
	}
	s.srv = &fasthttp.Server{
		Handler:            s.Handler(),
		Name:               "gwd",
		MaxRequestBodySize: opts.MaxBodySize,
		ReadTimeout:        30 * time.Second,
		WriteTimeout:       30 * time.Second,
		IdleTimeout:        2 * time.Minute,
		CloseOnShutdown:    true,
	}
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
		if s.g.Connector(rec.CID) == nil {
			if err := s.addConnector(&rec); err != nil {
				return fmt.Errorf("junebug: load channel %s: %w", o.ID, err)
			}
		}
		s.initStatus(ch, s.g.Connector(rec.CID))
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

// addConnector adds and starts a channel's connector from its record.
func (s *Server) addConnector(rec *channelRecord) error {
	_, cfg, aerr := (&channelPatch{}).apply(rec, rec.ID, rec.CID)
	if aerr != nil {
		return fmt.Errorf("connector config: %w", aerr)
	}
	if err := s.g.AddConnector(cfg); err != nil {
		return fmt.Errorf("add connector %s: %w", rec.CID, err)
	}
	if err := s.g.StartConnector(rec.CID); err != nil {
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
func (s *Server) Serve(ln net.Listener) error {
	if s.closed.Load() {
		// Closed before it served (a start-up that failed further on):
		// nothing to serve, and the listener is not left open.
		_ = ln.Close()
		return nil
	}
	if err := s.srv.Serve(ln); err != nil {
		return fmt.Errorf("junebug: serve %s: %w", ln.Addr(), err)
	}
	return nil
}

// Close stops serving (requests in flight finish), leaves the gateway's
// observer slot empty and stops the background work. Channels, their
// connectors and everything stored stay for the next New.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		if e := s.srv.Shutdown(); e != nil {
			err = fmt.Errorf("junebug: shutdown: %w", e)
		}
		s.g.SetObserver(nil)
		close(s.stop)
		s.wg.Wait()
		s.asm.Close()
	})
	return err
}

const realm = `Basic realm="gwd junebug"`

// authorized checks HTTP Basic credentials against [jcli]'s admin
// account (the gateway's Admin: cached once verified, otherwise checked
// on the shared password-check pool, with its back-off). refused is set
// when the attempt was refused unchecked (429).
func (s *Server) authorized(ctx *fasthttp.RequestCtx) (ok bool, refused *authguard.Refused) {
	h := ctx.Request.Header.Peek(fasthttp.HeaderAuthorization)
	if len(h) == 0 {
		return false, nil
	}
	if ok := s.authOK.Load(); ok != nil && subtle.ConstantTimeCompare(*ok, h) == 1 {
		return true, nil
	}
	const prefix = "basic "
	if len(h) < len(prefix) || !strings.EqualFold(string(h[:len(prefix)]), prefix) {
		return false, nil
	}
	dec, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace(h[len(prefix):])))
	if err != nil {
		return false, nil
	}
	user, pass, found := bytes.Cut(dec, []byte{':'})
	if !found {
		return false, nil
	}
	src, _ := netip.AddrFromSlice(ctx.RemoteIP())
	if err := s.g.Admin().Check(src, string(user), string(pass)); err != nil {
		errors.As(err, &refused)
		return false, refused
	}
	cp := append([]byte(nil), h...)
	s.authOK.Store(&cp)
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
