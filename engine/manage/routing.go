package manage

import (
	"slices"
	"strconv"

	"github.com/gwd-project/gwd/router"
)

// Reads. They take no lock: the router's objects are copy-on-write. Change
// them only through Do.

// Accounts are the users and groups (read them; change them through Do).
func (m *Manager) Accounts() *router.Accounts { return m.r.Accounts }

// Filters are the routing filters (read them; change them through Do).
func (m *Manager) Filters() *router.FilterSet { return m.r.Filters }

// Routes returns direction d's routes in descending order.
func (m *Manager) Routes(d router.Direction) []*router.Route {
	if d == router.MT {
		return m.r.MT.Routes()
	}
	return m.r.MO.Routes()
}

// Route returns direction d's route at order.
func (m *Manager) Route(d router.Direction, order int) (*router.Route, bool) {
	if d == router.MT {
		return m.r.MT.Get(order)
	}
	return m.r.MO.Get(order)
}

// RoutesTo names direction d's routes that send to target, as route
// listings label it ("smppc(id)", "http(id)", "smpps(uid)"): "MT route 10".
func (m *Manager) RoutesTo(d router.Direction, target string) []string {
	var out []string
	for _, rt := range m.Routes(d) {
		if slices.Contains(rt.ConnectorLabels(), target) {
			out = append(out, d.String()+" route "+strconv.Itoa(rt.Order))
		}
	}
	return out
}

// Interceptors returns direction d's interceptors in descending order.
func (m *Manager) Interceptors(d router.Direction) []*router.Interceptor {
	if d == router.MT {
		return m.r.MTI.Interceptors()
	}
	return m.r.MOI.Interceptors()
}

// Interceptor returns direction d's interceptor at order.
func (m *Manager) Interceptor(d router.Direction, order int) (*router.Interceptor, bool) {
	if d == router.MT {
		return m.r.MTI.Get(order)
	}
	return m.r.MOI.Get(order)
}

// InterceptorListLines is `mtinterceptor -l` / `mointerceptor -l`.
func (m *Manager) InterceptorListLines(d router.Direction) []string {
	if d == router.MT {
		return m.r.MTI.ListLines()
	}
	return m.r.MOI.ListLines()
}

// Known reports whether a route target exists: an SMPP client connector
// (MT, bare id or smppc(id)), an HTTP connector http(id) or an SMPP
// server user smpps(uid) (MO).
func (m *Manager) Known(kind, id string) bool {
	switch kind {
	case "", router.ConnectorSMPPClient:
		return m.Connector(id) != nil
	case router.ConnectorHTTP:
		_, ok := m.HTTPConnector(id)
		return ok
	case router.ConnectorSMPPServer:
		return m.r.Accounts.User(id) != nil
	}
	return false
}

// routeTable and icTable are one direction's tables.
type routeTable interface {
	Add(route *router.Route, known router.KnownConnector) error
	Get(order int) (*router.Route, bool)
	Remove(order int) error
	Flush()
	Load(routes []*router.Route, known router.KnownConnector) error
	Routes() []*router.Route
}

type icTable interface {
	Add(ic *router.Interceptor) error
	Get(order int) (*router.Interceptor, bool)
	Remove(order int) error
	Flush()
	Load(ics []*router.Interceptor) error
	Interceptors() []*router.Interceptor
}

func (m *Manager) routes(d router.Direction) routeTable {
	if d == router.MT {
		return m.r.MT
	}
	return m.r.MO
}

func (m *Manager) ics(d router.Direction) icTable {
	if d == router.MT {
		return m.r.MTI
	}
	return m.r.MOI
}

// Groups.

// AddGroup adds an enabled group.
func (tx *Tx) AddGroup(gid string) error {
	acc := tx.m.r.Accounts
	if err := acc.AddGroup(gid); err != nil {
		return err
	}
	tx.onUndo(func() error { return acc.RemoveGroup(gid) })
	tx.touch(router.KindGroup, gid)
	return nil
}

// SetGroupEnabled enables or disables a group.
func (tx *Tx) SetGroupEnabled(gid string, on bool) error {
	acc := tx.m.r.Accounts
	old, ok := acc.Group(gid)
	set := func(on bool) error {
		if on {
			return acc.EnableGroup(gid)
		}
		return acc.DisableGroup(gid)
	}
	if err := set(on); err != nil {
		return err
	}
	if ok {
		tx.onUndo(func() error { return set(old.Enabled) })
	}
	tx.touch(router.KindGroup, gid)
	return nil
}

