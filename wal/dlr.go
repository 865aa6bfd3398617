package wal

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// The DLR index maps (connector, SMSC message id) to the gateway message id
// and to where the receipt goes, for dlr_expiry. Keys (see keys.go):
//
//	forward  d | bucket | connector | 0 | smsc id  → v1 | expiry | registered | part | parts | gateway id | dest
//	reverse  r | bucket | gateway id | 0 | part    → flags | expiry | connector | smsc id
//
// Both keys of one registration are in the same bucket: the bucket of its
// RegisteredAt. One gateway message has one reverse entry per part, so a
// multipart message can be reported per part or once for all its parts
// (DeleteDLR counts the parts still open).

// DLR is one registration in the DLR index: the SMSC acknowledged part Part
// of Parts of gateway message GatewayID on Connector under SMSCID; Dest is
// opaque to wal (where the receipt goes, decided by the engine).
type DLR struct {
	Connector string
	SMSCID    string
	GatewayID string
	// Part counts from 1; a message sent whole is part 1 of 1. Zero
	// values mean 1.
	Part, Parts uint16
	Dest        []byte
	// RegisteredAt is when the mapping was made; the entry lives
	// dlr_expiry from then. PutDLR stamps the index clock's time when it
	// is zero or in the future.
	RegisteredAt time.Time
}

// DLR errors.
var (
	ErrBadPart     = errors.New("wal: DLR part must be between 1 and parts")
	ErrDLRFinished = errors.New("wal: DLR part already finished")
)

// Reverse entry flags.
const (
	dlrRevOpen     byte = 1
	dlrRevFinished byte = 2
)

const dlrVersion byte = 1

func (d *DLR) check() error {
	if err := ixCheckKey("DLR connector", d.Connector); err != nil {
		return err
	}
	if d.SMSCID == "" || len(d.SMSCID) > 1024 {
		return fmt.Errorf("wal: DLR SMSC message id must be 1 to 1024 octets, not %d", len(d.SMSCID))
	}
	if err := ixCheckKey("DLR gateway id", d.GatewayID); err != nil {
		return err
	}
	if d.Part == 0 {
		d.Part = 1
	}
	if d.Parts == 0 {
		d.Parts = 1
	}
	if d.Part > d.Parts {
		return fmt.Errorf("%w (part %d of %d)", ErrBadPart, d.Part, d.Parts)
	}
	return nil
}

// forwardKey appends d | bucket | connector | 0 | smsc id.
func (x *Index) forwardKey(dst []byte, b uint32, connector, smscID string) []byte {
	dst = x.dlr.appendPrefix(dst, b)
	dst = append(dst, connector...)
	dst = append(dst, 0)
	return append(dst, smscID...)
}

// reverseKey appends r | bucket | gateway id | 0 | part.
func (x *Index) reverseKey(dst []byte, b uint32, gatewayID string, part uint16) []byte {
	dst = x.dlrRev.appendPrefix(dst, b)
	dst = append(dst, gatewayID...)
	dst = append(dst, 0)
	return binary.BigEndian.AppendUint16(dst, part)
}

func appendReverseValue(dst []byte, flags byte, expiry int64, connector, smscID string) []byte {
	dst = append(dst, flags)
	dst = appendU64(dst, uint64(expiry))
	dst = ixAppendStr(dst, connector)
	return append(dst, smscID...)
}

// decodeDLR decodes a forward value, copying what it keeps.
func decodeDLR(v []byte, d *DLR) error {
	r := ixReader{b: v}
	if r.u8() != dlrVersion {
		return errIndexCorrupt
	}
	r.i64() // expiry, checked by the caller
	reg := r.i64()
	d.Part = r.u16()
	d.Parts = r.u16()
	gid := r.lp()
	dest := r.lp()
	if r.err != nil {
		return r.err
	}
	d.GatewayID = string(gid)
	d.RegisteredAt = time.Unix(0, reg)
	if len(dest) > 0 {
		d.Dest = bytes.Clone(dest)
	} else {
		d.Dest = nil
	}
	return nil
}

