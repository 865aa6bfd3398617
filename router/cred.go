package router

import (
	"github.com/gwd-project/gwd/router/ledger"
	"math"
	"net/netip"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
)

// User credentials, as the manual's "User credentials" tables and the
// observed `user -s` listing give them. Every key, its default and its
// display:
//
//	mt_messaging_cred authorization http_send True
//	mt_messaging_cred authorization http_balance True
//	mt_messaging_cred authorization http_rate True
//	mt_messaging_cred authorization http_bulk False
//	mt_messaging_cred authorization smpps_send True
//	mt_messaging_cred authorization http_long_content True
//	mt_messaging_cred authorization dlr_level True
//	mt_messaging_cred authorization http_dlr_method True
//	mt_messaging_cred authorization src_addr True
//	mt_messaging_cred authorization priority True
//	mt_messaging_cred authorization validity_period True
//	mt_messaging_cred authorization schedule_delivery_time True
//	mt_messaging_cred authorization hex_content True
//	mt_messaging_cred valuefilter dst_addr .*
//	mt_messaging_cred valuefilter src_addr .*
//	mt_messaging_cred valuefilter priority ^[0-3]$
//	mt_messaging_cred valuefilter validity_period ^\d+$
//	mt_messaging_cred valuefilter content .*
//	mt_messaging_cred defaultvalue src_addr None
//	mt_messaging_cred quota balance ND
//	mt_messaging_cred quota early_percent ND
//	mt_messaging_cred quota sms_count ND
//	mt_messaging_cred quota http_throughput ND
//	mt_messaging_cred quota smpps_throughput ND
//	smpps_cred authorization bind True
//	smpps_cred authorization ip 0.0.0.0/0
//	smpps_cred quota max_bindings ND
//
// Values are typed as jCli types them: authorizations take true/1/t/y/yes
// or false/0/f/n/no (any case); value filters a regular expression; quotas
// a number, `none` (any case) for unlimited, or `+N` / `-N` to add to or
// take from the current value (an unlimited quota counts as 0, as in
// Jasmin). Decimal quotas (balance, early_percent, the throughputs) show as
// Jasmin shows floats ("44.2", "2.0"); sms_count and max_bindings are
// integers. Ranges are Jasmin's: balance, sms_count, throughputs and
// max_bindings ≥ 0, early_percent 1..100; gwd also refuses a `-N` that would
// take a quota below its range, where Jasmin would store it.

// MTAuthorizations are the mt_messaging_cred authorization keys. The keys
// prefixed http_ or smpps_ apply to that channel only; the others to both.
type MTAuthorizations struct {
	HTTPSend             bool // http_send: send through HTTP /send
	HTTPBalance          bool // http_balance: HTTP /balance
	HTTPRate             bool // http_rate: HTTP /rate
	HTTPBulk             bool // http_bulk: bulk sends through HTTP (default False)
	SMPPSSend            bool // smpps_send: submit_sm through the SMPP server
	HTTPLongContent      bool // http_long_content: HTTP content of more than one part
	DLRLevel             bool // dlr_level: ask for a receipt (dlr-level, registered_delivery)
	HTTPDLRMethod        bool // http_dlr_method: set dlr-method
	SrcAddr              bool // src_addr: set the source address
	Priority             bool // priority: set the priority
	ValidityPeriod       bool // validity_period: set the validity period
	ScheduleDeliveryTime bool // schedule_delivery_time: set sdt / schedule_delivery_time
	HexContent           bool // hex_content: send binary content with hex-content
}

// ValueFilter is a mt_messaging_cred value filter: a regular expression a
// field must match, with Python's re.match semantics (Jasmin compiles it
// with re.compile and calls .match): anchored at the start of the value, not
// at its end, so `^JASMIN` admits "JASMIN2" and `^JASMIN$` does not; `$`
// also matches before a final newline, as in Python. The syntax is Go's
// RE2, which is Python's minus look-arounds and back-references (refused
// with the field named); \d and \w are ASCII-only. The zero ValueFilter
// matches everything.
type ValueFilter struct {
	pattern string
	re      *regexp.Regexp
	any     bool
	fast    uint8 // credFast*: a hand-written matcher for a default pattern
}

