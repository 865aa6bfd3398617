package egress

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
)

// ErrForbidden is wrapped by every refusal of a Guard.
var ErrForbidden = errors.New("callback target not allowed")

// Reason is err's explanation without ErrForbidden's prefix, for an API's
// answer.
func Reason(err error) string {
	return strings.TrimPrefix(err.Error(), ErrForbidden.Error()+": ")
}

// DefaultLookupTimeout bounds one resolution of a host name when
// Options.LookupTimeout is 0.
const DefaultLookupTimeout = 2 * time.Second

// Resolver resolves host names; *net.Resolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// ResolverFunc adapts a function to Resolver (tests).
type ResolverFunc func(ctx context.Context, network, host string) ([]netip.Addr, error)

// LookupNetIP calls f.
func (f ResolverFunc) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	return f(ctx, network, host)
}

// Options configure a Guard. The zero value is the strict rule with the
// system resolver.
type Options struct {
	// Allow lists the networks whose addresses are allowed although the
	// rule forbids them ([callbacks] allow_networks).
	Allow []netip.Prefix
	// Resolver resolves host names, at the API and at connect time.
	// Default net.DefaultResolver.
	Resolver Resolver
	// LookupTimeout bounds one resolution. Default DefaultLookupTimeout.
	LookupTimeout time.Duration
}

// Guard applies the rule. It is safe for concurrent use.
type Guard struct {
	allow   []netip.Prefix
	res     Resolver
	timeout time.Duration
	dialer  net.Dialer
	// last is the last URL CheckURL accepted: most clients send the same
	// dlr-url with every message, and the check (a resolution) then runs
	// once per new URL. The dialer checks again anyway.
	last atomic.Pointer[string]
}

// New returns a Guard for o. An invalid prefix in o.Allow is an error.
func New(o Options) (*Guard, error) {
	g := &Guard{res: o.Resolver, timeout: o.LookupTimeout}
	if g.res == nil {
		g.res = net.DefaultResolver
	}
	if g.timeout <= 0 {
		g.timeout = DefaultLookupTimeout
	}
	for _, p := range o.Allow {
		if !p.IsValid() {
			return nil, fmt.Errorf("egress: allowed network %v is not valid", p)
		}
		p = p.Masked()
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			// ::ffff:10.0.0.0/104 holds the addresses of 10.0.0.0/8,
			// which is how they are compared.
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		g.allow = append(g.allow, p)
	}
	return g, nil
}

// Strict returns a Guard with no allowed networks and the system
// resolver: the rule as it stands when nothing is configured.
func Strict() *Guard {
	g, _ := New(Options{})
	return g
}

func forbidden(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrForbidden, fmt.Sprintf(format, args...))
}

// CheckAddr returns nil when gwd may connect to a, or why not (wrapping
// ErrForbidden).
func (g *Guard) CheckAddr(a netip.Addr) error {
	if what := g.classify(a); what != "" {
		return forbidden("%s is %s address; callbacks go to public internet addresses only", a, what)
	}
	return nil
}

// classify returns "" for an allowed address, or what it is ("a loopback").
func (g *Guard) classify(a netip.Addr) string {
	if !a.IsValid() {
		return "not an"
	}
	a = a.WithZone("").Unmap()
	for _, p := range g.allow {
		if p.Contains(a) {
			return ""
		}
	}
	if a.Is4() {
		if a == broadcast {
			return "the broadcast"
		}
		for _, r := range reserved4 {
			if r.p.Contains(a) {
				return r.what
			}
		}
		return ""
	}
	if nat64.Contains(a) {
		// The NAT64 gateway connects to the IPv4 address in the low 32
		// bits: the rule is that address's.
		b := a.As16()
		if what := g.classify(netip.AddrFrom4([4]byte(b[12:]))); what != "" {
			return what + " (NAT64-embedded)"
		}
		return ""
	}
	for _, r := range reserved6 {
		if r.p.Contains(a) {
			return r.what
		}
	}
	if !globalUnicast6.Contains(a) {
		return "a reserved (not global unicast)"
	}
	return ""
}

