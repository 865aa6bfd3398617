package smpps

import (
	"testing"
	"time"
)

func TestSMPPTime(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Time
		bad  bool
	}{
		{"", time.Time{}, false},
		{"000001000000000R", now.AddDate(0, 0, 1), false},
		{"000000013000000R", now.Add(90 * time.Minute), false},
		{"261122120000004+", time.Date(2026, 11, 22, 11, 0, 0, 0, time.UTC), false},
		{"261122120000004-", time.Date(2026, 11, 22, 13, 0, 0, 0, time.UTC), false},
		{"2611221200000", time.Time{}, true},
		{"261322120000004+", time.Time{}, true},
		{"26112212000000xR", time.Time{}, true},
		{"261122120000000X", time.Time{}, true},
	} {
		got, err := smppTime([]byte(tc.in), now)
		if tc.bad {
			if err == nil {
				t.Errorf("%q: no error", tc.in)
			}
			continue
		}
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("%q = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	if got := string(absTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))); got != "260102030405000+" {
		t.Errorf("absTime = %q", got)
	}
}

func FuzzSMPPTime(f *testing.F) {
	f.Add("000001000000000R")
	f.Add("261122120000004+")
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = smppTime([]byte(s), time.Unix(0, 0))
	})
}
