package router

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"strings"
	"sync"
	"testing"
)

func TestPasswordHash(t *testing.T) {
	h1, err := HashPassword("bar")
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := HashPassword("bar")
	if bytes.Equal(h1, h2) {
		t.Fatal("same hash twice: no salt")
	}
	if bytes.Contains(h1, []byte("bar")) || !bytes.HasPrefix(h1, []byte("pbkdf2-sha256$1000$")) {
		t.Fatalf("hash %q", h1)
	}
	if !ValidPasswordHash(h1) {
		t.Fatal("not valid")
	}
	for pw, ok := range map[string]bool{"bar": true, "Bar": false, "ba": false, "bar ": false, "": false} {
		if VerifyPassword(h1, pw) != ok {
			t.Errorf("VerifyPassword(%q) != %v", pw, ok)
		}
	}
	for _, bad := range []string{"", "pbkdf2-sha256$x$AAAA$AAAA", "md5$abc", "pbkdf2-sha256$1000$AAAAAAAAAAA$AAAA",
		string(h1[:len(h1)-2])} {
		if ValidPasswordHash([]byte(bad)) || VerifyPassword([]byte(bad), "bar") {
			t.Errorf("hash %q accepted", bad)
		}
	}
	for _, pw := range []string{"", "123456789", "a\x00"} {
		if _, err := HashPassword(pw); err == nil {
			t.Errorf("HashPassword(%q) accepted", pw)
		}
	}
	if _, err := HashPassword("12345678"); err != nil {
		t.Fatal(err)
	}
}

// The hand-rolled HMAC of the authentication cache is HMAC-SHA256.
func TestPasswordMACIsHMAC(t *testing.T) {
	k := newPWMACKey()
	var key [32]byte
	for i := range key {
		key[i] = k.ipad[i] ^ 0x36
	}
	for _, pw := range []string{"", "bar", "12345678", strings.Repeat("x", 64), strings.Repeat("y", 200)} {
		m := hmac.New(sha256.New, key[:])
		m.Write([]byte(pw))
		got := k.sum(pw)
		if !bytes.Equal(got[:], m.Sum(nil)) {
			t.Fatalf("sum(%q) is not HMAC-SHA256", pw)
		}
	}
	if newPWMACKey().sum("bar") == k.sum("bar") {
		t.Fatal("two Accounts share a MAC key")
	}
}

// The KDF runs once per user and password, not per message; wrong passwords
// always pay it; a password change invalidates.
func TestAuthCache(t *testing.T) {
	a, _ := acctTestSetup(t)
	kdf := func() int64 { return pwKDFCalls.Load() }
	expect := func(step string, n0 int64, want int64) {
		t.Helper()
		if got := kdf() - n0; got != want {
			t.Fatalf("%s: %d KDF runs, want %d", step, got, want)
		}
	}
	if _, ok, err := a.AuthenticateCached("foo", "bar"); ok || err != nil {
		t.Fatal("decided before any KDF check")
	}
	n := kdf()
	if _, err := a.Authenticate("foo", "bar"); err != nil {
		t.Fatal(err)
	}
	expect("first", n, 1)
	n = kdf()
	for i := 0; i < 100; i++ {
		if _, err := a.Authenticate("foo", "bar"); err != nil {
			t.Fatal(err)
		}
		if u, ok, err := a.AuthenticateCached("foo", "bar"); !ok || err != nil || u == nil {
			t.Fatal(ok, err)
		}
	}
	expect("cached", n, 0)
	n = kdf()
	for i := 0; i < 3; i++ {
		if _, err := a.Authenticate("foo", "baz"); err == nil {
			t.Fatal("wrong password accepted")
		}
	}
	expect("wrong passwords", n, 3)
	if _, ok, _ := a.AuthenticateCached("foo", "baz"); ok {
		t.Fatal("cache decided a wrong password it cannot know")
	}
	// A wrong password did not evict the right one.
	n = kdf()
	if _, err := a.Authenticate("foo", "bar"); err != nil {
		t.Fatal(err)
	}
	expect("right after wrong", n, 0)
	// Impossible passwords need no KDF.
	n = kdf()
	_, _ = a.Authenticate("foo", "")
	_, _ = a.Authenticate("foo", "much too long")
	if _, ok, err := a.AuthenticateCached("foo", "much too long"); !ok || err == nil {
		t.Fatal("length not decided")
	}
	expect("impossible", n, 0)
	// An unknown user costs what a wrong password costs: one KDF (a
	// dummy one), and the cache cannot decide it.
	_, _ = a.Authenticate("nobody", "bar") // makes the dummy hash
	n = kdf()
	_, _ = a.Authenticate("nobody", "bar")
	expect("unknown user", n, 1)
	n = kdf()
	_, _ = a.Authenticate("foo", "wrong")
	expect("wrong password", n, 1)
	if _, ok, _ := a.AuthenticateCached("nobody", "bar"); ok {
		t.Fatal("cache decided an unknown user: it would answer faster than a wrong password")
	}
	// A changed password invalidates the entry.
	if err := a.SetPassword("u1", "new"); err != nil {
		t.Fatal(err)
	}
	n = kdf()
	if _, err := a.Authenticate("foo", "bar"); err == nil {
		t.Fatal("old password accepted from the cache")
	}
	if _, ok, _ := a.AuthenticateCached("foo", "bar"); ok {
		t.Fatal("old password decided by the cache")
	}
	if _, err := a.Authenticate("foo", "new"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authenticate("foo", "new"); err != nil {
		t.Fatal(err)
	}
	expect("after change", n, 2)
	// Other credential changes keep the entry.
	_ = a.SetCredential("u1", CredMT, "authorization", "http_rate", "no")
	n = kdf()
	if _, err := a.Authenticate("foo", "new"); err != nil {
		t.Fatal(err)
	}
	expect("after a credential change", n, 0)
}

// Concurrent first authentications all succeed (race detector).
func TestAuthCacheConcurrent(t *testing.T) {
	a, _ := acctTestSetup(t)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				pw := "bar"
				if (g+i)%7 == 0 {
					pw = "nope"
				}
				_, err := a.Authenticate("foo", pw)
				if (err == nil) != (pw == "bar") {
					t.Errorf("%s: %v", pw, err)
				}
			}
		}(g)
	}
	wg.Wait()
}
