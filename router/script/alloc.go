package script

import (
	"fmt"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// Memory cap. go.starlark.net (at the version in go.mod) has a step limit
// but no allocation limit, and one step can allocate up to 1 GiB ("x" *
// (1 << 29)), so Compile rewrites each script (rewrite.go) to route every
// operation that can make a value larger than its operands through the
// checked builtins below, and Run gives each run a budget, Limits.MaxAlloc
// octets: an operation that would take the run past it fails the run with
// an error saying so, before it allocates.
//
// What is counted, before it is made (estimated from the operands, never
// below what the operation allocates):
//
//   - the operators + * % | and <<, and their augmented forms (+= …):
//     string, bytes, list and tuple concatenation and repetition, string
//     formatting ('%s' % x: the repr of every argument, bounded without
//     building it), big integer products, dict and set union;
//   - the string and container methods that build new values: join,
//     replace, format, split, rsplit, splitlines, partition, rpartition,
//     upper, lower, title, capitalize, strip, lstrip, rstrip, removeprefix,
//     removesuffix, list.extend, dict.update, keys, values, items, and the
//     set operations (union, difference, intersection,
//     symmetric_difference, update), whether called or taken as a value;
//   - the builtins str, repr, fail, list, tuple, sorted, set, dict,
//     enumerate, zip, reversed, bytes and getattr (which reaches the
//     methods above by name), replaced by checked versions; print prints
//     nothing and builds nothing;
//   - slices that copy (lists, tuples, and strings with a step).
//
// What is not counted: operations that allocate a bounded amount per step
// (list.append, dict and set insertion, a comprehension's element, list
// and dict literals, integer + and -, a substring without step, which
// shares its string's memory). The step limit (Limits.MaxSteps) bounds
// those: at most MaxSteps small allocations. So one run allocates at most
// about MaxAlloc plus a few hundred octets per step.
//
// Known limit: an error message that quotes a value (a dict lookup that
// misses with a tuple key, for instance) formats it with Starlark's own
// code, which is not counted; the value is bounded by the budget, but a
// tuple holding many references to one large string prints each of them.
const (
	wordSize  = 16 // a starlark.Value in a list or tuple
	entrySize = 64 // a dict or set entry, its hash and its key/value
)

// maxIntBits bounds an integer product (128 KiB): multiplying two
// integers of millions of bits is one step that takes seconds.
const maxIntBits = 1 << 20

// DefaultMaxAlloc is Limits.MaxAlloc's default: 4 MiB per run.
const DefaultMaxAlloc = 4 << 20

// budget is one run's allocation account, kept in its thread.
type budget struct {
	used, max int64
}

const budgetKey = "gwd.alloc"

// ErrMemoryLimit is the reason of a run stopped by Limits.MaxAlloc.
type ErrMemoryLimit struct{ Max int64 }

func (e *ErrMemoryLimit) Error() string {
	return fmt.Sprintf("memory limit exceeded: the script tried to allocate more than %d octets in one run", e.Max)
}

func budgetOf(t *starlark.Thread) *budget {
	b, _ := t.Local(budgetKey).(*budget)
	return b
}

// charge counts n octets against the run's budget.
func charge(t *starlark.Thread, n int64) error {
	b := budgetOf(t)
	if b == nil {
		return nil
	}
	if n < 0 || n > b.max-b.used {
		b.used = b.max
		return &ErrMemoryLimit{Max: b.max}
	}
	b.used += n
	return nil
}

// remaining is what the run may still allocate (a bound for walks).
func remaining(t *starlark.Thread) int64 {
	if b := budgetOf(t); b != nil {
		return b.max - b.used
	}
	return 1 << 62
}

// sizeOf is the shallow size of v: what a copy of it allocates.
func sizeOf(v starlark.Value) int64 {
	switch x := v.(type) {
	case starlark.String:
		return int64(len(x))
	case starlark.Bytes:
		return int64(len(x))
	case *starlark.List:
		return int64(x.Len()) * wordSize
	case starlark.Tuple:
		return int64(len(x)) * wordSize
	case *starlark.Dict:
		return int64(x.Len()) * entrySize
	case *starlark.Set:
		return int64(x.Len()) * entrySize
	case starlark.Int:
		return int64(x.BigInt().BitLen()/8 + 8)
	}
	return wordSize
}

// lenOf is the number of elements iterating v yields, or -1 if unknown.
func lenOf(v starlark.Value) int64 {
	return int64(starlark.Len(v))
}

// reprBound bounds the length of v's repr (or str), walking v without
// building it and stopping as soon as the bound passes limit.
func reprBound(v starlark.Value, limit int64) int64 {
	w := reprWalk{limit: limit}
	w.walk(v, 0)
	return w.n
}

type reprWalk struct {
	n, limit int64
	path     []starlark.Value
}

func (w *reprWalk) over() bool { return w.n > w.limit }

func (w *reprWalk) onPath(v starlark.Value) bool {
	for _, p := range w.path {
		if p == v {
			return true
		}
	}
	return false
}

func (w *reprWalk) walk(v starlark.Value, depth int) {
	if w.over() {
		return
	}
	switch x := v.(type) {
	case starlark.String:
		w.n += quoted(string(x))
	case starlark.Bytes:
		w.n += quoted(string(x)) + 1
	case starlark.Int:
		w.n += int64(x.BigInt().BitLen()/3 + 2)
	case starlark.Float:
		w.n += 32
	case starlark.NoneType, starlark.Bool:
		w.n += 5
	case *starlark.List, starlark.Tuple, *starlark.Dict, *starlark.Set:
		if depth > 0 && w.onPath(v) { // cycle: printed as [...]
			w.n += 5
			return
		}
		if len(w.path) < 1000 {
			w.path = append(w.path, v)
			defer func() { w.path = w.path[:len(w.path)-1] }()
		}
		w.n += 8 // brackets, "set(...)"
		switch c := x.(type) {
		case *starlark.Dict:
			for _, it := range c.Items() {
				w.n += 4
				w.walk(it[0], depth+1)
				w.walk(it[1], depth+1)
				if w.over() {
					return
				}
			}
		default:
			it := starlark.Iterate(v)
			defer it.Done()
			var e starlark.Value
			for it.Next(&e) {
				w.n += 2
				w.walk(e, depth+1)
				if w.over() {
					return
				}
			}
		}
	default:
		// gwd's own values (routable, its objects) and functions: their
		// text is bounded by the PDU they show.
		w.n += int64(len(v.String()))
	}
}

// quoted bounds a string's repr: quotes, and 4 octets per octet that
// may be escaped (\xNN).
func quoted(s string) int64 {
	n := int64(len(s)) + 2
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			n += 3
		}
	}
	return n
}

