package router

import (
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
)

// MTTable is Jasmin's MTRoutingTable: MT routes by order, looked up in
// descending order. MOTable is the MORoutingTable.
//
// Both change at run time without stopping traffic: a change (Add,
// Remove, Flush, Load) copies the current snapshot, applies itself, indexes
// the result and swaps it in atomically; Lookup reads the snapshot it
// finds and neither locks nor allocates (scripts aside: an EvalPyFilter
// allocates when it runs). Changes are serialised among themselves.
type MTTable struct{ t rtTable }

// MOTable is the MO routing table; see MTTable.
type MOTable struct{ t rtTable }

// NewMTTable returns an empty MT table.
func NewMTTable() *MTTable { return &MTTable{} }

// NewMOTable returns an empty MO table.
func NewMOTable() *MOTable { return &MOTable{} }

// KnownConnector tells a table whether a route's connector exists: kind is
// "smppc" (MT), "http" or "smpps" (MO), id the connector id (for smpps,
// the SMPP server user the manual calls "username"). nil accepts all.
type KnownConnector func(kind, id string) bool

// Add puts route at its order, replacing the route already there (as
// Jasmin's RoutingTable.add does). The table keeps its own copy. It is
// refused, with the table unchanged, when the route does not validate
// (see Route.prepare: order 0 only for the DefaultRoute, filters unfit
// for MT, mixed FailoverMORoute …) or names a connector known rejects.
func (t *MTTable) Add(route *Route, known KnownConnector) error { return t.t.add(MT, route, known) }

// Remove deletes the route at order; an order with no route is an error.
func (t *MTTable) Remove(order int) error { return t.t.remove(MT, order) }

// Flush removes every route.
func (t *MTTable) Flush() { t.t.flush() }

// Load replaces the whole table with routes (all validated first; two
// routes at one order are refused): for loading a saved configuration.
func (t *MTTable) Load(routes []*Route, known KnownConnector) error {
	return t.t.load(MT, routes, known)
}

// Routes returns the routes in descending order (for listings).
func (t *MTTable) Routes() []*Route { return slices.Clone(t.t.cur().routes) }

// Get returns the route at order.
func (t *MTTable) Get(order int) (*Route, bool) { return t.t.cur().get(order) }

// Len is the number of routes.
func (t *MTTable) Len() int { return len(t.t.cur().routes) }

// Lookup routes an MT message: it walks the routes in descending order
// and takes the first whose filters all match, then picks its connector
// (Route.Pick). It returns that route, the connector and true; nil, "",
// false when no route matches (Jasmin: "No route found"); and the route,
// "", false when the matching route is a failover route none of whose
// connectors is up. In that case the walk stops there, as Jasmin's does:
// Jasmin's getRouteFor returns the first route whose filters match and
// its callers then look for a bound connector of that route, answering
// an error when there is none ("Failover route has no bound connector"),
// without trying lower routes. up may be nil (all up); it is consulted
// for failover routes only.
func (t *MTTable) Lookup(r *Routable, up func(connector string) bool) (*Route, string, bool) {
	return t.t.cur().lookup(r, up)
}

// FilterUsedBy names the routes holding the filter fid ("MT route 100").
func (t *MTTable) FilterUsedBy(fid string) []string { return t.t.usedBy(MT, fid) }

// Add: see MTTable.Add.
func (t *MOTable) Add(route *Route, known KnownConnector) error { return t.t.add(MO, route, known) }

// Remove: see MTTable.Remove.
func (t *MOTable) Remove(order int) error { return t.t.remove(MO, order) }

// Flush: see MTTable.Flush.
func (t *MOTable) Flush() { t.t.flush() }

// Load: see MTTable.Load.
func (t *MOTable) Load(routes []*Route, known KnownConnector) error {
	return t.t.load(MO, routes, known)
}

// Routes: see MTTable.Routes.
func (t *MOTable) Routes() []*Route { return slices.Clone(t.t.cur().routes) }

// Get: see MTTable.Get.
func (t *MOTable) Get(order int) (*Route, bool) { return t.t.cur().get(order) }

// Len: see MTTable.Len.
func (t *MOTable) Len() int { return len(t.t.cur().routes) }

// Lookup routes an MO message; see MTTable.Lookup. The connector is an
// "http(cid)" or "smpps(uid)" target (SplitConnector splits it).
func (t *MOTable) Lookup(r *Routable, up func(connector string) bool) (*Route, string, bool) {
	return t.t.cur().lookup(r, up)
}

