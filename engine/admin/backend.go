package admin

import (
	"github.com/gwd-project/gwd/engine/authguard"
	"github.com/gwd-project/gwd/engine/gateway"
	"github.com/gwd-project/gwd/engine/logring"
	"github.com/gwd-project/gwd/engine/smppc"
	"github.com/gwd-project/gwd/engine/smpps"
	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/router/ledger"
)

// Backend is the gateway as the admin API sees it; *gateway.Gateway
// satisfies it.
type Backend interface {
	Accounts() *router.Accounts
	Filters() *router.FilterSet
	MTTable() *router.MTTable
	MOTable() *router.MOTable
	MTInterceptors() *router.MTInterceptorTable
	MOInterceptors() *router.MOInterceptorTable
	// Known reports whether a route target exists (router.KnownConnector).
	Known(kind, id string) bool

	Connectors() []*smppc.Connector
	Connector(cid string) *smppc.Connector
	AddConnector(cfg smppc.Config) error
	UpdateConnector(cfg smppc.Config) error
	RemoveConnector(cid string) error
	StartConnector(cid string) error
	StopConnector(cid string) error

	HTTPConnectors() []gateway.HTTPConnector
	HTTPConnector(cid string) (gateway.HTTPConnector, bool)
	AddHTTPConnector(h gateway.HTTPConnector) error
	RemoveHTTPConnector(cid string) error

	// Save makes the routing configuration durable (after every change).
	Save() error
	// Persist and Load name and restore configuration snapshots.
	Persist(profile string) error
	Load(profile string) error

	// Counters and SetCounters are the users' balance and sms_count
	// ledger.
	Counters(uid string) (ledger.Counters, error)
	SetCounters(uid string, c ledger.Counters) error
	// ApplyQuota applies quota balance/sms_count lines to the ledger
	// under its lock (no charge made meanwhile is lost) and to the
	// router's view of the user; it returns the ledger before and after.
	ApplyQuota(uid string, q *router.QuotaEdit) (before, after ledger.Counters, err error)

	SMPPServer() *smpps.Server
	// Admin is [jcli]'s admin account, checked through the shared
	// password-check pool and its back-off.
	Admin() *authguard.Admin
}

var _ Backend = (*gateway.Gateway)(nil)

// LogSource is where connectors' recent logs are read, and told which
// connectors ask for privacy; *logring.Handler satisfies it.
type LogSource interface {
	Recent(cid string, n int) []logring.Record
	SetPrivacy(cid string, on bool)
}

var _ LogSource = (*logring.Handler)(nil)