type reservedNet struct {
	p    netip.Prefix
	what string
}

var (
	broadcast      = netip.MustParseAddr("255.255.255.255")
	nat64          = netip.MustParsePrefix("64:ff9b::/96")
	globalUnicast6 = netip.MustParsePrefix("2000::/3")
)

// reserved4: IANA's IPv4 special-purpose registry (those not globally
// reachable), multicast and the reserved class E.
var reserved4 = []reservedNet{
	{netip.MustParsePrefix("0.0.0.0/8"), "an unspecified (\"this network\")"},
	{netip.MustParsePrefix("10.0.0.0/8"), "a private"},
	{netip.MustParsePrefix("100.64.0.0/10"), "a shared (CGNAT)"},
	{netip.MustParsePrefix("127.0.0.0/8"), "a loopback"},
	{netip.MustParsePrefix("169.254.0.0/16"), "a link-local"},
	{netip.MustParsePrefix("172.16.0.0/12"), "a private"},
	{netip.MustParsePrefix("192.0.0.0/24"), "an IETF protocol assignment"},
	{netip.MustParsePrefix("192.0.2.0/24"), "a documentation"},
	{netip.MustParsePrefix("192.88.99.0/24"), "a 6to4 relay anycast"},
	{netip.MustParsePrefix("192.168.0.0/16"), "a private"},
	{netip.MustParsePrefix("198.18.0.0/15"), "a benchmarking"},
	{netip.MustParsePrefix("198.51.100.0/24"), "a documentation"},
	{netip.MustParsePrefix("203.0.113.0/24"), "a documentation"},
	{netip.MustParsePrefix("224.0.0.0/4"), "a multicast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "a reserved"},
}

// reserved6: IPv6 ranges with a name worth giving; anything else outside
// 2000::/3 (global unicast) is refused too.
var reserved6 = []reservedNet{
	{netip.MustParsePrefix("::/128"), "an unspecified"},
	{netip.MustParsePrefix("::1/128"), "a loopback"},
	{netip.MustParsePrefix("::/96"), "an IPv4-compatible"},
	{netip.MustParsePrefix("::ffff:0:0:0/96"), "an IPv4-translated"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "a local-use NAT64"},
	{netip.MustParsePrefix("100::/64"), "a discard-only"},
	{netip.MustParsePrefix("2001::/32"), "a Teredo"},
	{netip.MustParsePrefix("2001::/23"), "an IETF protocol assignment"},
	{netip.MustParsePrefix("2001:db8::/32"), "a documentation"},
	{netip.MustParsePrefix("2002::/16"), "a 6to4"},
	{netip.MustParsePrefix("3fff::/20"), "a documentation"},
	{netip.MustParsePrefix("5f00::/16"), "an SRv6 SID"},
	{netip.MustParsePrefix("fc00::/7"), "a unique local (private)"},
	{netip.MustParsePrefix("fe80::/10"), "a link-local"},
	{netip.MustParsePrefix("fec0::/10"), "a site-local"},
	{netip.MustParsePrefix("ff00::/8"), "a multicast"},
}

// CheckURL returns nil when gwd may call the http(s) URL s for an API
// user, or why not (wrapping ErrForbidden): it carries credentials, or its
// host is a forbidden address, or a name that does not resolve within the
// lookup timeout, or resolves to any forbidden address. The reason never
// says which address a name resolved to (that would tell API users about
// internal names).
func (g *Guard) CheckURL(s string) error {
	if last := g.last.Load(); last != nil && *last == s {
		return nil
	}
	hosts, err := urlHosts(s)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), g.timeout)
	defer cancel()
	for _, h := range hosts {
		if err := g.checkHost(ctx, h); err != nil {
			return err
		}
	}
	// A copy: callers may pass a string that aliases a buffer they reuse.
	c := strings.Clone(s)
	g.last.Store(&c)
	return nil
}

