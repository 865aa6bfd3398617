package httpapi

import (
	"strconv"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/router/ledger"
)

// benchServer is a Server whose gateway answers at once without
// recording: what is measured is the handler (argument parsing,
// validation, authentication, the user's checks, content encoding, the
// submit_sm parts, the answer).
func benchServer(b *testing.B) (*Server, *fakeBackend) {
	b.Helper()
	f := &fakeBackend{acc: newAccounts(b), noCopy: true, counters: map[string]ledger.Counters{}}
	s := New(config.HTTPAPI{}, f, Options{})
	b.Cleanup(func() { s.Close() })
	return s, f
}

func benchHandler(b *testing.B, uri string, want int) {
	s, _ := benchServer(b)
	h := s.handler
	var ctx fasthttp.RequestCtx
	ctx.Init(&fasthttp.Request{}, nil, nil)
	ctx.Request.SetRequestURI(uri)
	h(&ctx) // the first check of the password pays the KDF
	if ctx.Response.StatusCode() != want {
		b.Fatalf("status %d body %q", ctx.Response.StatusCode(), ctx.Response.Body())
	}
	b.ReportAllocs()
	for b.Loop() {
		ctx.Request.Reset()
		ctx.Response.Reset()
		ctx.Request.SetRequestURI(uri)
		h(&ctx)
	}
	if ctx.Response.StatusCode() != want {
		b.Fatalf("status %d body %q", ctx.Response.StatusCode(), ctx.Response.Body())
	}
}

// BenchmarkSend is one /send through the handler with the fake gateway.
func BenchmarkSend(b *testing.B) {
	benchHandler(b, "/send?username=foo&password=bar&to=33600000001&from=Jasmin&content=Hello+world+%21", 200)
}

// BenchmarkSendLong is a two-part /send (UDH split).
func BenchmarkSendLong(b *testing.B) {
	benchHandler(b, "/send?username=foo&password=bar&to=33600000001&content="+
		"0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"+
		"0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789", 200)
}

// BenchmarkSendRefused is a /send refused by the validation.
func BenchmarkSendRefused(b *testing.B) {
	benchHandler(b, "/send?username=foo&password=bar&to=abc&content=x", 400)
}

// BenchmarkSendIdempotentReplay is a /send whose idempotency-key already
// succeeded: answered from memory, nothing submitted.
func BenchmarkSendIdempotentReplay(b *testing.B) {
	benchHandler(b, "/send?username=foo&password=bar&to=33600000001&content=Hello&idempotency-key=order-42", 200)
}

// BenchmarkSendIdempotentNew is a /send with a key never seen (memory
// only, at its capacity after the first 100,000): the key's hold, the
// submit, the key remembered.
func BenchmarkSendIdempotentNew(b *testing.B) {
	s, _ := benchServer(b)
	h := s.handler
	var ctx fasthttp.RequestCtx
	ctx.Init(&fasthttp.Request{}, nil, nil)
	const prefix = "/send?username=foo&password=bar&to=33600000001&content=Hello&idempotency-key=k"
	uri := []byte(prefix + "0")
	ctx.Request.SetRequestURIBytes(uri)
	h(&ctx)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n++
		uri = strconv.AppendInt(uri[:len(prefix)], int64(n), 10)
		ctx.Request.Reset()
		ctx.Response.Reset()
		ctx.Request.SetRequestURIBytes(uri)
		h(&ctx)
	}
	if ctx.Response.StatusCode() != 200 {
		b.Fatalf("status %d body %q", ctx.Response.StatusCode(), ctx.Response.Body())
	}
}

// BenchmarkCallbackURL is the dlr-url check a /send with receipts pays.
func BenchmarkCallbackURL(b *testing.B) {
	v := []byte("http://127.0.0.1:14011/dlr?client=bench&ref=12345")
	b.ReportAllocs()
	for b.Loop() {
		if !isCallbackURL(v) {
			b.Fatal("refused")
		}
	}
}
