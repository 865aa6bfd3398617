package router

import (
	"strings"
	"testing"

	"github.com/gwd-project/gwd/router/ledger"
)

func TestRouteRate(t *testing.T) {
	good := []struct {
		in   string
		want ledger.Money
		str  string
		f2   string
	}{
		{"0", 0, "0", "0.00"},
		{"0.0", 0, "0", "0.00"},
		{"0.00", 0, "0", "0.00"},
		{"0.4", 400_000, "0.4", "0.40"},
		{"1.25", 1_250_000, "1.25", "1.25"},
		{"12.000001", 12_000_001, "12.000001", "12.00"},
		{".5", 500_000, "0.5", "0.50"},
		{"3.", 3_000_000, "3", "3.00"},
		{"0.005", 5_000, "0.005", "0.01"},
		{"2.1000000", 2_100_000, "2.1", "2.10"},
	}
	for _, tc := range good {
		r, err := ParseRouteRate(tc.in)
		if err != nil || r != tc.want || r.Decimal() != tc.str || r.Format(2) != tc.f2 {
			t.Errorf("%q: %d %v %q %q", tc.in, r, err, r.Decimal(), r.Format(2))
		}
	}
	for _, bad := range []string{"", "-1", "abc", "1.2.3", "0.0000001", "1e3", ".", "99999999999999999999"} {
		if _, err := ParseRouteRate(bad); rtErrField(err) != "rate" {
			t.Errorf("%q: %v", bad, err)
		}
	}
	// Exact: ten 0.1s are 1.
	var sum ledger.Money
	tenth, _ := ParseRouteRate("0.1")
	for i := 0; i < 10; i++ {
		sum += tenth
	}
	if sum != ledger.MoneyUnit {
		t.Errorf("sum %v", sum)
	}
}

func TestRouteTypes(t *testing.T) {
	for _, s := range []string{"defaultroute", "StaticMTRoute", "staticmoroute", "RandomRoundrobinMTRoute", "randomroundrobinmoroute", "FailoverMTRoute", "FAILOVERMOROUTE"} {
		typ, ok := ParseRouteType(s)
		if !ok || !strings.EqualFold(typ.String(), s) {
			t.Errorf("%q: %v %v", s, typ, ok)
		}
	}
	if _, ok := ParseRouteType("BestQualityMTRoute"); ok {
		t.Error("unknown type accepted")
	}
}

