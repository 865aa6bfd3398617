package config

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
)

const repoFile = "../gwd.toml"

// TestDefaultsMatchManual pins every default to the value the Jasmin and
// Junebug manuals state (reference/jasmin-docs.txt, junebug-docs.txt), or to
// gwd's documented choice for gwd's own keys.
func TestDefaultsMatchManual(t *testing.T) {
	d := Default()
	checks := []struct {
		key  string
		got  any
		want any
	}{
		// jasmin.cfg / smpp-server
		{"smpp-server.id", d.SMPPServer.ID, "smpps_01"},
		{"smpp-server.bind", d.SMPPServer.Bind, "0.0.0.0"},
		{"smpp-server.port", d.SMPPServer.Port, 2775},
		{"smpp-server.sessionInitTimerSecs", d.SMPPServer.SessionInitTimerSecs, 30},
		{"smpp-server.enquireLinkTimerSecs", d.SMPPServer.EnquireLinkTimerSecs, 30},
		{"smpp-server.inactivityTimerSecs", d.SMPPServer.InactivityTimerSecs, 300},
		{"smpp-server.responseTimerSecs", d.SMPPServer.ResponseTimerSecs, 60},
		{"smpp-server.pduReadTimerSecs", d.SMPPServer.PDUReadTimerSecs, 30},
		{"smpp-server.billing_feature", d.SMPPServer.BillingFeature, true},
		// gwd's additions to [smpp-server]
		{"smpp-server.max_pdu_size", d.SMPPServer.MaxPDUSize, 16384},
		{"smpp-server.window", d.SMPPServer.Window, 100},
		{"smpp-server.tls_cert", d.SMPPServer.TLSCert, ""},
		{"smpp-server.tls_key", d.SMPPServer.TLSKey, ""},
		{"smpp-server.plain_port", d.SMPPServer.PlainPort, 0},
		{"smpp-server.max_connections", d.SMPPServer.MaxConnections, 10000},
		{"smpp-server.max_connections_per_ip", d.SMPPServer.MaxConnectionsPerIP, 256},
		{"smpp-server.outbox_max_messages", d.SMPPServer.OutboxMaxMessages, 100000},
		{"smpp-server.outbox_max_bytes", d.SMPPServer.OutboxMaxBytes, 256 << 20},
		{"smpp-server.outbox_retry_ttl", d.SMPPServer.OutboxRetryTTLHours, 24.0},
		{"smpp-client.queue_max_messages", d.SMPPClient.QueueMaxMessages, 1000000},
		{"smpp-client.queue_max_bytes", d.SMPPClient.QueueMaxBytes, 1 << 30},
		{"http-api.max_connections", d.HTTPAPI.MaxConnections, 10000},
		{"http-api.max_connections_per_ip", d.HTTPAPI.MaxConnectionsPerIP, 256},
		{"junebug.max_connections", d.Junebug.MaxConnections, 10000},
		{"junebug.max_connections_per_ip", d.Junebug.MaxConnectionsPerIP, 256},
		{"admin-api.max_connections", d.AdminAPI.MaxConnections, 64},
		{"admin-api.max_connections_per_ip", d.AdminAPI.MaxConnectionsPerIP, 16},
		{"metrics.max_connections", d.Metrics.MaxConnections, 64},
		{"metrics.max_connections_per_ip", d.Metrics.MaxConnectionsPerIP, 16},
		{"jcli.max_connections", d.JCli.MaxConnections, 64},
		{"jcli.max_connections_per_ip", d.JCli.MaxConnectionsPerIP, 16},
		{"http-api.sendbatch_max_body_size", d.HTTPAPI.SendbatchMaxBodySize, 8 << 20},
		{"http-api.tls_cert", d.HTTPAPI.TLSCert, ""},
		{"http-api.tls_key", d.HTTPAPI.TLSKey, ""},
		{"junebug.tls_cert", d.Junebug.TLSCert, ""},
		{"junebug.tls_key", d.Junebug.TLSKey, ""},
		{"admin-api.tls_cert", d.AdminAPI.TLSCert, ""},
		{"admin-api.tls_key", d.AdminAPI.TLSKey, ""},
		// jasmin.cfg / http-api
		{"http-api.bind", d.HTTPAPI.Bind, "0.0.0.0"},
		{"http-api.port", d.HTTPAPI.Port, 1401},
		{"http-api.long_content_max_parts", d.HTTPAPI.LongContentMaxParts, 5},
		{"http-api.long_content_split", d.HTTPAPI.LongContentSplit, "udh"},
		{"http-api.billing_feature", d.HTTPAPI.BillingFeature, true},
		// jasmin.cfg / jcli
		{"jcli.bind", d.JCli.Bind, "127.0.0.1"},
		{"jcli.port", d.JCli.Port, 8990},
		{"jcli.authentication", d.JCli.Authentication, true},
		{"jcli.admin_username", d.JCli.AdminUsername, "jcliadmin"},
		{"jcli.admin_password", d.JCli.AdminPassword, "pbkdf2-sha256$100000$ZEweRplTU7zFGzd/tz5kug$1C4u9fGRj3tQZHIQdsSek7TyMKAELeL9pxHNbg6B2G4"},
		// [auth] (gwd)
		{"auth.kdf_workers", d.Auth.KDFWorkers, 0},
		{"auth.kdf_queue", d.Auth.KDFQueue, 256},
		{"auth.free_failures", d.Auth.FreeFailures, 5},
		{"auth.backoff", d.Auth.BackoffSecs, 1},
		{"auth.max_backoff", d.Auth.MaxBackoffSecs, 300},
		{"auth.tracked_keys", d.Auth.TrackedKeys, 65536},
		{"auth.kdf_failure_percent", d.Auth.KDFFailurePercent, 10},
		// jasmin.cfg / dlr-thrower and deliversm-thrower
		{"dlr-thrower.http_timeout", d.DLRThrower.HTTPTimeoutSecs, 30},
		{"dlr-thrower.retry_delay", d.DLRThrower.RetryDelaySecs, 30},
		{"dlr-thrower.max_retries", d.DLRThrower.MaxRetries, 3},
		{"dlr-thrower.signing_key", d.DLRThrower.SigningKey, ""},
		{"dlr-thrower.max_retry_delay", d.DLRThrower.MaxRetryDelaySecs, 3600},
		{"dlr-thrower.retry_ttl", d.DLRThrower.RetryTTLHours, 24.0},
		{"deliversm-thrower.http_timeout", d.DeliverSMThrower.HTTPTimeoutSecs, 30},
		{"deliversm-thrower.retry_delay", d.DeliverSMThrower.RetryDelaySecs, 30},
		{"deliversm-thrower.max_retries", d.DeliverSMThrower.MaxRetries, 3},
		{"deliversm-thrower.signing_key", d.DeliverSMThrower.SigningKey, ""},
		{"deliversm-thrower.max_retry_delay", d.DeliverSMThrower.MaxRetryDelaySecs, 3600},
		{"deliversm-thrower.retry_ttl", d.DeliverSMThrower.RetryTTLHours, 24.0},
		// Junebug's config file
		{"junebug.bind", d.Junebug.Bind, "127.0.0.1"},
		{"junebug.port", d.Junebug.Port, 8080},
		{"junebug.metric_window", d.Junebug.MetricWindowSecs, 10.0},
		{"junebug.max_logs", d.Junebug.MaxLogs, 100},
		// gwd's [admin-api]
		{"admin-api.enabled", d.AdminAPI.Enabled, true},
		{"admin-api.bind", d.AdminAPI.Bind, "127.0.0.1"},
		{"admin-api.port", d.AdminAPI.Port, 8991},
		// gwd's [callbacks]: no network allowed beyond the public internet
		{"callbacks.allow_networks", len(d.Callbacks.AllowNetworks), 0},
		// gwd's [metrics], [scripts] and [http-api] metrics
		{"http-api.metrics", d.HTTPAPI.Metrics, true},
		{"metrics.bind", d.Metrics.Bind, "127.0.0.1"},
		{"metrics.port", d.Metrics.Port, 0},
		{"scripts.dir", d.Scripts.Dir, ""},
		{"scripts.workers", d.Scripts.Workers, 0},
		{"scripts.queue", d.Scripts.Queue, 8192},
		{"runtime.memory_limit_mb", d.Runtime.MemoryLimitMB, 192},
		// gwd's [store]; the TTLs are Jasmin's dlr_expiry and Junebug's
		{"store.path", d.Store.Path, "./data"},
		{"store.sync", d.Store.Sync, true},
		{"store.commit_interval_us", d.Store.CommitIntervalMicros, 0},
		{"store.commit_max_batch", d.Store.CommitMaxBatch, 4096},
		{"store.max_pending_writes", d.Store.MaxPendingWrites, 100000},
		{"store.dlr_expiry", d.Store.DLRExpirySecs, 86400},
		{"store.outbound_message_ttl", d.Store.OutboundMessageTTLSecs, 172800},
		{"store.inbound_message_ttl", d.Store.InboundMessageTTLSecs, 600},
		// gwd's [log]
		{"log.level", d.Log.Level, "info"},
		{"log.file", d.Log.File, ""},
		{"log.privacy", d.Log.Privacy, false},
	}
	seen := make(map[string]bool)
	for _, c := range checks {
		seen[c.key] = true
		if c.got != c.want {
			t.Errorf("default %s = %#v, want %#v", c.key, c.got, c.want)
		}
	}
	// Every key of the schema is pinned above.
	for _, k := range allKeys() {
		if !seen[k] {
			t.Errorf("key %s has no pinned default in this test", k)
		}
	}
}

