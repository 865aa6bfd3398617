package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/gwd-project/gwd/engine/mt"
	"github.com/gwd-project/gwd/engine/redact"
	"github.com/gwd-project/gwd/store"
)

// The REST endpoints of batches: POST /secure/sendbatch (see "Batches" in
// batch.go), GET and DELETE /secure/batch/{batchId}.

// batchView is a batch as GET /secure/batch/{id} shows it.
type batchView struct {
	BatchID     string `json:"batchId"`
	State       string `json:"state"`
	Total       int    `json:"total"`
	Sent        int    `json:"sent"`
	Failed      int    `json:"failed"`
	Pending     int    `json:"pending"`
	CreatedAt   string `json:"createdAt"`
	ScheduledAt string `json:"scheduledAt,omitempty"`
	FinishedAt  string `json:"finishedAt,omitempty"`
}

func viewOf(st batchStatus) batchView {
	v := batchView{BatchID: st.ID, State: st.State, Total: st.Total, Sent: st.Sent, Failed: st.Failed,
		Pending: st.Total - st.Next, CreatedAt: st.Created.Local().Format(scheduleLayout)}
	if !st.ScheduleAt.IsZero() {
		v.ScheduledAt = st.ScheduleAt.Local().Format(scheduleLayout)
	}
	if !st.Finished.IsZero() {
		v.FinishedAt = st.Finished.Local().Format(scheduleLayout)
	}
	return v
}

// serveBatch is GET (progress) and DELETE (cancel) /secure/batch/{id}.
func (s *Server) serveBatch(ctx *fasthttp.RequestCtx, id string) {
	u := s.restUser(ctx)
	if u == nil {
		return
	}
	b := s.batches.get(id)
	if b == nil {
		writeJSONMessage(ctx, http.StatusNotFound, "Unknown batch "+id)
		return
	}
	b.mu.Lock()
	st := b.st
	b.mu.Unlock()
	if st.UID != u.UID {
		writeJSONMessage(ctx, http.StatusNotFound, "Unknown batch "+id)
		return
	}
	if string(ctx.Method()) == fasthttp.MethodDelete {
		var conflict bool
		var err error
		st, conflict, err = s.batches.cancel(b)
		if conflict {
			writeJSONMessage(ctx, http.StatusConflict, "Batch "+id+" is already "+st.State)
			return
		}
		if err != nil {
			s.log.Error("httpapi: cancel batch", "batch", id, "err", err)
			writeJSONMessage(ctx, http.StatusInternalServerError, "Cannot cancel batch "+id)
			return
		}
	}
	v, err := json.Marshal(viewOf(st))
	if err != nil {
		writeJSONMessage(ctx, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSONData(ctx, v)
}

// batchConfig is sendbatch's batch_config.
type batchConfig struct {
	CallbackURL string `json:"callback_url"`
	ErrbackURL  string `json:"errback_url"`
	ScheduleAt  string `json:"schedule_at"`
}

// batchRequest is sendbatch's body.
type batchRequest struct {
	Messages    []json.RawMessage `json:"messages"`
	Globals     json.RawMessage   `json:"globals"`
	BatchConfig json.RawMessage   `json:"batch_config"`
}

// batchError is a refused sendbatch: status and message.
type batchError struct {
	status int
	msg    string
}

func (e *batchError) Error() string { return e.msg }

func badBatch(msg string) error { return &batchError{http.StatusBadRequest, msg} }

// parseSchedule reads schedule_at: "86400s" (from now) or "2017-11-15
// 09:00:00" (server local time). Jasmin's answers: 412 for a value it
// cannot read or a date in the past.
func parseSchedule(v string, now time.Time) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if n, ok := strings.CutSuffix(v, "s"); ok {
		secs, err := strconv.ParseUint(n, 10, 32)
		if err != nil {
			return time.Time{}, &batchError{http.StatusPreconditionFailed, "Cannot parse scheduled_at value: " + v}
		}
		if secs == 0 {
			return time.Time{}, nil
		}
		return now.Add(time.Duration(secs) * time.Second), nil
	}
	t, err := time.ParseInLocation(scheduleLayout, v, time.Local)
	if err != nil {
		return time.Time{}, &batchError{http.StatusPreconditionFailed, "Cannot parse scheduled_at value: " + v}
	}
	if t.Before(now) {
		return time.Time{}, &batchError{http.StatusPreconditionFailed, "Cannot schedule batch in past date: " + v}
	}
	return t, nil
}

// decodeStrict decodes a JSON object, refusing unknown keys.
func decodeStrict(raw []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badBatch("Malformed JSON: " + err.Error())
	}
	if dec.More() {
		return badBatch("Malformed JSON: data after the object.")
	}
	return nil
}

