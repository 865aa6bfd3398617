// Package junebug owns gwd's Junebug-compatible channel API: the HTTP
// endpoints under /channels/ (channels, messages, logs), the JSON that
// Junebug posts to its users (events to event_url, inbound messages to
// mo_url, status events to status_url), and the bookkeeping behind them
// (channel records, message records, per-channel rates and component
// status).
//
// A channel of type smpp is one SMPP client connector of the gateway, its
// id derived from the channel id. Creating, updating or deleting a channel
// is one change through the configuration's one writer (package
// engine/manage): the channel's record and its connector apply and are
// stored together, or not at all. The server follows its channels through
// the gateway's Observer hook (Deps.Observe): it claims the
// MO of its connectors, sees every event of its messages and every bind
// state change, and turns them into Junebug's callbacks, which the
// gateway's thrower delivers durably with retries.
//
// What the package keeps:
//
//   - channels: configuration objects of kind "jbchannel" (runtime state as
//     far as jCli's persist/load go), reloaded by New;
//   - messages: one record per outbound message, kept as an event of kind
//     "junebug" in the store's message index next to the gateway's own
//     events, so it lives outbound_message_ttl and is dropped with them;
//   - inbound messages: the reply context of each MO, in the index's
//     inbound keyspace for inbound_message_ttl;
//   - parts of long inbound messages: a durable queue ("jb/moparts") until
//     the whole message is handed to mo_url;
//   - rates and component status: in memory only.
//
// Every endpoint requires HTTP Basic authentication with the [jcli] admin
// credentials (Junebug itself has none). docs/junebug.md is the user
// documentation: endpoints, the config key mapping, URL templates,
// priorities and what differs from Junebug.
package junebug
