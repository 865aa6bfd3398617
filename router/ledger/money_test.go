package ledger

import "testing"

func TestParseMoney(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Money
		show string
	}{
		{"0", 0, "0.0"},
		{"1.2", 1_200_000, "1.2"},
		{"10", 10_000_000, "10.0"},
		{"44.2", 44_200_000, "44.2"},
		{"0.2", 200_000, "0.2"},
		{"0.25", 250_000, "0.25"},
		{"0.000001", 1, "0.000001"},
		{"12.", 12_000_000, "12.0"},
		{".5", 500_000, "0.5"},
		{"+10", 10_000_000, "10.0"},
		{"-22.4", -22_400_000, "-22.4"},
		{"1.2000000000", 1_200_000, "1.2"},
		{"007.50", 7_500_000, "7.5"},
		{"9223372036854.775807", Money(1<<63 - 1), "9223372036854.775807"},
	} {
		got, err := ParseMoney(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseMoney(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
			continue
		}
		if s := got.String(); s != tc.show {
			t.Errorf("Money(%q).String() = %q, want %q", tc.in, s, tc.show)
		}
	}
	for _, bad := range []string{"", "+", "-", ".", "1.2.3", "1e3", "inf", "NaN", "abc", " 1", "1 ",
		"1.2345678", "0.0000001", "9223372036854.775808", "99999999999999999999", "1,5", "--1"} {
		if m, err := ParseMoney(bad); err == nil {
			t.Errorf("ParseMoney(%q) = %v, want an error", bad, m)
		}
	}
}

// Jasmin's float balance shows 0.19999999999999996 after two 0.4 charges on
// 1.0 (jasmin-observed.md); Money is exact.
func TestMoneyExact(t *testing.T) {
	b := MustMoney("1.0") - MustMoney("0.4") - MustMoney("0.4")
	if b.String() != "0.2" || b != MustMoney("0.2") {
		t.Fatalf("1.0-0.4-0.4 = %s", b)
	}
	sum := Money(0)
	for i := 0; i < 10; i++ {
		sum += MustMoney("0.1")
	}
	if sum != MoneyUnit {
		t.Fatalf("10 × 0.1 = %s", sum)
	}
}

// The three displays: Jasmin's float quota (String), the shortest decimal
// (Decimal: jCli's rates, the stored route) and a fixed precision
// (Format: "rated 0.40").
func TestMoneyDisplays(t *testing.T) {
	for _, tc := range []struct {
		m                Money
		str, dec, f2, f0 string
	}{
		{0, "0.0", "0", "0.00", "0"},
		{3 * MoneyUnit, "3.0", "3", "3.00", "3"},
		{400_000, "0.4", "0.4", "0.40", "0"},
		{5_000, "0.005", "0.005", "0.01", "0"},
		{12_000_001, "12.000001", "12.000001", "12.00", "12"},
		{-2_500_000, "-2.5", "-2.5", "-2.50", "-3"},
	} {
		if s, d, f2, f0 := tc.m.String(), tc.m.Decimal(), tc.m.Format(2), tc.m.Format(0); s != tc.str || d != tc.dec || f2 != tc.f2 || f0 != tc.f0 {
			t.Errorf("%d: %q %q %q %q, want %q %q %q %q", int64(tc.m), s, d, f2, f0, tc.str, tc.dec, tc.f2, tc.f0)
		}
	}
}
