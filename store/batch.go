package store

import "github.com/cockroachdb/pebble/v2"

// Batch is the set of mutations one commit makes durable at once. It is
// opaque outside the store: callers hand the store Writes (Queue.Append's
// and Queue.Ack's extra, Merge, a Reservation's Apply) and never see a key
// or a Pebble type. Only the store's own code adds to it.
//
// The mutations cannot fail: Pebble refuses them only on a batch that is
// closed or read-only, which a Batch never is while a Write's Apply runs.
type Batch struct{ pb *pebble.Batch }

func (b *Batch) set(k, v []byte)           { _ = b.pb.Set(k, v, nil) }
func (b *Batch) delete(k []byte)           { _ = b.pb.Delete(k, nil) }
func (b *Batch) singleDelete(k []byte)     { _ = b.pb.SingleDelete(k, nil) }
func (b *Batch) deleteRange(lo, hi []byte) { _ = b.pb.DeleteRange(lo, hi, nil) }
