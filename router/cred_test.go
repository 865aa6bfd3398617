package router

import (
	"github.com/gwd-project/gwd/router/ledger"

	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"
)

// credObservedShow is `user -s u1` for a user created with only uid, gid,
// username and password, as captured from Jasmin 0.11.1
// (jasmin-observed.md).
var credObservedShow = []string{
	"uid u1",
	"gid g1",
	"username foo",
	"mt_messaging_cred authorization http_send True",
	"mt_messaging_cred authorization http_balance True",
	"mt_messaging_cred authorization http_rate True",
	"mt_messaging_cred authorization http_bulk False",
	"mt_messaging_cred authorization smpps_send True",
	"mt_messaging_cred authorization http_long_content True",
	"mt_messaging_cred authorization dlr_level True",
	"mt_messaging_cred authorization http_dlr_method True",
	"mt_messaging_cred authorization src_addr True",
	"mt_messaging_cred authorization priority True",
	"mt_messaging_cred authorization validity_period True",
	"mt_messaging_cred authorization schedule_delivery_time True",
	"mt_messaging_cred authorization hex_content True",
	"mt_messaging_cred valuefilter dst_addr .*",
	"mt_messaging_cred valuefilter src_addr .*",
	"mt_messaging_cred valuefilter priority ^[0-3]$",
	"mt_messaging_cred valuefilter validity_period ^\\d+$",
	"mt_messaging_cred valuefilter content .*",
	"mt_messaging_cred defaultvalue src_addr None",
	"mt_messaging_cred quota balance ND",
	"mt_messaging_cred quota early_percent ND",
	"mt_messaging_cred quota sms_count ND",
	"mt_messaging_cred quota http_throughput ND",
	"mt_messaging_cred quota smpps_throughput ND",
	"smpps_cred authorization bind True",
	"smpps_cred authorization ip 0.0.0.0/0",
	"smpps_cred quota max_bindings ND",
}

