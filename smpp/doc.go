// Package smpp owns the SMPP v3.4 wire format: command ids, command_status
// codes, optional parameter (TLV) tags and the PDU codec.
//
// The codec is built for the hot path. Decode fills a caller-owned PDU whose
// byte-slice fields alias the frame it was decoded from: decoding allocates
// nothing, and the PDU is valid only as long as the frame is. Call Own (or
// copy the fields you need) before keeping a PDU past the frame's lifetime.
// AppendTo encodes into a caller-supplied buffer and allocates nothing when
// the buffer has room.
//
// Optional parameters are kept as the raw TLV region of the body: they
// survive decode → encode byte for byte, unknown tags included, and are read
// with TLVs.Get or walked with TLVs.Each.
//
// ParseReceipt reads the delivery receipt text of SMPP v3.4 Appendix B
// ("id:... stat:DELIVRD ...") that a deliver_sm carries in short_message,
// without allocating; Receipt.AppendTo writes it, and MessageStateFromStat
// and StatFromMessageState map its stat word to the message_state TLV.
//
// Every decoding error is an *Error that carries the command_status an SMPP
// peer should answer with (ESME_RINVCMDLEN for a truncated body,
// ESME_RINVSRCADR for a bad source_addr, and so on).
package smpp
