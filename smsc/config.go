// Package smsc is the SMSC simulator behind cmd/smppsim: the far end of
// gwd's connectors in functional tests and benchmarks, and a stand-in SMSC
// for anyone testing an ESME.
//
// It accepts binds (any credentials, or a configured list), answers
// submit_sm with message ids in a chosen format, sends delivery receipts
// after a delay with a configurable mix of outcomes, injects faults (error
// statuses, throttling, delays, unanswered submits, dropped connections),
// generates MO traffic (GSM 7-bit or UCS2, long messages split with UDH or
// SAR), and counts everything, per bind and in total, served as JSON.
package smsc

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/gwd-project/gwd/smpp"
)

// Duration is a time.Duration that reads "250ms" or "2s" from TOML.
type Duration struct{ time.Duration }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	d.Duration = v
	return nil
}

// Config is the simulator's behaviour. The zero value of a field means its
// default; TOML keys are the field names in snake_case as tagged.
type Config struct {
	// Listen is the SMPP address (-listen). Default 127.0.0.1:2776.
	Listen string `toml:"listen"`
	// Stats is the address of the HTTP stats and control server (-stats);
	// empty disables it.
	Stats string `toml:"stats"`
	// StatsInterval is how often a counters line goes to stderr; 0 never.
	StatsInterval Duration `toml:"stats_interval"`
	// SystemID goes into bind_*_resp. Default "smppsim".
	SystemID string `toml:"system_id"`
	// Users maps system_id to password. Empty: any credentials bind.
	Users map[string]string `toml:"users"`
	// TLSCert and TLSKey (-tls-cert, -tls-key) are PEM files: when set,
	// the SMPP port speaks TLS (1.2+) only. Default "": plain TCP.
	TLSCert string `toml:"tls_cert"`
	TLSKey  string `toml:"tls_key"`
	// TLSClientCA (-tls-client-ca), with TLS, is a PEM CA bundle: clients
	// must present a certificate it signed. Default "": none asked for.
	TLSClientCA string `toml:"tls_client_ca"`
	// MaxPDUSize bounds command_length. Default 16384.
	MaxPDUSize int `toml:"max_pdu_size"`
	// Window is the most deliver_sm outstanding per bind. Default 100.
	Window int `toml:"window"`
	// EnquireLinkInterval, InactivityTimeout, ResponseTimeout: session
	// timers (defaults 30 s, 300 s, 60 s).
	EnquireLinkInterval Duration `toml:"enquire_link_interval"`
	InactivityTimeout   Duration `toml:"inactivity_timeout"`
	ResponseTimeout     Duration `toml:"response_timeout"`

	// MessageID is the format of submit_sm_resp message ids: "hex"
	// (default), "decimal" or "uuid".
	MessageID string `toml:"message_id"`

	// ReceiptDelay is how long after submit_sm_resp the receipt goes out;
	// with ReceiptDelayMax above it, a uniform random delay in between.
	ReceiptDelay    Duration `toml:"receipt_delay"`
	ReceiptDelayMax Duration `toml:"receipt_delay_max"`
	// Outcomes weighs the final receipt states, by stat word: DELIVRD,
	// UNDELIV, EXPIRED, REJECTD, ACCEPTD, UNKNOWN, DELETED. Default
	// {DELIVRD = 100}.
	Outcomes map[string]int `toml:"outcomes"`
	// Enroute sends an intermediate ENROUTE receipt before the final one.
	Enroute bool `toml:"enroute"`

	// ErrorPercent of submits are answered with ErrorStatus (default
	// ESME_RSYSERR).
	ErrorPercent float64 `toml:"error_percent"`
	ErrorStatus  string  `toml:"error_status"`
	// Throttle answers ESME_RTHROTTLED to submits above this many per
	// second per bind; 0 disables.
	Throttle int `toml:"throttle"`
	// ThrottleBinds, with Throttle, throttles only the first this many
	// binds the simulator accepts (counted since it started); 0: every
	// bind.
	ThrottleBinds int `toml:"throttle_binds"`
	// ResponseDelay holds every submit_sm_resp this long.
	ResponseDelay Duration `toml:"response_delay"`
	// NoResponsePercent of submits are never answered.
	NoResponsePercent float64 `toml:"no_response_percent"`
	// DropPercent of submits make the simulator drop the connection
	// instead of answering.
	DropPercent float64 `toml:"drop_percent"`

	// DeliverAttempts (-deliver-attempts) is how many times a receipt or
	// MO part is sent before it is given up (counted in receipts_lost,
	// mo_failed), one second apart after an error or a timeout. Default 5.
	DeliverAttempts int `toml:"deliver_attempts"`

	// Record (-record) is a file the simulator appends one line to per
	// submit it accepted, receipt and MO the ESME acknowledged (the
	// recorder's comment has the format), up to MaxRecordBytes. Default
	// "": nothing recorded.
	Record string `toml:"record"`

	// MORate is the number of MO messages per second sent to
	// receiver-capable binds; 0 sends none (POST /mo sends on demand).
	MORate float64 `toml:"mo_rate"`
	// MOFrom, MOTo and MOContent make the generated MO; defaults
	// "33600000001", "1234", "hello from smppsim".
	MOFrom    string `toml:"mo_from"`
	MOTo      string `toml:"mo_to"`
	MOContent string `toml:"mo_content"`
	// MOCoding is "gsm" (default, data_coding 0) or "ucs2" (data_coding 8).
	MOCoding string `toml:"mo_coding"`
	// MOSplit is how long MO content is split: "udh" (default) or "sar".
	MOSplit string `toml:"mo_split"`
}

