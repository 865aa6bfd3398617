// Package script runs the user scripts that Jasmin writes in Python —
// EvalPyFilter's pyCode and the interceptors' scripts — as Starlark
// (go.starlark.net), a small, deterministic dialect of Python with no I/O.
//
// A script is compiled once (Compile) and run many times (Run), each run on
// its own starlark.Thread with a step limit, a time limit and a memory cap,
// so a runaway script (an endless loop, "x" * (1 << 29)) is stopped with
// an error instead of stalling the router or exhausting memory. Starlark
// has no allocation limit of its own: Compile rewrites the script so that
// every operation that can build a large value is charged to the run's
// budget before it allocates (alloc.go lists them, and the limits).
//
// What a script sees, as in Jasmin's EvalPyFilter and interceptors:
//
//	routable.pdu.params['source_addr']      str
//	routable.pdu.params['destination_addr'] str
//	routable.pdu.params['short_message']    str (the octets as they are)
//	routable.pdu.params[...]                the other submit_sm/deliver_sm
//	                                        fields by their python-smpp names
//	                                        (service_type, source_addr_ton,
//	                                        dest_addr_npi, esm_class,
//	                                        data_coding, ... as int or str)
//	                                        and, when the PDU carries them,
//	                                        the optional ones: message_payload,
//	                                        user_message_reference, source_port,
//	                                        destination_port, sar_msg_ref_num,
//	                                        sar_total_segments, sar_segment_seqnum,
//	                                        payload_type, language_indicator,
//	                                        privacy_indicator, user_response_code,
//	                                        callback_num, ussd_service_op
//	routable.user.uid, routable.user.group.gid   MT only (None for MO)
//	routable.connector.cid                       MO only (None for MT)
//	routable.datetime (alias date_time)          a time.time value
//	routable.addTag(t), hasTag(t), getTags(),
//	removeTag(t), flushTags()                    tags are ints
//	routable.pduParamIsLocked(name)              bool
//	AddrTon, AddrNpi, RegisteredDelivery(...),
//	RegisteredDeliveryReceipt,
//	RegisteredDeliverySmeOriginatedAcks          python-smpp's constants, as ints
//
// A filter's script sets the global `result` (Run reports it; a missing or
// non-bool result is false, as Jasmin's `isinstance(result, bool)` check).
//
// An interceptor's script (Input.Interceptor) may also write the params —
// routable.pdu.params['source_addr'] = '123456789', str or bytes, ints for
// the octet and 2-octet fields, optional ones added (set) or removed (pop;
// TLVs scripts do not know are kept as they are) — lock them with
// routable.lockPduParam(name), and set smpp_status and http_status. Run
// checks every change (type, size, no NUL in C-octet strings, no unknown
// or removed param) and returns it in Outcome.Edits without touching the
// PDU; the caller applies it (PDUEdits.Apply), with new byte slices, so a
// PDU that aliases its frame never writes into the frame. The statuses
// come back in Outcome.SMPPStatus / HTTPStatus, unset unless the script
// assigned an int (None is unset); what they mean is the router's.
//
// Differences from Jasmin's Python: Starlark has no import, no exceptions,
// no classes and no I/O (no files, sockets or logging; print output is
// discarded); PDU strings are str, not bytes (compare with '33600000000',
// not b'33600000000'); `result` is not predeclared, so a script must
// assign it before reading it; smpp_status and http_status read 0 until
// the script assigns them at top level (a function cannot assign them:
// Starlark has no global statement). Top-level if/for/while and
// reassignment of globals are allowed, so Jasmin's usual scripts
//
//	if routable.connector.cid == 'abc':
//	    result = True
//	else:
//	    result = False
//
// run unchanged.
package script

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"go.starlark.net/resolve"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/gwd-project/gwd/smpp"
)

