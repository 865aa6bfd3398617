package admin

import (
	"time"

	"github.com/gwd-project/gwd/engine/authguard"
	"github.com/gwd-project/gwd/engine/logring"
	"github.com/gwd-project/gwd/engine/smpps"
)

// Deps are what the admin API works on besides the configuration.
type Deps struct {
	// Admin is [jcli]'s admin account, which every request authenticates
	// as, checked through the shared password-check pool and its
	// back-off.
	Admin *authguard.Admin
	// SMPP is the SMPP server API: *smpps.Server.
	SMPP SMPPServer
	// DeadLetters serves /deadletters of the callback kinds
	// (deadletters.go); nil: 404. Kind "outbox" is served by SMPP.
	DeadLetters DeadLetterStore
}

// SMPPServer is the SMPP server API as the admin API uses it: its users'
// sessions (user views, stats, unbind and ban) and its counters.
type SMPPServer interface {
	Binds(uid string) int
	LastReceived(uid string) time.Time
	OutboxLen(uid string) int
	Unbind(uid string) int
	Ban(uid string) int
	Counters() *smpps.Stats
}

// LogSource is where connectors' recent logs are read, and told which
// connectors ask for privacy; *logring.Handler satisfies it.
type LogSource interface {
	Recent(cid string, n int) []logring.Record
	SetPrivacy(cid string, on bool)
}

var _ LogSource = (*logring.Handler)(nil)
