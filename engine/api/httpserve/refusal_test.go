package httpserve

import (
	"bufio"
	"bytes"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/gwd-project/gwd/netio"
)

// logBuffer is a slog handler's output, safe for the server's goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// serveLimited serves a 1 KiB body limit and a 300 ms read timeout,
// logging at info into the returned buffer.
func serveLimited(t *testing.T) (*Server, string, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	s := New("test", &fasthttp.Server{
		Handler:            func(ctx *fasthttp.RequestCtx) { ctx.SetBodyString("ok") },
		ReadTimeout:        300 * time.Millisecond,
		MaxRequestBodySize: 1 << 10,
	}, Options{Limit: netio.NewConnLimit(0, 0), Log: slog.New(slog.NewTextHandler(logs, nil))})
	ln := listen(t)
	go func() { _ = s.Serve(ln) }()
	t.Cleanup(func() { _ = s.Shutdown() })
	return s, ln.Addr().String(), logs
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestSlowHeadersCut: a client that dribbles its request line and
// headers one octet every 50 ms (slowloris) is answered 408 and closed
// once the 300 ms read timeout has passed since its request began, and
// counted as a timeout; nothing is logged at info.
func TestSlowHeadersCut(t *testing.T) {
	s, addr, logs := serveLimited(t)
	c := dial(t, addr)
	cut := make(chan string, 1)
	go func() {
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		b, _ := bufio.NewReader(c).ReadString('\n')
		cut <- b
	}()
	req := "GET / HTTP/1.1\r\nHost: gwd\r\nX-Slow: " + string(bytes.Repeat([]byte("a"), 200)) + "\r\n\r\n"
	start := time.Now()
	for i := 0; i < len(req); i++ { // 10 s of dribble, far past the timeout
		select {
		case line := <-cut:
			if line != "HTTP/1.1 408 Request Timeout\r\n" {
				t.Errorf("cut with %q, want a 408", line)
			}
			if got := s.Refusals().Timeout.Load(); got != 1 {
				t.Errorf("Refusals().Timeout = %d, want 1", got)
			}
			if l := logs.String(); l != "" {
				t.Errorf("logged at info: %s", l)
			}
			t.Logf("cut after %v", time.Since(start))
			return
		case <-time.After(50 * time.Millisecond):
		}
		if _, err := c.Write([]byte{req[i]}); err != nil {
			break
		}
	}
	t.Fatalf("a header dribble of %v was not cut by a 300 ms read timeout", time.Since(start))
}

// TestBodyTooLargeRefusedUnread: a body whose Content-Length is over the
// limit is answered 413 before any of it is sent, counted, and not
// logged at info; the limit's counters keep the other reasons at 0.
func TestBodyTooLargeRefusedUnread(t *testing.T) {
	s, addr, logs := serveLimited(t)
	c := dial(t, addr)
	if _, err := c.Write([]byte("POST / HTTP/1.1\r\nHost: gwd\r\nContent-Length: 2097152\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer before the body: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", resp.StatusCode)
	}
	if got := s.Refusals().Counts(); got != [4]uint64{0, 0, 1, 0} {
		t.Errorf("Refusals %v, want one body_too_large", got)
	}
	time.Sleep(50 * time.Millisecond) // fasthttp logs after it answered
	if l := logs.String(); l != "" {
		t.Errorf("logged at info: %s", l)
	}
}
