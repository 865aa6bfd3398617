package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/cockroachdb/pebble/v2"
)

// Message state: the ordered events of each gateway message, kept
// outbound_message_ttl. Keys (see keys.go):
//
//	e | bucket | gateway id | 0 | seq u64  → event (see event.go)
//
// seq is one store-wide sequence, given out inside Apply, which runs on
// the committer's single goroutine in the order Writes were handed over:
// the events of a message sort in the order AddEvent was called (for
// calls that are not concurrent with each other), whichever bucket each
// went into, and an event is one blind Set with no read: concurrent
// AddEvents for one message need no lock and cannot lose each other.
// The sequence survives restarts through a high-water mark in the meta
// keyspace, raised in the same batch as the first seq that reaches it.
//
// A message's current state is the type of its last event; there is no
// separate state record to keep in step (ksMsg stays unused). Each event
// goes into the bucket of the time it was added and lives
// outbound_message_ttl from then, so a message's early events may go
// before its last one; the state lasts as long as the last event.

var eventSeqKey = []byte{ksMeta, 'e', 'v', 's', 'e', 'q'}

// eventSeqStep is how far one high-water mark write reserves ahead.
const eventSeqStep = 1 << 16

func (x *Index) loadEventSeq() error {
	v, c, err := x.db.pdb.Get(eventSeqKey)
	switch {
	case errors.Is(err, pebble.ErrNotFound):
		return nil
	case err != nil:
		return fmt.Errorf("open index: event sequence: %w", err)
	}
	defer c.Close()
	if len(v) != 8 {
		return fmt.Errorf("open index: event sequence: %w", errIndexCorrupt)
	}
	x.evSeq = binary.BigEndian.Uint64(v)
	x.evHWM = x.evSeq
	return nil
}

// nextEventSeq runs inside Apply only.
func (x *Index) nextEventSeq(b *Batch) uint64 {
	x.evSeq++
	if x.evSeq >= x.evHWM {
		x.evHWM = x.evSeq + eventSeqStep
		b.set(eventSeqKey, appendU64(nil, x.evHWM))
	}
	return x.evSeq
}

// eventKey appends e | bucket | gateway id | 0 (the seq follows).
func (x *Index) eventPrefix(dst []byte, b uint32, gatewayID string) []byte {
	dst = x.event.appendPrefix(dst, b)
	dst = append(dst, gatewayID...)
	return append(dst, 0)
}

// AddEvent appends ev to the events of gatewayID; done (may be nil) learns
// when it is durable. A zero ev.At is the index clock's time. The event
// lives outbound_message_ttl from now. Nothing is written for an empty or
// NUL-holding gateway id or an empty type.
func (x *Index) AddEvent(gatewayID string, ev Event, done func(error)) {
	if done == nil {
		done = func(error) {}
	}
	w, err := x.AddEventWrite(gatewayID, ev, done)
	if err != nil {
		go done(err)
		return
	}
	x.db.Submit(w)
}

// AddEventWrite is AddEvent as a Write for the caller to submit, alone or
// merged with the write that caused the event, exactly once. An error is
// no Write and done is not called.
func (x *Index) AddEventWrite(gatewayID string, ev Event, done func(error)) (Write, error) {
	if x.closed.Load() {
		return Write{}, ErrClosed
	}
	if err := ixCheckKey("gateway message id", gatewayID); err != nil {
		return Write{}, fmt.Errorf("add event: %w", err)
	}
	if err := ev.check(); err != nil {
		return Write{}, fmt.Errorf("add event to %s: %w", gatewayID, err)
	}
	now := x.now()
	if ev.At.IsZero() {
		ev.At = now
	}
	// Key and value share one buffer (Pebble copies both).
	buf := make([]byte, 0, 5+len(gatewayID)+1+8+eventValueLen(&ev))
	buf = x.eventPrefix(buf, x.event.bucket(now), gatewayID)
	buf = appendU64(buf, 0)
	nk := len(buf)
	buf = appendEventValue(buf, &ev, x.event.expiry(now))
	key, val := buf[:nk:nk], buf[nk:]
	return Write{
		Apply: func(b *Batch) {
			binary.BigEndian.PutUint64(key[nk-8:], x.nextEventSeq(b))
			b.set(key, val)
		},
		Done: done,
	}, nil
}

// MessageState returns the current state of gatewayID (the type of its
// last event) and its live events in order; ErrNotFound when it has none.
func (x *Index) MessageState(gatewayID string) (state EventType, events []Event, err error) {
	if err := ixCheckKey("gateway message id", gatewayID); err != nil {
		return EventNone, nil, err
	}
	if x.closed.Load() {
		return EventNone, nil, ErrClosed
	}
	now := x.now()
	nowN := now.UnixNano()
	it, newest, oldest, err := x.event.windowIter(x.db.pdb, now)
	if err != nil {
		return EventNone, nil, err
	}
	defer it.Close()
	type seqEvent struct {
		seq uint64
		ev  Event
	}
	var got []seqEvent
	pre := x.eventPrefix(nil, 0, gatewayID)
	for b := oldest; ; b++ {
		ixSetBucket(pre, b)
		for it.SeekGE(pre); it.Valid() && bytes.HasPrefix(it.Key(), pre); it.Next() {
			k, v := it.Key(), it.Value()
			if len(k) != len(pre)+8 {
				continue
			}
			if exp, ok := ixExpiry(v); !ok || exp <= nowN {
				continue
			}
			ev, err := decodeEvent(v)
			if err != nil {
				return EventNone, nil, fmt.Errorf("event %x: %w", k, err)
			}
			got = append(got, seqEvent{binary.BigEndian.Uint64(k[len(pre):]), ev})
		}
		if err := it.Error(); err != nil {
			return EventNone, nil, err
		}
		if b == newest {
			break
		}
	}
	if len(got) == 0 {
		return EventNone, nil, ErrNotFound
	}
	slices.SortFunc(got, func(a, b seqEvent) int {
		switch {
		case a.seq < b.seq:
			return -1
		case a.seq > b.seq:
			return 1
		}
		return 0
	})
	events = make([]Event, len(got))
	for i, g := range got {
		events[i] = g.ev
	}
	return events[len(events)-1].Type, events, nil
}
