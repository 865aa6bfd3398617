package router

import (
	"encoding/json"
	"errors"
	"github.com/gwd-project/gwd/router/ledger"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gwd-project/gwd/router/script"
)

// pNonDefault is, for every credential key but the counters, a value that
// differs from the manual's default, in jCli's syntax.
var pNonDefault = map[string]string{
	"mt_messaging_cred authorization http_send":              "False",
	"mt_messaging_cred authorization http_balance":           "no",
	"mt_messaging_cred authorization http_rate":              "0",
	"mt_messaging_cred authorization http_bulk":              "True",
	"mt_messaging_cred authorization smpps_send":             "false",
	"mt_messaging_cred authorization http_long_content":      "f",
	"mt_messaging_cred authorization dlr_level":              "n",
	"mt_messaging_cred authorization http_dlr_method":        "False",
	"mt_messaging_cred authorization src_addr":               "False",
	"mt_messaging_cred authorization priority":               "False",
	"mt_messaging_cred authorization validity_period":        "False",
	"mt_messaging_cred authorization schedule_delivery_time": "False",
	"mt_messaging_cred authorization hex_content":            "False",
	"mt_messaging_cred valuefilter dst_addr":                 `^(\+33|0033)[67]\d{8}$`,
	"mt_messaging_cred valuefilter src_addr":                 "^JASMIN$",
	"mt_messaging_cred valuefilter priority":                 "^[0-2]$",
	"mt_messaging_cred valuefilter validity_period":          `^\d{1,3}$`,
	"mt_messaging_cred valuefilter content":                  "^hello ✓",
	"mt_messaging_cred defaultvalue src_addr":                "GWD",
	"mt_messaging_cred quota early_percent":                  "44.2",
	"mt_messaging_cred quota http_throughput":                "2",
	"mt_messaging_cred quota smpps_throughput":               "0.5",
	"smpps_cred authorization bind":                          "False",
	"smpps_cred authorization ip":                            "10.0.0.0/8,192.0.2.7",
	"smpps_cred quota max_bindings":                          "3",
}

func pSet(t testing.TB, u *User, key, v string) {
	t.Helper()
	f := strings.Fields(key)
	if err := u.SetCredential(f[0], f[1], f[2], v); err != nil {
		t.Fatalf("%s %s: %v", key, v, err)
	}
}

// pShow is `user -s` without the counter lines.
func pShow(u *User) []string {
	return slices.DeleteFunc(u.ShowLines(ledger.Counters{}), func(l string) bool {
		return strings.HasPrefix(l, "mt_messaging_cred quota balance ") || strings.HasPrefix(l, "mt_messaging_cred quota sms_count ")
	})
}

func pNewUser(t testing.TB) *User {
	t.Helper()
	u, err := NewUser("u1", "g1", "foo", "secret1")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestPersistUserCredKeys(t *testing.T) {
	// Every settable key is covered by the table.
	for _, k := range CredentialKeys() {
		if _, ok := pNonDefault[k]; !ok && !strings.HasSuffix(k, " balance") && !strings.HasSuffix(k, " sms_count") {
			t.Errorf("no test value for %s", k)
		}
	}
	base := pNewUser(t)
	// All keys at their defaults: nothing stored, everything back.
	b, err := EncodeUser(base)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "creds") {
		t.Errorf("defaults stored: %s", b)
	}
	back, err := DecodeUser(b)
	if err != nil || !slices.Equal(pShow(back), pShow(base)) {
		t.Fatalf("%v\n%q\n%q", err, pShow(back), pShow(base))
	}
	// One key at a time: only it is stored, and it comes back.
	for key, v := range pNonDefault {
		u := pNewUser(t)
		pSet(t, u, key, v)
		b, err := EncodeUser(u)
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		_ = json.Unmarshal(b, &doc)
		creds, _ := doc["creds"].(map[string]any)
		if len(creds) != 1 || creds[key] == nil {
			t.Errorf("%s: stored creds %v", key, creds)
		}
		back, err := DecodeUser(b)
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		if !slices.Equal(pShow(back), pShow(u)) {
			t.Errorf("%s: decoded\n%q\nwant\n%q", key, pShow(back), pShow(u))
		}
	}
	// All keys at once.
	u := pNewUser(t)
	for key, v := range pNonDefault {
		pSet(t, u, key, v)
	}
	b, err = EncodeUser(u)
	if err != nil {
		t.Fatal(err)
	}
	back, err = DecodeUser(b)
	if err != nil || !slices.Equal(pShow(back), pShow(u)) {
		t.Fatalf("%v\n%q\n%q", err, pShow(back), pShow(u))
	}
	// Encoding is stable.
	if b2, _ := EncodeUser(back); string(b2) != string(b) {
		t.Errorf("re-encoding differs:\n%s\n%s", b, b2)
	}
}

