package admin

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gwd-project/gwd/engine/session"
	"github.com/gwd-project/gwd/netio"
	"github.com/gwd-project/gwd/router/ledger"
	"github.com/gwd-project/gwd/smpp"
)

func TestGroups(t *testing.T) {
	e := newEnv(t)
	r := e.must(http.StatusCreated, "POST", "/admin/groups", map[string]any{"gid": "marketing"})
	if r.body["gid"] != "marketing" || r.body["enabled"] != true || r.body["users"] != float64(0) {
		t.Fatalf("created group = %s", r.raw)
	}
	e.must(http.StatusCreated, "POST", "/admin/groups", map[string]any{"gid": "off", "enabled": false})

	e.refused(http.StatusConflict, "gid", "POST", "/admin/groups", map[string]any{"gid": "marketing"})
	e.refused(http.StatusBadRequest, "gid", "POST", "/admin/groups", map[string]any{"gid": "bad gid!"})
	e.refused(http.StatusBadRequest, "gid", "POST", "/admin/groups", map[string]any{})
	e.refused(http.StatusBadRequest, "gid", "POST", "/admin/groups", map[string]any{"gid": 12})
	e.refused(http.StatusBadRequest, "color", "POST", "/admin/groups", map[string]any{"gid": "g9", "color": "red"})
	e.refused(http.StatusBadRequest, "enabled", "POST", "/admin/groups", map[string]any{"gid": "g9", "enabled": "yes"})
	e.refused(http.StatusBadRequest, "", "POST", "/admin/groups", `{"gid": "g9"`)
	e.refused(http.StatusBadRequest, "", "POST", "/admin/groups", `["g9"]`)
	e.refused(http.StatusBadRequest, "gid", "POST", "/admin/groups", `{"gid": "g9", "gid": "g10"}`)

	r = e.must(http.StatusOK, "GET", "/admin/groups", nil)
	if r.body["total"] != float64(2) || jget(t, r.body, "groups", 1, "enabled") != false {
		t.Fatalf("groups = %s", r.raw)
	}
	e.must(http.StatusOK, "POST", "/admin/groups/off/enable", nil)
	if g, _ := e.g.Accounts().Group("off"); !g.Enabled {
		t.Fatal("enable did not enable")
	}
	r = e.must(http.StatusOK, "POST", "/admin/groups/off/disable", nil)
	if r.body["enabled"] != false {
		t.Fatalf("disable answered %s", r.raw)
	}
	e.refused(http.StatusNotFound, "", "GET", "/admin/groups/nope", nil)
	e.refused(http.StatusNotFound, "", "POST", "/admin/groups/nope/enable", nil)

	// A group with users cannot go.
	e.must(http.StatusCreated, "POST", "/admin/users", map[string]any{"uid": "u1", "gid": "marketing", "username": "foo", "password": "bar"})
	e.refused(http.StatusConflict, "gid", "DELETE", "/admin/groups/marketing", nil)
	if _, ok := e.g.Accounts().Group("marketing"); !ok {
		t.Fatal("a refused delete removed the group")
	}
	e.must(http.StatusNoContent, "DELETE", "/admin/groups/off", nil)
	e.refused(http.StatusNotFound, "", "DELETE", "/admin/groups/off", nil)
}

// fooUser is the manual's example user with credentials.
func fooUser() map[string]any {
	return map[string]any{
		"uid": "foo", "gid": "marketing", "username": "foo", "password": "bar",
		"mt_messaging_cred": map[string]any{
			"valuefilter":   map[string]any{"src_addr": "^JASMIN$"},
			"quota":         map[string]any{"balance": 44.2, "sms_count": nil, "smpps_throughput": 2},
			"authorization": map[string]any{"http_bulk": true},
			"defaultvalue":  map[string]any{"src_addr": "JASMIN"},
		},
		"smpps_cred": map[string]any{
			"authorization": map[string]any{"bind": "yes"},
			"quota":         map[string]any{"max_bindings": 2},
		},
	}
}

