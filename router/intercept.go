package router

import (
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/gwd-project/gwd/router/script"
	"github.com/gwd-project/gwd/smpp"
)

// Interceptors (the manual's "Interception" chapter, and the mointerceptor
// and mtinterceptor jCli modules).
//
// An interceptor is a rule like a route — an order, a type, filters ANDed
// — whose target is a script instead of a connector. Before routing, the
// engine asks the direction's table for the first interceptor (highest
// order first) whose filters all match (Lookup), and runs its script on
// the message (Interceptor.Run). The script may
//
//   - change the message: routable.pdu.params['source_addr'] = '123456789'
//     sets source_addr in Routable.PDU (new byte slices; the frame the PDU
//     was decoded from is never written);
//   - lock params it changed, routable.lockPduParam('source_addr_ton'),
//     which Verdict.Locked reports (see below);
//   - tag the message for the router: routable.addTag(21401);
//   - answer for gwd: set smpp_status and/or http_status.
//
// What the engine does with a Verdict:
//
//   - neither Reject nor Bypass: route the (possibly changed) message as
//     usual. Params in Verdict.Locked must then keep the value the script
//     left: a later stage that fills in defaults (an SMPP client
//     connector's src_ton, src_npi, dst_ton, dst_npi, priority, validity,
//     ripf, def_msg_id, coding, proto_id …, or the HTTP API's defaults)
//     must skip a locked param. This is Jasmin's FAQ "PDU params keep
//     resetting to connector defaults even after interception": Jasmin
//     needs the lock only for messages from the HTTP API, gwd honours it
//     whatever the channel.
//   - Reject: answer with Verdict.Refusal() — the script's smpp_status as
//     submit_sm_resp / deliver_sm_resp command_status, or its http_status
//     with `Error "Interception specific error code <http_status>"` — and
//     neither route nor charge the message.
//   - Bypass: answer success without routing (and without charging): the
//     message goes nowhere. SMPP: ESME_ROK (for MO, the deliver_sm_resp to
//     the SMSC; the message is then dropped). HTTP: Verdict.HTTPStatus
//     (200 unless the script chose another 2xx) with the usual
//     `Success "<message id>"` body. The manual promises the bypass for
//     smpp_status 0 without naming a channel; Jasmin's own HTTP API has no
//     such path (it answers an error), gwd applies the manual to both.
//
// A Reject or Bypass leaves the PDU and the tags as they were before the
// script ran (Jasmin then discards the script's routable too).
//
// smpp_status and http_status (the manual's "Controlling response"):
// both read 0 until the script sets them; a script "sets" one by
// assigning it at top level (None counts as not set, as Jasmin's own
// default is None). The manual's rules:
//
//   - neither set (or http_status set to 0): continue to routing;
//   - http_status set (≠ 0) and smpp_status not: smpp_status becomes 255
//     (ESME_RUNKNOWNERR);
//   - smpp_status set ≠ 0 and http_status not: http_status becomes 520
//     (Unknown error);
//   - smpp_status set to 0: "the routing process will be bypassed and an
//     ESME_ROK status is returned" — Bypass.
//
// The verdict is then read for the channel the message came by: the SMPP
// server (and every MO message) answers with smpp_status — 0 is Bypass,
// anything else Reject; the HTTP API answers with http_status — a 2xx
// (or none, when smpp_status was set to 0) is Bypass, anything else
// Reject. smpp_status must be in 0..0xFFFFFFFF and http_status 0 or
// 100..599, else the run fails.
//
// A script that fails — a runtime error, its step or time limit
// (script.Limits: an endless loop is stopped), a bad status or param value
// — is Jasmin's interceptor_error: Run returns an *InterceptError, a
// Refusal the front-ends answer as Jasmin's InterceptorRunError: HTTP 400 `Error "Failed running interception script,
// check log for details"` and SMPP ESME_RSYSERR. A script that does not compile is refused when
// the interceptor is built (a *RoutingConfigError for the "script" key,
// with the line). Jasmin counts rejections and failures in
// interceptor_error_count and the rest in interceptor_count.
//
// Scripts are Starlark (package router/script), not Python: see that
// package for what a script sees. The differences from Jasmin's Python
// that matter for porting the manual's examples:
//
//   - no import: python-smpp's AddrTon, AddrNpi, RegisteredDelivery and
//     RegisteredDeliveryReceipt are predeclared (as ints), so remove the
//     `from smpp.pdu.pdu_types import …` line and keep the rest;
//   - no I/O of any kind (no sockets, files, HTTP, logging): the HLR lookup
//     and CGRateS charging examples cannot call out; what a script needs
//     must come with the message (tags, params). print() output is
//     discarded;
//   - no try/except, no classes, no global statement: a function cannot
//     set smpp_status; set it at top level;
//   - PDU strings read as str (Jasmin's Python 3 gives bytes): compare with
//     '33600000000', not b'33600000000'; either str or bytes may be
//     assigned;
//   - smpp_status and http_status read 0 at top level until the script
//     assigns them; inside a function they name the script's own global,
//     which must have been assigned by the time the function runs;
//   - `;;` (in the manual's TON/NPI example) is a syntax error in Python
//     and in Starlark alike: one `;` is fine.

