package thrower

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/valyala/fasthttp"
)

func sampleCallbacks() []*Callback {
	return []*Callback{
		{Kind: DLR, Method: "GET", URL: "http://127.0.0.1:8080/dlr?x=1", Ref: "16fd2706-8baf-433b-82eb-8c7fada847da",
			Params: []Param{{"id", "16fd2706"}, {"message_status", "DELIVRD"}, {"text", "héllo"}}},
		{Kind: MO, Method: "POST", URL: "https://example.com/mo", Params: []Param{{"content", ""}}},
		{Kind: Event, Method: "POST", URL: "http://h/ev", Body: []byte(`{"event_type":"ack"}`), ContentType: "application/json"},
	}
}

func TestRecordRoundTrip(t *testing.T) {
	for _, cb := range sampleCallbacks() {
		method, accept, err := cb.check()
		if err != nil {
			t.Fatal(err)
		}
		b := appendRecord(nil, cb, method, accept)
		var r record
		if err := r.decode(b); err != nil {
			t.Fatalf("%+v: %v", cb, err)
		}
		if r.kind != cb.Kind || r.method != method || r.accept != accept || r.tries != 0 || r.notBefore != 0 ||
			string(r.ref) != cb.Ref || string(r.url) != cb.URL || !bytes.Equal(r.body, cb.Body) ||
			string(r.contentType) != cb.ContentType || len(r.params) != len(cb.Params) {
			t.Fatalf("decoded %+v from %+v", r, cb)
		}
		for i, p := range cb.Params {
			if string(r.params[i].key) != p.Key || string(r.params[i].value) != p.Value {
				t.Fatalf("param %d: %q=%q, want %+v", i, r.params[i].key, r.params[i].value, p)
			}
		}
		// A retry rewrites the count and the times, nothing else.
		c := rewriteRecord(nil, b, 3, 1_700_000_000_000_000_000, 1_600_000_000_000_000_000)
		var r2 record
		if err := r2.decode(c); err != nil {
			t.Fatal(err)
		}
		if r2.tries != 3 || r2.notBefore != 1_700_000_000_000_000_000 || r2.first != 1_600_000_000_000_000_000 ||
			!bytes.Equal(c[headerLen:], b[headerLen:]) {
			t.Fatalf("retry record %+v", r2)
		}
		// Every truncation is refused, never a panic.
		for n := range len(b) {
			if err := r.decode(b[:n]); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("truncated at %d of %d: err %v", n, len(b), err)
			}
		}
		if err := r.decode(append(b[:len(b):len(b)], 0)); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("trailing octet: err %v", err)
		}
	}
}

func TestAppendFormEscapesLikeURLEncode(t *testing.T) {
	got := appendForm(nil, []kv{{[]byte("a b"), []byte("1+1=2&é/~_.-*'()!")}, {[]byte("z"), nil}})
	if want := "a+b=1%2B1%3D2%26%C3%A9%2F~_.-%2A%27%28%29%21&z="; string(got) != want {
		t.Fatalf("got %s\nwant %s", got, want)
	}
}

// FuzzRecordDecode: any octets decode or fail cleanly; what decodes
// re-encodes to a record that decodes the same, and the feeder's peek
// finds the same URL and time in it.
func FuzzRecordDecode(f *testing.F) {
	for _, cb := range sampleCallbacks() {
		m, a, _ := cb.check()
		f.Add(appendRecord(nil, cb, m, a))
	}
	f.Add([]byte{1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		notBefore, url, peeked := peekRecord(b)
		var r record
		if r.decode(b) != nil {
			return
		}
		if !peeked || notBefore != r.notBefore || !bytes.Equal(url, r.url) {
			t.Fatalf("peek found %v %d %q in a record holding %d %q", peeked, notBefore, url, r.notBefore, r.url)
		}
		cb := &Callback{Kind: r.kind, URL: string(r.url), Ref: string(r.ref), Body: r.body, ContentType: string(r.contentType)}
		for _, p := range r.params {
			cb.Params = append(cb.Params, Param{string(p.key), string(p.value)})
		}
		again := rewriteRecord(nil, appendRecord(nil, cb, r.method, r.accept), r.tries, r.notBefore, r.first)
		var r2 record
		if err := r2.decode(again); err != nil {
			t.Fatalf("re-encoded record does not decode: %v", err)
		}
		if r2.kind != r.kind || r2.method != r.method || r2.accept != r.accept || r2.tries != r.tries ||
			r2.notBefore != r.notBefore || r2.first != r.first || !bytes.Equal(r2.url, r.url) || !bytes.Equal(r2.ref, r.ref) ||
			!bytes.Equal(r2.body, r.body) || len(r2.params) != len(r.params) {
			t.Fatalf("round trip changed the record: %+v -> %+v", r, r2)
		}
		if len(r.body) > 0 && !bytes.Equal(r2.contentType, r.contentType) && len(r.contentType) > 0 {
			t.Fatalf("content type %q -> %q", r.contentType, r2.contentType)
		}
	})
}

// FuzzCheckURL: a URL Throw accepts is one fasthttp can send: it parses,
// with a host, and the request line carries no space or control octet.
func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{"http://127.0.0.1:8080/dlr?x=1", "https://u:p@example.com/a#frag", "http://[::1]:80/",
		"ftp://x/", "http:///x", "http://h/a b", "http://%41/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if CheckURL(s) != nil {
			return
		}
		var u fasthttp.URI
		if err := u.Parse(nil, []byte(s)); err != nil {
			t.Fatalf("accepted %q, fasthttp: %v", s, err)
		}
		if len(u.Host()) == 0 {
			t.Fatalf("accepted %q, fasthttp finds no host", s)
		}
		for _, c := range u.RequestURI() {
			if c <= ' ' || c == 0x7f {
				t.Fatalf("accepted %q, request line %q", s, u.RequestURI())
			}
		}
	})
}

// TestRecordV2RewrittenAsV3: a record stored before the first-attempt
// time existed (version 2, a retry with its count and time) decodes with
// no first attempt, and a retry rewrites it as version 3 keeping
// everything else.
func TestRecordV2RewrittenAsV3(t *testing.T) {
	for _, cb := range sampleCallbacks() {
		cb.UserURL = cb.Kind == MO
		m, a, err := cb.check()
		if err != nil {
			t.Fatal(err)
		}
		v3 := appendRecord(nil, cb, m, a)
		v2 := append([]byte{2}, v3[1:offFirst]...)
		v2 = append(v2, v3[headerLen:]...)
		binary.BigEndian.PutUint32(v2[offTries:], 2)
		binary.BigEndian.PutUint64(v2[offNotBefore:], 1_700_000_000_000_000_000)
		var r record
		if err := r.decode(v2); err != nil {
			t.Fatal(err)
		}
		if r.tries != 2 || r.notBefore != 1_700_000_000_000_000_000 || r.first != 0 || r.userURL != cb.UserURL || string(r.url) != cb.URL {
			t.Fatalf("v2 decoded as %+v", r)
		}
		if nb, url, ok := peekRecord(v2); !ok || nb != r.notBefore || string(url) != cb.URL {
			t.Fatalf("v2 peek: %d %q %v", nb, url, ok)
		}
		c := rewriteRecord(nil, v2, 3, 5, 4)
		var r3 record
		if err := r3.decode(c); err != nil || c[0] != recordVersion || r3.tries != 3 || r3.notBefore != 5 || r3.first != 4 ||
			r3.userURL != cb.UserURL || !bytes.Equal(c[headerLen:], v3[headerLen:]) {
			t.Fatalf("v2 rewritten: %+v, %v", r3, err)
		}
	}
}
