package router

// rtIndex narrows a lookup to the routes that can possibly match, so that
// a table of a thousand routes is not a thousand regexp runs.
//
// Every route is filed under one key taken from one of its filters: the
// uid of a UserFilter, the gid of a GroupFilter, the cid of a
// ConnectorFilter, or the literal prefixes of a DestinationAddrFilter's or
// SourceAddrFilter's regexp (pyRegexp.prefixes: every match starts with
// one of them). A route whose filters give no key (TransparentFilter,
// time, tag, script, content filters, regexps without a literal start,
// the DefaultRoute) is "always" a candidate. Among its possible keys a
// route takes the one shared by the fewest routes.
//
// A message's candidates are then the always list, the routes filed under
// its uid, gid and connector, and those filed under prefixes of its
// destination and source addresses (found by walking a byte trie). Each
// list is sorted by position in the table, so merging them yields the
// candidates in descending order; each is then checked with all its
// filters. The index only drops routes that cannot match, so the result
// is the linear walk's (tested against lookupLinear).
type rtIndex struct {
	always   []int32
	byUID    map[string][]int32
	byGID    map[string][]int32
	byCID    map[string][]int32
	dst, src rtTrie
	hasUID   bool
	hasGID   bool
	hasCID   bool
	hasDst   bool
	hasSrc   bool
}

type rtTrie struct {
	nodes []rtTrieNode // nodes[0] is the root
}

type rtTrieNode struct {
	edges  []rtTrieEdge
	routes []int32
}

type rtTrieEdge struct {
	b    byte
	next int32
}

func (t *rtTrie) insert(s string, route int32) {
	if len(t.nodes) == 0 {
		t.nodes = append(t.nodes, rtTrieNode{})
	}
	n := int32(0)
	for i := 0; i < len(s); i++ {
		next := int32(-1)
		for _, e := range t.nodes[n].edges {
			if e.b == s[i] {
				next = e.next
				break
			}
		}
		if next < 0 {
			next = int32(len(t.nodes))
			t.nodes = append(t.nodes, rtTrieNode{})
			t.nodes[n].edges = append(t.nodes[n].edges, rtTrieEdge{s[i], next})
		}
		n = next
	}
	rl := t.nodes[n].routes
	if len(rl) == 0 || rl[len(rl)-1] != route {
		t.nodes[n].routes = append(rl, route)
	}
}

// walk adds to c the route lists of the nodes along b.
func (t *rtTrie) walk(b []byte, c *rtCandidates) {
	if len(t.nodes) == 0 {
		return
	}
	n := int32(0)
	for i := 0; i < len(b) && i < rtLitMaxLen; i++ {
		edges := t.nodes[n].edges
		next := int32(-1)
		for j := range edges {
			if edges[j].b == b[i] {
				next = edges[j].next
				break
			}
		}
		if next < 0 {
			return
		}
		n = next
		c.add(t.nodes[n].routes)
	}
}

type rtKeyKind uint8

const (
	rtKeyNone rtKeyKind = iota
	rtKeyUID
	rtKeyCID
	rtKeyDst
	rtKeySrc
	rtKeyGID
)

type rtKey struct {
	kind     rtKeyKind
	val      string   // uid, gid, cid
	prefixes []string // dst, src
}

func rtRouteKeys(rt *Route) []rtKey {
	var keys []rtKey
	for _, f := range rt.Filters {
		switch f := f.(type) {
		case *idFilter:
			switch f.key {
			case "uid":
				keys = append(keys, rtKey{kind: rtKeyUID, val: f.val})
			case "gid":
				keys = append(keys, rtKey{kind: rtKeyGID, val: f.val})
			case "cid":
				keys = append(keys, rtKey{kind: rtKeyCID, val: f.val})
			}
		case *regexFilter:
			if f.re.prefixes == nil {
				continue
			}
			switch f.field {
			case rtFieldDst:
				keys = append(keys, rtKey{kind: rtKeyDst, prefixes: f.re.prefixes})
			case rtFieldSrc:
				keys = append(keys, rtKey{kind: rtKeySrc, prefixes: f.re.prefixes})
			}
		}
	}
	return keys
}

