package router

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gwd-project/gwd/router/script"
	"github.com/gwd-project/gwd/smpp"
)

func rtTestMT(uid, gid, src, dst, msg string, at time.Time) *Routable {
	return &Routable{Dir: MT, UID: uid, GID: gid, Time: at, PDU: &smpp.PDU{
		Source: smpp.Address{Addr: []byte(src)}, Dest: smpp.Address{Addr: []byte(dst)},
		ShortMessage: []byte(msg)}}
}

func rtTestMO(cid, src, dst, msg string, at time.Time) *Routable {
	return &Routable{Dir: MO, Connector: cid, Time: at, PDU: &smpp.PDU{
		Source: smpp.Address{Addr: []byte(src)}, Dest: smpp.Address{Addr: []byte(dst)},
		ShortMessage: []byte(msg)}}
}

func rtMustFilter(t testing.TB, typ, fid string, params map[string]string) Filter {
	t.Helper()
	f, err := NewFilter(typ, fid, params)
	if err != nil {
		t.Fatalf("NewFilter(%s, %s, %v): %v", typ, fid, params, err)
	}
	return f
}

func rtErrField(err error) string {
	var ce *RoutingConfigError
	if errors.As(err, &ce) {
		return ce.Field
	}
	return ""
}

var rtNoon = time.Date(2015, 7, 14, 12, 0, 0, 0, time.Local)

