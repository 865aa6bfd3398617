package admin

import (
	"slices"
	"strings"

	"github.com/gwd-project/gwd/router"
)

// endpoint is a path pattern ("*" matches one segment, passed to the
// handler) and its handlers by method.
type endpoint struct {
	pattern []string
	methods map[string]handler
}

// endpoints lists the API; literal patterns come before the wildcard ones
// they overlap (mtroutes/flush before mtroutes/*).
func (s *Server) endpoints() []endpoint {
	ep := func(pattern string, methods map[string]handler) endpoint {
		var p []string
		if pattern != "" {
			p = strings.Split(pattern, "/")
		}
		return endpoint{pattern: p, methods: methods}
	}
	eps := []endpoint{
		ep("users", map[string]handler{"GET": s.listUsers, "POST": s.createUser}),
		ep("users/*", map[string]handler{"GET": s.getUser, "PATCH": s.updateUser, "DELETE": s.deleteUser}),
		ep("users/*/enable", map[string]handler{"POST": s.enableUser}),
		ep("users/*/disable", map[string]handler{"POST": s.disableUser}),
		ep("users/*/unbind", map[string]handler{"POST": s.unbindUser}),
		ep("users/*/ban", map[string]handler{"POST": s.banUser}),

		ep("groups", map[string]handler{"GET": s.listGroups, "POST": s.createGroup}),
		ep("groups/*", map[string]handler{"GET": s.getGroup, "DELETE": s.deleteGroup}),
		ep("groups/*/enable", map[string]handler{"POST": s.enableGroup}),
		ep("groups/*/disable", map[string]handler{"POST": s.disableGroup}),

		ep("filters", map[string]handler{"GET": s.listFilters, "POST": s.createFilter}),
		ep("filters/*", map[string]handler{"GET": s.getFilter, "DELETE": s.deleteFilter}),

		ep("connectors", map[string]handler{"GET": s.listConnectors, "POST": s.createConnector}),
		ep("connectors/*", map[string]handler{"GET": s.getConnector, "PATCH": s.updateConnector, "DELETE": s.deleteConnector}),
		ep("connectors/*/start", map[string]handler{"POST": s.startConnector}),
		ep("connectors/*/stop", map[string]handler{"POST": s.stopConnector}),
		ep("connectors/*/logs", map[string]handler{"GET": s.connectorLogs}),

		ep("httpconnectors", map[string]handler{"GET": s.listHTTPConnectors, "POST": s.createHTTPConnector}),
		ep("httpconnectors/*", map[string]handler{"GET": s.getHTTPConnector, "PATCH": s.updateHTTPConnector, "DELETE": s.deleteHTTPConnector}),

		ep("stats", map[string]handler{"GET": s.statsAll}),
		ep("stats/users", map[string]handler{"GET": s.statsUsers}),
		ep("stats/users/*", map[string]handler{"GET": s.statsUser}),
		ep("stats/connectors", map[string]handler{"GET": s.statsConnectors}),
		ep("stats/connectors/*", map[string]handler{"GET": s.statsConnector}),
		ep("stats/smppsapi", map[string]handler{"GET": s.statsSMPPS}),

		ep("deadletters/*", map[string]handler{"GET": s.listDeadLetters}),
		ep("deadletters/*/replay", map[string]handler{"POST": s.replayDeadLetters}),
		ep("deadletters/*/*", map[string]handler{"DELETE": s.deleteDeadLetter}),

		ep("persist", map[string]handler{"POST": s.persist}),
		ep("load", map[string]handler{"POST": s.load}),
	}
	for _, d := range []router.Direction{router.MT, router.MO} {
		rt := routeAPI(s, d)
		name := strings.ToLower(d.String()) + "routes"
		eps = append(eps,
			ep(name, map[string]handler{"GET": rt.list, "POST": rt.create}),
			ep(name+"/flush", map[string]handler{"POST": rt.flush}),
			ep(name+"/*", map[string]handler{"GET": rt.get, "PUT": rt.put, "DELETE": rt.remove}),
		)
		ic := interceptorAPI(s, d)
		name = strings.ToLower(d.String()) + "interceptors"
		eps = append(eps,
			ep(name, map[string]handler{"GET": ic.list, "POST": ic.create}),
			ep(name+"/flush", map[string]handler{"POST": ic.flush}),
			ep(name+"/*", map[string]handler{"GET": ic.get, "PUT": ic.put, "DELETE": ic.remove}),
		)
	}
	return eps
}

// route finds the handler of method on the path segs; when the path is
// known but not the method, allowed lists the methods it takes.
func (s *Server) route(method string, segs []string) (h handler, args []string, allowed string) {
	if method == "HEAD" {
		method = "GET"
	}
	for _, e := range s.eps {
		if len(e.pattern) != len(segs) {
			continue
		}
		var a []string
		match := true
		for i, p := range e.pattern {
			switch {
			case p == "*":
				if segs[i] == "" {
					match = false
				}
				a = append(a, segs[i])
			case p != segs[i]:
				match = false
			}
			if !match {
				break
			}
		}
		if !match {
			continue
		}
		if h, ok := e.methods[method]; ok {
			return h, a, ""
		}
		ms := make([]string, 0, len(e.methods))
		for m := range e.methods {
			ms = append(ms, m)
		}
		slices.Sort(ms)
		return nil, nil, strings.Join(ms, ", ")
	}
	return nil, nil, ""
}
