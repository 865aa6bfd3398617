package junebug

import (
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/smsc"
)

// TestBadChannelInput: each refused channel body gets the envelope with
// the right status, error type and a message naming the field, and no
// channel, connector or stored record comes of it.
func TestBadChannelInput(t *testing.T) {
	e := newEnv(t, smsc.Config{}, nil)
	good := func(change func(m map[string]any)) map[string]any {
		m := map[string]any{"type": "smpp", "config": e.simConfig(), "mo_url": "http://example.com/mo"}
		change(m)
		return m
	}
	cases := []struct {
		name   string
		body   any
		status int
		typ    string
		want   string // in the error messages
	}{
		{"missing mo_url", good(func(m map[string]any) { delete(m, "mo_url") }), 400, errInvalidBody, "mo_url: required"},
		{"null mo_url", good(func(m map[string]any) { m["mo_url"] = nil }), 400, errInvalidBody, "mo_url: required"},
		{"unknown type", good(func(m map[string]any) { m["type"] = "telnet" }), 400, errInvalidChannelType, `"telnet"`},
		{"missing type", good(func(m map[string]any) { delete(m, "type") }), 400, errInvalidBody, "type: required"},
		{"invalid config key", good(func(m map[string]any) { m["config"].(map[string]any)["bogus"] = 1 }), 400, errInvalidBody, "config.bogus"},
		{"invalid config value", good(func(m map[string]any) { m["config"].(map[string]any)["port"] = "abc" }), 400, errInvalidBody, "config.port"},
		{"config cid", good(func(m map[string]any) { m["config"].(map[string]any)["cid"] = "mine" }), 400, errInvalidBody, "config.cid"},
		{"config conflict", good(func(m map[string]any) { m["config"].(map[string]any)["twisted_endpoint"] = "tcp:h:1" }), 400, errInvalidBody, "already sets"},
		{"config not an object", good(func(m map[string]any) { m["config"] = "host=x" }), 400, errInvalidBody, "config: must be an object"},
		{"missing config", good(func(m map[string]any) { delete(m, "config") }), 400, errInvalidBody, "config: required"},
		{"amqp_queue", good(func(m map[string]any) { m["amqp_queue"] = "q" }), 400, errInvalidBody, "amqp_queue: not offered"},
		{"unknown field", good(func(m map[string]any) { m["colour"] = "red" }), 400, errInvalidBody, "colour: unknown field"},
		{"rate limit half", good(func(m map[string]any) { m["rate_limit_count"] = 5 }), 400, errInvalidBody, "give both"},
		{"rate limit and throughput", good(func(m map[string]any) { m["rate_limit_count"], m["rate_limit_window"] = 5, 10 }), 400, errInvalidBody, "give one"},
		{"character_limit zero", good(func(m map[string]any) { m["character_limit"] = 0 }), 400, errInvalidBody, "character_limit"},
		{"mo_url not http", good(func(m map[string]any) { m["mo_url"] = "ftp://x/y" }), 400, errInvalidBody, "mo_url"},
		{"mo_url host the client refuses", good(func(m map[string]any) { m["mo_url"] = "http://]/y" }), 400, errInvalidBody, "mo_url"},
		{"status_url unknown variable", good(func(m map[string]any) { m["status_url"] = "http://x/{message_id}" }), 400, errInvalidBody, "{message_id}"},
		{"not JSON", "{type: smpp", 400, errInvalidBody, "JSON object"},
		{"JSON array", "[]", 400, errInvalidBody, "JSON object"},
	}
	for _, c := range cases {
		r := e.call("POST", "/channels/", c.body)
		if r.HTTP != c.status || r.errType() != c.typ || !strings.Contains(r.errMessages(), c.want) {
			t.Errorf("%s: %d %s, want %d %s with %q", c.name, r.HTTP, r.Raw, c.status, c.typ, c.want)
		}
	}
	if r := e.call("GET", "/channels/", nil); string(r.Result) != "[]" {
		t.Fatalf("channels after refused creations: %s", r.Raw)
	}
	if n := len(e.g.Connectors()); n != 0 {
		t.Fatalf("%d connectors after refused creations", n)
	}
	if objs, _ := e.g.Parts().Store.Objects(kindChannel); len(objs) != 0 {
		t.Fatalf("%d stored channels after refused creations", len(objs))
	}

	// A refused update changes nothing.
	id := e.createChannel(map[string]any{"label": "before"})
	before := e.call("GET", "/channels/"+id, nil)
	for _, body := range []any{
		map[string]any{"label": "after", "config": map[string]any{"port": 0}},
		map[string]any{"label": "after", "type": "xmpp"},
		map[string]any{"label": "after", "mo_url": 5},
	} {
		r := e.call("POST", "/channels/"+id, body)
		if r.HTTP != 400 {
			t.Fatalf("bad update: %d %s", r.HTTP, r.Raw)
		}
	}
	var v1, v2 channelView
	before.result(&v1)
	e.call("GET", "/channels/"+id, nil).result(&v2)
	if *v2.Label != "before" || string(v1.Config) != string(v2.Config) {
		t.Fatalf("refused update changed the channel: %+v", v2)
	}
}

