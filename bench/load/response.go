package load

import (
	"bytes"
	"errors"
	"unicode/utf16"
	"unicode/utf8"
)

// Errors of the HTTP answer parsers.
var (
	ErrNotSuccess = errors.New(`answer is not Success "id"`)
	ErrNoData     = errors.New(`REST answer has no "data" string`)
)

var successPrefix = []byte(`Success "`)

// ParseSendResponse reads the body of Jasmin's /send answer,
// `Success "id"` (surrounding white space allowed), and returns the id,
// aliasing body. The closing quote may be missing, as in the REST API's
// "data" string (`Success "id`). Anything else, `Error "…"` included, is
// ErrNotSuccess.
func ParseSendResponse(body []byte) ([]byte, error) {
	b := bytes.TrimSpace(body)
	if !bytes.HasPrefix(b, successPrefix) {
		return nil, ErrNotSuccess
	}
	id := b[len(successPrefix):]
	if n := len(id); n > 0 && id[n-1] == '"' {
		id = id[:n-1]
	}
	if len(id) == 0 || bytes.IndexByte(id, '"') >= 0 {
		return nil, ErrNotSuccess
	}
	return id, nil
}

// ParseRESTResponse reads the body of the REST API's /secure/send answer,
// {"data": "Success \"id"} (the manual's form, without the closing
// quote; with it is accepted too), and returns the id. The "data" string is
// unescaped into scratch (reused across calls) and the id aliases it.
func ParseRESTResponse(body, scratch []byte) (id, data []byte, err error) {
	data, err = jsonStringField(body, "data", scratch[:0])
	if err != nil {
		return nil, data, err
	}
	id, err = ParseSendResponse(data)
	return id, data, err
}

// jsonStringField returns the unescaped value of the top-level string
// member key of the JSON object in b, appended to dst. It is a small
// reader for the one answer shape the REST API has; anything it does not
// understand is ErrNoData.
func jsonStringField(b []byte, key string, dst []byte) ([]byte, error) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return dst, ErrNoData
	}
	i++
	for {
		i = skipSpace(b, i)
		if i >= len(b) || b[i] != '"' {
			return dst, ErrNoData
		}
		start := len(dst)
		var ok bool
		dst, i, ok = appendJSONString(dst, b, i)
		if !ok {
			return dst[:start], ErrNoData
		}
		isKey := string(dst[start:]) == key
		dst = dst[:start]
		i = skipSpace(b, i)
		if i >= len(b) || b[i] != ':' {
			return dst, ErrNoData
		}
		i = skipSpace(b, i+1)
		if i >= len(b) {
			return dst, ErrNoData
		}
		if isKey {
			if b[i] != '"' {
				return dst, ErrNoData
			}
			dst, _, ok = appendJSONString(dst, b, i)
			if !ok {
				return dst[:start], ErrNoData
			}
			return dst, nil
		}
		if i, ok = skipJSONValue(b, i); !ok {
			return dst, ErrNoData
		}
		i = skipSpace(b, i)
		if i >= len(b) || b[i] != ',' {
			return dst, ErrNoData
		}
		i++
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// appendJSONString unescapes the JSON string starting at b[i] (a quote)
// onto dst and returns the index after its closing quote.
func appendJSONString(dst, b []byte, i int) ([]byte, int, bool) {
	i++ // opening quote
	for i < len(b) {
		c := b[i]
		switch {
		case c == '"':
			return dst, i + 1, true
		case c < 0x20:
			return dst, i, false
		case c != '\\':
			if c < utf8.RuneSelf {
				dst = append(dst, c)
				i++
				continue
			}
			r, n := utf8.DecodeRune(b[i:])
			dst = utf8.AppendRune(dst, r) // invalid UTF-8 becomes U+FFFD, as encoding/json does
			i += n
			continue
		}
		if i+1 >= len(b) {
			return dst, i, false
		}
		i += 2
		switch b[i-1] {
		case '"', '\\', '/':
			dst = append(dst, b[i-1])
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r, ok := hex4(b, i)
			if !ok {
				return dst, i, false
			}
			i += 4
			if utf16.IsSurrogate(r) {
				if r2, ok := hex4(b, i+2); ok && i+1 < len(b) && b[i] == '\\' && b[i+1] == 'u' {
					if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
						dst = utf8.AppendRune(dst, d)
						i += 6
						continue
					}
				}
				r = utf8.RuneError
			}
			dst = utf8.AppendRune(dst, r)
		default:
			return dst, i, false
		}
	}
	return dst, i, false
}

func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			r = r<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// skipJSONValue returns the index after the JSON value at b[i], checking
// only as much as it needs to find its end.
func skipJSONValue(b []byte, i int) (int, bool) {
	switch b[i] {
	case '"':
		for j := i + 1; j < len(b); j++ {
			switch b[j] {
			case '\\':
				j++
			case '"':
				return j + 1, true
			}
		}
		return i, false
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				k, ok := skipJSONValue(b, j)
				if !ok {
					return i, false
				}
				j = k - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, true
				}
			}
		}
		return i, false
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\t' && b[j] != '\n' && b[j] != '\r' {
		j++
	}
	return j, j > i
}