func TestDefaultIsValid(t *testing.T) {
	d := Default()
	if err := d.Validate(); err != nil {
		t.Fatalf("Default().Validate() = %v", err)
	}
}

func TestDurations(t *testing.T) {
	d := Default()
	for _, c := range []struct {
		name string
		got  time.Duration
		want time.Duration
	}{
		{"SessionInitTimer", d.SMPPServer.SessionInitTimer(), 30 * time.Second},
		{"EnquireLinkTimer", d.SMPPServer.EnquireLinkTimer(), 30 * time.Second},
		{"InactivityTimer", d.SMPPServer.InactivityTimer(), 300 * time.Second},
		{"ResponseTimer", d.SMPPServer.ResponseTimer(), 60 * time.Second},
		{"PDUReadTimer", d.SMPPServer.PDUReadTimer(), 30 * time.Second},
		{"DLR HTTPTimeout", d.DLRThrower.HTTPTimeout(), 30 * time.Second},
		{"DLR RetryDelay", d.DLRThrower.RetryDelay(), 30 * time.Second},
		{"MO HTTPTimeout", d.DeliverSMThrower.HTTPTimeout(), 30 * time.Second},
		{"MO RetryDelay", d.DeliverSMThrower.RetryDelay(), 30 * time.Second},
		{"MetricWindow", d.Junebug.MetricWindow(), 10 * time.Second},
		{"CommitInterval", d.Store.CommitInterval(), 0},
		{"DLRExpiry", d.Store.DLRExpiry(), 24 * time.Hour},
		{"OutboundMessageTTL", d.Store.OutboundMessageTTL(), 48 * time.Hour},
		{"InboundMessageTTL", d.Store.InboundMessageTTL(), 10 * time.Minute},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	s := Store{CommitIntervalMicros: 250}
	if got := s.CommitInterval(); got != 250*time.Microsecond {
		t.Errorf("CommitInterval(250) = %v", got)
	}
	j := Junebug{MetricWindowSecs: 0.5}
	if got := j.MetricWindow(); got != 500*time.Millisecond {
		t.Errorf("MetricWindow(0.5) = %v", got)
	}
}

func TestAddrsAndListeners(t *testing.T) {
	d := Default()
	want := []Listener{
		{"smpp-server", "0.0.0.0:2775", false, ""},
		{"http-api", "0.0.0.0:1401", false, ""},
		{"jcli", "127.0.0.1:8990", false, ""},
		{"junebug", "127.0.0.1:8080", false, ""},
		{"admin-api", "127.0.0.1:8991", false, ""},
	}
	if got := d.Listeners(); !reflect.DeepEqual(got, want) {
		t.Errorf("Listeners() = %v, want %v", got, want)
	}
	d.SMPPServer.Bind = "::1"
	if got := d.SMPPServer.Addr(); got != "[::1]:2775" {
		t.Errorf("IPv6 Addr() = %q", got)
	}
}

func TestLogLevel(t *testing.T) {
	for in, want := range map[string]slog.Level{
		"debug": slog.LevelDebug, "INFO": slog.LevelInfo, "info": slog.LevelInfo,
		"warn": slog.LevelWarn, "WARNING": slog.LevelWarn, "Error": slog.LevelError,
	} {
		l := Log{Level: in}
		if got := l.SlogLevel(); got != want {
			t.Errorf("SlogLevel(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestPasswordMatches(t *testing.T) {
	matches := func(adminPassword, password string) bool {
		sec, err := ParseAdminSecret(adminPassword)
		return err == nil && sec.Verify(password)
	}
	def := Default().JCli.AdminPassword
	if !matches(def, "jclipwd") {
		t.Error(`default admin_password does not match "jclipwd"`)
	}
	if matches(def, "jclipwd ") || matches(def, "") {
		t.Error("a wrong password matches")
	}
	if !matches(strings.ToUpper("79e9b0aa3f3e7c53e916f7ac47439bcb"), "jclipwd") { // Jasmin's md5("jclipwd")
		t.Error("an upper-case MD5 digest does not match")
	}
	if matches("jclipwd", "jclipwd") {
		t.Error("a clear-text admin_password matches")
	}
}

// TestRepoFileEqualsDefault loads the repository's gwd.toml: it documents
// the defaults, so it must decode to exactly Default().
func TestRepoFileEqualsDefault(t *testing.T) {
	got, err := LoadWith(repoFile, nil)
	if err != nil {
		t.Fatalf("Load(%s): %v", repoFile, err)
	}
	want := Default()
	// Keys where gwd.toml deliberately differs from Default() go here.
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Load(%s) differs from Default():\n got %+v\nwant %+v", repoFile, got, want)
	}
}

// TestRepoFileDocumentsEveryKey checks that gwd.toml sets every key of the
// schema, each right after a comment block that states its default.
func TestRepoFileDocumentsEveryKey(t *testing.T) {
	data, err := os.ReadFile(repoFile)
	if err != nil {
		t.Fatal(err)
	}
	var sink map[string]any
	md, err := toml.Decode(string(data), &sink)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range allKeys() {
		section, key, _ := strings.Cut(k, ".")
		if !md.IsDefined(section, key) {
			t.Errorf("%s does not set %s", repoFile, k)
		}
	}

	d := Default()
	var section string
	var comments []string
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "#"):
			comments = append(comments, line)
			continue
		case strings.HasPrefix(line, "["):
			section = strings.Trim(line, "[]")
		case strings.Contains(line, "="):
			key := strings.TrimSpace(strings.SplitN(line, "=", 2)[0])
			fv, err := d.lookup(section, key)
			if err != nil {
				t.Errorf("%s:%d: %v", repoFile, i+1, err)
				break
			}
			if len(comments) == 0 {
				t.Errorf("%s:%d: [%s] %s has no comment", repoFile, i+1, section, key)
				break
			}
			lit := tomlLiteral(fv)
			found := false
			for _, c := range comments {
				rest, ok := strings.CutPrefix(c, "# Default: ")
				if ok && (rest == lit || strings.HasPrefix(rest, lit+" ")) {
					found = true
				}
			}
			if !found {
				t.Errorf("%s:%d: the comment of [%s] %s lacks a line \"# Default: %s\"", repoFile, i+1, section, key, lit)
			}
		}
		comments = nil
	}
}

