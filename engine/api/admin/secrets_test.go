package admin

import (
	"net/http"
	"strings"
	"testing"

	panics "github.com/gwd-project/gwd/engine/recovery"
)

// TestConnectorPasswordWriteOnly: an SMPP connector's password is set with
// POST and PATCH and used for the bind, but no answer of the API carries
// it (create, update, show, list).
func TestConnectorPasswordWriteOnly(t *testing.T) {
	e := newEnv(t)
	r := e.must(http.StatusCreated, "POST", "/admin/connectors", map[string]any{
		"cid": "smsc9", "host": "127.0.0.1", "port": 2775, "username": "u9", "password": "pw9first"})
	if strings.Contains(r.raw, "pw9first") {
		t.Errorf("create answer shows the password: %s", r.raw)
	}
	if got := e.g.Connector("smsc9").Config().Password; got != "pw9first" {
		t.Fatalf("password not set: %q", got)
	}
	r = e.must(http.StatusOK, "PATCH", "/admin/connectors/smsc9", map[string]any{"password": "pw9next"})
	if strings.Contains(r.raw, "pw9next") {
		t.Errorf("update answer shows the password: %s", r.raw)
	}
	if got := e.g.Connector("smsc9").Config().Password; got != "pw9next" {
		t.Fatalf("password not updated: %q", got)
	}
	for _, path := range []string{"/admin/connectors/smsc9", "/admin/connectors"} {
		r = e.must(http.StatusOK, "GET", path, nil)
		if strings.Contains(r.raw, "pw9") || strings.Contains(r.raw, `"password"`) {
			t.Errorf("GET %s shows the password: %s", path, r.raw)
		}
	}
	if p := jget(t, r.body, "connectors", 0).(map[string]any); p["cid"] != "smsc9" {
		t.Errorf("list: %s", r.raw)
	}
	r = e.must(http.StatusOK, "GET", "/admin/connectors/smsc9", nil)
	if params := jget(t, r.body, "parameters").(map[string]any); params["username"] != "u9" {
		t.Errorf("other parameters missing: %s", r.raw)
	}
}

// TestHTTPConnectorURLCredentialsHidden: an HTTP connector's URL is shown
// without its credentials; the connector keeps the full URL.
func TestHTTPConnectorURLCredentialsHidden(t *testing.T) {
	e := newEnv(t)
	full := "http://mo:s3cret@10.0.0.5/mo.php?token=t0k&a=1"
	r := e.must(http.StatusCreated, "POST", "/admin/httpconnectors", map[string]any{"cid": "http9", "url": full, "method": "POST"})
	check := func(what string, r reply) {
		t.Helper()
		if strings.Contains(r.raw, "s3cret") || strings.Contains(r.raw, "t0k") {
			t.Errorf("%s shows credentials: %s", what, r.raw)
		}
		if !strings.Contains(r.raw, `http://***@10.0.0.5/mo.php?token=***\u0026a=1`) && !strings.Contains(r.raw, `http://***@10.0.0.5/mo.php?token=***&a=1`) {
			t.Errorf("%s lacks the masked URL: %s", what, r.raw)
		}
	}
	check("create", r)
	check("show", e.must(http.StatusOK, "GET", "/admin/httpconnectors/http9", nil))
	check("list", e.must(http.StatusOK, "GET", "/admin/httpconnectors", nil))
	check("update", e.must(http.StatusOK, "PATCH", "/admin/httpconnectors/http9", map[string]any{"method": "GET"}))
	if h, ok := e.g.HTTPConnector("http9"); !ok || h.URL != full {
		t.Errorf("stored URL = %q", h.URL)
	}
}

// TestHandlerPanicAnswers500: a panic in a request answers it 500 in the
// API's JSON form and closes that connection; the API goes on serving,
// and gwd_panics_total{where="admin"} counts it.
func TestHandlerPanicAnswers500(t *testing.T) {
	e := newEnv(t)
	// The change's write panics (the test hook): the change is undone and
	// the manager's lock released on the way out.
	e.store.Panic(true)
	before := panics.Counter("admin").Get()
	r := e.call("POST", "/admin/groups", map[string]any{"gid": "g1"})
	if r.status != http.StatusInternalServerError || r.body["error"] != "internal error" {
		t.Errorf("panicking request: %d %s", r.status, r.raw)
	}
	if n := panics.Counter("admin").Get() - before; n != 1 {
		t.Errorf("gwd_panics_total{where=admin} +%d, want 1", n)
	}
	if r := e.call("GET", "/admin/users", nil); r.status != http.StatusOK {
		t.Errorf("after the panic: %d %s", r.status, r.raw)
	}
	e.store.Panic(false)
	if r := e.call("GET", "/admin/groups", nil); r.body["total"] != 0.0 {
		t.Errorf("the change that panicked was not undone: %s", r.raw)
	}
	e.must(http.StatusCreated, "POST", "/admin/groups", map[string]any{"gid": "g1"})
}