func TestUserCreateAndShow(t *testing.T) {
	e := newEnv(t)
	e.must(http.StatusCreated, "POST", "/admin/groups", map[string]any{"gid": "marketing"})
	r := e.must(http.StatusCreated, "POST", "/admin/users", fooUser())
	if strings.Contains(r.raw, "password") || strings.Contains(r.raw, "bar\"") {
		t.Fatalf("the answer shows the password: %s", r.raw)
	}
	for path, want := range map[string]any{
		"uid": "foo", "gid": "marketing", "username": "foo", "enabled": true, "group_enabled": true,
		"mt_messaging_cred.valuefilter.src_addr":    "^JASMIN$",
		"mt_messaging_cred.valuefilter.dst_addr":    ".*",
		"mt_messaging_cred.quota.balance":           44.2,
		"mt_messaging_cred.quota.sms_count":         nil,
		"mt_messaging_cred.quota.smpps_throughput":  2.0,
		"mt_messaging_cred.quota.early_percent":     nil,
		"mt_messaging_cred.authorization.http_bulk": true,
		"mt_messaging_cred.authorization.http_send": true,
		"mt_messaging_cred.defaultvalue.src_addr":   "JASMIN",
		"smpps_cred.authorization.bind":             true,
		"smpps_cred.authorization.ip":               "0.0.0.0/0",
		"smpps_cred.quota.max_bindings":             2.0,
		"bound_connections":                         0.0,
	} {
		var keys []any
		for _, k := range strings.Split(path, ".") {
			keys = append(keys, k)
		}
		if got := jget(t, r.body, keys...); got != want {
			t.Errorf("%s = %v (%T), want %v", path, got, got, want)
		}
	}
	// The balance is the store's.
	c, err := e.g.Counters("foo")
	if err != nil || !c.HasBalance || c.Balance != 44_200_000 || c.HasSMS {
		t.Fatalf("store counters = %+v, %v", c, err)
	}
	// The password works.
	if _, err := e.g.Accounts().Authenticate("foo", "bar"); err != nil {
		t.Fatalf("authenticate with the new user: %v", err)
	}
	g := e.must(http.StatusOK, "GET", "/admin/users/foo", nil)
	if g.raw != r.raw {
		t.Fatalf("GET shows\n%s\nPOST answered\n%s", g.raw, r.raw)
	}
	l := e.must(http.StatusOK, "GET", "/admin/users?gid=marketing", nil)
	if l.body["total"] != float64(1) || jget(t, l.body, "users", 0, "uid") != "foo" {
		t.Fatalf("list = %s", l.raw)
	}
	e.refused(http.StatusNotFound, "", "GET", "/admin/users?gid=none", nil)
	e.refused(http.StatusNotFound, "", "GET", "/admin/users/nobody", nil)
}