// binopNames are the operators rewrite.go routes through _gwd_binop,
// keyed by the name it passes.
var binopTokens = map[string]syntax.Token{
	"+": syntax.PLUS, "*": syntax.STAR, "%": syntax.PERCENT, "|": syntax.PIPE, "<<": syntax.LTLT,
}

// augTokens maps an augmented assignment to its operator.
var augTokens = map[syntax.Token]syntax.Token{
	syntax.PLUS_EQ: syntax.PLUS, syntax.STAR_EQ: syntax.STAR, syntax.PERCENT_EQ: syntax.PERCENT,
	syntax.PIPE_EQ: syntax.PIPE, syntax.LTLT_EQ: syntax.LTLT,
}

// binopCost is what x op y allocates, at most; inPlace is true for an
// augmented list += (extend: only y's elements are new).
func binopCost(t *starlark.Thread, op syntax.Token, x, y starlark.Value, inPlace bool) (int64, error) {
	switch op {
	case syntax.PLUS, syntax.PIPE:
		if _, ok := x.(*starlark.List); ok && inPlace {
			return sizeOf(y), nil
		}
		return sizeOf(x) + sizeOf(y), nil
	case syntax.STAR:
		if xi, ok := x.(starlark.Int); ok {
			if yi, ok := y.(starlark.Int); ok {
				bits := int64(xi.BigInt().BitLen() + yi.BigInt().BitLen())
				if bits > maxIntBits {
					return -1, nil // a product that large takes seconds to compute
				}
				return bits/8 + 16, nil
			}
			x, y = y, x // n * seq
		}
		n, ok := y.(starlark.Int)
		if !ok {
			return sizeOf(x) + sizeOf(y), nil
		}
		k, ok := n.Int64()
		if !ok || k > 1<<40 {
			return -1, nil // certainly too much
		}
		if k <= 0 {
			return 0, nil
		}
		s := sizeOf(x)
		if s > 0 && k > (1<<62)/s {
			return -1, nil
		}
		return s * k, nil
	case syntax.PERCENT:
		f, ok := x.(starlark.String)
		if !ok {
			return sizeOf(x) + sizeOf(y), nil
		}
		return formatCost(t, string(f), y), nil
	case syntax.LTLT:
		return sizeOf(x) + 64, nil // Starlark refuses shifts of 512 or more
	}
	return sizeOf(x) + sizeOf(y), nil
}