// Limits bound one run of a script.
type Limits struct {
	// MaxSteps is the number of Starlark computation steps a run may take
	// (0: DefaultLimits.MaxSteps).
	MaxSteps uint64
	// Timeout is the wall-clock time a run may take (0: DefaultLimits.Timeout).
	Timeout time.Duration
	// MaxAlloc is the most octets the operations that build values may
	// allocate in one run (0: DefaultLimits.MaxAlloc); see alloc.go for
	// what is counted.
	MaxAlloc int64
}

// DefaultLimits are used where a Limits field is zero: 100,000 steps (a few
// milliseconds of Starlark), 50 ms and 4 MiB.
var DefaultLimits = Limits{MaxSteps: 100_000, Timeout: 50 * time.Millisecond, MaxAlloc: DefaultMaxAlloc}

func (l Limits) withDefaults() Limits {
	if l.MaxSteps == 0 {
		l.MaxSteps = DefaultLimits.MaxSteps
	}
	if l.Timeout <= 0 {
		l.Timeout = DefaultLimits.Timeout
	}
	if l.MaxAlloc <= 0 {
		l.MaxAlloc = DefaultLimits.MaxAlloc
	}
	return l
}

var fileOptions = &syntax.FileOptions{
	Set:             true,
	While:           true,
	TopLevelControl: true,
	GlobalReassign:  true,
	Recursion:       true,
}

// isPredeclared names what a script may use besides Starlark's built-ins:
// routable, the interceptors' smpp_status and http_status (0), and
// python-smpp's constants (pduTypes).
func isPredeclared(name string) bool {
	return name == "routable" || name == "smpp_status" || name == "http_status" || pduTypes.Has(name) ||
		checkedBuiltins.Has(name)
}

// Program is a compiled script. It is immutable and safe for concurrent
// runs.
type Program struct {
	name string
	prog *starlark.Program
}

// CompileError is a script that does not compile: Field names the
// configuration key the script came from, Line and Col where the first
// error is (1-based; 0 if unknown).
type CompileError struct {
	Field     string
	Line, Col int
	Msg       string
}

func (e *CompileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s: line %d, column %d: %s", e.Field, e.Line, e.Col, e.Msg)
	}
	return e.Field + ": " + e.Msg
}

// Compile parses, resolves and compiles src. field names the configuration
// key it came from (e.g. "pyCode") and is used in error messages. An error
// is a *CompileError.
func Compile(field, src string) (*Program, error) {
	f, err := fileOptions.Parse(field, src, 0)
	var prog *starlark.Program
	if err == nil {
		rewrite(f) // the memory cap's checks (alloc.go)
		prog, err = starlark.FileProgram(f, isPredeclared)
	}
	if err != nil {
		ce := &CompileError{Field: field, Msg: err.Error()}
		var se syntax.Error
		var rl resolve.ErrorList
		switch {
		case errors.As(err, &se):
			ce.Line, ce.Col, ce.Msg = int(se.Pos.Line), int(se.Pos.Col), se.Msg
		case errors.As(err, &rl) && len(rl) > 0:
			ce.Line, ce.Col, ce.Msg = int(rl[0].Pos.Line), int(rl[0].Pos.Col), rl[0].Msg
		}
		return nil, ce
	}
	if prog.NumLoads() > 0 {
		_, pos := prog.Load(0)
		return nil, &CompileError{Field: field, Line: int(pos.Line), Col: int(pos.Col), Msg: "load statements are not supported"}
	}
	return &Program{name: field, prog: prog}, nil
}

// Tagger is the tagging API of a routable (router.Routable implements it).
type Tagger interface {
	AddTag(int64)
	HasTag(int64) bool
	GetTags() []int64
	RemoveTag(int64)
	FlushTags()
}