func TestFilterMatch(t *testing.T) {
	base := rtTestMT("u1", "g1", "2012345", "+33612345678", "hello world", rtNoon)
	at := func(ts string) *Routable {
		r := *base
		tm, err := time.ParseInLocation("2006-01-02 15:04:05.999999999", ts, time.Local)
		if err != nil {
			t.Fatal(err)
		}
		r.Time = tm
		return &r
	}
	mo := rtTestMO("smpp-01", "2012345", "85111", "hello", rtNoon)
	tagged := *base
	tagged.Tags = []int64{21401}
	payload := rtTestMT("u1", "g1", "1", "2", "", rtNoon)
	payload.PDU.TLVs = payload.PDU.TLVs.Append(smpp.TagMessagePayload, []byte("hello payload"))

	tests := []struct {
		name   string
		typ    string
		params map[string]string
		r      *Routable
		want   bool
	}{
		{"transparent", "transparentfilter", nil, base, true},
		{"transparent MO", "TransparentFilter", nil, mo, true},
		{"connector yes", "ConnectorFilter", map[string]string{"cid": "smpp-01"}, mo, true},
		{"connector no", "ConnectorFilter", map[string]string{"cid": "smpp-02"}, mo, false},
		{"user yes", "userfilter", map[string]string{"uid": "u1"}, base, true},
		{"user no", "UserFilter", map[string]string{"uid": "u2"}, base, false},
		{"group yes", "GroupFilter", map[string]string{"gid": "g1"}, base, true},
		{"group no", "GroupFilter", map[string]string{"gid": "G2"}, base, false},
		{"src yes", "SourceAddrFilter", map[string]string{"source_addr": `^20\d+`}, mo, true},
		{"src no", "SourceAddrFilter", map[string]string{"source_addr": `^21\d+`}, mo, false},
		{"src re.match anchors start", "SourceAddrFilter", map[string]string{"source_addr": `12345`}, mo, false},
		{"src re.match not end", "SourceAddrFilter", map[string]string{"source_addr": `2012`}, mo, true},
		{"dst yes", "DestinationAddrFilter", map[string]string{"destination_addr": `^85111$`}, mo, true},
		{"dst no (end anchored)", "DestinationAddrFilter", map[string]string{"destination_addr": `^8511$`}, mo, false},
		{"dst +33", "DestinationAddrFilter", map[string]string{"destination_addr": `^\+33\d+`}, base, true},
		{"dst mobile", "DestinationAddrFilter", map[string]string{"destination_addr": `^\+?33[67]\d{8}$`}, base, true},
		{"dst mobile no", "DestinationAddrFilter", map[string]string{"destination_addr": `^\+?33[67]\d{7}$`}, base, false},
		{"sm yes", "ShortMessageFilter", map[string]string{"short_message": `^hello.*$`}, base, true},
		{"sm no", "ShortMessageFilter", map[string]string{"short_message": `^bye`}, base, false},
		{"sm case", "ShortMessageFilter", map[string]string{"short_message": `(?i)HELLO`}, base, true},
		{"sm payload", "ShortMessageFilter", map[string]string{"short_message": `hello pay`}, payload, true},
		{"date in", "DateIntervalFilter", map[string]string{"dateInterval": "2015-06-01;2015-08-31"}, base, true},
		{"date left border", "DateIntervalFilter", map[string]string{"dateInterval": "2015-07-14;2015-08-31"}, at("2015-07-14 00:00:00"), true},
		{"date right border", "DateIntervalFilter", map[string]string{"dateInterval": "2015-06-01;2015-07-14"}, at("2015-07-14 23:59:59.999"), true},
		{"date after", "DateIntervalFilter", map[string]string{"dateInterval": "2015-06-01;2015-07-13"}, base, false},
		{"date one day", "DateIntervalFilter", map[string]string{"dateInterval": "2015-07-14;2015-07-14"}, base, true},
		{"time in", "TimeIntervalFilter", map[string]string{"timeInterval": "08:00:00;18:00:00"}, base, true},
		{"time left border", "TimeIntervalFilter", map[string]string{"timeInterval": "08:00:00;18:00:00"}, at("2015-07-14 08:00:00"), true},
		{"time right border", "TimeIntervalFilter", map[string]string{"timeInterval": "08:00:00;18:00:00"}, at("2015-07-14 18:00:00"), true},
		{"time just after", "TimeIntervalFilter", map[string]string{"timeInterval": "08:00:00;18:00:00"}, at("2015-07-14 18:00:00.000001"), false},
		{"time before", "TimeIntervalFilter", map[string]string{"timeInterval": "08:00:00;18:00:00"}, at("2015-07-14 07:59:59"), false},
		{"time midnight 23h", "TimeIntervalFilter", map[string]string{"timeInterval": "22:00:00;06:00:00"}, at("2015-07-14 23:00:00"), true},
		{"time midnight 05h", "TimeIntervalFilter", map[string]string{"timeInterval": "22:00:00;06:00:00"}, at("2015-07-14 05:00:00"), true},
		{"time midnight 00h", "TimeIntervalFilter", map[string]string{"timeInterval": "22:00:00;06:00:00"}, at("2015-07-14 00:00:00"), true},
		{"time midnight noon", "TimeIntervalFilter", map[string]string{"timeInterval": "22:00:00;06:00:00"}, base, false},
		{"tag yes", "TagFilter", map[string]string{"tag": "21401"}, &tagged, true},
		{"tag no", "TagFilter", map[string]string{"tag": "21402"}, &tagged, false},
		{"script yes", "EvalPyFilter", map[string]string{"pyCode": "result = routable.user.uid == 'u1'\n"}, base, true},
		{"script no", "EvalPyFilter", map[string]string{"pyCode": "result = routable.user.uid == 'u2'\n"}, base, false},
		{"nil pdu", "DestinationAddrFilter", map[string]string{"destination_addr": `^\d`}, &Routable{Dir: MT}, false},
		{"params key case", "DateIntervalFilter", map[string]string{"dateinterval": "2015-06-01;2015-08-31"}, base, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := rtMustFilter(t, tc.typ, "F1", tc.params)
			if got := f.Match(tc.r); got != tc.want {
				t.Errorf("%s.Match = %v, want %v", f.Describe(), got, tc.want)
			}
		})
	}
}