// Hand-written matchers for the default patterns, which every message
// meets; they agree with the regular expression (tested).
const (
	credFastNone   = iota
	credFastPrio   // ^[0-3]$
	credFastDigits // ^\d+$
)

// NewValueFilter compiles a value filter pattern.
func NewValueFilter(pattern string) (ValueFilter, error) {
	switch pattern {
	case "", ".*", "^.*":
		// re.match of these succeeds on every string: skip the engine.
		return ValueFilter{pattern: pattern, any: true}, nil
	}
	tree, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return ValueFilter{}, err
	}
	tree = credFixDollar(tree)
	anchored := &syntax.Regexp{Op: syntax.OpConcat, Flags: syntax.Perl,
		Sub: []*syntax.Regexp{{Op: syntax.OpBeginText, Flags: syntax.Perl}, tree}}
	re, err := regexp.Compile(anchored.String())
	if err != nil {
		return ValueFilter{}, err
	}
	f := ValueFilter{pattern: pattern, re: re}
	switch pattern {
	case `^[0-3]$`:
		f.fast = credFastPrio
	case `^\d+$`:
		f.fast = credFastDigits
	}
	return f, nil
}

// credFastMatch runs a hand-written matcher; Python's $ admits one final
// newline.
func credFastMatch[T string | []byte](kind uint8, b T) bool {
	n := len(b)
	if n > 0 && b[n-1] == '\n' {
		n--
	}
	switch kind {
	case credFastPrio:
		return n == 1 && b[0] >= '0' && b[0] <= '3'
	case credFastDigits:
		if n == 0 {
			return false
		}
		for i := 0; i < n; i++ {
			if b[i] < '0' || b[i] > '9' {
				return false
			}
		}
		return true
	}
	return false
}

func mustValueFilter(p string) ValueFilter {
	f, err := NewValueFilter(p)
	if err != nil {
		panic(err)
	}
	return f
}

// credFixDollar rewrites `$` (end of text, outside (?m)) as \n?\z, Python's
// meaning.
func credFixDollar(re *syntax.Regexp) *syntax.Regexp {
	if re.Op == syntax.OpEndText && re.Flags&syntax.WasDollar != 0 {
		fl := re.Flags &^ syntax.WasDollar
		return &syntax.Regexp{Op: syntax.OpConcat, Flags: fl, Sub: []*syntax.Regexp{
			{Op: syntax.OpQuest, Flags: fl, Sub: []*syntax.Regexp{
				{Op: syntax.OpLiteral, Flags: fl &^ syntax.FoldCase, Rune: []rune{'\n'}}}},
			{Op: syntax.OpEndText, Flags: fl},
		}}
	}
	for i, s := range re.Sub {
		re.Sub[i] = credFixDollar(s)
	}
	return re
}

// Pattern is the filter as it was given.
func (f ValueFilter) Pattern() string {
	if f.re == nil && !f.any {
		return ".*"
	}
	return f.pattern
}

// Match reports whether b passes the filter. It does not allocate.
func (f ValueFilter) Match(b []byte) bool {
	if f.re == nil {
		return true
	}
	if f.fast != credFastNone {
		return credFastMatch(f.fast, b)
	}
	return f.re.Match(b)
}

// MatchString is Match for a string.
func (f ValueFilter) MatchString(s string) bool {
	if f.re == nil {
		return true
	}
	if f.fast != credFastNone {
		return credFastMatch(f.fast, s)
	}
	return f.re.MatchString(s)
}

// MTValueFilters are the mt_messaging_cred valuefilter keys.
type MTValueFilters struct {
	DstAddr        ValueFilter // dst_addr, default .*
	SrcAddr        ValueFilter // src_addr, default .*
	Priority       ValueFilter // priority, default ^[0-3]$
	ValidityPeriod ValueFilter // validity_period, default ^\d+$
	Content        ValueFilter // content, default .*
}

