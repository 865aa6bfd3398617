package config

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
)

// Metrics is [metrics] (gwd): an optional listener that serves only
// /metrics (Prometheus text format), so that the scrape can stay on a
// private interface while [http-api] faces the network. Whether the HTTP
// API port also serves /metrics is [http-api] metrics.
type Metrics struct {
	// Bind is the listen address. Default 127.0.0.1.
	Bind string `toml:"bind"`
	// Port is the listen TCP port; 0 (default) opens no separate listener.
	Port int `toml:"port"`
	// MaxConnections and MaxConnectionsPerIP (listeners.go) cap the open
	// connections; 0: no cap. Default 64 and 16.
	MaxConnections      int `toml:"max_connections"`
	MaxConnectionsPerIP int `toml:"max_connections_per_ip"`
}

// DefaultMetrics returns [metrics]'s defaults: no separate listener
// (127.0.0.1 when a port is given).
func DefaultMetrics() Metrics {
	return Metrics{Bind: "127.0.0.1",
		MaxConnections: DefaultConsoleMaxConnections, MaxConnectionsPerIP: DefaultConsoleMaxConnectionsPerIP}
}

// Enabled reports whether the separate listener is asked for.
func (m Metrics) Enabled() bool { return m.Port != 0 }

// Addr is the listen address, host:port.
func (m Metrics) Addr() string { return net.JoinHostPort(m.Bind, strconv.Itoa(m.Port)) }

// Validate checks [metrics]: port 0 (none) or 1-65535, and an IP address
// to bind when a port is set. Errors are *FieldError.
func (m Metrics) Validate() []*FieldError {
	var out []*FieldError
	if m.Port < 0 || m.Port > 65535 {
		out = append(out, &FieldError{Section: "metrics", Key: "port", Problem: fmt.Sprintf("%d is not a valid TCP port (1-65535, or 0 for no separate listener)", m.Port)})
	}
	if m.Port != 0 {
		if _, err := netip.ParseAddr(m.Bind); err != nil {
			out = append(out, &FieldError{Section: "metrics", Key: "bind", Problem: fmt.Sprintf("%q is not an IP address", m.Bind)})
		}
	}
	return out
}

// Scripts is [scripts] (gwd): where the Starlark scripts that jCli, the
// admin API and saved configuration name by file path (EvalPyFilter's
// pyCode, interceptors' script) may be read from.
type Scripts struct {
	// Dir is the only directory script files are read from (after the
	// path is cleaned and its symlinks resolved). Default "": scripts
	// given as a file path are refused; inline scripts still work.
	Dir string `toml:"dir"`
	// Workers, Queue: the script workers (config/scripts.go).
	Workers int `toml:"workers"`
	Queue   int `toml:"queue"`
}

// Validate checks [scripts]: dir, when set, must be an existing directory
// (given as an absolute path, or relative to the working directory).
func (s Scripts) Validate() []*FieldError {
	if s.Dir == "" {
		return nil
	}
	abs, err := filepath.Abs(s.Dir)
	if err == nil {
		_, err = filepath.EvalSymlinks(abs)
	}
	if err != nil {
		return []*FieldError{{Section: "scripts", Key: "dir", Problem: err.Error()}}
	}
	if fi, err := os.Stat(abs); err != nil {
		return []*FieldError{{Section: "scripts", Key: "dir", Problem: err.Error()}}
	} else if !fi.IsDir() {
		return []*FieldError{{Section: "scripts", Key: "dir", Problem: fmt.Sprintf("%q is not a directory", s.Dir)}}
	}
	return nil
}
