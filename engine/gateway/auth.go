package gateway

import (
	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/engine/authguard"
)

// newAuth builds the password-check pool every surface shares ([auth])
// and the admin account of [jcli].
func (g *Gateway) newAuth(cfg config.Config) {
	a := cfg.Auth
	g.guard = authguard.New(authguard.Config{
		Workers:      a.KDFWorkers,
		Queue:        a.KDFQueue,
		FreeFailures: a.FreeFailures,
		BaseBackoff:  a.Backoff(),
		MaxBackoff:   a.MaxBackoff(),
		TableSize:    a.TrackedKeys,
		// FailurePercent: config validates 1-100.
		FailurePercent: a.KDFFailurePercent,
	})
	g.guard.Publish()
	adm, err := authguard.NewAdmin(g.guard, cfg.JCli)
	if err != nil {
		g.log.Warn("the admin account refuses every password", "err", err)
	}
	g.admin = adm
}

// AuthGuard is the pool and back-off that every slow password check goes
// through (SMPP binds, HTTP APIs, the admin API, Junebug, jCli).
func (g *Gateway) AuthGuard() *authguard.Guard { return g.guard }
