package manage

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/gwd-project/gwd/engine/smppc"
	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/router/ledger"
	"github.com/gwd-project/gwd/store"
)

// Store is the part of the store the manager writes: configuration
// objects, profiles and users' counters. *store.DB satisfies it; tests wrap
// it to make writes fail.
type Store interface {
	Objects(kind string) ([]store.Object, error)
	// PutObjects applies every change in one atomic write.
	PutObjects(changes []store.ObjectChange) error
	Persist(profile string) error
	Load(profile string) error
	Counters(uid string) (ledger.Counters, error)
	SetCounters(uid string, c ledger.Counters) error
	UpdateCounters(uid string, f func(ledger.Counters) (ledger.Counters, bool, error)) (ledger.Counters, error)
}

// Routing is the router's live configuration: the objects the message
// path routes with and the manager changes.
type Routing struct {
	Accounts *router.Accounts
	Filters  *router.FilterSet
	MT       *router.MTTable
	MO       *router.MOTable
	MTI      *router.MTInterceptorTable
	MOI      *router.MOInterceptorTable
}

// Deps are what a Manager works on.
type Deps struct {
	Store   Store
	Routing Routing
	// NewConnector builds a stopped SMPP client connector for cfg (its
	// queue, its handler); the manager registers it.
	NewConnector func(cfg smppc.Config) (*smppc.Connector, error)
	Log          *slog.Logger
}

// Manager is the one writer of configuration.
type Manager struct {
	mu      sync.Mutex // one change at a time, from every front-end
	st      Store
	r       Routing
	newConn func(smppc.Config) (*smppc.Connector, error)
	log     *slog.Logger

	// Registries, replaced whole under mu: readers take no lock.
	conns atomic.Pointer[map[string]*smppc.Connector]
	https atomic.Pointer[map[string]HTTPConnector]
	// saved are the connectors LoadLive found started: StartSaved starts
	// them.
	saved []*smppc.Connector
}

// New makes a manager with empty registries; LoadLive fills them from
// the store.
func New(d Deps) *Manager {
	log := d.Log
	if log == nil {
		log = slog.Default()
	}
	m := &Manager{st: d.Store, r: d.Routing, newConn: d.NewConnector, log: log}
	m.conns.Store(&map[string]*smppc.Connector{})
	m.https.Store(&map[string]HTTPConnector{})
	return m
}

// SaveError is a change the store could not take; the change was undone.
type SaveError struct{ Err error }

func (e *SaveError) Error() string {
	return "could not save the configuration, nothing changed: " + e.Err.Error()
}

func (e *SaveError) Unwrap() error { return e.Err }

// Do makes one change: fn changes objects through tx, then every object
// it touched is written to the store in one atomic write. When fn or the
// write fails (or fn panics), what fn changed is taken back, in reverse,
// and the error is returned (the panic goes on): a change either applies
// and is durable, or changes nothing. Changes from every front-end are
// serialised by one lock; fn must not call Do.
func (m *Manager) Do(fn func(tx *Tx) error) (err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	tx := &Tx{m: m, dirty: map[objKey]int{}}
	defer func() {
		if r := recover(); r != nil {
			if uerr := tx.rollback(); uerr != nil {
				m.log.Error("manage: undo after a panic failed", "err", uerr)
			}
			panic(r)
		}
	}()
	if err = fn(tx); err == nil {
		err = tx.commit()
	}
	if err != nil {
		if uerr := tx.rollback(); uerr != nil {
			err = errors.Join(err, fmt.Errorf("undo: %w", uerr))
		}
	}
	return err
}

// objKey names a stored object.
type objKey struct{ kind, id string }

// Tx is one change in progress (see Do). Its operations change the live
// objects at once, record how to undo that, and mark what to write.
type Tx struct {
	m     *Manager
	undo  []func() error
	keys  []objKey       // objects to write, in the order first touched
	dirty map[objKey]int // index in keys
	// records are front-ends' own objects to write (nil: delete).
	records map[objKey][]byte
}

// onUndo records how to take back a step that was made.
func (tx *Tx) onUndo(f func() error) { tx.undo = append(tx.undo, f) }

// touch marks an object to write at commit, as it then stands.
func (tx *Tx) touch(kind, id string) {
	k := objKey{kind, id}
	if _, ok := tx.dirty[k]; !ok {
		tx.dirty[k] = len(tx.keys)
		tx.keys = append(tx.keys, k)
	}
}

// PutRecord stores value as a front-end's object kind/id (a Junebug
// channel) with the change; nil deletes it. Kinds are the front-end's
// own, registered with the store when they are not part of profiles.
func (tx *Tx) PutRecord(kind, id string, value []byte) {
	if tx.records == nil {
		tx.records = map[objKey][]byte{}
	}
	k := objKey{kind, id}
	tx.records[k] = value
	tx.touch(kind, id)
}

// commit writes every touched object as it now stands.
func (tx *Tx) commit() error {
	if len(tx.keys) == 0 {
		return nil
	}
	changes := make([]store.ObjectChange, 0, len(tx.keys))
	for _, k := range tx.keys {
		var (
			b   []byte
			del bool
			err error
		)
		if v, ok := tx.records[k]; ok {
			b, del = v, v == nil
		} else if b, del, err = tx.m.encode(k); err != nil {
			return err
		}
		changes = append(changes, store.ObjectChange{Kind: k.kind, ID: k.id, Value: b, Delete: del})
	}
	if err := tx.m.st.PutObjects(changes); err != nil {
		return &SaveError{Err: err}
	}
	return nil
}

// rollback runs the recorded undo in reverse.
func (tx *Tx) rollback() error {
	var errs []error
	for i := len(tx.undo) - 1; i >= 0; i-- {
		errs = append(errs, tx.undo[i]())
	}
	tx.undo = nil
	return errors.Join(errs...)
}
