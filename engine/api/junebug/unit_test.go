package junebug

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gwd-project/gwd/store"
)

func TestExpandURL(t *testing.T) {
	v := &tmplValues{channelID: "c-1", messageID: "m 2", eventType: "submitted"}
	cases := map[string]string{
		"http://x/events": "http://x/events",
		"http://x/{channel_id}/{message_id}?t={event_type}":   "http://x/c-1/m+2?t=submitted",
		"http://x/{channel_id}{channel_id}":                   "http://x/c-1c-1",
		"http://x/{unclosed":                                  "http://x/{unclosed",
		"http://x/{event_type}/end/{message_id}/{channel_id}": "http://x/submitted/end/m+2/c-1",
	}
	for in, want := range cases {
		if got := expandURL(in, v); got != want {
			t.Errorf("expandURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheckURL(t *testing.T) {
	ok := []string{"http://x/", "https://h:8080/p?q=1", "http://x/{channel_id}/{message_id}/{event_type}"}
	for _, u := range ok {
		if err := checkURL("event_url", u, eventVars); err != nil {
			t.Errorf("%q: %v", u, err)
		}
	}
	bad := map[string]string{
		"":                      "must not be empty",
		"x":                     "http or https",
		"ftp://x/":              "http or https",
		"http:///path":          "no host",
		"http://x/{nope}":       "unknown template variable {nope}",
		"http://x/{channel_id":  "not closed",
		"http://x/{status}":     "unknown template variable",
		"http://x/\x7f{bad url": "not closed",
	}
	for u, want := range bad {
		err := checkURL("event_url", u, eventVars)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "event_url: ") {
			t.Errorf("%q: %v, want an error with %q", u, err, want)
		}
	}
}

func TestRates(t *testing.T) {
	r := newRates(10 * time.Second)
	t0 := time.Unix(1000, 0) // bucket 100 starts
	for range 20 {
		r.add(rateOutbound, t0)
	}
	r.add(rateSubmitted, t0.Add(9*time.Second))
	if got := r.perSecond(t0.Add(9 * time.Second)); got[rateOutbound] != 0 {
		t.Fatalf("the filling bucket counted: %v", got)
	}
	got := r.perSecond(t0.Add(10 * time.Second))
	if got[rateOutbound] != 2 || got[rateSubmitted] != 0.1 || got[rateInbound] != 0 {
		t.Fatalf("last bucket: %v", got)
	}
	r.add(rateInbound, t0.Add(15*time.Second))
	if got := r.perSecond(t0.Add(25 * time.Second)); got[rateOutbound] != 0 || got[rateInbound] != 0.1 {
		t.Fatalf("one bucket later: %v", got)
	}
	if got := r.perSecond(t0.Add(60 * time.Second)); got != [nRates]float64{} {
		t.Fatalf("after a quiet spell: %v", got)
	}
	r.add(-1, t0) // not counted, no panic
}

func TestConnectorConfig(t *testing.T) {
	cfg, tp, err := connectorConfig("jb_x", json.RawMessage(`{"twisted_endpoint":"ssl:host=smsc.example.com:port=2776",
		"system_id":"me","password":"pw","system_type":"VMA","mt_tps":2.5,"initial_reconnect_delay":7,
		"smpp_enquire_link_interval":15,"throttle_delay":3,"third_party_id_expiry":3600,"smpp_bind_timeout":20,
		"src_addr":"8110","binds":2,"logprivacy":true}`))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Host != "smsc.example.com" || cfg.Port != 2776 || !cfg.SSL || cfg.Username != "me" || cfg.Password != "pw" ||
		cfg.SysType != "VMA" || cfg.SubmitThroughput != 2.5 || !tp || cfg.ConLossDelay != 7 || cfg.ConFailDelay != 7 ||
		cfg.ElinkInterval != 15 || cfg.RequeueDelay != 3 || cfg.DLRExpiry != 3600 || cfg.BindTO != 20 ||
		cfg.SrcAddr != "8110" || cfg.Binds != 2 || !cfg.LogPrivacy || cfg.CID != "jb_x" {
		t.Fatalf("config: %+v", cfg)
	}
	cfg, tp, err = connectorConfig("jb_x", json.RawMessage(`{"twisted_endpoint":"tcp:10.0.0.1:2775"}`))
	if err != nil || cfg.Host != "10.0.0.1" || cfg.Port != 2775 || cfg.SSL || tp || cfg.SubmitThroughput != 0 {
		t.Fatalf("positional endpoint: %+v %v", cfg, err)
	}
	for in, want := range map[string]string{
		`{"host":"a","twisted_endpoint":"tcp:b:1"}`:          "config.twisted_endpoint: sets host, which config.host already sets",
		`{"mt_tps":1,"submit_throughput":2}`:                 "already sets",
		`{"twisted_endpoint":"udp:a:1"}`:                     "must start with tcp: or ssl:",
		`{"twisted_endpoint":"tcp:host=a"}`:                  "needs a host and a port",
		`{"twisted_endpoint":"tcp:a:1:2"}`:                   "expected tcp:host=H:port=P",
		`{"twisted_endpoint":"tcp:host=a:port=1:timeout=5"}`: "unsupported argument",
		`{"port":70000}`:                                     "config.port",
		`{"port":null}`:                                      "config.port: must not be null",
		`{"host":{"a":1}}`:                                   "config.host: must be a string, a number or a boolean",
		`{"bind":"sideways"}`:                                "config.bind",
		`{"nope":1}`:                                         "config.nope: unknown",
		`{"cid":"mine"}`:                                     "config.cid",
		`[1]`:                                                "config: must be an object",
		`{"con_loss_retry":"x"}`:                             "config.con_loss_retry",
	} {
		_, _, err := connectorConfig("jb_x", json.RawMessage(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", in, err, want)
		}
	}
}

func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"", "plain", `q"b\s`, "nl\n\r\t\x00\x1f", "é€😀", "bad\xff\xfeutf8", "\u2028"} {
		b := appendJSONString(nil, s)
		var back string
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%q → %s: %v", s, b, err)
		}
		// What encoding/json makes of s.
		std, _ := json.Marshal(s)
		var want string
		_ = json.Unmarshal(std, &want)
		if back != want || (utf8.ValidString(s) && back != s) {
			t.Fatalf("%q → %s → %q", s, b, back)
		}
	}
}

