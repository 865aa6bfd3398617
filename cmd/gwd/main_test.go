package main

import (
	"bytes"
	"net"
	"strings"
	"testing"

	"github.com/gwd-project/gwd/config"
)

func runGwd(t *testing.T, in string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	old := stdin
	stdin = strings.NewReader(in)
	defer func() { stdin = old }()
	var o, e bytes.Buffer
	code = gwd(args, &o, &e)
	return code, o.String(), e.String()
}

// -hash-password prints a hash that admin_password takes and that
// verifies the password read, and nothing else.
func TestHashPassword(t *testing.T) {
	code, out, errOut := runGwd(t, "S3cret pass phrase\r\n", "-hash-password")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	h := strings.TrimSuffix(out, "\n")
	if strings.Contains(h, "\n") || !strings.HasPrefix(h, "pbkdf2-sha256$100000$") {
		t.Fatalf("output %q", out)
	}
	sec, err := config.ParseAdminSecret(h)
	if err != nil {
		t.Fatal(err)
	}
	if !sec.Verify("S3cret pass phrase") || sec.Verify("S3cret pass phrase\r") {
		t.Fatal("the printed hash does not verify the password read (without its line end)")
	}
	// The hash is accepted as admin_password.
	if code, _, errOut := runGwd(t, "", "-set", "jcli.admin_password="+h, "-set", "jcli.bind=0.0.0.0", "-check"); code != 0 {
		t.Fatalf("-check with the printed hash on 0.0.0.0: %d %s", code, errOut)
	}
	for _, in := range []string{"", "\n", strings.Repeat("x", 2000) + "\n"} {
		if code, out, _ := runGwd(t, in, "-hash-password"); code != 1 || out != "" {
			t.Errorf("-hash-password < %.10q: exit %d, output %q", in, code, out)
		}
	}
}

// gwd -check fails, naming the key, when an admin surface listens beyond
// loopback with the default admin password.
func TestCheckRefusesDefaultAdminPasswordInPublic(t *testing.T) {
	for _, set := range []string{"jcli.bind=0.0.0.0", "admin-api.bind=0.0.0.0", "junebug.bind=0.0.0.0"} {
		code, out, errOut := runGwd(t, "", "-set", set, "-check")
		if code != 1 || !strings.Contains(errOut, "[jcli] admin_password: is still the default password") || strings.Contains(out, "OK") {
			t.Errorf("-set %s -check: exit %d, stdout %q, stderr %q", set, code, out, errOut)
		}
	}
	code, _, errOut := runGwd(t, "", "-set", "jcli.bind=0.0.0.0", "-set", "jcli.authentication=false", "-check")
	if code != 1 || !strings.Contains(errOut, "[jcli] authentication: must be true") {
		t.Errorf("public jCli without authentication: exit %d, %q", code, errOut)
	}
	// Loopback with the default password is fine.
	if code, out, errOut := runGwd(t, "", "-check"); code != 0 || !strings.Contains(out, "configuration OK") {
		t.Errorf("-check on defaults: exit %d %q %q", code, out, errOut)
	}
}

// Jasmin's MD5 admin_password loads, with a warning.
func TestMD5AdminPasswordWarns(t *testing.T) {
	code, out, errOut := runGwd(t, "", "-set", "jcli.admin_password=79e9b0aa3f3e7c53e916f7ac47439bcb", "-check")
	if code != 0 || !strings.Contains(out, "configuration OK") ||
		!strings.Contains(errOut, "warning: [jcli] admin_password is an unsalted MD5 digest") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if _, _, errOut := runGwd(t, "", "-check"); strings.Contains(errOut, "warning") {
		t.Fatalf("default configuration warns: %q", errOut)
	}
}

// -demo binds every listener to 127.0.0.1, even when the configuration
// asks for every interface, and says so.
func TestDemoBindsLoopback(t *testing.T) {
	cfg := config.Default()
	cfg.SMPPServer.Bind, cfg.HTTPAPI.Bind = "0.0.0.0", "0.0.0.0"
	cfg, err := demoConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ls := cfg.Listeners()
	if len(ls) < 5 {
		t.Fatalf("listeners %v", ls)
	}
	for _, l := range ls {
		host, _, err := net.SplitHostPort(l.Addr)
		if err != nil || host != "127.0.0.1" {
			t.Errorf("-demo: [%s] listens on %s", l.Section, l.Addr)
		}
	}
	var b bytes.Buffer
	printDemo(&b, cfg)
	if !strings.Contains(b.String(), "bound to 127.0.0.1 only") {
		t.Errorf("the demo banner does not say it listens on 127.0.0.1 only:\n%s", b.String())
	}
}

// -pprof listens on loopback only: profiles have no authentication and a
// heap profile holds passwords.
func TestPprofLoopbackOnly(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:6060", ":6060", "[::]:6060", "192.0.2.1:6060", "example.com:6060", "nonsense"} {
		code, _, errOut := runGwd(t, "", "-pprof", addr)
		if code != 2 || !strings.Contains(errOut, "-pprof") {
			t.Errorf("-pprof %s: exit %d, %q", addr, code, errOut)
		}
	}
	for _, addr := range []string{"127.0.0.1:6060", "[::1]:6060", "localhost:6060", "127.0.0.2:0"} {
		if err := loopbackOnly(addr); err != nil {
			t.Errorf("%s refused: %v", addr, err)
		}
	}
}
