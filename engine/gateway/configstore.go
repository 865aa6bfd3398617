package gateway

import (
	"errors"
	"fmt"

	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/router/script"
	"github.com/gwd-project/gwd/wal"
)

// The routing configuration (groups, users, filters, routes,
// interceptors) lives in memory in package router and durably in the
// store's live profile. Every accepted change is saved at once (Save):
// unlike Jasmin, nothing waits for a persistence timer, so `persist`
// only names snapshots (Persist) and `load` restores one (Load).

var routerKinds = []string{
	router.KindGroup, router.KindUser, router.KindFilter,
	router.KindMTRoute, router.KindMORoute, router.KindMTInterceptor, router.KindMOInterceptor,
}

// Save writes the whole routing configuration to the store in one atomic
// write, replacing what was there. Users' balance and sms_count are not in
// it: the store's counters are their ledger.
func (g *Gateway) Save() error {
	g.saveMu.Lock()
	defer g.saveMu.Unlock()
	want := map[string]map[string][]byte{}
	put := func(kind, id string, b []byte, err error) error {
		if err != nil {
			return err
		}
		if want[kind] == nil {
			want[kind] = map[string][]byte{}
		}
		want[kind][id] = b
		return nil
	}
	for _, gr := range g.acc.Groups() {
		b, err := router.EncodeGroup(gr)
		if err := put(router.KindGroup, gr.GID, b, err); err != nil {
			return err
		}
	}
	for _, u := range g.acc.Users("") {
		b, err := router.EncodeUser(u)
		if err := put(router.KindUser, u.UID, b, err); err != nil {
			return err
		}
	}
	for _, f := range g.filters.All() {
		b, err := router.EncodeFilter(f)
		if err := put(router.KindFilter, f.ID(), b, err); err != nil {
			return err
		}
	}
	for _, rt := range g.mtTable.Routes() {
		b, err := router.EncodeRoute(rt)
		if err := put(router.KindMTRoute, router.ObjectID(rt.Order), b, err); err != nil {
			return err
		}
	}
	for _, rt := range g.moTable.Routes() {
		b, err := router.EncodeRoute(rt)
		if err := put(router.KindMORoute, router.ObjectID(rt.Order), b, err); err != nil {
			return err
		}
	}
	for _, ic := range g.mtICs.Interceptors() {
		b, err := router.EncodeInterceptor(ic)
		if err := put(router.KindMTInterceptor, router.ObjectID(ic.Order), b, err); err != nil {
			return err
		}
	}
	for _, ic := range g.moICs.Interceptors() {
		b, err := router.EncodeInterceptor(ic)
		if err := put(router.KindMOInterceptor, router.ObjectID(ic.Order), b, err); err != nil {
			return err
		}
	}
	var changes []wal.ObjectChange
	for _, kind := range routerKinds {
		have, err := g.db.Objects(kind)
		if err != nil {
			return fmt.Errorf("save configuration: %w", err)
		}
		for _, o := range have {
			if _, ok := want[kind][o.ID]; !ok {
				changes = append(changes, wal.ObjectChange{Kind: kind, ID: o.ID, Delete: true})
			}
		}
		for id, b := range want[kind] {
			changes = append(changes, wal.ObjectChange{Kind: kind, ID: id, Value: b})
		}
	}
	if err := g.db.PutObjects(changes); err != nil {
		return fmt.Errorf("save configuration: %w", err)
	}
	return nil
}

// loadRouting rebuilds the routing configuration from the store's live
// profile. Nothing changes unless every object decodes.
func (g *Gateway) loadRouting() error {
	objs := func(kind string) ([]wal.Object, error) {
		o, err := g.db.Objects(kind)
		if err != nil {
			return nil, fmt.Errorf("load %s objects: %w", kind, err)
		}
		return o, nil
	}
	var groups []router.Group
	os, err := objs(router.KindGroup)
	if err != nil {
		return err
	}
	for _, o := range os {
		gr, err := router.DecodeGroup(o.Value)
		if err != nil {
			return err
		}
		groups = append(groups, gr)
	}
	var users []*router.User
	if os, err = objs(router.KindUser); err != nil {
		return err
	}
	for _, o := range os {
		u, err := router.DecodeUser(o.Value)
		if err != nil {
			return err
		}
		users = append(users, u)
	}
	fs := router.NewFilterSet()
	if os, err = objs(router.KindFilter); err != nil {
		return err
	}
	for _, o := range os {
		f, err := router.DecodeFilter(o.Value)
		if err != nil {
			return err
		}
		if err := fs.Add(f); err != nil {
			return fmt.Errorf("load filter %s: %w", o.ID, err)
		}
	}
	routes := func(d router.Direction) ([]*router.Route, error) {
		os, err := objs(router.RouteKind(d))
		if err != nil {
			return nil, err
		}
		var out []*router.Route
		for _, o := range os {
			// Leniently: a route to a connector or user removed since
			// loads (as Jasmin keeps it) and refuses messages at run time
			// ("No route found"), instead of stopping gwd from starting.
			rt, err := router.DecodeRoute(d, o.Value, fs, anyTarget)
			if err != nil {
				return nil, err
			}
			out = append(out, rt)
		}
		return out, nil
	}
	ics := func(d router.Direction) ([]*router.Interceptor, error) {
		os, err := objs(router.InterceptorKind(d))
		if err != nil {
			return nil, err
		}
		var out []*router.Interceptor
		for _, o := range os {
			ic, err := router.DecodeInterceptor(d, o.Value, fs, script.DefaultLimits)
			if err != nil {
				return nil, err
			}
			out = append(out, ic)
		}
		return out, nil
	}
	// Users first: smpps(uid) MO routes are checked against them.
	if err := g.acc.Load(groups, users); err != nil {
		return fmt.Errorf("load users and groups: %w", err)
	}
	// The router's view of balances follows the ledger (listings).
	for _, u := range users {
		c, err := g.db.Counters(u.UID)
		if err != nil {
			return fmt.Errorf("load counters of %s: %w", u.UID, err)
		}
		if err := g.acc.SetCounters(u.UID, c); err != nil {
			return fmt.Errorf("load counters of %s: %w", u.UID, err)
		}
	}
	mtr, err := routes(router.MT)
	if err != nil {
		return err
	}
	mor, err := routes(router.MO)
	if err != nil {
		return err
	}
	mti, err := ics(router.MT)
	if err != nil {
		return err
	}
	moi, err := ics(router.MO)
	if err != nil {
		return err
	}
	if err := g.filters.Load(fs.All()); err != nil {
		return fmt.Errorf("load filters: %w", err)
	}
	return errors.Join(g.mtTable.Load(mtr, anyTarget), g.moTable.Load(mor, anyTarget),
		g.mtICs.Load(mti), g.moICs.Load(moi))
}

// Persist copies the live configuration (routing and connectors) to
// profile (jCli `persist -p NAME`).
func (g *Gateway) Persist(profile string) error {
	if err := g.Save(); err != nil {
		return err
	}
	return g.db.Persist(profile)
}

// Load replaces the live configuration with profile's (jCli `load -p
// NAME`) and applies it: routing at once; connectors as they were.
func (g *Gateway) Load(profile string) error {
	if err := g.db.Load(profile); err != nil {
		return fmt.Errorf("load profile %s: %w", profile, err)
	}
	if err := g.reloadConnectors(); err != nil {
		return err
	}
	return g.loadRouting()
}

// anyTarget accepts every route target (loading saved routes).
func anyTarget(kind, id string) bool { return true }
