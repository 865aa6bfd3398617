package httpapi

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/engine/mt"
	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/router/ledger"
	"github.com/gwd-project/gwd/smpp"
)

func TestSendFirstSMS(t *testing.T) {
	e := newEnv(t, config.HTTPAPI{}, Options{})
	// The manual's "Send SMS": /send?username=foo&password=bar&to=06222172&content=hello
	st, body := e.getRaw("/send?username=foo&password=bar&to=06222172&content=hello")
	if st != http.StatusOK {
		t.Fatalf("status %d body %q", st, body)
	}
	id := successID(t, body)
	subs := e.b.submits()
	if len(subs) != 1 {
		t.Fatalf("%d submits, want 1", len(subs))
	}
	s := subs[0]
	if s.id != id || s.uid != "u1" || s.channel != router.ChannelHTTP {
		t.Errorf("submit id %q uid %q channel %v; answered %q", s.id, s.uid, s.channel, id)
	}
	if len(s.parts) != 1 {
		t.Fatalf("%d parts", len(s.parts))
	}
	p := s.parts[0]
	if p.Command != smpp.SubmitSM || string(p.Dest.Addr) != "06222172" || len(p.Source.Addr) != 0 ||
		string(p.ShortMessage) != "hello" || p.DataCoding != 0 || p.EsmClass != 0 || p.RegisteredDelivery != 0 ||
		p.PriorityFlag != 0 || len(p.ValidityPeriod) != 0 || len(p.ScheduleDeliveryTime) != 0 || len(p.TLVs) != 0 {
		t.Errorf("unexpected submit_sm: %+v", p)
	}
	if s.dlr.Level != 0 || s.dlr.URL != "" || !s.expires.IsZero() || s.received.IsZero() {
		t.Errorf("dlr %+v expires %v received %v", s.dlr, s.expires, s.received)
	}
}

func TestSendPOSTForm(t *testing.T) {
	e := newEnv(t, config.HTTPAPI{}, Options{})
	st, body := e.postForm("/send", url.Values{"username": {"foo"}, "password": {"bar"},
		"to": {"+336222172"}, "from": {"Jasmin GW"}, "content": {"Hello world !"}})
	if st != 200 {
		t.Fatalf("status %d body %q", st, body)
	}
	successID(t, body)
	p := e.b.submits()[0].parts[0]
	if string(p.Dest.Addr) != "+336222172" || string(p.Source.Addr) != "Jasmin GW" || string(p.ShortMessage) != "Hello world !" {
		t.Errorf("submit_sm %+v", p)
	}
}

