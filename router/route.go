package router

import (
	"github.com/gwd-project/gwd/router/ledger"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// RouteType is one of Jasmin's route classes (manual: "MO router manager",
// "MT router manager").
type RouteType uint8

// Route types. DefaultRoute serves both tables; the others belong to one.
const (
	RouteDefault            RouteType = iota + 1 // DefaultRoute
	RouteStaticMT                                // StaticMTRoute
	RouteStaticMO                                // StaticMORoute
	RouteRandomRoundrobinMT                      // RandomRoundrobinMTRoute
	RouteRandomRoundrobinMO                      // RandomRoundrobinMORoute
	RouteFailoverMT                              // FailoverMTRoute
	RouteFailoverMO                              // FailoverMORoute
)

var rtRouteTypeNames = [...]string{
	RouteDefault:            "DefaultRoute",
	RouteStaticMT:           "StaticMTRoute",
	RouteStaticMO:           "StaticMORoute",
	RouteRandomRoundrobinMT: "RandomRoundrobinMTRoute",
	RouteRandomRoundrobinMO: "RandomRoundrobinMORoute",
	RouteFailoverMT:         "FailoverMTRoute",
	RouteFailoverMO:         "FailoverMORoute",
}

// String is Jasmin's class name.
func (t RouteType) String() string {
	if int(t) < len(rtRouteTypeNames) && t != 0 {
		return rtRouteTypeNames[t]
	}
	return "RouteType(" + strconv.Itoa(int(t)) + ")"
}

// ParseRouteType reads a route type name in any case.
func ParseRouteType(s string) (RouteType, bool) {
	return parseTypeName[RouteType](s, rtRouteTypeNames[:])
}

// Direction is the table the type belongs to; 0 for DefaultRoute (both).
func (t RouteType) Direction() Direction {
	switch t {
	case RouteStaticMT, RouteRandomRoundrobinMT, RouteFailoverMT:
		return MT
	case RouteStaticMO, RouteRandomRoundrobinMO, RouteFailoverMO:
		return MO
	}
	return 0
}

// Multi reports whether the type takes many connectors (jCli key
// "connectors") rather than one ("connector").
func (t RouteType) Multi() bool {
	switch t {
	case RouteRandomRoundrobinMT, RouteRandomRoundrobinMO, RouteFailoverMT, RouteFailoverMO:
		return true
	}
	return false
}

// Failover reports whether the type is a failover route.
func (t RouteType) Failover() bool { return t == RouteFailoverMT || t == RouteFailoverMO }

// RouteTypesFor lists the types a table of direction d accepts.
func RouteTypesFor(d Direction) []RouteType {
	if d == MO {
		return []RouteType{RouteDefault, RouteStaticMO, RouteRandomRoundrobinMO, RouteFailoverMO}
	}
	return []RouteType{RouteDefault, RouteStaticMT, RouteRandomRoundrobinMT, RouteFailoverMT}
}

// ParseRouteRate reads an MT route's rate, the price of one submit_sm
// through the route, with jCli's messages: a decimal ("0", "0.0", "1.25",
// "12.000001"), non-negative, at most 6 decimals (trailing zeros beyond
// are fine). Rates are exact (Jasmin's float rates, 0.4 + 0.4 …, drift);
// zero marks the route free ("NOT RATED").
func ParseRouteRate(s string) (ledger.Money, error) {
	s = strings.TrimSpace(s)
	bad := func(why string) (ledger.Money, error) {
		return 0, rtParamErr("rate", "\""+s+"\" "+why)
	}
	if s == "" {
		return bad("is not a number")
	}
	if s[0] == '-' {
		return bad("is negative (a rate can not be a negative value)")
	}
	s2 := strings.TrimPrefix(s, "+")
	ip, fp, _ := strings.Cut(s2, ".")
	if ip == "" && fp == "" {
		return bad("is not a number")
	}
	for _, part := range []string{ip, fp} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return bad("is not a decimal number")
			}
		}
	}
	fp = strings.TrimRight(fp, "0")
	if len(fp) > 6 {
		return bad("has more than 6 decimals")
	}
	var whole int64
	if ip != "" {
		v, err := strconv.ParseInt(ip, 10, 64)
		if err != nil || v > math.MaxInt64/int64(ledger.MoneyUnit)-1 {
			return bad("is too large")
		}
		whole = v
	}
	var frac int64
	if fp != "" {
		v, _ := strconv.ParseInt(fp+strings.Repeat("0", 6-len(fp)), 10, 64)
		frac = v
	}
	return ledger.Money(whole*int64(ledger.MoneyUnit) + frac), nil
}

