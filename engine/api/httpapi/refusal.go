package httpapi

import (
	"net/http"

	"github.com/gwd-project/gwd/router"
)

// refusalStatus is the HTTP status answering r, on the HTTP API and the
// REST API alike, with r.Text() as the message: the manual's table (403
// for authentication, authorizations, throughput and charging, 400 for a
// value filter and a failed interceptor, 412 "No route found"), the
// script's http_status for an interceptor's rejection, 429 for an
// authentication back-off, 503 for a full disk, a busy store, a failed one
// or a full connector queue (with Retry-After; the text names the
// connector) and 500 for a message the store could not take otherwise.
func refusalStatus(r router.Refusal) int {
	switch r.Kind() {
	case router.RefusedAuth, router.RefusedBind, router.RefusedAuthorization,
		router.RefusedThroughput, router.RefusedCharge:
		return http.StatusForbidden
	case router.RefusedValueFilter, router.RefusedInterceptFailed:
		return http.StatusBadRequest
	case router.RefusedIntercepted:
		if ir, ok := r.(*router.InterceptRejection); ok {
			return ir.HTTP
		}
	case router.RefusedNoRoute:
		return http.StatusPreconditionFailed
	case router.RefusedBackoff:
		return http.StatusTooManyRequests
	case router.RefusedDiskFull, router.RefusedBusy, router.RefusedStoreFailed, router.RefusedQueueFull:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}
