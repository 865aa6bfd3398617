package egress

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"
)

// names is a resolver for tests: a fixed table, NXDOMAIN otherwise.
func names(table map[string][]string) ResolverFunc {
	return func(_ context.Context, _, host string) ([]netip.Addr, error) {
		list, ok := table[host]
		if !ok {
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
		var out []netip.Addr
		for _, s := range list {
			out = append(out, netip.MustParseAddr(s))
		}
		return out, nil
	}
}

func mustGuard(t testing.TB, o Options) *Guard {
	t.Helper()
	g, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestCheckAddr(t *testing.T) {
	g := Strict()
	for _, tc := range []struct {
		addr string
		want string // "" allowed, else a word of the reason
	}{
		{"8.8.8.8", ""},
		{"93.184.216.34", ""},
		{"2606:4700::1111", ""},
		{"::ffff:8.8.8.8", ""},
		{"64:ff9b::808:808", ""}, // NAT64 of 8.8.8.8
		{"127.0.0.1", "loopback"},
		{"127.255.255.254", "loopback"},
		{"10.0.0.1", "private"},
		{"172.16.5.4", "private"},
		{"172.31.255.255", "private"},
		{"192.168.202.54", "private"},
		{"169.254.169.254", "link-local"},
		{"0.0.0.0", "unspecified"},
		{"0.1.2.3", "unspecified"},
		{"100.64.0.1", "CGNAT"},
		{"100.127.255.255", "CGNAT"},
		{"224.0.0.1", "multicast"},
		{"239.255.255.250", "multicast"},
		{"255.255.255.255", "broadcast"},
		{"240.0.0.1", "reserved"},
		{"192.0.0.170", "IETF"},
		{"198.18.0.1", "benchmarking"},
		{"192.0.2.1", "documentation"},
		{"::", "unspecified"},
		{"::1", "loopback"},
		{"::ffff:127.0.0.1", "loopback"},
		{"::ffff:10.1.2.3", "private"},
		{"::127.0.0.1", "IPv4-compatible"},
		{"::ffff:0:7f00:1", "IPv4-translated"},
		{"64:ff9b::7f00:1", "loopback (NAT64"},
		{"64:ff9b::a9fe:a9fe", "link-local (NAT64"},
		{"2002:7f00:1::1", "6to4"},
		{"2001:0:4136:e378:8000:63bf:80ff:fffe", "Teredo"},
		{"2001:db8::1", "documentation"},
		{"fc00::1", "unique local"},
		{"fd12:3456::1", "unique local"},
		{"fe80::1", "link-local"},
		{"fe80::1%eth0", "link-local"},
		{"ff02::1", "multicast"},
		{"1::1", "not global unicast"},
	} {
		err := g.CheckAddr(netip.MustParseAddr(tc.addr))
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: refused: %v", tc.addr, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrForbidden)):
			t.Errorf("%s: %v, want a refusal saying %q", tc.addr, err, tc.want)
		}
	}
}

func TestAllowNetworks(t *testing.T) {
	g := mustGuard(t, Options{Allow: []netip.Prefix{
		netip.MustParsePrefix("127.0.0.0/8"),
		netip.MustParsePrefix("10.1.0.0/16"),
		netip.MustParsePrefix("fd00::/8"),
		netip.MustParsePrefix("::ffff:192.168.7.0/120"), // mapped form of 192.168.7.0/24
	}})
	for _, a := range []string{"127.0.0.1", "::ffff:127.0.0.1", "10.1.200.3", "fd00::5", "192.168.7.9", "64:ff9b::7f00:1"} {
		if err := g.CheckAddr(netip.MustParseAddr(a)); err != nil {
			t.Errorf("%s: %v, want allowed", a, err)
		}
	}
	for _, a := range []string{"10.2.0.1", "::1", "fc00::1", "192.168.8.1", "169.254.169.254"} {
		if err := g.CheckAddr(netip.MustParseAddr(a)); err == nil {
			t.Errorf("%s: allowed, want refused", a)
		}
	}
	if _, err := New(Options{Allow: []netip.Prefix{{}}}); err == nil {
		t.Error("New accepted an invalid prefix")
	}
}

func TestCheckURL(t *testing.T) {
	g := mustGuard(t, Options{Resolver: names(map[string][]string{
		"public.test":   {"93.184.216.34"},
		"localhost":     {"127.0.0.1", "::1"},
		"mixed.test":    {"93.184.216.34", "10.0.0.7"},
		"metadata.test": {"169.254.169.254"},
	})})
	for _, tc := range []struct{ url, want string }{
		{"http://93.184.216.34/dlr", ""},
		{"https://public.test:8443/x?y=1", ""},
		{"http://[2606:4700::1111]:8080/", ""},
		{"http://127.0.0.1:8991/admin/mtroutes/flush", "loopback"},
		{"http://10.0.0.1/", "private"},
		{"http://169.254.169.254/latest/meta-data/", "link-local"},
		{"http://[::1]/", "loopback"},
		{"http://[::ffff:127.0.0.1]/", "loopback"},
		{"http://[fe80::1%25eth0]/", "link-local"},
		{"http://0.0.0.0/", "unspecified"},
		{"http://localhost/", "public internet addresses only"},
		{"http://LOCALHOST./", "public internet addresses only"}, // not in the table: NXDOMAIN refuses too
		{"http://mixed.test/", "public internet addresses only"},
		{"http://metadata.test/", "public internet addresses only"},
		{"http://nxdomain.test/", "public internet addresses only"},
		{"http://2130706433/", "public internet addresses only"},
		{"http://jcliadmin:jclipwd@127.0.0.1:8991/admin/mtroutes/flush", "credentials"},
		{"http://user@public.test/", "credentials"},
		{"http://public.test@127.0.0.1/", "credentials"},
		{"ftp://public.test/", "absolute http"},
		{"/relative", "absolute http"},
	} {
		err := g.CheckURL(tc.url)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: refused: %v", tc.url, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrForbidden)):
			t.Errorf("%s: %v, want a refusal saying %q", tc.url, err, tc.want)
		}
	}
	// The reason for a name never tells which address it has.
	if err := g.CheckURL("http://metadata.test/"); strings.Contains(err.Error(), "169.254") || strings.Contains(err.Error(), "link") {
		t.Errorf("reason tells the resolved address: %v", err)
	}
}