func TestFilterUsedForAndDescribe(t *testing.T) {
	tests := []struct {
		typ      string
		params   map[string]string
		mo, mt   bool
		describe string
		show     string
	}{
		{"transparentfilter", nil, true, true, "<TransparentFilter>", "TransparentFilter"},
		{"connectorfilter", map[string]string{"cid": "smpp-01"}, true, false, "<ConnectorFilter (cid=smpp-01)>", "ConnectorFilter:\ncid = smpp-01"},
		{"userfilter", map[string]string{"uid": "bobo"}, false, true, "<UserFilter (uid=bobo)>", "UserFilter:\nuid = bobo"},
		{"groupfilter", map[string]string{"gid": "G2"}, false, true, "<GroupFilter (gid=G2)>", "GroupFilter:\ngid = G2"},
		{"sourceaddrfilter", map[string]string{"source_addr": `^20\d+`}, true, true, `<SourceAddrFilter (src_addr=^20\d+)>`, "SourceAddrFilter:\nsource_addr = ^20\\d+"},
		{"destinationaddrfilter", map[string]string{"destination_addr": `^85111$`}, true, true, `<DestinationAddrFilter (dst_addr=^85111$)>`, "DestinationAddrFilter:\ndestination_addr = ^85111$"},
		{"shortmessagefilter", map[string]string{"short_message": `^hello.*$`}, true, true, `<ShortMessageFilter (msg=^hello.*$)>`, "ShortMessageFilter:\nshort_message = ^hello.*$"},
		{"dateintervalfilter", map[string]string{"dateInterval": "2014-09-01;2014-09-30"}, true, true, "<DateIntervalFilter (2014-09-01,2014-09-30)>", "DateIntervalFilter:\nLeft border = 2014-09-01\nRight border = 2014-09-30"},
		{"timeintervalfilter", map[string]string{"timeInterval": "08:00:00;18:00:00"}, true, true, "<TimeIntervalFilter (08:00:00,18:00:00)>", "TimeIntervalFilter:\nLeft border = 08:00:00\nRight border = 18:00:00"},
		{"tagfilter", map[string]string{"tag": "21401"}, true, true, "<TG (tag=21401)>", "TagFilter:\nhas tag = 21401"},
		{"evalpyfilter", map[string]string{"pyCode": "\nresult = True\n"}, true, true, "<EvalPyFilter (pyCode=result =  ..)>", "EvalPyFilter:\n\nresult = True\n"},
	}
	for _, tc := range tests {
		f := rtMustFilter(t, tc.typ, "X", tc.params)
		mo, mt := f.UsedFor()
		if mo != tc.mo || mt != tc.mt {
			t.Errorf("%s UsedFor = %v,%v want %v,%v", tc.typ, mo, mt, tc.mo, tc.mt)
		}
		if d := f.Describe(); d != tc.describe {
			t.Errorf("%s Describe = %q want %q", tc.typ, d, tc.describe)
		}
		if s := f.Show(); s != tc.show {
			t.Errorf("%s Show = %q want %q", tc.typ, s, tc.show)
		}
		if f.ID() != "X" || !strings.EqualFold(f.Type(), tc.typ) {
			t.Errorf("%s ID/Type = %s/%s", tc.typ, f.ID(), f.Type())
		}
		// Params rebuild an equivalent filter.
		g, err := NewFilter(f.Type(), f.ID(), f.Params())
		if err != nil || g.Describe() != f.Describe() {
			t.Errorf("%s: rebuild from Params %v: %v, %v", tc.typ, f.Params(), g, err)
		}
	}
}

