package authguard

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/netip"
	"sync/atomic"

	"github.com/gwd-project/gwd/config"
)

// Admin is the admin account of [jcli] (admin_username, admin_password),
// which jCli, the admin API and the Junebug API share. Like users'
// passwords, a success is remembered as the HMAC-SHA256 of the username
// and password under a key drawn at random for this Admin, so that an
// admin client pays the slow hash once, not per request; anything else
// goes through the Guard's pool and back-off.
type Admin struct {
	g        *Guard
	username string
	secret   config.AdminSecret
	key      [32]byte
	ok       atomic.Pointer[[32]byte] // MAC of the last verified credentials
}

// NewAdmin reads [jcli]'s admin account. When admin_password is not a
// hash ParseAdminSecret reads (config.Validate refuses that unless jCli
// authentication is off), the error says so and the Admin it returns
// refuses every password.
func NewAdmin(g *Guard, j config.JCli) (*Admin, error) {
	a := &Admin{g: g, username: j.AdminUsername}
	if _, err := rand.Read(a.key[:]); err != nil {
		panic("authguard: no randomness for the admin cache key: " + err.Error())
	}
	sec, err := config.ParseAdminSecret(j.AdminPassword)
	if err != nil {
		return a, fmt.Errorf("[jcli] admin_password: %w", err)
	}
	a.secret = sec
	return a, nil
}

// Username is admin_username.
func (a *Admin) Username() string { return a.username }

func (a *Admin) mac(user, pass string) [32]byte {
	m := hmac.New(sha256.New, a.key[:])
	var n [2]byte
	n[0], n[1] = byte(len(user)>>8), byte(len(user))
	m.Write(n[:])
	m.Write([]byte(user))
	m.Write([]byte(pass))
	var out [32]byte
	m.Sum(out[:0])
	return out
}

// Check reports whether user and pass are the admin credentials, for an
// attempt from src: nil when they are, ErrBadCredentials when not, a
// *Refused when the attempt was not checked (back-off, full pool). It
// blocks until the check is done: call it from the request's own
// goroutine.
func (a *Admin) Check(src netip.Addr, user, pass string) error {
	mac := a.mac(user, pass)
	if p := a.ok.Load(); p != nil && subtle.ConstantTimeCompare(p[:], mac[:]) == 1 {
		return nil
	}
	var good bool
	err := a.g.Run(src, user, func() Result {
		// The hash is checked whatever the username, so that a wrong
		// username costs what a wrong password does.
		pok := a.secret.Verify(pass)
		uok := subtle.ConstantTimeCompare([]byte(user), []byte(a.username)) == 1 && a.username != ""
		if good = pok && uok; good {
			return Passed
		}
		return Failed
	})
	if err != nil {
		return err
	}
	if !good {
		return ErrBadCredentials
	}
	a.ok.Store(&mac)
	return nil
}

// ErrBadCredentials is a checked, wrong admin username or password.
var ErrBadCredentials = fmt.Errorf("wrong admin username or password")