func TestUserCreateRefusals(t *testing.T) {
	e := newEnv(t)
	e.must(http.StatusCreated, "POST", "/admin/groups", map[string]any{"gid": "marketing"})
	e.must(http.StatusCreated, "POST", "/admin/users", fooUser())
	with := func(change func(m map[string]any)) map[string]any {
		m := fooUser()
		m["uid"], m["username"] = "new", "new"
		change(m)
		return m
	}
	cred := func(m map[string]any, section, key string, v any) {
		m["mt_messaging_cred"].(map[string]any)[section].(map[string]any)[key] = v
	}
	cases := []struct {
		status int
		field  string
		body   any
	}{
		{400, "password", with(func(m map[string]any) { delete(m, "password") })},
		{400, "password", with(func(m map[string]any) { m["password"] = "muchtoolong" })},
		{400, "uid", with(func(m map[string]any) { m["uid"] = "bad uid" })},
		{400, "uid", with(func(m map[string]any) { m["uid"] = 7 })},
		{400, "gid", with(func(m map[string]any) { m["gid"] = "nogroup" })},
		{400, "username", with(func(m map[string]any) { delete(m, "username") })},
		{400, "enabled", with(func(m map[string]any) { m["enabled"] = 1 })},
		{400, "nickname", with(func(m map[string]any) { m["nickname"] = "x" })},
		{400, "mt_messaging_cred.quota.balance", with(func(m map[string]any) { cred(m, "quota", "balance", "lots") })},
		{400, "mt_messaging_cred.quota.balance", with(func(m map[string]any) { cred(m, "quota", "balance", -5) })},
		{400, "mt_messaging_cred.quota.balance", with(func(m map[string]any) { cred(m, "quota", "balance", "") })},
		{400, "mt_messaging_cred.quota.early_percent", with(func(m map[string]any) { cred(m, "quota", "early_percent", 150) })},
		{400, "mt_messaging_cred.quota.bogus", with(func(m map[string]any) { cred(m, "quota", "bogus", 1) })},
		{400, "mt_messaging_cred.valuefilter.dst_addr", with(func(m map[string]any) { cred(m, "valuefilter", "dst_addr", "(unclosed") })},
		{400, "mt_messaging_cred.authorization.http_send", with(func(m map[string]any) { cred(m, "authorization", "http_send", "maybe") })},
		{400, "mt_messaging_cred.authorization.http_send", with(func(m map[string]any) { cred(m, "authorization", "http_send", []int{1}) })},
		{400, "mt_messaging_cred.nosection", with(func(m map[string]any) {
			m["mt_messaging_cred"].(map[string]any)["nosection"] = map[string]any{"k": 1}
		})},
		{400, "smpps_cred.quota", with(func(m map[string]any) { m["smpps_cred"].(map[string]any)["quota"] = 3 })},
		{400, "smpps_cred.authorization.ip", with(func(m map[string]any) {
			m["smpps_cred"].(map[string]any)["authorization"] = map[string]any{"ip": "300.1.1.1"}
		})},
		{409, "uid", with(func(m map[string]any) { m["uid"] = "foo" })},
		{409, "username", with(func(m map[string]any) { m["username"] = "foo" })},
		{400, "", "not json"},
	}
	for _, c := range cases {
		e.refused(c.status, c.field, "POST", "/admin/users", c.body)
	}
	if n := len(e.g.Accounts().Users("")); n != 1 {
		t.Fatalf("%d users after refused creates, want 1", n)
	}
	if c, _ := e.g.Counters("new"); c.HasBalance || c.HasSMS {
		t.Fatalf("a refused create left counters %+v", c)
	}
}