// tomlLiteral renders a value as gwd.toml writes it.
func tomlLiteral(v reflect.Value) string {
	switch v.Kind() {
	case reflect.String:
		return strconv.Quote(v.String())
	case reflect.Int:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Slice:
		items := make([]string, v.Len())
		for i := range items {
			items[i] = strconv.Quote(fmt.Sprint(v.Index(i).Interface()))
		}
		return "[" + strings.Join(items, ", ") + "]"
	case reflect.Float64:
		s := strconv.FormatFloat(v.Float(), 'f', -1, 64)
		if !strings.ContainsAny(s, ".eE") {
			s += ".0"
		}
		return s
	}
	panic("unhandled kind " + v.Kind().String())
}

func allKeys() []string {
	var keys []string
	for _, s := range sectionNames() {
		for _, k := range keyNames(s) {
			keys = append(keys, s+"."+k)
		}
	}
	return keys
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.toml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadPartialFileKeepsDefaults(t *testing.T) {
	path := writeFile(t, "[smpp-server]\nport = 2776\n\n[store]\nsync = false\n")
	got, err := LoadWith(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	want.SMPPServer.Port = 2776
	want.Store.Sync = false
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

func TestLoadIntegerIntoFloat(t *testing.T) {
	got, err := LoadWith(writeFile(t, "[junebug]\nmetric_window = 5\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Junebug.MetricWindowSecs != 5 {
		t.Errorf("metric_window = %v", got.Junebug.MetricWindowSecs)
	}
}

func TestLoadUnknownKeys(t *testing.T) {
	for _, tc := range []struct {
		name    string
		content string
		want    []string
	}{
		{"unknown section", "[smpp-server]\nport = 2775\n\n[smpp-serverr]\nport = 1\n",
			[]string{":4: unknown section [smpp-serverr]", `did you mean "smpp-server"`}},
		{"unknown key", "[smpp-server]\nport = 2775\nprot = 2775\n",
			[]string{`:3: unknown key "prot" in section [smpp-server]`, `did you mean "port"`}},
		{"key in wrong case", "[smpp-server]\nsessioninittimersecs = 10\n",
			[]string{`:2: unknown key "sessioninittimersecs" in section [smpp-server]`, `did you mean "sessionInitTimerSecs"`}},
		{"section in wrong case", "[HTTP-API]\nport = 1402\n",
			[]string{":1: unknown section [HTTP-API]", `did you mean "http-api"`}},
		{"top-level key", "port = 2775\n",
			[]string{`:1: unknown key "port" outside any section`}},
		{"dotted key", "[store]\npath.sub = 1\n",
			[]string{":2: incompatible types", "(key store.path)"}}, // path is a string, not a table
		{"array of tables", "[[foo]]\na = 1\n",
			[]string{":1: unknown section [foo] (sections: smpp-server,"}}, // no far-fetched suggestion
		{"nested table", "[store.extra]\nx = 1\n",
			[]string{`unknown key "extra" in section [store]`}},
		{"Jasmin log keys", "[http-api]\nlog_level = \"INFO\"\n",
			[]string{`:2: unknown key "log_level" in section [http-api]`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, tc.content)
			_, err := LoadWith(path, nil)
			if err == nil {
				t.Fatal("Load succeeded")
			}
			msg := err.Error()
			if !strings.Contains(msg, path) {
				t.Errorf("error %q does not name the file %s", msg, path)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not contain %q", msg, w)
				}
			}
		})
	}
}

func TestLoadReportsEveryUnknownKeyOnce(t *testing.T) {
	path := writeFile(t, "[nope]\na = 1\nb = 2\n\n[jcli]\nportt = 1\nbindd = \"x\"\n")
	_, err := LoadWith(path, nil)
	if err == nil {
		t.Fatal("Load succeeded")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 3 {
		t.Fatalf("want 3 problems (section nope, portt, bindd), got:\n%v", err)
	}
	for i, w := range []string{":1: unknown section [nope]", `:6: unknown key "portt"`, `:7: unknown key "bindd"`} {
		if !strings.Contains(lines[i], w) {
			t.Errorf("line %d = %q, want it to contain %q", i, lines[i], w)
		}
	}
}

func TestLoadMalformed(t *testing.T) {
	for _, tc := range []struct {
		name, content, want string
	}{
		{"syntax", "[smpp-server]\nport = 2775\nbind = 0.0.0.0\n", ":3:"},
		{"unclosed table", "[smpp-server\nport = 1\n", ":"}, // toml reports line 2
		{"duplicate key", "[jcli]\nport = 1\nport = 2\n", ":3:"},
		{"wrong type", "[smpp-server]\nid = \"x\"\nport = \"2775\"\n", ":3: incompatible types"},
		{"wrong type in table", "[store]\n\nsync = \"yes\"\n", ":3: incompatible types"},
		{"section is not a table", "log = 3\n", ":1:"},
		{"int overflow", "[http-api]\nport = 99999999999999999999\n", ":2:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, tc.content)
			_, err := LoadWith(path, nil)
			if err == nil {
				t.Fatal("Load succeeded")
			}
			if !strings.Contains(err.Error(), path+tc.want) {
				t.Errorf("error %q does not contain %q", err, path+tc.want)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "absent.toml")
	_, err := LoadWith(path, nil)
	if err == nil || !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), path) {
		t.Errorf("Load(absent) = %v; want a not-exist error naming the file", err)
	}
}

func TestValidateNamesSectionAndKey(t *testing.T) {
	for _, tc := range []struct {
		mutate func(*Config)
		want   string
	}{
		{func(c *Config) { c.SMPPServer.Port = 70000 }, "[smpp-server] port: 70000 is not a valid TCP port (1-65535)"},
		{func(c *Config) { c.SMPPServer.Port = 0 }, "[smpp-server] port: 0 is not a valid TCP port (1-65535)"},
		{func(c *Config) { c.SMPPServer.ID = "" }, "[smpp-server] id: must not be empty"},
		{func(c *Config) { c.SMPPServer.ID = "a b" }, `[smpp-server] id: "a b" must not contain spaces`},
		{func(c *Config) { c.SMPPServer.Bind = "localhost" }, `[smpp-server] bind: "localhost" is not an IP address`},
		{func(c *Config) { c.SMPPServer.SessionInitTimerSecs = 0 }, "[smpp-server] sessionInitTimerSecs: 0 must be at least 1 second"},
		{func(c *Config) { c.SMPPServer.EnquireLinkTimerSecs = -1 }, "[smpp-server] enquireLinkTimerSecs: -1 must be at least 1"},
		{func(c *Config) { c.SMPPServer.InactivityTimerSecs = 0 }, "[smpp-server] inactivityTimerSecs: 0 must be at least 1"},
		{func(c *Config) { c.SMPPServer.ResponseTimerSecs = 0 }, "[smpp-server] responseTimerSecs: 0 must be at least 1"},
		{func(c *Config) { c.SMPPServer.PDUReadTimerSecs = 0 }, "[smpp-server] pduReadTimerSecs: 0 must be at least 1"},
		{func(c *Config) { c.SMPPServer.MaxConnections = -1 }, "[smpp-server] max_connections: -1 is out of range"},
		{func(c *Config) { c.SMPPServer.MaxConnectionsPerIP = 20000 }, "[smpp-server] max_connections_per_ip: 20000 is more than max_connections (10000)"},
		{func(c *Config) { c.HTTPAPI.MaxConnectionsPerIP = -1 }, "[http-api] max_connections_per_ip: -1 is out of range"},
		{func(c *Config) { c.SMPPClient.QueueMaxMessages = -1 }, "[smpp-client] queue_max_messages: -1 is out of range"},
		{func(c *Config) { c.SMPPClient.QueueMaxBytes = -1 }, "[smpp-client] queue_max_bytes: -1 is out of range"},
		{func(c *Config) { c.SMPPServer.OutboxMaxMessages = -1 }, "[smpp-server] outbox_max_messages: -1 is out of range"},
		{func(c *Config) { c.Runtime.MemoryLimitMB = 10 }, "[runtime] memory_limit_mb: 10 is out of range"},
		{func(c *Config) { c.SMPPServer.OutboxMaxBytes = -1 }, "[smpp-server] outbox_max_bytes: -1 is out of range"},
		{func(c *Config) { c.SMPPServer.OutboxRetryTTLHours = -0.5 }, "[smpp-server] outbox_retry_ttl: -0.5 is out of range"},
		{func(c *Config) { c.HTTPAPI.SendbatchMaxBodySize = 1000 }, "[http-api] sendbatch_max_body_size: 1000 is out of range (1048576-268435456 octets)"},
		{func(c *Config) { c.SMPPServer.MaxPDUSize = 100 }, "[smpp-server] max_pdu_size: 100 is out of range (512-1048576 octets)"},
		{func(c *Config) { c.SMPPServer.Window = 0 }, "[smpp-server] window: 0 is out of range (1-65535 requests)"},
		{func(c *Config) { c.SMPPServer.TLSCert = "cert.pem" }, `[smpp-server] tls_key: must be set when tls_cert is ("cert.pem")`},
		{func(c *Config) { c.SMPPServer.TLSKey = "key.pem" }, `[smpp-server] tls_cert: must be set when tls_key is ("key.pem")`},
		{func(c *Config) { c.SMPPServer.TLSCert, c.SMPPServer.TLSKey = "/nonexistent/c.pem", repoFile }, "[smpp-server] tls_cert: stat /nonexistent/c.pem"},
		{func(c *Config) { c.SMPPServer.TLSCert, c.SMPPServer.TLSKey = repoFile, os.TempDir() }, "[smpp-server] tls_key: " + strconv.Quote(os.TempDir()) + " is a directory, not a file"},
		{func(c *Config) { c.HTTPAPI.Port = -5 }, "[http-api] port: -5 is not a valid TCP port"},
		{func(c *Config) { c.HTTPAPI.Bind = "" }, `[http-api] bind: "" is not an IP address`},
		{func(c *Config) { c.HTTPAPI.LongContentSplit = "UDH" }, `[http-api] long_content_split: "UDH" is not one of udh, sar`},
		{func(c *Config) { c.HTTPAPI.LongContentMaxParts = 0 }, "[http-api] long_content_max_parts: 0 is out of range (1-255 parts)"},
		{func(c *Config) { c.HTTPAPI.LongContentMaxParts = 256 }, "[http-api] long_content_max_parts: 256 is out of range"},
		{func(c *Config) { c.JCli.Bind = "127.0.0.256" }, `[jcli] bind: "127.0.0.256" is not an IP address`},
		{func(c *Config) { c.JCli.AdminUsername = "" }, "[jcli] admin_username: must not be empty"},
		{func(c *Config) { c.JCli.AdminPassword = "jclipwd" }, "[jcli] admin_password: not a pbkdf2-sha256$…, bcrypt"},
		{func(c *Config) { c.Auth.KDFQueue = 0 }, "[auth] kdf_queue: 0 is out of range"},
		{func(c *Config) { c.Auth.MaxBackoffSecs = 7200 }, "[auth] max_backoff: 7200 is out of range"},
		{func(c *Config) { c.Auth.KDFFailurePercent = 0 }, "[auth] kdf_failure_percent: 0 is out of range (1-100 percent"},
		{func(c *Config) { c.Auth.KDFFailurePercent = 101 }, "[auth] kdf_failure_percent: 101 is out of range"},
		{func(c *Config) { c.DLRThrower.HTTPTimeoutSecs = 0 }, "[dlr-thrower] http_timeout: 0 must be at least 1 second"},
		{func(c *Config) { c.DLRThrower.RetryDelaySecs = 0 }, "[dlr-thrower] retry_delay: 0 must be at least 1 second"},
		{func(c *Config) { c.DLRThrower.MaxRetries = -1 }, "[dlr-thrower] max_retries: -1 must be at least 0"},
		{func(c *Config) { c.DeliverSMThrower.HTTPTimeoutSecs = 0 }, "[deliversm-thrower] http_timeout: 0 must be at least 1"},
		{func(c *Config) { c.DeliverSMThrower.RetryDelaySecs = -3 }, "[deliversm-thrower] retry_delay: -3 must be at least 1"},
		{func(c *Config) { c.DeliverSMThrower.MaxRetries = -2 }, "[deliversm-thrower] max_retries: -2 must be at least 0"},
		{func(c *Config) { c.DLRThrower.SigningKey = "short" }, "[dlr-thrower] signing_key: 5 bytes is too short: at least 16"},
		{func(c *Config) { c.DeliverSMThrower.SigningKey = "0123456789abcde" }, "[deliversm-thrower] signing_key: 15 bytes is too short"},
		{func(c *Config) { c.Junebug.Port = 65536 }, "[junebug] port: 65536 is not a valid TCP port"},
		{func(c *Config) { c.Junebug.MetricWindowSecs = 0 }, "[junebug] metric_window: 0 is out of range"},
		{func(c *Config) { c.Junebug.MaxLogs = 0 }, "[junebug] max_logs: 0 must be at least 1"},
		{func(c *Config) { c.Store.Path = " " }, "[store] path: must not be empty"},
		{func(c *Config) { c.Store.CommitIntervalMicros = -1 }, "[store] commit_interval_us: -1 is out of range (0-1000000 microseconds)"},
		{func(c *Config) { c.Store.CommitMaxBatch = 0 }, "[store] commit_max_batch: 0 is out of range"},
		{func(c *Config) { c.Store.MaxPendingWrites = 0 }, "[store] max_pending_writes: 0 is out of range"},
		{func(c *Config) { c.Store.DLRExpirySecs = 0 }, "[store] dlr_expiry: 0 must be at least 1 second"},
		{func(c *Config) { c.Store.OutboundMessageTTLSecs = 0 }, "[store] outbound_message_ttl: 0 must be at least 1"},
		{func(c *Config) { c.Store.InboundMessageTTLSecs = 0 }, "[store] inbound_message_ttl: 0 must be at least 1"},
		{func(c *Config) { c.Log.Level = "verbose" }, `[log] level: "verbose" is not one of debug, info, warn, error`},
		{func(c *Config) { c.JCli.Port = 2775; c.JCli.Bind = "127.0.0.1" }, "[jcli] port: 2775 is already used by [smpp-server] (0.0.0.0:2775)"},
		{func(c *Config) { c.Junebug.Port = 8990 }, "[junebug] port: 8990 is already used by [jcli] (127.0.0.1:8990)"},
	} {
		c := Default()
		tc.mutate(&c)
		err := c.Validate()
		if err == nil {
			t.Errorf("Validate() = nil, want %q", tc.want)
			continue
		}
		var ve *ValidationError
		if !errors.As(err, &ve) || len(ve.Problems) != 1 {
			t.Errorf("Validate() = %v, want exactly one problem %q", err, tc.want)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate() = %q, want %q", err, tc.want)
		}
	}
}

func TestValidateAcceptsEdges(t *testing.T) {
	c := Default()
	c.SMPPServer.Port = 65535
	c.SMPPServer.Bind = "::"
	c.HTTPAPI.Port = 1
	c.HTTPAPI.LongContentSplit = "sar"
	c.HTTPAPI.LongContentMaxParts = 255
	c.JCli.Authentication = false
	c.JCli.AdminUsername = ""
	c.JCli.AdminPassword = ""
	c.DLRThrower.MaxRetries = 0
	c.DLRThrower.SigningKey = "0123456789abcdef" // the shortest key accepted
	c.Junebug.MetricWindowSecs = 0.25
	c.Junebug.Port = 8990 // same port as jcli, different address
	c.Junebug.Bind = "127.0.0.2"
	c.Store.CommitIntervalMicros = 1000000
	c.Log.Level = "WARNING"
	c.SMPPServer.TLSCert, c.SMPPServer.TLSKey = writePair(t)
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	c := Default()
	c.SMPPServer.Port = 70000
	c.HTTPAPI.LongContentSplit = "x"
	c.Store.Path = ""
	err := c.Validate()
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 3 {
		t.Fatalf("Validate() = %v, want 3 problems", err)
	}
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Section != "smpp-server" || fe.Key != "port" {
		t.Errorf("errors.As(FieldError) = %+v", fe)
	}
	if n := strings.Count(err.Error(), "\n"); n != 2 {
		t.Errorf("want one line per problem, got %q", err)
	}
}

func TestLoadInvalidValueNamesFileAndKey(t *testing.T) {
	path := writeFile(t, "[smpp-server]\nport = 70000\n\n[store]\npath = \"\"\n")
	_, err := LoadWith(path, nil)
	if err == nil {
		t.Fatal("Load succeeded")
	}
	want := path + ": [smpp-server] port: 70000 is not a valid TCP port (1-65535)\n" +
		path + ": [store] path: must not be empty"
	if err.Error() != want {
		t.Errorf("got  %q\nwant %q", err, want)
	}
}

func TestSet(t *testing.T) {
	c := Default()
	for _, kv := range [][2]string{
		{"smpp-server.port", "2776"},
		{"smpp-server.id", "smpps_02"},
		{"smpp-server.sessionInitTimerSecs", " 10 "},
		{"http-api.billing_feature", "False"},
		{"jcli.authentication", "false"},
		{"store.sync", "0"},
		{"junebug.metric_window", "2.5"},
		{"log.level", "DEBUG"},
		{"store.path", "/var/lib/gwd"},
	} {
		if err := c.Set(kv[0], kv[1]); err != nil {
			t.Fatalf("Set(%q, %q): %v", kv[0], kv[1], err)
		}
	}
	want := Default()
	want.SMPPServer.Port = 2776
	want.SMPPServer.ID = "smpps_02"
	want.SMPPServer.SessionInitTimerSecs = 10
	want.HTTPAPI.BillingFeature = false
	want.JCli.Authentication = false
	want.Store.Sync = false
	want.Junebug.MetricWindowSecs = 2.5
	want.Log.Level = "DEBUG"
	want.Store.Path = "/var/lib/gwd"
	if !reflect.DeepEqual(c, want) {
		t.Errorf("got %+v\nwant %+v", c, want)
	}
}

// TestSetEveryKey sets each key to its default's text: Set knows every key
// and every kind the schema uses.
func TestSetEveryKey(t *testing.T) {
	c := Default()
	for _, k := range allKeys() {
		section, key, _ := strings.Cut(k, ".")
		fv, err := c.lookup(section, key)
		if err != nil {
			t.Fatal(err)
		}
		text := tomlLiteral(fv)
		if fv.Kind() == reflect.String {
			text = fv.String()
		}
		if err := c.Set(k, text); err != nil {
			t.Errorf("Set(%q, %q): %v", k, text, err)
		}
	}
	if !reflect.DeepEqual(c, Default()) {
		t.Errorf("setting every key to its default changed the config: %+v", c)
	}
}

func TestSetErrors(t *testing.T) {
	for _, tc := range []struct{ key, value, want string }{
		{"port", "1", `config key "port": want section.key`},
		{"smpp-server.", "1", "want section.key"},
		{".port", "1", "want section.key"},
		{"smpp.port", "1", `unknown section [smpp]`},
		{"smpp-sever.port", "1", `unknown section [smpp-sever] (did you mean "smpp-server"?)`},
		{"smpp-server.prot", "1", `unknown key "prot" in section [smpp-server] (did you mean "port"?) (keys: id, bind, port,`},
		{"smpp-server.zzzzzzzz", "1", `unknown key "zzzzzzzz" in section [smpp-server] (keys:`},
		{"smpp-server.port", "abc", `[smpp-server] port: "abc" is not an integer`},
		{"smpp-server.port", "2775.5", `[smpp-server] port: "2775.5" is not an integer`},
		{"store.sync", "yes", `[store] sync: "yes" is not a boolean (true or false)`},
		{"junebug.metric_window", "ten", `[junebug] metric_window: "ten" is not a number`},
		{"junebug.metric_window", "NaN", `is not a number`},
	} {
		c := Default()
		err := c.Set(tc.key, tc.value)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Set(%q, %q) = %v, want %q", tc.key, tc.value, err, tc.want)
		}
		if !reflect.DeepEqual(c, Default()) {
			t.Errorf("failed Set(%q, %q) changed the config", tc.key, tc.value)
		}
	}
}

func TestLoadWith(t *testing.T) {
	path := writeFile(t, "[smpp-server]\nport = 2776\n")
	c, err := LoadWith(path, []string{"smpp-server.port=2777", "log.level=debug", "store.path=./x=y"})
	if err != nil {
		t.Fatal(err)
	}
	if c.SMPPServer.Port != 2777 || c.Log.Level != "debug" || c.Store.Path != "./x=y" {
		t.Errorf("overrides not applied: %+v", c)
	}

	c, err = LoadWith("", []string{"http-api.port=1402"})
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	want.HTTPAPI.Port = 1402
	if !reflect.DeepEqual(c, want) {
		t.Errorf("LoadWith(\"\") = %+v", c)
	}

	// An override can repair a file that would not validate on its own.
	bad := writeFile(t, "[smpp-server]\nport = 0\n")
	if _, err := LoadWith(bad, []string{"smpp-server.port=2775"}); err != nil {
		t.Errorf("override did not repair the file: %v", err)
	}

	for _, tc := range []struct {
		overrides []string
		want      string
	}{
		{[]string{"smpp-server.port"}, `-set "smpp-server.port": want section.key=value`},
		{[]string{"smpp-server.port=x"}, `-set smpp-server.port=x: [smpp-server] port: "x" is not an integer`},
		{[]string{"nope.port=1"}, "-set nope.port=1: unknown section [nope]"},
		{[]string{"smpp-server.port=70000"}, "built-in defaults with -set overrides: [smpp-server] port: 70000 is not a valid TCP port (1-65535)"},
	} {
		_, err := LoadWith("", tc.overrides)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("LoadWith(%q) = %v, want %q", tc.overrides, err, tc.want)
		}
	}
}

// FuzzDecode feeds arbitrary files to the decoder: it must never panic, an
// error must name the file, and what decodes must survive Validate.
func FuzzDecode(f *testing.F) {
	if data, err := os.ReadFile(repoFile); err == nil {
		f.Add(string(data))
	}
	for _, s := range []string{
		"", "[smpp-server]\nport = 2775\n", "[smpp-serverr]\nx = 1\n", "a.b.c = 1\n",
		"[store.x.y]\n", "[[log]]\n", "[jcli]\nport = \"1\"\n", "x = [\n", "[log]\nlevel = 'DEBUG'\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		c, err := decode("fuzz.toml", data)
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.toml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		_ = c.Validate()
	})
}

