package logring

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gwd-project/gwd/engine/redact"
)

// Bounds of what a Handler keeps.
const (
	// DefaultPerKey is the ring size NewHandler uses when given perKey ≤ 0
	// (Junebug's max_logs).
	DefaultPerKey = 100
	// MaxAttrs is the most attributes kept per record (the handler's and
	// the record's, in that order); the record handed on keeps them all.
	MaxAttrs = 32
	// MaxValueLen is the longest message or string value kept, in octets;
	// longer ones are cut and end with "…".
	MaxValueLen = 1024
	// MaxKeys is the most cids with a ring; records of further cids are
	// handed on but not kept (SetPrivacy still applies to them).
	MaxKeys = 4096
)

// Hidden replaces the value of a private attribute.
const Hidden = "<hidden>"

// KeyCID is the attribute that names a record's connector.
const KeyCID = "cid"

// sensitive reports whether an attribute holds message content (hidden
// when a connector asks for privacy).
func sensitive(key string) bool {
	return key == "content" || key == "short_message" || key == "text"
}

// Record is one kept log record.
type Record struct {
	Time    time.Time
	Level   slog.Level
	Message string
	// Attrs are the logger's attributes (Logger.With) then the record's,
	// resolved; attributes under a group have keys "group.key".
	Attrs []slog.Attr
}

// PythonLevel is the record's level as Python's logging module numbers it
// (DEBUG 10, INFO 20, WARNING 30, ERROR 40), which Junebug's logs carry.
func (r Record) PythonLevel() int {
	n := 20 + int(r.Level)*10/4
	return min(max(n, 0), 50)
}

// AttrMap returns the attributes as JSON-ready values: strings, numbers,
// booleans, times in RFC 3339, durations and other values as text, groups
// as nested maps.
func (r Record) AttrMap() map[string]any { return attrMap(r.Attrs) }

func attrMap(as []slog.Attr) map[string]any {
	m := make(map[string]any, len(as))
	for _, a := range as {
		m[a.Key] = jsonValue(a.Value)
	}
	return m
}

func jsonValue(v slog.Value) any {
	switch v.Kind() {
	case slog.KindString:
		return v.String()
	case slog.KindInt64:
		return v.Int64()
	case slog.KindUint64:
		return v.Uint64()
	case slog.KindFloat64:
		return v.Float64()
	case slog.KindBool:
		return v.Bool()
	case slog.KindTime:
		return v.Time().Format(time.RFC3339Nano)
	case slog.KindGroup:
		return attrMap(v.Group())
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return x.Error()
		case fmt.Stringer:
			return x.String()
		case nil:
			return nil
		}
	}
	return v.String()
}

// state is what every Handler derived from one NewHandler shares.
type state struct {
	perKey int
	rings  sync.Map // cid → *ring
	nrings atomic.Int64
}

// ring is one cid's records.
type ring struct {
	privacy atomic.Bool

	mu    sync.Mutex
	slots []slot // grows to perKey, then reused
	next  int    // slot the next record goes to
	n     int    // records held
}

type slot struct {
	t     time.Time
	level slog.Level
	msg   string
	attrs []slog.Attr
}

// Handler is a slog.Handler that hands every record to the next handler
// and keeps the recent ones of each connector. Handlers made from it with
// WithAttrs and WithGroup share its rings.
type Handler struct {
	next   slog.Handler
	st     *state
	cid    string      // bound with Logger.With, outside any group
	attrs  []slog.Attr // bound attributes, keys qualified with groups
	prefix string      // the open groups, "a.b."
}

// NewHandler wraps next, keeping the last perKey records of each cid
// (DefaultPerKey when perKey ≤ 0).
func NewHandler(next slog.Handler, perKey int) *Handler {
	if perKey <= 0 {
		perKey = DefaultPerKey
	}
	return &Handler{next: next, st: &state{perKey: perKey}}
}

