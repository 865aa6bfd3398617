package main

import (
	"log/slog"
	"os"
	"runtime/debug"

	"github.com/gwd-project/gwd/config"
)

// applyMemoryLimit sets the Go runtime's soft memory limit from [runtime]
// memory_limit_mb, unless GOMEMLIMIT is set (the runtime read it at
// start) or the key is 0. It returns the limit in force, in octets
// (math.MaxInt64: none).
func applyMemoryLimit(rt config.Runtime, log *slog.Logger) int64 {
	if v := os.Getenv("GOMEMLIMIT"); v != "" {
		limit := debug.SetMemoryLimit(-1)
		log.Info("Go memory limit from GOMEMLIMIT", "GOMEMLIMIT", v, "bytes", limit)
		return limit
	}
	if rt.MemoryLimitMB == 0 {
		return debug.SetMemoryLimit(-1)
	}
	limit := int64(rt.MemoryLimitMB) << 20
	debug.SetMemoryLimit(limit)
	log.Info("Go memory limit set", "memory_limit_mb", rt.MemoryLimitMB)
	return limit
}
