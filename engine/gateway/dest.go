package gateway

import (
	"encoding/binary"
	"errors"

	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/smpp"
)

// dest is where a message's receipts go, kept in the DLR index with the
// SMSC id mapping (store.DLR.Dest). Encoding, version 1:
//
//	1 | channel | level | registered_delivery | submit time i64 (unix s) |
//	uid (u8 len) | url (u16 len) | method (u8 len) |
//	src ton | src npi | src addr (u8 len) | dst ton | dst npi | dst addr (u8 len)
type dest struct {
	Channel    router.Channel
	Level      uint8
	RegDLR     uint8
	SubmitUnix int64
	UID        string
	URL        string
	Method     string
	Src, Dst   smpp.Address
}

var errBadDest = errors.New("gateway: bad DLR destination record")

func (d *dest) appendTo(b []byte) []byte {
	b = append(b, 1, byte(d.Channel), d.Level, d.RegDLR)
	b = binary.BigEndian.AppendUint64(b, uint64(d.SubmitUnix))
	b = str8(b, d.UID)
	b = binary.BigEndian.AppendUint16(b, uint16(len(d.URL)))
	b = append(b, d.URL...)
	b = str8(b, d.Method)
	b = append(b, d.Src.TON, d.Src.NPI)
	b = str8(b, string(d.Src.Addr))
	b = append(b, d.Dst.TON, d.Dst.NPI)
	return str8(b, string(d.Dst.Addr))
}

func str8(b []byte, s string) []byte {
	if len(s) > 255 {
		s = s[:255]
	}
	return append(append(b, byte(len(s))), s...)
}

func (d *dest) decode(b []byte) error {
	if len(b) < 12 || b[0] != 1 {
		return errBadDest
	}
	d.Channel, d.Level, d.RegDLR = router.Channel(b[1]), b[2], b[3]
	d.SubmitUnix = int64(binary.BigEndian.Uint64(b[4:12]))
	b = b[12:]
	var ok bool
	var s string
	if d.UID, b, ok = rd8(b); !ok {
		return errBadDest
	}
	if len(b) < 2 || len(b) < 2+int(binary.BigEndian.Uint16(b)) {
		return errBadDest
	}
	n := int(binary.BigEndian.Uint16(b))
	d.URL, b = string(b[2:2+n]), b[2+n:]
	if d.Method, b, ok = rd8(b); !ok || len(b) < 2 {
		return errBadDest
	}
	d.Src.TON, d.Src.NPI = b[0], b[1]
	if s, b, ok = rd8(b[2:]); !ok || len(b) < 2 {
		return errBadDest
	}
	d.Src.Addr = []byte(s)
	d.Dst.TON, d.Dst.NPI = b[0], b[1]
	if s, _, ok = rd8(b[2:]); !ok {
		return errBadDest
	}
	d.Dst.Addr = []byte(s)
	return nil
}

func rd8(b []byte) (string, []byte, bool) {
	if len(b) < 1 || len(b) < 1+int(b[0]) {
		return "", b, false
	}
	return string(b[1 : 1+b[0]]), b[1+b[0]:], true
}
