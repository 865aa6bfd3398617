package config

// Connection and request limits (issue 16): how many connections a
// listener serves at once, in all and from one IP address, and how large
// a request body the HTTP API reads. 0 for a connection cap means no cap.
const (
	// DefaultMaxConnections is a listener's global cap: far above what
	// one gateway serves in practice (a few hundred binds), well below the
	// file descriptors and memory a flood of idle sockets would take.
	DefaultMaxConnections = 10000
	// DefaultMaxConnectionsPerIP caps one client address: a host rarely
	// binds more than tens of sessions, so 256 leaves room for pools and
	// NAT while one address cannot take the whole listener.
	DefaultMaxConnectionsPerIP = 256
	// DefaultSendbatchMaxBodySize is the largest /secure/sendbatch body:
	// tens of thousands of destinations. Every other HTTP API request is
	// held to MaxHTTPBodySize.
	DefaultSendbatchMaxBodySize = 8 << 20
	// MaxHTTPBodySize is the largest body of /send and of the REST API
	// other than sendbatch (and sendbatch's floor).
	MaxHTTPBodySize = 1 << 20
	// maxSendbatchBodySize bounds sendbatch_max_body_size.
	maxSendbatchBodySize = 256 << 20
)

// validateLimits checks the connection caps of every listener and
// sendbatch_max_body_size.
func (v *validator) validateLimits(c *Config) {
	for _, l := range c.ListenerCaps() { // every listener's (listeners.go)
		v.validateCaps(l.Section, l.MaxConnections, l.MaxConnectionsPerIP)
	}
	v.between("http-api", "sendbatch_max_body_size", c.HTTPAPI.SendbatchMaxBodySize,
		MaxHTTPBodySize, maxSendbatchBodySize, "octets")
}
