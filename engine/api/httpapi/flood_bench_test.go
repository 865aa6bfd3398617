package httpapi

import (
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/router/ledger"
)

// BenchmarkSendUnderFlood measures legitimate /send throughput over
// loopback HTTP (8 keep-alive clients, the fake gateway answering at
// once, the password cached) first alone, then while a flood of 1,000
// wrong-password requests per second hits the same server, in one run.
// Each b.N is one legitimate /send per phase. It reports both rates
// (quiet_req/s, flood_req/s), their ratio, and the flood actually sent
// (flood_sent/s), answered 429 (flood_429_%) and 403 after a check
// (flood_403_%; the rest failed at the client: connection errors).
//
//	one-source:   the flood comes from 127.0.0.1 with keep-alive, for the
//	              legitimate user's name (per-source and per-username back-off).
//	many-sources: each flood request opens a connection from the next of
//	              127.0.0.2-127.0.0.254 and sprays unknown usernames, so no
//	              back-off helps until each source has had its free failures.
//
// go test -run '^$' -bench BenchmarkSendUnderFlood -benchtime 40000x ./engine/httpapi/
func BenchmarkSendUnderFlood(b *testing.B) {
	b.Run("one-source", func(b *testing.B) { benchFlood(b, false) })
	b.Run("many-sources", func(b *testing.B) { benchFlood(b, true) })
}

func benchFlood(b *testing.B, manySources bool) {
	saved := router.PasswordIterations
	router.PasswordIterations = 100_000 // the real cost of a wrong password (and of an unknown user's dummy check)
	defer func() { router.PasswordIterations = saved }()
	f := &fakeBackend{acc: newAccounts(b), noCopy: true, counters: map[string]ledger.Counters{}}
	s := New(config.HTTPAPI{}, f, Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = s.Serve(ln) }()
	defer func() { s.Close(); f.AuthGuard().Close() }()
	addr := ln.Addr().String()
	legit := &fasthttp.Client{MaxConnsPerHost: 64}
	send := "http://" + addr + "/send?username=foo&password=bar&to=33600000001&content=hello"
	if st, body, err := legit.Get(nil, send); err != nil || st != 200 {
		b.Fatalf("first /send: %d %s %v", st, body, err)
	}

	const clients = 8
	phase := func() float64 {
		var left atomic.Int64
		left.Store(int64(b.N))
		var wg sync.WaitGroup
		start := time.Now()
		for range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
				defer fasthttp.ReleaseRequest(req)
				defer fasthttp.ReleaseResponse(resp)
				req.SetRequestURI(send)
				for left.Add(-1) >= 0 {
					if err := legit.Do(req, resp); err != nil || resp.StatusCode() != 200 {
						b.Errorf("legitimate /send: %v %d %s", err, resp.StatusCode(), resp.Body())
						return
					}
				}
			}()
		}
		wg.Wait()
		return float64(b.N) / time.Since(start).Seconds()
	}

	b.ResetTimer()
	quiet := phase()

	// The flood: 1,000 requests a second, 10 every 10 ms, at most 512
	// outstanding (beyond, the flooder is the bottleneck: flood_sent/s
	// says what it achieved).
	var src atomic.Uint32
	flooder := &fasthttp.Client{MaxConnsPerHost: 512, ReadTimeout: 60 * time.Second}
	if manySources {
		flooder.Dial = func(a string) (net.Conn, error) {
			ip := net.IPv4(127, 0, 0, byte(2+src.Add(1)%253))
			d := net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}}
			return d.Dial("tcp", a)
		}
	}
	stop := make(chan struct{})
	sem := make(chan struct{}, 512)
	var sent, tooMany, forbidden atomic.Int64
	var fwg sync.WaitGroup
	fwg.Add(1)
	go func() {
		defer fwg.Done()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		n := 0
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			for range 10 {
				select {
				case sem <- struct{}{}:
				default:
					continue
				}
				n++
				user := "foo"
				if manySources {
					user = "nobody" + strconv.Itoa(n)
				}
				fwg.Add(1)
				go func(uri string) {
					defer fwg.Done()
					defer func() { <-sem }()
					req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
					defer fasthttp.ReleaseRequest(req)
					defer fasthttp.ReleaseResponse(resp)
					req.SetRequestURI(uri)
					if manySources {
						req.SetConnectionClose()
					}
					sent.Add(1)
					if flooder.Do(req, resp) == nil {
						switch resp.StatusCode() {
						case 429:
							tooMany.Add(1)
						case 403:
							forbidden.Add(1)
						}
					}
				}("http://" + addr + "/send?username=" + user + "&password=wrong&to=33600000001&content=x")
			}
		}
	}()
	time.Sleep(200 * time.Millisecond) // the flood is under way
	floodStart := time.Now()
	before := sent.Load()
	flooded := phase()
	floodSecs := time.Since(floodStart).Seconds()
	floodSent := sent.Load() - before
	close(stop)
	fwg.Wait()
	b.StopTimer()

	b.ReportMetric(quiet, "quiet_req/s")
	b.ReportMetric(flooded, "flood_req/s")
	b.ReportMetric(flooded/quiet, "ratio")
	b.ReportMetric(float64(floodSent)/floodSecs, "flood_sent/s")
	if n := sent.Load(); n > 0 {
		b.ReportMetric(100*float64(tooMany.Load())/float64(n), "flood_429_%")
		b.ReportMetric(100*float64(forbidden.Load())/float64(n), "flood_403_%")
	}
}
