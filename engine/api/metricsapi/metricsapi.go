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

	"github.com/gwd-project/gwd/engine/api/httpserve"
	"github.com/gwd-project/gwd/engine/recovery"
)

// Write answers ctx with the metrics page.
func Write(ctx *fasthttp.RequestCtx) {
	ctx.SetContentType("text/plain; version=0.0.4; charset=utf-8")
	metrics.WritePrometheus(ctx, true)
}

// Server is the [metrics] listener: GET or HEAD /metrics, 404 for any
// other path, 405 for any other method. Requests are small and short:
// bodies are refused beyond 4 KiB, connections idle out after 60 s.
type Server struct{ srv *httpserve.Server }

// New makes a Server; log receives panics recovered in the handler.
func New(log *slog.Logger) *Server {
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
		Concurrency:        256,
		CloseOnShutdown:    true,
	})}
}

// Serve accepts connections on ln until Close.
func (s *Server) Serve(ln net.Listener) error { return s.srv.Serve(ln) }

// Close stops the listener and waits for the requests in flight.
func (s *Server) Close() error { return s.srv.Shutdown() }
