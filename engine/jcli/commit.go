package jcli

import (
	"errors"
	"fmt"

	"github.com/gwd-project/gwd/router"
)

// routerState is the router's configuration at one moment: enough to put
// it back when a change cannot be made durable.
type routerState struct {
	groups  []router.Group
	users   []*router.User
	filters []router.Filter
	mt, mo  []*router.Route
	mti     []*router.Interceptor
	moi     []*router.Interceptor
}

func captureState(b Backend) *routerState {
	acc := b.Accounts()
	return &routerState{
		groups: acc.Groups(), users: acc.Users(""), filters: b.Filters().All(),
		mt: b.MTTable().Routes(), mo: b.MOTable().Routes(),
		mti: b.MTInterceptors().Interceptors(), moi: b.MOInterceptors().Interceptors(),
	}
}

// restore puts the state back (users keep their live counters: a user
// snapshot shares them).
func (st *routerState) restore(b Backend) error {
	return errors.Join(
		b.Accounts().Load(st.groups, st.users),
		b.Filters().Load(st.filters),
		b.MTTable().Load(st.mt, nil),
		b.MOTable().Load(st.mo, nil),
		b.MTInterceptors().Load(st.mti),
		b.MOInterceptors().Load(st.moi),
	)
}

// undoList collects what a change did outside the router (store counters)
// so that a failed change can take it back.
type undoList []func() error

func (u *undoList) add(f func() error) { *u = append(*u, f) }

// commit makes one change: fn changes the router's objects (and records in
// undo what it changed elsewhere), then the configuration is saved. When
// fn or the save fails, everything is put back as it was and the error is
// returned: a change either applies and is durable, or changes nothing.
func (s *session) commit(fn func(undo *undoList) error) error {
	srv := s.srv
	srv.opMu.Lock()
	defer srv.opMu.Unlock()
	st := captureState(srv.b)
	var undo undoList
	err := fn(&undo)
	if err == nil {
		if err = srv.b.Save(); err != nil {
			err = fmt.Errorf("could not save the configuration, nothing changed: %w", err)
		}
	}
	if err != nil {
		errs := []error{err}
		for i := len(undo) - 1; i >= 0; i-- {
			errs = append(errs, undo[i]())
		}
		if rerr := st.restore(srv.b); rerr != nil {
			errs = append(errs, fmt.Errorf("restore: %w", rerr))
		}
		return errors.Join(errs...)
	}
	s.audit()
	return nil
}
