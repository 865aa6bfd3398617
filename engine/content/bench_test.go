package content

import (
	"strings"
	"testing"
	"time"
)

// 300 characters each.
var (
	benchGSM  = strings.Repeat("Hello {world}, price 5€ @ home! ", 10)[:300]
	benchUCS2 = strings.Repeat("Привет, мир! أرنب 😀 ", 15)
)

func init() {
	benchUCS2 = string([]rune(benchUCS2)[:300])
}

func BenchmarkEncodeGSM(b *testing.B) {
	buf := make([]byte, 0, 512)
	b.SetBytes(int64(len(benchGSM)))
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = AppendEncode(buf[:0], benchGSM, GSM); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeUCS2(b *testing.B) {
	buf := make([]byte, 0, 1024)
	b.SetBytes(int64(len(benchUCS2)))
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = AppendEncode(buf[:0], benchUCS2, UCS2); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeGSM(b *testing.B) {
	octets := mustEncode(b, benchGSM, GSM)
	buf := make([]byte, 0, 1024)
	b.SetBytes(int64(len(octets)))
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = AppendDecode(buf[:0], octets, GSM); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeUCS2(b *testing.B) {
	octets := mustEncode(b, benchUCS2, UCS2)
	buf := make([]byte, 0, 2048)
	b.SetBytes(int64(len(octets)))
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = AppendDecode(buf[:0], octets, UCS2); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBest(b *testing.B) {
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		_, buf = AppendBest(buf[:0], benchUCS2)
	}
}

// AppendSplit into reused buffers: the hot path.
func BenchmarkAppendSplitGSM(b *testing.B) {
	octets := mustEncode(b, benchGSM, GSM)
	dst := make([]Part, 0, 8)
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if dst, buf, err = AppendSplit(dst[:0], buf[:0], octets, GSM, UDH, 5, 42); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendSplitUCS2(b *testing.B) {
	octets := mustEncode(b, benchUCS2, UCS2)
	dst := make([]Part, 0, 8)
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if dst, buf, err = AppendSplit(dst[:0], buf[:0], octets, UCS2, UDH, 10, 4242); err != nil {
			b.Fatal(err)
		}
	}
}

// Split allocating its result.
func BenchmarkSplit(b *testing.B) {
	octets := mustEncode(b, benchGSM, GSM)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Split(octets, GSM, UDH, 5, 42); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCount(b *testing.B) {
	octets := mustEncode(b, benchGSM, GSM)
	want := len(mustSplit(b, octets))
	b.ReportAllocs()
	for b.Loop() {
		if Count(octets, GSM) != want {
			b.Fatal("count")
		}
	}
}

func BenchmarkParseUDH(b *testing.B) {
	sm := unhex(b, "0C05040B8423F00804ABCD0302 48656C6C6F")
	b.ReportAllocs()
	for b.Loop() {
		if _, ok, _, err := ParseUDH(sm); !ok || err != nil {
			b.Fatal(err)
		}
	}
}

// A three-part message through the reassembler (copies of each part and
// the joined message are the allocations).
func BenchmarkReassemble3(b *testing.B) {
	r := NewReassembler(time.Minute, 1000)
	payload := []byte(strings.Repeat("a", 153))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		ref := uint16(i)
		i++
		for seq := uint8(1); seq <= 3; seq++ {
			if _, _, _, err := r.Add("conn/100/200", Concat{Ref: ref, Total: 3, Seq: seq}, payload, nil, testNow); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func mustSplit(b *testing.B, octets []byte) []Part {
	parts, err := Split(octets, GSM, UDH, 0, 1)
	if err != nil {
		b.Fatal(err)
	}
	return parts
}
