// Package config owns gwd.toml: its schema, defaults, validation and loading.
//
// Sections and keys are named like Jasmin's jasmin.cfg ([smpp-server],
// [http-api], [jcli], [dlr-thrower], [deliversm-thrower]) and Junebug's
// config file ([junebug]), plus gwd's own [store] and [log]. Defaults are the
// ones those manuals state; gwd's additions are documented where they are
// declared and in the repository's gwd.toml, which lists every key.
//
// Durations keep Jasmin's unit and type (integer seconds, or microseconds
// where the key's name says so) in the file and in the struct; methods return
// them as time.Duration.
//
// A Config is plain data: Load decodes and validates it, Set applies one
// "section.key" override (the -set flag of cmd/gwd), Validate checks it.
package config

import (
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"
)

// DefaultFile is the configuration file cmd/gwd reads when it is given none
// and the file exists in the working directory.
const DefaultFile = "gwd.toml"

// Config is the whole of gwd.toml, one field per section.
type Config struct {
	SMPPServer       SMPPServer `toml:"smpp-server"`
	SMPPClient       SMPPClient `toml:"smpp-client"`
	HTTPAPI          HTTPAPI    `toml:"http-api"`
	JCli             JCli       `toml:"jcli"`
	DLRThrower       Thrower    `toml:"dlr-thrower"`
	DeliverSMThrower Thrower    `toml:"deliversm-thrower"`
	Junebug          Junebug    `toml:"junebug"`
	AdminAPI         AdminAPI   `toml:"admin-api"`
	Callbacks        Callbacks  `toml:"callbacks"`
	Store            Store      `toml:"store"`
	Log              Log        `toml:"log"`
	Metrics          Metrics    `toml:"metrics"`
	Scripts          Scripts    `toml:"scripts"`
	Auth             Auth       `toml:"auth"`
	Runtime          Runtime    `toml:"runtime"`
}

// SMPPServer is [smpp-server]: the SMPP v3.4 listener ESMEs bind to
// (jasmin.cfg / smpp-server).
type SMPPServer struct {
	// ID identifies this SMPP server instance. Jasmin: smpps_01.
	ID string `toml:"id"`
	// Bind is the listen address; 0.0.0.0 means every interface.
	Bind string `toml:"bind"`
	// Port is the listen TCP port. Jasmin: 2775.
	Port int `toml:"port"`

	// SessionInitTimerSecs: timeout for a bind request, seconds. Jasmin: 30.
	SessionInitTimerSecs int `toml:"sessionInitTimerSecs"`
	// EnquireLinkTimerSecs: timeout for an enquire_link request, seconds. Jasmin: 30.
	EnquireLinkTimerSecs int `toml:"enquireLinkTimerSecs"`
	// InactivityTimerSecs: inactivity timeout, seconds. Jasmin: 300.
	InactivityTimerSecs int `toml:"inactivityTimerSecs"`
	// ResponseTimerSecs: global request timeout, seconds. Jasmin: 60.
	ResponseTimerSecs int `toml:"responseTimerSecs"`
	// PDUReadTimerSecs: binary PDU read timeout, seconds. Jasmin: 30.
	PDUReadTimerSecs int `toml:"pduReadTimerSecs"`

	// BillingFeature enables user billing on this channel (Jasmin >= 0.10.13).
	BillingFeature bool `toml:"billing_feature"`

	// MaxPDUSize (gwd) is the largest command_length accepted from an
	// ESME, in octets. Default 16384.
	MaxPDUSize int `toml:"max_pdu_size"`
	// Window (gwd) is the number of requests an ESME may have outstanding
	// per bind, and the number gwd keeps outstanding towards it. Default 100.
	Window int `toml:"window"`
	// TLSCert and TLSKey (gwd) are PEM files; both empty means plain TCP.
	// When set, port speaks TLS only (1.2+); SIGHUP reloads the files.
	TLSCert string `toml:"tls_cert"`
	TLSKey  string `toml:"tls_key"`
	// PlainPort (gwd), with TLS on port, opens a second, plain-TCP SMPP
	// listener on bind:plain_port. Default 0: none.
	PlainPort int `toml:"plain_port"`
	// MaxConnections and MaxConnectionsPerIP (gwd, limits.go) cap the
	// open connections, in all and from one IP; 0: no cap.
	MaxConnections      int `toml:"max_connections"`
	MaxConnectionsPerIP int `toml:"max_connections_per_ip"`
	// OutboxMaxMessages and OutboxMaxBytes (gwd, queuecaps.go) cap one
	// user's outbox of deliver_sm; 0: no cap.
	OutboxMaxMessages int `toml:"outbox_max_messages"`
	OutboxMaxBytes    int `toml:"outbox_max_bytes"`
	// OutboxRetryTTLHours (gwd, outboxretry.go): hours a refused deliver_sm is retried.
	OutboxRetryTTLHours float64 `toml:"outbox_retry_ttl"`
}

