package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/engine/api/httpserve"
)

// gwdAddrs are the listeners of a gwd started by startGWD, by the
// label of gwd_listener_refused_total.
type gwdAddrs map[string]string

// freePort is a loopback port free a moment ago: [metrics] port 0 means
// no listener, so it needs a number.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// testConfig is gwd on loopback, every listener on a port of its own.
func testConfig(t *testing.T) config.Config {
	cfg := config.Default()
	cfg.Store.Path = t.TempDir()
	cfg.Store.Sync = false
	cfg.SMPPServer.Bind, cfg.SMPPServer.Port = "127.0.0.1", 0
	cfg.HTTPAPI.Bind, cfg.HTTPAPI.Port = "127.0.0.1", 0
	cfg.JCli.Port, cfg.Junebug.Port, cfg.AdminAPI.Port = 0, 0, 0
	cfg.Metrics.Port = freePort(t)
	return cfg
}

// startGWD runs gwd (run, as main does) until the test ends and returns
// its listeners' addresses, read from its start-up lines.
func startGWD(t *testing.T, cfg config.Config) gwdAddrs {
	t.Helper()
	out := runGWD(t, cfg)
	re := regexp.MustCompile(`(?m)^gwd: (SMPP server listening on|HTTP API listening on http://|Junebug channel API on http://|jCli console on|admin API listening on http://|metrics on http://)\s*(\S+?)(/metrics)?$`)
	names := map[string]string{"SMPP server listening on": "smpp", "HTTP API listening on http://": "http",
		"Junebug channel API on http://": "junebug", "jCli console on": "jcli",
		"admin API listening on http://": "admin", "metrics on http://": "metrics"}
	waitFor(t, "gwd's listeners", func() bool { return len(re.FindAllString(out.String(), -1)) == 6 })
	a := gwdAddrs{}
	for _, m := range re.FindAllStringSubmatch(out.String(), -1) {
		a[names[m[1]]] = m[2]
	}
	return a
}

// A probe speaks one listener's protocol on a raw socket.
type probe struct {
	// open reads what the listener says first (jCli's greeting).
	open func(t *testing.T, c net.Conn, br *bufio.Reader)
	// works shows the connection is served: a request, its answer.
	works func(t *testing.T, c net.Conn, br *bufio.Reader)
	// refused checks what a connection over a cap gets.
	refused func(t *testing.T, br *bufio.Reader)
}

func httpProbe(path string) probe {
	return probe{
		works: func(t *testing.T, c net.Conn, br *bufio.Reader) {
			t.Helper()
			if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: gwd\r\n\r\n", path); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatalf("GET %s on a held connection: %v", path, err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusServiceUnavailable {
				t.Fatalf("GET %s on a held connection: 503", path)
			}
		},
		refused: func(t *testing.T, br *bufio.Reader) {
			t.Helper()
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatalf("no refusal: %v", err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 503 || string(body) != httpserve.RefusalBody || resp.Header.Get("Retry-After") != "1" {
				t.Fatalf("refusal %d %q Retry-After %q, want 503 %q Retry-After 1", resp.StatusCode, body, resp.Header.Get("Retry-After"), httpserve.RefusalBody)
			}
			expectClosed(t, br)
		},
	}
}

// enquireLink is an SMPP enquire_link with sequence number seq.
func enquireLink(seq uint32) []byte {
	b := make([]byte, 16)
	binary.BigEndian.PutUint32(b[0:], 16)
	binary.BigEndian.PutUint32(b[4:], 0x00000015)
	binary.BigEndian.PutUint32(b[12:], seq)
	return b
}

var smppProbe = probe{
	works: func(t *testing.T, c net.Conn, br *bufio.Reader) {
		t.Helper()
		if _, err := c.Write(enquireLink(7)); err != nil {
			t.Fatal(err)
		}
		var resp [16]byte
		if _, err := io.ReadFull(br, resp[:]); err != nil {
			t.Fatalf("enquire_link on a held connection: %v", err)
		}
		if cmd := binary.BigEndian.Uint32(resp[4:]); cmd != 0x80000015 {
			t.Fatalf("enquire_link answered %#x", cmd)
		}
	},
	refused: func(t *testing.T, br *bufio.Reader) { t.Helper(); expectClosed(t, br) },
}

