package admin

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/gwd-project/gwd/router"
	starscript "github.com/gwd-project/gwd/router/script"
)

func TestFilters(t *testing.T) {
	e := newEnv(t)
	r := e.must(http.StatusCreated, "POST", "/admin/filters", map[string]any{"type": "transparentfilter", "fid": "TF"})
	if r.body["type"] != "TransparentFilter" || r.body["description"] != "<TransparentFilter>" {
		t.Fatalf("created = %s", r.raw)
	}
	r = e.must(http.StatusCreated, "POST", "/admin/filters", map[string]any{"type": "DestinationAddrFilter", "fid": "To85111", "destination_addr": "^85111$"})
	if jget(t, r.body, "parameters", "destination_addr") != "^85111$" || r.body["description"] != "<DestinationAddrFilter (dst_addr=^85111$)>" {
		t.Fatalf("created = %s", r.raw)
	}
	e.must(http.StatusCreated, "POST", "/admin/filters", map[string]any{"type": "UserFilter", "fid": "U1", "uid": "u1"})
	e.must(http.StatusCreated, "POST", "/admin/filters", map[string]any{"type": "TagFilter", "fid": "TG", "tag": 21401})
	e.must(http.StatusCreated, "POST", "/admin/filters", map[string]any{"type": "EvalPyFilter", "fid": "Py", "pyCode": "result = True\n"})

	for _, c := range []struct {
		field string
		body  map[string]any
	}{
		{"type", map[string]any{"fid": "X"}},
		{"fid", map[string]any{"type": "TransparentFilter"}},
		{"type", map[string]any{"type": "NoSuchFilter", "fid": "X"}},
		{"fid", map[string]any{"type": "TransparentFilter", "fid": "bad id!"}},
		{"destination_addr", map[string]any{"type": "DestinationAddrFilter", "fid": "X"}},
		{"destination_addr", map[string]any{"type": "DestinationAddrFilter", "fid": "X", "destination_addr": "(("}},
		{"timeInterval", map[string]any{"type": "TimeIntervalFilter", "fid": "X", "timeInterval": "25:00:00;26:00:00"}},
		{"extra", map[string]any{"type": "TransparentFilter", "fid": "X", "extra": 1}},
		{"tag", map[string]any{"type": "TagFilter", "fid": "X", "tag": map[string]any{}}},
		{"pyCode", map[string]any{"type": "EvalPyFilter", "fid": "X", "pyCode": "result = (\n"}},
	} {
		e.refused(http.StatusBadRequest, c.field, "POST", "/admin/filters", c.body)
	}
	e.refused(http.StatusConflict, "fid", "POST", "/admin/filters", map[string]any{"type": "TransparentFilter", "fid": "TF"})
	if n := e.m().Filters().Len(); n != 5 {
		t.Fatalf("%d filters after refusals, want 5", n)
	}
	r = e.must(http.StatusOK, "GET", "/admin/filters", nil)
	if r.body["total"] != 5.0 {
		t.Fatalf("list = %s", r.raw)
	}
	r = e.must(http.StatusOK, "GET", "/admin/filters/U1", nil)
	if routes := jget(t, r.body, "routes").([]any); len(routes) != 1 || routes[0] != "MT" {
		t.Fatalf("a UserFilter serves %v", routes)
	}
	e.refused(http.StatusNotFound, "", "GET", "/admin/filters/nope", nil)

	// In use: refused.
	e.must(http.StatusCreated, "POST", "/admin/httpconnectors", map[string]any{"cid": "http1", "url": "http://127.0.0.1:1/mo", "method": "POST"})
	e.must(http.StatusCreated, "POST", "/admin/moroutes", map[string]any{"type": "StaticMORoute", "order": 10, "filters": []string{"TF"}, "connector": "http(http1)"})
	e.refused(http.StatusConflict, "fid", "DELETE", "/admin/filters/TF", nil)
	if _, ok := e.m().Filters().Get("TF"); !ok {
		t.Fatal("a refused delete removed the filter")
	}
	e.must(http.StatusNoContent, "DELETE", "/admin/filters/To85111", nil)
	e.refused(http.StatusNotFound, "", "DELETE", "/admin/filters/To85111", nil)
}