// Connector kinds.
const (
	ConnectorSMPPClient = "smppc" // MT routes
	ConnectorHTTP       = "http"  // MO routes: HTTP client connectors
	ConnectorSMPPServer = "smpps" // MO routes: SMPP server users
)

// SplitConnector splits "kind(id)" into its kind and id; a bare id comes
// back with kind "".
func SplitConnector(s string) (kind, id string) {
	if i := strings.IndexByte(s, '('); i > 0 && strings.HasSuffix(s, ")") {
		return s[:i], s[i+1 : len(s)-1]
	}
	return "", s
}

// rtNormConnector validates one connector of a route of direction d and
// returns its stored form: MT "id" (smppc(id) is accepted), MO "http(id)"
// or "smpps(id)" (a bare id is taken as http(id), as in the manual's
// "The message router" example).
func rtNormConnector(field string, d Direction, s string) (string, error) {
	s = strings.TrimSpace(s)
	kind, id := SplitConnector(s)
	kind = strings.ToLower(strings.TrimSpace(kind))
	id = strings.TrimSpace(id)
	if id == "" || strings.ContainsAny(id, " \t();,") {
		return "", rtParamErr(field, "invalid connector \""+s+"\"")
	}
	if d == MT {
		if kind != "" && kind != ConnectorSMPPClient {
			return "", rtParamErr(field, "connector \""+s+"\" is not valid for an MT route (MT routes go to smppc connectors)")
		}
		return id, nil
	}
	switch kind {
	case "", ConnectorHTTP:
		return ConnectorHTTP + "(" + id + ")", nil
	case ConnectorSMPPServer:
		return ConnectorSMPPServer + "(" + id + ")", nil
	}
	return "", rtParamErr(field, "connector \""+s+"\" is not valid for an MO route (MO routes go to http(cid) or smpps(uid))")
}

// ParseRouteConnectors reads jCli's connector(s) value ("smppc(a);smppc(b)",
// "http(a);smpps(u)") for a route of direction d.
func ParseRouteConnectors(d Direction, field, s string) ([]string, error) {
	var out []string
	for _, c := range strings.Split(s, ";") {
		if strings.TrimSpace(c) == "" {
			continue
		}
		n, err := rtNormConnector(field, d, c)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, rtParamErr(field, "no connector given")
	}
	return out, nil
}

// MaxRouteOrder is the highest order a route may have.
const MaxRouteOrder = math.MaxInt32

// Route is an MT or MO route. Build one with NewMTRoute or NewMORoute (or
// BuildRoute from jCli parameters); a table keeps its own copy. Routes a
// table hands out (Lookup, Routes, Get) are shared: do not modify them.
type Route struct {
	// Order is the route's place in its table: higher first, 0 is the
	// DefaultRoute.
	Order int
	Type  RouteType
	// Filters are ANDed. A DefaultRoute has none.
	Filters []Filter
	// Connectors are smppc connector ids (MT) or "http(cid)" /
	// "smpps(uid)" targets (MO). Static and default routes have one.
	Connectors []string
	// Rate is the MT rate (0 for MO routes and free MT routes).
	Rate ledger.Money

	dir  Direction
	eval []Filter // Filters in evaluation order: cheap ones first
}

// NewMTRoute builds and validates an MT route.
func NewMTRoute(typ RouteType, order int, filters []Filter, connectors []string, rate ledger.Money) (*Route, error) {
	return rtNewRoute(MT, typ, order, filters, connectors, rate)
}

// NewMORoute builds and validates an MO route.
func NewMORoute(typ RouteType, order int, filters []Filter, connectors []string) (*Route, error) {
	return rtNewRoute(MO, typ, order, filters, connectors, 0)
}

func rtNewRoute(d Direction, typ RouteType, order int, filters []Filter, connectors []string, rate ledger.Money) (*Route, error) {
	r := &Route{Order: order, Type: typ, Filters: slices.Clone(filters), Connectors: slices.Clone(connectors), Rate: rate}
	if err := r.prepare(d); err != nil {
		return nil, err
	}
	return r, nil
}

// Direction is the table the route was built for.
func (rt *Route) Direction() Direction { return rt.dir }

func (rt *Route) connectorField() string {
	if rt.Type.Multi() {
		return "connectors"
	}
	return "connector"
}