// TestSendResponseTable walks the manual's "Http response code details".
func TestSendResponseTable(t *testing.T) {
	var e *env
	ok := []string{"to", "06222172", "content", "hello"}
	cases := []struct {
		name   string
		setup  func()
		do     func() (int, string)
		status int
		body   string
	}{
		{name: "mandatory arguments", do: func() (int, string) { return e.get("/balance", nil) },
			status: 400, body: `Error "Mandatory arguments not found, please refer to the HTTPAPI specifications."`},
		{name: "unknown argument", do: func() (int, string) { return e.getRaw("/send?foo=1&username=foo&password=bar&to=1&content=x") },
			status: 400, body: `Error "Argument [foo] is unknown."`},
		{name: "invalid value", do: func() (int, string) { return e.send(append(ok, "coding", "99")...) },
			status: 400, body: `Error "Argument [coding] has an invalid value: [99]."`},
		{name: "missing argument", do: func() (int, string) { return e.send("content", "hello") },
			status: 400, body: `Error "Mandatory argument [to] is not found."`},
		{name: "value filter (dynamic)", setup: func() { e.setCred("mt_messaging_cred", "valuefilter", "dst_addr", "^33") },
			do:     func() (int, string) { return e.send(ok...) },
			status: 400, body: `Error "Value filter failed for user [foo] (destination_address filter mismatch)."`},
		{name: "authentication", do: func() (int, string) {
			return e.getRaw("/send?username=foo&password=bad&to=06222172&content=hello")
		}, status: 403, body: `Error "Authentication failure for username:foo"`},
		{name: "authorization", setup: func() { e.setCred("mt_messaging_cred", "authorization", "http_send", "False") },
			do:     func() (int, string) { return e.send(ok...) },
			status: 403, body: `Error "Authorization failed for username:foo (Cannot send MT messages)."`},
		{name: "charging", setup: func() { e.b.setRefuse(router.ErrInsufficientBalance) },
			do:     func() (int, string) { return e.send(ok...) },
			status: 403, body: `Error "Cannot charge submit_sm, check RouterPB log file for details"`},
		{name: "no route", setup: func() { e.b.setRefuse(routeRefusal{}) },
			do:     func() (int, string) { return e.send(ok...) },
			status: 412, body: `Error "No route found"`},
		{name: "fallback", setup: func() { e.b.setRefuse(errPlain) },
			do:     func() (int, string) { return e.send(ok...) },
			status: 500, body: `Error "Cannot send submit_sm, check SMPPClientManagerPB log file for details"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e = newEnv(t, config.HTTPAPI{}, Options{})
			if c.setup != nil {
				c.setup()
			}
			before := len(e.b.submits())
			st, body := c.do()
			if st != c.status || body != c.body {
				t.Errorf("got %d %q\nwant %d %q", st, body, c.status, c.body)
			}
			if n := len(e.b.submits()); n != before {
				t.Errorf("%d messages queued by a refused request", n-before)
			}
		})
	}
}

// TestSendBadInput: every refused request answers the documented error
// and hands nothing to the gateway.
func TestSendBadInput(t *testing.T) {
	e := newEnv(t, config.HTTPAPI{}, Options{})
	cases := []struct {
		query string
		body  string
	}{
		{"", `Error "Mandatory argument [to] is not found."`},
		{"bogus=1", `Error "Argument [bogus] is unknown."`},
		{"password=bar&to=33600000001&content=hello", `Error "Mandatory argument [username] is not found."`},
		{"username=foo&to=33600000001&content=hello", `Error "Mandatory argument [password] is not found."`},
		{"username=foo&password=bar&to=33600000001", `Error "content or hex-content not present."`},
		{"username=foo&password=bar&to=33600000001&content=a&hex-content=41", `Error "content and hex-content cannot be used both in same request."`},
		{"username=foo&password=bar&to=abc&content=a", `Error "Argument [to] has an invalid value: [abc]."`},
		{"username=foo&password=bar&to=123456789012345678901&content=a", `Error "Argument [to] has an invalid value: [123456789012345678901]."`},
		{"username=foo&password=bar&to=1&content=a&coding=11", `Error "Argument [coding] has an invalid value: [11]."`},
		{"username=foo&password=bar&to=1&content=a&priority=4", `Error "Argument [priority] has an invalid value: [4]."`},
		{"username=foo&password=bar&to=1&content=a&dlr-level=4&dlr-url=http://h/", `Error "Argument [dlr-level] has an invalid value: [4]."`},
		{"username=foo&password=bar&to=1&content=a&validity-period=1h", `Error "Argument [validity-period] has an invalid value: [1h]."`},
		{"username=foo&password=bar&to=1&content=a&validity-period=999999999999", `Error "Argument [validity-period] has an invalid value: [999999999999]."`},
		{"username=foo&password=bar&to=1&content=a&validity-period=0", `Error "Argument [validity-period] has an invalid value: [0]."`},
		{"username=foo&password=bar&to=1&content=a&sdt=tomorrow", `Error "Argument [sdt] has an invalid value: [tomorrow]."`},
		{"username=foo&password=bar&to=1&content=a&dlr=maybe", `Error "Argument [dlr] has an invalid value: [maybe]."`},
		{"username=foo&password=bar&to=1&content=a&dlr=yes", `Error "Mandatory argument [dlr-url] is not found."`},
		{"username=foo&password=bar&to=1&content=a&dlr-level=2", `Error "Mandatory argument [dlr-url] is not found."`},
		{"username=foo&password=bar&to=1&content=a&dlr-url=ftp://h/x", `Error "Argument [dlr-url] has an invalid value: [ftp://h/x]."`},
		{"username=foo&password=bar&to=1&content=a&dlr-url=http://", `Error "Argument [dlr-url] has an invalid value: [http://]."`},
		// A host the callback client cannot reach (fuzzing found the
		// thrower accepting it): refused here, not at receipt time.
		{"username=foo&password=bar&to=1&content=a&dlr-url=http://%5D/x", `Error "Argument [dlr-url] has an invalid value: [http://]/x]."`},
		{"username=foo&password=bar&to=1&content=a&dlr-url=http://h/&dlr-method=PUT", `Error "Argument [dlr-method] has an invalid value: [PUT]."`},
		{"username=foo&password=bar&to=1&content=a&tags=1;2", `Error "Argument [tags] has an invalid value: [1;2]."`},
		{"username=foo&password=bar&to=1&hex-content=0G", `Error "Argument [hex-content] has an invalid value: [0G]."`},
		{"username=foo&password=bar&to=1&hex-content=123", `Error "Argument [hex-content] has an invalid value: [123]."`},
		{"username=foo&password=bar&to=1&content=caf%C3%A9&coding=1", `Error "Argument [content] has an invalid value: character 'é' (U+00E9) at position 3 cannot be encoded in coding 1 (IA5/ASCII)."`},
		{"username=foo&password=bar&to=1&content=" + strings.Repeat("x", 161*5), `Error "Content too long: 6 parts, long_content_max_parts is 5."`},
		// The first argument unknown wins over the table's errors.
		{"zz=1&to=abc", `Error "Argument [zz] is unknown."`},
		// Otherwise the table's order: to before coding, coding before username.
		{"coding=99&to=abc&yy=1", `Error "Argument [to] has an invalid value: [abc]."`},
		{"to=1&coding=99", `Error "Argument [coding] has an invalid value: [99]."`},
		{"to=1&username=foo&password=bar&content=a&yy=1", `Error "Argument [yy] is unknown."`},
	}
	for _, c := range cases {
		st, body := e.getRaw("/send?" + c.query)
		if st != 400 || body != c.body {
			t.Errorf("/send?%.60s\n got %d %q\nwant 400 %q", c.query, st, body, c.body)
		}
	}
	if n := len(e.b.submits()); n != 0 {
		t.Errorf("%d messages queued by refused requests", n)
	}
}

func TestSendDisabledUser(t *testing.T) {
	e := newEnv(t, config.HTTPAPI{}, Options{})
	if st, body := e.send("to", "1", "content", "a"); st != 200 {
		t.Fatalf("%d %q", st, body)
	}
	if err := e.acc.DisableUser("u1"); err != nil {
		t.Fatal(err)
	}
	st, body := e.send("to", "1", "content", "a")
	if st != 403 || body != `Error "Authentication failure for username:foo"` {
		t.Errorf("disabled user: %d %q", st, body)
	}
	if err := e.acc.EnableUser("u1"); err != nil {
		t.Fatal(err)
	}
	if err := e.acc.DisableGroup("g1"); err != nil {
		t.Fatal(err)
	}
	st, body = e.send("to", "1", "content", "a")
	if st != 403 || body != `Error "Authentication failure for username:foo"` {
		t.Errorf("disabled group: %d %q", st, body)
	}
	st, body = e.getRaw("/send?username=nobody&password=bar&to=1&content=a")
	if st != 403 || body != `Error "Authentication failure for username:nobody"` {
		t.Errorf("unknown user: %d %q", st, body)
	}
	if n := len(e.b.submits()); n != 1 {
		t.Errorf("%d submits, want 1", n)
	}
}

func TestSendAuthorizations(t *testing.T) {
	e := newEnv(t, config.HTTPAPI{}, Options{})
	cases := []struct {
		key  string
		args []string
		want string
	}{
		{"src_addr", []string{"from", "X"}, "Setting source address not authorized"},
		{"priority", []string{"priority", "1"}, "Setting priority not authorized"},
		{"validity_period", []string{"validity-period", "10"}, "Setting validity period not authorized"},
		{"schedule_delivery_time", []string{"sdt", "000000000100000R"}, "Setting schedule delivery time not authorized"},
		{"dlr_level", []string{"dlr-url", "http://h/", "dlr-level", "2"}, "Setting dlr level not authorized"},
		{"http_dlr_method", []string{"dlr-url", "http://h/", "dlr-method", "GET"}, "Setting dlr method not authorized"},
		{"http_long_content", []string{"content", strings.Repeat("y", 200)}, "Long content not authorized"},
	}
	for _, c := range cases {
		e.setCred("mt_messaging_cred", "authorization", c.key, "False")
		args := append([]string{"to", "1", "content", "a"}, c.args...)
		st, body := e.send(args...)
		want := `Error "Authorization failed for username:foo (` + c.want + `)."`
		if st != 403 || body != want {
			t.Errorf("%s: %d %q, want 403 %q", c.key, st, body, want)
		}
		e.setCred("mt_messaging_cred", "authorization", c.key, "True")
	}
	e.setCred("mt_messaging_cred", "authorization", "hex_content", "False")
	if st, body := e.send("to", "1", "hex-content", "41"); st != 403 ||
		body != `Error "Authorization failed for username:foo (Setting hex content not authorized)."` {
		t.Errorf("hex_content: %d %q", st, body)
	}
	if n := len(e.b.submits()); n != 0 {
		t.Errorf("%d submits", n)
	}
}

func TestSendDefaultSource(t *testing.T) {
	e := newEnv(t, config.HTTPAPI{}, Options{})
	e.setCred("mt_messaging_cred", "defaultvalue", "src_addr", "GWD")
	if st, body := e.send("to", "1", "content", "a"); st != 200 {
		t.Fatalf("%d %q", st, body)
	}
	if st, body := e.send("to", "1", "content", "a", "from", "Mine"); st != 200 {
		t.Fatalf("%d %q", st, body)
	}
	subs := e.b.submits()
	if got := string(subs[0].parts[0].Source.Addr); got != "GWD" {
		t.Errorf("default source %q", got)
	}
	if got := string(subs[1].parts[0].Source.Addr); got != "Mine" {
		t.Errorf("given source %q", got)
	}
}

func TestSendThroughput(t *testing.T) {
	e := newEnv(t, config.HTTPAPI{}, Options{})
	// One message per 1000 seconds: the second is refused however slow
	// the machine.
	e.setCred("mt_messaging_cred", "quota", "http_throughput", "0.001")
	if st, body := e.send("to", "1", "content", "a"); st != 200 {
		t.Fatalf("first: %d %q", st, body)
	}
	before := mThroughputErrors.Get()
	st, body := e.send("to", "1", "content", "a")
	if st != 403 || body != `Error "User throughput exceeded"` {
		t.Errorf("second: %d %q", st, body)
	}
	if mThroughputErrors.Get() != before+1 {
		t.Errorf("httpapi_throughput_error_count not counted")
	}
	if n := len(e.b.submits()); n != 1 {
		t.Errorf("%d submits, want 1", n)
	}
}

func TestSendOptionalParameters(t *testing.T) {
	e := newEnv(t, config.HTTPAPI{}, Options{})
	start := time.Now()
	st, body := e.send("to", "33600000001", "content", "hi", "priority", "2", "validity-period", "1440",
		"sdt", "000000000100000R", "dlr", "yes", "dlr-url", "http://app.example/dlr?x=1", "dlr-level", "3",
		"dlr-method", "get", "tags", "1,702,,9901")
	if st != 200 {
		t.Fatalf("%d %q", st, body)
	}
	s := e.b.submits()[0]
	p := s.parts[0]
	if p.PriorityFlag != 2 || s.priority != 2 {
		t.Errorf("priority_flag %d, Submit.Priority %d", p.PriorityFlag, s.priority)
	}
	if string(p.ValidityPeriod) != "000001000000000R" {
		t.Errorf("validity_period %q", p.ValidityPeriod)
	}
	if d := s.expires.Sub(start); d < 24*time.Hour-time.Minute || d > 25*time.Hour {
		t.Errorf("expires %v after the request", d)
	}
	if string(p.ScheduleDeliveryTime) != "000000000100000R" {
		t.Errorf("schedule_delivery_time %q", p.ScheduleDeliveryTime)
	}
	if p.RegisteredDelivery != 1 {
		t.Errorf("registered_delivery %d", p.RegisteredDelivery)
	}
	if s.dlr != (mt.DLRRequest{Level: 3, URL: "http://app.example/dlr?x=1", Method: "GET"}) {
		t.Errorf("dlr %+v", s.dlr)
	}
	if len(s.tags) != 3 || s.tags[0] != 1 || s.tags[1] != 702 || s.tags[2] != 9901 {
		t.Errorf("tags %v", s.tags)
	}

	// dlr-level 1 (SMSC level): no receipt asked of the SMSC; dlr-method
	// defaults to POST.
	if st, body := e.send("to", "1", "content", "hi", "dlr-url", "https://app.example/dlr", "dlr-level", "1"); st != 200 {
		t.Fatalf("%d %q", st, body)
	}
	s = e.b.submits()[1]
	if s.parts[0].RegisteredDelivery != 0 || s.dlr != (mt.DLRRequest{Level: 1, URL: "https://app.example/dlr", Method: "POST"}) {
		t.Errorf("level 1: registered_delivery %d dlr %+v", s.parts[0].RegisteredDelivery, s.dlr)
	}
	// dlr=no keeps receipts off.
	if st, body := e.send("to", "1", "content", "hi", "dlr", "no"); st != 200 {
		t.Fatalf("%d %q", st, body)
	}
	if s := e.b.submits()[2]; s.dlr.Level != 0 || s.parts[0].RegisteredDelivery != 0 {
		t.Errorf("dlr=no: %+v", s.dlr)
	}
}

func TestValidityPeriodFormat(t *testing.T) {
	for _, c := range []struct {
		min  int64
		want string
	}{
		{1, "000000000100000R"},
		{59, "000000005900000R"},
		{61, "000000010100000R"},
		{1440, "000001000000000R"},
		{31 * 1440, "000101000000000R"},
		{366 * 1440, "010001000000000R"},
		{maxValidityMin, "990000000000000R"},
	} {
		if got := string(validityPeriod(nil, c.min)); got != c.want {
			t.Errorf("%d minutes: %q, want %q", c.min, got, c.want)
		}
	}
}

func TestSendLongContentUDH(t *testing.T) {
	e := newEnv(t, config.HTTPAPI{LongContentSplit: "udh", LongContentMaxParts: 5}, Options{})
	// 200 GSM characters: 2 parts of 152 + 48 (the 7-octet 16-bit
	// concatenation header takes 8 septets of each part's 160).
	text := strings.Repeat("0123456789", 20)
	if st, body := e.send("to", "1", "content", text); st != 200 {
		t.Fatalf("%d %q", st, body)
	}
	s := e.b.submits()[0]
	if len(s.parts) != 2 {
		t.Fatalf("%d parts", len(s.parts))
	}
	var got []byte
	var ref uint16
	for i, p := range s.parts {
		if p.EsmClass&0x40 == 0 {
			t.Errorf("part %d: esm_class %#x without UDHI", i+1, p.EsmClass)
		}
		// UDHL 6, IEI 08 (16-bit reference), IEDL 4, ref, ref, total, seq.
		h := p.ShortMessage
		if len(h) < 7 || h[0] != 6 || h[1] != 8 || h[2] != 4 || h[5] != 2 || h[6] != byte(i+1) {
			t.Fatalf("part %d: UDH % x", i+1, h[:min(7, len(h))])
		}
		r := uint16(h[3])<<8 | uint16(h[4])
		if r < 256 {
			t.Errorf("part %d: reference %d fits 8 bits: the 8-bit IE would do", i+1, r)
		}
		if i == 0 {
			ref = r
		} else if r != ref {
			t.Errorf("parts carry references %d and %d", ref, r)
		}
		if len(p.TLVs) != 0 {
			t.Errorf("part %d: TLVs with udh", i+1)
		}
		got = append(got, h[7:]...)
	}
	if string(got) != text || len(s.parts[0].ShortMessage) != 7+152 {
		t.Errorf("parts reassemble to %q (first part %d octets)", got, len(s.parts[0].ShortMessage))
	}
	// A second long message gets another reference.
	if st, body := e.send("to", "1", "content", text); st != 200 {
		t.Fatalf("%d %q", st, body)
	}
	h2 := e.b.submits()[1].parts[0].ShortMessage
	if r2 := uint16(h2[3])<<8 | uint16(h2[4]); r2 == ref {
		t.Errorf("two long messages share reference %d", ref)
	}
}

func TestSendLongContentSAR(t *testing.T) {
	e := newEnv(t, config.HTTPAPI{LongContentSplit: "sar", LongContentMaxParts: 3}, Options{})
	text := strings.Repeat("abcdefghij", 35) // 350 characters: 160 + 160 + 30
	if st, body := e.send("to", "1", "content", text, "dlr-url", "http://h/", "dlr-level", "2"); st != 200 {
		t.Fatalf("%d %q", st, body)
	}
	s := e.b.submits()[0]
	if len(s.parts) != 3 {
		t.Fatalf("%d parts", len(s.parts))
	}
	var got []byte
	var ref uint32
	for i, p := range s.parts {
		if p.EsmClass != 0 {
			t.Errorf("part %d: esm_class %#x", i+1, p.EsmClass)
		}
		if p.RegisteredDelivery != 1 {
			t.Errorf("part %d: registered_delivery %d", i+1, p.RegisteredDelivery)
		}
		r, ok1 := p.TLVs.Uint(smpp.TagSarMsgRefNum)
		tot, ok2 := p.TLVs.Uint(smpp.TagSarTotalSegments)
		seq, ok3 := p.TLVs.Uint(smpp.TagSarSegmentSeqnum)
		if !ok1 || !ok2 || !ok3 || tot != 3 || seq != uint32(i+1) {
			t.Fatalf("part %d: sar TLVs % x", i+1, []byte(p.TLVs))
		}
		if v, _ := p.TLVs.Get(smpp.TagSarMsgRefNum); len(v) != 2 {
			t.Errorf("sar_msg_ref_num is %d octets", len(v))
		}
		if i == 0 {
			ref = r
		} else if r != ref {
			t.Errorf("references differ")
		}
		got = append(got, p.ShortMessage...)
	}
	if string(got) != text {
		t.Errorf("parts reassemble to %q", got)
	}
	// Over the limit: refused, nothing sent.
	st, body := e.send("to", "1", "content", strings.Repeat("z", 481))
	if st != 400 || body != `Error "Content too long: 4 parts, long_content_max_parts is 3."` {
		t.Errorf("too long: %d %q", st, body)
	}
	if n := len(e.b.submits()); n != 1 {
		t.Errorf("%d submits", n)
	}
}

func TestSendUCS2AndBinary(t *testing.T) {
	e := newEnv(t, config.HTTPAPI{}, Options{})
	utf16 := []byte{0x06, 0x23, 0x06, 0x31, 0x06, 0x46, 0x06, 0x28} // أرنب
	// Content outside GSM 03.38 without coding: UCS2.
	if st, body := e.send("to", "1", "content", "أرنب"); st != 200 {
		t.Fatalf("%d %q", st, body)
	}
	// coding=8 explicitly.
	if st, body := e.send("to", "1", "content", "أرنب", "coding", "8"); st != 200 {
		t.Fatalf("%d %q", st, body)
	}
	// hex-content: the octets as they are (the manual's example).
	if st, body := e.send("to", "1", "hex-content", "0623063106460628", "coding", "8"); st != 200 {
		t.Fatalf("%d %q", st, body)
	}
	// GSM with the extension table: € is an escape pair, @ is 0x00.
	if st, body := e.send("to", "1", "content", "@5€"); st != 200 {
		t.Fatalf("%d %q", st, body)
	}
	subs := e.b.submits()
	for i := range 3 {
		p := subs[i].parts[0]
		if p.DataCoding != 8 || !bytes.Equal(p.ShortMessage, utf16) {
			t.Errorf("message %d: data_coding %d short_message % x", i, p.DataCoding, p.ShortMessage)
		}
	}
	if p := subs[3].parts[0]; p.DataCoding != 0 || !bytes.Equal(p.ShortMessage, []byte{0x00, '5', 0x1b, 0x65}) {
		t.Errorf("GSM: data_coding %d short_message % x", p.DataCoding, p.ShortMessage)
	}
	// Long UCS2: 71 characters need 2 parts of 66 + 5 (133 octets after
	// the 7-octet header hold 66 UTF-16 units).
	if st, body := e.send("to", "1", "content", strings.Repeat("ж", 71)); st != 200 {
		t.Fatalf("%d %q", st, body)
	}
	s := e.b.submits()[4]
	if len(s.parts) != 2 || s.parts[0].DataCoding != 8 || len(s.parts[0].ShortMessage) != 7+132 ||
		len(s.parts[1].ShortMessage) != 7+10 {
		t.Errorf("long UCS2: %d parts, first %d octets", len(s.parts), len(s.parts[0].ShortMessage))
	}
}

func TestBalanceAndRate(t *testing.T) {
	e := newEnv(t, config.HTTPAPI{}, Options{})
	st, body := e.get("/balance", url.Values{"username": {"foo"}, "password": {"bar"}})
	if st != 200 || body != `{"balance": "ND", "sms_count": "ND"}` {
		t.Errorf("unlimited: %d %q", st, body)
	}
	e.b.setCounters("u1", walCounters("100", true, 7, true))
	st, body = e.postForm("/balance", url.Values{"username": {"foo"}, "password": {"bar"}})
	if st != 200 || body != `{"balance": 100.0, "sms_count": 7}` {
		t.Errorf("limited: %d %q", st, body)
	}
	if st, body := e.get("/balance", url.Values{"username": {"foo"}, "password": {"x"}}); st != 403 ||
		body != `Error "Authentication failure for username:foo"` {
		t.Errorf("bad password: %d %q", st, body)
	}
	e.setCred("mt_messaging_cred", "authorization", "http_balance", "False")
	if st, body := e.get("/balance", url.Values{"username": {"foo"}, "password": {"bar"}}); st != 403 ||
		body != `Error "Authorization failed for username:foo (Cannot check balance)."` {
		t.Errorf("http_balance False: %d %q", st, body)
	}

	e.b.setRate(ledger.MustMoney("2.8"), nil)
	st, body = e.get("/rate", url.Values{"username": {"foo"}, "password": {"bar"}, "to": {"06222172"},
		"content": {strings.Repeat("x", 200)}})
	if st != 200 || body != `{"submit_sm_count": 2, "unit_rate": 2.8}` {
		t.Errorf("rate: %d %q", st, body)
	}
	r := e.b.rates()[0]
	if r.uid != "u1" || len(r.parts) != 2 || string(r.parts[0].Dest.Addr) != "06222172" {
		t.Errorf("rated %+v", r)
	}
	e.b.setRate(0, nil)
	st, body = e.get("/rate", url.Values{"username": {"foo"}, "password": {"bar"}, "to": {"06222172"}})
	if st != 200 || body != `{"submit_sm_count": 1, "unit_rate": 0.0}` {
		t.Errorf("rate without content: %d %q", st, body)
	}
	e.b.setRate(0, routeRefusal{})
	if st, body := e.get("/rate", url.Values{"username": {"foo"}, "password": {"bar"}, "to": {"1"}}); st != 412 ||
		body != `Error "No route found"` {
		t.Errorf("no route: %d %q", st, body)
	}
	if st, body := e.get("/rate", url.Values{"username": {"foo"}, "password": {"bar"}, "to": {"1"}, "dlr": {"yes"}}); st != 400 ||
		body != `Error "Argument [dlr] is unknown."` {
		t.Errorf("/rate with dlr: %d %q", st, body)
	}
	e.setCred("mt_messaging_cred", "authorization", "http_rate", "False")
	e.b.setRate(0, nil)
	if st, body := e.get("/rate", url.Values{"username": {"foo"}, "password": {"bar"}, "to": {"1"}}); st != 403 ||
		body != `Error "Authorization failed for username:foo (Cannot check rate)."` {
		t.Errorf("http_rate False: %d %q", st, body)
	}
	if n := len(e.b.submits()); n != 0 {
		t.Errorf("/rate queued %d messages", n)
	}
}

func TestPingMetricsAndMethods(t *testing.T) {
	e := newEnv(t, config.HTTPAPI{Metrics: true}, Options{})
	if st, body := e.get("/ping", nil); st != 200 || body != "Jasmin/PONG" {
		t.Errorf("/ping: %d %q", st, body)
	}
	req, _ := http.NewRequest(http.MethodGet, e.base+"/ping", nil)
	req.Header.Set("Accept", "application/json")
	if st, body, _ := e.do(req); st != 200 || body != `{"data": "Jasmin/PONG"}` {
		t.Errorf("/ping (JSON): %d %q", st, body)
	}
	e.send("to", "1", "content", "a")
	e.send("to", "x", "content", "a")
	st, body := e.get("/metrics", nil)
	if st != 200 {
		t.Fatalf("/metrics: %d", st)
	}
	for _, name := range []string{"httpapi_request_count", "httpapi_interceptor_count", "httpapi_auth_error_count",
		"httpapi_route_error_count", "httpapi_interceptor_error_count", "httpapi_throughput_error_count",
		"httpapi_charging_error_count", "httpapi_server_error_count", "httpapi_success_count"} {
		if !strings.Contains(body, "\n"+name+" ") && !strings.HasPrefix(body, name+" ") {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	if !strings.Contains(body, "process_") {
		t.Errorf("/metrics lacks process metrics")
	}
	req, _ = http.NewRequest(http.MethodPut, e.base+"/send", nil)
	if st, body, _ := e.do(req); st != 405 || body != `Error "Method not allowed"` {
		t.Errorf("PUT /send: %d %q", st, body)
	}
	req, _ = http.NewRequest(http.MethodHead, e.base+"/send?username=foo&password=bar&to=1&content=a", nil)
	if st, _, _ := e.do(req); st != 405 {
		t.Errorf("HEAD /send: %d", st)
	}
	req, _ = http.NewRequest(http.MethodHead, e.base+"/ping", nil)
	if st, _, _ := e.do(req); st != 200 {
		t.Errorf("HEAD /ping: %d", st)
	}
	if n := len(e.b.submits()); n != 1 {
		t.Errorf("%d submits, want 1", n)
	}
	if st, body := e.get("/nothing", nil); st != 404 {
		t.Errorf("/nothing: %d %q", st, body)
	}
}

func TestMetricsCount(t *testing.T) {
	e := newEnv(t, config.HTTPAPI{}, Options{})
	req0, ok0, auth0, route0 := mRequests.Get(), mSuccess.Get(), mAuthErrors.Get(), mRouteErrors.Get()
	e.send("to", "1", "content", "a")
	e.getRaw("/send?username=foo&password=no&to=1&content=a")
	e.b.setRefuse(routeRefusal{})
	e.send("to", "1", "content", "a")
	if d := mRequests.Get() - req0; d != 3 {
		t.Errorf("httpapi_request_count +%d", d)
	}
	if d := mSuccess.Get() - ok0; d != 1 {
		t.Errorf("httpapi_success_count +%d", d)
	}
	if d := mAuthErrors.Get() - auth0; d != 1 {
		t.Errorf("httpapi_auth_error_count +%d", d)
	}
	if d := mRouteErrors.Get() - route0; d != 1 {
		t.Errorf("httpapi_route_error_count +%d", d)
	}
}

func TestBodyTooLarge(t *testing.T) {
	e := newEnv(t, config.HTTPAPI{}, Options{MaxBodySize: 1024})
	st, body := e.postForm("/send", url.Values{"username": {"foo"}, "password": {"bar"}, "to": {"1"},
		"content": {strings.Repeat("a", 2000)}})
	if st != 413 || body != `Error "Request body is larger than 1024 octets."` {
		t.Errorf("%d %q", st, body)
	}
	if n := len(e.b.submits()); n != 0 {
		t.Errorf("%d submits", n)
	}
}

func TestSendAsyncGateway(t *testing.T) {
	e := newEnv(t, config.HTTPAPI{}, Options{})
	e.b.mu.Lock()
	e.b.async = true
	e.b.mu.Unlock()
	for range 5 {
		st, body := e.send("to", "1", "content", "a")
		if st != 200 {
			t.Fatalf("%d %q", st, body)
		}
		id := successID(t, body)
		subs := e.b.submits()
		if subs[len(subs)-1].id != id {
			t.Errorf("answered %s, gateway gave %s", id, subs[len(subs)-1].id)
		}
	}
}

// TestCloseWaitsForRequests: Close lets a request whose message is on its
// way to the store finish with its answer.
func TestCloseWaitsForRequests(t *testing.T) {
	e := newEnv(t, config.HTTPAPI{}, Options{})
	hold := make(chan struct{})
	e.b.mu.Lock()
	e.b.hold = hold
	e.b.mu.Unlock()
	type answer struct {
		st   int
		body string
	}
	answers := make(chan answer, 1)
	go func() {
		resp, err := client.Get(e.base + "/send?username=foo&password=bar&to=1&content=a")
		if err != nil {
			answers <- answer{0, err.Error()}
			return
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		answers <- answer{resp.StatusCode, b.String()}
	}()
	waitFor(t, "the message at the gateway", func() bool { return len(e.b.submits()) == 1 })
	closed := make(chan error, 1)
	go func() { closed <- e.s.Close() }()
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) while a request was in flight", err)
	case <-time.After(300 * time.Millisecond):
	}
	close(hold)
	a := <-answers
	if a.st != 200 || !strings.HasPrefix(a.body, `Success "`) {
		t.Errorf("in-flight request: %d %q", a.st, a.body)
	}
	if err := <-closed; err != nil {
		t.Errorf("Close: %v", err)
	}
}
