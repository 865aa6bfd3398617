package jcli

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/gwd-project/gwd/engine/manage"
	"github.com/gwd-project/gwd/engine/smppc"
	"github.com/gwd-project/gwd/router"
)

// maxOrder is the highest route or interceptor order.
const maxOrder = router.MaxRouteOrder

// routes describes direction d's routing table (mtrouter, morouter).
func routes(d dir) *ordered {
	var names []string
	for _, t := range router.RouteTypesFor(d.d) {
		names = append(names, t.String())
	}
	return &ordered{dir: d, noun: "Route", command: "router", table: "routing table",
		class: "jasmin.routing.Routes.", defName: "DefaultRoute", typeNames: names,
		parseType: func(arg string) (string, bool, bool) {
			t, ok := router.ParseRouteType(arg)
			if !ok || (t.Direction() != 0 && t.Direction() != d.d) {
				return "", false, false
			}
			return t.String(), t == router.RouteDefault, true
		},
		args: func(isDefault bool, typ string) []string {
			t, _ := router.ParseRouteType(typ)
			var a []string
			if !isDefault {
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
		},
		setArg: func(s *session, key, arg string) (string, bool) { return routeArg(s, d, key, arg) },
		list:   func(s *session) { routeList(s, d) },
		show: func(m *manage.Manager, order int) (string, bool) {
			rt, ok := m.Route(d.d, order)
			if !ok {
				return "", false
			}
			return rt.Show(), true
		},
		build: func(m *manage.Manager, params map[string]string) (func(tx *manage.Tx) error, error) {
			rt, err := router.BuildRoute(d.d, params, m.Filters())
			return func(tx *manage.Tx) error { return tx.PutRoute(d.d, rt) }, err
		},
		remove: func(tx *manage.Tx, order int) error { return tx.RemoveRoute(d.d, order) },
		flush:  func(tx *manage.Tx) int { return tx.FlushRoutes(d.d) },
	}
}

// routeList is `mtrouter -l` / `morouter -l`:
//
//	#Order Type                    Rate       Connector ID(s)                                  Filter(s)
//	#0     DefaultRoute            0 (!)      smppc(smsc1)
//	Total MT Routes: 1
func routeList(s *session, d dir) {
	rts := s.srv.m.Routes(d.d)
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

// routeArg checks a route's connector(s) or rate.
func routeArg(s *session, d dir, key, arg string) (string, bool) {
	m := s.srv.m
	switch key {
	case "connector":
		c, err := checkTarget(m, d, arg)
		if err != nil {
			s.println(err.Error())
			return "", false
		}
		return c, true
	case "connectors":
		parts := strings.Split(arg, ";")
		if len(parts) < 2 {
			s.println(`connectors option value must contain a minimum of 2 connector IDs separated with ";".`)
			return "", false
		}
		for i, p := range parts {
			c, err := checkTarget(m, d, p)
			if err != nil {
				s.println(err.Error())
				return "", false
			}
			parts[i] = c
		}
		return strings.Join(parts, ";"), true
	case "rate":
		if _, err := router.ParseRouteRate(arg); err != nil {
			s.println("Incorrect rate (must be float): " + arg)
			return "", false
		}
		return arg, true
	}
	return "", false
}

var typedCID = regexp.MustCompile(`^(?i:(smppc|smpps|http))\(([A-Za-z0-9_-]+)\)$`)

// checkTarget validates one typed connector id of a route ("smppc(id)",
// "http(id)", "smpps(uid)") and that it exists; it returns it in its
// canonical form.
func checkTarget(m *manage.Manager, d dir, v string) (string, error) {
	match := typedCID.FindStringSubmatch(strings.TrimSpace(v))
	kind := ""
	if match != nil {
		kind = strings.ToLower(match[1])
	}
	if d.d == router.MT {
		if kind != router.ConnectorSMPPClient || !smppc.ValidCID(match[2]) {
			return "", fmt.Errorf("Invalid syntax for connector id, must be smppc(some_id).")
		}
	} else {
		switch {
		case kind == router.ConnectorHTTP && smppc.ValidCID(match[2]):
		case kind == router.ConnectorSMPPServer && len(match[2]) <= 16:
		default:
			return "", fmt.Errorf("Invalid syntax for connector id, must be smpps(some_id) or http(some_id).")
		}
	}
	if !m.Known(kind, match[2]) {
		return "", fmt.Errorf("Unknown %s cid: %s", kind, match[2])
	}
	return kind + "(" + match[2] + ")", nil
}
