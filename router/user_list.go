package router

import (
	"errors"
	"strconv"
	"strings"

	"github.com/gwd-project/gwd/router/ledger"
)

// ShowLines returns `user -s uid` as jCli prints it (never the password),
// balance and sms_count as counters has them now.
func (a *Accounts) ShowLines(uid string, counters CounterSource) ([]string, error) {
	u := a.User(uid)
	if u == nil {
		return nil, acctErr(ErrUnknownUser, uid)
	}
	c, err := counters(uid)
	if err != nil {
		return nil, err
	}
	return u.ShowLines(c), nil
}

// ShowLines returns the `user -s` lines of u with balance and sms_count c
// (for a draft: its InitialCounters).
func (u *User) ShowLines(c ledger.Counters) []string {
	out := make([]string, 0, 3+len(credKeys))
	out = append(out, "uid "+u.UID, "gid "+u.GID, "username "+u.Username)
	return credShowLines(u, c, out)
}

func acctPad(s string, n int) string {
	if len(s) >= n {
		return s
	}
	return s + strings.Repeat(" ", n-len(s))
}

// UserListLines returns `user -l [gid]` as jCli prints it: a disabled user's
// uid and a disabled group's gid are prefixed with "!"; "ND (!)" marks a
// user with neither balance nor sms_count quota. Balances and sms_counts
// are read from counters as each line is made; a user whose counters cannot
// be read shows ND, and the errors are returned with the lines.
func (a *Accounts) UserListLines(gid string, counters CounterSource) ([]string, error) {
	s := a.snap.Load()
	users := a.Users(gid)
	var out []string
	var errs []error
	if len(users) > 0 {
		out = append(out, "#"+acctPad("User id", 16)+" "+acctPad("Group id", 16)+" "+
			acctPad("Username", 16)+" "+acctPad("Balance", 7)+" "+acctPad("MT SMS", 6)+" "+"Throughput")
	}
	for _, u := range users {
		uid, g := u.UID, u.GID
		if !u.Enabled {
			uid = "!" + uid
		}
		if grp := s.groups[u.GID]; grp != nil && !grp.Enabled {
			g = "!" + g
		}
		c, err := counters(u.UID)
		if err != nil {
			errs = append(errs, err)
		}
		bal, sms := c.BalanceString(), c.SMSString()
		if !c.HasBalance && !c.HasSMS {
			bal, sms = "ND (!)", "ND (!)"
		}
		tp := func(o Optional[ledger.Money]) string {
			if o.Set {
				return o.V.String()
			}
			return "ND"
		}
		line := "#" + acctPad(uid, 16) + " " + acctPad(g, 16) + " " + acctPad(u.Username, 16) + " " +
			acctPad(bal, 7) + " " + acctPad(sms, 6) + " " +
			tp(u.MT.Quota.HTTPThroughput) + "/" + tp(u.MT.Quota.SMPPSThroughput)
		out = append(out, strings.TrimRight(line, " "))
	}
	if gid == "" {
		out = append(out, "Total Users: "+strconv.FormatInt(int64(len(users)), 10))
	} else {
		out = append(out, "Total Users in group ["+gid+"]: "+strconv.FormatInt(int64(len(users)), 10))
	}
	return out, errors.Join(errs...)
}