func TestUserUpdateAndQuotas(t *testing.T) {
	e := newEnv(t)
	e.must(http.StatusCreated, "POST", "/admin/groups", map[string]any{"gid": "marketing"})
	e.must(http.StatusCreated, "POST", "/admin/groups", map[string]any{"gid": "sales"})
	e.must(http.StatusCreated, "POST", "/admin/users", fooUser())

	quota := func(v any) map[string]any {
		return map[string]any{"mt_messaging_cred": map[string]any{"quota": v}}
	}
	r := e.must(http.StatusOK, "PATCH", "/admin/users/foo", quota(map[string]any{"balance": "+10", "sms_count": 100}))
	if jget(t, r.body, "mt_messaging_cred", "quota", "balance") != 54.2 || jget(t, r.body, "mt_messaging_cred", "quota", "sms_count") != 100.0 {
		t.Fatalf("after +10: %s", r.raw)
	}
	// Messages spend from the store's ledger; +N / -N apply to what is
	// left there, not to what the router last saw.
	if err := e.g.Parts().Store.SetCounters("foo", ledger.Counters{Balance: 5 * ledger.MoneyUnit, HasBalance: true, SMS: 7, HasSMS: true}); err != nil {
		t.Fatal(err)
	}
	r = e.must(http.StatusOK, "PATCH", "/admin/users/foo", quota(map[string]any{"balance": "+10", "sms_count": "-2"}))
	if jget(t, r.body, "mt_messaging_cred", "quota", "balance") != 15.0 || jget(t, r.body, "mt_messaging_cred", "quota", "sms_count") != 5.0 {
		t.Fatalf("after +10/-2 on the ledger's 5/7: %s", r.raw)
	}
	if c, _ := e.g.Counters("foo"); c.Balance != 15*ledger.MoneyUnit || c.SMS != 5 {
		t.Fatalf("store counters = %+v", c)
	}

	// Refused updates change nothing, even with valid changes beside them.
	before := e.must(http.StatusOK, "GET", "/admin/users/foo", nil).raw
	for _, c := range []struct {
		field string
		body  any
	}{
		{"mt_messaging_cred.quota.balance", map[string]any{"mt_messaging_cred": map[string]any{
			"authorization": map[string]any{"http_send": false}, "quota": map[string]any{"balance": "-1000"}}}},
		{"gid", map[string]any{"gid": "nogroup", "mt_messaging_cred": map[string]any{"authorization": map[string]any{"http_send": false}}}},
		{"uid", map[string]any{"uid": "other"}},
		{"username", map[string]any{"username": "other"}},
		{"password", map[string]any{"password": "waytoolongpassword"}},
		{"mt_messaging_cred.quota.sms_count", quota(map[string]any{"sms_count": "-6"})},
		{"smpps_cred.quota.max_bindings", map[string]any{"smpps_cred": map[string]any{"quota": map[string]any{"max_bindings": "x"}}}},
	} {
		e.refused(http.StatusBadRequest, c.field, "PATCH", "/admin/users/foo", c.body)
	}
	if after := e.must(http.StatusOK, "GET", "/admin/users/foo", nil).raw; after != before {
		t.Fatalf("refused updates changed the user:\n%s\n%s", before, after)
	}
	e.refused(http.StatusNotFound, "", "PATCH", "/admin/users/nobody", map[string]any{"gid": "sales"})

	r = e.must(http.StatusOK, "PATCH", "/admin/users/foo", map[string]any{"gid": "sales", "password": "newpw",
		"mt_messaging_cred": map[string]any{"authorization": map[string]any{"http_send": false}}})
	if r.body["gid"] != "sales" || jget(t, r.body, "mt_messaging_cred", "authorization", "http_send") != false {
		t.Fatalf("after update: %s", r.raw)
	}
	if _, err := e.g.Accounts().Authenticate("foo", "newpw"); err != nil {
		t.Fatalf("new password refused: %v", err)
	}
	if c, _ := e.g.Counters("foo"); c.Balance != 15*ledger.MoneyUnit {
		t.Fatalf("an update without quotas changed the balance: %+v", c)
	}
	// Unlimited again.
	r = e.must(http.StatusOK, "PATCH", "/admin/users/foo", quota(map[string]any{"balance": nil, "sms_count": "none"}))
	if jget(t, r.body, "mt_messaging_cred", "quota", "balance") != nil {
		t.Fatalf("balance none: %s", r.raw)
	}
	if c, _ := e.g.Counters("foo"); c.HasBalance || c.HasSMS {
		t.Fatalf("store counters after none: %+v", c)
	}

	// enable / disable.
	r = e.must(http.StatusOK, "POST", "/admin/users/foo/disable", nil)
	if r.body["enabled"] != false || e.g.Accounts().User("foo").Enabled {
		t.Fatalf("disable: %s", r.raw)
	}
	if _, err := e.g.Accounts().Authenticate("foo", "newpw"); err == nil {
		t.Fatal("a disabled user authenticates")
	}
	e.must(http.StatusOK, "PATCH", "/admin/users/foo", map[string]any{"enabled": true})
	if !e.g.Accounts().User("foo").Enabled {
		t.Fatal("PATCH enabled:true did not enable")
	}

	// Delete: gone, and its ledger too.
	e.must(http.StatusNoContent, "DELETE", "/admin/users/foo", nil)
	e.refused(http.StatusNotFound, "", "GET", "/admin/users/foo", nil)
	e.refused(http.StatusNotFound, "", "DELETE", "/admin/users/foo", nil)
	e.refused(http.StatusNotFound, "", "POST", "/admin/users/foo/enable", nil)
}

