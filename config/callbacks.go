package config

import (
	"fmt"
	"net/netip"
	"strings"
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
