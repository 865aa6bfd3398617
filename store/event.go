package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"
)

// EventType is what happened to a gateway message. The store gives the
// types no names: the front-ends do (Junebug's event_type, SMPP's
// message_state).
type EventType uint8

// Event types. A message's state is the type of its last event.
const (
	// EventNone is no event: the state of a message with none stored.
	EventNone EventType = iota
	// EventSubmitted: an SMSC accepted the message (Connector, SMSCID).
	EventSubmitted
	// EventRejected: an SMSC refused it (Connector, Status).
	EventRejected
	// EventDelivered: a final receipt reported it delivered (Connector,
	// SMSCID, Stat).
	EventDelivered
	// EventFailed: a final receipt reported it undeliverable (Connector,
	// SMSCID, Stat), or it expired before an SMSC took it (Connector,
	// Status).
	EventFailed
	// EventPending: a receipt that is not final (Connector, SMSCID, Stat),
	// or an outcome the gateway cannot know (Connector, Status).
	EventPending
	// EventCancelled: withdrawn from its connector's queue before it was
	// sent (Connector).
	EventCancelled
	// EventRecord: a front-end's own record of the message, in Data.
	EventRecord

	maxEventType = EventRecord
)

// Event is one step in a gateway message's life. The store keeps its
// fields as given; which are set depends on the type (see the Event*
// constants).
type Event struct {
	Type      EventType
	At        time.Time
	Connector string // the connector that sent the message
	SMSCID    string // the SMSC's message id
	Stat      string // a receipt's stat (DELIVRD, UNDELIV …)
	Status    string // the error the SMSC or the gateway gave (a command_status name)
	// Data is an EventRecord's content, opaque to the store. Events read
	// back from the store share it with nothing.
	Data []byte
}

// Event value encodings (after the key's bucket | gateway id | 0 | seq):
//
//	v2  2 | expiry | at | type u8 | connector | smsc id | stat | status | data   (each field uvarint length + octets)
//	v1  1 | expiry | at | type (length-prefixed name) | uvarint n | n × (name, value), length-prefixed, names sorted
//
// Version 1 is what gwd wrote before events were typed: a type name and a
// map of details. It is still read, so that a store written by an older
// gwd keeps its messages' events; it is no longer written.
const (
	eventV1 byte = 1
	eventV2 byte = 2
)

// eventValueLen is the length of ev's v2 value.
func eventValueLen(ev *Event) int {
	return 1 + 8 + 8 + 1 + 5*binary.MaxVarintLen32 +
		len(ev.Connector) + len(ev.SMSCID) + len(ev.Stat) + len(ev.Status) + len(ev.Data)
}

// appendEventValue appends ev's v2 value, expiring at expiry.
func appendEventValue(dst []byte, ev *Event, expiry int64) []byte {
	dst = append(dst, eventV2)
	dst = appendU64(dst, uint64(expiry))
	dst = appendU64(dst, uint64(ev.At.UnixNano()))
	dst = append(dst, byte(ev.Type))
	dst = ixAppendStr(dst, ev.Connector)
	dst = ixAppendStr(dst, ev.SMSCID)
	dst = ixAppendStr(dst, ev.Stat)
	dst = ixAppendStr(dst, ev.Status)
	return ixAppendBytes(dst, ev.Data)
}

func (ev *Event) check() error {
	if ev.Type == EventNone || ev.Type > maxEventType {
		return fmt.Errorf("store: unknown event type %d", ev.Type)
	}
	for _, f := range [...]string{ev.Connector, ev.SMSCID, ev.Stat, ev.Status} {
		if len(f) > 1024 {
			return fmt.Errorf("store: event field of %d octets (at most 1024)", len(f))
		}
	}
	if len(ev.Data) > 64<<10 {
		return fmt.Errorf("store: event data of %d octets (at most 64 KiB)", len(ev.Data))
	}
	return nil
}

// decodeEvent decodes a stored event of either version, copying what it
// keeps.
func decodeEvent(v []byte) (Event, error) {
	r := ixReader{b: v}
	ver := r.u8()
	r.i64() // expiry, checked by the caller
	ev := Event{At: time.Unix(0, r.i64())}
	switch ver {
	case eventV2:
		ev.Type = EventType(r.u8())
		conn, smscID, stat, status, data := r.lp(), r.lp(), r.lp(), r.lp(), r.lp()
		if r.err != nil {
			return Event{}, r.err
		}
		if ev.Type == EventNone || ev.Type > maxEventType || len(r.b) != 0 {
			return Event{}, errIndexCorrupt
		}
		ev.Connector, ev.SMSCID, ev.Stat, ev.Status = string(conn), string(smscID), string(stat), string(status)
		if len(data) > 0 {
			ev.Data = bytes.Clone(data)
		}
		return ev, nil
	case eventV1:
		return decodeEventV1(&r, ev)
	}
	return Event{}, errIndexCorrupt
}

// v1Types are the type names version 1 stored for the lifecycle events.
// Any other name was a front-end's record of the message.
var v1Types = map[string]EventType{
	"submitted":          EventSubmitted,
	"rejected":           EventRejected,
	"delivery_succeeded": EventDelivered,
	"delivery_failed":    EventFailed,
	"delivery_pending":   EventPending,
	"cancelled":          EventCancelled,
}

// decodeEventV1 decodes the rest of a version-1 value: a lifecycle event's
// details become its fields; a record keeps its details, as they were
// stored (uvarint n, then n length-prefixed names and values), as Data.
func decodeEventV1(r *ixReader, ev Event) (Event, error) {
	name := r.lp()
	if r.err != nil {
		return Event{}, r.err
	}
	details := r.b
	n, k := binary.Uvarint(r.b)
	if k <= 0 || n > uint64(len(r.b)) {
		return Event{}, errIndexCorrupt
	}
	r.b = r.b[k:]
	typ, known := v1Types[string(name)]
	for i := uint64(0); i < n; i++ {
		key, val := r.lp(), r.lp()
		if r.err != nil {
			return Event{}, r.err
		}
		if !known {
			continue
		}
		switch string(key) {
		case "connector":
			ev.Connector = string(val)
		case "id_smsc":
			ev.SMSCID = string(val)
		case "stat":
			ev.Stat = string(val)
		case "status":
			ev.Status = string(val)
		}
	}
	if len(r.b) != 0 {
		return Event{}, errIndexCorrupt
	}
	if !known {
		typ = EventRecord
		ev.Data = bytes.Clone(details)
	}
	ev.Type = typ
	return ev, nil
}
