package smsc

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"

	"github.com/gwd-project/gwd/netio/tlsconf"
)

// tlsConfig builds the SMPP listener's TLS configuration from tls_cert,
// tls_key and tls_client_ca; nil when TLS is off.
func (c Config) tlsConfig() (*tls.Config, error) {
	switch {
	case c.TLSCert == "" && c.TLSKey == "":
		if c.TLSClientCA != "" {
			return nil, fmt.Errorf("tls_client_ca needs tls_cert and tls_key")
		}
		return nil, nil
	case c.TLSCert == "":
		return nil, fmt.Errorf("tls_cert: must be set when tls_key is")
	case c.TLSKey == "":
		return nil, fmt.Errorf("tls_key: must be set when tls_cert is")
	}
	cert, err := tlsconf.LoadCert(c.TLSCert, c.TLSKey)
	if err != nil {
		return nil, fmt.Errorf("tls_cert: %w", err)
	}
	cfg := cert.ServerConfig()
	if c.TLSClientCA != "" {
		pem, err := os.ReadFile(c.TLSClientCA)
		if err != nil {
			return nil, fmt.Errorf("tls_client_ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("tls_client_ca: %s holds no PEM certificate", c.TLSClientCA)
		}
		cfg.ClientCAs = pool
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return cfg, nil
}
