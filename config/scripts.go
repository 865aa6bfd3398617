package config

import "runtime"

// The script workers ([scripts] workers and queue): the pool that runs
// interceptors and the route lookups an EvalPyFilter decides, off the
// event loops.
const (
	// DefaultScriptQueue is [scripts] queue's default.
	DefaultScriptQueue = 8192
	maxScriptWorkers   = 1024
	maxScriptQueue     = 1 << 20
)

// WorkerCount is [scripts] workers with 0 resolved: twice GOMAXPROCS.
func (s Scripts) WorkerCount() int {
	if s.Workers > 0 {
		return s.Workers
	}
	return 2 * runtime.GOMAXPROCS(0)
}

// validateScriptPool checks [scripts] workers and queue.
func (v *validator) validateScriptPool(c *Config) {
	v.between("scripts", "workers", c.Scripts.Workers, 0, maxScriptWorkers, "goroutines")
	v.between("scripts", "queue", c.Scripts.Queue, 1, maxScriptQueue, "messages")
}