// dlrPut is one PutDLR/PutDLRs in flight. Those of PutDLR are recycled
// (Pebble copies what it is given), which keeps the garbage collector's
// work down on the hot path.
type dlrPut struct {
	x    *Index
	one  [1]DLR
	ds   []DLR
	kv1  [1][4][]byte
	kvs  [][4][]byte // forward key, value, reverse key, value
	at1  [1]dlrAt
	ats  []dlrAt // each registration's place in the table
	done func(error)

	pooled  bool
	buf     []byte // what kvs point into, when pooled
	applyFn func(*Batch)
	doneFn  func(error)
}

var dlrPutPool sync.Pool // of *dlrPut; New set in init (release refers to the pool)

func init() {
	dlrPutPool.New = func() any {
		p := &dlrPut{pooled: true}
		p.ds, p.kvs, p.ats = p.one[:], p.kv1[:], p.at1[:]
		p.applyFn, p.doneFn = p.apply, p.finish
		return p
	}
}

// fail reports a put refused before it reached the committer.
func (p *dlrPut) fail(err error) {
	if p.done != nil {
		p.done(err)
	}
	p.release()
}

// release recycles a pooled put once nothing refers to it any more.
func (p *dlrPut) release() {
	if !p.pooled {
		return
	}
	p.x, p.done = nil, nil
	p.one[0], p.kv1[0], p.at1[0] = DLR{}, [4][]byte{}, dlrAt{}
	if cap(p.buf) > 1024 {
		p.buf = nil
	}
	dlrPutPool.Put(p)
}

type dlrAt struct {
	sh *dlrShard
	s  *dlrSlot
}

func (p *dlrPut) apply(b *Batch) {
	for _, kv := range p.kvs {
		b.set(kv[0], kv[1])
		if kv[2] != nil {
			b.set(kv[2], kv[3])
		}
	}
}

// finish runs once the write is durable (or failed): the table learns the
// registrations and answers the lookups waiting for them.
func (p *dlrPut) finish(err error) {
	for i := range p.ds {
		exp, _ := ixExpiry(p.kvs[i][1])
		p.x.tab.endPut(p.ats[i], &p.ds[i], exp, err == nil)
	}
	if p.done != nil {
		p.done(err)
	}
	p.release()
}

// encode validates and encodes ds[i]; the caller has set p.ds and p.kvs.
func (p *dlrPut) encode(i int, now time.Time) error {
	d := &p.ds[i]
	if err := d.check(); err != nil {
		return err
	}
	if d.RegisteredAt.IsZero() || d.RegisteredAt.After(now) {
		d.RegisteredAt = now
	}
	x := p.x
	at := d.RegisteredAt
	b := x.dlr.bucket(at)
	exp := x.dlr.expiry(at)
	n := 5 + len(d.Connector) + 1 + len(d.SMSCID) + // forward key
		1 + 8 + 8 + 2 + 2 + 2*binary.MaxVarintLen64 + len(d.GatewayID) + len(d.Dest) + // forward value
		5 + len(d.GatewayID) + 1 + 2 + // reverse key
		1 + 8 + binary.MaxVarintLen64 + len(d.Connector) + len(d.SMSCID) // reverse value
	var buf []byte
	switch {
	case p.pooled && cap(p.buf) >= n:
		buf = p.buf[:0]
	case p.pooled:
		buf = make([]byte, 0, max(n, 256))
		p.buf = buf
	default:
		buf = make([]byte, 0, n)
	}
	buf = x.forwardKey(buf, b, d.Connector, d.SMSCID)
	fk := buf[:len(buf):len(buf)]
	buf = append(buf, dlrVersion)
	buf = appendU64(buf, uint64(exp))
	buf = appendU64(buf, uint64(at.UnixNano()))
	buf = binary.BigEndian.AppendUint16(buf, d.Part)
	buf = binary.BigEndian.AppendUint16(buf, d.Parts)
	buf = ixAppendStr(buf, d.GatewayID)
	buf = ixAppendBytes(buf, d.Dest)
	fv := buf[len(fk):len(buf):len(buf)]
	// The table and the waiters get their own copy of Dest.
	if len(d.Dest) > 0 {
		d.Dest = bytes.Clone(d.Dest)
	} else {
		d.Dest = nil
	}
	if d.Parts <= 1 {
		// A single-part message needs no reverse entry: nothing counts
		// its parts.
		p.kvs[i] = [4][]byte{fk, fv, nil, nil}
		return nil
	}
	start := len(buf)
	buf = x.reverseKey(buf, b, d.GatewayID, d.Part)
	rk := buf[start:len(buf):len(buf)]
	start = len(buf)
	buf = appendReverseValue(buf, dlrRevOpen, exp, d.Connector, d.SMSCID)
	rv := buf[start:]
	p.kvs[i] = [4][]byte{fk, fv, rk, rv}
	return nil
}