// TestBadMessageInput: each refused message gets the envelope with the
// right status and error type, and nothing reaches the queue or the SMSC.
func TestBadMessageInput(t *testing.T) {
	e := newEnv(t, smsc.Config{}, func(c *config.Config) { c.Store.InboundMessageTTLSecs = 1 })
	id := e.createChannel(map[string]any{"character_limit": 10})
	e.waitBound(id)
	if _, err := e.sim.SendMO(smsc.MO{From: "27820000009", To: "8110", Content: "old"}); err != nil {
		t.Fatal(err)
	}
	mo := e.mos.wait(t, "MO", func(m map[string]any) bool { return m["content"] == "old" })
	time.Sleep(1100 * time.Millisecond) // past inbound_message_ttl
	submits := e.sim.Stats().Total.Submits

	msgs := "/channels/" + id + "/messages/"
	cases := []struct {
		name, path string
		body       any
		status     int
		typ        string
		want       string
	}{
		{"to and reply_to", msgs, map[string]any{"to": "1", "reply_to": "x", "content": "a"}, 400, errInvalidBody, "only one of to and reply_to"},
		{"neither", msgs, map[string]any{"content": "a"}, 400, errInvalidBody, "one of to and reply_to is required"},
		{"expired reply_to", msgs, map[string]any{"reply_to": mo["message_id"], "content": "a"}, 400, errMessageNotFound, "inbound_message_ttl"},
		{"unknown reply_to", msgs, map[string]any{"reply_to": "nope", "content": "a"}, 400, errMessageNotFound, `"nope"`},
		{"over character_limit", msgs, map[string]any{"to": "1", "content": "ééééééééééé"}, 400, errMessageTooLong, "11 characters"},
		{"bad priority", msgs, map[string]any{"to": "1", "content": "a", "priority": 9}, 400, errInvalidBody, "priority"},
		{"bad priority word", msgs, map[string]any{"to": "1", "content": "a", "priority": "urgent"}, 400, errInvalidBody, "priority"},
		{"to too long", msgs, map[string]any{"to": strings.Repeat("1", 21), "content": "a"}, 400, errInvalidBody, "to: at most 20"},
		{"to not a string", msgs, map[string]any{"to": 27820000001, "content": "a"}, 400, errInvalidBody, "to: must be a string"},
		{"bad event_url", msgs, map[string]any{"to": "1", "content": "a", "event_url": "nope"}, 400, errInvalidBody, "event_url"},
		{"channel_data not object", msgs, map[string]any{"to": "1", "content": "a", "channel_data": 3}, 400, errInvalidBody, "channel_data"},
		{"unknown field", msgs, map[string]any{"to": "1", "content": "a", "session_event": "new"}, 400, errInvalidBody, "session_event: unknown field"},
		{"not JSON", msgs, "to=1", 400, errInvalidBody, "JSON object"},
		{"unknown channel", "/channels/nope/messages/", map[string]any{"to": "1", "content": "a"}, 404, errChannelNotFound, `"nope"`},
		{"unknown message", msgs + "nope", nil, 404, errMessageNotFound, `"nope"`},
		{"inbound id as message", msgs + mo["message_id"].(string), nil, 404, errMessageNotFound, "not found"},
	}
	for _, c := range cases {
		method := "POST"
		if c.body == nil {
			method = "GET"
		}
		r := e.call(method, c.path, c.body)
		if r.HTTP != c.status || r.errType() != c.typ || !strings.Contains(r.errMessages(), c.want) {
			t.Errorf("%s: %d %s, want %d %s with %q", c.name, r.HTTP, r.Raw, c.status, c.typ, c.want)
		}
	}
	time.Sleep(100 * time.Millisecond)
	if q := e.channelStatus(id).QueueLength; q != 0 {
		t.Fatalf("queue_length %d after refused messages", q)
	}
	if n := e.sim.Stats().Total.Submits - submits; n != 0 {
		t.Fatalf("%d refused messages reached the SMSC", n)
	}
	// Another channel's message is not found on this one.
	other := e.createChannel(nil)
	e.waitBound(other)
	mid := e.send(other, map[string]any{"to": "1", "content": "mine"})
	if r := e.call("GET", msgs+mid, nil); r.HTTP != 404 {
		t.Fatalf("message of another channel: %d %s", r.HTTP, r.Raw)
	}
	if r := e.call("GET", "/channels/"+other+"/messages/"+mid, nil); r.HTTP != 200 {
		t.Fatalf("message on its channel: %d %s", r.HTTP, r.Raw)
	}
}

