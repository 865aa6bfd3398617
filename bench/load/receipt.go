package load

import (
	"bytes"

	"github.com/gwd-project/gwd/smpp"
)

// esm_class message type bits (SMPP v3.4 section 5.2.12).
const (
	esmTypeMask         = 0x3C
	esmDeliveryReceipt  = 0x04
	esmIntermediateNote = 0x20
)

// ReceiptOf tells whether deliver_sm (or data_sm) p is a delivery receipt
// and returns the message id it is for and its message_state. The id
// comes from the receipted_message_id TLV, else from the "id:" of the
// Appendix B text; the state from the message_state TLV, else from the
// text's stat word (MessageStateUnknown when neither says). A PDU whose
// esm_class marks no receipt still counts as one when it carries
// receipted_message_id or its text starts with "id:" and parses as a
// receipt (some SMSCs leave esm_class 0). id aliases p.
func ReceiptOf(p *smpp.PDU) (id []byte, state byte, ok bool) {
	typ := p.EsmClass & esmTypeMask
	marked := typ == esmDeliveryReceipt || typ == esmIntermediateNote
	tlvID, hasTLV := p.TLVs.CString(smpp.TagReceiptedMessageID)
	var text smpp.Receipt
	var textErr error = smpp.ErrReceiptNoID
	if marked || bytes.HasPrefix(p.ShortMessage, []byte("id:")) {
		text, textErr = smpp.ParseReceipt(p.ShortMessage)
	}
	switch {
	case hasTLV && len(tlvID) > 0:
		id = tlvID
	case textErr == nil:
		id = text.ID
	default:
		return nil, 0, false
	}
	state = smpp.MessageStateUnknown
	if v, ok := p.TLVs.Uint(smpp.TagMessageState); ok && v >= 1 && v <= 8 {
		state = byte(v)
	} else if textErr == nil {
		if st, ok := smpp.MessageStateFromStat(text.Stat); ok {
			state = st
		}
	} else if typ == esmIntermediateNote {
		state = smpp.MessageStateEnroute
	}
	return id, state, true
}

// statName names a message_state by its receipt stat word; 0, which no
// receipt carries, is UNKNOWN like the other values outside 1 to 8.
func statName(st byte) string { return smpp.StatFromMessageState(st) }
