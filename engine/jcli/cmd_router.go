package jcli

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/gwd-project/gwd/engine/smppc"
	"github.com/gwd-project/gwd/router"
)

// maxOrder is the highest route or interceptor order.
const maxOrder = router.MaxRouteOrder

// dir is one direction's names: "MT" / "mt".
type dir struct {
	d     router.Direction
	upper string // MT
	lower string // mt
}

var (
	mtDir = dir{router.MT, "MT", "mt"}
	moDir = dir{router.MO, "MO", "mo"}
)

func routerCommand(d dir) *command {
	return &command{name: d.lower + "router", doc: d.upper + " Router management",
		opts: []option{
			{short: "-l", long: "--list", help: "List " + d.upper + " routes"},
			{short: "-a", long: "--add", help: "Add a new " + d.upper + " route"},
			{short: "-r", long: "--remove", metavar: "ORDER", help: "Remove " + d.upper + " route using it's ORDER"},
			{short: "-s", long: "--show", metavar: "ORDER", help: "Show " + d.upper + " route using it's ORDER"},
			{short: "-f", long: "--flush", help: "Flush " + d.upper + " routing table"},
		},
		actions: []action{
			{"list", func(s *session, _ opts) { routeList(s, d) }},
			{"add", func(s *session, _ opts) {
				s.startInteraction(&routeAdd{dir: d, params: map[string]string{}},
					"Adding a new "+d.upper+" Route: (ok: save, ko: exit)")
			}},
			{"remove", func(s *session, o opts) { routeRemove(s, d, o.get("remove")) }},
			{"show", func(s *session, o opts) {
				if rt := routeLookup(s, d, o.get("show")); rt != nil {
					s.println(rt.Show())
				}
			}},
			{"flush", func(s *session, _ opts) { routeFlush(s, d) }},
		}}
}

// routes returns the table's routes in descending order.
func routes(b Backend, d dir) []*router.Route {
	if d.d == router.MT {
		return b.MTTable().Routes()
	}
	return b.MOTable().Routes()
}

// routeList is `mtrouter -l` / `morouter -l`:
//
//	#Order Type                    Rate       Connector ID(s)                                  Filter(s)
//	#0     DefaultRoute            0 (!)      smppc(smsc1)
//	Total MT Routes: 1
func routeList(s *session, d dir) {
	rts := routes(s.srv.b, d)
	if len(rts) > 0 {
		if d.d == router.MT {
			s.println(row([]string{"Order", "Type", "Rate", "Connector ID(s)", "Filter(s)"}, []int{5, 23, 10, 48}))
		} else {
			s.println(row([]string{"Order", "Type", "Connector ID(s)", "Filter(s)"}, []int{5, 23, 48}))
		}
	}
	for _, rt := range rts {
		conns := strings.Join(rt.ConnectorLabels(), ", ")
		if d.d == router.MT {
			rate := "0 (!)"
			if rt.Rate != 0 {
				rate = rt.Rate.Format(5)
			}
			s.println(row([]string{strconv.Itoa(rt.Order), rt.Type.String(), rate, conns, rt.FilterList()}, []int{5, 23, 10, 48}))
		} else {
			s.println(row([]string{strconv.Itoa(rt.Order), rt.Type.String(), conns, rt.FilterList()}, []int{5, 23, 48}))
		}
	}
	s.println("Total " + d.upper + " Routes: " + strconv.Itoa(len(rts)))
}

// routeLookup finds the route at order, or answers why not.
func routeLookup(s *session, d dir, arg string) *router.Route {
	order, ok := parseOrder(arg)
	if !ok {
		s.println(d.upper + " Route order must be a positive integer")
		return nil
	}
	var rt *router.Route
	if d.d == router.MT {
		rt, ok = s.srv.b.MTTable().Get(order)
	} else {
		rt, ok = s.srv.b.MOTable().Get(order)
	}
	if !ok {
		s.println("Unknown " + d.upper + " Route: " + arg)
		return nil
	}
	return rt
}

