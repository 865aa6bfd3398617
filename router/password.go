package router

import (
	"bytes"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"strconv"
	"strings"
	"sync/atomic"
)

// Passwords are stored only as salted PBKDF2-HMAC-SHA256 hashes, in the
// self-describing form
//
//	pbkdf2-sha256$<iterations>$<salt, base64>$<derived key, base64>
//
// never in plain text, and are never shown (user -s leaves them out). Jasmin
// keeps an unsalted MD5; gwd does not read those.
//
// Checking a password against its hash costs PasswordIterations rounds of
// HMAC-SHA256 (about 20 ms at 100 000 on one core of the machine the
// benchmarks ran on: BenchmarkAuthenticateKDF), which is what makes a stolen hash expensive to guess
// from, and which no message should pay. So a successful check is
// remembered: per user, the HMAC-SHA256 of the verified password under a key
// drawn at random when the Accounts is created (pwMACKey). An authentication
// whose password has the same MAC is the same password (HMAC-SHA256 is a
// PRF: another password colliding is a 2^-256 event), so it is accepted
// without the KDF, in about 0.3 µs and no allocation
// (BenchmarkAuthenticateCached). What this does not
// weaken:
//
//   - online guessing: only successes are remembered; a wrong password never
//     matches the MAC and always pays the full KDF;
//   - the store: the MAC and its key exist only in this process's memory;
//     what is persisted is the salted slow hash;
//   - a password change: the cache entry names the password generation it
//     was verified against, so the old password stops matching at once.
//
// Someone able to read the process's memory could test guesses against the
// MAC at HMAC speed, but could equally read the plaintext passwords that
// every HTTP /send and every bind carries through that memory.

// PasswordIterations is the PBKDF2 iteration count for new hashes. Each hash
// records its own count, so changing this affects only hashes made after.
// Checks of an unremembered password (the first bind or request after a
// start or a password change, and every wrong password) cost this much CPU.
var PasswordIterations = 100_000

// Password length limits: Jasmin refuses passwords longer than 8 characters
// ("Invalid password length !"), the size of the SMPP v3.4 password field.
const (
	MinPasswordLen = 1
	MaxPasswordLen = 8
)

const (
	pwScheme  = "pbkdf2-sha256"
	pwSaltLen = 16
	pwKeyLen  = 32
)

// pwKDFCalls counts slow checks (tests assert the cache skips them).
var pwKDFCalls atomic.Int64

// KDFRuns is the number of slow password checks run since the start,
// dummy ones for unknown usernames included (tests compare it).
func KDFRuns() int64 { return pwKDFCalls.Load() }

// dummyHash is a hash of a random password at the current
// PasswordIterations, which unknown usernames are checked against.
var dummyHash atomic.Pointer[dummy]

type dummy struct {
	iter int
	hash []byte
}

// dummyPasswordCheck costs what checking pw against a real hash costs.
func dummyPasswordCheck(pw string) {
	d := dummyHash.Load()
	if d == nil || d.iter != PasswordIterations {
		var r [8]byte
		_, _ = rand.Read(r[:])
		h, err := pwHash(base64.RawStdEncoding.EncodeToString(r[:]), PasswordIterations)
		if err != nil {
			return
		}
		d = &dummy{iter: PasswordIterations, hash: h}
		dummyHash.Store(d)
	}
	VerifyPassword(d.hash, pw)
}

// checkPasswordSyntax validates a new password.
func checkPasswordSyntax(pw string) error {
	if len(pw) < MinPasswordLen || len(pw) > MaxPasswordLen {
		return &FieldError{Field: "password", Msg: "invalid length, must be 1 to 8 characters"}
	}
	if strings.IndexByte(pw, 0) >= 0 {
		return &FieldError{Field: "password", Msg: "must not contain a NUL character"}
	}
	return nil
}

// HashPassword returns the salted slow hash of a new password.
func HashPassword(pw string) ([]byte, error) {
	if err := checkPasswordSyntax(pw); err != nil {
		return nil, err
	}
	return pwHash(pw, PasswordIterations)
}

// MaxSecretLen bounds a secret HashSecret takes.
const MaxSecretLen = 1024

// HashSecret is HashPassword for secrets that are not users' passwords
// (the admin password): any length from 1 to MaxSecretLen, no NUL.
func HashSecret(s string) ([]byte, error) {
	if len(s) < 1 || len(s) > MaxSecretLen {
		return nil, &FieldError{Field: "password", Msg: "invalid length, must be 1 to 1024 bytes"}
	}
	if strings.IndexByte(s, 0) >= 0 {
		return nil, &FieldError{Field: "password", Msg: "must not contain a NUL character"}
	}
	return pwHash(s, PasswordIterations)
}

