package load

import (
	"math"
	"math/bits"
	"time"
)

// Histogram layout: values below 2·histSub land in a bucket of their own;
// above that, every power-of-two range is cut into histSub equal buckets,
// so a bucket is never wider than 1/histSub of the values it holds (0.8 %).
const (
	histSubBits = 7
	histSub     = 1 << histSubBits
	// HistogramMax is the largest value kept exactly in its bucket (about
	// 18 minutes in nanoseconds); larger values are recorded as it.
	HistogramMax = 1<<40 - 1
	histShifts   = 40 - histSubBits - 1 // shifts used by values up to HistogramMax
	histBuckets  = (histShifts + 2) * histSub
)

// Histogram records non-negative int64 values (latencies in nanoseconds)
// in fixed log-linear buckets, HDR style: recording is a few arithmetic
// operations and never allocates, percentiles are exact to within 1/128 of
// the value, and histograms merge by adding counts. It is not safe for
// concurrent use: keep one per goroutine (or per session) and Merge them.
type Histogram struct {
	counts [histBuckets]uint64
	n      uint64
	sum    uint64
	min    int64
	max    int64
}

func histIndex(v int64) int {
	if v < 2*histSub {
		return int(v)
	}
	shift := bits.Len64(uint64(v)) - (histSubBits + 1)
	return (shift+1)*histSub + int(v>>shift) - histSub
}

// histHighest returns the largest value that lands in bucket i.
func histHighest(i int) int64 {
	if i < 2*histSub {
		return int64(i)
	}
	shift := i/histSub - 1
	low := int64(i%histSub+histSub) << shift
	return low + (1 << shift) - 1
}

// Record adds one value. Negative values count as 0; values above
// HistogramMax count as HistogramMax.
func (h *Histogram) Record(v int64) {
	if v < 0 {
		v = 0
	} else if v > HistogramMax {
		v = HistogramMax
	}
	h.counts[histIndex(v)]++
	if h.n == 0 || v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
	h.n++
	h.sum += uint64(v)
}

// Merge adds o's values to h.
func (h *Histogram) Merge(o *Histogram) {
	if o.n == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	if o.max > h.max {
		h.max = o.max
	}
	h.n += o.n
	h.sum += o.sum
}

// Reset empties h.
func (h *Histogram) Reset() { *h = Histogram{} }

// Count returns the number of values recorded.
func (h *Histogram) Count() uint64 { return h.n }

// Min returns the smallest value recorded (0 when empty).
func (h *Histogram) Min() int64 { return h.min }

// Max returns the largest value recorded (0 when empty).
func (h *Histogram) Max() int64 { return h.max }

// Mean returns the average of the values recorded (0 when empty).
func (h *Histogram) Mean() float64 {
	if h.n == 0 {
		return 0
	}
	return float64(h.sum) / float64(h.n)
}

// Percentile returns the value at percentile p (0 < p ≤ 100) by nearest
// rank: the smallest recorded value v such that at least p % of the values
// are ≤ v, reported as the top of v's bucket (never above Max). It returns
// 0 for an empty histogram.
func (h *Histogram) Percentile(p float64) int64 {
	if h.n == 0 {
		return 0
	}
	if p <= 0 {
		return h.min
	}
	rank := uint64(math.Ceil(p / 100 * float64(h.n)))
	if rank < 1 {
		rank = 1
	}
	if rank >= h.n {
		return h.max
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return max(min(histHighest(i), h.max), h.min)
		}
	}
	return h.max
}

// Latency summarises a histogram of nanosecond latencies in milliseconds.
type Latency struct {
	Count  uint64  `json:"count"`
	MinMS  float64 `json:"min_ms"`
	MeanMS float64 `json:"mean_ms"`
	P50MS  float64 `json:"p50_ms"`
	P90MS  float64 `json:"p90_ms"`
	P99MS  float64 `json:"p99_ms"`
	P999MS float64 `json:"p99_9_ms"`
	MaxMS  float64 `json:"max_ms"`
}

func ms(ns int64) float64 { return float64(ns) / float64(time.Millisecond) }

// Summary returns h's count, min, mean, p50, p90, p99, p99.9 and max.
func (h *Histogram) Summary() Latency {
	return Latency{
		Count: h.n, MinMS: ms(h.min), MeanMS: h.Mean() / float64(time.Millisecond),
		P50MS: ms(h.Percentile(50)), P90MS: ms(h.Percentile(90)), P99MS: ms(h.Percentile(99)),
		P999MS: ms(h.Percentile(99.9)), MaxMS: ms(h.max),
	}
}
