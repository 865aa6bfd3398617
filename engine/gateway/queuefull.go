package gateway

import (
	"errors"
	"strings"

	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/smpp"
	"github.com/gwd-project/gwd/store"
)

// QueueFullError is a message refused because its connector's queue is at
// its cap ([smpp-client] queue_max_messages / queue_max_bytes;
// store.ErrQueueFull; router.RefusedQueueFull): nothing was kept, and
// messages routed to other connectors go on. RetryAfterHeader is the HTTP
// front-ends' Retry-After.
type QueueFullError struct{ Err *store.QueueFullError }

// QueueFullRetryAfter is the Retry-After, in seconds, of a QueueFullError.
const QueueFullRetryAfter = "10"

func (e *QueueFullError) Error() string { return e.Err.Error() }
func (e *QueueFullError) Unwrap() error { return e.Err }

// Kind is router.RefusedQueueFull.
func (e *QueueFullError) Kind() router.RefusalKind { return router.RefusedQueueFull }

// Text names the connector whose queue is full.
func (e *QueueFullError) Text() string {
	return "Queue of connector " + strings.TrimPrefix(e.Err.Queue, "mt/") + " is full, message not stored: retry later"
}

// RetryAfterHeader is QueueFullRetryAfter.
func (e *QueueFullError) RetryAfterHeader() string { return QueueFullRetryAfter }

var _ router.Refusal = (*QueueFullError)(nil)

// handOffStatus answers an SMSC's deliver_sm (a receipt or an MO) whose
// hand-off failed: ESME_RMSGQFUL when the ESME's outbox is at its cap
// ([smpp-server] outbox_max_messages / outbox_max_bytes), ESME_RSYSERR
// otherwise; with either the SMSC keeps it and sends it again.
func handOffStatus(err error) smpp.Status {
	if errors.Is(err, store.ErrQueueFull) {
		return smpp.ESME_RMSGQFUL
	}
	return smpp.ESME_RSYSERR
}
