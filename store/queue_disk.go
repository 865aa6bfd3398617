package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/cockroachdb/pebble/v2"
)

// A queue on disk: its id, its keys and records, recovery after a
// restart, and the refill of a spilled lane.

type queues struct {
	mu     sync.Mutex
	byName map[string]*Queue
	nextID uint32
}

var errEmptyName = errors.New("store: queue name must not be empty")

// Queue opens (creating if needed) the queue called name, restoring what
// it holds on disk: messages that were leased when gwd stopped are ready
// again. Recovery counts the queue's keys and loads only its head.
func (db *DB) Queue(name string) (*Queue, error) {
	if name == "" || len(name) > 255 {
		return nil, fmt.Errorf("open queue %q: %w", name, errEmptyName)
	}
	db.qs.mu.Lock()
	defer db.qs.mu.Unlock()
	if q := db.qs.byName[name]; q != nil {
		return q, nil
	}
	id, err := db.queueID(name)
	if err != nil {
		return nil, fmt.Errorf("open queue %s: %w", name, err)
	}
	q := &Queue{db: db, id: id, name: name, leased: map[uint64]*Msg{}, maxResident: DefaultMaxResident, notify: make(chan struct{}, 1)}
	if err := q.recover(); err != nil {
		return nil, fmt.Errorf("open queue %s: %w", name, err)
	}
	if db.qs.byName == nil {
		db.qs.byName = map[string]*Queue{}
	}
	db.qs.byName[name] = q
	return q, nil
}

// queueID returns the id stored for name, assigning the next free one.
func (db *DB) queueID(name string) (uint32, error) {
	key := append([]byte{ksQueueID}, name...)
	v, c, err := db.pdb.Get(key)
	if err == nil {
		defer c.Close()
		if len(v) != 4 {
			return 0, fmt.Errorf("corrupt queue id record (%d octets)", len(v))
		}
		return binary.BigEndian.Uint32(v), nil
	}
	if !errors.Is(err, pebble.ErrNotFound) {
		return 0, err
	}
	if db.qs.nextID == 0 {
		// One past the highest id in use.
		it, err := db.pdb.NewIter(&pebble.IterOptions{LowerBound: []byte{ksQueueID}, UpperBound: []byte{ksQueueID + 1}})
		if err != nil {
			return 0, err
		}
		for it.First(); it.Valid(); it.Next() {
			if id := binary.BigEndian.Uint32(it.Value()); id >= db.qs.nextID {
				db.qs.nextID = id + 1
			}
		}
		if err := it.Close(); err != nil {
			return 0, err
		}
		if db.qs.nextID == 0 {
			db.qs.nextID = 1
		}
	}
	id := db.qs.nextID
	db.qs.nextID++
	val := appendU32(nil, id)
	if err := db.Do(func(b *Batch) { b.set(key, val) }); err != nil {
		return 0, err
	}
	return id, nil
}

func (q *Queue) lanePrefix(prio uint8) []byte {
	k := make([]byte, 0, 6)
	k = append(k, ksQueue)
	k = appendU32(k, q.id)
	return append(k, Priorities-1-prio)
}

func (q *Queue) key(prio uint8, seq uint64) []byte {
	k := make([]byte, 0, 14)
	k = append(k, ksQueue)
	k = appendU32(k, q.id)
	k = append(k, Priorities-1-prio)
	return appendU64(k, seq)
}

func encodeRecord(expires int64, payload []byte) []byte {
	v := make([]byte, 0, 9+len(payload))
	v = append(v, 1) // record version
	v = binary.BigEndian.AppendUint64(v, uint64(expires))
	return append(v, payload...)
}

func decodeRecord(k, v []byte, prio uint8) (*Msg, error) {
	if len(v) < 9 || v[0] != 1 || len(k) != 14 {
		return nil, fmt.Errorf("corrupt queue record %x", k)
	}
	return &Msg{
		Seq: binary.BigEndian.Uint64(k[6:]), Priority: prio,
		Expires: int64(binary.BigEndian.Uint64(v[1:9])),
		Payload: append([]byte(nil), v[9:]...),
	}, nil
}

