package smpps

import (
	"errors"
	"fmt"
	"time"

	"github.com/gwd-project/gwd/smpp"
	"github.com/gwd-project/gwd/store"
)

// Dead letters of the outbox: deliver_sm given up (validity or
// outbox_retry_ttl passed), kept in the store's dead-letter kind
// "outbox" with the user they were for, until an operator replays them
// to that user's outbox or deletes them (admin API,
// /admin/deadletters/outbox).
//
//	record: uid length u8 | uid | the deliver_sm PDU

// DeadLetterKind is the outbox's dead-letter kind.
const DeadLetterKind = "outbox"

// ErrCorruptDeadLetter is a dead-letter record that does not decode.
var ErrCorruptDeadLetter = errors.New("smpps: corrupt outbox dead letter")

// DeadLetter is one given-up deliver_sm as the admin API shows it.
type DeadLetter struct {
	ID           uint64    `json:"id,string"` // a string in JSON: ids exceed 2^53
	UID          string    `json:"uid"`
	SourceAddr   string    `json:"source_addr"`
	DestAddr     string    `json:"destination_addr"`
	Attempts     uint32    `json:"attempts"`
	FirstAttempt time.Time `json:"first_attempt"`
	LastAttempt  time.Time `json:"last_attempt"`
	LastError    string    `json:"last_error"`
}

func deadRecord(uid string, pdu []byte) []byte {
	uid = uid[:min(len(uid), 255)]
	rec := make([]byte, 0, 1+len(uid)+len(pdu))
	rec = append(rec, byte(len(uid)))
	rec = append(rec, uid...)
	return append(rec, pdu...)
}

func splitDeadRecord(rec []byte) (uid string, pdu []byte, err error) {
	if len(rec) < 1 || len(rec) < 1+int(rec[0]) {
		return "", nil, ErrCorruptDeadLetter
	}
	return string(rec[1 : 1+rec[0]]), rec[1+rec[0]:], nil
}

// deadLetters is the "outbox" dead letters, opened on first use (at
// start, by OpenOutboxes); nil, logged, when the store cannot open them.
func (s *Server) deadLetters() *store.DeadLetters {
	d, err := s.openDeadLetters()
	if err != nil {
		s.log.Error("open outbox dead letters", "err", err)
	}
	return d
}

// DeadLetterCount is how many outbox dead letters the store holds (0
// before they are opened).
func (s *Server) DeadLetterCount() int {
	s.deadMu.Lock()
	defer s.deadMu.Unlock()
	if s.dead == nil {
		return 0
	}
	return s.dead.Len()
}

func (s *Server) openDeadLetters() (*store.DeadLetters, error) {
	s.deadMu.Lock()
	defer s.deadMu.Unlock()
	if s.dead == nil {
		if s.db == nil {
			return nil, errors.New("smpps: outbox dead letters: no store")
		}
		d, err := s.db.DeadLetters(DeadLetterKind)
		if err != nil {
			return nil, fmt.Errorf("outbox dead letters: %w", err)
		}
		s.dead = d
	}
	return s.dead, nil
}

// DeadLetters lists up to limit outbox dead letters with ids above after,
// oldest first.
func (s *Server) DeadLetters(after uint64, limit int) ([]DeadLetter, error) {
	d, err := s.openDeadLetters()
	if err != nil {
		return nil, err
	}
	dls, err := d.List(after, limit)
	if err != nil {
		return nil, err
	}
	out := make([]DeadLetter, len(dls))
	var p smpp.PDU
	for i, dl := range dls {
		out[i] = DeadLetter{ID: dl.ID, Attempts: dl.Attempts, FirstAttempt: dl.First.UTC(), LastAttempt: dl.Last.UTC(),
			LastError: dl.LastError}
		uid, pdu, err := splitDeadRecord(dl.Record)
		if err == nil {
			err = p.Decode(pdu)
		}
		if err != nil {
			out[i].LastError += " (record: " + err.Error() + ")"
			continue
		}
		out[i].UID, out[i].SourceAddr, out[i].DestAddr = uid, string(p.Source.Addr), string(p.Dest.Addr)
	}
	return out, nil
}

// ReplayDeadLetters puts outbox dead letters back in their users'
// outboxes as fresh deliver_sm (no attempt counted, no validity), each
// batch in one write with their removal: ids, or all of them when ids is
// nil. It returns how many were replayed; ids not found are skipped. It
// may open outboxes: call it off the event loops.
func (s *Server) ReplayDeadLetters(ids []uint64) (int, error) {
	d, err := s.openDeadLetters()
	if err != nil {
		return 0, err
	}
	byUID := map[string][]uint64{}
	var order []string
	add := func(dl store.DeadLetter) {
		uid, _, err := splitDeadRecord(dl.Record)
		if err != nil {
			s.log.Error("outbox dead letter not replayed", "id", dl.ID, "err", err)
			return
		}
		if byUID[uid] == nil {
			order = append(order, uid)
		}
		byUID[uid] = append(byUID[uid], dl.ID)
	}
	if ids == nil {
		var after uint64
		for {
			dls, err := d.List(after, 1000)
			if err != nil {
				return 0, err
			}
			if len(dls) == 0 {
				break
			}
			for _, dl := range dls {
				add(dl)
				after = dl.ID
			}
		}
	} else {
		for _, id := range ids {
			dls, err := d.List(id-1, 1)
			if err != nil {
				return 0, err
			}
			if len(dls) == 1 && dls[0].ID == id {
				add(dls[0])
			}
		}
	}
	n := 0
	for _, uid := range order {
		u, err := s.openUser(uid)
		if err != nil {
			return n, fmt.Errorf("replay outbox dead letters of %s: %w", uid, err)
		}
		moved, err := d.MoveTo(u.q, byUID[uid], func(dl store.DeadLetter) []byte {
			_, pdu, _ := splitDeadRecord(dl.Record)
			return pdu
		})
		n += moved
		if err != nil {
			return n, err
		}
		u.pump.Signal()
	}
	return n, nil
}

// DeleteDeadLetter removes outbox dead letter id for good
// (store.ErrNotFound when there is none).
func (s *Server) DeleteDeadLetter(id uint64) error {
	d, err := s.openDeadLetters()
	if err != nil {
		return err
	}
	return d.Delete(id)
}