func (k rtKey) names() []string {
	switch k.kind {
	case rtKeyDst, rtKeySrc:
		p := "d:"
		if k.kind == rtKeySrc {
			p = "s:"
		}
		out := make([]string, len(k.prefixes))
		for i, s := range k.prefixes {
			out[i] = p + s
		}
		return out
	}
	return []string{[...]string{rtKeyUID: "u:", rtKeyCID: "c:", rtKeyGID: "g:"}[k.kind] + k.val}
}

func rtBuildIndex(routes []*Route) rtIndex {
	var idx rtIndex
	keys := make([][]rtKey, len(routes))
	count := make(map[string]int)
	for i, rt := range routes {
		keys[i] = rtRouteKeys(rt)
		for _, k := range keys[i] {
			for _, n := range k.names() {
				count[n]++
			}
		}
	}
	for i := range routes {
		best, bestCost := rtKey{}, -1
		for _, k := range keys[i] {
			cost := 0
			for _, n := range k.names() {
				cost += count[n]
			}
			if bestCost < 0 || cost < bestCost || cost == bestCost && k.kind < best.kind {
				best, bestCost = k, cost
			}
		}
		ri := int32(i)
		switch best.kind {
		case rtKeyNone:
			idx.always = append(idx.always, ri)
		case rtKeyUID:
			idx.byUID = rtMapAdd(idx.byUID, best.val, ri)
		case rtKeyGID:
			idx.byGID = rtMapAdd(idx.byGID, best.val, ri)
		case rtKeyCID:
			idx.byCID = rtMapAdd(idx.byCID, best.val, ri)
		case rtKeyDst:
			for _, p := range best.prefixes {
				idx.dst.insert(p, ri)
			}
		case rtKeySrc:
			for _, p := range best.prefixes {
				idx.src.insert(p, ri)
			}
		}
	}
	idx.hasUID, idx.hasGID, idx.hasCID = len(idx.byUID) > 0, len(idx.byGID) > 0, len(idx.byCID) > 0
	idx.hasDst, idx.hasSrc = len(idx.dst.nodes) > 0, len(idx.src.nodes) > 0
	return idx
}

func rtMapAdd(m map[string][]int32, k string, v int32) map[string][]int32 {
	if m == nil {
		m = make(map[string][]int32)
	}
	m[k] = append(m[k], v)
	return m
}

// rtMaxLists bounds the lists one lookup merges: always, uid, gid, cid,
// and one per trie level for destination and source.
const rtMaxLists = 4 + 2*rtLitMaxLen

// rtCandidates merges sorted route-position lists; it lives on the
// lookup's stack.
type rtCandidates struct {
	lists [rtMaxLists][]int32
	n     int
	last  int32
}

func (c *rtCandidates) add(l []int32) {
	if len(l) > 0 && c.n < rtMaxLists {
		c.lists[c.n] = l
		c.n++
	}
}

// next returns the smallest position left (the highest order), once.
func (c *rtCandidates) next() (int32, bool) {
	for {
		best := -1
		for i := 0; i < c.n; i++ {
			if best < 0 || c.lists[i][0] < c.lists[best][0] {
				best = i
			}
		}
		if best < 0 {
			return 0, false
		}
		v := c.lists[best][0]
		if c.lists[best] = c.lists[best][1:]; len(c.lists[best]) == 0 {
			c.n--
			c.lists[best] = c.lists[c.n]
			c.lists[c.n] = nil
		}
		if v == c.last {
			continue // filed twice along one path
		}
		c.last = v
		return v, true
	}
}

func (idx *rtIndex) candidates(r *Routable, c *rtCandidates) {
	c.last = -1
	c.add(idx.always)
	if idx.hasUID && r.UID != "" {
		c.add(idx.byUID[r.UID])
	}
	if idx.hasGID && r.GID != "" {
		c.add(idx.byGID[r.GID])
	}
	if idx.hasCID && r.Connector != "" {
		c.add(idx.byCID[r.Connector])
	}
	if r.PDU != nil {
		if idx.hasDst {
			idx.dst.walk(r.PDU.Dest.Addr, c)
		}
		if idx.hasSrc {
			idx.src.walk(r.PDU.Source.Addr, c)
		}
	}
}