// MTDefaultValues are the mt_messaging_cred defaultvalue keys.
type MTDefaultValues struct {
	// SrcAddr (src_addr) is the source address given to messages that come
	// without one; default None (unset). Setting "None" (any case) unsets
	// it.
	SrcAddr Optional[string]
}

// MTQuotas are the mt_messaging_cred quota keys kept in the configuration.
// The consumable ones, balance and sms_count, change with every message and
// live in the store's ledger (package wal; see counters.go for the view).
type MTQuotas struct {
	// EarlyPercent (early_percent): asynchronous billing, 1..100 (%).
	EarlyPercent Optional[ledger.Money]
	// HTTPThroughput (http_throughput): most messages per second accepted
	// through the HTTP API; 0 accepts none.
	HTTPThroughput Optional[ledger.Money]
	// SMPPSThroughput (smpps_throughput): the same through the SMPP server.
	SMPPSThroughput Optional[ledger.Money]
}

// MTCred is a user's mt_messaging_cred.
type MTCred struct {
	Authorization MTAuthorizations
	ValueFilter   MTValueFilters
	DefaultValue  MTDefaultValues
	Quota         MTQuotas
}

// DefaultMTCred returns the manual's defaults: every authorization True but
// http_bulk, the value filters .* except priority ^[0-3]$ and
// validity_period ^\d+$, no default source address, no quota.
func DefaultMTCred() MTCred {
	return MTCred{
		Authorization: MTAuthorizations{
			HTTPSend: true, HTTPBalance: true, HTTPRate: true, HTTPBulk: false,
			SMPPSSend: true, HTTPLongContent: true, DLRLevel: true, HTTPDLRMethod: true,
			SrcAddr: true, Priority: true, ValidityPeriod: true,
			ScheduleDeliveryTime: true, HexContent: true,
		},
		ValueFilter: credDefaultFilters,
	}
}

var credDefaultFilters = MTValueFilters{
	DstAddr:        mustValueFilter(".*"),
	SrcAddr:        mustValueFilter(".*"),
	Priority:       mustValueFilter(`^[0-3]$`),
	ValidityPeriod: mustValueFilter(`^\d+$`),
	Content:        mustValueFilter(".*"),
}

// IPFilter is smpps_cred authorization ip: the networks a user may bind
// from, given as a comma-separated list of CIDR prefixes or addresses
// ("10.0.0.0/8,192.0.2.7"). The default 0.0.0.0/0 (or ::/0) admits every
// address, IPv6 included.
type IPFilter struct {
	text     string
	prefixes []netip.Prefix
	any      bool
}

// ParseIPFilter reads an ip authorization.
func ParseIPFilter(s string) (IPFilter, error) {
	var f IPFilter
	var out []string
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
		var p netip.Prefix
		var err error
		if strings.IndexByte(part, '/') >= 0 {
			p, err = netip.ParsePrefix(part)
		} else {
			var a netip.Addr
			a, err = netip.ParseAddr(part)
			if err == nil {
				a = a.Unmap()
				p = netip.PrefixFrom(a, a.BitLen())
			}
		}
		if err != nil {
			return IPFilter{}, err
		}
		p = p.Masked()
		if p.Bits() == 0 {
			f.any = true
		}
		f.prefixes = append(f.prefixes, p)
		out = append(out, p.String())
	}
	if len(f.prefixes) == 0 {
		return IPFilter{}, credErrText("no address or network")
	}
	f.text = strings.Join(out, ",")
	return f, nil
}

type credErrText string

func (e credErrText) Error() string { return string(e) }

// String shows the filter as jCli does ("0.0.0.0/0").
func (f IPFilter) String() string {
	if f.text == "" {
		return "0.0.0.0/0"
	}
	return f.text
}

