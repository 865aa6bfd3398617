package store

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// Inbound (MO) context: what a reply to an inbound message needs (Junebug's
// reply_to), kept inbound_message_ttl. Keys (see keys.go):
//
//	i | bucket | message id  → v1 | expiry | context

const inboundVersion byte = 1

// PutInbound keeps ctx, opaque to the store, under msgID for inbound_message_ttl;
// done (may be nil) learns when it is durable. A later put for the same id
// replaces it.
func (x *Index) PutInbound(msgID string, ctx []byte, done func(error)) {
	if done == nil {
		done = func(error) {}
	}
	if x.closed.Load() {
		go done(ErrClosed)
		return
	}
	if msgID == "" || len(msgID) > 1024 {
		go done(fmt.Errorf("put inbound context: store: message id must be 1 to 1024 octets, not %d", len(msgID)))
		return
	}
	now := x.now()
	buf := make([]byte, 0, 5+len(msgID)+9+len(ctx))
	buf = x.inbound.appendPrefix(buf, x.inbound.bucket(now))
	buf = append(buf, msgID...)
	key := buf[:len(buf):len(buf)]
	buf = append(buf, inboundVersion)
	buf = appendU64(buf, uint64(x.inbound.expiry(now)))
	buf = append(buf, ctx...)
	val := buf[len(key):]
	x.db.Submit(Write{Apply: func(b *Batch) { b.set(key, val) }, Done: done})
}

// Inbound returns the live context kept under msgID; ErrNotFound when
// there is none.
func (x *Index) Inbound(msgID string) ([]byte, error) {
	if msgID == "" || len(msgID) > 1024 {
		return nil, fmt.Errorf("inbound context: store: message id must be 1 to 1024 octets, not %d", len(msgID))
	}
	if x.closed.Load() {
		return nil, ErrClosed
	}
	now := x.now()
	nowN := now.UnixNano()
	key := append(x.inbound.appendPrefix(nil, 0), msgID...)
	var out []byte
	var found bool
	err := x.inbound.probe(now, key, func(uint32) (bool, error) {
		v, c, err := x.db.pdb.Get(key)
		if errors.Is(err, pebble.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return true, err
		}
		defer c.Close()
		exp, ok := ixExpiry(v)
		if !ok || v[0] != inboundVersion {
			return true, fmt.Errorf("inbound context %s: %w", msgID, errIndexCorrupt)
		}
		if exp > nowN {
			out, found = bytes.Clone(v[9:]), true
			if out == nil {
				out = []byte{}
			}
		}
		return true, nil // the newest entry decides
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, ErrNotFound
	}
	return out, nil
}
