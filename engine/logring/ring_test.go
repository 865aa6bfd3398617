package logring

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// newTest returns a logger through a Handler whose next handler writes
// JSON lines to the returned buffer.
func newTest(perKey int) (*slog.Logger, *Handler, *bytes.Buffer) {
	var buf bytes.Buffer
	next := slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})
	h := NewHandler(next, perKey)
	return slog.New(h), h, &buf
}

// lines decodes the JSON lines the next handler received.
func lines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("next handler line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

func messages(rs []Record) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Message
	}
	return out
}

func TestRingKeepsLastPerKeyNewestFirst(t *testing.T) {
	log, h, buf := newTest(3)
	for i := range 5 {
		log.Info(fmt.Sprintf("m%d", i), "cid", "smsc1", "i", i)
	}
	log.Info("no cid here")
	log.Info("other", "cid", "smsc2")

	if got := messages(h.Recent("smsc1", 0)); strings.Join(got, ",") != "m4,m3,m2" {
		t.Fatalf("Recent(smsc1, 0) = %v, want m4,m3,m2", got)
	}
	if got := messages(h.Recent("smsc1", 2)); strings.Join(got, ",") != "m4,m3" {
		t.Fatalf("Recent(smsc1, 2) = %v", got)
	}
	if got := h.Recent("smsc1", 50); len(got) != 3 {
		t.Fatalf("Recent(smsc1, 50) has %d records, want 3", len(got))
	}
	if got := messages(h.Recent("smsc2", 10)); strings.Join(got, ",") != "other" {
		t.Fatalf("Recent(smsc2) = %v", got)
	}
	if got := h.Recent("nobody", 10); len(got) != 0 {
		t.Fatalf("Recent(nobody) = %v, want none", got)
	}
	// Every record went on, cid or not.
	if got := len(lines(t, buf)); got != 7 {
		t.Fatalf("next handler got %d records, want 7", got)
	}
	r := h.Recent("smsc1", 1)[0]
	if r.Level != slog.LevelInfo || r.Time.IsZero() || r.AttrMap()["i"] != int64(4) {
		t.Fatalf("record = %+v", r)
	}
}

func TestRingPartialFill(t *testing.T) {
	log, h, _ := newTest(4)
	log.Warn("a", "cid", "c1")
	log.Warn("b", "cid", "c1")
	if got := messages(h.Recent("c1", 0)); strings.Join(got, ",") != "b,a" {
		t.Fatalf("Recent = %v, want b,a", got)
	}
	if h.Len("c1") != 2 {
		t.Fatalf("Len = %d", h.Len("c1"))
	}
}

func TestCIDFromWithAndGroups(t *testing.T) {
	log, h, buf := newTest(10)
	cl := log.With("cid", "smsc1", "bind", 1)
	cl.Info("bound", "state", "BOUND_TRX")
	// A cid inside a group is not the record's connector.
	log.WithGroup("req").Info("grouped", "cid", "smsc9")
	// A group opened after the cid keeps the cid; attributes are qualified.
	cl.WithGroup("pdu").With("seq", 7).Info("sent", "cmd", "submit_sm")

	rs := h.Recent("smsc1", 0)
	if got := messages(rs); strings.Join(got, ",") != "sent,bound" {
		t.Fatalf("Recent(smsc1) = %v", got)
	}
	if h.Len("smsc9") != 0 {
		t.Fatal("a cid inside a group was taken as the record's connector")
	}
	bound := rs[1].AttrMap()
	if bound["cid"] != "smsc1" || bound["bind"] != int64(1) || bound["state"] != "BOUND_TRX" {
		t.Fatalf("bound attrs = %v", bound)
	}
	var keys []string
	for _, a := range rs[0].Attrs {
		keys = append(keys, a.Key)
	}
	if strings.Join(keys, ",") != "cid,bind,pdu.seq,pdu.cmd" {
		t.Fatalf("sent attr keys = %v", keys)
	}
	ls := lines(t, buf)
	if pdu, ok := ls[2]["pdu"].(map[string]any); !ok || pdu["cmd"] != "submit_sm" || pdu["seq"] != float64(7) {
		t.Fatalf("next handler got %v", ls[2])
	}
}

