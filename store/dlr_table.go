package store

import (
	"hash/maphash"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// The DLR table: a sharded in-memory map from connector | 0 | smsc id to
// the registrations made recently and the puts in flight, with the
// lookups waiting for them. It serves most receipts (they follow their
// submit_sm_resp closely) without a Pebble read, and it is where a
// receipt that overtook its mapping waits. Each shard keeps two
// generations of entries; when the current one is full the older is
// dropped, except for entries a put or a lookup is still waiting on.
// Pebble remains the record: the table is rebuilt by use after a restart.

const dlrShards = 64

type dlrTable struct {
	x       *Index
	seed    maphash.Seed
	genCap  int
	maxHeld int
	held    atomic.Int64
	shards  [dlrShards]dlrShard
}

type dlrShard struct {
	mu        sync.Mutex
	cur, prev map[string]*dlrSlot
	closed    bool
	_         [40]byte // keep shards on separate cache lines
}

type dlrSlot struct {
	d        DLR // valid when has
	has      bool
	expiry   int64
	inflight int32
	waiters  []*heldLookup
}

type heldLookup struct {
	cb    func(DLR, error)
	timer *time.Timer
}

func (t *dlrTable) init(x *Index, entries, maxHeld int) {
	t.x = x
	t.seed = maphash.MakeSeed()
	t.genCap = max(entries/(2*dlrShards), 16)
	t.maxHeld = maxHeld
	for i := range t.shards {
		t.shards[i].cur = make(map[string]*dlrSlot, t.genCap)
		t.shards[i].prev = make(map[string]*dlrSlot)
	}
}

func (t *dlrTable) shard(key []byte) *dlrShard {
	return &t.shards[maphash.Bytes(t.seed, key)%dlrShards]
}

// find returns the slot for key (lock held).
func (sh *dlrShard) find(key []byte) *dlrSlot {
	if s := sh.cur[string(key)]; s != nil {
		return s
	}
	return sh.prev[string(key)]
}

// slot returns the slot for key in the current generation, creating or
// promoting it (lock held).
func (sh *dlrShard) slot(key []byte, genCap int) *dlrSlot {
	if s := sh.cur[string(key)]; s != nil {
		return s
	}
	s := sh.prev[string(key)]
	if s != nil {
		delete(sh.prev, string(key))
	} else {
		s = &dlrSlot{}
	}
	if len(sh.cur) >= genCap {
		// Rotate: the older generation goes, but for the slots someone
		// is still waiting on.
		next := sh.cur
		for k, o := range sh.prev {
			if o.inflight > 0 || len(o.waiters) > 0 {
				if _, dup := next[k]; !dup {
					next[k] = o
				}
			}
		}
		sh.prev = next
		sh.cur = make(map[string]*dlrSlot, genCap)
	}
	sh.cur[string(key)] = s
	return s
}

// drop removes an idle slot that holds nothing (lock held).
func (sh *dlrShard) drop(key []byte, s *dlrSlot) {
	if s.has || s.inflight > 0 || len(s.waiters) > 0 {
		return
	}
	if sh.cur[string(key)] == s {
		delete(sh.cur, string(key))
	} else if sh.prev[string(key)] == s {
		delete(sh.prev, string(key))
	}
}

// beginPut marks key's slot as having a put in flight; the slot stays
// in the table, through rotations, until endPut.
func (t *dlrTable) beginPut(key []byte) dlrAt {
	sh := t.shard(key)
	sh.mu.Lock()
	s := sh.slot(key, t.genCap)
	s.inflight++
	sh.mu.Unlock()
	return dlrAt{sh, s}
}

// endPut records a put's outcome and answers the lookups it satisfies.
// Completions run in commit order, so the table ends with the last
// registration for a key, as Pebble does.
func (t *dlrTable) endPut(at dlrAt, d *DLR, expiry int64, ok bool) {
	sh, s := at.sh, at.s
	sh.mu.Lock()
	s.inflight--
	var ws []*heldLookup
	if ok {
		s.d, s.has, s.expiry = *d, true, expiry
		ws, s.waiters = s.waiters, nil
	}
	// A failed put leaves its waiters to their timeout, which reads Pebble
	// once more. A slot whose put failed and that holds nothing stays
	// until rotation: harmless.
	sh.mu.Unlock()
	if len(ws) > 0 {
		t.held.Add(-int64(len(ws)))
		for _, h := range ws {
			h.timer.Stop()
			h.cb(*d, nil)
		}
	}
}

// forget drops a registration DeleteDLR finished.
func (t *dlrTable) forget(key []byte) {
	sh := t.shard(key)
	sh.mu.Lock()
	if s := sh.find(key); s != nil {
		s.d, s.has = DLR{}, false
		sh.drop(key, s)
	}
	sh.mu.Unlock()
}

// hold makes cb wait in slot s of key (created when nil) for a put, or
// the hold window; false when the table is full or closed (lock held).
func (t *dlrTable) hold(sh *dlrShard, s *dlrSlot, key []byte, connector, smscID string, cb func(DLR, error)) bool {
	if sh.closed {
		return false
	}
	if t.held.Add(1) > int64(t.maxHeld) {
		t.held.Add(-1)
		return false
	}
	if s == nil {
		s = sh.slot(key, t.genCap)
	}
	h := &heldLookup{cb: cb}
	s.waiters = append(s.waiters, h)
	k := string(key)
	h.timer = time.AfterFunc(t.x.hold, func() { t.expire(k, h, connector, smscID) })
	return true
}

// expire answers a lookup whose hold window passed, with what Pebble
// holds now (normally ErrNotFound).
func (t *dlrTable) expire(key string, h *heldLookup, connector, smscID string) {
	kb := []byte(key)
	sh := t.shard(kb)
	sh.mu.Lock()
	s := sh.find(kb)
	found := false
	if s != nil {
		if i := slices.Index(s.waiters, h); i >= 0 {
			s.waiters = slices.Delete(s.waiters, i, i+1)
			found = true
			sh.drop(kb, s)
		}
	}
	sh.mu.Unlock()
	if !found {
		return // answered by a put
	}
	t.held.Add(-1)
	if t.x.closed.Load() {
		h.cb(DLR{}, ErrClosed)
		return
	}
	h.cb(t.x.getDLR(connector, smscID, t.x.now()))
}

// failAll answers every held lookup with err and refuses new holds.
func (t *dlrTable) failAll(err error) {
	var ws []*heldLookup
	for i := range t.shards {
		sh := &t.shards[i]
		sh.mu.Lock()
		sh.closed = true
		for _, m := range []map[string]*dlrSlot{sh.cur, sh.prev} {
			for _, s := range m {
				ws = append(ws, s.waiters...)
				s.waiters = nil
			}
		}
		sh.mu.Unlock()
	}
	t.held.Add(-int64(len(ws)))
	for _, h := range ws {
		h.timer.Stop()
		h.cb(DLR{}, err)
	}
}
