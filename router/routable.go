package router

import (
	"slices"
	"time"

	"github.com/gwd-project/gwd/smpp"
)

// Direction says which way a message travels.
type Direction uint8

const (
	// MT is mobile terminated: sent by a user (submit_sm, HTTP /send).
	MT Direction = iota + 1
	// MO is mobile originated: received from a connector (deliver_sm).
	MO
)

// String returns "MT" or "MO".
func (d Direction) String() string {
	switch d {
	case MT:
		return "MT"
	case MO:
		return "MO"
	}
	return "?"
}

// Routable is a message as the router sees it: Jasmin's RoutableSubmitSm
// (MT: PDU, user, date_time) and RoutableDeliverSm (MO: PDU, origin
// connector, date_time), with the tagging API interceptors use.
type Routable struct {
	Dir Direction
	// PDU is the submit_sm or deliver_sm (or one built from an HTTP
	// request); filters read its source_addr, destination_addr and
	// short_message, interceptors may change it.
	PDU *smpp.PDU
	// UID and GID identify the sending user and its group (MT only).
	UID, GID string
	// Connector is the connector the message came from (MO only).
	Connector string
	// Time is when the message was received (date_time).
	Time time.Time
	// Tags are the numeric tags set by interceptors or the sender.
	Tags []int64
}

// AddTag adds a tag (once).
func (r *Routable) AddTag(t int64) {
	if !r.HasTag(t) {
		r.Tags = append(r.Tags, t)
	}
}

// HasTag reports whether the routable carries t.
func (r *Routable) HasTag(t int64) bool { return slices.Contains(r.Tags, t) }

// GetTags returns the tags.
func (r *Routable) GetTags() []int64 { return r.Tags }

// RemoveTag removes t.
func (r *Routable) RemoveTag(t int64) {
	r.Tags = slices.DeleteFunc(r.Tags, func(x int64) bool { return x == t })
}

// FlushTags removes every tag.
func (r *Routable) FlushTags() { r.Tags = r.Tags[:0] }
