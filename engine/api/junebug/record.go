package junebug

import (
	"encoding/binary"
	"strconv"

	"github.com/gwd-project/gwd/store"
)

// Junebug's names for the store's typed message events: event_type, and
// event_details in name order.

// eventType is the event_type Junebug reports for t ("" for a record).
func eventType(t store.EventType) string {
	switch t {
	case store.EventSubmitted:
		return "submitted"
	case store.EventRejected:
		return "rejected"
	case store.EventDelivered:
		return "delivery_succeeded"
	case store.EventFailed:
		return "delivery_failed"
	case store.EventPending:
		return "delivery_pending"
	case store.EventCancelled:
		return "cancelled"
	}
	return ""
}

// detail is one name and value of an event's event_details.
type detail struct{ name, value string }

// eventDetails fills d with ev's event_details, the fields it has, in
// name order, and returns them.
func eventDetails(ev *store.Event, d *[4]detail) []detail {
	n := 0
	for _, f := range [...]detail{{"connector", ev.Connector}, {"id_smsc", ev.SMSCID}, {"stat", ev.Stat}, {"status", ev.Status}} {
		if f.value != "" {
			d[n] = f
			n++
		}
	}
	return d[:n]
}

// record is what the server keeps of a message it sent, as the message's
// store.EventRecord event: its channel, event_url and part count, to report
// its events after a restart, and its addressing.
type record struct {
	channelID, to, from, replyTo, eventURL string
	parts                                  int
}

// appendTo appends r's encoding: a count, then each field's name and
// value, each with a uvarint length, names in order, empty ones left out
// (but to, always written).
// It is the encoding the store's version 1 gave an event's details, so
// the records an older gwd stored read the same.
func (r *record) appendTo(dst []byte) []byte {
	fs := [...]detail{{"channel_id", r.channelID}, {"event_url", r.eventURL}, {"from", r.from},
		{"parts", strconv.Itoa(r.parts)}, {"reply_to", r.replyTo}, {"to", r.to}}
	n := 0
	for _, f := range fs {
		if f.value != "" || f.name == "to" {
			n++
		}
	}
	dst = binary.AppendUvarint(dst, uint64(n))
	for _, f := range fs {
		if f.value != "" || f.name == "to" {
			dst = appendField(appendField(dst, f.name), f.value)
		}
	}
	return dst
}

func appendField(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// parseRecord decodes a record; false when b is not one (no channel id).
func parseRecord(b []byte) (record, bool) {
	var r record
	n, k := binary.Uvarint(b)
	if k <= 0 {
		return r, false
	}
	b = b[k:]
	field := func() (string, bool) {
		l, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < l {
			return "", false
		}
		s := string(b[k : k+int(l)])
		b = b[k+int(l):]
		return s, true
	}
	for ; n > 0; n-- {
		name, ok1 := field()
		value, ok2 := field()
		if !ok1 || !ok2 {
			return record{}, false
		}
		switch name {
		case "channel_id":
			r.channelID = value
		case "event_url":
			r.eventURL = value
		case "from":
			r.from = value
		case "parts":
			r.parts, _ = strconv.Atoi(value)
		case "reply_to":
			r.replyTo = value
		case "to":
			r.to = value
		}
	}
	return r, r.channelID != ""
}