// routingEnv has connectors smsc1, smsc2 (SMPP, stopped), http1, a TF filter
// and user u1.
func routingEnv(t *testing.T) *env {
	e := newEnv(t)
	e.must(http.StatusCreated, "POST", "/admin/connectors", map[string]any{"cid": "smsc1"})
	e.must(http.StatusCreated, "POST", "/admin/connectors", map[string]any{"cid": "smsc2"})
	e.must(http.StatusCreated, "POST", "/admin/httpconnectors", map[string]any{"cid": "http1", "url": "http://127.0.0.1:1/mo", "method": "GET"})
	e.must(http.StatusCreated, "POST", "/admin/filters", map[string]any{"type": "TransparentFilter", "fid": "TF"})
	e.must(http.StatusCreated, "POST", "/admin/filters", map[string]any{"type": "DestinationAddrFilter", "fid": "D", "destination_addr": "^33"})
	e.must(http.StatusCreated, "POST", "/admin/groups", map[string]any{"gid": "g1"})
	e.must(http.StatusCreated, "POST", "/admin/users", map[string]any{"uid": "u1", "gid": "g1", "username": "user1", "password": "pass1"})
	return e
}

func TestMTRoutes(t *testing.T) {
	e := routingEnv(t)
	r := e.must(http.StatusCreated, "POST", "/admin/mtroutes", map[string]any{"type": "DefaultRoute", "connector": "smppc(smsc1)", "rate": 0.0})
	if r.body["order"] != 0.0 || r.body["description"] != "DefaultRoute to smppc(smsc1) NOT RATED" || r.body["rate"] != 0.0 {
		t.Fatalf("default route = %s", r.raw)
	}
	r = e.must(http.StatusCreated, "POST", "/admin/mtroutes", map[string]any{"type": "StaticMTRoute", "order": 10,
		"filters": []string{"TF", "D"}, "connector": "smppc(smsc2)", "rate": "1.25"})
	if r.body["rate"] != 1.25 || jget(t, r.body, "filters", 1) != "D" || jget(t, r.body, "connectors", 0) != "smppc(smsc2)" {
		t.Fatalf("static route = %s", r.raw)
	}
	e.must(http.StatusCreated, "POST", "/admin/mtroutes", map[string]any{"type": "FailoverMTRoute", "order": 20,
		"filters": "TF", "connectors": "smppc(smsc1);smppc(smsc2)", "rate": 0})

	for _, c := range []struct {
		field string
		body  map[string]any
	}{
		{"type", map[string]any{"order": 5, "connector": "smppc(smsc1)", "rate": 0}},
		{"type", map[string]any{"type": "StaticMORoute", "order": 5, "filters": "TF", "connector": "smppc(smsc1)", "rate": 0}},
		{"order", map[string]any{"type": "StaticMTRoute", "filters": "TF", "connector": "smppc(smsc1)", "rate": 0}},
		{"order", map[string]any{"type": "StaticMTRoute", "order": "ten", "filters": "TF", "connector": "smppc(smsc1)", "rate": 0}},
		{"filters", map[string]any{"type": "StaticMTRoute", "order": 5, "filters": "nofilter", "connector": "smppc(smsc1)", "rate": 0}},
		{"connector", map[string]any{"type": "StaticMTRoute", "order": 5, "filters": "TF", "connector": "smppc(nowhere)", "rate": 0}},
		{"rate", map[string]any{"type": "StaticMTRoute", "order": 5, "filters": "TF", "connector": "smppc(smsc1)", "rate": -1}},
		{"rate", map[string]any{"type": "StaticMTRoute", "order": 5, "filters": "TF", "connector": "smppc(smsc1)"}},
		{"filters", map[string]any{"type": "StaticMTRoute", "order": 5, "filters": []int{1}, "connector": "smppc(smsc1)", "rate": 0}},
		{"color", map[string]any{"type": "StaticMTRoute", "order": 5, "filters": "TF", "connector": "smppc(smsc1)", "rate": 0, "color": "red"}},
	} {
		e.refused(http.StatusBadRequest, c.field, "POST", "/admin/mtroutes", c.body)
	}
	e.refused(http.StatusConflict, "order", "POST", "/admin/mtroutes", map[string]any{"type": "StaticMTRoute", "order": 10,
		"filters": "TF", "connector": "smppc(smsc1)", "rate": 0})
	if rt, _ := e.m().Route(router.MT, 10); rt.Connectors[0] != "smsc2" || len(e.m().Routes(router.MT)) != 3 {
		t.Fatal("refused adds changed the MT table")
	}

	// PUT replaces at the path's order.
	r = e.must(http.StatusOK, "PUT", "/admin/mtroutes/10", map[string]any{"type": "StaticMTRoute", "filters": "TF", "connector": "smppc(smsc1)", "rate": 0})
	if jget(t, r.body, "connectors", 0) != "smppc(smsc1)" {
		t.Fatalf("replaced = %s", r.raw)
	}
	e.must(http.StatusCreated, "PUT", "/admin/mtroutes/30", map[string]any{"type": "StaticMTRoute", "order": 30, "filters": "TF", "connector": "smppc(smsc1)", "rate": 0})
	e.refused(http.StatusBadRequest, "order", "PUT", "/admin/mtroutes/40", map[string]any{"type": "StaticMTRoute", "order": 41, "filters": "TF", "connector": "smppc(smsc1)", "rate": 0})

	r = e.must(http.StatusOK, "GET", "/admin/mtroutes", nil)
	if r.body["total"] != 4.0 || jget(t, r.body, "routes", 0, "order") != 30.0 || jget(t, r.body, "routes", 3, "order") != 0.0 {
		t.Fatalf("list = %s", r.raw)
	}
	r = e.must(http.StatusOK, "GET", "/admin/mtroutes/20", nil)
	if r.body["type"] != "FailoverMTRoute" {
		t.Fatalf("route 20 = %s", r.raw)
	}
	e.refused(http.StatusNotFound, "", "GET", "/admin/mtroutes/99", nil)

	// A connector a route sends to cannot go.
	e.refused(http.StatusConflict, "cid", "DELETE", "/admin/connectors/smsc2", nil)
	e.must(http.StatusNoContent, "DELETE", "/admin/mtroutes/20", nil)
	e.refused(http.StatusNotFound, "", "DELETE", "/admin/mtroutes/20", nil)
	e.must(http.StatusNoContent, "DELETE", "/admin/connectors/smsc2", nil)

	r = e.must(http.StatusOK, "POST", "/admin/mtroutes/flush", nil)
	if r.body["flushed"] != 3.0 || len(e.m().Routes(router.MT)) != 0 {
		t.Fatalf("flush = %s", r.raw)
	}
	e.must(http.StatusMethodNotAllowed, "GET", "/admin/mtroutes/flush", nil)
}