// FilterUsedBy names the routes holding the filter fid ("MO route 20").
func (t *MOTable) FilterUsedBy(fid string) []string { return t.t.usedBy(MO, fid) }

type rtTable struct {
	mu   sync.Mutex // serialises changes; lookups never take it
	snap atomic.Pointer[rtSnapshot]
}

var rtEmptySnapshot = rtBuildSnapshot(nil)

// cur is the current snapshot (a zero table is empty).
func (t *rtTable) cur() *rtSnapshot {
	if s := t.snap.Load(); s != nil {
		return s
	}
	return rtEmptySnapshot
}

// admit validates a copy of route for the table.
func (t *rtTable) admit(d Direction, route *Route, known KnownConnector) (*Route, error) {
	if route == nil {
		return nil, rtParamErr("route", "nil route")
	}
	c := route.clone()
	if err := c.prepare(d); err != nil {
		return nil, err
	}
	if known != nil {
		for _, conn := range c.Connectors {
			kind, id := SplitConnector(conn)
			if kind == "" {
				kind = ConnectorSMPPClient
			}
			if !known(kind, id) {
				return nil, rtParamErr(c.connectorField(), "unknown "+kind+" connector "+id)
			}
		}
	}
	return c, nil
}

func (t *rtTable) add(d Direction, route *Route, known KnownConnector) error {
	c, err := t.admit(d, route, known)
	if err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	old := t.cur().routes
	routes := make([]*Route, 0, len(old)+1)
	for _, r := range old {
		if r.Order != c.Order {
			routes = append(routes, r)
		}
	}
	routes = append(routes, c)
	t.snap.Store(rtBuildSnapshot(routes))
	return nil
}

func (t *rtTable) remove(d Direction, order int) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	old := t.cur().routes
	i := slices.IndexFunc(old, func(r *Route) bool { return r.Order == order })
	if i < 0 {
		return rtParamErr("order", "no "+d.String()+" route at order "+strconv.Itoa(order))
	}
	routes := slices.Delete(slices.Clone(old), i, i+1)
	t.snap.Store(rtBuildSnapshot(routes))
	return nil
}

func (t *rtTable) flush() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.snap.Store(rtBuildSnapshot(nil))
}

func (t *rtTable) load(d Direction, in []*Route, known KnownConnector) error {
	routes := make([]*Route, 0, len(in))
	seen := make(map[int]bool, len(in))
	for _, r := range in {
		c, err := t.admit(d, r, known)
		if err != nil {
			return err
		}
		if seen[c.Order] {
			return rtParamErr("order", "two routes at order "+strconv.Itoa(c.Order))
		}
		seen[c.Order] = true
		routes = append(routes, c)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.snap.Store(rtBuildSnapshot(routes))
	return nil
}

func (t *rtTable) usedBy(d Direction, fid string) []string {
	var out []string
	for _, r := range t.cur().routes {
		if r.UsesFilter(fid) {
			out = append(out, d.String()+" route "+strconv.Itoa(r.Order))
		}
	}
	return out
}

// rtSnapshot is an immutable table state: routes in descending order and
// an index over them.
type rtSnapshot struct {
	routes []*Route
	idx    rtIndex
}

func rtBuildSnapshot(routes []*Route) *rtSnapshot {
	slices.SortFunc(routes, func(a, b *Route) int { return b.Order - a.Order })
	s := &rtSnapshot{routes: routes}
	s.idx = rtBuildIndex(routes)
	return s
}

func (s *rtSnapshot) get(order int) (*Route, bool) {
	i, ok := slices.BinarySearchFunc(s.routes, order, func(r *Route, o int) int { return o - r.Order })
	if !ok {
		return nil, false
	}
	return s.routes[i], true
}

func (s *rtSnapshot) lookup(r *Routable, up func(string) bool) (*Route, string, bool) {
	var c rtCandidates
	s.idx.candidates(r, &c)
	for {
		i, ok := c.next()
		if !ok {
			return nil, "", false
		}
		rt := s.routes[i]
		if !rt.Match(r) {
			continue
		}
		conn, ok := rt.Pick(r, up)
		return rt, conn, ok
	}
}

// lookupLinear is the unindexed walk, kept as the reference the index is
// tested against.
func (s *rtSnapshot) lookupLinear(r *Routable, up func(string) bool) (*Route, string, bool) {
	for _, rt := range s.routes {
		if rt.Match(r) {
			conn, ok := rt.Pick(r, up)
			return rt, conn, ok
		}
	}
	return nil, "", false
}
