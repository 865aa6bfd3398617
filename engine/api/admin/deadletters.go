package admin

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/valyala/fasthttp"

	"github.com/gwd-project/gwd/engine/smpps"
	"github.com/gwd-project/gwd/engine/thrower"
	"github.com/gwd-project/gwd/store"
)

// DeadLetterStore is the callbacks' dead letters as the admin API uses
// them: *thrower.Thrower.
type DeadLetterStore interface {
	DeadLetters(kind string, after uint64, limit int) ([]thrower.DeadLetter, error)
	ReplayDeadLetters(kind string, ids []uint64) (int, error)
	DeleteDeadLetter(kind string, id uint64) error
}

var _ DeadLetterStore = (*thrower.Thrower)(nil)

// OutboxDeadLetters is the ESME outboxes' dead letters, kind "outbox":
// served by Deps.SMPP when it implements this (*smpps.Server does).
type OutboxDeadLetters interface {
	DeadLetters(after uint64, limit int) ([]smpps.DeadLetter, error)
	ReplayDeadLetters(ids []uint64) (int, error)
	DeleteDeadLetter(id uint64) error
}

var _ OutboxDeadLetters = (*smpps.Server)(nil)

// outbox returns the outbox's dead letters when kind is theirs.
func (s *Server) outbox(kind string) (OutboxDeadLetters, bool) {
	if kind != smpps.DeadLetterKind {
		return nil, false
	}
	o, ok := s.d.SMPP.(OutboxDeadLetters)
	return o, ok
}

// Paging of GET /deadletters/{kind}.
const (
	defaultDeadLetterPage = 100
	maxDeadLetterPage     = 1000
)

// deadLetterPage is the answer of GET /deadletters/{kind}.
type deadLetterPage struct {
	Kind string `json:"kind"`
	// DeadLetters is []thrower.DeadLetter, or []smpps.DeadLetter for
	// the outbox.
	DeadLetters any `json:"dead_letters"`
	// NextAfter is the after= of the next page; absent on the last one.
	NextAfter string `json:"next_after,omitempty"`
}

func (s *Server) deadLetters() (DeadLetterStore, error) {
	if s.d.DeadLetters == nil {
		return nil, notFound("no callback dead letters: callbacks are not thrown by this process")
	}
	return s.d.DeadLetters, nil
}

// deadLetterErr maps the thrower's errors: an unknown kind or id is 404.
func deadLetterErr(err error) error {
	if errors.Is(err, thrower.ErrUnknownKind) || errors.Is(err, store.ErrNotFound) {
		return notFound(err.Error())
	}
	return err
}

// listDeadLetters answers GET /deadletters/{kind}?after=&limit=: oldest
// first, so the newest are on the last page.
func (s *Server) listDeadLetters(ctx *fasthttp.RequestCtx, args []string) (int, any, error) {
	var after uint64
	var err error
	if q := ctx.QueryArgs().Peek("after"); q != nil {
		if after, err = strconv.ParseUint(string(q), 10, 64); err != nil {
			return 0, nil, badField("after", "not a dead-letter id")
		}
	}
	limit := defaultDeadLetterPage
	if q := ctx.QueryArgs().Peek("limit"); q != nil {
		if limit, err = strconv.Atoi(string(q)); err != nil || limit < 1 || limit > maxDeadLetterPage {
			return 0, nil, badField("limit", "must be 1 to "+strconv.Itoa(maxDeadLetterPage))
		}
	}
	page := deadLetterPage{Kind: args[0]}
	var n int
	var lastID uint64
	if o, ok := s.outbox(args[0]); ok {
		list, err := o.DeadLetters(after, limit)
		if err != nil {
			return 0, nil, deadLetterErr(err)
		}
		page.DeadLetters, n = list, len(list)
		if n > 0 {
			lastID = list[n-1].ID
		}
	} else {
		dl, err := s.deadLetters()
		if err != nil {
			return 0, nil, err
		}
		list, err := dl.DeadLetters(args[0], after, limit)
		if err != nil {
			return 0, nil, deadLetterErr(err)
		}
		page.DeadLetters, n = list, len(list)
		if n > 0 {
			lastID = list[n-1].ID
		}
	}
	if n == limit {
		page.NextAfter = strconv.FormatUint(lastID, 10)
	}
	return fasthttp.StatusOK, page, nil
}

// replayDeadLetters answers POST /deadletters/{kind}/replay: no body (or
// {}) replays them all, {"ids": ["…", …]} those.
func (s *Server) replayDeadLetters(ctx *fasthttp.RequestCtx, args []string) (int, any, error) {
	o, err := bodyObject(ctx.PostBody(), true)
	if err != nil {
		return 0, nil, err
	}
	if err := o.only("", "ids"); err != nil {
		return 0, nil, err
	}
	var ids []uint64 // nil: all
	if raw, ok := o.get("ids"); ok {
		if ids, err = deadLetterIDs(raw); err != nil {
			return 0, nil, err
		}
	}
	var n int
	if ob, ok := s.outbox(args[0]); ok {
		n, err = ob.ReplayDeadLetters(ids)
	} else {
		dl, derr := s.deadLetters()
		if derr != nil {
			return 0, nil, derr
		}
		n, err = dl.ReplayDeadLetters(args[0], ids)
	}
	if err != nil {
		return 0, nil, deadLetterErr(err)
	}
	return fasthttp.StatusOK, map[string]int{"replayed": n}, nil
}

// deadLetterIDs reads a list of ids, each a string of digits or a number.
func deadLetterIDs(raw json.RawMessage) ([]uint64, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, badField("ids", "must be a list of dead-letter ids")
	}
	ids := make([]uint64, 0, len(items))
	for _, it := range items {
		id, err := strconv.ParseUint(string(bytes.Trim(it, `"`)), 10, 64)
		if err != nil {
			return nil, badField("ids", "not a dead-letter id: "+string(it))
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// deleteDeadLetter answers DELETE /deadletters/{kind}/{id}.
func (s *Server) deleteDeadLetter(_ *fasthttp.RequestCtx, args []string) (int, any, error) {
	id, err := strconv.ParseUint(args[1], 10, 64)
	if err != nil {
		return 0, nil, notFound("no dead letter " + args[1])
	}
	if o, ok := s.outbox(args[0]); ok {
		err = o.DeleteDeadLetter(id)
	} else {
		dl, derr := s.deadLetters()
		if derr != nil {
			return 0, nil, derr
		}
		err = dl.DeleteDeadLetter(args[0], id)
	}
	if err != nil {
		return 0, nil, deadLetterErr(err)
	}
	return fasthttp.StatusNoContent, nil, nil
}