// Outcome is what a run leaves behind.
type Outcome struct {
	// Result is the global `result` when it is a bool, else false.
	Result bool
	// Globals are the script's globals (frozen), for callers that read
	// more than result (interceptors: smpp_status, http_status).
	Globals starlark.StringDict
	// Steps is the number of computation steps the run took.
	Steps uint64

	// Interceptor runs only (Input.Interceptor):

	// SMPPStatus and HTTPStatus are the smpp_status and http_status
	// globals when the script assigned them an int (None, or no
	// assignment, leaves them unset). Any other type fails the run.
	SMPPStatus, HTTPStatus Assigned
	// Locked are the params the script locked with lockPduParam.
	Locked ParamSet
	// Edits are the param changes, checked but not yet applied: call
	// Edits.Apply to write them into Input.PDU.
	Edits *PDUEdits
}

// Assigned is an int global a script may or may not have set.
type Assigned struct {
	V   int64
	Set bool
}

// assigned reads global name: unset when absent or None, an error when
// not an int.
func assigned(g starlark.StringDict, name string) (Assigned, error) {
	v, ok := g[name]
	if !ok || v == starlark.None {
		return Assigned{}, nil
	}
	i, ok := v.(starlark.Int)
	if !ok {
		return Assigned{}, fmt.Errorf("%s must be an int or None, got %s", name, v.Type())
	}
	n, ok := i.Int64()
	if !ok {
		return Assigned{}, fmt.Errorf("%s is out of range: %s", name, i.String())
	}
	return Assigned{V: n, Set: true}, nil
}

// Run runs the program once against in, within lim. A run that fails
// (runtime error, too many steps, timeout; for an interceptor also a bad
// pdu param or status value) returns the error; its outcome is then the
// zero Outcome. Run never changes in.PDU: an interceptor's changes come
// back in Outcome.Edits. Tags, though, are changed as the script runs.
func (p *Program) Run(in *Input, lim Limits) (Outcome, error) {
	lim = lim.withDefaults()
	thread := &starlark.Thread{Name: p.name, Print: func(*starlark.Thread, string) {}}
	thread.SetMaxExecutionSteps(lim.MaxSteps)
	thread.SetLocal(budgetKey, &budget{max: lim.MaxAlloc})
	timer := time.AfterFunc(lim.Timeout, func() { thread.Cancel("time limit exceeded (" + lim.Timeout.String() + ")") })
	var st runState
	predeclared := make(starlark.StringDict, 3+len(pduTypes)+len(checkedBuiltins))
	for k, v := range pduTypes {
		predeclared[k] = v
	}
	for k, v := range checkedBuiltins {
		predeclared[k] = v
	}
	predeclared["routable"] = newRoutable(in, &st)
	predeclared["smpp_status"] = starlark.MakeInt(0)
	predeclared["http_status"] = starlark.MakeInt(0)
	globals, err := p.prog.Init(thread, predeclared)
	timer.Stop()
	if err != nil {
		var ee *starlark.EvalError
		if errors.As(err, &ee) {
			return Outcome{}, fmt.Errorf("%s: %s", p.name, strings.TrimSpace(ee.Backtrace()))
		}
		return Outcome{}, fmt.Errorf("%s: %w", p.name, err)
	}
	globals.Freeze()
	out := Outcome{Globals: globals, Steps: thread.ExecutionSteps()}
	if b, ok := globals["result"].(starlark.Bool); ok {
		out.Result = bool(b)
	}
	if in.Interceptor {
		if out.SMPPStatus, err = assigned(globals, "smpp_status"); err != nil {
			return Outcome{}, fmt.Errorf("%s: %w", p.name, err)
		}
		if out.HTTPStatus, err = assigned(globals, "http_status"); err != nil {
			return Outcome{}, fmt.Errorf("%s: %w", p.name, err)
		}
		pdu := in.PDU
		if pdu == nil {
			pdu = &smpp.PDU{}
		}
		if st.params != nil { // the script read the params: it may have changed them
			if out.Edits, err = diffParams(st.params, pdu); err != nil {
				return Outcome{}, fmt.Errorf("%s: %w", p.name, err)
			}
			if in.PDU == nil {
				out.Edits.pdu = nil
			}
		}
		out.Locked = st.locked
	}
	return out, nil
}