func TestEventJSON(t *testing.T) {
	at := time.Date(2015, 6, 15, 13, 0, 0, 123456000, time.UTC)
	b := appendEvent(nil, "m-1", "c-1", &store.Event{Type: store.EventFailed, At: at, Connector: "jb_1", Stat: "UNDELIV"})
	want := `{"event_type":"delivery_failed","message_id":"m-1","channel_id":"c-1","timestamp":"2015-06-15 13:00:00.123456","event_details":{"connector":"jb_1","stat":"UNDELIV"}}`
	if string(b) != want {
		t.Fatalf("event JSON\n got %s\nwant %s", b, want)
	}
	b = appendInbound(nil, &inbound{id: "i", channelID: "c", from: "1", content: "x\"y", hasContent: true, at: at, dataCoding: 8})
	want = `{"message_id":"i","channel_id":"c","from":"1","to":null,"content":"x\"y","timestamp":"2015-06-15 13:00:00.123456","reply_to":null,"channel_data":{"data_coding":8}}`
	if string(b) != want {
		t.Fatalf("inbound JSON\n got %s\nwant %s", b, want)
	}
	b = appendInbound(nil, &inbound{id: "i", channelID: "c", at: at, dataCoding: 245, binary: "00ff"})
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil || m["content"] != nil ||
		m["channel_data"].(map[string]any)["data_coding"] != 245.0 || m["channel_data"].(map[string]any)["binary"] != "00ff" {
		t.Fatalf("binary inbound JSON %s: %v", b, err)
	}
}

func TestChannelIDs(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		id := newChannelID()
		if len(id) != 36 || id[14] != '4' || strings.Count(id, "-") != 4 {
			t.Fatalf("id %q", id)
		}
		cid := cidOf(id)
		if len(cid) != 25 || !strings.HasPrefix(cid, "jb_") || seen[cid] {
			t.Fatalf("cid %q of %q", cid, id)
		}
		seen[cid] = true
	}
}
