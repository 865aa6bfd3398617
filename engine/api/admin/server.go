package admin

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/gwd-project/gwd/engine/api/httpserve"
	"github.com/gwd-project/gwd/engine/authguard"
	"github.com/gwd-project/gwd/engine/manage"
	panics "github.com/gwd-project/gwd/engine/recovery"
	"github.com/gwd-project/gwd/netio"
	"github.com/gwd-project/gwd/netio/tlsconf"
	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/store"
)

// Prefix is the path the admin API is mounted under.
const Prefix = "/admin/"

// DefaultProfile is the profile persist and load use when given none
// (Jasmin's jcli-prod).
const DefaultProfile = "jcli-prod"

// Options tune a Server. Zero values mean the defaults.
type Options struct {
	// Logs serves GET /admin/connectors/{cid}/logs and learns which
	// connectors ask for privacy (logprivacy); nil: no logs endpoint.
	Logs LogSource
	// MaxLogs is the most log records one request returns (Junebug's
	// max_logs). Default 100.
	MaxLogs int
	// Logger receives what no client sees (a failed save). Default
	// slog.Default().
	Logger *slog.Logger
	// MaxBodySize is the largest request body accepted. Default 1 MiB.
	MaxBodySize int
	// ReadTimeout, WriteTimeout and IdleTimeout bound a connection's
	// reads (one whole request: headers dribbled slowly are cut, 408),
	// writes and keep-alive idling. Defaults 30 s, 30 s, 60 s.
	ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// MaxConnections and MaxConnectionsPerIP cap the open connections
	// ([admin-api]); one over a cap is answered 503 at accept. 0: no cap.
	MaxConnections, MaxConnectionsPerIP int
}

func (o *Options) defaults() {
	if o.MaxLogs <= 0 {
		o.MaxLogs = 100
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.MaxBodySize <= 0 {
		o.MaxBodySize = 1 << 20
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.ReadTimeout, 30*time.Second)
	def(&o.WriteTimeout, 30*time.Second)
	def(&o.IdleTimeout, 60*time.Second)
}

// Stats are the server's counters.
type Stats struct {
	Requests     atomic.Uint64 // authenticated requests
	AuthFailures atomic.Uint64 // refused credentials
	AuthRefused  atomic.Uint64 // attempts refused unchecked (back-off, full check pool)
	SaveErrors   atomic.Uint64 // accepted changes the store could not save
}

// Server is the admin API.
type Server struct {
	Stats Stats

	m    *manage.Manager
	d    Deps
	opts Options
	log  *slog.Logger
	srv  *httpserve.Server
	eps  []endpoint
}

// New makes the admin API on the configuration m changes (the one
// writer) and d. It tells opts.Logs which connectors ask for privacy.
func New(m *manage.Manager, d Deps, opts Options) *Server {
	opts.defaults()
	s := &Server{m: m, d: d, opts: opts, log: opts.Logger}
	s.eps = s.endpoints()
	s.srv = httpserve.New("admin", &fasthttp.Server{
		Handler: panics.FastHTTPAnswer("admin", s.log, s.serve, func(ctx *fasthttp.RequestCtx) {
			writeError(ctx, &apiError{status: fasthttp.StatusInternalServerError, msg: "internal error"})
		}),
		Name:                         "gwd-admin",
		ReadTimeout:                  opts.ReadTimeout,
		WriteTimeout:                 opts.WriteTimeout,
		IdleTimeout:                  opts.IdleTimeout,
		MaxRequestBodySize:           opts.MaxBodySize, // over it: 413, the body unread
		DisablePreParseMultipartForm: true,
		CloseOnShutdown:              true,
	}, httpserve.Options{Limit: netio.NewConnLimit(opts.MaxConnections, opts.MaxConnectionsPerIP), Log: s.log})
	s.syncPrivacy()
	return s
}

// Handler is the request handler, for a fasthttp server of the caller's
// that routes Prefix here.
func (s *Server) Handler() fasthttp.RequestHandler { return s.serve }

// Serve accepts connections on ln until Close.
func (s *Server) Serve(ln net.Listener) error { return s.srv.Serve(ln) }

// Close stops accepting and waits for the requests in flight.
func (s *Server) Close() error { return s.srv.Shutdown() }

// Refusals are the listener's refusal counters (gwd_listener_refused_total).
func (s *Server) Refusals() *netio.Refusals { return s.srv.Refusals() }

// syncPrivacy tells the log ring every connector's logprivacy.
func (s *Server) syncPrivacy() {
	if s.opts.Logs == nil {
		return
	}
	for _, c := range s.m.Connectors() {
		s.opts.Logs.SetPrivacy(c.CID(), c.Config().LogPrivacy)
	}
}

// apiError is an answer other than success.
type apiError struct {
	status int
	msg    string
	field  string
}

func (e *apiError) Error() string {
	if e.field != "" {
		return e.field + ": " + e.msg
	}
	return e.msg
}

func badField(field, msg string) *apiError {
	return &apiError{status: fasthttp.StatusBadRequest, msg: msg, field: field}
}

func notFound(msg string) *apiError { return &apiError{status: fasthttp.StatusNotFound, msg: msg} }

func conflict(field, msg string) *apiError {
	return &apiError{status: fasthttp.StatusConflict, msg: msg, field: field}
}

// jsonField turns a field as router names it ("mt_messaging_cred quota
// balance") into its place in the JSON body.
func jsonField(f string) string { return strings.Join(strings.Fields(f), ".") }

// toAPIError maps an error of a change to an answer.
func toAPIError(err error) *apiError {
	var ae *apiError
	var fe *router.FieldError
	var re *router.RoutingConfigError
	var tfe *tlsconf.FileError
	var se *manage.SaveError
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &se):
		return &apiError{status: fasthttp.StatusInternalServerError, msg: "save configuration: " + se.Err.Error()}
	case errors.As(err, &fe):
		return badField(jsonField(fe.Field), fe.Msg)
	case errors.As(err, &re):
		return badField(jsonField(re.Field), re.Msg)
	case errors.Is(err, router.ErrUnknownUser), errors.Is(err, router.ErrUnknownGroup),
		errors.Is(err, manage.ErrUnknownConnector), errors.Is(err, store.ErrNotFound):
		return &apiError{status: fasthttp.StatusNotFound, msg: err.Error()}
	case errors.Is(err, router.ErrUserExists):
		return conflict("uid", err.Error())
	case errors.Is(err, router.ErrGroupExists), errors.Is(err, router.ErrGroupNotEmpty):
		return conflict("gid", err.Error())
	case errors.Is(err, manage.ErrConnectorExists):
		return conflict("cid", err.Error())
	case errors.Is(err, store.ErrInvalidName):
		return badField("", err.Error())
	case errors.As(err, &tfe):
		return badField(tfe.Key, err.Error())
	}
	return &apiError{status: fasthttp.StatusInternalServerError, msg: err.Error()}
}

