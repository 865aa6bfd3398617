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

// Time-bucketed keyspaces.
//
// Time-bounded data (the DLR index, message events, MO reply context) is
// keyed prefix | bucket u32 | rest, where bucket = unix seconds / bucketLen
// and bucketLen = ttl/4 (at least one second). An entry written at time t
// goes into bucket(t) and carries its own expiry, t+ttl, in its value, so a
// read ignores an entry whose time is up even before its bucket is dropped.
//
// A read probes the newest bucket first and walks back over the buckets
// that can still hold a live entry: bucket(now) down to bucket(now-ttl),
// that is at most ceil(ttl/bucketLen)+1 = 5 buckets. Sweep drops every
// bucket older than that with a single range delete per keyspace, from the
// keyspace's first key to its first live bucket, so expiry leaves one range
// tombstone per keyspace per bucketLen and never a tombstone per message;
// Pebble drops whole sstables under it (delete-only compactions).

// ErrNotFound: no live entry under that key.
var ErrNotFound = errors.New("store: not found")

// Defaults for TTLs (Jasmin's dlr_expiry, outbound_message_ttl and
// inbound_message_ttl).
const (
	DefaultDLRExpiry  = 86400 * time.Second
	DefaultOutbound   = 172800 * time.Second
	DefaultInbound    = 600 * time.Second
	DefaultDLRHold    = 5 * time.Second
	DefaultMaxHeld    = 100_000
	DefaultDLRCache   = 1 << 18
	DefaultSweepEvery = time.Minute
)

// TTLs are how long the index keeps its entries. Zero values mean the
// defaults.
type TTLs struct {
	DLRExpiry time.Duration // DLR index entries; default 86400 s
	Outbound  time.Duration // message events; default 172800 s
	Inbound   time.Duration // MO reply context; default 600 s
}

func (t TTLs) withDefaults() TTLs {
	if t.DLRExpiry <= 0 {
		t.DLRExpiry = DefaultDLRExpiry
	}
	if t.Outbound <= 0 {
		t.Outbound = DefaultOutbound
	}
	if t.Inbound <= 0 {
		t.Inbound = DefaultInbound
	}
	return t
}

// IndexOptions tune an Index. Zero values mean the defaults.
type IndexOptions struct {
	// Hold is how long LookupDLR holds a lookup that missed, waiting for
	// the matching PutDLR to land, before answering ErrNotFound. Default
	// 5 s; negative: never hold.
	Hold time.Duration
	// MaxHeld bounds the lookups held at once; beyond it a miss answers
	// ErrNotFound at once. Default 100,000.
	MaxHeld int
	// DLRCache is how many recent DLR registrations are kept in memory
	// (about 250 octets each) to answer receipts without a Pebble read.
	// Default 262,144.
	DLRCache int
	// SweepEvery is how often a background goroutine drops expired
	// buckets. Default one minute; negative: no background sweep (the
	// owner calls Sweep).
	SweepEvery time.Duration
	// DLRReaders is how many goroutines read the DLR mappings the table
	// misses from Pebble. Default 2.
	DLRReaders int
	// DLRReadQueue bounds the lookups waiting for a DLR reader; beyond
	// it a miss answers ErrReadersBusy at once. Default 4096.
	DLRReadQueue int
	// BeforeRead, when set, runs on a DLR reader before each read: a
	// test that blocks in it makes Pebble slow. Default: none.
	BeforeRead func()
	// Now returns the time; tests set it. Default: the store's clock.
	Now func() time.Time
}

// bucketSpace is one time-bucketed keyspace.
type bucketSpace struct {
	ks     byte
	ttl    time.Duration
	length int64 // bucket length, seconds

	swept uint32 // first live bucket last range-deleted up to (Index.sweepMu)
}

func newBucketSpace(ks byte, ttl time.Duration) *bucketSpace {
	l := int64(ttl/time.Second) / 4
	if l < 1 {
		l = 1
	}
	return &bucketSpace{ks: ks, ttl: ttl, length: l}
}

// bucket returns the bucket that holds entries written at t.
func (s *bucketSpace) bucket(t time.Time) uint32 {
	sec := t.Unix()
	if sec < 0 {
		return 0
	}
	return uint32(sec / s.length)
}

// window returns the newest bucket and the oldest one that can still hold
// a live entry at now.
func (s *bucketSpace) window(now time.Time) (newest, oldest uint32) {
	return s.bucket(now), s.bucket(now.Add(-s.ttl))
}