// parseBatch checks a sendbatch body and builds its definition.
func (s *Server) parseBatch(body []byte, uid string) (*batchSpec, time.Time, error) {
	var req batchRequest
	if err := decodeStrict(body, &req); err != nil {
		return nil, time.Time{}, err
	}
	if req.Messages == nil {
		return nil, time.Time{}, badBatch("Mandatory argument [messages] is not found.")
	}
	if len(req.Messages) == 0 {
		return nil, time.Time{}, badBatch("Argument [messages] has an invalid value: [[]].")
	}
	var cfg batchConfig
	if len(req.BatchConfig) > 0 && string(req.BatchConfig) != "null" {
		if err := decodeStrict(req.BatchConfig, &cfg); err != nil {
			return nil, time.Time{}, err
		}
	}
	for _, u := range [...]struct{ name, v string }{{"callback_url", cfg.CallbackURL}, {"errback_url", cfg.ErrbackURL}} {
		if u.v == "" {
			continue
		}
		if !isCallbackURL([]byte(u.v)) {
			return nil, time.Time{}, badBatch("Argument [" + u.name + "] has an invalid value: [" + redact.URL(u.v) + "].")
		}
		if err := s.checkCallback(u.name, []byte(u.v)); err != nil {
			return nil, time.Time{}, badBatch(err.Error())
		}
	}
	at, err := parseSchedule(cfg.ScheduleAt, s.now())
	if err != nil {
		return nil, time.Time{}, err
	}
	var gargs []arg
	var gto [][]byte
	if len(req.Globals) > 0 && string(req.Globals) != "null" {
		if gargs, gto, err = jsonArgs(req.Globals, nil, "to"); err != nil {
			return nil, time.Time{}, badBatch("globals: " + err.Error())
		}
	}
	spec := &batchSpec{ID: mt.NewID(), UID: uid, CallbackURL: cfg.CallbackURL, ErrbackURL: cfg.ErrbackURL,
		Messages: make([]batchMessage, 0, len(req.Messages))}
	j := s.getJob()
	defer s.putJob(j)
	total := 0
	for i, raw := range req.Messages {
		where := "messages[" + itoa(i) + "]: "
		margs, mto, err := jsonArgs(raw, nil, "to")
		if err != nil {
			return nil, time.Time{}, badBatch(where + err.Error())
		}
		msg, err := mergeBatchMessage(gargs, gto, margs, mto)
		if err != nil {
			return nil, time.Time{}, badBatch(where + err.Error())
		}
		total += len(msg.To)
		if total > s.opts.MaxBatchMessages {
			return nil, time.Time{}, badBatch("Too many messages: a batch holds at most " + itoa(s.opts.MaxBatchMessages) + ".")
		}
		// Validate as /send would, for every destination; encode and split
		// the content once.
		for ti, to := range msg.To {
			j.args = j.args[:0]
			for _, p := range msg.Params {
				j.args = append(j.args, arg{stringBytes(p[0]), stringBytes(p[1])})
			}
			j.args = append(j.args, arg{[]byte("to"), stringBytes(to)})
			if err := j.req.parse(j.args, epBatch, true); err != nil {
				return nil, time.Time{}, badBatch(where + err.Error())
			}
			if ti > 0 {
				continue
			}
			if j.req.set[fDLRURL] {
				if err := s.checkCallback(fieldNames[fDLRURL], j.req.val[fDLRURL]); err != nil {
					return nil, time.Time{}, badBatch(where + err.Error())
				}
			}
			octets, c, err := j.encode()
			if err == nil {
				_, err = s.splitParts(j, octets, c, s.maxParts)
			}
			if err != nil {
				return nil, time.Time{}, badBatch(where + err.Error())
			}
		}
		spec.Messages = append(spec.Messages, msg)
	}
	return spec, at, nil
}

