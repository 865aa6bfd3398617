package smppc

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Config is a connector's parameters: the manual's "SMPP Client connector
// parameters" with their defaults, plus gwd's own (binds, window,
// res_to_policy). Set changes one with jCli's syntax; Show lists them all.
type Config struct {
	CID                                              string
	LogFile                                          string
	LogRotate                                        string
	LogLevel                                         int
	LogPrivacy                                       bool
	Host                                             string
	Port                                             int
	SSL                                              bool
	Username                                         string
	Password                                         string
	Bind                                             string // transceiver, receiver, transmitter
	BindTO                                           int    // seconds
	TrxTO                                            int
	ResTO                                            int
	PDUReadTO                                        int
	ConLossRetry                                     bool
	ConLossDelay                                     int
	ConFailRetry                                     bool
	ConFailDelay                                     int
	SrcAddr                                          string // "" = None
	SrcTON, SrcNPI, DstTON, DstNPI, BindTON, BindNPI int
	Validity                                         int // seconds; -1 = None
	Priority                                         int
	RequeueDelay                                     int
	AddrRange                                        string
	SysType                                          string
	DLRExpiry                                        int
	SubmitThroughput                                 float64
	ProtoID                                          int // -1 = None
	Coding                                           int
	ElinkInterval                                    int
	DefMsgID                                         int
	RIPF                                             int
	DLRMsgID                                         int
	CustomTLVs                                       string

	// gwd's own.
	SSLCAFile   string // PEM CA bundle verifying the SMSC; "" = system roots
	SSLCertFile string // client certificate (PEM), with SSLKeyFile
	SSLKeyFile  string
	SSLVerify   bool   // verify the SMSC's certificate (default yes)
	Binds       int    // sessions kept up at once (default 1)
	Window      int    // outstanding submit_sm per bind (default 100)
	ResToPolicy string // fail (default) | resend
	// QueueMaxMessages and QueueMaxBytes cap this connector's queue
	// (a submit past them is refused ESME_RMSGQFUL / 503); -1 (default):
	// [smpp-client]'s queue_max_messages / queue_max_bytes; 0: no cap.
	QueueMaxMessages, QueueMaxBytes int
}

// DefaultConfig returns the manual's defaults for connector cid.
func DefaultConfig(cid string) Config {
	return Config{
		CID: cid, LogFile: "/var/log/jasmin/default-" + cid + ".log", LogRotate: "midnight", LogLevel: 20,
		Host: "127.0.0.1", Port: 2775, Username: "smppclient", Password: "password", Bind: "transceiver",
		BindTO: 30, TrxTO: 300, ResTO: 60, PDUReadTO: 10,
		ConLossRetry: true, ConLossDelay: 10, ConFailRetry: true, ConFailDelay: 10,
		SrcTON: 2, SrcNPI: 1, DstTON: 1, DstNPI: 1, BindTON: 0, BindNPI: 1,
		Validity: -1, Priority: 0, RequeueDelay: 120, DLRExpiry: 86400, SubmitThroughput: 1,
		ProtoID: -1, Coding: 0, ElinkInterval: 30, CustomTLVs: "none",
		Binds: 1, Window: 100, ResToPolicy: "fail", SSLVerify: true,
		QueueMaxMessages: -1, QueueMaxBytes: -1,
	}
}

// param describes one key: how to read and write it, and whether changing
// it needs a restart of the connector (the manual: host, port, username,
// password, systype, logfile, loglevel; gwd adds ssl, bind, bind_ton,
// bind_npi, addr_range, binds — they are in the bind itself).
type param struct {
	key     string
	restart bool
	get     func(c *Config) string
	set     func(c *Config, v string) error
}

var cidRE = regexp.MustCompile(`^[A-Za-z0-9_-]{3,25}$`)

// ValidCID reports whether s is a valid connector id (3–25 characters of
// [A-Za-z0-9_-]).
func ValidCID(s string) bool { return cidRE.MatchString(s) }

func intParam(key string, restart bool, p func(c *Config) *int, lo, hi int) param {
	return param{key: key, restart: restart,
		get: func(c *Config) string { return strconv.Itoa(*p(c)) },
		set: func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < lo || n > hi {
				return fmt.Errorf("%s must be an integer from %d to %d, not %q", key, lo, hi, v)
			}
			*p(c) = n
			return nil
		}}
}

func optIntParam(key string, p func(c *Config) *int, lo, hi int) param {
	return param{key: key,
		get: func(c *Config) string {
			if *p(c) < 0 {
				return "None"
			}
			return strconv.Itoa(*p(c))
		},
		set: func(c *Config, v string) error {
			if v == "None" || v == "" {
				*p(c) = -1
				return nil
			}
			n, err := strconv.Atoi(v)
			if err != nil || n < lo || n > hi {
				return fmt.Errorf("%s must be None or an integer from %d to %d, not %q", key, lo, hi, v)
			}
			*p(c) = n
			return nil
		}}
}