var jcliProbe = probe{
	open: func(t *testing.T, c net.Conn, br *bufio.Reader) {
		t.Helper()
		readUntil(t, br, "Authentication required.")
	},
	works: func(t *testing.T, c net.Conn, br *bufio.Reader) {
		t.Helper()
		if _, err := c.Write([]byte("jcliadmin\r\n")); err != nil {
			t.Fatal(err)
		}
		readUntil(t, br, "Password: ")
	},
	refused: func(t *testing.T, br *bufio.Reader) {
		t.Helper()
		line, err := br.ReadString('\n')
		if line != "Too many sessions, try again later.\r\n" {
			t.Fatalf("refusal %q (%v)", line, err)
		}
		expectClosed(t, br)
	},
}

func readUntil(t *testing.T, br *bufio.Reader, want string) {
	t.Helper()
	var got []byte
	for !strings.Contains(string(got), want) {
		b, err := br.ReadByte()
		if err != nil {
			t.Fatalf("waiting for %q, got %q: %v", want, got, err)
		}
		got = append(got, b)
	}
}

// expectClosed reads to the end: the server closes the connection.
func expectClosed(t *testing.T, br *bufio.Reader) {
	t.Helper()
	n, err := io.Copy(io.Discard, br)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("not closed (%d octets, then nothing)", n)
	}
}

func dialRaw(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	return c, bufio.NewReader(c)
}

// scrape GETs /metrics on the metrics listener with net/http (retrying
// while it refuses) and returns gwd_listener_refused_total by
// "listener/reason", and smppsapi_refused_connect_count as "smppsapi".
func scrape(t *testing.T, addr string) map[string]uint64 {
	t.Helper()
	re := regexp.MustCompile(`(?m)^(?:gwd_listener_refused_total\{listener="(\w+)",reason="(\w+)"\}|smppsapi_refused_connect_count) (\d+)$`)
	var body []byte
	waitFor(t, "a /metrics page", func() bool {
		resp, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + addr + "/metrics")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		body, _ = io.ReadAll(resp.Body)
		return resp.StatusCode == 200
	})
	got := map[string]uint64{}
	for _, m := range re.FindAllStringSubmatch(string(body), -1) {
		n, _ := strconv.ParseUint(m[3], 10, 64)
		if m[1] == "" {
			got["smppsapi"] = n
		} else {
			got[m[1]+"/"+m[2]] = n
		}
	}
	return got
}

var probes = map[string]probe{
	"smpp": smppProbe, "http": httpProbe("/ping"), "junebug": httpProbe("/channels/"),
	"admin": httpProbe("/admin/users"), "metrics": httpProbe("/metrics"), "jcli": jcliProbe,
}

// setCaps sets max_connections and max_connections_per_ip of every
// listener.
func setCaps(cfg *config.Config, total, perIP int) {
	cfg.SMPPServer.MaxConnections, cfg.SMPPServer.MaxConnectionsPerIP = total, perIP
	cfg.HTTPAPI.MaxConnections, cfg.HTTPAPI.MaxConnectionsPerIP = total, perIP
	cfg.Junebug.MaxConnections, cfg.Junebug.MaxConnectionsPerIP = total, perIP
	cfg.AdminAPI.MaxConnections, cfg.AdminAPI.MaxConnectionsPerIP = total, perIP
	cfg.Metrics.MaxConnections, cfg.Metrics.MaxConnectionsPerIP = total, perIP
	cfg.JCli.MaxConnections, cfg.JCli.MaxConnectionsPerIP = total, perIP
}

// TestListenerCaps runs gwd with every listener capped at 2 connections,
// in all and then per IP: on each (SMPP, HTTP API, Junebug, admin API,
// metrics, jCli) a raw client opens two connections, then a third, which
// gets the listener's refusal (SMPP: closed; HTTP: 503 with a body; jCli:
// a line) and is closed, while the two held are still served. /metrics,
// fetched with net/http, counts one refusal per listener under the cap's
// reason and none under the other.
func TestListenerCaps(t *testing.T) {
	for _, c := range []struct {
		reason, other string
		total, perIP  int
	}{
		{"max_connections", "per_ip", 2, 0},
		{"per_ip", "max_connections", 0, 2},
	} {
		t.Run(c.reason, func(t *testing.T) {
			cfg := testConfig(t)
			setCaps(&cfg, c.total, c.perIP)
			addrs := startGWD(t, cfg)
			for name, p := range probes {
				var held []net.Conn
				var readers []*bufio.Reader
				for range 2 {
					nc, br := dialRaw(t, addrs[name])
					if p.open != nil {
						p.open(t, nc, br)
					}
					held, readers = append(held, nc), append(readers, br)
				}
				if name != "jcli" { // a console session answers one line at a time; see below
					for i, nc := range held {
						p.works(t, nc, readers[i])
					}
				}
				_, br := dialRaw(t, addrs[name])
				t.Logf("%s: third connection", name)
				p.refused(t, br)
				for i, nc := range held {
					p.works(t, nc, readers[i])
				}
				for _, nc := range held {
					nc.Close()
				}
			}
			got := scrape(t, addrs["metrics"])
			if got["smppsapi"] != 1 {
				t.Errorf("smppsapi_refused_connect_count = %d, want 1", got["smppsapi"])
			}
			for name := range probes {
				n := got[name+"/"+c.reason]
				if n != 1 && !(name == "metrics" && n > 1) { // a scrape may come before the held ones are released
					t.Errorf("gwd_listener_refused_total{listener=%q,reason=%q} = %d, want 1", name, c.reason, n)
				}
				if n := got[name+"/"+c.other]; n != 0 {
					t.Errorf("gwd_listener_refused_total{listener=%q,reason=%q} = %d, want 0", name, c.other, n)
				}
			}
		})
	}
}

