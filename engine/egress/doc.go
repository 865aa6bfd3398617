// Package egress owns one rule: which network addresses gwd may connect to
// for a URL that an API user supplied (a dlr-url on /send or /secure/send,
// a sendbatch callback_url or errback_url, the dlr-url of a batch message).
//
// Such a URL must carry no credentials (user:password@, which an HTTP
// client would send as Basic authorization) and its host must be, or
// resolve only to, addresses on the public internet: loopback, private
// (RFC 1918, IPv6 unique local), link-local, CGNAT (100.64.0.0/10),
// multicast, unspecified, broadcast, the documentation, benchmarking and
// other special-purpose ranges, and the IPv6 forms that embed an IPv4
// address (IPv4-mapped, IPv4-compatible, NAT64, 6to4, Teredo) of any of
// those are refused, unless the operator lists a network that holds the
// address in [callbacks] allow_networks (Options.Allow).
//
// The rule is checked twice, by the same code: when the API accepts the
// URL (Guard.CheckURL, which resolves a host name with a bounded timeout
// and refuses it if any of its addresses is forbidden) and when a
// connection is made for it (Guard.DialTimeout, a fasthttp dial function
// that resolves again, checks every address and connects to an address it
// checked, never to the name): a name that changes its answer between the
// two (DNS rebinding) is refused at connect time, like an unreachable
// receiver.
//
// URLs that administrators configure (HTTP client connectors, Junebug
// channels) are trusted and do not go through a Guard.
package egress
