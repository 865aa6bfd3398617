package router

import (
	"errors"
	"testing"
)

func credTestReq() MTRequest {
	return MTRequest{Dst: []byte("33600000001"), Content: []byte("hello"), ContentSet: true, Parts: 1}
}

// Each authorization, denied, refuses a message that uses it on the
// channels it applies to, and only those.
func TestCheckMTAuthorizations(t *testing.T) {
	for _, tc := range []struct {
		key    string
		ch     Channel
		use    func(m *MTRequest)
		reason string
	}{
		{"http_send", ChannelHTTP, func(*MTRequest) {}, "Cannot send MT messages"},
		{"smpps_send", ChannelSMPPS, func(*MTRequest) {}, "Can not send MT messages"},
		{"http_long_content", ChannelHTTP, func(m *MTRequest) { m.Parts = 2 }, "Long content not authorized"},
		{"dlr_level", ChannelHTTP, func(m *MTRequest) { m.DLRLevelSet = true }, "Setting dlr level not authorized"},
		{"dlr_level", ChannelSMPPS, func(m *MTRequest) { m.DLRLevelSet = true }, "Setting dlr level not authorized"},
		{"http_dlr_method", ChannelHTTP, func(m *MTRequest) { m.DLRMethodSet = true }, "Setting dlr method not authorized"},
		{"src_addr", ChannelHTTP, func(m *MTRequest) { m.Src, m.SrcSet = []byte("JASMIN"), true }, "Setting source address not authorized"},
		{"src_addr", ChannelSMPPS, func(m *MTRequest) { m.Src, m.SrcSet = []byte("JASMIN"), true }, "Setting source address not authorized"},
		{"priority", ChannelHTTP, func(m *MTRequest) { m.Priority, m.PrioritySet = 2, true }, "Setting priority not authorized"},
		{"priority", ChannelSMPPS, func(m *MTRequest) { m.Priority, m.PrioritySet = 2, true }, "Setting priority not authorized"},
		{"validity_period", ChannelHTTP, func(m *MTRequest) { m.Validity, m.ValiditySet = []byte("1440"), true }, "Setting validity period not authorized"},
		{"validity_period", ChannelSMPPS, func(m *MTRequest) { m.Validity, m.ValiditySet = []byte("000001000000000R"), true }, "Setting validity period not authorized"},
		{"schedule_delivery_time", ChannelHTTP, func(m *MTRequest) { m.SDTSet = true }, "Setting schedule delivery time not authorized"},
		{"schedule_delivery_time", ChannelSMPPS, func(m *MTRequest) { m.SDTSet = true }, "Setting schedule delivery time not authorized"},
		{"hex_content", ChannelHTTP, func(m *MTRequest) { m.HexContent, m.ContentSet = true, false }, "Setting hex content not authorized"},
	} {
		t.Run(tc.key+"/"+tc.ch.String(), func(t *testing.T) {
			a, _ := acctTestSetup(t)
			m := credTestReq()
			tc.use(&m)
			// Allowed by default.
			if _, err := a.CheckMT("u1", tc.ch, &m); err != nil {
				t.Fatalf("default: %v", err)
			}
			if err := a.SetCredential("u1", CredMT, "authorization", tc.key, "False"); err != nil {
				t.Fatal(err)
			}
			m = credTestReq()
			tc.use(&m)
			_, err := a.CheckMT("u1", tc.ch, &m)
			var ce *CredError
			if !errors.As(err, &ce) || ce.Kind() != RefusedAuthorization || ce.Key != tc.key {
				t.Fatalf("denied: %v", err)
			}
			want := "Authorization failed for username:foo (" + tc.reason + ")."
			if ce.Text() != want {
				t.Fatalf("refusal %q, want %q", ce.Text(), want)
			}
			// A message not using the privilege passes (but for the send
			// privileges themselves).
			if tc.key != "http_send" && tc.key != "smpps_send" {
				m = credTestReq()
				if _, err := a.CheckMT("u1", tc.ch, &m); err != nil {
					t.Fatalf("unused privilege: %v", err)
				}
			}
			// The other channel ignores a channel-prefixed key.
			other := ChannelSMPPS
			if tc.ch == ChannelSMPPS {
				other = ChannelHTTP
			}
			if tc.key[:5] == "http_" || tc.key[:6] == "smpps_" {
				m = credTestReq()
				tc.use(&m)
				if _, err := a.CheckMT("u1", other, &m); err != nil {
					t.Fatalf("%s applied to %s: %v", tc.key, other, err)
				}
			}
		})
	}
}

