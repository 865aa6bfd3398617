package jcli

import (
	"bytes"
	"strings"
	"testing"
)

// checkOut verifies that what the reader sends is well-formed telnet:
// every IAC starts an escaped 0xFF, a WILL/WONT/DO/DONT with its option,
// or the LINEMODE MODE subnegotiation; in line mode nothing else (no echo)
// is sent.
func checkOut(t *testing.T, out []byte, charMode bool) {
	t.Helper()
	for i := 0; i < len(out); i++ {
		if out[i] != tIAC {
			if !charMode {
				t.Fatalf("echo %q in line mode", out)
			}
			continue
		}
		if i+1 >= len(out) {
			t.Fatalf("dangling IAC in %q", out)
		}
		switch out[i+1] {
		case tIAC:
			if !charMode {
				t.Fatalf("echo of 0xFF in line mode: %q", out)
			}
			i++
		case tWILL, tWONT, tDO, tDONT:
			if i+2 >= len(out) {
				t.Fatalf("truncated negotiation in %q", out)
			}
			i += 2
		case tSB:
			sb := []byte{tIAC, tSB, optLinemode, lmMode, lmTrapSig, tIAC, tSE}
			if !bytes.HasPrefix(out[i:], sb) {
				t.Fatalf("unexpected subnegotiation in %q", out)
			}
			i += len(sb) - 1
		default:
			t.Fatalf("unexpected command %d in %q", out[i+1], out)
		}
	}
}

// FuzzLine feeds arbitrary bytes to the telnet line reader: it must not
// panic, lines must stay within MaxLine and hold no line ends, and what it
// answers must be well-formed telnet (no echo unless the client asked for
// character mode). A second pass with the client in character mode checks
// the echo and completion paths.
func FuzzLine(f *testing.F) {
	f.Add([]byte("jcliadmin\r\njclipwd\r\nuser -l\r\n"))
	f.Add([]byte{tIAC, tDO, optEcho, tIAC, tWILL, optLinemode, 'a', '\t', 0x7f, '\r', 0})
	f.Add([]byte{tIAC, tSB, optNAWS, 0, 80, 0, 24, tIAC, tSE, tIAC, tIAC, '\n'})
	f.Add([]byte("\x1b[A\x1b[1;5Chelp\x03\x04\x15\r\n"))
	f.Add([]byte{tIAC, tIP, tIAC, tEC, tIAC, tEL, tIAC, tAYT, tIAC, tSB, tIAC, tWILL})
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, char := range []bool{false, true} {
			r := newLineReader()
			if char {
				r.Feed(tIAC)
				r.Feed(tDO)
				r.Feed(optEcho)
			}
			for _, b := range data {
				wasChar := r.charMode()
				ev := r.Feed(b)
				// Echo is allowed only in character mode (a byte that
				// switches modes answers negotiation, no echo).
				checkOut(t, r.Out, wasChar || r.charMode())
				r.Out = r.Out[:0]
				switch ev {
				case evLine:
					line, tooLong := r.Line()
					if len(line) > MaxLine {
						t.Fatalf("line of %d bytes", len(line))
					}
					if strings.ContainsAny(line, "\r\n") {
						t.Fatalf("line end in %q", line)
					}
					_ = tooLong
				case evTab:
					if !r.charMode() {
						t.Fatal("TAB event in line mode")
					}
					r.SetLine(r.Peek() + "completion ")
				}
				if len(r.Peek()) > MaxLine {
					t.Fatalf("line buffer of %d bytes", len(r.Peek()))
				}
			}
		}
	})
}

// FuzzOptions feeds arbitrary argument strings to the option parser of
// every command: it must not panic, and what it accepts must name only
// declared options.
func FuzzOptions(f *testing.F) {
	f.Add("user", "-l")
	f.Add("user", "--update=foo")
	f.Add("smppccm", "-1 DEMO -0")
	f.Add("stats", "--smppc")
	f.Add("persist", "-p")
	f.Add("user", "-lafoo -- -r x")
	f.Add("mtrouter", "--s")
	f.Fuzz(func(t *testing.T, name, arg string) {
		c := lookupCommand(name)
		if c == nil {
			c = lookupCommand("user")
		}
		o, err := parseOpts(c.opts, arg)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		for k := range o.set {
			found := false
			for _, opt := range c.opts {
				if opt.name() == k {
					found = true
				}
			}
			if !found {
				t.Fatalf("undeclared option %q from %q", k, arg)
			}
		}
		_ = formatHelp(c.name, c.opts)
	})
}
