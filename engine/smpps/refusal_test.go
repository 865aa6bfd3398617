package smpps

import (
	"errors"
	"fmt"
	"testing"

	"github.com/gwd-project/gwd/engine/authguard"
	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/smpp"
)

// engineRefusal stands for the gateway's own refusals (no route, store).
type engineRefusal router.RefusalKind

func (e engineRefusal) Error() string            { return router.RefusalKind(e).String() }
func (e engineRefusal) Kind() router.RefusalKind { return router.RefusalKind(e) }
func (e engineRefusal) Text() string             { return "engine" }

// The SMPP server's table: every refusal a client can get, with the
// command_status it answers, wrapped as the engine wraps them.
func TestRefusalStatus(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want smpp.Status
	}{
		{"unknown user", &router.AuthError{Reason: router.AuthUnknownUser, Username: "x"}, smpp.ESME_RINVPASWD},
		{"bad password", &router.AuthError{Reason: router.AuthBadPassword, Username: "x"}, smpp.ESME_RINVPASWD},
		{"user disabled", &router.AuthError{Reason: router.AuthUserDisabled, Username: "x"}, smpp.ESME_RBINDFAIL},
		{"group disabled", &router.AuthError{Reason: router.AuthGroupDisabled, Username: "x"}, smpp.ESME_RBINDFAIL},
		{"bind", &router.BindError{Username: "x", Reason: "max_bindings limit reached"}, smpp.ESME_RBINDFAIL},
		{"back-off", &authguard.Refused{}, smpp.ESME_RBINDFAIL},
		{"authorization", &router.CredError{Key: "smpps_send", Username: "x", Reason: "Can not send MT messages"}, smpp.ESME_RINVSYSID},
		{"dst_addr filter", &router.CredError{Key: "dst_addr", Username: "x", Reason: "dst_addr filter mismatch", Filter: true}, smpp.ESME_RINVDSTADR},
		{"src_addr filter", &router.CredError{Key: "src_addr", Username: "x", Reason: "src_addr filter mismatch", Filter: true}, smpp.ESME_RINVSRCADR},
		{"priority filter", &router.CredError{Key: "priority", Username: "x", Reason: "priority filter mismatch", Filter: true}, smpp.ESME_RINVPRTFLG},
		{"content filter", &router.CredError{Key: "content", Username: "x", Reason: "content filter mismatch", Filter: true}, smpp.ESME_RSYSERR},
		{"throughput", router.ErrThroughputExceeded, smpp.ESME_RTHROTTLED},
		{"balance", router.ErrInsufficientBalance, smpp.ESME_RSUBMITFAIL},
		{"sms_count", router.ErrQuotaExceeded, smpp.ESME_RSUBMITFAIL},
		{"intercepted", &router.InterceptRejection{SMPP: smpp.ESME_RDELIVERYFAILURE, HTTP: 520}, smpp.ESME_RDELIVERYFAILURE},
		{"interceptor failed", &router.InterceptError{Dir: router.MT, Order: 1, Err: errors.New("boom")}, smpp.ESME_RSYSERR},
		{"no route", engineRefusal(router.RefusedNoRoute), smpp.ESME_RINVDSTADR},
		{"store", engineRefusal(router.RefusedStore), smpp.ESME_RSYSERR},
		{"disk full", engineRefusal(router.RefusedDiskFull), smpp.ESME_RMSGQFUL},
		{"queue full", engineRefusal(router.RefusedQueueFull), smpp.ESME_RMSGQFUL},
	} {
		err := fmt.Errorf("submit: %w", tc.err)
		if got := submitStatus(err); got != tc.want {
			t.Errorf("%s: submit answered %v, want %v", tc.name, got, tc.want)
		}
		if got := bindStatus(err); got != tc.want {
			t.Errorf("%s: bind answered %v, want %v", tc.name, got, tc.want)
		}
	}
	// What is not a Refusal: its own status, else the fallback.
	if got := submitStatus(&smpp.Error{Status: smpp.ESME_RMSGQFUL}); got != smpp.ESME_RMSGQFUL {
		t.Errorf("status error: %v", got)
	}
	if got := submitStatus(errors.New("disk")); got != smpp.ESME_RSYSERR {
		t.Errorf("plain error: %v", got)
	}
	if got := bindStatus(errors.New("disk")); got != smpp.ESME_RBINDFAIL {
		t.Errorf("plain bind error: %v", got)
	}
}
