package junebug

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/valyala/fasthttp"

	"github.com/gwd-project/gwd/engine/content"
	"github.com/gwd-project/gwd/engine/mt"
	"github.com/gwd-project/gwd/engine/smppc"
	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/smpp"
	"github.com/gwd-project/gwd/store"
)

// Address limits: SMPP source_addr and destination_addr hold 20
// characters (21 octets with the terminating NUL).
const maxAddr = 20

// maxMessageID bounds a reply_to or a message id in a URL.
const maxMessageID = 255

// messageFields are the fields of POST /channels/{id}/messages/.
var messageFields = []string{"to", "from", "reply_to", "event_url", "priority", "channel_data", "content"}

// messageRequest is a parsed, validated message body.
type messageRequest struct {
	To, From, ReplyTo, EventURL string
	Content                     string
	HasContent                  bool
	// Priority is the queue priority, 0 (bulk) to 3 (realtime);
	// PriorityRaw is the value as given, echoed in the answer.
	Priority    uint8
	PriorityRaw json.RawMessage
	ChannelData json.RawMessage
}

// priorityOf maps Junebug's priority (1 to 5, higher first; or gwd's
// "bulk" and "realtime") to the SMPP priority the connector's queue
// honours (0 to 3).
func priorityOf(raw json.RawMessage) (uint8, error) {
	raw = bytes.TrimSpace(raw)
	if isNull(raw) {
		return 0, nil
	}
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, fmt.Errorf("priority: must be 1 to 5, \"bulk\" or \"realtime\"")
		}
		switch s {
		case "bulk":
			return 0, nil
		case "realtime":
			return 3, nil
		}
		return 0, fmt.Errorf("priority: must be 1 to 5, \"bulk\" or \"realtime\", not %q", s)
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return 0, fmt.Errorf("priority: must be 1 to 5, \"bulk\" or \"realtime\"")
	}
	v, err := n.Int64()
	if err != nil || v < 1 || v > 5 {
		return 0, fmt.Errorf("priority: must be 1 to 5, \"bulk\" or \"realtime\", not %s", n)
	}
	return uint8(min(v-1, 3)), nil
}

func checkAddr(field, v string) error {
	switch {
	case len(v) > maxAddr:
		return fmt.Errorf("%s: at most %d characters, not %d", field, maxAddr, len(v))
	case strings.IndexByte(v, 0) >= 0:
		return fmt.Errorf("%s: must not contain NUL", field)
	}
	return nil
}

// parseMessage reads and validates a message body. Every problem is
// reported, each naming its field.
func parseMessage(body []byte) (*messageRequest, *apiError) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil || m == nil {
		return nil, usageError("body: must be a JSON object")
	}
	r := &messageRequest{}
	var errs []string
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		raw := m[k]
		if !slices.Contains(messageFields, k) {
			errs = append(errs, k+": unknown field")
			continue
		}
		var err error
		var sp *string
		switch k {
		case "to", "from", "reply_to", "event_url", "content":
			sp, err = optString(raw)
			if err != nil || sp == nil {
				break
			}
			switch k {
			case "to":
				r.To = *sp
				if r.To == "" {
					err = errors.New("must not be empty")
				} else {
					err = checkAddr(k, r.To)
				}
			case "from":
				r.From = *sp
				err = checkAddr(k, r.From)
			case "reply_to":
				r.ReplyTo = *sp
				if r.ReplyTo == "" || len(r.ReplyTo) > maxMessageID {
					err = fmt.Errorf("must be a message id of 1 to %d characters", maxMessageID)
				}
			case "event_url":
				r.EventURL = *sp
				err = checkURL(k, r.EventURL, eventVars)
			case "content":
				r.Content, r.HasContent = *sp, true
			}
		case "priority":
			r.Priority, err = priorityOf(raw)
			if !isNull(raw) {
				r.PriorityRaw = compact(raw)
			}
		case "channel_data":
			if !isNull(raw) {
				if !isObject(raw) {
					err = errors.New("must be an object or null")
				}
				r.ChannelData = compact(raw)
			}
		}
		errs = appendFieldError(errs, k, err)
	}
	if len(errs) > 0 {
		return nil, usageError(errs...)
	}
	switch {
	case r.To != "" && r.ReplyTo != "":
		return nil, usageError("to, reply_to: only one of to and reply_to may be given")
	case r.To == "" && r.ReplyTo == "":
		return nil, usageError("to, reply_to: one of to and reply_to is required")
	}
	return r, nil
}

