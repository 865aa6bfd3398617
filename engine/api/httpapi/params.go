package httpapi

import (
	"bytes"
	"encoding/hex"
	"strconv"
	"sync/atomic"

	"github.com/gwd-project/gwd/engine/egress"
	"github.com/gwd-project/gwd/engine/redact"
	"github.com/gwd-project/gwd/engine/thrower"
)

// Request parameters, validated as Jasmin's HTTP API validates them (its
// UrlArgsValidator): a table of known arguments, each optional or
// mandatory, most with a pattern. The answers a client sees:
//
//	Error "Argument [x] is unknown."
//	Error "Mandatory argument [to] is not found."
//	Error "Argument [coding] has an invalid value: [99]."
//	Error "Mandatory arguments not found, please refer to the HTTPAPI specifications."
//	Error "content or hex-content not present."
//	Error "content and hex-content cannot be used both in same request."
//
// all with status 400. Which error wins when a request has several is
// Jasmin's too: when the first argument of the request is unknown, that;
// otherwise the fields in the table's order (to, from, coding, username,
// password, priority, sdt, validity-period, dlr, dlr-url, dlr-level,
// dlr-method, tags, content, hex-content, idempotency-key), each
// missing-or-invalid in turn; then the first unknown argument. /send and /rate default coding (0) and
// dlr (no) before validating, so an empty /send answers that [to] is
// missing, while an empty /balance answers "Mandatory arguments not
// found…".
//
// Where Jasmin accepts anything, gwd adds the limits SMPP imposes, with the
// same "invalid value" answer: to and from at most 20 octets
// (destination_addr / source_addr), from without NUL, a dlr-url of at most
// 2048 octets with a host, hex-content made of hex digit pairs,
// validity-period from 1 minute to 99 years (0 would expire the message
// before it leaves), at most 64 tags that fit 63 bits.
//
// gwd adds one parameter of its own to /send (not to /rate, /balance or a
// sendbatch message): idempotency-key (see "Idempotency keys" in
// idempotency.go), 1 to 64 characters of A-Z a-z 0-9 _ . : -, refused
// otherwise with
//
//	Error "Argument [idempotency-key] has an invalid value: [x]; it takes 1 to 64 characters of A-Z a-z 0-9 _ . : -."
//
// It may come more than once (query, form, JSON body, the Idempotency-Key
// header) only with one value:
//
//	Error "Argument [idempotency-key] is given with different values."

// arg is one request parameter; key and val may alias the request.
type arg struct{ key, val []byte }

// endpoint says which table a request is validated against.
type endpoint uint8

const (
	epSend endpoint = iota + 1
	epRate
	epBalance
	epBatch // a sendbatch message: /send's table without idempotency-key
)

// field indexes, in the table's order (the order errors are reported in).
const (
	fTo = iota
	fFrom
	fCoding
	fUsername
	fPassword
	fPriority
	fSDT
	fValidity
	fDLR
	fDLRURL
	fDLRLevel
	fDLRMethod
	fTags
	fContent
	fHexContent
	fIdemKey
	nFields
)

var fieldNames = [nFields]string{
	fTo: "to", fFrom: "from", fCoding: "coding", fUsername: "username", fPassword: "password",
	fPriority: "priority", fSDT: "sdt", fValidity: "validity-period", fDLR: "dlr",
	fDLRURL: "dlr-url", fDLRLevel: "dlr-level", fDLRMethod: "dlr-method", fTags: "tags",
	fContent: "content", fHexContent: "hex-content", fIdemKey: "idempotency-key",
}

// fieldSets: which fields each endpoint knows, and which are mandatory.
var (
	sendFields  = [nFields]bool{true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true}
	batchFields = [nFields]bool{true, true, true, true, true, true, true, true, true, true, true, true, true, true, true}
	rateFields  = [nFields]bool{fTo: true, fFrom: true, fCoding: true, fUsername: true, fPassword: true, fContent: true}
	balFields   = [nFields]bool{fUsername: true, fPassword: true}
)

// Limits gwd adds (see above).
const (
	maxAddrLen     = 20
	maxCredLen     = 30 // the manual's "Text (30 char. max)"
	maxDLRURLLen   = 2048
	maxValidityMin = 99 * 365 * 24 * 60
	maxTags        = 64
	maxIdemKeyLen  = 64
)

// codings are the data_coding values the manual's coding parameter takes.
var codings = [256]bool{0: true, 1: true, 2: true, 3: true, 4: true, 5: true, 6: true, 7: true,
	8: true, 9: true, 10: true, 13: true, 14: true}

