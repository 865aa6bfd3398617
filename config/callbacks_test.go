package config

import (
	"math"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestCallbacksAllowNetworksLoad(t *testing.T) {
	path := writeFile(t, "[callbacks]\nallow_networks = [\"127.0.0.0/8\", \"10.1.0.0/16\", \"fd00::/8\", \"192.0.2.7\"]\n")
	c, err := LoadWith(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("10.1.0.0/16"),
		netip.MustParsePrefix("fd00::/8"), netip.MustParsePrefix("192.0.2.7/32")}
	if got := c.Callbacks.Prefixes(); !reflect.DeepEqual(got, want) {
		t.Fatalf("allow_networks = %v, want %v", got, want)
	}
}

// TestCallbacksAllowNetworksInvalid: a value that is not a network is a
// load error naming the file, the line and the key, and the value.
func TestCallbacksAllowNetworksInvalid(t *testing.T) {
	for _, tc := range []struct{ value, want string }{
		{`["10.0.0.0/33"]`, `"10.0.0.0/33" is not a network in CIDR notation`},
		{`["localhost"]`, `"localhost" is not a network`},
		{`["10.1.2.3/16"]`, `did you mean "10.1.0.0/16"?`},
		{`["fe80::1%eth0"]`, `is not a network`},
		{`[""]`, `is not a network`},
		{`"10.0.0.0/8"`, `allow_networks`}, // a string, not a list
	} {
		path := writeFile(t, "[log]\nlevel = \"info\"\n\n[callbacks]\nallow_networks = "+tc.value+"\n")
		_, err := LoadWith(path, nil)
		if err == nil {
			t.Errorf("%s: loaded", tc.value)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, path+":5:") || !strings.Contains(msg, "callbacks.allow_networks") || !strings.Contains(msg, tc.want) {
			t.Errorf("%s: error %q, want %s:5:, the key and %q", tc.value, msg, path, tc.want)
		}
	}
}

func TestCallbacksAllowNetworksSet(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  []string
	}{
		{"127.0.0.0/8,10.1.0.0/16", []string{"127.0.0.0/8", "10.1.0.0/16"}},
		{` ["127.0.0.0/8", "::1/128"] `, []string{"127.0.0.0/8", "::1/128"}},
		{"[]", nil},
		{"", nil},
	} {
		c, err := LoadWith("", []string{"callbacks.allow_networks=" + tc.value})
		if err != nil {
			t.Fatalf("%q: %v", tc.value, err)
		}
		got := c.Callbacks.Prefixes()
		if len(got) != len(tc.want) {
			t.Fatalf("%q: %v, want %v", tc.value, got, tc.want)
		}
		for i, w := range tc.want {
			if got[i].String() != w {
				t.Fatalf("%q: %v, want %v", tc.value, got, tc.want)
			}
		}
	}
	c := Default()
	err := c.Set("callbacks.allow_networks", "127.0.0.0/8,10.0.0.0/33")
	if err == nil || !strings.Contains(err.Error(), `[callbacks] allow_networks: "10.0.0.0/33" is not a network`) {
		t.Fatalf("Set with a bad network: %v", err)
	}
	if !reflect.DeepEqual(c, Default()) {
		t.Fatal("a refused Set changed the config")
	}
}

// FuzzParseNetwork: any text is a network or an error, never a panic; a
// network is valid, masked, and reads back from its own text; -set's list
// form agrees with it item by item.
func FuzzParseNetwork(f *testing.F) {
	for _, s := range []string{"10.1.0.0/16", "127.0.0.1", "::1", "fd00::/8", "10.1.2.3/16", "::ffff:10.0.0.0/104",
		"fe80::1%eth0", "0.0.0.0/0", "", "1.2.3.4/33", " 10.0.0.0/8 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseNetwork(s)
		if err != nil {
			return
		}
		if !n.IsValid() || n.Masked() != n.Prefix {
			t.Fatalf("%q: %v is not a valid masked prefix", s, n)
		}
		back, err := ParseNetwork(n.String())
		if err != nil || back != n {
			t.Fatalf("%q: %v reads back as %v, %v", s, n, back, err)
		}
		if !strings.ContainsAny(s, ",[]\"'") {
			list, err := setNetworks(s)
			if err != nil || len(list) != 1 || list[0] != n {
				t.Fatalf("%q: -set reads %v, %v; ParseNetwork %v", s, list, err, n)
			}
		}
	})
}

// TestThrowerBackoffKeys: max_retry_delay and retry_ttl load (fractions of
// an hour included) and out-of-range values are refused by name.
func TestThrowerBackoffKeys(t *testing.T) {
	path := writeFile(t, "[dlr-thrower]\nretry_delay = 2\nmax_retry_delay = 60\nretry_ttl = 0.05\n")
	c, err := LoadWith(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.DLRThrower.MaxRetryDelay(); got != time.Minute {
		t.Errorf("max_retry_delay = %v, want 1m", got)
	}
	if got := c.DLRThrower.RetryTTL(); got != 3*time.Minute {
		t.Errorf("retry_ttl 0.05 = %v, want 3m", got)
	}
	for _, tc := range []struct {
		set  func(*Config)
		want string
	}{
		{func(c *Config) { c.DLRThrower.MaxRetryDelaySecs = 29 }, "[dlr-thrower] max_retry_delay: 29 is out of range (retry_delay 30 to 983040 seconds"},
		{func(c *Config) { c.DeliverSMThrower.MaxRetryDelaySecs = 30<<15 + 1 }, "[deliversm-thrower] max_retry_delay: 983041 is out of range"},
		{func(c *Config) { c.DLRThrower.RetryTTLHours = -1 }, "[dlr-thrower] retry_ttl: -1 is out of range (0 to 2160 hours"},
		{func(c *Config) { c.DeliverSMThrower.RetryTTLHours = math.NaN() }, "[deliversm-thrower] retry_ttl: NaN is out of range"},
	} {
		c := Default()
		tc.set(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate() = %v, want %q", err, tc.want)
		}
	}
	c = Default()
	c.DLRThrower.RetryTTLHours, c.DLRThrower.MaxRetryDelaySecs = 0, 30
	if err := c.Validate(); err != nil {
		t.Errorf("retry_ttl 0, max_retry_delay = retry_delay: %v", err)
	}
}
