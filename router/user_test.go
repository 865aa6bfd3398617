package router

import (
	"errors"
	"fmt"
	"github.com/gwd-project/gwd/router/ledger"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// Tests hash with a small iteration count; BenchmarkAuthenticateKDF measures
// the real one.
func init() { PasswordIterations = 1000 }

func acctItoa(n int64) string { return strconv.FormatInt(n, 10) }

// acctTestSetup returns accounts with group g1 and user u1 (username foo,
// password bar), as in jasmin-observed.md.
func acctTestSetup(t testing.TB) (*Accounts, *User) {
	t.Helper()
	a := NewAccounts()
	if err := a.AddGroup("g1"); err != nil {
		t.Fatal(err)
	}
	u, err := NewUser("u1", "g1", "foo", "bar")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.AddUser(u); err != nil {
		t.Fatal(err)
	}
	return a, a.User("u1")
}

func acctMustUser(t testing.TB, a *Accounts, uid, gid, name, pw string) {
	t.Helper()
	u, err := NewUser(uid, gid, name, pw)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.AddUser(u); err != nil {
		t.Fatal(err)
	}
}

func acctFieldErr(t *testing.T, err error, field string) {
	t.Helper()
	var fe *FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T), want a *FieldError for %q", err, err, field)
	}
	if fe.Field != field {
		t.Fatalf("error %q names field %q, want %q", err, fe.Field, field)
	}
}