func TestMORoutes(t *testing.T) {
	e := routingEnv(t)
	e.must(http.StatusCreated, "POST", "/admin/moroutes", map[string]any{"type": "DefaultRoute", "connector": "http(http1)"})
	r := e.must(http.StatusCreated, "POST", "/admin/moroutes", map[string]any{"type": "RandomRoundrobinMORoute", "order": 20,
		"filters": []string{"TF"}, "connectors": []string{"http(http1)", "smpps(u1)"}})
	if _, ok := r.body["rate"]; ok {
		t.Fatalf("an MO route shows a rate: %s", r.raw)
	}
	e.refused(http.StatusBadRequest, "rate", "POST", "/admin/moroutes", map[string]any{"type": "StaticMORoute", "order": 5, "filters": "TF", "connector": "http(http1)", "rate": 0})
	e.refused(http.StatusBadRequest, "connector", "POST", "/admin/moroutes", map[string]any{"type": "StaticMORoute", "order": 5, "filters": "TF", "connector": "http(nope)"})
	e.refused(http.StatusBadRequest, "connector", "POST", "/admin/moroutes", map[string]any{"type": "StaticMORoute", "order": 5, "filters": "TF", "connector": "smpps(nouser)"})
	if len(e.m().Routes(router.MO)) != 2 {
		t.Fatal("refused adds changed the MO table")
	}
	e.refused(http.StatusConflict, "cid", "DELETE", "/admin/httpconnectors/http1", nil)
	e.refused(http.StatusConflict, "uid", "DELETE", "/admin/users/u1", nil)
	r = e.must(http.StatusOK, "GET", "/admin/moroutes/20", nil)
	if jget(t, r.body, "connectors", 1) != "smpps(u1)" {
		t.Fatalf("route 20 = %s", r.raw)
	}
	e.must(http.StatusOK, "POST", "/admin/moroutes/flush", nil)
	e.must(http.StatusNoContent, "DELETE", "/admin/httpconnectors/http1", nil)
}

