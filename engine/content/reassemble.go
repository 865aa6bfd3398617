package content

import (
	"errors"
	"fmt"
	"time"
)

// ErrPendingFull is Add refusing to open a new group because maxPending
// groups are already waiting.
var ErrPendingFull = errors.New("content: too many incomplete concatenated messages")

// ErrConcatMismatch is a part whose count differs from the count of the
// parts already held under the same key and reference.
var ErrConcatMismatch = errors.New("content: concatenated part does not match its group")

// Reassembler collects the parts of concatenated MO messages, keyed by a
// key the caller chooses (connector + source + destination, say) and the
// concatenation reference, and hands back a message once every part is in.
//
// It is not safe for concurrent use (callers serialise), starts no
// goroutine and reads no clock: the caller passes the time to Add and
// calls Expire.
//
// Bounds: at most maxPending groups wait at once. When that many are
// pending, a part that would open another group is refused with
// ErrPendingFull and nothing is stored (the caller keeps its token: it may
// call Expire, deliver the part on its own, or retry later); parts of groups
// already pending are still taken. Nothing is ever dropped behind the
// caller's back, so every token it handed in comes back from Add or Expire.
type Reassembler struct {
	timeout    time.Duration
	maxPending int
	groups     map[groupKey]*group
	// Pending groups in the order they were opened, oldest first.
	oldest, newest *group
}

type groupKey struct {
	key string
	ref uint16
}

type group struct {
	id         groupKey
	opened     time.Time
	parts      []slot // index Seq-1
	have       int
	size       int
	prev, next *group
}

type slot struct {
	payload []byte
	token   any
	in      bool
}

// Expired is a group Expire gave up on: the parts it had, by sequence
// number (from 1), and their tokens in sequence order.
type Expired struct {
	Key    string
	Ref    uint16
	Total  uint8
	Parts  map[uint8][]byte
	Tokens []any
}

// NewReassembler returns a Reassembler whose groups expire timeout after
// their first part arrived (timeout <= 0: they never expire) and that holds
// at most maxPending incomplete groups (maxPending <= 0: no bound).
func NewReassembler(timeout time.Duration, maxPending int) *Reassembler {
	return &Reassembler{timeout: timeout, maxPending: maxPending, groups: make(map[groupKey]*group)}
}

// Len returns the number of incomplete groups held.
func (r *Reassembler) Len() int { return len(r.groups) }

// Add stores one part: payload is the short_message without its UDH (Add
// copies it), token is the caller's handle to the stored part (a queue
// lease, say), opaque here. Parts are grouped by key and c.Ref; c.Wide is
// not part of the identity (an 8-bit and a 16-bit reference of the same
// value under the same key are one group).
//
// When this part completes its message, Add returns the payloads joined in
// sequence order (a new slice) and the tokens of all the parts in sequence
// order, and forgets the group. A part of a one-part message (Total 1)
// completes at once. A duplicate part (same sequence number) replaces the
// earlier payload and token; the earlier token comes back as dup so the
// caller can release it.
//
// A count of 0, a sequence number outside 1..Total, a count that differs
// from the group's (ErrConcatMismatch) and ErrPendingFull are errors that
// store nothing.
func (r *Reassembler) Add(key string, c Concat, payload []byte, token any, now time.Time) (complete []byte, tokens []any, dup any, err error) {
	if err := checkConcat(c); err != nil {
		return nil, nil, nil, fmt.Errorf("reassemble %q: %w", key, err)
	}
	if c.Total == 1 {
		return append([]byte(nil), payload...), []any{token}, nil, nil
	}
	id := groupKey{key, c.Ref}
	g := r.groups[id]
	switch {
	case g != nil && len(g.parts) != int(c.Total):
		return nil, nil, nil, fmt.Errorf("reassemble %q reference %d: part %d of %d, the group has %d parts: %w",
			key, c.Ref, c.Seq, c.Total, len(g.parts), ErrConcatMismatch)
	case g == nil && r.maxPending > 0 && len(r.groups) >= r.maxPending:
		return nil, nil, nil, fmt.Errorf("reassemble %q reference %d: %d groups pending: %w", key, c.Ref, len(r.groups), ErrPendingFull)
	case g == nil:
		g = &group{id: id, opened: now, parts: make([]slot, c.Total)}
		r.groups[id] = g
		r.pushNewest(g)
	}
	s := &g.parts[c.Seq-1]
	if s.in {
		dup = s.token
		g.size -= len(s.payload)
	} else {
		s.in = true
		g.have++
	}
	s.payload = append(s.payload[:0], payload...)
	s.token = token
	g.size += len(payload)
	if g.have < len(g.parts) {
		return nil, nil, dup, nil
	}
	complete = make([]byte, 0, g.size)
	tokens = make([]any, len(g.parts))
	for i := range g.parts {
		complete = append(complete, g.parts[i].payload...)
		tokens[i] = g.parts[i].token
	}
	r.forget(g)
	return complete, tokens, dup, nil
}

// Expire returns the groups whose first part arrived timeout or longer
// before now, with the parts and tokens they have, and forgets them: the
// caller delivers the incomplete message or drops it, and releases the
// tokens. Groups are examined in the order they were opened, so a caller
// whose clock steps back sees them expire late, never early.
func (r *Reassembler) Expire(now time.Time) []Expired {
	if r.timeout <= 0 {
		return nil
	}
	var out []Expired
	for g := r.oldest; g != nil && now.Sub(g.opened) >= r.timeout; g = r.oldest {
		e := Expired{Key: g.id.key, Ref: g.id.ref, Total: uint8(len(g.parts)),
			Parts: make(map[uint8][]byte, g.have), Tokens: make([]any, 0, g.have)}
		for i := range g.parts {
			if s := &g.parts[i]; s.in {
				e.Parts[uint8(i+1)] = s.payload
				e.Tokens = append(e.Tokens, s.token)
			}
		}
		out = append(out, e)
		r.forget(g)
	}
	return out
}

func (r *Reassembler) pushNewest(g *group) {
	g.prev = r.newest
	if r.newest != nil {
		r.newest.next = g
	} else {
		r.oldest = g
	}
	r.newest = g
}

func (r *Reassembler) forget(g *group) {
	delete(r.groups, g.id)
	if g.prev != nil {
		g.prev.next = g.next
	} else {
		r.oldest = g.next
	}
	if g.next != nil {
		g.next.prev = g.prev
	} else {
		r.newest = g.prev
	}
	g.prev, g.next = nil, nil
}