func TestFilterBadParams(t *testing.T) {
	tests := []struct {
		name   string
		typ    string
		fid    string
		params map[string]string
		field  string
		substr string
	}{
		{"unknown type", "NoSuchFilter", "F", nil, "type", "unknown filter type"},
		{"bad fid", "TransparentFilter", "bad id", nil, "fid", "invalid filter id"},
		{"empty fid", "TransparentFilter", "", nil, "fid", "invalid filter id"},
		{"long fid", "TransparentFilter", "abcdefghijklmnopq", nil, "fid", "invalid filter id"},
		{"transparent extra", "TransparentFilter", "F", map[string]string{"cid": "x"}, "cid", "takes no parameters"},
		{"missing cid", "ConnectorFilter", "F", nil, "cid", "missing"},
		{"empty uid", "UserFilter", "F", map[string]string{"uid": " "}, "uid", "empty"},
		{"unknown key", "UserFilter", "F", map[string]string{"uid": "u", "gid": "g"}, "gid", "unknown parameter"},
		{"bad regex", "DestinationAddrFilter", "F", map[string]string{"destination_addr": `^(33`}, "destination_addr", "not a valid regular expression"},
		{"lookahead", "SourceAddrFilter", "F", map[string]string{"source_addr": `^(?=33)`}, "source_addr", "not a valid regular expression"},
		{"backref", "ShortMessageFilter", "F", map[string]string{"short_message": `(a)\1`}, "short_message", "not a valid regular expression"},
		{"date one value", "DateIntervalFilter", "F", map[string]string{"dateInterval": "2014-09-01"}, "dateInterval", "two values"},
		{"date format", "DateIntervalFilter", "F", map[string]string{"dateInterval": "2014-9-1;2014-09-30"}, "dateInterval", "not a valid YYYY-MM-DD"},
		{"date invalid", "DateIntervalFilter", "F", map[string]string{"dateInterval": "2014-02-30;2014-09-30"}, "dateInterval", "not a valid"},
		{"date reversed", "DateIntervalFilter", "F", map[string]string{"dateInterval": "2014-09-30;2014-09-01"}, "dateInterval", "right border"},
		{"time format", "TimeIntervalFilter", "F", map[string]string{"timeInterval": "8:00:00;18:00:00"}, "timeInterval", "not a valid HH:MM:SS"},
		{"time invalid", "TimeIntervalFilter", "F", map[string]string{"timeInterval": "08:00:00;24:00:00"}, "timeInterval", "not a valid"},
		{"time equal", "TimeIntervalFilter", "F", map[string]string{"timeInterval": "08:00:00;08:00:00"}, "timeInterval", "differ"},
		{"tag text", "TagFilter", "F", map[string]string{"tag": "abc"}, "tag", "integer"},
		{"script syntax", "EvalPyFilter", "F", map[string]string{"pyCode": "result = True\nresult = = 1\n"}, "pyCode", "line 2"},
		{"script undefined", "EvalPyFilter", "F", map[string]string{"pyCode": "result = nosuch\n"}, "pyCode", "line 1"},
		{"script empty", "EvalPyFilter", "F", map[string]string{"pyCode": " "}, "pyCode", "empty"},
		{"script missing file", "EvalPyFilter", "F", map[string]string{"pyCode": "/nonexistent/x.py"}, "pyCode", "[scripts] dir is not set"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewFilter(tc.typ, tc.fid, tc.params)
			if err == nil {
				t.Fatal("accepted")
			}
			if rtErrField(err) != tc.field || !strings.Contains(err.Error(), tc.substr) || !strings.HasPrefix(err.Error(), tc.field+": ") {
				t.Fatalf("error %q (field %q), want field %q and %q", err, rtErrField(err), tc.field, tc.substr)
			}
		})
	}
}

