package junebug

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"

	"github.com/valyala/fasthttp"

	"github.com/gwd-project/gwd/engine/logring"
	"github.com/gwd-project/gwd/engine/manage"
	"github.com/gwd-project/gwd/engine/smppc"
)

// channelView is a channel as the API shows it: Junebug's fields, the
// status object, and gwd's connector id.
type channelView struct {
	ID              string          `json:"id"`
	Type            string          `json:"type"`
	Label           *string         `json:"label"`
	Config          json.RawMessage `json:"config"`
	Metadata        json.RawMessage `json:"metadata"`
	StatusURL       *string         `json:"status_url"`
	MOURL           *string         `json:"mo_url"`
	AMQPQueue       *string         `json:"amqp_queue"`
	RateLimitCount  *int            `json:"rate_limit_count"`
	RateLimitWindow *int            `json:"rate_limit_window"`
	CharacterLimit  *int            `json:"character_limit"`
	Connector       string          `json:"connector"`
	Status          *statusView     `json:"status"`
}

func (s *Server) view(ch *channel) *channelView {
	r := ch.rec.Load()
	return &channelView{ID: r.ID, Type: r.Type, Label: r.Label, Config: r.Config, Metadata: r.Metadata,
		StatusURL: r.StatusURL, MOURL: r.MOURL, RateLimitCount: r.RateLimitCount, RateLimitWindow: r.RateLimitWindow,
		CharacterLimit: r.CharacterLimit, Connector: r.CID, Status: s.statusOf(ch)}
}

func storeError(what string, err error) *apiError {
	return newError(http.StatusServiceUnavailable, "store unavailable", errUnavailable, fmt.Sprintf("%s: %v", what, err))
}

func internalError(what string, err error) *apiError {
	return newError(http.StatusInternalServerError, "internal error", errInternal, fmt.Sprintf("%s: %v", what, err))
}

// setMaps replaces the channel maps with change applied to a copy.
// Callers hold s.mu.
func (s *Server) setMaps(change func(m *chanMaps)) {
	old := s.maps.Load()
	m := &chanMaps{byID: maps.Clone(old.byID), byCID: maps.Clone(old.byCID)}
	change(m)
	s.maps.Store(m)
}

// serveList is GET /channels/: the channel ids.
func (s *Server) serveList(ctx *fasthttp.RequestCtx) {
	ids := slices.Sorted(maps.Keys(s.maps.Load().byID))
	if ids == nil {
		ids = []string{}
	}
	writeJSON(ctx, http.StatusOK, "channels listed", ids)
}

// serveGet is GET /channels/{id}.
func (s *Server) serveGet(ctx *fasthttp.RequestCtx, ch *channel) {
	writeJSON(ctx, http.StatusOK, "channel status", s.view(ch))
}

// record applies p over base (see apply) and encodes the record to
// store.
func (p *channelPatch) record(base *channelRecord, id, cid string) (*channelRecord, smppc.Config, []byte, *apiError) {
	rec, cfg, aerr := p.apply(base, id, cid)
	if aerr != nil {
		return nil, cfg, nil, aerr
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return nil, cfg, nil, internalError("encode channel", err)
	}
	return rec, cfg, b, nil
}

// changeError is the answer to a channel change the manager refused: the
// store's refusal (503) or another failure (500), naming what failed.
func changeError(what string, err error) *apiError {
	var se *manage.SaveError
	if errors.As(err, &se) {
		return storeError(what, se.Err)
	}
	return internalError(what, err)
}

