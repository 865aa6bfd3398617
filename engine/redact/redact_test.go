package redact

import (
	"bytes"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"testing"
)

func TestURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"http://u:secret@host/x?password=p2", "http://***@host/x?password=***"},
		{"https://host:8080/a/b?user=u&pass=x&to=1", "https://host:8080/a/b?user=u&pass=***&to=1"},
		{"http://host/x?PassWord=a;token=b#access_token=c&y=2", "http://host/x?PassWord=***;token=***#access_token=***&y=2"},
		{"http://host/cb?api%5Fkey=k1", "http://host/cb?api%5Fkey=***"},
		{"http://a@b@host/p@q?x=1", "http://***@host/p@q?x=1"},
		{"http://host/plain", "http://host/plain"},
		{"http://host/x?content=hello&to=336", "http://host/x?content=hello&to=336"},
		{"not a url ?secret=1", "not a url ?secret=***"},
		{"", ""},
	} {
		if got := URL(tc.in); got != tc.want {
			t.Errorf("URL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestText(t *testing.T) {
	in := `request: Get "http://u:secret@host/x?password=p2": dial tcp: refused (then https://a:b@c/)`
	got := Text(in)
	for _, s := range []string{"secret", "p2", "a:b"} {
		if strings.Contains(got, s) {
			t.Errorf("Text kept %q: %s", s, got)
		}
	}
	if !strings.Contains(got, "http://***@host/x?password=***") || !strings.Contains(got, "dial tcp: refused") {
		t.Errorf("Text = %s", got)
	}
}

func TestReplaceAttr(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{ReplaceAttr: ReplaceAttr}))
	log.Info("x", "password", "hunter2", "Authorization", "Basic dTpw", "url", "http://u:pw1@h/?pwd=pw2",
		"err", errors.New(`Get "https://u:pw3@h/": refused`), "authenticated", true, "dlr-url", []byte("http://x:pw4@h/"))
	s := buf.String()
	for _, secret := range []string{"hunter2", "dTpw", "pw1", "pw2", "pw3", "pw4"} {
		if strings.Contains(s, secret) {
			t.Errorf("log line keeps %q: %s", secret, s)
		}
	}
	if !strings.Contains(s, "authenticated=true") {
		t.Errorf("a non-secret attribute was redacted: %s", s)
	}
}

func FuzzURL(f *testing.F) {
	for _, s := range []string{"http://u:secret@host/x?password=p2", "https://h/?a=1&token=2#sig=3", "x://@", "?", "#&;=", "http://h:1/p?q"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := URL(s)
		if URL(r) != r {
			t.Fatalf("URL is not idempotent: %q -> %q -> %q", s, r, URL(r))
		}
		if !mayHoldSecret(s) && r != s {
			t.Fatalf("changed a URL with nothing to redact: %q -> %q", s, r)
		}
		u, err := url.Parse(r)
		if err != nil {
			return
		}
		if p, ok := u.User.Password(); ok && p != "" && p != Mask {
			t.Fatalf("password %q left in %q (from %q)", p, r, s)
		}
		for k, vs := range u.Query() {
			if secretParam(k) {
				for _, v := range vs {
					if v != Mask && v != "" {
						t.Fatalf("query %s=%q left in %q (from %q)", k, v, r, s)
					}
				}
			}
		}
		_ = Text(s)
	})
}
