package authguard

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/gwd-project/gwd/config"
)

func TestParseBasic(t *testing.T) {
	for _, c := range []struct {
		h          string
		user, pass string
		ok         bool
	}{
		{"Basic amNsaWFkbWluOmpjbGlwd2Q=", "jcliadmin", "jclipwd", true},
		{"basic amNsaWFkbWluOmpjbGlwd2Q=", "jcliadmin", "jclipwd", true},
		{"BASIC   YTpiOmM=  ", "a", "b:c", true}, // blanks; the password may hold ':'
		{"Basic Zm9vOg==", "foo", "", true},      // "foo:": an empty password is the check's to refuse
		{"Bearer xyz", "", "", false},
		{"Basic !!!", "", "", false},
		{"Basic bm9jb2xvbg==", "", "", false}, // "nocolon"
		{"Basic Og==", "", "", false},         // ":": no username
		{"Basic OnB3", "", "", false},         // ":pw"
		{"Basic ", "", "", false},
		{"Basic", "", "", false},
		{"", "", "", false},
	} {
		var buf [64]byte
		u, p, ok := ParseBasic([]byte(c.h), buf[:])
		if ok != c.ok || string(u) != c.user || string(p) != c.pass {
			t.Errorf("ParseBasic(%q) = %q, %q, %v; want %q, %q, %v", c.h, u, p, ok, c.user, c.pass, c.ok)
		}
	}
	// What does not fit the buffer is refused, not truncated.
	h := []byte("Basic " + base64.StdEncoding.EncodeToString([]byte("user:"+strings.Repeat("p", 60))))
	if _, _, ok := ParseBasic(h, make([]byte, 64)); ok {
		t.Error("credentials longer than the buffer accepted")
	}
	if u, p, ok := ParseBasic(h, make([]byte, 128)); !ok || string(u) != "user" || len(p) != 60 {
		t.Errorf("with room: %q %q %v", u, p, ok)
	}
	if n := testing.AllocsPerRun(100, func() {
		var buf [64]byte
		_, _, _ = ParseBasic([]byte("Basic amNsaWFkbWluOmpjbGlwd2Q="), buf[:])
	}); n != 0 {
		t.Errorf("ParseBasic allocates %v times", n)
	}
}

// FuzzParseBasic: any header parses without panic; what is accepted has a
// username without ':', fits the buffer and round-trips through the
// encoding a client sends; what is refused returns nothing.
func FuzzParseBasic(f *testing.F) {
	f.Add([]byte("Basic amNsaWFkbWluOmpjbGlwd2Q="))
	f.Add([]byte("basic Og=="))
	f.Add([]byte("basic  Zm9vOg=="))
	f.Add([]byte("Basic"))
	f.Add([]byte("Bearer abc"))
	f.Fuzz(func(t *testing.T, h []byte) {
		var buf [192]byte
		u, p, ok := ParseBasic(h, buf[:])
		if !ok {
			if u != nil || p != nil {
				t.Fatalf("%q: refused but returned %q %q", h, u, p)
			}
			return
		}
		if len(u) == 0 || bytes.IndexByte(u, ':') >= 0 || len(u)+len(p)+1 > len(buf) {
			t.Fatalf("%q: user %q pass %q", h, u, p)
		}
		again := "Basic " + base64.StdEncoding.EncodeToString([]byte(string(u)+":"+string(p)))
		var buf2 [192]byte
		u2, p2, ok2 := ParseBasic([]byte(again), buf2[:])
		if !ok2 || !bytes.Equal(u2, u) || !bytes.Equal(p2, p) {
			t.Fatalf("%q: %q %q does not round-trip", h, u, p)
		}
	})
}

// CheckBasic: the admin's credentials pass (and are cached), wrong ones
// are checked and fail, a header without a username or without Basic
// credentials fails without spending a check, and long credentials are
// read whole.
func TestAdminCheckBasic(t *testing.T) {
	g, _ := newTestGuard(t, Config{FreeFailures: 100})
	a, err := NewAdmin(g, config.JCli{AdminUsername: "admin", AdminPassword: config.Default().JCli.AdminPassword})
	if err != nil {
		t.Fatal(err)
	}
	src := netip.MustParseAddr("192.0.2.1")
	basic := func(user, pass string) []byte {
		return []byte("Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass)))
	}
	if err := a.CheckBasic(src, basic("admin", config.DefaultAdminPassword)); err != nil {
		t.Fatalf("admin credentials: %v", err)
	}
	if err := a.CheckBasic(src, basic("admin", config.DefaultAdminPassword)); err != nil || g.Stats.Checks.Load() != 1 {
		t.Fatalf("again: %v, %d checks, want the cached answer", err, g.Stats.Checks.Load())
	}
	for _, h := range [][]byte{basic("admin", "wrong"), basic("admin", strings.Repeat("x", 400))} {
		if err := a.CheckBasic(src, h); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("%.30q: %v", h, err)
		}
	}
	if n := g.Stats.Checks.Load(); n != 3 {
		t.Fatalf("two wrong passwords ran %d checks, want 2", n-1)
	}
	for _, h := range []string{"", "Bearer x", "Basic !!", "Basic Og==", "Basic " + base64.StdEncoding.EncodeToString([]byte(":"+config.DefaultAdminPassword))} {
		if err := a.CheckBasic(src, []byte(h)); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("%q: %v", h, err)
		}
	}
	if n := g.Stats.Checks.Load(); n != 3 {
		t.Fatalf("headers without a username ran %d checks", n-3)
	}
	// A password longer than CheckBasic's stack buffer is read whole.
	long := strings.Repeat("p", 400)
	sum := md5.Sum([]byte(long))
	la, err := NewAdmin(g, config.JCli{AdminUsername: "admin", AdminPassword: hex.EncodeToString(sum[:])})
	if err != nil {
		t.Fatal(err)
	}
	if err := la.CheckBasic(src, basic("admin", long)); err != nil {
		t.Fatalf("a 400-octet password: %v", err)
	}
	if err := la.CheckBasic(src, basic("admin", long[1:])); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("a 399-octet prefix: %v", err)
	}
}
