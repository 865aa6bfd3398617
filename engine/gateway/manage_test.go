package gateway

import (
	"testing"

	"github.com/gwd-project/gwd/engine/manage"
	"github.com/gwd-project/gwd/engine/smppc"
	"github.com/gwd-project/gwd/router"
)

// Configuration changes in these tests go through the gateway's manager,
// as jCli's and the admin API's do.

func (g *Gateway) do(t testing.TB, fn func(tx *manage.Tx) error) {
	t.Helper()
	if err := g.mgr.Do(fn); err != nil {
		t.Fatal(err)
	}
}

func (g *Gateway) AddConnector(cfg smppc.Config) error {
	return g.mgr.Do(func(tx *manage.Tx) error { return tx.AddConnector(cfg) })
}

func (g *Gateway) UpdateConnector(cfg smppc.Config) error {
	return g.mgr.Do(func(tx *manage.Tx) error { return tx.UpdateConnector(cfg) })
}

func (g *Gateway) StartConnector(cid string) error {
	return g.mgr.Do(func(tx *manage.Tx) error { return tx.StartConnector(cid) })
}

func (g *Gateway) StopConnector(cid string) error {
	return g.mgr.Do(func(tx *manage.Tx) error { return tx.StopConnector(cid) })
}

func (g *Gateway) AddHTTPConnector(h HTTPConnector) error {
	return g.mgr.Do(func(tx *manage.Tx) error { return tx.PutHTTPConnector(h) })
}

// configure sets up what every test starts from: group g1, user u1
// (user1 / pass1), connector sim (started) to conn, an MT DefaultRoute to
// it and an MO DefaultRoute to smpps(u1); all of it durable.
func (g *Gateway) configure(t testing.TB, conn smppc.Config) {
	t.Helper()
	u, err := router.NewUser("u1", "g1", "user1", "pass1")
	if err != nil {
		t.Fatal(err)
	}
	rt, err := router.NewMTRoute(router.RouteDefault, 0, nil, []string{"sim"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	mo, err := router.NewMORoute(router.RouteDefault, 0, nil, []string{"smpps(u1)"})
	if err != nil {
		t.Fatal(err)
	}
	g.do(t, func(tx *manage.Tx) error {
		for _, step := range []func() error{
			func() error { return tx.AddGroup("g1") },
			func() error { return tx.AddUser(u) },
			func() error { return tx.AddConnector(conn) },
			func() error { return tx.StartConnector("sim") },
			func() error { return tx.PutRoute(router.MT, rt) },
			func() error { return tx.PutRoute(router.MO, mo) },
		} {
			if err := step(); err != nil {
				return err
			}
		}
		return nil
	})
}
