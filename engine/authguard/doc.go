// Package authguard owns the slow secret checks of every listening surface
// (SMPP binds, the HTTP and REST APIs, the admin API, the Junebug API and
// jCli): one pool of a fixed number of workers with a bounded queue that
// runs every KDF (PBKDF2, bcrypt), and the back-off tables that refuse
// further uncached attempts, at once, from a source address or for a
// username that keeps failing.
//
// A check the caller can decide from its cache of known-good passwords
// never comes here: it is answered on the caller's goroutine, with no
// lock and no allocation, even while its source or username is backed
// off, so an attacker cannot lock a working client out. Everything else
// is either queued for the pool or refused at once with a *Refused
// (HTTP 429 with Retry-After, SMPP ESME_RBINDFAIL): a full queue, or a
// source address or username in back-off. Nothing here sleeps on a
// caller's goroutine, and nothing grows without a bound: the queue has a
// fixed length and each back-off table a fixed number of entries.
package authguard