// recover counts each lane and the payload octets it holds, and loads
// its head.
func (q *Queue) recover() error {
	for p := uint8(0); p < Priorities; p++ {
		pre := q.lanePrefix(p)
		it, err := q.db.pdb.NewIter(&pebble.IterOptions{LowerBound: pre, UpperBound: prefixEnd(pre)})
		if err != nil {
			return err
		}
		l := &q.lanes[p]
		for it.First(); it.Valid(); it.Next() {
			seq := binary.BigEndian.Uint64(it.Key()[6:])
			if seq > q.seq {
				q.seq = seq
			}
			l.n++
			q.held++
			q.bytes += int64(len(it.Value()) - 9)
			if l.resident() < q.maxResident {
				m, err := decodeRecord(it.Key(), it.Value(), p)
				if err != nil {
					it.Close()
					return err
				}
				l.push(m)
				l.diskNext = seq + 1
			} else if !l.spilled {
				l.spilled = true
			}
		}
		if err := it.Close(); err != nil {
			return err
		}
	}
	// Sequence numbers must not repeat across restarts even when every
	// message was acked (no key left to count from): start above the clock.
	if now := uint64(q.db.opts.Now().UnixNano()); now > q.seq {
		q.seq = now
	}
	q.durableSeq = q.seq
	return nil
}

// refill loads the next messages of a spilled lane from disk.
func (q *Queue) refill(p uint8) error {
	l := &q.lanes[p]
	pre := q.lanePrefix(p)
	it, err := q.db.pdb.NewIter(&pebble.IterOptions{LowerBound: q.key(p, l.diskNext), UpperBound: prefixEnd(pre)})
	if err != nil {
		return err
	}
	loaded := 0
	for it.First(); it.Valid() && loaded < min(refillBatch, q.maxResident); it.Next() {
		if binary.BigEndian.Uint64(it.Key()[6:]) > q.durableSeq {
			// Applied but not yet synced: it lands (and is counted) later.
			it.Close()
			return nil
		}
		m, err := decodeRecord(it.Key(), it.Value(), p)
		if err != nil {
			it.Close()
			return err
		}
		if m.Seq < q.cancelBelow {
			continue
		}
		l.push(m)
		l.diskNext = m.Seq + 1
		loaded++
	}
	exhausted := !it.Valid()
	if err := it.Close(); err != nil {
		return err
	}
	if exhausted {
		l.spilled = false
	}
	return nil
}

// QueuesWithRecords returns the names, starting with prefix, of the
// queues that hold at least one message on disk, opened or not: what a
// restart must open to deliver (an ESME's outbox, "out/…").
func (db *DB) QueuesWithRecords(prefix string) ([]string, error) {
	lo := append([]byte{ksQueueID}, prefix...)
	it, err := db.pdb.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: prefixEnd(lo)})
	if err != nil {
		return nil, fmt.Errorf("list queues %q: %w", prefix, err)
	}
	type named struct {
		name string
		id   uint32
	}
	var all []named
	for it.First(); it.Valid(); it.Next() {
		if len(it.Value()) != 4 {
			it.Close()
			return nil, fmt.Errorf("list queues %q: corrupt queue id record %x", prefix, it.Key())
		}
		all = append(all, named{string(it.Key()[1:]), binary.BigEndian.Uint32(it.Value())})
	}
	if err := it.Close(); err != nil {
		return nil, fmt.Errorf("list queues %q: %w", prefix, err)
	}
	var names []string
	for _, n := range all {
		pre := appendU32([]byte{ksQueue}, n.id)
		qi, err := db.pdb.NewIter(&pebble.IterOptions{LowerBound: pre, UpperBound: prefixEnd(pre)})
		if err != nil {
			return nil, fmt.Errorf("list queues %q: %w", prefix, err)
		}
		has := qi.First()
		if err := qi.Close(); err != nil {
			return nil, fmt.Errorf("list queues %q: %w", prefix, err)
		}
		if has {
			names = append(names, n.name)
		}
	}
	return names, nil
}