// formatCost bounds fmt % args: each conversion prints one argument (a
// tuple's next element, or args itself); %(name)s may print a mapping's
// value any number of times.
func formatCost(t *starlark.Thread, f string, args starlark.Value) int64 {
	lim := remaining(t)
	n := int64(len(f))
	convs := int64(strings.Count(f, "%"))
	switch a := args.(type) {
	case starlark.Tuple:
		for _, e := range a {
			n += reprBound(e, lim)
			if n > lim {
				return n
			}
		}
	case starlark.Mapping:
		r := reprBound(args, lim)
		if convs > 0 && r > lim/convs {
			return lim + 1
		}
		n += convs * r
	default:
		n += reprBound(args, lim)
	}
	return n
}

// binop is _gwd_binop(op, x, y): x op y, charged first.
func binop(t *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	if len(args) != 3 {
		return nil, fmt.Errorf("internal: _gwd_binop takes 3 arguments")
	}
	op, ok := binopTokens[string(args[0].(starlark.String))]
	if !ok {
		return nil, fmt.Errorf("internal: unknown operator %s", args[0])
	}
	cost, err := binopCost(t, op, args[1], args[2], false)
	if err != nil {
		return nil, err
	}
	if err := charge(t, cost); err != nil {
		return nil, err
	}
	return starlark.Binary(op, args[1], args[2])
}

// augGuard is _gwd_aug(op, x, y): charges x op= y and returns y, which
// the assignment then applies as Starlark does (list += extends in place).
func augGuard(t *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	if len(args) != 3 {
		return nil, fmt.Errorf("internal: _gwd_aug takes 3 arguments")
	}
	op, ok := binopTokens[string(args[0].(starlark.String))]
	if !ok {
		return nil, fmt.Errorf("internal: unknown operator %s", args[0])
	}
	cost, err := binopCost(t, op, args[1], args[2], true)
	if err != nil {
		return nil, err
	}
	if err := charge(t, cost); err != nil {
		return nil, err
	}
	return args[2], nil
}

// sliceCharge is _gwd_slice(v, stepped): charges a slice's result when
// it is a copy (a string sliced without step, stepped 0, shares its
// memory).
func sliceCharge(t *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	if len(args) != 2 {
		return nil, fmt.Errorf("internal: _gwd_slice takes 2 arguments")
	}
	v := args[0]
	switch v.(type) {
	case starlark.String, starlark.Bytes:
		if !args[1].Truth() {
			return v, nil
		}
	}
	return v, charge(t, sizeOf(v))
}

