package httpapi

import (
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/engine/api/httpserve"
	"github.com/gwd-project/gwd/engine/api/metricsapi"
	"github.com/gwd-project/gwd/engine/authguard"
	"github.com/gwd-project/gwd/engine/content"
	"github.com/gwd-project/gwd/engine/egress"
	"github.com/gwd-project/gwd/engine/mt"
	"github.com/gwd-project/gwd/engine/recovery"
	"github.com/gwd-project/gwd/engine/thrower"
	"github.com/gwd-project/gwd/netio"
	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/router/ledger"
	"github.com/gwd-project/gwd/store"
)

// Backend is the gateway as the HTTP APIs see it.
type Backend interface {
	mt.Submitter // SubmitMT(s *mt.Submit, done func(id string, err error))
	Accounts() *router.Accounts
	// RateMT routes s as SubmitMT would (interceptors, MT table) without
	// queueing or charging and returns the route's rate per submit_sm (0:
	// free) — /rate's answer is rate and submit_sm_count (len(s.Parts)).
	RateMT(s *mt.Submit) (ledger.Money, error)
	// Counters returns the user's live balance and sms_count as the store
	// keeps them (unlimited when not set).
	Counters(uid string) (ledger.Counters, error)
	// AuthGuard runs the password checks the cache cannot decide, and
	// backs off sources and usernames that keep failing.
	AuthGuard() *authguard.Guard
}

// Thrower stores callbacks durably and makes them: *thrower.Thrower.
type Thrower interface {
	Throw(cb *thrower.Callback, done func(error))
}

// Options tune a Server. Zero values mean the defaults.
type Options struct {
	// Logger receives errors that no client sees (a batch that cannot
	// be saved, a callback that failed). Default: slog.Default().
	Logger *slog.Logger
	// MaxBodySize is the largest request body accepted on every path but
	// /secure/sendbatch; larger ones are answered 413. Default 1 MiB.
	MaxBodySize int
	// BatchBodySize is the largest /secure/sendbatch body. Default
	// [http-api] sendbatch_max_body_size, else 8 MiB (tens of thousands of
	// destinations).
	BatchBodySize int
	// ReadTimeout, WriteTimeout and IdleTimeout bound a connection's
	// reads, writes and keep-alive idling. Defaults 30 s, 30 s, 60 s.
	ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// SubmitTimeout is the longest a request waits for the gateway to make
	// its message durable; past it the client gets a 500 (the message may
	// still be sent). Default 30 s.
	SubmitTimeout time.Duration

	// BatchWorkers is how many batches run at once. Default 2.
	BatchWorkers int
	// BatchRate is the most messages per second one running batch submits
	// (the user's http_throughput, when set, is honoured as well).
	// Default 100.
	BatchRate float64
	// BatchWindow is how many messages of one batch are in the gateway
	// at once; progress is saved after each window. Default 16.
	BatchWindow int
	// MaxBatchMessages is the most messages (destinations) one sendbatch
	// may hold. Default 100,000.
	MaxBatchMessages int
	// BatchRetention is how long the progress of a finished or cancelled
	// batch stays available to GET /secure/batch/{id}. Default 7 days.
	BatchRetention time.Duration
	// Thrower stores and makes the batch callbacks (callback_url,
	// errback_url) as thrower.Batch callbacks: pass the gateway's
	// (Parts().Thrower). Without it a sendbatch that asks for callbacks
	// is answered 503.
	Thrower Thrower

	// IdempotencyWindow is how long after its success an idempotency-key
	// answers a retried /send or /secure/send with the first id instead of
	// sending again. Default 10 minutes.
	IdempotencyWindow time.Duration
	// IdempotencyCapacity is how many keys (all users) the Server keeps
	// in memory, oldest dropped first; beyond them only a Backend that
	// implements Idempotency recognises a retry. Default 100,000.
	IdempotencyCapacity int

	// CallbackGuard is the rule for the callback URLs API users give
	// (dlr-url, sendbatch callback_url and errback_url): checked when a
	// message is accepted, and batch callbacks dial through it. Pass the
	// gateway's (Gateway.CallbackGuard), built from [callbacks]. Default
	// egress.Strict(): public internet addresses only.
	CallbackGuard *egress.Guard
	// Store holds batches (sendbatch) durably; without it batches are
	// not kept across restarts.
	Store *store.DB

	// Now returns the time (tests). Default time.Now.
	Now func() time.Time
}

