package smsc

import (
	"fmt"
	"os"
	"sync"
	"sync/atomic"
)

// MaxRecordBytes bounds the record file (Config.Record): past it, lines
// are counted in RecordDropped and not written.
const MaxRecordBytes = 1 << 30

// recorder appends one line per event the simulator accepted to a file,
// for test harnesses that check, from outside, what reached the SMSC:
//
//	MT <message id> <short_message>   a submit_sm/data_sm answered ESME_ROK
//	DLR <message id> <stat>           a receipt the ESME answered ESME_ROK
//	MO <short_message>                an MO part the ESME answered ESME_ROK
//
// short_message is written as received, with newlines replaced by spaces.
// Each line is one write(2): a reader sees whole lines once the
// simulator has answered.
type recorder struct {
	mu      sync.Mutex
	f       *os.File
	buf     []byte
	written int64
	dropped atomic.Int64
}

func openRecorder(path string) (*recorder, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("record file: %w", err)
	}
	return &recorder{f: f}, nil
}

// line writes kind, then each field, space separated. A nil recorder
// records nothing.
func (r *recorder) line(kind string, fields ...[]byte) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	b := append(r.buf[:0], kind...)
	for _, f := range fields {
		b = append(b, ' ')
		for _, c := range f {
			if c == '\n' || c == '\r' {
				c = ' '
			}
			b = append(b, c)
		}
	}
	b = append(b, '\n')
	r.buf = b
	if r.written+int64(len(b)) > MaxRecordBytes {
		r.dropped.Add(1)
		return
	}
	n, err := r.f.Write(b)
	r.written += int64(n)
	if err != nil {
		r.dropped.Add(1)
	}
}

func (r *recorder) close() error {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.f.Close(); err != nil {
		return fmt.Errorf("record file: %w", err)
	}
	return nil
}