// mergeBatchMessage makes one message from the globals and its own
// parameters (its own win), with its destinations ("to" a string or a
// list, its own or the globals').
func mergeBatchMessage(gargs []arg, gto [][]byte, margs []arg, mto [][]byte) (batchMessage, error) {
	var msg batchMessage
	own := make(map[string]bool, len(margs))
	var to [][]byte
	toSet := false
	for _, a := range margs {
		own[string(a.key)] = true
	}
	add := func(a arg, list [][]byte) {
		if string(a.key) == "to" {
			if !toSet {
				toSet = true
				if list != nil {
					to = list
				} else {
					to = [][]byte{a.val}
				}
			}
			return
		}
		msg.Params = append(msg.Params, [2]string{string(a.key), string(a.val)})
	}
	for _, a := range gargs {
		if !own[string(a.key)] {
			add(a, gto)
		}
	}
	for _, a := range margs {
		add(a, mto)
	}
	if !toSet {
		return msg, errMissing("to")
	}
	for _, t := range to {
		msg.To = append(msg.To, string(t))
	}
	return msg, nil
}

// serveRESTSendBatch is POST /secure/sendbatch.
func (s *Server) serveRESTSendBatch(ctx *fasthttp.RequestCtx) {
	u := s.restUser(ctx)
	if u == nil {
		return
	}
	if err := u.CheckHTTPBulk(); err != nil {
		o := refused(err)
		writeREST(ctx, &o)
		return
	}
	if s.srv.Closed() {
		writeJSONMessage(ctx, http.StatusServiceUnavailable, "Server is closing")
		return
	}
	if s.batches.db == nil {
		writeJSONMessage(ctx, http.StatusServiceUnavailable, "Batches need a store")
		return
	}
	spec, at, err := s.parseBatch(ctx.PostBody(), u.UID)
	if err != nil {
		var be *batchError
		var pe *paramError
		switch {
		case errors.As(err, &be):
			writeJSONMessage(ctx, be.status, be.msg)
		case errors.As(err, &pe):
			writeJSONMessage(ctx, http.StatusBadRequest, pe.msg)
		default:
			writeJSONMessage(ctx, http.StatusInternalServerError, err.Error())
		}
		return
	}
	if (spec.CallbackURL != "" || spec.ErrbackURL != "") && s.batches.th == nil {
		writeJSONMessage(ctx, http.StatusServiceUnavailable, "Batch callbacks need the callback thrower")
		return
	}
	total := 0
	for _, m := range spec.Messages {
		total += len(m.To)
	}
	now := s.now()
	st := batchStatus{ID: spec.ID, UID: u.UID, State: stateRunning, Total: total, Created: now, ScheduleAt: at}
	if !at.IsZero() {
		st.State = stateScheduled
	}
	sv, err := json.Marshal(spec)
	if err == nil && len(sv) > store.MaxObjectSize {
		err = badBatch("Batch too large: " + itoa(len(sv)) + " octets once stored, at most " + itoa(store.MaxObjectSize) + ".")
	}
	var stv []byte
	if err == nil {
		stv, err = json.Marshal(&st)
	}
	if err == nil {
		err = s.batches.db.PutObjects([]store.ObjectChange{
			{Kind: kindBatch, ID: spec.ID, Value: sv},
			{Kind: kindBatchState, ID: spec.ID, Value: stv},
		})
	}
	if err != nil {
		var be *batchError
		if errors.As(err, &be) {
			writeJSONMessage(ctx, be.status, be.msg)
			return
		}
		s.log.Error("httpapi: store batch", "err", err)
		writeJSONMessage(ctx, http.StatusInternalServerError, "Cannot store batch")
		return
	}
	b := &batchRun{st: st, spec: spec, stop: make(chan struct{})}
	s.batches.mu.Lock()
	s.batches.all[spec.ID] = b
	s.batches.mu.Unlock()
	s.batches.schedule(b)

	out := make([]byte, 0, 128)
	out = append(out, `{"batchId": `...)
	out = appendJSONString(out, []byte(spec.ID))
	out = append(out, `, "messageCount": `...)
	out = strconv.AppendInt(out, int64(total), 10)
	if !at.IsZero() {
		secs := int64(at.Sub(now).Round(time.Second) / time.Second)
		out = append(out, `, "scheduled": `...)
		out = appendJSONString(out, []byte(strconv.FormatInt(secs, 10)+"s"))
	}
	writeJSONData(ctx, append(out, '}'))
}
