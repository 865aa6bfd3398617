package jcli

import (
	"strconv"
	"testing"
)

// BenchmarkLineReader decodes typed input (commands, negotiation, edits)
// in character mode.
func BenchmarkLineReader(b *testing.B) {
	chunk := []byte("user -s foo\r\n\xff\xfd\x01mtrouter -l\r\nsmp\x7f\x7fppccm -l\r\n")
	b.SetBytes(int64(len(chunk)))
	r := newLineReader()
	r.Feed(tIAC)
	r.Feed(tDO)
	r.Feed(optEcho)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		for _, c := range chunk {
			if r.Feed(c) == evLine {
				r.Line()
			}
		}
		r.Out = r.Out[:0]
	}
}

// BenchmarkUserList is `user -l` over TCP with 100 users, balances read
// from the store.
func BenchmarkUserList(b *testing.B) {
	e := newEnv(b)
	c := e.login()
	c.cmd("group -a")
	c.cmd("gid g1")
	c.cmd("ok")
	for i := 0; i < 100; i++ {
		id := "u" + strconv.Itoa(i)
		for _, l := range []string{"user -a", "uid " + id, "gid g1", "username " + id, "password pw",
			"mt_messaging_cred quota balance 10", "ok"} {
			c.cmd(l)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if out := c.cmd("user -l"); len(out) < 100*60 {
			b.Fatalf("user -l: %q", out)
		}
	}
}
