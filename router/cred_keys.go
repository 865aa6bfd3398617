package router

import (
	"math"
	"strconv"
	"strings"

	"github.com/gwd-project/gwd/router/ledger"
)

// The jCli keys of the credentials: how each is parsed, set on a user
// being edited and shown.

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
	// counter, instead of show, shows a live counter (balance, sms_count)
	// from the ledger's values.
	counter func(c ledger.Counters) string
	set     func(e *credEdit, field, value string) error
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
		counter: func(c ledger.Counters) string {
			if smsCount {
				return c.SMSString()
			}
			return c.BalanceString()
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
			if n == math.MinInt64 {
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

// credShowLines appends the credential lines of `user -s`, the live
// counters as c has them.
func credShowLines(u *User, c ledger.Counters, out []string) []string {
	for i := range credKeys {
		k := &credKeys[i]
		var v string
		if k.counter != nil {
			v = k.counter(c)
		} else {
			v = k.show(u)
		}
		out = append(out, k.cred+" "+k.section+" "+k.key+" "+v)
	}
	return out
}