func TestRouteValidation(t *testing.T) {
	g := rtMustFilter(t, "GroupFilter", "G2", map[string]string{"gid": "G2"})
	c := rtMustFilter(t, "ConnectorFilter", "C1", map[string]string{"cid": "smpp-01"})
	u := rtMustFilter(t, "UserFilter", "U1", map[string]string{"uid": "u1"})
	tf := rtMustFilter(t, "TransparentFilter", "TF", nil)
	type mk func() (*Route, error)
	tests := []struct {
		name   string
		mk     mk
		field  string
		substr string
	}{
		{"default at 10", func() (*Route, error) { return NewMTRoute(RouteDefault, 10, nil, []string{"a"}, 0) }, "order", "only be at order 0"},
		{"static at 0", func() (*Route, error) { return NewMTRoute(RouteStaticMT, 0, []Filter{g}, []string{"a"}, 0) }, "order", "DefaultRoute only"},
		{"negative order", func() (*Route, error) { return NewMTRoute(RouteStaticMT, -1, []Filter{g}, []string{"a"}, 0) }, "order", "out of range"},
		{"huge order", func() (*Route, error) {
			return NewMTRoute(RouteStaticMT, MaxRouteOrder+1, []Filter{g}, []string{"a"}, 0)
		}, "order", "out of range"},
		{"MO type in MT", func() (*Route, error) { return NewMTRoute(RouteStaticMO, 5, []Filter{tf}, []string{"a"}, 0) }, "type", "not an MT route type"},
		{"MT type in MO", func() (*Route, error) { return NewMORoute(RouteFailoverMT, 5, []Filter{tf}, []string{"a"}) }, "type", "not an MO route type"},
		{"connector filter in MT", func() (*Route, error) { return NewMTRoute(RouteStaticMT, 5, []Filter{g, c}, []string{"a"}, 0) }, "filters", "ConnectorFilter C1 cannot be used in an MT route"},
		{"user filter in MO", func() (*Route, error) { return NewMORoute(RouteStaticMO, 5, []Filter{u}, []string{"http(a)"}) }, "filters", "UserFilter U1 cannot be used in an MO route"},
		{"group filter in MO", func() (*Route, error) { return NewMORoute(RouteStaticMO, 5, []Filter{g}, []string{"http(a)"}) }, "filters", "GroupFilter"},
		{"no filters", func() (*Route, error) { return NewMTRoute(RouteStaticMT, 5, nil, []string{"a"}, 0) }, "filters", "at least one filter"},
		{"default with filters", func() (*Route, error) { return NewMTRoute(RouteDefault, 0, []Filter{tf}, []string{"a"}, 0) }, "filters", "no filters"},
		{"static two connectors", func() (*Route, error) { return NewMTRoute(RouteStaticMT, 5, []Filter{tf}, []string{"a", "b"}, 0) }, "connector", "one connector"},
		{"rr no connectors", func() (*Route, error) { return NewMTRoute(RouteRandomRoundrobinMT, 5, []Filter{tf}, nil, 0) }, "connectors", "needs a connector"},
		{"http in MT", func() (*Route, error) { return NewMTRoute(RouteStaticMT, 5, []Filter{tf}, []string{"http(a)"}, 0) }, "connector", "not valid for an MT route"},
		{"smppc in MO", func() (*Route, error) { return NewMORoute(RouteStaticMO, 5, []Filter{tf}, []string{"smppc(a)"}) }, "connector", "not valid for an MO route"},
		{"failover MO mixed", func() (*Route, error) {
			return NewMORoute(RouteFailoverMO, 5, []Filter{tf}, []string{"smpps(user_1)", "http(http_1)", "http(http_3)"})
		}, "connectors", "mixed connector types"},
		{"negative rate", func() (*Route, error) { return NewMTRoute(RouteStaticMT, 5, []Filter{tf}, []string{"a"}, -1) }, "rate", "negative"},
		{"bad connector", func() (*Route, error) { return NewMTRoute(RouteStaticMT, 5, []Filter{tf}, []string{"a b"}, 0) }, "connector", "invalid connector"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.mk()
			if err == nil || rtErrField(err) != tc.field || !strings.Contains(err.Error(), tc.substr) {
				t.Fatalf("error %v (field %q), want field %q with %q", err, rtErrField(err), tc.field, tc.substr)
			}
		})
	}
	// Round-robin MO may mix http and smpps (the manual's note).
	r, err := NewMORoute(RouteRandomRoundrobinMO, 20, []Filter{tf}, []string{"smpps(user_1)", "http(http_1)", "http_3"})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(r.Connectors, ";"); got != "smpps(user_1);http(http_1);http(http_3)" {
		t.Errorf("connectors %s", got)
	}
	// MT accepts smppc(id) and stores the id.
	r, err = NewMTRoute(RouteStaticMT, 10, []Filter{tf}, []string{"smppc(smppcc_1)"}, 0)
	if err != nil || r.Connectors[0] != "smppcc_1" {
		t.Fatalf("%v %v", r, err)
	}
}

