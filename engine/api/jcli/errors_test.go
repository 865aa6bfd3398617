package jcli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/router/ledger"
)

func TestWrongPasswordAndLockout(t *testing.T) {
	e := newEnvWith(t, func(s *Server) { s.Lockout = time.Hour })
	c := e.dial()
	c.expect("Authentication required.\n\n")
	for i := 0; i < 2; i++ {
		c.send("jcliadmin")
		c.expect("Password: ")
		c.send("wrong")
		c.expect("Incorrect Username/Password.\n\nUsername: ")
	}
	// A wrong username with the right password fails too.
	c.send("root")
	c.expect("Password: ")
	c.send("jclipwd")
	if got := c.readAll(); got != "Incorrect Username/Password.\nToo many failed logins, disconnecting.\n" {
		t.Fatalf("third failure: %q", got)
	}
	// The address is locked out: even the right password is refused.
	c = e.dial()
	c.expect("Authentication required.\n\n")
	c.send("jcliadmin")
	c.expect("Password: ")
	c.send("jclipwd")
	if got := c.readAll(); got != "Too many failed logins from your address, try again later.\n" {
		t.Fatalf("locked out: %q", got)
	}
	// Once the lockout is over, the right password works.
	e.srv.mu.Lock()
	for _, f := range e.srv.fails {
		f.locked = time.Now()
	}
	e.srv.mu.Unlock()
	e.login()
}

func TestLoginTimeoutAndEmptyUsername(t *testing.T) {
	e := newEnvWith(t, func(s *Server) { s.LoginTimeout = 50 * time.Millisecond })
	c := e.dial()
	c.expect("Authentication required.\n\n")
	c.send("")
	c.expect("Username: ")
	if got := c.readAll(); got != "\nSession timed out.\n" {
		t.Fatalf("timeout: %q", got)
	}
	// A client that did not log in in time is counted, as a slow one:
	// gwd_listener_refused_total{listener="jcli",reason="timeout"}.
	if got := e.srv.Refusals().Counts(); got != [4]uint64{0, 0, 0, 1} {
		t.Errorf("Refusals %v, want one timeout", got)
	}
}

func TestNoAuthentication(t *testing.T) {
	e := newEnvWith(t, func(s *Server) { s.cfg.Authentication = false })
	c := e.dial()
	if got := c.readUntilPrompt(); !strings.HasPrefix(got, Welcome+"\n") {
		t.Fatalf("banner %q", got)
	}
	if got := c.cmd("group -l"); got != "Total Groups: 0\n" {
		t.Fatalf("group -l: %q", got)
	}
}

func TestUnknownCommandsAndOptions(t *testing.T) {
	e := newEnv(t)
	c := e.login()
	c.replay(`
jcli : foo bar
Incorrect command: foo bar, type help for a list of commands
jcli : -l
Incorrect command: -l, type help for a list of commands
jcli : user
Missing required option
jcli : stats
Missing required option
jcli : user -r
-r option requires an argument
Usage: user [options]

Options:
  -l, --list            List all users or a group users when provided with GID
  -a, --add             Add user
  -e UID, --enable=UID  Enable user using it's UID
  -d UID, --disable=UID
                        Disable user using it's UID
  -u UID, --update=UID  Update user using it's UID
  -r UID, --remove=UID  Remove user using it's UID
  -s UID, --show=UID    Show user using it's UID
  --smpp-unbind=UID     Unbind user from smpp server using it's UID
  --smpp-ban=UID        Unbind and ban user from smpp server using it's UID
jcli : user -s nobody
Unknown User: nobody
jcli : user --show=nobody
Unknown User: nobody
jcli : user --sho nobody
Unknown User: nobody
jcli : group -r nobody
Unknown Group: nobody
jcli : smppccm -1 nothing
Unknown smppc cid: nothing
jcli : stats --smppc nothing
Unknown smppc cid: nothing
jcli : mtrouter -r x
MT Route order must be a positive integer
jcli : mtrouter -s 5
Unknown MT Route: 5
jcli : httpccm -s nothing
Unknown Httpcc: nothing
`)
	got := c.cmd("user -x")
	if !strings.HasPrefix(got, "no such option: -x\nUsage: user [options]\n") {
		t.Fatalf("user -x: %q", got)
	}
	got = c.cmd("user --s x")
	if !strings.HasPrefix(got, "ambiguous option: --s (--show, --smpp-unbind, --smpp-ban?)\n") {
		t.Fatalf("user --s: %q", got)
	}
	got = c.cmd("user --list=x")
	if !strings.HasPrefix(got, "--list option does not take a value\n") {
		t.Fatalf("user --list=x: %q", got)
	}
}

