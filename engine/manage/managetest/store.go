// Package managetest injects faults into the configuration's writes, for
// the tests of the front-ends on package manage (jCli, the admin API,
// Junebug): a full disk, a panic, or a write held while another change
// comes in.
package managetest

import (
	"errors"
	"sync/atomic"

	"github.com/gwd-project/gwd/engine/manage"
	"github.com/gwd-project/gwd/store"
)

// ErrDiskFull is the error of a failing write.
var ErrDiskFull = errors.New("disk full")

// Store wraps the store configuration changes are written to.
type Store struct {
	manage.Store
	fail atomic.Bool
	boom atomic.Bool
	hold atomic.Pointer[func() error]
}

// Wrap makes s wrap st; it is gateway.Options.ConfigStore.
func (s *Store) Wrap(st manage.Store) manage.Store {
	s.Store = st
	return s
}

// Fail makes writes fail with ErrDiskFull (on) or succeed.
func (s *Store) Fail(on bool) { s.fail.Store(on) }

// Panic makes writes panic (on) or succeed.
func (s *Store) Panic(on bool) { s.boom.Store(on) }

// HoldNext makes the next write wait until release is closed, then fail
// with err (nil: go through); later writes are not held. entered is
// closed when the write is held.
func (s *Store) HoldNext(err error) (entered, release chan struct{}) {
	entered, release = make(chan struct{}), make(chan struct{})
	var n atomic.Int32
	hold := func() error {
		if n.Add(1) != 1 {
			return nil
		}
		close(entered)
		<-release
		return err
	}
	s.hold.Store(&hold)
	return entered, release
}

// PutObjects writes changes unless a fault says otherwise.
func (s *Store) PutObjects(changes []store.ObjectChange) error {
	if f := s.hold.Load(); f != nil {
		if err := (*f)(); err != nil {
			return err
		}
	}
	if s.boom.Load() {
		panic("injected fault")
	}
	if s.fail.Load() {
		return ErrDiskFull
	}
	return s.Store.PutObjects(changes)
}
