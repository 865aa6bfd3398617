// Package logring keeps the recent log records of each connector in memory,
// for the admin API (GET /admin/connectors/{cid}/logs) and Junebug's
// GET /channels/{id}/logs.
//
// A Handler wraps the process's slog.Handler: every record goes on to it
// unchanged, and the records carrying a "cid" attribute (on the record or
// added with Logger.With) are also copied into a bounded ring for that cid.
// Recent reads a ring, newest first.
//
// Privacy (a connector's logprivacy): SetPrivacy(cid, true) replaces the
// attributes named content, short_message and text with "<hidden>", in the
// ring and in the record handed on.
//
// Secrets never reach a ring: every attribute kept goes through
// redact.Attr (passwords masked, URL credentials stripped).
//
// Memory is bounded: perKey records per cid, MaxAttrs attributes per record,
// MaxValueLen octets per message or string value, MaxKeys cids. Storing a
// record reuses its slot's buffers: once a ring has wrapped, keeping a
// record allocates nothing beyond what its values need (a truncated long
// string, a copied []byte). Each cid has its own lock; the cid → ring map is
// read without one.
package logring