// PutDLR registers d: its forward key and, for a part of a multipart
// message, its reverse key, in one write. done
// (which may be nil) learns when it is durable; lookups held for the same
// (connector, SMSC id) are answered at that moment, before done. Nothing
// is written when d is invalid (empty or NUL-holding connector or gateway
// id, empty SMSC id, part beyond parts): done gets the error. As with
// every write of the Index, done is never called from inside the call.
func (x *Index) PutDLR(d DLR, done func(error)) {
	p := dlrPutPool.Get().(*dlrPut)
	p.x, p.done = x, done
	p.one[0] = d
	x.submitPut(p)
}

// PutDLRWrite is PutDLR as a Write for the caller to submit, alone or
// merged with others (Merge, Queue.Ack's extra): the mapping then becomes
// durable with them, atomically. The caller must submit the Write exactly
// once. An invalid d is an error and no Write (done is not called).
func (x *Index) PutDLRWrite(d DLR, done func(error)) (Write, error) {
	if x.closed.Load() {
		return Write{}, ErrClosed
	}
	p := dlrPutPool.Get().(*dlrPut)
	p.x, p.done = x, done
	p.one[0] = d
	if err := x.preparePut(p); err != nil {
		p.done = nil
		p.release()
		return Write{}, fmt.Errorf("put DLR: %w", err)
	}
	return Write{Apply: p.applyFn, Done: p.doneFn}, nil
}

// PutDLRs registers every part of a multipart message in one atomic write.
func (x *Index) PutDLRs(ds []DLR, done func(error)) {
	if len(ds) == 0 {
		if done != nil {
			go done(nil)
		}
		return
	}
	p := &dlrPut{x: x, done: done, ds: slices.Clone(ds), kvs: make([][4][]byte, len(ds)), ats: make([]dlrAt, len(ds))}
	p.applyFn, p.doneFn = p.apply, p.finish
	x.submitPut(p)
}

func (x *Index) submitPut(p *dlrPut) {
	if x.closed.Load() {
		go p.fail(ErrClosed)
		return
	}
	if err := x.preparePut(p); err != nil {
		go p.fail(fmt.Errorf("put DLR: %w", err))
		return
	}
	x.db.Submit(Write{Apply: p.applyFn, Done: p.doneFn})
}

// preparePut encodes p's registrations and tells the table they are on
// their way; after it succeeds, p's Write must be submitted.
func (x *Index) preparePut(p *dlrPut) error {
	now := x.now()
	for i := range p.ds {
		if err := p.encode(i, now); err != nil {
			return err
		}
	}
	for i := range p.kvs {
		p.ats[i] = x.tab.beginPut(p.kvs[i][0][5:])
	}
	return nil
}

