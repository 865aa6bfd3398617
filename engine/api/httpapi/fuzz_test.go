package httpapi

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/gwd-project/gwd/engine/content"
)

// parseServer is a Server with just what the parsers use.
func parseServer() *Server {
	s := &Server{maxParts: 5, split: content.UDH}
	s.opts.defaults()
	s.jobs.New = func() any { return newSendJob() }
	return s
}

var paramPrefixes = []string{"Argument [", "Mandatory argument [", "Mandatory arguments not found",
	"content or hex-content not present.", "content and hex-content cannot", "Content too long", "Malformed JSON", "Cannot split"}

func checkParamError(t *testing.T, err error) {
	t.Helper()
	var pe *paramError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a parameter error", err, err)
	}
	for _, p := range paramPrefixes {
		if strings.HasPrefix(pe.msg, p) {
			return
		}
	}
	t.Fatalf("unexpected message %q", pe.msg)
}

// checkSendReq asserts what a successful /send parse promises.
func checkSendReq(t *testing.T, r *sendReq, rest bool) {
	t.Helper()
	if !isMSISDN(r.val[fTo]) || len(r.val[fTo]) > maxAddrLen {
		t.Fatalf("to %q accepted", r.val[fTo])
	}
	if r.set[fContent] == r.set[fHexContent] {
		t.Fatalf("content %v hex-content %v", r.set[fContent], r.set[fHexContent])
	}
	if !rest && (len(r.val[fUsername]) == 0 || len(r.val[fPassword]) == 0) {
		t.Fatalf("empty credentials accepted")
	}
	if r.priority < 0 || r.priority > 3 || !codings[r.coding] {
		t.Fatalf("priority %d coding %d", r.priority, r.coding)
	}
	if r.dlr {
		if !r.set[fDLRURL] || !isCallbackURL(r.val[fDLRURL]) || r.dlrLevel < 1 || r.dlrLevel > 3 ||
			(r.dlrMethod != methodGET && r.dlrMethod != methodPOST) {
			t.Fatalf("dlr %v url %q level %d method %q", r.dlr, r.val[fDLRURL], r.dlrLevel, r.dlrMethod)
		}
	}
	if r.set[fValidity] {
		if vp := validityPeriod(nil, r.validityMin); len(vp) != 16 || !isSMPPTime(vp) {
			t.Fatalf("validity %d → %q", r.validityMin, vp)
		}
	}
	if r.set[fIdemKey] && !validIdemKey(r.val[fIdemKey]) {
		t.Fatalf("idempotency-key %q accepted", r.val[fIdemKey])
	}
	if r.set[fHexContent] && len(r.hex)*2 != len(r.val[fHexContent]) {
		t.Fatalf("hex %q decoded to %d octets", r.val[fHexContent], len(r.hex))
	}
}

// FuzzSendParams feeds query strings to the parameter validation of /send,
// /rate and /balance, then the content encoding and splitting.
func FuzzSendParams(f *testing.F) {
	f.Add("username=foo&password=bar&to=06222172&content=hello")
	f.Add("username=foo&password=bar&to=%2B336222172&content=%D8%A3&coding=8&priority=3&validity-period=1440")
	f.Add("to=1&hex-content=0623063106460628&coding=8&username=u&password=p&tags=1,702,9901")
	f.Add("username=foo&password=bar&to=1&content=x&dlr=yes&dlr-url=http://h/d&dlr-level=3&dlr-method=get&sdt=000000000100000R")
	f.Add("bogus=1&to=abc")
	f.Add("")
	f.Add("username=foo&password=bar&to=1&content=x&idempotency-key=order-42:a.b_C")
	f.Add("username=foo&password=bar&to=1&content=x&idempotency-key=a&idempotency-key=b")
	f.Add("username=foo&password=bar&to=1&content=x&idempotency-key=a%20b")
	s := parseServer()
	f.Fuzz(func(t *testing.T, query string) {
		var a fasthttp.Args
		a.Parse(query)
		var args []arg
		for k, v := range a.All() {
			args = append(args, arg{k, v})
		}
		for _, ep := range []endpoint{epSend, epBatch, epRate, epBalance} {
			for _, rest := range []bool{false, true} {
				j := newSendJob()
				err := j.req.parse(args, ep, rest)
				var j2 sendJob
				err2 := j2.req.parse(args, ep, rest)
				if (err == nil) != (err2 == nil) || (err != nil && err.Error() != err2.Error()) {
					t.Fatalf("parse is not deterministic: %v / %v", err, err2)
				}
				if err != nil {
					checkParamError(t, err)
					continue
				}
				if ep != epSend && j.req.set[fIdemKey] {
					t.Fatalf("idempotency-key accepted by endpoint %d", ep)
				}
				if ep != epSend && ep != epBatch {
					continue
				}
				checkSendReq(t, &j.req, rest)
				octets, c, err := j.encode()
				if err != nil {
					checkParamError(t, err)
					continue
				}
				parts, err := s.splitParts(j, octets, c, s.maxParts)
				if err != nil {
					checkParamError(t, err)
					continue
				}
				if parts < 1 || parts > s.maxParts {
					t.Fatalf("%d parts", parts)
				}
				s.buildParts(j)
				if len(j.parts) != parts {
					t.Fatalf("%d parts built, %d cut", len(j.parts), parts)
				}
				for i := range j.parts {
					if b := j.parts[i].AppendTo(nil); len(b) < 16 {
						t.Fatalf("part %d encodes to %d octets", i, len(b))
					}
				}
			}
		}
	})
}

