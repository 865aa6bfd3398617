package recovery

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"
)

func TestFastHTTPPanicAnswers500AndServerLives(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	h := FastHTTP("guardtest", log, func(ctx *fasthttp.RequestCtx) {
		if string(ctx.Path()) == "/boom" {
			panic("boom in handler")
		}
		ctx.SetBodyString("fine")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &fasthttp.Server{Handler: h}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	before := Counter("guardtest").Get()

	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get("http://" + ln.Addr().String() + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if st, body := get("/boom"); st != 500 || body != "Internal server error" {
		t.Errorf("/boom: %d %q", st, body)
	}
	if st, body := get("/ok"); st != 200 || body != "fine" {
		t.Errorf("after the panic, /ok: %d %q", st, body)
	}
	if got := Counter("guardtest").Get() - before; got != 1 {
		t.Errorf("gwd_panics_total{where=guardtest} rose by %d, want 1", got)
	}
	if s := logs.String(); !strings.Contains(s, "boom in handler") || !strings.Contains(s, "recovery_test.go") {
		t.Errorf("log lacks the panic or its stack: %s", s)
	}
}

func TestRun(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if Run("guardtest_run", log, func() {}) {
		t.Error("Run reported a panic for a function that returned")
	}
	if !Run("guardtest_run", log, func() { panic(42) }) {
		t.Error("Run did not report the panic")
	}
	if n := Counter("guardtest_run").Get(); n != 1 {
		t.Errorf("counter = %d, want 1", n)
	}
}

func TestLoopRestartsAfterPanic(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	runs := 0
	stop := make(chan struct{})
	Loop("guardtest_loop", log, stop, func() {
		runs++
		if runs == 1 {
			panic("first message bug")
		}
	})
	if runs != 2 {
		t.Errorf("fn ran %d times, want 2 (restarted once after the panic)", runs)
	}
	close(stop)
	runs = 0
	Loop("guardtest_loop", log, stop, func() { runs++; panic("again") })
	if runs != 1 {
		t.Errorf("with stop closed, fn ran %d times, want 1", runs)
	}
}