// RemoveGroup removes a group without users.
func (tx *Tx) RemoveGroup(gid string) error {
	acc := tx.m.r.Accounts
	groups := acc.Groups()
	i := slices.IndexFunc(groups, func(g router.Group) bool { return g.GID == gid })
	if err := acc.RemoveGroup(gid); err != nil {
		return err
	}
	if i >= 0 {
		old := groups[i]
		tx.onUndo(func() error {
			now := acc.Groups()
			return acc.Load(slices.Insert(now, min(i, len(now)), old), copyUsers(acc.Users("")))
		})
	}
	tx.touch(router.KindGroup, gid)
	return nil
}

// Users.

// copyUsers copies registered users for Accounts.Load, which marks what
// it is given: the registered ones are shared with readers.
func copyUsers(us []*router.User) []*router.User {
	out := make([]*router.User, len(us))
	for i, u := range us {
		cp := *u
		out[i] = &cp
	}
	return out
}

// keepUser records how to put user uid back as it is now, in its place,
// leaving every other user as it will then be. Nothing is recorded for a
// user that does not exist: only AddUser makes one, and undoes that.
func (tx *Tx) keepUser(uid string) {
	acc := tx.m.r.Accounts
	users := acc.Users("")
	i := slices.IndexFunc(users, func(u *router.User) bool { return u.UID == uid })
	if i < 0 {
		return
	}
	old := users[i]
	tx.onUndo(func() error {
		now := copyUsers(acc.Users(""))
		j := slices.IndexFunc(now, func(u *router.User) bool { return u.UID == uid })
		cp := *old
		if j >= 0 {
			now[j] = &cp
		} else {
			now = slices.Insert(now, min(i, len(now)), &cp)
		}
		return acc.Load(acc.Groups(), now)
	})
}

// AddUser registers u; the ledger starts from u's balance and sms_count
// (unlimited unless set), whatever a former user of that uid left there.
func (tx *Tx) AddUser(u *router.User) error {
	if err := tx.m.r.Accounts.AddUser(u); err != nil {
		return err
	}
	tx.onUndo(func() error { return tx.m.r.Accounts.RemoveUser(u.UID) })
	tx.touch(router.KindUser, u.UID)
	return tx.SetCounters(u.UID, u.InitialCounters())
}

// UpdateUser applies a user update's lines (jCli's `user -u`, the admin
// API's PATCH). Balance and sms_count lines go to the store's ledger,
// computed against its value under its lock so that no charge made
// meanwhile is lost; a refusal (below zero) changes nothing.
func (tx *Tx) UpdateUser(uid string, changes ...router.Change) error {
	acc := tx.m.r.Accounts
	if acc.User(uid) == nil {
		return &unknownUser{uid}
	}
	quota, rest, err := router.SplitQuota(changes)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		tx.keepUser(uid)
		if err := acc.UpdateUser(uid, rest...); err != nil {
			return err
		}
		tx.touch(router.KindUser, uid)
	}
	if quota.Empty() {
		return nil
	}
	return tx.applyQuota(uid, quota)
}

type unknownUser struct{ uid string }

func (e *unknownUser) Error() string { return "Unknown User: " + e.uid }
func (e *unknownUser) Unwrap() error { return router.ErrUnknownUser }

// SetUserEnabled enables or disables a user.
func (tx *Tx) SetUserEnabled(uid string, on bool) error {
	acc := tx.m.r.Accounts
	tx.keepUser(uid)
	var err error
	if on {
		err = acc.EnableUser(uid)
	} else {
		err = acc.DisableUser(uid)
	}
	if err != nil {
		return err
	}
	tx.touch(router.KindUser, uid)
	return nil
}

// SetCredential changes one credential key with jCli's syntax; balance
// and sms_count go to the ledger, as in UpdateUser.
func (tx *Tx) SetCredential(uid, cred, section, key, value string) error {
	if q, rest, err := router.SplitQuota([]router.Change{{Key: cred, Arg: section + " " + key + " " + value}}); err == nil && len(rest) == 0 {
		if tx.m.r.Accounts.User(uid) == nil {
			return &unknownUser{uid}
		}
		return tx.applyQuota(uid, q)
	}
	tx.keepUser(uid)
	if err := tx.m.r.Accounts.SetCredential(uid, cred, section, key, value); err != nil {
		return err
	}
	tx.touch(router.KindUser, uid)
	return nil
}