// Allows reports whether a bind from a may proceed. The zero IPFilter
// allows every address.
func (f IPFilter) Allows(a netip.Addr) bool {
	if f.any || f.prefixes == nil {
		return true
	}
	a = a.Unmap()
	for _, p := range f.prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// SMPPSAuthorizations are the smpps_cred authorization keys.
type SMPPSAuthorizations struct {
	Bind bool     // bind: may bind to the SMPP server (default True)
	IP   IPFilter // ip: where from (default 0.0.0.0/0)
}

// SMPPSQuotas are the smpps_cred quota keys.
type SMPPSQuotas struct {
	// MaxBindings (max_bindings): most simultaneous binds; unset is
	// unlimited.
	MaxBindings Optional[int64]
}

// SMPPSCred is a user's smpps_cred.
type SMPPSCred struct {
	Authorization SMPPSAuthorizations
	Quota         SMPPSQuotas
}

// DefaultSMPPSCred returns the defaults: bind True, ip 0.0.0.0/0,
// max_bindings ND.
func DefaultSMPPSCred() SMPPSCred {
	return SMPPSCred{Authorization: SMPPSAuthorizations{Bind: true, IP: credAnyIP}}
}

var credAnyIP = func() IPFilter {
	f, err := ParseIPFilter("0.0.0.0/0")
	if err != nil {
		panic(err)
	}
	return f
}()

// FieldError is a refused configuration value; Field names it as jCli does
// ("mt_messaging_cred quota balance", "password", "gid").
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// The credential sections and their keys, in jCli's order.
const (
	CredMT    = "mt_messaging_cred"
	CredSMPPS = "smpps_cred"
)

// credLedgerOp is a change to a live counter (balance, sms_count), applied
// after every other change of an update has been validated.
type credLedgerOp struct {
	field    string // for errors
	smsCount bool
	nd       bool  // set unlimited
	rel      bool  // add v (unlimited counts as 0)
	v        int64 // the value, or the amount to add
}

// credEdit is a user being changed: a private copy and the counter changes
// to apply with it.
type credEdit struct {
	u   *User
	ops []credLedgerOp
}

// ledgerOp records a counter change, folding it into an earlier one on the
// same counter so that a session's changes compose in order.
func (e *credEdit) ledgerOp(op credLedgerOp) error {
	for i := range e.ops {
		prev := &e.ops[i]
		if prev.smsCount != op.smsCount {
			continue
		}
		if op.rel && !prev.rel {
			base := prev.v
			if prev.nd {
				base = 0
			}
			nv, ok := credAdd(base, op.v)
			if !ok || nv < 0 {
				return &FieldError{Field: op.field, Msg: "would go below zero or overflow"}
			}
			*prev = credLedgerOp{field: op.field, smsCount: op.smsCount, v: nv}
			return nil
		}
		if op.rel && prev.rel {
			nv, ok := credAdd(prev.v, op.v)
			if !ok {
				return &FieldError{Field: op.field, Msg: "overflow"}
			}
			prev.v = nv
			return nil
		}
		*prev = op
		return nil
	}
	e.ops = append(e.ops, op)
	return nil
}

func credAdd(a, b int64) (int64, bool) {
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) {
		return 0, false
	}
	return s, true
}

// credKey is one credential key: how it shows and how it is set.
type credKey struct {
	cred, section, key string
	show               func(u *User) string
	set                func(e *credEdit, field, value string) error
}

