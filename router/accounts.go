package router

import (
	"maps"
	"slices"
	"sync"
	"sync/atomic"
)

// Users and groups: Jasmin's user and group managers.
//
// Accounts holds them in an immutable snapshot behind an atomic pointer.
// Every lookup (User, UserByUsername, Authenticate on its cached path,
// Current, CheckMT, Allow) loads the pointer and reads maps: no lock, no
// allocation. A change (add, update, enable, remove …) is made under a
// writer mutex on a copy and swapped in, so readers never wait and never see
// half a change; a refused change leaves everything as it was.
//
// What changes with every message — the throughput buckets, the number of
// binds, the authentication cache — is not in the snapshot: it hangs off
// each user in a userLive that every copy of that user shares, and changes
// with atomic operations. The balance and sms_count are not here at all:
// they are the store's ledger (see counters.go).

// Accounts is the registry of users and groups.
type Accounts struct {
	mu     sync.Mutex // writers
	snap   atomic.Pointer[acctSnapshot]
	macKey *pwMACKey
}

type acctSnapshot struct {
	groups map[string]*Group
	gorder []string
	users  map[string]*User // by uid
	byName map[string]*User // by username
	uorder []string
}

// NewAccounts returns an empty registry.
func NewAccounts() *Accounts {
	a := &Accounts{macKey: newPWMACKey()}
	a.snap.Store(&acctSnapshot{
		groups: map[string]*Group{}, users: map[string]*User{}, byName: map[string]*User{},
	})
	return a
}

func (s *acctSnapshot) clone() *acctSnapshot {
	return &acctSnapshot{
		groups: maps.Clone(s.groups), gorder: slices.Clone(s.gorder),
		users: maps.Clone(s.users), byName: maps.Clone(s.byName), uorder: slices.Clone(s.uorder),
	}
}

// edit runs fn on a copy of the snapshot under the writer lock and
// publishes it when fn succeeds.
func (a *Accounts) edit(fn func(s, ns *acctSnapshot) error) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	s := a.snap.Load()
	ns := s.clone()
	if err := fn(s, ns); err != nil {
		return err
	}
	a.snap.Store(ns)
	return nil
}

// acctRegister validates a new user against a snapshot and returns the copy
// to store.
func acctRegister(s *acctSnapshot, u *User) (*User, error) {
	if u == nil {
		return nil, &FieldError{Field: "user", Msg: "missing"}
	}
	if err := checkUID(u.UID); err != nil {
		return nil, err
	}
	if err := checkUsername(u.Username); err != nil {
		return nil, err
	}
	if err := checkGID(u.GID); err != nil {
		return nil, err
	}
	if !ValidPasswordHash(u.PasswordHash) {
		return nil, &FieldError{Field: "password", Msg: "missing or not a password hash"}
	}
	if s.groups[u.GID] == nil {
		return nil, &FieldError{Field: "gid", Msg: "Unknown Group gid:" + u.GID + ", you must first create the Group"}
	}
	if s.users[u.UID] != nil {
		return nil, acctErr(ErrUserExists, u.UID)
	}
	if s.byName[u.Username] != nil {
		return nil, &FieldError{Field: "username", Msg: "username " + u.Username + " is already used"}
	}
	cp := *u
	if cp.live == nil {
		cp.live = newUserLive()
	}
	if cp.pwGen == 0 {
		cp.pwGen = pwGenSeq.Add(1)
	}
	cp.frozen = true
	return &cp, nil
}

// AddUser registers a user (built with NewUser and Set): its uid and
// username must be new, its group must exist. The Accounts keeps a copy;
// the draft can no longer be Set.
func (a *Accounts) AddUser(u *User) error {
	return a.edit(func(s, ns *acctSnapshot) error {
		cp, err := acctRegister(s, u)
		if err != nil {
			return err
		}
		ns.users[cp.UID] = cp
		ns.byName[cp.Username] = cp
		ns.uorder = append(ns.uorder, cp.UID)
		u.frozen, u.live = true, cp.live
		return nil
	})
}

