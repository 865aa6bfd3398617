package jcli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gwd-project/gwd/engine/manage"
	"github.com/gwd-project/gwd/router"
)

func groupCommand() *command {
	return &command{name: "group", doc: "Group management",
		opts: []option{
			{short: "-l", long: "--list", help: "List groups"},
			{short: "-a", long: "--add", help: "Add group"},
			{short: "-e", long: "--enable", metavar: "GID", help: "Enable group using it's GID"},
			{short: "-d", long: "--disable", metavar: "GID", help: "Disable group using it's GID"},
			{short: "-r", long: "--remove", metavar: "GID", help: "Remove group using it's GID"},
		},
		actions: []action{
			{"list", func(s *session, _ opts) { s.lines(s.srv.m.Accounts().GroupListLines()) }},
			{"add", func(s *session, _ opts) {
				s.startInteraction(&groupAdd{}, "Adding a new Group: (ok: save, ko: exit)")
			}},
			{"enable", func(s *session, o opts) { groupEnable(s, o.get("enable"), true) }},
			{"disable", func(s *session, o opts) { groupEnable(s, o.get("disable"), false) }},
			{"remove", groupRemove},
		}}
}

func groupExists(s *session, gid string) bool {
	if _, ok := s.srv.m.Accounts().Group(gid); !ok {
		s.println("Unknown Group: " + gid)
		return false
	}
	return true
}

func groupEnable(s *session, gid string, on bool) {
	if !groupExists(s, gid) {
		return
	}
	err := s.change(func(tx *manage.Tx) error { return tx.SetGroupEnabled(gid, on) })
	switch {
	case err != nil:
		s.errLine(err)
	case on:
		s.println("Successfully enabled Group id:" + gid)
	default:
		s.println("Successfully disabled Group id:" + gid)
	}
}

// groupRemove refuses a group that still has users: removing them with it
// (as Jasmin does) would silently lock accounts out.
func groupRemove(s *session, o opts) {
	gid := o.get("remove")
	if !groupExists(s, gid) {
		return
	}
	err := s.change(func(tx *manage.Tx) error { return tx.RemoveGroup(gid) })
	if errors.Is(err, router.ErrGroupNotEmpty) {
		var uids []string
		for _, u := range s.srv.m.Accounts().Users(gid) {
			uids = append(uids, u.UID)
		}
		s.println(fmt.Sprintf("Error: Group [%s] still has %d user(s) (%s): remove them or move them to another group first",
			gid, len(uids), strings.Join(uids, ", ")))
		return
	}
	if err != nil {
		s.errLine(err)
		return
	}
	s.println("Successfully removed Group id:" + gid)
}

// groupAdd is the `group -a` session.
type groupAdd struct{ gid string }

func (g *groupAdd) keys() []string { return []string{"gid"} }

func (g *groupAdd) set(s *session, key, arg string) {
	if key != "gid" {
		s.println("Unknown Group key: " + key)
		return
	}
	g.gid = arg
}

func (g *groupAdd) save(s *session) bool {
	if g.gid == "" {
		s.println("You must set Group id (gid) before saving !")
		return false
	}
	if err := s.change(func(tx *manage.Tx) error { return tx.AddGroup(g.gid) }); err != nil {
		s.errLine(err)
		return false
	}
	s.println("Successfully added Group [" + g.gid + "]")
	return true
}
