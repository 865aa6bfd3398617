package gateway

import (
	"testing"

	"github.com/gwd-project/gwd/engine/manage"
	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/router/ledger"
	"github.com/gwd-project/gwd/router/script"
	"github.com/gwd-project/gwd/smpp"
	"github.com/gwd-project/gwd/smsc"
)

func TestRoutingConfigurationSurvivesRestart(t *testing.T) {
	e := newEnv(t, smsc.Config{}, nil)
	f, err := router.NewFilter("DestinationAddrFilter", "to44", map[string]string{"destination_addr": "^44"})
	if err != nil {
		t.Fatal(err)
	}
	rt, err := router.NewMTRoute(router.RouteStaticMT, 10, []router.Filter{f}, []string{"sim"}, ledger.Money(2*ledger.MoneyUnit))
	if err != nil {
		t.Fatal(err)
	}
	e.g.do(t, func(tx *manage.Tx) error {
		if err := tx.AddFilter(f); err != nil {
			return err
		}
		return tx.PutRoute(router.MT, rt)
	})
	if err := e.g.Close(); err != nil {
		t.Fatal(err)
	}
	// Reopen without configuring anything: what was saved is back.
	g, err := Open(e.g.Config(), Options{SMPPAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if err := g.Start(); err != nil {
		t.Fatal(err)
	}
	if u := g.Accounts().UserByUsername("user1"); u == nil || !router.VerifyPassword(u.PasswordHash, "pass1") {
		t.Fatal("user1 did not survive the restart with its password")
	}
	if g.mtTable.Len() != 2 || g.moTable.Len() != 1 {
		t.Fatalf("tables after restart: %d MT routes, %d MO routes", g.mtTable.Len(), g.moTable.Len())
	}
	got, ok := g.mtTable.Get(10)
	if !ok || got.Rate != ledger.Money(2*ledger.MoneyUnit) || got.FilterList() != rt.FilterList() {
		t.Fatalf("route 10 after restart: %+v", got)
	}
	if g.Connector("sim") == nil || !g.Connector("sim").Running() {
		t.Fatal("connector sim not back and started")
	}
}

func TestProfilesPersistAndLoad(t *testing.T) {
	e := newEnv(t, smsc.Config{}, nil)
	if err := e.g.mgr.Persist("snap"); err != nil {
		t.Fatal(err)
	}
	e.g.do(t, func(tx *manage.Tx) error { tx.FlushRoutes(router.MT); return nil })
	if err := e.g.mgr.Load("snap"); err != nil {
		t.Fatal(err)
	}
	if e.g.mtTable.Len() != 1 {
		t.Fatalf("MT routes after load: %d", e.g.mtTable.Len())
	}
	if err := e.g.mgr.Load("missing"); err == nil {
		t.Fatal("loading a profile never persisted succeeded")
	}
	if e.g.mtTable.Len() != 1 {
		t.Fatal("a failed load changed the configuration")
	}
}

func TestMTInterceptorRewritesRejectsAndBypasses(t *testing.T) {
	e := newEnv(t, smsc.Config{}, nil)
	e.waitUp()
	src := `
dst = routable.pdu.params['destination_addr']
if dst.startswith('999'):
    smpp_status = 0x0B
elif dst.startswith('000'):
    smpp_status = 0
else:
    routable.pdu.params['destination_addr'] = '44' + dst
`
	ic, err := router.NewMTInterceptor(router.InterceptorDefault, 0, nil, src, script.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.g.mtICs.Add(ic); err != nil {
		t.Fatal(err)
	}
	s, a := e.mustBind(smpp.BindTransmitter)
	for i, dst := range []string{"33600000001", "99900000000", "00000000000"} {
		p := submit(dst, 0, "intercepted")
		if _, err := s.Send(&p, i); err != nil {
			t.Fatal(err)
		}
	}
	waitUntil(t, "responses", func() bool { r, _ := a.counts(); return r == 3 })
	resps, _ := a.snapshot()
	byCtx := map[int]smpp.Status{}
	a.mu.Lock()
	for i, c := range a.ctxs {
		byCtx[c.(int)] = resps[i].Status
	}
	a.mu.Unlock()
	if byCtx[0] != smpp.ESME_ROK || byCtx[1] != smpp.ESME_RINVDSTADR || byCtx[2] != smpp.ESME_ROK {
		t.Fatalf("statuses %v; want OK, ESME_RINVDSTADR (0x0B from the script), OK (bypass)", byCtx)
	}
	waitUntil(t, "the rewritten message at the SMSC", func() bool { return e.sim.Stats().Total.SubmitOK >= 1 })
	if got := e.sim.Stats().Total.Submits; got != 1 {
		t.Fatalf("SMSC got %d submits, want 1 (rejected and bypassed ones are not sent)", got)
	}
	if n := e.g.smpps.Stats.InterceptorCount.Load(); n != 3 {
		t.Fatalf("smppsapi_interceptor_count %d, want 3", n)
	}
}

func TestChargingContinuesAfterRestart(t *testing.T) {
	e := newEnv(t, smsc.Config{}, nil)
	rt, _ := router.NewMTRoute(router.RouteDefault, 0, nil, []string{"sim"}, ledger.Money(500_000))
	e.g.do(t, func(tx *manage.Tx) error {
		tx.FlushRoutes(router.MT)
		if err := tx.PutRoute(router.MT, rt); err != nil {
			return err
		}
		return tx.SetCounters("u1", ledger.Counters{Balance: 10 * ledger.MoneyUnit, HasBalance: true})
	})
	if err := e.g.Close(); err != nil {
		t.Fatal(err)
	}
	g, err := Open(e.g.Config(), Options{SMPPAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if err := g.Start(); err != nil {
		t.Fatal(err)
	}
	e.g = g
	if c, err := g.Counters("u1"); err != nil || !c.HasBalance || c.Balance != 10*ledger.MoneyUnit {
		t.Fatalf("the ledger's balance after restart: %+v %v, want 10", c, err)
	}
	e.waitUp()
	s, a := e.mustBind(smpp.BindTransmitter)
	sendN(t, s, a, 1, 0)
	waitUntil(t, "the charge after a restart", func() bool {
		c, _ := g.Counters("u1")
		return c.Balance == 9_500_000
	})
}