// InterceptorType is one of Jasmin's interceptor classes.
type InterceptorType uint8

// Interceptor types. DefaultInterceptor serves both tables.
const (
	InterceptorDefault  InterceptorType = iota + 1 // DefaultInterceptor
	InterceptorStaticMT                            // StaticMTInterceptor
	InterceptorStaticMO                            // StaticMOInterceptor
)

var icTypeNames = [...]string{
	InterceptorDefault:  "DefaultInterceptor",
	InterceptorStaticMT: "StaticMTInterceptor",
	InterceptorStaticMO: "StaticMOInterceptor",
}

// String is Jasmin's class name.
func (t InterceptorType) String() string {
	if t >= InterceptorDefault && t <= InterceptorStaticMO {
		return icTypeNames[t]
	}
	return "InterceptorType(" + strconv.Itoa(int(t)) + ")"
}

// ParseInterceptorType reads an interceptor type name in any case.
func ParseInterceptorType(s string) (InterceptorType, bool) {
	return parseTypeName[InterceptorType](s, icTypeNames[:])
}

// Direction is the table the type belongs to; 0 for DefaultInterceptor.
func (t InterceptorType) Direction() Direction {
	switch t {
	case InterceptorStaticMT:
		return MT
	case InterceptorStaticMO:
		return MO
	}
	return 0
}

// InterceptorTypesFor lists the types a table of direction d accepts.
func InterceptorTypesFor(d Direction) []InterceptorType {
	if d == MO {
		return []InterceptorType{InterceptorDefault, InterceptorStaticMO}
	}
	return []InterceptorType{InterceptorDefault, InterceptorStaticMT}
}

func icTypeList(d Direction) string { return typeList(InterceptorTypesFor(d)) }

// Interceptor is an MT or MO interceptor: filters and a compiled script.
// Build one with NewMTInterceptor, NewMOInterceptor or BuildInterceptor; a
// table keeps its own copy. Interceptors a table hands out are shared: do
// not modify them. Run is safe for concurrent use.
type Interceptor struct {
	// Order is the interceptor's place in its table: higher first, 0 is
	// the DefaultInterceptor.
	Order int
	Type  InterceptorType
	// Filters are ANDed. A DefaultInterceptor has none.
	Filters []Filter

	source string
	prog   *script.Program
	limits script.Limits
	dir    Direction
	eval   []Filter // Filters in evaluation order: cheap ones first
}

// NewMTInterceptor builds and validates an MT interceptor running the
// Starlark script source within lim (zero fields: script.DefaultLimits).
func NewMTInterceptor(typ InterceptorType, order int, filters []Filter, source string, lim script.Limits) (*Interceptor, error) {
	return icNew(MT, typ, order, filters, source, lim)
}

// NewMOInterceptor builds and validates an MO interceptor; see
// NewMTInterceptor.
func NewMOInterceptor(typ InterceptorType, order int, filters []Filter, source string, lim script.Limits) (*Interceptor, error) {
	return icNew(MO, typ, order, filters, source, lim)
}

func icNew(d Direction, typ InterceptorType, order int, filters []Filter, source string, lim script.Limits) (*Interceptor, error) {
	prog, err := icCompile(source)
	if err != nil {
		return nil, err
	}
	ic := &Interceptor{Order: order, Type: typ, Filters: slices.Clone(filters), source: source, prog: prog, limits: lim}
	if err := ic.prepare(d); err != nil {
		return nil, err
	}
	return ic, nil
}

// icCompile compiles an interceptor script; errors name the "script" key
// and the line.
func icCompile(source string) (*script.Program, error) {
	if strings.TrimSpace(source) == "" {
		return nil, rtParamErr("script", "empty script")
	}
	return compileScript("script", source)
}