// handler answers one request: a status and a body to encode as JSON (nil
// for none), or an error.
type handler func(ctx *fasthttp.RequestCtx, args []string) (int, any, error)

// serve authenticates, dispatches and writes the answer.
func (s *Server) serve(ctx *fasthttp.RequestCtx) {
	rest, ok := strings.CutPrefix(string(ctx.Path()), Prefix)
	if !ok && string(ctx.Path()) != strings.TrimSuffix(Prefix, "/") {
		writeError(ctx, notFound("not found"))
		return
	}
	switch res, retry := s.check(ctx); res {
	case authRefused:
		ctx.Response.Header.Set("Retry-After", retry)
		writeError(ctx, &apiError{status: fasthttp.StatusTooManyRequests, msg: authguard.RefusedBody})
		return
	case authFailed:
		ctx.Response.Header.Set("WWW-Authenticate", `Basic realm="gwd admin"`)
		writeError(ctx, &apiError{status: fasthttp.StatusUnauthorized, msg: "authentication failed"})
		return
	}
	s.Stats.Requests.Add(1)
	var segs []string
	if rest = strings.Trim(rest, "/"); rest != "" {
		segs = strings.Split(rest, "/")
	}
	h, args, allowed := s.route(string(ctx.Method()), segs)
	if h == nil {
		if allowed != "" {
			ctx.Response.Header.Set("Allow", allowed)
			writeError(ctx, &apiError{status: fasthttp.StatusMethodNotAllowed, msg: "method not allowed (allowed: " + allowed + ")"})
			return
		}
		writeError(ctx, notFound("no such resource: "+string(ctx.Path())))
		return
	}
	status, body, err := h(ctx, args)
	if err != nil {
		if se := (*manage.SaveError)(nil); errors.As(err, &se) {
			s.Stats.SaveErrors.Add(1)
		}
		ae := toAPIError(err)
		if ae.status == fasthttp.StatusInternalServerError {
			s.log.Error("admin: request failed", "method", string(ctx.Method()), "path", string(ctx.Path()), "err", err)
		}
		writeError(ctx, ae)
		return
	}
	writeJSON(ctx, status, body)
}

func writeJSON(ctx *fasthttp.RequestCtx, status int, body any) {
	ctx.SetStatusCode(status)
	if body == nil {
		return
	}
	b, err := json.Marshal(body)
	if err != nil {
		writeError(ctx, &apiError{status: fasthttp.StatusInternalServerError, msg: "encode answer: " + err.Error()})
		return
	}
	ctx.SetContentType("application/json")
	ctx.SetBody(append(b, '\n'))
}

type errorBody struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
}

func writeError(ctx *fasthttp.RequestCtx, e *apiError) {
	b, _ := json.Marshal(errorBody{Error: e.msg, Field: e.field})
	ctx.SetStatusCode(e.status)
	ctx.SetContentType("application/json")
	ctx.SetBody(append(b, '\n'))
}
