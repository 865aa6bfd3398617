package admin

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/gwd-project/gwd/engine/manage"
	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/router/ledger"
)

// userView is a user as the API shows it: never its password.
type userView struct {
	UID              string                    `json:"uid"`
	GID              string                    `json:"gid"`
	Username         string                    `json:"username"`
	Enabled          bool                      `json:"enabled"`
	GroupEnabled     bool                      `json:"group_enabled"`
	MT               map[string]map[string]any `json:"mt_messaging_cred"`
	SMPPS            map[string]map[string]any `json:"smpps_cred"`
	BoundConnections int                       `json:"bound_connections"`
}

// credValue types a credential as `user -s` shows it: authorizations are
// booleans (smpps_cred ip a string), value filters strings, a default
// value a string or null (None), quotas numbers or null (ND, unlimited).
func credValue(section, key, v string) any {
	switch section {
	case "authorization":
		if key == "ip" {
			return v
		}
		return v == "True"
	case "defaultvalue":
		if v == "None" {
			return nil
		}
		return v
	case "quota":
		if v == "ND" {
			return nil
		}
		return json.Number(v)
	}
	return v
}

func countersView(c ledger.Counters) (balance, sms any) {
	if c.HasBalance {
		balance = json.Number(c.Balance.String())
	}
	if c.HasSMS {
		sms = json.Number(fmt.Sprint(c.SMS))
	}
	return balance, sms
}

// viewUser shows u with the ledger's balance and sms_count.
func (s *Server) viewUser(u *router.User) (*userView, error) {
	c, err := s.m.Counters(u.UID)
	if err != nil {
		return nil, err
	}
	g, _ := s.m.Accounts().Group(u.GID)
	v := &userView{UID: u.UID, GID: u.GID, Username: u.Username, Enabled: u.Enabled, GroupEnabled: g.Enabled,
		MT:               map[string]map[string]any{},
		SMPPS:            map[string]map[string]any{},
		BoundConnections: s.d.SMPP.Binds(u.UID)}
	for _, line := range u.ShowLines(c) {
		parts := strings.SplitN(line, " ", 4)
		if len(parts) != 4 {
			continue
		}
		var dst map[string]map[string]any
		switch parts[0] {
		case router.CredMT:
			dst = v.MT
		case router.CredSMPPS:
			dst = v.SMPPS
		default:
			continue
		}
		sec := dst[parts[1]]
		if sec == nil {
			sec = map[string]any{}
			dst[parts[1]] = sec
		}
		sec[parts[2]] = credValue(parts[1], parts[2], parts[3])
	}
	if q := v.MT["quota"]; q != nil {
		q["balance"], q["sms_count"] = countersView(c)
	}
	return v, nil
}

// credChange is one credential key a body sets.
type credChange struct{ cred, section, key, value string }

func (c credChange) field() string { return c.cred + "." + c.section + "." + c.key }

// userSpec is a user body: the keys given, in order.
type userSpec struct {
	uid, gid, username, password string
	has                          map[string]bool
	enabled                      *bool
	creds                        []credChange
}

var userKeys = []string{"uid", "gid", "username", "password", "enabled", router.CredMT, router.CredSMPPS}

// parseUser reads a user body (create or update).
func parseUser(body []byte) (*userSpec, error) {
	o, err := decodeObject(body, "")
	if err != nil {
		return nil, err
	}
	if err := o.only("", userKeys...); err != nil {
		return nil, err
	}
	sp := &userSpec{has: map[string]bool{}}
	for _, m := range o {
		sp.has[m.key] = true
		switch m.key {
		case "uid", "gid", "username", "password":
			v, err := text(m.raw, m.key)
			if err != nil {
				return nil, err
			}
			switch m.key {
			case "uid":
				sp.uid = v
			case "gid":
				sp.gid = v
			case "username":
				sp.username = v
			default:
				sp.password = v
			}
		case "enabled":
			b, err := boolean(m.raw, m.key)
			if err != nil {
				return nil, err
			}
			sp.enabled = &b
		case router.CredMT, router.CredSMPPS:
			secs, err := decodeObject(m.raw, m.key)
			if err != nil {
				return nil, err
			}
			for _, sec := range secs {
				keys, err := decodeObject(sec.raw, join(m.key, sec.key))
				if err != nil {
					return nil, err
				}
				for _, k := range keys {
					c := credChange{cred: m.key, section: sec.key, key: k.key}
					v, err := scalar(k.raw, c.field())
					if err != nil {
						return nil, err
					}
					if strings.TrimSpace(v) == "" {
						return nil, badField(c.field(), "missing value")
					}
					c.value = v
					sp.creds = append(sp.creds, c)
				}
			}
		}
	}
	return sp, nil
}

// draft builds the user a create body describes, unregistered.
func (sp *userSpec) draft() (*router.User, error) {
	for _, k := range []string{"uid", "gid", "username", "password"} {
		if !sp.has[k] {
			return nil, badField(k, "missing (a user needs uid, gid, username and password)")
		}
	}
	u, err := router.NewUser(sp.uid, sp.gid, sp.username, sp.password)
	if err != nil {
		return nil, err
	}
	for _, c := range sp.creds {
		if err := u.SetCredential(c.cred, c.section, c.key, c.value); err != nil {
			return nil, err
		}
	}
	if sp.enabled != nil {
		u.Enabled = *sp.enabled
	}
	return u, nil
}

func (s *Server) user(uid string) (*router.User, error) {
	u := s.m.Accounts().User(uid)
	if u == nil {
		return nil, notFound("unknown user " + uid)
	}
	return u, nil
}

