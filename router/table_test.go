package router

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func rtAt(day string, clock string) time.Time {
	tm, err := time.ParseInLocation("2006-01-02 15:04:05", day+" "+clock, time.Local)
	if err != nil {
		panic(err)
	}
	return tm
}

// The manual, "The message router", MO Routing example.
func TestManualMOExample(t *testing.T) {
	fs := NewFilterSet()
	must := func(f Filter) Filter {
		if err := fs.Add(f); err != nil {
			t.Fatal(err)
		}
		return f
	}
	to33 := must(rtMustFilter(t, "DestinationAddrFilter", "To33", map[string]string{"destination_addr": `^\+33\d+`}))
	summer := must(rtMustFilter(t, "DateIntervalFilter", "Summer2015", map[string]string{"dateInterval": "2015-06-01;2015-08-31"}))
	work := must(rtMustFilter(t, "TimeIntervalFilter", "WorkingHours", map[string]string{"timeInterval": "08:00:00;18:00:00"}))

	mo := NewMOTable()
	known := func(kind, id string) bool { return kind == "http" && strings.HasPrefix(id, "http_") }
	add := func(typ RouteType, order int, fl []Filter, conns ...string) {
		r, err := NewMORoute(typ, order, fl, conns)
		if err != nil {
			t.Fatal(err)
		}
		if err := mo.Add(r, known); err != nil {
			t.Fatal(err)
		}
	}
	// Added out of order on purpose: the table sorts.
	add(RouteDefault, 0, nil, "http_def")
	add(RouteStaticMO, 30, []Filter{to33}, "http_3")
	add(RouteRandomRoundrobinMO, 20, []Filter{summer, work}, "http_1", "http_2")

	// The listing, as the manual prints it (connector ids with their kind).
	want := []struct {
		order   int
		typ     string
		conns   string
		filters string
	}{
		{30, "StaticMORoute", "http(http_3)", `<DestinationAddrFilter (dst_addr=^\+33\d+)>`},
		{20, "RandomRoundrobinMORoute", "http(http_1), http(http_2)", "<DateIntervalFilter (2015-06-01,2015-08-31)>, <TimeIntervalFilter (08:00:00,18:00:00)>"},
		{0, "DefaultRoute", "http(http_def)", ""},
	}
	routes := mo.Routes()
	if len(routes) != len(want) {
		t.Fatalf("%d routes", len(routes))
	}
	for i, w := range want {
		r := routes[i]
		if r.Order != w.order || r.Type.String() != w.typ || strings.Join(r.ConnectorLabels(), ", ") != w.conns || r.FilterList() != w.filters {
			t.Errorf("route %d: %d %s %s %s", i, r.Order, r.Type, r.ConnectorLabels(), r.FilterList())
		}
	}

	cases := []struct {
		name string
		r    *Routable
		want []string
	}{
		{"to +33 → http_3", rtTestMO("smppc1", "1234", "+33600000001", "hi", rtAt("2015-01-10", "03:00:00")), []string{"http(http_3)"}},
		{"+33 wins over summer hours", rtTestMO("smppc1", "1234", "+33600000001", "hi", rtAt("2015-07-01", "10:00:00")), []string{"http(http_3)"}},
		{"summer working hours → http_1 or http_2", rtTestMO("smppc1", "1234", "85111", "hi", rtAt("2015-07-01", "10:00:00")), []string{"http(http_1)", "http(http_2)"}},
		{"summer night → default", rtTestMO("smppc1", "1234", "85111", "hi", rtAt("2015-07-01", "22:00:00")), []string{"http(http_def)"}},
		{"winter working hours → default", rtTestMO("smppc1", "1234", "85111", "hi", rtAt("2015-12-01", "10:00:00")), []string{"http(http_def)"}},
		{"summer 2016 → default", rtTestMO("smppc1", "1234", "85111", "hi", rtAt("2016-07-01", "10:00:00")), []string{"http(http_def)"}},
	}
	for _, tc := range cases {
		seen := map[string]bool{}
		for i := 0; i < 200; i++ {
			_, c, ok := mo.Lookup(tc.r, nil)
			if !ok {
				t.Fatalf("%s: no route", tc.name)
			}
			seen[c] = true
		}
		for _, w := range tc.want {
			if !seen[w] {
				t.Errorf("%s: never got %s (got %v)", tc.name, w, seen)
			}
			delete(seen, w)
		}
		if len(seen) > 0 {
			t.Errorf("%s: unexpected %v", tc.name, seen)
		}
	}
}