func TestMetricsAndScriptsValidate(t *testing.T) {
	d := Default()
	d.Metrics.Port = 9100
	if err := d.Validate(); err != nil {
		t.Fatalf("[metrics] port 9100: %v", err)
	}
	if ls := d.Listeners(); ls[len(ls)-1] != (Listener{Section: "metrics", Addr: "127.0.0.1:9100"}) {
		t.Errorf("Listeners() lacks [metrics]: %v", ls)
	}
	for _, tc := range []struct {
		set  func(c *Config)
		want string
	}{
		{func(c *Config) { c.Metrics.Port = 70000 }, "[metrics] port: 70000 is not a valid TCP port"},
		{func(c *Config) { c.Metrics.Port = 9100; c.Metrics.Bind = "nowhere" }, `[metrics] bind: "nowhere" is not an IP address`},
		{func(c *Config) { c.Metrics.Port = 1401; c.Metrics.Bind = "0.0.0.0" }, "[metrics] port: 1401 is already used by [http-api]"},
		{func(c *Config) { c.Scripts.Dir = "/nonexistent/scripts" }, "[scripts] dir: "},
		{func(c *Config) { c.Scripts.Dir = repoFile }, "is not a directory"},
	} {
		c := Default()
		tc.set(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate() = %v, want %q", err, tc.want)
		}
	}
	c := Default()
	c.Scripts.Dir = t.TempDir()
	if err := c.Validate(); err != nil {
		t.Errorf("[scripts] dir = temp dir: %v", err)
	}
}
