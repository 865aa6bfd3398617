package router

import (
	"strconv"
	"unsafe"
)

// Channel is the way a message came in: the HTTP API or the SMPP server.
// Authorizations and throughput quotas prefixed http_ or smpps_ apply to
// their channel only.
type Channel uint8

// Channels.
const (
	ChannelHTTP  Channel = 1 // HTTP API (/send, REST)
	ChannelSMPPS Channel = 2 // SMPP server (submit_sm)
)

func (c Channel) String() string {
	switch c {
	case ChannelHTTP:
		return "http"
	case ChannelSMPPS:
		return "smpps"
	}
	return "?"
}

// MTRequest is what the credential checks see of a message (MT) being
// submitted. Byte slices may alias the request (PDU fields, or the HTTP
// parameters without copying); CheckMT only reads them, except Src which it
// may set to the user's default.
//
// "Set" follows each channel's notion of a parameter being given:
//
//	HTTP:  the parameter is present in the request (from, priority,
//	       validity-period, sdt, dlr-level, dlr-method, hex-content).
//	SMPP:  source_addr non-empty, priority_flag non-zero, validity_period /
//	       schedule_delivery_time non-empty, registered_delivery non-zero.
type MTRequest struct {
	Dst []byte // to / destination_addr
	Src []byte // from / source_addr (after CheckMT: the default if it was unset)
	// SrcSet: from present (HTTP) or source_addr non-empty (SMPP).
	// CheckMT sets SrcDefaulted when it filled Src from defaultvalue
	// src_addr.
	SrcSet, SrcDefaulted bool
	// Content is the text the content value filter sees: the decoded text
	// (UTF-8) for text codings, empty for binary ones (Jasmin matches binary
	// content as an empty string).
	Content    []byte
	ContentSet bool // HTTP: content present (not for hex-content); SMPP: always
	HexContent bool // HTTP: hex-content present

	Priority    int // 0..3
	PrioritySet bool
	Validity    []byte // HTTP: validity-period (minutes); SMPP: validity_period
	ValiditySet bool
	SDTSet      bool // sdt / schedule_delivery_time given
	DLRLevelSet bool // HTTP: dlr-level present; SMPP: registered_delivery ≠ 0
	// DLRMethodSet: HTTP dlr-method present.
	DLRMethodSet bool
	// Parts is the number of submit_sm the content needs; more than one is
	// long content (http_long_content).
	Parts int
}

// CredError is a message refused by the user's credentials: a missing
// authorization (Kind RefusedAuthorization) or, with Filter, a value
// filter mismatch (RefusedValueFilter).
//
// Jasmin's texts: an authorization failure is the manual's `Authorization
// failed for username:foo` followed by Jasmin's reason in parentheses
// ("(Cannot send MT messages).") so that the privilege is named; a value
// filter failure is Jasmin's dynamic message, `Value filter failed for user
// [foo] (destination_address filter mismatch).`.
type CredError struct {
	Key      string // the credential key: "http_send", "dst_addr" …
	Username string
	Reason   string // Jasmin's reason text
	Filter   bool   // a value filter refused (else an authorization)
}

func (e *CredError) Error() string {
	if e.Filter {
		return "Value filter failed for user [" + e.Username + "] (" + e.Reason + ")."
	}
	return "Authorization failed for username:" + e.Username + " (" + e.Reason + ")."
}

// Kind is RefusedAuthorization or RefusedValueFilter.
func (e *CredError) Kind() RefusalKind {
	if e.Filter {
		return RefusedValueFilter
	}
	return RefusedAuthorization
}

// Text is Error().
func (e *CredError) Text() string { return e.Error() }

// credAuthReasons are Jasmin's reasons per authorization key.
var credAuthReasons = map[string]string{
	"http_send":              "Cannot send MT messages",
	"smpps_send":             "Can not send MT messages",
	"http_balance":           "Cannot check balance",
	"http_rate":              "Cannot check rate",
	"http_bulk":              "Cannot send bulk MT messages",
	"http_long_content":      "Long content not authorized",
	"dlr_level":              "Setting dlr level not authorized",
	"http_dlr_method":        "Setting dlr method not authorized",
	"src_addr":               "Setting source address not authorized",
	"priority":               "Setting priority not authorized",
	"validity_period":        "Setting validity period not authorized",
	"hex_content":            "Setting hex content not authorized",
	"schedule_delivery_time": "Setting schedule delivery time not authorized",
}

func credDenied(u *User, key string) error {
	return &CredError{Key: key, Username: u.Username, Reason: credAuthReasons[key]}
}

func credMismatch(u *User, key, long string) error {
	return &CredError{Key: key, Username: u.Username, Reason: long + " filter mismatch", Filter: true}
}