func pwHash(pw string, iter int) ([]byte, error) {
	salt := make([]byte, pwSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	dk, err := pbkdf2.Key(sha256.New, pw, salt, iter, pwKeyLen)
	if err != nil {
		return nil, err
	}
	enc := base64.RawStdEncoding
	out := make([]byte, 0, len(pwScheme)+24+enc.EncodedLen(pwSaltLen)+enc.EncodedLen(pwKeyLen))
	out = append(out, pwScheme...)
	out = append(out, '$')
	out = strconv.AppendInt(out, int64(iter), 10)
	out = append(out, '$')
	out = enc.AppendEncode(out, salt)
	out = append(out, '$')
	out = enc.AppendEncode(out, dk)
	return out, nil
}

// pwParse splits a stored hash; ok is false when it is not one.
func pwParse(h []byte) (iter int, salt, dk []byte, ok bool) {
	parts := bytes.Split(h, []byte{'$'})
	if len(parts) != 4 || string(parts[0]) != pwScheme {
		return 0, nil, nil, false
	}
	iter, err := strconv.Atoi(string(parts[1]))
	if err != nil || iter < 1 {
		return 0, nil, nil, false
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(string(parts[2]))
	dk, err2 := enc.DecodeString(string(parts[3]))
	if err1 != nil || err2 != nil || len(salt) < 8 || len(dk) != pwKeyLen {
		return 0, nil, nil, false
	}
	return iter, salt, dk, true
}

// ValidPasswordHash reports whether h is a hash HashPassword could have
// made (for loading users from the store).
func ValidPasswordHash(h []byte) bool {
	_, _, _, ok := pwParse(h)
	return ok
}

// VerifyPassword checks pw against a stored hash with the full KDF, in
// constant time with respect to the derived key.
func VerifyPassword(h []byte, pw string) bool {
	pwKDFCalls.Add(1)
	iter, salt, dk, ok := pwParse(h)
	if !ok {
		return false
	}
	got, err := pbkdf2.Key(sha256.New, pw, salt, iter, pwKeyLen)
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare(got, dk) == 1
}

// pwMACKey is the per-process HMAC-SHA256 key of the authentication cache,
// kept as its inner and outer padded blocks.
type pwMACKey struct {
	ipad, opad [64]byte
}

func newPWMACKey() *pwMACKey {
	var k [32]byte
	if _, err := rand.Read(k[:]); err != nil {
		panic("router: no randomness for the authentication cache key: " + err.Error())
	}
	m := &pwMACKey{}
	for i := range m.ipad {
		var b byte
		if i < len(k) {
			b = k[i]
		}
		m.ipad[i] = b ^ 0x36
		m.opad[i] = b ^ 0x5c
	}
	return m
}

// sum is HMAC-SHA256(key, pw) without allocating for passwords up to 64
// bytes (longer ones never reach it: they cannot be valid).
func (m *pwMACKey) sum(pw string) [32]byte {
	var in [128]byte
	var msg []byte
	if len(pw) <= len(in)-64 {
		copy(in[:64], m.ipad[:])
		n := copy(in[64:], pw)
		msg = in[:64+n]
	} else {
		msg = append(append(make([]byte, 0, 64+len(pw)), m.ipad[:]...), pw...)
	}
	inner := sha256.Sum256(msg)
	var out [96]byte
	copy(out[:64], m.opad[:])
	copy(out[64:], inner[:])
	return sha256.Sum256(out[:])
}

// pwCacheEntry is a remembered successful check: the MAC of the password and
// the password generation (User.pwGen) it was checked against.
type pwCacheEntry struct {
	mac [32]byte
	gen uint64
}

// pwGenSeq numbers password generations: every new hash gets a new one.
var pwGenSeq atomic.Uint64

// checkPassword is the authentication check: the cache, then the KDF.
func (a *Accounts) checkPassword(u *User, pw string) bool {
	if len(pw) < MinPasswordLen || len(pw) > MaxPasswordLen {
		return false // cannot be anyone's password: no KDF needed
	}
	mac := a.macKey.sum(pw)
	if e := u.live.auth.Load(); e != nil && e.gen == u.pwGen &&
		subtle.ConstantTimeCompare(e.mac[:], mac[:]) == 1 {
		return true
	}
	if !VerifyPassword(u.PasswordHash, pw) {
		return false
	}
	u.live.auth.Store(&pwCacheEntry{mac: mac, gen: u.pwGen})
	return true
}

// cachedPassword is the cache half of checkPassword: decided is false when
// only the KDF can tell.
func (a *Accounts) cachedPassword(u *User, pw string) (match, decided bool) {
	if len(pw) < MinPasswordLen || len(pw) > MaxPasswordLen {
		return false, true
	}
	e := u.live.auth.Load()
	if e == nil || e.gen != u.pwGen {
		return false, false
	}
	mac := a.macKey.sum(pw)
	if subtle.ConstantTimeCompare(e.mac[:], mac[:]) == 1 {
		return true, true
	}
	return false, false
}