// paramError is a request the parameter validation refuses: 400 with Msg.
type paramError struct{ msg string }

func (e *paramError) Error() string { return e.msg }

func errUnknown(key []byte) error {
	return &paramError{"Argument [" + string(key) + "] is unknown."}
}

func errMissing(name string) error {
	return &paramError{"Mandatory argument [" + name + "] is not found."}
}

func errInvalid(name string, val []byte) error {
	return &paramError{"Argument [" + name + "] has an invalid value: [" + string(val) + "]."}
}

func errIdemKey(val []byte) error {
	return &paramError{"Argument [" + fieldNames[fIdemKey] + "] has an invalid value: [" + string(val) +
		"]; it takes 1 to " + itoa(maxIdemKeyLen) + " characters of A-Z a-z 0-9 _ . : -."}
}

var (
	errIdemConflict = &paramError{"Argument [" + fieldNames[fIdemKey] + "] is given with different values."}
	errNoArgs       = &paramError{"Mandatory arguments not found, please refer to the HTTPAPI specifications."}
	errNoBody       = &paramError{"content or hex-content not present."}
	errBoth         = &paramError{"content and hex-content cannot be used both in same request."}
)

// DLR methods.
const (
	methodGET  = "GET"
	methodPOST = "POST"
)

// sendReq is a validated request. Byte slices alias the request, except
// hex, which holds the decoded octets in a buffer the sendReq owns.
type sendReq struct {
	set [nFields]bool // the argument was given (Jasmin's "present")
	val [nFields][]byte

	coding      byte
	priority    int
	validityMin int64
	dlr         bool  // a receipt is asked for (dlr=yes, or dlr-url / dlr-level given)
	dlrLevel    uint8 // 1..3 when dlr
	dlrMethod   string
	tags        []int64
	hex         []byte
}

func (r *sendReq) reset() {
	r.set = [nFields]bool{}
	r.val = [nFields][]byte{}
	r.coding, r.priority, r.validityMin = 0, 0, 0
	r.dlr, r.dlrLevel, r.dlrMethod = false, 0, ""
	r.tags = r.tags[:0]
	r.hex = r.hex[:0]
}

func fieldIndex(key []byte) int {
	// A switch on string(key) does not allocate.
	switch string(key) {
	case "to":
		return fTo
	case "from":
		return fFrom
	case "coding":
		return fCoding
	case "username":
		return fUsername
	case "password":
		return fPassword
	case "priority":
		return fPriority
	case "sdt":
		return fSDT
	case "validity-period":
		return fValidity
	case "dlr":
		return fDLR
	case "dlr-url":
		return fDLRURL
	case "dlr-level":
		return fDLRLevel
	case "dlr-method":
		return fDLRMethod
	case "tags":
		return fTags
	case "content":
		return fContent
	case "hex-content":
		return fHexContent
	case "idempotency-key":
		return fIdemKey
	}
	return -1
}

// parse validates args for endpoint ep into r. With rest, username and
// password come from the Authorization header: they are not expected among
// args. It returns a *paramError for a request to refuse.
func (r *sendReq) parse(args []arg, ep endpoint, rest bool) error {
	r.reset()
	known := &sendFields
	switch ep {
	case epBatch:
		known = &batchFields
	case epRate:
		known = &rateFields
	case epBalance:
		known = &balFields
	}
	if len(args) == 0 && ep == epBalance && !rest {
		return errNoArgs
	}
	firstUnknown := -1
	conflict := false
	for i := range args {
		f := fieldIndex(args[i].key)
		if f < 0 || !known[f] || (rest && (f == fUsername || f == fPassword)) {
			if firstUnknown < 0 {
				firstUnknown = i
			}
			continue
		}
		if !r.set[f] { // the first value counts
			r.set[f] = true
			r.val[f] = args[i].val
		} else if f == fIdemKey && !bytes.Equal(r.val[f], args[i].val) {
			// Which key the client meant is not for gwd to guess.
			conflict = true
		}
	}
	if firstUnknown == 0 {
		return errUnknown(args[0].key)
	}
	if err := r.check(known, ep, rest); err != nil {
		return err
	}
	if conflict {
		return errIdemConflict
	}
	if firstUnknown > 0 {
		return errUnknown(args[firstUnknown].key)
	}
	if ep != epSend && ep != epBatch {
		return nil
	}
	// Jasmin: dlr-url or dlr-level given means dlr=yes.
	if r.set[fDLRURL] || r.set[fDLRLevel] {
		r.dlr = true
	}
	if r.dlr {
		if !r.set[fDLRURL] {
			return errMissing("dlr-url")
		}
		if r.dlrLevel == 0 {
			r.dlrLevel = 1
		}
		if r.dlrMethod == "" {
			r.dlrMethod = methodPOST
		}
	}
	switch {
	case !r.set[fContent] && !r.set[fHexContent]:
		return errNoBody
	case r.set[fContent] && r.set[fHexContent]:
		return errBoth
	}
	return nil
}