func (o *Options) defaults() {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	defInt := func(d *int, v int) {
		if *d <= 0 {
			*d = v
		}
	}
	defInt(&o.MaxBodySize, config.MaxHTTPBodySize)
	defInt(&o.BatchBodySize, config.DefaultSendbatchMaxBodySize)
	def(&o.ReadTimeout, 30*time.Second)
	def(&o.WriteTimeout, 30*time.Second)
	def(&o.IdleTimeout, 60*time.Second)
	def(&o.SubmitTimeout, 30*time.Second)
	defInt(&o.BatchWorkers, 2)
	if o.BatchRate <= 0 {
		o.BatchRate = 100
	}
	defInt(&o.BatchWindow, 16)
	defInt(&o.MaxBatchMessages, 100_000)
	def(&o.BatchRetention, 7*24*time.Hour)
	def(&o.IdempotencyWindow, 10*time.Minute)
	defInt(&o.IdempotencyCapacity, 100_000)
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.CallbackGuard == nil {
		o.CallbackGuard = egress.Strict()
	}
}

// Server serves the HTTP API and the RESTful API.
type Server struct {
	cfg      config.HTTPAPI
	b        Backend
	acc      *router.Accounts
	opts     Options
	log      *slog.Logger
	maxParts int
	split    content.Method

	jobs sync.Pool // *sendJob
	idem *idemTable

	srv     *httpserve.Server
	limit   *netio.ConnLimit // max_connections, max_connections_per_ip; refusals
	handler fasthttp.RequestHandler
	batches *batches
	once    sync.Once
}

// New makes a Server for [http-api] cfg in front of b. It loads the
// batches the store holds and resumes those unfinished and scheduled.
func New(cfg config.HTTPAPI, b Backend, opts Options) *Server {
	if opts.BatchBodySize <= 0 {
		opts.BatchBodySize = cfg.SendbatchMaxBodySize
	}
	opts.defaults()
	s := &Server{cfg: cfg, b: b, acc: b.Accounts(), opts: opts, log: opts.Logger,
		maxParts: cfg.LongContentMaxParts, split: content.UDH}
	if s.maxParts <= 0 {
		s.maxParts = 5
	}
	if s.maxParts > router.MaxBillParts {
		s.maxParts = router.MaxBillParts
	}
	if cfg.LongContentSplit != "" {
		if m, err := content.ParseMethod(strings.ToLower(cfg.LongContentSplit)); err == nil {
			s.split = m
		} else {
			s.log.Error("httpapi: long_content_split: using udh", "value", cfg.LongContentSplit, "err", err)
		}
	}
	s.jobs.New = func() any { return newSendJob() }
	// Not fasthttp's MaxConnsPerIP: its connection wrapper races with
	// CloseOnShutdown (fasthttp 1.74, seen under -race).
	s.limit = netio.NewConnLimit(cfg.MaxConnections, cfg.MaxConnectionsPerIP)
	s.idem = newIdemTable(b, &s.opts)
	s.handler = recovery.FastHTTP("httpapi", s.log, s.route)
	s.srv = httpserve.New("httpapi", &fasthttp.Server{
		Handler:                      s.handler,
		ErrorHandler:                 s.serveError,
		Name:                         "gwd",
		ReadTimeout:                  opts.ReadTimeout,
		WriteTimeout:                 opts.WriteTimeout,
		IdleTimeout:                  opts.IdleTimeout,
		MaxRequestBodySize:           opts.MaxBodySize,
		HeaderReceived:               s.headerReceived,
		DisablePreParseMultipartForm: true,
		CloseOnShutdown:              true,
	}, httpserve.Options{Limit: s.limit, Log: s.log})
	s.batches = newBatches(s)
	if err := s.batches.load(); err != nil {
		s.log.Error("httpapi: loading batches", "err", err)
	}
	return s
}

// Serve accepts connections on ln until Close. A connection over [http-api]
// max_connections or max_connections_per_ip is answered 503 and closed as
// soon as it is accepted (httpserve).
func (s *Server) Serve(ln net.Listener) error { return s.srv.Serve(ln) }

// Refusals are the listener's refusal counters (gwd_listener_refused_total).
func (s *Server) Refusals() *netio.Refusals { return s.srv.Refusals() }

// Close stops accepting, waits for the requests in flight, then stops the
// batch workers: a batch's progress is saved and it resumes on the next
// New with the same store.
func (s *Server) Close() error {
	var err error
	s.once.Do(func() {
		err = s.srv.Shutdown()
		s.batches.close()
	})
	return err
}

