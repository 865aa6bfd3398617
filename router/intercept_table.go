package router

import (
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// MTInterceptorTable is Jasmin's MTInterceptionTable: MT interceptors by
// order, looked up in descending order. MOInterceptorTable is the
// MOInterceptionTable.
//
// They change like the routing tables: a change (Add, Remove, Flush,
// Load) copies the current snapshot, applies itself, indexes the result
// (with the routing tables' index: by uid, gid, connector and address
// prefixes) and swaps it in atomically; Lookup reads the snapshot it finds
// and neither locks nor allocates (an EvalPyFilter among the filters
// allocates when it runs). Changes are serialised among themselves.
type MTInterceptorTable struct{ t icTable }

// MOInterceptorTable is the MO interception table; see MTInterceptorTable.
type MOInterceptorTable struct{ t icTable }

// NewMTInterceptorTable returns an empty MT interception table.
func NewMTInterceptorTable() *MTInterceptorTable { return &MTInterceptorTable{} }

// NewMOInterceptorTable returns an empty MO interception table.
func NewMOInterceptorTable() *MOInterceptorTable { return &MOInterceptorTable{} }

// Add puts ic at its order, replacing the interceptor already there (as
// Jasmin's table does). The table keeps its own copy. It is refused, with
// the table unchanged, when ic does not validate for MT.
func (t *MTInterceptorTable) Add(ic *Interceptor) error { return t.t.add(MT, ic) }

// Remove deletes the interceptor at order; an order with none is an error.
func (t *MTInterceptorTable) Remove(order int) error { return t.t.remove(MT, order) }

// Flush removes every interceptor.
func (t *MTInterceptorTable) Flush() { t.t.flush() }

// Load replaces the whole table (all validated first; two interceptors at
// one order are refused): for loading a saved configuration.
func (t *MTInterceptorTable) Load(ics []*Interceptor) error { return t.t.load(MT, ics) }

// Interceptors returns the interceptors in descending order.
func (t *MTInterceptorTable) Interceptors() []*Interceptor { return slices.Clone(t.t.cur().ics) }

// Get returns the interceptor at order.
func (t *MTInterceptorTable) Get(order int) (*Interceptor, bool) { return t.t.cur().get(order) }

// Len is the number of interceptors.
func (t *MTInterceptorTable) Len() int { return len(t.t.cur().ics) }

// Lookup returns the first interceptor, in descending order, whose filters
// all match r; false when none does (the message is not intercepted).
func (t *MTInterceptorTable) Lookup(r *Routable) (*Interceptor, bool) { return t.t.cur().lookup(r) }

// FilterUsedBy names the interceptors holding the filter fid ("MT
// interceptor 100").
func (t *MTInterceptorTable) FilterUsedBy(fid string) []string { return t.t.usedBy(MT, fid) }

// ListLines is "mtinterceptor -l" as the manual prints it:
//
//	#Order    Type                    Script                    Filter(s)
//	#10       StaticMTInterceptor     <MTIS (pyCode= ..)>       <T>
//	#0        DefaultInterceptor      <MTIS (pyCode= ..)>
//	Total MT Interceptors: 2
func (t *MTInterceptorTable) ListLines() []string { return t.t.cur().listLines(MT) }

// Add: see MTInterceptorTable.Add.
func (t *MOInterceptorTable) Add(ic *Interceptor) error { return t.t.add(MO, ic) }

// Remove: see MTInterceptorTable.Remove.
func (t *MOInterceptorTable) Remove(order int) error { return t.t.remove(MO, order) }

// Flush: see MTInterceptorTable.Flush.
func (t *MOInterceptorTable) Flush() { t.t.flush() }

// Load: see MTInterceptorTable.Load.
func (t *MOInterceptorTable) Load(ics []*Interceptor) error { return t.t.load(MO, ics) }

// Interceptors: see MTInterceptorTable.Interceptors.
func (t *MOInterceptorTable) Interceptors() []*Interceptor { return slices.Clone(t.t.cur().ics) }

// Get: see MTInterceptorTable.Get.
func (t *MOInterceptorTable) Get(order int) (*Interceptor, bool) { return t.t.cur().get(order) }

// Len: see MTInterceptorTable.Len.
func (t *MOInterceptorTable) Len() int { return len(t.t.cur().ics) }

// Lookup: see MTInterceptorTable.Lookup.
func (t *MOInterceptorTable) Lookup(r *Routable) (*Interceptor, bool) { return t.t.cur().lookup(r) }

// FilterUsedBy: see MTInterceptorTable.FilterUsedBy.
func (t *MOInterceptorTable) FilterUsedBy(fid string) []string { return t.t.usedBy(MO, fid) }

// ListLines is "mointerceptor -l"; see MTInterceptorTable.ListLines.
func (t *MOInterceptorTable) ListLines() []string { return t.t.cur().listLines(MO) }

type icTable struct {
	mu   sync.Mutex // serialises changes; lookups never take it
	snap atomic.Pointer[icSnapshot]
}

var icEmptySnapshot = icBuildSnapshot(nil)

func (t *icTable) cur() *icSnapshot {
	if s := t.snap.Load(); s != nil {
		return s
	}
	return icEmptySnapshot
}

func icAdmit(d Direction, ic *Interceptor) (*Interceptor, error) {
	if ic == nil {
		return nil, rtParamErr("interceptor", "nil interceptor")
	}
	c := ic.clone()
	if err := c.prepare(d); err != nil {
		return nil, err
	}
	return c, nil
}

func (t *icTable) add(d Direction, ic *Interceptor) error {
	c, err := icAdmit(d, ic)
	if err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	old := t.cur().ics
	ics := make([]*Interceptor, 0, len(old)+1)
	for _, x := range old {
		if x.Order != c.Order {
			ics = append(ics, x)
		}
	}
	t.snap.Store(icBuildSnapshot(append(ics, c)))
	return nil
}

func (t *icTable) remove(d Direction, order int) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	old := t.cur().ics
	i := slices.IndexFunc(old, func(x *Interceptor) bool { return x.Order == order })
	if i < 0 {
		return rtParamErr("order", "no "+d.String()+" interceptor at order "+strconv.Itoa(order))
	}
	t.snap.Store(icBuildSnapshot(slices.Delete(slices.Clone(old), i, i+1)))
	return nil
}

