package httpapi

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/engine/api/httpserve"
)

// rawRequest writes head (request line and headers, no blank line) plus
// Content-Length n and the first len(start) octets of the body, then reads
// the answer: the rest of the body is never sent, so only a server that
// refuses on the headers answers before the deadline.
func rawRequest(t *testing.T, addr, head string, n int, start string) (*http.Response, string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte(head + "\r\nContent-Length: " + itoa(n) + "\r\n\r\n" + start)); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer before the body was sent: %v", err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 512)
	for {
		k, err := resp.Body.Read(buf)
		b.Write(buf[:k])
		if err != nil {
			break
		}
	}
	return resp, b.String()
}

// TestBodyLimitBeforeRead: a /send or /secure/send announcing a 2 MiB
// body is answered 413 on its headers alone, the body never read (the
// client sends 10 octets of it and waits).
func TestBodyLimitBeforeRead(t *testing.T) {
	e := newEnv(t, config.HTTPAPI{}, Options{})
	addr := e.ln.Addr().String()
	for _, head := range []string{
		"POST /send HTTP/1.1\r\nHost: gwd\r\nContent-Type: application/x-www-form-urlencoded",
		"POST /secure/send HTTP/1.1\r\nHost: gwd\r\nContent-Type: application/json\r\nAuthorization: Basic Zm9vOmJhcg==",
		"POST /secure/sendbatch HTTP/1.1\r\nHost: gwd\r\nContent-Type: application/json\r\nAuthorization: Basic Zm9vOmJhcg==",
	} {
		n := 2 << 20
		want := `Error "Request body is larger than 1048576 octets."`
		if strings.Contains(head, "sendbatch") {
			n, want = 9<<20, `Error "Request body is larger than 8388608 octets."`
		}
		resp, body := rawRequest(t, addr, head, n, "username=f")
		if resp.StatusCode != 413 || body != want {
			t.Errorf("%s: %d %q, want 413 %q", strings.Fields(head)[1], resp.StatusCode, body, want)
		}
	}
	if n := len(e.b.submits()); n != 0 {
		t.Errorf("%d submits", n)
	}
}

// TestSendbatchBodyLimit: /secure/sendbatch alone takes a body over 1 MiB
// (up to sendbatch_max_body_size), and that key sets its limit.
func TestSendbatchBodyLimit(t *testing.T) {
	batch := `{"messages": [{"to": "1", "content": "a"}]}` + strings.Repeat(" ", 2<<20)
	e := bulkEnv(t, Options{})
	if st, body, _ := e.rest("POST", "/secure/sendbatch", "foo", "bar", batch); st != 200 {
		t.Errorf("2 MiB sendbatch: %d %s", st, body)
	}
	// The refusals are read on a raw socket, as the body goes unsent: a
	// client writing all 2 MiB meets the server's close (it answered on
	// the headers) as a reset before it reads the 413.
	const head = "POST %s HTTP/1.1\r\nHost: gwd\r\nContent-Type: application/json\r\nAuthorization: Basic Zm9vOmJhcg=="
	want := `Error "Request body is larger than 1048576 octets."`
	if resp, body := rawRequest(t, e.ln.Addr().String(), fmt.Sprintf(head, "/secure/send"), len(batch), batch[:10]); resp.StatusCode != 413 || body != want {
		t.Errorf("2 MiB /secure/send: %d %s", resp.StatusCode, body)
	}
	small := newEnv(t, config.HTTPAPI{SendbatchMaxBodySize: 1 << 20}, Options{})
	small.setCred("mt_messaging_cred", "authorization", "http_bulk", "True")
	if resp, body := rawRequest(t, small.ln.Addr().String(), fmt.Sprintf(head, "/secure/sendbatch"), len(batch), batch[:10]); resp.StatusCode != 413 || body != want {
		t.Errorf("sendbatch_max_body_size 1 MiB, 2 MiB batch: %d %s", resp.StatusCode, body)
	}
}

// ping sends GET /ping on an open keep-alive connection and returns the
// status.
func ping(t *testing.T, c net.Conn, br *bufio.Reader) int {
	t.Helper()
	if _, err := c.Write([]byte("GET /ping HTTP/1.1\r\nHost: gwd\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("ping: %v", err)
	}
	var buf [64]byte
	for {
		if _, err := resp.Body.Read(buf[:]); err != nil {
			break
		}
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestConnectionCaps: with max_connections_per_ip 2, or max_connections
// 2, a third connection from 127.0.0.1 is answered 503 (httpserve's body)
// and closed before it sends anything. The two open ones keep being
// served.
func TestConnectionCaps(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  config.HTTPAPI
		want int
	}{
		{"max_connections_per_ip", config.HTTPAPI{MaxConnectionsPerIP: 2}, 503},
		{"max_connections", config.HTTPAPI{MaxConnections: 2}, 503},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, c.cfg, Options{})
			addr := e.ln.Addr().String()
			var open []net.Conn
			var readers []*bufio.Reader
			for range 2 {
				nc, err := net.Dial("tcp", addr)
				if err != nil {
					t.Fatal(err)
				}
				defer nc.Close()
				br := bufio.NewReader(nc)
				if st := ping(t, nc, br); st != 200 {
					t.Fatalf("connection %d: ping %d", len(open)+1, st)
				}
				open, readers = append(open, nc), append(readers, br)
			}
			extra, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer extra.Close()
			_ = extra.SetReadDeadline(time.Now().Add(5 * time.Second))
			if c.want == 0 {
				if n, err := extra.Read(make([]byte, 1)); err == nil || isTimeout(err) {
					t.Fatalf("third connection: read %d, %v; want it closed", n, err)
				}
			} else {
				resp, err := http.ReadResponse(bufio.NewReader(extra), nil)
				if err != nil {
					t.Fatalf("third connection: no refusal: %v", err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != c.want || string(body) != httpserve.RefusalBody {
					t.Errorf("third connection: %d %q, want %d %q", resp.StatusCode, body, c.want, httpserve.RefusalBody)
				}
			}
			for i, nc := range open {
				if st := ping(t, nc, readers[i]); st != 200 {
					t.Errorf("connection %d after the refusal: ping %d", i+1, st)
				}
			}
		})
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// TestHeaderTrickleCut: a client that trickles header lines (slowloris)
// is cut once ReadTimeout has passed since its request began, however
// steadily it sends: the deadline is set once per request, not per read.
func TestHeaderTrickleCut(t *testing.T) {
	const readTimeout = 300 * time.Millisecond
	e := newEnv(t, config.HTTPAPI{}, Options{ReadTimeout: readTimeout})
	c, err := net.Dial("tcp", e.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("GET /ping HTTP/1.1\r\nHost: gwd\r\n")); err != nil {
		t.Fatal(err)
	}
	cut := make(chan struct{})
	go func() { // the server's answer (408) or close ends the trickle
		_, _ = c.Read(make([]byte, 512))
		close(cut)
	}()
	for i := range 100 { // 100 lines, 50 ms apart: 5 s, far past the timeout
		select {
		case <-cut:
			return
		case <-time.After(50 * time.Millisecond):
		}
		if _, err := c.Write([]byte("X-Trickle-" + itoa(i) + ": a\r\n")); err != nil {
			return // closed by the server
		}
	}
	t.Fatal("a header trickle of 5 s was not cut by a 300 ms ReadTimeout")
}