// The manual, "The message router", MT Routing example, and its shadowing
// note.
func TestManualMTExample(t *testing.T) {
	to33 := rtMustFilter(t, "DestinationAddrFilter", "To33", map[string]string{"destination_addr": `^\+33\d+`})
	g2 := rtMustFilter(t, "GroupFilter", "G2", map[string]string{"gid": "G2"})
	work := rtMustFilter(t, "TimeIntervalFilter", "WorkingHours", map[string]string{"timeInterval": "08:00:00;18:00:00"})
	build := func(swap bool) *MTTable {
		mt := NewMTTable()
		o91, o90 := 91, 90
		if swap {
			o91, o90 = 90, 91
		}
		for _, r := range []struct {
			typ   RouteType
			order int
			fl    []Filter
			conns []string
		}{
			{RouteRandomRoundrobinMT, 100, []Filter{to33}, []string{"smpp_1", "smpp_2"}},
			{RouteStaticMT, o91, []Filter{g2, work}, []string{"smpp_4"}},
			{RouteStaticMT, o90, []Filter{g2}, []string{"smpp_3"}},
		} {
			route, err := NewMTRoute(r.typ, r.order, r.fl, r.conns, 0)
			if err != nil {
				t.Fatal(err)
			}
			if err := mt.Add(route, nil); err != nil {
				t.Fatal(err)
			}
		}
		return mt
	}
	mt := build(false)
	want := []string{
		`100 RandomRoundrobinMTRoute 0.00 smppc(smpp_1), smppc(smpp_2) <DestinationAddrFilter (dst_addr=^\+33\d+)>`,
		`91 StaticMTRoute 0.00 smppc(smpp_4) <GroupFilter (gid=G2)>, <TimeIntervalFilter (08:00:00,18:00:00)>`,
		`90 StaticMTRoute 0.00 smppc(smpp_3) <GroupFilter (gid=G2)>`,
	}
	for i, r := range mt.Routes() {
		got := fmt.Sprintf("%d %s %s %s %s", r.Order, r.Type, r.Rate.Format(2), strings.Join(r.ConnectorLabels(), ", "), r.FilterList())
		if got != want[i] {
			t.Errorf("listing %d:\n got %s\nwant %s", i, got, want[i])
		}
	}

	lookup := func(mt *MTTable, r *Routable) map[string]bool {
		seen := map[string]bool{}
		for i := 0; i < 200; i++ {
			if _, c, ok := mt.Lookup(r, nil); ok {
				seen[c] = true
			} else {
				seen["(none)"] = true
			}
		}
		return seen
	}
	eq := func(m map[string]bool, keys ...string) bool {
		if len(m) != len(keys) {
			return false
		}
		for _, k := range keys {
			if !m[k] {
				return false
			}
		}
		return true
	}
	day := "2015-03-03"
	cases := []struct {
		name string
		r    *Routable
		want []string
	}{
		{"+33 → smpp_1 or smpp_2", rtTestMT("u1", "G1", "", "+33612345678", "", rtAt(day, "10:00:00")), []string{"smpp_1", "smpp_2"}},
		{"+33 from G2 still 100", rtTestMT("u2", "G2", "", "+33612345678", "", rtAt(day, "10:00:00")), []string{"smpp_1", "smpp_2"}},
		{"G2 working hours → smpp_4", rtTestMT("u2", "G2", "", "+44700000000", "", rtAt(day, "10:00:00")), []string{"smpp_4"}},
		{"G2 evening → smpp_3", rtTestMT("u2", "G2", "", "+44700000000", "", rtAt(day, "20:00:00")), []string{"smpp_3"}},
		{"no DefaultRoute → rejected", rtTestMT("u1", "G1", "", "+44700000000", "", rtAt(day, "10:00:00")), []string{"(none)"}},
	}
	for _, tc := range cases {
		if got := lookup(mt, tc.r); !eq(got, tc.want...) {
			t.Errorf("%s: got %v want %v", tc.name, got, tc.want)
		}
	}
	// Shadowing: with #90 and #91 swapped, G2 always goes to smpp_3.
	sh := build(true)
	for _, clock := range []string{"10:00:00", "20:00:00"} {
		if got := lookup(sh, rtTestMT("u2", "G2", "", "+44700000000", "", rtAt(day, clock))); !eq(got, "smpp_3") {
			t.Errorf("shadowed at %s: %v", clock, got)
		}
	}
}