func TestHelp(t *testing.T) {
	e := newEnv(t)
	c := e.login()
	c.replay(`
jcli : help
Available commands:
===================
persist             Persist current configuration profile to disk in PROFILE
load                Load configuration PROFILE profile from disk
user                User management
group               Group management
filter              Filter management
mointerceptor       MO Interceptor management
mtinterceptor       MT Interceptor management
morouter            MO Router management
mtrouter            MT Router management
smppccm             SMPP connector management
httpccm             HTTP client connector management
stats               Stats management

Control commands:
=================
quit                Disconnect from console
help                List available commands with "help" or detailed help with "help cmd".
jcli : help persist
Persist current configuration profile to disk in PROFILE
Usage: persist [options]

Options:
  -p PROFILE, --profile=PROFILE
                        Configuration profile, default: jcli-prod
jcli : ? quit
Disconnect from console
jcli : help nothing
*** No help on nothing
`)
	if got := c.cmd("help smppccm"); !strings.Contains(got, "  -u CID, --update=CID  Update SMPP connector configuration using it's CID\n") ||
		!strings.Contains(got, "  -1 CID, --start=CID   Start SMPP connector using it's CID\n") {
		t.Fatalf("help smppccm:\n%s", got)
	}
	c.send("quit")
	if got := c.readAll(); got != "" {
		t.Fatalf("quit: %q", got)
	}
}

// Sessions refuse unknown keys and invalid values with the key named,
// stay open, and change nothing unless saved.
func TestSessionRefusals(t *testing.T) {
	e := newEnv(t)
	c := e.login()
	c.replay(`
jcli : smppccm -a
Adding a new connector: (ok: save, ko: exit)
> foo bar
Unknown SMPPClientConfig key: foo
> cid c1
Error: SMPPConfig id syntax is invalid
> ok
You must set at least connector id (cid) before saving !
> cid conn1
> port abc
Error: port must be an integer from 1 to 65535, not "abc"
> quit
Exit session before quitting
> ko
jcli : smppccm -l
Total connectors: 0
jcli : group -a
Adding a new Group: (ok: save, ko: exit)
> name g1
Unknown Group key: name
> ok
You must set Group id (gid) before saving !
> gid g1
> ok
Successfully added Group [g1]
jcli : group -a
Adding a new Group: (ok: save, ko: exit)
> gid g1
> ok
Error: Group already exists: g1
> ko
jcli : user -a
Adding a new User: (ok: save, ko: exit)
> foo 1
Unknown User key: foo
> gid nogroup
Unknown Group gid:nogroup, you must first create the Group
> uid u1
> gid g1
> username user1
> ok
You must set User id (uid), group (gid), username and password before saving !
> password toolongpassword
Error: password: invalid length, must be 1 to 8 characters
> password pw1
> mt_messaging_cred quota balance abc
Error: mt_messaging_cred quota balance: not a number: "abc"
> mt_messaging_cred quotas balance 10
Error: mt_messaging_cred quotas: invalid section name, possible values: authorization, valuefilter, defaultvalue, quota
> mt_messaging_cred valuefilter dst_addr (
Error: mt_messaging_cred valuefilter dst_addr: dst_addr is not a valid regex pattern: ( (error parsing regexp: missing closing ): ` + "`(`" + `)
> smpps_cred authorization bind maybe
Error: smpps_cred authorization bind: bind is not a boolean value: maybe
> mt_messaging_cred quota balance 10
> ok
Successfully added User [u1] to Group [g1]
jcli : user -u u1
Updating User id [u1]: (ok: save, ko: exit)
> ok
Nothing to save
> uid u2
User id can not be modified !
> username u2
User username can not be modified !
> mt_messaging_cred quota balance -20
> ok
Error: mt_messaging_cred quota balance: would go below zero (current value 10.0)
> ko
jcli : filter -a
Adding a new Filter: (ok: save, ko: exit)
> source_addr 1
Unknown Filter key: source_addr
> type nofilter
Unknown Filter type: "nofilter", available types: TransparentFilter, ConnectorFilter, UserFilter, GroupFilter, SourceAddrFilter, DestinationAddrFilter, ShortMessageFilter, DateIntervalFilter, TimeIntervalFilter, TagFilter, EvalPyFilter
> fid bad fid!
Invalid Filter fid syntax: bad fid!
> ko
jcli : httpccm -a
Adding a new Httpcc: (ok: save, ko: exit)
> cid h1
Error: HttpConnector cid syntax is invalid
> url ftp://x
Error: HttpConnector url syntax is invalid (an http:// or https:// URL)
> url http://]/mo
Error: HttpConnector url syntax is invalid (an http:// or https:// URL)
> method PUT
Error: HttpConnector method syntax is invalid, must be GET or POST
> cid http1
> ok
You must set these options before saving: cid, url, method
> ko
jcli : httpccm -l
Total Httpccs: 0
`)
	// The refused update changed nothing: the balance is still 10.
	if ct, _ := e.g.Counters("u1"); !ct.HasBalance || ct.Balance != 10*ledger.MoneyUnit {
		t.Fatalf("balance after a refused update: %s", ct.BalanceString())
	}
}

