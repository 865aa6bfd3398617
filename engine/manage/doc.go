// Package manage is gwd's one writer of configuration. It owns every
// change to users, groups, filters, MT and MO routes and interceptors,
// SMPP and HTTP client connectors, users' balance and sms_count edits,
// and the records front-ends keep beside them (Junebug's channels): jCli,
// the admin API and Junebug are front-ends that call it.
//
// A change is a transaction: Manager.Do runs a function under the
// manager's one lock; the function changes objects through the Tx it is
// given, and each Tx operation records how to take back exactly what it
// changed. When the function returns, every object it touched is written
// to the store in one atomic write. If the function or the write fails,
// the recorded undo runs in reverse: only what this change altered is put
// back, so nothing another change made (before or after, from any
// front-end) is lost. A change either applies and is durable, or changes
// nothing.
//
// The Manager also owns the connector registry and its lifecycle (add,
// update, start, stop, remove), loading the live configuration at start
// and profiles (persist, load). The message path only reads: it finds
// connectors through Connector / HTTPConnector (lock-free, copy-on-write
// maps) and routes with the router tables the manager changes.
package manage
