package junebug

import (
	"net/http"

	"github.com/gwd-project/gwd/router"
)

// refusalStatuses are the HTTP statuses Junebug answers a refused message
// with, by kind: the HTTP API's (Jasmin's), so that a client sees the same
// refusal whichever API it sends through. A kind missing here is the
// gateway's fault, not the message's: it is answered as an internal error
// (submitError answers a store failure and a missing connector first).
var refusalStatuses = [...]int{
	router.RefusedAuth:            http.StatusForbidden,
	router.RefusedBind:            http.StatusForbidden,
	router.RefusedAuthorization:   http.StatusForbidden,
	router.RefusedValueFilter:     http.StatusBadRequest,
	router.RefusedThroughput:      http.StatusForbidden,
	router.RefusedCharge:          http.StatusForbidden,
	router.RefusedInterceptFailed: http.StatusBadRequest,
	router.RefusedNoRoute:         http.StatusPreconditionFailed,
	router.RefusedBackoff:         http.StatusTooManyRequests,
	router.RefusedQueueFull:       http.StatusServiceUnavailable,
}

// refusalStatus is the status answering r, the script's http_status for an
// interceptor's rejection; 0 when r is answered as an internal error.
func refusalStatus(r router.Refusal) int {
	if ir, ok := r.(*router.InterceptRejection); ok {
		return ir.HTTP
	}
	if k := int(r.Kind()); k < len(refusalStatuses) {
		return refusalStatuses[k]
	}
	return 0
}