// check validates the known fields in the table's order.
func (r *sendReq) check(known *[nFields]bool, ep endpoint, rest bool) error {
	for f := range nFields {
		if !known[f] {
			continue
		}
		name := fieldNames[f]
		v, ok := r.val[f], r.set[f]
		if !ok {
			switch {
			case f == fTo && ep != epBalance:
				return errMissing(name)
			case (f == fUsername || f == fPassword) && !rest:
				return errMissing(name)
			}
			continue
		}
		switch f {
		case fTo:
			if !isMSISDN(v) || len(v) > maxAddrLen {
				return errInvalid(name, v)
			}
		case fFrom:
			if len(v) > maxAddrLen || bytes.IndexByte(v, 0) >= 0 {
				return errInvalid(name, v)
			}
		case fCoding:
			n, ok := smallUint(v, 3)
			if !ok || n > 255 || !codings[n] {
				return errInvalid(name, v)
			}
			r.coding = byte(n)
		case fUsername, fPassword:
			// Python's ^.{1,30}$ on octets: no newline.
			if len(v) < 1 || len(v) > maxCredLen || bytes.IndexByte(v, '\n') >= 0 {
				return errInvalid(name, v)
			}
		case fPriority:
			if len(v) != 1 || v[0] < '0' || v[0] > '3' {
				return errInvalid(name, v)
			}
			r.priority = int(v[0] - '0')
		case fSDT:
			if !isSMPPTime(v) {
				return errInvalid(name, v)
			}
		case fValidity:
			n, ok := smallUint(v, 18)
			if !ok || n < 1 || n > maxValidityMin {
				return errInvalid(name, v)
			}
			r.validityMin = int64(n)
		case fDLR:
			switch string(v) {
			case "yes":
				r.dlr = true
			case "no":
			default:
				return errInvalid(name, v)
			}
		case fDLRURL:
			if !isCallbackURL(v) {
				return errInvalid(name, v)
			}
		case fDLRLevel:
			if len(v) != 1 || v[0] < '1' || v[0] > '3' {
				return errInvalid(name, v)
			}
			r.dlrLevel = v[0] - '0'
		case fDLRMethod:
			switch {
			case bytes.EqualFold(v, []byte(methodGET)):
				r.dlrMethod = methodGET
			case bytes.EqualFold(v, []byte(methodPOST)):
				r.dlrMethod = methodPOST
			default:
				return errInvalid(name, v)
			}
		case fTags:
			if !r.parseTags(v) {
				return errInvalid(name, v)
			}
		case fHexContent:
			if len(v)%2 != 0 {
				return errInvalid(name, v)
			}
			if cap(r.hex) < len(v)/2 {
				r.hex = make([]byte, len(v)/2)
			}
			r.hex = r.hex[:len(v)/2]
			if _, err := hex.Decode(r.hex, v); err != nil {
				return errInvalid(name, v)
			}
		case fIdemKey:
			if !validIdemKey(v) {
				return errIdemKey(v)
			}
		}
	}
	return nil
}

// validIdemKey is ^[A-Za-z0-9_.:-]{1,64}$.
func validIdemKey(v []byte) bool {
	if len(v) < 1 || len(v) > maxIdemKeyLen {
		return false
	}
	for _, c := range v {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			c == '_', c == '.', c == ':', c == '-':
		default:
			return false
		}
	}
	return true
}

// parseTags reads "1,702,9901" (Jasmin's ^([0-9,])*$; empty items are
// skipped).
func (r *sendReq) parseTags(v []byte) bool {
	for len(v) > 0 {
		item := v
		if i := bytes.IndexByte(v, ','); i >= 0 {
			item, v = v[:i], v[i+1:]
		} else {
			v = nil
		}
		if len(item) == 0 {
			continue
		}
		n, ok := smallUint(item, 18)
		if !ok || len(r.tags) == maxTags {
			return false
		}
		r.tags = append(r.tags, int64(n))
	}
	return true
}

