package admin

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/valyala/fasthttp"

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

// Paging of GET /deadletters/{kind}.
const (
	defaultDeadLetterPage = 100
	maxDeadLetterPage     = 1000
)

// deadLetterPage is the answer of GET /deadletters/{kind}.
type deadLetterPage struct {
	Kind        string               `json:"kind"`
	DeadLetters []thrower.DeadLetter `json:"dead_letters"`
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
	dl, err := s.deadLetters()
	if err != nil {
		return 0, nil, err
	}
	var after uint64
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
	list, err := dl.DeadLetters(args[0], after, limit)
	if err != nil {
		return 0, nil, deadLetterErr(err)
	}
	page := deadLetterPage{Kind: args[0], DeadLetters: list}
	if len(list) == limit {
		page.NextAfter = strconv.FormatUint(list[len(list)-1].ID, 10)
	}
	return fasthttp.StatusOK, page, nil
}

// replayDeadLetters answers POST /deadletters/{kind}/replay: no body (or
// {}) replays them all, {"ids": ["…", …]} those.
func (s *Server) replayDeadLetters(ctx *fasthttp.RequestCtx, args []string) (int, any, error) {
	dl, err := s.deadLetters()
	if err != nil {
		return 0, nil, err
	}
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
	n, err := dl.ReplayDeadLetters(args[0], ids)
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
	dl, err := s.deadLetters()
	if err != nil {
		return 0, nil, err
	}
	id, err := strconv.ParseUint(args[1], 10, 64)
	if err != nil {
		return 0, nil, notFound("no dead letter " + args[1])
	}
	if err := dl.DeleteDeadLetter(args[0], id); err != nil {
		return 0, nil, deadLetterErr(err)
	}
	return fasthttp.StatusNoContent, nil, nil
}