// messageView is the result of POST /channels/{id}/messages/.
type messageView struct {
	ID          string          `json:"id"`
	ChannelID   string          `json:"channel_id"`
	To          string          `json:"to"`
	From        *string         `json:"from"`
	ReplyTo     *string         `json:"reply_to"`
	Content     *string         `json:"content"`
	EventURL    *string         `json:"event_url"`
	Priority    json.RawMessage `json:"priority"`
	ChannelData json.RawMessage `json:"channel_data"`
	Timestamp   string          `json:"timestamp"`
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

type submitResult struct {
	id  string
	err error
}

// serveSend is POST /channels/{id}/messages/.
func (s *Server) serveSend(ctx *fasthttp.RequestCtx, ch *channel) {
	req, aerr := parseMessage(ctx.PostBody())
	if aerr != nil {
		writeError(ctx, aerr)
		return
	}
	rec := ch.rec.Load()
	if lim := rec.CharacterLimit; lim != nil {
		if n := utf8.RuneCountInString(req.Content); n > *lim {
			writeError(ctx, newError(http.StatusBadRequest, "message too long", errMessageTooLong,
				fmt.Sprintf("message content of %d characters is longer than the channel's character_limit of %d", n, *lim)))
			return
		}
	}
	to, from := req.To, req.From
	if req.ReplyTo != "" {
		b, err := s.idx.Inbound(req.ReplyTo)
		var rc replyContext
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			writeError(ctx, newError(http.StatusServiceUnavailable, "store unavailable", errUnavailable,
				fmt.Sprintf("reading inbound message %s: %v", req.ReplyTo, err)))
			return
		default:
			if jerr := json.Unmarshal(b, &rc); jerr != nil {
				ch.lg.Error("reply context unreadable", "id", req.ReplyTo, "err", jerr)
			}
		}
		if rc.ChannelID != ch.id {
			writeError(ctx, newError(http.StatusBadRequest, "message not found", errMessageNotFound,
				fmt.Sprintf("inbound message %q not found on this channel: unknown, or older than inbound_message_ttl (%s)",
					req.ReplyTo, s.idx.TTLs().Inbound)))
			return
		}
		to = rc.From
		if from == "" {
			from = rc.To
		}
	}
	c := s.m.Connector(ch.cid)
	if c == nil {
		writeError(ctx, newError(http.StatusServiceUnavailable, "channel unavailable", errUnavailable,
			"the channel's connector is missing: restart the channel"))
		return
	}
	cfg := c.Config()
	parts, err := s.buildParts(req, to, from, &cfg)
	if err != nil {
		writeError(ctx, usageError("content: "+err.Error()))
		return
	}
	now := s.now()
	sub := &mt.Submit{Connector: ch.cid, Parts: parts, Priority: req.Priority, Received: now,
		DLR: mt.DLRRequest{Level: mt.DLRTerminal}}
	eventURL := req.EventURL
	nparts := len(parts)
	res := make(chan submitResult, 1)
	s.gw.SubmitMT(sub, func(id string, err error) {
		if err == nil {
			// Known before any of its events can be reported.
			s.cache.put(id, &msgRef{channelID: ch.id, eventURL: eventURL, parts: uint8(nparts)})
		}
		res <- submitResult{id, err}
	})
	r := <-res
	if r.err != nil {
		var ra interface{ RetryAfterHeader() string }
		if errors.As(r.err, &ra) {
			ctx.Response.Header.Set("Retry-After", ra.RetryAfterHeader())
		}
		writeError(ctx, submitError(r.err))
		return
	}
	ch.rates.add(rateOutbound, now)
	mr := record{channelID: ch.id, to: to, from: from, replyTo: req.ReplyTo, eventURL: eventURL, parts: nparts}
	recDone := make(chan error, 1)
	s.idx.AddEvent(r.id, store.Event{Type: store.EventRecord, At: now, Data: mr.appendTo(nil)}, func(err error) { recDone <- err })
	if err := <-recDone; err != nil {
		// The message is queued and will be sent; only its events
		// after a restart would not find their event_url.
		ch.lg.Error("message record not stored", "id", r.id, "err", err)
	}
	ch.lg.Debug("message submitted", "id", r.id, "parts", nparts)
	v := messageView{ID: r.id, ChannelID: ch.id, To: to, From: strPtr(from), ReplyTo: strPtr(req.ReplyTo),
		EventURL: strPtr(eventURL), Priority: req.PriorityRaw, ChannelData: req.ChannelData,
		Timestamp: string(appendTimestamp(nil, now))}
	if v.Priority == nil {
		v.Priority = json.RawMessage("1")
	}
	if req.HasContent {
		v.Content = &req.Content
	}
	writeJSON(ctx, http.StatusCreated, "message submitted", &v)
}