// CheckMT applies u's mt_messaging_cred to a message coming in through ch,
// in Jasmin's order: authorizations, then value filters, then default
// values (a missing source address gets defaultvalue src_addr). It does
// not allocate unless it refuses.
//
// Authorizations: on HTTP, http_send, http_long_content (Parts > 1),
// dlr_level, http_dlr_method, src_addr, priority, validity_period,
// hex_content, schedule_delivery_time, each when its parameter is given. On
// SMPP, smpps_send, dlr_level, src_addr, priority, validity_period and
// schedule_delivery_time (the manual applies every key without an http_ or
// smpps_ prefix to both channels; Jasmin 0.11's SMPP server checks only the
// first four).
//
// Value filters: dst_addr always; src_addr, priority and validity_period
// when given on HTTP; content when given. On SMPP, as Jasmin does: dst_addr,
// src_addr (even empty), priority and content always; not validity_period,
// whose default ^\d+$ is meant for HTTP's minutes and would refuse every
// SMPP time string.
func (u *User) CheckMT(ch Channel, m *MTRequest) error {
	a := &u.MT.Authorization
	f := &u.MT.ValueFilter
	http := ch == ChannelHTTP
	// Authorizations only one channel has.
	switch {
	case ch != ChannelHTTP && ch != ChannelSMPPS:
		return credDenied(u, "http_send")
	case http && !a.HTTPSend:
		return credDenied(u, "http_send")
	case !http && !a.SMPPSSend:
		return credDenied(u, "smpps_send")
	case http && m.Parts > 1 && !a.HTTPLongContent:
		return credDenied(u, "http_long_content")
	case http && m.DLRMethodSet && !a.HTTPDLRMethod:
		return credDenied(u, "http_dlr_method")
	case http && m.HexContent && !a.HexContent:
		return credDenied(u, "hex_content")
	}
	// Authorizations without a channel prefix apply to both.
	switch {
	case m.DLRLevelSet && !a.DLRLevel:
		return credDenied(u, "dlr_level")
	case m.SrcSet && !a.SrcAddr:
		return credDenied(u, "src_addr")
	case m.PrioritySet && !a.Priority:
		return credDenied(u, "priority")
	case m.ValiditySet && !a.ValidityPeriod:
		return credDenied(u, "validity_period")
	case m.SDTSet && !a.ScheduleDeliveryTime:
		return credDenied(u, "schedule_delivery_time")
	}
	// Value filters: HTTP checks a parameter when it is given; SMPP always
	// carries src_addr, priority and content, and skips validity_period.
	switch {
	case !f.DstAddr.Match(m.Dst):
		return credMismatch(u, "dst_addr", "destination_address")
	case (m.SrcSet || !http) && !f.SrcAddr.Match(m.Src):
		return credMismatch(u, "src_addr", "source_address")
	case (m.PrioritySet || !http) && !credMatchInt(f.Priority, m.Priority):
		return credMismatch(u, "priority", "priority")
	case http && m.ValiditySet && !f.ValidityPeriod.Match(m.Validity):
		return credMismatch(u, "validity_period", "validity_period")
	case (m.ContentSet || !http) && !f.Content.Match(m.Content):
		return credMismatch(u, "content", "content")
	}
	if len(m.Src) == 0 && u.MT.DefaultValue.SrcAddr.Set {
		m.Src = credDefaultSrc(u)
		m.SrcDefaulted = true
	}
	return nil
}

// credDefaultSrc is the default source address as bytes, without copying:
// the slice must not be written to.
func credDefaultSrc(u *User) []byte {
	s := u.MT.DefaultValue.SrcAddr.V
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// credMatchInt matches a small integer's decimal form (without allocating
// for 0..255: a priority_flag is one octet).
func credMatchInt(f ValueFilter, n int) bool {
	if f.re == nil {
		return true
	}
	if n >= 0 && n < len(credSmallInts) {
		return f.MatchString(credSmallInts[n])
	}
	return f.MatchString(strconv.Itoa(n))
}

var credSmallInts = func() (t [256]string) {
	for i := range t {
		t[i] = strconv.Itoa(i)
	}
	return t
}()

// CheckHTTPBalance applies http_balance (HTTP /balance).
func (u *User) CheckHTTPBalance() error {
	if !u.MT.Authorization.HTTPBalance {
		return credDenied(u, "http_balance")
	}
	return nil
}

// CheckHTTPRate applies http_rate (HTTP /rate).
func (u *User) CheckHTTPRate() error {
	if !u.MT.Authorization.HTTPRate {
		return credDenied(u, "http_rate")
	}
	return nil
}

// CheckHTTPBulk applies http_bulk (REST /secure/sendbatch).
func (u *User) CheckHTTPBulk() error {
	if !u.MT.Authorization.HTTPBulk {
		return credDenied(u, "http_bulk")
	}
	return nil
}

// CheckMT resolves the current version of user uid (see Current: a
// disabled or removed user is refused) and applies CheckMT: the check a
// bound SMPP session makes per submit_sm. No lock; no allocation unless it
// refuses.
func (a *Accounts) CheckMT(uid string, ch Channel, m *MTRequest) (*User, error) {
	u, err := a.Current(uid)
	if err != nil {
		return nil, err
	}
	if err := u.CheckMT(ch, m); err != nil {
		return nil, err
	}
	return u, nil
}
