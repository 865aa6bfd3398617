package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/VictoriaMetrics/metrics"

	"github.com/gwd-project/gwd/engine/authguard"
	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/smpp"
)

// storeRefusal stands for the gateway's StoreError.
type storeRefusal struct{}

func (storeRefusal) Error() string            { return "store: disk full" }
func (storeRefusal) Kind() router.RefusalKind { return router.RefusedStore }
func (storeRefusal) Text() string             { return "Internal error" }

// diskFullRefusal stands for the gateway's DiskFullError.
type diskFullRefusal struct{}

func (diskFullRefusal) Error() string            { return "store: disk almost full" }
func (diskFullRefusal) Kind() router.RefusalKind { return router.RefusedDiskFull }
func (diskFullRefusal) Text() string             { return "Disk full, message not stored: retry later" }

// The HTTP API's table: every refusal a client can get, with the status
// and the `Error "…"` text it answers (the manual's table; the REST API
// answers the same status and text in JSON).
func TestRefusalAnswers(t *testing.T) {
	for _, tc := range []struct {
		name    string
		err     error
		status  int
		msg     string
		counter *metrics.Counter // Jasmin's error counter it counts in
	}{
		{"authentication", &router.AuthError{Reason: router.AuthBadPassword, Username: "foo"}, http.StatusForbidden, "Authentication failure for username:foo", mAuthErrors},
		{"disabled", &router.AuthError{Reason: router.AuthUserDisabled, Username: "foo"}, http.StatusForbidden, "Authentication failure for username:foo", mAuthErrors},
		{"back-off", &authguard.Refused{}, http.StatusTooManyRequests, authguard.RefusedBody, nil},
		{"authorization", &router.CredError{Key: "http_send", Username: "foo", Reason: "Cannot send MT messages"},
			http.StatusForbidden, "Authorization failed for username:foo (Cannot send MT messages).", nil},
		{"value filter", &router.CredError{Key: "dst_addr", Username: "foo", Reason: "destination_address filter mismatch", Filter: true},
			http.StatusBadRequest, "Value filter failed for user [foo] (destination_address filter mismatch).", nil},
		{"throughput", router.ErrThroughputExceeded, http.StatusForbidden, "User throughput exceeded", mThroughputErrors},
		{"balance", router.ErrInsufficientBalance, http.StatusForbidden, "Cannot charge submit_sm, check RouterPB log file for details", mChargingErrors},
		{"sms_count", router.ErrQuotaExceeded, http.StatusForbidden, "Cannot charge submit_sm, check RouterPB log file for details", mChargingErrors},
		{"intercepted", &router.InterceptRejection{SMPP: smpp.ESME_RDELIVERYFAILURE, HTTP: 520}, 520, "Interception specific error code 520", nil},
		{"interceptor failed", &router.InterceptError{Dir: router.MT, Order: 1, Err: errors.New("boom")},
			http.StatusBadRequest, "Failed running interception script, check log for details", nil},
		{"no route", routeRefusal{}, http.StatusPreconditionFailed, "No route found", mRouteErrors},
		{"store", storeRefusal{}, http.StatusInternalServerError, "Internal error", mServerErrors},
		{"disk full", diskFullRefusal{}, http.StatusServiceUnavailable, "Disk full, message not stored: retry later", mServerErrors},
		{"not a refusal", errors.New("disk"), http.StatusInternalServerError, fallbackError, mServerErrors},
	} {
		var before uint64
		if tc.counter != nil {
			before = tc.counter.Get()
		}
		o := refused(fmt.Errorf("send: %w", tc.err))
		if o.status != tc.status || o.msg != tc.msg {
			t.Errorf("%s: %d %q, want %d %q", tc.name, o.status, o.msg, tc.status, tc.msg)
		}
		if tc.counter != nil && tc.counter.Get() != before+1 {
			t.Errorf("%s: not counted", tc.name)
		}
	}
}
