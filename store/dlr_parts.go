package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/cockroachdb/pebble/v2"
)

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
	it, newest, oldest, err := x.dlrRev.windowIter(x.db.pdb, now)
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
	return x.deleteDLRWrite(d, false, done)
}

// ClosePart is DeleteDLR for a part of a multipart message whose last
// final receipt must be reported durably elsewhere (a callback): the part
// that leaves none open (done gets 0) keeps its forward entry, so that if
// the report fails the SMSC's copy of that receipt is found again — and
// gets 0 again, not ErrDLRFinished — until DeleteDLR removes the entry
// once the report is durable. A non-last part finished twice still gets
// ErrDLRFinished.
func (x *Index) ClosePart(d DLR, done func(remaining int, err error)) {
	w, err := x.deleteDLRWrite(d, true, done)
	if err != nil {
		go done(0, err)
		return
	}
	x.db.Submit(w)
}

func (x *Index) deleteDLRWrite(d DLR, keepLast bool, done func(remaining int, err error)) (Write, error) {
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
	var already, applied, kept bool
	return Write{
		Apply: func(batch *Batch) {
			applied = true
			if d.Parts > 1 {
				remaining, already = x.finishPart(d.GatewayID, d.Part, d.Parts)
			}
			if kept = keepLast && d.Parts > 1 && remaining == 0; !kept {
				batch.delete(fk)
			}
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
			if err == nil && !kept {
				x.tab.forget(fk[5:])
			}
			if err == nil && already && !kept {
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
	it, newest, oldest, err := x.dlrRev.windowIter(x.db.pdb, now)
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
