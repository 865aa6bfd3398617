package config

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/gwd-project/gwd/router"
)

// jasminMD5 is Jasmin's admin_password default: md5("jclipwd").
const jasminMD5 = "79e9b0aa3f3e7c53e916f7ac47439bcb"

func pbkdf2Of(t testing.TB, pw string, iter int) string {
	t.Helper()
	old := router.PasswordIterations
	router.PasswordIterations = iter
	defer func() { router.PasswordIterations = old }()
	h, err := router.HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

func TestAdminSecretForms(t *testing.T) {
	bc, err := bcrypt.GenerateFromPassword([]byte("s3cret"), MinAdminBcryptCost)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, hash string
		kind       AdminSecretKind
	}{
		{"pbkdf2", pbkdf2Of(t, "s3cret", MinAdminPBKDF2Iterations), AdminPBKDF2},
		{"bcrypt 2a", string(bc), AdminBcrypt},
		{"bcrypt 2b", "$2b$" + string(bc[4:]), AdminBcrypt},
		{"bcrypt 2y", "$2y$" + string(bc[4:]), AdminBcrypt},
		{"md5", "e0d6c3a4d7c0a9a4e7bdb2b1b3a58b5d", AdminMD5}, // not s3cret's
	} {
		sec, err := ParseAdminSecret(tc.hash)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if sec.Kind() != tc.kind || sec.LegacyMD5() != (tc.kind == AdminMD5) {
			t.Errorf("%s: kind %v legacy %v", tc.name, sec.Kind(), sec.LegacyMD5())
		}
		if tc.kind != AdminMD5 && !sec.Verify("s3cret") {
			t.Errorf("%s: the right password does not verify", tc.name)
		}
		if sec.Verify("s3cret!") || sec.Verify("") {
			t.Errorf("%s: a wrong password verifies", tc.name)
		}
	}
	sec, err := ParseAdminSecret(jasminMD5)
	if err != nil || !sec.Verify(DefaultAdminPassword) || !sec.LegacyMD5() {
		t.Errorf("Jasmin's MD5 default: %v %v", err, sec.Verify(DefaultAdminPassword))
	}
}

func TestAdminSecretRefused(t *testing.T) {
	for _, h := range []string{
		"", "jclipwd", strings.Repeat("g", 32), jasminMD5[:31],
		pbkdf2Of(t, "x", 1000),          // too few iterations
		"pbkdf2-sha256$100000$c2FsdA$x", // bad salt, bad key
		"pbkdf2-sha256$100000000$AAAAAAAAAAAAAAAAAAAAAA$" + strings.Repeat("A", 43),
		"$2x$10$" + strings.Repeat("a", 53), // not a bcrypt prefix we take
		"$2a$04$" + strings.Repeat("a", 53), // cost 4: too cheap
		"$2a$10$short",
	} {
		if _, err := ParseAdminSecret(h); err == nil {
			t.Errorf("ParseAdminSecret(%q) accepted", h)
		}
	}
	c := Default()
	c.JCli.AdminPassword = "jclipwd" // clear text
	err := c.Validate()
	var ve *ValidationError
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), "[jcli] admin_password: not a pbkdf2-sha256$") {
		t.Errorf("clear-text admin_password: %v", err)
	}
}

// The default admin password on a public admin surface is refused,
// naming the key, in every accepted form.
func TestValidateDefaultAdminPasswordExposed(t *testing.T) {
	bc, err := bcrypt.GenerateFromPassword([]byte(DefaultAdminPassword), MinAdminBcryptCost)
	if err != nil {
		t.Fatal(err)
	}
	forms := map[string]string{
		"default": Default().JCli.AdminPassword,
		"md5":     jasminMD5,
		"bcrypt":  string(bc),
		"pbkdf2":  pbkdf2Of(t, DefaultAdminPassword, MinAdminPBKDF2Iterations),
	}
	exposures := map[string]func(*Config){
		"jcli":      func(c *Config) { c.JCli.Bind = "0.0.0.0" },
		"admin-api": func(c *Config) { c.AdminAPI.Bind = "10.1.2.3" },
		"junebug":   func(c *Config) { c.Junebug.Bind = "::" },
	}
	for fname, form := range forms {
		for ename, expose := range exposures {
			c := Default()
			c.JCli.AdminPassword = form
			if err := c.Validate(); err != nil {
				t.Fatalf("%s on loopback: %v", fname, err)
			}
			expose(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), "[jcli] admin_password: is still the default password") ||
				!strings.Contains(err.Error(), "["+ename+"] bind") {
				t.Errorf("%s, %s public: Validate() = %v", fname, ename, err)
			}
		}
	}
	// A disabled admin API is no exposure; another password is fine.
	c := Default()
	c.AdminAPI.Enabled, c.AdminAPI.Bind = false, "0.0.0.0"
	if err := c.Validate(); err != nil {
		t.Errorf("disabled admin API on 0.0.0.0: %v", err)
	}
	c = Default()
	c.JCli.Bind, c.Junebug.Bind = "0.0.0.0", "0.0.0.0"
	c.JCli.AdminPassword = pbkdf2Of(t, "An0ther!", MinAdminPBKDF2Iterations)
	if err := c.Validate(); err != nil {
		t.Errorf("public with a changed password: %v", err)
	}
	// jCli without authentication on a public address.
	c.JCli.Authentication = false
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "[jcli] authentication: must be true") {
		t.Errorf("public jCli without authentication: %v", err)
	}
}

func FuzzParseAdminSecret(f *testing.F) {
	f.Add(jasminMD5)
	f.Add(Default().JCli.AdminPassword)
	f.Add("$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy")
	f.Add("pbkdf2-sha256$$$")
	f.Fuzz(func(t *testing.T, s string) {
		sec, err := ParseAdminSecret(s)
		if err != nil {
			return
		}
		switch sec.Kind() {
		case AdminMD5:
			if len(s) != 32 {
				t.Fatalf("md5 form of %d characters", len(s))
			}
		case AdminPBKDF2:
			if !router.ValidPasswordHash([]byte(s)) {
				t.Fatal("accepted an invalid pbkdf2 hash")
			}
		case AdminBcrypt:
			if len(s) != 60 {
				t.Fatal("accepted a bcrypt hash of the wrong length")
			}
		default:
			t.Fatal("accepted with no kind")
		}
	})
}