func routeRemove(s *session, d dir, arg string) {
	rt := routeLookup(s, d, arg)
	if rt == nil {
		return
	}
	b := s.srv.b
	err := s.commit(func(*undoList) error {
		if d.d == router.MT {
			return b.MTTable().Remove(rt.Order)
		}
		return b.MOTable().Remove(rt.Order)
	})
	if err != nil {
		s.errLine(err)
		return
	}
	s.println("Successfully removed " + d.upper + " Route with order:" + strconv.Itoa(rt.Order))
}

func routeFlush(s *session, d dir) {
	b := s.srv.b
	n := 0
	err := s.commit(func(*undoList) error {
		if d.d == router.MT {
			n = b.MTTable().Len()
			b.MTTable().Flush()
		} else {
			n = b.MOTable().Len()
			b.MOTable().Flush()
		}
		return nil
	})
	if err != nil {
		s.errLine(err)
		return
	}
	s.println(fmt.Sprintf("Successfully flushed %s Route table (%d flushed entries)", d.upper, n))
}

// routeArgs are the keys a route type takes besides order and type, in
// Jasmin's order.
func routeArgs(d dir, t router.RouteType) []string {
	var a []string
	if t != router.RouteDefault {
		a = append(a, "filters")
	}
	if t.Multi() {
		a = append(a, "connectors")
	} else {
		a = append(a, "connector")
	}
	if d.d == router.MT {
		a = append(a, "rate")
	}
	return a
}

// routeTypeNames lists the types a table takes, DefaultRoute first.
func routeTypeNames(d dir) []string {
	var out []string
	for _, t := range router.RouteTypesFor(d.d) {
		out = append(out, t.String())
	}
	return out
}

var typedCID = regexp.MustCompile(`^(?i:(smppc|smpps|http))\(([A-Za-z0-9_-]+)\)$`)

// checkTarget validates one typed connector id of a route ("smppc(id)",
// "http(id)", "smpps(uid)") and that it exists; it returns it in its
// canonical form.
func checkTarget(b Backend, d dir, v string) (string, error) {
	m := typedCID.FindStringSubmatch(strings.TrimSpace(v))
	kind := ""
	if m != nil {
		kind = strings.ToLower(m[1])
	}
	if d.d == router.MT {
		if kind != router.ConnectorSMPPClient || !smppc.ValidCID(m[2]) {
			return "", fmt.Errorf("Invalid syntax for connector id, must be smppc(some_id).")
		}
	} else {
		switch {
		case kind == router.ConnectorHTTP && smppc.ValidCID(m[2]):
		case kind == router.ConnectorSMPPServer && len(m[2]) <= 16:
		default:
			return "", fmt.Errorf("Invalid syntax for connector id, must be smpps(some_id) or http(some_id).")
		}
	}
	if !b.Known(kind, m[2]) {
		return "", fmt.Errorf("Unknown %s cid: %s", kind, m[2])
	}
	return kind + "(" + m[2] + ")", nil
}

// checkFilters validates a "filters" value: every fid exists and suits
// the direction. what names the object for the error ("MTRoute").
func checkFilters(b Backend, d dir, v, what string) (string, error) {
	var ids []string
	for _, fid := range strings.Split(v, ";") {
		fid = strings.TrimSpace(fid)
		f, ok := b.Filters().Get(fid)
		if !ok {
			return "", fmt.Errorf("Unknown fid: %s", fid)
		}
		mo, mt := f.UsedFor()
		if (d.d == router.MT && !mt) || (d.d == router.MO && !mo) {
			return "", fmt.Errorf("%s#%s is not a valid filter for %s (not in %sFILTERS)", f.Type(), fid, what, d.upper)
		}
		ids = append(ids, fid)
	}
	return strings.Join(ids, ";"), nil
}

// checkOrder applies Jasmin's order rules; forced reports that the order
// of a default object was kept at 0.
func checkOrder(arg string, isDefault, typed bool, noun, defName string) (order int, msg string, ok bool) {
	switch {
	case typed && isDefault && arg != "0":
		return 0, noun + " order forced to 0 since it is a " + defName, true
	case typed && !isDefault && arg == "0":
		return 0, "This " + strings.ToLower(noun) + " order (0) is reserved for " + defName + " only", false
	}
	n, valid := parseOrder(arg)
	if !valid {
		return 0, noun + " order must be a positive integer", false
	}
	return n, "", true
}

