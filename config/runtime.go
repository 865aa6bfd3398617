package config

// Runtime is [runtime] (gwd): how the Go runtime under gwd is tuned.
type Runtime struct {
	// MemoryLimitMB is the soft limit of the Go runtime's memory, in MiB
	// (runtime/debug.SetMemoryLimit): the garbage collector works harder
	// as the heap nears it, instead of letting it grow to twice what is
	// live. Memory the store allocates outside the Go heap (Pebble's
	// memtables, 64 MiB each) is not counted.
	// 0 leaves Go's default (no limit); GOMEMLIMIT in the environment
	// overrides it.
	MemoryLimitMB int `toml:"memory_limit_mb"`
}

// DefaultMemoryLimitMB is [runtime] memory_limit_mb's default: under a
// burst of stalled SMSCs the live heap was measured at ~120 MiB, which
// Go's default pacing let grow to ~240 MiB (bench/RESULTS.md, issue 16).
const DefaultMemoryLimitMB = 192

const (
	minMemoryLimitMB = 64
	maxMemoryLimitMB = 1 << 20
)

// validateRuntime checks [runtime].
func (v *validator) validateRuntime(c *Config) {
	if c.Runtime.MemoryLimitMB != 0 {
		v.between("runtime", "memory_limit_mb", c.Runtime.MemoryLimitMB, minMemoryLimitMB, maxMemoryLimitMB, "MiB (or 0: no limit)")
	}
}