func TestPrivacyHidesContentInRingAndNext(t *testing.T) {
	log, h, buf := newTest(10)
	h.SetPrivacy("priv", true)
	if !h.Privacy("priv") || h.Privacy("open") {
		t.Fatal("Privacy does not report what SetPrivacy set")
	}
	log.Info("mo", "cid", "priv", "content", "secret 1", "from", "33600000001",
		slog.Group("pdu", "short_message", "secret 2", "seq", 3))
	log.With("cid", "priv").Info("mt", "text", "secret 3")
	log.With("cid", "priv", "content", "secret 4").Info("bound at with")
	log.Info("mo", "cid", "open", "content", "visible")

	out := buf.String()
	for _, s := range []string{"secret 1", "secret 2", "secret 3", "secret 4"} {
		if strings.Contains(out, s) {
			t.Fatalf("next handler saw %q: %s", s, out)
		}
	}
	if !strings.Contains(out, "visible") || !strings.Contains(out, "33600000001") {
		t.Fatalf("next handler lost what is not private: %s", out)
	}
	for _, r := range h.Recent("priv", 0) {
		m := r.AttrMap()
		for _, k := range []string{"content", "text"} {
			if v, ok := m[k]; ok && v != Hidden {
				t.Fatalf("ring kept %s=%v", k, v)
			}
		}
		if g, ok := m["pdu"].(map[string]any); ok {
			if g["short_message"] != Hidden || g["seq"] != int64(3) {
				t.Fatalf("ring kept pdu %v", g)
			}
		}
	}
	if m := h.Recent("priv", 0)[2].AttrMap(); m["from"] != "33600000001" || m["content"] != Hidden {
		t.Fatalf("first record attrs = %v", m)
	}
	if m := h.Recent("open", 1)[0].AttrMap(); m["content"] != "visible" {
		t.Fatalf("open connector's content = %v", m["content"])
	}

	// Turned off: from the next record on.
	h.SetPrivacy("priv", false)
	log.Info("mo", "cid", "priv", "content", "now shown")
	if m := h.Recent("priv", 1)[0].AttrMap(); m["content"] != "now shown" {
		t.Fatalf("after SetPrivacy(false): %v", m)
	}
}

func TestBounds(t *testing.T) {
	log, h, buf := newTest(2)
	var args []any
	args = append(args, "cid", "c1")
	for i := range MaxAttrs + 10 {
		args = append(args, fmt.Sprintf("k%d", i), i)
	}
	log.Info("many", args...)
	if n := len(h.Recent("c1", 1)[0].Attrs); n != MaxAttrs {
		t.Fatalf("kept %d attrs, want %d", n, MaxAttrs)
	}
	if !strings.Contains(buf.String(), fmt.Sprintf(`"k%d"`, MaxAttrs+9)) {
		t.Fatal("the next handler did not get every attribute")
	}

	long := strings.Repeat("é", MaxValueLen) // 2 octets each
	log.Info(long, "cid", "c1", "v", long)
	r := h.Recent("c1", 1)[0]
	v := r.AttrMap()["v"].(string)
	if len(r.Message) > MaxValueLen || len(v) > MaxValueLen || !strings.HasSuffix(v, "…") {
		t.Fatalf("long values kept at %d and %d octets", len(r.Message), len(v))
	}
	if !strings.HasPrefix(v, "éé") || strings.ContainsRune(v, '\uFFFD') || !json.Valid([]byte(fmt.Sprintf("%q", v))) {
		t.Fatal("clipping split a UTF-8 sequence")
	}

	// A []byte the caller reuses is copied.
	b := []byte("first")
	log.Info("bytes", "cid", "c1", "pdu", b)
	copy(b, "XXXXX")
	if got := h.Recent("c1", 1)[0].AttrMap()["pdu"]; got != "first" {
		t.Fatalf("kept []byte = %v after the caller reused it", got)
	}
}

