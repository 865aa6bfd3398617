package thrower

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

const testKey = "s3cret-key-for-callbacks"

// verify checks a request as a receiver would, with docs/callbacks.md's
// recipe: HMAC-SHA256 under key of "<timestamp>.<method>.<request
// URI>.<body>", compared with the signature header.
func verify(key string, h hit) error {
	if h.Timestamp == "" || h.Signature == "" {
		return errors.New("unsigned")
	}
	if _, err := strconv.ParseInt(h.Timestamp, 10, 64); err != nil {
		return errors.New("bad timestamp")
	}
	got, ok := strings.CutPrefix(h.Signature, "sha256=")
	if !ok {
		return errors.New("no sha256= prefix")
	}
	sig, err := hex.DecodeString(got)
	if err != nil {
		return err
	}
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(h.Timestamp + "." + h.Method + "." + h.RequestURI + "." + h.Body))
	if !hmac.Equal(sig, mac.Sum(nil)) {
		return errors.New("signature mismatch")
	}
	return nil
}

func TestSignedCallbacksVerify(t *testing.T) {
	rc := newReceiver(t, ack)
	dlr := configThrower(30, 30, 3)
	dlr.SigningKey = testKey
	th := start(t, Config{DLR: dlr, MO: configThrower(30, 30, 3), EventSigningKey: "event-" + testKey,
		Policies: policies(fast(0))})
	before := time.Now().Unix()
	// GET: parameters in the query, after the URL's own; no path in the
	// URL; credentials and fragment are not signed.
	noPath := strings.Replace(rc.url(""), "http://", "http://app:pw@", 1)
	throw(t, th, &Callback{Kind: DLR, Method: "GET", URL: noPath + "?acct=7#frag",
		Params: []Param{{"id", "m-1"}, {"text", "héllo wörld"}}})
	// POST form.
	throw(t, th, &Callback{Kind: DLR, Method: "POST", URL: rc.url("/dlr//x?k=v"), Params: []Param{{"id", "m-2"}, {"level", "2"}}})
	// POST JSON, Junebug's kind and key.
	throw(t, th, &Callback{Kind: Event, Method: "POST", URL: rc.url("/events"), Body: []byte(`{"event_type":"ack"}`)})
	// MO has no key: unsigned.
	throw(t, th, &Callback{Kind: MO, Method: "POST", URL: rc.url("/mo"), Params: []Param{{"id", "m-3"}}})
	waitFor(t, "four deliveries", func() bool {
		s := th.Stats()
		return s.DLR.Delivered == 2 && s.Event.Delivered == 1 && s.MO.Delivered == 1
	})
	after := time.Now().Unix()
	byPath := map[string]hit{}
	for _, h := range rc.all() {
		byPath[h.Path] = h
	}
	get, post, ev, mo := byPath["/"], byPath["/dlr//x"], byPath["/events"], byPath["/mo"]
	if get.RequestURI != "/?acct=7&id=m-1&text=h%C3%A9llo+w%C3%B6rld" || get.Method != "GET" {
		t.Fatalf("GET request line %s %q", get.Method, get.RequestURI)
	}
	for name, c := range map[string]struct {
		h   hit
		key string
	}{"GET": {get, testKey}, "POST form": {post, testKey}, "POST JSON": {ev, "event-" + testKey}} {
		if err := verify(c.key, c.h); err != nil {
			t.Errorf("%s: receiver cannot verify %+v: %v", name, c.h, err)
		}
		if ts, _ := strconv.ParseInt(c.h.Timestamp, 10, 64); ts < before || ts > after {
			t.Errorf("%s: timestamp %d not within the test's [%d, %d]", name, ts, before, after)
		}
		if err := verify("another key, just as long", c.h); err == nil {
			t.Errorf("%s: verifies under the wrong key", name)
		}
	}
	if post.Body != "id=m-2&level=2" || ev.Body != `{"event_type":"ack"}` {
		t.Fatalf("bodies %q, %q", post.Body, ev.Body)
	}
	if mo.Timestamp != "" || mo.Signature != "" {
		t.Fatalf("MO without a key was signed: %+v", mo)
	}

	// Anything changed on the way fails verification.
	for name, tamper := range map[string]func(h *hit){
		"body":           func(h *hit) { h.Body = strings.Replace(h.Body, "level=2", "level=3", 1) },
		"body appended":  func(h *hit) { h.Body += "&x=1" },
		"query":          func(h *hit) { h.RequestURI = strings.Replace(h.RequestURI, "k=v", "k=w", 1) },
		"path":           func(h *hit) { h.RequestURI = strings.Replace(h.RequestURI, "/dlr//x", "/dlr/x", 1) },
		"method":         func(h *hit) { h.Method = "GET" },
		"timestamp":      func(h *hit) { h.Timestamp = strconv.FormatInt(after+60, 10) },
		"signature case": func(h *hit) { h.Signature = strings.Replace(h.Signature, "sha256=", "SHA256=", 1) },
	} {
		h := post
		tamper(&h)
		if err := verify(testKey, h); err == nil {
			t.Errorf("tampered %s still verifies", name)
		}
	}
	h := get
	h.RequestURI = strings.Replace(h.RequestURI, "m-1", "m-9", 1)
	if err := verify(testKey, h); err == nil {
		t.Error("tampered GET query still verifies")
	}
}

// TestSignatureString pins the string signed against an HMAC computed by
// hand, so the documented recipe and the code cannot drift apart.
func TestSignatureString(t *testing.T) {
	mac := hmac.New(sha256.New, []byte("0123456789abcdef"))
	got := hex.EncodeToString(appendSignature(nil, mac, []byte("1700000000"), []byte("POST"), []byte("/dlr?x=1"), []byte("id=1&level=2")))
	// printf '%s' '1700000000.POST./dlr?x=1.id=1&level=2' | openssl dgst -sha256 -hmac 0123456789abcdef
	const want = "bee7c152f3e0445179c1b2438a0c7c3cea8331b222c0535fb7740e90719b0695"
	if got != want {
		t.Fatalf("signature %s, want %s", got, want)
	}
}
