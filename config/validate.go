package config

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"os"
	"strings"
)

// Limits Validate enforces on gwd's own keys.
const (
	MinMaxPDUSize       = 512     // holds the largest submit_sm without TLVs
	MaxMaxPDUSize       = 1 << 20 // message_payload is at most 64 KiB
	MaxWindow           = 65535
	MaxLongContentParts = 255 // UDH and SAR count parts in one octet
	MaxCommitIntervalUs = 1000000
	MaxCommitMaxBatch   = 1 << 20
	MinSigningKey       = 16 // bytes of a thrower's signing_key, when set
)

// FieldError is one invalid value, named by section and key.
type FieldError struct {
	Section string // e.g. "smpp-server"
	Key     string // e.g. "port"
	Problem string // e.g. "70000 is not a valid TCP port (1-65535)"
}

func (e *FieldError) Error() string {
	return "[" + e.Section + "] " + e.Key + ": " + e.Problem
}

// ValidationError lists every invalid value Validate found, one per line.
type ValidationError struct {
	// Source, when set, says where the values came from (a file name) and
	// prefixes each line.
	Source   string
	Problems []*FieldError
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		if e.Source != "" {
			b.WriteString(e.Source)
			b.WriteString(": ")
		}
		b.WriteString(p.Error())
	}
	return b.String()
}

// Unwrap exposes each problem to errors.As.
func (e *ValidationError) Unwrap() []error {
	errs := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		errs[i] = p
	}
	return errs
}

type validator struct{ problems []*FieldError }

func (v *validator) add(section, key, format string, args ...any) {
	v.problems = append(v.problems, &FieldError{Section: section, Key: key, Problem: fmt.Sprintf(format, args...)})
}

func (v *validator) port(section string, port int) {
	if port < 1 || port > 65535 {
		v.add(section, "port", "%d is not a valid TCP port (1-65535)", port)
	}
}

func (v *validator) bind(section, addr string) {
	if _, err := netip.ParseAddr(addr); err != nil {
		v.add(section, "bind", "%q is not an IP address (0.0.0.0 listens on every interface)", addr)
	}
}

func (v *validator) atLeast(section, key string, n, min int, unit string) {
	if n < min {
		v.add(section, key, "%d must be at least %d %s", n, min, unit)
	}
}

func (v *validator) between(section, key string, n, min, max int, unit string) {
	if n < min || n > max {
		v.add(section, key, "%d is out of range (%d-%d %s)", n, min, max, unit)
	}
}

func (v *validator) file(section, key, path string) {
	fi, err := os.Stat(path)
	switch {
	case err != nil:
		v.add(section, key, "%v", err)
	case fi.IsDir():
		v.add(section, key, "%q is a directory, not a file", path)
	}
}

