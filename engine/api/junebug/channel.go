package junebug

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/gwd-project/gwd/engine/smppc"
	"github.com/gwd-project/gwd/uuid"
)

// kindChannel is the store kind of channel records.
const kindChannel = "jbchannel"

// channelVersion is the version of the stored channel record.
const channelVersion = 1

// channelRecord is a channel as stored and, but for V and CID, as the API
// shows it. Optional fields are pointers: nil is JSON null.
type channelRecord struct {
	V               int             `json:"v"`
	ID              string          `json:"id"`
	CID             string          `json:"cid"`
	Type            string          `json:"type"`
	Label           *string         `json:"label"`
	Config          json.RawMessage `json:"config"`
	Metadata        json.RawMessage `json:"metadata"`
	StatusURL       *string         `json:"status_url"`
	MOURL           *string         `json:"mo_url"`
	RateLimitCount  *int            `json:"rate_limit_count"`
	RateLimitWindow *int            `json:"rate_limit_window"`
	CharacterLimit  *int            `json:"character_limit"`
}

func (r *channelRecord) moURL() string {
	if r.MOURL == nil {
		return ""
	}
	return *r.MOURL
}

func (r *channelRecord) statusURL() string {
	if r.StatusURL == nil {
		return ""
	}
	return *r.StatusURL
}

// channel is a live channel: its current record (replaced whole on
// update) and what the server counts and tracks for it.
type channel struct {
	id, cid string
	rec     atomic.Pointer[channelRecord]
	rates   *rates
	status  componentStatus
	lg      *slog.Logger // carries cid and channel_id
	// mu serialises management operations on this channel (update,
	// restart, delete, cancel); deleted, under mu, makes those that
	// waited for a delete answer "channel not found".
	mu      sync.Mutex
	deleted bool
}

// newChannelID returns a random (version 4) UUID, as Junebug's ids are.
func newChannelID() string { return uuid.New().String() }

// cidOf derives the connector id of a channel: "jb_" and the first 22 hex
// digits of its id (connector ids are at most 25 characters).
func cidOf(channelID string) string {
	h := make([]byte, 0, 32)
	for i := 0; i < len(channelID) && len(h) < 22; i++ {
		c := channelID[i]
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'f' {
			h = append(h, c)
		}
	}
	return "jb_" + string(h)
}

// channelFields are the fields of POST /channels/ and POST
// /channels/{id}.
var channelFields = []string{"type", "label", "config", "metadata", "status_url", "mo_url", "amqp_queue",
	"rate_limit_count", "rate_limit_window", "character_limit"}

// channelPatch is a parsed channel body: which fields it has and their
// values.
type channelPatch struct {
	has map[string]bool
	rec channelRecord
}

func isNull(raw json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }

// parseChannelBody reads a channel body. Every problem is reported, each
// naming its field; nothing else is looked at when there is one.
func parseChannelBody(body []byte) (*channelPatch, *apiError) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil || m == nil {
		return nil, usageError("body: must be a JSON object")
	}
	p := &channelPatch{has: map[string]bool{}}
	var errs []string
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		raw := m[k]
		if !slices.Contains(channelFields, k) {
			errs = append(errs, fmt.Sprintf("%s: unknown field", k))
			continue
		}
		p.has[k] = true
		var err error
		switch k {
		case "type":
			if isNull(raw) || json.Unmarshal(raw, &p.rec.Type) != nil {
				err = fmt.Errorf("must be a string")
			}
		case "label":
			p.rec.Label, err = optString(raw)
		case "config":
			if !isObject(raw) {
				err = fmt.Errorf("must be an object")
			}
			p.rec.Config = compact(raw)
		case "metadata":
			if !isNull(raw) && !isObject(raw) {
				err = fmt.Errorf("must be an object or null")
			}
			if !isNull(raw) {
				p.rec.Metadata = compact(raw)
			}
		case "status_url":
			p.rec.StatusURL, err = optString(raw)
			if err == nil && p.rec.StatusURL != nil {
				err = checkURL(k, *p.rec.StatusURL, statusVars)
			}
		case "mo_url":
			p.rec.MOURL, err = optString(raw)
			if err == nil && p.rec.MOURL != nil {
				err = checkURL(k, *p.rec.MOURL, moVars)
			}
		case "amqp_queue":
			if !isNull(raw) {
				err = fmt.Errorf("not offered: gwd has no AMQP broker; give mo_url to receive inbound messages over HTTP")
			}
		case "rate_limit_count":
			p.rec.RateLimitCount, err = optPositive(raw)
		case "rate_limit_window":
			p.rec.RateLimitWindow, err = optPositive(raw)
		case "character_limit":
			p.rec.CharacterLimit, err = optPositive(raw)
		}
		errs = appendFieldError(errs, k, err)
	}
	if len(errs) > 0 {
		return nil, usageError(errs...)
	}
	return p, nil
}

