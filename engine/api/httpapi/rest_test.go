package httpapi

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/router/ledger"
)

func TestRESTAuth(t *testing.T) {
	e := newEnv(t, config.HTTPAPI{}, Options{})
	body := `{"to": 19012233451, "content": "Hello"}`
	for _, c := range []struct {
		name, user, pass string
		hdr              string
		want             string
	}{
		{name: "none", want: `{"message": "Authentication required"}`},
		{name: "wrong password", user: "foo", pass: "nope", want: `{"message": "Authentication failure for username:foo"}`},
		{name: "unknown user", user: "bob", pass: "bar", want: `{"message": "Authentication failure for username:bob"}`},
		{name: "not basic", hdr: "Bearer abc", want: `{"message": "Authentication required"}`},
		{name: "bad base64", hdr: "Basic !!!", want: `{"message": "Authentication required"}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			var st int
			var got string
			var h map[string][]string
			if c.hdr != "" {
				req := newReq(t, "POST", e.base+"/secure/send", body)
				req.Header.Set("Authorization", c.hdr)
				st, got, h = e.do(req)
			} else {
				st, got, h = e.rest("POST", "/secure/send", c.user, c.pass, body)
			}
			if st != 401 || got != c.want {
				t.Errorf("%d %q, want 401 %q", st, got, c.want)
			}
			if len(h["Www-Authenticate"]) == 0 {
				t.Errorf("no WWW-Authenticate")
			}
		})
	}
	for _, path := range []string{"/secure/balance", "/secure/rate?to=1", "/secure/batch/x"} {
		if st, _, _ := e.rest("GET", path, "", "", ""); st != 401 {
			t.Errorf("GET %s without credentials: %d", path, st)
		}
	}
	if st, _, _ := e.rest("POST", "/secure/sendbatch", "foo", "x", `{"messages": [{"to": "1", "content": "a"}]}`); st != 401 {
		t.Errorf("sendbatch with a wrong password: %d", st)
	}
	if n := len(e.b.submits()); n != 0 {
		t.Errorf("%d submits", n)
	}
}

func TestRESTSend(t *testing.T) {
	// The manual's receiver is on a private network, which the operator
	// allows.
	e := newEnv(t, config.HTTPAPI{}, Options{CallbackGuard: testGuard(t, "192.168.202.0/24")})
	// The manual's example.
	st, body, _ := e.rest("POST", "/secure/send", "foo", "bar", `{
  "to": 19012233451,
  "from": "Jookies",
  "content": "Hello",
  "dlr": "yes",
  "dlr-url": "http://192.168.202.54/dlr_receiver.php",
  "dlr-level": 3
}`)
	if st != 200 {
		t.Fatalf("%d %q", st, body)
	}
	id, ok := strings.CutPrefix(body, `{"data": "Success \"`)
	if !ok || !strings.HasSuffix(id, `"}`) || len(id) != 36+2 {
		t.Fatalf("body %q", body)
	}
	id = strings.TrimSuffix(id, `"}`)
	s := e.b.submits()[0]
	p := s.parts[0]
	if s.id != id || string(p.Dest.Addr) != "19012233451" || string(p.Source.Addr) != "Jookies" ||
		string(p.ShortMessage) != "Hello" || s.dlr.Level != 3 || s.dlr.URL != "http://192.168.202.54/dlr_receiver.php" ||
		s.dlr.Method != "POST" || p.RegisteredDelivery != 1 {
		t.Errorf("submit %+v part %+v", s, p)
	}
	// Binary (the manual's hex_content example).
	st, body, _ = e.rest("POST", "/secure/send", "foo", "bar",
		`{"to": 19012233451, "from": "Jookies", "coding": 8, "hex_content": "0623063106460628"}`)
	if st != 200 {
		t.Fatalf("%d %q", st, body)
	}
	p = e.b.submits()[1].parts[0]
	if p.DataCoding != 8 || !bytes.Equal(p.ShortMessage, []byte{6, 0x23, 6, 0x31, 6, 0x46, 6, 0x28}) {
		t.Errorf("binary: %d % x", p.DataCoding, p.ShortMessage)
	}
	// username/password in the body are ignored: the header says who.
	if st, body, _ := e.rest("POST", "/secure/send", "foo", "bar", `{"to": "1", "content": "x", "username": "other", "password": "y"}`); st != 200 {
		t.Errorf("with username in body: %d %q", st, body)
	}
}

func TestRESTSendErrors(t *testing.T) {
	e := newEnv(t, config.HTTPAPI{}, Options{})
	for _, c := range []struct {
		body   string
		status int
		want   string
	}{
		{`{"to": "1"`, 400, `{"message": "Error \"Malformed JSON: unexpected end of JSON input."}`},
		{`[1, 2]`, 400, `{"message": "Error \"Malformed JSON: an object is expected."}`},
		{`{"to": "1", "content": "a"} x`, 400, `{"message": "Error \"Malformed JSON: invalid character 'x' after top-level value."}`},
		{`{"content": "a"}`, 400, `{"message": "Error \"Mandatory argument [to] is not found."}`},
		{`{"to": ["1", "2"], "content": "a"}`, 400, `{"message": "Error \"Argument [to] has an invalid value: [[\"1\", \"2\"]]."}`},
		{`{"to": "1", "content": "a", "bogus": 1}`, 400, `{"message": "Error \"Argument [bogus] is unknown."}`},
		{`{"to": "1"}`, 400, `{"message": "Error \"content or hex-content not present."}`},
		{`{"to": "1", "content": "a", "priority": 9}`, 400, `{"message": "Error \"Argument [priority] has an invalid value: [9]."}`},
	} {
		st, body, _ := e.rest("POST", "/secure/send", "foo", "bar", c.body)
		if st != c.status || body != c.want {
			t.Errorf("%s\n got %d %s\nwant %d %s", c.body, st, body, c.status, c.want)
		}
	}
	e.b.setRefuse(routeRefusal{})
	st, body, _ := e.rest("POST", "/secure/send", "foo", "bar", `{"to": "1", "content": "a"}`)
	if st != 412 || body != `{"message": "Error \"No route found"}` {
		t.Errorf("no route: %d %s", st, body)
	}
	e.b.setRefuse(nil)
	e.setCred("mt_messaging_cred", "authorization", "http_send", "False")
	st, body, _ = e.rest("POST", "/secure/send", "foo", "bar", `{"to": "1", "content": "a"}`)
	if st != 403 || body != `{"message": "Error \"Authorization failed for username:foo (Cannot send MT messages)."}` {
		t.Errorf("http_send False: %d %s", st, body)
	}
	if st, _, _ := e.rest("GET", "/secure/send", "foo", "bar", ""); st != 405 {
		t.Errorf("GET /secure/send: %d", st)
	}
	if n := len(e.b.submits()); n != 0 {
		t.Errorf("%d submits", n)
	}
}

func TestRESTBalanceRate(t *testing.T) {
	e := newEnv(t, config.HTTPAPI{}, Options{})
	e.b.setCounters("u1", walCounters("10.23", true, 0, false))
	st, body, _ := e.rest("GET", "/secure/balance", "foo", "bar", "")
	if st != 200 || body != `{"data": {"balance": "10.23", "sms_count": "ND"}}` {
		t.Errorf("balance: %d %s", st, body)
	}
	e.b.setRate(ledger.MustMoney("0.02"), nil)
	st, body, _ = e.rest("GET", "/secure/rate?to=19012233451", "foo", "bar", "")
	if st != 200 || body != `{"data": {"submit_sm_count": 1, "unit_rate": 0.02}}` {
		t.Errorf("rate: %d %s", st, body)
	}
	st, body, _ = e.rest("GET", "/secure/rate", "foo", "bar", "")
	if st != 400 || body != `{"message": "Error \"Mandatory argument [to] is not found."}` {
		t.Errorf("rate without to: %d %s", st, body)
	}
}
