package gateway

import (
	"github.com/gwd-project/gwd/router"
)

// StoreFailedError is a message refused because the store failed
// (store.ErrFailed: a Pebble fatal error or a failed commit;
// router.RefusedStoreFailed): nothing was kept, and nothing will be
// until gwd is restarted (docs/store.md). The SMPP server answers
// ESME_RSYSERR, the HTTP front-ends 503 with RetryAfterHeader.
type StoreFailedError struct{ Err error }

// StoreFailedRetryAfter is the Retry-After, in seconds, of a
// StoreFailedError: long enough for an operator's restart.
const StoreFailedRetryAfter = "60"

func (e *StoreFailedError) Error() string            { return "store: " + e.Err.Error() }
func (e *StoreFailedError) Unwrap() error            { return e.Err }
func (e *StoreFailedError) Kind() router.RefusalKind { return router.RefusedStoreFailed }
func (e *StoreFailedError) Text() string {
	return "Gateway store failed, message not stored: retry later"
}
func (e *StoreFailedError) RetryAfterHeader() string { return StoreFailedRetryAfter }

var _ router.Refusal = (*StoreFailedError)(nil)
