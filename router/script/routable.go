package script

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	starlarktime "go.starlark.net/lib/time"
	"go.starlark.net/starlark"

	"github.com/gwd-project/gwd/smpp"
)

// Input is the message a script sees as `routable`.
type Input struct {
	// MO is true for a deliver_sm (routable.connector is set), false for a
	// submit_sm (routable.user is set).
	MO bool
	// PDU is the message; nil reads as an empty PDU.
	PDU *smpp.PDU
	// UID and GID identify the sender (MT).
	UID, GID string
	// Connector is the connector the message came from (MO).
	Connector string
	// Time is the routable's date_time.
	Time time.Time
	// Tags is the routable's tag list; nil gives the run a private one.
	Tags Tagger
	// Interceptor marks an interceptor's run: routable.pdu.params is
	// writable (Outcome.Edits holds the changes, for the caller to Apply),
	// routable.lockPduParam exists, and the smpp_status and http_status
	// globals are read into the Outcome. Otherwise (EvalPyFilter) the
	// params are read-only.
	Interceptor bool
}

// runState is what one run's routable records for Run to read back.
type runState struct {
	params *starlark.Dict
	locked ParamSet
}

// localTags is the Tagger used when Input.Tags is nil.
type localTags []int64

func (t *localTags) AddTag(v int64) {
	if !t.HasTag(v) {
		*t = append(*t, v)
	}
}
func (t *localTags) HasTag(v int64) bool { return slices.Contains(*t, v) }
func (t *localTags) GetTags() []int64    { return *t }
func (t *localTags) RemoveTag(v int64) {
	*t = slices.DeleteFunc(*t, func(x int64) bool { return x == v })
}
func (t *localTags) FlushTags() { *t = (*t)[:0] }

// object is a read-only Starlark value with fixed attributes.
type object struct {
	typ   string
	attrs map[string]starlark.Value
	names []string
}

func newObject(typ string, kv ...any) *object {
	o := &object{typ: typ, attrs: make(map[string]starlark.Value, len(kv)/2)}
	for i := 0; i+1 < len(kv); i += 2 {
		k := kv[i].(string)
		o.attrs[k] = kv[i+1].(starlark.Value)
		o.names = append(o.names, k)
	}
	slices.Sort(o.names)
	return o
}

func (o *object) String() string        { return "<" + o.typ + ">" }
func (o *object) Type() string          { return o.typ }
func (o *object) Freeze()               {}
func (o *object) Truth() starlark.Bool  { return starlark.True }
func (o *object) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: %s", o.typ) }
func (o *object) AttrNames() []string   { return o.names }
func (o *object) Attr(name string) (starlark.Value, error) {
	if v, ok := o.attrs[name]; ok {
		return v, nil
	}
	return nil, nil // starlark reports "no such field or method"
}

func tagArg(fn string, args starlark.Tuple, kwargs []starlark.Tuple) (int64, error) {
	var v starlark.Value
	if err := starlark.UnpackPositionalArgs(fn, args, kwargs, 1, &v); err != nil {
		return 0, err
	}
	switch x := v.(type) {
	case starlark.Int:
		if n, ok := x.Int64(); ok {
			return n, nil
		}
	case starlark.String:
		if n, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return n, nil
		}
	}
	return 0, fmt.Errorf("%s: tag must be an integer, got %s", fn, v.Type())
}

func paramArg(fn string, args starlark.Tuple, kwargs []starlark.Tuple) (string, error) {
	var name string
	if err := starlark.UnpackPositionalArgs(fn, args, kwargs, 1, &name); err != nil {
		return "", err
	}
	return name, nil
}

// routable is the script's `routable`. Its attributes are built when the
// script first reads them, so a run pays only for what its script uses
// (most read a param or two and tag).
type routable struct {
	in   *Input
	st   *runState
	tags Tagger

	pdu, user, connector, dt starlark.Value
}

func newRoutable(in *Input, st *runState) *routable {
	r := &routable{in: in, st: st, tags: in.Tags}
	if r.tags == nil {
		r.tags = new(localTags)
	}
	return r
}

var routableAttrs = []string{"PDU", "addTag", "connector", "date_time", "datetime", "flushTags",
	"getTags", "hasTag", "lockPduParam", "pdu", "pduParamIsLocked", "removeTag", "user"}