func TestRouteRefusals(t *testing.T) {
	e := newEnv(t)
	c := e.login()
	c.ok("Successfully added connector [smsc1]", "smppccm -a", "cid smsc1", "ok")
	c.ok("Successfully added Filter [ConnectorFilter] with fid:fromx", "filter -a", "type ConnectorFilter", "cid x", "fid fromx", "ok")
	c.replay(`
jcli : mtrouter -a
Adding a new MT Route: (ok: save, ko: exit)
> connector smppc(smsc1)
Unknown Route key: connector
> type StaticMORoute
Unknown MT Route type:StaticMORoute, available types: DefaultRoute, StaticMTRoute, RandomRoundrobinMTRoute, FailoverMTRoute
> type StaticMTRoute
<class 'jasmin.routing.Routes.StaticMTRoute'> arguments:
filters, connector, rate
> ok
You must set these options before saving: order, type, filters, connector, rate
> order 0
This route order (0) is reserved for DefaultRoute only
> order -3
Route order must be a positive integer
> connector nothing
Invalid syntax for connector id, must be smppc(some_id).
> connector smppc(nothing)
Unknown smppc cid: nothing
> connector http(smsc1)
Invalid syntax for connector id, must be smppc(some_id).
> filters nofilter
Unknown fid: nofilter
> filters fromx
ConnectorFilter#fromx is not a valid filter for MTRoute (not in MTFILTERS)
> rate cheap
Incorrect rate (must be float): cheap
> ok
You must set these options before saving: order, type, filters, connector, rate
> ko
jcli : mtrouter -a
Adding a new MT Route: (ok: save, ko: exit)
> type RandomRoundrobinMTRoute
<class 'jasmin.routing.Routes.RandomRoundrobinMTRoute'> arguments:
filters, connectors, rate
> connectors smppc(smsc1)
connectors option value must contain a minimum of 2 connector IDs separated with ";".
> connectors smppc(smsc1);smppc(nothing)
Unknown smppc cid: nothing
> ko
jcli : mtrouter -a
Adding a new MT Route: (ok: save, ko: exit)
> type DefaultRoute
<class 'jasmin.routing.Routes.DefaultRoute'> arguments:
connector, rate
> order 5
Route order forced to 0 since it is a DefaultRoute
> connector smppc(smsc1)
> rate 0.4
> ok
Successfully added MTRoute [DefaultRoute] with order:0
jcli : mtrouter -l
#Order Type                    Rate       Connector ID(s)                                  Filter(s)
#0     DefaultRoute            0.40000    smppc(smsc1)
Total MT Routes: 1
jcli : mtrouter -s 0
DefaultRoute to smppc(smsc1) rated 0.40
jcli : smppccm -r smsc1
Error: connector smsc1 is used by MT route 0: remove or change these routes first
jcli : filter -r fromx
Successfully removed Filter id:fromx
jcli : morouter -a
Adding a new MO Route: (ok: save, ko: exit)
> type DefaultRoute
<class 'jasmin.routing.Routes.DefaultRoute'> arguments:
connector
> connector smppc(smsc1)
Invalid syntax for connector id, must be smpps(some_id) or http(some_id).
> connector http(nothing)
Unknown http cid: nothing
> connector smpps(nobody)
Unknown smpps cid: nobody
> ko
jcli : mointerceptor -a
Adding a new MO Interceptor: (ok: save, ko: exit)
> type StaticMTInterceptor
Unknown MO Interceptor type:StaticMTInterceptor, available types: DefaultInterceptor, StaticMOInterceptor
> type DefaultInterceptor
<class 'jasmin.routing.Interceptors.DefaultInterceptor'> arguments:
script
> script /tmp/x.py
Invalid syntax for script, must be python3(/path/to/script).
> ko
`)
	got := c.cmd("mointerceptor -a")
	_ = got
	c.cmd("type DefaultInterceptor")
	if got := c.cmd("script python3(/nonexistent/x.py)"); !strings.HasPrefix(got, "Error: script") {
		t.Fatalf("missing script: %q", got)
	}
	c.cmd("ko")
	if m := e.g.Parts().Manager; len(m.Routes(router.MT)) != 1 || len(m.Routes(router.MO)) != 0 || len(m.Interceptors(router.MO)) != 0 || m.Connector("smsc1") == nil {
		t.Fatal("refused changes changed something")
	}
}