// prepare validates the interceptor for direction d (the rules of routes:
// order 0 is the DefaultInterceptor and only it, filters fit the
// direction) and computes its filters' evaluation order.
func (ic *Interceptor) prepare(d Direction) error {
	if ic.Type < InterceptorDefault || ic.Type > InterceptorStaticMO {
		return rtParamErr("type", "unknown interceptor type "+ic.Type.String())
	}
	if td := ic.Type.Direction(); td != 0 && td != d {
		return rtParamErr("type", ic.Type.String()+" is not an "+d.String()+" interceptor type (use one of "+icTypeList(d)+")")
	}
	if err := checkEntry(d, entryRules{what: "interceptor", def: "DefaultInterceptor", usedFor: " only"},
		ic.Type == InterceptorDefault, ic.Type.String(), ic.Order, ic.Filters); err != nil {
		return err
	}
	if ic.prog == nil {
		return rtParamErr("script", "no script (build interceptors with NewMTInterceptor, NewMOInterceptor or BuildInterceptor)")
	}
	ic.dir = d
	ic.eval = slices.Clone(ic.Filters)
	slices.SortStableFunc(ic.eval, func(a, b Filter) int { return rtFilterCost(a) - rtFilterCost(b) })
	return nil
}

func (ic *Interceptor) clone() *Interceptor {
	c := *ic
	c.Filters = slices.Clone(ic.Filters)
	c.eval = nil
	return &c
}

// Direction is the table the interceptor was built for.
func (ic *Interceptor) Direction() Direction { return ic.dir }

// Source is the script's Starlark source.
func (ic *Interceptor) Source() string { return ic.source }

// Limits are the script's run limits as given (zero fields mean
// script.DefaultLimits).
func (ic *Interceptor) Limits() script.Limits { return ic.limits }

// Match reports whether every filter passes (a DefaultInterceptor always
// matches).
func (ic *Interceptor) Match(r *Routable) bool {
	fl := ic.eval
	if fl == nil {
		fl = ic.Filters
	}
	for _, f := range fl {
		if !f.Match(r) {
			return false
		}
	}
	return true
}

// UsesFilter reports whether the interceptor holds the filter fid.
func (ic *Interceptor) UsesFilter(fid string) bool {
	return slices.ContainsFunc(ic.Filters, func(f Filter) bool { return f.ID() == fid })
}

// FilterList is the filters as listings show them, comma separated.
func (ic *Interceptor) FilterList() string {
	s := make([]string, len(ic.Filters))
	for i, f := range ic.Filters {
		s[i] = f.Describe()
	}
	return strings.Join(s, ", ")
}

// ScriptDescribe is the script as Jasmin lists it: "<MTIS (pyCode=<the
// first 30 characters, newlines removed> ..)>" ("MOIS" for MO).
func (ic *Interceptor) ScriptDescribe() string {
	head := ic.source
	n := 0
	for i := range head {
		if n == 30 {
			head = head[:i]
			break
		}
		n++
	}
	head = strings.ReplaceAll(head, "\n", "")
	kind := "MTIS"
	if ic.dir == MO {
		kind = "MOIS"
	}
	return "<" + kind + " (pyCode=" + head + " ..)>"
}

// Show is the interceptor as "mtinterceptor -s" shows it:
// "StaticMTInterceptor/<MTIS (pyCode=… ..)>".
func (ic *Interceptor) Show() string { return ic.Type.String() + "/" + ic.ScriptDescribe() }