// TestAuthAndRouting: every endpoint needs the jCli admin credentials;
// unknown paths and methods get the envelope too.
func TestAuthAndRouting(t *testing.T) {
	e := newEnv(t, smsc.Config{}, func(c *config.Config) { c.Auth.BackoffSecs = 60; c.Auth.KDFFailurePercent = 100 })
	if r := e.call("GET", "/channels/", nil); r.HTTP != 200 { // verified once: cached from now on
		t.Fatalf("GET /channels/: %d %s", r.HTTP, r.Raw)
	}
	free := e.g.AuthGuard().Config().FreeFailures
	failures, refused := 0, 0
	for _, c := range []struct{ user, pass string }{{"", ""}, {adminUser, "wrong"}, {"other", adminPass}} {
		for _, p := range []string{"/channels/", "/channels/x", "/channels/x/messages/", "/nope"} {
			r := e.callAs(c.user, c.pass, "GET", p, nil)
			switch {
			case r.HTTP == http.StatusUnauthorized && r.errType() == errUnauthorized &&
				strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Basic"):
				if c.user != "" {
					failures++
				}
			case r.HTTP == http.StatusTooManyRequests && r.Header.Get("Retry-After") != "" && failures > free:
				// Backed off after free_failures: refused unchecked.
				refused++
			default:
				t.Fatalf("%s as %q/%q: %d %s", p, c.user, c.pass, r.HTTP, r.Raw)
			}
		}
	}
	if failures != free+1 || refused != 8-failures {
		t.Fatalf("%d failures then %d refusals, want %d then %d", failures, refused, free+1, 7-free)
	}
	r := e.callAs(adminUser, "wrong", "POST", "/channels/", map[string]any{"type": "smpp", "config": e.simConfig(), "mo_url": "http://x/"})
	if r.HTTP != 429 || len(e.g.Connectors()) != 0 {
		t.Fatalf("unauthenticated create: %d %s", r.HTTP, r.Raw)
	}
	// The cached credentials still pass during the back-off.
	if r := e.call("GET", "/nope", nil); r.HTTP != 404 || r.errType() != errNotFound {
		t.Fatalf("unknown path: %d %s", r.HTTP, r.Raw)
	}
	if r := e.call("PUT", "/channels/", nil); r.HTTP != 405 || r.Header.Get("Allow") != "GET, POST" {
		t.Fatalf("PUT /channels/: %d %s", r.HTTP, r.Raw)
	}
	if r := e.call("GET", "/channels/x/restart", nil); r.HTTP != 405 {
		t.Fatalf("GET restart: %d %s", r.HTTP, r.Raw)
	}
	for _, p := range []string{"/channels/x", "/channels/x/restart", "/channels/x/logs", "/channels/x/cancel"} {
		method := "POST"
		if strings.HasSuffix(p, "logs") {
			method = "GET"
		}
		if r := e.call(method, p, nil); r.HTTP != 404 || r.errType() != errChannelNotFound {
			t.Fatalf("%s %s: %d %s", method, p, r.HTTP, r.Raw)
		}
	}
	id := e.createChannel(nil)
	if r := e.call("GET", "/channels/"+id+"/logs?n=-1", nil); r.HTTP != 400 {
		t.Fatalf("logs n=-1: %d %s", r.HTTP, r.Raw)
	}
	if r := e.call("GET", "/channels/"+id+"/logs?n=0", nil); r.HTTP != 200 || string(r.Result) != "[]" {
		t.Fatalf("logs n=0: %d %s", r.HTTP, r.Raw)
	}
}

// TestNoUsernameSpendsNoCheck: Basic credentials without a username (the
// admin account always has one) are refused with 401 and the envelope
// without running a password check, as the admin API refuses them.
func TestNoUsernameSpendsNoCheck(t *testing.T) {
	e := newEnv(t, smsc.Config{}, nil)
	checks := e.g.AuthGuard().Stats.Checks.Load()
	for _, cred := range []string{":", ":" + adminPass} {
		req, err := http.NewRequest("GET", e.base+"/channels/", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(cred)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), errUnauthorized) ||
			!strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic") {
			t.Fatalf("%q: %d %s", cred, resp.StatusCode, body)
		}
	}
	if n := e.g.AuthGuard().Stats.Checks.Load() - checks; n != 0 {
		t.Fatalf("credentials without a username ran %d password checks", n)
	}
	if r := e.call("GET", "/channels/", nil); r.HTTP != 200 {
		t.Fatalf("the admin afterwards: %d %s", r.HTTP, r.Raw)
	}
}
