package store

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

func cfgPut(t testing.TB, db *DB, kind, id, v string) {
	t.Helper()
	if err := db.PutObject(kind, id, []byte(v)); err != nil {
		t.Fatalf("put %s/%s: %v", kind, id, err)
	}
}

func cfgList(t testing.TB, db *DB, kind string) string {
	t.Helper()
	objs, err := db.Objects(kind)
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, o := range objs {
		if o.Kind != kind {
			t.Fatalf("object %s/%s listed under %s", o.Kind, o.ID, kind)
		}
		parts = append(parts, o.ID+"="+string(o.Value))
	}
	return strings.Join(parts, " ")
}

// configKeys counts every key in the ksConfig keyspace.
func cfgKeyCount(t testing.TB, db *DB) int {
	t.Helper()
	it, err := db.pdb.NewIter(&pebble.IterOptions{LowerBound: []byte{ksConfig}, UpperBound: []byte{ksConfig + 1}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for it.First(); it.Valid(); it.Next() {
		n++
	}
	if err := it.Close(); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestConfigPutGetListDelete(t *testing.T) {
	db := openTest(t, Options{})
	cfgPut(t, db, "user", "u2", `{"uid":"u2"}`)
	cfgPut(t, db, "user", "u1", `{"uid":"u1"}`)
	cfgPut(t, db, "group", "g1", `{}`)
	cfgPut(t, db, "users", "x", `kind is a prefix of another kind`)
	cfgPut(t, db, "user", "u1", `{"uid":"u1","v":2}`) // replaces

	v, err := db.Object("user", "u1")
	if err != nil || string(v) != `{"uid":"u1","v":2}` {
		t.Fatalf("get u1: %q %v", v, err)
	}
	v[0] = 'X' // a copy: the store is not changed
	if v, _ := db.Object("user", "u1"); v[0] != '{' {
		t.Fatal("Object returned the store's memory")
	}
	if _, err := db.Object("user", "nobody"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing object: %v", err)
	}
	if got := cfgList(t, db, "user"); got != `u1={"uid":"u1","v":2} u2={"uid":"u2"}` {
		t.Fatalf("users: %s", got)
	}
	if got := cfgList(t, db, "group"); got != `g1={}` {
		t.Fatalf("groups: %s", got)
	}
	if got := cfgList(t, db, "filter"); got != `` {
		t.Fatalf("filters: %s", got)
	}
	if err := db.DeleteObject("user", "u1"); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteObject("user", "u1"); err != nil { // absent: fine
		t.Fatal(err)
	}
	if _, err := db.Object("user", "u1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted object: %v", err)
	}
	if got := cfgList(t, db, "user"); got != `u2={"uid":"u2"}` {
		t.Fatalf("users after delete: %s", got)
	}
	// Empty values are values.
	cfgPut(t, db, "filter", "f", "")
	if v, err := db.Object("filter", "f"); err != nil || len(v) != 0 {
		t.Fatalf("empty value: %q %v", v, err)
	}
}

func TestConfigPutObjectsAtomic(t *testing.T) {
	db := openTest(t, Options{})
	cfgPut(t, db, "mtroute", "0", "old default")
	cfgPut(t, db, "mtroute", "20", "old 20")
	err := db.PutObjects([]ObjectChange{
		{Kind: "mtroute", ID: "20", Delete: true},
		{Kind: "mtroute", ID: "0", Value: []byte("new default")},
		{Kind: "mtroute", ID: "10", Value: []byte("new 10")},
		{Kind: "mtroute", ID: "10", Value: []byte("new 10 again")}, // in order: last wins
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := cfgList(t, db, "mtroute"); got != "0=new default 10=new 10 again" {
		t.Fatalf("routes: %s", got)
	}
	// One bad change: nothing at all is written.
	before := cfgKeyCount(t, db)
	err = db.PutObjects([]ObjectChange{
		{Kind: "mtroute", ID: "30", Value: []byte("x")},
		{Kind: "mtroute", ID: "", Value: []byte("y")},
	})
	if !errors.Is(err, ErrInvalidName) || !strings.Contains(err.Error(), "change 1") || !strings.Contains(err.Error(), "id") {
		t.Fatalf("bad change: %v", err)
	}
	if after := cfgKeyCount(t, db); after != before {
		t.Fatalf("%d keys before, %d after a refused PutObjects", before, after)
	}
	if err := db.PutObjects(nil); err != nil {
		t.Fatal(err)
	}
}

// A reader listing a table while it is swapped sees the old table or the
// new one, never a mixture.
func TestConfigPutObjectsReadersSeeAllOrNothing(t *testing.T) {
	db := openTest(t, Options{NoSync: true})
	const n = 20
	table := func(gen int) []ObjectChange {
		ch := make([]ObjectChange, n)
		for i := range ch {
			ch[i] = ObjectChange{Kind: "mtroute", ID: fmt.Sprintf("%03d", i), Value: []byte(fmt.Sprint(gen))}
		}
		return ch
	}
	if err := db.PutObjects(table(0)); err != nil {
		t.Fatal(err)
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for gen := 1; gen <= 200; gen++ {
			if err := db.PutObjects(table(gen)); err != nil {
				t.Error(err)
				return
			}
		}
		stop.Store(true)
	}()
	reads := 0
	for !stop.Load() || reads == 0 {
		objs, err := db.Objects("mtroute")
		if err != nil {
			t.Fatal(err)
		}
		if len(objs) != n {
			t.Fatalf("%d routes listed", len(objs))
		}
		for _, o := range objs {
			if !bytes.Equal(o.Value, objs[0].Value) {
				t.Fatalf("mixed generations: %s=%s and %s=%s", objs[0].ID, objs[0].Value, o.ID, o.Value)
			}
		}
		reads++
	}
	wg.Wait()
}

func TestConfigProfiles(t *testing.T) {
	db := openTest(t, Options{})
	cfgPut(t, db, "user", "u1", "one")
	cfgPut(t, db, "group", "g1", "G")

	if ok, err := db.IsPersisted("jcli-prod"); ok || err != nil {
		t.Fatalf("never persisted: %v %v", ok, err)
	}
	if err := db.Load("jcli-prod"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("load of a missing profile: %v", err)
	}
	if got := cfgList(t, db, "user"); got != "u1=one" {
		t.Fatalf("failed load changed the live config: %s", got)
	}
	if err := db.Persist("jcli-prod"); err != nil {
		t.Fatal(err)
	}
	if ok, err := db.IsPersisted("jcli-prod"); !ok || err != nil {
		t.Fatalf("just persisted: %v %v", ok, err)
	}

	// Change live: no longer persisted; each kind of change counts.
	cfgPut(t, db, "user", "u2", "two")
	if ok, _ := db.IsPersisted("jcli-prod"); ok {
		t.Fatal("added object: still persisted")
	}
	if err := db.DeleteObject("user", "u2"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := db.IsPersisted("jcli-prod"); !ok {
		t.Fatal("back to the persisted state: not persisted")
	}
	cfgPut(t, db, "user", "u1", "ONE")
	if ok, _ := db.IsPersisted("jcli-prod"); ok {
		t.Fatal("changed value: still persisted")
	}
	if err := db.DeleteObject("group", "g1"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := db.IsPersisted("jcli-prod"); ok {
		t.Fatal("deleted object: still persisted")
	}

	// A second profile, with a name that is a prefix of the first's kind
	// of name, stays apart.
	if err := db.Persist("jcli"); err != nil {
		t.Fatal(err)
	}
	// Load restores exactly the persisted state.
	if err := db.Load("jcli-prod"); err != nil {
		t.Fatal(err)
	}
	if got := cfgList(t, db, "user") + "|" + cfgList(t, db, "group"); got != "u1=one|g1=G" {
		t.Fatalf("after load: %s", got)
	}
	if ok, _ := db.IsPersisted("jcli-prod"); !ok {
		t.Fatal("just loaded: not persisted")
	}
	if ok, _ := db.IsPersisted("jcli"); ok {
		t.Fatal("other profile equals live")
	}
	if err := db.Load("jcli"); err != nil {
		t.Fatal(err)
	}
	if got := cfgList(t, db, "user") + "|" + cfgList(t, db, "group"); got != "u1=ONE|" {
		t.Fatalf("after load jcli: %s", got)
	}

	// Persist replaces the profile: an object gone from live goes from it.
	if err := db.Persist("jcli-prod"); err != nil {
		t.Fatal(err)
	}
	if err := db.Load("jcli-prod"); err != nil {
		t.Fatal(err)
	}
	if got := cfgList(t, db, "group"); got != "" {
		t.Fatalf("persist kept a deleted object: %s", got)
	}

	// An empty configuration persists to an existing, empty profile.
	if err := db.DeleteObject("user", "u1"); err != nil {
		t.Fatal(err)
	}
	if err := db.Persist("empty"); err != nil {
		t.Fatal(err)
	}
	if ok, err := db.IsPersisted("empty"); !ok || err != nil {
		t.Fatalf("empty profile: %v %v", ok, err)
	}
	cfgPut(t, db, "user", "u9", "nine")
	if err := db.Load("empty"); err != nil {
		t.Fatal(err)
	}
	if got := cfgList(t, db, "user"); got != "" {
		t.Fatalf("loading an empty profile left %s", got)
	}

	got, err := db.Profiles()
	if err != nil || strings.Join(got, ",") != "empty,jcli,jcli-prod" {
		t.Fatalf("profiles: %v %v", got, err)
	}
	if err := db.DeleteProfile("jcli"); err != nil {
		t.Fatal(err)
	}
	got, _ = db.Profiles()
	if strings.Join(got, ",") != "empty,jcli-prod" {
		t.Fatalf("profiles after delete: %v", got)
	}
	if err := db.Load("jcli"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("load of a deleted profile: %v", err)
	}
}

func TestConfigSurvivesReopen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfgPut(t, db, "smppcc", "SIM1", `{"host":"127.0.0.1"}`)
	cfgPut(t, db, "httpcc", "HTTP1", `{"url":"http://x"}`)
	if err := db.Persist("jcli-prod"); err != nil {
		t.Fatal(err)
	}
	cfgPut(t, db, "smppcc", "SIM2", `{}`) // live only
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := cfgList(t, db, "smppcc"); got != `SIM1={"host":"127.0.0.1"} SIM2={}` {
		t.Fatalf("live after reopen: %s", got)
	}
	if ok, err := db.IsPersisted("jcli-prod"); ok || err != nil {
		t.Fatalf("is persisted after reopen: %v %v", ok, err)
	}
	if p, _ := db.Profiles(); len(p) != 1 || p[0] != "jcli-prod" {
		t.Fatalf("profiles after reopen: %v", p)
	}
	if err := db.Load("jcli-prod"); err != nil {
		t.Fatal(err)
	}
	if got := cfgList(t, db, "smppcc") + "|" + cfgList(t, db, "httpcc"); got != `SIM1={"host":"127.0.0.1"}|HTTP1={"url":"http://x"}` {
		t.Fatalf("loaded after reopen: %s", got)
	}
}

func TestConfigInvalidNamesRejected(t *testing.T) {
	db := openTest(t, Options{})
	long := strings.Repeat("k", MaxObjectName+1)
	for _, c := range []struct{ kind, id, arg string }{
		{"", "x", "kind"},
		{"user", "", "id"},
		{"us\x00er", "x", "kind"},
		{"user", "a\x00b", "id"},
		{long, "x", "kind"},
		{"user", long, "id"},
	} {
		err := db.PutObject(c.kind, c.id, []byte("v"))
		if !errors.Is(err, ErrInvalidName) || !strings.Contains(err.Error(), c.arg) {
			t.Errorf("put %q/%q: %v (want an error naming %s)", c.kind, c.id, err, c.arg)
		}
		if err := db.DeleteObject(c.kind, c.id); !errors.Is(err, ErrInvalidName) {
			t.Errorf("delete %q/%q: %v", c.kind, c.id, err)
		}
		if _, err := db.Object(c.kind, c.id); !errors.Is(err, ErrInvalidName) {
			t.Errorf("get %q/%q: %v", c.kind, c.id, err)
		}
	}
	if _, err := db.Objects(""); !errors.Is(err, ErrInvalidName) {
		t.Errorf("list kind \"\": %v", err)
	}
	if err := db.PutObject("user", strings.Repeat("i", MaxObjectName), nil); err != nil {
		t.Errorf("id of the maximum length: %v", err)
	}
	if err := db.PutObject("user", "big", make([]byte, MaxObjectSize+1)); err == nil {
		t.Error("oversized object accepted")
	}
	if err := db.DeleteObject("user", strings.Repeat("i", MaxObjectName)); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"", "has space", "slash/x", "nul\x00", "é", strings.Repeat("p", MaxProfileName+1)} {
		for name, f := range map[string]func() error{
			"persist": func() error { return db.Persist(p) },
			"load":    func() error { return db.Load(p) },
			"delete":  func() error { return db.DeleteProfile(p) },
			"is":      func() error { _, err := db.IsPersisted(p); return err },
		} {
			if err := f(); !errors.Is(err, ErrInvalidName) || !strings.Contains(err.Error(), "profile") {
				t.Errorf("%s profile %q: %v", name, p, err)
			}
		}
	}
	if err := db.Persist(strings.Repeat("p", MaxProfileName)); err != nil {
		t.Errorf("profile name of the maximum length: %v", err)
	}
	if err := db.DeleteProfile(strings.Repeat("p", MaxProfileName)); err != nil {
		t.Fatal(err)
	}
	if n := cfgKeyCount(t, db); n != 0 {
		t.Fatalf("%d config keys written by refused calls", n)
	}
}

// Persist and Load racing with object changes stay serialised: every
// profile persisted is a state the live config really had.
func TestConfigPersistLoadConcurrent(t *testing.T) {
	db := openTest(t, Options{NoSync: true})
	var wg sync.WaitGroup
	deadline := time.Now().Add(300 * time.Millisecond)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; time.Now().Before(deadline); i++ {
				// Both objects always carry the same value.
				v := []byte(fmt.Sprintf("%d-%d", w, i))
				if err := db.PutObjects([]ObjectChange{{Kind: "a", ID: "x", Value: v}, {Kind: "b", ID: "x", Value: v}}); err != nil {
					t.Error(err)
					return
				}
				switch i % 3 {
				case 0:
					if err := db.Persist("p"); err != nil {
						t.Error(err)
						return
					}
				case 1:
					if err := db.Load("p"); err != nil && !errors.Is(err, ErrNotFound) {
						t.Error(err)
						return
					}
				}
			}
		}(w)
	}
	wg.Wait()
	if err := db.Load("p"); err != nil {
		t.Fatal(err)
	}
	a, _ := db.Object("a", "x")
	b, _ := db.Object("b", "x")
	if !bytes.Equal(a, b) {
		t.Fatalf("profile is a mixture: %s / %s", a, b)
	}
}

func TestRuntimeKindsStayOutOfProfiles(t *testing.T) {
	RegisterRuntimeKind("test-batch")
	db, err := Open(t.TempDir(), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(db.PutObject("user", "u1", []byte("one")))
	must(db.PutObject("test-batch", "b1", []byte("running")))
	must(db.Persist("snap"))
	if ok, err := db.IsPersisted("snap"); err != nil || !ok {
		t.Fatalf("IsPersisted = %v, %v: runtime objects must not count", ok, err)
	}
	must(db.PutObject("user", "u1", []byte("two")))
	must(db.PutObject("test-batch", "b1", []byte("done")))
	must(db.PutObject("test-batch", "b2", []byte("new")))
	must(db.Load("snap"))
	if v, err := db.Object("user", "u1"); err != nil || string(v) != "one" {
		t.Fatalf("user u1 after load: %q, %v", v, err)
	}
	for id, want := range map[string]string{"b1": "done", "b2": "new"} {
		if v, err := db.Object("test-batch", id); err != nil || string(v) != want {
			t.Fatalf("runtime object %s after load: %q, %v; want %q untouched", id, v, err, want)
		}
	}
}
