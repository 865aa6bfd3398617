package jcli

import (
	"strings"
	"testing"
)

// TestSMPPCCMTLSKeys: smppccm takes the connector TLS keys; a CA file that
// cannot be read is refused at ok with the key named, and nothing is
// added; ssl_verify shows as set.
func TestSMPPCCMTLSKeys(t *testing.T) {
	e := newEnv(t)
	c := e.login()
	c.cmd("smppccm -a")
	for _, l := range []string{"cid tls_smsc", "ssl yes", "ssl_ca_file /nonexistent/ca.pem"} {
		if got := c.cmd(l); got != "" {
			t.Fatalf("%q: %q", l, got)
		}
	}
	got := c.cmd("ok")
	if !strings.Contains(got, "ssl_ca_file") || !strings.Contains(got, "/nonexistent/ca.pem") {
		t.Fatalf("ok with a missing CA file: %q", got)
	}
	c.cmd("ko")
	if got := c.cmd("smppccm -s tls_smsc"); !strings.Contains(got, "Unknown smppc cid") {
		t.Fatalf("the refused connector exists: %q", got)
	}
	c.ok("Successfully added connector [tls_smsc]", "smppccm -a", "cid tls_smsc", "ssl yes", "ssl_verify no", "ok")
	show := c.cmd("smppccm -s tls_smsc")
	for _, want := range []string{"\nssl yes\n", "\nssl_ca_file None\n", "\nssl_cert_file None\n", "\nssl_key_file None\n", "\nssl_verify no\n"} {
		if !strings.Contains(show, want) {
			t.Errorf("smppccm -s lacks %q:\n%s", want, show)
		}
	}
}