// Validate checks every value and returns a *ValidationError listing all
// the invalid ones, or nil. It reads the TLS files' metadata (they must
// exist) and nothing else.
func (c *Config) Validate() error {
	var v validator

	s := c.SMPPServer
	const smpps = "smpp-server"
	if strings.TrimSpace(s.ID) == "" {
		v.add(smpps, "id", "must not be empty")
	} else if strings.ContainsAny(s.ID, " \t\r\n") {
		v.add(smpps, "id", "%q must not contain spaces", s.ID)
	}
	v.bind(smpps, s.Bind)
	v.port(smpps, s.Port)
	v.atLeast(smpps, "sessionInitTimerSecs", s.SessionInitTimerSecs, 1, "second")
	v.atLeast(smpps, "enquireLinkTimerSecs", s.EnquireLinkTimerSecs, 1, "second")
	v.atLeast(smpps, "inactivityTimerSecs", s.InactivityTimerSecs, 1, "second")
	v.atLeast(smpps, "responseTimerSecs", s.ResponseTimerSecs, 1, "second")
	v.atLeast(smpps, "pduReadTimerSecs", s.PDUReadTimerSecs, 1, "second")
	v.between(smpps, "max_pdu_size", s.MaxPDUSize, MinMaxPDUSize, MaxMaxPDUSize, "octets")
	v.between(smpps, "window", s.Window, 1, MaxWindow, "requests")
	v.tlsPair(smpps, s.TLSCert, s.TLSKey)
	v.plainPort(s)

	h := c.HTTPAPI
	const httpapi = "http-api"
	v.bind(httpapi, h.Bind)
	v.port(httpapi, h.Port)
	v.between(httpapi, "long_content_max_parts", h.LongContentMaxParts, 1, MaxLongContentParts, "parts")
	if h.LongContentSplit != "udh" && h.LongContentSplit != "sar" {
		v.add(httpapi, "long_content_split", "%q is not one of udh, sar", h.LongContentSplit)
	}
	v.tlsPair(httpapi, h.TLSCert, h.TLSKey)

	j := c.JCli
	const jcli = "jcli"
	v.bind(jcli, j.Bind)
	v.port(jcli, j.Port)
	if j.Authentication {
		if strings.TrimSpace(j.AdminUsername) == "" {
			v.add(jcli, "admin_username", "must not be empty when authentication is true")
		}
	}

	for _, t := range []struct {
		section string
		t       Thrower
	}{{"dlr-thrower", c.DLRThrower}, {"deliversm-thrower", c.DeliverSMThrower}} {
		v.atLeast(t.section, "http_timeout", t.t.HTTPTimeoutSecs, 1, "second")
		v.atLeast(t.section, "retry_delay", t.t.RetryDelaySecs, 1, "second")
		v.atLeast(t.section, "max_retries", t.t.MaxRetries, 0, "retries")
		if k := t.t.SigningKey; k != "" && len(k) < MinSigningKey {
			v.add(t.section, "signing_key", "%d bytes is too short: at least %d, or empty for unsigned callbacks", len(k), MinSigningKey)
		}
		v.retryBackoff(t.section, t.t)
	}

	jb := c.Junebug
	const junebug = "junebug"
	v.bind(junebug, jb.Bind)
	v.port(junebug, jb.Port)
	if !(jb.MetricWindowSecs > 0) || math.IsInf(jb.MetricWindowSecs, 0) || jb.MetricWindowSecs > 86400 {
		v.add(junebug, "metric_window", "%v is out of range (more than 0, at most 86400 seconds)", jb.MetricWindowSecs)
	}
	v.atLeast(junebug, "max_logs", jb.MaxLogs, 1, "entry")
	v.tlsPair(junebug, jb.TLSCert, jb.TLSKey)

	st := c.Store
	const store = "store"
	if strings.TrimSpace(st.Path) == "" {
		v.add(store, "path", "must not be empty")
	}
	v.between(store, "commit_interval_us", st.CommitIntervalMicros, 0, MaxCommitIntervalUs, "microseconds")
	v.between(store, "commit_max_batch", st.CommitMaxBatch, 1, MaxCommitMaxBatch, "records")
	v.atLeast(store, "dlr_expiry", st.DLRExpirySecs, 1, "second")
	v.atLeast(store, "outbound_message_ttl", st.OutboundMessageTTLSecs, 1, "second")
	v.atLeast(store, "inbound_message_ttl", st.InboundMessageTTLSecs, 1, "second")

	if _, ok := parseLevel(c.Log.Level); !ok {
		v.add("log", "level", "%q is not one of debug, info, warn, error", c.Log.Level)
	}

	if err := c.AdminAPI.Validate(); err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			v.problems = append(v.problems, fe)
		}
	}
	if c.AdminAPI.Enabled {
		v.tlsPair("admin-api", c.AdminAPI.TLSCert, c.AdminAPI.TLSKey)
	}

	v.validateLimits(c)
	v.validateAdmission(c)
	v.validateScriptPool(c)
	v.validateQueueCaps(c)
	v.validateRuntime(c)
	v.problems = append(v.problems, c.Metrics.Validate()...)
	v.problems = append(v.problems, c.Scripts.Validate()...)

	checkPortClashes(&v, c.Listeners())
	validateAuth(&v, *c)

	if len(v.problems) == 0 {
		return nil
	}
	return &ValidationError{Problems: v.problems}
}

// checkPortClashes reports two listeners that would bind the same port on
// the same (or every) address.
func checkPortClashes(v *validator, ls []Listener) {
	type parsed struct {
		addr netip.AddrPort
		ok   bool
	}
	ps := make([]parsed, len(ls))
	for i, l := range ls {
		ap, err := netip.ParseAddrPort(l.Addr)
		ps[i] = parsed{ap, err == nil && ap.Port() != 0}
	}
	for i := range ls {
		for k := 0; k < i; k++ {
			a, b := ps[i], ps[k]
			if !a.ok || !b.ok || a.addr.Port() != b.addr.Port() {
				continue
			}
			if a.addr.Addr() == b.addr.Addr() || a.addr.Addr().IsUnspecified() || b.addr.Addr().IsUnspecified() {
				key := "port"
				if ls[i].Key != "" {
					key = ls[i].Key
				}
				v.add(ls[i].Section, key, "%d is already used by [%s] (%s)", a.addr.Port(), ls[k].Section, ls[k].Addr)
				break
			}
		}
	}
}