// submitError maps the gateway's refusal of a message to the answer: a
// store failure and a missing route (the channel's connector is gone) are
// the gateway's; the others are the message's (refusalStatus).
func submitError(err error) *apiError {
	var rf router.Refusal
	if errors.As(err, &rf) {
		switch rf.Kind() {
		case router.RefusedStore, router.RefusedDiskFull, router.RefusedBusy, router.RefusedStoreFailed, router.RefusedQueueFull:
			return newError(http.StatusServiceUnavailable, "message not submitted", errUnavailable, err.Error())
		case router.RefusedNoRoute:
			return newError(http.StatusServiceUnavailable, "channel unavailable", errUnavailable,
				"the channel's connector is missing: restart the channel")
		}
		if st := refusalStatus(rf); st > 0 && st < 500 {
			return newError(st, "message not submitted", errInvalidBody, err.Error())
		}
	}
	return newError(http.StatusInternalServerError, "message not submitted", errInternal, err.Error())
}

// buildParts encodes the content (GSM 03.38 when every character has a
// septet, else UCS2) and cuts it into submit_sm parts (mt.DefaultSplit:
// the same UDH and references as the HTTP API). Every part asks for a
// delivery receipt.
func (s *Server) buildParts(req *messageRequest, to, from string, cfg *smppc.Config) ([]smpp.PDU, error) {
	var b mt.Builder
	coding, octets, err := b.Encode(req.Content, content.GSM, true)
	if err != nil {
		return nil, err
	}
	f := mt.Fields{Dest: smpp.Address{TON: byte(cfg.DstTON), NPI: byte(cfg.DstNPI), Addr: []byte(to)},
		Priority: req.Priority, RegisteredDelivery: 1}
	if from != "" {
		f.Source = smpp.Address{TON: byte(cfg.SrcTON), NPI: byte(cfg.SrcNPI), Addr: []byte(from)}
	}
	return b.Build(octets, coding, mt.DefaultSplit(), &f)
}

// eventView is one event in GET /channels/{id}/messages/{msg_id}.
type eventView struct {
	EventType    string            `json:"event_type"`
	MessageID    string            `json:"message_id"`
	ChannelID    string            `json:"channel_id"`
	Timestamp    string            `json:"timestamp"`
	EventDetails map[string]string `json:"event_details"`
}

// messageStatus is the result of GET /channels/{id}/messages/{msg_id}.
type messageStatus struct {
	ID                 string      `json:"id"`
	LastEventType      *string     `json:"last_event_type"`
	LastEventTimestamp *string     `json:"last_event_timestamp"`
	Events             []eventView `json:"events"`
}

// serveMessage is GET /channels/{id}/messages/{msg_id}.
func (s *Server) serveMessage(ctx *fasthttp.RequestCtx, ch *channel, msgID string) {
	notFound := newError(http.StatusNotFound, "message not found", errMessageNotFound,
		fmt.Sprintf("message %q not found on this channel: unknown, or older than outbound_message_ttl", msgID))
	if len(msgID) > maxMessageID {
		writeError(ctx, notFound)
		return
	}
	_, events, err := s.idx.MessageState(msgID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(ctx, notFound)
		return
	case err != nil:
		writeError(ctx, newError(http.StatusServiceUnavailable, "store unavailable", errUnavailable, err.Error()))
		return
	}
	ref := msgRefOf(events)
	if ref == nil || ref.channelID != ch.id {
		writeError(ctx, notFound)
		return
	}
	st := messageStatus{ID: msgID, Events: []eventView{}}
	for i := range events {
		ev := &events[i]
		if ev.Type == store.EventRecord {
			continue
		}
		d := map[string]string{}
		var ds [4]detail
		for _, f := range eventDetails(ev, &ds) {
			d[f.name] = f.value
		}
		st.Events = append(st.Events, eventView{EventType: eventType(ev.Type), MessageID: msgID, ChannelID: ch.id,
			Timestamp: string(appendTimestamp(nil, ev.At)), EventDetails: d})
	}
	if n := len(st.Events); n > 0 {
		last := st.Events[n-1]
		st.LastEventType, st.LastEventTimestamp = &last.EventType, &last.Timestamp
	}
	writeJSON(ctx, http.StatusOK, "message status", &st)
}

// appendFieldError appends err (if any) as one line of a 400's reasons,
// prefixed by the field k it is about unless it names it already.
func appendFieldError(errs []string, k string, err error) []string {
	if err == nil {
		return errs
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, k+":") {
		msg = k + ": " + msg
	}
	return append(errs, msg)
}
