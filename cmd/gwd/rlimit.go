package main

import (
	"fmt"
	"strings"
	"syscall"

	"github.com/gwd-project/gwd/config"
)

// fdReserve is the descriptors gwd keeps for itself beside its listeners'
// connections: the store's files, connectors' and callbacks' outbound
// connections, the listeners themselves.
const fdReserve = 1024

// raiseNoFile raises the RLIMIT_NOFILE soft limit to the hard limit (Go's
// runtime does it too on Linux; this makes it explicit and reports the
// figure) and returns the soft limit now in force.
func raiseNoFile() (uint64, error) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0, fmt.Errorf("getrlimit RLIMIT_NOFILE: %w", err)
	}
	if rl.Cur < rl.Max {
		want := rl
		want.Cur = rl.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err != nil {
			return uint64(rl.Cur), fmt.Errorf("setrlimit RLIMIT_NOFILE to %d: %w", rl.Max, err)
		}
		rl = want
	}
	return uint64(rl.Cur), nil
}

// fdWarning says, when the connection caps of the listeners gwd opens
// (config.ListenerCaps, fdReserve beside them) exceed limit descriptors,
// which caps to lower or how far to raise the limit; "" when they fit.
// A cap of 0 (none) cannot fit any limit and is named too. gwd warns and
// starts: the caps are ceilings, not reservations, and many hosts' hard
// limit is below the defaults' sum; past the limit, accept fails (EMFILE)
// until connections close.
func fdWarning(cfg config.Config, limit uint64) string {
	need := uint64(fdReserve)
	var uncapped, parts []string
	for _, l := range cfg.ListenerCaps() {
		switch {
		case l.Section == "admin-api" && !cfg.AdminAPI.Enabled, l.Section == "metrics" && !cfg.Metrics.Enabled():
			continue
		case l.MaxConnections == 0:
			uncapped = append(uncapped, "["+l.Section+"]")
		default:
			need += uint64(l.MaxConnections)
			parts = append(parts, fmt.Sprintf("[%s] %d", l.Section, l.MaxConnections))
		}
	}
	var msg []string
	if need > limit {
		msg = append(msg, fmt.Sprintf("the listeners' max_connections (%s) plus %d for the store and outbound connections make %d, over the open-file limit %d: lower max_connections or raise the hard limit (ulimit -Hn, LimitNOFILE=)",
			strings.Join(parts, ", "), fdReserve, need, limit))
	}
	if len(uncapped) > 0 {
		msg = append(msg, fmt.Sprintf("%s max_connections = 0: no cap below the open-file limit %d", strings.Join(uncapped, ", "), limit))
	}
	return strings.Join(msg, "; ")
}
