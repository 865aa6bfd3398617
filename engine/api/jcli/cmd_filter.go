package jcli

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gwd-project/gwd/engine/manage"
	"github.com/gwd-project/gwd/router"
)

func filterCommand() *command {
	return &command{name: "filter", doc: "Filter management",
		opts: []option{
			{short: "-l", long: "--list", help: "List filters"},
			{short: "-a", long: "--add", help: "Add filter"},
			{short: "-r", long: "--remove", metavar: "FID", help: "Remove filter using it's FID"},
			{short: "-s", long: "--show", metavar: "FID", help: "Show filter using it's FID"},
		},
		actions: []action{
			{"list", filterList},
			{"add", func(s *session, _ opts) {
				s.startInteraction(&filterAdd{params: map[string]string{}}, "Adding a new Filter: (ok: save, ko: exit)")
			}},
			{"remove", filterRemove},
			{"show", func(s *session, o opts) {
				f, ok := s.srv.m.Filters().Get(o.get("show"))
				if !ok {
					s.println("Unknown Filter: " + o.get("show"))
					return
				}
				s.println(f.Show())
			}},
		}}
}

// filterList is `filter -l`:
//
//	#Filter id        Type                   Routes Description
//	#TF               TransparentFilter      MO MT  <TransparentFilter>
//	Total Filters: 1
func filterList(s *session, _ opts) {
	fs := s.srv.m.Filters().All()
	widths := []int{16, 22, 6}
	if len(fs) > 0 {
		s.println(row([]string{"Filter id", "Type", "Routes", "Description"}, widths))
	}
	for _, f := range fs {
		mo, mt := f.UsedFor()
		routes := ""
		if mo {
			routes += "MO "
		}
		if mt {
			routes += "MT"
		}
		s.println(row([]string{f.ID(), f.Type(), routes, f.Describe()}, widths))
	}
	s.println("Total Filters: " + strconv.Itoa(len(fs)))
}

// filterRemove refuses a filter that routes or interceptors still hold.
func filterRemove(s *session, o opts) {
	fid := o.get("remove")
	if _, ok := s.srv.m.Filters().Get(fid); !ok {
		s.println("Unknown Filter: " + fid)
		return
	}
	err := s.change(func(tx *manage.Tx) error { return tx.RemoveFilter(fid) })
	if err != nil {
		s.errLine(err)
		return
	}
	s.println("Successfully removed Filter id:" + fid)
}

// filterAdd is the `filter -a` session. Changing the type forgets the
// previous type's parameters (not the fid), as Jasmin does.
type filterAdd struct {
	fid, typ string
	params   map[string]string
}

func (f *filterAdd) keys() []string {
	return append([]string{"fid", "type"}, router.FilterParamNames[f.typ]...)
}

func (f *filterAdd) complete(words []string) []string {
	if len(words) == 1 && words[0] == "type" {
		return router.FilterTypes
	}
	return nil
}

// param finds key among the type's parameters, in any case.
func (f *filterAdd) param(key string) (string, bool) {
	for _, p := range router.FilterParamNames[f.typ] {
		if strings.EqualFold(p, key) {
			return p, true
		}
	}
	return "", false
}

func (f *filterAdd) set(s *session, key, arg string) {
	switch key {
	case "fid":
		if !router.ValidFilterID(arg) {
			s.println("Invalid Filter fid syntax: " + arg)
			return
		}
		f.fid = arg
	case "type":
		typ, ok := router.CanonicalFilterType(arg)
		if !ok {
			s.println(fmt.Sprintf(`Unknown Filter type: "%s", available types: %s`, arg, strings.Join(router.FilterTypes, ", ")))
			return
		}
		f.typ, f.params = typ, map[string]string{}
		if names := router.FilterParamNames[typ]; len(names) > 0 {
			s.println("<class 'jasmin.routing.Filters." + typ + "'> arguments:\n" + strings.Join(names, ", "))
		}
	default:
		p, ok := f.param(key)
		if !ok {
			s.println("Unknown Filter key: " + key)
			return
		}
		// Try the value now, so that the error comes with the line.
		if _, err := router.NewFilter(f.typ, "jcli-check", map[string]string{p: arg}); err != nil {
			s.errLine(err)
			return
		}
		f.params[p] = arg
	}
}

func (f *filterAdd) save(s *session) bool {
	complete := f.fid != "" && f.typ != ""
	for _, p := range router.FilterParamNames[f.typ] {
		if _, ok := f.params[p]; !ok {
			complete = false
		}
	}
	if !complete {
		s.missing(f.keys())
		return false
	}
	flt, err := router.NewFilter(f.typ, f.fid, f.params)
	if err != nil {
		s.errLine(err)
		return false
	}
	if err := s.change(func(tx *manage.Tx) error { return tx.AddFilter(flt) }); err != nil {
		s.errLine(err)
		return false
	}
	s.println("Successfully added Filter [" + f.typ + "] with fid:" + f.fid)
	return true
}
