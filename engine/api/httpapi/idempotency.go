package httpapi

import (
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Idempotency keys (gwd's own; Jasmin has none)
//
// /send and /secure/send take an optional idempotency-key (query or form
// argument, JSON field idempotency_key, or the Idempotency-Key header on
// either): 1 to 64 characters of A-Z a-z 0-9 _ . : -. A client that does
// not know whether its request went through (a timeout, a dropped
// connection, a 500) sends it again with the same key and the message
// goes at most once:
//
//   - Keys are per user: the same key from two users is two keys.
//   - A request whose key succeeded within Options.IdempotencyWindow
//     (default 10 minutes, counted from that success) is answered as that
//     success was, 200 Success "<first id>", and nothing is submitted,
//     checked or charged again — when its parameters are the same. A key
//     reused with other parameters (another to, content, dlr-url …;
//     username and password aside) is a client's mistake that would
//     silently drop the new message: it is answered 422 Error "Request
//     with this idempotency-key has different parameters" and nothing is
//     sent. The parameters are compared by a 64-bit fingerprint kept with
//     the key.
//   - Only successes are remembered: after a refusal (400, 403, 412, 500
//     …) the same key may be used again, and that request is sent.
//   - A request whose key is held by a request still being processed waits
//     for it (with the same parameters; with others it is answered 422 at
//     once), at most SubmitTimeout: that one's success is its answer too
//     (same id, nothing sent); that one's refusal lets it go ahead on its
//     own. Still undecided after SubmitTimeout, it is answered 409
//     Error "Request with this idempotency-key is in progress". A request
//     that timed out waiting for the gateway (500) keeps its key until
//     the gateway answers, so that its retry cannot send it twice.
//   - The first request is answered once its key is durable as well as
//     its message (when the Backend keeps keys, see Idempotency), but no
//     later than SubmitTimeout after it arrived; a key that could not be
//     saved is logged and the message still answered as sent (the memory
//     still recognises a retry until a restart).
//
// Keys live in memory (Options.IdempotencyCapacity of them, oldest
// dropped first, none kept past the window) and, when the Backend
// implements Idempotency, in the store as well, so that a retry after a
// restart is recognised. Requests without a key take none of these paths;
// the memory is split into shards so that requests with keys share no
// lock.

// Idempotency is what a Backend implements to keep idempotency keys
// durably. A Backend without it gets keys kept in memory only, lost on a
// restart.
type Idempotency interface {
	// Remember keeps id under key, durably, for at least
	// Options.IdempotencyWindow (longer does no harm: id carries the time
	// it was given and the Server judges its age); a later Remember of the
	// same key replaces it. done learns when id is durable or why it is
	// not; it may run on any goroutine and must not block. key is the
	// user's uid, '/', and the client's key; id is opaque to the Backend.
	Remember(key, id string, done func(error))
	// Recall returns what Remember kept under key, if it still holds it.
	Recall(key string) (id string, ok bool)
}

// inProgressMsg is the 409 answer to a key another request holds.
const inProgressMsg = "Request with this idempotency-key is in progress"

// mismatchMsg is the 422 answer to a key reused with other parameters.
const mismatchMsg = "Request with this idempotency-key has different parameters"

// idemShards splits the memory of keys: a request locks one shard.
const idemShards = 32

// idemTable is the Server's memory of idempotency keys: those that
// succeeded (within the window) and those being processed (holds).
type idemTable struct {
	window  int64 // nanoseconds
	now     func() time.Time
	durable Idempotency // nil: memory only
	log     *slog.Logger
	shards  [idemShards]idemShard
}

type idemShard struct {
	mu    sync.Mutex
	max   int
	holds map[string]*keyHold
	known map[string]idemEntry
	// order is known's keys oldest first, from head on: the ones to drop
	// when the shard is full or they expire. An item whose time is not
	// its key's in known is stale (the key was dropped or replaced).
	order []idemEntry
	head  int
}

// idemEntry is a key's success: the id answered, at (unix nanoseconds),
// for the request whose fingerprint is fp (0: not known, a key saved
// before fingerprints: any request matches). In order, id holds the key.
type idemEntry struct {
	id string
	at int64
	fp uint64
}

// keyHold is a key held by the request processing it. ready is closed when
// that request is decided: id is then its id, "" when it was refused.
type keyHold struct {
	t     *idemTable
	key   string
	fp    uint64
	ready chan struct{}
	id    string
}

// idemVerdict is what begin found for a key.
type idemVerdict int

const (
	idemNew        idemVerdict = iota // the caller holds the key now
	idemReplay                        // answered before: the id
	idemInProgress                    // held by another, still undecided
	idemMismatch                      // used with other parameters
)

func newIdemTable(b Backend, opts *Options) *idemTable {
	t := &idemTable{window: int64(opts.IdempotencyWindow), now: opts.Now, log: opts.Logger}
	t.durable, _ = b.(Idempotency)
	per := max(opts.IdempotencyCapacity/idemShards, 1)
	for i := range t.shards {
		sh := &t.shards[i]
		sh.max = per
		sh.holds = make(map[string]*keyHold)
		sh.known = make(map[string]idemEntry)
	}
	return t
}

// scopedKey is the key as the table and the Backend know it: per user.
func scopedKey(uid string, key []byte) string {
	return uid + "/" + string(key)
}

func (t *idemTable) shard(key string) *idemShard {
	h := uint32(2166136261) // FNV-1a
	for i := 0; i < len(key); i++ {
		h ^= uint32(key[i])
		h *= 16777619
	}
	return &t.shards[h%idemShards]
}

// begin looks key up for a request with fingerprint fp. A key that
// succeeded within the window gives its id (idemReplay), or idemMismatch
// when it was for other parameters. A key no one holds gives a keyHold
// (idemNew): the caller now holds the key and must finish it exactly
// once. A key another request holds is waited for until deadline (then
// idemInProgress), unless that request has other parameters.
func (t *idemTable) begin(key string, fp uint64, deadline time.Time) (id string, f *keyHold, v idemVerdict) {
	sh := t.shard(key)
	for {
		sh.mu.Lock()
		if e, found := sh.known[key]; found {
			if t.live(e.at) {
				sh.mu.Unlock()
				if !fpMatch(e.fp, fp) {
					return "", nil, idemMismatch
				}
				return e.id, nil, idemReplay
			}
			delete(sh.known, key)
		}
		if held := sh.holds[key]; held != nil {
			sh.mu.Unlock()
			if held.fp != fp {
				return "", nil, idemMismatch
			}
			if !held.wait(deadline) {
				return "", nil, idemInProgress
			}
			if held.id != "" {
				return held.id, nil, idemReplay
			}
			continue // refused: the key is free again
		}
		f = &keyHold{t: t, key: key, fp: fp, ready: make(chan struct{})}
		sh.holds[key] = f
		sh.mu.Unlock()
		break
	}
	// The store, outside the lock: the hold keeps others out meanwhile.
	if t.durable != nil {
		if v, found := t.durable.Recall(key); found {
			id, at, kfp := decodeIdem(v, t.now())
			if id != "" && t.live(at) {
				if !fpMatch(kfp, fp) {
					// The stored success stays; this request goes.
					t.settleAs(f, idemEntry{id: id, at: at, fp: kfp})
					return "", nil, idemMismatch
				}
				t.settleAs(f, idemEntry{id: id, at: at, fp: fp})
				return id, nil, idemReplay
			}
		}
	}
	return "", f, idemNew
}

// fpMatch compares a kept fingerprint with a request's; 0 (unknown) matches
// any.
func fpMatch(kept, fp uint64) bool { return kept == 0 || kept == fp }

func (t *idemTable) live(at int64) bool { return t.now().UnixNano()-at < t.window }

// wait waits for f to be decided, until deadline.
func (f *keyHold) wait(deadline time.Time) bool {
	select {
	case <-f.ready:
		return true
	default:
	}
	d := time.Until(deadline)
	if d <= 0 {
		return false
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-f.ready:
		return true
	case <-tm.C:
		return false
	}
}

// finish decides f: id is the request's success, "" (or err) its refusal.
// It never blocks: the gateway's callbacks call it.
func (f *keyHold) finish(id string, err error) {
	t := f.t
	if err != nil || id == "" {
		t.release(f)
		return
	}
	now := t.now()
	if t.durable == nil {
		t.settle(f, id, now.UnixNano())
		return
	}
	t.durable.Remember(f.key, encodeIdem(id, now, f.fp), func(err error) {
		if err != nil {
			t.log.Error("httpapi: idempotency-key not saved: a retry after a restart will send again",
				"key", f.key, "id", id, "err", err)
		}
		t.settle(f, id, now.UnixNano())
	})
}

// settle records key's success in memory and lets f's waiters go.
func (t *idemTable) settle(f *keyHold, id string, at int64) {
	t.settleAs(f, idemEntry{id: id, at: at, fp: f.fp})
}

// settleAs records e as key's success and lets f's waiters go (a waiter
// with f's fingerprint takes e's id).
func (t *idemTable) settleAs(f *keyHold, e idemEntry) {
	sh := t.shard(f.key)
	sh.mu.Lock()
	sh.add(f.key, e, t.now().UnixNano(), t.window)
	if sh.holds[f.key] == f {
		delete(sh.holds, f.key)
	}
	sh.mu.Unlock()
	if fpMatch(e.fp, f.fp) {
		f.id = e.id
	}
	close(f.ready)
}

// release frees a refused request's key.
func (t *idemTable) release(f *keyHold) {
	sh := t.shard(f.key)
	sh.mu.Lock()
	if sh.holds[f.key] == f {
		delete(sh.holds, f.key)
	}
	sh.mu.Unlock()
	close(f.ready)
}

// add keeps e under key and drops what is over the shard's size or past
// the window, oldest first.
func (sh *idemShard) add(key string, e idemEntry, now, window int64) {
	sh.known[key] = e
	sh.order = append(sh.order, idemEntry{id: key, at: e.at})
	for sh.head < len(sh.order) {
		o := sh.order[sh.head]
		if len(sh.order)-sh.head <= sh.max && now-o.at < window {
			break
		}
		if k, ok := sh.known[o.id]; ok && k.at == o.at {
			delete(sh.known, o.id)
		}
		sh.order[sh.head] = idemEntry{}
		sh.head++
	}
	if sh.head > 64 && sh.head*2 > len(sh.order) {
		n := copy(sh.order, sh.order[sh.head:])
		clear(sh.order[n:])
		sh.order = sh.order[:n]
		sh.head = 0
	}
}

// encodeIdem is what the Backend keeps: the id, the time it was given in
// unix milliseconds and the request's fingerprint in hexadecimal,
// separated by spaces.
func encodeIdem(id string, at time.Time, fp uint64) string {
	return id + " " + strconv.FormatInt(at.UnixMilli(), 10) + " " + strconv.FormatUint(fp, 16)
}

// decodeIdem reads encodeIdem's form and the older ones: without a
// fingerprint (fp 0: matches any request), without a time (an id given
// now: the Backend's retention is then its window).
func decodeIdem(v string, now time.Time) (id string, at int64, fp uint64) {
	f := strings.Fields(v)
	if len(f) == 0 {
		return "", now.UnixNano(), 0
	}
	id, at = f[0], now.UnixNano()
	if len(f) >= 2 {
		if ms, err := strconv.ParseInt(f[1], 10, 64); err == nil {
			at = time.UnixMilli(ms).UnixNano()
		}
	}
	if len(f) >= 3 {
		if x, err := strconv.ParseUint(f[2], 16, 64); err == nil {
			fp = x
		}
	}
	return id, at, fp
}

// sendIdempotent is sendHTTP for a request with an idempotency-key.
func (s *Server) sendIdempotent(j *sendJob, uid string) (outcome, bool) {
	deadline := time.Now().Add(s.opts.SubmitTimeout)
	id, f, v := s.idem.begin(scopedKey(uid, j.req.val[fIdemKey]), j.req.fingerprint(), deadline)
	switch v {
	case idemInProgress:
		mIdemInProgress.Inc()
		return outcome{status: http.StatusConflict, msg: inProgressMsg}, true
	case idemMismatch:
		mIdemMismatches.Inc()
		return outcome{status: http.StatusUnprocessableEntity, msg: mismatchMsg}, true
	case idemReplay:
		mIdemReplays.Inc()
		return outcome{status: http.StatusOK, id: id}, true
	}
	j.hold = f // the gateway's answer finishes it (sendJob.done)
	o, reuse, dispatched := s.submit(j, uid)
	if !dispatched {
		j.hold = nil
		f.finish("", nil)
		return o, reuse
	}
	if o.ok() {
		// The key durable too (bounded: the message is, whatever happens).
		f.wait(deadline)
	}
	return o, reuse
}

// fingerprint identifies the request's parameters for its
// idempotency-key: FNV-1a (64-bit) over every argument given but the
// credentials and the key itself, with their field numbers and lengths.
// Never 0 (0 is "not known").
func (r *sendReq) fingerprint() uint64 {
	const prime = 1099511628211
	h := uint64(14695981039346656037)
	mix := func(b byte) { h ^= uint64(b); h *= prime }
	for f := range nFields {
		if !r.set[f] || f == fUsername || f == fPassword || f == fIdemKey {
			continue
		}
		mix(byte(f))
		n := len(r.val[f])
		mix(byte(n >> 24))
		mix(byte(n >> 16))
		mix(byte(n >> 8))
		mix(byte(n))
		for _, c := range r.val[f] {
			mix(c)
		}
	}
	if h == 0 {
		h = 1
	}
	return h
}
