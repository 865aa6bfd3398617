package config

import (
	"crypto/tls"
	"crypto/x509"
)

// tlsPair checks a listener's tls_cert and tls_key: both or neither, and
// when set, files that exist and form a valid certificate and key pair.
func (v *validator) tlsPair(section, cert, key string) {
	switch {
	case cert != "" && key == "":
		v.add(section, "tls_key", "must be set when tls_cert is (%q)", cert)
	case cert == "" && key != "":
		v.add(section, "tls_cert", "must be set when tls_key is (%q)", key)
	case cert != "":
		n := len(v.problems)
		v.file(section, "tls_cert", cert)
		v.file(section, "tls_key", key)
		if len(v.problems) > n {
			return
		}
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			v.add(section, "tls_cert", "%q and tls_key %q are not a valid certificate and key pair: %v", cert, key, err)
			return
		}
		if _, err := x509.ParseCertificate(pair.Certificate[0]); err != nil {
			v.add(section, "tls_cert", "%q: %v", cert, err)
		}
	}
}

// plainPort checks [smpp-server] plain_port: 0 (none) or a TCP port, and
// only beside a TLS port (without TLS, port is already plain).
func (v *validator) plainPort(s SMPPServer) {
	if s.PlainPort == 0 {
		return
	}
	if s.PlainPort < 0 || s.PlainPort > 65535 {
		v.add("smpp-server", "plain_port", "%d is not a valid TCP port (1-65535), or 0 for none", s.PlainPort)
		return
	}
	if !s.TLS() {
		v.add("smpp-server", "plain_port", "%d: a second plain listener needs tls_cert and tls_key (port is plain already)", s.PlainPort)
	}
}
