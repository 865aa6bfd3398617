package config

import (
	"crypto/md5"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"github.com/gwd-project/gwd/router"
)

// The admin password
//
// [jcli] admin_password opens jCli, the admin API and the Junebug API. It
// holds a hash of the password, never the password, in one of three forms:
//
//   - pbkdf2-sha256$<iterations>$<salt>$<key> — users' format
//     (router.HashPassword); `gwd -hash-password` prints one. The default
//     is this form of "jclipwd".
//   - $2a$, $2b$ or $2y$ bcrypt, e.g. from `htpasswd -nbB`.
//   - 32 hex digits, the unsalted MD5 of jasmin.cfg: still read, so that a
//     Jasmin configuration loads, with a warning at start-up (LegacyMD5).
//
// Slow hashes cost tens of milliseconds per check; engine/authguard
// remembers a verified password so that only the first request of an
// admin client pays it.

// DefaultAdminPassword is the admin password gwd ships with. Validate
// refuses it when an admin surface listens beyond the loopback interface.
const DefaultAdminPassword = "jclipwd"

// Bounds of a slow admin hash's cost: below, a stolen hash is cheap to
// guess from; above, every uncached login burns seconds of CPU.
const (
	MinAdminPBKDF2Iterations = 10_000
	MaxAdminPBKDF2Iterations = 10_000_000
	MinAdminBcryptCost       = 8
	MaxAdminBcryptCost       = 16
)

// AdminSecretKind is the form of an admin_password.
type AdminSecretKind uint8

// Forms of admin_password.
const (
	AdminPBKDF2 AdminSecretKind = iota + 1
	AdminBcrypt
	AdminMD5
)

func (k AdminSecretKind) String() string {
	switch k {
	case AdminPBKDF2:
		return "pbkdf2-sha256"
	case AdminBcrypt:
		return "bcrypt"
	case AdminMD5:
		return "md5"
	}
	return "?"
}

// AdminSecret is a parsed admin_password.
type AdminSecret struct {
	kind AdminSecretKind
	md5  [md5.Size]byte
	hash []byte // pbkdf2 or bcrypt
}

// ErrAdminSecret is wrapped by every ParseAdminSecret error.
var ErrAdminSecret = errors.New("not a pbkdf2-sha256$…, bcrypt ($2a$/$2b$/$2y$) or 32-hex-digit MD5 password hash")

// ParseAdminSecret reads an admin_password value.
func ParseAdminSecret(s string) (AdminSecret, error) {
	switch {
	case strings.HasPrefix(s, "pbkdf2-sha256$"):
		if !router.ValidPasswordHash([]byte(s)) {
			return AdminSecret{}, fmt.Errorf("malformed pbkdf2-sha256$<iterations>$<salt>$<key>: %w", ErrAdminSecret)
		}
		iter, _ := strconv.Atoi(strings.Split(s, "$")[1])
		if iter < MinAdminPBKDF2Iterations || iter > MaxAdminPBKDF2Iterations {
			return AdminSecret{}, fmt.Errorf("%d PBKDF2 iterations is out of range (%d-%d)", iter, MinAdminPBKDF2Iterations, MaxAdminPBKDF2Iterations)
		}
		return AdminSecret{kind: AdminPBKDF2, hash: []byte(s)}, nil
	case strings.HasPrefix(s, "$2"):
		cost, err := bcrypt.Cost([]byte(s))
		if err != nil || len(s) != 60 || !(strings.HasPrefix(s, "$2a$") || strings.HasPrefix(s, "$2b$") || strings.HasPrefix(s, "$2y$")) {
			return AdminSecret{}, fmt.Errorf("malformed bcrypt hash: %w", ErrAdminSecret)
		}
		if cost < MinAdminBcryptCost || cost > MaxAdminBcryptCost {
			return AdminSecret{}, fmt.Errorf("bcrypt cost %d is out of range (%d-%d)", cost, MinAdminBcryptCost, MaxAdminBcryptCost)
		}
		return AdminSecret{kind: AdminBcrypt, hash: []byte(s)}, nil
	case len(s) == 2*md5.Size:
		var a AdminSecret
		if _, err := hex.Decode(a.md5[:], []byte(s)); err != nil {
			return AdminSecret{}, ErrAdminSecret
		}
		a.kind = AdminMD5
		return a, nil
	}
	return AdminSecret{}, ErrAdminSecret
}

// Kind is the hash's form.
func (a AdminSecret) Kind() AdminSecretKind { return a.kind }

// LegacyMD5 reports the unsalted MD5 form (start-up warns about it).
func (a AdminSecret) LegacyMD5() bool { return a.kind == AdminMD5 }

// Verify checks password against the hash: the full KDF for the slow
// forms (run it through engine/authguard's pool, never on an event loop).
func (a AdminSecret) Verify(password string) bool {
	switch a.kind {
	case AdminPBKDF2:
		return router.VerifyPassword(a.hash, password)
	case AdminBcrypt:
		if len(password) > 72 { // bcrypt refuses longer ones
			return false
		}
		return bcrypt.CompareHashAndPassword(a.hash, []byte(password)) == nil
	case AdminMD5:
		got := md5.Sum([]byte(password))
		return subtle.ConstantTimeCompare(got[:], a.md5[:]) == 1
	}
	return false
}

// publicBind reports whether a listen address reaches beyond the loopback
// interface (an unspecified address, or any non-loopback one).
func publicBind(bind string) bool {
	a, err := netip.ParseAddr(bind)
	if err != nil {
		return false // not an address: Validate reports it
	}
	return !a.Unmap().IsLoopback()
}

// checkAdminExposure refuses an admin surface (jCli, the admin API when
// enabled, the Junebug API) listening beyond loopback while the admin
// password is still the default one, or jCli without authentication.
func checkAdminExposure(v *validator, c Config) {
	var public []string
	if publicBind(c.JCli.Bind) {
		public = append(public, "[jcli] bind "+c.JCli.Bind)
		if !c.JCli.Authentication {
			v.add("jcli", "authentication", "must be true when jCli listens beyond the loopback interface (bind %s): anyone who can connect would administer gwd", c.JCli.Bind)
		}
	}
	if c.AdminAPI.Enabled && publicBind(c.AdminAPI.Bind) {
		public = append(public, "[admin-api] bind "+c.AdminAPI.Bind)
	}
	if publicBind(c.Junebug.Bind) {
		public = append(public, "[junebug] bind "+c.Junebug.Bind)
	}
	if len(public) == 0 {
		return
	}
	sec, err := ParseAdminSecret(c.JCli.AdminPassword)
	if err != nil {
		return // reported by Validate already
	}
	if sec.Verify(DefaultAdminPassword) {
		v.add("jcli", "admin_password", "is still the default password %q while %s listens beyond the loopback interface: set a new one (gwd -hash-password prints its hash)",
			DefaultAdminPassword, strings.Join(public, ", "))
	}
}