// TestSMPPSlowClientsCut runs gwd with sessionInitTimerSecs 3 and
// pduReadTimerSecs 1: a raw client that dribbles an enquire_link one
// octet every 150 ms (the PDU would take 2.4 s) is closed after about a
// second, while one that connected with it and sends nothing is still
// open then, and closed once 3 s pass unbound. /metrics counts both as
// gwd_listener_refused_total{listener="smpp",reason="timeout"}.
func TestSMPPSlowClientsCut(t *testing.T) {
	cfg := testConfig(t)
	cfg.SMPPServer.SessionInitTimerSecs, cfg.SMPPServer.PDUReadTimerSecs = 3, 1
	// No connection caps: the cuts are counted all the same.
	cfg.SMPPServer.MaxConnections, cfg.SMPPServer.MaxConnectionsPerIP = 0, 0
	addrs := startGWD(t, cfg)
	silent, silentR := dialRaw(t, addrs["smpp"])
	slow, slowR := dialRaw(t, addrs["smpp"])
	cut := make(chan error, 1)
	go func() { _, err := slowR.ReadByte(); cut <- err }()
	pdu := enquireLink(1)
	start := time.Now()
dribble:
	for i := 0; ; i++ {
		if i == len(pdu) {
			t.Fatalf("the whole PDU went through in %v: not cut", time.Since(start))
		}
		select {
		case err := <-cut:
			if err == nil {
				t.Fatal("the dribbling client got an answer, want it closed")
			}
			break dribble
		case <-time.After(150 * time.Millisecond):
		}
		if _, err := slow.Write(pdu[i : i+1]); err != nil {
			break
		}
	}
	t.Logf("dribbling client cut after %v", time.Since(start))
	_ = silent.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	if _, err := silentR.ReadByte(); !isTimeout(err) {
		t.Fatalf("the silent client was closed with the dribbling one (%v): the cut was the bind timeout", err)
	}
	_ = silent.SetReadDeadline(time.Now().Add(10 * time.Second))
	expectClosed(t, silentR)
	t.Logf("silent client cut after %v", time.Since(start))
	if n := scrape(t, addrs["metrics"])["smpp/timeout"]; n != 2 {
		t.Errorf(`gwd_listener_refused_total{listener="smpp",reason="timeout"} = %d, want 2`, n)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// TestBodiesOverLimitRefusedUnread: a POST announcing 2 MiB to the
// Junebug API and to the admin API is answered 413 before any of its
// body is sent; /metrics counts each under body_too_large. (That
// fasthttp's line for it goes to the debug level: httpserve's tests.)
func TestBodiesOverLimitRefusedUnread(t *testing.T) {
	addrs := startGWD(t, testConfig(t))
	for _, c := range []struct{ name, path string }{{"junebug", "/channels/"}, {"admin", "/admin/users"}} {
		nc, br := dialRaw(t, addrs[c.name])
		fmt.Fprintf(nc, "POST %s HTTP/1.1\r\nHost: gwd\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{", c.path, 2<<20)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("%s: no answer before the body: %v", c.name, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("%s: %d, want 413", c.name, resp.StatusCode)
		}
	}
	got := scrape(t, addrs["metrics"])
	for _, name := range []string{"junebug", "admin"} {
		if n := got[name+"/body_too_large"]; n != 1 {
			t.Errorf(`gwd_listener_refused_total{listener=%q,reason="body_too_large"} = %d, want 1`, name, n)
		}
	}
}
