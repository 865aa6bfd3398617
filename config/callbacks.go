package config

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Callbacks is [callbacks] (gwd): where HTTP callbacks whose URL an API
// user supplied may go (a dlr-url on /send or /secure/send, a sendbatch
// callback_url or errback_url). Such URLs must carry no credentials and
// reach only public internet addresses: loopback, private, link-local,
// CGNAT, multicast and other reserved addresses are refused at the API and
// again when the connection is made (package engine/egress), except those
// inside AllowNetworks. URLs administrators configure (HTTP client
// connectors, Junebug channels) are not restricted.
type Callbacks struct {
	// AllowNetworks lists the networks (CIDR, e.g. "10.1.0.0/16"; a bare
	// address is one host) callbacks of API users may reach although the
	// rule forbids them. Default empty: public addresses only.
	AllowNetworks []Network `toml:"allow_networks"`
}

// DefaultCallbacks returns [callbacks]'s defaults: no network allowed
// beyond the public internet.
func DefaultCallbacks() Callbacks {
	return Callbacks{AllowNetworks: []Network{}}
}

// Prefixes returns AllowNetworks as prefixes.
func (c Callbacks) Prefixes() []netip.Prefix {
	out := make([]netip.Prefix, len(c.AllowNetworks))
	for i, n := range c.AllowNetworks {
		out[i] = n.Prefix
	}
	return out
}

// Network is one CIDR network of a config list. It decodes from its text
// and refuses what is not a network, so that an invalid value is reported
// with its file, line and key.
type Network struct{ netip.Prefix }

// ParseNetwork reads "10.1.0.0/16", "fd00::/8" or a bare address (one
// host). A network with bits set below its mask ("10.1.2.3/16") is refused:
// the intended network is ambiguous.
func ParseNetwork(s string) (Network, error) {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return Network{}, fmt.Errorf("%q is not a network in CIDR notation (e.g. \"10.1.0.0/16\") or an IP address", s)
		}
		return Network{netip.PrefixFrom(a, a.BitLen())}, nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return Network{}, fmt.Errorf("%q is not a network in CIDR notation (e.g. \"10.1.0.0/16\"): %v", s, err)
	}
	if m := p.Masked(); m != p {
		return Network{}, fmt.Errorf("%q has address bits set beyond its /%d mask: did you mean %q?", s, p.Bits(), m.String())
	}
	return Network{p}, nil
}

// UnmarshalText implements encoding.TextUnmarshaler (TOML strings).
func (n *Network) UnmarshalText(b []byte) error {
	v, err := ParseNetwork(string(b))
	if err != nil {
		return err
	}
	*n = v
	return nil
}

// MarshalText implements encoding.TextMarshaler.
func (n Network) MarshalText() ([]byte, error) { return []byte(n.Prefix.String()), nil }

// setNetworks parses -set's text for a list of networks: comma-separated,
// optionally in brackets and quotes as in TOML ("[]" or "" is empty).
func setNetworks(value string) ([]Network, error) {
	v := strings.TrimSpace(value)
	if strings.HasPrefix(v, "[") && strings.HasSuffix(v, "]") {
		v = strings.TrimSpace(v[1 : len(v)-1])
	}
	out := []Network{}
	if v == "" {
		return out, nil
	}
	for _, item := range strings.Split(v, ",") {
		item = strings.Trim(strings.TrimSpace(item), `"'`)
		n, err := ParseNetwork(item)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// Callback back-off defaults ([dlr-thrower], [deliversm-thrower]).
const (
	// DefaultMaxRetryDelaySecs caps the exponential back-off: an hour.
	DefaultMaxRetryDelaySecs = 3600
	// DefaultRetryTTLHours is how long a callback is retried, from its
	// first attempt, before it goes to the dead letters: a day.
	DefaultRetryTTLHours = 24.0
	// MaxBackoffLevels is how many doublings of retry_delay the back-off
	// may take before max_retry_delay caps it (one retry queue each).
	MaxBackoffLevels = 15
	// maxRetryTTLHours is the longest retry_ttl: 90 days.
	maxRetryTTLHours = 90 * 24
)

// MaxRetryDelay is max_retry_delay as a duration.
func (t Thrower) MaxRetryDelay() time.Duration { return secs(t.MaxRetryDelaySecs) }

// RetryTTL is retry_ttl as a duration (0: give up after max_retries).
func (t Thrower) RetryTTL() time.Duration {
	return time.Duration(t.RetryTTLHours * float64(time.Hour))
}

// retryBackoff checks a thrower's max_retry_delay and retry_ttl: the cap
// is at least retry_delay and at most 2^15 × retry_delay (each doubling is
// a retry queue on disk), the TTL 0 (Jasmin: give up after max_retries)
// to 90 days.
func (v *validator) retryBackoff(section string, t Thrower) {
	if t.RetryDelaySecs >= 1 {
		if t.MaxRetryDelaySecs < t.RetryDelaySecs || t.MaxRetryDelaySecs > t.RetryDelaySecs<<MaxBackoffLevels {
			v.add(section, "max_retry_delay", "%d is out of range (retry_delay %d to %d seconds, 2^%d × retry_delay)",
				t.MaxRetryDelaySecs, t.RetryDelaySecs, t.RetryDelaySecs<<MaxBackoffLevels, MaxBackoffLevels)
		}
	}
	if h := t.RetryTTLHours; !(h >= 0 && h <= maxRetryTTLHours) {
		v.add(section, "retry_ttl", "%v is out of range (0 to %d hours; 0 gives up after max_retries)", h, maxRetryTTLHours)
	}
}
