package config

import (
	"runtime"
	"strings"
	"testing"
)

// [scripts] workers and queue: 0 workers is twice GOMAXPROCS; values out
// of range are refused with the key named.
func TestScriptPoolKeys(t *testing.T) {
	d := Default()
	if n := d.Scripts.WorkerCount(); n != 2*runtime.GOMAXPROCS(0) {
		t.Fatalf("WorkerCount() with workers = 0: %d", n)
	}
	d.Scripts.Workers = 3
	if n := d.Scripts.WorkerCount(); n != 3 {
		t.Fatalf("WorkerCount() with workers = 3: %d", n)
	}
	for _, tc := range []struct {
		set  func(c *Config)
		want string
	}{
		{func(c *Config) { c.Scripts.Workers = -1 }, "[scripts] workers"},
		{func(c *Config) { c.Scripts.Workers = 5000 }, "[scripts] workers"},
		{func(c *Config) { c.Scripts.Queue = 0 }, "[scripts] queue"},
	} {
		c := Default()
		tc.set(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate() = %v, want %q", err, tc.want)
		}
	}
}
