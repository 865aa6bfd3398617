package smsc

import (
	"fmt"
	"sync/atomic"
	"time"
	"unicode/utf16"

	"github.com/linxGnu/gosmpp/data"

	"github.com/gwd-project/gwd/smpp"
)

// MO describes one mobile-originated message to send.
type MO struct {
	From, To string
	Content  string
	Coding   string // "gsm" or "ucs2"
	Split    string // "udh" or "sar"
	SystemID string // send to this system_id's binds; "" for any receiver
}

var moRef atomic.Uint32

// maxMOAddr is the longest deliver_sm source_addr or destination_addr.
const maxMOAddr = 20

// Parts encodes m into deliver_sm PDUs: one when the content fits in 140
// octets, else concatenated parts (UDH with an 8-bit reference, or the SAR
// TLVs) that never split a GSM escape pair or a UTF-16 surrogate pair.
func (m MO) Parts() ([]smpp.PDU, error) {
	// deliver_sm addresses are C-octet strings of 21 octets at most: a
	// longer one would make a PDU the ESME cannot decode.
	if len(m.From) > maxMOAddr {
		return nil, fmt.Errorf("mo from %q: longer than %d characters", m.From, maxMOAddr)
	}
	if len(m.To) > maxMOAddr {
		return nil, fmt.Errorf("mo to %q: longer than %d characters", m.To, maxMOAddr)
	}
	var enc []byte
	var dc byte
	unit := 1 // octets that must stay together at minimum
	switch m.Coding {
	case "", "gsm":
		b, err := data.GSM7BIT.Encode(m.Content)
		if err != nil {
			return nil, fmt.Errorf("mo content is not GSM 03.38: %w", err)
		}
		enc = b
	case "ucs2":
		for _, u := range utf16.Encode([]rune(m.Content)) {
			enc = append(enc, byte(u>>8), byte(u))
		}
		dc, unit = 8, 2
	default:
		return nil, fmt.Errorf("mo coding %q: want gsm or ucs2", m.Coding)
	}
	limit := 160
	if dc == 8 {
		limit = 140
	}
	base := smpp.PDU{Header: smpp.Header{Command: smpp.DeliverSM}}
	base.Source = smpp.Address{TON: 1, NPI: 1, Addr: []byte(m.From)}
	base.Dest = smpp.Address{TON: 0, NPI: 1, Addr: []byte(m.To)}
	base.DataCoding = dc
	if len(enc) <= limit {
		base.ShortMessage = enc
		return []smpp.PDU{base}, nil
	}
	per := 153 // GSM septets (unpacked octets here) per part with a 6-octet UDH
	if dc == 8 {
		per = 134
	}
	if m.Split == "sar" {
		per = limit
		if dc == 8 {
			per = 140
		}
	}
	var chunks [][]byte
	for rest := enc; len(rest) > 0; {
		n := min(per, len(rest))
		if n < len(rest) {
			if dc == 0 && rest[n-1] == 0x1B {
				n-- // keep the escape with the character it escapes
			}
			if dc == 8 && n >= 2 {
				u := uint16(rest[n-2])<<8 | uint16(rest[n-1])
				if u >= 0xD800 && u < 0xDC00 {
					n -= 2 // keep a surrogate pair together
				}
			}
		}
		n -= n % unit
		chunks = append(chunks, rest[:n])
		rest = rest[n:]
	}
	if len(chunks) > 255 {
		return nil, fmt.Errorf("mo content needs %d parts, more than 255", len(chunks))
	}
	ref := uint8(moRef.Add(1))
	parts := make([]smpp.PDU, len(chunks))
	for i, c := range chunks {
		p := base
		if m.Split == "sar" {
			p.ShortMessage = c
			p.TLVs = smpp.TLVs(nil).
				AppendUint16(smpp.TagSarMsgRefNum, uint16(ref)).
				AppendUint8(smpp.TagSarTotalSegments, uint8(len(chunks))).
				AppendUint8(smpp.TagSarSegmentSeqnum, uint8(i+1))
		} else {
			p.EsmClass = 0x40 // UDHI
			udh := []byte{0x05, 0x00, 0x03, ref, byte(len(chunks)), byte(i + 1)}
			p.ShortMessage = append(udh, c...)
		}
		parts[i] = p
	}
	return parts, nil
}

// SendMO queues m's parts for delivery to a receiver-capable bind. It
// returns the number of parts.
func (sim *Sim) SendMO(m MO) (int, error) {
	parts, err := m.Parts()
	if err != nil {
		return 0, err
	}
	now := time.Now().UnixNano()
	for i := range parts {
		p := parts[i]
		p.Own()
		sim.sched.push(&job{due: now, kind: jobMO, systemID: m.SystemID, mo: &p})
	}
	return len(parts), nil
}

func (sim *Sim) sendMO(j *job) {
	b := sim.pickReceiver(j.systemID)
	if b == nil {
		// Nobody to receive: try again later, counting it as an attempt so
		// an idle simulator does not hoard MO forever.
		sim.retry(j)
		return
	}
	p := *j.mo
	if _, err := b.s.Send(&p, j); err != nil {
		sim.sendFailed(j, err)
		return
	}
	sim.total.MOSent.Add(1)
	b.c.MOSent.Add(1)
}

// generateMO sends MORate messages per second from the configured template.
func (sim *Sim) generateMO(stop <-chan struct{}) {
	const tick = 10 * time.Millisecond
	t := time.NewTicker(tick)
	defer t.Stop()
	m := MO{From: sim.cfg.MOFrom, To: sim.cfg.MOTo, Content: sim.cfg.MOContent, Coding: sim.cfg.MOCoding, Split: sim.cfg.MOSplit}
	var credit float64
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			credit += sim.cfg.MORate * tick.Seconds()
			for ; credit >= 1; credit-- {
				if _, err := sim.SendMO(m); err != nil {
					return // the template was validated at start; cannot happen
				}
			}
		}
	}
}
