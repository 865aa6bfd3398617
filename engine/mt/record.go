package mt

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/smpp"
)

// Record is one submit_sm waiting in a connector's queue: the PDU to send
// and what the gateway needs when its submit_sm_resp comes back (whom to
// tell, which part it is, what is left to charge).
//
// Encoding (version 1), all integers big-endian:
//
//	1 | channel | part | parts | dlr level | resp charge i64 |
//	len u8 + id | len u8 + uid | len u16 + dlr url | len u8 + dlr method |
//	submit_sm frame (header included, sequence number 0)
type Record struct {
	ID      string
	UID     string
	Channel router.Channel
	// Part counts from 1 of Parts.
	Part, Parts uint8
	DLR         DLRRequest
	// RespCharge is the amount (micro-units) to take from the user's
	// balance when this part's submit_sm_resp is OK (asynchronous billing).
	RespCharge int64
	// PDU is the encoded submit_sm frame.
	PDU []byte
}

const recordVersion = 1

// ErrBadRecord is a queue record that does not decode.
var ErrBadRecord = errors.New("mt: bad queue record")

// AppendTo appends the record's encoding to dst.
func (r *Record) AppendTo(dst []byte) []byte {
	dst = append(dst, recordVersion, byte(r.Channel), r.Part, r.Parts, r.DLR.Level)
	dst = binary.BigEndian.AppendUint64(dst, uint64(r.RespCharge))
	dst = appendStr8(dst, r.ID)
	dst = appendStr8(dst, r.UID)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(r.DLR.URL)))
	dst = append(dst, r.DLR.URL...)
	dst = appendStr8(dst, r.DLR.Method)
	return append(dst, r.PDU...)
}

// AppendPDU encodes the submit_sm p (sequence number 0) after the record
// header: AppendTo with PDU set to p's frame, without an extra copy.
func (r *Record) AppendPDU(dst []byte, p *smpp.PDU) []byte {
	pdu := r.PDU
	r.PDU = nil
	dst = r.AppendTo(dst)
	r.PDU = pdu
	seq := p.Seq
	p.Seq = 0
	dst = p.AppendTo(dst)
	p.Seq = seq
	return dst
}

func appendStr8(dst []byte, s string) []byte {
	if len(s) > 255 {
		s = s[:255]
	}
	dst = append(dst, byte(len(s)))
	return append(dst, s...)
}

// Decode parses b into r. Strings are copied; PDU aliases b.
func (r *Record) Decode(b []byte) error {
	if len(b) < 13 || b[0] != recordVersion {
		return fmt.Errorf("%w: header", ErrBadRecord)
	}
	r.Channel = router.Channel(b[1])
	r.Part, r.Parts, r.DLR.Level = b[2], b[3], b[4]
	r.RespCharge = int64(binary.BigEndian.Uint64(b[5:13]))
	b = b[13:]
	var ok bool
	if r.ID, b, ok = str8(b); !ok {
		return fmt.Errorf("%w: id", ErrBadRecord)
	}
	if r.UID, b, ok = str8(b); !ok {
		return fmt.Errorf("%w: uid", ErrBadRecord)
	}
	if len(b) < 2 {
		return fmt.Errorf("%w: dlr url", ErrBadRecord)
	}
	n := int(binary.BigEndian.Uint16(b))
	if len(b) < 2+n {
		return fmt.Errorf("%w: dlr url", ErrBadRecord)
	}
	r.DLR.URL = string(b[2 : 2+n])
	b = b[2+n:]
	if r.DLR.Method, b, ok = str8(b); !ok {
		return fmt.Errorf("%w: dlr method", ErrBadRecord)
	}
	if len(b) < 16 {
		return fmt.Errorf("%w: submit_sm", ErrBadRecord)
	}
	r.PDU = b
	return nil
}

func str8(b []byte) (string, []byte, bool) {
	if len(b) < 1 || len(b) < 1+int(b[0]) {
		return "", b, false
	}
	n := int(b[0])
	return string(b[1 : 1+n]), b[1+n:], true
}
