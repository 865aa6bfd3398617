package router

import (
	"testing"
	"time"

	"github.com/gwd-project/gwd/router/script"
)

// LookupInline never runs a script: it answers what Lookup answers when
// the route that takes the message has no script and none above it needs
// one, and defers otherwise; interceptor tables alike.
func TestLookupInlineDefersOnlyForScripts(t *testing.T) {
	// The script fails when run: each run counts an error.
	py, err := NewEvalPyFilter("PY", "result = routable.nope", script.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	to33 := rtMustFilter(t, DestinationAddrFilterType, "DA-33", map[string]string{"destination_addr": "^33"})
	to44 := rtMustFilter(t, DestinationAddrFilterType, "DA-44", map[string]string{"destination_addr": "^44"})
	tab := NewMTTable()
	for _, r := range []struct {
		order int
		fl    []Filter
		conn  string
	}{{30, []Filter{to44, py}, "scripted"}, {20, []Filter{to33}, "plain"}} {
		rt, err := NewMTRoute(RouteStaticMT, r.order, r.fl, []string{r.conn}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := tab.Add(rt, nil); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	if _, conn, ok, deferred := tab.LookupInline(rtTestMT("u", "g", "s", "3361", "x", now), nil); !ok || deferred || conn != "plain" {
		t.Fatalf("to 33: %q %v deferred %v, want plain at once", conn, ok, deferred)
	}
	if _, _, ok, deferred := tab.LookupInline(rtTestMT("u", "g", "s", "4461", "x", now), nil); ok || !deferred {
		t.Fatalf("to 44 (a script decides): ok %v deferred %v, want deferred", ok, deferred)
	}
	if _, _, ok, deferred := tab.LookupInline(rtTestMT("u", "g", "s", "5561", "x", now), nil); ok || deferred {
		t.Fatalf("to 55 (no route): ok %v deferred %v", ok, deferred)
	}
	if py.Errors() != 0 {
		t.Fatalf("LookupInline ran the script %d times", py.Errors())
	}
	if _, _, ok := tab.Lookup(rtTestMT("u", "g", "s", "4461", "x", now), nil); ok || py.Errors() != 1 {
		t.Fatalf("Lookup to 44: ok %v, script runs %d, want the script run once and no route", ok, py.Errors())
	}

	ics := NewMTInterceptorTable()
	ic, err := NewMTInterceptor(InterceptorStaticMT, 10, []Filter{to44, py}, "pass", script.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if err := ics.Add(ic); err != nil {
		t.Fatal(err)
	}
	if _, ok, deferred := ics.LookupInline(rtTestMT("u", "g", "s", "3361", "x", now)); ok || deferred {
		t.Fatalf("interceptor, to 33: ok %v deferred %v, want no match at once", ok, deferred)
	}
	if _, ok, deferred := ics.LookupInline(rtTestMT("u", "g", "s", "4461", "x", now)); ok || !deferred {
		t.Fatalf("interceptor, to 44: ok %v deferred %v, want deferred", ok, deferred)
	}
	if py.Errors() != 1 {
		t.Fatalf("LookupInline ran the interceptor's filter script")
	}
}
