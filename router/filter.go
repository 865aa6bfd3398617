package router

import (
	"errors"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gwd-project/gwd/router/script"
	"github.com/gwd-project/gwd/smpp"
)

// RoutingConfigError is a refused filter, route or table change. Field is
// the jCli key at fault (fid, type, destination_addr, order, connector, …).
type RoutingConfigError struct {
	Field string
	Msg   string
}

func (e *RoutingConfigError) Error() string { return e.Field + ": " + e.Msg }

func rtParamErr(field, msg string) error { return &RoutingConfigError{Field: field, Msg: msg} }

// Filter is one of Jasmin's routing filters (manual: "Filter manager").
// Filters are immutable once built and safe for concurrent use.
type Filter interface {
	// ID is the filter id (fid).
	ID() string
	// Type is Jasmin's class name, e.g. "DestinationAddrFilter".
	Type() string
	// UsedFor says which routes may use the filter (manual's "Routes"
	// column): ConnectorFilter MO only, UserFilter and GroupFilter MT
	// only, every other filter both.
	UsedFor() (mo, mt bool)
	// Match reports whether the routable passes the filter.
	Match(r *Routable) bool
	// Describe is the filter as "filter -l" and the route listings show
	// it, e.g. "<DestinationAddrFilter (dst_addr=^85111$)>".
	Describe() string
	// Show is the filter as "filter -s" shows it, e.g.
	// "DateIntervalFilter:\nLeft border = 2014-09-01\nRight border = 2014-09-30".
	Show() string
	// Params are the jCli parameters that rebuild the filter with
	// NewFilter (EvalPyFilter: pyCode holds the script source).
	Params() map[string]string
}

// Filter type names, as Jasmin spells them.
const (
	TransparentFilterType     = "TransparentFilter"
	ConnectorFilterType       = "ConnectorFilter"
	UserFilterType            = "UserFilter"
	GroupFilterType           = "GroupFilter"
	SourceAddrFilterType      = "SourceAddrFilter"
	DestinationAddrFilterType = "DestinationAddrFilter"
	ShortMessageFilterType    = "ShortMessageFilter"
	DateIntervalFilterType    = "DateIntervalFilter"
	TimeIntervalFilterType    = "TimeIntervalFilter"
	TagFilterType             = "TagFilter"
	EvalPyFilterType          = "EvalPyFilter"
)

// FilterTypes lists the filter types in the manual's order.
var FilterTypes = []string{
	TransparentFilterType, ConnectorFilterType, UserFilterType, GroupFilterType,
	SourceAddrFilterType, DestinationAddrFilterType, ShortMessageFilterType,
	DateIntervalFilterType, TimeIntervalFilterType, TagFilterType, EvalPyFilterType,
}

// FilterParamNames gives, per filter type, the jCli parameters it takes
// (all mandatory).
var FilterParamNames = map[string][]string{
	TransparentFilterType:     nil,
	ConnectorFilterType:       {"cid"},
	UserFilterType:            {"uid"},
	GroupFilterType:           {"gid"},
	SourceAddrFilterType:      {"source_addr"},
	DestinationAddrFilterType: {"destination_addr"},
	ShortMessageFilterType:    {"short_message"},
	DateIntervalFilterType:    {"dateInterval"},
	TimeIntervalFilterType:    {"timeInterval"},
	TagFilterType:             {"tag"},
	EvalPyFilterType:          {"pyCode"},
}

// CanonicalFilterType returns the type name for typ in any case
// ("transparentfilter" → "TransparentFilter").
func CanonicalFilterType(typ string) (string, bool) {
	for _, t := range FilterTypes {
		if strings.EqualFold(t, strings.TrimSpace(typ)) {
			return t, true
		}
	}
	return "", false
}

