package jcli

import (
	"fmt"
	"strings"

	"github.com/gwd-project/gwd/engine/manage"
	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/router/ledger"
)

// userKeys are the keys of a user session, in Jasmin's order.
var userKeys = []string{"uid", "gid", "username", "password", router.CredMT, router.CredSMPPS}

func userCommand() *command {
	return &command{name: "user", doc: "User management",
		opts: []option{
			{short: "-l", long: "--list", help: "List all users or a group users when provided with GID"},
			{short: "-a", long: "--add", help: "Add user"},
			{short: "-e", long: "--enable", metavar: "UID", help: "Enable user using it's UID"},
			{short: "-d", long: "--disable", metavar: "UID", help: "Disable user using it's UID"},
			{short: "-u", long: "--update", metavar: "UID", help: "Update user using it's UID"},
			{short: "-r", long: "--remove", metavar: "UID", help: "Remove user using it's UID"},
			{short: "-s", long: "--show", metavar: "UID", help: "Show user using it's UID"},
			{long: "--smpp-unbind", metavar: "UID", help: "Unbind user from smpp server using it's UID"},
			{long: "--smpp-ban", metavar: "UID", help: "Unbind and ban user from smpp server using it's UID"},
		},
		actions: []action{
			{"list", userList},
			{"add", func(s *session, _ opts) {
				s.startInteraction(&userAdd{given: map[string]string{}}, "Adding a new User: (ok: save, ko: exit)")
			}},
			{"enable", func(s *session, o opts) { userEnable(s, o.get("enable"), true) }},
			{"disable", func(s *session, o opts) { userEnable(s, o.get("disable"), false) }},
			{"update", userUpdateStart},
			{"remove", userRemove},
			{"show", userShow},
			{"smpp-unbind", func(s *session, o opts) { userUnbind(s, o.get("smpp-unbind"), false) }},
			{"smpp-ban", func(s *session, o opts) { userUnbind(s, o.get("smpp-ban"), true) }},
		}}
}

// userExists answers Jasmin's "Unknown User" when uid is not a user.
func userExists(s *session, uid string) bool {
	if s.srv.m.Accounts().User(uid) == nil {
		s.println("Unknown User: " + uid)
		return false
	}
	return true
}

// userList is `user -l [GID]`, balances and sms_counts from the ledger.
func userList(s *session, o opts) {
	m := s.srv.m
	lines, err := m.Accounts().UserListLines(o.args, m.Counters)
	if err != nil {
		s.errLine(err)
	}
	s.lines(lines)
}

func userShow(s *session, o opts) {
	uid := o.get("show")
	if !userExists(s, uid) {
		return
	}
	m := s.srv.m
	lines, err := m.Accounts().ShowLines(uid, m.Counters)
	if err != nil {
		s.errLine(err)
		return
	}
	s.lines(lines)
}

func userEnable(s *session, uid string, on bool) {
	if !userExists(s, uid) {
		return
	}
	err := s.change(func(tx *manage.Tx) error { return tx.SetUserEnabled(uid, on) })
	switch {
	case err != nil:
		s.errLine(err)
	case on:
		s.println("Successfully enabled User id:" + uid)
	default:
		s.println("Successfully disabled User id:" + uid)
	}
}

func userRemove(s *session, o opts) {
	uid := o.get("remove")
	if !userExists(s, uid) {
		return
	}
	if err := s.change(func(tx *manage.Tx) error { return tx.RemoveUser(uid) }); err != nil {
		s.errLine(err)
		return
	}
	// A removed user's sessions would be refused from their next PDU;
	// end them now.
	if srv := s.srv.d.SMPP; srv != nil {
		srv.Unbind(uid)
	}
	s.println("Successfully removed User id:" + uid)
}

// userUnbind is --smpp-unbind and --smpp-ban. A ban also revokes the
// user's bind authorization (smpps_cred authorization bind False) before
// the sessions are dropped, so that the ESME cannot bind again.
func userUnbind(s *session, uid string, ban bool) {
	if !userExists(s, uid) {
		return
	}
	srv := s.srv.d.SMPP
	if !ban {
		if srv != nil {
			srv.Unbind(uid)
		}
		s.println("Successfully unbound User id:" + uid)
		return
	}
	err := s.change(func(tx *manage.Tx) error {
		return tx.SetCredential(uid, router.CredSMPPS, "authorization", "bind", "False")
	})
	if err != nil {
		s.errLine(err)
		return
	}
	if srv != nil {
		srv.Ban(uid)
	}
	s.println("Successfully unbound and banned User id:" + uid)
}

// scratchUser is a draft user that lines are tried on before they are
// accepted.
func scratchUser() (*router.User, error) {
	return router.NewUser("jcli-scratch", "jcli-scratch", "jcli-scratch", "scratch")
}

