package load

import (
	"fmt"
	"net/netip"
	"strings"
)

// MaxSourceAddrs bounds a -source-addrs list: one HTTP client (and its
// connections) per address.
const MaxSourceAddrs = 4096

// ParseSourceAddrs reads a list of local addresses for the client
// sockets: comma-separated addresses or ranges first-last of one family
// (127.0.0.2-127.0.0.254), at most MaxSourceAddrs in all. The empty
// string is no list (the system picks the source address).
func ParseSourceAddrs(s string) ([]netip.Addr, error) {
	if s == "" {
		return nil, nil
	}
	var out []netip.Addr
	for _, item := range strings.Split(s, ",") {
		first, last, isRange := strings.Cut(strings.TrimSpace(item), "-")
		a, err := netip.ParseAddr(first)
		if err != nil {
			return nil, fmt.Errorf("source addrs: %q: %w", item, err)
		}
		b := a
		if isRange {
			if b, err = netip.ParseAddr(last); err != nil {
				return nil, fmt.Errorf("source addrs: %q: %w", item, err)
			}
		}
		if a.Zone() != "" || b.Zone() != "" || a.Is4() != b.Is4() || b.Less(a) {
			return nil, fmt.Errorf("source addrs: %q: want an address or first-last of one family, first ≤ last, no zone", item)
		}
		for x := a; ; x = x.Next() {
			if len(out) == MaxSourceAddrs {
				return nil, fmt.Errorf("source addrs: %q: more than %d addresses", s, MaxSourceAddrs)
			}
			out = append(out, x)
			if x == b {
				break
			}
		}
	}
	return out, nil
}