// prepare validates the route for direction d, normalises its connectors
// and computes its evaluation order. Jasmin's rules (RoutingTables.add,
// Routes.*): order 0 is the DefaultRoute and only it; filters must fit
// the direction (usedFor); a FailoverMORoute may not mix http and smpps
// connectors (a RandomRoundrobinMORoute may); rates are not negative.
func (rt *Route) prepare(d Direction) error {
	if rt.Type < RouteDefault || rt.Type > RouteFailoverMO {
		return rtParamErr("type", "unknown route type "+rt.Type.String())
	}
	if td := rt.Type.Direction(); td != 0 && td != d {
		return rtParamErr("type", rt.Type.String()+" is not an "+d.String()+" route type (use one of "+rtTypeList(d)+")")
	}
	if err := checkEntry(d, entryRules{what: "route", def: "DefaultRoute", usedFor: " routes only"},
		rt.Type == RouteDefault, rt.Type.String(), rt.Order, rt.Filters); err != nil {
		return err
	}
	field := rt.connectorField()
	if len(rt.Connectors) == 0 {
		return rtParamErr(field, "a "+rt.Type.String()+" needs a connector")
	}
	if !rt.Type.Multi() && len(rt.Connectors) != 1 {
		return rtParamErr(field, "a "+rt.Type.String()+" takes one connector, not "+strconv.Itoa(len(rt.Connectors)))
	}
	conns := make([]string, len(rt.Connectors))
	for i, c := range rt.Connectors {
		n, err := rtNormConnector(field, d, c)
		if err != nil {
			return err
		}
		conns[i] = n
	}
	if rt.Type == RouteFailoverMO {
		k0, _ := SplitConnector(conns[0])
		for _, c := range conns[1:] {
			if k, _ := SplitConnector(c); k != k0 {
				return rtParamErr(field, "FailoverMORoute cannot have mixed connector types ("+strings.Join(conns, ", ")+")")
			}
		}
	}
	if rt.Rate < 0 {
		return rtParamErr("rate", "a rate can not be a negative value")
	}
	if d == MO && rt.Rate != 0 {
		return rtParamErr("rate", "MO routes are not rated")
	}
	rt.Connectors = conns
	rt.dir = d
	rt.eval = slices.Clone(rt.Filters)
	slices.SortStableFunc(rt.eval, func(a, b Filter) int { return rtFilterCost(a) - rtFilterCost(b) })
	return nil
}

func rtTypeList(d Direction) string { return typeList(RouteTypesFor(d)) }

// rtFilterCost orders a route's filters for evaluation: AND is
// commutative, so cheap tests run first and scripts (which may have side
// effects on tags) last, in their given order.
func rtFilterCost(f Filter) int {
	switch f := f.(type) {
	case *transparentFilter:
		return 0
	case *idFilter:
		return 1
	case *tagFilter:
		return 2
	case *dateFilter, *timeFilter:
		return 3
	case *regexFilter:
		if f.field == rtFieldSM {
			return 5
		}
		return 4
	case *EvalPyFilter:
		return 9
	}
	return 8
}

// clone copies the route so that a table owns it.
func (rt *Route) clone() *Route {
	c := *rt
	c.Filters = slices.Clone(rt.Filters)
	c.Connectors = slices.Clone(rt.Connectors)
	c.eval = nil
	return &c
}

// Match reports whether every filter of the route passes (a DefaultRoute
// always matches).
func (rt *Route) Match(r *Routable) bool {
	fl := rt.eval
	if fl == nil { // a Route not (yet) prepared by a constructor or table
		fl = rt.Filters
	}
	for _, f := range fl {
		if !f.Match(r) {
			return false
		}
	}
	return true
}

// Pick chooses the connector for a message the route matched: static and
// default routes give their connector; random round-robin routes a random
// one of theirs (Jasmin's random.choice; whether it is up is not
// checked, as in Jasmin); failover routes the first one for which up
// reports true, and ok=false when none is up. up may be nil (all up).
// Pick neither locks nor allocates.
func (rt *Route) Pick(_ *Routable, up func(connector string) bool) (connector string, ok bool) {
	switch rt.Type {
	case RouteRandomRoundrobinMT, RouteRandomRoundrobinMO:
		if n := len(rt.Connectors); n > 1 {
			return rt.Connectors[rand.Uint32N(uint32(n))], true
		}
	case RouteFailoverMT, RouteFailoverMO:
		for _, c := range rt.Connectors {
			if up == nil || up(c) {
				return c, true
			}
		}
		return "", false
	}
	if len(rt.Connectors) == 0 {
		return "", false
	}
	return rt.Connectors[0], true
}

