package router

// Refusals: the errors a client is answered with.
//
// router says what was refused and why, never how a transport answers it:
// every front-end (the HTTP API and its REST twin, the SMPP server,
// Junebug) maps the Kind of a Refusal to its own answer (an HTTP status, an
// SMPP command_status) in one table of its own, and puts Text where its
// protocol carries a text. The engine's own refusals (no route, a failed
// store write, authentication back-off) use the same kinds so that each
// table covers every refusal a client can get.

// Refusal is an error the engine answers a client with. AuthError,
// BindError, CredError, ThroughputError, ChargeError, InterceptRejection and
// InterceptError are Refusals.
type Refusal interface {
	error
	// Kind says what was refused: the key of each front-end's table.
	Kind() RefusalKind
	// Text is the text Jasmin answers with (the body of the HTTP API's
	// `Error "…"`), part of the interface users already know.
	Text() string
}

// RefusalKind is what a Refusal refused.
type RefusalKind uint8

// Refusal kinds. The comments give the type that carries each.
const (
	// RefusedAuth: authentication failed (*AuthError; its Reason tells
	// an unknown user or a wrong password from a disabled account).
	RefusedAuth RefusalKind = iota + 1
	// RefusedBind: a bind refused after authentication (*BindError).
	RefusedBind
	// RefusedAuthorization: a missing mt_messaging_cred authorization
	// (*CredError).
	RefusedAuthorization
	// RefusedValueFilter: a value did not match its mt_messaging_cred
	// value filter (*CredError; its Key names the filter).
	RefusedValueFilter
	// RefusedThroughput: over the user's throughput quota
	// (*ThroughputError).
	RefusedThroughput
	// RefusedCharge: not enough balance or sms_count (*ChargeError).
	RefusedCharge
	// RefusedIntercepted: an interceptor script rejected the message
	// (*InterceptRejection, which carries the statuses the script chose).
	RefusedIntercepted
	// RefusedInterceptFailed: an interceptor script failed
	// (*InterceptError).
	RefusedInterceptFailed
	// RefusedNoRoute: no route, or a route to a connector that does not
	// exist (the engine's RouteError).
	RefusedNoRoute
	// RefusedStore: the message could not be stored (the engine's
	// StoreError).
	RefusedStore
	// RefusedBackoff: authentication refused before checking, after too
	// many failures or with the check queue full (engine/authguard).
	RefusedBackoff
	// RefusedDiskFull: the store's disk is under its free-space floor
	// ([store] keeps 64 MiB free); nothing was kept, and the gateway
	// takes messages again by itself once space returns (the engine's
	// DiskFullError).
	RefusedDiskFull
	// RefusedBusy: the store already has its bound of pending writes
	// ([store] max_pending_writes): it is slower than its clients, and
	// new messages are refused until it catches up; nothing was kept (the
	// engine's BusyError).
	RefusedBusy
	// RefusedStoreFailed: the store failed (a Pebble fatal error or a
	// failed commit) and takes nothing more until gwd is restarted;
	// nothing was kept (the engine's StoreFailedError).
	RefusedStoreFailed
	// RefusedQueueFull: the queue the message would join (its
	// connector's, [smpp-client] queue_max_messages / queue_max_bytes)
	// is at its cap; nothing was kept, and messages for other queues go
	// on (the engine's QueueFullError).
	RefusedQueueFull
)

func (k RefusalKind) String() string {
	switch k {
	case RefusedAuth:
		return "authentication"
	case RefusedBind:
		return "bind"
	case RefusedAuthorization:
		return "authorization"
	case RefusedValueFilter:
		return "value filter"
	case RefusedThroughput:
		return "throughput"
	case RefusedCharge:
		return "charge"
	case RefusedIntercepted:
		return "intercepted"
	case RefusedInterceptFailed:
		return "interceptor failed"
	case RefusedNoRoute:
		return "no route"
	case RefusedStore:
		return "store"
	case RefusedBackoff:
		return "back-off"
	case RefusedDiskFull:
		return "disk full"
	case RefusedBusy:
		return "busy"
	case RefusedStoreFailed:
		return "store failed"
	case RefusedQueueFull:
		return "queue full"
	}
	return "?"
}