// HTTPAPI is [http-api]: Jasmin's HTTP API listener (/send, /balance, /rate,
// /ping, /metrics), jasmin.cfg / http-api.
type HTTPAPI struct {
	Bind string `toml:"bind"`
	Port int    `toml:"port"`
	// LongContentMaxParts is the most SMS-MT parts a long message may be
	// split into. Jasmin: 5.
	LongContentMaxParts int `toml:"long_content_max_parts"`
	// LongContentSplit is "udh" (6-octet UDH) or "sar" (sar_* TLVs). Jasmin: udh.
	LongContentSplit string `toml:"long_content_split"`
	// BillingFeature enables user billing on this channel (Jasmin >= 0.10.13).
	BillingFeature bool `toml:"billing_feature"`
	// TLSCert and TLSKey (gwd): PEM files; when set the API serves HTTPS
	// only. Default "": plain HTTP.
	TLSCert string `toml:"tls_cert"`
	TLSKey  string `toml:"tls_key"`
	// Metrics (gwd) serves /metrics on this port, as Jasmin does. Default
	// true; false answers it 404 (see [metrics] for a private listener).
	Metrics bool `toml:"metrics"`
	// MaxConnections and MaxConnectionsPerIP (gwd, limits.go) cap the
	// open connections, in all and from one IP; 0: no cap.
	MaxConnections      int `toml:"max_connections"`
	MaxConnectionsPerIP int `toml:"max_connections_per_ip"`
	// SendbatchMaxBodySize (gwd) is the largest /secure/sendbatch body,
	// octets; every other request is held to 1 MiB. Default 8 MiB.
	SendbatchMaxBodySize int `toml:"sendbatch_max_body_size"`
}

// JCli is [jcli]: the telnet management console (jasmin.cfg / jcli).
type JCli struct {
	Bind string `toml:"bind"`
	Port int    `toml:"port"`
	// Authentication false lets anyone who can connect administer gwd.
	Authentication bool   `toml:"authentication"`
	AdminUsername  string `toml:"admin_username"`
	// AdminPassword is a hash of the password (adminpw.go): pbkdf2-sha256,
	// bcrypt, or jasmin.cfg's hex MD5 digest (with a warning). The default
	// is a PBKDF2 hash of "jclipwd".
	AdminPassword string `toml:"admin_password"`
	// MaxConnections and MaxConnectionsPerIP (gwd, listeners.go) cap the
	// console's connections; 0: no cap.
	MaxConnections      int `toml:"max_connections"`
	MaxConnectionsPerIP int `toml:"max_connections_per_ip"`
}

// Thrower is [dlr-thrower] or [deliversm-thrower]: HTTP delivery of receipts
// (DLRs) to dlr-url, or of SMS-MO to HTTP connectors, with retries.
type Thrower struct {
	// HTTPTimeoutSecs: socket timeout of outgoing HTTP requests, seconds. Jasmin: 30.
	HTTPTimeoutSecs int `toml:"http_timeout"`
	// RetryDelaySecs: delay before retrying a failed throw, seconds. Jasmin: 30.
	RetryDelaySecs int `toml:"retry_delay"`
	// MaxRetries: retries after the first failed throw. Jasmin: 3.
	MaxRetries int `toml:"max_retries"`
	// SigningKey (gwd): when set, every callback carries X-Gwd-Timestamp
	// and an HMAC-SHA256 X-Gwd-Signature under this key
	// (docs/callbacks.md). Default "": unsigned.
	SigningKey string `toml:"signing_key"`
	// MaxRetryDelaySecs and RetryTTLHours (gwd): the back-off after
	// max_retries and when a callback goes to the dead letters (callbacks.go).
	MaxRetryDelaySecs int     `toml:"max_retry_delay"`
	RetryTTLHours     float64 `toml:"retry_ttl"`
}

