package jcli

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/engine/gateway"
	"github.com/gwd-project/gwd/engine/manage/managetest"
	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/router/script"
)

func TestMain(m *testing.M) {
	router.PasswordIterations = 1000
	os.Exit(m.Run())
}

// env is a gateway on a temporary store with a console in front of it.
type env struct {
	t    testing.TB
	tune func(*Server) // adjusts a console before it serves
	dir  string
	g    *gateway.Gateway
	// store is the configuration store, with faults to inject.
	store *managetest.Store
	srv   *Server
	addr  string
}

// deps are the console's pieces of a gateway.
func deps(p gateway.Parts) Deps {
	return Deps{Admin: p.Admin, SMPP: p.SMPP}
}

func newEnv(t testing.TB) *env { t.Helper(); return newEnvWith(t, nil) }

// newEnvWith is newEnv with the console's tunables adjusted by tune.
func newEnvWith(t testing.TB, tune func(*Server)) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir(), tune: tune}
	e.open()
	return e
}

// open opens the gateway on e.dir and starts a console.
func (e *env) open() {
	t := e.t
	t.Helper()
	cfg := config.Default()
	cfg.Store.Path = e.dir
	cfg.Store.Sync = false
	cfg.Auth.KDFFailurePercent = 100 // no failure budget: slow KDFs under -race would spend it
	e.store = &managetest.Store{}
	g, err := gateway.Open(cfg, gateway.Options{SMPPAddr: "127.0.0.1:0", Log: quietLog(),
		ConfigStore: e.store.Wrap})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Start(); err != nil {
		g.Close()
		t.Fatal(err)
	}
	e.g = g
	e.srv = New(cfg.JCli, g.Parts().Manager, deps(g.Parts()), quietLog())
	e.srv.FailDelay = time.Millisecond
	if e.tune != nil {
		e.tune(e.srv)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.addr = ln.Addr().String()
	srv := e.srv
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(e.close)
}

// serveWith starts a second console on d (e.g's pieces, some replaced)
// and points e at it.
func (e *env) serveWith(d Deps) {
	e.t.Helper()
	srv := New(config.Default().JCli, e.g.Parts().Manager, d, quietLog())
	srv.FailDelay = time.Millisecond
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		e.t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	e.t.Cleanup(func() { _ = srv.Close() })
	e.addr = ln.Addr().String()
}

// close stops the console and the gateway (again is a no-op).
func (e *env) close() {
	if e.srv != nil {
		_ = e.srv.Close()
		e.srv = nil
	}
	if e.g != nil {
		_ = e.g.Close()
		e.g = nil
	}
}

// reopen closes everything and opens the same store again.
func (e *env) reopen() {
	e.close()
	e.open()
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// client is a telnet client. In line mode (the default) it ignores the
// server's negotiation, as nc does; in character mode it accepts ECHO and
// SGA as a telnet client would.
type client struct {
	t        testing.TB
	conn     net.Conn
	charMode bool
	pending  []byte // decoded text not yet consumed
	raw      []byte // everything received, undecoded
	iacState int
	// prompt is the prompt the server showed last.
	prompt string
}

func (e *env) dial() *client {
	e.t.Helper()
	conn, err := net.Dial("tcp", e.addr)
	if err != nil {
		e.t.Fatal(err)
	}
	c := &client{t: e.t, conn: conn}
	e.t.Cleanup(func() { conn.Close() })
	return c
}

// login authenticates with the default credentials and returns what came
// after the password.
func (e *env) login() *client {
	c := e.dial()
	c.expect("Authentication required.\n\n")
	c.send("jcliadmin")
	c.expect("Password: ")
	c.send("jclipwd")
	out := c.readUntilPrompt()
	if !strings.HasPrefix(out, Welcome+"\nType help or ? to list commands.\n\nSession ref: ") {
		e.t.Fatalf("unexpected banner %q", out)
	}
	return c
}

func (c *client) send(line string) {
	c.t.Helper()
	c.write([]byte(line + "\r\n"))
}

func (c *client) write(b []byte) {
	c.t.Helper()
	if _, err := c.conn.Write(b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// fill reads more from the server, decoding telnet commands out of the
// text (and answering them in character mode). It reports false at EOF.
func (c *client) fill() bool {
	c.t.Helper()
	buf := make([]byte, 4096)
	_ = c.conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	n, err := c.conn.Read(buf)
	c.raw = append(c.raw, buf[:n]...)
	for _, b := range buf[:n] {
		switch c.iacState {
		case 0:
			if b == tIAC {
				c.iacState = 1
				continue
			}
			if b != '\r' {
				c.pending = append(c.pending, b)
			}
		case 1:
			switch b {
			case tIAC:
				c.pending = append(c.pending, b)
				c.iacState = 0
			case tWILL, tWONT, tDO, tDONT:
				c.iacState = int(b)
			case tSB:
				c.iacState = 2
			default:
				c.iacState = 0
			}
		case 2: // inside SB: until IAC SE
			if b == tIAC {
				c.iacState = 3
			}
		case 3:
			c.iacState = 2
			if b == tSE {
				c.iacState = 0
			}
		default: // the option byte of WILL/WONT/DO/DONT
			verb := byte(c.iacState)
			c.iacState = 0
			if c.charMode {
				switch {
				case verb == tWILL && (b == optEcho || b == optSGA):
					c.write([]byte{tIAC, tDO, b})
				case verb == tDO && b == optSGA:
					c.write([]byte{tIAC, tWILL, b})
				case verb == tDO:
					c.write([]byte{tIAC, tWONT, b})
				}
			}
		}
	}
	if err != nil {
		if err != io.EOF {
			c.t.Fatalf("read: %v (have %q)", err, c.pending)
		}
		return false
	}
	return true
}

// expect reads exactly want (CRs dropped) next.
func (c *client) expect(want string) {
	c.t.Helper()
	for len(c.pending) < len(want) {
		if !c.fill() {
			break
		}
	}
	if !bytes.HasPrefix(c.pending, []byte(want)) {
		c.t.Fatalf("got %q, want %q", c.pending, want)
	}
	c.pending = c.pending[len(want):]
}

// readUntilPrompt reads up to the next prompt and returns what came
// before it; the prompt is remembered in c.prompt.
func (c *client) readUntilPrompt() string {
	c.t.Helper()
	for {
		s := string(c.pending)
		for _, p := range []string{promptMain, promptSession} {
			if s == p || strings.HasSuffix(s, "\n"+p) {
				c.pending = c.pending[:0]
				c.prompt = p
				return s[:len(s)-len(p)]
			}
		}
		if !c.fill() {
			c.t.Fatalf("connection closed, have %q", c.pending)
		}
	}
}

// readAll reads until the server closes the connection.
func (c *client) readAll() string {
	c.t.Helper()
	for c.fill() {
	}
	s := string(c.pending)
	c.pending = c.pending[:0]
	return s
}

// cmd sends a line and returns the output up to the next prompt.
func (c *client) cmd(line string) string {
	c.t.Helper()
	c.send(line)
	return c.readUntilPrompt()
}

// ok runs lines (a command, then session lines) expecting each one but
// the last to answer nothing, and the last to answer want.
func (c *client) ok(want string, lines ...string) {
	c.t.Helper()
	for i, l := range lines {
		got := c.cmd(l)
		if i == 0 || i == len(lines)-1 {
			if i == len(lines)-1 && got != want+"\n" {
				c.t.Fatalf("%q: got %q, want %q", l, got, want+"\n")
			}
			continue
		}
		if got != "" && !strings.Contains(got, "arguments:") {
			c.t.Fatalf("%q: unexpected %q", l, got)
		}
	}
}

// replay types a transcript as the manual prints it: lines starting with
// "jcli : " or "> " are typed at that prompt, the others are the expected
// output of the line before. The prompt the server shows before each
// typed line must be the transcript's. sub replaces text in typed lines
// (addresses that differ in the test).
func (c *client) replay(transcript string, sub ...string) {
	c.t.Helper()
	rep := strings.NewReplacer(sub...)
	var typed string
	var want []string
	check := func() {
		if typed == "" {
			return
		}
		got := c.cmd(rep.Replace(typed))
		exp := ""
		if len(want) > 0 {
			exp = strings.Join(want, "\n") + "\n"
		}
		if got != exp {
			c.t.Fatalf("after %q:\ngot:\n%s\nwant:\n%s", typed, got, exp)
		}
	}
	for _, l := range strings.Split(strings.Trim(transcript, "\n"), "\n") {
		var p string
		switch {
		case strings.HasPrefix(l, promptMain):
			p = promptMain
		case strings.HasPrefix(l, promptSession):
			p = promptSession
		default:
			want = append(want, l)
			continue
		}
		check()
		if p != c.prompt {
			c.t.Fatalf("before %q the transcript shows prompt %q, the server %q", l, p, c.prompt)
		}
		typed, want = strings.TrimPrefix(l, p), nil
	}
	check()
}

// scriptDir makes a temporary directory and sets it as [scripts] dir for
// the test: script files are read from there only.
func scriptDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := script.SetDir(dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = script.SetDir("") })
	return dir
}