func TestInterceptors(t *testing.T) {
	e := routingEnv(t)
	script := "routable.addTag(10)\n"
	r := e.must(http.StatusCreated, "POST", "/admin/mtinterceptors", map[string]any{"type": "DefaultInterceptor", "script": script})
	if r.body["script"] != script || r.body["order"] != 0.0 {
		t.Fatalf("created = %s", r.raw)
	}
	dir := t.TempDir()
	if err := starscript.SetDir(dir); err != nil { // [scripts] dir
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = starscript.SetDir("") })
	file := filepath.Join(dir, "mo.py")
	if err := os.WriteFile(file, []byte("routable.addTag(20)\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = e.must(http.StatusCreated, "POST", "/admin/mointerceptors", map[string]any{"type": "StaticMOInterceptor", "order": 10,
		"filters": []string{"TF"}, "script": "python3(" + file + ")"})
	if r.body["script"] != "routable.addTag(20)\n" || jget(t, r.body, "filters", 0) != "TF" {
		t.Fatalf("created from a file = %s", r.raw)
	}
	for _, c := range []struct {
		path, field string
		body        map[string]any
	}{
		{"/admin/mtinterceptors", "type", map[string]any{"type": "StaticMOInterceptor", "order": 5, "filters": "TF", "script": script}},
		{"/admin/mtinterceptors", "script", map[string]any{"type": "StaticMTInterceptor", "order": 5, "filters": "TF", "script": "x = (\n"}},
		{"/admin/mtinterceptors", "script", map[string]any{"type": "StaticMTInterceptor", "order": 5, "filters": "TF", "script": "python3(https://example.com/x.py)"}},
		{"/admin/mtinterceptors", "filters", map[string]any{"type": "StaticMTInterceptor", "order": 5, "filters": "nope", "script": script}},
		{"/admin/mointerceptors", "order", map[string]any{"type": "StaticMOInterceptor", "filters": "TF", "script": script}},
	} {
		e.refused(http.StatusBadRequest, c.field, "POST", c.path, c.body)
	}
	e.refused(http.StatusConflict, "order", "POST", "/admin/mtinterceptors", map[string]any{"type": "DefaultInterceptor", "script": script})
	e.must(http.StatusOK, "PUT", "/admin/mtinterceptors/0", map[string]any{"type": "DefaultInterceptor", "script": "routable.addTag(11)\n"})
	if ic, _ := e.m().Interceptor(router.MT, 0); ic.Source() != "routable.addTag(11)\n" {
		t.Fatalf("PUT did not replace: %q", ic.Source())
	}
	r = e.must(http.StatusOK, "GET", "/admin/mointerceptors", nil)
	if r.body["total"] != 1.0 || jget(t, r.body, "interceptors", 0, "type") != "StaticMOInterceptor" {
		t.Fatalf("list = %s", r.raw)
	}
	e.refused(http.StatusConflict, "fid", "DELETE", "/admin/filters/TF", nil)
	e.must(http.StatusNoContent, "DELETE", "/admin/mointerceptors/10", nil)
	e.refused(http.StatusNotFound, "", "GET", "/admin/mointerceptors/10", nil)
	r = e.must(http.StatusOK, "POST", "/admin/mtinterceptors/flush", nil)
	if r.body["flushed"] != 1.0 || len(e.m().Interceptors(router.MT)) != 0 {
		t.Fatalf("flush = %s", r.raw)
	}
}