// ValidFilterID reports whether fid is acceptable: 1 to 16 characters of
// letters, digits, '_', '-' (Jasmin's rule) and also '*' and '.', so that
// the manual's own example "From20*" is accepted.
func ValidFilterID(fid string) bool {
	if len(fid) == 0 || len(fid) > 16 {
		return false
	}
	for i := 0; i < len(fid); i++ {
		c := fid[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '_' || c == '-' || c == '*' || c == '.') {
			return false
		}
	}
	return true
}

// NewFilter builds a filter from jCli parameters: typ is the filter type
// in any case, fid its id, params the type's parameters by the manual's
// names (cid, uid, gid, source_addr, destination_addr, short_message,
// dateInterval "YYYY-MM-DD;YYYY-MM-DD", timeInterval "HH:MM:SS;HH:MM:SS",
// tag, pyCode; keys are matched case-insensitively). Every error is a
// *RoutingConfigError naming the parameter.
//
// Semantics:
//   - regular expressions follow Python's re.match (see pyRegexp): anchored
//     at the start only;
//   - dateInterval and timeInterval are inclusive at both ends and compared
//     with the routable's Time in its own location (the engine passes local
//     time, as Jasmin uses datetime.now()); a time interval whose left
//     border is after its right one crosses midnight (22:00:00;06:00:00
//     matches 23:00 and 05:00) — Jasmin refuses it, gwd accepts it; equal
//     time borders are refused; equal dates are a one-day interval;
//   - tag is an integer;
//   - pyCode is the script's Starlark source, or the path of a file that
//     holds it inside [scripts] dir (script.ReadFile): a one-line value
//     naming an existing file there is read (once, now); a one-line value
//     that looks like a path (starts with / ./ ../ or ends with .py) but
//     cannot be read there — outside the directory, or no directory set —
//     is an error. The script is compiled now; a syntax error names pyCode
//     and the line.
func NewFilter(typ, fid string, params map[string]string) (Filter, error) {
	t, ok := CanonicalFilterType(typ)
	if !ok {
		return nil, rtParamErr("type", "unknown filter type \""+typ+"\", available types: "+strings.Join(FilterTypes, ", "))
	}
	if !ValidFilterID(fid) {
		return nil, rtParamErr("fid", "invalid filter id \""+fid+"\" (1 to 16 characters of A-Z a-z 0-9 _ - * .)")
	}
	want := FilterParamNames[t]
	vals := make(map[string]string, len(want))
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		canon := ""
		for _, w := range want {
			if strings.EqualFold(k, w) {
				canon = w
			}
		}
		if canon == "" {
			if len(want) == 0 {
				return nil, rtParamErr(k, "unknown parameter: "+t+" takes no parameters")
			}
			return nil, rtParamErr(k, "unknown parameter for "+t+" (takes "+strings.Join(want, ", ")+")")
		}
		vals[canon] = params[k]
	}
	for _, w := range want {
		if _, ok := vals[w]; !ok {
			return nil, rtParamErr(w, "missing (a "+t+" needs "+strings.Join(want, ", ")+")")
		}
	}
	b := filterBase{fid: fid, typ: t, mo: true, mt: true}
	switch t {
	case TransparentFilterType:
		return &transparentFilter{b}, nil
	case ConnectorFilterType, UserFilterType, GroupFilterType:
		key := want[0]
		v := strings.TrimSpace(vals[key])
		if v == "" {
			return nil, rtParamErr(key, "must not be empty")
		}
		f := &idFilter{filterBase: b, key: key, val: v}
		switch t {
		case ConnectorFilterType:
			f.mt = false
		default:
			f.mo = false
		}
		return f, nil
	case SourceAddrFilterType, DestinationAddrFilterType, ShortMessageFilterType:
		key := want[0]
		re, err := rtCompilePy(key, vals[key])
		if err != nil {
			return nil, err
		}
		f := &regexFilter{filterBase: b, key: key, re: re}
		switch t {
		case SourceAddrFilterType:
			f.field, f.short = rtFieldSrc, "src_addr"
		case DestinationAddrFilterType:
			f.field, f.short = rtFieldDst, "dst_addr"
		default:
			f.field, f.short = rtFieldSM, "msg"
		}
		return f, nil
	case DateIntervalFilterType:
		lo, hi, err := rtParseInterval("dateInterval", vals["dateInterval"], "2006-01-02", rtReDate, "YYYY-MM-DD")
		if err != nil {
			return nil, err
		}
		if hi.Before(lo) {
			return nil, rtParamErr("dateInterval", "right border must not be before left border")
		}
		return &dateFilter{filterBase: b,
			lo: rtDateKey(lo.Date()), hi: rtDateKey(hi.Date()),
			los: lo.Format("2006-01-02"), his: hi.Format("2006-01-02")}, nil
	case TimeIntervalFilterType:
		lo, hi, err := rtParseInterval("timeInterval", vals["timeInterval"], "15:04:05", rtReTime, "HH:MM:SS")
		if err != nil {
			return nil, err
		}
		if lo.Equal(hi) {
			return nil, rtParamErr("timeInterval", "right border must differ from left border")
		}
		return &timeFilter{filterBase: b,
			lo: rtClockKey(lo.Clock()) * int64(time.Second), hi: rtClockKey(hi.Clock()) * int64(time.Second),
			los: lo.Format("15:04:05"), his: hi.Format("15:04:05")}, nil
	case TagFilterType:
		v := strings.TrimSpace(vals["tag"])
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, rtParamErr("tag", "must be an integer, got \""+vals["tag"]+"\"")
		}
		return &tagFilter{filterBase: b, tag: n}, nil
	case EvalPyFilterType:
		return newEvalPyFilter(b, vals["pyCode"], script.Limits{})
	}
	return nil, rtParamErr("type", "unsupported filter type "+t)
}