// serveCreate is POST /channels/. The channel's record and its connector
// are one configuration change: the connector is added and started, and
// both are stored; a failure undoes all of it.
func (s *Server) serveCreate(ctx *fasthttp.RequestCtx) {
	p, aerr := parseChannelBody(ctx.PostBody())
	if aerr != nil {
		writeError(ctx, aerr)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := newChannelID()
	cid := cidOf(id)
	for s.maps.Load().byCID[cid] != nil || s.m.Connector(cid) != nil {
		id = newChannelID()
		cid = cidOf(id)
	}
	rec, cfg, b, aerr := p.record(nil, id, cid)
	if aerr != nil {
		writeError(ctx, aerr)
		return
	}
	ch := s.newChannel(rec)
	err := s.m.Do(func(tx *manage.Tx) error {
		tx.PutRecord(kindChannel, id, b)
		if err := tx.AddConnector(cfg); err != nil {
			return fmt.Errorf("add connector %s: %w", cid, err)
		}
		s.initStatus(ch, s.m.Connector(cid))
		ch.status.cur.Type, ch.status.cur.Message = "connecting", "Connecting to the SMSC"
		// In the maps before it starts, so that its first bind is seen.
		s.setMaps(func(m *chanMaps) { m.byID[id], m.byCID[cid] = ch, ch })
		if err := tx.StartConnector(cid); err != nil {
			return fmt.Errorf("start connector %s: %w", cid, err)
		}
		return nil
	})
	if err != nil {
		if s.maps.Load().byID[id] != nil {
			s.setMaps(func(m *chanMaps) { delete(m.byID, id); delete(m.byCID, cid) })
		}
		writeError(ctx, changeError("create channel "+id, err))
		return
	}
	ch.lg.Info("channel created", "smsc", cfg.Addr())
	writeJSON(ctx, http.StatusCreated, "channel created", s.view(ch))
}

// restartNeeded reports whether a running connector must restart for cfg
// to take effect.
func restartNeeded(old, cfg *smppc.Config) bool {
	for _, k := range smppc.Keys() {
		if !smppc.NeedsRestart(k) {
			continue
		}
		a, _ := old.Get(k)
		b, _ := cfg.Get(k)
		if a != b {
			return true
		}
	}
	return false
}

// serveUpdate is POST /channels/{id}: the fields given replace the
// channel's; the connector takes the new parameters, restarting when one
// that lives in the bind changed. Record and connector change together,
// or not at all.
func (s *Server) serveUpdate(ctx *fasthttp.RequestCtx, ch *channel) {
	p, aerr := parseChannelBody(ctx.PostBody())
	if aerr != nil {
		writeError(ctx, aerr)
		return
	}
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if ch.deleted {
		writeError(ctx, channelNotFound(ch.id))
		return
	}
	rec, cfg, b, aerr := p.record(ch.rec.Load(), ch.id, ch.cid)
	if aerr != nil {
		writeError(ctx, aerr)
		return
	}
	missing := s.m.Connector(ch.cid) == nil
	err := s.m.Do(func(tx *manage.Tx) error {
		tx.PutRecord(kindChannel, ch.id, b)
		c := s.m.Connector(ch.cid)
		if c == nil {
			return s.addConnector(tx, rec)
		}
		oldCfg := c.Config()
		if err := tx.UpdateConnector(cfg); err != nil {
			return fmt.Errorf("update connector %s: %w", ch.cid, err)
		}
		if c.Running() && restartNeeded(&oldCfg, &cfg) {
			return s.restart(tx, ch)
		}
		return nil
	})
	if err != nil {
		writeError(ctx, changeError("update channel "+ch.id, err))
		return
	}
	ch.rec.Store(rec)
	if missing {
		s.initStatus(ch, s.m.Connector(ch.cid))
	}
	ch.lg.Info("channel updated")
	writeJSON(ctx, http.StatusOK, "channel updated", s.view(ch))
}

// restart stops (when running) and starts a channel's connector, adding
// it back when it is missing. Callers hold ch.mu.
func (s *Server) restart(tx *manage.Tx, ch *channel) error {
	c := s.m.Connector(ch.cid)
	if c == nil {
		return s.addConnector(tx, ch.rec.Load())
	}
	if c.Running() {
		if err := tx.StopConnector(ch.cid); err != nil {
			return fmt.Errorf("stop connector %s: %w", ch.cid, err)
		}
	}
	if err := tx.StartConnector(ch.cid); err != nil {
		return fmt.Errorf("start connector %s: %w", ch.cid, err)
	}
	return nil
}

// serveRestart is POST /channels/{id}/restart.
func (s *Server) serveRestart(ctx *fasthttp.RequestCtx, ch *channel) {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if ch.deleted {
		writeError(ctx, channelNotFound(ch.id))
		return
	}
	missing := s.m.Connector(ch.cid) == nil
	if err := s.m.Do(func(tx *manage.Tx) error { return s.restart(tx, ch) }); err != nil {
		writeError(ctx, changeError("restart channel "+ch.id, err))
		return
	}
	if missing {
		s.initStatus(ch, s.m.Connector(ch.cid))
	}
	ch.lg.Info("channel restarted")
	writeJSON(ctx, http.StatusOK, "channel restarted", nil)
}

// cancelQueued drops every message waiting in the channel's queue.
func (s *Server) cancelQueued(ch *channel) (int, error) {
	c := s.m.Connector(ch.cid)
	if c == nil {
		return 0, nil
	}
	type result struct {
		n   int
		err error
	}
	res := make(chan result, 1)
	c.Queue().CancelAll(func(n int, err error) { res <- result{n, err} })
	r := <-res
	if r.err != nil {
		return 0, fmt.Errorf("cancel queued messages of %s: %w", ch.cid, r.err)
	}
	return r.n, nil
}

// serveCancel is POST /channels/{id}/cancel (gwd): cancel the sending of
// every queued message of the channel. Messages already with the SMSC
// (in flight) finish as they will.
func (s *Server) serveCancel(ctx *fasthttp.RequestCtx, ch *channel) {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if ch.deleted {
		writeError(ctx, channelNotFound(ch.id))
		return
	}
	if s.m.Connector(ch.cid) == nil {
		writeError(ctx, newError(http.StatusServiceUnavailable, "channel unavailable", errUnavailable,
			"the channel's connector is missing: restart the channel"))
		return
	}
	n, err := s.cancelQueued(ch)
	if err != nil {
		writeError(ctx, storeError("cancel", err))
		return
	}
	ch.lg.Info("queued messages cancelled", "cancelled", n)
	writeJSON(ctx, http.StatusOK, "queued messages cancelled", map[string]int{
		"cancelled": n, "queue_length": s.m.Connector(ch.cid).Queue().Stats().Total()})
}

// forgetter is what a log ring may offer to drop a removed connector's
// records.
type forgetter interface{ Forget(cid string) }

// serveDelete is DELETE /channels/{id}: the connector stops, its queued
// messages are cancelled, and the connector and the channel go.
func (s *Server) serveDelete(ctx *fasthttp.RequestCtx, ch *channel) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if ch.deleted {
		writeError(ctx, channelNotFound(ch.id))
		return
	}
	// Stopped first, so that nothing is sent while its queue is
	// cancelled; then the connector and the record go as one change.
	if c := s.m.Connector(ch.cid); c != nil && c.Running() {
		if err := s.m.Do(func(tx *manage.Tx) error { return tx.StopConnector(ch.cid) }); err != nil {
			writeError(ctx, changeError("stop connector "+ch.cid, err))
			return
		}
	}
	if _, err := s.cancelQueued(ch); err != nil {
		writeError(ctx, storeError("delete", err))
		return
	}
	err := s.m.Do(func(tx *manage.Tx) error {
		if s.m.Connector(ch.cid) != nil {
			if err := tx.RemoveConnector(ch.cid); err != nil {
				return fmt.Errorf("remove connector %s: %w", ch.cid, err)
			}
		}
		tx.PutRecord(kindChannel, ch.id, nil)
		return nil
	})
	if err != nil {
		writeError(ctx, changeError("delete channel "+ch.id, err))
		return
	}
	ch.deleted = true
	s.setMaps(func(m *chanMaps) { delete(m.byID, ch.id); delete(m.byCID, ch.cid) })
	if f, ok := s.opts.Logs.(forgetter); ok {
		f.Forget(ch.cid)
	}
	s.log.Info("junebug channel deleted", "channel_id", ch.id, "cid", ch.cid)
	writeJSON(ctx, http.StatusOK, "channel deleted", nil)
}

