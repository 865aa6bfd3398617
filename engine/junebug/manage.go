package junebug

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"

	"github.com/valyala/fasthttp"

	"github.com/gwd-project/gwd/engine/logring"
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

// serveCreate is POST /channels/. The record is stored first, then the
// connector is added and started; a failure undoes what was done.
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
	for s.maps.Load().byCID[cid] != nil || s.g.Connector(cid) != nil {
		id = newChannelID()
		cid = cidOf(id)
	}
	rec, cfg, aerr := p.apply(nil, id, cid)
	if aerr != nil {
		writeError(ctx, aerr)
		return
	}
	b, err := json.Marshal(rec)
	if err != nil {
		writeError(ctx, internalError("encode channel", err))
		return
	}
	if err := s.db.PutObject(kindChannel, id, b); err != nil {
		writeError(ctx, storeError("store channel "+id, err))
		return
	}
	undo := func(what string, err error) {
		if rerr := s.db.DeleteObject(kindChannel, id); rerr != nil {
			s.log.Error("junebug: channel record left behind", "channel_id", id, "err", rerr)
		}
		writeError(ctx, internalError(what, err))
	}
	if err := s.g.AddConnector(cfg); err != nil {
		undo("add connector "+cid, err)
		return
	}
	ch := s.newChannel(rec)
	s.initStatus(ch, s.g.Connector(cid))
	ch.status.cur.Type, ch.status.cur.Message = "connecting", "Connecting to the SMSC"
	// In the maps before it starts, so that its first bind is seen.
	s.setMaps(func(m *chanMaps) { m.byID[id], m.byCID[cid] = ch, ch })
	if err := s.g.StartConnector(cid); err != nil {
		s.setMaps(func(m *chanMaps) { delete(m.byID, id); delete(m.byCID, cid) })
		if rerr := s.g.RemoveConnector(cid); rerr != nil {
			s.log.Error("junebug: connector left behind", "cid", cid, "err", rerr)
		}
		undo("start connector "+cid, err)
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
// that lives in the bind changed.
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
	old := ch.rec.Load()
	rec, cfg, aerr := p.apply(old, ch.id, ch.cid)
	if aerr != nil {
		writeError(ctx, aerr)
		return
	}
	b, err := json.Marshal(rec)
	if err != nil {
		writeError(ctx, internalError("encode channel", err))
		return
	}
	if err := s.db.PutObject(kindChannel, ch.id, b); err != nil {
		writeError(ctx, storeError("store channel "+ch.id, err))
		return
	}
	c := s.g.Connector(ch.cid)
	if c == nil {
		if err := s.addConnector(rec); err != nil {
			writeError(ctx, internalError("channel "+ch.id, err))
			return
		}
		s.initStatus(ch, s.g.Connector(ch.cid))
	} else {
		oldCfg := c.Config()
		if err := s.g.UpdateConnector(cfg); err != nil {
			if ob, merr := json.Marshal(old); merr == nil {
				if rerr := s.db.PutObject(kindChannel, ch.id, ob); rerr != nil {
					ch.lg.Error("channel record not restored after a failed update", "err", rerr)
				}
			}
			writeError(ctx, internalError("update connector "+ch.cid, err))
			return
		}
		if c.Running() && restartNeeded(&oldCfg, &cfg) {
			if err := s.restart(ch); err != nil {
				ch.rec.Store(rec)
				writeError(ctx, internalError("restart connector "+ch.cid, err))
				return
			}
		}
	}
	ch.rec.Store(rec)
	ch.lg.Info("channel updated")
	writeJSON(ctx, http.StatusOK, "channel updated", s.view(ch))
}

// restart stops (when running) and starts a channel's connector, adding
// it back when it is missing. Callers hold ch.mu.
func (s *Server) restart(ch *channel) error {
	c := s.g.Connector(ch.cid)
	if c == nil {
		if err := s.addConnector(ch.rec.Load()); err != nil {
			return err
		}
		s.initStatus(ch, s.g.Connector(ch.cid))
		return nil
	}
	if c.Running() {
		if err := s.g.StopConnector(ch.cid); err != nil {
			return fmt.Errorf("stop connector %s: %w", ch.cid, err)
		}
	}
	if err := s.g.StartConnector(ch.cid); err != nil {
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
	if err := s.restart(ch); err != nil {
		writeError(ctx, internalError("restart channel "+ch.id, err))
		return
	}
	ch.lg.Info("channel restarted")
	writeJSON(ctx, http.StatusOK, "channel restarted", nil)
}

// cancelQueued drops every message waiting in the channel's queue.
func (s *Server) cancelQueued(ch *channel) (int, error) {
	c := s.g.Connector(ch.cid)
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
	if s.g.Connector(ch.cid) == nil {
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
		"cancelled": n, "queue_length": s.g.Connector(ch.cid).Queue().Stats().Total()})
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
	if c := s.g.Connector(ch.cid); c != nil {
		if c.Running() {
			if err := s.g.StopConnector(ch.cid); err != nil {
				writeError(ctx, internalError("stop connector "+ch.cid, err))
				return
			}
		}
		if _, err := s.cancelQueued(ch); err != nil {
			writeError(ctx, storeError("delete", err))
			return
		}
		if err := s.g.RemoveConnector(ch.cid); err != nil {
			writeError(ctx, internalError("remove connector "+ch.cid, err))
			return
		}
	}
	if err := s.db.DeleteObject(kindChannel, ch.id); err != nil {
		writeError(ctx, storeError("delete channel "+ch.id, err))
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
