package admin

import (
	"net/http"
	"testing"
)

// TestChangesSurviveRestart builds a configuration through the API,
// restarts the gateway on the same store, and reads it back through the
// API: every accepted change is durable without persist.
func TestChangesSurviveRestart(t *testing.T) {
	e := newEnv(t)
	host, port := startSim(t)
	e.must(http.StatusCreated, "POST", "/admin/groups", map[string]any{"gid": "marketing"})
	e.must(http.StatusCreated, "POST", "/admin/groups", map[string]any{"gid": "off"})
	e.must(http.StatusOK, "POST", "/admin/groups/off/disable", nil)
	e.must(http.StatusCreated, "POST", "/admin/users", fooUser())
	e.must(http.StatusOK, "PATCH", "/admin/users/foo", map[string]any{"password": "pw2",
		"mt_messaging_cred": map[string]any{"quota": map[string]any{"balance": "+0.8", "sms_count": 9}}})
	e.must(http.StatusCreated, "POST", "/admin/filters", map[string]any{"type": "TransparentFilter", "fid": "TF"})
	e.must(http.StatusCreated, "POST", "/admin/filters", map[string]any{"type": "DestinationAddrFilter", "fid": "To85111", "destination_addr": "^85111$"})
	e.must(http.StatusCreated, "POST", "/admin/connectors", map[string]any{"cid": "smsc1", "host": host, "port": port, "con_fail_delay": 1})
	e.must(http.StatusOK, "POST", "/admin/connectors/smsc1/start", nil)
	e.must(http.StatusCreated, "POST", "/admin/connectors", map[string]any{"cid": "smsc2", "bind": "transmitter"})
	e.must(http.StatusCreated, "POST", "/admin/httpconnectors", map[string]any{"cid": "http1", "url": "http://127.0.0.1:1/mo", "method": "POST"})
	e.must(http.StatusCreated, "POST", "/admin/mtroutes", map[string]any{"type": "DefaultRoute", "connector": "smppc(smsc1)", "rate": 0})
	e.must(http.StatusCreated, "POST", "/admin/mtroutes", map[string]any{"type": "StaticMTRoute", "order": 10, "filters": "To85111", "connector": "smppc(smsc2)", "rate": 0.4})
	e.must(http.StatusCreated, "POST", "/admin/moroutes", map[string]any{"type": "StaticMORoute", "order": 5, "filters": "TF", "connector": "smpps(foo)"})
	e.must(http.StatusCreated, "POST", "/admin/moroutes", map[string]any{"type": "DefaultRoute", "connector": "http(http1)"})
	e.must(http.StatusCreated, "POST", "/admin/mtinterceptors", map[string]any{"type": "StaticMTInterceptor", "order": 7, "filters": "TF", "script": "routable.addTag(7)\n"})
	e.must(http.StatusCreated, "POST", "/admin/mointerceptors", map[string]any{"type": "DefaultInterceptor", "script": "routable.addTag(8)\n"})
	// Removed things stay removed.
	e.must(http.StatusCreated, "POST", "/admin/filters", map[string]any{"type": "TransparentFilter", "fid": "gone"})
	e.must(http.StatusNoContent, "DELETE", "/admin/filters/gone", nil)

	paths := []string{
		"/admin/groups", "/admin/users", "/admin/filters", "/admin/mtroutes", "/admin/moroutes",
		"/admin/mtinterceptors", "/admin/mointerceptors", "/admin/httpconnectors", "/admin/connectors/smsc2",
	}
	before := map[string]string{}
	for _, p := range paths {
		before[p] = e.must(http.StatusOK, "GET", p, nil).raw
	}

	e.reopen()

	for _, p := range paths {
		if got := e.must(http.StatusOK, "GET", p, nil).raw; got != before[p] {
			t.Errorf("GET %s after restart:\n%s\nbefore:\n%s", p, got, before[p])
		}
	}
	r := e.must(http.StatusOK, "GET", "/admin/users/foo", nil)
	if jget(t, r.body, "mt_messaging_cred", "quota", "balance") != 45.0 || jget(t, r.body, "mt_messaging_cred", "quota", "sms_count") != 9.0 {
		t.Fatalf("quotas after restart: %s", r.raw)
	}
	if _, err := e.g.Accounts().Authenticate("foo", "pw2"); err != nil {
		t.Fatalf("the changed password after restart: %v", err)
	}
	r = e.must(http.StatusOK, "GET", "/admin/connectors/smsc1", nil)
	if r.body["service"] != "started" {
		t.Fatalf("a started connector came back %v", r.body["service"])
	}
	if _, ok := e.m().Filters().Get("gone"); ok {
		t.Fatal("a removed filter came back")
	}
}

func TestPersistAndLoadProfiles(t *testing.T) {
	e := newEnv(t)
	e.must(http.StatusCreated, "POST", "/admin/groups", map[string]any{"gid": "g1"})
	r := e.must(http.StatusOK, "POST", "/admin/persist", map[string]any{"profile": "testing"})
	if r.body["profile"] != "testing" || r.body["persisted"] != true {
		t.Fatalf("persist = %s", r.raw)
	}
	r = e.must(http.StatusOK, "POST", "/admin/persist", nil)
	if r.body["profile"] != DefaultProfile {
		t.Fatalf("persist without a profile = %s", r.raw)
	}
	e.must(http.StatusCreated, "POST", "/admin/groups", map[string]any{"gid": "g2"})
	e.must(http.StatusCreated, "POST", "/admin/connectors", map[string]any{"cid": "smsc9", "logprivacy": true})

	r = e.must(http.StatusOK, "POST", "/admin/load", map[string]any{"profile": "testing"})
	if r.body["loaded"] != true {
		t.Fatalf("load = %s", r.raw)
	}
	if _, ok := e.g.Accounts().Group("g2"); ok {
		t.Fatal("load kept a group the profile does not have")
	}
	if _, ok := e.g.Accounts().Group("g1"); !ok {
		t.Fatal("load lost the profile's group")
	}
	if e.g.Connector("smsc9") != nil {
		t.Fatal("load kept a connector the profile does not have")
	}

	e.refused(http.StatusNotFound, "profile", "POST", "/admin/load", map[string]any{"profile": "never"})
	e.refused(http.StatusBadRequest, "profile", "POST", "/admin/load", map[string]any{"profile": "bad name!"})
	e.refused(http.StatusBadRequest, "profile", "POST", "/admin/persist", map[string]any{"profile": "bad name!"})
	e.refused(http.StatusBadRequest, "profile", "POST", "/admin/persist", map[string]any{"profile": 3})
	e.refused(http.StatusBadRequest, "p", "POST", "/admin/persist", map[string]any{"p": "x"})
	if _, ok := e.g.Accounts().Group("g1"); !ok {
		t.Fatal("a refused load changed the configuration")
	}
}