func TestFilterIDs(t *testing.T) {
	for _, ok := range []string{"TF", "From20*", "TG-Spain-Vodacom", "a_b.c"} {
		if !ValidFilterID(ok) {
			t.Errorf("%q refused", ok)
		}
	}
	for _, bad := range []string{"", "a b", "x;y", "abcdefghijklmnopq", "é"} {
		if ValidFilterID(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
}

// useScriptDir sets [scripts] dir for the test.
func useScriptDir(t *testing.T, dir string) {
	t.Helper()
	if err := script.SetDir(dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = script.SetDir("") })
}

func TestEvalPyFilterFromFile(t *testing.T) {
	dir := t.TempDir()
	useScriptDir(t, dir)
	p := filepath.Join(dir, "abc-connector.py")
	src := "# File @ /opt/jasmin-scripts/routing/abc-connector.py\nif routable.connector.cid == 'abc':\n    result = True\nelse:\n    result = False\n"
	if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	f := rtMustFilter(t, "EvalPyFilter", "SimpleThirdParty", map[string]string{"pyCode": p})
	if !f.Match(rtTestMO("abc", "1", "2", "", rtNoon)) {
		t.Error("abc did not match")
	}
	if f.Match(rtTestMO("abd", "1", "2", "", rtNoon)) {
		t.Error("abd matched")
	}
	if f.Params()["pyCode"] != src {
		t.Error("Params does not carry the source")
	}
}

func TestEvalPyFilterRuntime(t *testing.T) {
	// A runtime error is no match, and counted.
	f := rtMustFilter(t, "EvalPyFilter", "E", map[string]string{"pyCode": "result = 1 // 0 == 0\n"})
	ep := f.(*EvalPyFilter)
	if f.Match(rtTestMT("u", "g", "1", "2", "", rtNoon)) {
		t.Error("failing script matched")
	}
	if ep.Errors() != 1 || ep.LastError() == nil {
		t.Errorf("errors %d, last %v", ep.Errors(), ep.LastError())
	}
	// An endless loop is stopped by the step limit.
	f = rtMustFilter(t, "EvalPyFilter", "L", map[string]string{"pyCode": "while True:\n    pass\nresult = True\n"})
	if f.Match(rtTestMT("u", "g", "1", "2", "", rtNoon)) {
		t.Error("endless script matched")
	}
	// Whichever limit comes first on a loaded machine stops it.
	if err := f.(*EvalPyFilter).LastError(); err == nil || !(strings.Contains(err.Error(), "too many steps") || strings.Contains(err.Error(), "time limit")) {
		t.Errorf("last error %v", err)
	}
	// Tags set by a script stay on the routable; PDU fields are readable.
	f = rtMustFilter(t, "EvalPyFilter", "T", map[string]string{"pyCode": `
p = routable.pdu.params
if p['destination_addr'].startswith('+33') and p['source_addr'] == '2012':
    routable.addTag(33)
result = routable.hasTag(33) and routable.user.group.gid == 'g'
`})
	r := rtTestMT("u", "g", "2012", "+33600000000", "", rtNoon)
	if !f.Match(r) || !r.HasTag(33) {
		t.Errorf("tag script: match %v tags %v", f.Match(r), r.Tags)
	}
	// A non-bool result is no match (Jasmin's isinstance(result, bool)).
	f = rtMustFilter(t, "EvalPyFilter", "N", map[string]string{"pyCode": "result = 1\n"})
	if f.Match(r) {
		t.Error("result = 1 matched")
	}
}

func TestRegexMatchAllocs(t *testing.T) {
	r := rtTestMT("u1", "g1", "2012345", "+33612345678", "hello world", rtNoon)
	for _, p := range []map[string]string{
		{"destination_addr": `^\+?33[67]\d{8}$`},
		{"destination_addr": `^\+33\d+`},
		{"destination_addr": `^85111$`},
		{"destination_addr": `(?i)^\+?(33|34|44)\d+$`},
	} {
		f := rtMustFilter(t, "DestinationAddrFilter", "D", p)
		f.Match(r)
		if n := testing.AllocsPerRun(1000, func() { f.Match(r) }); n != 0 {
			t.Errorf("%s: %v allocs per match", f.Describe(), n)
		}
	}
	sm := rtMustFilter(t, "ShortMessageFilter", "S", map[string]string{"short_message": `^hello.*$`})
	if n := testing.AllocsPerRun(1000, func() { sm.Match(r) }); n != 0 {
		t.Errorf("short message: %v allocs", n)
	}
}

func TestFilterSet(t *testing.T) {
	fs := NewFilterSet()
	g2 := rtMustFilter(t, "GroupFilter", "G2", map[string]string{"gid": "G2"})
	wh := rtMustFilter(t, "TimeIntervalFilter", "WorkingHours", map[string]string{"timeInterval": "08:00:00;18:00:00"})
	for _, f := range []Filter{g2, wh} {
		if err := fs.Add(f); err != nil {
			t.Fatal(err)
		}
	}
	if err := fs.Add(g2); rtErrField(err) != "fid" {
		t.Errorf("duplicate fid: %v", err)
	}
	got, err := fs.Resolve("G2; WorkingHours")
	if err != nil || len(got) != 2 || got[0] != g2 || got[1] != wh {
		t.Fatalf("Resolve: %v %v", got, err)
	}
	if _, err := fs.Resolve("G2;nope"); rtErrField(err) != "filters" || !strings.Contains(err.Error(), "nope") {
		t.Errorf("unknown filter id: %v", err)
	}
	mt := NewMTTable()
	r, err := NewMTRoute(RouteStaticMT, 91, []Filter{g2, wh}, []string{"smpp_4"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := mt.Add(r, nil); err != nil {
		t.Fatal(err)
	}
	mo := NewMOTable()
	err = fs.Remove("WorkingHours", mt, mo)
	if rtErrField(err) != "fid" || !strings.Contains(err.Error(), "MT route 91") {
		t.Errorf("remove used filter: %v", err)
	}
	if _, ok := fs.Get("WorkingHours"); !ok {
		t.Error("used filter removed")
	}
	if err := mt.Remove(91); err != nil {
		t.Fatal(err)
	}
	if err := fs.Remove("WorkingHours", mt, mo); err != nil {
		t.Errorf("remove unused: %v", err)
	}
	if err := fs.Remove("WorkingHours"); rtErrField(err) != "fid" {
		t.Errorf("remove unknown: %v", err)
	}
	if all := fs.All(); len(all) != 1 || all[0].ID() != "G2" || fs.Len() != 1 {
		t.Errorf("All: %v", all)
	}
}

// TestScriptFilesConfinedToDir: pyCode and interceptor scripts given as a
// path are read only inside [scripts] dir; a file elsewhere, a ../ escape
// or a symlink out are refused, and with no dir every path is refused.
func TestScriptFilesConfinedToDir(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "scripts")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	in, out := filepath.Join(dir, "in.py"), filepath.Join(base, "out.py")
	for _, p := range []string{in, out} {
		if err := os.WriteFile(p, []byte("result = True\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	link := filepath.Join(dir, "link.py")
	if err := os.Symlink(out, link); err != nil {
		t.Fatal(err)
	}
	if _, err := NewFilter("EvalPyFilter", "F", map[string]string{"pyCode": in}); err == nil || !strings.Contains(err.Error(), "[scripts] dir") {
		t.Errorf("no dir set: %v", err)
	}
	useScriptDir(t, dir)
	if _, err := NewFilter("EvalPyFilter", "F", map[string]string{"pyCode": in}); err != nil {
		t.Errorf("file inside dir: %v", err)
	}
	fs := NewFilterSet()
	if _, err := BuildInterceptor(MT, map[string]string{"type": "DefaultInterceptor", "script": "python3(" + in + ")"}, fs); err != nil {
		t.Errorf("interceptor file inside dir: %v", err)
	}
	for _, p := range []string{out, filepath.Join(dir, "..", "out.py"), link} {
		if _, err := NewFilter("EvalPyFilter", "F", map[string]string{"pyCode": p}); err == nil || !strings.Contains(err.Error(), "outside [scripts] dir") {
			t.Errorf("pyCode %s: %v, want refused", p, err)
		}
		if _, err := BuildInterceptor(MT, map[string]string{"type": "DefaultInterceptor", "script": "python3(" + p + ")"}, fs); err == nil || !strings.Contains(err.Error(), "outside [scripts] dir") {
			t.Errorf("interceptor script %s: %v, want refused", p, err)
		}
	}
}
