//go:build chaos

package main

import (
	"fmt"
	"os"
	"time"

	"github.com/gwd-project/gwd/store"
)

// The chaos suite (internal/chaos) builds gwd with -tags chaos to reach
// faults no configuration key gives. Nothing of this file is in a normal
// build.
//
//	GWD_CHAOS_COMMIT_DELAY=50ms  every store group commit sleeps that long
//	                             first: a slow disk, as a stalled fsync
func init() {
	v := os.Getenv("GWD_CHAOS_COMMIT_DELAY")
	if v == "" {
		return
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		fmt.Fprintf(os.Stderr, "gwd: GWD_CHAOS_COMMIT_DELAY %q: want a duration\n", v)
		os.Exit(2)
	}
	fmt.Fprintf(os.Stderr, "gwd: chaos build: every store commit waits %v\n", d)
	storeHook = func(o *store.Options) {
		o.BeforeCommit = func() { time.Sleep(d) }
	}
}