func TestRoutePick(t *testing.T) {
	tf := rtMustFilter(t, "TransparentFilter", "TF", nil)
	st, _ := NewMTRoute(RouteStaticMT, 1, []Filter{tf}, []string{"a"}, 0)
	if c, ok := st.Pick(nil, func(string) bool { return false }); c != "a" || !ok {
		t.Errorf("static: %q %v (static routes do not look at up)", c, ok)
	}
	rr, _ := NewMTRoute(RouteRandomRoundrobinMT, 1, []Filter{tf}, []string{"a", "b", "c", "d"}, 0)
	seen := map[string]int{}
	const n = 40_000
	for i := 0; i < n; i++ {
		c, ok := rr.Pick(nil, nil)
		if !ok {
			t.Fatal("rr not ok")
		}
		seen[c]++
	}
	for _, c := range rr.Connectors {
		if seen[c] < n/4*8/10 || seen[c] > n/4*12/10 {
			t.Errorf("round-robin %s picked %d times of %d", c, seen[c], n)
		}
	}
	fo, _ := NewMTRoute(RouteFailoverMT, 1, []Filter{tf}, []string{"a", "b", "c"}, 0)
	up := map[string]bool{"a": false, "b": false, "c": true}
	if c, ok := fo.Pick(nil, func(c string) bool { return up[c] }); c != "c" || !ok {
		t.Errorf("failover: %q %v", c, ok)
	}
	up["b"] = true
	if c, _ := fo.Pick(nil, func(c string) bool { return up[c] }); c != "b" {
		t.Errorf("failover: %q", c)
	}
	if c, ok := fo.Pick(nil, func(string) bool { return false }); ok || c != "" {
		t.Errorf("failover all down: %q %v", c, ok)
	}
	if c, ok := fo.Pick(nil, nil); c != "a" || !ok {
		t.Errorf("failover nil up: %q %v", c, ok)
	}
	if n := testing.AllocsPerRun(1000, func() { rr.Pick(nil, nil); fo.Pick(nil, func(c string) bool { return up[c] }) }); n != 0 {
		t.Errorf("Pick allocates %v", n)
	}
}

func TestRouteShow(t *testing.T) {
	tf := rtMustFilter(t, "TransparentFilter", "TF", nil)
	rate, _ := ParseRouteRate("0.4")
	tests := []struct {
		r    func() (*Route, error)
		want string
	}{
		{func() (*Route, error) { return NewMTRoute(RouteStaticMT, 10, []Filter{tf}, []string{"smppcc_1"}, 0) }, "StaticMTRoute to smppc(smppcc_1) NOT RATED"},
		{func() (*Route, error) { return NewMTRoute(RouteDefault, 0, nil, []string{"smppcc_default"}, 0) }, "DefaultRoute to smppc(smppcc_default) NOT RATED"},
		{func() (*Route, error) { return NewMTRoute(RouteStaticMT, 10, []Filter{tf}, []string{"smppcc_1"}, rate) }, "StaticMTRoute to smppc(smppcc_1) rated 0.40"},
		{func() (*Route, error) {
			return NewMTRoute(RouteRandomRoundrobinMT, 20, []Filter{tf}, []string{"smppcc_2", "smppcc_3"}, 0)
		}, "RandomRoundrobinMTRoute to 2 connectors:\n   - smppc(smppcc_2)\n   - smppc(smppcc_3)\nNOT RATED"},
		{func() (*Route, error) {
			return NewMORoute(RouteRandomRoundrobinMO, 20, []Filter{tf}, []string{"http(http_2)", "http(http_3)"})
		}, "RandomRoundrobinMORoute to 2 connectors:\n   - http(http_2)\n   - http(http_3)"},
		{func() (*Route, error) { return NewMORoute(RouteStaticMO, 10, []Filter{tf}, []string{"http(http_1)"}) }, "StaticMORoute to http(http_1)"},
		{func() (*Route, error) { return NewMORoute(RouteDefault, 0, nil, []string{"http(http_default)"}) }, "DefaultRoute to http(http_default)"},
	}
	for _, tc := range tests {
		r, err := tc.r()
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Show(); got != tc.want {
			t.Errorf("Show = %q, want %q", got, tc.want)
		}
	}
}

