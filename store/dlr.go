package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
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
// opaque to the store (where the receipt goes, decided by the engine).
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
	ErrBadPart     = errors.New("store: DLR part must be between 1 and parts")
	ErrDLRFinished = errors.New("store: DLR part already finished")
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
		return fmt.Errorf("store: DLR SMSC message id must be 1 to 1024 octets, not %d", len(d.SMSCID))
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

// LookupDLR finds the registration for a receipt. A hit in the DLR table
// answers at once, on the caller's goroutine; a miss is read from Pebble
// by the DLR readers and answered on one of their goroutines (their
// queue full: ErrReadersBusy at once, on the caller's). Not found there
// either, it is held: the receipt may have overtaken the submit_sm_resp
// whose mapping is still on its way to disk. The lookup is answered when a PutDLR for the same (connector, smscID)
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
		cb(DLR{}, fmt.Errorf("lookup DLR: store: SMSC message id must be 1 to 1024 octets, not %d", len(smscID)))
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

	// 2. Pebble, on the DLR readers: older registrations, and all of them
	// after a restart.
	if !x.readers.submit(x, dlrRead{connector: connector, smscID: smscID, now: now, cb: cb}) {
		cb(DLR{}, ErrReadersBusy)
	}
}

// lookupStored is LookupDLR after a table miss, on a DLR reader: Pebble,
// then the hold.
func (x *Index) lookupStored(connector, smscID string, now time.Time, cb func(DLR, error)) {
	d, err := x.getDLR(connector, smscID, now)
	if !errors.Is(err, ErrNotFound) || x.hold < 0 {
		cb(d, err)
		return
	}

	// 3. Hold. Every put enters the table before it is submitted and
	// leaves its registration there once durable, so a put that landed
	// since step 1 is found here, and one still in flight will answer us.
	var kb [128]byte
	key := append(append(append(kb[:0], connector...), 0), smscID...)
	t := &x.tab
	sh := t.shard(key)
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
