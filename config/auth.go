package config

import "time"

// Auth is [auth] (gwd): the shared pool that runs every slow password
// check (SMPP binds, the HTTP and REST APIs, the admin API, Junebug, jCli)
// and the back-off of source addresses and usernames that keep failing
// (package engine/authguard). A password the authentication cache already
// knows is accepted without either.
type Auth struct {
	// KDFWorkers is the number of goroutines that run password KDFs; 0
	// means half the CPUs (at least 1). Default 0.
	KDFWorkers int `toml:"kdf_workers"`
	// KDFQueue is how many password checks may wait for a worker; more
	// are refused at once (HTTP 429, SMPP ESME_RBINDFAIL). Default 256.
	KDFQueue int `toml:"kdf_queue"`
	// FreeFailures is how many failed checks a source address, or a
	// username, may make before it is backed off. Default 5.
	FreeFailures int `toml:"free_failures"`
	// BackoffSecs is the first back-off, doubled per further failure up to
	// MaxBackoffSecs. Defaults 1 and 300.
	BackoffSecs    int `toml:"backoff"`
	MaxBackoffSecs int `toml:"max_backoff"`
	// TrackedKeys is the most source addresses, and the most usernames,
	// whose failures are remembered. Default 65536.
	TrackedKeys int `toml:"tracked_keys"`
	// KDFFailurePercent caps the share of the KDF workers' time that
	// failed checks may take (after a burst of 10 s of it); once spent,
	// checks are refused at once (HTTP 429, SMPP ESME_RBINDFAIL) until it
	// refills, except one at a time from a source address with no
	// failure on record (up to one more burst). 100: no cap. Default 10.
	KDFFailurePercent int `toml:"kdf_failure_percent"`
}

// Limits of [auth].
const (
	MaxKDFWorkers     = 256
	MaxKDFQueue       = 1 << 16
	MaxBackoffSecs    = 3600
	MaxTrackedAuthKey = 1 << 22
)

// DefaultAuth returns [auth]'s defaults.
func DefaultAuth() Auth {
	return Auth{KDFQueue: 256, FreeFailures: 5, BackoffSecs: 1, MaxBackoffSecs: 300, TrackedKeys: 65536, KDFFailurePercent: 10}
}

// Backoff is backoff as a duration.
func (a Auth) Backoff() time.Duration { return secs(a.BackoffSecs) }

// MaxBackoff is max_backoff as a duration.
func (a Auth) MaxBackoff() time.Duration { return secs(a.MaxBackoffSecs) }

// validateAuth checks [auth] and admin_password's form and exposure.
func validateAuth(v *validator, c Config) {
	a := c.Auth
	const auth = "auth"
	v.between(auth, "kdf_workers", a.KDFWorkers, 0, MaxKDFWorkers, "workers, 0 for half the CPUs")
	v.between(auth, "kdf_queue", a.KDFQueue, 1, MaxKDFQueue, "checks")
	v.between(auth, "free_failures", a.FreeFailures, 1, 1000, "failures")
	v.between(auth, "backoff", a.BackoffSecs, 1, MaxBackoffSecs, "seconds")
	v.between(auth, "max_backoff", a.MaxBackoffSecs, max(1, a.BackoffSecs), MaxBackoffSecs, "seconds, at least backoff")
	v.between(auth, "tracked_keys", a.TrackedKeys, 16, MaxTrackedAuthKey, "keys")
	v.between(auth, "kdf_failure_percent", a.KDFFailurePercent, 1, 100, "percent of the KDF workers' time, 100 for no cap")

	if c.JCli.Authentication || c.JCli.AdminPassword != "" {
		if _, err := ParseAdminSecret(c.JCli.AdminPassword); err != nil {
			v.add("jcli", "admin_password", "%v (gwd -hash-password prints a pbkdf2-sha256 hash of a password read from standard input)", err)
			return
		}
	}
	checkAdminExposure(v, c)
}