func TestUserUnbindAndBan(t *testing.T) {
	e := newEnv(t)
	e.must(http.StatusCreated, "POST", "/admin/groups", map[string]any{"gid": "g1"})
	e.must(http.StatusCreated, "POST", "/admin/users", map[string]any{"uid": "u1", "gid": "g1", "username": "user1", "password": "pass1"})
	d, err := netio.NewDialer(netio.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	bind := func() *session.Session {
		t.Helper()
		s, err := session.Dial(context.Background(), d, e.g.SMPPAddr().String(), session.Config{}, &session.BaseApp{},
			session.BindRequest{Type: smpp.BindTransceiver, SystemID: "user1", Password: "pass1"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		if err := s.WaitBound(ctx); err != nil {
			t.Fatalf("bind: %v", err)
		}
		return s
	}
	s := bind()
	r := e.must(http.StatusOK, "GET", "/admin/users/u1", nil)
	if r.body["bound_connections"] != 1.0 {
		t.Fatalf("bound_connections = %v", r.body["bound_connections"])
	}
	r = e.must(http.StatusOK, "POST", "/admin/users/u1/unbind", nil)
	if r.body["unbound"] != 1.0 {
		t.Fatalf("unbind answered %s", r.raw)
	}
	waitDone(t, s)
	// The client's session ends before the server has dropped its side:
	// wait for the server too, or the ban below could count it.
	for deadline := time.Now().Add(waitLimit); ; time.Sleep(10 * time.Millisecond) {
		if r := e.must(http.StatusOK, "GET", "/admin/users/u1", nil); r.body["bound_connections"] == 0.0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the unbound session is still registered on the server")
		}
	}

	s = bind()
	r = e.must(http.StatusOK, "POST", "/admin/users/u1/ban", nil)
	if r.body["banned"] != 1.0 || r.body["enabled"] != false {
		t.Fatalf("ban answered %s", r.raw)
	}
	waitDone(t, s)
	// Banned: it cannot bind again until enabled.
	s2, err := session.Dial(context.Background(), d, e.g.SMPPAddr().String(), session.Config{}, &session.BaseApp{},
		session.BindRequest{Type: smpp.BindTransceiver, SystemID: "user1", Password: "pass1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s2.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := s2.WaitBound(ctx); err == nil {
		t.Fatal("a banned user bound again")
	}
	e.refused(http.StatusNotFound, "", "POST", "/admin/users/nobody/unbind", nil)
	e.refused(http.StatusNotFound, "", "POST", "/admin/users/nobody/ban", nil)
}

func waitDone(t *testing.T, s *session.Session) {
	t.Helper()
	select {
	case <-s.Done():
	case <-time.After(waitLimit):
		t.Fatal("the session was not closed")
	}
}

func TestUserTargetOfMORouteCannotGo(t *testing.T) {
	e := newEnv(t)
	e.must(http.StatusCreated, "POST", "/admin/groups", map[string]any{"gid": "g1"})
	e.must(http.StatusCreated, "POST", "/admin/users", map[string]any{"uid": "u1", "gid": "g1", "username": "user1", "password": "pass1"})
	e.must(http.StatusCreated, "POST", "/admin/moroutes", map[string]any{"type": "DefaultRoute", "connector": "smpps(u1)"})
	e.refused(http.StatusConflict, "uid", "DELETE", "/admin/users/u1", nil)
	if e.g.Accounts().User("u1") == nil {
		t.Fatal("refused delete removed the user")
	}
}
