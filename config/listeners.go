package config

// Connection caps of the listeners beside the SMPP server and the HTTP
// API (issue 16): the Junebug API, the admin API, the metrics listener and
// the jCli console, each in its own section with the keys of limits.go
// (max_connections, max_connections_per_ip; 0: no cap).
const (
	// DefaultConsoleMaxConnections caps the admin API, the metrics
	// listener and jCli: a few operators, scripts and scrapers.
	DefaultConsoleMaxConnections = 64
	// DefaultConsoleMaxConnectionsPerIP caps one address on them: room
	// for a script's pool, while one host cannot take the listener.
	DefaultConsoleMaxConnectionsPerIP = 16
)

// ListenerCaps are a listener's max_connections and
// max_connections_per_ip.
type ListenerCaps struct {
	Section             string
	MaxConnections      int
	MaxConnectionsPerIP int
}

// ListenerCaps lists every listener's caps, the SMPP server and the HTTP
// API first: what the file-descriptor check at start adds up.
func (c Config) ListenerCaps() []ListenerCaps {
	return []ListenerCaps{
		{"smpp-server", c.SMPPServer.MaxConnections, c.SMPPServer.MaxConnectionsPerIP},
		{"http-api", c.HTTPAPI.MaxConnections, c.HTTPAPI.MaxConnectionsPerIP},
		{"junebug", c.Junebug.MaxConnections, c.Junebug.MaxConnectionsPerIP},
		{"admin-api", c.AdminAPI.MaxConnections, c.AdminAPI.MaxConnectionsPerIP},
		{"metrics", c.Metrics.MaxConnections, c.Metrics.MaxConnectionsPerIP},
		{"jcli", c.JCli.MaxConnections, c.JCli.MaxConnectionsPerIP},
	}
}

// validateCaps checks one section's max_connections and
// max_connections_per_ip.
func (v *validator) validateCaps(section string, total, perIP int) {
	v.between(section, "max_connections", total, 0, 1<<20, "connections (0: no cap)")
	v.between(section, "max_connections_per_ip", perIP, 0, 1<<20, "connections (0: no cap)")
	if total > 0 && perIP > total {
		v.add(section, "max_connections_per_ip", "%d is more than max_connections (%d)", perIP, total)
	}
}
