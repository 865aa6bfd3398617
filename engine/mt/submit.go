package mt

import (
	"time"

	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/router/script"
	"github.com/gwd-project/gwd/smpp"
)

// DLR levels (HTTP dlr-level; for SMPP, derived from registered_delivery).
const (
	DLRNone     uint8 = 0
	DLRSMSC     uint8 = 1 // SMSC acknowledgement (submit_sm_resp)
	DLRTerminal uint8 = 2 // terminal delivery receipt from the SMSC
	DLRBoth     uint8 = 3 // 1 and 2
)

// DLRRequest is where and when the sender wants receipts.
type DLRRequest struct {
	// Level is DLRNone, DLRSMSC, DLRTerminal or DLRBoth. SMPP senders get
	// receipts as deliver_sm to their binds (registered_delivery asked:
	// DLRTerminal); HTTP senders at URL.
	Level uint8
	// URL and Method (GET or POST) are the HTTP sender's dlr-url and
	// dlr-method.
	URL    string
	Method string
}

// Submit is one message handed to the gateway by a channel, after the
// user's authentication and credential checks.
type Submit struct {
	// User is the authenticated, checked sender.
	User *router.User
	// Channel is the way it came in (SMPP server or HTTP).
	Channel router.Channel
	// Parts are the submit_sm PDUs to send, in order: one for content that
	// fits; for long HTTP content, the parts split with UDH or SAR. The
	// first part is what routing filters and interceptors see. Their
	// fields may alias the caller's buffers: they are copied before
	// SubmitMT returns.
	Parts []smpp.PDU
	// Priority is 0..3 (priority_flag).
	Priority uint8
	// Expires is the validity deadline (zero: the store's outbound TTL).
	Expires time.Time
	// DLR says which receipts the sender wants.
	DLR DLRRequest
	// Tags come from the sender (HTTP tags) before interceptors add theirs.
	Tags []int64
	// Received is when the message arrived (routing date/time filters).
	Received time.Time
	// Connector, when set, sends the message through that SMPP client
	// connector without MT routing (Junebug channels own their
	// connector). It is free: no route, no rate.
	Connector string
	// Locked are the PDU parameters an interceptor locked: later stages
	// (the connector's link defaults) must not change them.
	Locked script.ParamSet
}

// Submitter accepts messages into the MT pipeline. done gets the gateway
// message id once the message is durable in its connector's queue, or the
// refusal (a router.Refusal where a client should see a specific answer);
// it may run before SubmitMT returns, or later on another goroutine, and
// must not block.
type Submitter interface {
	SubmitMT(s *Submit, done func(id string, err error))
}
