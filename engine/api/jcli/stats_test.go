package jcli

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	smppsession "github.com/gwd-project/gwd/engine/session"
	"github.com/gwd-project/gwd/netio"
	"github.com/gwd-project/gwd/smpp"
)

// bindESME binds to the gateway's SMPP server as username/password.
func bindESME(t *testing.T, e *env, username, password string) (*smppsession.Session, error) {
	t.Helper()
	d, err := netio.NewDialer(netio.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	s, err := smppsession.Dial(context.Background(), d, e.g.SMPPAddr().String(), smppsession.Config{Window: 10}, &smppsession.BaseApp{},
		smppsession.BindRequest{Type: smpp.BindTransceiver, SystemID: username, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return s, s.WaitBound(ctx)
}

func sessionDone(t *testing.T, s *smppsession.Session) {
	t.Helper()
	select {
	case <-s.Done():
	case <-time.After(20 * time.Second):
		t.Fatal("the SMPP session was not ended")
	}
}

func TestSMPPUnbindBanAndUserStats(t *testing.T) {
	e := newEnv(t)
	c := e.login()
	c.ok("Successfully added Group [g1]", "group -a", "gid g1", "ok")
	c.ok("Successfully added User [u1] to Group [g1]", "user -a", "uid u1", "gid g1", "username user1", "password pw", "ok")
	s, err := bindESME(t, e, "user1", "pw")
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the bind to count", func() bool { return strings.Contains(c.cmd("stats --users"), "#u1         1 ") })
	// SMPP L.A. is the bind's time (the last PDU the session received).
	stamp := `\d{4}-\d\d-\d\d \d\d:\d\d:\d\d`
	usersRE := regexp.MustCompile(`^#User id    SMPP Bound connections    SMPP Peer IPs    SMPP L.A.            HTTP requests counter    HTTP L.A.\n` +
		`#u1         1                         -                ` + stamp + `  ND                       ND\nTotal users: 1\n$`)
	if users := c.cmd("stats --users"); !usersRE.MatchString(users) {
		t.Fatalf("stats --users:\n%s", users)
	}
	user := c.cmd("stats --user u1")
	if !regexp.MustCompile(`^#Item                      Type         Value\n#last_activity_at          SMPP Server  `+stamp+`\n`).MatchString(user) ||
		!strings.Contains(user, "#bound_connections_count   SMPP Server  1\n") ||
		!strings.Contains(user, "#connects_count            HTTP Api     ND\n") {
		t.Fatalf("stats --user u1:\n%s", user)
	}
	if api := c.cmd("stats --smppsapi"); !strings.Contains(api, "#bound_trx_count           1\n") ||
		!strings.Contains(api, "#connect_count             1\n") || !strings.Contains(api, "#bind_trx_count            1\n") ||
		!strings.Contains(api, "#bind_tx_count             0\n") || !strings.Contains(api, "#created_at                2") ||
		!regexp.MustCompile(`#last_received_pdu_at      `+stamp+`\n`).MatchString(api) {
		t.Fatalf("stats --smppsapi:\n%s", api)
	}
	if got := c.cmd("user --smpp-unbind=u1"); got != "Successfully unbound User id:u1\n" {
		t.Fatalf("unbind: %q", got)
	}
	sessionDone(t, s)

	// A ban ends the sessions and refuses new binds.
	s, err = bindESME(t, e, "user1", "pw")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.cmd("user --smpp-ban u1"); got != "Successfully unbound and banned User id:u1\n" {
		t.Fatalf("ban: %q", got)
	}
	sessionDone(t, s)
	if show := c.cmd("user -s u1"); !strings.Contains(show, "smpps_cred authorization bind False\n") {
		t.Fatalf("user -s after a ban:\n%s", show)
	}
	if _, err := bindESME(t, e, "user1", "pw"); err == nil {
		t.Fatal("a banned user could bind")
	}
}

// httpStats is an HTTP API that reports counters.
type httpStats struct{}

func (httpStats) HTTPAPIStats() map[string]int64 {
	return map[string]int64{"request_count": 12, "success_count": 10, "auth_error_count": 2,
		"last_request_at": time.Date(2026, 11, 22, 2, 57, 5, 0, time.Local).Unix()}
}

func TestStatsHTTPAPI(t *testing.T) {
	e := newEnv(t)
	d := deps(e.g.Parts())
	d.HTTPAPI = httpStats{}
	e.serveWith(d)
	c := e.login()
	// Laid out as tabulate lays it out: the manual's example was made
	// before the interceptor items, which it appends misaligned.
	c.replay(`
jcli : stats --httpapi
#Item                     Value
#created_at               ND
#last_request_at          2026-11-22 02:57:05
#last_success_at          ND
#request_count            12
#success_count            10
#auth_error_count         2
#route_error_count        ND
#throughput_error_count   ND
#charging_error_count     ND
#server_error_count       ND
#interceptor_count        ND
#interceptor_error_count  ND
`)
}
