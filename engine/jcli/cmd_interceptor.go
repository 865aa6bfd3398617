package jcli

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/gwd-project/gwd/router"
)

func interceptorCommand(d dir) *command {
	return &command{name: d.lower + "interceptor", doc: d.upper + " Interceptor management",
		opts: []option{
			{short: "-l", long: "--list", help: "List " + d.upper + " interceptors"},
			{short: "-a", long: "--add", help: "Add a new " + d.upper + " interceptor"},
			{short: "-r", long: "--remove", metavar: "ORDER", help: "Remove " + d.upper + " interceptor using it's ORDER"},
			{short: "-s", long: "--show", metavar: "ORDER", help: "Show " + d.upper + " interceptor using it's ORDER"},
			{short: "-f", long: "--flush", help: "Flush " + d.upper + " interception table"},
		},
		actions: []action{
			{"list", func(s *session, _ opts) {
				if d.d == router.MT {
					s.lines(s.srv.b.MTInterceptors().ListLines())
				} else {
					s.lines(s.srv.b.MOInterceptors().ListLines())
				}
			}},
			{"add", func(s *session, _ opts) {
				s.startInteraction(&interceptorAdd{dir: d, params: map[string]string{}},
					"Adding a new "+d.upper+" Interceptor: (ok: save, ko: exit)")
			}},
			{"remove", func(s *session, o opts) { interceptorRemove(s, d, o.get("remove")) }},
			{"show", func(s *session, o opts) {
				if ic := interceptorLookup(s, d, o.get("show")); ic != nil {
					s.println(ic.Show())
				}
			}},
			{"flush", func(s *session, _ opts) { interceptorFlush(s, d) }},
		}}
}

func interceptorLookup(s *session, d dir, arg string) *router.Interceptor {
	order, ok := parseOrder(arg)
	if !ok {
		s.println(d.upper + " Interceptor order must be a positive integer")
		return nil
	}
	var ic *router.Interceptor
	if d.d == router.MT {
		ic, ok = s.srv.b.MTInterceptors().Get(order)
	} else {
		ic, ok = s.srv.b.MOInterceptors().Get(order)
	}
	if !ok {
		s.println("Unknown " + d.upper + " Interceptor: " + arg)
		return nil
	}
	return ic
}

func interceptorRemove(s *session, d dir, arg string) {
	ic := interceptorLookup(s, d, arg)
	if ic == nil {
		return
	}
	b := s.srv.b
	err := s.commit(func(*undoList) error {
		if d.d == router.MT {
			return b.MTInterceptors().Remove(ic.Order)
		}
		return b.MOInterceptors().Remove(ic.Order)
	})
	if err != nil {
		s.errLine(err)
		return
	}
	s.println("Successfully removed " + d.upper + " Interceptor with order:" + strconv.Itoa(ic.Order))
}

func interceptorFlush(s *session, d dir) {
	b := s.srv.b
	n := 0
	err := s.commit(func(*undoList) error {
		if d.d == router.MT {
			n = b.MTInterceptors().Len()
			b.MTInterceptors().Flush()
		} else {
			n = b.MOInterceptors().Len()
			b.MOInterceptors().Flush()
		}
		return nil
	})
	if err != nil {
		s.errLine(err)
		return
	}
	s.println(fmt.Sprintf("Successfully flushed %s Interceptor table (%d flushed entries)", d.upper, n))
}

func interceptorArgs(t router.InterceptorType) []string {
	if t == router.InterceptorDefault {
		return []string{"script"}
	}
	return []string{"filters", "script"}
}

func interceptorTypeNames(d dir) []string {
	var out []string
	for _, t := range router.InterceptorTypesFor(d.d) {
		out = append(out, t.String())
	}
	return out
}

var typedScript = regexp.MustCompile(`^(?i:python3)\((.+)\)$`)

// interceptorAdd is the `mtinterceptor -a` / `mointerceptor -a` session.
type interceptorAdd struct {
	dir      dir
	typ      router.InterceptorType
	order    int
	orderSet bool
	params   map[string]string // filters, script
}

func (r *interceptorAdd) keys() []string {
	k := []string{"order", "type"}
	if r.typ != 0 {
		k = append(k, interceptorArgs(r.typ)...)
	}
	return k
}

func (r *interceptorAdd) complete(words []string) []string {
	if len(words) == 1 && words[0] == "type" {
		return interceptorTypeNames(r.dir)
	}
	return nil
}

func (r *interceptorAdd) isArg(key string) bool {
	if r.typ == 0 {
		return false
	}
	for _, a := range interceptorArgs(r.typ) {
		if a == key {
			return true
		}
	}
	return false
}

func (r *interceptorAdd) set(s *session, key, arg string) {
	b := s.srv.b
	switch {
	case key == "type":
		t, ok := router.ParseInterceptorType(arg)
		if !ok || (t.Direction() != 0 && t.Direction() != r.dir.d) {
			s.println(fmt.Sprintf("Unknown %s Interceptor type:%s, available types: %s", r.dir.upper, arg,
				strings.Join(interceptorTypeNames(r.dir), ", ")))
			return
		}
		if t == router.InterceptorDefault {
			r.order, r.orderSet = 0, true
		}
		r.typ, r.params = t, map[string]string{}
		s.println("<class 'jasmin.routing.Interceptors." + t.String() + "'> arguments:\n" + strings.Join(interceptorArgs(t), ", "))
	case key == "order":
		n, msg, ok := checkOrder(arg, r.typ == router.InterceptorDefault, r.typ != 0, "Interceptor", "DefaultInterceptor")
		if msg != "" {
			s.println(msg)
		}
		if ok {
			r.order, r.orderSet = n, true
		}
	case !r.isArg(key):
		s.println("Unknown Interceptor key: " + key)
	case key == "filters":
		v, err := checkFilters(b, r.dir, arg, r.dir.upper+"Interceptor")
		if err != nil {
			s.println(err.Error())
			return
		}
		r.params[key] = v
	case key == "script":
		if !typedScript.MatchString(arg) {
			s.println("Invalid syntax for script, must be python3(/path/to/script).")
			return
		}
		// Read and compile it now, so that the error comes with the line.
		if _, err := router.BuildInterceptor(r.dir.d, map[string]string{
			"type": router.InterceptorDefault.String(), "script": arg}, b.Filters()); err != nil {
			s.errLine(err)
			return
		}
		r.params[key] = arg
	}
}

func (r *interceptorAdd) save(s *session) bool {
	complete := r.typ != 0 && r.orderSet
	for _, a := range interceptorArgs(r.typ) {
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
	ic, err := router.BuildInterceptor(r.dir.d, params, b.Filters())
	if err != nil {
		s.errLine(err)
		return false
	}
	err = s.commit(func(*undoList) error {
		if r.dir.d == router.MT {
			return b.MTInterceptors().Add(ic)
		}
		return b.MOInterceptors().Add(ic)
	})
	if err != nil {
		s.errLine(err)
		return false
	}
	s.println(fmt.Sprintf("Successfully added %sInterceptor [%s] with order:%d", r.dir.upper, r.typ, r.order))
	return true
}
