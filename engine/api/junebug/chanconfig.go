package junebug

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gwd-project/gwd/engine/smppc"
)

// A channel's config is the connector's parameters. It takes Jasmin's
// smppccm keys as they are (host, port, username, password,
// submit_throughput …; all but cid) and the keys of Junebug's smpp channel
// (vumi's SMPP transport) that have a connector counterpart. docs/junebug.md
// lists the mapping.
var vumiKeys = map[string][]string{
	"system_id":                  {"username"},
	"system_type":                {"systype"},
	"mt_tps":                     {"submit_throughput"},
	"smpp_enquire_link_interval": {"elink_interval"},
	"smpp_bind_timeout":          {"bind_to"},
	"throttle_delay":             {"requeue_delay"},
	"third_party_id_expiry":      {"dlr_expiry"},
	"initial_reconnect_delay":    {"con_loss_delay", "con_fail_delay"},
	"twisted_endpoint":           {"host", "port", "ssl"},
}

var connectorKeys = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range smppc.Keys() {
		m[k] = true
	}
	return m
}()

// connectorDefaults are a Junebug channel's connector parameters before
// its config applies: Jasmin's defaults, except that a channel sends as
// fast as the SMSC takes (Junebug has no default rate limit; Jasmin's
// submit_throughput default is 1 message per second).
func connectorDefaults(cid string) smppc.Config {
	c := smppc.DefaultConfig(cid)
	c.SubmitThroughput = 0
	return c
}

// configValue turns one JSON config value into the text smppc.Config.Set
// takes: strings as they are, numbers as written, booleans as yes/no.
func configValue(key string, raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", fmt.Errorf("config.%s: missing value", key)
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", fmt.Errorf("config.%s: %v", key, err)
		}
		return s, nil
	case 't', 'f':
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil {
			return "", fmt.Errorf("config.%s: %v", key, err)
		}
		if b {
			return "yes", nil
		}
		return "no", nil
	case 'n':
		return "", fmt.Errorf("config.%s: must not be null (leave the key out for its default)", key)
	case '{', '[':
		return "", fmt.Errorf("config.%s: must be a string, a number or a boolean", key)
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return "", fmt.Errorf("config.%s: %v", key, err)
	}
	return n.String(), nil
}

// parseEndpoint reads vumi's twisted_endpoint: "tcp:host=H:port=P",
// "tcp:H:P", or ssl: instead of tcp: for TLS.
func parseEndpoint(s string) (host, port, ssl string, err error) {
	fields := strings.Split(s, ":")
	switch fields[0] {
	case "tcp":
		ssl = "no"
	case "ssl", "tls":
		ssl = "yes"
	default:
		return "", "", "", fmt.Errorf("config.twisted_endpoint: %q: must start with tcp: or ssl:", s)
	}
	var pos []string
	for _, f := range fields[1:] {
		k, v, ok := strings.Cut(f, "=")
		switch {
		case !ok:
			pos = append(pos, f)
		case k == "host":
			host = v
		case k == "port":
			port = v
		default:
			return "", "", "", fmt.Errorf("config.twisted_endpoint: %q: unsupported argument %q (host and port only)", s, k)
		}
	}
	switch {
	case len(pos) == 2 && host == "" && port == "":
		host, port = pos[0], pos[1]
	case len(pos) != 0:
		return "", "", "", fmt.Errorf("config.twisted_endpoint: %q: expected tcp:host=H:port=P or tcp:H:P", s)
	}
	if host == "" || port == "" {
		return "", "", "", fmt.Errorf("config.twisted_endpoint: %q: needs a host and a port", s)
	}
	return host, port, ssl, nil
}

// connectorConfig builds the connector parameters of channel config raw
// (a JSON object) for connector cid. Every key is checked: an unknown key,
// a value a parameter refuses, or two keys setting one parameter is an
// error naming the key. throughputSet reports whether the config sets
// submit_throughput (directly or as mt_tps).
func connectorConfig(cid string, raw json.RawMessage) (cfg smppc.Config, throughputSet bool, err error) {
	cfg = connectorDefaults(cid)
	var m map[string]json.RawMessage
	if len(bytes.TrimSpace(raw)) == 0 {
		return cfg, false, nil
	}
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return cfg, false, fmt.Errorf("config: must be an object")
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	setBy := map[string]string{} // connector parameter → config key
	set := func(from, param, v string) error {
		if prev, ok := setBy[param]; ok {
			return fmt.Errorf("config.%s: sets %s, which config.%s already sets", from, param, prev)
		}
		setBy[param] = from
		if err := cfg.Set(param, v); err != nil {
			return fmt.Errorf("config.%s: %w", from, err)
		}
		return nil
	}
	for _, k := range keys {
		v, err := configValue(k, m[k])
		if err != nil {
			return cfg, false, err
		}
		switch {
		case k == "cid":
			return cfg, false, fmt.Errorf("config.cid: the connector id is derived from the channel id and cannot be set")
		case k == "twisted_endpoint":
			host, port, ssl, err := parseEndpoint(v)
			if err != nil {
				return cfg, false, err
			}
			for _, p := range [][2]string{{"host", host}, {"port", port}, {"ssl", ssl}} {
				if err := set(k, p[0], p[1]); err != nil {
					return cfg, false, err
				}
			}
		case vumiKeys[k] != nil:
			for _, p := range vumiKeys[k] {
				if err := set(k, p, v); err != nil {
					return cfg, false, err
				}
			}
		case connectorKeys[k]:
			if err := set(k, k, v); err != nil {
				return cfg, false, err
			}
		default:
			return cfg, false, fmt.Errorf("config.%s: unknown smpp channel config key (see docs/junebug.md for the keys)", k)
		}
	}
	_, throughputSet = setBy["submit_throughput"]
	return cfg, throughputSet, nil
}

// applyRateLimit sets submit_throughput from rate_limit_count messages per
// rate_limit_window seconds.
func applyRateLimit(cfg *smppc.Config, count, window int) error {
	tps := float64(count) / float64(window)
	if err := cfg.Set("submit_throughput", strconv.FormatFloat(tps, 'f', -1, 64)); err != nil {
		return fmt.Errorf("rate_limit_count/rate_limit_window: %w", err)
	}
	return nil
}