// TestCheckURLRemembersLast: a repeated URL is not resolved again.
func TestCheckURLRemembersLast(t *testing.T) {
	var lookups atomic.Int32
	g := mustGuard(t, Options{Resolver: ResolverFunc(func(context.Context, string, string) ([]netip.Addr, error) {
		lookups.Add(1)
		return []netip.Addr{netip.MustParseAddr("93.184.216.34")}, nil
	})})
	for range 3 {
		if err := g.CheckURL("http://public.test/dlr"); err != nil {
			t.Fatal(err)
		}
	}
	if n := lookups.Load(); n != 1 {
		t.Fatalf("%d lookups for one URL checked three times, want 1", n)
	}
}

// TestCheckURLCopiesWhatItRemembers: the remembered URL is a copy, so a
// caller that passes a string over a buffer it reuses (fasthttp's request
// memory) does not turn the next, different URL into a remembered one.
func TestCheckURLCopiesWhatItRemembers(t *testing.T) {
	g := mustGuard(t, Options{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	buf := []byte("http://127.0.0.1/aaaa")
	s := unsafe.String(&buf[0], len(buf))
	if err := g.CheckURL(s); err != nil {
		t.Fatal(err)
	}
	copy(buf, "http://u:p@127.0.0.1/")
	if err := g.CheckURL(s); !errors.Is(err, ErrForbidden) {
		t.Fatalf("%s: %v, want refused", s, err)
	}
}

// TestLookupTimeout: a resolver that does not answer is given up after
// the lookup timeout, and the URL refused.
func TestLookupTimeout(t *testing.T) {
	g := mustGuard(t, Options{LookupTimeout: 50 * time.Millisecond,
		Resolver: ResolverFunc(func(ctx context.Context, _, _ string) ([]netip.Addr, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		})})
	if err := g.CheckURL("http://slow.test/"); !errors.Is(err, ErrForbidden) {
		t.Fatalf("got %v, want a refusal", err)
	}
}

// TestDialRebinding: a name that answered a public address when the URL
// was accepted and answers loopback at connect time is not connected to.
func TestDialRebinding(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var accepted atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	var calls atomic.Int32
	g := mustGuard(t, Options{Resolver: ResolverFunc(func(context.Context, string, string) ([]netip.Addr, error) {
		if calls.Add(1) == 1 {
			return []netip.Addr{netip.MustParseAddr("93.184.216.34")}, nil
		}
		return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
	})})
	if err := g.CheckURL("http://rebind.test:" + port + "/"); err != nil {
		t.Fatalf("API-time check: %v", err)
	}
	conn, err := g.DialTimeout("rebind.test:"+port, time.Second)
	if err == nil {
		conn.Close()
		t.Fatal("dial connected to the rebound address")
	}
	if !errors.Is(err, ErrForbidden) {
		t.Fatalf("dial error %v, want ErrForbidden", err)
	}
	// A literal forbidden address is refused, an allowed one connects.
	if _, err := g.DialTimeout(ln.Addr().String(), time.Second); !errors.Is(err, ErrForbidden) {
		t.Fatalf("dial to %s: %v, want ErrForbidden", ln.Addr(), err)
	}
	if n := accepted.Load(); n != 0 {
		t.Fatalf("the listener accepted %d connections", n)
	}
	open := mustGuard(t, Options{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		Resolver: names(map[string][]string{"sink.test": {"127.0.0.1"}})})
	conn, err = open.DialTimeout("sink.test:"+port, time.Second)
	if err != nil {
		t.Fatalf("allowed dial: %v", err)
	}
	conn.Close()
}

// FuzzCheckURL: any string is accepted or refused without a panic, and an
// accepted URL has no credentials and only allowed hosts.
func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{
		"http://93.184.216.34/dlr", "http://127.0.0.1:8991/", "http://u:p@93.184.216.34/",
		"http://[::ffff:127.0.0.1]/", "http://[fe80::1%25eth0]:80/", "https://public.test/x?y#z",
		"http://2130706433/", "http://a@b@c/", "http://[::1", "http://93.184.216.34\\@127.0.0.1/",
	} {
		f.Add(s)
	}
	g, err := New(Options{Resolver: names(map[string][]string{"public.test": {"93.184.216.34"}})})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		g.last.Store(nil)
		if err := g.CheckURL(s); err != nil {
			if !errors.Is(err, ErrForbidden) {
				t.Fatalf("%q: error %v does not wrap ErrForbidden", s, err)
			}
			return
		}
		hosts, err := urlHosts(s)
		if err != nil {
			t.Fatalf("%q accepted, but urlHosts: %v", s, err)
		}
		for _, h := range hosts {
			if a, err := parseLiteral(h); err == nil && g.CheckAddr(a) != nil {
				t.Fatalf("%q accepted with forbidden host %s", s, a)
			}
		}
	})
}

// BenchmarkCheckURLRepeated is what a /send with receipts pays for the
// rule when the client repeats its dlr-url (the common case): nothing is
// resolved.
func BenchmarkCheckURLRepeated(b *testing.B) {
	g := mustGuard(b, Options{Resolver: names(map[string][]string{"app.example": {"93.184.216.34"}})})
	buf := []byte("https://app.example/dlr?client=42")
	s := unsafe.String(&buf[0], len(buf))
	if err := g.CheckURL(s); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := g.CheckURL(s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckURLNew is the first check of a URL with an address
// literal (no resolution): parsing by net/url and fasthttp.
func BenchmarkCheckURLNew(b *testing.B) {
	g := Strict()
	urls := []string{"http://93.184.216.34/dlr", "http://93.184.216.35/dlr"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := g.CheckURL(urls[i&1]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