// urlHosts returns the host of s as net/url and as fasthttp's client read
// it (once when they agree), or an error for a URL with credentials or
// without a host.
func urlHosts(s string) ([]string, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, forbidden("not an absolute http or https URL")
	}
	authority := s[len(u.Scheme)+len("://"):]
	if i := strings.IndexAny(authority, "/?#"); i >= 0 {
		authority = authority[:i]
	}
	if u.User != nil || strings.Contains(authority, "@") {
		return nil, forbidden("credentials (user:password@) are not allowed in a callback URL")
	}
	var fu fasthttp.URI
	if err := fu.Parse(nil, []byte(s)); err != nil {
		return nil, forbidden("not a URL the HTTP client can call")
	}
	hosts := []string{u.Hostname()}
	if h := hostOf(string(fu.Host())); h != hosts[0] {
		hosts = append(hosts, h)
	}
	for _, h := range hosts {
		if h == "" {
			return nil, forbidden("no host")
		}
	}
	return hosts, nil
}

// hostOf strips the port and brackets of host[:port].
func hostOf(hp string) string {
	if h, _, err := net.SplitHostPort(hp); err == nil {
		return h
	}
	return strings.TrimSuffix(strings.TrimPrefix(hp, "["), "]")
}

// checkHost checks an address literal, or resolves a name and checks every
// address.
func (g *Guard) checkHost(ctx context.Context, host string) error {
	if a, err := parseLiteral(host); err == nil {
		return g.CheckAddr(a)
	}
	addrs, err := g.res.LookupNetIP(ctx, "ip", host)
	if err == nil && len(addrs) == 0 {
		err = errors.New("no address")
	}
	if err == nil {
		for _, a := range addrs {
			if g.classify(a) != "" {
				err = errors.New("forbidden address")
				break
			}
		}
	}
	if err != nil {
		return forbidden("host %q must resolve, within %v, to public internet addresses only", host, g.timeout)
	}
	return nil
}

// parseLiteral reads an IP address literal, with an IPv6 zone as net/url
// leaves it ("fe80::1%eth0", or %25 still escaped).
func parseLiteral(h string) (netip.Addr, error) {
	if i := strings.Index(h, "%25"); i >= 0 {
		h = h[:i] + "%" + h[i+3:]
	}
	return netip.ParseAddr(h)
}

// DialTimeout is a fasthttp dial function (fasthttp.Client.DialTimeout)
// that applies the rule at connect time: it resolves addr's host, refuses
// the connection when any address is forbidden (the error wraps
// ErrForbidden), and otherwise connects to the addresses it checked in
// turn until one answers. It never lets the name be resolved again.
func (g *Guard) DialTimeout(addr string, timeout time.Duration) (net.Conn, error) {
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	port, err := strconv.ParseUint(portText, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("dial %s: port %q: %w", addr, portText, err)
	}
	if timeout <= 0 {
		timeout = fasthttp.DefaultDialTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var addrs []netip.Addr
	if a, err := parseLiteral(host); err == nil {
		addrs = []netip.Addr{a}
	} else {
		lctx, lcancel := context.WithTimeout(ctx, g.timeout)
		addrs, err = g.res.LookupNetIP(lctx, "ip", host)
		lcancel()
		if err != nil {
			return nil, fmt.Errorf("dial %s: %w", addr, err)
		}
		if len(addrs) == 0 {
			return nil, fmt.Errorf("dial %s: %q has no address", addr, host)
		}
	}
	for _, a := range addrs {
		if err := g.CheckAddr(a); err != nil {
			return nil, fmt.Errorf("dial %s: %w", addr, err)
		}
	}
	var lastErr error
	for _, a := range addrs {
		conn, err := g.dialer.DialContext(ctx, "tcp", netip.AddrPortFrom(a.Unmap(), uint16(port)).String())
		if err == nil {
			return conn, nil
		}
		lastErr = err
		if ctx.Err() != nil {
			break
		}
	}
	return nil, fmt.Errorf("dial %s: %w", addr, lastErr)
}
