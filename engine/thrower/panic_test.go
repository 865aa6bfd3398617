package thrower

import (
	"net"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/gwd-project/gwd/engine/recovery"
)

// TestPanicInRequestIsAFailedAttempt: a panic while making a callback's
// request (here the client's dialer, the test hook) is counted in
// gwd_panics_total{where="thrower"} and treated as a failed attempt: the
// callback is retried and delivered, the workers and the process go on.
func TestPanicInRequestIsAFailedAttempt(t *testing.T) {
	rc := newReceiver(t, ack)
	var dials atomic.Int32
	client := &fasthttp.Client{
		Dial: func(addr string) (net.Conn, error) {
			if dials.Add(1) == 1 {
				panic("dialer bug")
			}
			return net.Dial("tcp", addr)
		},
	}
	before := recovery.Counter("thrower").Get()
	th := start(t, Config{Policies: policies(fast(3)), Client: client})
	throw(t, th, &Callback{Kind: DLR, Method: "POST", URL: rc.url("/dlr"), Params: []Param{{"id", "1"}}})
	waitFor(t, "the DLR after the panic", func() bool { return th.Stats().DLR.Delivered == 1 })
	s := th.Stats().DLR
	if s.Retries != 1 || !strings.Contains(s.LastError, "panic: dialer bug") {
		t.Errorf("stats %+v", s)
	}
	if n := recovery.Counter("thrower").Get() - before; n != 1 {
		t.Errorf("gwd_panics_total{where=thrower} +%d, want 1", n)
	}
	throw(t, th, &Callback{Kind: DLR, Method: "POST", URL: rc.url("/dlr"), Params: []Param{{"id", "2"}}})
	waitFor(t, "the next DLR", func() bool { return th.Stats().DLR.Delivered == 2 })
}
