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

func str(b []byte) starlark.Value { return starlark.String(b) }

func pduParams(p *smpp.PDU) *starlark.Dict {
	if p == nil {
		p = &smpp.PDU{}
	}
	d := starlark.NewDict(20)
	set := func(k string, v starlark.Value) { _ = d.SetKey(starlark.String(k), v) }
	i := func(b byte) starlark.Value { return starlark.MakeInt(int(b)) }
	set("service_type", str(p.ServiceType))
	set("source_addr_ton", i(p.Source.TON))
	set("source_addr_npi", i(p.Source.NPI))
	set("source_addr", str(p.Source.Addr))
	set("dest_addr_ton", i(p.Dest.TON))
	set("dest_addr_npi", i(p.Dest.NPI))
	set("destination_addr", str(p.Dest.Addr))
	set("esm_class", i(p.EsmClass))
	set("protocol_id", i(p.ProtocolID))
	set("priority_flag", i(p.PriorityFlag))
	set("schedule_delivery_time", str(p.ScheduleDeliveryTime))
	set("validity_period", str(p.ValidityPeriod))
	set("registered_delivery", i(p.RegisteredDelivery))
	set("replace_if_present_flag", i(p.ReplaceIfPresent))
	set("data_coding", i(p.DataCoding))
	set("sm_default_msg_id", i(p.SMDefaultMsgID))
	set("short_message", str(p.ShortMessage))
	if v, ok := p.TLVs.Get(smpp.TagMessagePayload); ok {
		set("message_payload", str(v))
	}
	d.Freeze()
	return d
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

func newRoutable(in *Input) starlark.Value {
	tags := in.Tags
	if tags == nil {
		tags = new(localTags)
	}
	none := starlark.Value(starlark.None)
	user, connector := none, none
	if in.MO {
		connector = newObject("Connector", "cid", starlark.String(in.Connector))
	} else {
		group := newObject("Group", "gid", starlark.String(in.GID))
		user = newObject("User", "uid", starlark.String(in.UID), "group", group)
	}
	pdu := newObject("PDU", "params", pduParams(in.PDU))
	dt := starlarktime.Time(in.Time)

	builtin := func(name string, fn func(args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error)) starlark.Value {
		return starlark.NewBuiltin(name, func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			return fn(args, kwargs)
		})
	}
	return newObject("Routable",
		"pdu", pdu,
		"PDU", pdu,
		"user", user,
		"connector", connector,
		"datetime", dt,
		"date_time", dt,
		"addTag", builtin("addTag", func(a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			t, err := tagArg("addTag", a, kw)
			if err != nil {
				return nil, err
			}
			tags.AddTag(t)
			return starlark.None, nil
		}),
		"hasTag", builtin("hasTag", func(a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			t, err := tagArg("hasTag", a, kw)
			if err != nil {
				return nil, err
			}
			return starlark.Bool(tags.HasTag(t)), nil
		}),
		"getTags", builtin("getTags", func(a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			if err := starlark.UnpackPositionalArgs("getTags", a, kw, 0); err != nil {
				return nil, err
			}
			ts := tags.GetTags()
			l := make([]starlark.Value, len(ts))
			for i, t := range ts {
				l[i] = starlark.MakeInt64(t)
			}
			return starlark.NewList(l), nil
		}),
		"removeTag", builtin("removeTag", func(a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			t, err := tagArg("removeTag", a, kw)
			if err != nil {
				return nil, err
			}
			tags.RemoveTag(t)
			return starlark.None, nil
		}),
		"flushTags", builtin("flushTags", func(a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			if err := starlark.UnpackPositionalArgs("flushTags", a, kw, 0); err != nil {
				return nil, err
			}
			tags.FlushTags()
			return starlark.None, nil
		}),
	)
}