// Junebug is [junebug]: the Junebug-compatible channel API (/channels/…),
// with the options of Junebug's config file.
type Junebug struct {
	// Bind is Junebug's "interface" (default "localhost", here 127.0.0.1).
	Bind string `toml:"bind"`
	// Port: Junebug 8080.
	Port int `toml:"port"`
	// MetricWindowSecs is the size of each metrics bucket, seconds
	// (Junebug's metric_window, a float). Junebug: 10.0.
	MetricWindowSecs float64 `toml:"metric_window"`
	// MaxLogs is the most log entries returned by the logs endpoint. Junebug: 100.
	MaxLogs int `toml:"max_logs"`
	// TLSCert and TLSKey (gwd): PEM files; when set the API serves HTTPS
	// only. Default "": plain HTTP.
	TLSCert string `toml:"tls_cert"`
	TLSKey  string `toml:"tls_key"`
	// MaxConnections and MaxConnectionsPerIP (gwd, listeners.go) cap the
	// open connections; 0: no cap.
	MaxConnections      int `toml:"max_connections"`
	MaxConnectionsPerIP int `toml:"max_connections_per_ip"`
}

// Store is [store] (gwd): the embedded Pebble store and how long it keeps
// time-bounded data.
type Store struct {
	// Path is the store's directory. Default "./data".
	Path string `toml:"path"`
	// Sync makes every commit durable (fsync) before it is acknowledged.
	// Default true; false trades crash safety (machine or process) for speed.
	Sync bool `toml:"sync"`
	// CommitIntervalMicros is how long a group commit waits for more
	// writers before it syncs, microseconds. 0 (default) syncs as soon as
	// the previous sync ends; writers arriving meanwhile share the next one.
	CommitIntervalMicros int `toml:"commit_interval_us"`
	// CommitMaxBatch is the most records one group commit carries. Default 4096.
	CommitMaxBatch int `toml:"commit_max_batch"`
	// MaxPendingWrites bounds the writes waiting for the committer past
	// which new messages are refused (admission.go). Default 100000.
	MaxPendingWrites int `toml:"max_pending_writes"`
	// DLRExpirySecs: how long a sent message waits for its receipt in the
	// DLR index, seconds (Jasmin's dlr_expiry). Default 86400.
	DLRExpirySecs int `toml:"dlr_expiry"`
	// OutboundMessageTTLSecs: how long events may arrive for an outbound
	// message, seconds (Junebug). Default 172800.
	OutboundMessageTTLSecs int `toml:"outbound_message_ttl"`
	// InboundMessageTTLSecs: how long an inbound message may be replied to,
	// seconds (Junebug). Default 600.
	InboundMessageTTLSecs int `toml:"inbound_message_ttl"`
}

// Log is [log] (gwd): one logger for the whole process (Jasmin has log_*
// keys per section).
type Log struct {
	// Level: debug, info, warn (or warning), error; any case. Default info.
	Level string `toml:"level"`
	// File to log to; empty (default) means standard error.
	File string `toml:"file"`
	// Privacy hides message content in logs (Jasmin's log_privacy). Default false.
	Privacy bool `toml:"privacy"`
}

