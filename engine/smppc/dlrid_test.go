package smppc

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalizeSMSCID(t *testing.T) {
	cases := []struct {
		id   string
		mode int
		want string
		bad  bool // ConvertSMSCID refuses it
	}{
		{"abc-Def-01", DLRIDSameBase, "ABC-DEF-01", false},
		{"  00ff3A ", DLRIDSameBase, "FF3A", false},
		{"0001234", DLRIDSameBase, "1234", false},
		{"000", DLRIDSameBase, "0", false},
		{"", DLRIDSameBase, "", true},
		{"   ", DLRIDSameBase, "", true},
		// Mode 1: submit_sm_resp hex, receipt decimal → hex.
		{"255", DLRIDRespHex, "FF", false},
		{"0000255", DLRIDRespHex, "FF", false},
		{"0", DLRIDRespHex, "0", false},
		{"18446744073709551615", DLRIDRespHex, "FFFFFFFFFFFFFFFF", false},                         // 2^64-1
		{"18446744073709551616", DLRIDRespHex, "10000000000000000", false},                        // 2^64
		{"340282366920938463463374607431768211455", DLRIDRespHex, strings.Repeat("F", 32), false}, // 2^128-1
		{"12ab", DLRIDRespHex, "12AB", true},
		{"-5", DLRIDRespHex, "-5", true},
		// Mode 2: submit_sm_resp decimal, receipt hex → decimal.
		{"ff", DLRIDRespDec, "255", false},
		{"00FF", DLRIDRespDec, "255", false},
		{"FFFFFFFFFFFFFFFF", DLRIDRespDec, "18446744073709551615", false},
		{"10000000000000000", DLRIDRespDec, "18446744073709551616", false},
		{strings.Repeat("f", 32), DLRIDRespDec, "340282366920938463463374607431768211455", false},
		{"0x1f", DLRIDRespDec, "X1F", true},
		{"xyz", DLRIDRespDec, "XYZ", true},
		{"12", 7, "12", true},
	}
	for _, c := range cases {
		if got := NormalizeSMSCID(c.id, c.mode); got != c.want {
			t.Errorf("NormalizeSMSCID(%q, %d) = %q, want %q", c.id, c.mode, got, c.want)
		}
		got, err := ConvertSMSCID(c.id, c.mode)
		if (err != nil) != c.bad {
			t.Errorf("ConvertSMSCID(%q, %d) = %q, %v; want refused=%v", c.id, c.mode, got, err, c.bad)
		}
		if err != nil && !errors.Is(err, ErrBadSMSCID) {
			t.Errorf("ConvertSMSCID(%q, %d): error %v is not ErrBadSMSCID", c.id, c.mode, err)
		}
	}
	// Round trips: the submit_sm_resp id (mode 0) meets the receipt's id
	// converted by the connector's mode.
	for _, c := range []struct {
		resp, receipt string
		mode          int
	}{
		{"0a1b2c3d", "169552957", DLRIDRespHex},
		{"169552957", "A1B2C3D", DLRIDRespDec},
		{"0A1b2c", "a1B2C", DLRIDSameBase},
	} {
		if a, b := NormalizeSMSCID(c.resp, DLRIDSameBase), NormalizeSMSCID(c.receipt, c.mode); a != b {
			t.Errorf("resp %q → %q, receipt %q (mode %d) → %q", c.resp, a, c.receipt, c.mode, b)
		}
	}
}