// getDLR reads the live forward entry for (connector, smscID) from Pebble.
func (x *Index) getDLR(connector, smscID string, now time.Time) (DLR, error) {
	var kb [128]byte
	key := x.forwardKey(kb[:0], 0, connector, smscID)
	nowN := now.UnixNano()
	newest, oldest := x.dlr.window(now)
	for b := newest; ; b-- {
		ixSetBucket(key, b)
		v, c, err := x.db.pdb.Get(key)
		switch {
		case err == nil:
			d := DLR{Connector: connector, SMSCID: smscID}
			exp, ok := ixExpiry(v)
			if ok && exp <= nowN {
				// The newest entry for this key is out of date: any
				// older one is too.
				c.Close()
				return DLR{}, ErrNotFound
			}
			err = decodeDLR(v, &d)
			c.Close()
			if err != nil {
				return DLR{}, fmt.Errorf("DLR %s/%s: %w", connector, smscID, err)
			}
			return d, nil
		case !errors.Is(err, pebble.ErrNotFound):
			return DLR{}, fmt.Errorf("DLR %s/%s: %w", connector, smscID, err)
		}
		if b == oldest || b == 0 {
			return DLR{}, ErrNotFound
		}
	}
}

// LookupDLR finds the registration for a receipt. A hit answers at once,
// on the caller's goroutine. A miss is held: the receipt may have
// overtaken the submit_sm_resp whose mapping is still on its way to disk.
// The lookup is answered when a PutDLR for the same (connector, smscID)
// lands (on the committer's goroutine) or, failing that, after the hold
// window with ErrNotFound. Beyond MaxHeld held lookups, or with Hold
// negative, a miss answers ErrNotFound at once. cb must not block, and
// must treat the DLR's Dest as read-only (it is shared).
//
// smscID is looked up as given: the store knows no SMSC's id format, so
// the caller normalises the id given to PutDLR and the receipt's id to one
// key (for SMPP connectors, smppc.NormalizeSMSCID).
func (x *Index) LookupDLR(connector, smscID string, cb func(DLR, error)) {
	if x.closed.Load() {
		cb(DLR{}, ErrClosed)
		return
	}
	if err := ixCheckKey("DLR connector", connector); err != nil {
		cb(DLR{}, fmt.Errorf("lookup DLR: %w", err))
		return
	}
	if smscID == "" || len(smscID) > 1024 {
		cb(DLR{}, fmt.Errorf("lookup DLR: wal: SMSC message id must be 1 to 1024 octets, not %d", len(smscID)))
		return
	}
	var kb [128]byte
	key := append(append(append(kb[:0], connector...), 0), smscID...)
	now := x.now()
	t := &x.tab
	sh := t.shard(key)

	// 1. The table: recent registrations, and puts still in flight.
	sh.mu.Lock()
	if s := sh.find(key); s != nil {
		if s.has && s.expiry > now.UnixNano() {
			d := s.d
			sh.mu.Unlock()
			cb(d, nil)
			return
		}
		if s.inflight > 0 && x.hold >= 0 && t.hold(sh, s, key, connector, smscID, cb) {
			sh.mu.Unlock()
			return
		}
	}
	sh.mu.Unlock()

	// 2. Pebble: older registrations, and all of them after a restart.
	d, err := x.getDLR(connector, smscID, now)
	if !errors.Is(err, ErrNotFound) || x.hold < 0 {
		cb(d, err)
		return
	}

	// 3. Hold. Every put enters the table before it is submitted and
	// leaves its registration there once durable, so a put that landed
	// since step 1 is found here, and one still in flight will answer us.
	sh.mu.Lock()
	s := sh.find(key)
	if s != nil && s.has && s.expiry > x.now().UnixNano() {
		d := s.d
		sh.mu.Unlock()
		cb(d, nil)
		return
	}
	if t.hold(sh, s, key, connector, smscID, cb) {
		sh.mu.Unlock()
		return
	}
	sh.mu.Unlock()
	cb(DLR{}, ErrNotFound)
}

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

