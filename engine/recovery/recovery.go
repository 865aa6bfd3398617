// Package recovery is gwd's recover() boundary: the request handlers, session
// callbacks and workers that run code on behalf of one connection or one
// message wrap it here, so that a panic (a bug) ends that request or that
// connection — logged at error level with its stack, counted in
// gwd_panics_total{where="..."} — instead of the whole process.
//
// A recovered panic leaves whatever the panicking code held in the state it
// was in; the callers recover at boundaries where that state is the
// request's or the connection's own, and close the connection (or answer
// 500) rather than go on with it.
package recovery

import (
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/valyala/fasthttp"
)

// Counter returns the counter of panics recovered at where (a short name:
// "httpapi", "smpps", "jcli" ...).
func Counter(where string) *metrics.Counter {
	return metrics.GetOrCreateCounter(`gwd_panics_total{where="` + where + `"}`)
}

// Report logs a recovered panic value v with the current goroutine's stack
// and counts it under where. Call it from the deferred function that
// recovered v.
func Report(where string, log *slog.Logger, v any) {
	Counter(where).Inc()
	if log == nil {
		log = slog.Default()
	}
	log.Error("panic recovered", "where", where, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
}

// Run calls fn and recovers a panic in it (Report), returning true when fn
// panicked.
func Run(where string, log *slog.Logger, fn func()) (panicked bool) {
	defer func() {
		if v := recover(); v != nil {
			Report(where, log, v)
			panicked = true
		}
	}()
	fn()
	return false
}

// FastHTTP wraps a fasthttp handler: a panic in h is reported and the
// client gets a 500 with a short text body, and its connection is closed.
func FastHTTP(where string, log *slog.Logger, h fasthttp.RequestHandler) fasthttp.RequestHandler {
	return FastHTTPAnswer(where, log, h, func(ctx *fasthttp.RequestCtx) {
		ctx.SetStatusCode(fasthttp.StatusInternalServerError)
		ctx.SetContentType("text/plain; charset=utf-8")
		ctx.SetBodyString("Internal server error")
	})
}

// FastHTTPAnswer is FastHTTP with the API's own error answer: after a
// panic the response is reset and answer writes it (a 500 in the API's
// format); the connection is closed after it.
func FastHTTPAnswer(where string, log *slog.Logger, h fasthttp.RequestHandler, answer fasthttp.RequestHandler) fasthttp.RequestHandler {
	Counter(where) // registered up front: /metrics lists it at 0
	return func(ctx *fasthttp.RequestCtx) {
		defer func() {
			if v := recover(); v != nil {
				Report(where, log, v)
				ctx.Response.Reset()
				answer(ctx)
				ctx.SetConnectionClose()
			}
		}()
		h(ctx)
	}
}

// Loop runs a worker's loop fn until it returns. A panic in fn is reported
// and fn starts again after a second (it returns at once instead when
// stop is closed), so that a bug met by one message does not end the
// worker for every message after it. fn must be safe to start again: it
// keeps its state in what it reads (queues), not on its stack. The
// deferred recover is per start of fn, not per message.
func Loop(where string, log *slog.Logger, stop <-chan struct{}, fn func()) {
	for Run(where, log, fn) {
		t := time.NewTimer(time.Second)
		select {
		case <-stop:
			t.Stop()
			return
		case <-t.C:
		}
	}
}
