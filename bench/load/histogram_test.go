package load

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// exactPercentile is the nearest-rank percentile of sorted values.
func exactPercentile(sorted []int64, p float64) int64 {
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = max(rank, 1)
	return sorted[rank-1]
}

func TestHistogramPercentilesMatchSortedSlice(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	dists := map[string]func() int64{
		"uniform small": func() int64 { return rng.Int64N(300) },
		"uniform wide":  func() int64 { return rng.Int64N(50_000_000) },
		"log-normal": func() int64 {
			return int64(math.Exp(rng.NormFloat64()*1.5 + 13)) // around 0.4 ms, long tail
		},
		"bimodal": func() int64 {
			if rng.IntN(100) < 3 {
				return 200_000_000 + rng.Int64N(1_000_000)
			}
			return 500_000 + rng.Int64N(10_000)
		},
	}
	for name, gen := range dists {
		t.Run(name, func(t *testing.T) {
			for _, n := range []int{1, 2, 7, 1000, 54321} {
				var h Histogram
				vals := make([]int64, n)
				for i := range vals {
					vals[i] = gen()
					h.Record(vals[i])
				}
				slices.Sort(vals)
				if h.Count() != uint64(n) || h.Min() != vals[0] || h.Max() != vals[n-1] {
					t.Fatalf("n=%d: count %d min %d max %d; want %d %d %d", n, h.Count(), h.Min(), h.Max(), n, vals[0], vals[n-1])
				}
				for _, p := range []float64{1, 10, 50, 90, 99, 99.9, 99.99, 100} {
					want := exactPercentile(vals, p)
					got := h.Percentile(p)
					// The reported value is the top of the exact value's
					// bucket: never below it, above it by < 1/128.
					if got < want || float64(got-want) > float64(want)/histSub {
						t.Errorf("n=%d p%g = %d, exact %d (error %.4f%%)", n, p, got, want, 100*float64(got-want)/float64(max(want, 1)))
					}
				}
				var sum float64
				for _, v := range vals {
					sum += float64(v)
				}
				if m := h.Mean(); math.Abs(m-sum/float64(n)) > 1e-6*m+1e-9 {
					t.Errorf("n=%d mean %f, want %f", n, m, sum/float64(n))
				}
			}
		})
	}
}

func TestHistogramSmallValuesExact(t *testing.T) {
	var h Histogram
	for v := int64(0); v < 256; v++ {
		h.Record(v)
	}
	for _, p := range []float64{1, 25, 50, 75, 100} {
		if got, want := h.Percentile(p), int64(math.Ceil(p/100*256))-1; got != want {
			t.Errorf("p%g = %d, want %d", p, got, want)
		}
	}
}

func TestHistogramBounds(t *testing.T) {
	var h Histogram
	h.Record(-5)
	h.Record(math.MaxInt64)
	if h.Min() != 0 || h.Max() != HistogramMax || h.Percentile(100) != HistogramMax || h.Percentile(50) != 0 {
		t.Errorf("min %d max %d p100 %d p50 %d", h.Min(), h.Max(), h.Percentile(100), h.Percentile(50))
	}
	var empty Histogram
	if empty.Percentile(50) != 0 || empty.Mean() != 0 || empty.Summary().Count != 0 {
		t.Error("empty histogram should report zeros")
	}
	// Every bucket's top value maps back to that bucket, and buckets tile
	// the range without gaps.
	for i := 1; i < histBuckets; i++ {
		if histIndex(histHighest(i)) != i || histIndex(histHighest(i-1)+1) != i {
			t.Fatalf("bucket %d: top %d maps to %d; after previous top, %d", i, histHighest(i), histIndex(histHighest(i)), histIndex(histHighest(i-1)+1))
		}
	}
	if histIndex(HistogramMax) != histBuckets-1 {
		t.Errorf("HistogramMax lands in bucket %d of %d", histIndex(HistogramMax), histBuckets)
	}
}

func TestHistogramMergeEqualsOne(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var all, a, b Histogram
	for i := range 10000 {
		v := rng.Int64N(1e9)
		all.Record(v)
		if i%3 == 0 {
			a.Record(v)
		} else {
			b.Record(v)
		}
	}
	var m Histogram
	m.Merge(&a)
	m.Merge(&b)
	m.Merge(&Histogram{})
	if m != all {
		t.Errorf("merged histogram differs from one that recorded everything: %+v vs %+v", m.Summary(), all.Summary())
	}
}

func TestHistogramRecordDoesNotAllocate(t *testing.T) {
	h := new(Histogram)
	v := int64(1)
	if n := testing.AllocsPerRun(1000, func() { h.Record(v); v = v*3 + 7 }); n != 0 {
		t.Errorf("Record allocates %v times", n)
	}
}

func BenchmarkHistogramRecord(b *testing.B) {
	h := new(Histogram)
	v := int64(1)
	for b.Loop() {
		h.Record(v & (1<<34 - 1))
		v = v*6364136223846793005 + 1442695040888963407
	}
}
