package router

import (
	"fmt"
	"testing"
)

// Benchmarks for MT route lookup.
//
//	go test -run '^$' -bench 'MTLookup' -benchmem -count=5 ./router/
//
// The table: 1,000 routes plus a DefaultRoute, filters typical of a
// carrier's MT table over 10,000 users in 100 groups and 50 country codes:
//
//	k%4 == 0: UserFilter + DestinationAddrFilter ^\+?CC[67]\d{8}$ (mobile)
//	k%4 == 1: GroupFilter + DestinationAddrFilter ^\+?CC[67]\d{8}$
//	k%4 == 2: DestinationAddrFilter ^\+?CC[1-5]\d{7,8}$ (fixed lines)
//	k%4 == 3: UserFilter
//
// and the message (user u09999 in group g99 to +33612345678) matches only
// route k=995 (GroupFilter g99 + French mobiles), near the end of the
// table.

var rtBenchCountries = []string{
	"33", "34", "44", "49", "39", "31", "32", "41", "43", "45",
	"46", "47", "48", "351", "352", "353", "354", "355", "356", "357",
	"358", "359", "370", "371", "372", "373", "374", "375", "376", "377",
	"378", "380", "381", "382", "385", "386", "387", "389", "420", "421",
	"423", "212", "213", "216", "218", "220", "221", "222", "223", "224",
}

const (
	rtBenchUsers  = 10_000
	rtBenchGroups = 100
	rtBenchRoutes = 1_000
)

func rtBenchUID(i int) string { return fmt.Sprintf("u%05d", i) }
func rtBenchGID(i int) string { return fmt.Sprintf("g%02d", i) }

func rtBenchTable(b testing.TB) (*MTTable, *Routable) {
	nf := 0
	filter := func(typ, key, val string) Filter {
		nf++
		return rtMustFilter(b, typ, fmt.Sprint("f", nf), map[string]string{key: val})
	}
	mobile := func(cc string) Filter {
		return filter("DestinationAddrFilter", "destination_addr", `^\+?`+cc+`[67]\d{8}$`)
	}
	mt := NewMTTable()
	routes := make([]*Route, 0, rtBenchRoutes+1)
	for k := 0; k < rtBenchRoutes; k++ {
		cc := rtBenchCountries[k%len(rtBenchCountries)]
		var fl []Filter
		switch {
		case k == 995:
			fl = []Filter{filter("GroupFilter", "gid", rtBenchGID(99)), mobile("33")}
		case k%4 == 0:
			fl = []Filter{filter("UserFilter", "uid", rtBenchUID(k*37%rtBenchUsers)), mobile(cc)}
		case k%4 == 1:
			fl = []Filter{filter("GroupFilter", "gid", rtBenchGID(k%rtBenchGroups)), mobile(rtBenchCountries[(k/4)%len(rtBenchCountries)])}
		case k%4 == 2:
			fl = []Filter{filter("DestinationAddrFilter", "destination_addr", `^\+?`+cc+`[1-5]\d{7,8}$`)}
		default:
			fl = []Filter{filter("UserFilter", "uid", rtBenchUID(k*7919%rtBenchUsers))}
		}
		r, err := NewMTRoute(RouteStaticMT, rtBenchRoutes-k, fl, []string{fmt.Sprint("smpp_", k%20)}, 0)
		if err != nil {
			b.Fatal(err)
		}
		routes = append(routes, r)
	}
	def, _ := NewMTRoute(RouteDefault, 0, nil, []string{"smpp_default"}, 0)
	routes = append(routes, def)
	if err := mt.Load(routes, nil); err != nil {
		b.Fatal(err)
	}
	msg := rtTestMT(rtBenchUID(rtBenchUsers-1), rtBenchGID((rtBenchUsers-1)%rtBenchGroups), "33123456", "+33612345678", "hello", rtNoon)
	route, _, ok := mt.t.cur().lookupLinear(msg, nil)
	if !ok || route.Order != rtBenchRoutes-995 {
		b.Fatalf("benchmark message routed to %v, want order %d", route, rtBenchRoutes-995)
	}
	return mt, msg
}

// BenchmarkMTLookup is the indexed lookup (MTTable.Lookup).
func BenchmarkMTLookup(b *testing.B) {
	mt, msg := rtBenchTable(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, ok := mt.Lookup(msg, nil); !ok {
			b.Fatal("no route")
		}
	}
}

// BenchmarkMTLookupLinear is the same lookup without the index: every
// route's filters in descending order, as Jasmin does (the "before").
func BenchmarkMTLookupLinear(b *testing.B) {
	mt, msg := rtBenchTable(b)
	snap := mt.t.cur()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, ok := snap.lookupLinear(msg, nil); !ok {
			b.Fatal("no route")
		}
	}
}

// BenchmarkMTLookupMixed cycles through the 10,000 users, each to a
// destination of one of the 50 countries (most end on the DefaultRoute or
// a user route).
func BenchmarkMTLookupMixed(b *testing.B) {
	mt, _ := rtBenchTable(b)
	msgs := make([]*Routable, rtBenchUsers)
	for i := range msgs {
		cc := rtBenchCountries[i%len(rtBenchCountries)]
		msgs[i] = rtTestMT(rtBenchUID(i), rtBenchGID(i%rtBenchGroups), "33123456", "+"+cc+"6"+fmt.Sprintf("%08d", i), "hello", rtNoon)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, ok := mt.Lookup(msgs[i%len(msgs)], nil); !ok {
			b.Fatal("no route")
		}
	}
}

// BenchmarkMTLookupUnindexed is the worst case for the index: 1,000
// routes whose only filter is a ShortMessageFilter without a literal start
// (every one is a candidate and runs its regexp); the match is the last.
func BenchmarkMTLookupUnindexed(b *testing.B) {
	routes := make([]*Route, 0, rtBenchRoutes)
	for k := 0; k < rtBenchRoutes; k++ {
		f := rtMustFilter(b, "ShortMessageFilter", fmt.Sprint("s", k), map[string]string{"short_message": fmt.Sprintf(`.*promo%d\b`, k)})
		r, err := NewMTRoute(RouteStaticMT, rtBenchRoutes-k, []Filter{f}, []string{"smpp_1"}, 0)
		if err != nil {
			b.Fatal(err)
		}
		routes = append(routes, r)
	}
	mt := NewMTTable()
	if err := mt.Load(routes, nil); err != nil {
		b.Fatal(err)
	}
	msg := rtTestMT("u1", "g1", "1", "+33612345678", fmt.Sprintf("hello promo%d", rtBenchRoutes-1), rtNoon)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, ok := mt.Lookup(msg, nil); !ok {
			b.Fatal("no route")
		}
	}
}

func TestBenchTableLookupAllocs(t *testing.T) {
	mt, msg := rtBenchTable(t)
	if r, _, ok := mt.Lookup(msg, nil); !ok || r.Order != rtBenchRoutes-995 {
		t.Fatalf("routed to %v", r)
	}
	if n := testing.AllocsPerRun(1000, func() { mt.Lookup(msg, nil) }); n != 0 {
		t.Errorf("%v allocs per lookup", n)
	}
}
