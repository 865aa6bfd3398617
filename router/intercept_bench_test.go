package router

import (
	"fmt"
	"testing"
)

// Benchmarks for interceptors:
//
//	go test -run '^$' -bench 'Interceptor' -benchmem ./router/
//
// The table: 100 StaticMTInterceptors (UserFilter + DestinationAddrFilter,
// GroupFilter, DestinationAddrFilter prefixes, TagFilter) and a
// DefaultInterceptor; the message matches only the TagFilter of k=99,
// second from the bottom: the lookup walks the index's candidates down to
// it.

func icBenchTable(t testing.TB, n int) (*MTInterceptorTable, []*Routable) {
	tab := NewMTInterceptorTable()
	ics := []*Interceptor{icMust(t, MT, InterceptorDefault, 0, nil, "x = 1\n")}
	for k := 1; k <= n; k++ {
		cc := rtBenchCountries[k%len(rtBenchCountries)]
		var fl []Filter
		switch k % 4 {
		case 0:
			fl = []Filter{rtMustFilter(t, "UserFilter", fmt.Sprint("u", k), map[string]string{"uid": rtBenchUID(k)}),
				rtMustFilter(t, "DestinationAddrFilter", fmt.Sprint("d", k), map[string]string{"destination_addr": `^\+?` + cc + `[67]\d{8}$`})}
		case 1:
			fl = []Filter{rtMustFilter(t, "GroupFilter", fmt.Sprint("g", k), map[string]string{"gid": rtBenchGID(k % 50)})}
		case 2:
			fl = []Filter{rtMustFilter(t, "DestinationAddrFilter", fmt.Sprint("d", k), map[string]string{"destination_addr": `^\+?` + cc + `[1-5]\d{7,8}$`})}
		case 3:
			fl = []Filter{rtMustFilter(t, "TagFilter", fmt.Sprint("t", k), map[string]string{"tag": fmt.Sprint(k)})}
		}
		ics = append(ics, icMust(t, MT, InterceptorStaticMT, 1000-k, fl, fmt.Sprintf("x = %d\n", k)))
	}
	if err := tab.Load(ics); err != nil {
		t.Fatal(err)
	}
	// hit carries the tag of the last TagFilter interceptor (the highest
	// k ≤ n with k%4 == 3, low in the table) and matches nothing above it.
	last := n
	for last%4 != 3 {
		last--
	}
	hit := rtTestMT(rtBenchUID(99999), rtBenchGID(99), "2012", "+33612345678", "hello", rtNoon)
	hit.Tags = []int64{int64(last)}
	var msgs []*Routable
	msgs = append(msgs, hit)
	for i := 0; i < 200; i++ {
		cc := rtBenchCountries[i%len(rtBenchCountries)]
		r := rtTestMT(rtBenchUID(i%(n+4)), rtBenchGID(i%60), "2012", fmt.Sprintf("+%s%d%08d", cc, 1+i%9, i), "", rtNoon)
		if i%7 == 0 {
			r.Tags = []int64{int64(i % (n + 4))}
		}
		msgs = append(msgs, r)
	}
	return tab, msgs
}

func BenchmarkInterceptorLookup100(b *testing.B) {
	tab, msgs := icBenchTable(b, 100)
	r := msgs[0]
	if ic, ok := tab.Lookup(r); !ok || ic.Order != 1000-99 {
		b.Fatalf("hit %v", ic)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := tab.Lookup(r); !ok {
			b.Fatal("no interceptor")
		}
	}
}

func BenchmarkInterceptorRunSmall(b *testing.B) {
	ic := icMust(b, MT, InterceptorDefault, 0, nil,
		"if routable.pdu.params['destination_addr'].startswith('+33'):\n    routable.pdu.params['source_addr'] = 'GWD'\n    routable.addTag(33)\n")
	r, _ := icWire(b, rtTestMT("u1", "g1", "2012", "+33612345678", "hello", rtNoon))
	src := r.PDU.Source.Addr
	b.ReportAllocs()
	for b.Loop() {
		r.PDU.Source.Addr = src
		r.Tags = r.Tags[:0]
		if v, err := ic.Run(r, ChannelSMPPS); err != nil || v.Reject {
			b.Fatal(v, err)
		}
	}
}
