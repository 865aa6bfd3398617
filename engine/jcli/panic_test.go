package jcli

import (
	"strings"
	"testing"

	"github.com/gwd-project/gwd/engine/gateway"
	"github.com/gwd-project/gwd/engine/recovery"
	"github.com/gwd-project/gwd/router"
)

// panickyGroups is a backend whose Accounts panics (the test hook): any
// group or user command hits it.
type panickyGroups struct{ *gateway.Gateway }

func (panickyGroups) Accounts() *router.Accounts { panic("injected fault") }

// TestCommandPanicEndsOnlyThatSession: a command that panics closes its
// session with a short message; the console keeps serving other sessions
// and new ones, and gwd_panics_total{where="jcli"} counts it.
func TestCommandPanicEndsOnlyThatSession(t *testing.T) {
	e := newEnv(t)
	e.serveWith(panickyGroups{e.g})
	other := e.login()
	before := recovery.Counter("jcli").Get()
	c := e.login()
	c.send("group -l")
	if out := c.readAll(); !strings.Contains(out, "Internal error: the session is closed") {
		t.Errorf("session after the panic: %q", out)
	}
	if n := recovery.Counter("jcli").Get() - before; n != 1 {
		t.Errorf("gwd_panics_total{where=jcli} +%d, want 1", n)
	}
	if out := other.cmd("help"); !strings.Contains(out, "Available commands") {
		t.Errorf("another session after the panic: %q", out)
	}
	if out := e.login().cmd("filter -l"); !strings.Contains(out, "Total Filters") {
		t.Errorf("a new session after the panic: %q", out)
	}
}
