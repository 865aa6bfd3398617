package junebug

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/gwd-project/gwd/engine/gateway"
	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/smpp"
	"github.com/gwd-project/gwd/store"
)

// A refused message: the status and error type Junebug answers with for
// each refusal the gateway can give it.
func TestSubmitErrorStatuses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		err    error
		status int
		typ    string
	}{
		{"authorization", &router.CredError{Key: "http_send", Username: "foo", Reason: "Cannot send MT messages"}, http.StatusForbidden, errInvalidBody},
		{"value filter", &router.CredError{Key: "dst_addr", Username: "foo", Reason: "destination_address filter mismatch", Filter: true}, http.StatusBadRequest, errInvalidBody},
		{"throughput", router.ErrThroughputExceeded, http.StatusForbidden, errInvalidBody},
		{"balance", router.ErrInsufficientBalance, http.StatusForbidden, errInvalidBody},
		{"intercepted", &router.InterceptRejection{SMPP: smpp.ESME_RDELIVERYFAILURE, HTTP: 418}, 418, errInvalidBody},
		{"intercepted 5xx", &router.InterceptRejection{SMPP: smpp.ESME_RDELIVERYFAILURE, HTTP: 520}, http.StatusInternalServerError, errInternal},
		{"interceptor failed", &router.InterceptError{Dir: router.MT, Order: 1, Err: errors.New("boom")}, http.StatusBadRequest, errInvalidBody},
		{"no route", &gateway.RouteError{Reason: "no connector"}, http.StatusServiceUnavailable, errUnavailable},
		{"store", &gateway.StoreError{Err: errors.New("closing")}, http.StatusServiceUnavailable, errUnavailable},
		{"disk full", &gateway.DiskFullError{Err: errors.New("disk full")}, http.StatusServiceUnavailable, errUnavailable},
		{"queue full", &gateway.QueueFullError{Err: &store.QueueFullError{Queue: "mt/smsc1"}}, http.StatusServiceUnavailable, errUnavailable},
		{"not a refusal", errors.New("boom"), http.StatusInternalServerError, errInternal},
	} {
		e := submitError(fmt.Errorf("send: %w", tc.err))
		if e.status != tc.status || len(e.errs) != 1 || e.errs[0].Type != tc.typ {
			t.Errorf("%s: %d %+v, want %d %s", tc.name, e.status, e.errs, tc.status, tc.typ)
		}
	}
}