func boolParam(key string, restart bool, p func(c *Config) *bool) param {
	return param{key: key, restart: restart,
		get: func(c *Config) string {
			if *p(c) {
				return "yes"
			}
			return "no"
		},
		set: func(c *Config, v string) error {
			switch strings.ToLower(v) {
			case "yes", "true", "1":
				*p(c) = true
			case "no", "false", "0":
				*p(c) = false
			default:
				return fmt.Errorf("%s must be yes or no, not %q", key, v)
			}
			return nil
		}}
}

func strParam(key string, restart bool, p func(c *Config) *string, none bool, check func(string) error) param {
	return param{key: key, restart: restart,
		get: func(c *Config) string {
			if none && *p(c) == "" {
				return "None"
			}
			return *p(c)
		},
		set: func(c *Config, v string) error {
			if none && v == "None" {
				v = ""
			}
			if check != nil {
				if err := check(v); err != nil {
					return fmt.Errorf("%s: %w", key, err)
				}
			}
			*p(c) = v
			return nil
		}}
}

func oneOf(vals ...string) func(string) error {
	return func(v string) error {
		for _, x := range vals {
			if v == x {
				return nil
			}
		}
		return fmt.Errorf("must be one of %s, not %q", strings.Join(vals, ", "), v)
	}
}

func maxLen(n int) func(string) error {
	return func(v string) error {
		if len(v) > n {
			return fmt.Errorf("at most %d characters", n)
		}
		return nil
	}
}

const tonMax, npiMax = 6, 18

// params in the order `smppccm -s` prints them (as observed from Jasmin).
var params = []param{
	strParam("cid", true, func(c *Config) *string { return &c.CID }, false, func(v string) error {
		if !ValidCID(v) {
			return fmt.Errorf("must be 3 to 25 characters of A-Z a-z 0-9 _ -, not %q", v)
		}
		return nil
	}),
	strParam("host", true, func(c *Config) *string { return &c.Host }, false, func(v string) error {
		if v == "" {
			return fmt.Errorf("must not be empty")
		}
		return nil
	}),
	intParam("port", true, func(c *Config) *int { return &c.Port }, 1, 65535),
	strParam("username", true, func(c *Config) *string { return &c.Username }, false, maxLen(15)),
	strParam("logrotate", false, func(c *Config) *string { return &c.LogRotate }, false, nil),
	strParam("password", true, func(c *Config) *string { return &c.Password }, false, maxLen(8)),
	strParam("systype", true, func(c *Config) *string { return &c.SysType }, false, maxLen(12)),
	strParam("logfile", true, func(c *Config) *string { return &c.LogFile }, false, nil),
	intParam("loglevel", true, func(c *Config) *int { return &c.LogLevel }, 0, 50),
	boolParam("logprivacy", false, func(c *Config) *bool { return &c.LogPrivacy }),
	intParam("bind_to", false, func(c *Config) *int { return &c.BindTO }, 1, 86400),
	intParam("elink_interval", false, func(c *Config) *int { return &c.ElinkInterval }, 1, 86400),
	intParam("res_to", false, func(c *Config) *int { return &c.ResTO }, 1, 86400),
	boolParam("con_loss_retry", false, func(c *Config) *bool { return &c.ConLossRetry }),
	intParam("bind_npi", true, func(c *Config) *int { return &c.BindNPI }, 0, npiMax),
	intParam("con_loss_delay", false, func(c *Config) *int { return &c.ConLossDelay }, 0, 86400),
	intParam("con_fail_delay", false, func(c *Config) *int { return &c.ConFailDelay }, 0, 86400),
	intParam("pdu_red_to", false, func(c *Config) *int { return &c.PDUReadTO }, 1, 86400),
	strParam("bind", true, func(c *Config) *string { return &c.Bind }, false, oneOf("transceiver", "transmitter", "receiver")),
	intParam("bind_ton", true, func(c *Config) *int { return &c.BindTON }, 0, tonMax),
	intParam("src_ton", false, func(c *Config) *int { return &c.SrcTON }, 0, tonMax),
	intParam("src_npi", false, func(c *Config) *int { return &c.SrcNPI }, 0, npiMax),
	intParam("dst_ton", false, func(c *Config) *int { return &c.DstTON }, 0, tonMax),
	strParam("addr_range", true, func(c *Config) *string { return &c.AddrRange }, true, maxLen(40)),
	strParam("src_addr", false, func(c *Config) *string { return &c.SrcAddr }, true, maxLen(20)),
	optIntParam("proto_id", func(c *Config) *int { return &c.ProtoID }, 0, 255),
	intParam("priority", false, func(c *Config) *int { return &c.Priority }, 0, 3),
	optIntParam("validity", func(c *Config) *int { return &c.Validity }, 0, 63072000),
	intParam("ripf", false, func(c *Config) *int { return &c.RIPF }, 0, 1),
	intParam("def_msg_id", false, func(c *Config) *int { return &c.DefMsgID }, 0, 254),
	intParam("coding", false, func(c *Config) *int { return &c.Coding }, 0, 14),
	intParam("requeue_delay", false, func(c *Config) *int { return &c.RequeueDelay }, 0, 86400),
	{key: "submit_throughput",
		get: func(c *Config) string { return strconv.FormatFloat(c.SubmitThroughput, 'f', -1, 64) },
		set: func(c *Config, v string) error {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f < 0 || f > 1e7 {
				return fmt.Errorf("submit_throughput must be a number of messages per second, 0 for unlimited, not %q", v)
			}
			c.SubmitThroughput = f
			return nil
		}},
	intParam("dlr_expiry", false, func(c *Config) *int { return &c.DLRExpiry }, 1, 30*86400),
	intParam("dlr_msgid", false, func(c *Config) *int { return &c.DLRMsgID }, 0, 2),
	boolParam("con_fail_retry", false, func(c *Config) *bool { return &c.ConFailRetry }),
	intParam("dst_npi", false, func(c *Config) *int { return &c.DstNPI }, 0, npiMax),
	intParam("trx_to", false, func(c *Config) *int { return &c.TrxTO }, 1, 86400),
	boolParam("ssl", true, func(c *Config) *bool { return &c.SSL }),
	strParam("custom_tlvs", false, func(c *Config) *string { return &c.CustomTLVs }, false, nil),
	// gwd's own, after the observed keys.
	strParam("ssl_ca_file", true, func(c *Config) *string { return &c.SSLCAFile }, true, maxLen(4096)),
	strParam("ssl_cert_file", true, func(c *Config) *string { return &c.SSLCertFile }, true, maxLen(4096)),
	strParam("ssl_key_file", true, func(c *Config) *string { return &c.SSLKeyFile }, true, maxLen(4096)),
	boolParam("ssl_verify", true, func(c *Config) *bool { return &c.SSLVerify }),
	intParam("binds", true, func(c *Config) *int { return &c.Binds }, 1, 64),
	intParam("window", false, func(c *Config) *int { return &c.Window }, 1, 10000),
	strParam("res_to_policy", false, func(c *Config) *string { return &c.ResToPolicy }, false, oneOf("fail", "resend")),
	intParam("queue_max_messages", false, func(c *Config) *int { return &c.QueueMaxMessages }, -1, maxQueueCap),
	intParam("queue_max_bytes", false, func(c *Config) *int { return &c.QueueMaxBytes }, -1, maxQueueCap),
}