func (r *routable) String() string        { return "<Routable>" }
func (r *routable) Type() string          { return "Routable" }
func (r *routable) Freeze()               {}
func (r *routable) Truth() starlark.Bool  { return starlark.True }
func (r *routable) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: Routable") }
func (r *routable) AttrNames() []string {
	if r.in.Interceptor {
		return routableAttrs
	}
	return slices.DeleteFunc(slices.Clone(routableAttrs), func(s string) bool { return s == "lockPduParam" })
}

func (r *routable) Attr(name string) (starlark.Value, error) {
	switch name {
	case "pdu", "PDU":
		if r.pdu == nil {
			r.pdu = &pduValue{r: r}
		}
		return r.pdu, nil
	case "user":
		if r.user == nil {
			r.user = starlark.None
			if !r.in.MO {
				group := newObject("Group", "gid", starlark.String(r.in.GID))
				r.user = newObject("User", "uid", starlark.String(r.in.UID), "group", group)
			}
		}
		return r.user, nil
	case "connector":
		if r.connector == nil {
			r.connector = starlark.None
			if r.in.MO {
				r.connector = newObject("Connector", "cid", starlark.String(r.in.Connector))
			}
		}
		return r.connector, nil
	case "datetime", "date_time":
		if r.dt == nil {
			r.dt = starlarktime.Time(r.in.Time)
		}
		return r.dt, nil
	case "addTag":
		return starlark.NewBuiltin(name, r.addTag), nil
	case "hasTag":
		return starlark.NewBuiltin(name, r.hasTag), nil
	case "getTags":
		return starlark.NewBuiltin(name, r.getTags), nil
	case "removeTag":
		return starlark.NewBuiltin(name, r.removeTag), nil
	case "flushTags":
		return starlark.NewBuiltin(name, r.flushTags), nil
	case "pduParamIsLocked":
		return starlark.NewBuiltin(name, r.pduParamIsLocked), nil
	case "lockPduParam":
		if r.in.Interceptor {
			return starlark.NewBuiltin(name, r.lockPduParam), nil
		}
	}
	return nil, nil // starlark reports "no such field or method"
}

func (r *routable) addTag(_ *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	t, err := tagArg("addTag", a, kw)
	if err != nil {
		return nil, err
	}
	r.tags.AddTag(t)
	return starlark.None, nil
}

func (r *routable) hasTag(_ *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	t, err := tagArg("hasTag", a, kw)
	if err != nil {
		return nil, err
	}
	return starlark.Bool(r.tags.HasTag(t)), nil
}

func (r *routable) getTags(_ *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs("getTags", a, kw, 0); err != nil {
		return nil, err
	}
	ts := r.tags.GetTags()
	l := make([]starlark.Value, len(ts))
	for i, t := range ts {
		l[i] = starlark.MakeInt64(t)
	}
	return starlark.NewList(l), nil
}

func (r *routable) removeTag(_ *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	t, err := tagArg("removeTag", a, kw)
	if err != nil {
		return nil, err
	}
	r.tags.RemoveTag(t)
	return starlark.None, nil
}

func (r *routable) flushTags(_ *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs("flushTags", a, kw, 0); err != nil {
		return nil, err
	}
	r.tags.FlushTags()
	return starlark.None, nil
}

func (r *routable) pduParamIsLocked(_ *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	name, err := paramArg("pduParamIsLocked", a, kw)
	if err != nil {
		return nil, err
	}
	return starlark.Bool(r.st.locked.HasName(name)), nil
}

func (r *routable) lockPduParam(_ *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	name, err := paramArg("lockPduParam", a, kw)
	if err != nil {
		return nil, err
	}
	p, ok := ParseParam(name)
	if !ok {
		return nil, fmt.Errorf("lockPduParam: %q is not a pdu param a script can set", name)
	}
	r.st.locked = r.st.locked.With(p)
	return starlark.None, nil
}

// pduValue is routable.pdu: its params dict is built on first use.
type pduValue struct{ r *routable }

func (p *pduValue) String() string        { return "<PDU>" }
func (p *pduValue) Type() string          { return "PDU" }
func (p *pduValue) Freeze()               {}
func (p *pduValue) Truth() starlark.Bool  { return starlark.True }
func (p *pduValue) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: PDU") }
func (p *pduValue) AttrNames() []string   { return []string{"params"} }
func (p *pduValue) Attr(name string) (starlark.Value, error) {
	if name != "params" {
		return nil, nil
	}
	st := p.r.st
	if st.params == nil {
		st.params = pduParams(p.r.in.PDU)
		if !p.r.in.Interceptor {
			st.params.Freeze()
		}
	}
	return st.params, nil
}
