package admin

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
)

func TestChangeNotSavedIsUndoneAndReported(t *testing.T) {
	e := newEnv(t)
	e.must(http.StatusCreated, "POST", "/admin/groups", map[string]any{"gid": "g1"})
	e.store.Fail(true)
	srv := e.srv

	r := e.must(http.StatusInternalServerError, "POST", "/admin/groups", map[string]any{"gid": "g2"})
	if r.body["error"] == nil {
		t.Fatalf("500 without an error: %s", r.raw)
	}
	if _, ok := e.g.Accounts().Group("g2"); ok {
		t.Fatal("an unsaved group stayed")
	}
	e.must(http.StatusInternalServerError, "POST", "/admin/users", map[string]any{"uid": "u1", "gid": "g1", "username": "u1", "password": "p"})
	if e.g.Accounts().User("u1") != nil {
		t.Fatal("an unsaved user stayed")
	}
	e.must(http.StatusInternalServerError, "POST", "/admin/filters", map[string]any{"type": "TransparentFilter", "fid": "TF"})
	if e.m().Filters().Len() != 0 {
		t.Fatal("an unsaved filter stayed")
	}
	if srv.Stats.SaveErrors.Load() != 3 {
		t.Fatalf("SaveErrors = %d", srv.Stats.SaveErrors.Load())
	}
}

func TestConcurrentChanges(t *testing.T) {
	e := newEnv(t)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 5 {
				r := e.call("POST", "/admin/groups", map[string]any{"gid": fmt.Sprintf("g%d_%d", w, i)})
				if r.status != http.StatusCreated {
					t.Errorf("create: %d %s", r.status, r.raw)
				}
				e.call("GET", "/admin/groups", nil)
			}
		}()
	}
	wg.Wait()
	e.reopen()
	if r := e.must(http.StatusOK, "GET", "/admin/groups", nil); r.body["total"] != 20.0 {
		t.Fatalf("after restart: %s", r.raw)
	}
}