// Defaults.
const (
	DefaultListen   = "127.0.0.1:2776"
	DefaultSystemID = "smppsim"
)

// LoadConfig reads a TOML file; unknown keys are an error.
func LoadConfig(path string) (Config, error) {
	var c Config
	b, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("smppsim config: %w", err)
	}
	md, err := toml.Decode(string(b), &c)
	if err != nil {
		return c, fmt.Errorf("smppsim config %s: %w", path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return c, fmt.Errorf("smppsim config %s: unknown keys: %s", path, strings.Join(keys, ", "))
	}
	return c, nil
}

var outcomeWords = []string{"DELIVRD", "UNDELIV", "EXPIRED", "REJECTD", "ACCEPTD", "UNKNOWN", "DELETED"}

// ParseOutcomes reads "DELIVRD=90,UNDELIV=10".
func ParseOutcomes(s string) (map[string]int, error) {
	m := map[string]int{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		k = strings.ToUpper(strings.TrimSpace(k))
		if !ok || k == "" {
			return nil, fmt.Errorf("outcome %q: want STAT=WEIGHT", part)
		}
		// Atoi, not Sscanf: "1.5" or "5x" must not read as 1 or 5.
		w, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || w < 0 {
			return nil, fmt.Errorf("outcome %q: weight must be a non-negative integer", part)
		}
		m[k] = w
	}
	return m, nil
}

// normalized fills defaults and checks values.
func (c Config) normalized() (Config, error) {
	if c.Listen == "" {
		c.Listen = DefaultListen
	}
	if c.SystemID == "" {
		c.SystemID = DefaultSystemID
	}
	if c.Window <= 0 {
		c.Window = 100
	}
	switch c.MessageID {
	case "":
		c.MessageID = "hex"
	case "hex", "decimal", "uuid":
	default:
		return c, fmt.Errorf("message_id %q: want hex, decimal or uuid", c.MessageID)
	}
	if len(c.Outcomes) == 0 {
		c.Outcomes = map[string]int{"DELIVRD": 100}
	}
	// Keys are matched as MessageStateFromStat matches them (any case, full
	// state names too) and stored as the stat word pickOutcome looks up, in
	// a new map: the caller's is left alone.
	outcomes := make(map[string]int, len(c.Outcomes))
	total := 0
	for k, w := range c.Outcomes {
		st, ok := smpp.MessageStateFromStat([]byte(k))
		if !ok || st == smpp.MessageStateEnroute {
			words := slices.Sorted(slices.Values(outcomeWords))
			return c, fmt.Errorf("outcome %q: want one of %s", k, strings.Join(words, ", "))
		}
		if w < 0 {
			return c, fmt.Errorf("outcome %s: negative weight", k)
		}
		outcomes[smpp.StatFromMessageState(st)] += w
		total += w
	}
	if total == 0 {
		return c, fmt.Errorf("outcomes: weights add up to zero")
	}
	c.Outcomes = outcomes
	if c.ErrorStatus == "" {
		c.ErrorStatus = "ESME_RSYSERR"
	}
	if _, ok := smpp.ParseStatus(c.ErrorStatus); !ok {
		return c, fmt.Errorf("error_status %q: want an ESME_* name or a number", c.ErrorStatus)
	}
	for name, v := range map[string]float64{"error_percent": c.ErrorPercent, "no_response_percent": c.NoResponsePercent, "drop_percent": c.DropPercent} {
		if v < 0 || v > 100 {
			return c, fmt.Errorf("%s %v: want 0 to 100", name, v)
		}
	}
	if c.DeliverAttempts == 0 {
		c.DeliverAttempts = 5
	}
	if c.Throttle < 0 || c.ThrottleBinds < 0 || c.MORate < 0 || c.DeliverAttempts < 0 {
		return c, fmt.Errorf("throttle, throttle_binds, mo_rate and deliver_attempts must not be negative")
	}
	if c.ReceiptDelayMax.Duration > 0 && c.ReceiptDelayMax.Duration < c.ReceiptDelay.Duration {
		return c, fmt.Errorf("receipt_delay_max %v is below receipt_delay %v", c.ReceiptDelayMax, c.ReceiptDelay)
	}
	if c.MOFrom == "" {
		c.MOFrom = "33600000001"
	}
	if c.MOTo == "" {
		c.MOTo = "1234"
	}
	if c.MOContent == "" {
		c.MOContent = "hello from smppsim"
	}
	switch c.MOCoding {
	case "":
		c.MOCoding = "gsm"
	case "gsm", "ucs2":
	default:
		return c, fmt.Errorf("mo_coding %q: want gsm or ucs2", c.MOCoding)
	}
	switch c.MOSplit {
	case "":
		c.MOSplit = "udh"
	case "udh", "sar":
	default:
		return c, fmt.Errorf("mo_split %q: want udh or sar", c.MOSplit)
	}
	// The MO template must encode: generateMO has no one to report to.
	if len(c.MOFrom) > maxMOAddr {
		return c, fmt.Errorf("mo_from %q: longer than %d characters", c.MOFrom, maxMOAddr)
	}
	if len(c.MOTo) > maxMOAddr {
		return c, fmt.Errorf("mo_to %q: longer than %d characters", c.MOTo, maxMOAddr)
	}
	if _, err := (MO{From: c.MOFrom, To: c.MOTo, Content: c.MOContent, Coding: c.MOCoding, Split: c.MOSplit}).Parts(); err != nil {
		return c, fmt.Errorf("mo_content: %w", err)
	}
	return c, nil
}
