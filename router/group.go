package router

import (
	"slices"
	"strconv"
)

// Group is a Jasmin group. Every user belongs to one; a disabled group
// disables its users.
type Group struct {
	GID     string // 1–16 of [A-Za-z0-9_-]
	Enabled bool
}

func checkGID(gid string) error {
	if !acctIDOK(gid, 16) {
		return &FieldError{Field: "gid", Msg: "Group gid syntax is invalid (1 to 16 of A-Z a-z 0-9 _ -)"}
	}
	return nil
}

// AddGroup adds an enabled group.
func (a *Accounts) AddGroup(gid string) error {
	if err := checkGID(gid); err != nil {
		return err
	}
	return a.edit(func(s, ns *acctSnapshot) error {
		if s.groups[gid] != nil {
			return acctErr(ErrGroupExists, gid)
		}
		ns.groups[gid] = &Group{GID: gid, Enabled: true}
		ns.gorder = append(ns.gorder, gid)
		return nil
	})
}

// RemoveGroup removes a group; a group that still has users is refused.
func (a *Accounts) RemoveGroup(gid string) error {
	return a.edit(func(s, ns *acctSnapshot) error {
		if s.groups[gid] == nil {
			return acctErr(ErrUnknownGroup, gid)
		}
		for _, u := range s.users {
			if u.GID == gid {
				return acctErr(ErrGroupNotEmpty, gid)
			}
		}
		delete(ns.groups, gid)
		ns.gorder = slices.DeleteFunc(ns.gorder, func(x string) bool { return x == gid })
		return nil
	})
}

func (a *Accounts) setGroupEnabled(gid string, on bool) error {
	return a.edit(func(s, ns *acctSnapshot) error {
		g := s.groups[gid]
		if g == nil {
			return acctErr(ErrUnknownGroup, gid)
		}
		ns.groups[gid] = &Group{GID: gid, Enabled: on}
		return nil
	})
}

// EnableGroup enables a group (and so its enabled users).
func (a *Accounts) EnableGroup(gid string) error { return a.setGroupEnabled(gid, true) }

// DisableGroup disables a group: none of its users can bind, authenticate
// or send until it is enabled again.
func (a *Accounts) DisableGroup(gid string) error { return a.setGroupEnabled(gid, false) }

// Group returns a group.
func (a *Accounts) Group(gid string) (Group, bool) {
	g := a.snap.Load().groups[gid]
	if g == nil {
		return Group{}, false
	}
	return *g, true
}

// Groups returns the groups in the order they were added.
func (a *Accounts) Groups() []Group {
	s := a.snap.Load()
	out := make([]Group, 0, len(s.gorder))
	for _, gid := range s.gorder {
		out = append(out, *s.groups[gid])
	}
	return out
}

// GroupListLines returns `group -l` as jCli prints it.
func (a *Accounts) GroupListLines() []string {
	groups := a.Groups()
	var out []string
	if len(groups) > 0 {
		out = append(out, "#Group id")
	}
	for _, g := range groups {
		if g.Enabled {
			out = append(out, "#"+g.GID)
		} else {
			out = append(out, "#!"+g.GID)
		}
	}
	return append(out, "Total Groups: "+strconv.FormatInt(int64(len(groups)), 10))
}
