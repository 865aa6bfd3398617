package authguard

import (
	"errors"
	"net/netip"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/gwd-project/gwd/config"
)

// The admin account pays its slow hash once per credentials, on the
// pool; wrong credentials always pay it (and count as failures); a bad
// admin_password refuses everything.
func TestAdminCachedAfterOneCheck(t *testing.T) {
	bc, err := bcrypt.GenerateFromPassword([]byte("s3cret"), config.MinAdminBcryptCost)
	if err != nil {
		t.Fatal(err)
	}
	for name, hash := range map[string]string{"default pbkdf2": config.Default().JCli.AdminPassword, "bcrypt": string(bc)} {
		pw := "s3cret"
		if name == "default pbkdf2" {
			pw = config.DefaultAdminPassword
		}
		g, _ := newTestGuard(t, Config{FreeFailures: 100})
		a, err := NewAdmin(g, config.JCli{AdminUsername: "admin", AdminPassword: hash})
		if err != nil {
			t.Fatal(err)
		}
		src := netip.MustParseAddr("192.0.2.1")
		for range 3 {
			if err := a.Check(src, "admin", pw); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		if n := g.Stats.Checks.Load(); n != 1 {
			t.Fatalf("%s: 3 logins ran %d checks, want 1", name, n)
		}
		for _, c := range [][2]string{{"admin", pw + "x"}, {"root", pw}} {
			if err := a.Check(src, c[0], c[1]); !errors.Is(err, ErrBadCredentials) {
				t.Fatalf("%s: %q/%q: %v", name, c[0], c[1], err)
			}
		}
		if n := g.Stats.Checks.Load(); n != 3 {
			t.Fatalf("%s: wrong credentials ran %d checks, want 2", name, n-1)
		}
	}
	g, _ := newTestGuard(t, Config{})
	a, err := NewAdmin(g, config.JCli{AdminUsername: "admin", AdminPassword: ""})
	if err == nil || a.Check(netip.Addr{}, "admin", "") == nil {
		t.Fatal("an empty admin_password accepted")
	}
}
