package config

import (
	"fmt"
	"net"
	"strconv"
)

// AdminAPI is [admin-api] (gwd): the JSON admin API (package engine/api/admin),
// the same operations as jCli for automation. It authenticates with
// [jcli]'s admin_username and admin_password (HTTP Basic). It listens on
// the loopback interface by default: binding it to a public address is a
// decision to take explicitly, behind TLS termination and a firewall.
type AdminAPI struct {
	// Enabled starts the admin API. Default true (on 127.0.0.1 only).
	Enabled bool `toml:"enabled"`
	// Bind is the listen address. Default 127.0.0.1; 0.0.0.0 means every
	// interface.
	Bind string `toml:"bind"`
	// Port is the listen TCP port. Default 8991 (jCli's 8990 plus one).
	Port int `toml:"port"`
	// TLSCert and TLSKey: PEM files; when set the API serves HTTPS only.
	// Default "": plain HTTP.
	TLSCert string `toml:"tls_cert"`
	TLSKey  string `toml:"tls_key"`
	// MaxConnections and MaxConnectionsPerIP (listeners.go) cap the open
	// connections; 0: no cap. Default 64 and 16.
	MaxConnections      int `toml:"max_connections"`
	MaxConnectionsPerIP int `toml:"max_connections_per_ip"`
}

// DefaultAdminAPI returns [admin-api]'s defaults: enabled, on
// 127.0.0.1:8991.
func DefaultAdminAPI() AdminAPI {
	return AdminAPI{Enabled: true, Bind: "127.0.0.1", Port: 8991,
		MaxConnections: DefaultConsoleMaxConnections, MaxConnectionsPerIP: DefaultConsoleMaxConnectionsPerIP}
}

// Addr is the listen address, host:port.
func (a AdminAPI) Addr() string { return net.JoinHostPort(a.Bind, strconv.Itoa(a.Port)) }

// Validate checks [admin-api] when it is enabled: a bind address and a TCP
// port (1-65535). The error is a *FieldError, for Config.Validate to list.
func (a AdminAPI) Validate() error {
	if !a.Enabled {
		return nil
	}
	if a.Bind == "" {
		return &FieldError{Section: "admin-api", Key: "bind", Problem: "must not be empty when the admin API is enabled"}
	}
	if a.Port < 1 || a.Port > 65535 {
		return &FieldError{Section: "admin-api", Key: "port", Problem: fmt.Sprintf("%d is not a valid TCP port (1-65535)", a.Port)}
	}
	return nil
}