// expiry is the expiry stored with an entry written at t.
func (s *bucketSpace) expiry(t time.Time) int64 { return t.Add(s.ttl).UnixNano() }

// windowIter returns an iterator over the buckets of s that can hold a
// live entry at now, newest to oldest, and their numbers.
func (s *bucketSpace) windowIter(pdb *pebble.DB, now time.Time) (it *pebble.Iterator, newest, oldest uint32, err error) {
	newest, oldest = s.window(now)
	it, err = pdb.NewIter(&pebble.IterOptions{
		LowerBound: s.appendPrefix(nil, oldest),
		UpperBound: prefixEnd(s.appendPrefix(nil, newest)),
	})
	return it, newest, oldest, err
}

// appendPrefix appends ks | bucket.
func (s *bucketSpace) appendPrefix(dst []byte, b uint32) []byte {
	return appendU32(append(dst, s.ks), b)
}

// ixSetBucket overwrites the bucket of a key built by appendPrefix.
func ixSetBucket(key []byte, b uint32) { binary.BigEndian.PutUint32(key[1:5], b) }

// probe calls get for each bucket that can hold a live entry, newest
// first, with key's bucket bytes rewritten, until get reports done.
func (s *bucketSpace) probe(now time.Time, key []byte, get func(b uint32) (done bool, err error)) error {
	newest, oldest := s.window(now)
	for b := newest; ; b-- {
		ixSetBucket(key, b)
		done, err := get(b)
		if done || err != nil {
			return err
		}
		if b == oldest || b == 0 {
			return nil
		}
	}
}

// Sweep drops every bucket older than the live window at now, one range
// delete per keyspace, through the committer, and waits until that is
// durable. A keyspace whose first live bucket has not moved since the last
// sweep is skipped. The background sweeper calls it; owners that turned
// that off call it themselves.
func (x *Index) Sweep(now time.Time) error {
	if x.closed.Load() {
		return ErrClosed
	}
	x.sweepMu.Lock()
	defer x.sweepMu.Unlock()
	type cut struct {
		s          *bucketSpace
		start, end []byte
		first      uint32
	}
	var cuts []cut
	for _, s := range x.spaces {
		_, first := s.window(now)
		if first == 0 || first <= s.swept {
			continue
		}
		cuts = append(cuts, cut{s: s, start: []byte{s.ks}, end: s.appendPrefix(nil, first), first: first})
	}
	if len(cuts) == 0 {
		return nil
	}
	err := x.db.Do(func(b *Batch) {
		for _, c := range cuts {
			b.deleteRange(c.start, c.end)
		}
	})
	if err != nil {
		return fmt.Errorf("sweep expired buckets: %w", err)
	}
	for _, c := range cuts {
		c.s.swept = c.first
	}
	return nil
}

// sweeper runs Sweep every x.sweepEvery until Close.
func (x *Index) sweeper(every time.Duration) {
	defer close(x.sweepDone)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-x.stop:
			return
		case <-t.C:
			_ = x.Sweep(x.now())
		}
	}
}

// Index is the store's time-bounded index: the DLR index, message state
// and events, and MO reply context. Make one per store with NewIndex (the
// event sequence lives in it); methods are safe for concurrent use and
// never block on a commit. Writes answer through callbacks, never from
// inside the call: on the committer's goroutine once durable (they must
// not block), or on a goroutine of their own when refused. LookupDLR
// answers a hit on the caller's goroutine and reads a miss on a DLR
// reader.
type Index struct {
	db  *DB
	ttl TTLs
	now func() time.Time

	dlr, dlrRev, event, inbound *bucketSpace
	spaces                      []*bucketSpace

	hold    time.Duration
	tab     dlrTable
	readers dlrReaders

	parts partsOverlay

	// Event sequence: only the committer's goroutine touches these, in
	// Apply, after NewIndex.
	evSeq, evHWM uint64

	sweepMu   sync.Mutex
	stop      chan struct{}
	sweepDone chan struct{}
	closeOnce sync.Once
	closed    atomic.Bool
}

