package mt

import (
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/gwd-project/gwd/engine/content"
	"github.com/gwd-project/gwd/smpp"
)

// RefWidth is the width of a long message's concatenation reference.
type RefWidth uint8

// Reference widths.
const (
	// Ref8: the 8-bit reference (UDH IE 0x00, a 6-octet header: 153 GSM
	// septets or 67 UCS2 units a part), Jasmin's; two long messages to
	// one handset meet the same reference every 256.
	Ref8 RefWidth = 8
	// Ref16: the 16-bit reference (UDH IE 0x08, a 7-octet header: 152 GSM
	// septets or 66 UCS2 units a part); references repeat every 65,280
	// long messages.
	Ref16 RefWidth = 16
)

// DefaultRef is the reference width of every message gwd splits itself
// (HTTP, REST, batches, Junebug): the one place the default is set.
const DefaultRef = Ref16

// Split is how a message too long for one short_message is cut: the
// method (UDH or SAR), the reference width and the most parts allowed
// (<= 0 or above 255: 255).
type Split struct {
	Method   content.Method
	Ref      RefWidth
	MaxParts int
}

// DefaultSplit is UDH with DefaultRef and at most 255 parts.
func DefaultSplit() Split {
	return Split{Method: content.UDH, Ref: DefaultRef, MaxParts: content.MaxParts}
}

// refs is the one allocator of concatenation references: a counter that
// only long messages advance, seeded at random (the clock) so that a
// restart does not replay the references a handset has just seen.
var refs atomic.Uint32

func init() { refs.Store(uint32(time.Now().UnixNano())) }

// ref draws the next reference of sp's width: 0..255 for Ref8,
// 256..65535 for Ref16 (a reference above 255 selects the 16-bit IE in
// content.Split).
func (sp Split) ref() uint16 {
	n := refs.Add(1)
	if sp.Ref == Ref8 {
		return uint16(n & 0xff)
	}
	return uint16(256 + n%(65536-256))
}

// Count returns how many submit_sm octets in coding c make when split per
// sp (without building them, drawing no reference; it may exceed
// sp.MaxParts).
func (sp Split) Count(octets []byte, c content.Coding) int {
	var ref uint16 // 8-bit header
	if sp.Ref == Ref16 {
		ref = 0x100
	}
	return content.CountFor(octets, c, sp.Method, ref)
}

// Fields are what every submit_sm part of one message carries besides its
// content. Slices are aliased, not copied.
type Fields struct {
	Source, Dest         smpp.Address
	Priority             byte
	RegisteredDelivery   byte
	ScheduleDeliveryTime []byte
	ValidityPeriod       []byte
}

// Builder builds the submit_sm parts of the messages gwd composes itself
// (HTTP /send, REST, batches, Junebug), one message at a time: Encode (or
// octets of the caller's), Cut, then Parts. Its buffers are reused from
// message to message, so a warm Builder allocates nothing; it is not safe
// for concurrent use, and the parts it returns are valid until its next
// use.
type Builder struct {
	octets []byte // Encode's output
	coding content.Coding
	split  []content.Part
	buf    []byte // the parts' short_message octets
	tlv    []byte // the parts' SAR TLVs
	parts  []smpp.PDU
}

// Encode turns text into short_message octets in coding c; with auto (no
// coding asked for) and valid UTF-8 text, in GSM 03.38 when it can carry
// every character, else UCS2. It returns the coding used and the octets
// (valid until the Builder's next Encode).
func (b *Builder) Encode(text string, c content.Coding, auto bool) (content.Coding, []byte, error) {
	var err error
	if auto && utf8.ValidString(text) {
		c, b.octets = content.AppendBest(b.octets[:0], text)
	} else {
		b.octets, err = content.AppendEncode(b.octets[:0], text, c)
	}
	return c, b.octets, err
}

// Cut splits octets in coding c per sp and returns the number of parts.
// A reference is drawn only for content that needs more than one part.
// Errors are content's: *content.TooLongError past sp.MaxParts.
func (b *Builder) Cut(octets []byte, c content.Coding, sp Split) (int, error) {
	var ref uint16
	// Up to 140 octets always fit one part (160 for GSM septets).
	if len(octets) > content.SingleOctets && sp.Count(octets, c) > 1 {
		ref = sp.ref()
	}
	split, buf, err := content.AppendSplit(b.split[:0], b.buf[:0], octets, c, sp.Method, sp.MaxParts, ref)
	if err != nil {
		return 0, err
	}
	b.split, b.buf, b.coding = split, buf, c
	return len(split), nil
}

