package thrower

import (
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// ackServer is a fasthttp receiver on 127.0.0.1 that acknowledges everything.
func ackServer(b *testing.B) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) { ctx.WriteString("ACK/Jasmin") }}
	go srv.Serve(ln)
	b.Cleanup(func() { srv.Shutdown() })
	return "http://" + ln.Addr().String()
}

func dlrCallback(url string) *Callback {
	return &Callback{Kind: DLR, Method: "POST", URL: url + "/dlr", Ref: "16fd2706-8baf-433b-82eb-8c7fada847da",
		Params: []Param{
			{"id", "16fd2706-8baf-433b-82eb-8c7fada847da"}, {"message_status", "DELIVRD"}, {"level", "2"},
			{"connector", "smsc1"}, {"id_smsc", "6B02595C00000004"}, {"sub", "001"}, {"dlvrd", "001"},
			{"subdate", "2611220254"}, {"donedate", "2611220254"}, {"err", "000"}, {"text", "hello"},
		}}
}

// BenchmarkThrow: storing a level-2 DLR callback until durable (NoSync
// store), from parallel callers.
func BenchmarkThrow(b *testing.B) {
	db := openDB(b, b.TempDir())
	defer db.Close()
	// Deliveries go to a closed port and wait an hour: only the store path
	// is measured.
	th, err := Open(db, Config{Policies: policies(Policy{Timeout: time.Second, RetryDelay: time.Hour}), Workers: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer th.Close()
	th.lanes[DLR-1].q.Pause()
	cb := dlrCallback("http://127.0.0.1:9")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		done := make(chan error, 1)
		f := func(err error) { done <- err }
		for pb.Next() {
			th.Throw(cb, f)
			if err := <-done; err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkDeliver: DLR callbacks stored, posted to a local fasthttp
// receiver answering ACK/Jasmin, and removed, end to end (allocations
// include the receiver's). One destination: PerHost (DefaultPerHost) requests at once.
func BenchmarkDeliver(b *testing.B) { benchDeliver(b, "") }

// BenchmarkDeliverSigned: BenchmarkDeliver with a signing key.
func BenchmarkDeliverSigned(b *testing.B) { benchDeliver(b, "0123456789abcdef0123456789abcdef") }

func benchDeliver(b *testing.B, key string) {
	url := ackServer(b)
	db := openDB(b, b.TempDir())
	defer db.Close()
	dlr := configThrower(30, 30, 3)
	dlr.SigningKey = key
	th, err := Open(db, Config{DLR: dlr, Policies: policies(fast(3))})
	if err != nil {
		b.Fatal(err)
	}
	defer th.Close()
	cb := dlrCallback(url)
	var stored atomic.Int64
	f := func(err error) {
		if err != nil {
			b.Error(err)
		}
		stored.Add(1)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		th.Throw(cb, f)
	}
	deadline := time.Now().Add(time.Minute)
	for th.Stats().DLR.Delivered < uint64(b.N) {
		if time.Now().After(deadline) {
			b.Fatalf("not delivered within a minute: %+v", th.Stats().DLR)
		}
		time.Sleep(time.Millisecond)
	}
	b.StopTimer()
	if s := th.Stats().DLR; s.Retries != 0 || s.Failed != 0 {
		b.Fatalf("stats %+v", s)
	}
}