// NewIndex opens the index kept in db. Close it before the store.
func NewIndex(db *DB, ttl TTLs, opts IndexOptions) (*Index, error) {
	ttl = ttl.withDefaults()
	x := &Index{db: db, ttl: ttl, now: opts.Now, hold: opts.Hold,
		stop: make(chan struct{}), sweepDone: make(chan struct{})}
	if x.now == nil {
		x.now = db.opts.Now
	}
	if x.hold == 0 {
		x.hold = DefaultDLRHold
	}
	if opts.MaxHeld <= 0 {
		opts.MaxHeld = DefaultMaxHeld
	}
	if opts.DLRCache <= 0 {
		opts.DLRCache = DefaultDLRCache
	}
	x.tab.init(x, opts.DLRCache, opts.MaxHeld)
	if opts.DLRReaders <= 0 {
		opts.DLRReaders = DefaultDLRReaders
	}
	if opts.DLRReadQueue <= 0 {
		opts.DLRReadQueue = DefaultDLRReadQueue
	}
	x.dlr = newBucketSpace(ksDLR, ttl.DLRExpiry)
	x.dlrRev = newBucketSpace(ksDLRRev, ttl.DLRExpiry)
	x.event = newBucketSpace(ksEvent, ttl.Outbound)
	x.inbound = newBucketSpace(ksInbound, ttl.Inbound)
	x.spaces = []*bucketSpace{x.dlr, x.dlrRev, x.event, x.inbound}
	x.parts.m = map[string]*pendingParts{}
	if err := x.loadEventSeq(); err != nil {
		return nil, err
	}
	x.readers.start(x, opts.DLRReaders, opts.DLRReadQueue, opts.BeforeRead)
	every := opts.SweepEvery
	if every == 0 {
		every = DefaultSweepEvery
	}
	if every > 0 {
		go x.sweeper(every)
	} else {
		close(x.sweepDone)
	}
	return x, nil
}

// TTLs returns the lifetimes in force.
func (x *Index) TTLs() TTLs { return x.ttl }

// Close stops the background sweep and the DLR readers (a read under way
// ends first; lookups still queued answer ErrClosed) and answers every
// held lookup with ErrClosed. Writes already handed over still complete.
func (x *Index) Close() error {
	x.closeOnce.Do(func() {
		x.closed.Store(true)
		close(x.stop)
		<-x.sweepDone
		x.readers.stop()
		x.tab.failAll(ErrClosed)
	})
	return nil
}

// Value encoding helpers: uvarint length-prefixed fields.

func ixAppendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func ixAppendBytes(b []byte, s []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

var errIndexCorrupt = errors.New("store: corrupt index record")

// ixReader decodes a value; the first error sticks.
type ixReader struct {
	b   []byte
	err error
}

func (r *ixReader) u8() byte {
	if r.err != nil || len(r.b) < 1 {
		r.err = errIndexCorrupt
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

func (r *ixReader) u16() uint16 {
	if r.err != nil || len(r.b) < 2 {
		r.err = errIndexCorrupt
		return 0
	}
	v := binary.BigEndian.Uint16(r.b)
	r.b = r.b[2:]
	return v
}

func (r *ixReader) i64() int64 {
	if r.err != nil || len(r.b) < 8 {
		r.err = errIndexCorrupt
		return 0
	}
	v := binary.BigEndian.Uint64(r.b)
	r.b = r.b[8:]
	return int64(v)
}

// lp returns the next length-prefixed field, aliasing the value.
func (r *ixReader) lp() []byte {
	if r.err != nil {
		return nil
	}
	n, k := binary.Uvarint(r.b)
	if k <= 0 || uint64(len(r.b)-k) < n {
		r.err = errIndexCorrupt
		return nil
	}
	v := r.b[k : k+int(n)]
	r.b = r.b[k+int(n):]
	return v
}

// ixExpiry reads the expiry that every index value carries after its
// version/flags octet.
func ixExpiry(v []byte) (int64, bool) {
	if len(v) < 9 {
		return 0, false
	}
	return int64(binary.BigEndian.Uint64(v[1:9])), true
}

// ixCheckKey refuses what cannot be a key component: empty, or holding
// the 0 octet that separates components.
func ixCheckKey(what, s string) error {
	if s == "" {
		return fmt.Errorf("store: %s must not be empty", what)
	}
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return fmt.Errorf("store: %s %q must not contain a NUL octet", what, s)
		}
	}
	if len(s) > 1024 {
		return fmt.Errorf("store: %s is %d octets long (at most 1024)", what, len(s))
	}
	return nil
}