// route dispatches a request by path.
func (s *Server) route(ctx *fasthttp.RequestCtx) {
	path := ctx.Path()
	switch string(path) {
	case "/send":
		if s.allow(ctx, "GET", "POST") {
			s.serveSend(ctx)
		}
	case "/balance":
		if s.allow(ctx, "GET", "POST") {
			s.serveBalance(ctx)
		}
	case "/rate":
		if s.allow(ctx, "GET", "POST") {
			s.serveRate(ctx)
		}
	case "/ping":
		if s.allow(ctx, "GET", "POST") {
			servePing(ctx)
		}
	case "/metrics":
		if !s.cfg.Metrics { // [http-api] metrics = false
			writePlainError(ctx, fasthttp.StatusNotFound, "Not found")
		} else if s.allow(ctx, "GET", "") {
			metricsapi.Write(ctx)
		}
	case "/secure/send":
		if s.allowREST(ctx, "POST", "") {
			s.serveRESTSend(ctx)
		}
	case "/secure/sendbatch":
		if s.allowREST(ctx, "POST", "") {
			s.serveRESTSendBatch(ctx)
		}
	case "/secure/balance":
		if s.allowREST(ctx, "GET", "POST") {
			s.serveRESTBalance(ctx)
		}
	case "/secure/rate":
		if s.allowREST(ctx, "GET", "POST") {
			s.serveRESTRate(ctx)
		}
	default:
		if id, ok := strings.CutPrefix(string(path), "/secure/batch/"); ok && id != "" && !strings.Contains(id, "/") {
			if s.allowREST(ctx, "GET", "DELETE") {
				s.serveBatch(ctx, id)
			}
			return
		}
		writePlainError(ctx, fasthttp.StatusNotFound, "Not found")
	}
}

// methodIs reports whether the request's method is a or b ("" for
// none). HEAD counts as GET only for the read-only /ping and /metrics:
// a HEAD /send must not send.
func methodIs(ctx *fasthttp.RequestCtx, a, b string) bool {
	m := ctx.Method()
	if string(m) == "HEAD" {
		p := string(ctx.Path())
		return a == "GET" && (p == "/ping" || p == "/metrics")
	}
	return string(m) == a || (b != "" && string(m) == b)
}

func (s *Server) allow(ctx *fasthttp.RequestCtx, a, b string) bool {
	if methodIs(ctx, a, b) {
		return true
	}
	ctx.Response.Header.Set("Allow", strings.TrimSuffix(a+", "+b, ", "))
	writePlainError(ctx, fasthttp.StatusMethodNotAllowed, "Method not allowed")
	return false
}

func (s *Server) allowREST(ctx *fasthttp.RequestCtx, a, b string) bool {
	if methodIs(ctx, a, b) {
		return true
	}
	ctx.Response.Header.Set("Allow", strings.TrimSuffix(a+", "+b, ", "))
	writeJSONMessage(ctx, fasthttp.StatusMethodNotAllowed, "Method not allowed")
	return false
}

// serveError answers requests fasthttp could not read.
func (s *Server) serveError(ctx *fasthttp.RequestCtx, err error) {
	if errors.Is(err, fasthttp.ErrBodyTooLarge) {
		writePlainError(ctx, fasthttp.StatusRequestEntityTooLarge,
			"Request body is larger than "+itoa(s.bodyLimit(ctx.Request.Header.RequestURI()))+" octets.")
		return
	}
	var te interface{ Timeout() bool }
	if errors.As(err, &te) && te.Timeout() {
		writePlainError(ctx, fasthttp.StatusRequestTimeout, "Request timeout")
		return
	}
	writePlainError(ctx, fasthttp.StatusBadRequest, "Bad request")
}

// servePing is /ping: Jasmin's HTTP API answers the text Jasmin/PONG,
// its REST API {"data": "Jasmin/PONG"}. Both live on this port, so a
// client that asks for JSON (Accept: application/json) gets the REST
// form.
func servePing(ctx *fasthttp.RequestCtx) {
	if strings.Contains(string(ctx.Request.Header.Peek("Accept")), "application/json") {
		ctx.SetContentType("application/json")
		ctx.SetBodyString(`{"data": "Jasmin/PONG"}`)
		return
	}
	ctx.SetContentType("text/plain; charset=utf-8")
	ctx.SetBodyString("Jasmin/PONG")
}

// writePlainError answers the HTTP API's Error "msg".
func writePlainError(ctx *fasthttp.RequestCtx, status int, msg string) {
	ctx.SetStatusCode(status)
	ctx.SetContentType("text/plain; charset=utf-8")
	ctx.Response.ResetBody()
	ctx.Response.AppendBodyString(`Error "`)
	ctx.Response.AppendBodyString(msg)
	ctx.Response.AppendBodyString(`"`)
}

// unsafeString views b as a string for lookups that do not keep it.
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafeBytesToString(b)
}

// now is the server's clock.
func (s *Server) now() time.Time { return s.opts.Now() }