type filterBase struct {
	fid, typ string
	mo, mt   bool
}

func (b *filterBase) ID() string             { return b.fid }
func (b *filterBase) Type() string           { return b.typ }
func (b *filterBase) UsedFor() (mo, mt bool) { return b.mo, b.mt }

// rtUsable reports whether f fits a route of direction d.
func rtUsable(f Filter, d Direction) bool {
	mo, mt := f.UsedFor()
	return d == MO && mo || d == MT && mt
}

type transparentFilter struct{ filterBase }

func (f *transparentFilter) Match(*Routable) bool      { return true }
func (f *transparentFilter) Describe() string          { return "<TransparentFilter>" }
func (f *transparentFilter) Show() string              { return "TransparentFilter" }
func (f *transparentFilter) Params() map[string]string { return map[string]string{} }

// idFilter is ConnectorFilter (key cid), UserFilter (uid), GroupFilter (gid).
type idFilter struct {
	filterBase
	key, val string
}

func (f *idFilter) Match(r *Routable) bool {
	switch f.key {
	case "cid":
		return r.Connector == f.val
	case "uid":
		return r.UID == f.val
	}
	return r.GID == f.val
}
func (f *idFilter) Describe() string          { return "<" + f.typ + " (" + f.key + "=" + f.val + ")>" }
func (f *idFilter) Show() string              { return f.typ + ":\n" + f.key + " = " + f.val }
func (f *idFilter) Params() map[string]string { return map[string]string{f.key: f.val} }

type rtField uint8

const (
	rtFieldSrc rtField = iota + 1
	rtFieldDst
	rtFieldSM
)

func rtFieldValue(r *Routable, f rtField) []byte {
	p := r.PDU
	if p == nil {
		return nil
	}
	switch f {
	case rtFieldSrc:
		return p.Source.Addr
	case rtFieldDst:
		return p.Dest.Addr
	}
	// Content is short_message, or message_payload when short_message is
	// empty (as Jasmin's ShortMessageFilter).
	if len(p.ShortMessage) == 0 {
		if v, ok := p.TLVs.Get(smpp.TagMessagePayload); ok {
			return v
		}
	}
	return p.ShortMessage
}

// regexFilter is SourceAddrFilter, DestinationAddrFilter, ShortMessageFilter.
type regexFilter struct {
	filterBase
	key, short string
	field      rtField
	re         *pyRegexp
}