func TestPersistUserSecretsAndCounters(t *testing.T) {
	u := pNewUser(t)
	u.Enabled = false
	pSet(t, u, "mt_messaging_cred quota balance", "10")
	pSet(t, u, "mt_messaging_cred quota sms_count", "5")
	b, err := EncodeUser(u)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if strings.Contains(s, "secret1") || strings.Contains(s, "balance") || strings.Contains(s, "sms_count") || !strings.Contains(s, `"password_hash":"pbkdf2-sha256$`) {
		t.Errorf("stored %s", s)
	}
	back, err := DecodeUser(b)
	if err != nil {
		t.Fatal(err)
	}
	if back.Enabled || back.UID != "u1" || back.GID != "g1" || back.Username != "foo" {
		t.Errorf("decoded %+v", back)
	}
	if c := back.InitialCounters(); c.HasBalance || c.HasSMS {
		t.Errorf("counters came from the user object: %+v", c)
	}

	// A decoded user authenticates with its original password, and the
	// store's counters are restored separately.
	back.Enabled = true
	a := NewAccounts()
	g, _ := DecodeGroup(must(EncodeGroup(Group{GID: "g1", Enabled: true})))
	if err := a.Load([]Group{g}, []*User{back}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authenticate("foo", "secret1"); err != nil {
		t.Errorf("original password refused: %v", err)
	}
	var ae *AuthError
	if _, err := a.Authenticate("foo", "secret2"); !errors.As(err, &ae) || ae.Reason != AuthBadPassword {
		t.Errorf("wrong password: %v", err)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func TestPersistUserCorrupt(t *testing.T) {
	good := pNewUser(t)
	valid := string(must(EncodeUser(good)))
	hash := string(good.PasswordHash)
	doc := func(edit func(m map[string]any)) string {
		var m map[string]any
		_ = json.Unmarshal([]byte(valid), &m)
		edit(m)
		b, _ := json.Marshal(m)
		return string(b)
	}
	creds := func(k, v string) string {
		return doc(func(m map[string]any) { m["creds"] = map[string]string{k: v} })
	}
	tests := []struct {
		name, in, field, msg string
	}{
		{"empty", "", "", "invalid document"},
		{"not JSON", "{", "", "invalid document"},
		{"array", "[]", "", "invalid document"},
		{"trailing data", valid + "{}", "", "data after the object"},
		{"no version", doc(func(m map[string]any) { delete(m, "v") }), "v", "missing version"},
		{"future version", doc(func(m map[string]any) { m["v"] = 2 }), "v", "unsupported version 2"},
		{"plain password", doc(func(m map[string]any) { m["password"] = "secret1" }), "", `unknown field "password"`},
		{"bad uid", doc(func(m map[string]any) { m["uid"] = "u 1" }), "uid", "syntax is invalid"},
		{"no gid", doc(func(m map[string]any) { delete(m, "gid") }), "gid", "syntax is invalid"},
		{"long username", doc(func(m map[string]any) { m["username"] = strings.Repeat("a", 16) }), "username", "syntax is invalid"},
		{"no hash", doc(func(m map[string]any) { delete(m, "password_hash") }), "password_hash", "not a password hash"},
		{"md5 hash", doc(func(m map[string]any) { m["password_hash"] = "5f4dcc3b5aa765d61d8327deb882cf99" }), "password_hash", "not a password hash"},
		{"huge iterations", doc(func(m map[string]any) {
			parts := strings.Split(hash, "$")
			parts[1] = "2000000000"
			m["password_hash"] = strings.Join(parts, "$")
		}), "password_hash", "iterations"},
		{"no enabled", doc(func(m map[string]any) { delete(m, "enabled") }), "enabled", "missing"},
		{"enabled string", doc(func(m map[string]any) { m["enabled"] = "yes" }), "", "invalid document"},
		{"unknown cred", creds("mt_messaging_cred quota nope", "1"), "creds", `unknown credential key "mt_messaging_cred quota nope"`},
		{"balance", creds("mt_messaging_cred quota balance", "10"), "mt_messaging_cred quota balance", "live counter"},
		{"sms_count", creds("mt_messaging_cred quota sms_count", "10"), "mt_messaging_cred quota sms_count", "live counter"},
		{"bad bool", creds("mt_messaging_cred authorization http_send", "maybe"), "mt_messaging_cred authorization http_send", "not a boolean"},
		{"bad regex", creds("mt_messaging_cred valuefilter dst_addr", "(+"), "mt_messaging_cred valuefilter dst_addr", "not a valid regex"},
		{"early_percent range", creds("mt_messaging_cred quota early_percent", "200"), "mt_messaging_cred quota early_percent", "invalid value"},
		{"negative max_bindings", creds("smpps_cred quota max_bindings", "-1"), "smpps_cred quota max_bindings", ""},
		{"bad ip", creds("smpps_cred authorization ip", "300.1.1.1"), "smpps_cred authorization ip", "invalid address"},
		{"empty value", creds("smpps_cred authorization bind", ""), "smpps_cred authorization bind", "missing value"},
	}
	for _, tc := range tests {
		u, err := DecodeUser([]byte(tc.in))
		var oe *ObjectError
		if u != nil || !errors.As(err, &oe) || oe.Op != "decode" || oe.Kind != KindUser || oe.Field != tc.field || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: %v (%#v), want field %q with %q", tc.name, err, oe, tc.field, tc.msg)
		}
	}
	// The error names the object.
	_, err := DecodeUser([]byte(creds("smpps_cred authorization bind", "perhaps")))
	if err == nil || !strings.HasPrefix(err.Error(), "decode user u1: smpps_cred authorization bind: ") {
		t.Errorf("%v", err)
	}
	if _, err := EncodeUser(&User{UID: "u1", GID: "g1", Username: "foo"}); err == nil {
		t.Error("a user without a hash encoded")
	}
}

func TestPersistGroup(t *testing.T) {
	for _, g := range []Group{{GID: "g1", Enabled: true}, {GID: "G-2_x", Enabled: false}} {
		b, err := EncodeGroup(g)
		if err != nil {
			t.Fatal(err)
		}
		back, err := DecodeGroup(b)
		if err != nil || back != g {
			t.Errorf("%+v → %s → %+v %v", g, b, back, err)
		}
	}
	for _, in := range []string{`{"v":1,"gid":"g1"}`, `{"v":1,"gid":"g 1","enabled":true}`, `{"gid":"g1","enabled":true}`, `{"v":1,"gid":"g1","enabled":true,"x":1}`} {
		if _, err := DecodeGroup([]byte(in)); err == nil {
			t.Errorf("%s decoded", in)
		}
	}
	if _, err := EncodeGroup(Group{GID: ""}); err == nil {
		t.Error("empty gid encoded")
	}
}

func pFilters(t testing.TB) []Filter {
	return []Filter{
		rtMustFilter(t, "TransparentFilter", "TF", nil),
		rtMustFilter(t, "ConnectorFilter", "CF", map[string]string{"cid": "smsc1"}),
		rtMustFilter(t, "UserFilter", "U-foo", map[string]string{"uid": "foo"}),
		rtMustFilter(t, "GroupFilter", "G2", map[string]string{"gid": "G2"}),
		rtMustFilter(t, "SourceAddrFilter", "From20*", map[string]string{"source_addr": `^20\d+`}),
		rtMustFilter(t, "DestinationAddrFilter", "DA-33", map[string]string{"destination_addr": `^\+33\d+`}),
		rtMustFilter(t, "ShortMessageFilter", "Hello", map[string]string{"short_message": "^hello.*$"}),
		rtMustFilter(t, "DateIntervalFilter", "Sept2014", map[string]string{"dateInterval": "2014-09-01;2014-09-30"}),
		rtMustFilter(t, "TimeIntervalFilter", "Work", map[string]string{"timeInterval": "08:00:00;18:00:00"}),
		rtMustFilter(t, "TagFilter", "TG", map[string]string{"tag": "21401"}),
		rtMustFilter(t, "EvalPyFilter", "Py", map[string]string{"pyCode": "if routable.user.uid == 'foo':\n    result = True\n"}),
	}
}

func TestPersistFilters(t *testing.T) {
	for _, f := range pFilters(t) {
		b, err := EncodeFilter(f)
		if err != nil {
			t.Fatal(err)
		}
		back, err := DecodeFilter(b)
		if err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if back.ID() != f.ID() || back.Type() != f.Type() || back.Describe() != f.Describe() || back.Show() != f.Show() {
			t.Errorf("%s: %s / %s", b, back.Describe(), f.Describe())
		}
		r := rtTestMT("foo", "G2", "2012", "+33612", "hello", rtNoon)
		r.Tags = []int64{21401}
		if back.Match(r) != f.Match(r) {
			t.Errorf("%s: matches differently", f.ID())
		}
	}
	bad := []struct{ in, field string }{
		{`{"v":1,"fid":"x","type":"NoFilter","params":{}}`, "type"},
		{`{"v":1,"fid":"bad id","type":"TransparentFilter","params":{}}`, "fid"},
		{`{"v":1,"fid":"x","type":"UserFilter","params":{}}`, "uid"},
		{`{"v":1,"fid":"x","type":"UserFilter"}`, "params"},
		{`{"v":1,"fid":"x","type":"TagFilter","params":{"tag":"x"}}`, "tag"},
		{`{"v":1,"fid":"x","type":"DestinationAddrFilter","params":{"destination_addr":"(?<=a)b"}}`, "destination_addr"},
		{`{"v":1,"fid":"x","type":"EvalPyFilter","params":{"pyCode":"result = = 1\n"}}`, "pyCode"},
		{`{"v":1,"fid":"x","type":"EvalPyFilter","params":{"pyCode":"  "}}`, "pyCode"},
		{`{"v":1,"fid":"x","type":"EvalPyFilter","params":{"code":"x=1"}}`, "code"},
		{`{"v":1,"fid":"x","type":"EvalPyFilter","params":{}}`, "pyCode"},
	}
	for _, b := range bad {
		_, err := DecodeFilter([]byte(b.in))
		var oe *ObjectError
		if !errors.As(err, &oe) || oe.Field != b.field {
			t.Errorf("%s: %v, want field %s", b.in, err, b.field)
		}
	}
}

// A stored one-line pyCode is the script, even when a file of that name
// exists: decoding never reads files.
func TestPersistEvalPyNoFileRead(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "True"), []byte("result = = broken\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	f, err := DecodeFilter([]byte(`{"v":1,"fid":"py","type":"EvalPyFilter","params":{"pyCode":"True"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if f.(*EvalPyFilter).Source() != "True" {
		t.Errorf("source %q", f.(*EvalPyFilter).Source())
	}
}

func pFilterSet(t testing.TB) *FilterSet {
	fs := NewFilterSet()
	for _, f := range pFilters(t) {
		if err := fs.Add(f); err != nil {
			t.Fatal(err)
		}
	}
	return fs
}

func TestPersistRoutes(t *testing.T) {
	fs := pFilterSet(t)
	get := func(ids ...string) []Filter {
		var out []Filter
		for _, id := range ids {
			f, _ := fs.Get(id)
			out = append(out, f)
		}
		return out
	}
	mt := func(typ RouteType, order int, fl []Filter, rate string, conns ...string) *Route {
		r, err := NewMTRoute(typ, order, fl, conns, pMustRate(t, rate))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	mo := func(typ RouteType, order int, fl []Filter, conns ...string) *Route {
		r, err := NewMORoute(typ, order, fl, conns)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	routes := []*Route{
		mt(RouteDefault, 0, nil, "0", "smsc1"),
		mt(RouteStaticMT, 100, get("U-foo", "DA-33"), "0.4", "smppc(smsc2)"),
		mt(RouteRandomRoundrobinMT, 20, get("G2"), "12.000001", "a1", "a2", "a3"),
		mt(RouteFailoverMT, 10, get("Work", "Py", "TG"), "0", "f1", "f2"),
		mo(RouteDefault, 0, nil, "http_def"),
		mo(RouteStaticMO, 30, get("CF", "From20*"), "smpps(user_1)"),
		mo(RouteRandomRoundrobinMO, 20, get("Sept2014", "Hello"), "http(h1)", "smpps(u2)"),
		mo(RouteFailoverMO, 15, get("TF"), "http(h1)", "http(h2)"),
	}
	for _, rt := range routes {
		d := rt.Direction()
		b, err := EncodeRoute(rt)
		if err != nil {
			t.Fatal(err)
		}
		back, err := DecodeRoute(d, b, fs, nil)
		if err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if back.Order != rt.Order || back.Type != rt.Type || back.Rate != rt.Rate || back.Show() != rt.Show() ||
			back.FilterList() != rt.FilterList() || !slices.Equal(back.Connectors, rt.Connectors) {
			t.Errorf("%s: %s | %s", b, back.Show(), rt.Show())
		}
		if b2, _ := EncodeRoute(back); string(b2) != string(b) {
			t.Errorf("re-encoding differs: %s / %s", b, b2)
		}
		// What decodes loads into a table.
		if d == MT {
			if err := NewMTTable().Add(back, nil); err != nil {
				t.Error(err)
			}
		} else if err := NewMOTable().Add(back, nil); err != nil {
			t.Error(err)
		}
	}
	known := func(kind, id string) bool { return kind == "smppc" && id == "smsc1" || kind == "http" }
	bad := []struct {
		d         Direction
		in, field string
	}{
		{MT, `{"v":1,"order":10,"type":"StaticMTRoute","filters":["nope"],"connectors":["smsc1"],"rate":"0"}`, "filters"},
		{MT, `{"v":1,"order":10,"type":"StaticMTRoute","filters":["U-foo"],"connectors":["smsc9"],"rate":"0"}`, "connector"},
		{MT, `{"v":1,"order":10,"type":"FailoverMTRoute","filters":["U-foo"],"connectors":["smsc1","smsc9"],"rate":"0"}`, "connectors"},
		{MT, `{"v":1,"order":10,"type":"StaticMTRoute","filters":["U-foo"],"connectors":["smsc1"]}`, "rate"},
		{MT, `{"v":1,"order":10,"type":"StaticMTRoute","filters":["U-foo"],"connectors":["smsc1"],"rate":"-1"}`, "rate"},
		{MT, `{"v":1,"order":10,"type":"StaticMTRoute","filters":["U-foo"],"connectors":["smsc1"],"rate":1}`, ""},
		{MT, `{"v":1,"order":10,"type":"StaticMORoute","filters":["U-foo"],"connectors":["smsc1"],"rate":"0"}`, "type"},
		{MT, `{"v":1,"order":10,"type":"Teleport","filters":["U-foo"],"connectors":["smsc1"],"rate":"0"}`, "type"},
		{MT, `{"v":1,"order":5,"type":"DefaultRoute","connectors":["smsc1"],"rate":"0"}`, "order"},
		{MT, `{"v":1,"type":"DefaultRoute","connectors":["smsc1"],"rate":"0"}`, "order"},
		{MT, `{"v":1,"order":10,"type":"StaticMTRoute","filters":["CF"],"connectors":["smsc1"],"rate":"0"}`, "filters"},
		{MT, `{"v":1,"order":10,"type":"StaticMTRoute","filters":["U-foo"],"connectors":["smsc1","smsc1"],"rate":"0"}`, "connector"},
		{MT, `{"v":1,"order":10,"type":"StaticMTRoute","filters":["U-foo"],"connectors":[],"rate":"0"}`, "connector"},
		{MO, `{"v":1,"order":10,"type":"StaticMORoute","filters":["TF"],"connectors":["http(h)"],"rate":"0.1"}`, "rate"},
		{MO, `{"v":1,"order":10,"type":"FailoverMORoute","filters":["TF"],"connectors":["http(h)","smpps(u)"]}`, "connectors"},
		{MO, `{"v":1,"order":10,"type":"StaticMORoute","filters":["U-foo"],"connectors":["http(h)"]}`, "filters"},
		{MO, `{"v":1,"order":10,"type":"StaticMORoute","filters":["TF"],"connectors":["smppc(x)"]}`, "connector"},
		{MO, `{"v":3,"order":10,"type":"StaticMORoute","filters":["TF"],"connectors":["http(h)"]}`, "v"},
	}
	for _, b := range bad {
		rt, err := DecodeRoute(b.d, []byte(b.in), fs, known)
		var oe *ObjectError
		if rt != nil || !errors.As(err, &oe) || oe.Field != b.field || oe.Kind != RouteKind(b.d) {
			t.Errorf("%s: %v, want field %q", b.in, err, b.field)
		}
	}
	if _, err := EncodeRoute(&Route{Type: RouteDefault}); err == nil {
		t.Error("an unprepared route encoded")
	}
}

func pMustRate(t testing.TB, s string) ledger.Money {
	r, err := ParseRouteRate(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestPersistInterceptors(t *testing.T) {
	fs := pFilterSet(t)
	uf, _ := fs.Get("U-foo")
	cf, _ := fs.Get("CF")
	ics := []*Interceptor{
		icMust(t, MT, InterceptorDefault, 0, nil, "routable.addTag(1)\n"),
		icMust(t, MT, InterceptorStaticMT, 100, []Filter{uf}, "routable.pdu.params['source_addr'] = 'GWD'\n"),
		icMust(t, MO, InterceptorStaticMO, 10, []Filter{cf}, "smpp_status = 254\n"),
	}
	for _, ic := range ics {
		b, err := EncodeInterceptor(ic)
		if err != nil {
			t.Fatal(err)
		}
		back, err := DecodeInterceptor(ic.Direction(), b, fs, icLim)
		if err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if back.Order != ic.Order || back.Type != ic.Type || back.Source() != ic.Source() || back.FilterList() != ic.FilterList() || back.Show() != ic.Show() {
			t.Errorf("%s → %s", ic.Show(), back.Show())
		}
		msg := func() *Routable {
			if ic.Direction() == MT {
				r, _ := icWire(t, rtTestMT("foo", "g", "1", "2", "", rtNoon))
				return r
			}
			r, _ := icWire(t, rtTestMO("smsc1", "1", "2", "", rtNoon))
			return r
		}
		v1, e1 := ic.Run(msg(), ChannelSMPPS)
		v2, e2 := back.Run(msg(), ChannelSMPPS)
		if v1 != v2 || (e1 == nil) != (e2 == nil) {
			t.Errorf("%s: runs differ: %+v %v / %+v %v", ic.Show(), v1, e1, v2, e2)
		}
	}
	bad := []struct {
		d         Direction
		in, field string
	}{
		{MT, `{"v":1,"order":10,"type":"StaticMTInterceptor","filters":["U-foo"],"script":"x = = 1"}`, "script"},
		{MT, `{"v":1,"order":10,"type":"StaticMTInterceptor","filters":["U-foo"],"script":""}`, "script"},
		{MT, `{"v":1,"order":10,"type":"StaticMTInterceptor","filters":["CF"],"script":"x = 1"}`, "filters"},
		{MT, `{"v":1,"order":10,"type":"StaticMTInterceptor","filters":["zz"],"script":"x = 1"}`, "filters"},
		{MT, `{"v":1,"order":10,"type":"StaticMTInterceptor","script":"x = 1"}`, "filters"},
		{MT, `{"v":1,"order":10,"type":"DefaultInterceptor","script":"x = 1"}`, "order"},
		{MO, `{"v":1,"order":10,"type":"StaticMTInterceptor","filters":["TF"],"script":"x = 1"}`, "type"},
		{MO, `{"v":1,"type":"DefaultInterceptor","script":"x = 1"}`, "order"},
		{MO, `{"v":1,"order":0,"type":"DefaultInterceptor","script":"x = 1","limits":1}`, ""},
	}
	for _, b := range bad {
		ic, err := DecodeInterceptor(b.d, []byte(b.in), fs, script.Limits{})
		var oe *ObjectError
		if ic != nil || !errors.As(err, &oe) || oe.Field != b.field || oe.Kind != InterceptorKind(b.d) {
			t.Errorf("%s: %v, want field %q", b.in, err, b.field)
		}
	}
	if _, err := EncodeInterceptor(icMust(t, MT, InterceptorDefault, 0, nil, "x = '\xff'\n")); err == nil {
		t.Error("a non-UTF-8 script encoded")
	}
}

func TestPersistKinds(t *testing.T) {
	if RouteKind(MT) != "mtroute" || RouteKind(MO) != "moroute" || InterceptorKind(MT) != "mtinterceptor" ||
		InterceptorKind(MO) != "mointerceptor" || ObjectID(100) != "100" ||
		KindGroup != "group" || KindUser != "user" || KindFilter != "filter" {
		t.Error("kind names")
	}
}