// Default returns the built-in configuration: the manuals' defaults plus
// gwd's own. It is valid, and it is what gwd runs with when given no file.
func Default() Config {
	return Config{
		SMPPServer: SMPPServer{
			ID:                   "smpps_01",
			Bind:                 "0.0.0.0",
			Port:                 2775,
			SessionInitTimerSecs: 30,
			EnquireLinkTimerSecs: 30,
			InactivityTimerSecs:  300,
			ResponseTimerSecs:    60,
			PDUReadTimerSecs:     30,
			BillingFeature:       true,
			MaxPDUSize:           16384,
			Window:               100,
			MaxConnections:       DefaultMaxConnections,
			MaxConnectionsPerIP:  DefaultMaxConnectionsPerIP,
			OutboxMaxMessages:    DefaultOutboxMaxMessages,
			OutboxMaxBytes:       DefaultOutboxMaxBytes,
			OutboxRetryTTLHours:  DefaultOutboxRetryTTLHours,
		},
		SMPPClient: SMPPClient{QueueMaxMessages: DefaultQueueMaxMessages, QueueMaxBytes: DefaultQueueMaxBytes},
		HTTPAPI: HTTPAPI{
			Bind:                 "0.0.0.0",
			Port:                 1401,
			LongContentMaxParts:  5,
			LongContentSplit:     "udh",
			BillingFeature:       true,
			Metrics:              true,
			MaxConnections:       DefaultMaxConnections,
			MaxConnectionsPerIP:  DefaultMaxConnectionsPerIP,
			SendbatchMaxBodySize: DefaultSendbatchMaxBodySize,
		},
		JCli: JCli{
			Bind:                "127.0.0.1",
			Port:                8990,
			Authentication:      true,
			AdminUsername:       "jcliadmin",
			AdminPassword:       "pbkdf2-sha256$100000$ZEweRplTU7zFGzd/tz5kug$1C4u9fGRj3tQZHIQdsSek7TyMKAELeL9pxHNbg6B2G4", // "jclipwd"
			MaxConnections:      DefaultConsoleMaxConnections,
			MaxConnectionsPerIP: DefaultConsoleMaxConnectionsPerIP,
		},
		DLRThrower:       Thrower{HTTPTimeoutSecs: 30, RetryDelaySecs: 30, MaxRetries: 3, MaxRetryDelaySecs: DefaultMaxRetryDelaySecs, RetryTTLHours: DefaultRetryTTLHours},
		DeliverSMThrower: Thrower{HTTPTimeoutSecs: 30, RetryDelaySecs: 30, MaxRetries: 3, MaxRetryDelaySecs: DefaultMaxRetryDelaySecs, RetryTTLHours: DefaultRetryTTLHours},
		AdminAPI:         DefaultAdminAPI(),
		Callbacks:        DefaultCallbacks(),
		Metrics:          DefaultMetrics(),
		Scripts:          Scripts{Queue: DefaultScriptQueue},
		Runtime:          Runtime{MemoryLimitMB: DefaultMemoryLimitMB},
		Junebug: Junebug{
			Bind:                "127.0.0.1",
			Port:                8080,
			MetricWindowSecs:    10,
			MaxLogs:             100,
			MaxConnections:      DefaultMaxConnections,
			MaxConnectionsPerIP: DefaultMaxConnectionsPerIP,
		},
		Store: Store{
			Path:                   "./data",
			Sync:                   true,
			CommitIntervalMicros:   0,
			CommitMaxBatch:         4096,
			MaxPendingWrites:       DefaultMaxPendingWrites,
			DLRExpirySecs:          86400,
			OutboundMessageTTLSecs: 172800,
			InboundMessageTTLSecs:  600,
		},
		Log:  Log{Level: "info"},
		Auth: DefaultAuth(),
	}
}

func secs(n int) time.Duration { return time.Duration(n) * time.Second }

// Addr is the listen address, host:port.
func (s SMPPServer) Addr() string { return net.JoinHostPort(s.Bind, strconv.Itoa(s.Port)) }

// TLS reports whether the listener serves TLS.
func (s SMPPServer) TLS() bool { return s.TLSCert != "" || s.TLSKey != "" }

// PlainAddr is the plain-TCP listener's address, bind:plain_port ("" when
// plain_port is 0).
func (s SMPPServer) PlainAddr() string {
	if s.PlainPort == 0 {
		return ""
	}
	return net.JoinHostPort(s.Bind, strconv.Itoa(s.PlainPort))
}

// SessionInitTimer is sessionInitTimerSecs as a duration.
func (s SMPPServer) SessionInitTimer() time.Duration { return secs(s.SessionInitTimerSecs) }

// EnquireLinkTimer is enquireLinkTimerSecs as a duration.
func (s SMPPServer) EnquireLinkTimer() time.Duration { return secs(s.EnquireLinkTimerSecs) }

