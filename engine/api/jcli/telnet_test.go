package jcli

import (
	"bytes"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gwd-project/gwd/netio"
)

// The first bytes are Jasmin's negotiation, then the prompt for a
// username (none is printed).
func TestGreetingNegotiation(t *testing.T) {
	e := newEnv(t)
	c := e.dial()
	c.expect("Authentication required.\n\n")
	want := append(append([]byte{}, greeting...), "Authentication required.\r\n\r\n"...)
	if !bytes.Equal(c.raw, want) {
		t.Fatalf("first bytes %q, want %q", c.raw, want)
	}
}

// A client in character mode: the server echoes what is typed but the
// password, and TAB completes.
func TestCharacterModeEchoAndCompletion(t *testing.T) {
	e := newEnv(t)
	c := e.dial()
	c.charMode = true
	c.expect("Authentication required.\n\n")
	// Our answers to the negotiation went out while reading; typed
	// characters come back once DO ECHO has reached the server.
	waitFor(t, "the client's DO ECHO", func() bool {
		c.write([]byte("j"))
		c.fill()
		return bytes.HasSuffix(c.pending, []byte("j"))
	})
	c.pending = c.pending[:0]
	c.write([]byte("cliadmin\r"))
	c.expect("cliadmin\nPassword: ")
	c.write([]byte("jclipwd\r\n"))
	out := c.readUntilPrompt()
	if strings.Contains(out, "jclipwd") || !strings.HasPrefix(out, "\n"+Welcome) {
		t.Fatalf("after the password: %q", out)
	}

	// TAB on an empty line lists the commands.
	c.write([]byte("\t"))
	c.expect("\npersist load user group filter mointerceptor mtinterceptor morouter mtrouter smppccm httpccm stats quit help\njcli : ")
	// A unique prefix completes.
	c.write([]byte("grou\t"))
	c.expect("group ")
	// Options complete too.
	c.write([]byte("--l\t"))
	c.expect("--list ")
	c.write([]byte("\r\n"))
	c.expect("\nTotal Groups: 0\njcli : ")
	// Several matches: the list, then the line as typed.
	c.write([]byte("m\t"))
	c.expect("m\nmointerceptor mtinterceptor morouter mtrouter\njcli : m")
	c.write([]byte("o\t"))
	c.expect("o\nmointerceptor morouter\njcli : mo")
	// Backspace erases; ^U erases the line.
	c.write([]byte{0x7f})
	c.expect("\b \b")
	c.write([]byte{0x15})
	c.expect("\b \b")
	// Cursor keys are swallowed.
	c.write([]byte("\x1b[A\x1b[Bhelp quit\r\n"))
	c.expect("help quit\nDisconnect from console\njcli : ")
	// Inside a session TAB offers the session's keys and values.
	c.write([]byte("filter -a\r\n"))
	c.expect("filter -a\nAdding a new Filter: (ok: save, ko: exit)\n> ")
	c.write([]byte("\t"))
	c.expect("\nfid type\n> ")
	c.write([]byte("type Tim\t"))
	c.expect("type TimeIntervalFilter ")
	c.write([]byte("\r\n"))
	c.expect("\n<class 'jasmin.routing.Filters.TimeIntervalFilter'> arguments:\ntimeInterval\n> ")
	c.write([]byte("ko\r\nsmppccm -a\r\ncon\t"))
	c.expect("ko\njcli : smppccm -a\nAdding a new connector: (ok: save, ko: exit)\n> con_")
	c.write([]byte{0x15})
	c.expect("\b \b\b \b\b \b\b \b")
	c.write([]byte("ko\r\nuser -a\r\nmt_messaging_cred q\t"))
	c.expect("ko\njcli : user -a\nAdding a new User: (ok: save, ko: exit)\n> mt_messaging_cred quota ")
	c.write([]byte("sm\t"))
	c.expect("sm\nsms_count smpps_throughput\n> mt_messaging_cred quota sm")
	// ^C drops the line; ^D is ignored inside a session.
	c.write([]byte{0x03, 0x04})
	c.expect("^C\n> ")
	c.write([]byte("ko\r\n"))
	c.expect("ko\njcli : ")
	// ^D on an empty line at the main prompt ends the session.
	c.write([]byte{0x04})
	if got := c.readAll(); got != "" {
		t.Fatalf("after ^D: %q", got)
	}
}