func TestBuildRoute(t *testing.T) {
	fs := NewFilterSet()
	for _, f := range []Filter{
		rtMustFilter(t, "TransparentFilter", "filter_1", nil),
		rtMustFilter(t, "GroupFilter", "filter_2", map[string]string{"gid": "G"}),
		rtMustFilter(t, "ConnectorFilter", "filter_3", map[string]string{"cid": "smpp-01"}),
	} {
		if err := fs.Add(f); err != nil {
			t.Fatal(err)
		}
	}
	// The manual's examples.
	r, err := BuildRoute(MT, map[string]string{"type": "StaticMTRoute", "filters": "filter_1;filter_2", "order": "10", "connector": "smppc(smppcc_1)", "rate": "0.0"}, fs)
	if err != nil || r.Order != 10 || len(r.Filters) != 2 || r.Connectors[0] != "smppcc_1" {
		t.Fatalf("%v %v", r, err)
	}
	r, err = BuildRoute(MT, map[string]string{"type": "DefaultRoute", "connector": "smppc(smppcc_default)", "rate": "0.0"}, fs)
	if err != nil || r.Order != 0 {
		t.Fatalf("%v %v", r, err)
	}
	r, err = BuildRoute(MO, map[string]string{"type": "RandomRoundrobinMORoute", "filters": "filter_3;filter_1", "connectors": "http(http_2);http(http_3)", "order": "20"}, fs)
	if err != nil || len(r.Connectors) != 2 {
		t.Fatalf("%v %v", r, err)
	}
	bad := []struct {
		d      Direction
		p      map[string]string
		field  string
		substr string
	}{
		{MT, map[string]string{"type": "StaticMTRoute", "filters": "filter_1", "order": "10", "connector": "smppc(a)"}, "rate", "missing"},
		{MT, map[string]string{"type": "StaticMTRoute", "filters": "nope", "order": "10", "connector": "smppc(a)", "rate": "0"}, "filters", "unknown filter id nope"},
		{MT, map[string]string{"type": "StaticMTRoute", "filters": "filter_3", "order": "10", "connector": "smppc(a)", "rate": "0"}, "filters", "cannot be used in an MT route"},
		{MT, map[string]string{"type": "StaticMTRoute", "filters": "filter_1", "order": "ten", "connector": "smppc(a)", "rate": "0"}, "order", "not an integer"},
		{MT, map[string]string{"type": "StaticMTRoute", "filters": "filter_1", "connector": "smppc(a)", "rate": "0"}, "order", "missing"},
		{MT, map[string]string{"type": "DefaultRoute", "order": "5", "connector": "smppc(a)", "rate": "0"}, "order", "only be at order 0"},
		{MT, map[string]string{"type": "StaticMTRoute", "filters": "filter_1", "order": "1", "connectors": "smppc(a)", "rate": "0"}, "connectors", "takes \"connector\""},
		{MT, map[string]string{"type": "StaticMTRoute", "filters": "filter_1", "order": "1", "connector": "smppc(a)", "rate": "-2"}, "rate", "negative"},
		{MO, map[string]string{"type": "StaticMORoute", "filters": "filter_1", "order": "1", "connector": "http(a)", "rate": "0"}, "rate", "unknown MO route key"},
		{MO, map[string]string{"type": "Whatever", "order": "1"}, "type", "unknown route type"},
		{MO, map[string]string{"type": "FailoverMORoute", "filters": "filter_1", "order": "30", "connectors": "smpps(user_1);http(http_1)"}, "connectors", "mixed"},
	}
	for _, tc := range bad {
		_, err := BuildRoute(tc.d, tc.p, fs)
		if err == nil || rtErrField(err) != tc.field || !strings.Contains(err.Error(), tc.substr) {
			t.Errorf("%v: %v (field %q), want %q with %q", tc.p, err, rtErrField(err), tc.field, tc.substr)
		}
	}
}