// InactivityTimer is inactivityTimerSecs as a duration.
func (s SMPPServer) InactivityTimer() time.Duration { return secs(s.InactivityTimerSecs) }

// ResponseTimer is responseTimerSecs as a duration.
func (s SMPPServer) ResponseTimer() time.Duration { return secs(s.ResponseTimerSecs) }

// PDUReadTimer is pduReadTimerSecs as a duration.
func (s SMPPServer) PDUReadTimer() time.Duration { return secs(s.PDUReadTimerSecs) }

// Addr is the listen address, host:port.
func (h HTTPAPI) Addr() string { return net.JoinHostPort(h.Bind, strconv.Itoa(h.Port)) }

// Addr is the listen address, host:port.
func (j JCli) Addr() string { return net.JoinHostPort(j.Bind, strconv.Itoa(j.Port)) }

// HTTPTimeout is http_timeout as a duration.
func (t Thrower) HTTPTimeout() time.Duration { return secs(t.HTTPTimeoutSecs) }

// RetryDelay is retry_delay as a duration.
func (t Thrower) RetryDelay() time.Duration { return secs(t.RetryDelaySecs) }

// Addr is the listen address, host:port.
func (j Junebug) Addr() string { return net.JoinHostPort(j.Bind, strconv.Itoa(j.Port)) }

// MetricWindow is metric_window as a duration.
func (j Junebug) MetricWindow() time.Duration {
	return time.Duration(j.MetricWindowSecs * float64(time.Second))
}

// CommitInterval is commit_interval_us as a duration.
func (s Store) CommitInterval() time.Duration {
	return time.Duration(s.CommitIntervalMicros) * time.Microsecond
}

// DLRExpiry is dlr_expiry as a duration.
func (s Store) DLRExpiry() time.Duration { return secs(s.DLRExpirySecs) }

// OutboundMessageTTL is outbound_message_ttl as a duration.
func (s Store) OutboundMessageTTL() time.Duration { return secs(s.OutboundMessageTTLSecs) }

// InboundMessageTTL is inbound_message_ttl as a duration.
func (s Store) InboundMessageTTL() time.Duration { return secs(s.InboundMessageTTLSecs) }

// SlogLevel is level as a slog.Level (info when level is not one Validate
// accepts).
func (l Log) SlogLevel() slog.Level {
	lv, _ := parseLevel(l.Level)
	return lv
}

func parseLevel(s string) (slog.Level, bool) {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug, true
	case "info":
		return slog.LevelInfo, true
	case "warn", "warning":
		return slog.LevelWarn, true
	case "error":
		return slog.LevelError, true
	}
	return slog.LevelInfo, false
}

// Listener is one TCP listener gwd opens.
type Listener struct {
	Section string // config section, e.g. "smpp-server"
	Addr    string // host:port
	TLS     bool
	Key     string // the port's key when not "port" (plain_port)
}

// Listeners lists the TCP listeners the configuration asks for, in a fixed
// order.
func (c Config) Listeners() []Listener {
	ls := []Listener{
		{Section: "smpp-server", Addr: c.SMPPServer.Addr(), TLS: c.SMPPServer.TLS()},
	}
	if a := c.SMPPServer.PlainAddr(); a != "" {
		ls = append(ls, Listener{Section: "smpp-server", Key: "plain_port", Addr: a})
	}
	ls = append(ls,
		Listener{Section: "http-api", Addr: c.HTTPAPI.Addr(), TLS: c.HTTPAPI.TLSCert != ""},
		Listener{Section: "jcli", Addr: c.JCli.Addr()},
		Listener{Section: "junebug", Addr: c.Junebug.Addr(), TLS: c.Junebug.TLSCert != ""},
	)
	if c.AdminAPI.Enabled {
		ls = append(ls, Listener{Section: "admin-api", Addr: c.AdminAPI.Addr(), TLS: c.AdminAPI.TLSCert != ""})
	}
	if c.Metrics.Enabled() {
		ls = append(ls, Listener{Section: "metrics", Addr: c.Metrics.Addr()})
	}
	return ls
}
