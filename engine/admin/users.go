package admin

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/valyala/fasthttp"

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
	c, err := s.b.Counters(u.UID)
	if err != nil {
		return nil, fmt.Errorf("counters of %s: %w", u.UID, err)
	}
	g, _ := s.b.Accounts().Group(u.GID)
	v := &userView{UID: u.UID, GID: u.GID, Username: u.Username, Enabled: u.Enabled, GroupEnabled: g.Enabled,
		MT:               map[string]map[string]any{},
		SMPPS:            map[string]map[string]any{},
		BoundConnections: s.b.SMPPServer().Binds(u.UID)}
	for _, line := range u.ShowLines() {
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
	u := s.b.Accounts().User(uid)
	if u == nil {
		return nil, notFound("unknown user " + uid)
	}
	return u, nil
}

func (s *Server) listUsers(ctx *fasthttp.RequestCtx, _ []string) (int, any, error) {
	gid := string(ctx.QueryArgs().Peek("gid"))
	if gid != "" {
		if _, ok := s.b.Accounts().Group(gid); !ok {
			return 0, nil, notFound("unknown group " + gid)
		}
	}
	out := []*userView{}
	for _, u := range s.b.Accounts().Users(gid) {
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

func (s *Server) createUser(ctx *fasthttp.RequestCtx, _ []string) (int, any, error) {
	sp, err := parseUser(ctx.PostBody())
	if err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	acc := s.b.Accounts()
	if sp.has["uid"] && acc.User(sp.uid) != nil {
		return 0, nil, conflict("uid", "user "+sp.uid+" already exists")
	}
	if sp.has["username"] && acc.UserByUsername(sp.username) != nil {
		return 0, nil, conflict("username", "username "+sp.username+" is already used")
	}
	u, err := sp.draft()
	if err != nil {
		return 0, nil, err
	}
	if err := acc.AddUser(u); err != nil {
		return 0, nil, err
	}
	// The ledger starts from what the body set (unlimited by default),
	// replacing whatever a removed user of that uid left.
	if err := s.b.SetCounters(u.UID, u.Counters()); err != nil {
		_ = acc.RemoveUser(u.UID)
		return 0, nil, err
	}
	if err := s.save(); err != nil {
		_ = acc.RemoveUser(u.UID)
		return 0, nil, err
	}
	v, err := s.viewUser(acc.User(u.UID))
	return fasthttp.StatusCreated, v, err
}

func (s *Server) updateUser(ctx *fasthttp.RequestCtx, a []string) (int, any, error) {
	uid := a[0]
	sp, err := parseUser(ctx.PostBody())
	if err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	acc := s.b.Accounts()
	if _, err := s.user(uid); err != nil {
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
	quota, rest, err := router.SplitQuota(changes)
	if err != nil {
		return 0, nil, err
	}
	if !quota.Empty() {
		// Checked against the ledger's value first, so that a refusal
		// (below zero) changes nothing else.
		c, err := s.b.Counters(uid)
		if err != nil {
			return 0, nil, fmt.Errorf("counters of %s: %w", uid, err)
		}
		if _, err := quota.Apply(c); err != nil {
			return 0, nil, err
		}
	}
	if len(rest) > 0 {
		if err := acc.UpdateUser(uid, rest...); err != nil {
			return 0, nil, err
		}
	}
	if !quota.Empty() {
		// +N / -N apply to the ledger's value under its lock: a charge
		// made meanwhile is not lost.
		if _, _, err := s.b.ApplyQuota(uid, quota); err != nil {
			return 0, nil, err
		}
	}
	if sp.enabled != nil {
		if err := s.setUserEnabled(uid, *sp.enabled); err != nil {
			return 0, nil, err
		}
	}
	if err := s.save(); err != nil {
		return 0, nil, err
	}
	v, err := s.viewUser(acc.User(uid))
	return fasthttp.StatusOK, v, err
}

func (s *Server) setUserEnabled(uid string, on bool) error {
	if on {
		return s.b.Accounts().EnableUser(uid)
	}
	return s.b.Accounts().DisableUser(uid)
}

// moRoutesTo names the MO routes whose targets include target.
func (s *Server) moRoutesTo(target string) []string {
	var used []string
	for _, rt := range s.b.MOTable().Routes() {
		for _, c := range rt.Connectors {
			if c == target {
				used = append(used, fmt.Sprintf("MO route %d", rt.Order))
				break
			}
		}
	}
	return used
}

func (s *Server) deleteUser(_ *fasthttp.RequestCtx, a []string) (int, any, error) {
	uid := a[0]
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.user(uid); err != nil {
		return 0, nil, err
	}
	if used := s.moRoutesTo(router.ConnectorSMPPServer + "(" + uid + ")"); len(used) > 0 {
		return 0, nil, conflict("uid", "user "+uid+" is the target of "+strings.Join(used, ", "))
	}
	if err := s.b.Accounts().RemoveUser(uid); err != nil {
		return 0, nil, err
	}
	if err := s.save(); err != nil {
		return 0, nil, err
	}
	s.b.SMPPServer().Unbind(uid)
	if err := s.b.SetCounters(uid, ledger.Counters{}); err != nil {
		return 0, nil, err
	}
	return fasthttp.StatusNoContent, nil, nil
}

func (s *Server) enableUser(_ *fasthttp.RequestCtx, a []string) (int, any, error) {
	return s.toggleUser(a[0], true)
}

func (s *Server) disableUser(_ *fasthttp.RequestCtx, a []string) (int, any, error) {
	return s.toggleUser(a[0], false)
}

func (s *Server) toggleUser(uid string, on bool) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.user(uid); err != nil {
		return 0, nil, err
	}
	if err := s.setUserEnabled(uid, on); err != nil {
		return 0, nil, err
	}
	if err := s.save(); err != nil {
		return 0, nil, err
	}
	v, err := s.viewUser(s.b.Accounts().User(uid))
	return fasthttp.StatusOK, v, err
}

// unbindUser unbinds the user's SMPP sessions (user --smpp-unbind).
func (s *Server) unbindUser(_ *fasthttp.RequestCtx, a []string) (int, any, error) {
	if _, err := s.user(a[0]); err != nil {
		return 0, nil, err
	}
	n := s.b.SMPPServer().Unbind(a[0])
	return fasthttp.StatusOK, map[string]any{"uid": a[0], "unbound": n}, nil
}

// banUser disables the user, so that it cannot bind again until enabled,
// and closes its SMPP sessions at once (user --smpp-ban).
func (s *Server) banUser(_ *fasthttp.RequestCtx, a []string) (int, any, error) {
	uid := a[0]
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.user(uid); err != nil {
		return 0, nil, err
	}
	if err := s.b.Accounts().DisableUser(uid); err != nil {
		return 0, nil, err
	}
	if err := s.save(); err != nil {
		return 0, nil, err
	}
	n := s.b.SMPPServer().Ban(uid)
	return fasthttp.StatusOK, map[string]any{"uid": uid, "banned": n, "enabled": false}, nil
}