func credBoolText(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

// credParseBool reads a jCli boolean (Jasmin's TrueBoolCastMap and
// FalseBoolCastMap).
func credParseBool(field, key, v string) (bool, error) {
	switch strings.ToLower(v) {
	case "true", "1", "t", "y", "yes":
		return true, nil
	case "false", "0", "f", "n", "no":
		return false, nil
	}
	return false, &FieldError{Field: field, Msg: key + " is not a boolean value: " + v}
}

func credAuth(cred, key string, p func(u *User) *bool) credKey {
	return credKey{cred: cred, section: "authorization", key: key,
		show: func(u *User) string { return credBoolText(*p(u)) },
		set: func(e *credEdit, field, v string) error {
			b, err := credParseBool(field, key, v)
			if err != nil {
				return err
			}
			*p(e.u) = b
			return nil
		}}
}

func credFilter(key string, p func(u *User) *ValueFilter) credKey {
	return credKey{cred: CredMT, section: "valuefilter", key: key,
		show: func(u *User) string { return p(u).Pattern() },
		set: func(e *credEdit, field, v string) error {
			f, err := NewValueFilter(v)
			if err != nil {
				return &FieldError{Field: field, Msg: key + " is not a valid regex pattern: " + v + " (" + err.Error() + ")"}
			}
			*p(e.u) = f
			return nil
		}}
}

// credQuotaInput splits a quota value: none, +N / -N (rel), or N.
func credQuotaInput(v string) (nd, rel bool, num string) {
	if strings.EqualFold(v, "none") {
		return true, false, ""
	}
	if v != "" && (v[0] == '+' || v[0] == '-') {
		return false, true, v
	}
	return false, false, v
}

// credDecimalQuota is a decimal configuration quota in [lo, hi].
func credDecimalQuota(key string, lo, hi ledger.Money, p func(u *User) *Optional[ledger.Money]) credKey {
	rangeMsg := "must be None or a number ≥ 0"
	if lo > 0 {
		rangeMsg = "must be None or a number in " + lo.String() + ".." + hi.String()
	}
	return credKey{cred: CredMT, section: "quota", key: key,
		show: func(u *User) string {
			if o := p(u); o.Set {
				return o.V.String()
			}
			return "ND"
		},
		set: func(e *credEdit, field, v string) error {
			nd, rel, num := credQuotaInput(v)
			if nd {
				*p(e.u) = Optional[ledger.Money]{}
				return nil
			}
			m, err := ledger.ParseMoney(num)
			if err != nil {
				return &FieldError{Field: field, Msg: err.Error()}
			}
			if rel {
				cur := p(e.u)
				base := ledger.Money(0)
				if cur.Set {
					base = cur.V
				}
				s, ok := credAdd(int64(base), int64(m))
				if !ok {
					return &FieldError{Field: field, Msg: "overflow"}
				}
				m = ledger.Money(s)
			}
			if m < lo || m > hi {
				return &FieldError{Field: field, Msg: "invalid value (" + m.String() + "), " + rangeMsg}
			}
			*p(e.u) = Some(m)
			return nil
		}}
}

// credIntQuota is an integer configuration quota ≥ 0.
func credIntQuota(cred, key string, p func(u *User) *Optional[int64]) credKey {
	return credKey{cred: cred, section: "quota", key: key,
		show: func(u *User) string {
			if o := p(u); o.Set {
				return strconv.FormatInt(o.V, 10)
			}
			return "ND"
		},
		set: func(e *credEdit, field, v string) error {
			nd, rel, num := credQuotaInput(v)
			if nd {
				*p(e.u) = Optional[int64]{}
				return nil
			}
			n, err := strconv.ParseInt(num, 10, 64)
			if err != nil {
				return &FieldError{Field: field, Msg: "invalid value (" + v + "), must be None or an integer ≥ 0"}
			}
			if rel {
				cur := p(e.u)
				base := int64(0)
				if cur.Set {
					base = cur.V
				}
				s, ok := credAdd(base, n)
				if !ok {
					return &FieldError{Field: field, Msg: "overflow"}
				}
				n = s
			}
			if n < 0 {
				return &FieldError{Field: field, Msg: "invalid value (" + strconv.FormatInt(n, 10) + "), must be None or an integer ≥ 0"}
			}
			*p(e.u) = Some(n)
			return nil
		}}
}

// credCounterQuota is balance or sms_count: a live counter.
func credCounterQuota(key string, smsCount bool) credKey {
	return credKey{cred: CredMT, section: "quota", key: key,
		show: func(u *User) string {
			if smsCount {
				return u.Counters().SMSString()
			}
			return u.Counters().BalanceString()
		},
		set: func(e *credEdit, field, v string) error {
			nd, rel, num := credQuotaInput(v)
			if nd {
				return e.ledgerOp(credLedgerOp{field: field, smsCount: smsCount, nd: true})
			}
			var n int64
			if smsCount {
				x, err := strconv.ParseInt(num, 10, 64)
				if err != nil {
					return &FieldError{Field: field, Msg: "invalid value (" + v + "), must be None or an integer ≥ 0"}
				}
				n = x
			} else {
				m, err := ledger.ParseMoney(num)
				if err != nil {
					return &FieldError{Field: field, Msg: err.Error()}
				}
				n = int64(m)
			}
			if !rel && n < 0 {
				return &FieldError{Field: field, Msg: "invalid value (" + v + "), must be None or a number ≥ 0"}
			}
			if n == counterND {
				return &FieldError{Field: field, Msg: "overflow"}
			}
			return e.ledgerOp(credLedgerOp{field: field, smsCount: smsCount, rel: rel, v: n})
		}}
}

// credKeys lists every credential key in the order `user -s` shows them.
var credKeys = []credKey{
	credAuth(CredMT, "http_send", func(u *User) *bool { return &u.MT.Authorization.HTTPSend }),
	credAuth(CredMT, "http_balance", func(u *User) *bool { return &u.MT.Authorization.HTTPBalance }),
	credAuth(CredMT, "http_rate", func(u *User) *bool { return &u.MT.Authorization.HTTPRate }),
	credAuth(CredMT, "http_bulk", func(u *User) *bool { return &u.MT.Authorization.HTTPBulk }),
	credAuth(CredMT, "smpps_send", func(u *User) *bool { return &u.MT.Authorization.SMPPSSend }),
	credAuth(CredMT, "http_long_content", func(u *User) *bool { return &u.MT.Authorization.HTTPLongContent }),
	credAuth(CredMT, "dlr_level", func(u *User) *bool { return &u.MT.Authorization.DLRLevel }),
	credAuth(CredMT, "http_dlr_method", func(u *User) *bool { return &u.MT.Authorization.HTTPDLRMethod }),
	credAuth(CredMT, "src_addr", func(u *User) *bool { return &u.MT.Authorization.SrcAddr }),
	credAuth(CredMT, "priority", func(u *User) *bool { return &u.MT.Authorization.Priority }),
	credAuth(CredMT, "validity_period", func(u *User) *bool { return &u.MT.Authorization.ValidityPeriod }),
	credAuth(CredMT, "schedule_delivery_time", func(u *User) *bool { return &u.MT.Authorization.ScheduleDeliveryTime }),
	credAuth(CredMT, "hex_content", func(u *User) *bool { return &u.MT.Authorization.HexContent }),
	credFilter("dst_addr", func(u *User) *ValueFilter { return &u.MT.ValueFilter.DstAddr }),
	credFilter("src_addr", func(u *User) *ValueFilter { return &u.MT.ValueFilter.SrcAddr }),
	credFilter("priority", func(u *User) *ValueFilter { return &u.MT.ValueFilter.Priority }),
	credFilter("validity_period", func(u *User) *ValueFilter { return &u.MT.ValueFilter.ValidityPeriod }),
	credFilter("content", func(u *User) *ValueFilter { return &u.MT.ValueFilter.Content }),
	{cred: CredMT, section: "defaultvalue", key: "src_addr",
		show: func(u *User) string {
			if d := u.MT.DefaultValue.SrcAddr; d.Set {
				return d.V
			}
			return "None"
		},
		set: func(e *credEdit, field, v string) error {
			if strings.EqualFold(v, "none") {
				e.u.MT.DefaultValue.SrcAddr = Optional[string]{}
				return nil
			}
			if len(v) > 20 || strings.IndexByte(v, 0) >= 0 {
				return &FieldError{Field: field, Msg: "invalid source address " + strconv.Quote(v) + " (at most 20 characters)"}
			}
			e.u.MT.DefaultValue.SrcAddr = Some(v)
			return nil
		}},
	credCounterQuota("balance", false),
	credDecimalQuota("early_percent", ledger.MoneyUnit, 100*ledger.MoneyUnit, func(u *User) *Optional[ledger.Money] { return &u.MT.Quota.EarlyPercent }),
	credCounterQuota("sms_count", true),
	credDecimalQuota("http_throughput", 0, ledger.Money(math.MaxInt64), func(u *User) *Optional[ledger.Money] { return &u.MT.Quota.HTTPThroughput }),
	credDecimalQuota("smpps_throughput", 0, ledger.Money(math.MaxInt64), func(u *User) *Optional[ledger.Money] { return &u.MT.Quota.SMPPSThroughput }),
	credAuth(CredSMPPS, "bind", func(u *User) *bool { return &u.SMPPS.Authorization.Bind }),
	{cred: CredSMPPS, section: "authorization", key: "ip",
		show: func(u *User) string { return u.SMPPS.Authorization.IP.String() },
		set: func(e *credEdit, field, v string) error {
			f, err := ParseIPFilter(v)
			if err != nil {
				return &FieldError{Field: field, Msg: "invalid address or network " + strconv.Quote(v) + ": " + err.Error()}
			}
			e.u.SMPPS.Authorization.IP = f
			return nil
		}},
	credIntQuota(CredSMPPS, "max_bindings", func(u *User) *Optional[int64] { return &u.SMPPS.Quota.MaxBindings }),
}

// credSections lists, per credential, its sections in jCli's order.
var credSections = map[string][]string{
	CredMT:    {"authorization", "valuefilter", "defaultvalue", "quota"},
	CredSMPPS: {"authorization", "quota"},
}

// CredentialKeys returns every credential key as "cred section key", in
// `user -s` order.
func CredentialKeys() []string {
	out := make([]string, len(credKeys))
	for i, k := range credKeys {
		out[i] = k.cred + " " + k.section + " " + k.key
	}
	return out
}

// credLookup finds a key, or says which part is unknown.
func credLookup(cred, section, key string) (*credKey, error) {
	sections, ok := credSections[cred]
	if !ok {
		return nil, &FieldError{Field: cred, Msg: "unknown User key, possible keys: uid, gid, username, password, " + CredMT + ", " + CredSMPPS}
	}
	section, key = strings.ToLower(section), strings.ToLower(key)
	known := false
	for _, s := range sections {
		if s == section {
			known = true
		}
	}
	if !known {
		return nil, &FieldError{Field: cred + " " + section, Msg: "invalid section name, possible values: " + strings.Join(sections, ", ")}
	}
	var keys []string
	for i := range credKeys {
		k := &credKeys[i]
		if k.cred == cred && k.section == section {
			if k.key == key {
				return k, nil
			}
			keys = append(keys, k.key)
		}
	}
	return nil, &FieldError{Field: cred + " " + section + " " + key, Msg: "invalid key, possible keys: " + strings.Join(keys, ", ")}
}

// setCredential applies one credential change to an edit.
func (e *credEdit) setCredential(cred, section, key, value string) error {
	k, err := credLookup(cred, section, key)
	if err != nil {
		return err
	}
	field := k.cred + " " + k.section + " " + k.key
	if value == "" {
		return &FieldError{Field: field, Msg: "missing value"}
	}
	return k.set(e, field, value)
}

// credSplitArg splits jCli's "section key value" (the value may hold
// spaces).
func credSplitArg(cred, arg string) (section, key, value string, err error) {
	arg = strings.TrimLeft(arg, " \t")
	i := strings.IndexAny(arg, " \t")
	if i > 0 {
		section = arg[:i]
		rest := strings.TrimLeft(arg[i:], " \t")
		if j := strings.IndexAny(rest, " \t"); j > 0 {
			key = rest[:j]
			value = strings.TrimLeft(rest[j:], " \t")
		}
	}
	if section == "" || key == "" || value == "" {
		return "", "", "", &FieldError{Field: cred, Msg: "expected syntax: " + cred + " section key value"}
	}
	return section, key, value, nil
}

// credShowLines appends the credential lines of `user -s`.
func credShowLines(u *User, out []string) []string {
	for i := range credKeys {
		k := &credKeys[i]
		out = append(out, k.cred+" "+k.section+" "+k.key+" "+k.show(u))
	}
	return out
}
