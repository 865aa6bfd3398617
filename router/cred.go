package router

import (
	"net/netip"
	"strings"

	"github.com/gwd-project/gwd/router/ledger"
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
// live in the store's ledger (package store; see counters.go).
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