// ring returns cid's ring, making it when create is set and the bound
// allows.
func (s *state) ring(cid string, create, force bool) *ring {
	if v, ok := s.rings.Load(cid); ok {
		return v.(*ring)
	}
	if !create || (!force && s.nrings.Load() >= MaxKeys) {
		return nil
	}
	v, loaded := s.rings.LoadOrStore(cid, &ring{})
	if !loaded {
		s.nrings.Add(1)
	}
	return v.(*ring)
}

// Enabled is the next handler's.
func (h *Handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

// Handle keeps r when it names a cid, then hands it on (with its private
// attributes hidden when the cid asks for privacy).
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	cid := h.cid
	if h.prefix == "" {
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == KeyCID {
				cid = cidValue(a.Value)
			}
			return true
		})
	}
	if cid == "" {
		return h.next.Handle(ctx, r)
	}
	rg := h.st.ring(cid, true, false)
	private := rg != nil && rg.privacy.Load()
	if rg != nil {
		h.keep(rg, &r, private)
	}
	if private && hasSensitive(&r) {
		r = redactRecord(&r)
	}
	return h.next.Handle(ctx, r)
}

func cidValue(v slog.Value) string { return v.Resolve().String() }

// keep copies r into rg's next slot.
func (h *Handler) keep(rg *ring, r *slog.Record, private bool) {
	rg.mu.Lock()
	defer rg.mu.Unlock()
	var s *slot
	if len(rg.slots) < h.st.perKey {
		rg.slots = append(rg.slots, slot{})
		s = &rg.slots[len(rg.slots)-1]
		rg.next = len(rg.slots) % h.st.perKey
	} else {
		s = &rg.slots[rg.next]
		rg.next = (rg.next + 1) % h.st.perKey
	}
	if rg.n < h.st.perKey {
		rg.n++
	}
	s.t, s.level, s.msg = r.Time, r.Level, clip(r.Message)
	clear(s.attrs) // drop references held by the record this slot held
	s.attrs = s.attrs[:0]
	for _, a := range h.attrs {
		if len(s.attrs) == MaxAttrs {
			break
		}
		s.attrs = append(s.attrs, keepAttr(a, "", private))
	}
	prefix := h.prefix
	r.Attrs(func(a slog.Attr) bool {
		if len(s.attrs) == MaxAttrs {
			return false
		}
		s.attrs = append(s.attrs, keepAttr(a, prefix, private))
		return true
	})
}

// keepAttr redacts secrets (redact.Attr), resolves a, qualifies its key
// with prefix, hides it when private and sensitive, and bounds its value.
func keepAttr(a slog.Attr, prefix string, private bool) slog.Attr {
	a = redact.Attr(a) // no password or URL credentials in the ring
	if prefix != "" {
		a.Key = prefix + a.Key
	}
	if private && sensitive(baseKey(a.Key)) {
		return slog.String(a.Key, Hidden)
	}
	a.Value = keepValue(a.Value.Resolve(), private)
	return a
}

// baseKey is the last element of a qualified key.
func baseKey(k string) string {
	for i := len(k) - 1; i >= 0; i-- {
		if k[i] == '.' {
			return k[i+1:]
		}
	}
	return k
}

func keepValue(v slog.Value, private bool) slog.Value {
	switch v.Kind() {
	case slog.KindString:
		if s := v.String(); len(s) > MaxValueLen {
			return slog.StringValue(clip(s))
		}
	case slog.KindAny:
		if b, ok := v.Any().([]byte); ok {
			// The caller may reuse its buffer: keep a copy.
			return slog.StringValue(clip(string(b)))
		}
	case slog.KindGroup:
		g := v.Group()
		out := make([]slog.Attr, 0, min(len(g), MaxAttrs))
		for _, a := range g {
			if len(out) == MaxAttrs {
				break
			}
			out = append(out, keepAttr(a, "", private))
		}
		return slog.GroupValue(out...)
	}
	return v
}

// clip bounds s to MaxValueLen octets, copying the kept part so that the
// long original can be freed.
func clip(s string) string {
	if len(s) <= MaxValueLen {
		return s
	}
	cut := MaxValueLen - len("…")
	for cut > 0 && s[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
		cut--
	}
	return s[:cut] + "…" // a new string: the original is not retained
}