func TestCredShowDefaultsMatchObserved(t *testing.T) {
	a, _ := acctTestSetup(t)
	got, err := a.ShowLines("u1", noCounters)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, credObservedShow) {
		t.Fatalf("user -s u1:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(credObservedShow, "\n"))
	}
	// Cross-check against the reference file when it is at hand.
	raw, err := os.ReadFile("/work/shared/reference/jasmin-observed.md")
	if err != nil {
		t.Skip("jasmin-observed.md not available:", err)
	}
	text := string(raw)
	i := strings.Index(text, "jcli : user -s u1\n")
	if i < 0 {
		t.Fatal("no `user -s u1` in jasmin-observed.md")
	}
	block := text[i+len("jcli : user -s u1\n"):]
	block = block[:strings.Index(block, "jcli :")]
	want := strings.Split(strings.TrimRight(block, "\n"), "\n")
	if !slices.Equal(got, want) {
		t.Fatalf("user -s u1 differs from jasmin-observed.md:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// The manual's tables, key by key: default and description column.
func TestCredDefaultsPerManualTable(t *testing.T) {
	_, u := acctTestSetup(t)
	show := map[string]string{}
	for _, l := range u.ShowLines(ledger.Counters{})[3:] {
		f := strings.SplitN(l, " ", 4)
		show[f[0]+" "+f[1]+" "+f[2]] = f[3]
	}
	for key, want := range map[string]string{
		// authorization section keys
		"mt_messaging_cred authorization http_send":         "True",
		"mt_messaging_cred authorization http_balance":      "True",
		"mt_messaging_cred authorization http_rate":         "True",
		"mt_messaging_cred authorization http_bulk":         "False",
		"mt_messaging_cred authorization smpps_send":        "True",
		"mt_messaging_cred authorization http_long_content": "True",
		"mt_messaging_cred authorization dlr_level":         "True",
		"mt_messaging_cred authorization http_dlr_method":   "True",
		"mt_messaging_cred authorization src_addr":          "True",
		"mt_messaging_cred authorization priority":          "True",
		"mt_messaging_cred authorization validity_period":   "True",
		// The manual's table says "(default is NOT SET)" for hex_content;
		// Jasmin shows True, and that is what it does.
		"mt_messaging_cred authorization hex_content":            "True",
		"mt_messaging_cred authorization schedule_delivery_time": "True",
		// valuefilter section keys (the manual prints ^d+$, the backslash
		// lost in its rendering)
		"mt_messaging_cred valuefilter src_addr":        ".*",
		"mt_messaging_cred valuefilter dst_addr":        ".*",
		"mt_messaging_cred valuefilter content":         ".*",
		"mt_messaging_cred valuefilter priority":        "^[0-3]$",
		"mt_messaging_cred valuefilter validity_period": `^\d+$`,
		// defaultvalue section keys
		"mt_messaging_cred defaultvalue src_addr": "None",
		// quota section keys
		"mt_messaging_cred quota balance":          "ND",
		"mt_messaging_cred quota sms_count":        "ND",
		"mt_messaging_cred quota early_percent":    "ND",
		"mt_messaging_cred quota http_throughput":  "ND",
		"mt_messaging_cred quota smpps_throughput": "ND",
		// smpps_cred
		"smpps_cred authorization bind": "True",
		"smpps_cred authorization ip":   "0.0.0.0/0",
		"smpps_cred quota max_bindings": "ND",
	} {
		if got, ok := show[key]; !ok || got != want {
			t.Errorf("%s default %q, want %q", key, got, want)
		}
		delete(show, key)
	}
	if len(show) != 0 {
		t.Errorf("keys not in the manual's tables: %v", show)
	}
	if got := CredentialKeys(); len(got) != 27 || got[0] != "mt_messaging_cred authorization http_send" {
		t.Errorf("CredentialKeys = %v", got)
	}
	// The structs agree with the display.
	if u.MT != DefaultMTCred() {
		t.Error("DefaultMTCred")
	}
	if !u.SMPPS.Authorization.Bind || u.SMPPS.Quota.MaxBindings.Set || !u.SMPPS.Authorization.IP.Allows(netip.MustParseAddr("203.0.113.1")) {
		t.Error("DefaultSMPPSCred")
	}
}

// Every key accepts its values and shows them as jCli does.
func TestCredSetEveryKey(t *testing.T) {
	type step struct{ value, show string }
	bools := []step{{"False", "False"}, {"true", "True"}, {"no", "False"}, {"yes", "True"}, {"0", "False"},
		{"1", "True"}, {"f", "False"}, {"T", "True"}, {"N", "False"}, {"y", "True"}, {"FALSE", "False"}, {"YES", "True"}}
	cases := map[string][]step{
		"mt_messaging_cred valuefilter dst_addr":        {{"^336", "^336"}, {"^(33|44)\\d+$", "^(33|44)\\d+$"}, {".*", ".*"}},
		"mt_messaging_cred valuefilter src_addr":        {{"^JASMIN$", "^JASMIN$"}},
		"mt_messaging_cred valuefilter priority":        {{"^[01]$", "^[01]$"}},
		"mt_messaging_cred valuefilter validity_period": {{`^\d{1,3}$`, `^\d{1,3}$`}},
		"mt_messaging_cred valuefilter content":         {{"^hello world", "^hello world"}, {"(?i)stop", "(?i)stop"}},
		"mt_messaging_cred defaultvalue src_addr":       {{"JASMIN", "JASMIN"}, {"None", "None"}, {"33600000000", "33600000000"}, {"none", "None"}},
		"mt_messaging_cred quota balance": {{"44.2", "44.2"}, {"+10", "54.2"}, {"-22.4", "31.8"}, {"none", "ND"},
			{"+10", "10.0"}, {"0", "0.0"}, {"NONE", "ND"}, {"-0", "0.0"}, {"1.000001", "1.000001"}},
		"mt_messaging_cred quota early_percent": {{"25", "25.0"}, {"+10", "35.0"}, {"-34", "1.0"}, {"100", "100.0"},
			{"12.5", "12.5"}, {"none", "ND"}, {"+50", "50.0"}},
		"mt_messaging_cred quota sms_count": {{"10", "10"}, {"+5", "15"}, {"-15", "0"}, {"none", "ND"},
			{"+3", "3"}, {"0", "0"}},
		"mt_messaging_cred quota http_throughput":  {{"2", "2.0"}, {"0.5", "0.5"}, {"+1", "1.5"}, {"-1.5", "0.0"}, {"none", "ND"}},
		"mt_messaging_cred quota smpps_throughput": {{"2", "2.0"}, {"none", "ND"}, {"+2", "2.0"}},
		"smpps_cred authorization ip": {{"10.0.0.0/8", "10.0.0.0/8"}, {"192.0.2.7", "192.0.2.7/32"},
			{"10.1.2.3/8,192.0.2.0/24", "10.0.0.0/8,192.0.2.0/24"}, {"2001:db8::/32", "2001:db8::/32"}, {"0.0.0.0/0", "0.0.0.0/0"}},
		"smpps_cred quota max_bindings": {{"2", "2"}, {"+3", "5"}, {"-5", "0"}, {"none", "ND"}, {"+1", "1"}},
	}
	for _, k := range CredentialKeys() {
		if strings.Contains(k, " authorization ") && k != "smpps_cred authorization ip" {
			cases[k] = bools
		}
	}
	for _, key := range CredentialKeys() {
		steps, ok := cases[key]
		if !ok || len(steps) == 0 {
			t.Errorf("no test values for %s", key)
			continue
		}
		t.Run(key, func(t *testing.T) {
			a, _ := acctTestSetup(t)
			al := acctLedger{}
			f := strings.Fields(key)
			for _, s := range steps {
				// Through SetCredential, section and key in any case.
				if err := al.setCredential(a, "u1", f[0], strings.ToUpper(f[1]), f[2], s.value); err != nil {
					t.Fatalf("%s %q: %v", key, s.value, err)
				}
				lines, _ := a.ShowLines("u1", al.counters)
				if want := key + " " + s.show; !slices.Contains(lines, want) {
					t.Fatalf("after %q want %q in\n%s", s.value, want, strings.Join(lines, "\n"))
				}
			}
			// Through an update session line, and on a draft, the same.
			b, _ := acctTestSetup(t)
			bl := acctLedger{}
			d, _ := NewUser("u2", "g1", "bar", "pw")
			for _, s := range steps {
				if err := bl.update(b, "u1", Change{f[0], f[1] + " " + f[2] + " " + s.value}); err != nil {
					t.Fatalf("UpdateUser %q: %v", s.value, err)
				}
				if err := d.Set(f[0], f[1]+" "+f[2]+" "+s.value); err != nil {
					t.Fatalf("Set %q: %v", s.value, err)
				}
			}
			bLines, _ := b.ShowLines("u1", bl.counters)
			aLines, _ := a.ShowLines("u1", al.counters)
			dLines := d.ShowLines(d.InitialCounters())
			if !slices.Equal(aLines, bLines) || !slices.Equal(aLines[3:], dLines[3:]) {
				t.Fatalf("paths disagree:\n%s\n--\n%s\n--\n%s", strings.Join(aLines, "\n"), strings.Join(bLines, "\n"), strings.Join(dLines, "\n"))
			}
		})
	}
}

// Bad input for every setter: refused with the field named, nothing
// changed.
func TestCredBadInput(t *testing.T) {
	bad := []struct {
		cred, section, key, value string
		field                     string
		msg                       string // part of the message
	}{
		{"mt_cred", "quota", "balance", "1", "mt_cred", "unknown User key"},
		{"MT_MESSAGING_CRED", "quota", "balance", "1", "MT_MESSAGING_CRED", "unknown User key"},
		{CredMT, "quotas", "balance", "1", "mt_messaging_cred quotas", "possible values: authorization, valuefilter, defaultvalue, quota"},
		{CredSMPPS, "valuefilter", "dst_addr", "1", "smpps_cred valuefilter", "possible values: authorization, quota"},
		{CredMT, "quota", "credit", "1", "mt_messaging_cred quota credit", "possible keys: balance, early_percent, sms_count, http_throughput, smpps_throughput"},
		{CredMT, "authorization", "bind", "yes", "mt_messaging_cred authorization bind", "invalid key"},
		{CredMT, "defaultvalue", "dst_addr", "x", "mt_messaging_cred defaultvalue dst_addr", "possible keys: src_addr"},
		{CredSMPPS, "quota", "balance", "1", "smpps_cred quota balance", "possible keys: max_bindings"},
		{CredMT, "quota", "balance", "", "mt_messaging_cred quota balance", "missing value"},
	}
	for _, k := range CredentialKeys() {
		f := strings.Fields(k)
		switch {
		case k == "smpps_cred authorization ip":
			for _, v := range []string{"10.0.0.0/33", "not-an-ip", "300.1.1.1", ",", "10.0.0.0/8,x"} {
				bad = append(bad, struct{ cred, section, key, value, field, msg string }{f[0], f[1], f[2], v, k, "invalid address"})
			}
		case f[1] == "authorization":
			for _, v := range []string{"maybe", "2", "oui", "truee", "-1"} {
				bad = append(bad, struct{ cred, section, key, value, field, msg string }{f[0], f[1], f[2], v, k, "is not a boolean value: " + v})
			}
		case f[1] == "valuefilter":
			for _, v := range []string{"[", "(?<=x)y", `(a)\1`, "*", "(?P<n"} {
				bad = append(bad, struct{ cred, section, key, value, field, msg string }{f[0], f[1], f[2], v, k, "is not a valid regex pattern"})
			}
		case f[1] == "defaultvalue":
			bad = append(bad, struct{ cred, section, key, value, field, msg string }{f[0], f[1], f[2], strings.Repeat("1", 21), k, "at most 20"})
		case f[1] == "quota":
			vals := []string{"abc", "1e3", "-", "+", "inf", "nan", "1.2.3", "12abc"}
			switch f[2] {
			case "sms_count", "max_bindings":
				vals = append(vals, "1.5", "10.0", "-1", "+1.5")
			case "early_percent":
				vals = append(vals, "0", "101", "0.5", "+101", "-1", "100.000001")
			default:
				vals = append(vals, "1.2345678", "-1")
			}
			for _, v := range vals {
				bad = append(bad, struct{ cred, section, key, value, field, msg string }{f[0], f[1], f[2], v, k, ""})
			}
		}
	}
	for _, tc := range bad {
		a, _ := acctTestSetup(t)
		l := acctLedger{}
		before, _ := a.ShowLines("u1", l.counters)
		err := l.setCredential(a, "u1", tc.cred, tc.section, tc.key, tc.value)
		acctFieldErr(t, err, tc.field)
		if !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s %q: message %q lacks %q", tc.field, tc.value, err, tc.msg)
		}
		if after, _ := a.ShowLines("u1", l.counters); !slices.Equal(before, after) {
			t.Errorf("%s %q changed the user", tc.field, tc.value)
		}
		// On a draft too.
		d, _ := NewUser("u2", "g1", "bar", "pw")
		dBefore := d.ShowLines(d.InitialCounters())
		acctFieldErr(t, d.SetCredential(tc.cred, tc.section, tc.key, tc.value), tc.field)
		if !slices.Equal(dBefore, d.ShowLines(d.InitialCounters())) {
			t.Errorf("draft: %s %q changed it", tc.field, tc.value)
		}
	}
}

// Relative quota updates: +N/-N, unlimited counts as 0 (Jasmin), a result
// below the range is refused.
func TestCredRelativeQuotas(t *testing.T) {
	a, _ := acctTestSetup(t)
	l := acctLedger{}
	steps := []struct {
		key, value, show string
		ok               bool
	}{
		{"balance", "-5", "ND", false}, // ND counts as 0
		{"balance", "+5", "5.0", true},
		{"balance", "-5.000001", "5.0", false},
		{"balance", "-5", "0.0", true},
		{"sms_count", "+2", "2", true},
		{"sms_count", "-3", "2", false},
		{"early_percent", "+0.5", "ND", false}, // 0 + 0.5 is below 1
		{"early_percent", "+1", "1.0", true},
		{"early_percent", "+99.5", "1.0", false},
		{"early_percent", "+99", "100.0", true},
		{"http_throughput", "-1", "ND", false},
	}
	for _, s := range steps {
		err := l.setCredential(a, "u1", CredMT, "quota", s.key, s.value)
		if (err == nil) != s.ok {
			t.Fatalf("%s %s: %v", s.key, s.value, err)
		}
		if err != nil {
			acctFieldErr(t, err, "mt_messaging_cred quota "+s.key)
		}
		lines, _ := a.ShowLines("u1", l.counters)
		if want := "mt_messaging_cred quota " + s.key + " " + s.show; !slices.Contains(lines, want) {
			t.Fatalf("after %s %s want %q", s.key, s.value, want)
		}
	}
}

func TestCredSplitArg(t *testing.T) {
	for _, tc := range []struct{ arg, s, k, v string }{
		{"quota balance +10", "quota", "balance", "+10"},
		{"valuefilter content ^hello world$", "valuefilter", "content", "^hello world$"},
		{"  quota   balance   5", "quota", "balance", "5"},
	} {
		s, k, v, err := credSplitArg(CredMT, tc.arg)
		if err != nil || s != tc.s || k != tc.k || v != tc.v {
			t.Errorf("%q: %q %q %q %v", tc.arg, s, k, v, err)
		}
	}
	for _, bad := range []string{"", "quota", "quota balance", "quota balance  "} {
		if _, _, _, err := credSplitArg(CredMT, bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// Value filters have Python re.match semantics.
func TestValueFilterSemantics(t *testing.T) {
	for _, tc := range []struct {
		pattern, value string
		match          bool
	}{
		{".*", "", true},
		{".*", "anything\nat all", true},
		{"", "x", true},
		{"^JASMIN$", "JASMIN", true},
		{"^JASMIN$", "JASMIN2", false},
		{"^JASMIN$", "JASMIN\n", true}, // Python's $ before a final newline
		{"^JASMIN$", "JASMIN\n\n", false},
		{"^JASMIN", "JASMIN2", true},
		{"JASMIN", "JASMIN2", true},   // anchored at the start …
		{"JASMIN", "MYJASMIN", false}, // … re.match, not re.search
		{"^[0-3]$", "0", true},
		{"^[0-3]$", "3", true},
		{"^[0-3]$", "4", false},
		{"^[0-3]$", "", false},
		{`^\d+$`, "1440", true},
		{`^\d+$`, "14a", false},
		{`^\d+$`, "", false},
		{"^33|^44", "4412", true},
		{"33|44", "4412", true},
		{"33|44", "5544", false},
		{"(?i)^stop", "STOP now", true},
		{`\d{3}`, "12", false},
	} {
		f, err := NewValueFilter(tc.pattern)
		if err != nil {
			t.Fatalf("%q: %v", tc.pattern, err)
		}
		if f.Match([]byte(tc.value)) != tc.match || f.MatchString(tc.value) != tc.match {
			t.Errorf("%q.match(%q) != %v", tc.pattern, tc.value, tc.match)
		}
		if f.Pattern() != tc.pattern {
			t.Errorf("Pattern %q", f.Pattern())
		}
	}
	var zero ValueFilter
	if !zero.Match([]byte("x")) || zero.Pattern() != ".*" {
		t.Error("zero ValueFilter")
	}
}

func TestIPFilter(t *testing.T) {
	f, err := ParseIPFilter("10.0.0.0/8; 192.0.2.7 ,2001:db8::/32")
	if err != nil || f.String() != "10.0.0.0/8,192.0.2.7/32,2001:db8::/32" {
		t.Fatal(f, err)
	}
	for a, ok := range map[string]bool{"10.0.0.1": true, "11.0.0.1": false, "192.0.2.7": true, "::ffff:192.0.2.7": true,
		"2001:db8:1::1": true, "2001:db9::1": false} {
		if f.Allows(netip.MustParseAddr(a)) != ok {
			t.Errorf("%s: %v", a, !ok)
		}
	}
	var zero IPFilter
	if !zero.Allows(netip.Addr{}) || zero.String() != "0.0.0.0/0" {
		t.Error("zero IPFilter")
	}
}

// The hand-written matchers of the default patterns agree with the
// regular expressions they stand for.
func TestValueFilterFastPaths(t *testing.T) {
	inputs := []string{"", "0", "1", "3", "4", "9", "00", "03", "0\n", "0\n\n", "\n", "12", "1440", "14a", "a14",
		"1440\n", "1440\n\n", " 1", "1 ", "٣", "-1", "+1", "1.5", "99999999999999999999"}
	for _, p := range []string{`^[0-3]$`, `^\d+$`} {
		f, _ := NewValueFilter(p)
		if f.fast == credFastNone {
			t.Fatalf("%s has no fast path", p)
		}
		slow := f
		slow.fast = credFastNone
		for _, in := range inputs {
			if f.MatchString(in) != slow.MatchString(in) || f.Match([]byte(in)) != slow.Match([]byte(in)) {
				t.Errorf("%s on %q: fast %v, regexp %v", p, in, f.MatchString(in), slow.MatchString(in))
			}
		}
	}
}