// BuildInterceptor builds an interceptor from jCli's add-session keys:
// type, order (may be left out for a DefaultInterceptor: 0), filters
// ("f1;f2", resolved in fs; not for a DefaultInterceptor) and script.
// script is python3(/absolute/path/to/script.py) or
// python3(file:///absolute/path) as in the manual: the file is read once,
// now, and its content kept (as Jasmin copies it: changing the file
// afterwards changes nothing until the interceptor is added again); its
// content is Starlark. Remote scripts (python3(https://…)) are refused:
// gwd does not download code. A value holding a newline is taken as the
// script itself (for the admin API). Errors are *RoutingConfigError naming
// the key.
func BuildInterceptor(d Direction, params map[string]string, fs *FilterSet) (*Interceptor, error) {
	ts, err := entryParams(params).typeName([]string{"type", "order", "filters", "script"}, d.String()+" interceptor")
	if err != nil {
		return nil, err
	}
	typ, ok := ParseInterceptorType(ts)
	if !ok {
		return nil, rtParamErr("type", "unknown interceptor type \""+ts+"\" (use one of "+icTypeList(d)+")")
	}
	if td := typ.Direction(); td != 0 && td != d {
		return nil, rtParamErr("type", typ.String()+" is not an "+d.String()+" interceptor type (use one of "+icTypeList(d)+")")
	}
	ic := &Interceptor{Type: typ}
	if ic.Order, ic.Filters, err = entryParams(params).orderFilters(typ == InterceptorDefault, "DefaultInterceptor", fs); err != nil {
		return nil, err
	}
	sv, ok := entryParams(params).raw("script")
	if !ok {
		return nil, rtParamErr("script", "missing")
	}
	src, err := icScriptSource(sv)
	if err != nil {
		return nil, err
	}
	if ic.prog, err = icCompile(src); err != nil {
		return nil, err
	}
	ic.source = src
	if err := ic.prepare(d); err != nil {
		return nil, err
	}
	return ic, nil
}

// icScriptSource resolves jCli's script value to the script's source.
func icScriptSource(v string) (string, error) {
	if strings.Contains(v, "\n") {
		return v, nil
	}
	s := strings.TrimSpace(v)
	const usage = "expected python3(/absolute/path/to/script.py)"
	inner, ok := strings.CutPrefix(s, "python3(")
	if !ok || !strings.HasSuffix(inner, ")") {
		return "", rtParamErr("script", "\""+s+"\": "+usage)
	}
	path := strings.TrimSpace(strings.TrimSuffix(inner, ")"))
	if i := strings.Index(path, "://"); i > 0 {
		scheme := strings.ToLower(path[:i])
		if scheme != "file" {
			return "", rtParamErr("script", "remote scripts ("+scheme+"://) are not supported: copy the script to this machine and give its absolute path")
		}
		path = path[i+len("://"):]
		if !strings.HasPrefix(path, "/") {
			path = "/" + path // python3(file://path/to/script.py)
		}
	}
	if !strings.HasPrefix(path, "/") {
		return "", rtParamErr("script", "\""+path+"\" is not an absolute path (relative paths are not supported)")
	}
	src, err := script.ReadFile(path) // confined to [scripts] dir
	if err != nil {
		return "", rtParamErr("script", err.Error())
	}
	return src, nil
}

// httpOK is the http_status of a Bypass whose script set none: the HTTP
// API's 200 OK. Statuses are data here, the script's answer.
const httpOK = 200

// Verdict is what an interceptor's script decided (see the comment at the
// top of this file for what the engine does with it). The zero Verdict
// (neither Reject nor Bypass) means: route the message.
type Verdict struct {
	// Reject: answer with Refusal() and do not route.
	Reject bool
	// Bypass: answer success without routing.
	Bypass bool
	// SMPPStatus is the smpp_status after the manual's coupling rules
	// (0 when the script set none).
	SMPPStatus smpp.Status
	// HTTPStatus is the http_status after the coupling rules; for a
	// Bypass read on the HTTP channel, the status to answer (200 unless
	// the script set another 2xx). 0 when the script set none.
	HTTPStatus int
	// Changed are the params the script changed (applied to the PDU
	// only when the message is routed: neither Reject nor Bypass).
	Changed script.ParamSet
	// Locked are the params the script locked: stages after the
	// interceptor must not overwrite them.
	Locked script.ParamSet
}

// Refusal is the answer for a Reject verdict (nil otherwise): an
// *InterceptRejection.
func (v Verdict) Refusal() Refusal {
	if !v.Reject {
		return nil
	}
	return &InterceptRejection{SMPP: v.SMPPStatus, HTTP: v.HTTPStatus}
}

// InterceptRejection is a message an interceptor script rejected (Kind
// RefusedIntercepted). The statuses are the script's choice, data the
// front-ends answer with: HTTP its http_status with Text, Jasmin's
// `Interception specific error code <http_status>`; SMPP its
// smpp_status.
type InterceptRejection struct {
	SMPP smpp.Status
	HTTP int
}

func (e *InterceptRejection) Error() string {
	return "rejected by interceptor script: smpp_status " + strconv.FormatUint(uint64(e.SMPP), 10) +
		" (" + e.SMPP.String() + "), http_status " + strconv.Itoa(e.HTTP)
}

// Kind is RefusedIntercepted.
func (e *InterceptRejection) Kind() RefusalKind { return RefusedIntercepted }

