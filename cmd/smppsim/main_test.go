package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRunBadFlags(t *testing.T) {
	dir := t.TempDir()
	unknownKeys := filepath.Join(dir, "unknown.toml")
	if err := os.WriteFile(unknownKeys, []byte("listen = \"127.0.0.1:0\"\nthrotle = 5\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	badCfg := filepath.Join(dir, "bad.toml")
	if err := os.WriteFile(badCfg, []byte("listen = \"127.0.0.1:0\"\nmessage_id = \"base64\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want []string // substrings of the error
	}{
		{[]string{"-users", "acme"}, []string{"-users", "user:password"}},
		{[]string{"-users", "acme:secret,beta"}, []string{"-users"}},
		{[]string{"-users", ":secret"}, []string{"-users"}},
		{[]string{"-users", ""}, []string{"-users"}},
		{[]string{"-outcomes", "DELIVRD"}, []string{"-outcomes", "STAT=WEIGHT"}},
		{[]string{"-outcomes", "DELIVRD=lots"}, []string{"-outcomes", "weight"}},
		{[]string{"-outcomes", "DELIVRD=1.5"}, []string{"-outcomes", "weight"}},
		{[]string{"-outcomes", "BOGUS=5"}, []string{"outcome", "BOGUS"}},
		{[]string{"-outcomes", "ENROUTE=5"}, []string{"outcome", "ENROUTE"}},
		{[]string{"-outcomes", "DELIVRD=0"}, []string{"outcomes", "zero"}},
		{[]string{"-message-id", "base64"}, []string{"message_id", "base64"}},
		{[]string{"-error-status", "ESME_RWHATEVER"}, []string{"error_status"}},
		{[]string{"-error-percent", "150"}, []string{"error_percent"}},
		{[]string{"-mo-coding", "latin1"}, []string{"mo_coding"}},
		{[]string{"-mo-content", "emoji 😀"}, []string{"mo_content"}},
		{[]string{"-receipt-delay", "2s", "-receipt-delay-max", "1s"}, []string{"receipt_delay_max"}},
		{[]string{"-throttle", "lots"}, []string{"invalid value", "-throttle"}},
		{[]string{"-no-such-flag"}, []string{"not defined", "no-such-flag"}},
		{[]string{"-listen", "127.0.0.1:0", "throttle", "5"}, []string{"unexpected argument", "throttle"}},
		{[]string{"-c", filepath.Join(dir, "missing.toml")}, []string{"missing.toml"}},
		{[]string{"-c", unknownKeys}, []string{"unknown keys", "throtle"}},
		{[]string{"-c", badCfg}, []string{"message_id"}},
		{[]string{"-listen", "256.1.1.1:0"}, []string{"listen"}},
		{[]string{"-tls-cert", filepath.Join(dir, "missing.pem"), "-tls-key", filepath.Join(dir, "missing.pem")}, []string{"tls_cert", "missing.pem"}},
		{[]string{"-tls-cert", unknownKeys}, []string{"tls_key: must be set"}},
		{[]string{"-tls-client-ca", unknownKeys}, []string{"tls_client_ca needs tls_cert"}},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // a run that got past its flags must not block either
		done := make(chan error, 1)
		go func() { done <- run(ctx, tc.args) }()
		var err error
		select {
		case err = <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("run %q did not return", tc.args)
		}
		if err == nil {
			t.Errorf("run %q: no error", tc.args)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("run %q: error %q does not mention %q", tc.args, err, w)
			}
		}
	}
}

// Flags land in the right Config fields and override the file.
func TestParseConfig(t *testing.T) {
	file := filepath.Join(t.TempDir(), "sim.toml")
	if err := os.WriteFile(file, []byte(`
listen = "127.0.0.1:1"
throttle = 7
message_id = "decimal"
[users]
fromfile = "x"
`), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := parseConfig([]string{
		"-c", file, "-listen", "127.0.0.1:0", "-users", "acme:secret,beta:", "-outcomes", "DELIVRD=90,undeliv=10",
		"-error-percent", "2.5", "-error-status", "ESME_RSUBMITFAIL", "-receipt-delay", "250ms", "-enroute",
		"-mo-rate", "3", "-mo-split", "sar", "-no-response-percent", "1", "-drop-percent", "0.5",
	})
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case cfg.Listen != "127.0.0.1:0":
		t.Errorf("listen %q: the flag must override the file", cfg.Listen)
	case cfg.Throttle != 7 || cfg.MessageID != "decimal":
		t.Errorf("throttle %d message_id %q: the file's values must stay", cfg.Throttle, cfg.MessageID)
	case len(cfg.Users) != 2 || cfg.Users["acme"] != "secret" || cfg.Users["beta"] != "":
		t.Errorf("users %v: -users replaces the file's", cfg.Users)
	case cfg.Outcomes["DELIVRD"] != 90 || cfg.Outcomes["UNDELIV"] != 10:
		t.Errorf("outcomes %v", cfg.Outcomes)
	case cfg.ErrorPercent != 2.5 || cfg.ErrorStatus != "ESME_RSUBMITFAIL" || cfg.ReceiptDelay.Duration != 250*time.Millisecond || !cfg.Enroute:
		t.Errorf("config %+v", cfg)
	case cfg.MORate != 3 || cfg.MOSplit != "sar" || cfg.NoResponsePercent != 1 || cfg.DropPercent != 0.5:
		t.Errorf("config %+v", cfg)
	}
}

// With good flags run starts the simulator and returns nil once its
// context ends.
func TestRunStartsAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-listen", "127.0.0.1:0", "-stats", "127.0.0.1:0", "-throttle", "10"})
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after its context ended")
	}
}