// checkedMethods are the methods that may build a value larger than a
// few words, with what a call costs at most.
var checkedMethods = map[string]func(t *starlark.Thread, recv starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) int64{
	"join": func(t *starlark.Thread, recv starlark.Value, args starlark.Tuple, _ []starlark.Tuple) int64 {
		if len(args) != 1 {
			return 0 // Starlark reports the misuse
		}
		sep := sizeOf(recv)
		var n int64
		lim := remaining(t)
		it := starlark.Iterate(args[0])
		if it == nil {
			return 0
		}
		defer it.Done()
		var e starlark.Value
		for it.Next(&e) {
			n += sizeOf(e) + sep
			if n > lim {
				return n
			}
		}
		return n
	},
	"replace": func(_ *starlark.Thread, recv starlark.Value, args starlark.Tuple, _ []starlark.Tuple) int64 {
		s, ok := recv.(starlark.String)
		if !ok || len(args) < 2 {
			return sizeOf(recv)
		}
		old, ok1 := args[0].(starlark.String)
		nw, ok2 := args[1].(starlark.String)
		if !ok1 || !ok2 {
			return sizeOf(recv)
		}
		k := int64(strings.Count(string(s), string(old)))
		if len(args) > 2 {
			if c, ok := args[2].(starlark.Int); ok {
				if c64, ok := c.Int64(); ok && c64 >= 0 && c64 < k {
					k = c64
				}
			}
		}
		grow := int64(len(nw)) - int64(len(old))
		if grow < 0 {
			grow = 0
		}
		return int64(len(s)) + k*grow
	},
	"format": func(t *starlark.Thread, recv starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) int64 {
		f, _ := recv.(starlark.String)
		lim := remaining(t)
		fields := int64(strings.Count(string(f), "{"))
		var most int64
		for _, a := range args {
			most = max(most, reprBound(a, lim))
		}
		for _, kv := range kwargs {
			most = max(most, reprBound(kv[1], lim))
		}
		if fields > 0 && most > lim/fields {
			return lim + 1
		}
		return int64(len(f)) + fields*most
	},
	"split":      splitCost,
	"rsplit":     splitCost,
	"splitlines": splitCost,
	"partition":  copyCost(1, 3*wordSize),
	"rpartition": copyCost(1, 3*wordSize),
	// Case mapping may grow UTF-8 text (up to 3 octets per octet).
	"upper":        copyCost(3, 0),
	"lower":        copyCost(3, 0),
	"title":        copyCost(3, 0),
	"capitalize":   copyCost(3, 0),
	"strip":        copyCost(1, 0),
	"lstrip":       copyCost(1, 0),
	"rstrip":       copyCost(1, 0),
	"removeprefix": copyCost(1, 0),
	"removesuffix": copyCost(1, 0),
	"extend":       argsCost(wordSize),
	"update":       argsCost(entrySize),
	"union":        argsCost(entrySize),
	"difference":   copyCost(1, 0),
	"intersection": copyCost(1, 0),
	"symmetric_difference": func(t *starlark.Thread, recv starlark.Value, args starlark.Tuple, kw []starlark.Tuple) int64 {
		return sizeOf(recv) + argsCost(entrySize)(t, recv, args, kw)
	},
	"keys": func(_ *starlark.Thread, recv starlark.Value, _ starlark.Tuple, _ []starlark.Tuple) int64 {
		return lenOf(recv) * wordSize
	},
	"values": func(_ *starlark.Thread, recv starlark.Value, _ starlark.Tuple, _ []starlark.Tuple) int64 {
		return lenOf(recv) * wordSize
	},
	"items": func(_ *starlark.Thread, recv starlark.Value, _ starlark.Tuple, _ []starlark.Tuple) int64 {
		return lenOf(recv) * (wordSize + 2*wordSize)
	},
}

// splitCost: every part is a string header and a list slot, and at most
// one part per octet (plus one).
func splitCost(_ *starlark.Thread, recv starlark.Value, _ starlark.Tuple, _ []starlark.Tuple) int64 {
	return (sizeOf(recv) + 1) * 2 * wordSize
}

// copyCost is k times the receiver's size plus extra.
func copyCost(k, extra int64) func(*starlark.Thread, starlark.Value, starlark.Tuple, []starlark.Tuple) int64 {
	return func(_ *starlark.Thread, recv starlark.Value, _ starlark.Tuple, _ []starlark.Tuple) int64 {
		return k*sizeOf(recv) + extra
	}
}

// argsCost is per element of every argument (an unknown length counts
// as the argument's size).
func argsCost(per int64) func(*starlark.Thread, starlark.Value, starlark.Tuple, []starlark.Tuple) int64 {
	return func(_ *starlark.Thread, _ starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) int64 {
		var n int64
		for _, a := range args {
			if l := lenOf(a); l >= 0 {
				n += l * per
			} else {
				n += sizeOf(a)
			}
		}
		return n + int64(len(kwargs))*per
	}
}

// attr is _gwd_attr(x, name): x.name, where a method of checkedMethods
// on a built-in value comes back wrapped so that calling it charges the
// run first.
func attr(t *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	x, name := args[0], string(args[1].(starlark.String))
	return attrOf(x, name)
}

