package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// Dead letters: work the gateway gave up on (a callback retried until its
// TTL), kept on disk with why and when, so that an operator can list,
// replay or delete it.
//
//	x | kind length u8 | kind | id u64 → version 1 | attempts u32 |
//	    first attempt i64 | last attempt i64 | uvarint n | n octets of
//	    the last error | the record
const ksDeadLetter byte = 'x'

// DeadLetter is one given-up piece of work.
type DeadLetter struct {
	ID        uint64 // unique in its kind, increasing in the order they were put
	Attempts  uint32
	First     time.Time // first attempt
	Last      time.Time // last attempt, when it was given up
	LastError string
	Record    []byte // what was queued, opaque to the store
}

// DeadLetters is the dead-letter keyspace of one kind. Open it once per
// kind and store (DB.DeadLetters): the handle assigns the ids and counts.
type DeadLetters struct {
	db     *DB
	kind   string
	prefix []byte

	mu     sync.Mutex // serialises MoveTo and Delete
	idMu   sync.Mutex
	lastID uint64
	n      atomic.Int64
}

// ErrBadKind is a dead-letter kind that is empty or longer than 255 octets.
var ErrBadKind = errors.New("store: dead-letter kind must be 1 to 255 octets")

// DeadLetters opens the dead letters of kind ("dlr", "mo" …), counting
// what the store holds.
func (db *DB) DeadLetters(kind string) (*DeadLetters, error) {
	if kind == "" || len(kind) > 255 {
		return nil, fmt.Errorf("open dead letters %q: %w", kind, ErrBadKind)
	}
	d := &DeadLetters{db: db, kind: kind, prefix: append([]byte{ksDeadLetter, byte(len(kind))}, kind...)}
	it, err := db.pdb.NewIter(&pebble.IterOptions{LowerBound: d.prefix, UpperBound: prefixEnd(d.prefix)})
	if err != nil {
		return nil, fmt.Errorf("open dead letters %s: %w", kind, err)
	}
	var n int64
	for it.First(); it.Valid(); it.Next() {
		n++
	}
	if it.Last() {
		d.lastID = binary.BigEndian.Uint64(it.Key()[len(d.prefix):])
	}
	if err := it.Close(); err != nil {
		return nil, fmt.Errorf("open dead letters %s: %w", kind, err)
	}
	d.n.Store(n)
	return d, nil
}

// Len is how many dead letters the kind holds.
func (d *DeadLetters) Len() int { return int(d.n.Load()) }

func (d *DeadLetters) key(id uint64) []byte {
	return appendU64(append(make([]byte, 0, len(d.prefix)+8), d.prefix...), id)
}

// nextID is above the last one given and, so that ids stay unique across
// restarts when every dead letter was removed, above the clock.
func (d *DeadLetters) nextID() uint64 {
	d.idMu.Lock()
	defer d.idMu.Unlock()
	d.lastID = max(d.lastID+1, uint64(d.db.opts.Now().UnixNano()))
	return d.lastID
}

// Put returns dl's id and the Write that stores it (dl.ID is ignored):
// pass it as the extra of the Queue.Ack that removes the work, so both
// happen in one durable write.
func (d *DeadLetters) Put(dl DeadLetter) (uint64, Write) {
	id := d.nextID()
	key := d.key(id)
	v := encodeDeadLetter(dl)
	return id, Write{
		Apply: func(b *Batch) { b.set(key, v) },
		Done: func(err error) {
			if err == nil {
				d.n.Add(1)
			}
		},
	}
}

// encodeDeadLetter is a dead letter's stored value: version 1, attempts,
// first and last failure (unix nanoseconds), the last error with its
// length, then the record.
func encodeDeadLetter(dl DeadLetter) []byte {
	v := make([]byte, 0, 1+4+16+binary.MaxVarintLen64+len(dl.LastError)+len(dl.Record))
	v = append(v, 1)
	v = binary.BigEndian.AppendUint32(v, dl.Attempts)
	v = binary.BigEndian.AppendUint64(v, uint64(unixNano(dl.First)))
	v = binary.BigEndian.AppendUint64(v, uint64(unixNano(dl.Last)))
	v = binary.AppendUvarint(v, uint64(len(dl.LastError)))
	v = append(v, dl.LastError...)
	return append(v, dl.Record...)
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromUnixNano(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns)
}