// routeAdd is the `mtrouter -a` / `morouter -a` session.
type routeAdd struct {
	dir      dir
	typ      router.RouteType
	order    int
	orderSet bool
	params   map[string]string // filters, connector(s), rate
}

func (r *routeAdd) keys() []string {
	k := []string{"order", "type"}
	if r.typ != 0 {
		k = append(k, routeArgs(r.dir, r.typ)...)
	}
	return k
}

func (r *routeAdd) complete(words []string) []string {
	if len(words) == 1 && words[0] == "type" {
		return routeTypeNames(r.dir)
	}
	return nil
}

func (r *routeAdd) isArg(key string) bool {
	if r.typ == 0 {
		return false
	}
	for _, a := range routeArgs(r.dir, r.typ) {
		if a == key {
			return true
		}
	}
	return false
}

func (r *routeAdd) set(s *session, key, arg string) {
	b := s.srv.b
	switch {
	case key == "type":
		t, ok := router.ParseRouteType(arg)
		if !ok || (t.Direction() != 0 && t.Direction() != r.dir.d) {
			s.println(fmt.Sprintf("Unknown %s Route type:%s, available types: %s", r.dir.upper, arg,
				strings.Join(routeTypeNames(r.dir), ", ")))
			return
		}
		if t == router.RouteDefault {
			r.order, r.orderSet = 0, true
		}
		r.typ, r.params = t, map[string]string{}
		s.println("<class 'jasmin.routing.Routes." + t.String() + "'> arguments:\n" + strings.Join(routeArgs(r.dir, t), ", "))
	case key == "order":
		n, msg, ok := checkOrder(arg, r.typ == router.RouteDefault, r.typ != 0, "Route", "DefaultRoute")
		if msg != "" {
			s.println(msg)
		}
		if ok {
			r.order, r.orderSet = n, true
		}
	case !r.isArg(key):
		s.println("Unknown Route key: " + key)
	case key == "connector":
		c, err := checkTarget(b, r.dir, arg)
		if err != nil {
			s.println(err.Error())
			return
		}
		r.params[key] = c
	case key == "connectors":
		parts := strings.Split(arg, ";")
		if len(parts) < 2 {
			s.println(`connectors option value must contain a minimum of 2 connector IDs separated with ";".`)
			return
		}
		for i, p := range parts {
			c, err := checkTarget(b, r.dir, p)
			if err != nil {
				s.println(err.Error())
				return
			}
			parts[i] = c
		}
		r.params[key] = strings.Join(parts, ";")
	case key == "rate":
		if _, err := router.ParseRouteRate(arg); err != nil {
			s.println("Incorrect rate (must be float): " + arg)
			return
		}
		r.params[key] = arg
	case key == "filters":
		v, err := checkFilters(b, r.dir, arg, r.dir.upper+"Route")
		if err != nil {
			s.println(err.Error())
			return
		}
		r.params[key] = v
	}
}

func (r *routeAdd) save(s *session) bool {
	complete := r.typ != 0 && r.orderSet
	for _, a := range routeArgs(r.dir, r.typ) {
		if _, ok := r.params[a]; !ok {
			complete = false
		}
	}
	if !complete {
		s.missing(r.keys())
		return false
	}
	params := map[string]string{"type": r.typ.String(), "order": strconv.Itoa(r.order)}
	for k, v := range r.params {
		params[k] = v
	}
	b := s.srv.b
	rt, err := router.BuildRoute(r.dir.d, params, b.Filters())
	if err != nil {
		s.errLine(err)
		return false
	}
	err = s.commit(func(*undoList) error {
		if r.dir.d == router.MT {
			return b.MTTable().Add(rt, b.Known)
		}
		return b.MOTable().Add(rt, b.Known)
	})
	if err != nil {
		s.errLine(err)
		return false
	}
	s.println(fmt.Sprintf("Successfully added %sRoute [%s] with order:%d", r.dir.upper, r.typ, r.order))
	return true
}