func hasSensitive(r *slog.Record) bool {
	found := false
	r.Attrs(func(a slog.Attr) bool {
		found = attrSensitive(a)
		return !found
	})
	return found
}

func attrSensitive(a slog.Attr) bool {
	if sensitive(a.Key) {
		return true
	}
	if a.Value.Kind() == slog.KindGroup {
		for _, x := range a.Value.Group() {
			if attrSensitive(x) {
				return true
			}
		}
	}
	return false
}

// redactRecord returns a copy of r with its private attributes hidden.
func redactRecord(r *slog.Record) slog.Record {
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redactAttr(a))
		return true
	})
	return out
}

func redactAttr(a slog.Attr) slog.Attr {
	if sensitive(a.Key) {
		return slog.String(a.Key, Hidden)
	}
	if a.Value.Kind() == slog.KindGroup && attrSensitive(a) {
		g := a.Value.Group()
		out := make([]slog.Attr, len(g))
		for i, x := range g {
			out[i] = redactAttr(x)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(out...)}
	}
	return a
}

// WithAttrs returns a handler whose records carry as too. A "cid" among
// them (outside any group) names the connector of every record logged
// through it. Private attributes bound here are hidden from the next
// handler when the cid known at this point asks for privacy, and from the
// ring when the cid asks for it at the time of each record.
func (h *Handler) WithAttrs(as []slog.Attr) slog.Handler {
	if len(as) == 0 {
		return h
	}
	h2 := *h
	h2.attrs = make([]slog.Attr, 0, len(h.attrs)+len(as))
	h2.attrs = append(h2.attrs, h.attrs...)
	for _, a := range as {
		if h.prefix == "" && a.Key == KeyCID {
			h2.cid = cidValue(a.Value)
		}
		if h.prefix != "" {
			a.Key = h.prefix + a.Key
		}
		h2.attrs = append(h2.attrs, a)
	}
	next := as
	if h2.cid != "" {
		if rg := h.st.ring(h2.cid, false, false); rg != nil && rg.privacy.Load() {
			next = make([]slog.Attr, len(as))
			for i, a := range as {
				next[i] = redactAttr(a)
			}
		}
	}
	h2.next = h.next.WithAttrs(next)
	return &h2
}

// WithGroup returns a handler that puts the record's attributes in group
// name.
func (h *Handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.prefix = h.prefix + name + "."
	h2.next = h.next.WithGroup(name)
	return &h2
}

// Recent returns up to n of cid's kept records, newest first (all of them
// when n ≤ 0). The records are copies.
func (h *Handler) Recent(cid string, n int) []Record {
	rg := h.st.ring(cid, false, false)
	if rg == nil {
		return nil
	}
	rg.mu.Lock()
	defer rg.mu.Unlock()
	if n <= 0 || n > rg.n {
		n = rg.n
	}
	out := make([]Record, n)
	size := len(rg.slots)
	for i := range n {
		s := &rg.slots[((rg.next-1-i)%size+size)%size]
		out[i] = Record{Time: s.t, Level: s.level, Message: s.msg,
			Attrs: append([]slog.Attr(nil), s.attrs...)}
	}
	return out
}

// Len returns how many records are kept for cid.
func (h *Handler) Len(cid string) int {
	rg := h.st.ring(cid, false, false)
	if rg == nil {
		return 0
	}
	rg.mu.Lock()
	defer rg.mu.Unlock()
	return rg.n
}

// SetPrivacy sets whether cid's records hide their content (a connector's
// logprivacy). It applies from the next record on; records already kept
// stay as they were.
func (h *Handler) SetPrivacy(cid string, on bool) {
	h.st.ring(cid, true, true).privacy.Store(on)
}

// Privacy reports whether cid asks for privacy.
func (h *Handler) Privacy(cid string) bool {
	rg := h.st.ring(cid, false, false)
	return rg != nil && rg.privacy.Load()
}

// Forget drops cid's ring and privacy setting (a removed connector).
func (h *Handler) Forget(cid string) {
	if _, ok := h.st.rings.LoadAndDelete(cid); ok {
		h.st.nrings.Add(-1)
	}
}