// logView is one log record as Junebug returns it, with the record's
// attributes under details.
type logView struct {
	Logger    string         `json:"logger"`
	Level     int            `json:"level"`
	Timestamp float64        `json:"timestamp"`
	Message   string         `json:"message"`
	Details   map[string]any `json:"details,omitempty"`
}

// serveLogs is GET /channels/{id}/logs?n=N: the channel's connector's
// most recent log records, newest first, at most max_logs.
func (s *Server) serveLogs(ctx *fasthttp.RequestCtx, ch *channel) {
	limit := s.cfg.Junebug.MaxLogs
	if limit <= 0 {
		limit = 100
	}
	n := limit
	if a := ctx.QueryArgs().Peek("n"); a != nil {
		v, err := strconv.Atoi(string(a))
		if err != nil || v < 0 {
			writeError(ctx, usageErrorf("n: must be a non-negative integer, not %q", a))
			return
		}
		n = min(v, limit)
	}
	out := []logView{}
	if s.opts.Logs != nil && n > 0 {
		for _, r := range s.opts.Logs.Recent(ch.cid, n) {
			d := r.AttrMap()
			delete(d, logring.KeyCID)
			delete(d, "channel_id")
			if len(d) == 0 {
				d = nil
			}
			out = append(out, logView{Logger: ch.id, Level: r.PythonLevel(),
				Timestamp: float64(r.Time.UnixNano()) / 1e9, Message: r.Message, Details: d})
		}
	}
	writeJSON(ctx, http.StatusOK, "logs retrieved", out)
}