func TestGroups(t *testing.T) {
	a := NewAccounts()
	if got := a.GroupListLines(); !slices.Equal(got, []string{"Total Groups: 0"}) {
		t.Fatalf("empty list %q", got)
	}
	for _, gid := range []string{"g1", "marketing", "G_2-x", "1234567890123456"} {
		if err := a.AddGroup(gid); err != nil {
			t.Fatalf("AddGroup(%q): %v", gid, err)
		}
	}
	for _, bad := range []string{"", "a b", "g!", "12345678901234567", "é"} {
		acctFieldErr(t, a.AddGroup(bad), "gid")
	}
	if err := a.AddGroup("g1"); !errors.Is(err, ErrGroupExists) {
		t.Fatalf("duplicate: %v", err)
	}
	if err := a.DisableGroup("marketing"); err != nil {
		t.Fatal(err)
	}
	want := []string{"#Group id", "#g1", "#!marketing", "#G_2-x", "#1234567890123456", "Total Groups: 4"}
	if got := a.GroupListLines(); !slices.Equal(got, want) {
		t.Fatalf("group -l:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if g, ok := a.Group("marketing"); !ok || g.Enabled {
		t.Fatalf("Group = %+v %v", g, ok)
	}
	if err := a.EnableGroup("marketing"); err != nil {
		t.Fatal(err)
	}
	if g, _ := a.Group("marketing"); !g.Enabled {
		t.Fatal("not enabled")
	}
	for _, f := range []func(string) error{a.EnableGroup, a.DisableGroup, a.RemoveGroup} {
		if err := f("nope"); !errors.Is(err, ErrUnknownGroup) || err.Error() != "Unknown Group: nope" {
			t.Fatalf("unknown group: %v", err)
		}
	}
	acctMustUser(t, a, "u1", "g1", "foo", "bar")
	if err := a.RemoveGroup("g1"); !errors.Is(err, ErrGroupNotEmpty) {
		t.Fatalf("remove group with users: %v", err)
	}
	if _, ok := a.Group("g1"); !ok {
		t.Fatal("group removed anyway")
	}
	if err := a.RemoveGroup("G_2-x"); err != nil {
		t.Fatal(err)
	}
	if err := a.RemoveUser("u1"); err != nil {
		t.Fatal(err)
	}
	if err := a.RemoveGroup("g1"); err != nil {
		t.Fatal(err)
	}
	if got := a.Groups(); len(got) != 2 || got[0].GID != "marketing" {
		t.Fatalf("Groups = %+v", got)
	}
}

func TestUserAddRules(t *testing.T) {
	a, _ := acctTestSetup(t)
	// NewUser validates every field, naming it.
	for _, tc := range []struct {
		uid, gid, name, pw, field string
	}{
		{"", "g1", "x", "p", "uid"},
		{"12345678901234567", "g1", "x", "p", "uid"},
		{"u 2", "g1", "x", "p", "uid"},
		{"u2", "", "x", "p", "gid"},
		{"u2", "g1", "", "p", "username"},
		{"u2", "g1", "1234567890123456", "p", "username"},
		{"u2", "g1", "a.b", "p", "username"},
		{"u2", "g1", "x", "", "password"},
		{"u2", "g1", "x", "123456789", "password"},
		{"u2", "g1", "x", "a\x00b", "password"},
	} {
		_, err := NewUser(tc.uid, tc.gid, tc.name, tc.pw)
		acctFieldErr(t, err, tc.field)
	}
	// AddUser: group must exist, uid and username unique.
	u, _ := NewUser("u2", "nogroup", "bar", "p")
	acctFieldErr(t, a.AddUser(u), "gid")
	u, _ = NewUser("u1", "g1", "other", "p")
	if err := a.AddUser(u); !errors.Is(err, ErrUserExists) {
		t.Fatalf("duplicate uid: %v", err)
	}
	u, _ = NewUser("u2", "g1", "foo", "p")
	acctFieldErr(t, a.AddUser(u), "username")
	// A user without a hash is refused.
	acctFieldErr(t, a.AddUser(&User{UID: "u3", GID: "g1", Username: "baz", Enabled: true, MT: DefaultMTCred()}), "password")
	if len(a.Users("")) != 1 {
		t.Fatal("a refused user was added")
	}
	// A registered draft is frozen.
	u, _ = NewUser("u2", "g1", "bar", "p")
	if err := a.AddUser(u); err != nil {
		t.Fatal(err)
	}
	if err := u.Set(CredMT, "quota balance 5"); !errors.Is(err, ErrNotDraft) {
		t.Fatalf("Set on a registered user: %v", err)
	}
	if err := a.User("u2").SetCredential(CredMT, "quota", "balance", "5"); !errors.Is(err, ErrNotDraft) {
		t.Fatalf("SetCredential on a registered user: %v", err)
	}
}

func TestUserDraftSet(t *testing.T) {
	// The manual's example session:
	//   > username foo / password bar / gid marketing / uid foo
	//   > mt_messaging_cred valuefilter src_addr ^JASMIN$
	//   > mt_messaging_cred quota balance 44.2
	//   > mt_messaging_cred quota sms_count none
	//   > mt_messaging_cred quota smpps_throughput 2
	//   > smpps_cred authorization bind yes
	//   > smpps_cred quota max_bindings 2
	a := NewAccounts()
	_ = a.AddGroup("marketing")
	u := &User{Enabled: true, MT: DefaultMTCred(), SMPPS: DefaultSMPPSCred()}
	for _, c := range []Change{
		{"username", "foo"}, {"password", "bar"}, {"gid", "marketing"}, {"uid", "foo"},
		{CredMT, "valuefilter src_addr ^JASMIN$"},
		{CredMT, "quota balance 44.2"},
		{CredMT, "quota sms_count none"},
		{CredMT, "quota smpps_throughput 2"},
		{CredSMPPS, "authorization bind yes"},
		{CredSMPPS, "quota max_bindings 2"},
	} {
		if err := u.Set(c.Key, c.Arg); err != nil {
			t.Fatalf("%s %s: %v", c.Key, c.Arg, err)
		}
	}
	for _, c := range []struct{ k, v, field string }{
		{"uid", "a b", "uid"}, {"username", "", "username"}, {"gid", "!", "gid"},
		{"password", "toolongpw", "password"}, {"nokey", "x", "nokey"},
	} {
		acctFieldErr(t, u.Set(c.k, c.v), c.field)
	}
	if err := a.AddUser(u); err != nil {
		t.Fatal(err)
	}
	// The draft's counters are the ledger's starting values.
	lines, _ := a.ShowLines("foo", func(uid string) (ledger.Counters, error) { return a.User(uid).InitialCounters(), nil })
	for _, want := range []string{
		"uid foo", "gid marketing", "username foo",
		"mt_messaging_cred valuefilter src_addr ^JASMIN$",
		"mt_messaging_cred quota balance 44.2",
		"mt_messaging_cred quota sms_count ND",
		"mt_messaging_cred quota smpps_throughput 2.0",
		"smpps_cred authorization bind True",
		"smpps_cred quota max_bindings 2",
	} {
		if !slices.Contains(lines, want) {
			t.Errorf("user -s lacks %q:\n%s", want, strings.Join(lines, "\n"))
		}
	}
	if _, err := a.Authenticate("foo", "bar"); err != nil {
		t.Fatal(err)
	}
}

func TestUserListLines(t *testing.T) {
	a, _ := acctTestSetup(t)
	l := acctLedger{}
	// jasmin-observed.md, `user -l`.
	want := []string{
		"#User id          Group id         Username         Balance MT SMS Throughput",
		"#u1               g1               foo              ND (!)  ND (!) ND/ND",
		"Total Users: 1",
	}
	if got, _ := a.UserListLines("", l.counters); !slices.Equal(got, want) {
		t.Fatalf("user -l:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	_ = a.AddGroup("g2")
	acctMustUser(t, a, "u2", "g2", "bar", "pw")
	if err := l.update(a, "u2",
		Change{CredMT, "quota balance 10"},
		Change{CredMT, "quota http_throughput 5"},
		Change{CredMT, "quota smpps_throughput 2.5"}); err != nil {
		t.Fatal(err)
	}
	_ = a.DisableUser("u1")
	_ = a.DisableGroup("g2")
	want = []string{
		"#User id          Group id         Username         Balance MT SMS Throughput",
		"#!u1              g1               foo              ND (!)  ND (!) ND/ND",
		"#u2               !g2              bar              10.0    ND     5.0/2.5",
		"Total Users: 2",
	}
	if got, _ := a.UserListLines("", l.counters); !slices.Equal(got, want) {
		t.Fatalf("user -l:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got, _ := a.UserListLines("g2", l.counters); len(got) != 3 || got[2] != "Total Users in group [g2]: 1" {
		t.Fatalf("user -l g2: %q", got)
	}
	if got, _ := a.UserListLines("g3", l.counters); !slices.Equal(got, []string{"Total Users in group [g3]: 0"}) {
		t.Fatalf("user -l g3: %q", got)
	}
	if us := a.Users("g1"); len(us) != 1 || us[0].UID != "u1" {
		t.Fatalf("Users(g1) = %v", us)
	}
}

func TestUserEnableDisableRemove(t *testing.T) {
	a, _ := acctTestSetup(t)
	_ = a.AddGroup("g2")
	acctMustUser(t, a, "u2", "g2", "bar", "pw")
	for _, f := range []func(string) error{a.EnableUser, a.DisableUser, a.RemoveUser} {
		if err := f("nobody"); !errors.Is(err, ErrUnknownUser) || err.Error() != "Unknown User: nobody" {
			t.Fatalf("unknown user: %v", err)
		}
	}
	if err := a.UpdateUser("nobody", Change{"password", "x"}); !errors.Is(err, ErrUnknownUser) {
		t.Fatalf("update unknown user: %v", err)
	}
	if _, err := a.ShowLines("nobody", noCounters); !errors.Is(err, ErrUnknownUser) {
		t.Fatal(err)
	}

	check := func(step string, wantReason AuthReason) {
		t.Helper()
		_, err := a.Authenticate("foo", "bar")
		_, berr := a.Bind("foo", "bar", netip.MustParseAddr("127.0.0.1"))
		_, cerr := a.CheckMT("u1", ChannelSMPPS, &MTRequest{Dst: []byte("1")})
		_, curErr := a.Current("u1")
		for _, e := range []error{err, berr, cerr, curErr} {
			var ae *AuthError
			if wantReason == 0 {
				if e != nil {
					t.Fatalf("%s: %v", step, e)
				}
				continue
			}
			if !errors.As(e, &ae) || ae.Reason != wantReason {
				t.Fatalf("%s: %v, want %v", step, e, wantReason)
			}
		}
		if wantReason == 0 {
			a.User("u1").Unbind()
		}
	}
	check("enabled", 0)
	_ = a.DisableUser("u1")
	check("user disabled", AuthUserDisabled)
	_ = a.DisableGroup("g1")
	check("user and group disabled", AuthUserDisabled)
	_ = a.EnableUser("u1")
	check("group disabled", AuthGroupDisabled)
	_ = a.EnableGroup("g1")
	check("enabled again", 0)
	// Other users are unaffected.
	if _, err := a.Authenticate("bar", "pw"); err != nil {
		t.Fatal(err)
	}
	// Removal.
	if err := a.RemoveUser("u1"); err != nil {
		t.Fatal(err)
	}
	if a.User("u1") != nil || a.UserByUsername("foo") != nil {
		t.Fatal("still there")
	}
	check("removed", AuthUnknownUser)
	// uid and username can be reused.
	acctMustUser(t, a, "u1", "g1", "foo", "new")
	if _, err := a.Authenticate("foo", "new"); err != nil {
		t.Fatal(err)
	}
}

func TestAuthErrors(t *testing.T) {
	a, _ := acctTestSetup(t)
	for _, tc := range []struct {
		user, pw string
		reason   AuthReason
	}{
		{"nobody", "bar", AuthUnknownUser},
		{"foo", "bad", AuthBadPassword},
		{"foo", "", AuthBadPassword},
		{"foo", "barbarbarbar", AuthBadPassword},
		{"foo", "BAR", AuthBadPassword},
	} {
		_, err := a.Authenticate(tc.user, tc.pw)
		var ae *AuthError
		if !errors.As(err, &ae) || ae.Reason != tc.reason {
			t.Fatalf("%s/%s: %v", tc.user, tc.pw, err)
		}
		var r Refusal = ae
		// jasmin-observed.md: 403 Error "Authentication failure for username:foo".
		if r.Kind() != RefusedAuth || r.Text() != "Authentication failure for username:"+tc.user {
			t.Errorf("%s/%s: %v %q", tc.user, tc.pw, r.Kind(), r.Text())
		}
		if strings.Contains(err.Error(), tc.pw) && tc.pw != "" {
			t.Errorf("error %q shows the password", err)
		}
	}
	_ = a.DisableUser("u1")
	_, err := a.Authenticate("foo", "bar")
	var ae *AuthError
	if !errors.As(err, &ae) || ae.Reason != AuthUserDisabled {
		t.Fatalf("disabled: %v", err)
	}
	if _, err := a.Authenticate("nobody", "x"); !errors.Is(err, ErrUnknownUser) {
		t.Fatal("errors.Is(ErrUnknownUser)")
	}
}

func TestBind(t *testing.T) {
	a, _ := acctTestSetup(t)
	lo := netip.MustParseAddr("127.0.0.1")
	if err := a.SetCredential("u1", CredSMPPS, "quota", "max_bindings", "2"); err != nil {
		t.Fatal(err)
	}
	u1, err := a.Bind("foo", "bar", lo)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Bind("foo", "bar", lo); err != nil {
		t.Fatal(err)
	}
	_, err = a.Bind("foo", "bar", lo)
	var be *BindError
	if !errors.As(err, &be) || be.Kind() != RefusedBind || !strings.Contains(err.Error(), "max_bindings") {
		t.Fatalf("third bind: %v", err)
	}
	if a.User("u1").Bindings() != 2 {
		t.Fatal(a.User("u1").Bindings())
	}
	u1.Unbind()
	if _, err := a.Bind("foo", "bar", lo); err != nil {
		t.Fatalf("after unbind: %v", err)
	}
	// +N on max_bindings.
	if err := a.SetCredential("u1", CredSMPPS, "quota", "max_bindings", "+1"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Bind("foo", "bar", lo); err != nil {
		t.Fatalf("after +1: %v", err)
	}
	// bind authorization.
	_ = a.SetCredential("u1", CredSMPPS, "quota", "max_bindings", "none")
	_ = a.SetCredential("u1", CredSMPPS, "authorization", "bind", "no")
	if _, err := a.Bind("foo", "bar", lo); !errors.As(err, &be) {
		t.Fatalf("bind not authorized: %v", err)
	}
	_ = a.SetCredential("u1", CredSMPPS, "authorization", "bind", "yes")
	// ip authorization.
	_ = a.SetCredential("u1", CredSMPPS, "authorization", "ip", "10.0.0.0/8, 192.0.2.7")
	for addr, ok := range map[string]bool{
		"10.1.2.3": true, "192.0.2.7": true, "::ffff:10.9.9.9": true,
		"192.0.2.8": false, "127.0.0.1": false, "2001:db8::1": false,
	} {
		_, err := a.Bind("foo", "bar", netip.MustParseAddr(addr))
		if (err == nil) != ok {
			t.Errorf("bind from %s: %v", addr, err)
		}
	}
	// The default admits IPv6 too.
	_ = a.SetCredential("u1", CredSMPPS, "authorization", "ip", "0.0.0.0/0")
	if _, err := a.Bind("foo", "bar", netip.MustParseAddr("2001:db8::1")); err != nil {
		t.Fatal(err)
	}
	// Authentication comes first.
	if _, err := a.Bind("foo", "nope", lo); !errors.As(err, new(*AuthError)) {
		t.Fatal(err)
	}
}

func TestUpdateUser(t *testing.T) {
	a, _ := acctTestSetup(t)
	_ = a.AddGroup("g2")
	l := acctLedger{}
	before, _ := a.ShowLines("u1", l.counters)
	// Each of these refuses the whole session and changes nothing.
	for _, tc := range []struct {
		changes []Change
		field   string
	}{
		{[]Change{{"uid", "u9"}}, "uid"},
		{[]Change{{"username", "other"}}, "username"},
		{[]Change{{"gid", "nogroup"}}, "gid"},
		{[]Change{{"gid", "bad gid"}}, "gid"},
		{[]Change{{"password", ""}}, "password"},
		{[]Change{{"whatever", "x"}}, "whatever"},
		{[]Change{{CredMT, "quota balance"}}, CredMT},
		{[]Change{{CredMT, "quota balance 10"}, {CredMT, "quota sms_count 1.5"}}, "mt_messaging_cred quota sms_count"},
		{[]Change{{"gid", "g2"}, {CredMT, "authorization http_send maybe"}}, "mt_messaging_cred authorization http_send"},
		{[]Change{{CredMT, "quota balance 10"}, {CredMT, "quota sms_count 5"}, {CredMT, "quota balance -11"}}, "mt_messaging_cred quota balance"},
		{[]Change{{CredMT, "quota sms_count 5"}, {CredMT, "quota balance -1"}}, "mt_messaging_cred quota balance"},
	} {
		err := l.update(a, "u1", tc.changes...)
		acctFieldErr(t, err, tc.field)
		if got, _ := a.ShowLines("u1", l.counters); !slices.Equal(got, before) {
			t.Fatalf("%v changed the user:\n%s", tc.changes, strings.Join(got, "\n"))
		}
	}
	// A valid session applies as a whole, in order.
	if err := l.update(a, "u1",
		Change{"gid", "g2"},
		Change{"password", "newpw"},
		Change{CredMT, "quota balance 10"},
		Change{CredMT, "quota balance -2.5"},
		Change{CredMT, "quota sms_count +3"},
		Change{CredMT, "quota sms_count +4"},
		Change{CredMT, "authorization http_send no"},
		Change{CredMT, "valuefilter content ^hello world"},
		Change{CredMT, "defaultvalue src_addr JASMIN"},
	); err != nil {
		t.Fatal(err)
	}
	u := a.User("u1")
	c := l["u1"]
	if u.GID != "g2" || c.Balance != ledger.MustMoney("7.5") || c.SMS != 7 || u.MT.Authorization.HTTPSend ||
		u.MT.ValueFilter.Content.Pattern() != "^hello world" || u.MT.DefaultValue.SrcAddr.V != "JASMIN" {
		t.Fatalf("after update: %+v %+v", u, c)
	}
	if _, err := a.Authenticate("foo", "bar"); err == nil {
		t.Fatal("old password still works")
	}
	if _, err := a.Authenticate("foo", "newpw"); err != nil {
		t.Fatal(err)
	}
	if us := a.Users("g1"); len(us) != 0 {
		t.Fatal("still in g1")
	}
	if err := a.SetPassword("u1", "third"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authenticate("foo", "third"); err != nil {
		t.Fatal(err)
	}
}

func TestLoad(t *testing.T) {
	a, _ := acctTestSetup(t)
	u2, _ := NewUser("u2", "g2", "bar", "pw")
	_ = u2.Set(CredMT, "quota balance 3")
	u3, _ := NewUser("u3", "g2", "bar", "pw") // duplicate username
	if err := a.Load([]Group{{GID: "g2", Enabled: true}}, []*User{u2, u3}); err == nil {
		t.Fatal("duplicate username loaded")
	}
	if a.User("u1") == nil || a.User("u2") != nil {
		t.Fatal("a refused Load changed the accounts")
	}
	if err := a.Load([]Group{{GID: "g2", Enabled: false}}, []*User{u2}); err != nil {
		t.Fatal(err)
	}
	if a.User("u1") != nil || a.User("u2") == nil {
		t.Fatal("Load did not replace")
	}
	if v := a.User("u2").InitialCounters().Balance; v != ledger.MustMoney("3") {
		t.Fatal(v)
	}
	if _, err := a.Authenticate("bar", "pw"); !errors.As(err, new(*AuthError)) {
		t.Fatal("disabled group loaded enabled")
	}
}

// Lookups during updates: run with -race.
func TestAccountsConcurrentReadsDuringUpdates(t *testing.T) {
	a, _ := acctTestSetup(t)
	if err := a.SetCredential("u1", CredSMPPS, "quota", "max_bindings", "1000000"); err != nil {
		t.Fatal(err)
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := MTRequest{Dst: []byte("33600000001"), Content: []byte("hello"), ContentSet: true}
			for !stop.Load() {
				if u := a.UserByUsername("foo"); u == nil || u.UID != "u1" {
					t.Error("lookup failed")
					return
				}
				u, err := a.Authenticate("foo", "bar")
				if err != nil {
					continue // disabled for a moment
				}
				mm := m
				_ = u.CheckMT(ChannelHTTP, &mm)
				if b, err := BillFor(u, ledger.MustMoney("0.5"), 1); err != nil || b.Total() != ledger.MustMoney("0.5") {
					t.Error("bill", b, err)
				}
				_ = u.Allow(ChannelHTTP)
				_, _ = a.UserListLines("", noCounters)
			}
		}()
	}
	for i := 0; i < 200; i++ {
		switch i % 5 {
		case 0:
			_ = a.SetCredential("u1", CredMT, "authorization", "http_send", strconv.FormatBool(i%2 == 0))
		case 1:
			_ = a.DisableUser("u1")
		case 2:
			_ = a.EnableUser("u1")
		case 3:
			_ = a.UpdateUser("u1", Change{CredSMPPS, "quota max_bindings +1"}, Change{CredMT, "quota early_percent 50"})
		case 4:
			uid := fmt.Sprintf("x%d", i)
			acctMustUser(t, a, uid, "g1", uid, "pw")
			_ = a.RemoveUser(uid)
		}
	}
	stop.Store(true)
	wg.Wait()
	// The +1 updates added 40.
	if v := a.User("u1").SMPPS.Quota.MaxBindings.V; v != 1000040 {
		t.Fatalf("max_bindings %d, want 1000040", v)
	}
}

func TestLookupAllocs(t *testing.T) {
	a, _ := acctTestSetup(t)
	for i := 0; i < 100; i++ {
		uid := fmt.Sprintf("user%d", i)
		acctMustUser(t, a, uid, "g1", uid, "pw")
	}
	_ = a.SetCredential("u1", CredMT, "quota", "smpps_throughput", "1000000")
	if _, err := a.Authenticate("foo", "bar"); err != nil { // fills the cache
		t.Fatal(err)
	}
	for name, f := range map[string]func(){
		"User":           func() { _ = a.User("u1") },
		"UserByUsername": func() { _ = a.UserByUsername("foo") },
		"Current":        func() { _, _ = a.Current("u1") },
		"Authenticate": func() {
			if _, err := a.Authenticate("foo", "bar"); err != nil {
				t.Fatal(err)
			}
		},
		"AuthenticateCached": func() {
			if _, ok, err := a.AuthenticateCached("foo", "bar"); !ok || err != nil {
				t.Fatal(ok, err)
			}
		},
		"Allow": func() { _ = a.Allow("u1", ChannelSMPPS) },
	} {
		if n := testing.AllocsPerRun(1000, f); n != 0 {
			t.Errorf("%s: %v allocs", name, n)
		}
	}
}

func BenchmarkUserByUsername(b *testing.B) {
	a := NewAccounts()
	_ = a.AddGroup("g1")
	var us []*User
	for i := 0; i < 10000; i++ {
		u, _ := NewUser(fmt.Sprintf("u%d", i), "g1", fmt.Sprintf("name%d", i), "pw")
		us = append(us, u)
	}
	if err := a.Load([]Group{{GID: "g1", Enabled: true}}, us); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if a.UserByUsername("name4242") == nil {
			b.Fatal("missing")
		}
	}
}

// BenchmarkAuthenticateCached is HTTP /send's authentication: the right
// password, remembered.
func BenchmarkAuthenticateCached(b *testing.B) {
	a, _ := acctTestSetup(b)
	if _, err := a.Authenticate("foo", "bar"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := a.Authenticate("foo", "bar"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkAuthenticateKDF is the slow path at the default cost: a wrong
// password (or the first right one).
func BenchmarkAuthenticateKDF(b *testing.B) {
	saved := PasswordIterations
	PasswordIterations = 100_000
	defer func() { PasswordIterations = saved }()
	a, _ := acctTestSetup(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := a.Authenticate("foo", "wrong"); err == nil {
			b.Fatal("accepted")
		}
	}
}

func BenchmarkAllow(b *testing.B) {
	a, _ := acctTestSetup(b)
	_ = a.SetCredential("u1", CredMT, "quota", "smpps_throughput", "1000000000")
	u := a.User("u1")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		u.AllowAt(ChannelSMPPS, int64(i)*1000)
	}
}
