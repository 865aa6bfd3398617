package router

import (
	"slices"
	"strconv"
	"strings"
)

// What routes and interceptors share: the keys of their jCli add sessions
// and the rules of their tables.

// entryParams are the keys of a jCli add session for a route or an
// interceptor, matched in any case.
type entryParams map[string]string

// raw returns key k's value as given.
func (p entryParams) raw(k string) (string, bool) {
	for pk, v := range p {
		if strings.EqualFold(pk, k) {
			return v, true
		}
	}
	return "", false
}

// get returns key k's value, spaces around trimmed.
func (p entryParams) get(k string) (string, bool) {
	v, ok := p.raw(k)
	return strings.TrimSpace(v), ok
}

// typeName checks that every key is one of allowed (what names the entry
// in the message: "MT route") and returns the type key's value.
func (p entryParams) typeName(allowed []string, what string) (string, error) {
	for k := range p {
		if !slices.ContainsFunc(allowed, func(a string) bool { return strings.EqualFold(a, k) }) {
			return "", rtParamErr(k, "unknown "+what+" key (keys: "+strings.Join(allowed, ", ")+")")
		}
	}
	ts, ok := p.get("type")
	if !ok {
		return "", rtParamErr("type", "missing")
	}
	return ts, nil
}

// orderFilters reads order (which the default entry, def, may leave out:
// 0) and filters (resolved in fs; none for the default entry).
func (p entryParams) orderFilters(isDefault bool, def string, fs *FilterSet) (int, []Filter, error) {
	order := 0
	if ov, ok := p.get("order"); ok {
		n, err := strconv.Atoi(ov)
		if err != nil {
			return 0, nil, rtParamErr("order", "\""+ov+"\" is not an integer")
		}
		order = n
	} else if !isDefault {
		return 0, nil, rtParamErr("order", "missing")
	}
	fv, ok := p.get("filters")
	switch {
	case isDefault && ok:
		return 0, nil, rtParamErr("filters", "a "+def+" takes no filters")
	case isDefault:
		return order, nil, nil
	case !ok:
		return 0, nil, rtParamErr("filters", "missing")
	case fs == nil:
		return 0, nil, rtParamErr("filters", "no filter registry")
	}
	fl, err := fs.Resolve(fv)
	if err != nil {
		return 0, nil, err
	}
	return order, fl, nil
}

// entryRules name what checkEntry checks, for its messages.
type entryRules struct {
	what    string // "route" or "interceptor"
	def     string // "DefaultRoute" or "DefaultInterceptor"
	usedFor string // suffix of "(X is for MO…)"
}

// checkEntry applies the rules routes and interceptors share (Jasmin's
// RoutingTables and InterceptionTables): order 0 is the default entry's
// and only its; the default entry takes no filters and the others at least
// one; every filter fits direction d.
func checkEntry(d Direction, r entryRules, isDefault bool, typ string, order int, filters []Filter) error {
	switch {
	case order < 0 || order > MaxRouteOrder:
		return rtParamErr("order", "out of range: "+strconv.Itoa(order)+" (0 for the "+r.def+", 1 to "+strconv.Itoa(MaxRouteOrder)+" for the others)")
	case isDefault && order != 0:
		return rtParamErr("order", "a "+r.def+" can only be at order 0, not "+strconv.Itoa(order))
	case !isDefault && order == 0:
		return rtParamErr("order", "order 0 is for the "+r.def+" only; a "+typ+" needs an order of 1 or more")
	}
	if isDefault {
		if len(filters) > 0 {
			return rtParamErr("filters", "a "+r.def+" takes no filters")
		}
	} else if len(filters) == 0 {
		return rtParamErr("filters", "a "+typ+" needs at least one filter")
	}
	for _, f := range filters {
		if f == nil {
			return rtParamErr("filters", "nil filter")
		}
		if !rtUsable(f, d) {
			only := "MO"
			if d == MO {
				only = "MT"
			}
			return rtParamErr("filters", f.Type()+" "+f.ID()+" cannot be used in an "+d.String()+" "+r.what+" ("+f.Type()+" is for "+only+r.usedFor+")")
		}
	}
	return nil
}