// Load replaces every group and user at once (a restart from the store, a
// jCli `load`): all or nothing.
func (a *Accounts) Load(groups []Group, users []*User) error {
	ns := &acctSnapshot{groups: map[string]*Group{}, users: map[string]*User{}, byName: map[string]*User{}}
	for _, g := range groups {
		if err := checkGID(g.GID); err != nil {
			return err
		}
		if ns.groups[g.GID] != nil {
			return acctErr(ErrGroupExists, g.GID)
		}
		ns.groups[g.GID] = &Group{GID: g.GID, Enabled: g.Enabled}
		ns.gorder = append(ns.gorder, g.GID)
	}
	regs := make([]*User, 0, len(users))
	for _, u := range users {
		cp, err := acctRegister(ns, u)
		if err != nil {
			return err
		}
		ns.users[cp.UID] = cp
		ns.byName[cp.Username] = cp
		ns.uorder = append(ns.uorder, cp.UID)
		regs = append(regs, cp)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for i, u := range users {
		u.frozen, u.live = true, regs[i].live
	}
	a.snap.Store(ns)
	return nil
}

// acctReplaceUser edits a copy of user uid with fn and publishes it.
func (a *Accounts) acctReplaceUser(uid string, fn func(s *acctSnapshot, e *credEdit) error) error {
	return a.edit(func(s, ns *acctSnapshot) error {
		old := s.users[uid]
		if old == nil {
			return acctErr(ErrUnknownUser, uid)
		}
		cp := *old
		cp.frozen = false
		e := &credEdit{u: &cp}
		if err := fn(s, e); err != nil {
			return err
		}
		if len(e.ops) > 0 {
			return &FieldError{Field: e.ops[0].field, Msg: "is a live counter, kept in the store's counters: change it through the ledger (QuotaEdit)"}
		}
		cp.frozen = true
		ns.users[uid] = &cp
		ns.byName[cp.Username] = &cp
		return nil
	})
}

// UpdateUser applies a jCli update session: every change is validated
// first and either all apply or none does. uid and username cannot change;
// gid must name an existing group; quotas take `+N` / `-N`.
func (a *Accounts) UpdateUser(uid string, changes ...Change) error {
	return a.acctReplaceUser(uid, func(s *acctSnapshot, e *credEdit) error {
		for _, c := range changes {
			if err := e.change(c.Key, c.Arg, s.groups); err != nil {
				return err
			}
		}
		return nil
	})
}

// SetCredential changes one credential key with jCli's syntax:
// SetCredential("u1", "mt_messaging_cred", "quota", "balance", "+10").
// Unknown credentials, sections and keys and invalid values are refused with
// a *FieldError naming the field; nothing changes then.
func (a *Accounts) SetCredential(uid, cred, section, key, value string) error {
	return a.acctReplaceUser(uid, func(_ *acctSnapshot, e *credEdit) error {
		return e.setCredential(cred, section, key, value)
	})
}

// SetPassword changes a user's password.
func (a *Accounts) SetPassword(uid, password string) error {
	return a.UpdateUser(uid, Change{Key: "password", Arg: password})
}

func (a *Accounts) setUserEnabled(uid string, on bool) error {
	return a.acctReplaceUser(uid, func(_ *acctSnapshot, e *credEdit) error {
		e.u.Enabled = on
		return nil
	})
}

// EnableUser enables a user.
func (a *Accounts) EnableUser(uid string) error { return a.setUserEnabled(uid, true) }

// DisableUser disables a user: it can no longer bind, authenticate or send
// (bound sessions are refused from their next message: see Current).
func (a *Accounts) DisableUser(uid string) error { return a.setUserEnabled(uid, false) }

// RemoveUser removes a user.
func (a *Accounts) RemoveUser(uid string) error {
	return a.edit(func(s, ns *acctSnapshot) error {
		u := s.users[uid]
		if u == nil {
			return acctErr(ErrUnknownUser, uid)
		}
		delete(ns.users, uid)
		delete(ns.byName, u.Username)
		ns.uorder = slices.DeleteFunc(ns.uorder, func(x string) bool { return x == uid })
		return nil
	})
}

// User returns the user uid, or nil. No lock, no allocation.
func (a *Accounts) User(uid string) *User { return a.snap.Load().users[uid] }

// UserByUsername returns the user with that username, or nil. No lock, no
// allocation.
func (a *Accounts) UserByUsername(username string) *User { return a.snap.Load().byName[username] }

// Users returns the users of group gid ("" for all), in the order they were
// added.
func (a *Accounts) Users(gid string) []*User {
	s := a.snap.Load()
	out := make([]*User, 0, len(s.uorder))
	for _, uid := range s.uorder {
		if u := s.users[uid]; gid == "" || u.GID == gid {
			out = append(out, u)
		}
	}
	return out
}
