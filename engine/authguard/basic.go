package authguard

import (
	"bytes"
	"encoding/base64"
	"net/netip"
)

// ParseBasic reads the value of an HTTP Authorization header holding
// Basic credentials ("Basic base64(user:pass)", the scheme in any case,
// blanks around the credentials ignored), decoding into buf: user and
// pass alias buf, and nothing is allocated. ok is false for another
// scheme, bad base64, credentials that do not fit buf, no ':' or an
// empty username (no account has one, so it is not worth a password
// check). The REST API, the admin API and the Junebug API all read
// their credentials with it.
func ParseBasic(h, buf []byte) (user, pass []byte, ok bool) {
	const prefix = "basic "
	if len(h) <= len(prefix) || !bytes.EqualFold(h[:len(prefix)], []byte(prefix)) {
		return nil, nil, false
	}
	enc := bytes.TrimSpace(h[len(prefix):])
	if base64.StdEncoding.DecodedLen(len(enc)) > len(buf) {
		return nil, nil, false
	}
	n, err := base64.StdEncoding.Decode(buf, enc)
	if err != nil {
		return nil, nil, false
	}
	dec := buf[:n]
	i := bytes.IndexByte(dec, ':')
	if i <= 0 {
		return nil, nil, false
	}
	return dec[:i], dec[i+1:], true
}

// CheckBasic is Check for the credentials of an Authorization header
// value h (ParseBasic): nil when they are the admin's, ErrBadCredentials
// when they are not or h holds none (no password check is spent on
// that), a *Refused when the attempt was not checked (back-off, full
// pool). The admin API and the Junebug API authenticate every request
// with it; like Check, it blocks until the check is done.
func (a *Admin) CheckBasic(src netip.Addr, h []byte) error {
	var stack [256]byte
	buf := stack[:]
	if n := base64.StdEncoding.DecodedLen(len(h)); n > len(buf) {
		buf = make([]byte, n) // admin credentials have no length limit
	}
	user, pass, ok := ParseBasic(h, buf)
	if !ok {
		return ErrBadCredentials
	}
	return a.Check(src, string(user), string(pass))
}