func TestCheckHTTPOtherPrivileges(t *testing.T) {
	a, u := acctTestSetup(t)
	if u.CheckHTTPBalance() != nil || u.CheckHTTPRate() != nil {
		t.Fatal("balance/rate refused by default")
	}
	// http_bulk defaults to False.
	var ce *CredError
	if err := u.CheckHTTPBulk(); !errors.As(err, &ce) || ce.Key != "http_bulk" {
		t.Fatalf("bulk: %v", err)
	}
	_ = a.SetCredential("u1", CredMT, "authorization", "http_balance", "no")
	_ = a.SetCredential("u1", CredMT, "authorization", "http_rate", "no")
	_ = a.SetCredential("u1", CredMT, "authorization", "http_bulk", "yes")
	u = a.User("u1")
	if err := u.CheckHTTPBalance(); !errors.As(err, &ce) || ce.Text() != "Authorization failed for username:foo (Cannot check balance)." {
		t.Fatal(err)
	}
	if err := u.CheckHTTPRate(); !errors.As(err, &ce) || ce.Text() != "Authorization failed for username:foo (Cannot check rate)." {
		t.Fatal(err)
	}
	if u.CheckHTTPBulk() != nil {
		t.Fatal("bulk refused")
	}
}

func TestCheckMTValueFilters(t *testing.T) {
	for _, tc := range []struct {
		key, pattern string
		ch           Channel
		set          func(m *MTRequest)
		refused      bool
		long         string
	}{
		{"dst_addr", "^336", ChannelHTTP, func(m *MTRequest) { m.Dst = []byte("44700000000") }, true, "destination_address"},
		{"dst_addr", "^336", ChannelSMPPS, func(m *MTRequest) { m.Dst = []byte("44700000000") }, true, "destination_address"},
		{"dst_addr", "^336", ChannelHTTP, func(m *MTRequest) {}, false, ""},
		{"src_addr", "^JASMIN$", ChannelHTTP, func(m *MTRequest) { m.Src, m.SrcSet = []byte("OTHER"), true }, true, "source_address"},
		{"src_addr", "^JASMIN$", ChannelHTTP, func(m *MTRequest) { m.Src, m.SrcSet = []byte("JASMIN"), true }, false, ""},
		// HTTP checks src_addr only when given …
		{"src_addr", "^JASMIN$", ChannelHTTP, func(m *MTRequest) {}, false, ""},
		// … SMPP always, even empty (Jasmin).
		{"src_addr", "^JASMIN$", ChannelSMPPS, func(m *MTRequest) {}, true, "source_address"},
		{"priority", "^[0-1]$", ChannelHTTP, func(m *MTRequest) { m.Priority, m.PrioritySet = 3, true }, true, "priority"},
		{"priority", "^[0-1]$", ChannelHTTP, func(m *MTRequest) { m.Priority, m.PrioritySet = 1, true }, false, ""},
		{"priority", "^[1-3]$", ChannelSMPPS, func(m *MTRequest) {}, true, "priority"},
		{"priority", "^[1-3]$", ChannelHTTP, func(m *MTRequest) {}, false, ""},
		{"validity_period", `^\d{1,3}$`, ChannelHTTP, func(m *MTRequest) { m.Validity, m.ValiditySet = []byte("1440"), true }, true, "validity_period"},
		{"validity_period", `^\d{1,3}$`, ChannelHTTP, func(m *MTRequest) { m.Validity, m.ValiditySet = []byte("60"), true }, false, ""},
		// SMPP does not apply the validity_period filter (its default is
		// for HTTP's minutes; SMPP validity is an SMPP time).
		{"validity_period", `^\d+$`, ChannelSMPPS, func(m *MTRequest) { m.Validity, m.ValiditySet = []byte("000001000000000R"), true }, false, ""},
		{"content", "^hello", ChannelHTTP, func(m *MTRequest) { m.Content = []byte("bye") }, true, "content"},
		{"content", "^hello", ChannelSMPPS, func(m *MTRequest) { m.Content = []byte("bye") }, true, "content"},
		{"content", "^hello", ChannelHTTP, func(m *MTRequest) { m.Content, m.ContentSet, m.HexContent = nil, false, true }, false, ""},
	} {
		t.Run(tc.key+"/"+tc.ch.String()+"/"+tc.pattern, func(t *testing.T) {
			a, _ := acctTestSetup(t)
			if err := a.SetCredential("u1", CredMT, "valuefilter", tc.key, tc.pattern); err != nil {
				t.Fatal(err)
			}
			m := credTestReq()
			tc.set(&m)
			_, err := a.CheckMT("u1", tc.ch, &m)
			if !tc.refused {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var ce *CredError
			if !errors.As(err, &ce) || ce.Kind() != RefusedValueFilter || ce.Key != tc.key {
				t.Fatalf("%v", err)
			}
			want := "Value filter failed for user [foo] (" + tc.long + " filter mismatch)."
			if ce.Text() != want {
				t.Fatalf("refusal %q, want %q", ce.Text(), want)
			}
		})
	}
}

func TestCheckMTDefaultSrcAddr(t *testing.T) {
	a, _ := acctTestSetup(t)
	m := credTestReq()
	if _, err := a.CheckMT("u1", ChannelHTTP, &m); err != nil || m.Src != nil || m.SrcDefaulted {
		t.Fatalf("no default: %v %q", err, m.Src)
	}
	_ = a.SetCredential("u1", CredMT, "defaultvalue", "src_addr", "JASMIN")
	for _, ch := range []Channel{ChannelHTTP, ChannelSMPPS} {
		m = credTestReq()
		if _, err := a.CheckMT("u1", ch, &m); err != nil || string(m.Src) != "JASMIN" || !m.SrcDefaulted {
			t.Fatalf("%s default: %v %q", ch, err, m.Src)
		}
		m = credTestReq()
		m.Src, m.SrcSet = []byte("MINE"), true
		if _, err := a.CheckMT("u1", ch, &m); err != nil || string(m.Src) != "MINE" || m.SrcDefaulted {
			t.Fatalf("%s given: %v %q", ch, err, m.Src)
		}
	}
	// Defaults apply after the filters: the src_addr filter judges what the
	// sender gave, not the default (Jasmin's order).
	_ = a.SetCredential("u1", CredMT, "valuefilter", "src_addr", "^$")
	m = credTestReq()
	if _, err := a.CheckMT("u1", ChannelSMPPS, &m); err != nil || string(m.Src) != "JASMIN" {
		t.Fatalf("%v %q", err, m.Src)
	}
}

func TestCheckMTDisabledAndUnknown(t *testing.T) {
	a, _ := acctTestSetup(t)
	m := credTestReq()
	_ = a.DisableGroup("g1")
	if _, err := a.CheckMT("u1", ChannelSMPPS, &m); err == nil {
		t.Fatal("disabled group may send")
	}
	_ = a.EnableGroup("g1")
	_ = a.DisableUser("u1")
	if _, err := a.CheckMT("u1", ChannelHTTP, &m); err == nil {
		t.Fatal("disabled user may send")
	}
	if _, err := a.CheckMT("nobody", ChannelHTTP, &m); !errors.Is(err, ErrUnknownUser) {
		t.Fatal(err)
	}
	_ = a.EnableUser("u1")
	if _, err := a.CheckMT("u1", Channel(9), &m); err == nil {
		t.Fatal("unknown channel accepted")
	}
}

func TestThroughput(t *testing.T) {
	a, _ := acctTestSetup(t)
	u := a.User("u1")
	const s = int64(1e9)
	for i := int64(0); i < 1000; i++ {
		if !u.AllowAt(ChannelHTTP, i) || !u.AllowAt(ChannelSMPPS, i) {
			t.Fatal("ND refused")
		}
	}
	_ = a.SetCredential("u1", CredMT, "quota", "smpps_throughput", "2")
	_ = a.SetCredential("u1", CredMT, "quota", "http_throughput", "0.5")
	u = a.User("u1")
	for _, step := range []struct {
		ch   Channel
		at   int64
		want bool
	}{
		{ChannelSMPPS, 10 * s, true},
		{ChannelSMPPS, 10*s + s/4, false}, // 0.25 s later: too soon for 2/s
		{ChannelSMPPS, 10*s + s/2 - 1, false},
		{ChannelSMPPS, 10*s + s/2, true}, // refused ones did not count
		{ChannelSMPPS, 10*s + s/2, false},
		{ChannelSMPPS, 12 * s, true},
		{ChannelHTTP, 10 * s, true}, // channels are separate
		{ChannelHTTP, 11 * s, false},
		{ChannelHTTP, 12 * s, true}, // 0.5/s: one every 2 s
	} {
		if got := u.AllowAt(step.ch, step.at); got != step.want {
			t.Fatalf("%s at %v: %v", step.ch, step.at, got)
		}
	}
	_ = a.SetCredential("u1", CredMT, "quota", "smpps_throughput", "0")
	if a.User("u1").AllowAt(ChannelSMPPS, 100*s) {
		t.Fatal("throughput 0 accepted a message")
	}
	if a.Allow("nobody", ChannelHTTP) {
		t.Fatal("unknown user allowed")
	}
	var r Refusal
	if !errors.As(ErrThroughputExceeded, &r) || r.Kind() != RefusedThroughput || r.Text() != "User throughput exceeded" {
		t.Fatal("throughput refusal")
	}
}

func TestCheckMTAllocs(t *testing.T) {
	a, _ := acctTestSetup(t)
	_ = a.SetCredential("u1", CredMT, "valuefilter", "dst_addr", "^33")
	_ = a.SetCredential("u1", CredMT, "defaultvalue", "src_addr", "JASMIN")
	m := credTestReq()
	m.PrioritySet, m.Priority = true, 2
	m.ValiditySet, m.Validity = true, []byte("1440")
	for _, ch := range []Channel{ChannelHTTP, ChannelSMPPS} {
		if n := testing.AllocsPerRun(1000, func() {
			mm := m
			if _, err := a.CheckMT("u1", ch, &mm); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("%s: %v allocs", ch, n)
		}
	}
}

func BenchmarkCheckMT(b *testing.B) {
	for _, bc := range []struct {
		name string
		ch   Channel
		dst  string
	}{
		{"http-defaults", ChannelHTTP, ".*"},
		{"smpps-defaults", ChannelSMPPS, ".*"},
		{"smpps-dst-filter", ChannelSMPPS, "^(33|44)[0-9]{9}$"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			a, _ := acctTestSetup(b)
			_ = a.SetCredential("u1", CredMT, "valuefilter", "dst_addr", bc.dst)
			m := credTestReq()
			m.PrioritySet, m.Priority = true, 1
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				mm := m
				if _, err := a.CheckMT("u1", bc.ch, &mm); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
