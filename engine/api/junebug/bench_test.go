package junebug

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/gwd-project/gwd/smsc"
	"github.com/gwd-project/gwd/store"
)

// benchEnv is a gateway with one channel whose SMSC is unreachable, so
// that sent messages stay in its queue (the store without fsync).
func benchEnv(b *testing.B) (*env, string) {
	e := newEnv(b, smsc.Config{}, nil)
	cfg := e.simConfig()
	cfg["port"] = 1
	id := e.createChannel(map[string]any{"config": cfg})
	return e, id
}

// BenchmarkSend is POST /channels/{id}/messages/ through the handler (no
// network): parse, encode, SubmitMT durable in the channel's queue (store
// without fsync), message record in the index, the 201 envelope.
func BenchmarkSend(b *testing.B) {
	e, id := benchEnv(b)
	h := e.s.Handler()
	body := []byte(`{"to":"27820000001","from":"8110","content":"Hello world!","event_url":"http://127.0.0.1:1/ev","priority":"bulk"}`)
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(adminUser+":"+adminPass))
	path := "/channels/" + id + "/messages/"
	var ctx fasthttp.RequestCtx
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		ctx.Request.Reset()
		ctx.Response.Reset()
		ctx.Request.Header.SetMethod("POST")
		ctx.Request.SetRequestURI(path)
		ctx.Request.Header.Set("Authorization", auth)
		ctx.Request.SetBody(body)
		h(&ctx)
		if ctx.Response.StatusCode() != 201 {
			b.Fatalf("%d %s", ctx.Response.StatusCode(), ctx.Response.Body())
		}
	}
	b.StopTimer()
	// The queue holds them all; cancel so that Close has little to do.
	if _, err := e.s.cancelQueued(e.s.maps.Load().byID[id]); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkSendParallel is BenchmarkSend from many clients at once: their
// queue appends and message records share group commits.
func BenchmarkSendParallel(b *testing.B) {
	e, id := benchEnv(b)
	h := e.s.Handler()
	body := []byte(`{"to":"27820000001","from":"8110","content":"Hello world!","event_url":"http://127.0.0.1:1/ev","priority":"bulk"}`)
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(adminUser+":"+adminPass))
	path := "/channels/" + id + "/messages/"
	b.SetParallelism(16)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var ctx fasthttp.RequestCtx
		for pb.Next() {
			ctx.Request.Reset()
			ctx.Response.Reset()
			ctx.Request.Header.SetMethod("POST")
			ctx.Request.SetRequestURI(path)
			ctx.Request.Header.Set("Authorization", auth)
			ctx.Request.SetBody(body)
			h(&ctx)
			if ctx.Response.StatusCode() != 201 {
				b.Errorf("%d %s", ctx.Response.StatusCode(), ctx.Response.Body())
				return
			}
		}
	})
	b.StopTimer()
	if _, err := e.s.cancelQueued(e.s.maps.Load().byID[id]); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkMessageEventIgnored is what the observer costs for an event of
// a message that is not a Junebug channel's.
func BenchmarkMessageEventIgnored(b *testing.B) {
	e, _ := benchEnv(b)
	ev := store.Event{Type: store.EventSubmitted, At: time.Now(), Connector: "smsc1", SMSCID: "1"}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		e.s.MessageEvent("b154b386-94d7-4f51-8000-000000000001", ev)
	}
}

// BenchmarkMessageEventForward is one event of a channel's message,
// counted and handed to the thrower (stored durably for delivery to the
// event_url; the delivery itself runs in the background and fails fast on
// a closed port).
func BenchmarkMessageEventForward(b *testing.B) {
	e, id := benchEnv(b)
	ch := e.s.maps.Load().byID[id]
	const msgID = "b154b386-94d7-4f51-8000-000000000001"
	e.s.cache.put(msgID, &msgRef{channelID: id, eventURL: "http://127.0.0.1:1/ev/{message_id}", parts: 1})
	ev := store.Event{Type: store.EventDelivered, At: time.Now(), Connector: ch.cid, SMSCID: "4f2a", Stat: "DELIVRD"}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		e.s.MessageEvent(msgID, ev)
	}
}

// BenchmarkAppendEvent is the event JSON alone.
func BenchmarkAppendEvent(b *testing.B) {
	at := time.Now()
	ev := store.Event{Type: store.EventDelivered, At: at, Connector: "jb_0123456789abcdef012345", SMSCID: "4f2a", Stat: "DELIVRD"}
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for range b.N {
		buf = appendEvent(buf[:0], "b154b386-94d7-4f51-8000-000000000001", "0c0ffee0-0000-4000-8000-000000000000", &ev)
	}
}
