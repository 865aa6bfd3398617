package jcli

import (
	"time"

	"github.com/gwd-project/gwd/engine/authguard"
	"github.com/gwd-project/gwd/engine/smpps"
)

// Deps are what the console works on besides the configuration.
type Deps struct {
	// Admin is the account sessions log in as, checked through the
	// shared password-check pool and its back-off.
	Admin *authguard.Admin
	// SMPP is the SMPP server API (unbind, ban, binds, stats); nil when it
	// is not running.
	SMPP SMPPServer
	// HTTPAPI, when set, reports the HTTP API's counters (`stats
	// --httpapi`).
	HTTPAPI HTTPAPIStatser
	// Users, when set, reports per-user counters (`stats --user`, `stats
	// --users`).
	Users UserStatser
}

// SMPPServer is the SMPP server API as the console uses it:
// *smpps.Server.
type SMPPServer interface {
	Unbind(uid string) int
	Ban(uid string) int
	Binds(uid string) int
	LastReceived(uid string) time.Time
	// Counters are the server's counters (`stats --smppsapi`).
	Counters() *smpps.Stats
}

// HTTPAPIStatser reports the HTTP API's counters (`stats --httpapi`):
// Jasmin's item names (request_count, success_count, auth_error_count …;
// times as unix seconds under the *_at names). Items it does not report
// show ND.
type HTTPAPIStatser interface {
	HTTPAPIStats() map[string]int64
}

// UserStatser reports per-user counters (`stats --user`, `stats
// --users`): Jasmin's item names per section, times as unix seconds under
// the *_at names. Items it does not report show ND.
type UserStatser interface {
	UserStats(uid string) (smpps, httpapi map[string]int64)
}
