package smpp

import "encoding/binary"

// Tag is an optional parameter (TLV) tag.
type Tag uint16

// SMPP v3.4 optional parameter tags (section 5.3.2).
const (
	TagDestAddrSubunit          Tag = 0x0005
	TagDestNetworkType          Tag = 0x0006
	TagDestBearerType           Tag = 0x0007
	TagDestTelematicsID         Tag = 0x0008
	TagSourceAddrSubunit        Tag = 0x000D
	TagSourceNetworkType        Tag = 0x000E
	TagSourceBearerType         Tag = 0x000F
	TagSourceTelematicsID       Tag = 0x0010
	TagQosTimeToLive            Tag = 0x0017
	TagPayloadType              Tag = 0x0019
	TagAdditionalStatusInfoText Tag = 0x001D
	TagReceiptedMessageID       Tag = 0x001E
	TagMsMsgWaitFacilities      Tag = 0x0030
	TagPrivacyIndicator         Tag = 0x0201
	TagSourceSubaddress         Tag = 0x0202
	TagDestSubaddress           Tag = 0x0203
	TagUserMessageReference     Tag = 0x0204
	TagUserResponseCode         Tag = 0x0205
	TagSourcePort               Tag = 0x020A
	TagDestinationPort          Tag = 0x020B
	TagSarMsgRefNum             Tag = 0x020C
	TagLanguageIndicator        Tag = 0x020D
	TagSarTotalSegments         Tag = 0x020E
	TagSarSegmentSeqnum         Tag = 0x020F
	TagSCInterfaceVersion       Tag = 0x0210
	TagCallbackNumPresInd       Tag = 0x0302
	TagCallbackNumAtag          Tag = 0x0303
	TagNumberOfMessages         Tag = 0x0304
	TagCallbackNum              Tag = 0x0381
	TagDpfResult                Tag = 0x0420
	TagSetDpf                   Tag = 0x0421
	TagMsAvailabilityStatus     Tag = 0x0422
	TagNetworkErrorCode         Tag = 0x0423
	TagMessagePayload           Tag = 0x0424
	TagDeliveryFailureReason    Tag = 0x0425
	TagMoreMessagesToSend       Tag = 0x0426
	TagMessageState             Tag = 0x0427
	TagUssdServiceOp            Tag = 0x0501
	TagDisplayTime              Tag = 0x1201
	TagSmsSignal                Tag = 0x1203
	TagMsValidity               Tag = 0x1204
	TagAlertOnMessageDelivery   Tag = 0x130C
	TagItsReplyType             Tag = 0x1380
	TagItsSessionInfo           Tag = 0x1383
)

// TLVs is the raw optional-parameter region of a PDU body: a sequence of
// tag(2) length(2) value(length) records, kept exactly as received.
type TLVs []byte

// validate checks that t is a well-formed sequence of TLV records.
func (t TLVs) validate() error {
	for len(t) > 0 {
		if len(t) < 4 {
			return errorf(ESME_RINVOPTPARSTREAM, "optional parameter header truncated")
		}
		n := int(binary.BigEndian.Uint16(t[2:4]))
		if len(t) < 4+n {
			return errorf(ESME_RINVPARLEN, "optional parameter 0x"+hex16(binary.BigEndian.Uint16(t))+" longer than the PDU")
		}
		t = t[4+n:]
	}
	return nil
}

// Get returns the value of the first TLV with tag, aliasing t. The value's
// capacity ends where the value does, so appending to it copies instead of
// overwriting the next TLV.
func (t TLVs) Get(tag Tag) ([]byte, bool) {
	for len(t) >= 4 {
		tg := Tag(binary.BigEndian.Uint16(t))
		n := int(binary.BigEndian.Uint16(t[2:4]))
		if len(t) < 4+n {
			return nil, false
		}
		if tg == tag {
			return t[4 : 4+n : 4+n], true
		}
		t = t[4+n:]
	}
	return nil, false
}

// Uint returns the value of tag read as a big-endian unsigned integer of 1,
// 2 or 4 octets.
func (t TLVs) Uint(tag Tag) (uint32, bool) {
	v, ok := t.Get(tag)
	if !ok {
		return 0, false
	}
	switch len(v) {
	case 1:
		return uint32(v[0]), true
	case 2:
		return uint32(binary.BigEndian.Uint16(v)), true
	case 4:
		return binary.BigEndian.Uint32(v), true
	}
	return 0, false
}

// CString returns the value of tag with one trailing NUL removed (C-octet
// string TLVs such as receipted_message_id).
func (t TLVs) CString(tag Tag) ([]byte, bool) {
	v, ok := t.Get(tag)
	if ok && len(v) > 0 && v[len(v)-1] == 0 {
		v = v[:len(v)-1]
	}
	return v, ok
}

// Each calls fn for each TLV in order until fn returns false. Values alias
// t, capped like Get's.
func (t TLVs) Each(fn func(tag Tag, val []byte) bool) {
	for len(t) >= 4 {
		n := int(binary.BigEndian.Uint16(t[2:4]))
		if len(t) < 4+n {
			return
		}
		if !fn(Tag(binary.BigEndian.Uint16(t)), t[4:4+n:4+n]) {
			return
		}
		t = t[4+n:]
	}
}

// Append adds a TLV record and returns the extended region. Values longer
// than 65535 octets are truncated to the field's limit by the caller's
// responsibility; Append panics on them to surface the bug.
func (t TLVs) Append(tag Tag, val []byte) TLVs {
	if len(val) > 0xFFFF {
		panic("smpp: TLV value longer than 65535 octets")
	}
	t = binary.BigEndian.AppendUint16(t, uint16(tag))
	t = binary.BigEndian.AppendUint16(t, uint16(len(val)))
	return append(t, val...)
}

// AppendUint8 adds a one-octet integer TLV.
func (t TLVs) AppendUint8(tag Tag, v uint8) TLVs {
	t = binary.BigEndian.AppendUint16(t, uint16(tag))
	t = binary.BigEndian.AppendUint16(t, 1)
	return append(t, v)
}

// AppendUint16 adds a two-octet integer TLV.
func (t TLVs) AppendUint16(tag Tag, v uint16) TLVs {
	t = binary.BigEndian.AppendUint16(t, uint16(tag))
	t = binary.BigEndian.AppendUint16(t, 2)
	return binary.BigEndian.AppendUint16(t, v)
}

// AppendCString adds a C-octet string TLV (value plus a terminating NUL).
// Like Append, it panics when the value does not fit a TLV.
func (t TLVs) AppendCString(tag Tag, s []byte) TLVs {
	if len(s) >= 0xFFFF {
		panic("smpp: TLV value longer than 65535 octets")
	}
	t = binary.BigEndian.AppendUint16(t, uint16(tag))
	t = binary.BigEndian.AppendUint16(t, uint16(len(s)+1))
	t = append(t, s...)
	return append(t, 0)
}

// Without returns the region with every TLV of tag removed, in a new slice.
func (t TLVs) Without(tag Tag) TLVs {
	var out TLVs
	t.Each(func(tg Tag, v []byte) bool {
		if tg != tag {
			out = out.Append(tg, v)
		}
		return true
	})
	return out
}

func hex16(v uint16) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[v>>12], digits[v>>8&0xF], digits[v>>4&0xF], digits[v&0xF]})
}
