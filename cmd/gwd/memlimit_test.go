package main

import (
	"io"
	"log/slog"
	"math"
	"runtime/debug"
	"testing"

	"github.com/gwd-project/gwd/config"
)

// [runtime] memory_limit_mb becomes the Go runtime's soft memory limit;
// 0 leaves none; GOMEMLIMIT in the environment wins over the key.
func TestMemoryLimitApplied(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	t.Setenv("GOMEMLIMIT", "")
	debug.SetMemoryLimit(math.MaxInt64)
	applyMemoryLimit(config.Runtime{MemoryLimitMB: 192}, log)
	if got := debug.SetMemoryLimit(-1); got != 192<<20 {
		t.Fatalf("limit %d, want 192 MiB", got)
	}
	debug.SetMemoryLimit(math.MaxInt64)
	applyMemoryLimit(config.Runtime{}, log)
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Fatalf("limit %d with memory_limit_mb 0, want none", got)
	}
	t.Setenv("GOMEMLIMIT", "300MiB")
	debug.SetMemoryLimit(300 << 20) // what the runtime read at start
	applyMemoryLimit(config.Runtime{MemoryLimitMB: 192}, log)
	if got := debug.SetMemoryLimit(-1); got != 300<<20 {
		t.Fatalf("limit %d under GOMEMLIMIT=300MiB, want GOMEMLIMIT's", got)
	}
}