// FuzzRESTParams feeds JSON bodies to the REST parameter reader and the
// /send validation behind it.
func FuzzRESTParams(f *testing.F) {
	f.Add(`{"to": 19012233451, "from": "Jookies", "content": "Hello", "dlr": "yes", "dlr-url": "http://192.168.202.54/dlr_receiver.php", "dlr-level": 3}`)
	f.Add(`{"to": 19012233451, "from": "Jookies", "coding": 8, "hex_content": "0623063106460628"}`)
	f.Add(`{"to": ["1", 2], "content": null, "priority": true}`)
	f.Add(`[1]`)
	f.Add(`{"to": "1"`)
	f.Add(`{"to": "1", "content": "x", "idempotency_key": "k-1"}`)
	f.Add(`{"to": "1", "content": "x", "idempotency_key": "k", "idempotency-key": "j"}`)
	f.Fuzz(func(t *testing.T, body string) {
		for _, list := range []string{"", "to"} {
			args, to, err := jsonArgs([]byte(body), nil, list)
			if err != nil {
				checkParamError(t, err)
				continue
			}
			if list == "" && to != nil {
				t.Fatalf("list without a list key")
			}
			for _, a := range args {
				if bytes.IndexByte(a.key, '_') >= 0 || string(a.key) == "username" || string(a.key) == "password" {
					t.Fatalf("key %q passed through", a.key)
				}
			}
			var r sendReq
			if err := r.parse(args, epSend, true); err != nil {
				checkParamError(t, err)
				continue
			}
			checkSendReq(t, &r, true)
		}
	})
}

// FuzzBatchBody feeds sendbatch bodies to the batch parser.
func FuzzBatchBody(f *testing.F) {
	f.Add(`{"messages": [{"to": ["33333331", "33333332"], "content": "Same content"}]}`)
	f.Add(`{"globals": {"from": "Brand2", "dlr-level": 3, "dlr": "yes", "dlr-url": "http://some.fancy/url"}, "messages": [{"from": "Brand1", "to": "1", "content": "a"}, {"to": ["2"], "hex_content": "4142"}]}`)
	f.Add(`{"batch_config": {"callback_url": "http://127.0.0.1:7877/ok", "errback_url": "http://127.0.0.1:7877/ko", "schedule_at": "86400s"}, "messages": [{"to": "1", "content": "x"}]}`)
	f.Add(`{"batch_config": {"schedule_at": "2017-11-15 09:00:00"}, "messages": [{"to": "1", "content": "x"}]}`)
	f.Add(`{"messages": []}`)
	s := parseServer()
	s.opts.MaxBatchMessages = 1000
	now := time.Now()
	s.opts.Now = func() time.Time { return now }
	f.Fuzz(func(t *testing.T, body string) {
		spec, at, err := s.parseBatch([]byte(body), "u1")
		if err != nil {
			var be *batchError
			if !errors.As(err, &be) || be.msg == "" || (be.status != 400 && be.status != 412) {
				t.Fatalf("error %v (%T)", err, err)
			}
			return
		}
		if !at.IsZero() && at.Before(now) {
			t.Fatalf("scheduled in the past: %v", at)
		}
		total := 0
		for _, m := range spec.Messages {
			if len(m.To) == 0 {
				t.Fatalf("message without destinations")
			}
			total += len(m.To)
			for _, p := range m.Params {
				if p[0] == "to" {
					t.Fatalf("to kept among the parameters")
				}
			}
		}
		if total == 0 || total > s.opts.MaxBatchMessages {
			t.Fatalf("%d messages accepted", total)
		}
	})
}

// What the store keeps for an idempotency-key comes back through
// decodeIdem: whatever it holds, it answers (never panics), and what
// encodeIdem wrote comes back whole.
func FuzzIdemValue(f *testing.F) {
	at := time.UnixMilli(1_765_000_000_000)
	f.Add(encodeIdem("0193a7b2-5c3e-7d41-9a2b-1c2d3e4f5a6b", at, 0xdeadbeef))
	f.Add("id-only")
	f.Add("id 123")
	f.Add("")
	f.Add("  a  b  c  ")
	f.Fuzz(func(t *testing.T, v string) {
		now := time.Unix(1_765_000_000, 0)
		id, _, fp := decodeIdem(v, now)
		if strings.ContainsAny(id, " \t\n") {
			t.Fatalf("id %q from %q holds a space", id, v)
		}
		if id == "" {
			return
		}
		id2, at2, fp2 := decodeIdem(encodeIdem(id, at, fp), now)
		if id2 != id || at2 != at.UnixNano() || fp2 != fp {
			t.Fatalf("round trip of %q: %q %d %x, want %q %d %x", v, id2, at2, fp2, id, at.UnixNano(), fp)
		}
	})
}
