//go:build chaos

package chaos

import (
	"bufio"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
)

// seq numbers every message the suite makes: its content is a prefix and
// this number, unique in the run.
var seq atomic.Int64

func nextContent(prefix string) string {
	return prefix + itoa(seq.Add(1))
}

func itoa(n int64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

// ledger is what the clients were told and what they received: the
// ground truth the SMSC's record is checked against.
type ledger struct {
	mu sync.Mutex
	// acked: content of every MT gwd acknowledged → gwd's message id
	// ("" for a sendbatch message: the batch answer has no per-message
	// ids, and no receipt is asked for them).
	acked map[string]string
	// receipts: gwd id → final receipts received (ESME or dlr-url).
	receipts map[string]int
	// mos: MO content → times received (ESME or HTTP connector).
	mos map[string]int
	// refused counts MT refusals by what the client saw
	// ("ESME_RTHROTTLED", "HTTP 503", ...).
	refused map[string]int
}

func newLedger() *ledger {
	return &ledger{acked: map[string]string{}, receipts: map[string]int{}, mos: map[string]int{}, refused: map[string]int{}}
}

func (l *ledger) ack(content, id string) {
	l.mu.Lock()
	l.acked[content] = id
	l.mu.Unlock()
}

func (l *ledger) refuse(why string) {
	l.mu.Lock()
	l.refused[why]++
	l.mu.Unlock()
}

func (l *ledger) receipt(id string) {
	l.mu.Lock()
	l.receipts[id]++
	l.mu.Unlock()
}

func (l *ledger) mo(content string) {
	l.mu.Lock()
	l.mos[content]++
	l.mu.Unlock()
}

func (l *ledger) refusedN(why string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.refused[why]
}

// smscRecord reads smppsim's -record file as it grows.
type smscRecord struct {
	path string
	off  int64
	mt   map[string]int // content → submits accepted
	dlr  int            // receipts gwd acknowledged
	mo   map[string]int // content → MO gwd acknowledged
}

func newSMSCRecord(path string) *smscRecord {
	return &smscRecord{path: path, mt: map[string]int{}, mo: map[string]int{}}
}

// read takes the whole lines appended since the last read.
func (r *smscRecord) read() error {
	f, err := os.Open(r.path)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.Seek(r.off, io.SeekStart); err != nil {
		return err
	}
	br := bufio.NewReaderSize(f, 1<<16)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil // a partial line waits for the next read
		}
		r.off += int64(len(line))
		kind, rest, _ := strings.Cut(strings.TrimSuffix(line, "\n"), " ")
		switch kind {
		case "MT":
			_, content, _ := strings.Cut(rest, " ")
			r.mt[content]++
		case "DLR":
			r.dlr++
		case "MO":
			r.mo[rest]++
		}
	}
}
