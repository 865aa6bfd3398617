package main

import (
	"strings"
	"syscall"
	"testing"

	"github.com/gwd-project/gwd/config"
)

// raiseNoFile leaves the soft open-file limit at the hard limit and
// reports it.
func TestRaiseNoFile(t *testing.T) {
	got, err := raiseNoFile()
	if err != nil {
		t.Fatal(err)
	}
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		t.Fatal(err)
	}
	if got != uint64(rl.Cur) || rl.Cur != rl.Max {
		t.Fatalf("raiseNoFile = %d; limit now %d, hard %d", got, rl.Cur, rl.Max)
	}
}

// The default caps (10000 each for SMPP, HTTP and Junebug, 64 for jCli
// and the admin API; [metrics] is off) plus the reserve fit a limit of
// 2^20 and not one of 20000, and the warning gives the sum and names
// every listener counted; a listener without a cap is named as such.
func TestFDWarning(t *testing.T) {
	cfg := config.Default()
	if w := fdWarning(cfg, 1<<20); w != "" {
		t.Errorf("defaults under 2^20: %s", w)
	}
	w := fdWarning(cfg, 20000)
	for _, want := range []string{"[smpp-server] 10000", "[http-api] 10000", "[junebug] 10000", "[admin-api] 64", "[jcli] 64", "make 31152", "over the open-file limit 20000"} {
		if !strings.Contains(w, want) {
			t.Errorf("warning lacks %q: %s", want, w)
		}
	}
	if strings.Contains(w, "[metrics]") {
		t.Errorf("the metrics listener is off but counted: %s", w)
	}
	cfg.Junebug.MaxConnections = 0
	if w := fdWarning(cfg, 1<<20); !strings.Contains(w, "[junebug] max_connections = 0: no cap") {
		t.Errorf("an uncapped listener not named: %q", w)
	}
}
