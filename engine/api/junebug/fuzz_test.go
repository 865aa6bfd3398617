package junebug

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gwd-project/gwd/engine/content"
	"github.com/gwd-project/gwd/engine/smppc"
)

// FuzzMessageBody: parseMessage either refuses a body with an api usage
// error naming fields, or returns a request that keeps the API's rules
// (one of to and reply_to, addresses that fit SMPP, a priority the queue
// knows, a usable event_url), survives a JSON round trip unchanged, and
// always makes submit_sm parts that fit one short_message each.
func FuzzMessageBody(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		r, aerr := parseMessage(body)
		if aerr != nil {
			if aerr.status != 400 || len(aerr.errs) == 0 {
				t.Fatalf("refusal %+v", aerr)
			}
			for _, e := range aerr.errs {
				if e.Type != errInvalidBody || e.Message == "" {
					t.Fatalf("error item %+v", e)
				}
			}
			return
		}
		if (r.To == "") == (r.ReplyTo == "") {
			t.Fatalf("to %q, reply_to %q", r.To, r.ReplyTo)
		}
		if len(r.To) > maxAddr || len(r.From) > maxAddr || strings.ContainsRune(r.To+r.From, 0) {
			t.Fatalf("addresses %q %q", r.To, r.From)
		}
		if r.Priority > 3 {
			t.Fatalf("priority %d", r.Priority)
		}
		if r.EventURL != "" {
			if err := checkURL("event_url", r.EventURL, eventVars); err != nil {
				t.Fatalf("event_url %q accepted: %v", r.EventURL, err)
			}
		}
		if !utf8.ValidString(r.Content) {
			t.Fatalf("content not UTF-8: %q", r.Content)
		}
		if r.ChannelData != nil && !isObject(r.ChannelData) {
			t.Fatalf("channel_data %s", r.ChannelData)
		}
		// Round trip: the request as JSON parses to the same request.
		m := map[string]any{}
		for k, v := range map[string]string{"to": r.To, "from": r.From, "reply_to": r.ReplyTo, "event_url": r.EventURL} {
			if v != "" {
				m[k] = v
			}
		}
		if r.HasContent {
			m["content"] = r.Content
		}
		if r.PriorityRaw != nil {
			m["priority"] = r.PriorityRaw
		}
		if r.ChannelData != nil {
			m["channel_data"] = r.ChannelData
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		r2, aerr := parseMessage(b)
		if aerr != nil {
			t.Fatalf("round trip of %s refused: %v", b, aerr)
		}
		if r2.To != r.To || r2.From != r.From || r2.ReplyTo != r.ReplyTo || r2.EventURL != r.EventURL ||
			r2.Content != r.Content || r2.HasContent != r.HasContent || r2.Priority != r.Priority ||
			string(r2.ChannelData) != string(r.ChannelData) {
			t.Fatalf("round trip changed %+v into %+v", r, r2)
		}
		var s Server
		cfg := smppc.DefaultConfig("jb_fuzz")
		parts, err := s.buildParts(r, "1", r.From, &cfg)
		if err != nil {
			if len(r.Content) < 17000 {
				t.Fatalf("content of %d octets not split: %v", len(r.Content), err)
			}
			return
		}
		for _, p := range parts {
			limit := content.SingleOctets
			if p.DataCoding == byte(content.GSM) {
				limit = content.SingleSeptets // unpacked: one octet a septet
			}
			if len(p.ShortMessage) > limit || p.RegisteredDelivery != 1 || p.PriorityFlag != r.Priority {
				t.Fatalf("part %+v", p)
			}
		}
	})
}

// FuzzChannelBody: a channel body is refused with the envelope, or makes
// a record and connector parameters that come back the same from the
// stored record (what New does after a restart).
func FuzzChannelBody(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		p, aerr := parseChannelBody(body)
		if aerr != nil {
			if aerr.status != 400 || len(aerr.errs) == 0 {
				t.Fatalf("refusal %+v", aerr)
			}
			return
		}
		const id, cid = "0c0ffee0-0000-4000-8000-000000000000", "jb_0c0ffee000004000800000"
		rec, cfg, aerr := p.apply(nil, id, cid)
		if aerr != nil {
			if aerr.status != 400 || len(aerr.errs) == 0 || aerr.errs[0].Message == "" {
				t.Fatalf("refusal %+v", aerr)
			}
			return
		}
		if rec.Type != "smpp" || rec.MOURL == nil || cfg.CID != cid || rec.ID != id {
			t.Fatalf("record %+v, cid %q", rec, cfg.CID)
		}
		b, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		var back channelRecord
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		_, cfg2, aerr := (&channelPatch{}).apply(&back, id, cid)
		if aerr != nil {
			t.Fatalf("stored record refused: %v", aerr)
		}
		m1, m2 := cfg.Map(), cfg2.Map()
		for k, v := range m1 {
			if m2[k] != v {
				t.Fatalf("%s: %q, after storing %q", k, v, m2[k])
			}
		}
		// The update path: the same body applied over the record.
		if _, _, aerr := p.apply(rec, id, cid); aerr != nil {
			t.Fatalf("body refused as an update of its own result: %v", aerr)
		}
	})
}

// FuzzCallbackURL: a URL checkURL accepts expands, with any values, to an
// http or https URL without template variables left.
func FuzzCallbackURL(f *testing.F) {
	f.Fuzz(func(t *testing.T, u, value string) {
		if err := checkURL("event_url", u, eventVars); err != nil {
			if !strings.HasPrefix(err.Error(), "event_url: ") {
				t.Fatalf("error %q does not name the field", err)
			}
			return
		}
		v := &tmplValues{channelID: value, messageID: value, eventType: value}
		out := expandURL(u, v)
		for _, name := range eventVars {
			if strings.Contains(out, "{"+name+"}") && !strings.Contains(value, "{") {
				t.Fatalf("%q expanded to %q", u, out)
			}
		}
		if !strings.HasPrefix(out, "http://") && !strings.HasPrefix(out, "https://") {
			p, err := url.Parse(out)
			if err != nil || (p.Scheme != "http" && p.Scheme != "https") {
				t.Fatalf("%q expanded to %q", u, out)
			}
		}
	})
}
