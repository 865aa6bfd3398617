package thrower

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/gwd-project/gwd/engine/redact"
	"github.com/gwd-project/gwd/store"
)

// Dead letters: callbacks given up (retry_ttl passed, or max_retries
// with retry_ttl 0) are kept in the store, one keyspace per kind, with
// their attempts, times and last error, until an operator replays or
// deletes them (admin API, docs/admin-api.md).

// ErrUnknownKind is a kind name other than dlr, mo and event.
var ErrUnknownKind = errors.New("thrower: unknown callback kind (dlr, mo, event, batch)")

// DeadLetter is one given-up callback as the admin API shows it.
type DeadLetter struct {
	ID           uint64    `json:"id,string"` // a string in JSON: ids exceed 2^53
	Ref          string    `json:"ref"`
	Method       string    `json:"method"`
	URL          string    `json:"url"` // credentials masked; no query with log privacy
	Attempts     uint32    `json:"attempts"`
	FirstAttempt time.Time `json:"first_attempt"`
	LastAttempt  time.Time `json:"last_attempt"`
	LastError    string    `json:"last_error"`
}

func (t *Thrower) laneNamed(kind string) (*lane, error) {
	for _, l := range t.lanes {
		if l.kind.String() == kind {
			return l, nil
		}
	}
	return nil, fmt.Errorf("%w: %q", ErrUnknownKind, kind)
}

// DeadLetters lists up to limit dead letters of kind ("dlr", "mo",
// "event", "batch") with ids above after, oldest first.
func (t *Thrower) DeadLetters(kind string, after uint64, limit int) ([]DeadLetter, error) {
	l, err := t.laneNamed(kind)
	if err != nil {
		return nil, err
	}
	dls, err := l.dead.List(after, limit)
	if err != nil {
		return nil, err
	}
	out := make([]DeadLetter, len(dls))
	var r record
	for i, dl := range dls {
		out[i] = DeadLetter{ID: dl.ID, Attempts: dl.Attempts, FirstAttempt: dl.First.UTC(), LastAttempt: dl.Last.UTC(),
			LastError: dl.LastError}
		if err := r.decode(dl.Record); err != nil {
			out[i].LastError += " (record: " + err.Error() + ")"
			continue
		}
		u := r.url
		if i := bytes.IndexByte(u, '#'); i >= 0 {
			u = u[:i]
		}
		if i := bytes.IndexByte(u, '?'); i >= 0 && t.privacy {
			u = u[:i]
		}
		out[i].Ref, out[i].URL = string(r.ref), redact.URL(string(u))
		out[i].Method = "POST"
		if r.method == methodGET {
			out[i].Method = "GET"
		}
	}
	return out, nil
}

// ReplayDeadLetters puts dead letters of kind back as fresh callbacks
// (no attempt counted, a new TTL), each in one write with its removal
// from the dead letters: ids, or all of them when ids is nil. It returns
// how many were replayed; ids not found are skipped.
func (t *Thrower) ReplayDeadLetters(kind string, ids []uint64) (int, error) {
	l, err := t.laneNamed(kind)
	if err != nil {
		return 0, err
	}
	if t.closed.Load() {
		return 0, ErrClosed
	}
	return l.dead.MoveTo(l.q, ids, func(dl store.DeadLetter) []byte {
		if headerOf(dl.Record) == 0 {
			return dl.Record // dropped as corrupt when taken
		}
		return rewriteRecord(nil, dl.Record, 0, 0, 0)
	})
}

// DeleteDeadLetter removes dead letter id of kind for good
// (store.ErrNotFound when there is none).
func (t *Thrower) DeleteDeadLetter(kind string, id uint64) error {
	l, err := t.laneNamed(kind)
	if err != nil {
		return err
	}
	return l.dead.Delete(id)
}
