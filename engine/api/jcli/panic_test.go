package jcli

import (
	"strings"
	"testing"

	"github.com/gwd-project/gwd/engine/recovery"
)

// TestCommandPanicEndsOnlyThatSession: a command that panics closes its
// session with a short message; the console keeps serving other sessions
// and new ones, and gwd_panics_total{where="jcli"} counts it.
func TestCommandPanicEndsOnlyThatSession(t *testing.T) {
	e := newEnv(t)
	other := e.login()
	before := recovery.Counter("jcli").Get()
	c := e.login()
	// The change's write panics (the test hook): the change is undone
	// and the manager's lock released on the way out.
	e.store.Panic(true)
	c.send("group -a")
	c.send("gid g1")
	c.send("ok")
	if out := c.readAll(); !strings.Contains(out, "Internal error: the session is closed") {
		t.Errorf("session after the panic: %q", out)
	}
	if n := recovery.Counter("jcli").Get() - before; n != 1 {
		t.Errorf("gwd_panics_total{where=jcli} +%d, want 1", n)
	}
	if out := other.cmd("help"); !strings.Contains(out, "Available commands") {
		t.Errorf("another session after the panic: %q", out)
	}
	e.store.Panic(false)
	if out := e.login().cmd("filter -l"); !strings.Contains(out, "Total Filters") {
		t.Errorf("a new session after the panic: %q", out)
	}
	if out := other.cmd("group -l"); out != "Total Groups: 0\n" {
		t.Errorf("the change that panicked was not undone: %q", out)
	}
	other.ok("Successfully added Group [g1]", "group -a", "gid g1", "ok")
}
