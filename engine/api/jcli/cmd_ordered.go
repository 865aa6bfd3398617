package jcli

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gwd-project/gwd/engine/manage"
	"github.com/gwd-project/gwd/router"
)

// The MT and MO routing and interception tables are four ordered tables
// with the same commands (-l, -a, -r, -s, -f) and the same add session
// (order, type, filters, then the type's own keys). ordered describes
// one; cmd_router.go and cmd_interceptor.go hold what differs.

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

// ordered is one direction's routes or interceptors.
type ordered struct {
	dir
	noun    string // Route, Interceptor
	command string // router, interceptor (mtrouter, mointerceptor)
	table   string // routing table, interception table (help)
	class   string // jasmin.routing.Routes., the type's Python class prefix
	defName string // DefaultRoute, DefaultInterceptor
	// typeNames are the types the table takes, the default first.
	typeNames []string
	// parseType reads a type name: its canonical name, whether it is
	// the default type, and whether the table takes it.
	parseType func(arg string) (name string, isDefault, ok bool)
	// args are the keys a type takes besides order and type, in
	// Jasmin's order.
	args func(isDefault bool, typ string) []string
	// setArg checks a value of one of the type's own keys (not filters)
	// and returns what to keep, printing why not.
	setArg func(s *session, key, arg string) (string, bool)
	// list prints `-l`.
	list func(s *session)
	// show returns `-s ORDER`'s text.
	show func(m *manage.Manager, order int) (string, bool)
	// build makes the object of params and returns the change that
	// puts it in the table.
	build  func(m *manage.Manager, params map[string]string) (func(tx *manage.Tx) error, error)
	remove func(tx *manage.Tx, order int) error
	flush  func(tx *manage.Tx) int
}

func (k *ordered) commandDef() *command {
	lowerNoun := strings.ToLower(k.noun)
	return &command{name: k.lower + k.command, doc: k.upper + " " + strings.ToUpper(k.command[:1]) + k.command[1:] + " management",
		opts: []option{
			{short: "-l", long: "--list", help: "List " + k.upper + " " + lowerNoun + "s"},
			{short: "-a", long: "--add", help: "Add a new " + k.upper + " " + lowerNoun},
			{short: "-r", long: "--remove", metavar: "ORDER", help: "Remove " + k.upper + " " + lowerNoun + " using it's ORDER"},
			{short: "-s", long: "--show", metavar: "ORDER", help: "Show " + k.upper + " " + lowerNoun + " using it's ORDER"},
			{short: "-f", long: "--flush", help: "Flush " + k.upper + " " + k.table},
		},
		actions: []action{
			{"list", func(s *session, _ opts) { k.list(s) }},
			{"add", func(s *session, _ opts) {
				s.startInteraction(&orderedAdd{k: k, params: map[string]string{}},
					"Adding a new "+k.upper+" "+k.noun+": (ok: save, ko: exit)")
			}},
			{"remove", func(s *session, o opts) { k.removeCmd(s, o.get("remove")) }},
			{"show", func(s *session, o opts) {
				if order, ok := k.lookup(s, o.get("show")); ok {
					text, _ := k.show(s.srv.m, order)
					s.println(text)
				}
			}},
			{"flush", func(s *session, _ opts) { k.flushCmd(s) }},
		}}
}

// lookup finds the object at order, or answers why not.
func (k *ordered) lookup(s *session, arg string) (int, bool) {
	order, ok := parseOrder(arg)
	if !ok {
		s.println(k.upper + " " + k.noun + " order must be a positive integer")
		return 0, false
	}
	if _, ok := k.show(s.srv.m, order); !ok {
		s.println("Unknown " + k.upper + " " + k.noun + ": " + arg)
		return 0, false
	}
	return order, true
}

func (k *ordered) removeCmd(s *session, arg string) {
	order, ok := k.lookup(s, arg)
	if !ok {
		return
	}
	if err := s.change(func(tx *manage.Tx) error { return k.remove(tx, order) }); err != nil {
		s.errLine(err)
		return
	}
	s.println("Successfully removed " + k.upper + " " + k.noun + " with order:" + strconv.Itoa(order))
}

func (k *ordered) flushCmd(s *session) {
	n := 0
	if err := s.change(func(tx *manage.Tx) error { n = k.flush(tx); return nil }); err != nil {
		s.errLine(err)
		return
	}
	s.println(fmt.Sprintf("Successfully flushed %s %s table (%d flushed entries)", k.upper, k.noun, n))
}

// checkFilters validates a "filters" value: every fid exists and suits
// the direction. what names the object for the error ("MTRoute").
func checkFilters(m *manage.Manager, d dir, v, what string) (string, error) {
	var ids []string
	for _, fid := range strings.Split(v, ";") {
		fid = strings.TrimSpace(fid)
		f, ok := m.Filters().Get(fid)
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

// orderedAdd is the `mtrouter -a`, `mointerceptor -a` … session.
type orderedAdd struct {
	k         *ordered
	typ       string // canonical type name, "" until set
	isDefault bool
	order     int
	orderSet  bool
	params    map[string]string // filters and the type's own keys
}

func (a *orderedAdd) args() []string {
	if a.typ == "" {
		return nil
	}
	return a.k.args(a.isDefault, a.typ)
}

func (a *orderedAdd) keys() []string { return append([]string{"order", "type"}, a.args()...) }

func (a *orderedAdd) complete(words []string) []string {
	if len(words) == 1 && words[0] == "type" {
		return a.k.typeNames
	}
	return nil
}

func (a *orderedAdd) set(s *session, key, arg string) {
	k := a.k
	switch {
	case key == "type":
		name, isDefault, ok := k.parseType(arg)
		if !ok {
			s.println(fmt.Sprintf("Unknown %s %s type:%s, available types: %s", k.upper, k.noun, arg,
				strings.Join(k.typeNames, ", ")))
			return
		}
		if isDefault {
			a.order, a.orderSet = 0, true
		}
		a.typ, a.isDefault, a.params = name, isDefault, map[string]string{}
		s.println("<class '" + k.class + name + "'> arguments:\n" + strings.Join(a.args(), ", "))
	case key == "order":
		n, msg, ok := checkOrder(arg, a.isDefault, a.typ != "", k.noun, k.defName)
		if msg != "" {
			s.println(msg)
		}
		if ok {
			a.order, a.orderSet = n, true
		}
	case !slices.Contains(a.args(), key):
		s.println("Unknown " + k.noun + " key: " + key)
	case key == "filters":
		v, err := checkFilters(s.srv.m, k.dir, arg, k.upper+k.noun)
		if err != nil {
			s.println(err.Error())
			return
		}
		a.params[key] = v
	default:
		if v, ok := k.setArg(s, key, arg); ok {
			a.params[key] = v
		}
	}
}

func (a *orderedAdd) save(s *session) bool {
	k := a.k
	complete := a.typ != "" && a.orderSet
	for _, key := range a.args() {
		if _, ok := a.params[key]; !ok {
			complete = false
		}
	}
	if !complete {
		s.missing(a.keys())
		return false
	}
	params := map[string]string{"type": a.typ, "order": strconv.Itoa(a.order)}
	for key, v := range a.params {
		params[key] = v
	}
	put, err := k.build(s.srv.m, params)
	if err == nil {
		err = s.change(put)
	}
	if err != nil {
		s.errLine(err)
		return false
	}
	s.println(fmt.Sprintf("Successfully added %s%s [%s] with order:%d", k.upper, k.noun, a.typ, a.order))
	return true
}