func (d *DeadLetters) decode(k, v []byte) (DeadLetter, error) {
	if len(k) != len(d.prefix)+8 || len(v) < 21 || v[0] != 1 {
		return DeadLetter{}, fmt.Errorf("dead letters %s: corrupt record %x", d.kind, k)
	}
	dl := DeadLetter{
		ID:       binary.BigEndian.Uint64(k[len(d.prefix):]),
		Attempts: binary.BigEndian.Uint32(v[1:]),
		First:    fromUnixNano(int64(binary.BigEndian.Uint64(v[5:]))),
		Last:     fromUnixNano(int64(binary.BigEndian.Uint64(v[13:]))),
	}
	n, w := binary.Uvarint(v[21:])
	if w <= 0 || n > uint64(len(v)-21-w) {
		return DeadLetter{}, fmt.Errorf("dead letters %s: corrupt record %x", d.kind, k)
	}
	rest := v[21+w:]
	dl.LastError = string(rest[:n])
	dl.Record = append([]byte(nil), rest[n:]...)
	return dl, nil
}

// List returns up to limit dead letters with ids above after, oldest
// first.
func (d *DeadLetters) List(after uint64, limit int) ([]DeadLetter, error) {
	var out []DeadLetter
	if limit <= 0 {
		return out, nil
	}
	if after == ^uint64(0) {
		return out, nil
	}
	lower := d.key(after + 1)
	it, err := d.db.pdb.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: prefixEnd(d.prefix)})
	if err != nil {
		return nil, fmt.Errorf("list dead letters %s: %w", d.kind, err)
	}
	for it.First(); it.Valid() && len(out) < limit; it.Next() {
		dl, err := d.decode(it.Key(), it.Value())
		if err != nil {
			it.Close()
			return nil, err
		}
		out = append(out, dl)
	}
	if err := it.Close(); err != nil {
		return nil, fmt.Errorf("list dead letters %s: %w", d.kind, err)
	}
	return out, nil
}

// get reads one dead letter; ErrNotFound when there is none with id.
func (d *DeadLetters) get(id uint64) (DeadLetter, error) {
	k := d.key(id)
	v, c, err := d.db.pdb.Get(k)
	if errors.Is(err, pebble.ErrNotFound) {
		return DeadLetter{}, fmt.Errorf("dead letter %s/%d: %w", d.kind, id, ErrNotFound)
	}
	if err != nil {
		return DeadLetter{}, fmt.Errorf("read dead letter %s/%d: %w", d.kind, id, err)
	}
	defer c.Close()
	return d.decode(k, v)
}

// Delete removes the dead letter id for good; ErrNotFound when there is
// none.
func (d *DeadLetters) Delete(id uint64) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, err := d.get(id); err != nil {
		return err
	}
	k := d.key(id)
	if err := d.db.Do(func(b *Batch) { b.delete(k) }); err != nil {
		return fmt.Errorf("delete dead letter %s/%d: %w", d.kind, id, err)
	}
	d.n.Add(-1)
	return nil
}

// moveBatch is how many dead letters MoveTo moves in one write.
const moveBatch = 1000

// MoveTo moves dead letters back to q as new messages, the payload of
// each made by payload from the dead letter; the append and the removal
// are one durable write per batch, so a crash neither loses nor doubles
// one. ids nil moves them all, oldest first; ids not found are skipped.
// It returns how many moved.
func (d *DeadLetters) MoveTo(q *Queue, ids []uint64, payload func(DeadLetter) []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	moved := 0
	var after uint64
	for {
		var dls []DeadLetter
		if ids == nil {
			var err error
			if dls, err = d.List(after, moveBatch); err != nil {
				return moved, err
			}
		} else {
			for len(ids) > 0 && len(dls) < moveBatch {
				dl, err := d.get(ids[0])
				ids = ids[1:]
				if errors.Is(err, ErrNotFound) {
					continue
				}
				if err != nil {
					return moved, err
				}
				dls = append(dls, dl)
			}
		}
		if len(dls) == 0 {
			return moved, nil
		}
		msgs := make([]NewMsg, len(dls))
		keys := make([][]byte, len(dls))
		for i, dl := range dls {
			msgs[i] = NewMsg{Payload: payload(dl)}
			keys[i] = d.key(dl.ID)
			after = dl.ID
		}
		errc := make(chan error, 1)
		q.Append(msgs, Write{Apply: func(b *Batch) {
			for _, k := range keys {
				b.delete(k)
			}
		}}, func(_ []uint64, err error) { errc <- err })
		if err := <-errc; err != nil {
			return moved, fmt.Errorf("replay dead letters %s to %s: %w", d.kind, q.Name(), err)
		}
		d.n.Add(-int64(len(dls)))
		moved += len(dls)
	}
}
