package load

import (
	"encoding/json"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/gwd-project/gwd/smpp"
)

func TestParseSendResponse(t *testing.T) {
	for _, c := range []struct {
		body, id string
		ok       bool
	}{
		{`Success "07033084-5cfd-4812-90a4-e4d24ffb6e3d"`, "07033084-5cfd-4812-90a4-e4d24ffb6e3d", true},
		{"Success \"abc\"\r\n", "abc", true},
		{`Success "abc`, "abc", true}, // the REST form, without the closing quote
		{`Error "No route found"`, "", false},
		{`Success ""`, "", false},
		{`Success "`, "", false},
		{`Success "a"b"`, "", false},
		{`success "abc"`, "", false},
		{``, "", false},
	} {
		id, err := ParseSendResponse([]byte(c.body))
		if (err == nil) != c.ok || string(id) != c.id {
			t.Errorf("ParseSendResponse(%q) = %q, %v; want %q ok=%v", c.body, id, err, c.id, c.ok)
		}
	}
}

func TestParseRESTResponse(t *testing.T) {
	for _, c := range []struct {
		body, id string
		ok       bool
	}{
		{`{"data": "Success \"c723d42a-c3ee-452c-940b-3d8e8b944868"}`, "c723d42a-c3ee-452c-940b-3d8e8b944868", true},
		{`{"data":"Success \"x1\""}`, "x1", true},
		{` { "other": [1, {"a": "}"}], "n": 2.5e3, "data" : "Success \"\u0061b" } `, "ab", true},
		{`{"message": "Error \"No route found"}`, "", false},
		{`{"data": {"batchId": "x"}}`, "", false},
		{`{"data": "Success \"abc`, "", false},
		{`not json`, "", false},
		{``, "", false},
	} {
		id, _, err := ParseRESTResponse([]byte(c.body), nil)
		if (err == nil) != c.ok || string(id) != c.id {
			t.Errorf("ParseRESTResponse(%q) = %q, %v; want %q ok=%v", c.body, id, err, c.id, c.ok)
		}
	}
}

func TestJSONStringFieldUnescapes(t *testing.T) {
	want := "a\"\\/\b\f\n\r\t é 😀 \ufffd"
	body, _ := json.Marshal(map[string]string{"data": want})
	got, err := jsonStringField(body, "data", nil)
	if err != nil || string(got) != want {
		t.Errorf("jsonStringField(%s) = %q, %v; want %q", body, got, err, want)
	}
	got, err = jsonStringField([]byte(`{"data":"\ud83d\ude00 \ud83d x"}`), "data", nil)
	if err != nil || string(got) != "😀 \ufffd x" {
		t.Errorf("surrogates: %q, %v", got, err)
	}
}

func TestParseSimStats(t *testing.T) {
	c, err := ParseSimStats([]byte(`{"uptime":"1s","bound_now":1,"total":{"submits":12,"submit_ok":10,"submit_errors":1,"throttled":1,"receipts_sent":9},"binds_open":[]}`))
	if err != nil || c != (SimCounters{Submits: 12, SubmitOK: 10, SubmitErrors: 1, Throttled: 1, ReceiptsSent: 9}) {
		t.Errorf("ParseSimStats = %+v, %v", c, err)
	}
	for _, bad := range []string{`{}`, `{"total": 3}`, `<html>`} {
		if _, err := ParseSimStats([]byte(bad)); err == nil {
			t.Errorf("ParseSimStats(%q) accepted", bad)
		}
	}
}

func deliverSM(esm byte, text string, tlvs smpp.TLVs) *smpp.PDU {
	p := &smpp.PDU{Header: smpp.Header{Command: smpp.DeliverSM}}
	p.EsmClass, p.ShortMessage, p.TLVs = esm, []byte(text), tlvs
	return p
}

func TestReceiptOf(t *testing.T) {
	text := "id:ABC123 sub:001 dlvrd:001 submit date:2611220310 done date:2611220310 stat:UNDELIV err:000 text:hi"
	for _, c := range []struct {
		name  string
		p     *smpp.PDU
		id    string
		state byte
		ok    bool
	}{
		{"text only", deliverSM(0x04, text, nil), "ABC123", smpp.MessageStateUndeliverable, true},
		{"TLVs win", deliverSM(0x04, text, smpp.TLVs(nil).AppendCString(smpp.TagReceiptedMessageID, []byte("tlv-id")).AppendUint8(smpp.TagMessageState, 2)),
			"tlv-id", smpp.MessageStateDelivered, true},
		{"esm_class 0 but receipt text", deliverSM(0, text, nil), "ABC123", smpp.MessageStateUndeliverable, true},
		{"intermediate", deliverSM(0x20, "id:1 stat:ENROUTE", nil), "1", smpp.MessageStateEnroute, true},
		{"MO", deliverSM(0, "hello there", nil), "", 0, false},
		{"receipt without id", deliverSM(0x04, "stat:DELIVRD", nil), "", 0, false},
	} {
		id, st, ok := ReceiptOf(c.p)
		if ok != c.ok || string(id) != c.id || st != c.state {
			t.Errorf("%s: ReceiptOf = %q, %d, %v; want %q, %d, %v", c.name, id, st, ok, c.id, c.state, c.ok)
		}
	}
}