func isObject(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return false
	}
	var m map[string]json.RawMessage
	return json.Unmarshal(raw, &m) == nil
}

func compact(raw json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return append(json.RawMessage(nil), raw...)
	}
	return b.Bytes()
}

func optString(raw json.RawMessage) (*string, error) {
	if isNull(raw) {
		return nil, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("must be a string or null")
	}
	return &s, nil
}

func optPositive(raw json.RawMessage) (*int, error) {
	if isNull(raw) {
		return nil, nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return nil, fmt.Errorf("must be a positive integer or null")
	}
	v, err := n.Int64()
	if err != nil || v < 1 || v > 1<<31-1 {
		return nil, fmt.Errorf("must be a positive integer or null, not %s", n)
	}
	x := int(v)
	return &x, nil
}

// apply merges p over base (a copy; nil when creating) and validates the
// result: the record to store and its connector's parameters.
func (p *channelPatch) apply(base *channelRecord, id, cid string) (*channelRecord, smppc.Config, *apiError) {
	r := &channelRecord{V: channelVersion, ID: id, CID: cid}
	if base != nil {
		*r = *base
	}
	h := p.has
	if h["type"] {
		r.Type = p.rec.Type
	}
	if h["label"] {
		r.Label = p.rec.Label
	}
	if h["config"] {
		r.Config = p.rec.Config
	}
	if h["metadata"] {
		r.Metadata = p.rec.Metadata
	}
	if h["status_url"] {
		r.StatusURL = p.rec.StatusURL
	}
	if h["mo_url"] {
		r.MOURL = p.rec.MOURL
	}
	if h["rate_limit_count"] {
		r.RateLimitCount = p.rec.RateLimitCount
	}
	if h["rate_limit_window"] {
		r.RateLimitWindow = p.rec.RateLimitWindow
	}
	if h["character_limit"] {
		r.CharacterLimit = p.rec.CharacterLimit
	}
	var none smppc.Config
	if r.Type == "" {
		return nil, none, usageError("type: required")
	}
	if r.Type != "smpp" {
		return nil, none, newError(http.StatusBadRequest, "invalid channel type", errInvalidChannelType,
			fmt.Sprintf("invalid channel type %q, must be one of: smpp", r.Type))
	}
	var errs []string
	if len(r.Config) == 0 {
		errs = append(errs, "config: required")
	}
	if base == nil && r.MOURL == nil {
		errs = append(errs, "mo_url: required (gwd offers no amqp_queue: inbound messages go to mo_url)")
	}
	if (r.RateLimitCount == nil) != (r.RateLimitWindow == nil) {
		errs = append(errs, "rate_limit_count and rate_limit_window: give both or neither")
	}
	if len(errs) > 0 {
		return nil, none, usageError(errs...)
	}
	cfg, tpSet, err := connectorConfig(cid, r.Config)
	if err != nil {
		return nil, none, usageError(err.Error())
	}
	if r.RateLimitCount != nil {
		if tpSet {
			return nil, none, usageError("rate_limit_count/rate_limit_window and config submit_throughput (mt_tps) both set the channel's send rate: give one")
		}
		if err := applyRateLimit(&cfg, *r.RateLimitCount, *r.RateLimitWindow); err != nil {
			return nil, none, usageError(err.Error())
		}
	}
	return r, cfg, nil
}
