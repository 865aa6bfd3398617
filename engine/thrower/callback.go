package thrower

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/gwd-project/gwd/engine/redact"
)

// Kind selects the retry policy: receipts use [dlr-thrower], MO
// [deliversm-thrower], Junebug events and batch callbacks their own
// (Jasmin's defaults, see PolicyOf).
type Kind uint8

// Kinds of callback.
const (
	DLR   Kind = iota + 1 // a receipt to a dlr-url (Jasmin's DLRThrower)
	MO                    // an SMS-MO to an HTTP connector (Jasmin's deliverSmHttpThrower)
	Event                 // a Junebug event, MO or status to event_url, mo_url or status_url
	Batch                 // a sendbatch callback_url or errback_url call, one per message
)

const numKinds = 4

var kindNames = [...]string{"", "dlr", "mo", "event", "batch"}

// String is the kind's name in queue names, metrics and logs: dlr, mo,
// event, batch.
func (k Kind) String() string {
	if k.valid() {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

func (k Kind) valid() bool { return k >= DLR && k <= Batch }

// Accept decides which answers count as the receiver's acceptance.
type Accept uint8

// Acceptance rules.
const (
	// AcceptDefault is the kind's rule: AcceptJasminACK for DLR and MO,
	// Accept2xx for Event and Batch.
	AcceptDefault Accept = iota
	// AcceptJasminACK: status 200 and the body ACK/Jasmin (white space
	// around it ignored), as Jasmin's manual asks of DLR and SMS-MO
	// receivers.
	AcceptJasminACK
	// Accept2xx: any 2xx status, whatever the body (Junebug, batch
	// callbacks).
	Accept2xx
)

func (a Accept) valid() bool { return a <= Accept2xx }

// Param is one request parameter.
type Param struct{ Key, Value string }

// Callback is one HTTP request to make until the receiver accepts it.
type Callback struct {
	Kind Kind
	// URL is an absolute http or https URL. A fragment (#…) is not sent;
	// user:password@ travels as Basic authorization.
	URL string
	// Method is "GET" (params in the query string, appended to any query
	// the URL has) or "POST" (form-encoded body): Jasmin's dlr-method or
	// httpccm method. Case does not matter.
	Method string
	// Params are sent in this order, form-encoded as Jasmin does (space as
	// '+', everything but letters, digits and "-._~" percent-encoded).
	Params []Param
	// Body and ContentType, when Body is set, replace the form body
	// (Junebug posts JSON); Method must be POST and Params empty.
	// ContentType defaults to application/json.
	Body        []byte
	ContentType string
	// Accept decides success; AcceptDefault picks the kind's rule.
	Accept Accept
	// Ref is for logs and metrics: the gateway message id.
	Ref string
	// UserURL says that an API user supplied URL (a dlr-url), which an
	// administrator did not: its connections go through Config.Guard's
	// dialer, which refuses internal addresses (package egress) as an
	// unreachable receiver. Credentials in such a URL are refused by the
	// API and never reach the thrower from it.
	UserURL bool
}

// Limits on a callback, in octets.
const (
	MaxURL    = 8 << 10  // the URL
	MaxParams = 256      // number of params
	MaxValue  = 64 << 10 // one param key or value, Ref, ContentType
	MaxBody   = 1 << 20  // Body
)

// ErrInvalid is wrapped by every error Throw returns for a callback it
// refuses.
var ErrInvalid = errors.New("thrower: invalid callback")

const (
	methodGET  = 1
	methodPOST = 2
)

// methodCode returns the record code of m, or 0.
func methodCode(m string) uint8 {
	switch {
	case strings.EqualFold(m, "GET"):
		return methodGET
	case strings.EqualFold(m, "POST"):
		return methodPOST
	}
	return 0
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// check validates cb and returns its method code and resolved acceptance.
func (cb *Callback) check() (method uint8, accept Accept, err error) {
	if cb == nil {
		return 0, 0, invalid("nil callback")
	}
	if !cb.Kind.valid() {
		return 0, 0, invalid("unknown kind %d", cb.Kind)
	}
	if method = methodCode(cb.Method); method == 0 {
		return 0, 0, invalid("method %q: must be GET or POST", cb.Method)
	}
	if err := CheckURL(cb.URL); err != nil {
		return 0, 0, err
	}
	if len(cb.Params) > MaxParams {
		return 0, 0, invalid("%d params: at most %d", len(cb.Params), MaxParams)
	}
	for i, p := range cb.Params {
		if p.Key == "" {
			return 0, 0, invalid("param %d: empty key", i)
		}
		if len(p.Key) > MaxValue || len(p.Value) > MaxValue {
			return 0, 0, invalid("param %q: longer than %d octets", trunc(p.Key), MaxValue)
		}
	}
	if len(cb.Ref) > MaxValue || len(cb.ContentType) > MaxValue {
		return 0, 0, invalid("ref or content type longer than %d octets", MaxValue)
	}
	if len(cb.Body) > 0 {
		if method != methodPOST {
			return 0, 0, invalid("a body needs method POST, not %s", cb.Method)
		}
		if len(cb.Params) > 0 {
			return 0, 0, invalid("a body replaces the params: give one or the other")
		}
		if len(cb.Body) > MaxBody {
			return 0, 0, invalid("body of %d octets: at most %d", len(cb.Body), MaxBody)
		}
		if strings.ContainsAny(cb.ContentType, "\r\n") {
			return 0, 0, invalid("content type %q: line breaks", trunc(cb.ContentType))
		}
	} else if cb.ContentType != "" {
		return 0, 0, invalid("content type %q without a body", trunc(cb.ContentType))
	}
	if !cb.Accept.valid() {
		return 0, 0, invalid("unknown acceptance rule %d", cb.Accept)
	}
	accept = cb.Accept
	if accept == AcceptDefault {
		accept = AcceptJasminACK
		if cb.Kind == Event || cb.Kind == Batch {
			accept = Accept2xx
		}
	}
	return method, accept, nil
}

// CheckURL accepts absolute http(s) URLs with a host and nothing that
// cannot travel in a request line: the URLs the thrower's client can send.
// Callers validating a URL given for callbacks (a dlr-url, an HTTP
// connector, a Junebug event_url) use it so that what they accept is
// never refused later; the error wraps ErrInvalid.
func CheckURL(s string) error {
	if s == "" {
		return invalid("empty URL")
	}
	if len(s) > MaxURL {
		return invalid("URL of %d octets: at most %d", len(s), MaxURL)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == 0x7f {
			return invalid("URL %q: control character or space at %d", trunc(s), i)
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) { // it quotes the URL: credentials included
			ue.URL = redact.URL(ue.URL)
		}
		return fmt.Errorf("%w: URL: %w", ErrInvalid, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return invalid("URL %q: scheme must be http or https", trunc(s))
	}
	if u.Host == "" || u.Hostname() == "" {
		return invalid("URL %q: no host", trunc(s))
	}
	// The client that will send it must read it the same way: net/url
	// lets through hosts fasthttp refuses ("http://]"), which would sit
	// in the queue failing until their TTL.
	var fu fasthttp.URI
	if err := fu.Parse(nil, []byte(s)); err != nil || len(fu.Host()) == 0 {
		return invalid("URL %q: host %q is not valid", trunc(s), u.Host)
	}
	return nil
}

// trunc shortens s for error messages, which are logged: its credentials
// are masked (redact.URL).
func trunc(s string) string {
	s = redact.URL(s)
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