func attrOf(x starlark.Value, name string) (starlark.Value, error) {
	ha, ok := x.(starlark.HasAttrs)
	if !ok {
		return nil, fmt.Errorf("%s has no .%s field or method", x.Type(), name)
	}
	v, err := ha.Attr(name)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, fmt.Errorf("%s has no .%s field or method", x.Type(), name)
	}
	cost, ok := checkedMethods[name]
	m, isBuiltin := v.(*starlark.Builtin)
	if !ok || !isBuiltin {
		return v, nil
	}
	switch x.(type) {
	case starlark.String, starlark.Bytes, *starlark.List, *starlark.Dict, *starlark.Set:
	default:
		return v, nil
	}
	return starlark.NewBuiltin(name, func(t *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if err := charge(t, cost(t, x, args, kwargs)); err != nil {
			return nil, err
		}
		return starlark.Call(t, m, args, kwargs)
	}).BindReceiver(x), nil
}

// checkedBuiltins replace Starlark's universal functions that may build
// large values.
var checkedBuiltins = func() starlark.StringDict {
	u := starlark.Universe
	wrap := func(name string, cost func(t *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) int64) *starlark.Builtin {
		orig := u[name].(*starlark.Builtin)
		return starlark.NewBuiltin(name, func(t *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			if err := charge(t, cost(t, args, kwargs)); err != nil {
				return nil, err
			}
			return starlark.Call(t, orig, args, kwargs)
		})
	}
	repr := func(t *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) int64 {
		lim := remaining(t)
		var n int64
		for _, a := range args {
			n += reprBound(a, lim-n) + 1
			if n > lim {
				break
			}
		}
		for _, kv := range kwargs {
			n += reprBound(kv[1], lim-n) + 1
		}
		return n
	}
	elems := func(per int64) func(*starlark.Thread, starlark.Tuple, []starlark.Tuple) int64 {
		return func(_ *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) int64 {
			var n int64
			for _, a := range args {
				if l := lenOf(a); l >= 0 {
					n += l * per
				} else {
					n += sizeOf(a) * per / wordSize
				}
			}
			return n + int64(len(kwargs))*per
		}
	}
	zipCost := func(_ *starlark.Thread, args starlark.Tuple, _ []starlark.Tuple) int64 {
		shortest := int64(-1)
		for _, a := range args {
			if l := lenOf(a); l >= 0 && (shortest < 0 || l < shortest) {
				shortest = l
			}
		}
		if shortest < 0 {
			shortest = 0
		}
		return shortest * wordSize * int64(len(args)+1)
	}
	str := func(t *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) int64 {
		if len(args) == 1 {
			if _, ok := args[0].(starlark.String); ok {
				return 0 // str(s) is s
			}
		}
		return repr(t, args, kwargs)
	}
	d := starlark.StringDict{
		"str":       wrap("str", str),
		"repr":      wrap("repr", repr),
		"fail":      wrap("fail", repr),
		"list":      wrap("list", elems(wordSize)),
		"tuple":     wrap("tuple", elems(wordSize)),
		"sorted":    wrap("sorted", elems(wordSize)),
		"reversed":  wrap("reversed", elems(wordSize)),
		"set":       wrap("set", elems(entrySize)),
		"dict":      wrap("dict", elems(entrySize)),
		"enumerate": wrap("enumerate", elems(3*wordSize)),
		"bytes":     wrap("bytes", elems(1)),
		"zip":       wrap("zip", zipCost),
		"print": starlark.NewBuiltin("print", func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
			return starlark.None, nil // output is discarded: build nothing
		}),
		"getattr": starlark.NewBuiltin("getattr", func(t *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var x, name, dflt starlark.Value
			if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 2, &x, &name, &dflt); err != nil {
				return nil, err
			}
			s, ok := name.(starlark.String)
			if !ok {
				return nil, fmt.Errorf("getattr: for parameter name: got %s, want string", name.Type())
			}
			v, err := attrOf(x, string(s))
			if err != nil && dflt != nil {
				return dflt, nil
			}
			return v, err
		}),
		// Internal, used by the rewritten script (rewrite.go).
		"_gwd_binop": starlark.NewBuiltin("_gwd_binop", binop),
		"_gwd_aug":   starlark.NewBuiltin("_gwd_aug", augGuard),
		"_gwd_slice": starlark.NewBuiltin("_gwd_slice", sliceCharge),
		"_gwd_attr":  starlark.NewBuiltin("_gwd_attr", attr),
	}
	return d
}()