// A client that sends garbage, negotiation it should not, very long
// lines, or leaves in the middle of a session disturbs nobody else.
func TestGarbageLongLinesAndDisconnects(t *testing.T) {
	e := newEnv(t)
	good := e.login()
	good.ok("Successfully added Group [g1]", "group -a", "gid g1", "ok")

	bad := e.login()
	// Negotiation for options the server refuses, a subnegotiation,
	// an escaped 0xFF, an interrupt, control characters.
	bad.write([]byte{tIAC, tDO, 24, tIAC, tWILL, 5, tIAC, tSB, optNAWS, 0, 80, 0, 24, tIAC, tSE, 'x', tIAC, tIAC, tIAC, tIP})
	bad.write([]byte("\x00\x01\x02gr\x07oup -l\r\n"))
	out := ""
	for i := 0; i < 3 && !strings.Contains(out, "Total Groups"); i++ {
		out += bad.readUntilPrompt() // the interrupt's prompt may come alone
	}
	if !strings.HasSuffix(out, "\njcli : #Group id\n#g1\nTotal Groups: 1\n") && out != "\n#Group id\n#g1\nTotal Groups: 1\n" {
		t.Fatalf("after garbage: %q", out)
	}
	if !bytes.Contains(bad.raw, []byte{tIAC, tWONT, 24}) || !bytes.Contains(bad.raw, []byte{tIAC, tDONT, 5}) {
		t.Fatalf("refusals missing from %q", bad.raw)
	}
	// A line longer than MaxLine is refused as a whole.
	long := strings.Repeat("a", 3*MaxLine)
	if got := bad.cmd("group -a " + long); got != "Error: line longer than 4096 bytes, ignored\n" {
		t.Fatalf("long line: %q", got)
	}
	// Binary noise without a line end, then gone mid-session.
	bad.cmd("user -a")
	bad.cmd("uid half")
	noise := make([]byte, 64<<10)
	for i := range noise {
		noise[i] = byte(i*7 + 3)
	}
	bad.write(noise)
	bad.conn.Close()

	// Meanwhile the other session works, and nothing half-made exists.
	good.replay(`
jcli : group -l
#Group id
#g1
Total Groups: 1
jcli : user -l
Total Users: 0
`)
}

func TestConcurrentSessions(t *testing.T) {
	e := newEnv(t)
	const n = 6
	var wg sync.WaitGroup
	errs := make(chan string, n)
	for i := 0; i < n; i++ {
		c := e.login()
		gid := "g" + string(rune('a'+i))
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.cmd("group -a")
			c.cmd("gid " + gid)
			if got := c.cmd("ok"); got != "Successfully added Group ["+gid+"]\n" {
				errs <- got
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if got := len(e.g.Accounts().Groups()); got != n {
		t.Fatalf("%d groups, want %d", got, n)
	}
}

func TestSessionLimitAndClose(t *testing.T) {
	e := newEnvWith(t, func(s *Server) { s.limit = netio.NewConnLimit(1, 0) })
	c := e.login()
	other := e.dial()
	if got := other.readAll(); got != "Too many sessions, try again later.\n" {
		t.Fatalf("second session: %q", got)
	}
	// Session refs count up from 1.
	if !strings.Contains(string(c.raw), "Session ref: 1\r\n") {
		t.Fatalf("banner %q", c.raw)
	}
	done := make(chan struct{})
	go func() {
		_ = e.srv.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("Close did not end the session")
	}
	if _, err := net.Dial("tcp", e.addr); err == nil {
		t.Fatal("still accepting after Close")
	}
	c.readAll()
}