// checkUserLine validates one credential or password line on a scratch
// draft. Relative quota values (+N / -N) are checked as numbers only:
// the draft's zero base says nothing of the user's.
func checkUserLine(scratch *router.User, key, arg string) error {
	if key == router.CredMT || key == router.CredSMPPS {
		f := strings.Fields(arg)
		if len(f) >= 3 && strings.EqualFold(f[0], "quota") && (f[2][0] == '+' || f[2][0] == '-') {
			if _, err := ledger.ParseMoney(f[2]); err != nil {
				return &router.FieldError{Field: key + " quota " + strings.ToLower(f[1]), Msg: "invalid value " + f[2]}
			}
			return nil
		}
	}
	return scratch.Set(key, arg)
}

// credComplete completes "mt_messaging_cred section key" and
// "smpps_cred section key".
func credComplete(words []string) []string {
	if len(words) == 0 || len(words) > 2 {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for _, k := range router.CredentialKeys() {
		f := strings.Fields(k) // cred section key
		if f[0] != words[0] {
			continue
		}
		var c string
		if len(words) == 1 {
			c = f[1]
		} else if strings.EqualFold(words[1], f[1]) {
			c = f[2]
		}
		if c != "" && !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}

// userAdd is the `user -a` session.
type userAdd struct {
	scratch *router.User
	given   map[string]string // uid, gid, username, password
	lines   []router.Change   // credential lines, in order
}

func (a *userAdd) keys() []string                   { return userKeys }
func (a *userAdd) complete(words []string) []string { return credComplete(words) }

func (a *userAdd) set(s *session, key, arg string) {
	switch key {
	case "uid", "gid", "username", "password", router.CredMT, router.CredSMPPS:
	default:
		s.println("Unknown User key: " + key)
		return
	}
	if key == "gid" {
		if _, ok := s.srv.m.Accounts().Group(arg); !ok {
			s.println("Unknown Group gid:" + arg + ", you must first create the Group")
			return
		}
	}
	if a.scratch == nil {
		u, err := scratchUser()
		if err != nil {
			s.errLine(err)
			return
		}
		a.scratch = u
	}
	if err := a.scratch.Set(key, arg); err != nil {
		s.errLine(err)
		return
	}
	switch key {
	case router.CredMT, router.CredSMPPS:
		a.lines = append(a.lines, router.Change{Key: key, Arg: arg})
	default:
		a.given[key] = arg
	}
}

func (a *userAdd) save(s *session) bool {
	uid, gid, username, password := a.given["uid"], a.given["gid"], a.given["username"], a.given["password"]
	if uid == "" || gid == "" || username == "" || password == "" {
		s.println("You must set User id (uid), group (gid), username and password before saving !")
		return false
	}
	u, err := router.NewUser(uid, gid, username, password)
	if err != nil {
		s.errLine(err)
		return false
	}
	for _, l := range a.lines {
		if err := u.Set(l.Key, l.Arg); err != nil {
			s.errLine(err)
			return false
		}
	}
	// The ledger starts from what the session set (unlimited unless
	// balance or sms_count were given), whatever a former user of that
	// uid left there.
	err = s.change(func(tx *manage.Tx) error { return tx.AddUser(u) })
	if err != nil {
		s.errLine(err)
		return false
	}
	s.println(fmt.Sprintf("Successfully added User [%s] to Group [%s]", uid, gid))
	return true
}

// userUpdate is the `user -u UID` session.
type userUpdate struct {
	uid     string
	scratch *router.User
	changes []router.Change
}

func userUpdateStart(s *session, o opts) {
	uid := o.get("update")
	if !userExists(s, uid) {
		return
	}
	s.startInteraction(&userUpdate{uid: uid}, "Updating User id ["+uid+"]: (ok: save, ko: exit)")
}

func (u *userUpdate) keys() []string                   { return userKeys }
func (u *userUpdate) complete(words []string) []string { return credComplete(words) }

func (u *userUpdate) set(s *session, key, arg string) {
	switch key {
	case "uid":
		s.println("User id can not be modified !")
		return
	case "username":
		s.println("User username can not be modified !")
		return
	case "gid":
		if _, ok := s.srv.m.Accounts().Group(arg); !ok {
			s.println("Unknown Group gid:" + arg + ", you must first create the Group")
			return
		}
	case "password", router.CredMT, router.CredSMPPS:
		if u.scratch == nil {
			sc, err := scratchUser()
			if err != nil {
				s.errLine(err)
				return
			}
			u.scratch = sc
		}
		if err := checkUserLine(u.scratch, key, arg); err != nil {
			s.errLine(err)
			return
		}
	default:
		s.println("Unknown User key: " + key)
		return
	}
	u.changes = append(u.changes, router.Change{Key: key, Arg: arg})
}

func (u *userUpdate) save(s *session) bool {
	if len(u.changes) == 0 {
		s.println("Nothing to save")
		return false
	}
	// Balance and sms_count are the store's ledger, which charging
	// debits: the change is computed against its value under its lock,
	// so no charge made meanwhile is lost.
	err := s.change(func(tx *manage.Tx) error { return tx.UpdateUser(u.uid, u.changes...) })
	if err != nil {
		s.errLine(err)
		return false
	}
	s.println("Successfully updated User [" + u.uid + "]")
	return true
}