func (t *icTable) flush() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.snap.Store(icBuildSnapshot(nil))
}

func (t *icTable) load(d Direction, in []*Interceptor) error {
	ics := make([]*Interceptor, 0, len(in))
	seen := make(map[int]bool, len(in))
	for _, x := range in {
		c, err := icAdmit(d, x)
		if err != nil {
			return err
		}
		if seen[c.Order] {
			return rtParamErr("order", "two interceptors at order "+strconv.Itoa(c.Order))
		}
		seen[c.Order] = true
		ics = append(ics, c)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.snap.Store(icBuildSnapshot(ics))
	return nil
}

func (t *icTable) usedBy(d Direction, fid string) []string {
	var out []string
	for _, x := range t.cur().ics {
		if x.UsesFilter(fid) {
			out = append(out, d.String()+" interceptor "+strconv.Itoa(x.Order))
		}
	}
	return out
}

// icSnapshot is an immutable table state: interceptors in descending
// order and the routing index over their filters.
type icSnapshot struct {
	ics []*Interceptor
	idx rtIndex
}

func icBuildSnapshot(ics []*Interceptor) *icSnapshot {
	slices.SortFunc(ics, func(a, b *Interceptor) int { return b.Order - a.Order })
	// The index reads only a route's filters: file each interceptor as a
	// route with its filters, at the same position.
	shadow := make([]*Route, len(ics))
	for i, x := range ics {
		shadow[i] = &Route{Filters: x.Filters}
	}
	return &icSnapshot{ics: ics, idx: rtBuildIndex(shadow)}
}

func (s *icSnapshot) get(order int) (*Interceptor, bool) {
	i, ok := slices.BinarySearchFunc(s.ics, order, func(x *Interceptor, o int) int { return o - x.Order })
	if !ok {
		return nil, false
	}
	return s.ics[i], true
}

func (s *icSnapshot) lookup(r *Routable) (*Interceptor, bool) {
	var c rtCandidates
	s.idx.candidates(r, &c)
	for {
		i, ok := c.next()
		if !ok {
			return nil, false
		}
		if x := s.ics[i]; x.Match(r) {
			return x, true
		}
	}
}

// lookupLinear is the unindexed walk the index is tested against.
func (s *icSnapshot) lookupLinear(r *Routable) (*Interceptor, bool) {
	for _, x := range s.ics {
		if x.Match(r) {
			return x, true
		}
	}
	return nil, false
}

// listLines formats the table as Jasmin's jCli does: "#", then the order,
// type and script left-justified in 8, 23 and 25 columns, then the
// filters; trailing blanks trimmed.
func (s *icSnapshot) listLines(d Direction) []string {
	pad := func(v string, n int) string {
		if len(v) >= n {
			return v
		}
		return v + strings.Repeat(" ", n-len(v))
	}
	row := func(order, typ, scr, filters string) string {
		return strings.TrimRight("#"+pad(order, 8)+" "+pad(typ, 23)+" "+pad(scr, 25)+" "+filters, " ")
	}
	var out []string
	if len(s.ics) > 0 {
		out = append(out, row("Order", "Type", "Script", "Filter(s)"))
	}
	for _, x := range s.ics {
		out = append(out, row(strconv.Itoa(x.Order), x.Type.String(), x.ScriptDescribe(), x.FilterList()))
	}
	return append(out, "Total "+d.String()+" Interceptors: "+strconv.Itoa(len(s.ics)))
}