func TestParseCallback(t *testing.T) {
	for _, c := range []struct {
		form   string
		id     string
		level1 bool
	}{
		{"id=a&level=1&message_status=ESME_ROK&connector=c", "a", true},
		{"id=a&level=2&message_status=DELIVRD", "a", false},
		{"id=a&level=3&message_status=ESME_RSYSERR", "a", true}, // gwd: the level asked for, status tells
		{"id=a&level=3&message_status=DELIVRD", "a", false},
		{"id=a&level=1", "a", true},
	} {
		var args fasthttp.Args
		args.Parse(c.form)
		cb := ParseCallback(&args)
		if string(cb.ID) != c.id || cb.Level1 != c.level1 {
			t.Errorf("ParseCallback(%q) = %+v, want id %q level1 %v", c.form, cb, c.id, c.level1)
		}
	}
}

func TestTrackerPairsEitherOrder(t *testing.T) {
	tr := newTracker(0)
	if _, ok := tr.submitted([]byte("AbC"), 100); ok {
		t.Fatal("submitted matched with nothing received")
	}
	if lat, ok := tr.received([]byte("abc"), 250); !ok || lat != 150 {
		t.Errorf("receipt after submit: %d, %v; want 150 (ids match ignoring case)", lat, ok)
	}
	if _, ok := tr.received([]byte("x"), 300); ok {
		t.Fatal("early receipt matched")
	}
	if lat, ok := tr.submitted([]byte("x"), 120); !ok || lat != 180 {
		t.Errorf("submit after receipt: %d, %v; want 180", lat, ok)
	}
	tr.received([]byte("abc"), 400) // duplicate
	tr.received([]byte("never"), 400)
	if n := tr.unmatched(); n != 2 {
		t.Errorf("unmatched %d, want 2", n)
	}
}

func TestAppendDest(t *testing.T) {
	if got := string(appendDest(nil, "336", 42)); got != "33600000042" {
		t.Errorf("appendDest = %q", got)
	}
	if got := string(appendDest(nil, "", 123456789)); got != "23456789" {
		t.Errorf("appendDest wraps = %q", got)
	}
}

func TestContent(t *testing.T) {
	c, err := ParseContent("mix")
	if err != nil || c.Kind(0) != GSM7 || c.Kind(1) != UCS2 || c.Kind(2) != Long || c.Kind(3) != GSM7 || c.String() != "mix" {
		t.Errorf("mix: %v %v", c, err)
	}
	if _, err := ParseContent("emoji"); err == nil {
		t.Error("ParseContent accepted emoji")
	}
	p := newPayloads(4)
	if len(p.long) != 4*153 || p.parts(Long) != 4 || len(p.ucs2) > 140 || len(p.gsm7) > 160 {
		t.Errorf("payloads: long %d octets in %d parts, ucs2 %d, gsm7 %d", len(p.long), p.parts(Long), len(p.ucs2), len(p.gsm7))
	}
	for _, c := range p.long {
		if !(c == ' ' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			t.Fatalf("long text has %q, not the same in GSM 03.38 and ASCII", c)
		}
	}
}

func TestConfigValidation(t *testing.T) {
	good := SMPPConfig{Addr: "x:1", Traffic: Traffic{Count: 1, Duration: 1}}
	if err := good.Validate(); err != nil {
		t.Fatalf("good config: %v", err)
	}
	for name, mod := range map[string]func(*SMPPConfig){
		"no addr":          func(c *SMPPConfig) { c.Addr = "" },
		"no count":         func(c *SMPPConfig) { c.Count = 0 },
		"no duration":      func(c *SMPPConfig) { c.Duration = 0 },
		"rx bind":          func(c *SMPPConfig) { c.Bind = "rx" },
		"tx with receipts": func(c *SMPPConfig) { c.Bind, c.Receipts = "tx", true },
		"long password":    func(c *SMPPConfig) { c.Password = "123456789" },
		"one long part":    func(c *SMPPConfig) { c.LongParts = 1 },
		"window":           func(c *SMPPConfig) { c.Window = -1 },
	} {
		c := good
		mod(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := (HTTPConfig{URL: "http://h/send", Username: "u", Password: "p", Traffic: Traffic{Count: 1, Duration: 1}}).Validate(); err != nil {
		t.Errorf("good HTTP config: %v", err)
	}
	if err := (HTTPConfig{URL: "http://h/send", Username: "u", Password: "p", Traffic: Traffic{Count: 1, Duration: 1}, DLRMethod: "PUT"}).Validate(); err == nil {
		t.Error("dlr method PUT accepted")
	}
}