// RemoveUser removes a user (its ledger stays unless SetCounters clears
// it).
func (tx *Tx) RemoveUser(uid string) error {
	tx.keepUser(uid)
	if err := tx.m.r.Accounts.RemoveUser(uid); err != nil {
		return err
	}
	tx.touch(router.KindUser, uid)
	return nil
}

// Filters.

// AddFilter adds a filter.
func (tx *Tx) AddFilter(f router.Filter) error {
	fs := tx.m.r.Filters
	if err := fs.Add(f); err != nil {
		return err
	}
	tx.onUndo(func() error { return fs.Remove(f.ID()) })
	tx.touch(router.KindFilter, f.ID())
	return nil
}

// RemoveFilter removes a filter no route or interceptor uses.
func (tx *Tx) RemoveFilter(fid string) error {
	m := tx.m
	old, ok := m.r.Filters.Get(fid)
	if err := m.r.Filters.Remove(fid, m.r.MT, m.r.MO, m.r.MTI, m.r.MOI); err != nil {
		return err
	}
	if ok {
		tx.onUndo(func() error { return m.r.Filters.Add(old) })
	}
	tx.touch(router.KindFilter, fid)
	return nil
}

// Routes.

// PutRoute adds rt to direction d's table, replacing the route at its
// order; its targets must exist.
func (tx *Tx) PutRoute(d router.Direction, rt *router.Route) error {
	t := tx.m.routes(d)
	old, had := t.Get(rt.Order)
	if err := t.Add(rt, tx.m.Known); err != nil {
		return err
	}
	tx.onUndo(func() error {
		if had {
			return t.Add(old, nil)
		}
		return t.Remove(rt.Order)
	})
	tx.touch(router.RouteKind(d), router.ObjectID(rt.Order))
	return nil
}

// RemoveRoute removes direction d's route at order.
func (tx *Tx) RemoveRoute(d router.Direction, order int) error {
	t := tx.m.routes(d)
	old, had := t.Get(order)
	if err := t.Remove(order); err != nil {
		return err
	}
	if had {
		tx.onUndo(func() error { return t.Add(old, nil) })
	}
	tx.touch(router.RouteKind(d), router.ObjectID(order))
	return nil
}

// FlushRoutes removes every route of direction d and returns how many.
func (tx *Tx) FlushRoutes(d router.Direction) int {
	t := tx.m.routes(d)
	old := t.Routes()
	t.Flush()
	// Later steps are undone first: the table is empty again by then.
	tx.onUndo(func() error { return t.Load(old, nil) })
	for _, rt := range old {
		tx.touch(router.RouteKind(d), router.ObjectID(rt.Order))
	}
	return len(old)
}

// Interceptors.

// PutInterceptor adds ic to direction d's table, replacing the one at its
// order.
func (tx *Tx) PutInterceptor(d router.Direction, ic *router.Interceptor) error {
	t := tx.m.ics(d)
	old, had := t.Get(ic.Order)
	if err := t.Add(ic); err != nil {
		return err
	}
	tx.onUndo(func() error {
		if had {
			return t.Add(old)
		}
		return t.Remove(ic.Order)
	})
	tx.touch(router.InterceptorKind(d), router.ObjectID(ic.Order))
	return nil
}

// RemoveInterceptor removes direction d's interceptor at order.
func (tx *Tx) RemoveInterceptor(d router.Direction, order int) error {
	t := tx.m.ics(d)
	old, had := t.Get(order)
	if err := t.Remove(order); err != nil {
		return err
	}
	if had {
		tx.onUndo(func() error { return t.Add(old) })
	}
	tx.touch(router.InterceptorKind(d), router.ObjectID(order))
	return nil
}

// FlushInterceptors removes every interceptor of direction d and returns
// how many.
func (tx *Tx) FlushInterceptors(d router.Direction) int {
	t := tx.m.ics(d)
	old := t.Interceptors()
	t.Flush()
	tx.onUndo(func() error { return t.Load(old) })
	for _, ic := range old {
		tx.touch(router.InterceptorKind(d), router.ObjectID(ic.Order))
	}
	return len(old)
}
