// Package jcli owns gwd's jCli: Jasmin's telnet management console,
// command for command. An operator (or a script written for Jasmin)
// connects to [jcli] bind:port, authenticates with admin_username and
// admin_password, and manages users, groups, filters, MO/MT routes and
// interceptors, SMPP and HTTP client connectors, reads statistics and
// names configuration snapshots (persist / load), with Jasmin's prompts,
// messages and column layouts.
//
// The package holds the console only: every change goes through the
// configuration's one writer (package engine/manage), which the admin API
// and Junebug share; the SMPP server (unbind, ban, stats) and the admin
// account come in Deps. Every accepted change applies at once and is made
// durable before the console answers: unlike Jasmin nothing is lost when
// gwd stops without a `persist`, which therefore only names a snapshot of
// the live configuration.
//
// # Telnet
//
// A session works with any telnet client and with plain line-mode tools
// (nc, expect scripts). On connect the server offers what Jasmin offers:
// IAC DO LINEMODE, DO NAWS, DO SGA and WILL ECHO. A client that accepts
// WILL ECHO (answers DO ECHO) is served in character mode: the server
// echoes what is typed (never the password), handles backspace / DEL,
// ^U (erase line), ^C and IAC IP (drop the line), ^D on an empty line
// (quit), swallows cursor-key escape sequences, and completes on TAB:
// commands, their options, interactive-session keys and user credential
// sections and keys. A client that never negotiates is served in line mode:
// nothing is echoed (its own terminal does), TAB is a blank, and lines end
// with CR, LF, CR LF or CR NUL. Other options are refused (WONT / DONT);
// subnegotiations are read and ignored. Lines are capped at MaxLine bytes:
// a longer line is refused as a whole.
//
// # Authentication
//
// With [jcli] authentication on (the default) a session must give the
// admin username and password (checked against the MD5 digest in the
// configuration, as jasmin.cfg stores it) within LoginTimeout. A wrong
// pair answers "Incorrect Username/Password." after FailDelay; the third
// wrong pair in a session ends the session, and LockoutAfter wrong pairs
// from one address within Lockout lock that address out for Lockout: its
// logins are refused, right or wrong, until the lockout expires. (Anyone
// who can reach the port can therefore lock the address out; the console
// listens on 127.0.0.1 by default.) At most [jcli] max_connections
// sessions are open at once, logged in or not, and max_connections_per_ip
// from one address; one more is told "Too many sessions, try again later."
// and closed.
//
// # Differences from Jasmin
//
// Prompts, messages and layouts are Jasmin's as observed (jasmin-observed.md)
// or, where nothing was observed, as its manual prints them. Deliberate
// differences:
//
//   - Every change is durable when it is confirmed; a change the store
//     cannot take is refused and undone ("Error: could not save the
//     configuration, nothing changed: …"), and only that change: what
//     another session or the admin API changed meanwhile stays. persist copies the live
//     configuration to a named profile, load replaces it with one; both
//     print Jasmin's nine lines.
//   - Removing a group that still has users, a filter that routes or
//     interceptors use, an SMPP connector that MT routes send to, or an
//     HTTP connector that MO routes deliver to is refused, naming what
//     holds it (Jasmin removes them and leaves the rest dangling).
//     smpps(uid) route targets must be existing users.
//   - --smpp-ban revokes the user's bind authorization (smpps_cred
//     authorization bind False) before dropping its sessions, so that a
//     ban outlasts the next bind.
//   - balance and sms_count are the store's counters: listings show them
//     as charging left them, and +N / -N apply to that value.
//   - stats items gwd does not keep show ND (see cmd_stats.go for the
//     mapping of each item).
//   - Lines end in CR LF; the terminal is not reset (Jasmin's twisted
//     console sends ESC c); trailing blanks of table rows are trimmed;
//     an option error prints the error and the command's help followed
//     by one prompt.
//   - user -e/-d and group -e/-d take the id as their value (-e UID), as
//     Jasmin's code does (its manual's table omits the metavariable).
package jcli
