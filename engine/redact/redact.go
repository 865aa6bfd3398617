// Package redact removes secrets from what gwd writes to its logs: the
// userinfo of URLs (http://user:password@host/), password-like query
// parameters (?password=…, &token=…), and attributes whose key names a
// secret (password, authorization …).
//
// Every log call that may carry a URL supplied by a user (callback URLs,
// dlr-url, HTTP connectors' URLs) passes it through URL; ReplaceAttr is a
// safety net installed on the process's log handler and on the in-memory
// log rings (engine/logring), so that an attribute named "password" or
// "url" is redacted even where a call site forgot.
//
// It works on the raw text, without parsing the URL: a URL that does not
// parse is still redacted. Nothing here is on a per-message path; it runs
// when a line is logged.
package redact

import (
	"log/slog"
	"net/url"
	"strings"
)

// Mask replaces a secret.
const Mask = "***"

// URL returns s with its userinfo replaced by Mask ("http://***@host/") and
// the values of password-like query and fragment parameters replaced by
// Mask (SecretKey decides which). The rest is kept as it is.
func URL(s string) string {
	if !mayHoldSecret(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	rest := s
	// "://" ends a scheme only when nothing of a path, query or fragment
	// comes before it ("?pass=0://" is a query, not a scheme).
	i := strings.Index(rest, "://")
	if i >= 0 && strings.ContainsAny(rest[:i], "/?#") {
		i = -1
	}
	switch {
	case i >= 0:
		i += 3
	case strings.HasPrefix(rest, "//"): // scheme-relative: //user:pass@host
		i = 2
	}
	if i >= 0 {
		b.WriteString(rest[:i])
		rest = rest[i:]
		end := strings.IndexAny(rest, "/?#")
		if end < 0 {
			end = len(rest)
		}
		if at := strings.LastIndexByte(rest[:end], '@'); at >= 0 {
			b.WriteString(Mask)
			rest = rest[at:]
			end -= at
		}
		b.WriteString(rest[:end])
		rest = rest[end:]
	}
	// path, then ?query, then #fragment: the parameters of both are redacted.
	end := strings.IndexAny(rest, "?#")
	if end < 0 {
		b.WriteString(rest)
		return b.String()
	}
	b.WriteString(rest[:end])
	rest = rest[end:]
	if rest[0] == '?' {
		b.WriteByte('?')
		rest = rest[1:]
		end := strings.IndexByte(rest, '#')
		if end < 0 {
			end = len(rest)
		}
		writeParams(&b, rest[:end])
		rest = rest[end:]
	}
	if rest != "" { // #fragment: may carry access_token=… too
		b.WriteByte('#')
		writeParams(&b, rest[1:])
	}
	return b.String()
}

// mayHoldSecret is a cheap test for URLs with nothing to redact.
func mayHoldSecret(s string) bool {
	return strings.ContainsAny(s, "@?#")
}

// writeParams writes a query (k=v&k=v, ';' also separates) with the values
// of secret keys masked.
func writeParams(b *strings.Builder, q string) {
	for len(q) > 0 {
		end := strings.IndexAny(q, "&;")
		if end < 0 {
			end = len(q)
		}
		p := q[:end]
		if k, _, ok := strings.Cut(p, "="); ok && secretParam(unescape(k)) {
			b.WriteString(k)
			b.WriteByte('=')
			b.WriteString(Mask)
		} else {
			b.WriteString(p)
		}
		if end < len(q) {
			b.WriteByte(q[end])
			end++
		}
		q = q[end:]
	}
}

func unescape(k string) string {
	if u, err := url.QueryUnescape(k); err == nil {
		return u
	}
	return k
}

// paramWords are the parts of a query parameter's name that make it a
// secret: password, passwd, pwd, secret, token, auth, api_key, signature,
// credential, session …
var paramWords = []string{"pass", "pwd", "secret", "token", "auth", "key", "sig", "credential", "session"}

// attrWords are the parts of a log attribute's key that make it a secret;
// narrower than paramWords, for log keys such as "authenticated" or
// "session" describe state, not secrets.
var attrWords = []string{"password", "passwd", "secret", "token"}

// attrExact are further attribute keys that are secrets.
var attrExact = []string{"pwd", "authorization", "proxy-authorization", "signing_key", "api_key", "apikey", "x-gwd-signature"}

func secretParam(k string) bool { return containsAny(lower(k), paramWords) }

// SecretKey reports whether a log attribute named k holds a secret: its
// lower-cased name contains password, passwd, secret or token, or is pwd,
// authorization, signing_key, api_key ….
func SecretKey(k string) bool {
	lk := lower(k)
	if containsAny(lk, attrWords) {
		return true
	}
	for _, w := range attrExact {
		if lk == w {
			return true
		}
	}
	return false
}

func lower(k string) string {
	if len(k) > 128 {
		k = k[:128]
	}
	return strings.ToLower(k)
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// urlKey reports whether an attribute named k holds a URL.
func urlKey(k string) bool {
	lk := strings.ToLower(k)
	return lk == "uri" || strings.HasSuffix(lk, "url")
}

// Text returns s with every URL in it ("…://…", up to a space or a quote)
// passed through URL: for error messages and other free text that may
// quote a URL.
func Text(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for {
		i := strings.Index(s, "://")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		start := strings.LastIndexAny(s[:i], stopChars) + 1
		end := strings.IndexAny(s[i:], stopChars)
		if end < 0 {
			end = len(s)
		} else {
			end += i
		}
		b.WriteString(s[:start])
		b.WriteString(URL(s[start:end]))
		s = s[end:]
	}
}

// stopChars end a URL quoted in free text.
const stopChars = " \t\r\n\"'`<>()[]{},"

// ReplaceAttr is a slog.HandlerOptions.ReplaceAttr: an attribute whose key
// is a secret (SecretKey) becomes Mask; a string attribute whose key names
// a URL (url, uri, dlr_url, event_url …) goes through URL; any other
// string or error value that quotes a URL goes through Text.
func ReplaceAttr(_ []string, a slog.Attr) slog.Attr {
	return Attr(a)
}

// Attr redacts one attribute as ReplaceAttr does.
func Attr(a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindGroup {
		return a
	}
	if SecretKey(a.Key) {
		return slog.String(a.Key, Mask)
	}
	v := a.Value.Resolve()
	var str string
	switch v.Kind() {
	case slog.KindString:
		str = v.String()
	case slog.KindAny:
		switch x := v.Any().(type) {
		case []byte:
			str = string(x)
		case error:
			str = x.Error()
		default:
			return a
		}
	default:
		return a
	}
	if urlKey(a.Key) {
		return slog.String(a.Key, URL(str))
	}
	if t := Text(str); t != str {
		return slog.String(a.Key, t)
	}
	return a
}