// Text is Jasmin's text.
func (e *InterceptRejection) Text() string {
	return "Interception specific error code " + strconv.Itoa(e.HTTP)
}

// InterceptError is a failed interceptor run (interceptor_error, Kind
// RefusedInterceptFailed): the script raised a runtime error, hit its step
// or time limit, or left a value gwd cannot use. Text is Jasmin's
// InterceptorRunError text, `Failed running interception script, check
// log for details`; Error() has the details for the log.
type InterceptError struct {
	Dir   Direction
	Order int
	Err   error
}

func (e *InterceptError) Error() string {
	return e.Dir.String() + " interceptor " + strconv.Itoa(e.Order) + ": script failed: " + e.Err.Error()
}

// Unwrap is the script's error.
func (e *InterceptError) Unwrap() error { return e.Err }

// Kind is RefusedInterceptFailed.
func (e *InterceptError) Kind() RefusalKind { return RefusedInterceptFailed }

// Text is Jasmin's text.
func (e *InterceptError) Text() string {
	return "Failed running interception script, check log for details"
}

// Run runs the interceptor's script on r. ch is the channel an MT message
// came by (the verdict is read for it: ChannelHTTP reads http_status,
// anything else smpp_status); it is ignored for MO. When the
// message is to be routed (neither Reject nor Bypass), the script's
// param changes are written into r.PDU and its tags stay on r; otherwise,
// and on error, r is left as it was. A failed run returns an
// *InterceptError. Run is not on an event loop's budget: a script may take
// up to its time limit (script.DefaultLimits: 50 ms).
func (ic *Interceptor) Run(r *Routable, ch Channel) (Verdict, error) {
	if r == nil || r.PDU == nil {
		return Verdict{}, ic.fail(errors.New("no message"))
	}
	var saved []int64
	if len(r.Tags) > 0 {
		saved = slices.Clone(r.Tags)
	}
	restore := func() { r.Tags = append(r.Tags[:0], saved...) }
	in := script.Input{MO: ic.dir == MO, PDU: r.PDU, UID: r.UID, GID: r.GID,
		Connector: r.Connector, Time: r.Time, Tags: r, Interceptor: true}
	out, err := ic.prog.Run(&in, ic.limits)
	if err != nil {
		restore()
		return Verdict{}, ic.fail(err)
	}
	v, err := icVerdict(out.SMPPStatus, out.HTTPStatus, ic.dir == MO || ch != ChannelHTTP)
	if err != nil {
		restore()
		return Verdict{}, ic.fail(err)
	}
	v.Locked = out.Locked
	if v.Reject || v.Bypass {
		restore()
		return v, nil
	}
	out.Edits.Apply()
	v.Changed = out.Edits.Changed()
	return v, nil
}

func (ic *Interceptor) fail(err error) error {
	return &InterceptError{Dir: ic.dir, Order: ic.Order, Err: err}
}

// icVerdict applies the manual's rules to the statuses a script set; smpp
// tells whether the answer goes out over SMPP (SMPP server, MO) or HTTP.
func icVerdict(s, h script.Assigned, smppAnswer bool) (Verdict, error) {
	if h.Set && h.V == 0 {
		h.Set = false // 0 is the default: "different from 0" sets it
	}
	if !s.Set && !h.Set {
		return Verdict{}, nil
	}
	if s.Set && (s.V < 0 || s.V > 0xFFFFFFFF) {
		return Verdict{}, errors.New("smpp_status " + strconv.FormatInt(s.V, 10) + " is not an SMPP command_status (0..4294967295)")
	}
	if h.Set && (h.V < 100 || h.V > 599) {
		return Verdict{}, errors.New("http_status " + strconv.FormatInt(h.V, 10) + " is not an HTTP status code (100..599)")
	}
	if h.Set && !s.Set {
		s = script.Assigned{V: int64(smpp.ESME_RUNKNOWNERR), Set: true}
	}
	if s.V != 0 && !h.Set {
		h = script.Assigned{V: 520, Set: true}
	}
	v := Verdict{SMPPStatus: smpp.Status(s.V), HTTPStatus: int(h.V)}
	if smppAnswer {
		if s.V == 0 {
			v.Bypass = true
		} else {
			v.Reject = true
		}
		return v, nil
	}
	switch {
	case h.V == 0:
		v.Bypass, v.HTTPStatus = true, httpOK
	case h.V < 300:
		v.Bypass = true
	default:
		v.Reject = true
	}
	return v, nil
}