// UsesFilter reports whether the route holds the filter fid.
func (rt *Route) UsesFilter(fid string) bool {
	return slices.ContainsFunc(rt.Filters, func(f Filter) bool { return f.ID() == fid })
}

// ConnectorLabels are the connectors as jCli lists them: "smppc(id)" for
// MT, the MO targets as they are.
func (rt *Route) ConnectorLabels() []string {
	out := make([]string, len(rt.Connectors))
	for i, c := range rt.Connectors {
		if rt.dir == MT {
			c = ConnectorSMPPClient + "(" + c + ")"
		}
		out[i] = c
	}
	return out
}

// FilterList is the filters as route listings show them, comma separated:
// "<GroupFilter (gid=G2)>, <TimeIntervalFilter (08:00:00,18:00:00)>".
func (rt *Route) FilterList() string {
	s := make([]string, len(rt.Filters))
	for i, f := range rt.Filters {
		s[i] = f.Describe()
	}
	return strings.Join(s, ", ")
}

// Show is the route as "mtrouter -s" / "morouter -s" shows it:
//
//	StaticMTRoute to smppc(smppcc_1) NOT RATED
//	RandomRoundrobinMTRoute to 2 connectors:
//	   - smppc(smppcc_2)
//	   - smppc(smppcc_3)
//	NOT RATED
//	StaticMORoute to http(http_1)
//
// MT routes end with "NOT RATED" or "rated 0.40" (two decimals).
func (rt *Route) Show() string {
	labels := rt.ConnectorLabels()
	var b strings.Builder
	b.WriteString(rt.Type.String())
	if rt.Type.Multi() {
		b.WriteString(" to " + strconv.Itoa(len(labels)) + " connectors:")
		for _, l := range labels {
			b.WriteString("\n   - " + l)
		}
	} else if len(labels) > 0 {
		b.WriteString(" to " + labels[0])
	}
	if rt.dir == MT {
		rate := "NOT RATED"
		if rt.Rate > 0 {
			rate = "rated " + rt.Rate.Format(2)
		}
		if rt.Type.Multi() {
			b.WriteString("\n" + rate)
		} else {
			b.WriteString(" " + rate)
		}
	}
	return b.String()
}

// BuildRoute builds a route from jCli's add-session keys: type, order,
// filters ("f1;f2", resolved in fs), connector (DefaultRoute and static
// routes) or connectors ("a;b", round-robin and failover), and rate (MT
// only, mandatory). A DefaultRoute's order may be left out (it is 0).
// Errors name the key.
func BuildRoute(d Direction, params map[string]string, fs *FilterSet) (*Route, error) {
	get := entryParams(params).get
	allowed := []string{"type", "order", "filters", "connector", "connectors"}
	if d == MT {
		allowed = append(allowed, "rate")
	}
	ts, err := entryParams(params).typeName(allowed, d.String()+" route")
	if err != nil {
		return nil, err
	}
	typ, ok := ParseRouteType(ts)
	if !ok {
		return nil, rtParamErr("type", "unknown route type \""+ts+"\" (use one of "+rtTypeList(d)+")")
	}
	rt := &Route{Type: typ}
	if rt.Order, rt.Filters, err = entryParams(params).orderFilters(typ == RouteDefault, "DefaultRoute", fs); err != nil {
		return nil, err
	}
	field, other := "connector", "connectors"
	if typ.Multi() {
		field, other = other, field
	}
	if _, ok := get(other); ok {
		return nil, rtParamErr(other, "a "+typ.String()+" takes \""+field+"\", not \""+other+"\"")
	}
	cv, ok := get(field)
	if !ok {
		return nil, rtParamErr(field, "missing")
	}
	conns, err := ParseRouteConnectors(d, field, cv)
	if err != nil {
		return nil, err
	}
	rt.Connectors = conns
	if d == MT {
		rv, ok := get("rate")
		if !ok {
			return nil, rtParamErr("rate", "missing")
		}
		rate, err := ParseRouteRate(rv)
		if err != nil {
			return nil, err
		}
		rt.Rate = rate
	}
	if err := rt.prepare(d); err != nil {
		return nil, err
	}
	return rt, nil
}
