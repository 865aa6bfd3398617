package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"sync"
	"time"
)

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