// Parts returns one submit_sm per part of the last Cut, each with f's
// fields, the coding and its content (esm_class 0x40 with a UDH, the SAR
// TLVs with SAR). They alias b's buffers and f's slices.
func (b *Builder) Parts(f *Fields) []smpp.PDU {
	// SAR TLVs: 16 octets a part, in one buffer sized first so that the
	// slices taken from it stay put.
	b.tlv = b.tlv[:0]
	if need := 16 * len(b.split); cap(b.tlv) < need {
		b.tlv = make([]byte, 0, need)
	}
	if cap(b.parts) < len(b.split) {
		b.parts = make([]smpp.PDU, len(b.split))
	}
	b.parts = b.parts[:len(b.split)]
	for i := range b.split {
		pt := &b.split[i]
		p := &b.parts[i]
		*p = smpp.PDU{}
		p.Command = smpp.SubmitSM
		p.Source, p.Dest = f.Source, f.Dest
		p.PriorityFlag = f.Priority
		p.ScheduleDeliveryTime = f.ScheduleDeliveryTime
		p.ValidityPeriod = f.ValidityPeriod
		p.RegisteredDelivery = f.RegisteredDelivery
		p.DataCoding = byte(b.coding)
		p.ShortMessage = pt.ShortMessage
		if pt.UDHI {
			p.EsmClass |= 0x40
		}
		if pt.SARTotal > 0 {
			start := len(b.tlv)
			t := smpp.TLVs(b.tlv)
			t = t.AppendUint16(smpp.TagSarMsgRefNum, pt.SARRef)
			t = t.AppendUint8(smpp.TagSarTotalSegments, pt.SARTotal)
			t = t.AppendUint8(smpp.TagSarSegmentSeqnum, pt.SARSeq)
			b.tlv = t
			p.TLVs = smpp.TLVs(b.tlv[start:len(b.tlv):len(b.tlv)])
		}
	}
	return b.parts
}

// Reset drops what the parts alias (a Builder going back to a pool keeps
// its buffers, not the last message's addresses).
func (b *Builder) Reset() {
	for i := range b.parts {
		b.parts[i] = smpp.PDU{}
	}
	b.parts = b.parts[:0]
}

// Build is Cut then Parts: the submit_sm parts of octets in coding c.
func (b *Builder) Build(octets []byte, c content.Coding, sp Split, f *Fields) ([]smpp.PDU, error) {
	if _, err := b.Cut(octets, c, sp); err != nil {
		return nil, err
	}
	return b.Parts(f), nil
}

// FromSMPP makes p the submit_sm gwd forwards for an ESME's submit_sm or
// data_sm req (fields aliased): a submit_sm as it is; a data_sm as a
// submit_sm whose message_payload stays a TLV (SMSCs take it in submit_sm
// too).
func FromSMPP(req, p *smpp.PDU) {
	if req.Command != smpp.DataSM {
		*p = *req
		return
	}
	*p = smpp.PDU{}
	p.Header = smpp.Header{Command: smpp.SubmitSM, Seq: req.Seq}
	p.ServiceType = req.ServiceType
	p.Source, p.Dest = req.Source, req.Dest
	p.EsmClass, p.RegisteredDelivery, p.DataCoding = req.EsmClass, req.RegisteredDelivery, req.DataCoding
	p.TLVs = req.TLVs
}

// SMs is how many short messages the submit_sm p stands for, what it is
// billed as: one, or for content in a message_payload TLV (an empty
// short_message, no UDH of the sender's) the parts DefaultSplit cuts it
// into — the SMSC splits it, one SM at a time.
func SMs(p *smpp.PDU) int {
	if len(p.ShortMessage) > 0 || p.EsmClass&0x40 != 0 {
		return 1
	}
	v, ok := p.TLVs.Get(smpp.TagMessagePayload)
	if !ok {
		return 1
	}
	return max(DefaultSplit().Count(v, content.Coding(p.DataCoding)), 1)
}
