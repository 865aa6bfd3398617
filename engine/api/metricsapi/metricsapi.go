// Package metricsapi serves /metrics — the process's metrics in Prometheus
// text format (VictoriaMetrics' default set, process metrics included) —
// and nothing else. The HTTP API serves the same page on its own port
// unless [http-api] metrics is false; this package is the separate,
// private listener of [metrics], and the one handler both use.
package metricsapi

import (
	"log/slog"
	"net"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/valyala/fasthttp"

	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/engine/api/httpserve"
	"github.com/gwd-project/gwd/engine/recovery"
	"github.com/gwd-project/gwd/netio"
)

// Write answers ctx with the metrics page.
func Write(ctx *fasthttp.RequestCtx) {
	ctx.SetContentType("text/plain; version=0.0.4; charset=utf-8")
	metrics.WritePrometheus(ctx, true)
}

// Server is the [metrics] listener: GET or HEAD /metrics, 404 for any
// other path, 405 for any other method. Requests are small and short:
// bodies are refused beyond 4 KiB, a request must be read within 10 s,
// connections idle out after 60 s; [metrics] max_connections and
// max_connections_per_ip cap the connections (503 beyond).
type Server struct{ srv *httpserve.Server }

// New makes a Server for [metrics] cfg; log receives panics recovered in
// the handler.
func New(log *slog.Logger, cfg config.Metrics) *Server {
	if log == nil {
		log = slog.Default()
	}
	h := func(ctx *fasthttp.RequestCtx) {
		if string(ctx.Path()) != "/metrics" {
			ctx.Error("Not found", fasthttp.StatusNotFound)
			return
		}
		if !ctx.IsGet() && !ctx.IsHead() {
			ctx.Response.Header.Set("Allow", "GET")
			ctx.Error("Method not allowed", fasthttp.StatusMethodNotAllowed)
			return
		}
		Write(ctx)
	}
	return &Server{srv: httpserve.New("metrics", &fasthttp.Server{
		Handler:            recovery.FastHTTP("metrics", log, h),
		Name:               "gwd",
		ReadTimeout:        10 * time.Second,
		WriteTimeout:       30 * time.Second,
		IdleTimeout:        60 * time.Second,
		MaxRequestBodySize: 4 << 10,
		CloseOnShutdown:    true,
	}, httpserve.Options{Limit: netio.NewConnLimit(cfg.MaxConnections, cfg.MaxConnectionsPerIP), Log: log})}
}

// Refusals are the listener's refusal counters (gwd_listener_refused_total).
func (s *Server) Refusals() *netio.Refusals { return s.srv.Refusals() }

// Serve accepts connections on ln until Close.
func (s *Server) Serve(ln net.Listener) error { return s.srv.Serve(ln) }

// Close stops the listener and waits for the requests in flight.
func (s *Server) Close() error { return s.srv.Shutdown() }
