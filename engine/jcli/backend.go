package jcli

import (
	"github.com/gwd-project/gwd/engine/authguard"
	"github.com/gwd-project/gwd/engine/gateway"
	"github.com/gwd-project/gwd/engine/smppc"
	"github.com/gwd-project/gwd/engine/smpps"
	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/router/ledger"
)

// Backend is what the console manages; *gateway.Gateway satisfies it.
//
// Routing objects (users, groups, filters, routes, interceptors) are
// changed in the router's registries and tables, then made durable with
// Save; connector methods persist by themselves. Users' balance and
// sms_count live in the store's counters (Counters / SetCounters), the
// ledger that charging debits.
type Backend interface {
	Accounts() *router.Accounts
	// Admin is [jcli]'s admin account, checked through the shared
	// password-check pool and its back-off.
	Admin() *authguard.Admin
	Filters() *router.FilterSet
	MTTable() *router.MTTable
	MOTable() *router.MOTable
	MTInterceptors() *router.MTInterceptorTable
	MOInterceptors() *router.MOInterceptorTable
	// Known reports whether a route target exists (router.KnownConnector).
	Known(kind, id string) bool
	// Save writes the whole routing configuration durably.
	Save() error
	// Persist copies the live configuration to a named profile; Load
	// replaces the live configuration with one.
	Persist(profile string) error
	Load(profile string) error

	Counters(uid string) (ledger.Counters, error)
	SetCounters(uid string, c ledger.Counters) error
	// ApplyQuota applies quota balance/sms_count lines to the ledger
	// under its lock (no charge made meanwhile is lost) and to the
	// router's view of the user; it returns the ledger before and after.
	ApplyQuota(uid string, q *router.QuotaEdit) (before, after ledger.Counters, err error)

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

	// SMPPServer is the SMPP server API (stats, binds, unbind, ban).
	SMPPServer() *smpps.Server
}

// HTTPAPIStatser is optionally implemented by a Backend that can report
// the HTTP API's counters (`stats --httpapi`): Jasmin's item names
// (request_count, success_count, auth_error_count …; times as unix
// seconds under the *_at names). Items it does not report show ND.
type HTTPAPIStatser interface {
	HTTPAPIStats() map[string]int64
}

var _ Backend = (*gateway.Gateway)(nil)