// DLRByGateway returns the open registrations of a multipart gateway
// message, one per part (those DeleteDLR finished are left out), in part
// order; ErrNotFound when there is none. A single-part message has no
// reverse entry (nothing needs to count its parts), so it is not found
// here: look it up by its SMSC id.
func (x *Index) DLRByGateway(gatewayID string) ([]DLR, error) {
	if err := ixCheckKey("DLR gateway id", gatewayID); err != nil {
		return nil, err
	}
	if x.closed.Load() {
		return nil, ErrClosed
	}
	now := x.now()
	nowN := now.UnixNano()
	newest, oldest := x.dlrRev.window(now)
	it, err := x.db.pdb.NewIter(&pebble.IterOptions{
		LowerBound: x.dlrRev.appendPrefix(nil, oldest),
		UpperBound: prefixEnd(x.dlrRev.appendPrefix(nil, newest)),
	})
	if err != nil {
		return nil, err
	}
	defer it.Close()
	seen := map[uint16]bool{}
	var out []DLR
	pre := x.reverseKey(nil, 0, gatewayID, 0)
	pre = pre[:len(pre)-2]
	for b := newest; ; b-- {
		ixSetBucket(pre, b)
		for it.SeekGE(pre); it.Valid() && bytes.HasPrefix(it.Key(), pre); it.Next() {
			k := it.Key()
			if len(k) != len(pre)+2 {
				continue
			}
			part := binary.BigEndian.Uint16(k[len(pre):])
			if seen[part] {
				continue
			}
			seen[part] = true
			r := ixReader{b: it.Value()}
			flags := r.u8()
			exp := r.i64()
			conn := r.lp()
			if r.err != nil {
				return nil, fmt.Errorf("DLR reverse entry %x: %w", k, r.err)
			}
			if flags&dlrRevFinished != 0 || exp <= nowN {
				continue
			}
			d := DLR{Connector: string(conn), SMSCID: string(r.b)}
			fk := x.forwardKey(nil, b, d.Connector, d.SMSCID)
			v, c, err := x.db.pdb.Get(fk)
			if errors.Is(err, pebble.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			err = decodeDLR(v, &d)
			c.Close()
			if err != nil {
				return nil, fmt.Errorf("DLR %s/%s: %w", d.Connector, d.SMSCID, err)
			}
			// An SMSC that reused the id for another message since:
			// that registration is not ours.
			if d.GatewayID != gatewayID || d.Part != part {
				continue
			}
			out = append(out, d)
		}
		if err := it.Error(); err != nil {
			return nil, err
		}
		if b == oldest || b == 0 {
			break
		}
	}
	if len(out) == 0 {
		return nil, ErrNotFound
	}
	slices.SortFunc(out, func(a, b DLR) int { return int(a.Part) - int(b.Part) })
	return out, nil
}

// DeleteDLR finishes one registration once its final receipt has been
// handled: the forward entry goes (a later receipt for the same SMSC id is
// unknown) and the part is marked finished in the reverse map. done gets
// the number of parts of the message still open, counted in commit order
// so that exactly one caller sees 0 for a multipart message: report "once
// per message" then. A part finished twice gets ErrDLRFinished (multipart
// only; a single-part duplicate simply finds no entry at lookup).
//
// d is what LookupDLR returned (RegisteredAt locates its bucket); with a
// zero RegisteredAt it is looked up first.
//
// DeleteDLR is optional: entries expire on their own after dlr_expiry. It
// costs one point tombstone, which dies with its bucket's range delete.
func (x *Index) DeleteDLR(d DLR, done func(remaining int, err error)) {
	if done == nil {
		done = func(int, error) {}
	}
	w, err := x.DeleteDLRWrite(d, done)
	if err != nil {
		go done(0, err)
		return
	}
	x.db.Submit(w)
}

// DeleteDLRWrite is DeleteDLR as a Write for the caller to submit, alone
// or merged with others, exactly once. An error (closed index, invalid or
// unknown d) is no Write and done is not called.
func (x *Index) DeleteDLRWrite(d DLR, done func(remaining int, err error)) (Write, error) {
	if done == nil {
		done = func(int, error) {}
	}
	if x.closed.Load() {
		return Write{}, ErrClosed
	}
	if err := d.check(); err != nil {
		return Write{}, fmt.Errorf("delete DLR: %w", err)
	}
	if d.RegisteredAt.IsZero() {
		found, err := x.getDLR(d.Connector, d.SMSCID, x.now())
		if err != nil {
			return Write{}, fmt.Errorf("delete DLR %s/%s: %w", d.Connector, d.SMSCID, err)
		}
		d = found
	}
	at := d.RegisteredAt
	b := x.dlr.bucket(at)
	fk := x.forwardKey(nil, b, d.Connector, d.SMSCID)
	rk := x.reverseKey(nil, b, d.GatewayID, d.Part)
	rv := appendReverseValue(nil, dlrRevFinished, x.dlr.expiry(at), d.Connector, d.SMSCID)
	var remaining int
	var already, applied bool
	return Write{
		Apply: func(batch *Batch) {
			applied = true
			if d.Parts > 1 {
				remaining, already = x.finishPart(d.GatewayID, d.Part, d.Parts)
			}
			batch.delete(fk)
			if d.Parts > 1 {
				batch.set(rk, rv)
			}
		},
		Done: func(err error) {
			// A Write refused before Apply (a full disk, a failed
			// hand-off it was merged into) took no overlay reference.
			if d.Parts > 1 && applied {
				x.parts.release(d.GatewayID)
			}
			if err == nil {
				x.tab.forget(fk[5:])
			}
			if err == nil && already {
				err = ErrDLRFinished
			}
			done(remaining, err)
		},
	}, nil
}

// partsOverlay holds, per gateway message, the parts finished by writes
// applied to a batch that is not yet visible: Apply cannot read its own
// batch. Only Apply (the committer's goroutine) adds; completions release.
type partsOverlay struct {
	mu sync.Mutex
	m  map[string]*pendingParts
}

type pendingParts struct {
	parts map[uint16]struct{}
	refs  int // writes in flight that added to parts
}

func (o *partsOverlay) release(gid string) {
	o.mu.Lock()
	if p := o.m[gid]; p != nil {
		p.refs--
		if p.refs <= 0 {
			delete(o.m, gid)
		}
	}
	o.mu.Unlock()
}

// finishPart runs inside Apply, on the committer's goroutine, so the
// finish marks of earlier writes are either visible in Pebble (batches
// already applied) or in the overlay (this batch): counting is serial.
func (x *Index) finishPart(gid string, part, parts uint16) (remaining int, already bool) {
	done := x.finishedParts(gid)
	x.parts.mu.Lock()
	p := x.parts.m[gid]
	if p == nil {
		p = &pendingParts{parts: map[uint16]struct{}{}}
		x.parts.m[gid] = p
	}
	for q := range p.parts {
		done[q] = struct{}{}
	}
	_, already = done[part]
	done[part] = struct{}{}
	p.parts[part] = struct{}{}
	p.refs++
	x.parts.mu.Unlock()
	remaining = int(parts)
	for q := range done {
		if q >= 1 && q <= parts {
			remaining--
		}
	}
	return remaining, already
}

// finishedParts reads the parts of gid marked finished in the live
// buckets. A read error counts as none: Apply cannot fail.
func (x *Index) finishedParts(gid string) map[uint16]struct{} {
	done := map[uint16]struct{}{}
	now := x.now()
	nowN := now.UnixNano()
	newest, oldest := x.dlrRev.window(now)
	it, err := x.db.pdb.NewIter(&pebble.IterOptions{
		LowerBound: x.dlrRev.appendPrefix(nil, oldest),
		UpperBound: prefixEnd(x.dlrRev.appendPrefix(nil, newest)),
	})
	if err != nil {
		return done
	}
	defer it.Close()
	pre := x.reverseKey(nil, 0, gid, 0)
	pre = pre[:len(pre)-2]
	for b := newest; ; b-- {
		ixSetBucket(pre, b)
		for it.SeekGE(pre); it.Valid() && bytes.HasPrefix(it.Key(), pre); it.Next() {
			k, v := it.Key(), it.Value()
			if len(k) != len(pre)+2 || len(v) < 9 || v[0]&dlrRevFinished == 0 {
				continue
			}
			if exp, _ := ixExpiry(v); exp <= nowN {
				continue
			}
			done[binary.BigEndian.Uint16(k[len(pre):])] = struct{}{}
		}
		if b == oldest || b == 0 {
			break
		}
	}
	return done
}