func TestTableChanges(t *testing.T) {
	tf := rtMustFilter(t, "TransparentFilter", "TF", nil)
	c := rtMustFilter(t, "ConnectorFilter", "C", map[string]string{"cid": "x"})
	known := func(kind, id string) bool { return kind == "smppc" && id != "ghost" }
	mt := NewMTTable()
	mk := func(typ RouteType, order int, conn string) *Route {
		var fl []Filter
		if typ != RouteDefault {
			fl = []Filter{tf}
		}
		r, err := NewMTRoute(typ, order, fl, []string{conn}, 0)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	for _, o := range []int{20, 5, 100, 50} {
		if err := mt.Add(mk(RouteStaticMT, o, fmt.Sprint("c", o)), known); err != nil {
			t.Fatal(err)
		}
	}
	if err := mt.Add(mk(RouteDefault, 0, "def"), known); err != nil {
		t.Fatal(err)
	}
	orders := func() string {
		var s []string
		for _, r := range mt.Routes() {
			s = append(s, fmt.Sprint(r.Order, ":", r.Connectors[0]))
		}
		return strings.Join(s, " ")
	}
	if got := orders(); got != "100:c100 50:c50 20:c20 5:c5 0:def" {
		t.Errorf("order: %s", got)
	}
	// Replace at the same order.
	if err := mt.Add(mk(RouteStaticMT, 50, "c50b"), known); err != nil {
		t.Fatal(err)
	}
	if got := orders(); got != "100:c100 50:c50b 20:c20 5:c5 0:def" {
		t.Errorf("replace: %s", got)
	}
	// Refused changes leave the table as it was.
	before := mt.Routes()
	refused := []struct {
		r     *Route
		field string
	}{
		{&Route{Order: 7, Type: RouteDefault, Connectors: []string{"d"}}, "order"},
		{&Route{Order: 0, Type: RouteStaticMT, Filters: []Filter{tf}, Connectors: []string{"d"}}, "order"},
		{&Route{Order: 7, Type: RouteStaticMT, Filters: []Filter{c}, Connectors: []string{"d"}}, "filters"},
		{&Route{Order: 7, Type: RouteStaticMT, Filters: []Filter{tf}, Connectors: []string{"ghost"}}, "connector"},
		{&Route{Order: 50, Type: RouteStaticMT, Filters: []Filter{tf}, Connectors: []string{"ghost"}}, "connector"},
		{&Route{Order: 7, Type: RouteStaticMO, Filters: []Filter{tf}, Connectors: []string{"d"}}, "type"},
		{&Route{Order: -3, Type: RouteStaticMT, Filters: []Filter{tf}, Connectors: []string{"d"}}, "order"},
		{nil, "route"},
	}
	for _, tc := range refused {
		err := mt.Add(tc.r, known)
		if rtErrField(err) != tc.field {
			t.Errorf("%+v: %v, want field %s", tc.r, err, tc.field)
		}
	}
	if err := mt.Add(&Route{Order: 7, Type: RouteStaticMT, Filters: []Filter{tf}, Connectors: []string{"ghost"}}, known); !strings.Contains(fmt.Sprint(err), "unknown smppc connector ghost") {
		t.Errorf("unknown connector message: %v", err)
	}
	after := mt.Routes()
	if len(before) != len(after) {
		t.Fatal("refused Add changed the table")
	}
	for i := range before {
		if before[i] != after[i] {
			t.Fatal("refused Add changed the table")
		}
	}
	// The table owns its copy.
	r := mk(RouteStaticMT, 60, "c60")
	if err := mt.Add(r, known); err != nil {
		t.Fatal(err)
	}
	r.Connectors[0] = "changed"
	if got, _ := mt.Get(60); got.Connectors[0] != "c60" {
		t.Error("table shares the caller's route")
	}
	// Remove.
	if err := mt.Remove(20); err != nil {
		t.Fatal(err)
	}
	if err := mt.Remove(20); rtErrField(err) != "order" {
		t.Errorf("remove missing: %v", err)
	}
	if _, ok := mt.Get(20); ok {
		t.Error("20 still there")
	}
	if got, ok := mt.Get(100); !ok || got.Connectors[0] != "c100" {
		t.Error("Get 100")
	}
	if got := orders(); got != "100:c100 60:c60 50:c50b 5:c5 0:def" {
		t.Errorf("after remove: %s", got)
	}
	// Load: all or nothing.
	err := mt.Load([]*Route{mk(RouteStaticMT, 3, "a"), mk(RouteStaticMT, 3, "b")}, known)
	if rtErrField(err) != "order" || mt.Len() != 5 {
		t.Errorf("load duplicate: %v, len %d", err, mt.Len())
	}
	if err := mt.Load([]*Route{mk(RouteStaticMT, 3, "a"), mk(RouteDefault, 0, "d")}, known); err != nil || orders() != "3:a 0:d" {
		t.Errorf("load: %v %s", err, orders())
	}
	mt.Flush()
	if mt.Len() != 0 {
		t.Error("flush")
	}
	if r, c, ok := mt.Lookup(rtTestMT("u", "g", "1", "2", "", rtNoon), nil); r != nil || c != "" || ok {
		t.Error("lookup in empty table")
	}
	// A zero table works.
	var zero MOTable
	if _, _, ok := zero.Lookup(rtTestMO("c", "1", "2", "", rtNoon), nil); ok || zero.Len() != 0 {
		t.Error("zero table")
	}
}

func TestTableFailoverLookup(t *testing.T) {
	to33 := rtMustFilter(t, "DestinationAddrFilter", "To33", map[string]string{"destination_addr": `^\+33`})
	mt := NewMTTable()
	fo, _ := NewMTRoute(RouteFailoverMT, 10, []Filter{to33}, []string{"a", "b"}, 0)
	def, _ := NewMTRoute(RouteDefault, 0, nil, []string{"d"}, 0)
	for _, r := range []*Route{fo, def} {
		if err := mt.Add(r, nil); err != nil {
			t.Fatal(err)
		}
	}
	up := map[string]bool{"a": false, "b": true}
	r := rtTestMT("u", "g", "1", "+33600000000", "", rtNoon)
	if route, c, ok := mt.Lookup(r, func(c string) bool { return up[c] }); !ok || c != "b" || route.Order != 10 {
		t.Errorf("failover to b: %v %q %v", route, c, ok)
	}
	up["b"] = false
	route, c, ok := mt.Lookup(r, func(c string) bool { return up[c] })
	if ok || c != "" || route == nil || route.Order != 10 {
		t.Errorf("all down: want the failover route and no connector, got %v %q %v", route, c, ok)
	}
	// MO failover over smpps users.
	mo := NewMOTable()
	tf := rtMustFilter(t, "TransparentFilter", "TF", nil)
	fm, err := NewMORoute(RouteFailoverMO, 5, []Filter{tf}, []string{"smpps(user_1)", "smpps(user_2)"})
	if err != nil {
		t.Fatal(err)
	}
	if err := mo.Add(fm, func(kind, id string) bool { return kind == "smpps" }); err != nil {
		t.Fatal(err)
	}
	if _, c, ok := mo.Lookup(rtTestMO("x", "1", "2", "", rtNoon), func(c string) bool { return c == "smpps(user_2)" }); !ok || c != "smpps(user_2)" {
		t.Errorf("MO failover: %q %v", c, ok)
	}
	if k, id := SplitConnector("smpps(user_2)"); k != "smpps" || id != "user_2" {
		t.Errorf("split %s %s", k, id)
	}
}

// rtRandomTable builds a table of n random MT routes over small value
// spaces so that routes overlap and shadow each other.
func rtRandomTable(t testing.TB, rng *rand.Rand, n int) *MTTable {
	regexes := []string{`^\+?33[67]\d{8}$`, `^\+33\d+`, `^33`, `^\+?(44|49)\d+`, `^(?i)x`, `.*1$`, `^\d{3}`, `^0?6`, `^[+]3`, `^(33|3)`}
	mk := func(i int) Filter {
		fid := fmt.Sprint("f", i)
		switch rng.IntN(9) {
		case 0:
			return rtMustFilter(t, "UserFilter", fid, map[string]string{"uid": fmt.Sprint("u", rng.IntN(5))})
		case 1:
			return rtMustFilter(t, "GroupFilter", fid, map[string]string{"gid": fmt.Sprint("g", rng.IntN(3))})
		case 2:
			return rtMustFilter(t, "DestinationAddrFilter", fid, map[string]string{"destination_addr": regexes[rng.IntN(len(regexes))]})
		case 3:
			return rtMustFilter(t, "SourceAddrFilter", fid, map[string]string{"source_addr": regexes[rng.IntN(len(regexes))]})
		case 4:
			return rtMustFilter(t, "ShortMessageFilter", fid, map[string]string{"short_message": `^h`})
		case 5:
			return rtMustFilter(t, "TagFilter", fid, map[string]string{"tag": fmt.Sprint(rng.IntN(3))})
		case 6:
			return rtMustFilter(t, "TimeIntervalFilter", fid, map[string]string{"timeInterval": "08:00:00;18:00:00"})
		case 7:
			return rtMustFilter(t, "TransparentFilter", fid, nil)
		}
		return rtMustFilter(t, "DestinationAddrFilter", fid, map[string]string{"destination_addr": fmt.Sprintf(`^\+?%d`, 30+rng.IntN(20))})
	}
	mt := NewMTTable()
	for i := 0; i < n; i++ {
		var fl []Filter
		for k := 1 + rng.IntN(3); k > 0; k-- {
			fl = append(fl, mk(i*10+k))
		}
		r, err := NewMTRoute(RouteStaticMT, 1+rng.IntN(3*n), fl, []string{fmt.Sprint("c", i)}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := mt.Add(r, nil); err != nil {
			t.Fatal(err)
		}
	}
	if rng.IntN(2) == 0 {
		def, _ := NewMTRoute(RouteDefault, 0, nil, []string{"def"}, 0)
		_ = mt.Add(def, nil)
	}
	return mt
}

// TestIndexMatchesLinearWalk checks the indexed lookup against the plain
// descending walk on random tables and messages.
func TestIndexMatchesLinearWalk(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	dsts := []string{"+33612345678", "33712345678", "+4477", "4912", "x1", "061", "123", "", "+3", "3", "+49"}
	for round := 0; round < 200; round++ {
		mt := rtRandomTable(t, rng, 1+rng.IntN(60))
		snap := mt.t.cur()
		for j := 0; j < 200; j++ {
			r := rtTestMT(fmt.Sprint("u", rng.IntN(6)), fmt.Sprint("g", rng.IntN(4)),
				dsts[rng.IntN(len(dsts))], dsts[rng.IntN(len(dsts))], []string{"hello", "bye"}[rng.IntN(2)],
				rtAt("2015-01-01", []string{"10:00:00", "20:00:00"}[rng.IntN(2)]))
			if rng.IntN(2) == 0 {
				r.Tags = []int64{int64(rng.IntN(3))}
			}
			if rng.IntN(10) == 0 {
				r.PDU = nil
			}
			got, _, _ := snap.lookup(r, nil)
			want, _, _ := snap.lookupLinear(r, nil)
			if got != want {
				t.Fatalf("round %d: index gave %v, linear walk %v", round, got, want)
			}
		}
	}
}

func TestLookupDoesNotAllocate(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	mt := rtRandomTable(t, rng, 200)
	r := rtTestMT("u1", "g1", "+33612345678", "+33612345678", "hello", rtNoon)
	mt.Lookup(r, nil)
	if n := testing.AllocsPerRun(1000, func() { mt.Lookup(r, nil) }); n != 0 {
		t.Errorf("Lookup allocates %v per call", n)
	}
}

// TestConcurrentLookupAndChanges runs lookups while routes are added and
// removed; run with -race.
func TestConcurrentLookupAndChanges(t *testing.T) {
	g := rtMustFilter(t, "GroupFilter", "G", map[string]string{"gid": "g1"})
	d := rtMustFilter(t, "DestinationAddrFilter", "D", map[string]string{"destination_addr": `^\+33`})
	mt := NewMTTable()
	def, _ := NewMTRoute(RouteDefault, 0, nil, []string{"def"}, 0)
	if err := mt.Add(def, nil); err != nil {
		t.Fatal(err)
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	var lookups atomic.Int64
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rtTestMT("u1", "g1", "1", "+33600000000", "", rtNoon)
			for !stop.Load() {
				route, c, ok := mt.Lookup(r, nil)
				if !ok || route == nil || c == "" {
					t.Error("lookup failed during changes")
					return
				}
				if route.Order != 0 && !strings.HasPrefix(c, "c") {
					t.Errorf("route %d gave %s", route.Order, c)
					return
				}
				lookups.Add(1)
			}
		}()
	}
	for i := 0; i < 2000; i++ {
		o := 1 + i%50
		r, err := NewMTRoute(RouteStaticMT, o, []Filter{g, d}, []string{fmt.Sprint("c", i)}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := mt.Add(r, nil); err != nil {
			t.Fatal(err)
		}
		if i%3 == 0 {
			_ = mt.Remove(1 + (i/3)%50)
		}
	}
	stop.Store(true)
	wg.Wait()
	if lookups.Load() == 0 {
		t.Error("no lookups ran")
	}
}
