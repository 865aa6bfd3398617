package smpps

import (
	"errors"
	"fmt"
	"time"
)

var errBadTime = errors.New("bad SMPP time")

// smppTime parses an SMPP v3.4 time field (§7.1.1): empty (zero time),
// absolute "YYMMDDhhmmsstnnp" (p is + or -, nn quarter hours from UTC) or
// relative "YYMMDDhhmmss000R" (from now).
func smppTime(b []byte, now time.Time) (time.Time, error) {
	if len(b) == 0 {
		return time.Time{}, nil
	}
	if len(b) != 16 {
		return time.Time{}, fmt.Errorf("%w: %d characters, want 16", errBadTime, len(b))
	}
	var n [7]int
	for i := range 6 {
		d0, d1 := b[2*i]-'0', b[2*i+1]-'0'
		if d0 > 9 || d1 > 9 {
			return time.Time{}, fmt.Errorf("%w: %q", errBadTime, b)
		}
		n[i] = int(d0)*10 + int(d1)
	}
	t := b[12] - '0'
	q0, q1 := b[13]-'0', b[14]-'0'
	if t > 9 || q0 > 9 || q1 > 9 {
		return time.Time{}, fmt.Errorf("%w: %q", errBadTime, b)
	}
	switch b[15] {
	case 'R':
		return now.AddDate(n[0], n[1], n[2]).Add(time.Duration(n[3])*time.Hour +
			time.Duration(n[4])*time.Minute + time.Duration(n[5])*time.Second), nil
	case '+', '-':
		if n[1] < 1 || n[1] > 12 || n[2] < 1 || n[2] > 31 || n[3] > 23 || n[4] > 59 || n[5] > 59 {
			return time.Time{}, fmt.Errorf("%w: %q", errBadTime, b)
		}
		off := (int(q0)*10 + int(q1)) * 15 * 60
		if off > 14*3600 {
			return time.Time{}, fmt.Errorf("%w: offset in %q", errBadTime, b)
		}
		if b[15] == '-' {
			off = -off
		}
		loc := time.FixedZone("", off)
		return time.Date(2000+n[0], time.Month(n[1]), n[2], n[3], n[4], n[5], int(t)*1e8, loc), nil
	}
	return time.Time{}, fmt.Errorf("%w: %q ends in %q, want R, + or -", errBadTime, b, b[15])
}

// absTime formats t as an absolute SMPP time in UTC.
func absTime(t time.Time) []byte {
	t = t.UTC()
	return fmt.Appendf(nil, "%02d%02d%02d%02d%02d%02d%d00+", t.Year()%100, int(t.Month()), t.Day(),
		t.Hour(), t.Minute(), t.Second(), t.Nanosecond()/1e8)
}