func (f *regexFilter) Match(r *Routable) bool { return f.re.match(rtFieldValue(r, f.field)) }
func (f *regexFilter) Describe() string {
	return "<" + f.typ + " (" + f.short + "=" + f.re.src + ")>"
}
func (f *regexFilter) Show() string              { return f.typ + ":\n" + f.key + " = " + f.re.src }
func (f *regexFilter) Params() map[string]string { return map[string]string{f.key: f.re.src} }

var (
	rtReDate = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	rtReTime = regexp.MustCompile(`^\d{2}:\d{2}:\d{2}$`)
)

func rtParseInterval(field, v, layout string, re *regexp.Regexp, human string) (lo, hi time.Time, err error) {
	parts := strings.Split(strings.TrimSpace(v), ";")
	if len(parts) != 2 {
		return lo, hi, rtParamErr(field, "must be two values separated by \";\" ("+human+";"+human+"), got \""+v+"\"")
	}
	var ts [2]time.Time
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if !re.MatchString(p) {
			return lo, hi, rtParamErr(field, "\""+p+"\" is not a valid "+human+" value")
		}
		t, perr := time.Parse(layout, p)
		if perr != nil {
			return lo, hi, rtParamErr(field, "\""+p+"\" is not a valid "+human+" value")
		}
		ts[i] = t
	}
	return ts[0], ts[1], nil
}

func rtDateKey(y int, m time.Month, d int) int32 { return int32(y*10000 + int(m)*100 + d) }
func rtClockKey(h, m, s int) int64               { return int64((h*60+m)*60 + s) }

type dateFilter struct {
	filterBase
	lo, hi   int32
	los, his string
}

func (f *dateFilter) Match(r *Routable) bool {
	k := rtDateKey(r.Time.Date())
	return f.lo <= k && k <= f.hi
}
func (f *dateFilter) Describe() string { return "<DateIntervalFilter (" + f.los + "," + f.his + ")>" }
func (f *dateFilter) Show() string {
	return "DateIntervalFilter:\nLeft border = " + f.los + "\nRight border = " + f.his
}
func (f *dateFilter) Params() map[string]string {
	return map[string]string{"dateInterval": f.los + ";" + f.his}
}

type timeFilter struct {
	filterBase
	lo, hi   int64 // nanoseconds since midnight
	los, his string
}

func (f *timeFilter) Match(r *Routable) bool {
	k := rtClockKey(r.Time.Clock())*int64(time.Second) + int64(r.Time.Nanosecond())
	if f.lo <= f.hi {
		return f.lo <= k && k <= f.hi
	}
	return k >= f.lo || k <= f.hi // crosses midnight
}
func (f *timeFilter) Describe() string { return "<TimeIntervalFilter (" + f.los + "," + f.his + ")>" }
func (f *timeFilter) Show() string {
	return "TimeIntervalFilter:\nLeft border = " + f.los + "\nRight border = " + f.his
}
func (f *timeFilter) Params() map[string]string {
	return map[string]string{"timeInterval": f.los + ";" + f.his}
}

type tagFilter struct {
	filterBase
	tag int64
}

func (f *tagFilter) Match(r *Routable) bool { return r.HasTag(f.tag) }

// Describe is "<TG (tag=…)>" as in the manual's filter listing (and
// Jasmin's code), not "<TagFilter …>".
func (f *tagFilter) Describe() string { return "<TG (tag=" + strconv.FormatInt(f.tag, 10) + ")>" }
func (f *tagFilter) Show() string     { return "TagFilter:\nhas tag = " + strconv.FormatInt(f.tag, 10) }
func (f *tagFilter) Params() map[string]string {
	return map[string]string{"tag": strconv.FormatInt(f.tag, 10)}
}