// maxQueueCap bounds queue_max_messages and queue_max_bytes, as
// [smpp-client] does.
const maxQueueCap = 1 << 40

var paramByKey = func() map[string]*param {
	m := make(map[string]*param, len(params))
	for i := range params {
		m[params[i].key] = &params[i]
	}
	return m
}()

// Keys returns every parameter key, in `smppccm -s` order.
func Keys() []string {
	out := make([]string, len(params))
	for i := range params {
		out[i] = params[i].key
	}
	return out
}

// Set changes one parameter with jCli's syntax. An unknown key or an
// invalid value is an error naming the key, and c is unchanged.
func (c *Config) Set(key, value string) error {
	p, ok := paramByKey[key]
	if !ok {
		return fmt.Errorf("unknown SMPP client connector parameter %q", key)
	}
	tmp := *c
	if err := p.set(&tmp, value); err != nil {
		return err
	}
	*c = tmp
	return nil
}

// Get returns one parameter as `smppccm -s` shows it.
func (c *Config) Get(key string) (string, bool) {
	p, ok := paramByKey[key]
	if !ok {
		return "", false
	}
	return p.get(c), true
}

// NeedsRestart reports whether changing key takes effect only when the
// connector restarts.
func NeedsRestart(key string) bool {
	p, ok := paramByKey[key]
	return ok && p.restart
}

// ShowLines returns `smppccm -s cid`: one "key value" line per parameter.
func (c *Config) ShowLines() []string {
	out := make([]string, len(params))
	for i := range params {
		out[i] = params[i].key + " " + params[i].get(c)
	}
	return out
}

// Map returns every parameter as a key → value map (persistence, admin API).
func (c *Config) Map() map[string]string {
	m := make(map[string]string, len(params))
	for i := range params {
		m[params[i].key] = params[i].get(c)
	}
	return m
}

// FromMap builds a config from defaults and the given keys (persistence).
func FromMap(m map[string]string) (Config, error) {
	cid := m["cid"]
	if !ValidCID(cid) {
		return Config{}, fmt.Errorf("connector: invalid cid %q", cid)
	}
	c := DefaultConfig(cid)
	for _, p := range params { // fixed order: deterministic first error
		if v, ok := m[p.key]; ok {
			if err := c.Set(p.key, v); err != nil {
				return Config{}, fmt.Errorf("connector %s: %w", cid, err)
			}
		}
	}
	for k := range m {
		if _, ok := paramByKey[k]; !ok {
			return Config{}, fmt.Errorf("connector %s: unknown parameter %q", cid, k)
		}
	}
	return c, nil
}

// Addr is host:port.
func (c *Config) Addr() string { return c.Host + ":" + strconv.Itoa(c.Port) }

func secs(n int) time.Duration { return time.Duration(n) * time.Second }
