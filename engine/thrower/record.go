package thrower

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// A stored callback (version 3); integers big-endian, str is a uvarint
// length then the octets:
//
//	0      version (3)
//	1      kind
//	2      method (1 GET, 2 POST)
//	3      accept (1 ACK/Jasmin, 2 any 2xx)
//	4..8   failed attempts so far, u32
//	8..16  not before, unix nanoseconds (0: at once), i64
//	16     flags: bit 0 the URL is an API user's (Callback.UserURL)
//	17..25 first attempt (or first put off), unix nanoseconds (0: none yet), i64
//	25…    str ref | str url | uvarint n | n × (str key | str value) |
//	       str content type | str body
//
// Version 2 has no first attempt (octets 17..25): read as none yet, its
// TTL counts from its next failure. Version 1, written before flags
// existed, has no octet 16 either: its DLR records (every one a dlr-url)
// are read as UserURL, the others not. A retry rewrites any version as 3.
//
// The fixed header lets a retry copy the record and rewrite three fields.
const (
	recordVersion = 3
	headerLen     = 25
	headerLenV2   = 17
	headerLenV1   = 16
	offTries      = 4
	offNotBefore  = 8
	offFlags      = 16
	offFirst      = 17

	flagUserURL = 1
)

// headerOf returns the header length of record b by its version, 0 for an
// unknown version or a short record.
func headerOf(b []byte) int {
	switch {
	case len(b) >= headerLen && b[0] == recordVersion:
		return headerLen
	case len(b) >= headerLenV2 && b[0] == 2:
		return headerLenV2
	case len(b) >= headerLenV1 && b[0] == 1:
		return headerLenV1
	}
	return 0
}

// ErrCorrupt is a stored record that does not decode.
var ErrCorrupt = errors.New("thrower: corrupt callback record")

// appendRecord appends cb's record (checked: method and accept resolved).
func appendRecord(dst []byte, cb *Callback, method uint8, accept Accept) []byte {
	dst = append(dst, recordVersion, byte(cb.Kind), method, byte(accept))
	dst = binary.BigEndian.AppendUint32(dst, 0)
	dst = binary.BigEndian.AppendUint64(dst, 0)
	var flags byte
	if cb.UserURL {
		flags |= flagUserURL
	}
	dst = append(dst, flags)
	dst = binary.BigEndian.AppendUint64(dst, 0)
	dst = appendStr(dst, cb.Ref)
	dst = appendStr(dst, cb.URL)
	dst = binary.AppendUvarint(dst, uint64(len(cb.Params)))
	for _, p := range cb.Params {
		dst = appendStr(dst, p.Key)
		dst = appendStr(dst, p.Value)
	}
	ct := cb.ContentType
	if len(cb.Body) > 0 && ct == "" {
		ct = "application/json"
	}
	dst = appendStr(dst, ct)
	dst = binary.AppendUvarint(dst, uint64(len(cb.Body)))
	return append(dst, cb.Body...)
}

func appendStr(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// rewriteRecord appends a version-3 copy of the stored record b (any
// version; headerOf(b) must be non-zero) with its attempt count, next
// attempt time and first attempt time replaced.
func rewriteRecord(dst, b []byte, tries uint32, notBefore, first int64) []byte {
	hl := headerOf(b)
	var flags byte
	if hl == headerLenV1 {
		if Kind(b[1]) == DLR {
			flags = flagUserURL
		}
	} else {
		flags = b[offFlags]
	}
	dst = append(dst, recordVersion, b[1], b[2], b[3])
	dst = binary.BigEndian.AppendUint32(dst, tries)
	dst = binary.BigEndian.AppendUint64(dst, uint64(notBefore))
	dst = append(dst, flags)
	dst = binary.BigEndian.AppendUint64(dst, uint64(first))
	return append(dst, b[hl:]...)
}

// record is a stored callback decoded in place: its slices alias the
// payload it was decoded from, and params is reused from one decode to the
// next.
type record struct {
	kind        Kind
	method      uint8
	accept      Accept
	tries       uint32
	notBefore   int64
	first       int64 // first attempt, unix nanoseconds; 0: none yet
	userURL     bool
	ref, url    []byte
	params      []kv
	contentType []byte
	body        []byte
}

type kv struct{ key, value []byte }

func corrupt(what string) error { return fmt.Errorf("%w: %s", ErrCorrupt, what) }

// decode parses b into r.
func (r *record) decode(b []byte) error {
	hl := headerOf(b)
	if hl == 0 {
		if len(b) < headerLenV1 {
			return corrupt("short header")
		}
		return corrupt(fmt.Sprintf("version %d", b[0]))
	}
	r.kind, r.method, r.accept = Kind(b[1]), b[2], Accept(b[3])
	if !r.kind.valid() {
		return corrupt(fmt.Sprintf("kind %d", b[1]))
	}
	if r.method != methodGET && r.method != methodPOST {
		return corrupt(fmt.Sprintf("method %d", b[2]))
	}
	if r.accept != AcceptJasminACK && r.accept != Accept2xx {
		return corrupt(fmt.Sprintf("accept %d", b[3]))
	}
	r.tries = binary.BigEndian.Uint32(b[offTries:])
	r.notBefore = int64(binary.BigEndian.Uint64(b[offNotBefore:]))
	r.first = 0
	if hl == headerLen {
		r.first = int64(binary.BigEndian.Uint64(b[offFirst:]))
	}
	if hl == headerLenV1 {
		r.userURL = r.kind == DLR
	} else {
		if b[offFlags]&^flagUserURL != 0 {
			return corrupt(fmt.Sprintf("flags %#x", b[offFlags]))
		}
		r.userURL = b[offFlags]&flagUserURL != 0
	}
	b = b[hl:]
	var ok bool
	if r.ref, b, ok = str(b, MaxValue); !ok {
		return corrupt("ref")
	}
	if r.url, b, ok = str(b, MaxURL); !ok || len(r.url) == 0 {
		return corrupt("url")
	}
	n, k := binary.Uvarint(b)
	if k <= 0 || n > MaxParams || n > uint64(len(b)) {
		return corrupt("param count")
	}
	b = b[k:]
	r.params = r.params[:0]
	for range n {
		var p kv
		if p.key, b, ok = str(b, MaxValue); !ok || len(p.key) == 0 {
			return corrupt("param key")
		}
		if p.value, b, ok = str(b, MaxValue); !ok {
			return corrupt("param value")
		}
		r.params = append(r.params, p)
	}
	if r.contentType, b, ok = str(b, MaxValue); !ok {
		return corrupt("content type")
	}
	if r.body, b, ok = str(b, MaxBody); !ok {
		return corrupt("body")
	}
	if len(b) != 0 {
		return corrupt("trailing octets")
	}
	if len(r.body) > 0 && (r.method != methodPOST || len(r.params) > 0) {
		return corrupt("body with GET or with params")
	}
	return nil
}

// str reads a length-prefixed string of at most max octets.
func str(b []byte, max int) (s, rest []byte, ok bool) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(max) || n > uint64(len(b)-k) {
		return nil, b, false
	}
	end := k + int(n)
	return b[k:end:end], b[end:], true
}
