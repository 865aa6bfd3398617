package admin

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/gwd-project/gwd/engine/smppc"
	"github.com/gwd-project/gwd/smsc"
)

func startSim(t *testing.T) (host string, port int) {
	t.Helper()
	sim, err := smsc.Start(smsc.Config{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	h, p, _ := net.SplitHostPort(sim.Addr().String())
	port, _ = strconv.Atoi(p)
	return h, port
}

func TestSMPPConnectors(t *testing.T) {
	e := newEnv(t)
	host, port := startSim(t)
	r := e.must(http.StatusCreated, "POST", "/admin/connectors", map[string]any{
		"cid": "smsc1", "host": host, "port": port, "bind": "transceiver", "con_fail_delay": 1, "con_loss_delay": 1,
		"submit_throughput": 0, "logprivacy": true, "src_addr": nil,
	})
	if r.body["service"] != "stopped" || r.body["session"] != "None" {
		t.Fatalf("created = %s", r.raw)
	}
	params := jget(t, r.body, "parameters").(map[string]any)
	if len(params) != len(smppc.Keys())-1 || params["port"] != strconv.Itoa(port) || params["logprivacy"] != "yes" ||
		params["src_addr"] != "None" || params["bind_to"] != "30" {
		t.Fatalf("parameters = %v", params)
	}
	if !e.logs.Privacy("smsc1") {
		t.Fatal("logprivacy yes did not reach the log ring")
	}

	for _, c := range []struct {
		field string
		body  map[string]any
	}{
		{"cid", map[string]any{"host": "h"}},
		{"cid", map[string]any{"cid": "x"}},
		{"cid", map[string]any{"cid": 12345}},
		{"port", map[string]any{"cid": "smsc2", "port": 70000}},
		{"port", map[string]any{"cid": "smsc2", "port": "abc"}},
		{"bind", map[string]any{"cid": "smsc2", "bind": "sideways"}},
		{"nokey", map[string]any{"cid": "smsc2", "nokey": 1}},
		{"host", map[string]any{"cid": "smsc2", "host": []string{"a"}}},
		{"ssl_ca_file", map[string]any{"cid": "smsc2", "ssl": "yes", "ssl_ca_file": "/nonexistent/ca.pem"}},
		{"ssl_key_file", map[string]any{"cid": "smsc2", "ssl": "yes", "ssl_cert_file": "/nonexistent/cert.pem"}},
		{"ssl_verify", map[string]any{"cid": "smsc2", "ssl_verify": "maybe"}},
	} {
		e.refused(http.StatusBadRequest, c.field, "POST", "/admin/connectors", c.body)
	}
	e.refused(http.StatusConflict, "cid", "POST", "/admin/connectors", map[string]any{"cid": "smsc1"})
	if len(e.g.Connectors()) != 1 {
		t.Fatal("refused creates added a connector")
	}

	// Start: it binds to the simulator.
	r = e.must(http.StatusOK, "POST", "/admin/connectors/smsc1/start", nil)
	if r.body["service"] != "started" {
		t.Fatalf("start = %s", r.raw)
	}
	waitUntil(t, "the connector bound", func() bool {
		return e.call("GET", "/admin/connectors/smsc1", nil).body["session"] == "BOUND_TRX"
	})
	e.refused(http.StatusConflict, "cid", "POST", "/admin/connectors/smsc1/start", nil)
	r = e.must(http.StatusOK, "GET", "/admin/connectors", nil)
	if jget(t, r.body, "connectors", 0, "service") != "started" || jget(t, r.body, "connectors", 0, "starts") != 1.0 {
		t.Fatalf("list = %s", r.raw)
	}
	if _, ok := jget(t, r.body, "connectors", 0).(map[string]any)["parameters"]; ok {
		t.Fatal("the list shows every parameter")
	}
	r = e.must(http.StatusOK, "GET", "/admin/stats/connectors/smsc1", nil)
	if r.body["connected_count"].(float64) < 1 || r.body["connected_at"] == nil || r.body["session"] != "BOUND_TRX" {
		t.Fatalf("stats = %s", r.raw)
	}

	// Update: a key that needs a restart says so; a bad value changes
	// nothing.
	r = e.must(http.StatusOK, "PATCH", "/admin/connectors/smsc1", map[string]any{"username": "other", "requeue_delay": 5, "logprivacy": false})
	if rr := jget(t, r.body, "restart_required").([]any); len(rr) != 1 || rr[0] != "username" {
		t.Fatalf("restart_required = %v", rr)
	}
	if c := e.g.Connector("smsc1").Config(); c.Username != "other" || c.RequeueDelay != 5 || c.LogPrivacy {
		t.Fatalf("config after update = %+v", c)
	}
	if e.logs.Privacy("smsc1") {
		t.Fatal("logprivacy no did not reach the log ring")
	}
	before := e.g.Connector("smsc1").Config()
	e.refused(http.StatusBadRequest, "priority", "PATCH", "/admin/connectors/smsc1", map[string]any{"requeue_delay": 9, "priority": 7})
	e.refused(http.StatusBadRequest, "cid", "PATCH", "/admin/connectors/smsc1", map[string]any{"cid": "renamed"})
	if after := e.g.Connector("smsc1").Config(); after != before {
		t.Fatalf("a refused update changed %+v into %+v", before, after)
	}
	e.refused(http.StatusNotFound, "", "PATCH", "/admin/connectors/nope", map[string]any{"port": 1})

	r = e.must(http.StatusOK, "POST", "/admin/connectors/smsc1/stop", nil)
	if r.body["service"] != "stopped" {
		t.Fatalf("stop = %s", r.raw)
	}
	e.refused(http.StatusConflict, "cid", "POST", "/admin/connectors/smsc1/stop", nil)
	e.refused(http.StatusNotFound, "", "POST", "/admin/connectors/nope/start", nil)

	e.must(http.StatusNoContent, "DELETE", "/admin/connectors/smsc1", nil)
	e.refused(http.StatusNotFound, "", "GET", "/admin/connectors/smsc1", nil)
	if e.g.Connector("smsc1") != nil {
		t.Fatal("the connector is still there")
	}
}

func TestConnectorLogs(t *testing.T) {
	e := newEnv(t)
	host, port := startSim(t)
	e.must(http.StatusCreated, "POST", "/admin/connectors", map[string]any{"cid": "smsc1", "host": host, "port": port, "logprivacy": "yes"})
	e.must(http.StatusOK, "POST", "/admin/connectors/smsc1/start", nil)
	waitUntil(t, "the bind logged", func() bool {
		for _, l := range e.call("GET", "/admin/connectors/smsc1/logs", nil).body["logs"].([]any) {
			if strings.Contains(l.(map[string]any)["message"].(string), "session") {
				return true
			}
		}
		return false
	})
	e.log.Warn("MO from the SMSC", "cid", "smsc1", "content", "a secret", "from", "33600000001")
	r := e.must(http.StatusOK, "GET", "/admin/connectors/smsc1/logs?n=1", nil)
	logs := r.body["logs"].([]any)
	if len(logs) != 1 {
		t.Fatalf("n=1 gave %d logs", len(logs))
	}
	l := logs[0].(map[string]any)
	if l["message"] != "MO from the SMSC" || l["level"] != "WARN" || l["level_no"] != 30.0 ||
		jget(t, l, "attrs", "content") != "<hidden>" || jget(t, l, "attrs", "from") != "33600000001" || l["timestamp"].(float64) <= 0 {
		t.Fatalf("log = %v", l)
	}
	if strings.Contains(r.raw, "a secret") {
		t.Fatal("the logs show private content")
	}
	r = e.must(http.StatusOK, "GET", "/admin/connectors/smsc1/logs?n=1000", nil)
	if n := len(r.body["logs"].([]any)); n < 2 || n > 100 {
		t.Fatalf("n=1000 gave %d logs", n)
	}
	e.refused(http.StatusBadRequest, "n", "GET", "/admin/connectors/smsc1/logs?n=abc", nil)
	e.refused(http.StatusBadRequest, "n", "GET", "/admin/connectors/smsc1/logs?n=0", nil)
	e.refused(http.StatusNotFound, "", "GET", "/admin/connectors/nope/logs", nil)
}

func TestHTTPConnectors(t *testing.T) {
	e := newEnv(t)
	r := e.must(http.StatusCreated, "POST", "/admin/httpconnectors", map[string]any{"cid": "HTTP-01", "url": "http://10.10.20.125/receive-sms/mo.php", "method": "get"})
	if r.body["method"] != "GET" || r.body["url"] != "http://10.10.20.125/receive-sms/mo.php" {
		t.Fatalf("created = %s", r.raw)
	}
	for _, c := range []struct {
		field string
		body  map[string]any
	}{
		{"cid", map[string]any{"url": "http://a/", "method": "GET"}},
		{"url", map[string]any{"cid": "HTTP-02", "method": "GET"}},
		{"method", map[string]any{"cid": "HTTP-02", "url": "http://a/"}},
		{"url", map[string]any{"cid": "HTTP-02", "url": "ftp://a/", "method": "GET"}},
		{"url", map[string]any{"cid": "HTTP-02", "url": "http://]/mo", "method": "GET"}},
		{"url", map[string]any{"cid": "HTTP-02", "url": "/relative", "method": "GET"}},
		{"method", map[string]any{"cid": "HTTP-02", "url": "http://a/", "method": "PUT"}},
		{"cid", map[string]any{"cid": "H", "url": "http://a/", "method": "GET"}},
		{"extra", map[string]any{"cid": "HTTP-02", "url": "http://a/", "method": "GET", "extra": 1}},
	} {
		e.refused(http.StatusBadRequest, c.field, "POST", "/admin/httpconnectors", c.body)
	}
	e.refused(http.StatusConflict, "cid", "POST", "/admin/httpconnectors", map[string]any{"cid": "HTTP-01", "url": "http://a/", "method": "GET"})
	r = e.must(http.StatusOK, "PATCH", "/admin/httpconnectors/HTTP-01", map[string]any{"method": "POST"})
	if r.body["method"] != "POST" || r.body["url"] != "http://10.10.20.125/receive-sms/mo.php" {
		t.Fatalf("updated = %s", r.raw)
	}
	e.refused(http.StatusBadRequest, "url", "PATCH", "/admin/httpconnectors/HTTP-01", map[string]any{"method": "GET", "url": "nope"})
	if h, _ := e.g.HTTPConnector("HTTP-01"); h.Method != "POST" {
		t.Fatal("a refused update changed the connector")
	}
	r = e.must(http.StatusOK, "GET", "/admin/httpconnectors", nil)
	if r.body["total"] != 1.0 || jget(t, r.body, "httpconnectors", 0, "cid") != "HTTP-01" {
		t.Fatalf("list = %s", r.raw)
	}
	e.must(http.StatusNoContent, "DELETE", "/admin/httpconnectors/HTTP-01", nil)
	e.refused(http.StatusNotFound, "", "GET", "/admin/httpconnectors/HTTP-01", nil)
}

func TestStats(t *testing.T) {
	e := newEnv(t)
	e.must(http.StatusCreated, "POST", "/admin/groups", map[string]any{"gid": "g1"})
	e.must(http.StatusCreated, "POST", "/admin/users", map[string]any{"uid": "u1", "gid": "g1", "username": "user1", "password": "pass1",
		"mt_messaging_cred": map[string]any{"quota": map[string]any{"balance": 10, "sms_count": 3}}})
	e.must(http.StatusCreated, "POST", "/admin/connectors", map[string]any{"cid": "smsc1"})
	r := e.must(http.StatusOK, "GET", "/admin/stats/users/u1", nil)
	if r.body["balance"] != 10.0 || r.body["sms_count"] != 3.0 || r.body["bound_connections_count"] != 0.0 {
		t.Fatalf("user stats = %s", r.raw)
	}
	r = e.must(http.StatusOK, "GET", "/admin/stats/smppsapi", nil)
	for _, k := range []string{"connect_count", "bound_trx_count", "submit_sm_request_count", "throttling_error_count", "elink_count",
		"bind_trx_count", "created_at"} {
		if _, ok := r.body[k]; !ok {
			t.Errorf("smppsapi stats lack %s: %s", k, r.raw)
		}
	}
	if c, _ := r.body["created_at"].(string); c == "" {
		t.Errorf("smppsapi created_at = %v", r.body["created_at"])
	}
	r = e.must(http.StatusOK, "GET", "/admin/stats", nil)
	if jget(t, r.body, "users", 0, "uid") != "u1" || jget(t, r.body, "connectors", 0, "cid") != "smsc1" ||
		jget(t, r.body, "connectors", 0, "connected_at") != nil || jget(t, r.body, "connectors", 0, "created_at") == nil ||
		jget(t, r.body, "connectors", 0, "elink_count") != 0.0 || r.body["smppsapi"] == nil {
		t.Fatalf("stats = %s", r.raw)
	}
	e.must(http.StatusOK, "GET", "/admin/stats/users", nil)
	e.must(http.StatusOK, "GET", "/admin/stats/connectors", nil)
	e.refused(http.StatusNotFound, "", "GET", "/admin/stats/users/nobody", nil)
	e.refused(http.StatusNotFound, "", "GET", "/admin/stats/connectors/nope", nil)
}
