package httpapi

import (
	"net/http"

	"github.com/VictoriaMetrics/metrics"

	"github.com/gwd-project/gwd/router"
)

// Jasmin's HTTP API counters (manual, "Monitoring metrics"), in the
// process's default metrics set: /metrics on this server shows them, and
// so does any other exporter of that set. They count /send, /rate and
// /balance and their REST forms (Jasmin's REST API is a client of its HTTP
// API), whichever Server served them. Each is one atomic word.
//
// httpapi_interceptor_count and httpapi_interceptor_error_count are
// registered here so that /metrics always lists them; interceptors run in
// the gateway, which counts them (metrics.GetOrCreateCounter with the same
// name returns these counters).
var (
	mRequests         = metrics.GetOrCreateCounter("httpapi_request_count")
	mInterceptor      = metrics.GetOrCreateCounter("httpapi_interceptor_count")
	mAuthErrors       = metrics.GetOrCreateCounter("httpapi_auth_error_count")
	mRouteErrors      = metrics.GetOrCreateCounter("httpapi_route_error_count")
	mInterceptorError = metrics.GetOrCreateCounter("httpapi_interceptor_error_count")
	mThroughputErrors = metrics.GetOrCreateCounter("httpapi_throughput_error_count")
	mChargingErrors   = metrics.GetOrCreateCounter("httpapi_charging_error_count")
	mServerErrors     = metrics.GetOrCreateCounter("httpapi_server_error_count")
	mSuccess          = metrics.GetOrCreateCounter("httpapi_success_count")

	// gwd's own: batch callbacks (callback_url, errback_url) lost because
	// the store could not take them (a failed store) or no thrower was
	// given to make them (Options.Thrower). Their attempts are
	// the thrower's: thrower_requests_total{kind="batch",…}.
	mCallbackErrors = metrics.GetOrCreateCounter("httpapi_batch_callback_error_count")
	// gwd's own: batch messages the gateway refused for a passing reason
	// (store busy, disk full, queue full), tried again rather than failed.
	mTransientRetries = metrics.GetOrCreateCounter("httpapi_batch_retry_count")
	// Requests answered from an idempotency-key (nothing sent; not in
	// httpapi_success_count), and those answered 409 because the key was
	// still held by another request, or 422 because it was used with
	// other parameters.
	mIdemReplays    = metrics.GetOrCreateCounter("httpapi_idempotent_replay_count")
	mIdemInProgress = metrics.GetOrCreateCounter("httpapi_idempotency_in_progress_count")
	mIdemMismatches = metrics.GetOrCreateCounter("httpapi_idempotency_mismatch_count")
)

// countRefusal counts a refusal answered status under Jasmin's error
// counters.
func countRefusal(r router.Refusal, status int) {
	switch {
	case r.Kind() == router.RefusedAuth:
		mAuthErrors.Inc()
	case r.Kind() == router.RefusedThroughput:
		mThroughputErrors.Inc()
	case r.Kind() == router.RefusedCharge:
		mChargingErrors.Inc()
	case status == http.StatusPreconditionFailed:
		mRouteErrors.Inc()
	case status >= 500:
		mServerErrors.Inc()
	}
}
