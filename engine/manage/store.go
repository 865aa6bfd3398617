package manage

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/router/script"
	"github.com/gwd-project/gwd/store"
)

// The configuration lives in memory (package router, the connector
// registries) and durably in the store's live profile. Every accepted
// change is written at once (Do): unlike Jasmin, nothing waits for a
// persistence timer, so `persist` only names snapshots (Persist) and
// `load` restores one (Load).

// encode is object k as it now stands (del when it is gone).
func (m *Manager) encode(k objKey) (b []byte, del bool, err error) {
	order := func() int { n, _ := strconv.Atoi(k.id); return n }
	switch k.kind {
	case kindSMPPC, kindHTTPC:
		b, del, err = m.encodeConnector(k.kind, k.id)
	case router.KindGroup:
		g, ok := m.r.Accounts.Group(k.id)
		if !ok {
			return nil, true, nil
		}
		b, err = router.EncodeGroup(g)
	case router.KindUser:
		u := m.r.Accounts.User(k.id)
		if u == nil {
			return nil, true, nil
		}
		b, err = router.EncodeUser(u)
	case router.KindFilter:
		f, ok := m.r.Filters.Get(k.id)
		if !ok {
			return nil, true, nil
		}
		b, err = router.EncodeFilter(f)
	case router.KindMTRoute, router.KindMORoute:
		d := router.MT
		if k.kind == router.KindMORoute {
			d = router.MO
		}
		rt, ok := m.Route(d, order())
		if !ok {
			return nil, true, nil
		}
		b, err = router.EncodeRoute(rt)
	case router.KindMTInterceptor, router.KindMOInterceptor:
		d := router.MT
		if k.kind == router.KindMOInterceptor {
			d = router.MO
		}
		ic, ok := m.Interceptor(d, order())
		if !ok {
			return nil, true, nil
		}
		b, err = router.EncodeInterceptor(ic)
	default:
		return nil, false, fmt.Errorf("save %s/%s: unknown kind", k.kind, k.id)
	}
	if err != nil {
		return nil, false, fmt.Errorf("save %s/%s: %w", k.kind, k.id, err)
	}
	return b, del, nil
}

// LoadLive builds the live configuration from the store (at start):
// connectors (stopped: StartSaved starts those saved as started), then
// users, groups, filters, routes and interceptors. Nothing routes until
// every object decodes.
func (m *Manager) LoadLive() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	started, err := m.loadConnectors()
	if err != nil {
		return err
	}
	m.saved = started
	return m.loadRouting()
}

// Persist copies the live configuration (routing and connectors) to
// profile (jCli `persist -p NAME`).
func (m *Manager) Persist(profile string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.st.Persist(profile)
}

// Load replaces the live configuration with profile's (jCli `load -p
// NAME`) and applies it: routing at once; connectors started or stopped
// as they were.
func (m *Manager) Load(profile string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.st.Load(profile); err != nil {
		return fmt.Errorf("load profile %s: %w", profile, err)
	}
	started, err := m.loadConnectors()
	if err != nil {
		return err
	}
	for _, c := range m.Connectors() {
		want := false
		for _, s := range started {
			want = want || s == c
		}
		switch {
		case want && !c.Running():
			err = c.Start()
		case !want && c.Running():
			err = c.Stop()
		}
		if err != nil {
			return fmt.Errorf("load profile %s: connector %s: %w", profile, c.CID(), err)
		}
	}
	return m.loadRouting()
}

// anyTarget accepts every route target (loading saved routes).
func anyTarget(kind, id string) bool { return true }

// loadRouting rebuilds the routing configuration from the store's live
// profile. Nothing changes unless every object decodes. Callers hold mu.
func (m *Manager) loadRouting() error {
	objs := func(kind string) ([]store.Object, error) {
		o, err := m.st.Objects(kind)
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
	// Users first: smpps(uid) MO routes are checked against them.
	if err := m.r.Accounts.Load(groups, users); err != nil {
		return fmt.Errorf("load users and groups: %w", err)
	}
	if err := m.r.Filters.Load(fs.All()); err != nil {
		return fmt.Errorf("load filters: %w", err)
	}
	return errors.Join(m.r.MT.Load(mtr, anyTarget), m.r.MO.Load(mor, anyTarget),
		m.r.MTI.Load(mti), m.r.MOI.Load(moi))
}
