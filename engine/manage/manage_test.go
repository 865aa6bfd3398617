package manage

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gwd-project/gwd/engine/smppc"
	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/router/ledger"
	"github.com/gwd-project/gwd/router/script"
	"github.com/gwd-project/gwd/store"
)

func init() { router.PasswordIterations = 1000 }

// faultyStore is a store whose writes fail on demand; it records what
// each write held.
type faultyStore struct {
	Store
	fail   atomic.Bool
	writes [][]store.ObjectChange
}

func (f *faultyStore) PutObjects(ch []store.ObjectChange) error {
	f.writes = append(f.writes, ch)
	if f.fail.Load() {
		return errors.New("disk full")
	}
	return f.Store.PutObjects(ch)
}

func newManager(t *testing.T) (*Manager, *faultyStore) {
	t.Helper()
	db, err := store.Open(t.TempDir(), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	st := &faultyStore{Store: db}
	m := New(Deps{Store: st, Routing: Routing{Accounts: router.NewAccounts(), Filters: router.NewFilterSet(),
		MT: router.NewMTTable(), MO: router.NewMOTable(), MTI: router.NewMTInterceptorTable(), MOI: router.NewMOInterceptorTable()},
		NewConnector: func(smppc.Config) (*smppc.Connector, error) { return nil, errors.New("no connectors here") }})
	return m, st
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// state is everything the manager holds, as listings show it, and what
// the store holds.
func state(t *testing.T, m *Manager) string {
	t.Helper()
	var b strings.Builder
	acc := m.Accounts()
	b.WriteString(strings.Join(acc.GroupListLines(), "\n") + "\n")
	ul, err := acc.UserListLines("", m.Counters)
	must(t, err)
	b.WriteString(strings.Join(ul, "\n") + "\n")
	for _, u := range acc.Users("") {
		lines, err := acc.ShowLines(u.UID, m.Counters)
		must(t, err)
		c, err := m.Counters(u.UID)
		must(t, err)
		fmt.Fprintf(&b, "%s\n%+v\n", strings.Join(lines, "\n"), c)
	}
	for _, f := range m.Filters().All() {
		b.WriteString(f.ID() + " " + f.Describe() + "\n")
	}
	for _, d := range []router.Direction{router.MT, router.MO} {
		for _, rt := range m.Routes(d) {
			b.WriteString(rt.Show() + "\n")
		}
		b.WriteString(strings.Join(m.InterceptorListLines(d), "\n") + "\n")
	}
	for _, kind := range []string{router.KindGroup, router.KindUser, router.KindFilter, router.KindMORoute,
		router.KindMOInterceptor, "test"} {
		objs, err := m.st.Objects(kind)
		must(t, err)
		for _, o := range objs {
			fmt.Fprintf(&b, "stored %s/%s %x\n", o.Kind, o.ID, o.Value)
		}
	}
	return b.String()
}

func moRoute(t *testing.T, order int, target string) *router.Route {
	t.Helper()
	typ := router.RouteStaticMO
	var fs []router.Filter
	if order == 0 {
		typ = router.RouteDefault
	} else {
		f, err := router.NewFilter("TransparentFilter", "tf", nil)
		must(t, err)
		fs = []router.Filter{f}
	}
	rt, err := router.NewMORoute(typ, order, fs, []string{target})
	must(t, err)
	return rt
}

// TestFailedChangeUndoesExactlyItself: every operation of a change whose
// write fails is taken back, leaving the live objects and the store as
// they were, users and groups in their order; a change that succeeds
// writes only the objects it touched.
func TestFailedChangeUndoesExactlyItself(t *testing.T) {
	m, st := newManager(t)
	u := func(uid string) *router.User {
		u, err := router.NewUser(uid, "g1", "name"+uid, "pw")
		must(t, err)
		return u
	}
	tf, err := router.NewFilter("TransparentFilter", "tf", nil)
	must(t, err)
	ic, err := router.NewMOInterceptor(router.InterceptorDefault, 0, nil, "routable.addTag(1)", script.DefaultLimits)
	must(t, err)
	must(t, m.Do(func(tx *Tx) error {
		return errors.Join(tx.AddGroup("g1"), tx.AddGroup("g2"), tx.AddUser(u("u1")), tx.AddUser(u("u2")), tx.AddUser(u("u3")),
			tx.SetCounters("u2", ledger.Counters{Balance: 10 * ledger.MoneyUnit, HasBalance: true}),
			tx.AddFilter(tf), tx.PutRoute(router.MO, moRoute(t, 0, "smpps(u1)")), tx.PutRoute(router.MO, moRoute(t, 5, "smpps(u2)")),
			tx.PutInterceptor(router.MO, ic))
	}))
	before := state(t, m)

	ops := map[string]func(tx *Tx) error{
		"add group":     func(tx *Tx) error { return tx.AddGroup("g3") },
		"disable group": func(tx *Tx) error { return tx.SetGroupEnabled("g1", false) },
		"remove group":  func(tx *Tx) error { return tx.RemoveGroup("g2") },
		"add user":      func(tx *Tx) error { return tx.AddUser(u("u4")) },
		"update user": func(tx *Tx) error {
			return tx.UpdateUser("u2", router.Change{Key: "gid", Arg: "g2"},
				router.Change{Key: router.CredMT, Arg: "quota balance +5"})
		},
		"disable user":   func(tx *Tx) error { return tx.SetUserEnabled("u1", false) },
		"set credential": func(tx *Tx) error { return tx.SetCredential("u3", router.CredSMPPS, "authorization", "bind", "False") },
		"set balance":    func(tx *Tx) error { return tx.SetCredential("u2", router.CredMT, "quota", "balance", "-3") },
		"remove user":    func(tx *Tx) error { return tx.RemoveUser("u2") },
		"set counters":   func(tx *Tx) error { return tx.SetCounters("u1", ledger.Counters{SMS: 3, HasSMS: true}) },
		"add filter": func(tx *Tx) error {
			f, err := router.NewFilter("DestinationAddrFilter", "to33", map[string]string{"destination_addr": "^33"})
			must(t, err)
			return tx.AddFilter(f)
		},
		"replace route":      func(tx *Tx) error { return tx.PutRoute(router.MO, moRoute(t, 5, "smpps(u3)")) },
		"add route":          func(tx *Tx) error { return tx.PutRoute(router.MO, moRoute(t, 7, "smpps(u3)")) },
		"remove route":       func(tx *Tx) error { return tx.RemoveRoute(router.MO, 5) },
		"flush routes":       func(tx *Tx) error { tx.FlushRoutes(router.MO); return nil },
		"remove interceptor": func(tx *Tx) error { return tx.RemoveInterceptor(router.MO, 0) },
		"flush interceptors": func(tx *Tx) error { tx.FlushInterceptors(router.MO); return nil },
		"record":             func(tx *Tx) error { tx.PutRecord("test", "r1", []byte("v")); return nil },
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for k := range ops {
			if !yield(k) {
				return
			}
		}
	})
	// One at a time, then all at once. Counters are the ledger, written
	// at once, not configuration objects: alone, setting them writes no
	// object and cannot fail that way.
	for _, name := range names {
		if name == "set counters" || name == "set balance" {
			continue
		}
		st.fail.Store(true)
		err := m.Do(ops[name])
		st.fail.Store(false)
		var se *SaveError
		if !errors.As(err, &se) {
			t.Fatalf("%s: %v, want a SaveError", name, err)
		}
		if after := state(t, m); after != before {
			t.Fatalf("%s left a change behind:\n%s\nwant:\n%s", name, after, before)
		}
	}
	st.fail.Store(true)
	err = m.Do(func(tx *Tx) error {
		for _, name := range names {
			if name == "remove group" || name == "remove user" {
				continue // u2 moves to g2 and is removed by other steps
			}
			if err := ops[name](tx); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
		return nil
	})
	st.fail.Store(false)
	if after := state(t, m); err == nil || after != before {
		t.Fatalf("all at once (%v) left a change behind:\n%s\nwant:\n%s", err, after, before)
	}

	// A change writes what it touched, nothing else.
	st.writes = nil
	must(t, m.Do(ops["disable user"]))
	if len(st.writes) != 1 || len(st.writes[0]) != 1 || st.writes[0][0].Kind != router.KindUser || st.writes[0][0].ID != "u1" {
		t.Fatalf("writes of a user change: %+v", st.writes)
	}
}

// TestPanicUndoesAndReleases: a change that panics is undone and the lock
// released; the panic goes on to the caller.
func TestPanicUndoesAndReleases(t *testing.T) {
	m, _ := newManager(t)
	before := state(t, m)
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the panic did not reach the caller")
			}
		}()
		_ = m.Do(func(tx *Tx) error {
			must(t, tx.AddGroup("g1"))
			panic("injected")
		})
	}()
	if after := state(t, m); after != before {
		t.Fatalf("a panicked change stayed:\n%s", after)
	}
	must(t, m.Do(func(tx *Tx) error { return tx.AddGroup("g1") }))
}