func (s *Server) listUsers(ctx *fasthttp.RequestCtx, _ []string) (int, any, error) {
	gid := string(ctx.QueryArgs().Peek("gid"))
	if gid != "" {
		if _, ok := s.m.Accounts().Group(gid); !ok {
			return 0, nil, notFound("unknown group " + gid)
		}
	}
	out := []*userView{}
	for _, u := range s.m.Accounts().Users(gid) {
		v, err := s.viewUser(u)
		if err != nil {
			return 0, nil, err
		}
		out = append(out, v)
	}
	return fasthttp.StatusOK, map[string]any{"users": out, "total": len(out)}, nil
}

func (s *Server) getUser(_ *fasthttp.RequestCtx, a []string) (int, any, error) {
	u, err := s.user(a[0])
	if err != nil {
		return 0, nil, err
	}
	v, err := s.viewUser(u)
	return fasthttp.StatusOK, v, err
}

// changeUser makes a change to user uid (which must exist) and answers
// the user as it then is.
func (s *Server) changeUser(uid string, fn func(tx *manage.Tx) error) (int, any, error) {
	err := s.m.Do(func(tx *manage.Tx) error {
		if _, err := s.user(uid); err != nil {
			return err
		}
		return fn(tx)
	})
	if err != nil {
		return 0, nil, err
	}
	v, err := s.viewUser(s.m.Accounts().User(uid))
	return fasthttp.StatusOK, v, err
}

func (s *Server) createUser(ctx *fasthttp.RequestCtx, _ []string) (int, any, error) {
	sp, err := parseUser(ctx.PostBody())
	if err != nil {
		return 0, nil, err
	}
	var uid string
	err = s.m.Do(func(tx *manage.Tx) error {
		acc := s.m.Accounts()
		if sp.has["uid"] && acc.User(sp.uid) != nil {
			return conflict("uid", "user "+sp.uid+" already exists")
		}
		if sp.has["username"] && acc.UserByUsername(sp.username) != nil {
			return conflict("username", "username "+sp.username+" is already used")
		}
		u, err := sp.draft()
		if err != nil {
			return err
		}
		uid = u.UID
		// The ledger starts from what the body set (unlimited by
		// default), replacing whatever a removed user of that uid left.
		return tx.AddUser(u)
	})
	if err != nil {
		return 0, nil, err
	}
	v, err := s.viewUser(s.m.Accounts().User(uid))
	return fasthttp.StatusCreated, v, err
}

func (s *Server) updateUser(ctx *fasthttp.RequestCtx, a []string) (int, any, error) {
	uid := a[0]
	sp, err := parseUser(ctx.PostBody())
	if err != nil {
		return 0, nil, err
	}
	var changes []router.Change
	for _, k := range []string{"uid", "username", "gid", "password"} {
		if !sp.has[k] {
			continue
		}
		v := map[string]string{"uid": sp.uid, "username": sp.username, "gid": sp.gid, "password": sp.password}[k]
		changes = append(changes, router.Change{Key: k, Arg: v})
	}
	for _, c := range sp.creds {
		changes = append(changes, router.Change{Key: c.cred, Arg: c.section + " " + c.key + " " + c.value})
	}
	return s.changeUser(uid, func(tx *manage.Tx) error {
		// +N / -N apply to the ledger's value under its lock: a charge
		// made meanwhile is not lost.
		if err := tx.UpdateUser(uid, changes...); err != nil {
			return err
		}
		if sp.enabled != nil {
			return tx.SetUserEnabled(uid, *sp.enabled)
		}
		return nil
	})
}

func (s *Server) deleteUser(_ *fasthttp.RequestCtx, a []string) (int, any, error) {
	uid := a[0]
	err := s.m.Do(func(tx *manage.Tx) error {
		if _, err := s.user(uid); err != nil {
			return err
		}
		if used := s.m.RoutesTo(router.MO, router.ConnectorSMPPServer+"("+uid+")"); len(used) > 0 {
			return conflict("uid", "user "+uid+" is the target of "+strings.Join(used, ", "))
		}
		if err := tx.RemoveUser(uid); err != nil {
			return err
		}
		return tx.SetCounters(uid, ledger.Counters{})
	})
	if err != nil {
		return 0, nil, err
	}
	s.d.SMPP.Unbind(uid)
	return fasthttp.StatusNoContent, nil, nil
}

func (s *Server) enableUser(_ *fasthttp.RequestCtx, a []string) (int, any, error) {
	return s.changeUser(a[0], func(tx *manage.Tx) error { return tx.SetUserEnabled(a[0], true) })
}

func (s *Server) disableUser(_ *fasthttp.RequestCtx, a []string) (int, any, error) {
	return s.changeUser(a[0], func(tx *manage.Tx) error { return tx.SetUserEnabled(a[0], false) })
}

// unbindUser unbinds the user's SMPP sessions (user --smpp-unbind).
func (s *Server) unbindUser(_ *fasthttp.RequestCtx, a []string) (int, any, error) {
	if _, err := s.user(a[0]); err != nil {
		return 0, nil, err
	}
	n := s.d.SMPP.Unbind(a[0])
	return fasthttp.StatusOK, map[string]any{"uid": a[0], "unbound": n}, nil
}

// banUser disables the user, so that it cannot bind again until enabled,
// and closes its SMPP sessions at once (user --smpp-ban).
func (s *Server) banUser(_ *fasthttp.RequestCtx, a []string) (int, any, error) {
	uid := a[0]
	err := s.m.Do(func(tx *manage.Tx) error {
		if _, err := s.user(uid); err != nil {
			return err
		}
		return tx.SetUserEnabled(uid, false)
	})
	if err != nil {
		return 0, nil, err
	}
	n := s.d.SMPP.Ban(uid)
	return fasthttp.StatusOK, map[string]any{"uid": uid, "banned": n, "enabled": false}, nil
}