func TestMaxKeys(t *testing.T) {
	h := NewHandler(slog.DiscardHandler, 1)
	ctx := context.Background()
	for i := range MaxKeys + 5 {
		r := slog.NewRecord(time.Now(), slog.LevelInfo, "m", 0)
		r.AddAttrs(slog.String("cid", fmt.Sprintf("c%d", i)))
		if err := h.Handle(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if h.Len("c0") != 1 || h.Len(fmt.Sprintf("c%d", MaxKeys-1)) != 1 {
		t.Fatal("records of the first MaxKeys cids are not kept")
	}
	if h.Len(fmt.Sprintf("c%d", MaxKeys)) != 0 {
		t.Fatal("a cid beyond MaxKeys got a ring")
	}
	// Privacy still applies beyond the bound.
	h.SetPrivacy("late", true)
	if !h.Privacy("late") {
		t.Fatal("SetPrivacy beyond MaxKeys was lost")
	}
	h.Forget("c0")
	if h.Len("c0") != 0 {
		t.Fatal("Forget kept the ring")
	}
}

func TestPythonLevel(t *testing.T) {
	for l, want := range map[slog.Level]int{slog.LevelDebug: 10, slog.LevelInfo: 20, slog.LevelWarn: 30, slog.LevelError: 40} {
		if got := (Record{Level: l}).PythonLevel(); got != want {
			t.Errorf("PythonLevel(%v) = %d, want %d", l, got, want)
		}
	}
}

func TestAttrMapValues(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	r := Record{Attrs: []slog.Attr{
		slog.Bool("b", true), slog.Float64("f", 1.5), slog.Uint64("u", 7), slog.Time("t", at),
		slog.Duration("d", time.Second), slog.Any("err", errors.New("boom")),
	}}
	m := r.AttrMap()
	if m["b"] != true || m["f"] != 1.5 || m["u"] != uint64(7) || m["t"] != "2026-01-02T03:04:05Z" ||
		m["d"] != "1s" || m["err"] != "boom" {
		t.Fatalf("AttrMap = %v", m)
	}
}

func TestEnabledFollowsNext(t *testing.T) {
	next := slog.NewTextHandler(&bytes.Buffer{}, &slog.HandlerOptions{Level: slog.LevelWarn})
	h := NewHandler(next, 10)
	log := slog.New(h)
	log.Info("dropped", "cid", "c1")
	log.Warn("kept", "cid", "c1")
	if got := messages(h.Recent("c1", 0)); strings.Join(got, ",") != "kept" {
		t.Fatalf("Recent = %v", got)
	}
}

func TestConcurrentUse(t *testing.T) {
	log, h, _ := newTest(16)
	cids := []string{"a", "b", "c"}
	const writers, per = 4, 200
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				cid := cids[(w+i)%len(cids)]
				log.With("cid", cid).Info(fmt.Sprintf("%d/%d", w, i), "w", w, "i", i, "content", "x")
				if i%50 == 0 {
					h.SetPrivacy(cid, i%100 == 0)
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 200 {
			for _, cid := range cids {
				for _, r := range h.Recent(cid, 5) {
					m := r.AttrMap()
					if r.Message != fmt.Sprintf("%d/%d", m["w"], m["i"]) || m["cid"] != cid {
						t.Errorf("torn record %q %v", r.Message, m)
						return
					}
				}
			}
		}
	}()
	wg.Wait()
	total := 0
	for _, cid := range cids {
		if n := h.Len(cid); n != 16 {
			t.Fatalf("Len(%s) = %d, want 16", cid, n)
		}
		total += len(h.Recent(cid, 0))
	}
	if total != 48 {
		t.Fatalf("kept %d records in all, want 48", total)
	}
}

func TestHandleAllocatesNothingOnceWrapped(t *testing.T) {
	h := NewHandler(slog.DiscardHandler, 8)
	hc := h.WithAttrs([]slog.Attr{slog.String("cid", "smsc1")})
	ctx := context.Background()
	r := slog.NewRecord(time.Now(), slog.LevelInfo, "submit_sm_resp", 0)
	r.AddAttrs(slog.Int("seq", 12), slog.String("status", "ESME_ROK"), slog.Int("bind", 0))
	for range 16 {
		_ = hc.Handle(ctx, r)
	}
	if n := testing.AllocsPerRun(200, func() { _ = hc.Handle(ctx, r) }); n != 0 {
		t.Fatalf("Handle allocates %.1f times per record", n)
	}
	if h.Len("smsc1") != 8 {
		t.Fatalf("Len = %d", h.Len("smsc1"))
	}
}

func BenchmarkHandle(b *testing.B) {
	h := NewHandler(slog.DiscardHandler, 100)
	hc := h.WithAttrs([]slog.Attr{slog.String("cid", "smsc1")})
	ctx := context.Background()
	r := slog.NewRecord(time.Now(), slog.LevelInfo, "submit_sm_resp", 0)
	r.AddAttrs(slog.Int("seq", 12), slog.String("status", "ESME_ROK"), slog.Int("bind", 0))
	b.ReportAllocs()
	for b.Loop() {
		_ = hc.Handle(ctx, r)
	}
}

func BenchmarkHandleParallel(b *testing.B) {
	h := NewHandler(slog.DiscardHandler, 100)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		r := slog.NewRecord(time.Now(), slog.LevelInfo, "submit_sm_resp", 0)
		r.AddAttrs(slog.String("cid", "smsc1"), slog.Int("seq", 12))
		for pb.Next() {
			_ = h.Handle(ctx, r)
		}
	})
}

// TestRingRedactsSecrets: what the admin API and Junebug's logs endpoint
// show never carries a password or a URL's credentials.
func TestRingRedactsSecrets(t *testing.T) {
	log, h, _ := newTest(10)
	log.With("cid", "c1").Warn("bind failed", "password", "s3cr3t",
		"url", "http://u:pw1@host/?pwd=pw2", "err", errors.New(`Get "http://a:pw3@h/": refused`))
	rs := h.Recent("c1", 10)
	if len(rs) != 1 {
		t.Fatalf("%d records", len(rs))
	}
	b, _ := json.Marshal(rs[0].AttrMap())
	for _, s := range []string{"s3cr3t", "pw1", "pw2", "pw3"} {
		if strings.Contains(string(b), s) {
			t.Errorf("ring keeps %q: %s", s, b)
		}
	}
}
