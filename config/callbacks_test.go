package config

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
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