func TestRemoveGroupWithUsers(t *testing.T) {
	e := newEnv(t)
	c := e.login()
	c.ok("Successfully added Group [g1]", "group -a", "gid g1", "ok")
	c.ok("Successfully added User [u1] to Group [g1]", "user -a", "uid u1", "gid g1", "username user1", "password pw", "ok")
	c.replay(`
jcli : group -r g1
Error: Group [g1] still has 1 user(s) (u1): remove them or move them to another group first
jcli : group -l
#Group id
#g1
Total Groups: 1
jcli : user -r u1
Successfully removed User id:u1
jcli : group -r g1
Successfully removed Group id:g1
jcli : group -l
Total Groups: 0
`)
}

// A change that cannot be made durable is not applied either.
func TestFailedSaveChangesNothing(t *testing.T) {
	e := newEnv(t)
	c := e.login()
	script := filepath.Join(scriptDir(t), "i.py")
	if err := os.WriteFile(script, []byte("routable.addTag(7)\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c.ok("Successfully added Group [g1]", "group -a", "gid g1", "ok")
	c.ok("Successfully added User [u1] to Group [g1]", "user -a", "uid u1", "gid g1", "username user1", "password pw",
		"mt_messaging_cred quota balance 10", "ok")
	c.ok("Successfully added MTInterceptor [DefaultInterceptor] with order:0", "mtinterceptor -a",
		"type DefaultInterceptor", "script python3("+script+")", "ok")
	before := listings(c)
	e.store.Fail(true)
	for _, lines := range [][]string{
		{"group -a", "gid g2", "ok"},
		{"user -u u1", "mt_messaging_cred quota balance +5", "mt_messaging_cred valuefilter dst_addr ^33", "ok"},
		{"user -d u1"},
		{"user -r u1"},
		{"filter -a", "type TransparentFilter", "fid f1", "ok"},
		{"mtinterceptor -f"},
	} {
		var got string
		for _, l := range lines {
			got = c.cmd(l)
		}
		if !strings.HasPrefix(got, "Error: could not save the configuration, nothing changed: disk full") {
			t.Fatalf("%q: %q", lines, got)
		}
		if c.prompt == promptSession {
			c.cmd("ko")
		}
	}
	if after := listings(c); after != before {
		t.Fatalf("after failed saves:\n%s\nbefore:\n%s", after, before)
	}
	if ct, _ := e.g.Counters("u1"); ct.Balance != 10*ledger.MoneyUnit {
		t.Fatalf("ledger changed by a failed update: %+v", ct)
	}
	e.store.Fail(false)
	c.ok("Successfully updated User [u1]", "user -u u1", "mt_messaging_cred quota balance +5", "ok")
	if ct, _ := e.g.Counters("u1"); ct.Balance != 15*ledger.MoneyUnit {
		t.Fatalf("ledger after the update: %+v", ct)
	}
}