// EvalPyFilter runs a Starlark script (package router/script) for every
// Match: the script sees `routable` and sets `result`. A script that fails
// at match time (runtime error, step or time limit) does not match; the
// failures are counted (Errors) and the last one kept (LastError).
type EvalPyFilter struct {
	filterBase
	source string
	prog   *script.Program
	limits script.Limits

	errs    atomic.Uint64
	lastErr atomic.Pointer[error]
}

// NewEvalPyFilter builds an EvalPyFilter with explicit run limits (NewFilter
// uses script.DefaultLimits). pyCode is as for NewFilter.
func NewEvalPyFilter(fid, pyCode string, lim script.Limits) (*EvalPyFilter, error) {
	if !ValidFilterID(fid) {
		return nil, rtParamErr("fid", "invalid filter id \""+fid+"\" (1 to 16 characters of A-Z a-z 0-9 _ - * .)")
	}
	return newEvalPyFilter(filterBase{fid: fid, typ: EvalPyFilterType, mo: true, mt: true}, pyCode, lim)
}

func newEvalPyFilter(b filterBase, pyCode string, lim script.Limits) (*EvalPyFilter, error) {
	src, err := rtScriptSource(pyCode)
	if err != nil {
		return nil, err
	}
	prog, err := compileScript("pyCode", src)
	if err != nil {
		return nil, err
	}
	return &EvalPyFilter{filterBase: b, source: src, prog: prog, limits: lim}, nil
}

// compileScript compiles the Starlark script given for key field; a
// compile error names the field and the line.
func compileScript(field, source string) (*script.Program, error) {
	prog, err := script.Compile(field, source)
	if err != nil {
		var ce *script.CompileError
		if errors.As(err, &ce) {
			return nil, rtParamErr(field, strings.TrimPrefix(ce.Error(), field+": "))
		}
		return nil, rtParamErr(field, err.Error())
	}
	return prog, nil
}

// rtScriptSource resolves pyCode: inline source, or the path of a file
// inside [scripts] dir (script.ReadFile: a path leading out of it, or any
// path when no dir is set, is refused).
func rtScriptSource(v string) (string, error) {
	if strings.TrimSpace(v) == "" {
		return "", rtParamErr("pyCode", "empty script")
	}
	if strings.ContainsAny(v, "\n") {
		return v, nil
	}
	path := strings.TrimSpace(v)
	if script.InDir(path) || strings.HasPrefix(path, "/") || strings.HasPrefix(path, "./") ||
		strings.HasPrefix(path, "../") || strings.HasSuffix(path, ".py") {
		src, err := script.ReadFile(path)
		if err != nil {
			return "", rtParamErr("pyCode", err.Error())
		}
		return src, nil
	}
	return v, nil
}

// Match runs the script; a failing run is no match.
func (f *EvalPyFilter) Match(r *Routable) bool {
	in := script.Input{MO: r.Dir == MO, PDU: r.PDU, UID: r.UID, GID: r.GID,
		Connector: r.Connector, Time: r.Time, Tags: r}
	out, err := f.prog.Run(&in, f.limits)
	if err != nil {
		f.errs.Add(1)
		f.lastErr.Store(&err)
		return false
	}
	return out.Result
}

// Errors is the number of runs that failed.
func (f *EvalPyFilter) Errors() uint64 { return f.errs.Load() }

// LastError is the last run failure, or nil.
func (f *EvalPyFilter) LastError() error {
	if p := f.lastErr.Load(); p != nil {
		return *p
	}
	return nil
}

// Source is the script's source.
func (f *EvalPyFilter) Source() string { return f.source }

// Describe is Jasmin's "<EvalPyFilter (pyCode=<first 10 characters> ..)>".
func (f *EvalPyFilter) Describe() string {
	head := f.source
	if len(head) > 10 {
		head = head[:10]
	}
	return "<EvalPyFilter (pyCode=" + strings.ReplaceAll(head, "\n", "") + " ..)>"
}
func (f *EvalPyFilter) Show() string              { return "EvalPyFilter:\n" + f.source }
func (f *EvalPyFilter) Params() map[string]string { return map[string]string{"pyCode": f.source} }
