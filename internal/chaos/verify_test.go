//go:build chaos

package chaos

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// result is one scenario's line of the summary table.
type result struct {
	name, load, faults string
	ackMT, ackMO       int // MT gwd acknowledged (SMPP, HTTP, batch); MO it acknowledged to smppsim
	atSMSC, receipts   int // acknowledged MT at the SMSC; receipts at their ESME or dlr-url
	moDelivered        int
	lost               int // lostMT + lostRcpt + lostMO
	lostMT             int // acknowledged MT not at the SMSC
	lostRcpt           int // receipts of acknowledged MT not received
	lostMO             int // MO gwd acknowledged, not received
	dupMT, dupRcpt     int
	dupMO              int
	refused            string
	rssMB              int64
	missing            []string // a few of what is lost, for the failure message
}

// verify waits (up to wait) until everything acknowledged has arrived,
// then counts what arrived, twice or not at all.
func (h *harness) verify(wait time.Duration) result {
	rec := newSMSCRecord(h.record)
	var r result
	deadline := time.Now().Add(wait)
	for {
		if err := rec.read(); err != nil {
			h.t.Fatalf("smppsim record: %v", err)
		}
		r = count(h.led, rec)
		if r.lost == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	r.rssMB = h.rss.maxMB()
	return r
}

// count compares the ledger with the SMSC's record.
func count(l *ledger, rec *smscRecord) result {
	l.mu.Lock()
	defer l.mu.Unlock()
	var r result
	r.ackMT = len(l.acked)
	for content, id := range l.acked {
		n := rec.mt[content]
		if n == 0 {
			r.lostMT++
			r.missing = appendFew(r.missing, "MT "+content+" not at the SMSC")
		} else {
			r.atSMSC++
			r.dupMT += n - 1
		}
		if id == "" {
			continue // a batch message: no receipt asked for
		}
		switch k := l.receipts[id]; {
		case k == 0:
			r.lostRcpt++
			r.missing = appendFew(r.missing, "receipt of "+content+" (id "+id+") not received")
		default:
			r.receipts++
			r.dupRcpt += k - 1
		}
	}
	r.ackMO = len(rec.mo)
	for content := range rec.mo {
		switch k := l.mos[content]; {
		case k == 0:
			r.lostMO++
			r.missing = appendFew(r.missing, "MO "+content+" acknowledged by gwd, not received")
		default:
			r.moDelivered++
			r.dupMO += k - 1
		}
	}
	r.lost = r.lostMT + r.lostRcpt + r.lostMO
	var ref []string
	for why, n := range l.refused {
		ref = append(ref, fmt.Sprintf("%s %d", why, n))
	}
	slices.Sort(ref)
	r.refused = strings.Join(ref, ", ")
	return r
}

func appendFew(s []string, v string) []string {
	if len(s) < 10 {
		s = append(s, v)
	}
	return s
}

// summary collects every scenario's result for the table TestMain prints.
var summary struct {
	mu   sync.Mutex
	rows []result
}

func report(r result) {
	summary.mu.Lock()
	summary.rows = append(summary.rows, r)
	summary.mu.Unlock()
}

// table renders the summary as Markdown, for docs/reliability.md.
func table() string {
	summary.mu.Lock()
	defer summary.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, "chaos suite, mode %s\n\n", mode().name)
	b.WriteString("| scenario | load held | faults injected | acknowledged (MT / MO) | delivered (MT at SMSC / receipts / MO) | lost | duplicates (MT / receipts / MO) | refused | max RSS |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range summary.rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %d / %d | %d / %d / %d | %d | %d / %d / %d | %s | %d MB |\n",
			r.name, r.load, r.faults, r.ackMT, r.ackMO, r.atSMSC, r.receipts, r.moDelivered, r.lost,
			r.dupMT, r.dupRcpt, r.dupMO, or(r.refused, "none"), r.rssMB)
	}
	return b.String()
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// printSummary prints the table and writes it to CHAOS_REPORT when set.
func printSummary() error {
	if len(summary.rows) == 0 {
		return nil
	}
	t := table()
	fmt.Println()
	fmt.Print(t)
	if p := os.Getenv("CHAOS_REPORT"); p != "" {
		if err := os.WriteFile(p, []byte(t), 0o644); err != nil {
			return fmt.Errorf("CHAOS_REPORT: %w", err)
		}
	}
	return nil
}
