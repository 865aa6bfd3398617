package smppc

import (
	"strings"
	"testing"
	"time"
)

// The manual's defaults, as `smppccm -s` shows them for a new connector.
func TestDefaultsAsManual(t *testing.T) {
	c := DefaultConfig("Demo")
	want := map[string]string{
		"host": "127.0.0.1", "port": "2775", "username": "smppclient", "password": "password",
		"bind": "transceiver", "bind_to": "30", "trx_to": "300", "res_to": "60", "pdu_red_to": "10",
		"con_loss_retry": "yes", "con_loss_delay": "10", "con_fail_retry": "yes", "con_fail_delay": "10",
		"src_addr": "None", "src_ton": "2", "src_npi": "1", "dst_ton": "1", "dst_npi": "1",
		"bind_ton": "0", "bind_npi": "1", "validity": "None", "priority": "0", "requeue_delay": "120",
		"addr_range": "None", "systype": "", "dlr_expiry": "86400", "submit_throughput": "1",
		"proto_id": "None", "coding": "0", "elink_interval": "30", "def_msg_id": "0", "ripf": "0",
		"dlr_msgid": "0", "logfile": "/var/log/jasmin/default-Demo.log", "logrotate": "midnight",
		"loglevel": "20", "logprivacy": "no", "ssl": "no",
	}
	for k, v := range want {
		got, ok := c.Get(k)
		if !ok || got != v {
			t.Errorf("%s = %q (known %v), want %q", k, got, ok, v)
		}
	}
	lines := c.ShowLines()
	if len(lines) != len(Keys()) || lines[0] != "cid Demo" {
		t.Fatalf("ShowLines: %q", lines[:3])
	}
}

func TestSetValidates(t *testing.T) {
	c := DefaultConfig("c1x")
	for _, tc := range []struct{ key, val, errPart string }{
		{"port", "70000", "port"},
		{"bind", "both", "bind"},
		{"con_loss_retry", "maybe", "con_loss_retry"},
		{"priority", "4", "priority"},
		{"submit_throughput", "-1", "submit_throughput"},
		{"nosuchkey", "1", "unknown"},
		{"res_to_policy", "retry", "res_to_policy"},
		{"password", "waytoolongpassword", "password"},
	} {
		before := c
		err := c.Set(tc.key, tc.val)
		if err == nil || !strings.Contains(err.Error(), tc.errPart) {
			t.Errorf("Set(%s, %s) = %v, want an error naming %s", tc.key, tc.val, err, tc.errPart)
		}
		if c != before {
			t.Errorf("Set(%s, %s) changed the config", tc.key, tc.val)
		}
	}
	if err := c.Set("src_addr", "ACME"); err != nil || c.SrcAddr != "ACME" {
		t.Fatalf("src_addr: %v %q", err, c.SrcAddr)
	}
	if err := c.Set("validity", "None"); err != nil || c.Validity != -1 {
		t.Fatalf("validity None: %v %d", err, c.Validity)
	}
	if !NeedsRestart("host") || NeedsRestart("submit_throughput") {
		t.Fatal("NeedsRestart disagrees with the manual")
	}
}

func TestMapRoundTrip(t *testing.T) {
	c := DefaultConfig("abc")
	_ = c.Set("submit_throughput", "12.5")
	_ = c.Set("binds", "3")
	got, err := FromMap(c.Map())
	if err != nil || got != c {
		t.Fatalf("FromMap(Map()) = %+v, %v", got, err)
	}
	if _, err := FromMap(map[string]string{"cid": "abc", "colour": "blue"}); err == nil {
		t.Fatal("unknown key accepted")
	}
	if _, err := FromMap(map[string]string{"cid": "a"}); err == nil {
		t.Fatal("short cid accepted")
	}
}

func TestTokenBucketPaces(t *testing.T) {
	var tb tokenBucket
	now := time.Unix(0, 0)
	sent := 0
	for i := 0; i < 10_000; i++ {
		if d := tb.take(100, now); d == 0 {
			sent++
		} else {
			now = now.Add(d)
		}
	}
	// 10,000 attempts, each wait advancing the clock: ~100 per second.
	secs := now.Sub(time.Unix(0, 0)).Seconds()
	if rate := float64(sent) / secs; rate < 95 || rate > 105 {
		t.Fatalf("%d sent in %.1f s: %.1f/s, want about 100", sent, secs, rate)
	}
	if d := tb.take(0, now); d != 0 {
		t.Fatal("rate 0 (unlimited) waited")
	}
}

func TestRelativeTime(t *testing.T) {
	if got := string(relativeTime(3600 + 2)); got != "000000010002000R" {
		t.Fatalf("relativeTime = %q", got)
	}
}