// smallUint reads 1..maxDigits decimal digits.
func smallUint(v []byte, maxDigits int) (uint64, bool) {
	if len(v) == 0 || len(v) > maxDigits {
		return 0, false
	}
	var n uint64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, true
}

// isMSISDN is Jasmin's ^\+{0,1}\d+$.
func isMSISDN(v []byte) bool {
	if len(v) > 0 && v[0] == '+' {
		v = v[1:]
	}
	if len(v) == 0 {
		return false
	}
	for _, c := range v {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// isSMPPTime is Jasmin's sdt pattern: 15 digits then +, - or R
// (YYMMDDhhmmsstnn and the relation to UTC, or R for relative).
func isSMPPTime(v []byte) bool {
	if len(v) != 16 {
		return false
	}
	for _, c := range v[:15] {
		if c < '0' || c > '9' {
			return false
		}
	}
	switch v[15] {
	case '+', '-', 'R':
		return true
	}
	return false
}

// isCallbackURL accepts an http or https URL with a host and no control
// characters or spaces (Jasmin: ^(http|https)\://.*$) that the callback
// thrower can send (thrower.CheckURL): a dlr-url accepted here is never
// refused when its receipt is thrown.
func isCallbackURL(v []byte) bool {
	if len(v) > maxDLRURLLen {
		return false
	}
	var rest []byte
	switch {
	case hasPrefixFold(v, "http://"):
		rest = v[len("http://"):]
	case hasPrefixFold(v, "https://"):
		rest = v[len("https://"):]
	default:
		return false
	}
	for _, c := range v {
		if c <= ' ' || c == 0x7f {
			return false
		}
	}
	host := rest
	if i := bytes.IndexAny(rest, "/?#"); i >= 0 {
		host = rest[:i]
	}
	if i := bytes.LastIndexByte(host, '@'); i >= 0 {
		host = host[i+1:]
	}
	if len(host) == 0 || host[0] == ':' {
		return false
	}
	// Most clients send the same dlr-url with every message: the last
	// one the thrower's rule accepted is remembered, so the full check
	// (a parse by net/url and by fasthttp, ~0.5 µs and 7 allocations)
	// runs once per new URL, not per request.
	if last := lastCallbackURL.Load(); last != nil && *last == string(v) {
		return true
	}
	if thrower.CheckURL(unsafeString(v)) != nil {
		return false
	}
	ok := string(v)
	lastCallbackURL.Store(&ok)
	return true
}

// checkCallback applies the rule for callback URLs API users give
// (package egress: no credentials, public internet addresses only unless
// [callbacks] allow_networks) to the value of argument name, which
// isCallbackURL accepted. It runs after authentication, since it may
// resolve a host name (bounded by the guard's lookup timeout), and
// answers 400:
//
//	Error "Argument [dlr-url] has an invalid value: [http://127.0.0.1/x]: 127.0.0.1 is a loopback address; callbacks go to public internet addresses only."
//
// The URL is echoed with its credentials masked (redact.URL).
func (s *Server) checkCallback(name string, v []byte) error {
	if err := s.opts.CallbackGuard.CheckURL(unsafeString(v)); err != nil {
		return &paramError{"Argument [" + name + "] has an invalid value: [" + redact.URL(string(v)) + "]: " + egress.Reason(err) + "."}
	}
	return nil
}

// lastCallbackURL is the last dlr-url isCallbackURL accepted.
var lastCallbackURL atomic.Pointer[string]

func hasPrefixFold(v []byte, p string) bool {
	return len(v) >= len(p) && bytes.EqualFold(v[:len(p)], []byte(p))
}

// validityPeriod formats minutes as an SMPP relative time,
// "YYMMDDhhmm00000R" (years of 365 days, months of 30).
func validityPeriod(dst []byte, minutes int64) []byte {
	mins := minutes % 60
	hours := (minutes / 60) % 24
	days := minutes / (24 * 60)
	years := days / 365
	days %= 365
	months := days / 30
	days %= 30
	for _, n := range [...]int64{years, months, days, hours, mins, 0} {
		dst = append(dst, byte('0'+n/10), byte('0'+n%10))
	}
	return append(dst, '0', '0', '0', 'R')
}

// itoa is strconv.Itoa for messages.
func itoa(n int) string { return strconv.Itoa(n) }
