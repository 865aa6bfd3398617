// Package admin owns gwd's JSON admin API: the operations of jCli (users,
// groups, filters, MT and MO routes and interceptors, SMPP and HTTP client
// connectors, stats, persist and load) as RESTful JSON under /admin/, for
// automation, plus each connector's recent logs (package logring).
//
// Every request authenticates with HTTP Basic, as [jcli]'s admin_username
// and admin_password (the MD5 digest, as jasmin.cfg keeps it); repeated
// failures from one address make its next attempts wait. Every change
// goes through the configuration's one writer (package engine/manage),
// shared with jCli and Junebug, and is saved to the store before the
// answer: there is no unsaved state for persist to rescue.
//
// Answers are JSON. A refused change answers 400 with
// {"error": "...", "field": "..."} naming the field at fault, 404 for an
// unknown object, 409 for a conflict (an id already taken, a group with
// users, an object still in use), 401 without valid credentials; a refused
// change changes nothing. docs/admin-api.md lists every endpoint.
package admin
